"""A page of history in one read: the order index's rows joined to the values under their keys (benchmark B8).

The two-step read (the index page, then ``get_many`` of its keys) ran two transactions and shipped each row
through two layers; this is one SQLite statement, so rows and values come from one snapshot and a writer in
between cannot make them disagree. Every column the page's checks need comes back raw (key and id as bytes, so
the store's Python text factory is not called per cell); the controller checks them (history_page_check.py).
No River decoding is imported here: the store stays light for ``rooms list``.
"""

from __future__ import annotations

import builtins
import sqlite3
from typing import Final, Protocol, runtime_checkable

from river_desktop.storage.history_index import SortPoint

PageRow = tuple[bytes, int, bytes, bytes, object, object]
"""``(key as UTF-8, index time, index id as UTF-8, index author, stored envelope, write counter)``, as read."""

_COLUMNS: Final = "CAST(i.key AS BLOB), i.time, CAST(i.id AS BLOB), i.author, kv.value, kv.seq"
_FROM: Final = " FROM msg_index AS i LEFT JOIN kv ON kv.key = i.key WHERE i.room = ?"
_COMPLETE: Final = " AND (SELECT value FROM msg_index_state WHERE name = 'progress') IS NULL"
_ORDER: Final = " ORDER BY i.time DESC, i.id DESC LIMIT ?"
PAGE_VALUES_NEWEST: Final = f"SELECT {_COLUMNS}{_FROM}{_COMPLETE}{_ORDER}"
PAGE_VALUES_BEFORE: Final = f"SELECT {_COLUMNS}{_FROM} AND (i.time, i.id) < (?, ?){_COMPLETE}{_ORDER}"


@runtime_checkable
class PageValuesKV(Protocol):
    """A store that can read a page of the order index with its values in one statement (``SqliteKV``)."""

    def index_page_values(
        self, room: bytes, *, before: SortPoint | None = None, limit: int
    ) -> builtins.list[PageRow]:
        """The newest ``limit`` rows of ``room`` strictly before ``before``, NEWEST first, with their values."""
        ...


def page_values(
    conn: sqlite3.Connection, room: bytes, before: SortPoint | None, limit: int
) -> builtins.list[PageRow]:
    """One statement. An index mid-rebuild (another process may have started one) answers no rows: the caller
    asks an empty answer again inside a read transaction that checks the index is complete."""
    if limit < 0:
        raise ValueError("limit must not be negative")
    if before is None:
        return conn.execute(PAGE_VALUES_NEWEST, (room, limit)).fetchall()
    return conn.execute(PAGE_VALUES_BEFORE, (room, int(before[0]), before[1], limit)).fetchall()
