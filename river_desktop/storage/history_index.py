"""The message order index: history pages and unread counts that cost what is shown, not what is stored.

The store keeps one row per key under the indexer's prefix, written in the same transaction as the key itself, so
the index can never disagree with the keys it describes after a crash. What a row says is decided by an
``Indexer`` the controller supplies (key + payload -> room, sort time, message id, author, or ``None`` for a key
that must not count): the store knows nothing of the message format, so changing the format swaps the indexer, and
an indexer of another name makes the store rebuild its index from the keys.

A store whose index is missing, belongs to another indexer, was left behind by a writer without one, or fails the
open-time check (as many rows as keys under the prefix, range by range; deleted and rejected keys keep a row with
a NULL room, so the check never reads a payload) is rebuilt from the keys in bounded, resumable batches
(``index_step``); until that finishes, index reads raise ``IndexIncompleteError``.
"""

from __future__ import annotations

import builtins
import enum
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Final, NamedTuple, Protocol, runtime_checkable

from river_desktop.storage.errors import StorageError

SortPoint = tuple[int, str]
"""A position in a room's history: ``(sort time, message id)``, compared as a tuple."""

INDEX_BATCH: Final = 256
"""Keys indexed per ``index_step``: one short write transaction, so other writers and readers interleave."""

CHECK_BATCH: Final = 4096
"""Keys compared per ``index_step`` of the open-time check (two counts over key ranges, no payload read)."""

_LOWEST_TIME: Final = -(2**63)
_GET_CHUNK: Final = 500


class RefKind(enum.IntEnum):
    """What a ``Ref`` says of its message (the indexer decides; the store only matches them)."""

    NAMES = 0
    """It names a member by a label (a mention)."""
    NAMES_ID = 1
    """It names a member by a full id (an older form of mention)."""
    ANSWERS = 2
    """It answers the message whose ``IS`` ref has the same ``ref`` (a reply)."""
    IS = 3
    """Its own message id, with its author in ``who``: what an ``ANSWERS`` ref finds."""
    OPAQUE = 4
    """The indexer could not read what it names or answers (a sealed body): the caller must open it."""


class Ref(NamedTuple):
    kind: RefKind
    ref: str
    who: bytes = b""


class IndexRow(NamedTuple):
    """What the index records of one message key; ``refs`` are kept in ``msg_refs``, in the same transaction."""

    room: bytes
    time: int
    id: str
    author: bytes
    refs: tuple[Ref, ...] = ()


class IndexEntry(NamedTuple):
    """An index row with the key it describes."""

    key: str
    room: bytes
    time: int
    id: str
    author: bytes

    @property
    def point(self) -> SortPoint:
        return (self.time, self.id)


class Indexer(NamedTuple):
    """Turns a stored key under ``prefix`` into its index row; ``row`` returns ``None`` for keys not to count.

    ``name`` identifies the rule: a store indexed under another name is rebuilt. ``room_prefix(room)``, when
    given, is the key prefix of a room's keys: the open check then also finds rows filed under another room.
    """

    name: str
    prefix: str
    row: Callable[[str, bytes], IndexRow | None]
    room_prefix: Callable[[bytes], str] | None = None

    def __repr__(self) -> str:
        return f"Indexer({self.name!r}, prefix={self.prefix!r})"


class UnreadQuery(NamedTuple):
    """Rows of ``room`` after ``after`` (all rows when ``None``) not written by any of ``exclude_authors``."""

    room: bytes
    after: SortPoint | None
    exclude_authors: frozenset[bytes]


class AddressedQuery(NamedTuple):
    """Rows of ``room`` after ``after`` not by ``exclude_authors`` that carry one of ``names`` (``NAMES`` or
    ``NAMES_ID`` refs) or answer a message whose ``IS`` ref names ``author``: "mentions and replies"."""

    room: bytes
    after: SortPoint | None
    exclude_authors: frozenset[bytes]
    names: frozenset[tuple[RefKind, str]]
    author: bytes

    @property
    def unread(self) -> UnreadQuery:
        return UnreadQuery(self.room, self.after, self.exclude_authors)


class IndexIncompleteError(StorageError):
    """The index is being built or rebuilt; run ``index_step`` until it reports done, then read again."""


@runtime_checkable
class HistoryIndexKV(Protocol):
    """What a store with a message order index offers beyond ``KVStore``."""

    def attach_indexer(self, indexer: Indexer) -> None:
        """Index keys under ``indexer.prefix`` from now on; a different stored indexer makes the index rebuild."""
        ...

    def index_step(self, batch: int = INDEX_BATCH) -> bool:
        """Check or (re)build a bounded batch of the index; ``True`` once it is complete and checked."""
        ...

    def index_pending(self) -> bool:
        """A build or rebuild is under way (cheap; the open-time check is left to the first index read)."""
        ...

    def index_page(self, room: bytes, *, before: SortPoint | None = None, limit: int) -> builtins.list[IndexEntry]:
        """The newest ``limit`` rows of ``room`` strictly before ``before``, oldest first."""
        ...

    def index_count(self, room: bytes) -> int:
        """How many rows ``room`` has."""
        ...

    def index_count_after(self, queries: Iterable[UnreadQuery]) -> builtins.list[int]:
        """For each query, how many rows match it, from one consistent read."""
        ...

    def index_rows_after(self, query: UnreadQuery) -> builtins.list[IndexEntry]:
        """The rows matching ``query``, oldest first."""
        ...

    def index_lookup(self, keys: Iterable[str]) -> dict[str, IndexEntry]:
        """The rows of those keys that are indexed (rejected or unknown keys are absent)."""
        ...

    def index_count_addressed(self, queries: Iterable[AddressedQuery]) -> builtins.list[int]:
        """For each query, how many rows match it (``OPAQUE`` rows never do), from one consistent read."""
        ...

    def index_opaque_after(self, queries: Iterable[UnreadQuery]) -> builtins.list[builtins.list[IndexEntry]]:
        """Per query, the rows matching it whose refs the indexer could not read, oldest first."""
        ...

    def index_authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        """Everyone with a row in each room (a superset after deletes): who a count may have to leave out."""
        ...


def _check_limit(limit: int) -> int:
    if limit < 0:
        raise ValueError("limit must not be negative")
    return limit


# -- SQLite: schema, writes and reads (used by SqliteKV inside its transactions) ------------------------


def create_tables(conn: sqlite3.Connection) -> None:
    """The index tables; rows of rejected keys have a NULL room, so they count for the check but match no room."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS msg_index ("
        " key TEXT PRIMARY KEY NOT NULL, room BLOB, time INTEGER, id TEXT, author BLOB) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS msg_index_order ON msg_index (room, time, id, author)")
    conn.execute("CREATE TABLE IF NOT EXISTS msg_index_state (name TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS msg_authors (room BLOB NOT NULL, author BLOB NOT NULL,"
        " PRIMARY KEY (room, author)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS msg_refs (key TEXT NOT NULL, room BLOB NOT NULL, kind INTEGER NOT NULL,"
        " ref TEXT NOT NULL, who BLOB NOT NULL, PRIMARY KEY (key, kind, ref)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS msg_refs_by_ref ON msg_refs (room, kind, ref, key)")
    conn.execute("CREATE INDEX IF NOT EXISTS msg_refs_by_who ON msg_refs (room, kind, who, ref)")
    conn.execute("INSERT OR IGNORE INTO msg_index_state (name, value) VALUES ('progress', '')")


_TABLES: Final = ("msg_index", "msg_index_state", "msg_authors", "msg_refs")


def tables_exist(conn: sqlite3.Connection) -> bool:
    marks = ", ".join("?" * len(_TABLES))
    found = conn.execute(
        f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", _TABLES
    ).fetchone()
    return int(found[0]) == len(_TABLES)


def _state(conn: sqlite3.Connection, name: str) -> object:
    row = conn.execute("SELECT value FROM msg_index_state WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


def _set_state(conn: sqlite3.Connection, name: str, value: object) -> None:
    conn.execute("INSERT OR REPLACE INTO msg_index_state (name, value) VALUES (?, ?)", (name, value))


def reset(conn: sqlite3.Connection, indexer: Indexer | None = None) -> None:
    """Forget every row and start the rebuild from the first key."""
    conn.execute("DELETE FROM msg_index")
    conn.execute("DELETE FROM msg_authors")
    conn.execute("DELETE FROM msg_refs")
    _set_state(conn, "progress", "")
    if indexer is not None:
        _set_state(conn, "indexer", indexer.name)
        _set_state(conn, "prefix", indexer.prefix)


def attach(conn: sqlite3.Connection, indexer: Indexer) -> None:
    """Inside a write transaction: make sure the tables exist and belong to ``indexer``."""
    if not tables_exist(conn):
        create_tables(conn)
        reset(conn, indexer)
    elif _state(conn, "indexer") != indexer.name or _state(conn, "prefix") != indexer.prefix:
        reset(conn, indexer)


def needs_attach(conn: sqlite3.Connection, indexer: Indexer) -> bool:
    if not tables_exist(conn):
        return True
    return _state(conn, "indexer") != indexer.name or _state(conn, "prefix") != indexer.prefix


def row_params(key: str, row: IndexRow | None) -> tuple[object, ...]:
    if row is None:
        return (key, None, None, None, None)
    return (key, row.room, int(row.time), row.id, row.author)


def put_row(conn: sqlite3.Connection, key: str, row: IndexRow | None) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO msg_index (key, room, time, id, author) VALUES (?, ?, ?, ?, ?)", row_params(key, row)
    )
    conn.execute("DELETE FROM msg_refs WHERE key = ?", (key,))
    if row is not None:
        conn.execute("INSERT OR IGNORE INTO msg_authors (room, author) VALUES (?, ?)", (row.room, row.author))
        conn.executemany(
            "INSERT OR IGNORE INTO msg_refs (key, room, kind, ref, who) VALUES (?, ?, ?, ?, ?)",
            [(key, row.room, int(r.kind), r.ref, r.who) for r in row.refs],
        )


def _stored_prefix(conn: sqlite3.Connection) -> str | None:
    """The prefix the stored index covers; ``None`` without one, or with one of an older schema (missing a
    table), which the next attach rebuilds from scratch anyway."""
    if not tables_exist(conn):
        return None
    prefix = _state(conn, "prefix")
    return prefix if isinstance(prefix, str) else None


def mark_stale_if_indexed(conn: sqlite3.Connection, key: str) -> None:
    """A writer without an indexer wrote ``key``: when it is under the indexed prefix, the index must be rebuilt."""
    prefix = _stored_prefix(conn)
    if prefix is not None and key.startswith(prefix):
        reset(conn)


def deleted(conn: sqlite3.Connection, key: str, indexer: Indexer | None) -> None:
    """``key`` now holds a deleted marker: it keeps a row that matches no room (any writer can do this)."""
    prefix = indexer.prefix if indexer is not None else _stored_prefix(conn)
    if prefix is not None and key.startswith(prefix):
        put_row(conn, key, None)


def is_complete(conn: sqlite3.Connection) -> bool:
    """The rebuild has finished (a missing table or state row reads as not complete)."""
    try:
        row = conn.execute("SELECT value FROM msg_index_state WHERE name = 'progress'").fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row[0] is None


def check_range(
    conn: sqlite3.Connection,
    keys_where: str,
    params: tuple[str, ...],
    after: str,
    batch: int,
    *,
    room_prefix: Callable[[bytes], str] | None = None,
) -> tuple[bool, str | None]:
    """Compare the next ``batch`` keys (``keys_where``: under the prefix and after ``after``) with the index rows
    between the same bounds.

    Returns ``(agrees, last key compared)``; the last key is ``None`` when the range reached the end. Index rows
    past the last key (rows without a key) are caught by the final range, which is open-ended.
    """
    bound = conn.execute(
        f"SELECT key FROM kv WHERE {keys_where} ORDER BY key LIMIT 1 OFFSET ?", (*params, batch - 1)
    ).fetchone()
    if bound is None:
        keys = conn.execute(f"SELECT COUNT(*) FROM kv WHERE {keys_where}", params).fetchone()
        rows = conn.execute("SELECT COUNT(*) FROM msg_index WHERE key > ?", (after,)).fetchone()
        agrees = int(rows[0]) == int(keys[0])
        return agrees and (room_prefix is None or _rooms_match_keys(conn, room_prefix)), None
    last = str(bound[0])
    rows = conn.execute("SELECT COUNT(*) FROM msg_index WHERE key > ? AND key <= ?", (after, last)).fetchone()
    return int(rows[0]) == batch, last


def _rooms_match_keys(conn: sqlite3.Connection, room_prefix: Callable[[bytes], str]) -> bool:
    """Every room's rows are rows of that room's keys: a row whose room was changed in place (same count) is caught.

    Rows whose time or id were changed are caught by the reader, on the page that shows them (the controller
    compares each row with the message under its key)."""
    for (room,) in conn.execute("SELECT DISTINCT room FROM msg_index WHERE room IS NOT NULL").fetchall():
        prefix = room_prefix(bytes(room))
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        outside = conn.execute(
            "SELECT 1 FROM msg_index WHERE room = ? AND (key < ? OR key >= ?) LIMIT 1", (room, prefix, upper)
        ).fetchone()
        if outside is not None:
            return False
    return True


def progress(conn: sqlite3.Connection) -> str | None:
    value = _state(conn, "progress")
    return value if isinstance(value, str) else None


def set_progress(conn: sqlite3.Connection, value: str | None) -> None:
    _set_state(conn, "progress", value)


def _entry(row: tuple[object, ...]) -> IndexEntry:
    key, room, time, mid, author = row
    assert isinstance(key, str) and isinstance(room, bytes) and isinstance(time, int)
    assert isinstance(mid, str) and isinstance(author, bytes)
    return IndexEntry(key, room, time, mid, author)


_COLUMNS: Final = "key, room, time, id, author"


PAGE_NEWEST: Final = f"SELECT {_COLUMNS} FROM msg_index WHERE room = ? ORDER BY time DESC, id DESC LIMIT ?"
PAGE_BEFORE: Final = (
    f"SELECT {_COLUMNS} FROM msg_index WHERE room = ? AND (time, id) < (?, ?) ORDER BY time DESC, id DESC LIMIT ?"
)


def page(conn: sqlite3.Connection, room: bytes, before: SortPoint | None, limit: int) -> builtins.list[IndexEntry]:
    if before is None:
        rows = conn.execute(PAGE_NEWEST, (room, _check_limit(limit)))
    else:
        rows = conn.execute(PAGE_BEFORE, (room, int(before[0]), before[1], _check_limit(limit)))
    entries = [_entry(r) for r in rows]
    entries.reverse()
    return entries


def count(conn: sqlite3.Connection, room: bytes) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM msg_index WHERE room = ?", (room,)).fetchone()[0])


def _after(query: UnreadQuery) -> SortPoint:
    return (_LOWEST_TIME, "") if query.after is None else (int(query.after[0]), query.after[1])


_AFTER_WHERE: Final = "room = ? AND (time, id) > (?, ?) AND author NOT IN ({marks})"


def count_after_sql(excluded: int) -> str:
    """The unread count for a room leaving out ``excluded`` authors (this user, and writers who are not members)."""
    marks = ", ".join("?" * max(1, excluded))
    return "SELECT COUNT(*) FROM msg_index WHERE " + _AFTER_WHERE.format(marks=marks)


def rows_after_sql(excluded: int) -> str:
    marks = ", ".join("?" * max(1, excluded))
    return f"SELECT {_COLUMNS} FROM msg_index WHERE " + _AFTER_WHERE.format(marks=marks) + " ORDER BY time, id"


def _after_params(query: UnreadQuery) -> tuple[object, ...]:
    t, mid = _after(query)
    excluded = sorted(query.exclude_authors) or [b""]
    return (query.room, t, mid, *excluded)


_ROOMS_PER_COUNT: Final = 500
"""Rooms counted by one statement (6 parameters each; SQLite allows 32,766)."""


def count_after_many_sql(rooms: int) -> str:
    """:func:`count_after_sql` for ``rooms`` rooms leaving out two authors each, in one statement: a statement per
    room cost 10,000 round trips through Python at 10,000 rooms, each taking the GIL back from the GUI thread."""
    values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * rooms)
    return (
        f"WITH q(i, room, t, id, a, b) AS (VALUES {values}) SELECT q.i, (SELECT COUNT(*) FROM msg_index AS m"
        " WHERE m.room = q.room AND (m.time, m.id) > (q.t, q.id) AND m.author NOT IN (q.a, q.b)) FROM q"
    )


def count_after(conn: sqlite3.Connection, queries: builtins.list[UnreadQuery]) -> builtins.list[int]:
    """One indexed range count per room (the author test reads the covering index, never a message); rooms that
    leave out two authors (this user and ``NOT_COUNTED``, the badges' case) are counted 500 to a statement."""
    out = [0] * len(queries)
    paired = [i for i, q in enumerate(queries) if len(q.exclude_authors) == 2]
    for start in range(0, len(paired), _ROOMS_PER_COUNT):
        chunk = paired[start : start + _ROOMS_PER_COUNT]
        params: builtins.list[object] = []
        for i in chunk:
            params.extend((i, *_after_params(queries[i])))
        for i, count in conn.execute(count_after_many_sql(len(chunk)), params):
            out[i] = int(count)
    for i, q in enumerate(queries):
        if len(q.exclude_authors) != 2:
            out[i] = int(conn.execute(count_after_sql(len(q.exclude_authors)), _after_params(q)).fetchone()[0])
    return out


def rows_after(conn: sqlite3.Connection, query: UnreadQuery) -> builtins.list[IndexEntry]:
    sql = rows_after_sql(len(query.exclude_authors))
    return [_entry(r) for r in conn.execute(sql, _after_params(query))]


def count_addressed_sql(excluded: int, names: int) -> str:
    """Driven by the refs, not the range: the keys naming one of ``names``, and the replies to the author's
    messages (each an index search), then each key's row checked against the range and the authors left out."""
    marks = ", ".join("?" * max(1, excluded))
    named = "".join(" SELECT key FROM msg_refs WHERE room = ? AND kind = ? AND ref = ? UNION" for _ in range(names))
    return (
        f"SELECT COUNT(*) FROM msg_index WHERE key IN ({named}"
        " SELECT a.key FROM msg_refs AS s JOIN msg_refs AS a"
        f" ON a.room = s.room AND a.kind = {int(RefKind.ANSWERS)} AND a.ref = s.ref"
        f" WHERE s.room = ? AND s.kind = {int(RefKind.IS)} AND s.who = ?"
        ") AND " + _AFTER_WHERE.format(marks=marks)
    )


def count_addressed(conn: sqlite3.Connection, queries: builtins.list[AddressedQuery]) -> builtins.list[int]:
    out: builtins.list[int] = []
    for q in queries:
        names = sorted(q.names)
        sql = count_addressed_sql(len(q.exclude_authors), len(names))
        flat = [p for kind, ref in names for p in (q.room, int(kind), ref)]
        params = (*flat, q.room, q.author, *_after_params(q.unread))
        out.append(int(conn.execute(sql, params).fetchone()[0]))
    return out


def opaque_after(
    conn: sqlite3.Connection, queries: builtins.list[UnreadQuery]
) -> builtins.list[builtins.list[IndexEntry]]:
    """Per query, its rows with an ``OPAQUE`` ref; rooms without any are found in one pass over the ref index."""
    rooms = builtins.list(dict.fromkeys(q.room for q in queries))
    sealed: set[bytes] = set()
    for start in range(0, len(rooms), _GET_CHUNK):
        chunk = rooms[start : start + _GET_CHUNK]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT DISTINCT room FROM msg_refs WHERE kind = {int(RefKind.OPAQUE)} AND room IN ({marks})"
        sealed.update(room for (room,) in conn.execute(sql, chunk))
    out: builtins.list[builtins.list[IndexEntry]] = []
    for query in queries:
        if query.room not in sealed:
            out.append([])
            continue
        marks = ", ".join("?" * max(1, len(query.exclude_authors)))
        sql = (
            f"SELECT {_COLUMNS} FROM msg_index WHERE key IN"
            f" (SELECT key FROM msg_refs WHERE room = ? AND kind = {int(RefKind.OPAQUE)}) AND "
            + _AFTER_WHERE.format(marks=marks)
            + " ORDER BY time, id"
        )
        out.append([_entry(r) for r in conn.execute(sql, (query.room, *_after_params(query)))])
    return out


def authors(conn: sqlite3.Connection, rooms: builtins.list[bytes]) -> dict[bytes, frozenset[bytes]]:
    found: dict[bytes, set[bytes]] = {room: set() for room in rooms}
    for start in range(0, len(rooms), _GET_CHUNK):
        chunk = rooms[start : start + _GET_CHUNK]
        marks = ", ".join("?" * len(chunk))
        for room, author in conn.execute(f"SELECT room, author FROM msg_authors WHERE room IN ({marks})", chunk):
            found[room].add(author)
    return {room: frozenset(who) for room, who in found.items()}


def lookup(conn: sqlite3.Connection, keys: builtins.list[str]) -> dict[str, IndexEntry]:
    found: dict[str, IndexEntry] = {}
    for start in range(0, len(keys), _GET_CHUNK):
        chunk = keys[start : start + _GET_CHUNK]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT {_COLUMNS} FROM msg_index WHERE key IN ({marks}) AND room IS NOT NULL"
        for row in conn.execute(sql, chunk):
            entry = _entry(row)
            found[entry.key] = entry
    return found


# -- in memory (MemoryKV) ---------------------------------------------------------------------------------


class MemoryIndex:
    """The same index over a dict, for ``MemoryKV``; callers hold the store's lock."""

    def __init__(self) -> None:
        self.indexer: Indexer | None = None
        self.rows: dict[str, IndexRow | None] = {}

    def on_write(self, key: str, payload: bytes | None) -> None:
        """Keep the row of ``key`` in step with its write (``None``: deleted)."""
        if payload is None:
            self.rows.pop(key, None)
        elif self.indexer is not None and key.startswith(self.indexer.prefix):
            self.rows[key] = self.indexer.row(key, payload)

    def rebuild(self, indexer: Indexer, live: Mapping[str, bytes]) -> None:
        self.indexer = indexer
        self.rows = {k: indexer.row(k, v) for k, v in live.items() if k.startswith(indexer.prefix)}

    def _room(self, room: bytes) -> builtins.list[IndexEntry]:
        entries = [
            IndexEntry(k, r.room, r.time, r.id, r.author)
            for k, r in self.rows.items()
            if r is not None and r.room == room
        ]
        entries.sort(key=lambda e: e.point)
        return entries

    def page(self, room: bytes, before: SortPoint | None, limit: int) -> builtins.list[IndexEntry]:
        entries = [e for e in self._room(room) if before is None or e.point < before]
        limit = _check_limit(limit)
        return entries[len(entries) - limit :] if limit else []

    def count(self, room: bytes) -> int:
        return len(self._room(room))

    def rows_after(self, query: UnreadQuery) -> builtins.list[IndexEntry]:
        after = _after(query)
        return [e for e in self._room(query.room) if e.point > after and e.author not in query.exclude_authors]

    def authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        return {room: frozenset(e.author for e in self._room(room)) for room in rooms}

    def lookup(self, keys: Iterable[str]) -> dict[str, IndexEntry]:
        out: dict[str, IndexEntry] = {}
        for key in keys:
            r = self.rows.get(key)
            if r is not None:
                out[key] = IndexEntry(key, r.room, r.time, r.id, r.author)
        return out

    def _refs(self, key: str) -> tuple[Ref, ...]:
        row = self.rows.get(key)
        return () if row is None else row.refs

    def count_addressed(self, query: AddressedQuery) -> int:
        theirs = {
            ref.ref
            for row in self.rows.values()
            if row is not None and row.room == query.room
            for ref in row.refs
            if ref.kind is RefKind.IS and ref.who == query.author
        }

        def addressed(entry: IndexEntry) -> bool:
            return any(
                (ref.kind, ref.ref) in query.names or (ref.kind is RefKind.ANSWERS and ref.ref in theirs)
                for ref in self._refs(entry.key)
            )

        return sum(1 for e in self.rows_after(query.unread) if addressed(e))

    def opaque_after(self, query: UnreadQuery) -> builtins.list[IndexEntry]:
        return [e for e in self.rows_after(query) if any(r.kind is RefKind.OPAQUE for r in self._refs(e.key))]
