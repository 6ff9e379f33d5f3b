"""The message order index and the full-text search index kept inside a
:class:`~river_desktop.storage.sqlite_kv.SqliteKV` file, in the transaction of each write (history_index.py,
search_index.py). Split from sqlite_kv.py."""

from __future__ import annotations

import builtins
import contextlib
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Final

from river_desktop.storage import history_index as hi
from river_desktop.storage import room_summary as rs
from river_desktop.storage import search_index as si
from river_desktop.storage.envelope import (
    decode_versioned,
)
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import (
    check_key,
)
from river_desktop.storage.sqlite_core import SqliteCore, _fetch_int

log = logging.getLogger("river_desktop.storage.sqlite_kv")

_NOT_INDEXED: Final = object()
"""``_index_row``'s answer for a key the attached indexer does not cover (or when none is attached)."""


class SqliteIndexes(SqliteCore):
    """The index and search methods of the store (``history_index.HistoryIndexKV``, ``search_index.SearchKV``)."""

    _indexer: hi.Indexer | None = None
    _index_checked: bool = False
    _check_cursor: str = ""
    _extractor: si.Extractor | None = None
    _search_checked: bool = False
    _summarizer: rs.Summarizer | None = None

    # -- message order index (history_index.HistoryIndexKV)

    def _index_row(self, key: str, data: bytes) -> tuple[object, object]:
        """The order index row and search source of a write, computed before the write lock is taken (an indexer
        may verify signatures, an extractor decrypt)."""
        indexer, extractor = self._indexer, self._extractor
        row = _NOT_INDEXED if indexer is None or not key.startswith(indexer.prefix) else indexer.row(key, data)
        found = _NOT_INDEXED if extractor is None or not key.startswith(extractor.prefix) else extractor.row(key, data)
        return row, found

    def _index_put(self, conn: sqlite3.Connection, key: str, rows: tuple[object, object]) -> None:
        row, found = rows
        if found is _NOT_INDEXED:
            if self._extractor is None:
                si.mark_stale_if_indexed(conn, key)
        else:
            assert found is None or isinstance(found, si.SearchSource)
            si.put_source(conn, key, found)
        if row is _NOT_INDEXED:
            if self._indexer is None:
                hi.mark_stale_if_indexed(conn, key)
            return
        assert row is None or isinstance(row, hi.IndexRow)
        hi.put_row(conn, key, row)

    def _index_drop(self, conn: sqlite3.Connection, key: str) -> None:
        hi.deleted(conn, key, self._indexer)
        si.deleted(conn, key, self._extractor)

    def attach_indexer(self, indexer: hi.Indexer) -> None:
        with self._read() as conn:
            needed = hi.needs_attach(conn, indexer)
        if needed:
            with self._write() as conn:
                hi.attach(conn, indexer)
        self._indexer = indexer
        self._index_checked = False
        self._check_cursor = ""

    def index_step(self, batch: int = hi.INDEX_BATCH) -> bool:
        indexer = self._indexer
        if indexer is None:
            raise hi.IndexIncompleteError("no indexer is attached to this store")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        disagrees = False
        with self._read() as conn:
            if not hi.needs_attach(conn, indexer) and hi.is_complete(conn):
                if self._index_checked:
                    return True
                where, params = self._range_where(indexer.prefix, self._check_cursor or None)
                agrees, last = hi.check_range(
                    conn, where, params, self._check_cursor, hi.CHECK_BATCH, room_prefix=indexer.room_prefix
                )
                if agrees:
                    self._check_cursor = last or ""
                    self._index_checked = last is None
                    return self._index_checked
                disagrees = True
        self._index_checked = False
        with self._write() as conn:
            if hi.needs_attach(conn, indexer):  # the tables went missing, or another indexer took over
                hi.attach(conn, indexer)
            if hi.is_complete(conn):
                if not disagrees:
                    return False  # another process finished a build meanwhile: check it on the next step
                log.warning("the message index of %s disagrees with its messages; rebuilding it", self._path)
                hi.reset(conn, indexer)
                self._check_cursor = ""
            where, params = self._range_where(indexer.prefix, hi.progress(conn) or None)
            sql = f"SELECT key, value FROM kv WHERE {where} ORDER BY key LIMIT ?"
            rows = conn.execute(sql, (*params, batch)).fetchall()
            for key, value in rows:
                payload = decode_versioned(value)[1]
                hi.put_row(conn, key, None if payload is None else indexer.row(key, payload))
            done = len(rows) < batch
            hi.set_progress(conn, None if done else str(rows[-1][0]))
        self._index_checked = done
        return done

    def index_distrust(self) -> None:
        """Forget the index and rebuild it from the message keys (a reader found it disagreeing with them)."""
        with self._write() as conn:
            if self._indexer is not None:
                hi.reset(conn, self._indexer)
        self._index_checked = False
        self._check_cursor = ""

    def index_pending(self) -> bool:
        indexer = self._indexer
        with self._read() as conn:
            return indexer is None or hi.needs_attach(conn, indexer) or not hi.is_complete(conn)

    @contextlib.contextmanager
    def _index_read(self) -> Iterator[sqlite3.Connection]:
        with self._read() as conn:
            if self._indexer is None or not self._index_checked or not hi.is_complete(conn):
                raise hi.IndexIncompleteError(f"the message index of {self._path} is not built yet")
            yield conn

    def index_page(
        self, room: bytes, *, before: hi.SortPoint | None = None, limit: int
    ) -> builtins.list[hi.IndexEntry]:
        with self._index_read() as conn:
            return hi.page(conn, room, before, limit)

    def index_count(self, room: bytes) -> int:
        with self._index_read() as conn:
            return hi.count(conn, room)

    def index_count_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[int]:
        wanted = builtins.list(queries)
        with self._index_read() as conn:
            return hi.count_after(conn, wanted)

    def index_rows_after(self, query: hi.UnreadQuery) -> builtins.list[hi.IndexEntry]:
        with self._index_read() as conn:
            return hi.rows_after(conn, query)

    def index_lookup(self, keys: Iterable[str]) -> dict[str, hi.IndexEntry]:
        wanted = builtins.list(dict.fromkeys(check_key(k) for k in keys))
        with self._index_read() as conn:
            return hi.lookup(conn, wanted)

    def index_count_addressed(self, queries: Iterable[hi.AddressedQuery]) -> builtins.list[int]:
        wanted = builtins.list(queries)
        with self._index_read() as conn:
            return hi.count_addressed(conn, wanted)

    def index_opaque_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[builtins.list[hi.IndexEntry]]:
        wanted = builtins.list(queries)
        with self._index_read() as conn:
            return hi.opaque_after(conn, wanted)

    def index_authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        wanted = builtins.list(dict.fromkeys(rooms))
        with self._index_read() as conn:
            return hi.authors(conn, wanted)

    # -- the room-list summary (room_summary.py): rows of room slots, kept in each slot's write transaction

    def _summary_row(self, key: str, data: bytes) -> rs.SummaryRow | None:
        summarizer = self._summarizer
        return summarizer.row(key, data) if summarizer is not None and rs.covers(key) else None

    def _summary_put(self, conn: sqlite3.Connection, key: str, row: rs.SummaryRow | None) -> None:
        if row is not None:
            rs.put(conn, key, row)

    def attach_summarizer(self, summarizer: rs.Summarizer) -> None:
        """Keep the room-list summary from now on (tables and triggers made, or emptied for another format)."""
        with self._read() as conn:
            ready = rs.in_place(conn, summarizer.name)
        if not ready:
            with self._write() as conn:
                rs.attach(conn, summarizer.name)
        self._summarizer = summarizer

    def summary_step(self, batch: int = rs.SUMMARY_BATCH) -> bool:
        """Summarize up to ``batch`` slots that have no row, reading each inside the transaction that writes its
        row; ``True`` once none is missing."""
        summarizer = self._summarizer
        if summarizer is None:
            raise StorageError("no room-list summarizer is attached to this store")
        with self._write() as conn:
            if not rs.in_place(conn, summarizer.name):
                rs.attach(conn, summarizer.name)
            keys = rs.missing(conn, batch)
            if len(keys) < batch:
                rs.tidy_guard(conn)
            for key in keys:
                value = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()[0]
                payload = decode_versioned(value)[1] if isinstance(value, bytes) else None
                if not isinstance(value, bytes):
                    continue  # not a row of ours: the full load reports it, and the summary stays without it
                rs.put(conn, key, rs.DELETED if payload is None else summarizer.row(key, payload))
        return len(keys) < batch

    # -- full-text search (search_index.py), kept like the order index

    def attach_extractor(self, extractor: si.Extractor) -> None:
        """Keep the search index from now on; missing, foreign or stale tables make it rebuild."""
        with self._read() as conn:
            needed = si.needs_attach(conn, extractor)
        if needed:
            with self._write() as conn:
                si.attach(conn, extractor)
        self._extractor = extractor
        self._search_checked = False

    def search_pending(self) -> bool:
        extractor = self._extractor
        with self._read() as conn:
            if extractor is None or si.needs_attach(conn, extractor) or not si.is_complete(conn):
                return True
            return not self._search_checked and not self._search_agrees(conn, extractor)

    def _search_agrees(self, conn: sqlite3.Connection, extractor: si.Extractor) -> bool:
        where, params = self._range_where(extractor.prefix, None)
        return _fetch_int(conn, f"SELECT COUNT(*) FROM kv WHERE {where}", params) == si.source_count(conn)

    def search_step(self, batch: int = si.SEARCH_BATCH) -> bool:
        """Check or (re)build a bounded batch of the search index; ``True`` once it is complete and agrees."""
        extractor = self._extractor
        if extractor is None:
            raise si.SearchIncompleteError("no search extractor is attached to this store")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        if not self.search_pending():
            self._search_checked = True
            return True
        with self._write() as conn:
            si.attach(conn, extractor)
            if si.is_complete(conn):
                if self._search_agrees(conn, extractor):
                    self._search_checked = True
                    return True
                log.warning("the search index of %s disagrees with its messages; rebuilding it", self._path)
                si.reset(conn, extractor)
            where, params = self._range_where(extractor.prefix, si.progress(conn) or None)
            sql = f"SELECT key, value FROM kv WHERE {where} ORDER BY key LIMIT ?"
            rows = conn.execute(sql, (*params, batch)).fetchall()
            for key, value in rows:
                payload = decode_versioned(value)[1]
                si.put_source(conn, key, None if payload is None else extractor.row(key, payload))
            done = len(rows) < batch
            si.set_progress(conn, None if done else str(rows[-1][0]))
        self._search_checked = done
        return done

    def search(self, expression: str, *, room: bytes | None = None, limit: int = 50) -> builtins.list[si.SearchHit]:
        """Messages matching ``expression`` (from ``si.match_expression``), newest first."""
        with self._read() as conn:
            if self._extractor is None or not self._search_checked or not si.is_complete(conn):
                raise si.SearchIncompleteError(f"the search index of {self._path} is not built yet")
            return si.search(conn, expression, room, limit)
