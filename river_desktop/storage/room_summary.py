"""The room-list summary: what a room list shows of each room slot, so ``rooms list`` need not decode the slots.

Each row is derived from one ``room:`` slot (or from ``rooms_meta``) by a ``Summarizer`` the controller supplies
(``room_rows.py``), and written in the same transaction as the slot, like the message order index
(``history_index.py``). It is never trusted over the slot: SQLite triggers on ``kv`` delete the row of any
summarized key that anyone writes (this store, an older release, a foreign tool), and only a writer with the
summarizer puts a fresh row back after its write, inside the same transaction. A slot without a row is therefore
exactly a slot the summary cannot vouch for: the reader falls back to decoding the slots, and a writable store
fills missing rows in bounded batches (``SqliteKV.summary_step``). A row without a ``kind`` (an older writer's) is
treated as missing (and rewritten by the next step). A summary of another format (its ``name``) is dropped and
rebuilt.

A row is SQL columns (``SummaryRow``), so a reader takes what it lists straight from the query, and can count a
room's unread rows in the same statement; only ``rooms_meta``'s row keeps a small CBOR array in ``data``.

This module imports only ``sqlite3``: ``rooms list`` reads it before anything heavier is loaded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final, NamedTuple

SUMMARY_BATCH: Final = 64
"""Slots summarized per ``summary_step`` (each is decoded inside the write transaction that checks it)."""

ROOM_LOW: Final = "room:"
ROOM_HIGH: Final = "room;"
META: Final = "rooms_meta"

_COVERED: Final = "(({k} >= 'room:' AND {k} < 'room;') OR {k} = 'rooms_meta')"

WAITING: Final = 1
OWNER: Final = 2
PRIVATE: Final = 4
"""Bits of ``SummaryRow.flags``."""

LOWEST_TIME: Final = -(2**63)


class SummaryRow(NamedTuple):
    """One summary row's columns. ``kind``: ``room`` (the other columns set), ``gone`` (a Tombstone), ``skip`` (a key
    the load ignores), ``problem`` (anything the load would report: a reader falls back to it), ``deleted``, or
    ``meta`` (``data`` holds ``rooms_meta``'s CBOR row). ``read_time`` and ``read_id``: the order index's sort point
    a room's unread rows come after (``LOWEST_TIME`` and ``""`` for a room never read); ``member``: this user's
    member id as the index's author column."""

    kind: str
    data: bytes | None = None
    name: str | None = None
    nickname: str | None = None
    member_id: int | None = None
    member: bytes | None = None
    flags: int = 0
    read_time: int | None = None
    read_id: str | None = None
    vk: bytes | None = None
    label: str | None = None


COLUMNS: Final = SummaryRow._fields
_COLUMN_TYPES: Final = ("TEXT", "BLOB", "TEXT", "TEXT", "INTEGER", "BLOB", "INTEGER", "INTEGER", "TEXT", "BLOB", "TEXT")

Summarize = Callable[[str, bytes], SummaryRow]
"""Key and payload (a live value under ``room:``, or ``rooms_meta``) to the summary row."""


class Summarizer(NamedTuple):
    """``row`` derives a key's summary; ``name`` identifies its format (a summary of another name is rebuilt)."""

    name: str
    row: Summarize

    def __repr__(self) -> str:
        return f"Summarizer({self.name!r})"


def covers(key: str) -> bool:
    return (ROOM_LOW <= key < ROOM_HIGH) or key == META


def _triggers() -> list[str]:
    new, old = _COVERED.format(k="new.key"), _COVERED.format(k="old.key")
    return [
        "CREATE TRIGGER IF NOT EXISTS room_summary_on_insert AFTER INSERT ON kv"
        f" WHEN {new} BEGIN DELETE FROM room_summary WHERE key = new.key; END",
        "CREATE TRIGGER IF NOT EXISTS room_summary_on_update AFTER UPDATE ON kv"
        f" WHEN {new} OR {old} BEGIN DELETE FROM room_summary WHERE key IN (new.key, old.key); END",
        "CREATE TRIGGER IF NOT EXISTS room_summary_on_delete AFTER DELETE ON kv"
        f" WHEN {old} BEGIN DELETE FROM room_summary WHERE key = old.key; END",
    ]


_TRIGGER_NAMES: Final = ("room_summary_on_insert", "room_summary_on_update", "room_summary_on_delete")

_HIST: Final = "({k} >= 'hist:' AND {k} < 'hist;')"

_GUARD_TRIGGERS: Final = (
    ("hist_guard_kv_insert", "AFTER INSERT ON kv WHEN {new}", "INSERT OR IGNORE INTO hist_pending VALUES (new.key)"),
    ("hist_guard_kv_update", "AFTER UPDATE ON kv WHEN {new}", "INSERT OR IGNORE INTO hist_pending VALUES (new.key)"),
    ("hist_guard_kv_delete", "AFTER DELETE ON kv WHEN {old}", "INSERT OR IGNORE INTO hist_pending VALUES (old.key)"),
    ("hist_guard_index_insert", "AFTER INSERT ON msg_index", "DELETE FROM hist_pending WHERE key = new.key"),
    ("hist_guard_index_delete", "AFTER DELETE ON msg_index", "INSERT OR IGNORE INTO hist_pending VALUES (old.key)"),
)
"""The message index's guard: ``hist_pending`` holds every ``hist:`` key written (by anyone) since its index row,
and every index row removed. The order index writes a key's row after the key in the same transaction (and
``INSERT OR REPLACE`` fires no delete trigger), so an empty ``hist_pending`` means each message key has the row
written after it: what the index's open-time check (two counts per range, O(messages)) establishes, in O(1)."""


def _state(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM room_summary_state WHERE name = 'summarizer'").fetchone()
    return row[0] if row is not None and isinstance(row[0], str) else None


def in_place(conn: sqlite3.Connection, name: str) -> bool:
    """The tables and all the triggers exist, and the rows are of format ``name``."""
    names = (*_TRIGGER_NAMES, *(n for n, _w, _d in _GUARD_TRIGGERS))
    marks = ", ".join("?" * len(names))
    found = conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE (type = 'table' AND name IN"
        f" ('room_summary', 'room_summary_state', 'hist_pending')) OR (type = 'trigger' AND name IN ({marks}))",
        names,
    ).fetchone()
    return int(found[0]) == 3 + len(names) and _state(conn) == name


def index_guarded(conn: sqlite3.Connection) -> bool:
    """No message key waits for its index row (see ``_GUARD_TRIGGERS``); call after :func:`in_place`."""
    return conn.execute("SELECT 1 FROM hist_pending LIMIT 1").fetchone() is None


def _attach_guard(conn: sqlite3.Connection) -> None:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hist_pending'").fetchone()
    if exists is None:
        conn.execute("CREATE TABLE hist_pending (key TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID")
        hist = _HIST.format(k="key")
        conn.execute(  # born exact: every key without a row, every row without a key
            "INSERT OR IGNORE INTO hist_pending SELECT key FROM kv"
            f" WHERE {hist} AND key NOT IN (SELECT key FROM msg_index)"
        )
        conn.execute(
            "INSERT OR IGNORE INTO hist_pending SELECT key FROM msg_index WHERE key NOT IN (SELECT key FROM kv)"
        )
    new, old = _HIST.format(k="new.key"), _HIST.format(k="old.key")
    for name, when, do in _GUARD_TRIGGERS:
        conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {when.format(new=new, old=old)} BEGIN {do}; END")


def tidy_guard(conn: sqlite3.Connection) -> None:
    """Forget keys that are gone from both the store and the index (a key deleted outright, its row rebuilt away)."""
    conn.execute(
        "DELETE FROM hist_pending WHERE key NOT IN (SELECT key FROM kv) AND key NOT IN (SELECT key FROM msg_index)"
    )


def _add_columns(conn: sqlite3.Connection) -> None:
    """The columns of ``SummaryRow`` on a table an older release made (``key`` and a CBOR ``row`` only): its rows
    are of another format, so they are dropped anyway; an older writer still fills only ``row``, which no reader
    of this format vouches for (``kind`` stays NULL)."""
    have = {str(r[1]) for r in conn.execute("PRAGMA table_info(room_summary)")}
    for column, kind in zip(COLUMNS, _COLUMN_TYPES, strict=True):
        if column not in have:
            conn.execute(f"ALTER TABLE room_summary ADD COLUMN {column} {kind}")


def attach(conn: sqlite3.Connection, name: str) -> None:
    """Inside a write transaction: the tables and triggers, emptied when they held another format."""
    conn.execute("CREATE TABLE IF NOT EXISTS room_summary (key TEXT PRIMARY KEY NOT NULL, row BLOB) WITHOUT ROWID")
    _add_columns(conn)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS room_summary_state (name TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID"
    )
    for sql in _triggers():
        conn.execute(sql)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'msg_index'").fetchone():
        _attach_guard(conn)
    if _state(conn) != name:
        conn.execute("DELETE FROM room_summary")
        conn.execute("INSERT OR REPLACE INTO room_summary_state (name, value) VALUES ('summarizer', ?)", (name,))


_PUT_SQL: Final = (
    f"INSERT OR REPLACE INTO room_summary (key, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})"
)


def put(conn: sqlite3.Connection, key: str, row: SummaryRow) -> None:
    """After the key's own write (whose trigger removed the old row), in the same transaction."""
    conn.execute(_PUT_SQL, (key, *row))


DELETED: Final = SummaryRow("deleted")
"""The row of a key this store deleted: listed as nothing."""

MISSING_SQL: Final = (
    "SELECT kv.key FROM kv LEFT JOIN room_summary s ON s.key = kv.key"
    f" WHERE {_COVERED.format(k='kv.key')} AND s.kind IS NULL ORDER BY kv.key LIMIT ?"
)
"""Summarized keys without a row (or with an older writer's, which fills no ``kind``), for a rebuild step (their
values are read inside its write transaction)."""

META_SQL: Final = (
    "SELECT s.kind, s.data FROM kv LEFT JOIN room_summary s ON s.key = kv.key WHERE kv.key = 'rooms_meta'"
)


def missing(conn: sqlite3.Connection, batch: int) -> list[str]:
    return [str(k) for (k,) in conn.execute(MISSING_SQL, (batch,)).fetchall()]
