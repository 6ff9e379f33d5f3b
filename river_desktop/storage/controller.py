"""The storage controller: one per process, shared by every window and the CLI.

All store calls run on one worker thread (``_io``), so the event loop never waits on disk or
crypto; SQLite's ``BEGIN IMMEDIATE`` serialises writers across threads and processes, and the
CAS loop makes every save a read–merge–write that cannot clobber another writer.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import itertools
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TypeVar

from river_desktop.domain import cbor
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.codec import SystemTime, fast_hash
from river_desktop.domain.river.content import ReplyContent
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import (
    NotificationMode,
    PresentSlot,
    ReadMarker,
    RoomData,
    Rooms,
    RoomSlot,
    RoomsMeta,
    TombstoneSlot,
    room_label,
    unread_messages,
)
from river_desktop.storage import migrate_0_1
from river_desktop.storage import reconcile as rc
from river_desktop.storage.errors import StorageError
from river_desktop.storage.history_index import HistoryIndexKV, IndexEntry, IndexIncompleteError, UnreadQuery
from river_desktop.storage.kv import CasResult, Conflict, KVStore, Stored, StoreHealth, health_of, scan_reporting
from river_desktop.storage.message_rows import MESSAGE_INDEXER, NOT_COUNTED, member_bytes, message_id_of, sort_point
from river_desktop.storage.profile import Profile
from river_desktop.storage.search_index import SearchHit, SearchKeeper
from river_desktop.storage.slots import (
    LEGACY_BLOB_KEY,
    META_KEY,
    MIGRATION_DONE_KEY,
    RIVER_MIGRATION_DONE_KEY,
    ROOM_PREFIX,
    decode_slot,
    hist_key,
    hist_prefix,
    outbox_key,
    parse_hist_key,
    parse_hist_room,
    parse_room_key,
    room_key,
)

log = logging.getLogger(__name__)

CAS_MAX_ATTEMPTS = 8
SLOT_HOLDS_ANOTHER_ROOM = "the slot holds another room's data (written by a faulty program); it is left untouched"
POLL_INTERVAL_S = 0.25

T = TypeVar("T")


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


@dataclass(frozen=True)
class LoadIssue:
    key: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    rooms: Rooms
    issues: tuple[LoadIssue, ...] = ()
    migrated: bool = False
    upgrade: str = ""
    """What the upgrade of a 0.1.0 profile did, when this load ran it (for front ends to say so)."""


@dataclass(frozen=True)
class ChangeEvent:
    """Keys written since the last event; ``external`` when another process wrote them."""

    keys: frozenset[str]
    external: bool
    session_id: int | None = None

    @property
    def room_keys(self) -> dict[bytes, str]:
        return {vk: k for k in self.keys if (vk := parse_room_key(k)) is not None}

    @property
    def message_rooms(self) -> set[bytes]:
        """Rooms whose history gained messages."""
        return {vk for k in self.keys if (vk := parse_hist_room(k)) is not None}

    @property
    def meta_changed(self) -> bool:
        return META_KEY in self.keys


Subscriber = Callable[[ChangeEvent], None]


_DIGEST_CHUNK = 2000


def _digest(data: bytes) -> bytes:
    """Fingerprint of a slot payload, fed in small chunks.

    hashlib drops the GIL for inputs over 2 KiB; on a loaded worker thread that
    hand-off makes the GUI thread wait for the lock again on every room, which
    showed up as a 60–90 ms stall while a big profile loads (benchmark B7).
    """
    hasher = hashlib.blake2b(digest_size=16)
    view = memoryview(data)
    for start in range(0, len(view), _DIGEST_CHUNK):
        hasher.update(view[start : start + _DIGEST_CHUNK])
    return hasher.digest()


def _digest_is(expected: bytes, data: bytes) -> bool:
    return _digest(data) == expected


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
        self.saves_run = 0

    def __repr__(self) -> str:
        return f"SaveSession({self.name}, intents={len(self.intents)})"

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


class StorageController:
    """Async façade over the KV store; every method is awaited from the event loop thread."""

    def __init__(self, store: KVStore, profile: Profile | None = None) -> None:
        self._store = store
        self.profile = profile
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="river-storage")
        self._subscribers: list[Subscriber] = []
        self._poller: asyncio.Task[None] | None = None
        self._cursor = store.current_cursor()
        self._closed = False
        self._message_index: dict[bytes, list[str]] = {}
        self._health = health_of(store)
        self._health_subscribers: list[Callable[[StoreHealth], None]] = []
        self._history = store if isinstance(store, HistoryIndexKV) else None
        self._history_attached = False
        self._search = SearchKeeper(store)
        self._start_history_index()

    # -- lifecycle

    @classmethod
    async def open(cls, profile_dir: str | Path | None = None, *, read_only: bool = False) -> StorageController:
        opener = partial(Profile.open, profile_dir, read_only=read_only)
        profile = await asyncio.get_running_loop().run_in_executor(None, opener)
        return cls(profile.store, profile)

    @classmethod
    def open_sync(cls, profile_dir: str | Path | None = None) -> StorageController:
        profile = Profile.open(profile_dir)
        return cls(profile.store, profile)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self._call(self._store.close)
        self._io.shutdown(wait=True)

    @property
    def store(self) -> KVStore:
        return self._store

    @property
    def health(self) -> StoreHealth:
        """Whether saving still works; when not, ``health.problem`` is what every window must show."""
        return self._health

    def subscribe_health(self, callback: Callable[[StoreHealth], None]) -> Callable[[], None]:
        """``callback(health)`` whenever the store stops accepting writes (damaged, deleted or replaced)."""
        self._health_subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._health_subscribers:
                self._health_subscribers.remove(callback)

        return unsubscribe

    def _note_health(self) -> None:
        health = health_of(self._store)
        if health == self._health:
            return
        self._health = health
        log.warning("the profile stopped accepting changes: %s", health.problem)
        for callback in list(self._health_subscribers):
            try:
                callback(health)
            except Exception:
                log.exception("a health subscriber failed")

    def open_session(self, name: str = "") -> SaveSession:
        return SaveSession(name)

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    # -- intents

    def mark_room_rejoined(self, session: SaveSession, owner_vk: bytes) -> None:
        """The user explicitly rejoined (invitation accept, identity import): the next save may overwrite a leave."""
        session._set_intent(owner_vk, IntentKind.REJOIN)

    def clear_room_rejoined(self, session: SaveSession, owner_vk: bytes) -> None:
        with session._lock:
            intent = session.intents.get(owner_vk)
            if intent is not None and intent.kind is IntentKind.REJOIN:
                del session.intents[owner_vk]

    def mark_room_left(self, session: SaveSession, owner_vk: bytes, seen_epoch: int) -> None:
        session._set_intent(owner_vk, IntentKind.LEAVE, seen_epoch)

    def leave_room(self, session: SaveSession, rooms: Rooms, owner_vk: bytes) -> None:
        """Leave in ``rooms`` and record the intent, so the next save writes the tombstone."""
        epoch = rooms.get(owner_vk).epoch
        rooms.leave(owner_vk)
        self.mark_room_left(session, owner_vk, epoch)

    # -- change feed

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)
        if self._poller is None and not self._closed:
            self._poller = asyncio.get_running_loop().create_task(self._poll_external())

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _announce(self, keys: Iterable[str], *, external: bool, session: SaveSession | None = None) -> None:
        keyset = frozenset(keys)
        if not keyset or self._closed:
            return
        for key in keyset:
            vk = parse_hist_room(key)
            if vk is not None:
                self._message_index.pop(vk, None)
        event = ChangeEvent(keyset, external, None if session is None else session.id)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("a change subscriber failed")

    async def _poll_external(self) -> None:
        """Announce other processes' commits; cheap when nothing changed (a cursor query)."""
        while not self._closed:
            await asyncio.sleep(POLL_INTERVAL_S)
            try:
                cursor, keys = await self._call(self._store.changes_since, self._cursor)
            except (StorageError, RuntimeError) as exc:
                log.warning("change poll failed: %s", exc)
                continue
            finally:
                self._note_health()
            if cursor != self._cursor:
                self._cursor = cursor
                self._announce(keys, external=True)

    # -- load

    async def load(self, session: SaveSession | None = None) -> Rooms:
        return (await self.load_with_report(session)).rooms

    async def load_with_report(self, session: SaveSession | None = None) -> LoadResult:
        try:
            result, written = await self._call(self._load_sync, session)
        finally:
            self._note_health()
        self._announce(written, external=False)
        return result

    def _planning_keys(self, room_keys: Iterable[str]) -> list[str]:
        """The keys the load plan looks at: the room keys already scanned, and the few special ones."""
        keys = list(room_keys)
        special = self._store.get_many((META_KEY, LEGACY_BLOB_KEY, MIGRATION_DONE_KEY))
        keys.extend(k for k, (value, _gen) in special.items() if value is not None)
        return keys

    def _load_sync(self, session: SaveSession | None) -> tuple[LoadResult, list[str]]:
        # Read once: it is both the plan's input and the load itself. Rows a damaged page (or a foreign writer)
        # made unreadable are load issues, and the other rooms load.
        rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        migrated = False
        upgraded = ""
        written: list[str] = []
        issues: list[LoadIssue] = []
        needs_upgrade = migrate_0_1.needs_migration(self._store, rows)
        if needs_upgrade and not health_of(self._store).writable:
            issues.append(LoadIssue(RIVER_MIGRATION_DONE_KEY, migrate_0_1.NEEDS_WRITABLE))
        elif needs_upgrade:
            try:
                report = migrate_0_1.migrate(self._store, SystemTime.from_unix(time.time()))
            except StorageError as exc:
                issues.append(LoadIssue(RIVER_MIGRATION_DONE_KEY, f"the 0.1.0 profile could not be upgraded ({exc})"))
            else:
                migrated = report.rooms > 0
                upgraded = report.summary()
                issues.extend(LoadIssue(k, reason) for k, reason in report.problems)
                written.extend(k for k, _g, _p in scan_reporting(self._store, ROOM_PREFIX)[0])
            rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        plan = rc.plan_load(self._planning_keys(key for key, _gen, _payload in rows))
        if plan.kind is rc.LoadKind.MIGRATE and health_of(self._store).writable:
            try:
                migrated, written, mig_issues = self._migrate_sync()
            except StorageError as exc:
                mig_issues = [LoadIssue(LEGACY_BLOB_KEY, f"the legacy room list could not be migrated ({exc})")]
            issues.extend(mig_issues)
            rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        issues.extend(LoadIssue(row.key, row.reason) for row in skipped)
        rooms = Rooms()
        for key, _gen, payload in rows:
            vk = parse_room_key(key, check_point=False)
            if vk is None:
                continue
            try:
                slot = decode_slot(payload, trusted=True)
            except (DecodeError, ValueError) as exc:
                issues.append(LoadIssue(key, f"undecodable room slot ({exc})"))
                log.warning("room %s: undecodable slot left untouched", room_label(vk))
                continue
            if isinstance(slot, PresentSlot):
                if slot.room.owner_vk != vk:
                    issues.append(LoadIssue(key, SLOT_HOLDS_ANOTHER_ROOM))
                    log.warning("room %s: a slot holding another room left untouched", room_label(vk))
                    continue
                rooms.rooms[vk] = slot.room
                if session is not None:
                    session.persisted_rooms[vk] = slot.room
            else:
                rooms.removed[vk] = slot.epoch
            if session is not None:
                session.persisted[vk] = _TOMBSTONE_MARK if isinstance(slot, TombstoneSlot) else _digest(payload)
        try:
            meta_raw = self._store.get(META_KEY)
        except StorageError as exc:
            issues.append(LoadIssue(META_KEY, f"the room preferences cannot be read ({exc})"))
            meta_raw = None
        if meta_raw is not None:
            try:
                meta = RoomsMeta.decode(meta_raw)
            except (DecodeError, ValueError) as exc:
                issues.append(LoadIssue(META_KEY, f"undecodable room preferences ({exc})"))
            else:
                rooms.apply_meta(meta)
                if session is not None:
                    session.meta_saved = rooms.to_meta()
                    session.meta_base = meta
        self._search.note_rooms(rooms.rooms)
        with contextlib.suppress(RuntimeError):  # closing
            self._io.submit(self._search_job)
        return LoadResult(rooms, tuple(issues), migrated, upgraded), written

    def _migrate_sync(self) -> tuple[bool, list[str], list[LoadIssue]]:
        """River's legacy single blob (``rooms_data``) into per-room keys; the blob stays as a rollback copy."""
        raw = self._store.get(LEGACY_BLOB_KEY)
        if raw is None:
            return False, [], []
        try:
            legacy = decode_legacy_blob(raw)
        except (DecodeError, ValueError) as exc:
            return False, [], [LoadIssue(LEGACY_BLOB_KEY, f"the legacy room list cannot be decoded ({exc})")]
        log.info("migrating %d rooms from the legacy blob", len(legacy.rooms))
        issues: list[LoadIssue] = []
        written: list[str] = []
        for vk, room in legacy.rooms.items():
            key = room_key(vk)
            try:
                extra = partial(_window_entries, vk, frozenset())
                _, decision = self._cas_loop(key, partial(rc.reconcile_present, local=room, rejoined=False), extra)
                if isinstance(decision, rc.Write):
                    written.append(key)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                issues.append(LoadIssue(key, f"migration failed ({exc})"))
        for vk, epoch in legacy.removed.items():
            key = room_key(vk)
            try:
                _, decision = self._cas_loop(key, partial(rc.reconcile_migrated_tombstone, epoch=epoch, owner_vk=vk))
                if isinstance(decision, rc.Write):
                    written.append(key)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                issues.append(LoadIssue(key, f"migration failed ({exc})"))
        if self._store.get_versioned(META_KEY)[0] is None:
            meta = legacy.to_meta()
            if isinstance(self._store.cas_store(META_KEY, meta.encode(), 0), Stored):
                written.append(META_KEY)
        if issues:
            return False, written, issues
        self._store.store(MIGRATION_DONE_KEY, cbor.dumps({"rooms": len(legacy.rooms), "left": len(legacy.removed)}))
        written.append(MIGRATION_DONE_KEY)
        return True, written, issues

    # -- save

    async def save(
        self, session: SaveSession, rooms: Rooms, *, messages: Sequence[AuthorizedMessage] = ()
    ) -> SaveReport:
        """Persist this writer's copy. Bursts coalesce: one running save plus one catch-up for all queued.

        Every room's pending changes (``RoomData.pending``: River deltas and the messages they post) are written
        in the same transaction as the room's slot: the outbox entry and the new history keys land together with
        the state that holds them, or not at all. ``messages`` (just posted) make the save run on its own, not
        coalesced; ``SaveReport.messages_stored`` says which of them are stored.
        """
        if messages:
            try:
                report, written = await self._call(self._save_sync, session, rooms.copy(), tuple(messages))
            finally:
                self._note_health()
            session.saves_run += 1
            self._announce(written, external=False, session=session)
            return report
        loop = asyncio.get_running_loop()
        session._pending = rooms.copy()
        if session._pending_future is None:
            session._pending_future = loop.create_future()
        future = session._pending_future
        if session._running:
            return await asyncio.shield(future)
        session._running = True
        try:
            while session._pending is not None:
                snapshot, waiting = session._pending, session._pending_future
                session._pending, session._pending_future = None, None
                assert waiting is not None
                try:
                    report, written = await self._call(self._save_sync, session, snapshot)
                    self._note_health()
                except BaseException as exc:
                    if not waiting.done():
                        waiting.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
                        raise
                    continue
                session.saves_run += 1
                self._announce(written, external=False, session=session)
                if not waiting.done():
                    waiting.set_result(report)
        finally:
            session._running = False
        return await future

    def _save_sync(
        self, session: SaveSession, rooms: Rooms, messages: tuple[AuthorizedMessage, ...] = ()
    ) -> tuple[SaveReport, list[str]]:
        intents = session._snapshot_intents()
        self._search.note_rooms(rooms.rooms)
        results: dict[bytes, RoomSaveResult] = {}
        written: list[str] = []
        landed: set[str] = set()
        for vk, room in rooms.rooms.items():
            intent = intents.get(vk)
            rejoin = intent is not None and intent.kind is IntentKind.REJOIN
            if not rejoin and session.persisted_rooms.get(vk) is room:
                continue  # untouched since the last load or save (its pending changes were written with it)
            pending = _pending_entries(session, room)
            digest = _digest(room.slot_bytes)
            if not rejoin and not pending and session.persisted.get(vk) == digest:
                session.persisted_rooms[vk] = room
                continue
            last = session.persisted.get(vk)
            ours = None if last is None or last == _TOMBSTONE_MARK else partial(_digest_is, last)
            decide = partial(rc.reconcile_present, local=room, rejoined=rejoin, ours=ours)
            extra = partial(_save_entries, vk, pending, session.known_history(vk))
            result = self._save_room(vk, decide, extra, landed)
            results[vk] = result
            if result.outcome is RoomOutcome.FAILED:
                continue
            if result.outcome is RoomOutcome.STORED:
                written.append(room_key(vk))
                if isinstance(result.slot, PresentSlot):
                    session.history[vk] = _window_ids(result.slot.room)
            session.settled.update(k for k, _ in pending if k in landed)
            session.persisted[vk] = digest if result.outcome is not RoomOutcome.ADOPTED_LEAVE else _TOMBSTONE_MARK
            session.persisted_rooms[vk] = room
            if rejoin and intent is not None and result.outcome in (RoomOutcome.STORED, RoomOutcome.UNCHANGED):
                session._consume(vk, intent)
        for vk, intent in intents.items():
            if intent.kind is not IntentKind.LEAVE or vk in rooms.rooms:
                continue
            result = self._save_room(vk, partial(rc.reconcile_tombstone, seen_epoch=intent.seen_epoch, owner_vk=vk))
            results[vk] = result
            if result.outcome is RoomOutcome.FAILED:
                continue
            if result.outcome is RoomOutcome.STORED:
                written.append(room_key(vk))
            session.persisted[vk] = _TOMBSTONE_MARK
            session.persisted_rooms.pop(vk, None)
            session._consume(vk, intent)
        meta = rooms.to_meta()
        meta_outcome: RoomOutcome | None = None
        meta_error = ""
        if session.meta_saved != meta:
            known = set(rooms.rooms) | set(rooms.removed)
            try:
                decide_meta = partial(
                    rc.reconcile_meta,
                    local=meta,
                    known_rooms=known,
                    base=session.meta_base,
                    left_rooms=set(rooms.removed) - set(rooms.rooms),
                )
                _, decision = self._cas_loop(META_KEY, decide_meta)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                meta_outcome, meta_error = RoomOutcome.FAILED, str(exc)
            else:
                session.meta_saved = meta
                session.meta_base = meta
                meta_outcome = RoomOutcome.STORED if isinstance(decision, rc.Write) else RoomOutcome.UNCHANGED
                if isinstance(decision, rc.Write):
                    written.append(META_KEY)
        written.extend(sorted(landed))
        stored_ids = frozenset(m.id for m in messages if any(hist_key_of(vk, m) in landed for vk in rooms.rooms))
        for msg in messages:
            if msg.id in stored_ids:
                log.info("message %s stored by %s", msg.id_display, session.name)
        report = SaveReport(results, meta_outcome, meta_error, stored_ids)
        if not report.ok:
            log.warning("save by %s: %s", session.name, report.summary())
        elif written:
            shown = ", ".join(written[:5]) + (f" and {len(written) - 5} more" if len(written) > 5 else "")
            log.info("save by %s: wrote %s", session.name, shown)
        return report, written

    def _save_room(
        self,
        vk: bytes,
        decide: Callable[[bytes | None], rc.Decision],
        extra: Extra | None = None,
        landed: set[str] | None = None,
    ) -> RoomSaveResult:
        try:
            attempts, decision = self._cas_loop(room_key(vk), decide, extra, landed)
        except rc.ReconcileError as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc))
        except _CasExhausted as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc), attempts=CAS_MAX_ATTEMPTS)
        except StorageError as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc))
        if isinstance(decision, rc.Write):
            return RoomSaveResult(vk, RoomOutcome.STORED, slot=decision.slot, attempts=attempts)
        if isinstance(decision, rc.AdoptLeave):
            return RoomSaveResult(vk, RoomOutcome.ADOPTED_LEAVE, slot=TombstoneSlot(decision.epoch), attempts=attempts)
        if isinstance(decision, rc.RejoinedElsewhere):
            return RoomSaveResult(vk, RoomOutcome.REJOINED_ELSEWHERE, slot=decision.slot, attempts=attempts)
        return RoomSaveResult(vk, RoomOutcome.UNCHANGED, attempts=attempts)

    def _cas_loop(
        self,
        key: str,
        decide: Callable[[bytes | None], rc.Decision],
        extra: Extra | None = None,
        landed: set[str] | None = None,
    ) -> tuple[int, rc.Decision]:
        """Read, decide, compare-and-swap; on a conflict read again. Bounded, like River's.

        ``extra(decision)``: write-once keys (outbox entries, new history) written in the same transaction as
        ``key``, or alone when ``key`` needs no change; the ones in the store afterwards are added to ``landed``.
        """
        for attempt in range(1, CAS_MAX_ATTEMPTS + 1):
            current, generation = self._store.get_versioned(key)
            decision = decide(current)
            if not isinstance(decision, rc.Write):
                if extra is not None and isinstance(decision, rc.Unchanged):
                    entries = extra(None)
                    if entries:
                        self._write_once(entries, landed)
                return attempt, decision
            entries = [] if extra is None else extra(decision)
            if entries:
                outcome = self._write_once(entries, landed, (key, decision.data, generation))
            else:
                outcome = self._store.cas_store(key, decision.data, generation)
            if isinstance(outcome, Stored):
                return attempt, decision
            assert isinstance(outcome, Conflict)
            # Back off a random moment (on this worker thread, never the event loop) so that writers
            # racing on one slot stop colliding in lockstep.
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise _CasExhausted(f"gave up after {CAS_MAX_ATTEMPTS} attempts under concurrent writers")

    def _write_once(
        self,
        extra: Sequence[tuple[str, bytes]],
        landed: set[str] | None,
        first: tuple[str, bytes, int] | None = None,
    ) -> CasResult:
        """One transaction: ``first`` (a CAS) and every write-once key in ``extra``; ``first``'s result."""
        items = ([first] if first is not None else []) + [(k, v, 0) for k, v in extra]
        results = self._store.cas_store_many(items)
        tail = results[1:] if first is not None else results
        for (k, _v), res in zip(extra, tail, strict=True):
            if landed is not None and (isinstance(res, Stored) or res.current_value is not None):
                landed.add(k)
        return results[0] if first is not None else Stored(0)

    # -- reading changed keys (live sync)

    async def read_slots(self, owner_vks: Iterable[bytes]) -> dict[bytes, RoomSlot | LoadIssue | None]:
        return await self._call(self._read_slots_sync, list(owner_vks))

    def _read_slots_sync(self, owner_vks: list[bytes]) -> dict[bytes, RoomSlot | LoadIssue | None]:
        keys = {room_key(vk): vk for vk in owner_vks}
        found = self._store.get_many(keys)
        out: dict[bytes, RoomSlot | LoadIssue | None] = {}
        for key, vk in keys.items():
            payload, _ = found.get(key, (None, 0))
            if payload is None:
                out[vk] = None
                continue
            try:
                slot = decode_slot(payload, trusted=True)
                if isinstance(slot, PresentSlot):
                    slot.room.room_state  # noqa: B018
            except (DecodeError, ValueError) as exc:
                out[vk] = LoadIssue(key, f"undecodable room slot ({exc})")
                continue
            if isinstance(slot, PresentSlot) and slot.room.owner_vk != vk:
                out[vk] = LoadIssue(key, SLOT_HOLDS_ANOTHER_ROOM)
                continue
            out[vk] = slot
        return out

    def note_meta_adopted(self, session: SaveSession, meta: RoomsMeta) -> None:
        """A writer applied the stored preferences to its copy: its next save must not count the
        differences from its older copy as its own changes (and so revert another writer's drag)."""
        session.meta_base = meta

    async def read_meta(self) -> RoomsMeta | None:
        raw = await self._call(self._store.get, META_KEY)
        if raw is None:
            return None
        try:
            meta = RoomsMeta.decode(raw)
        except (DecodeError, ValueError):
            return None
        return meta

    # -- history (write-once ``hist:`` keys in message order)

    async def append_messages(
        self, session: SaveSession, owner_vk: bytes, messages: Iterable[AuthorizedMessage]
    ) -> int:
        """Add messages to a room's history in one transaction (imports, demo data); returns how many were new."""
        batch = [(hist_key_of(owner_vk, m), m.encode(), 0) for m in messages]
        written = await self._call(self._put_once_sync, batch)
        self._announce(written, external=False, session=session)
        return len(written)

    async def append_history(self, session: SaveSession, items: Iterable[tuple[bytes, AuthorizedMessage]]) -> int:
        """``append_messages`` for messages of many rooms, ``(owner_vk, message)`` pairs, in one transaction."""
        batch = [(hist_key_of(vk, m), m.encode(), 0) for vk, m in items]
        written = await self._call(self._put_once_sync, batch)
        self._announce(written, external=False, session=session)
        return len(written)

    def _put_once_sync(self, items: list[tuple[str, bytes, int]]) -> list[str]:
        results = self._store.cas_store_many(items)
        return [key for (key, _, _), res in zip(items, results, strict=True) if isinstance(res, Stored)]

    async def read_messages(
        self, owner_vk: bytes, *, before: ReadMarker | None = None, limit: int = 50
    ) -> list[AuthorizedMessage]:
        """A page of a room's history, oldest first, ending just before ``before`` (or at the newest)."""
        return await self._call(self._read_messages_sync, owner_vk, before, limit)

    def _message_order(self, owner_vk: bytes) -> list[str]:
        """The room's history keys, sorted (key order is message order); cached until one is written."""
        index = self._message_index.get(owner_vk)
        if index is None:
            index = sorted(self._store.list(hist_prefix(owner_vk)))
            self._message_index[owner_vk] = index
        return index

    def _read_keys(self, owner_vk: bytes, keys: Sequence[str]) -> list[AuthorizedMessage]:
        """Decode history keys; a value that does not decode, or is not the message its key names, is skipped.

        Signatures were checked when River's rules accepted each message (every ``hist:`` value comes from a
        state this profile verified or a re-signed 0.1.0 item); the author may since have been pruned from
        River's state, so reading does not look the author up again.
        """
        found = self._store.get_many(keys)
        owner_id = fast_hash(owner_vk)
        out = []
        for key in keys:
            payload = found.get(key, (None, 0))[0]
            parsed = parse_hist_key(key)
            if payload is None or parsed is None:
                continue
            try:
                msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
            except (DecodeError, ValueError):
                log.warning("room %s: undecodable history entry skipped", room_label(owner_vk))
                continue
            t = msg.message.time
            if msg.message.room_owner != owner_id or (t.secs, t.nanos, msg.id) != parsed[1]:
                continue
            out.append(msg)
        return out

    def _read_messages_sync(self, owner_vk: bytes, before: ReadMarker | None, limit: int) -> list[AuthorizedMessage]:
        point = None if before is None else sort_point(*before.sort_key())
        entries = self._indexed(lambda h: h.index_page(owner_vk, before=point, limit=limit))
        if entries is not None:
            return self._read_keys(owner_vk, [e.key for e in entries])
        order = self._message_order(owner_vk)
        end = len(order) if before is None else bisect.bisect_left(order, _marker_key(owner_vk, before))
        return self._read_keys(owner_vk, order[max(0, end - limit) : end])

    async def message_count(self, owner_vk: bytes) -> int:
        return await self._call(self._message_count_sync, owner_vk)

    def _message_count_sync(self, owner_vk: bytes) -> int:
        counted = self._indexed(lambda h: h.index_count(owner_vk))
        return len(self._message_order(owner_vk)) if counted is None else counted

    async def unread_counts(self, rooms: Rooms) -> dict[bytes, int]:
        """Unread badges for every room, computed on the storage thread."""
        return await self._call(self._unread_sync, rooms.copy())

    def _unread_sync(self, rooms: Rooms) -> dict[bytes, int]:
        """Per room, the index rows after the read marker: counted, not read, when every message a badge counts
        does (all of them, by others: one range count); in "Mentions & replies", only others' messages in that
        range are read and decoded (the rows name this user's, which a reply may target).

        Without an index (or on a read-only store that cannot build it), see :meth:`_unread_by_scan`.
        """
        counts = dict.fromkeys(rooms.rooms, 0)
        plain: list[UnreadQuery] = []
        mentions: list[tuple[bytes, UnreadQuery]] = []
        for vk, room in rooms.rooms.items():
            mode = rooms.notification_mode(vk)
            if mode is NotificationMode.MUTED:
                continue
            marker = None if room.last_read is None else sort_point(*room.last_read.sort_key())
            me = member_bytes(room.self_member_id)
            if mode is NotificationMode.ALL:
                plain.append(UnreadQuery(vk, marker, frozenset({me, NOT_COUNTED})))
            else:
                mentions.append((me, UnreadQuery(vk, marker, frozenset({NOT_COUNTED}))))
        counted = self._indexed(lambda h: h.index_count_after(plain))
        if counted is None:
            return self._unread_by_scan(rooms)
        counts.update(zip((q.room for q in plain), counted, strict=True))
        for me, query in mentions:
            rows = self._indexed(partial(_rows_after, query=query)) or []
            mine = {message_id_of(e.id) for e in rows if e.author == me}
            theirs = self._read_keys(query.room, [e.key for e in rows if e.author != me])
            room = rooms.rooms[query.room]
            if _reply_targets(room, theirs) - mine - _own_window_ids(room):
                mine |= self._my_ids_by_index(query.room, me)
            counts[query.room] = len(unread_messages(room, NotificationMode.MENTIONS_AND_REPLIES, theirs, mine))
        return counts

    def _my_ids_by_index(self, owner_vk: bytes, me: bytes) -> set[int]:
        """Every id of this user's messages in the room, from index rows alone (a reply to any of them counts)."""
        authors = (self._indexed(lambda h: h.index_authors([owner_vk])) or {}).get(owner_vk, frozenset())
        rows = self._indexed(partial(_rows_after, query=UnreadQuery(owner_vk, None, authors - {me}))) or []
        return {message_id_of(e.id) for e in rows if e.author == me}

    def _unread_by_scan(self, rooms: Rooms) -> dict[bytes, int]:
        """Without an order index: each room's sorted key list says where the unread range starts, and only the
        keys after the read marker are read and decoded."""
        counts = dict.fromkeys(rooms.rooms, 0)
        for vk, room in rooms.rooms.items():
            mode = rooms.notification_mode(vk)
            if mode is NotificationMode.MUTED:
                continue
            order = self._message_order(vk)
            start = 0 if room.last_read is None else bisect.bisect_right(order, _marker_key(vk, room.last_read))
            if start >= len(order):
                continue
            unread = self._read_keys(vk, order[start:])
            mine: set[int] = set()
            if mode is NotificationMode.MENTIONS_AND_REPLIES and _reply_targets(room, unread) - _own_window_ids(room):
                me = room.self_member_id  # a reply may target one of mine from before the marker: read them all
                mine = {m.id for m in self._read_keys(vk, order[:start]) if m.author == me}
            counts[vk] = len(unread_messages(room, mode, unread, mine))
        return counts

    # -- the message order index (history_index.py)

    def _start_history_index(self) -> None:
        """Queue any build of the index on the storage thread, never the caller's."""
        if self._history is not None:
            self._io.submit(self._history_job)

    def _attach_history(self, history: HistoryIndexKV) -> None:
        if not self._history_attached:
            history.attach_indexer(MESSAGE_INDEXER)
            self._history_attached = True

    def _history_job(self) -> None:
        """One bounded batch of a build, then the next one queued behind other storage work.

        A complete index is left alone here: its check runs on the first index read, so opening costs nothing.
        """
        history = self._history
        if history is None or self._closed:
            return
        try:
            self._attach_history(history)
            done = not history.index_pending() or history.index_step()
        except StorageError as exc:
            log.warning("message index: %s", exc)
            return
        if not done:
            with contextlib.suppress(RuntimeError):  # the controller closed meanwhile
                self._io.submit(self._history_job)

    def _indexed(self, read: Callable[[HistoryIndexKV], T]) -> T | None:
        """``read`` on the index, finishing an unfinished build here first; ``None`` when the store has none."""
        history = self._history
        if history is None:
            return None
        try:
            for _attempt in range(3):
                try:
                    self._attach_history(history)
                    return read(history)
                except IndexIncompleteError:
                    while not history.index_step():
                        pass
            return read(history)
        except StorageError:
            if health_of(self._store).writable:
                raise
            return None  # read-only or damaged: the index cannot be built or trusted here, so callers scan

    # -- full-text search (search_index.py)

    async def search(
        self, text: str, room: bytes | None = None, limit: int = 50, *, rooms: Rooms | None = None
    ) -> list[SearchHit]:
        """Messages of ``room`` (or every room) matching the words of ``text`` as they read now, newest first.
        Given ``rooms``, a hit by a member a room's current state bans is not one (``RoomData.banned_authors``).

        Raises ``StorageError`` when the store has no search index (a read-only profile that was never indexed).
        """
        banned = {} if rooms is None else {vk: r.banned_authors for vk, r in rooms.rooms.items() if r.banned_authors}
        return await self._call(self._search_sync, text, room, limit, banned)

    def _search_sync(
        self, text: str, room: bytes | None, limit: int, banned: Mapping[bytes, frozenset[int]]
    ) -> list[SearchHit]:
        asked = limit
        while True:
            hits = self._search.search(text, room, asked)
            if hits is None:
                raise StorageError("this profile has no search index")
            shown = [h for h in hits if h.author not in banned.get(h.room, frozenset())]
            if len(shown) >= limit or len(hits) < asked:
                return shown[:limit]
            asked = limit + len(hits) - len(shown)  # ask again past the hidden ones

    def _search_job(self) -> None:
        """One bounded batch of a search index build, then the next one queued behind other storage work."""
        if self._closed:
            return
        try:
            done = self._search.step()
        except StorageError as exc:
            log.warning("search index: %s", exc)
            return
        if not done:
            with contextlib.suppress(RuntimeError):
                self._io.submit(self._search_job)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run other blocking work (crypto, decoding) on the storage thread, off the event loop."""
        return await self._call(fn)

    # -- blocking entry points for the sync engine's store (storage/net_store.py)

    def run_blocking(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn`` on the storage thread and wait for it, from a thread that is not the storage thread.

        The sync engine's store interface is synchronous; this keeps its reads and writes on the one thread
        every other store call runs on. Windows learn of what it writes from the change poll.
        """
        return self._io.submit(fn, *args).result()

    def save_blocking(self, session: SaveSession, rooms: Rooms) -> SaveReport:
        """:meth:`save`'s read-merge-write for ``rooms`` (the same CAS path), waited for on this thread."""
        report, _written = self.run_blocking(self._save_sync, session, rooms.copy())
        return report

    def read_slot_blocking(self, owner_vk: bytes) -> RoomSlot | LoadIssue | None:
        return self.run_blocking(self._read_slots_sync, [owner_vk])[owner_vk]


def hist_key_of(owner_vk: bytes, message: AuthorizedMessage) -> str:
    t = message.message.time
    return hist_key(owner_vk, t.secs, t.nanos, message.id)


def _reply_targets(room: RoomData, messages: Iterable[AuthorizedMessage]) -> set[int]:
    """The ids the replies among ``messages`` answer (a private one opened with the room's secrets)."""
    out = set()
    for m in messages:
        if m.message.content.content_type == ReplyContent.content_type:
            content = open_body(m.message.content, room.keyring).content
            if isinstance(content, ReplyContent):
                out.add(content.target_message_id)
    return out


def _own_window_ids(room: RoomData) -> set[int]:
    me = room.self_member_id
    return {m.id for m in room.room_state.recent_messages if m.author == me}


def _rows_after(history: HistoryIndexKV, query: UnreadQuery) -> list[IndexEntry]:
    return history.index_rows_after(query)


def _marker_key(owner_vk: bytes, marker: ReadMarker) -> str:
    return hist_key(owner_vk, marker.secs, marker.nanos, marker.message_id)


Extra = Callable[[rc.Decision | None], list[tuple[str, bytes]]]


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


def decode_legacy_blob(raw: bytes) -> Rooms:
    """River's legacy ``rooms_data`` blob: ``{map: {vk: RoomData}, current_room_key, removed_rooms, ...}``."""
    tree = river_codec.fields(river_codec.loads(raw), "rooms_data")
    rooms = Rooms()
    room_map = river_codec.fields(tree.get("map") or {}, "rooms_data map")
    for vk_obj, value in room_map.items():
        vk = river_codec.byte_field(vk_obj, "room key", 32)
        room = RoomData.from_obj(value)
        if room.owner_vk != vk:
            raise DecodeError("a room is filed under another room's key")
        room.room_state  # noqa: B018  (decode now: an undecodable blob is reported, not half migrated)
        rooms.rooms[vk] = room
    removed = tree.get("removed_rooms") or []
    for vk_obj in removed.items() if isinstance(removed, dict) else removed:
        key = vk_obj[0] if isinstance(vk_obj, tuple) else vk_obj
        epoch = vk_obj[1] if isinstance(vk_obj, tuple) else 1
        rooms.removed[river_codec.byte_field(key, "room key", 32)] = int(epoch)
    meta = RoomsMeta.from_obj(
        {k: tree.get(k) for k in ("current_room_key", "notification_modes", "room_order") if tree.get(k) is not None}
    )
    rooms.apply_meta(meta)
    return rooms


class _CasExhausted(Exception):
    pass


async def gather_reports(calls: Iterable[Awaitable[SaveReport]]) -> list[SaveReport]:
    return list(await asyncio.gather(*calls))
