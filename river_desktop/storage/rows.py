"""Reading what can still be read from a damaged ``kv`` table, one row at a time.

A scan stops at the first damaged B-tree page. Read key by key instead, every row whose own pages are intact comes
back: first the keys from the primary-key index (which lives on pages of its own), then each row by its key; when
the index itself cannot be read, by rowid ranges, probing single rowids across the damaged stretch. What cannot be
read is reported by key (or by row number when even the key is lost), never silently dropped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar

from river_desktop.storage.errors import StorageCorruptError
from river_desktop.storage.faults import MAX_SEQ, display_key, row_problem
from river_desktop.storage.kv import SkippedRow

T = TypeVar("T")

_RANGE: Final = 256
_PROBE: Final = 32
DAMAGED: Final = "damaged: its data cannot be read"


class Reader(Protocol):
    """The store's ``_reading``: runs ``fn`` on a connection, retries, and raises ``StorageCorruptError``."""

    def __call__(self, fn: Callable[[sqlite3.Connection], T], /) -> T: ...


Row = tuple[str, bytes, int]


@dataclass(frozen=True)
class RowsRead:
    """Usable rows ``(key, envelope, seq)`` sorted by key, and the rows that had to be skipped, with why."""

    rows: list[Row] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)


def sift(
    raw: Iterable[tuple[object, object, object]], skipped: Iterable[SkippedRow] = (), *, ordered: bool = False
) -> RowsRead:
    """Keep the rows this store could have written; report the others. ``ordered``: ``raw`` is sorted by key."""
    rows: list[Row] = []
    out_skipped = list(skipped)
    for key, value, seq in raw:
        # The common case without a call: an ASCII text key, a bytes value, an in-range integer counter.
        if (
            type(key) is str
            and type(value) is bytes
            and type(seq) is int
            and 0 < seq < MAX_SEQ
            and (key.isascii() or row_problem(key, True, seq) is None)
        ):
            rows.append((key, value, seq))
            continue
        problem = row_problem(key, isinstance(value, bytes), seq) or "it is not a row this store writes"
        out_skipped.append(SkippedRow(display_key(key), problem))
    if not ordered:
        rows.sort(key=lambda row: row[0])
    return RowsRead(rows, out_skipped)


def read_keys_one_by_one(reading: Reader, keys: Iterable[str]) -> RowsRead:
    """Each key on its own read, so one damaged page costs only the rows on it."""
    raw: list[tuple[object, object, object]] = []
    skipped: list[SkippedRow] = []
    for key in keys:
        problem = row_problem(key, True, 1)
        if problem is not None:
            skipped.append(SkippedRow(display_key(key), problem))
            continue
        try:
            row = reading(_fetch_one("SELECT key, value, seq FROM kv WHERE key = ?", (key,)))
        except StorageCorruptError:
            skipped.append(SkippedRow(display_key(key), DAMAGED))
            continue
        if row is not None:
            raw.append((row[0], row[1], row[2]))
    return sift(raw, skipped)


def read_rows_one_by_one(reading: Reader, where: str, params: tuple[object, ...]) -> RowsRead:
    """Every row matching ``where`` (a condition on ``key`` only), read row by row around the damage."""
    sql = f"SELECT key FROM kv WHERE {where} ORDER BY key"
    try:
        keys = reading(lambda c: [key for (key,) in c.execute(sql, params)])
    except StorageCorruptError:
        return read_rows_by_rowid(reading, where, params)
    return read_keys_one_by_one(reading, keys)


def read_rows_by_rowid(reading: Reader, where: str, params: tuple[object, ...]) -> RowsRead:
    """Without a readable index: rowid ranges, and single rowids across a stretch that a range cannot pass."""
    bound = _rowid_bound(reading)
    raw: list[tuple[object, object, object]] = []
    skipped: list[SkippedRow] = []
    chunk_sql = (
        "SELECT rowid, key, value, seq FROM kv"
        f" WHERE rowid >= ? AND rowid <= ? AND ({where}) ORDER BY rowid LIMIT {_RANGE}"
    )
    one_sql = f"SELECT key, value, seq FROM kv WHERE rowid = ? AND ({where})"
    start = 1
    while start <= bound:
        try:
            chunk = reading(_fetch_all(chunk_sql, (start, bound, *params)))
        except StorageCorruptError:
            for rowid in range(start, min(start + _PROBE, bound + 1)):
                try:
                    row = reading(_fetch_one(one_sql, (rowid, *params)))
                except StorageCorruptError:
                    skipped.append(SkippedRow(f"(row {rowid}, key unreadable)", DAMAGED))
                    continue
                if row is not None:
                    raw.append((row[0], row[1], row[2]))
            start += _PROBE
            continue
        if not chunk:
            break
        raw.extend((key, value, seq) for _rowid, key, value, seq in chunk)
        start = int(chunk[-1][0]) + 1
    return sift(raw, skipped)


def _fetch_one(sql: str, params: tuple[object, ...]) -> Callable[[sqlite3.Connection], Any]:
    return lambda conn: conn.execute(sql, params).fetchone()


def _fetch_all(sql: str, params: tuple[object, ...]) -> Callable[[sqlite3.Connection], list[Any]]:
    return lambda conn: conn.execute(sql, params).fetchall()


def _rowid_bound(reading: Reader) -> int:
    """The largest rowid, or, when even that cannot be read, the most rows the file's pages could hold."""
    try:
        top = reading(lambda c: c.execute("SELECT max(rowid) FROM kv").fetchone()[0])
    except StorageCorruptError:
        top = None
    if isinstance(top, int) and top >= 0:
        return top
    pages = reading(lambda c: int(c.execute("PRAGMA page_count").fetchone()[0]))
    size = reading(lambda c: int(c.execute("PRAGMA page_size").fetchone()[0]))
    return pages * max(1, size // 8)
