"""One writer's save bookkeeping: what it last persisted, its intents, what changed since, and save reports.

Split from controller.py (which runs the saves); the controller re-exports these names.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass, field
from enum import Enum

from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_changes import RoomChanges
from river_desktop.domain.rooms import PresentSlot, RoomData, Rooms, RoomSlot, RoomsMeta, room_label
from river_desktop.storage import reconcile as rc
from river_desktop.storage.slots import hist_key, outbox_key


class RoomOutcome(Enum):
    STORED = "stored"
    UNCHANGED = "unchanged"
    ADOPTED_LEAVE = "adopted a remote leave"
    REJOINED_ELSEWHERE = "kept: rejoined elsewhere"
    FAILED = "failed"


@dataclass(frozen=True)
class RoomSaveResult:
    owner_vk: bytes
    outcome: RoomOutcome
    reason: str = ""
    slot: RoomSlot | None = None
    attempts: int = 0

    def __repr__(self) -> str:
        extra = f", reason={self.reason!r}" if self.reason else ""
        return f"RoomSaveResult({room_label(self.owner_vk)}, {self.outcome.value}{extra})"


@dataclass(frozen=True)
class SaveReport:
    rooms: dict[bytes, RoomSaveResult] = field(default_factory=dict)
    meta: RoomOutcome | None = None
    meta_error: str = ""
    messages_stored: frozenset[int] = frozenset()
    """Ids of the messages given to ``save(messages=...)`` that are in the store after it."""

    @property
    def ok(self) -> bool:
        return not self.failures and not self.meta_error

    @property
    def failures(self) -> list[RoomSaveResult]:
        return [r for r in self.rooms.values() if r.outcome is RoomOutcome.FAILED]

    @property
    def max_attempts(self) -> int:
        return max((r.attempts for r in self.rooms.values()), default=0)

    def summary(self) -> str:
        if self.ok:
            return "saved"
        parts = [f"{room_label(r.owner_vk)}: {r.reason}" for r in self.failures]
        if self.meta_error:
            parts.append(f"preferences: {self.meta_error}")
        return f"{len(parts)} save error(s); first: {parts[0]}"


class IntentKind(Enum):
    LEAVE = "leave"
    REJOIN = "rejoin"


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    seq: int
    seen_epoch: int = 0


def _digest(data: bytes) -> bytes:
    """What a writer remembers of a slot payload it loaded or stored: the bytes object itself.

    It is the very object the ``RoomData`` in ``persisted_rooms`` holds as its ``slot_bytes`` (a load keeps the
    bytes it read, a save the bytes it encoded), so remembering it copies nothing, and comparing it with what
    the store holds now is a ``memcmp``. A blake2b fingerprint cost about 40 us per 20 KB slot, twice per save
    (B2) and once per room at load.
    """
    return data


def _digest_is(expected: bytes, data: bytes) -> bool:
    return data == expected


_TOMBSTONE_MARK = b"tombstone"


class SaveSession:
    """One writer (a window or a CLI run): what it last persisted, and its pending intents."""

    _ids = itertools.count(1)

    def __init__(self, name: str = "") -> None:
        self.id = next(self._ids)
        self.name = name or f"session-{self.id}"
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self.persisted: dict[bytes, bytes] = {}
        self.persisted_rooms: dict[bytes, RoomData] = {}
        self.meta_saved: RoomsMeta | None = None
        self.meta_base: RoomsMeta | None = None
        self.intents: dict[bytes, Intent] = {}
        self.settled: set[str] = set()
        """Outbox and history keys of pending changes this writer has seen land (so it never writes them again)."""
        self.history: dict[bytes, frozenset[int]] = {}
        """Per room, the ids of the window it last stored: every stored window is already in the history."""
        self._running = False
        self._pending: Rooms | None = None
        self._pending_future: asyncio.Future[SaveReport] | None = None
        self._pending_changed: set[bytes] | None = set()
        self.saves_run = 0
        self._changes: RoomChanges | None = None
        self.retry: set[bytes] = set()
        """Rooms whose last save failed: looked at again by the next save, changed or not."""
        self._meta_source: tuple[Rooms, RoomsMeta] | None = None

    def __repr__(self) -> str:
        return f"SaveSession({self.name}, intents={len(self.intents)})"

    def watch(self, rooms: Rooms) -> None:
        """From now on, record which rooms of ``rooms`` are set, so a save looks only at those."""
        self._changes = rooms.rooms.watch()

    def take_changes(self, rooms: Rooms) -> set[bytes] | None:
        """The rooms set in ``rooms`` since the last call, or None when every room must be looked at (the first
        save of this room map, or after a save that failed as a whole); watches ``rooms`` from now on."""
        changes = self._changes
        if changes is None or changes.map is not rooms.rooms:
            self.watch(rooms)
            return None
        return changes.take()

    def forget_changes(self) -> None:
        """A save failed as a whole: the next one looks at every room again."""
        self._changes = None

    def meta_of(self, rooms: Rooms) -> RoomsMeta:
        """``rooms.to_meta()``, or the one built for an earlier snapshot of this writer when nothing it is made
        of differs: the same room keys (one map token) and equal order, modes, favourites, Archive and current
        room. Those compare at C speed (the lists hold the very same key objects); filtering the order by the
        rooms is a Python loop over every room, the one cost of a one-room save that grew with the rooms (B2b)."""
        last = self._meta_source
        if last is not None and _same_meta_inputs(last[0], rooms):
            return last[1]
        meta = rooms.to_meta()
        self._meta_source = (rooms, meta)
        return meta

    def known_history(self, owner_vk: bytes) -> frozenset[int]:
        known = self.history.get(owner_vk)
        if known is None:
            base = self.persisted_rooms.get(owner_vk)
            known = frozenset() if base is None else _window_ids(base)
            self.history[owner_vk] = known
        return known

    def _set_intent(self, owner_vk: bytes, kind: IntentKind, seen_epoch: int = 0) -> None:
        with self._lock:
            self.intents[owner_vk] = Intent(kind, next(self._seq), seen_epoch)

    def _snapshot_intents(self) -> dict[bytes, Intent]:
        with self._lock:
            return dict(self.intents)

    def _consume(self, owner_vk: bytes, carried: Intent) -> None:
        with self._lock:
            if self.intents.get(owner_vk) == carried:
                del self.intents[owner_vk]


def _same_meta_inputs(a: Rooms, b: Rooms) -> bool:
    return (
        a.rooms.keys_token is b.rooms.keys_token
        and a.current_room == b.current_room
        and a.room_order == b.room_order
        and a.notification_modes == b.notification_modes
        and a.pinned == b.pinned
        and a.archived == b.archived
    )


def hist_key_of(owner_vk: bytes, message: AuthorizedMessage) -> str:
    t = message.message.time
    return hist_key(owner_vk, t.secs, t.nanos, message.id)


def _window_ids(room: RoomData) -> frozenset[int]:
    if room.waiting:
        return frozenset()
    return frozenset(m.id for m in room.room_state.recent_messages)


def _pending_entries(session: SaveSession, room: RoomData) -> list[tuple[str, bytes]]:
    """The outbox entry and new history keys of each pending change this writer has not seen land."""
    out: list[tuple[str, bytes]] = []
    for p in room.pending:
        entry = outbox_key(room.owner_vk, p.made_at.secs, p.made_at.nanos, p.delta)
        if entry not in session.settled:
            out.append((entry, p.delta))
        out.extend((k, m.encode()) for m in p.messages if (k := hist_key_of(room.owner_vk, m)) not in session.settled)
    return out


def _window_entries(owner_vk: bytes, known: frozenset[int], decision: rc.Decision | None) -> list[tuple[str, bytes]]:
    """History keys for the messages of the slot about to be written that are not known to be in history."""
    if not isinstance(decision, rc.Write) or not isinstance(decision.slot, PresentSlot):
        return []
    room = decision.slot.room
    if room.waiting:
        return []
    return [(hist_key_of(owner_vk, m), m.encode()) for m in room.room_state.recent_messages if m.id not in known]


def _save_entries(
    owner_vk: bytes, pending: list[tuple[str, bytes]], known: frozenset[int], decision: rc.Decision | None
) -> list[tuple[str, bytes]]:
    if isinstance(decision, rc.AdoptLeave | rc.RejoinedElsewhere):
        return []
    entries = dict(pending)
    for key, value in _window_entries(owner_vk, known, decision):
        entries.setdefault(key, value)
    return list(entries.items())

