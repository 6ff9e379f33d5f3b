"""The controller's reads of history: pages, counts, unread badges, the order index and full-text search.

A base class of :class:`~river_desktop.storage.controller.StorageController` (split from controller.py): every
method here runs its store calls on the controller's storage thread (``_call``).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar, cast

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.codec import fast_hash
from river_desktop.domain.river.content import ReplyContent
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import (
    NotificationMode,
    ReadMarker,
    RoomData,
    Rooms,
    counts_as_message,
    room_label,
    unread_messages,
)
from river_desktop.storage.decoded_messages import DecodedMessages
from river_desktop.storage.errors import StorageError
from river_desktop.storage.history_index import (
    AddressedQuery,
    HistoryIndexKV,
    IndexEntry,
    IndexIncompleteError,
    SortPoint,
    UnreadQuery,
)
from river_desktop.storage.history_page import PageRow, PageValuesKV
from river_desktop.storage.history_page_check import read_page
from river_desktop.storage.kv import KVStore, health_of
from river_desktop.storage.message_rows import (
    MESSAGE_INDEXER,
    NOT_COUNTED,
    member_bytes,
    mention_names,
    message_id_of,
    sort_point,
)
from river_desktop.storage.search_index import SearchHit, SearchKeeper
from river_desktop.storage.slots import hist_key, hist_prefix, parse_hist_key

log = logging.getLogger("river_desktop.storage.controller")

T = TypeVar("T")


class HistoryReads:
    """History, index and search reads; the state they use is the controller's (set in its ``__init__``)."""

    _store: KVStore
    _io: ThreadPoolExecutor
    _closed: bool
    _message_index: dict[bytes, list[str]]
    _decoded: DecodedMessages
    _history: HistoryIndexKV | None
    _history_attached: bool
    _search: SearchKeeper
    _index_rebuilding: bool = False
    _joined_pages: tuple[object, bool] = (None, False)

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

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
        return [msg for _key, msg in self._read_keyed(owner_vk, keys)]

    def _read_keyed(self, owner_vk: bytes, keys: Sequence[str]) -> list[tuple[str, AuthorizedMessage]]:
        """Decode history keys; a value that does not decode, or is not the message its key names, is skipped.

        Signatures were checked when River's rules accepted each message (every ``hist:`` value comes from a
        state this profile verified or a re-signed 0.1.0 item); the author may since have been pruned from
        River's state, so reading does not look the author up again.
        """
        found = self._store.get_many(keys)
        owner_id = fast_hash(owner_vk)
        out: list[tuple[str, AuthorizedMessage]] = []
        for key in keys:
            payload = found.get(key, (None, 0))[0]
            if payload is None:
                continue
            msg = self._decoded.get(key, (owner_vk, payload))
            if msg is None:
                parsed = parse_hist_key(key)
                if parsed is None:
                    continue
                try:
                    msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
                except (DecodeError, ValueError):
                    log.warning("room %s: undecodable history entry skipped", room_label(owner_vk))
                    continue
                t = msg.message.time
                if msg.message.room_owner != owner_id or (t.secs, t.nanos, msg.id) != parsed[1]:
                    continue
                self._decoded.put(key, (owner_vk, payload), msg)
            out.append((key, msg))
        return out

    def _read_messages_sync(self, owner_vk: bytes, before: ReadMarker | None, limit: int) -> list[AuthorizedMessage]:
        point = None if before is None else sort_point(*before.sort_key())
        if self._reads_pages_in_one_statement():
            rows = self._indexed(lambda h: _page_values(h, owner_vk, point, limit))
            page = None if rows is None else read_page(self._decoded, owner_vk, rows)
            if page is not None:
                return page  # else something in the page is odd: the two-step read below decides what
        entries = self._indexed(lambda h: h.index_page(owner_vk, before=point, limit=limit))
        if entries is not None:
            read = self._read_keyed(owner_vk, [e.key for e in entries])
            if _rows_agree(owner_vk, entries, read):
                return [msg for _key, msg in read]
            self._distrust_index()
        order = self._message_order(owner_vk)
        end = len(order) if before is None else bisect.bisect_left(order, _marker_key(owner_vk, before))
        return self._read_keys(owner_vk, order[max(0, end - limit) : end])

    def _reads_pages_in_one_statement(self) -> bool:
        """Whether the store joins a page to its values (``SqliteKV``); asked once per store, not per page."""
        history = self._history
        seen, joined = self._joined_pages
        if seen is not history:
            joined = isinstance(history, PageValuesKV)
            self._joined_pages = (history, joined)
        return joined

    def _distrust_index(self) -> None:
        """A page's index rows disagree with the messages their keys hold: the index is damaged (a program that
        wrote the database directly, a restored copy). It is rebuilt from the message keys, not trusted; this
        read, and any until the rebuild is done, uses the keys themselves."""
        history = self._history
        distrust = getattr(history, "index_distrust", None)
        log.warning("the message index disagrees with the messages it lists; rebuilding it from the messages")
        if not callable(distrust):
            self._history = None  # a store that cannot rebuild it: read by keys from now on
            return
        try:
            distrust()
        except StorageError as exc:  # read-only or damaged: it cannot be rebuilt here, so read by keys
            log.warning("message index: %s", exc)
            self._history = None
            return
        self._index_rebuilding = True
        with contextlib.suppress(RuntimeError):  # closing
            self._io.submit(self._history_job)

    async def message_count(self, owner_vk: bytes) -> int:
        return await self._call(self._message_count_sync, owner_vk)

    def _message_count_sync(self, owner_vk: bytes) -> int:
        counted = self._indexed(lambda h: h.index_count(owner_vk))
        return len(self._message_order(owner_vk)) if counted is None else counted

    async def unread_counts(self, rooms: Rooms, only: Iterable[bytes] | None = None) -> dict[bytes, int]:
        """Unread badges for every room, or for the rooms of ``only`` that ``rooms`` holds, computed on the
        storage thread."""
        wanted = None if only is None else [vk for vk in dict.fromkeys(only) if vk in rooms.rooms]
        return await self._call(self._unread_sync, rooms.copy(), wanted)

    def _unread_sync(self, rooms: Rooms, only: list[bytes] | None = None) -> dict[bytes, int]:
        """Per room, the index rows after the read marker, counted without reading a message: in "All", others'
        rows (one range count); in "Mentions & replies", others' rows whose refs name this user or answer one of
        this user's messages (message_rows.py). Only rows sealed with a secret the index cannot hold are read,
        opened with the room's keyring and judged by :func:`unread_messages`.

        Without an index (or on a read-only store that cannot build it), see :meth:`_unread_by_scan`.
        """
        keys = rooms.rooms if only is None else only
        counts = dict.fromkeys(keys, 0)
        plain: list[UnreadQuery] = []
        addressed: list[AddressedQuery] = []
        for vk in keys:
            room = rooms.rooms[vk]
            mode = rooms.notification_mode(vk)
            if mode is NotificationMode.MUTED:
                continue
            marker = None if room.last_read is None else sort_point(*room.last_read.sort_key())
            me = member_bytes(room.self_member_id)
            if mode is NotificationMode.ALL:
                plain.append(UnreadQuery(vk, marker, frozenset({me, NOT_COUNTED})))
            else:
                names = mention_names(room.self_member_id)
                addressed.append(AddressedQuery(vk, marker, frozenset({me, NOT_COUNTED}), names, me))
        counted = self._indexed(
            lambda h: (
                h.index_count_after(plain),
                h.index_count_addressed(addressed),
                h.index_opaque_after([q.unread for q in addressed]),
            )
        )
        if counted is None:
            return self._unread_by_scan(rooms, keys)
        counts.update(zip((q.room for q in plain), counted[0], strict=True))
        counts.update(zip((q.room for q in addressed), counted[1], strict=True))
        for query, sealed in zip(addressed, counted[2], strict=True):
            if sealed:
                counts[query.room] += self._sealed_addressed(rooms.rooms[query.room], query, sealed)
        return counts

    def _sealed_addressed(self, room: RoomData, query: AddressedQuery, sealed: list[IndexEntry]) -> int:
        """The unread rows whose refs the index could not read (private bodies), opened and judged here."""
        theirs = self._read_keys(query.room, [e.key for e in sealed])
        mine: set[int] = set()
        if _reply_targets(room, theirs) - _own_window_ids(room):
            mine = self._my_ids_by_index(query.room, query.author)
        return len(unread_messages(room, NotificationMode.MENTIONS_AND_REPLIES, theirs, mine))

    def _my_ids_by_index(self, owner_vk: bytes, me: bytes) -> set[int]:
        """Every id of this user's messages in the room, from index rows alone (a reply to any of them counts)."""
        authors = (self._indexed(lambda h: h.index_authors([owner_vk])) or {}).get(owner_vk, frozenset())
        rows = self._indexed(partial(_rows_after, query=UnreadQuery(owner_vk, None, authors - {me}))) or []
        return {message_id_of(e.id) for e in rows if e.author == me}

    def _unread_by_scan(self, rooms: Rooms, keys: Iterable[bytes] | None = None) -> dict[bytes, int]:
        """Without an order index: each room's sorted key list says where the unread range starts, and only the
        keys after the read marker are read and decoded (for the rooms of ``keys``; ``None``: every room)."""
        counts = dict.fromkeys(rooms.rooms if keys is None else keys, 0)
        for vk in counts:
            room = rooms.rooms[vk]
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
            if self._index_rebuilding:
                if history.index_pending():
                    return None  # being rebuilt after it disagreed with the messages: callers read by keys
                self._index_rebuilding = False
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


def _rows_agree(owner_vk: bytes, entries: Sequence[IndexEntry], read: Sequence[tuple[str, AuthorizedMessage]]) -> bool:
    """Whether every index row of a page is the row ``message_row`` makes of the message now under its key."""
    if len(read) != len(entries):
        return False
    by_key = {e.key: e for e in entries}
    for key, msg in read:
        entry = by_key.get(key)
        t = msg.message.time
        author = member_bytes(msg.author) if counts_as_message(msg) else NOT_COUNTED
        if entry is None or (entry.room, entry.time, entry.id, entry.author) != (
            owner_vk,
            *sort_point(t.secs, t.nanos, msg.id),
            author,
        ):
            return False
    return True


def _page_values(history: HistoryIndexKV, room: bytes, before: SortPoint | None, limit: int) -> list[PageRow]:
    return cast(PageValuesKV, history).index_page_values(room, before=before, limit=limit)


def _rows_after(history: HistoryIndexKV, query: UnreadQuery) -> list[IndexEntry]:
    return history.index_rows_after(query)


def _marker_key(owner_vk: bytes, marker: ReadMarker) -> str:
    return hist_key(owner_vk, marker.secs, marker.nanos, marker.message_id)
