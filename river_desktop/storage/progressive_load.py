"""Load the room list in chunks, so a window can show its first rooms before the last is decoded.

:meth:`StorageController.load_with_report` decodes every room before it returns; at 10,000 rooms that is
seconds of waiting on a loading page. :class:`ProgressiveLoad` reads the room preferences first, then the
rooms the list shows first (the current one, then the stored order), then the rest a page of keys at a time
(``scan_range``), each chunk decoded on the storage thread. Every room of a chunk is recorded in the save
session exactly as a full load records it, so a save made while the list fills writes only rooms that changed
and never sees a room it has not loaded: the room slots it never read stay as they are, and the preference
merge (``reconcile.reconcile_meta``) keeps every entry of a room it does not know.

Profiles that need an upgrade or a migration first, and stores whose pages cannot be read in ranges, go
through the full load (:class:`NeedsFullLoad`): those paths report and repair, and they are rare.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.rooms import PresentSlot, RoomData, Rooms, RoomsMeta, TombstoneSlot
from river_desktop.storage import migrate_0_1
from river_desktop.storage import reconcile as rc
from river_desktop.storage.controller import (
    LoadIssue,
    SaveSession,
    StorageController,
    decode_room_slot,
)
from river_desktop.storage.errors import StorageError
from river_desktop.storage.save_session import _TOMBSTONE_MARK, _digest
from river_desktop.storage.slots import (
    LEGACY_BLOB_KEY,
    META_KEY,
    MIGRATION_DONE_KEY,
    MSG_PREFIX,
    RIVER_MIGRATION_DONE_KEY,
    ROOM_PREFIX,
    parse_room_key,
    room_key,
)

log = logging.getLogger(__name__)

CHUNK = 250
"""Rooms in the first page; each later page doubles, up to ``MAX_GROWTH`` times this.

The first rooms come quickly; the window then redraws its list once per chunk (a cost that follows the
rooms shown so far), so growing pages keep the number of redraws logarithmic in the number of rooms."""

MAX_GROWTH = 16


class NeedsFullLoad(Exception):
    """This profile must go through ``load_with_report`` (an upgrade, a migration, or a damaged page)."""


@dataclass(frozen=True)
class LoadChunk:
    """Rooms decoded by one step; ``last`` on the final one (which may be empty)."""

    rooms: dict[bytes, RoomData]
    removed: dict[bytes, int]
    issues: tuple[LoadIssue, ...]
    loaded: int
    """Room slots read so far, this chunk included."""
    last: bool


@dataclass(frozen=True)
class LoadStart:
    meta: RoomsMeta | None
    issues: tuple[LoadIssue, ...] = ()


class ProgressiveLoad:
    """One window's load, a chunk at a time; every read and decode runs on the controller's storage thread."""

    def __init__(self, controller: StorageController, session: SaveSession, *, chunk: int | None = None) -> None:
        self._controller = controller
        self._session = session
        self._chunk = max(1, chunk if chunk is not None else CHUNK)
        self._seen: set[str] = set()
        self._loaded = 0
        self._upgrade_done = True
        self._page_size = self._chunk

    async def start(self) -> LoadStart:
        """The stored preferences (order, modes, pins); raises :class:`NeedsFullLoad` when that path must run."""
        return await self._controller.run(self._start_sync)

    async def chunks(self, first: Sequence[bytes]) -> AsyncIterator[LoadChunk]:
        """``first`` (the rooms shown at the top) in the first chunk, then every other room slot by key."""
        head = list(dict.fromkeys(first))[: self._chunk]
        chunk, after = await self._controller.run(partial(self._first_sync, head))
        yield chunk
        while not chunk.last:
            chunk, after = await self._controller.run(partial(self._page_sync, after))
            yield chunk

    # ------------------------------------------------------------------ storage thread

    def _start_sync(self) -> LoadStart:
        store = self._controller.store
        if not callable(getattr(store, "scan_range", None)):  # a wrapping store that only knows whole scans
            raise NeedsFullLoad("the store cannot read a range of keys")
        special = store.get_many((META_KEY, LEGACY_BLOB_KEY, MIGRATION_DONE_KEY, RIVER_MIGRATION_DONE_KEY))
        present = [k for k, (value, _gen) in special.items() if value is not None]
        if rc.plan_load(present).kind is rc.LoadKind.MIGRATE:
            raise NeedsFullLoad("the legacy room list must be migrated first")
        self._upgrade_done = RIVER_MIGRATION_DONE_KEY in present
        if not self._upgrade_done and store.list(MSG_PREFIX):
            raise NeedsFullLoad("the 0.1.0 profile must be upgraded first")
        raw = special[META_KEY][0]
        if raw is None:
            return LoadStart(None)
        try:
            meta = RoomsMeta.decode(raw)
        except (DecodeError, ValueError) as exc:
            return LoadStart(None, (LoadIssue(META_KEY, f"undecodable room preferences ({exc})"),))
        self._session.meta_base = meta
        return LoadStart(meta)

    def _first_sync(self, keys: list[bytes]) -> tuple[LoadChunk, str | None]:
        """The rooms shown at the top, and the first page by key: a small profile loads in this one step."""
        wanted = [room_key(vk) for vk in keys]
        try:
            found = self._controller.store.get_many(wanted)
        except StorageError as exc:
            raise NeedsFullLoad(str(exc)) from exc
        head = [(k, payload) for k in wanted if (payload := found.get(k, (None, 0))[0]) is not None]
        self._seen.update(k for k, _payload in head)
        page, after, last = self._page(None)
        return self._decode([*head, *page], last=last), after

    def _page_sync(self, after: str | None) -> tuple[LoadChunk, str | None]:
        rows, after, last = self._page(after)
        return self._decode(rows, last=last), after

    def _page(self, after: str | None) -> tuple[list[tuple[str, bytes]], str | None, bool]:
        """The next page of room slots by key, without the ones already read; its last key; whether it ends."""
        limit = self._page_size
        self._page_size = min(limit * 2, self._chunk * MAX_GROWTH)
        try:
            page = self._controller.store.scan_range(ROOM_PREFIX, after=after, limit=limit)
        except StorageError as exc:
            raise NeedsFullLoad(str(exc)) from exc
        rows = [(k, payload) for k, _gen, payload in page if k not in self._seen]
        return rows, (page[-1][0] if page else after), len(page) < limit

    def _decode(self, rows: Iterable[tuple[str, bytes]], *, last: bool) -> LoadChunk:
        session = self._session
        rooms: dict[bytes, RoomData] = {}
        removed: dict[bytes, int] = {}
        issues: list[LoadIssue] = []
        for key, payload in rows:
            vk = parse_room_key(key, check_point=False)
            if vk is None:
                continue
            self._seen.add(key)
            self._loaded += 1
            if not self._upgrade_done and migrate_0_1.looks_legacy(payload):
                raise NeedsFullLoad("a room slot must be upgraded first")
            slot = decode_room_slot(key, vk, payload, issues)
            if slot is None:
                continue
            if isinstance(slot, PresentSlot):
                rooms[vk] = slot.room
                session.persisted_rooms[vk] = slot.room
            else:
                removed[vk] = slot.epoch
            session.persisted[vk] = _TOMBSTONE_MARK if isinstance(slot, TombstoneSlot) else _digest(payload)
        if last:  # what the full load tells the search index (the controller's own helpers, same thread)
            self._controller._search.note_rooms(session.persisted_rooms)
            self._controller._io.submit(self._controller._search_job)
        return LoadChunk(rooms, removed, tuple(issues), self._loaded, last)


def first_keys(meta: RoomsMeta | None, wanted: Iterable[bytes | None], count: int) -> list[bytes]:
    """The rooms to read first: ``wanted`` (the room to open), the stored current room, the top of the order."""
    keys = [vk for vk in wanted if vk is not None]
    if meta is not None:
        if meta.current_room_key is not None:
            keys.append(meta.current_room_key)
        keys.extend(meta.pinned)
        keys.extend(meta.room_order[:count])
    return list(dict.fromkeys(keys))[:count]


def absorb(rooms: Rooms, chunk: LoadChunk, meta: RoomsMeta | None) -> None:
    """Add a chunk to a copy that may have changed since the last one (a drag, a pin, a new room).

    The copy's own order and pins stay; each arriving room takes its stored place: right after the
    nearest room before it in the stored order. Archive marks come from the store for arriving rooms.
    """
    for vk, epoch in chunk.removed.items():
        if vk not in rooms.rooms:
            rooms.removed[vk] = max(epoch, rooms.removed.get(vk, 0))
    new = [vk for vk in chunk.rooms if vk not in rooms.rooms]
    for vk in new:
        rooms.rooms[vk] = chunk.rooms[vk]
    if meta is None or not new:
        return
    arrived = set(new)
    rooms.room_order = _place(rooms.room_order, meta.room_order, arrived, rooms.rooms.keys())
    rooms.pinned = _place(rooms.pinned, meta.pinned, arrived, rooms.rooms.keys())
    for vk in new:
        mark = meta.archived.get(vk)
        if mark is not None:
            rooms.archived[vk] = mark
    if rooms.current_room is None and meta.current_room_key in arrived:
        rooms.current_room = meta.current_room_key


def rebase(base: RoomsMeta, before: RoomsMeta, after: RoomsMeta, known: Collection[bytes]) -> RoomsMeta:
    """The merge base once a chunk is absorbed: the arriving rooms' entries as ``absorb`` gave them.

    ``before`` / ``after`` are the copy's preferences around ``absorb``; ``known`` the rooms it knew before.
    An arriving room's pin, archive mark, mode and place come from the preferences read at the start, which
    another writer may have changed since; this window changed none of them. With ``base`` left as it was
    (after a save mid-load it holds only the rooms loaded then), the next save would count the difference
    as this window's change and write it over the other writer's (``reconcile.reconcile_meta``).
    """
    arrived = {vk for vk in after.room_order if vk not in known} | {vk for vk in after.pinned if vk not in known}
    arrived |= {vk for vk in after.archived if vk not in known}
    if not arrived:
        return base
    modes = dict(base.notification_modes)
    archived = {vk: a for vk, a in base.archived.items() if vk not in arrived}
    for vk in arrived:
        modes.pop(vk, None)
        if (mode := after.notification_modes.get(vk)) is not None:
            modes[vk] = mode
        if (mark := after.archived.get(vk)) is not None:
            archived[vk] = mark
    return replace(
        base,
        notification_modes=modes,
        room_order=_rebase_sequence(base.room_order, before.room_order, after.room_order, known, arrived),
        pinned=_rebase_sequence(base.pinned, before.pinned, after.pinned, known, arrived),
        archived=archived,
    )


def _rebase_sequence(
    base: Sequence[bytes],
    before: Sequence[bytes],
    after: Sequence[bytes],
    known: Collection[bytes],
    arrived: set[bytes],
) -> tuple[bytes, ...]:
    """An order (or the favourites) whose known rooms compare with the copy's as they did before the chunk."""
    if [vk for vk in base if vk in known] == [vk for vk in before if vk in known]:
        placed = set(after)
        return (*after, *(vk for vk in base if vk not in placed and vk not in known))
    return (*(vk for vk in base if vk not in arrived), *(vk for vk in after if vk in arrived))


def _place(order: list[bytes], stored: Sequence[bytes], arrived: set[bytes], loaded: Iterable[bytes]) -> list[bytes]:
    """``order`` with each arrived entry of ``stored`` inserted after its nearest stored predecessor there."""
    present = set(order)
    after: dict[bytes | None, list[bytes]] = {}
    previous: bytes | None = None
    for vk in stored:
        if vk in arrived and vk not in present:
            after.setdefault(previous, []).append(vk)
        else:
            previous = vk if vk in present else previous
    if not after:
        return order
    known = set(loaded)
    out = list(after.get(None, []))
    for vk in order:
        out.append(vk)
        out.extend(after.get(vk, []))
    return [vk for vk in out if vk in known]


__all__ = ["CHUNK", "LoadChunk", "LoadStart", "NeedsFullLoad", "ProgressiveLoad", "absorb", "first_keys", "rebase"]
