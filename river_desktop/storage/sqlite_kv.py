"""``KVStore`` on one SQLite file, safe for many threads and many processes at once.

Writers are serialised by SQLite itself: every write runs inside ``BEGIN IMMEDIATE``, which takes the file's write
lock before reading the current generation, so a compare-and-swap cannot interleave with another writer's, whichever
thread or process that is. WAL keeps readers from blocking writers; ``synchronous=FULL`` makes a returned write durable.

On disk: one table ``kv(key TEXT PRIMARY KEY, value BLOB, seq INTEGER)``. ``value`` is the versioned envelope
(envelope.py), so the envelope is the only record of a key's generation and of whether it is deleted; ``seq`` is the
store-wide write counter behind ``changes_since``.

The store refuses to make a bad situation worse (``health``): a file SQLite reports as damaged (at open, or on any
later call) is never written again; a file deleted or replaced while open is never written or recreated; a read-only
profile is opened read-only. Reads go on where they can: a scan that meets a damaged page falls back to reading key
by key (rows.py), and rows this store did not write are reported and skipped.
"""

from __future__ import annotations

import builtins
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final, TypeVar

from river_desktop.storage import dbfile
from river_desktop.storage import history_index as hi
from river_desktop.storage import room_summary as rs
from river_desktop.storage import rows as rw
from river_desktop.storage.envelope import (
    decode_versioned,
    encode_deleted,
)
from river_desktop.storage.errors import (
    SchemaTooNewError,
    StorageCorruptError,
    StorageError,
    StorageReadOnlyError,
)
from river_desktop.storage.faults import Fault, classify_error, display_key, row_problem
from river_desktop.storage.kv import (
    CasResult,
    Conflict,
    Expected,
    SkippedRow,
    Stored,
    check_key,
    check_value,
    matches,
)
from river_desktop.storage.sqlite_core import (
    _LIVE,
    _VALID_SEQ,
    _fetch_int,
    _in_transaction,
    _max_seq,
)
from river_desktop.storage.sqlite_indexes import SqliteIndexes
from river_desktop.storage.sqlite_inspect import SqliteInspect

log = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION: Final = 3
"""The ``PRAGMA user_version`` this code writes. A file with a higher one is refused, never touched."""

_CACHE_KIB: Final = 32 * 1024
"""Page cache per connection. SQLite's default (2 MiB) is smaller than one busy room's history, so
appends to a long history missed the cache and re-read their B-tree pages (benchmark B3)."""

FULL_CHECK_MAX_BYTES: Final = 256 * 1024 * 1024
"""Files up to this size get ``PRAGMA integrity_check`` at open (about 35 ms for 25 MB, 50,000 messages, warm);
larger ones the cheaper ``quick_check``, which misses only index/table mismatches."""

_GET_MANY_CHUNK: Final = 500


def _create_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE kv ("
        " key TEXT PRIMARY KEY NOT NULL,"
        " value BLOB NOT NULL,"
        " seq INTEGER NOT NULL,"
        " CHECK (typeof(key) = 'text' AND typeof(value) = 'blob'))"
    )
    conn.execute("CREATE UNIQUE INDEX kv_seq ON kv (seq)")


def _create_v2(conn: sqlite3.Connection) -> None:
    """The message order index (history_index.py), empty and marked for a rebuild from the keys."""
    hi.create_tables(conn)


def _allow_padded_values(conn: sqlite3.Connection) -> None:
    """No table changes: from version 3 a value may be stored padded (envelope tag 0x03, in_place.py), which
    code of version 2 would read as a raw payload; the higher version makes that code refuse the file instead."""
    del conn


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _create_v1, 1: _create_v2, 2: _allow_padded_values}
"""Forward migrations: ``MIGRATIONS[v]`` turns a schema-``v`` database into schema ``v + 1``.

Opening a file below ``SCHEMA_VERSION`` runs every step from its version up, then sets ``user_version``, all inside
one ``BEGIN IMMEDIATE`` transaction: a crash or an error leaves the file at its old version, and two processes
opening at once migrate it once. Version 0 is a fresh (empty) file and its step creates the tables. A step receives
the connection mid-transaction and must not commit. To change the schema: bump ``SCHEMA_VERSION`` and add the step.
"""


class SqliteKV(SqliteIndexes, SqliteInspect):
    """The profile's store. One connection per thread, all closed by ``close()``.

    Opening checks, without writing anything, that the file is a SQLite database of this schema or an older one
    and whether SQLite finds it damaged; a missing file is created with mode 0600 first (SQLite gives its ``-wal`` /
    ``-shm`` files the same mode), and only that file, created by this very open, is given a schema.
    ``read_only`` (a reason) opens the file read-only: reads work, every write raises ``StorageReadOnlyError``.
    ``connection_factory`` is SQLite's ``factory`` argument, for fault-injection tests.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_ms: int = 30_000,
        read_only: str | None = None,
        connection_factory: type[sqlite3.Connection] = sqlite3.Connection,
    ) -> None:
        if busy_timeout_ms < 0:
            raise ValueError("busy_timeout_ms must not be negative")
        self._path = Path(path)
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._factory = connection_factory
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls = threading.Condition(threading.Lock())
        self._in_flight = {}
        self._connections: builtins.list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._closed = False
        self._read_only = read_only
        self._damaged: str | None = None
        self._gone: str | None = None
        self._skipped: dict[str, str] = {}
        created = False if read_only is not None else dbfile.create_if_missing(self._path)
        try:
            dbfile.check_header(self._path, created=created, wait_s=self._busy_timeout_ms / 1000)
            identity = os.stat(self._path)
            self._identity = (identity.st_dev, identity.st_ino)
            self._uri = dbfile.uri(self._path, read_only=read_only is not None)
            self._register(self._connect(initialise=True))
        except BaseException:
            if created:
                dbfile.remove_if_empty(self._path)
            raise

    def _too_new(self, found: int) -> SchemaTooNewError:
        return SchemaTooNewError(
            f"the database {self._path} was written by a newer River Desktop (schema {found}, this version "
            f"understands up to {SCHEMA_VERSION}); it was left untouched. Update River Desktop to open it.",
            found=found,
            supported=SCHEMA_VERSION,
        )

    def _prepare(self, conn: sqlite3.Connection, *, initialise: bool) -> None:
        # Reads only until the file is known to be ours, not too new and not damaged: such a file stays as it is.
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        conn.execute("BEGIN")  # one snapshot: another process may be creating the tables right now
        try:
            version = _fetch_int(conn, "PRAGMA user_version")
            foreign = version == 0 and self._has_foreign_schema(conn)
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        if version > SCHEMA_VERSION:
            raise self._too_new(version)
        if foreign:
            raise self._not_a_database("it is a SQLite database of another program")
        if initialise and version > 0:
            self._check_damage(conn)
        conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        if self._read_only is not None:
            # An older schema still reads (what a newer step adds, such as the message index, is derived data
            # that readers do without); only a file that was never set up has nothing to read.
            if version == 0:
                raise StorageReadOnlyError(
                    f"this profile is read-only ({self._read_only}) and its database {self._path} was never set up"
                )
            return
        if self._damaged is not None:
            return
        if initialise:
            self._enable_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            self._migrate(conn)

    def _check_damage(self, conn: sqlite3.Connection) -> None:
        """SQLite's own check, bounded by the file's size; a finding marks the store damaged (never raises)."""
        try:
            size = os.stat(self._path).st_size
        except OSError:
            size = 0
        pragma = "integrity_check" if size <= FULL_CHECK_MAX_BYTES else "quick_check"
        try:
            found = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}(10)").fetchall()]
        except sqlite3.DatabaseError as exc:
            if classify_error(exc) not in (Fault.CORRUPT, Fault.NOT_A_DATABASE):
                raise
            found = [str(exc)]
        if found != ["ok"]:
            self._mark_damaged(found[0])

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL (persistent, so usually already done).

        The switch needs an exclusive lock and SQLite answers "busy" at once instead of calling the busy handler,
        so processes opening a new file together retry here, within the busy timeout.
        """
        deadline = time.monotonic() + self._busy_timeout_ms / 1000
        pause = 0.001
        while True:
            try:
                mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
                if mode != "wal":
                    mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
                break
            except sqlite3.OperationalError as exc:
                if classify_error(exc) is not Fault.BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        if mode != "wal":
            raise StorageError(
                f"the database {self._path} cannot use write-ahead logging (journal mode stayed {mode!r}); "
                "keep the profile on a local disk"
            )

    @staticmethod
    def _has_foreign_schema(conn: sqlite3.Connection) -> bool:
        return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        with _in_transaction(conn, "BEGIN IMMEDIATE"):
            found = _fetch_int(conn, "PRAGMA user_version")
            if found > SCHEMA_VERSION:
                raise self._too_new(found)
            if found == 0 and self._has_foreign_schema(conn):
                raise self._not_a_database("it is a SQLite database of another program")
            for version in range(found, SCHEMA_VERSION):
                step = MIGRATIONS.get(version)
                if step is None:
                    raise StorageError(
                        f"the database {self._path} has schema {version}, which this version cannot upgrade"
                    )
                step(conn)
            conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")

    # -- KVStore

    def get(self, key: str) -> bytes | None:
        return self.get_versioned(key)[0]

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        check_key(key)
        return self._reading(lambda conn: self._current(conn, key))

    def store(self, key: str, value: bytes) -> int:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        summary = self._summary_row(key, data)
        with self._write() as conn:
            _payload, generation, stored = self._current_row(conn, key)
            self._put_live(conn, key, self._next_generation(key, generation), data, stored)
            self._index_put(conn, key, row)
            self._summary_put(conn, key, summary)
        return generation + 1

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        summary = self._summary_row(key, data)
        with self._write() as conn:
            payload, generation, stored = self._current_row(conn, key)
            if generation != expected_generation:
                return Conflict(generation, payload)
            self._put_live(conn, key, self._next_generation(key, generation), data, stored)
            self._index_put(conn, key, row)
            self._summary_put(conn, key, summary)
        return Stored(generation + 1)

    def cas_store_many(self, items: Iterable[tuple[str, bytes, Expected]]) -> builtins.list[CasResult]:
        batch = [(check_key(key), check_value(value), expected) for key, value, expected in items]
        results: builtins.list[CasResult] = []
        if not batch:
            if self._closed:
                raise self._closed_error()
            return results
        rows = [self._index_row(key, data) for key, data, _expected in batch]
        summaries = [self._summary_row(key, data) for key, data, _expected in batch]
        with self._write() as conn:
            seq: int | None = None
            for (key, data, expected), row, summary in zip(batch, rows, summaries, strict=True):
                following = None if seq is None else seq + 1
                fresh = expected == 0 and not isinstance(expected, bytes)
                taken = self._put_new(conn, key, data, following) if fresh else None
                if taken is not None:
                    seq, generation = taken, 0
                else:
                    payload, generation, stored = self._current_row(conn, key)
                    if not matches(expected, generation, payload):
                        results.append(Conflict(generation, payload))
                        continue
                    next_generation = self._next_generation(key, generation)
                    seq = self._put_live(conn, key, next_generation, data, stored, following)
                self._index_put(conn, key, row)
                self._summary_put(conn, key, summary)
                results.append(Stored(generation + 1))
        return results

    def delete(self, key: str) -> int:
        check_key(key)
        with self._write() as conn:
            generation = self._next_generation(key, self._current(conn, key)[1])
            self._put(conn, key, encode_deleted(generation))
            self._index_drop(conn, key)
            self._summary_put(conn, key, rs.DELETED if self._summarizer is not None and rs.covers(key) else None)
        return generation

    def list(self, prefix: str = "") -> builtins.list[str]:
        check_key(prefix)
        where, params = self._prefix_where(prefix)
        sql = f"SELECT key, typeof(value) = 'blob', seq FROM kv WHERE {where} AND {_LIVE} ORDER BY key"
        try:
            found = self._reading(lambda c: c.execute(sql, params).fetchall())
        except StorageCorruptError:
            return [key for key, _gen, _payload in self.scan_report(prefix)[0]]
        keys: builtins.list[str] = []
        skipped: builtins.list[SkippedRow] = []
        for key, blob, seq in found:
            problem = row_problem(key, bool(blob), seq)
            if problem is None:
                keys.append(key)
            else:
                skipped.append(SkippedRow(display_key(key), problem))
        self._note_skipped(skipped)
        return keys

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        wanted = builtins.list(dict.fromkeys(check_key(key) for key in keys))
        found: dict[str, tuple[bytes | None, int]] = dict.fromkeys(wanted, (None, 0))

        def fast(conn: sqlite3.Connection) -> builtins.list[tuple[object, object, object]]:
            out: builtins.list[tuple[object, object, object]] = []
            for start in range(0, len(wanted), _GET_MANY_CHUNK):
                chunk = wanted[start : start + _GET_MANY_CHUNK]
                marks = ", ".join("?" * len(chunk))
                out.extend(conn.execute(f"SELECT key, value, seq FROM kv WHERE key IN ({marks})", chunk))
            return out

        try:
            read = self._sift(self._snapshot(fast))
        except StorageCorruptError:
            read = rw.read_keys_one_by_one(self._reading, wanted)
            self._note_skipped(read.skipped)
        for key, value, _seq in read.rows:
            generation, payload = decode_versioned(value)
            found[key] = (payload, generation)
        return found

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        return self.scan_report(prefix)[0]

    def scan_report(self, prefix: str) -> tuple[builtins.list[tuple[str, int, bytes]], builtins.list[SkippedRow]]:
        """``scan``, and the rows under ``prefix`` it had to skip (damaged, or not written by this store)."""
        check_key(prefix)
        where, params = self._prefix_where(prefix)
        read = self._rows(where, params)
        result: builtins.list[tuple[str, int, bytes]] = []
        for key, value, _seq in read.rows:
            generation, payload = decode_versioned(value)
            if payload is not None:
                result.append((key, generation, payload))
        return result, read.skipped

    def read_all(self) -> rw.RowsRead:
        """Every row, each one read on its own when a scan meets damage: what ``store check`` and salvage use."""
        return self._rows("1", ())

    def scan_range(
        self,
        prefix: str,
        *,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> builtins.list[tuple[str, int, bytes]]:
        check_key(prefix)
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        where, params = self._range_where(
            prefix, None if after is None else check_key(after), None if before is None else check_key(before)
        )
        order = "DESC" if reverse else "ASC"
        sql = f"SELECT key, value FROM kv WHERE {where} AND {_LIVE} ORDER BY key {order} LIMIT ?"
        result: builtins.list[tuple[str, int, bytes]] = []
        with self._guard():
            for key, value in self._conn().execute(sql, (*params, -1 if limit is None else int(limit))):
                generation, payload = decode_versioned(value)
                if payload is not None:
                    result.append((key, generation, payload))
        return result

    def changes_since(self, cursor: int) -> tuple[int, builtins.list[str]]:
        """Keys written after ``cursor``, each once, in write order; foreign rows are skipped.

        A cursor beyond this file's history (the file was replaced by an older copy) resets to the current cursor.
        Also checks the file's identity, so the change poller notices a deleted or replaced profile.
        """
        self.verify_file()

        def run(conn: sqlite3.Connection) -> tuple[int, builtins.list[str]]:
            rows = conn.execute(
                f"SELECT key, seq, typeof(value) = 'blob' FROM kv WHERE seq > ? AND {_VALID_SEQ} ORDER BY seq",
                (cursor,),
            ).fetchall()
            if rows:
                keys = [key for key, seq, blob in rows if row_problem(key, bool(blob), seq) is None]
                return int(rows[-1][1]), keys
            return _max_seq(conn), []

        return self._snapshot(run)

    def current_cursor(self) -> int:
        return self._reading(_max_seq)
