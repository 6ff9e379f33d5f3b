"""``rooms list`` from the room-list summary: it costs what the list shows, not what the slots hold.

One read transaction on the profile (opened read-only) reads every room key with its summary row
(``storage/room_summary.py``), the summary of ``rooms_meta`` and the unread counts from the message order index.
Whenever the summary cannot vouch for the answer — a slot without a row (written by a writer that keeps no
summary), a row that reports a problem, a profile still to upgrade, a message index not built or not matching
its keys, anything unexpected in the file — the command runs the full load instead (``cli_rooms.py``), which
decodes every slot and reports what it finds. The answer is the same either way, byte for byte.

A room in "Mentions & replies" is counted from the refs the order index keeps of each message (whom it names,
what it answers: ``history_index.count_addressed``, the full load's own query), so no message is decoded. Only a
room whose unread rows include a body the index could not read (sealed with a room secret) is decoded, with its
slot, by the full load's counter; only then is the domain imported.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Coroutine
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any, Final, NamedTuple

import cbor2

from river_desktop.cli_base import Json, Output, db_path, one_line, profile_exists
from river_desktop.storage import dbfile
from river_desktop.storage import history_index as hi
from river_desktop.storage import room_summary as rs
from river_desktop.storage.envelope import decode_versioned

SCHEMA_VERSION: Final = 3
"""``sqlite_kv.SCHEMA_VERSION`` (a test pins them equal): another version is left to the full load."""
SUMMARY_NAME: Final = "river-room-list-v3"
"""``room_rows.ROOM_SUMMARIZER.name``; pinned equal by a test."""
MESSAGE_INDEX_NAME: Final = "river-hist-v2"
"""``message_rows.MESSAGE_INDEXER.name``; pinned equal by a test."""
HIST_PREFIX: Final = "hist:"
NOT_COUNTED: Final = b""
_I64_OFFSET: Final = 1 << 63
_MASK64: Final = (1 << 64) - 1
_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MODE_NAMES: Final = {"All": "all", "MentionsAndReplies": "mentions", "Muted": "muted"}
_SPECIAL: Final = ("rooms_data", "migration:rooms_data:done", "migration:river:done")


class _Fallback(Exception):
    """The summary cannot answer this time: run the full load."""


class _Room(NamedTuple):
    """A room key and its summary row, as ``_ROWS_SQL`` returns them (made with ``tuple.__new__``: a list of
    10,000 rooms costs no Python call per room)."""

    vk: bytes | None
    key: str
    name: str
    nickname: str
    member_id: int
    flags: int
    label: str
    unread: int
    """The order index's rows after the read marker by others."""
    vouched: int
    """1 for a ``room`` row whose columns all have their types."""
    kind: str | None


class _Meta(NamedTuple):
    current: bytes | None = None
    modes: dict[bytes, str] | None = None
    order: tuple[bytes, ...] = ()
    pinned: tuple[bytes, ...] = ()
    archived: frozenset[bytes] = frozenset()


def b58decode(text: str) -> bytes:
    num = 0
    for ch in text:
        num = num * 58 + _ALPHABET.index(ch)
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def member_bytes(member_id: int) -> bytes:
    return member_id.to_bytes(8, "big", signed=True)


def member_label(member_id: int) -> str:
    """``identity.member_id_display``: River's 8-character base32 of the id (a test pins them equal). The listing
    takes it from the summary row, so ``base64`` is imported only when this is called."""
    import base64

    return base64.b32encode((member_id & (2**64 - 1)).to_bytes(8, "little")).decode("ascii")[:8]


def sort_point(secs: int, nanos: int, message_id: int) -> hi.SortPoint:
    return (secs, f"{nanos:08x}:{message_id + _I64_OFFSET:016x}")


def _meta(conn: sqlite3.Connection) -> _Meta:
    found = conn.execute(rs.META_SQL).fetchall()
    kind, data = found[0] if found else ("deleted", None)
    if kind == "deleted":
        return _Meta(modes={})
    if kind != "meta" or not isinstance(data, bytes):
        raise _Fallback("undecodable room preferences")
    try:
        current, modes, order, pinned, archived = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise _Fallback("an unreadable summary row") from exc
    return _Meta(current, {bytes(k): _MODE_NAMES[v] for k, v in modes.items()}, tuple(order), tuple(pinned),
                 frozenset(archived))


_VOUCHED: Final = (
    "s.kind = 'room' AND typeof(s.vk) = 'blob' AND length(s.vk) = 32 AND typeof(s.member) = 'blob'"
    " AND typeof(s.member_id) = 'integer' AND typeof(s.flags) = 'integer' AND typeof(s.name) = 'text'"
    " AND typeof(s.nickname) = 'text' AND typeof(s.label) = 'text' AND typeof(s.read_time) = 'integer'"
    " AND typeof(s.read_id) = 'text'"
)

_ROWS_SQL: Final = (
    f"SELECT s.vk, substr(kv.key, {len(rs.ROOM_LOW) + 1}), s.name, s.nickname, s.member_id, s.flags, s.label,"
    " (SELECT COUNT(*) FROM msg_index m WHERE m.room = s.vk AND (m.time, m.id) > (s.read_time, s.read_id)"
    f" AND m.author NOT IN (s.member, x'')), {_VOUCHED}, s.kind FROM kv LEFT JOIN room_summary s ON s.key = kv.key"
    " WHERE kv.key >= 'room:' AND kv.key < 'room;' ORDER BY kv.key"
)
"""Every room key with its summary row (NULLs: not vouched for) and the room's ``history_index.count_after``: the
order index's rows after the read marker by others (this user and ``NOT_COUNTED`` left out). Reads keys and rows
only, never a slot's or a message's bytes."""

_MARKER_SQL: Final = "SELECT s.vk, s.read_time, s.read_id, s.member FROM room_summary s WHERE s.key IN ({marks})"
_MARKER_CHUNK: Final = 500


def _rows(conn: sqlite3.Connection) -> tuple[dict[bytes, _Room], list[bytes]]:
    rooms: dict[bytes, _Room] = {}
    removed: list[bytes] = []
    make = tuple.__new__
    for row in conn.execute(_ROWS_SQL):
        if row[8]:
            room: _Room = make(_Room, row)
            rooms[room.vk] = room  # type: ignore[index]
        elif row[9] == "gone":
            removed.append(b58decode(row[1]))
        elif row[9] not in ("skip", "deleted"):
            kind = row[9]
            raise _Fallback("a slot the summary does not vouch for" if kind is None else "a slot the full load reports")
    return rooms, removed


_Marker = tuple[hi.SortPoint, bytes]


def _markers(conn: sqlite3.Connection, rooms: dict[bytes, _Room], wanted: list[bytes]) -> dict[bytes, _Marker]:
    """The read point and author bytes of the rooms whose mentions are counted (the same read transaction)."""
    found: dict[bytes, _Marker] = {}
    for start in range(0, len(wanted), _MARKER_CHUNK):
        keys = [rs.ROOM_LOW + rooms[vk].key for vk in wanted[start : start + _MARKER_CHUNK]]
        sql = _MARKER_SQL.format(marks=", ".join("?" * len(keys)))
        for vk, time, point_id, member in conn.execute(sql, keys):
            found[vk] = ((time, point_id), member)
    if len(found) != len(wanted):
        raise _Fallback("a room changed meanwhile")
    return found


def _index_agrees(conn: sqlite3.Connection) -> bool:
    """The message order index is built, is ours, and no message key waits for its row (the guard kept by
    triggers, ``room_summary._GUARD_TRIGGERS``, in place of the index's O(messages) open-time count)."""
    state = dict(conn.execute("SELECT name, value FROM msg_index_state").fetchall())
    if state.get("indexer") != MESSAGE_INDEX_NAME or state.get("prefix") != HIST_PREFIX or not hi.is_complete(conn):
        return False
    return rs.index_guarded(conn)


class _Snapshot(NamedTuple):
    rooms: dict[bytes, _Room]
    removed: list[bytes]
    meta: _Meta
    unread: dict[bytes, int]
    mentions: list[bytes]
    """Rooms in "Mentions & replies" with unread sealed rows by others: counted from their decoded slots."""
    slots: dict[bytes, bytes]


def _read(db: Path) -> _Snapshot:
    conn = sqlite3.connect(dbfile.uri(db, read_only=True), uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) != SCHEMA_VERSION:
            raise _Fallback("another schema version")
        if not rs.in_place(conn, SUMMARY_NAME):
            raise _Fallback("no room-list summary")
        marks = ", ".join("?" * len(_SPECIAL))
        special = {k for (k,) in conn.execute(f"SELECT key FROM kv WHERE key IN ({marks})", _SPECIAL)}
        if "rooms_data" in special and "migration:rooms_data:done" not in special:
            raise _Fallback("the legacy room list is still to migrate")
        if "migration:river:done" not in special and conn.execute(
            "SELECT 1 FROM kv WHERE key >= 'msg:' AND key < 'msg;' LIMIT 1"
        ).fetchone():
            raise _Fallback("a 0.1.0 profile still to upgrade")
        if not _index_agrees(conn):
            raise _Fallback("the message index is not ready")
        rooms, removed = _rows(conn)
        meta = _meta(conn)
        unread, mentions = _unread(conn, rooms, meta)
        slots: dict[bytes, bytes] = {}
        for vk in mentions:
            value = conn.execute("SELECT value FROM kv WHERE key = ?", (rs.ROOM_LOW + rooms[vk].key,)).fetchone()
            payload = decode_versioned(bytes(value[0]))[1]
            if payload is None:
                raise _Fallback("a room changed meanwhile")
            slots[vk] = payload
        conn.execute("COMMIT")
        return _Snapshot(rooms, removed, meta, unread, mentions, slots)
    finally:
        conn.close()


def _unread(conn: sqlite3.Connection, rooms: dict[bytes, _Room], meta: _Meta) -> tuple[dict[bytes, int], list[bytes]]:
    """Each room's count as ``HistoryReads._unread_sync`` makes it: in "All", the rows after the read marker by
    others (``_Room.unread``); in "Mentions & replies", those of them whose refs name this user or answer one of
    their messages (asked only of rooms with such rows). A room whose unread rows include sealed ones is listed for
    decoding."""
    modes = meta.modes or {}
    counts = {vk: room.unread for vk, room in rooms.items()}
    wanted: list[bytes] = []
    for vk, mode in modes.items():
        if vk not in rooms or mode == "all":
            continue
        if mode == "mentions" and counts[vk]:
            wanted.append(vk)
        counts[vk] = 0
    addressed: list[hi.AddressedQuery] = []
    for vk, (after, member) in _markers(conn, rooms, wanted).items():
        room = rooms[vk]
        names = mention_names(room.member_id, room.label)
        addressed.append(hi.AddressedQuery(vk, after, frozenset({member, NOT_COUNTED}), names, member))
    counts.update(zip((q.room for q in addressed), hi.count_addressed(conn, addressed), strict=True))
    sealed = hi.opaque_after(conn, [q.unread for q in addressed])
    return counts, [q.room for q, rows in zip(addressed, sealed, strict=True) if rows]


def mention_names(member_id: int, label: str | None = None) -> frozenset[tuple[hi.RefKind, str]]:
    """``message_rows.mention_names``: the refs a mention of this member is indexed as (a test pins them equal);
    ``label`` is ``member_label(member_id)`` when the caller has it already."""
    hex_id = f"{member_id & _MASK64:016x}"
    return frozenset({(hi.RefKind.NAMES, label or member_label(member_id)), (hi.RefKind.NAMES_ID, hex_id)})


async def _mention_counts(profile: Path, snap: _Snapshot) -> dict[bytes, int]:
    """The rooms whose badge needs their messages read: decoded, and counted by the controller's own rule."""
    from river_desktop.domain.rooms import NotificationMode, PresentSlot, Rooms, decode_slot
    from river_desktop.storage.controller import StorageController

    sub = Rooms()
    for vk in snap.mentions:
        slot = decode_slot(snap.slots[vk], trusted=True)
        if not isinstance(slot, PresentSlot):
            raise _Fallback("a room changed meanwhile")
        sub.rooms[vk] = slot.room
        sub.notification_modes[vk] = NotificationMode.MENTIONS_AND_REPLIES
    ctl = await StorageController.open(profile, read_only=True)
    try:
        return await ctl.unread_counts(sub)
    finally:
        await ctl.close()


def _listing(snap: _Snapshot, show_all: bool) -> tuple[list[tuple[bytes, bool, bool]], list[bytes]]:
    """The rooms listed in ``cli_rooms.cmd_rooms_list``'s order (``Rooms.sections``), each with whether it is
    pinned and whether it is archived, then the left rooms (``--all`` only)."""
    rooms, meta = snap.rooms, snap.meta
    pinned_order = [vk for vk in dict.fromkeys(meta.pinned) if vk in rooms]
    archived = {vk for vk in meta.archived if vk in rooms}
    seen: set[bytes] = set()
    ordered: list[bytes] = []
    for vk in meta.order:
        if vk in rooms and vk not in seen:
            ordered.append(vk)
            seen.add(vk)
    ordered.extend(sorted(vk for vk in rooms if vk not in seen))
    favourites = set(pinned_order)
    rest = [vk for vk in ordered if vk not in favourites]
    main = [(vk, False, False) for vk in rest if vk not in archived]
    archive = [(vk, False, True) for vk in rest if vk in archived] if show_all else []
    left = sorted(set(snap.removed) - set(rooms)) if show_all else []
    return [(vk, True, False) for vk in pinned_order] + main + archive, left


def _items(snap: _Snapshot, show_all: bool) -> list[dict[str, Json]]:
    """``cli_rooms.cmd_rooms_list``'s items, from the summary: the same order, the same fields."""
    rooms, modes, unread = snap.rooms, snap.meta.modes or {}, snap.unread
    current = snap.meta.current if snap.meta.current in rooms else None
    listed, left = _listing(snap, show_all)
    items: list[dict[str, Json]] = []
    for vk, pinned, archived in listed:
        room = rooms[vk]
        items.append(
            {
                "key": room.key,
                "name": room.name,
                "nickname": room.nickname,
                "member_id": room.member_id,
                "notifications": modes.get(vk, "all"),
                "unread": unread.get(vk, 0),
                "state": "waiting" if room.flags & rs.WAITING else "ok",
                "owner": bool(room.flags & rs.OWNER),
                "member_label": room.label,
                "current": current == vk,
                "pinned": pinned,
                "archived": archived,
            }
        )
    items.extend(left_item(b58encode(vk), modes.get(vk, "all")) for vk in left)
    return items


def left_item(key: str, notifications: str) -> dict[str, Json]:
    """A left room's ``--all`` item, the same on this path and on the full load's."""
    return {
        "key": key,
        "name": "",
        "nickname": "",
        "member_id": None,
        "notifications": notifications,
        "unread": 0,
        "state": "left",
        "owner": False,
        "member_label": "",
        "current": False,
        "pinned": False,
        "archived": False,
    }


_LEFT: Final = (
    '{"key": %s, "name": "", "nickname": "", "member_id": null, "notifications": "%s", "unread": 0, "state": "left",'
    ' "owner": false, "member_label": "", "current": false, "pinned": false, "archived": false}'
)
_BOOL: Final = ("false", "true")
_STATE: Final = ("ok", "waiting")


def items_json(snap: _Snapshot, show_all: bool) -> str:
    """``json.dumps(_items(snap, show_all))``, character for character (a test compares them), written directly:
    at 10,000 rooms building the dicts and encoding them cost twice as much (and an f-string per room a tenth less
    than ``%`` formatting)."""
    rooms, modes, unread = snap.rooms, snap.meta.modes or {}, snap.unread
    current = snap.meta.current if snap.meta.current in rooms else None
    listed, left = _listing(snap, show_all)
    q, mode, b, waiting, owner = _quote, modes.get, _BOOL, rs.WAITING, rs.OWNER
    parts = [
        f'{{"key": {q(r.key)}, "name": {q(r.name)}, "nickname": {q(r.nickname)}, "member_id": {r.member_id:d},'
        f' "notifications": "{mode(vk, "all")}", "unread": {unread.get(vk, 0):d},'
        f' "state": "{_STATE[r.flags & waiting != 0]}", "owner": {b[r.flags & owner != 0]},'
        f' "member_label": {q(r.label)}, "current": {b[current == vk]}, "pinned": {b[pinned]},'
        f' "archived": {b[archived]}}}'
        for vk, pinned, archived in listed
        for r in (rooms[vk],)
    ]
    parts.extend(_LEFT % (q(b58encode(vk)), mode(vk, "all")) for vk in left)
    return "[" + ", ".join(parts) + "]"


def b58encode(data: bytes) -> str:
    num = int.from_bytes(data, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _ALPHABET[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def rooms_table(items: list[dict[str, Json]]) -> str:
    if not items:
        return "no rooms"
    header = ("KEY", "NAME", "NICKNAME", "MEMBER", "NOTIFY", "UNREAD", "STATE", "LIST")
    rows = [header] + [
        (
            str(it["key"]),
            one_line(str(it["name"]), 40) or "-",
            one_line(str(it["nickname"]), 24) or "-",
            str(it["member_label"]) or "-",
            str(it["notifications"]),
            str(it["unread"]),
            str(it["state"]),
            "favourite" if it["pinned"] else "archived" if it["archived"] else "",
        )
        for it in items
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def summary_snapshot(profile: Path) -> _Snapshot | None:
    """The summary's reading (sealed mention badges still to count); ``None`` when only the full load can answer."""
    try:
        return _read(db_path(profile))
    except _FAILURES:
        return None


_FAILURES = (_Fallback, sqlite3.Error, OSError, ValueError, TypeError, KeyError, IndexError)


async def _sealed_badges(snap: _Snapshot, args: argparse.Namespace) -> Output:
    try:
        snap.unread.update(await _mention_counts(args.profile, snap))
    except _FAILURES:
        return await _full_load(args)
    return _output(snap, args.all)


def _output(snap: _Snapshot, show_all: bool) -> Output:
    """The items are built only for the text table; ``--json`` prints :func:`items_json`."""
    return Output(None, lambda: rooms_table(_items(snap, show_all)), encoded=lambda: items_json(snap, show_all))


async def _full_load(args: argparse.Namespace) -> Output:
    from river_desktop import cli_rooms

    return await cli_rooms.cmd_rooms_list(args)


async def summary_list(profile: Path, show_all: bool) -> list[dict[str, Json]] | None:
    """The list from the summary, or ``None`` when only the full load can answer (for tests and tools)."""
    snap = summary_snapshot(profile)
    if snap is None:
        return None
    if snap.mentions:
        try:
            snap.unread.update(await _mention_counts(profile, snap))
        except _FAILURES:
            return None
    return _items(snap, show_all)


def cmd_rooms_list(args: argparse.Namespace) -> Output | Coroutine[Any, Any, Output]:
    """Synchronous when the summary answers (no event loop is started); else the coroutine to run."""
    if not profile_exists(args.profile):
        return Output([], "no rooms")
    snap = summary_snapshot(args.profile)
    if snap is None:
        return _full_load(args)
    if snap.mentions:
        return _sealed_badges(snap, args)
    return _output(snap, args.all)
