"""``messages list`` without the full load: one room slot and one page of messages, read in one read transaction.

The full path (``cli_rooms.cmd_messages_list``) opens the store as every writer does (SQLite's ``integrity_check``
over the whole file, the order index's open-time count of every message key), decodes every room slot to find the
room, and imports the controller and ``asyncio``. Here the profile is opened read-only and, inside one read
transaction:

- the room is found from the room-list summary's rows (``storage/room_summary.py``, as ``cli_rooms_list.py`` reads
  them) by full key, unique key prefix or unique exact name, the rules of ``cli_workspace.resolve_room``; only
  that room's slot is decoded, and the summary is not trusted over it (the slot's room and name must be the row's);
- the newest page is read through the message order index (``storage/history_index.py``), after the O(1) guard
  that no message key waits for its index row (``cli_rooms_list._index_agrees``); only the page's messages are
  decoded, and each must be the message its key and its index row name (``history_reads._read_keyed`` and
  ``_rows_agree``).

Whenever this path cannot vouch for the answer — no profile, ``--mark-read`` (a write), a summary row missing or
reporting a problem, a room text that does not name exactly one room (the full path words every error), an index
not built or not matching, a message that does not decode, any SQLite error (a damaged page among those read) —
the command runs the full path, which runs the integrity check and reports what it finds. The output is the same
either way, byte for byte (``tests/cli/test_cli_messages_list_light.py`` compares both on the same profiles).

Skipping the integrity check is safe for this command because it writes nothing and shows only what it reads:
SQLite raises on a corrupt page it reads (then the full path runs), and damage in pages it does not read cannot
change its output. Commands that write keep the check.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from river_desktop import cli_rooms_list as rl
from river_desktop.cli_base import Output, db_path, profile_exists
from river_desktop.cli_messages_items import listed_page, page_output
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import is_valid_verifying_key
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import PresentSlot, RoomData, decode_slot
from river_desktop.storage import dbfile
from river_desktop.storage import history_index as hi
from river_desktop.storage import room_summary as rs
from river_desktop.storage.envelope import decode_versioned

MIN_PREFIX: Final = 6
"""``cli_workspace.MIN_PREFIX`` (a test pins them equal): that module imports the controller."""

COUNTED: Final = frozenset({TextContent.content_type, ReplyContent.content_type})
"""``rooms.counts_as_message``'s content types (a test pins them equal): that module imports River's operations."""

_Fallback = rl._Fallback
_FAILURES: Final = (*rl._FAILURES, DecodeError)


@dataclass(frozen=True)
class _Row:
    """A present room's summary row: its key (base58) and the name it shows."""

    vk: bytes
    key: str
    name: str


@dataclass(frozen=True)
class ListedPage:
    """What ``messages list`` shows of a room: the room as its slot holds it and the listed page, oldest first."""

    room: RoomData
    page: tuple[AuthorizedMessage, ...]


def _check_store(conn: sqlite3.Connection) -> None:
    """What ``cli_rooms_list._read`` requires of the file before it trusts the summary."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) != rl.SCHEMA_VERSION:
        raise _Fallback("another schema version")
    if not rs.in_place(conn, rl.SUMMARY_NAME):
        raise _Fallback("no room-list summary")
    marks = ", ".join("?" * len(rl._SPECIAL))
    special = {k for (k,) in conn.execute(f"SELECT key FROM kv WHERE key IN ({marks})", rl._SPECIAL)}
    if "rooms_data" in special and "migration:rooms_data:done" not in special:
        raise _Fallback("the legacy room list is still to migrate")
    if (
        "migration:river:done" not in special
        and conn.execute("SELECT 1 FROM kv WHERE key >= 'msg:' AND key < 'msg;' LIMIT 1").fetchone()
    ):
        raise _Fallback("a 0.1.0 profile still to upgrade")


_ROWS_SQL: Final = (
    f"SELECT s.vk, substr(kv.key, {len(rs.ROOM_LOW) + 1}), s.name, {rl._VOUCHED}, s.kind"
    " FROM kv LEFT JOIN room_summary s ON s.key = kv.key WHERE kv.key >= 'room:' AND kv.key < 'room;' ORDER BY kv.key"
)
"""``cli_rooms_list._ROWS_SQL`` without the unread counts: every room key, its row's key and name, and whether the
row vouches for its slot (``cli_rooms_list._VOUCHED``)."""


def _rows(conn: sqlite3.Connection) -> list[_Row]:
    """Every present room's row; any row the full load would report (or a slot without one) falls back, so the
    full load's warnings are never lost (``cli_rooms_list._rows``'s rules)."""
    rows: list[_Row] = []
    for vk, key, name, vouched, kind in conn.execute(_ROWS_SQL):
        if vouched:
            rows.append(_Row(vk, key, name))
        elif kind not in ("gone", "skip", "deleted"):
            raise _Fallback("a slot the summary does not vouch for" if kind is None else "a slot the full load reports")
    rl._meta(conn)  # undecodable preferences are a warning of the full load
    return rows


def _resolve(rows: Sequence[_Row], text: str) -> _Row:
    """``cli_workspace.resolve_room`` when it finds one room; anything else is the full path's to word."""
    exact = [r for r in rows if r.key == text]  # base58 names each 32-byte key one way
    if exact and rl.b58encode(exact[0].vk) == text and is_valid_verifying_key(exact[0].vk):
        return exact[0]
    by_prefix = [r for r in rows if len(text) >= MIN_PREFIX and r.key.startswith(text)]
    by_name = [r for r in rows if r.name and r.name == text]
    candidates = list({r.vk: r for r in by_prefix + by_name}.values())
    if len(candidates) != 1 or rl.b58encode(candidates[0].vk) != candidates[0].key:
        raise _Fallback("not exactly one room")
    return candidates[0]


def _room(conn: sqlite3.Connection, row: _Row) -> RoomData:
    """The slot, decoded; it must be the room the row says, under the name the row says."""
    found = conn.execute("SELECT value FROM kv WHERE key = ?", (rs.ROOM_LOW + row.key,)).fetchone()
    if found is None or not isinstance(found[0], bytes):
        raise _Fallback("the slot is gone")
    payload = decode_versioned(found[0])[1]
    slot = None if payload is None else decode_slot(payload, trusted=True)
    if not isinstance(slot, PresentSlot) or slot.room.owner_vk != row.vk or slot.room.name != row.name:
        raise _Fallback("the slot and its summary row disagree")
    return slot.room


_I64_OFFSET: Final = 1 << 63
_VALUES_SQL: Final = "SELECT key, value FROM kv WHERE key IN ({marks})"
_GET_CHUNK: Final = 500
"""Keys per statement (``--limit`` goes up to 100,000; SQLite allows 32,766 parameters)."""


def hist_key(room_key: str, secs: int, nanos: int, message_id: int) -> str:
    """``slots.hist_key`` from the room's base58 key (a test pins them equal)."""
    return f"{rl.HIST_PREFIX}{room_key}:{secs:016x}{nanos:08x}:{message_id + _I64_OFFSET:016x}"


def read_page(conn: sqlite3.Connection, row: _Row, before: hi.SortPoint | None, limit: int) -> list[AuthorizedMessage]:
    """``StorageController.read_messages`` through the index: each message must be the one its key names and
    its index row describes (``history_reads._read_keyed``, ``_rows_agree``), else the full path reads by keys."""
    vk = row.vk
    entries = hi.page(conn, vk, before, limit)
    if not entries:
        return []
    keys = [e.key for e in entries]
    values: dict[str, object] = {}
    for start in range(0, len(keys), _GET_CHUNK):
        chunk = keys[start : start + _GET_CHUNK]
        values.update(conn.execute(_VALUES_SQL.format(marks=", ".join("?" * len(chunk))), chunk).fetchall())
    owner_id = river_codec.fast_hash(vk)
    out: list[AuthorizedMessage] = []
    for entry in entries:
        value = values.get(entry.key)
        payload = decode_versioned(value)[1] if isinstance(value, bytes) else None
        if payload is None:
            raise _Fallback("an index row without its message")
        msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
        t = msg.message.time
        counted = msg.message.content.content_type in COUNTED
        author = rl.member_bytes(msg.author) if counted else rl.NOT_COUNTED
        if (
            msg.message.room_owner != owner_id
            or entry.key != hist_key(row.key, t.secs, t.nanos, msg.id)
            or (entry.room, entry.time, entry.id, entry.author) != (vk, *rl.sort_point(t.secs, t.nanos, msg.id), author)
        ):
            raise _Fallback("an index row that disagrees with its message")
        out.append(msg)
    return out


def _point(msg: AuthorizedMessage) -> hi.SortPoint:
    t = msg.message.time
    return rl.sort_point(t.secs, t.nanos, msg.id)


PageReader = Callable[[hi.SortPoint | None], list[AuthorizedMessage]]
"""The page of ``limit`` messages before a point (the newest for ``None``)."""


def _listed(room: RoomData, read: PageReader, limit: int) -> list[AuthorizedMessage]:
    """``cli_messages_items.listed_page`` read through ``read``."""
    walk = listed_page(room, limit)
    oldest = next(walk)
    try:
        while True:
            oldest = walk.send(read(None if oldest is None else _point(oldest)))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def light_page(db: Path, room_text: str, limit: int) -> ListedPage:
    """The room and its listed page, from one read transaction; raises what makes the full path run instead."""
    conn = sqlite3.connect(dbfile.uri(db, read_only=True), uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        _check_store(conn)
        row = _resolve(_rows(conn), room_text)
        if not rl._index_agrees(conn):
            raise _Fallback("the message index is not ready")
        room = _room(conn, row)
        page = _listed(room, lambda before: read_page(conn, row, before, limit), limit)
        conn.execute("COMMIT")
        return ListedPage(room, tuple(page))
    finally:
        conn.close()


def listing(listed: ListedPage) -> Output:
    """``cli_rooms.cmd_messages_list``'s items and text for this page (``cli_messages_items``, which both use)."""
    return page_output(listed.room, listed.page)


async def _full_path(args: argparse.Namespace) -> Output:
    from river_desktop import cli_rooms

    return await cli_rooms.cmd_messages_list(args)


def cmd_messages_list(args: argparse.Namespace) -> Output | Coroutine[Any, Any, Output]:
    """Synchronous when the light path answers (no event loop is started); else the full path's coroutine."""
    if args.mark_read or not profile_exists(args.profile):
        return _full_path(args)
    try:
        return listing(light_page(db_path(args.profile), args.room, args.limit))
    except _FAILURES:
        return _full_path(args)
