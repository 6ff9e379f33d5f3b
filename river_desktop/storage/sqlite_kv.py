"""``KVStore`` on one SQLite file, safe for many threads and many processes at once.

Writers are serialised by SQLite itself: every write runs inside ``BEGIN IMMEDIATE``, which takes the file's write
lock before reading the current generation, so a compare-and-swap cannot interleave with another writer's, whichever
thread or process that is. WAL keeps readers from blocking writers; ``synchronous=FULL`` makes a returned write durable.

On disk: one table ``kv(key TEXT PRIMARY KEY, value BLOB, seq INTEGER)``. ``value`` is the versioned envelope
(envelope.py), so the envelope is the only record of a key's generation and of whether it is deleted; ``seq`` is the
store-wide write counter behind ``changes_since``.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final

from river_desktop.storage import history_index as hi
from river_desktop.storage.envelope import HEADER_SIZE, decode_versioned, encode_deleted, encode_versioned
from river_desktop.storage.errors import (
    NotADatabaseError,
    SchemaTooNewError,
    StorageCorruptError,
    StorageError,
    StorageIOError,
    StoreBusyError,
    StoreClosedError,
)
from river_desktop.storage.kv import CasResult, Conflict, Stored, check_key, check_value, prefix_upper_bound

SCHEMA_VERSION: Final = 2
"""The ``PRAGMA user_version`` this code writes. A file with a higher one is refused, never touched."""

_CACHE_KIB: Final = 32 * 1024
"""Page cache per connection. SQLite's default (2 MiB) is smaller than one busy room's history, so
appends to a long history missed the cache and re-read their B-tree pages (benchmark B3)."""

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_GET_MANY_CHUNK: Final = 500
# Mirrors envelope.is_deleted, so filters run inside SQLite instead of shipping every payload to Python.
_LIVE: Final = f"NOT (length(value) >= {HEADER_SIZE} AND substr(value, 1, 1) = x'02')"


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


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _create_v1, 1: _create_v2}
"""Forward migrations: ``MIGRATIONS[v]`` turns a schema-``v`` database into schema ``v + 1``.

Opening a file below ``SCHEMA_VERSION`` runs every step from its version up, then sets ``user_version``, all inside
one ``BEGIN IMMEDIATE`` transaction: a crash or an error leaves the file at its old version, and two processes
opening at once migrate it once. Version 0 is a fresh (empty) file and its step creates the tables. A step receives
the connection mid-transaction and must not commit. To change the schema: bump ``SCHEMA_VERSION`` and add the step.
"""


@contextlib.contextmanager
def _in_transaction(conn: sqlite3.Connection, begin: str) -> Iterator[None]:
    """``begin`` ... COMMIT, or ROLLBACK on any exception (which then propagates)."""
    conn.execute(begin)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


log = logging.getLogger(__name__)

_NOT_INDEXED: Final = object()
"""``_index_row``'s answer for a key the attached indexer does not cover (or when none is attached)."""


def _fetch_int(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0])


class SqliteKV:
    """The profile's store. One connection per thread, all closed by ``close()``.

    Opening checks, without writing anything, that the file is a SQLite database of this schema or an older one;
    a missing file is created with mode 0600 first (SQLite gives its ``-wal`` / ``-shm`` files the same mode).
    """

    _indexer: hi.Indexer | None = None
    _index_checked: bool = False
    _check_cursor: str = ""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int = 30_000) -> None:
        if busy_timeout_ms < 0:
            raise ValueError("busy_timeout_ms must not be negative")
        self._path = Path(path)
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: builtins.list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._closed = False
        self._create_if_missing()
        self._check_header()
        self._register(self._connect(initialise=True))

    # -- opening

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"SqliteKV({str(self._path)!r})"

    def __enter__(self) -> SqliteKV:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _create_if_missing(self) -> None:
        """Create the file ourselves so it is private from its first byte; SQLite would use 0644."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self._path, flags, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StorageIOError(
                f"cannot create the database {self._path}: {exc.strerror or exc}; "
                "check that its folder exists and is writable by you"
            ) from None
        os.close(fd)

    def _check_header(self) -> None:
        """Refuse a non-SQLite file before SQLite opens it, so nothing (not even a journal) is written near it."""
        if self._path.is_dir():
            raise StorageIOError(f"the database path {self._path} is a folder, not a file; choose another profile")
        try:
            with open(self._path, "rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise StorageIOError(
                f"cannot read the database {self._path}: {exc.strerror or exc}; check its permissions"
            ) from None
        if head and head != _SQLITE_MAGIC:
            raise self._not_a_database()

    def _not_a_database(self, detail: str = "it is not a SQLite file") -> NotADatabaseError:
        return NotADatabaseError(
            f"{self._path} is not a River Desktop database ({detail}); it was left untouched. "
            "Move it out of the way or choose another profile folder."
        )

    def _too_new(self, found: int) -> SchemaTooNewError:
        return SchemaTooNewError(
            f"the database {self._path} was written by a newer River Desktop (schema {found}, this version "
            f"understands up to {SCHEMA_VERSION}); it was left untouched. Update River Desktop to open it.",
            found=found,
            supported=SCHEMA_VERSION,
        )

    def _connect(self, *, initialise: bool) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._translate(exc, opening=True) from exc
        try:
            self._prepare(conn, initialise=initialise)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._translate(exc, opening=True) from exc
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection, *, initialise: bool) -> None:
        # Reads only until the file is known to be ours and not too new: a refused file stays byte-identical.
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
        if initialise:
            self._enable_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        if version < SCHEMA_VERSION:
            self._migrate(conn)

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
                code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or time.monotonic() >= deadline:
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

    # -- connections

    def _register(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if self._closed:
                conn.close()
                raise self._closed_error()
            dead = [entry for entry in self._connections if not entry[0].is_alive()]
            self._connections = [entry for entry in self._connections if entry[0].is_alive()]
            self._connections.append((threading.current_thread(), conn))
        for _thread, stale in dead:
            with contextlib.suppress(sqlite3.Error):
                stale.close()
        self._local.conn = conn

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise self._closed_error()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(initialise=False)
            self._register(conn)
        return conn

    def _closed_error(self) -> StoreClosedError:
        return StoreClosedError(f"the store {self._path} was used after it was closed")

    def close(self) -> None:
        """Close every thread's connection. A call still running in another thread fails with StoreClosedError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            connections, self._connections = self._connections, []
        for _thread, conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- errors and transactions

    def _translate(self, exc: sqlite3.Error, *, opening: bool = False) -> StorageError:
        if self._closed and isinstance(exc, sqlite3.ProgrammingError):
            return self._closed_error()
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        path = self._path
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusyError(
                f"the database {path} stayed locked by another River Desktop window, process or the CLI for "
                f"more than {self._busy_timeout_ms / 1000:g} s; close the other one or try again"
            )
        if primary == sqlite3.SQLITE_NOTADB and opening:
            return self._not_a_database()
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return StorageCorruptError(
                f"the database {path} is damaged ({exc}); restore it from a backup or run "
                "`river-desktop-cli store check` to see what can be saved"
            )
        if primary == sqlite3.SQLITE_FULL:
            return StorageIOError(f"the disk holding {path} is full; free some space and try again")
        if primary == sqlite3.SQLITE_IOERR:
            return StorageIOError(f"a disk error occurred on {path} ({exc}); check the disk and try again")
        if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH):
            return StorageIOError(
                f"cannot open or write the database {path} ({exc}); check that it and its folder are "
                "readable and writable by you"
            )
        return StorageError(f"the database {path} failed: {exc}")

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._guard():
            conn = self._conn()
            with _in_transaction(conn, begin):
                yield conn

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction holding the file's write lock from its first read."""
        return self._transaction("BEGIN IMMEDIATE")

    def _read(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A read transaction: several statements see one snapshot."""
        return self._transaction("BEGIN")

    @staticmethod
    def _current(conn: sqlite3.Connection, key: str) -> tuple[bytes | None, int]:
        row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None, 0
        generation, payload = decode_versioned(row[0])
        return payload, generation

    @staticmethod
    def _put(conn: sqlite3.Connection, key: str, stored: bytes) -> None:
        seq = _fetch_int(conn, "SELECT COALESCE(MAX(seq), 0) + 1 FROM kv")
        conn.execute(
            "INSERT INTO kv (key, value, seq) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, seq = excluded.seq",
            (key, stored, seq),
        )

    @staticmethod
    def _prefix_where(prefix: str) -> tuple[str, tuple[str, ...]]:
        upper = prefix_upper_bound(prefix)
        if upper is None:
            return "key >= ?", (prefix,)
        return "key >= ? AND key < ?", (prefix, upper)

    # -- KVStore

    def get(self, key: str) -> bytes | None:
        return self.get_versioned(key)[0]

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        check_key(key)
        with self._guard():
            return self._current(self._conn(), key)

    def store(self, key: str, value: bytes) -> int:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        with self._write() as conn:
            generation = self._current(conn, key)[1] + 1
            self._put(conn, key, encode_versioned(generation, data))
            self._index_put(conn, key, row)
        return generation

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        with self._write() as conn:
            payload, generation = self._current(conn, key)
            if generation != expected_generation:
                return Conflict(generation, payload)
            self._put(conn, key, encode_versioned(generation + 1, data))
            self._index_put(conn, key, row)
        return Stored(generation + 1)

    def cas_store_many(self, items: Iterable[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        batch = [(check_key(key), check_value(value), expected) for key, value, expected in items]
        results: builtins.list[CasResult] = []
        if not batch:
            if self._closed:
                raise self._closed_error()
            return results
        rows = [self._index_row(key, data) for key, data, _expected in batch]
        with self._write() as conn:
            for (key, data, expected), row in zip(batch, rows, strict=True):
                payload, generation = self._current(conn, key)
                if generation != expected:
                    results.append(Conflict(generation, payload))
                    continue
                self._put(conn, key, encode_versioned(generation + 1, data))
                self._index_put(conn, key, row)
                results.append(Stored(generation + 1))
        return results

    def delete(self, key: str) -> int:
        check_key(key)
        with self._write() as conn:
            generation = self._current(conn, key)[1] + 1
            self._put(conn, key, encode_deleted(generation))
            self._index_drop(conn, key)
        return generation

    def list(self, prefix: str = "") -> builtins.list[str]:
        check_key(prefix)
        where, params = self._prefix_where(prefix)
        with self._guard():
            rows = self._conn().execute(f"SELECT key FROM kv WHERE {where} AND {_LIVE} ORDER BY key", params)
            return [str(key) for (key,) in rows]

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        wanted = builtins.list(dict.fromkeys(check_key(key) for key in keys))
        found: dict[str, tuple[bytes | None, int]] = dict.fromkeys(wanted, (None, 0))
        with self._read() as conn:
            for start in range(0, len(wanted), _GET_MANY_CHUNK):
                chunk = wanted[start : start + _GET_MANY_CHUNK]
                marks = ", ".join("?" * len(chunk))
                for key, value in conn.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk):
                    generation, payload = decode_versioned(value)
                    found[key] = (payload, generation)
        return found

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        check_key(prefix)
        where, params = self._prefix_where(prefix)
        result: builtins.list[tuple[str, int, bytes]] = []
        with self._guard():
            rows = self._conn().execute(f"SELECT key, value FROM kv WHERE {where} AND {_LIVE} ORDER BY key", params)
            for key, value in rows:
                generation, payload = decode_versioned(value)
                if payload is not None:
                    result.append((key, generation, payload))
        return result

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
        """Keys written after ``cursor``, each once, in write order.

        A cursor beyond this file's history (the file was replaced by an older copy) resets to the current cursor.
        """
        with self._read() as conn:
            rows = conn.execute("SELECT key, seq FROM kv WHERE seq > ? ORDER BY seq", (cursor,)).fetchall()
            if rows:
                return int(rows[-1][1]), [str(key) for key, _seq in rows]
            return _fetch_int(conn, "SELECT COALESCE(MAX(seq), 0) FROM kv"), []

    def current_cursor(self) -> int:
        with self._guard():
            return _fetch_int(self._conn(), "SELECT COALESCE(MAX(seq), 0) FROM kv")

    # -- inspection (store check, sizes, change detection)

    def raw(self, key: str) -> bytes | None:
        """The stored envelope bytes exactly as on disk (deleted markers included); ``None`` if never written."""
        check_key(key)
        with self._guard():
            row = self._conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def entries(self) -> builtins.list[tuple[str, int, int]]:
        """``(key, generation, stored size in bytes)`` of live keys, sorted; deleted ones are in ``deleted_keys``."""
        with self._guard():
            rows = self._conn().execute(
                f"SELECT key, COALESCE(substr(value, 1, {HEADER_SIZE}), x''), length(value) FROM kv"
                f" WHERE {_LIVE} ORDER BY key"
            )
            return [(str(key), decode_versioned(head)[0], int(size)) for key, head, size in rows]

    def deleted_keys(self) -> builtins.list[tuple[str, int]]:
        """``(key, generation)`` of every deleted-key marker, sorted by key."""
        with self._guard():
            rows = self._conn().execute(f"SELECT key, value FROM kv WHERE NOT ({_LIVE}) ORDER BY key")
            return [(str(key), decode_versioned(value)[0]) for key, value in rows]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` verdict: ``"ok"``, or its findings one per line.

        Damage bad enough to stop the check itself is a finding too, not an exception: this is the diagnosis tool.
        """
        conn = self._conn()
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            error = self._translate(exc)
            if isinstance(error, StorageCorruptError):
                return str(exc)
            raise error from exc
        return "\n".join(str(row[0]) for row in rows)

    def data_version(self) -> int:
        """Changes whenever another connection (any process) commits; a cheap "anything new?" probe."""
        with self._guard():
            return _fetch_int(self._conn(), "PRAGMA data_version")

    def schema_version(self) -> int:
        with self._guard():
            return _fetch_int(self._conn(), "PRAGMA user_version")

    @staticmethod
    def _range_where(prefix: str, after: str | None, before: str | None = None) -> tuple[str, tuple[str, ...]]:
        """Keys under ``prefix`` strictly between ``after`` and ``before``, as ONE lower and ONE upper bound.

        With two lower bounds SQLite seeks to one and filters by the other row by row, so a range read late in a
        long prefix would cost everything before it.
        """
        lower = "key > ?" if after is not None and after >= prefix else "key >= ?"
        bounds = [lower]
        params = [after if after is not None and after >= prefix else prefix]
        upper = prefix_upper_bound(prefix)
        if before is not None and (upper is None or before < upper):
            upper = before
        if upper is not None:
            bounds.append("key < ?")
            params.append(upper)
        return " AND ".join(bounds), tuple(params)

    # -- message order index (history_index.HistoryIndexKV)

    def _index_row(self, key: str, data: bytes) -> object:
        """The index row for a write, computed before the write lock is taken (an indexer may verify signatures)."""
        indexer = self._indexer
        if indexer is None or not key.startswith(indexer.prefix):
            return _NOT_INDEXED
        return indexer.row(key, data)

    def _index_put(self, conn: sqlite3.Connection, key: str, row: object) -> None:
        if row is _NOT_INDEXED:
            if self._indexer is None:
                hi.mark_stale_if_indexed(conn, key)
            return
        assert row is None or isinstance(row, hi.IndexRow)
        hi.put_row(conn, key, row)

    def _index_drop(self, conn: sqlite3.Connection, key: str) -> None:
        hi.deleted(conn, key, self._indexer)

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
                agrees, last = hi.check_range(conn, where, params, self._check_cursor, hi.CHECK_BATCH)
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

    def index_authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        wanted = builtins.list(dict.fromkeys(rooms))
        with self._index_read() as conn:
            return hi.authors(conn, wanted)
