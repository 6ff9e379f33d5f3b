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
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, TypeVar

from river_desktop.storage import dbfile
from river_desktop.storage import history_index as hi
from river_desktop.storage import room_summary as rs
from river_desktop.storage import rows as rw
from river_desktop.storage import search_index as si
from river_desktop.storage.envelope import (
    HEADER_SIZE,
    MAX_GENERATION,
    decode_versioned,
    encode_deleted,
    encode_versioned,
)
from river_desktop.storage.errors import (
    ForeignRowError,
    NotADatabaseError,
    SchemaTooNewError,
    StorageCorruptError,
    StorageError,
    StorageGoneError,
    StorageIOError,
    StorageReadOnlyError,
    StoreBusyError,
    StoreClosedError,
)
from river_desktop.storage.faults import MAX_SEQ, Fault, classify_error, display_key, row_problem, should_retry_read
from river_desktop.storage.kv import (
    CasResult,
    Conflict,
    SkippedRow,
    Stored,
    StoreHealth,
    check_key,
    check_value,
    prefix_upper_bound,
)

T = TypeVar("T")

SCHEMA_VERSION: Final = 2
"""The ``PRAGMA user_version`` this code writes. A file with a higher one is refused, never touched."""

_CACHE_KIB: Final = 32 * 1024
"""Page cache per connection. SQLite's default (2 MiB) is smaller than one busy room's history, so
appends to a long history missed the cache and re-read their B-tree pages (benchmark B3)."""

FULL_CHECK_MAX_BYTES: Final = 256 * 1024 * 1024
"""Files up to this size get ``PRAGMA integrity_check`` at open (about 35 ms for 25 MB, 50,000 messages, warm);
larger ones the cheaper ``quick_check``, which misses only index/table mismatches."""

_READ_PAUSE_S: Final = 0.02
_GET_MANY_CHUNK: Final = 500
# Mirrors envelope.is_deleted, so filters run inside SQLite instead of shipping every payload to Python.
_LIVE: Final = f"NOT (length(value) >= {HEADER_SIZE} AND substr(value, 1, 1) = x'02')"
_VALID_SEQ: Final = f"typeof(seq) = 'integer' AND seq > 0 AND seq < {MAX_SEQ}"


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


def _text(raw: bytes) -> str:
    """SQLite TEXT as str; bytes that are not UTF-8 become lone surrogates, which ``row_problem`` then reports."""
    return raw.decode("utf-8", "surrogateescape")


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


def _max_seq(conn: sqlite3.Connection) -> int:
    """The highest valid write counter; rows with a foreign ``seq`` (text, at 2^63-1) do not count."""
    row = conn.execute(f"SELECT seq FROM kv WHERE {_VALID_SEQ} ORDER BY seq DESC LIMIT 1").fetchone()
    return 0 if row is None else int(row[0])


class SqliteKV:
    """The profile's store. One connection per thread, all closed by ``close()``.

    Opening checks, without writing anything, that the file is a SQLite database of this schema or an older one
    and whether SQLite finds it damaged; a missing file is created with mode 0600 first (SQLite gives its ``-wal`` /
    ``-shm`` files the same mode), and only that file, created by this very open, is given a schema.
    ``read_only`` (a reason) opens the file read-only: reads work, every write raises ``StorageReadOnlyError``.
    ``connection_factory`` is SQLite's ``factory`` argument, for fault-injection tests.
    """

    _indexer: hi.Indexer | None = None
    _index_checked: bool = False
    _check_cursor: str = ""
    _extractor: si.Extractor | None = None
    _search_checked: bool = False
    _summarizer: rs.Summarizer | None = None

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

    def _not_a_database(self, detail: str = dbfile.NOT_SQLITE) -> NotADatabaseError:
        return dbfile.not_a_database(self._path, detail)

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
                self._uri,
                uri=True,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
                factory=self._factory,
            )
        except sqlite3.Error as exc:
            raise self._translate(exc, opening=True) from exc
        conn.text_factory = _text
        try:
            self._prepare(conn, initialise=initialise)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise self._translate(exc, opening=True) from exc
            raise
        return conn

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

    # -- health

    @property
    def health(self) -> StoreHealth:
        """Whether writes are still accepted, and why not: the app shows ``health.problem`` in every window."""
        read_only = None if self._read_only is None else f"this profile is read-only: {self._read_only}"
        return StoreHealth(damaged=self._damaged, read_only=read_only, gone=self._gone)

    @property
    def damaged(self) -> str | None:
        return self._damaged

    def skipped_rows(self) -> builtins.list[SkippedRow]:
        """Every row a read since opening could not use (damaged, or not written by this store), by key."""
        with self._lock:
            return [SkippedRow(key, reason) for key, reason in sorted(self._skipped.items())]

    def _mark_damaged(self, detail: str) -> None:
        if self._damaged is None:
            self._damaged = (
                f"the profile's database {self._path} is damaged ({detail}); it was left as it is and nothing "
                "more is saved to it. `river-desktop-cli store check` lists what is intact and "
                "`river-desktop-cli store salvage --to NEW_FOLDER` copies it into a new profile"
            )

    def verify_file(self) -> StoreHealth:
        """One ``stat``: is the path still the file that was opened? If not, the store stops writing for good."""
        if self._gone is None:
            try:
                st = os.stat(self._path)
            except FileNotFoundError:
                self._mark_gone(f"{self._path} no longer exists")
            except OSError:
                pass  # cannot tell (a folder made unreadable); writes will say what is wrong
            else:
                if (st.st_dev, st.st_ino) != self._identity:
                    self._mark_gone(f"another file is now at {self._path}")
        return self.health

    def _mark_gone(self, detail: str) -> None:
        if self._gone is None:
            self._gone = (
                "the profile's database was deleted or replaced while River Desktop was running; nothing more is "
                f"saved ({detail}). Restart River Desktop to open what is there now"
            )

    def _refuse_writes(self) -> None:
        """Raise the reason this store takes no writes, worst first; the file's identity is checked each time."""
        self.verify_file()
        if self._gone is not None:
            raise StorageGoneError(self._gone)
        if self._damaged is not None:
            raise StorageCorruptError(self._damaged)
        if self._read_only is not None:
            raise StorageReadOnlyError(f"this profile is read-only: {self._read_only}; nothing was changed")

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
            if self.verify_file().gone is not None:  # never open whatever file is at the path now
                raise StorageGoneError(self._gone or "")
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

    def _translate(self, exc: sqlite3.Error, *, opening: bool = False, reading: bool = False) -> StorageError:
        if self._closed and isinstance(exc, sqlite3.ProgrammingError):
            return self._closed_error()
        fault = classify_error(exc)
        path = self._path
        if fault is Fault.BUSY:
            return StoreBusyError(
                f"the database {path} stayed locked by another River Desktop window, process or the CLI for "
                f"more than {self._busy_timeout_ms / 1000:g} s; close the other one or try again"
            )
        if fault is Fault.NOT_A_DATABASE and opening:
            return self._not_a_database()
        if fault in (Fault.CORRUPT, Fault.NOT_A_DATABASE):
            self._mark_damaged(str(exc))
            return StorageCorruptError(self._damaged or str(exc))
        if fault is Fault.MOVED:
            self._mark_gone(f"SQLite: {exc}")
            return StorageGoneError(self._gone or str(exc))
        if fault is Fault.FULL:
            return StorageIOError(f"the disk holding {path} is full; free some space and try again")
        if fault is Fault.IO:
            if reading:
                return StorageIOError(
                    f"could not read the database {path}: input/output error ({exc}); check the disk and try again"
                )
            return StorageIOError(f"a disk error occurred on {path} ({exc}); check the disk and try again")
        if fault in (Fault.READ_ONLY, Fault.CANT_OPEN):
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

    def _reading(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read; an I/O error (and a first corruption report) is tried again before it is reported."""
        attempt = 1
        while True:
            try:
                return fn(self._conn())
            except sqlite3.Error as exc:
                fault = classify_error(exc)
                confirmed = fault is Fault.CORRUPT and self._damaged is not None  # no second look needed
                if self._closed or confirmed or not should_retry_read(fault, attempt):
                    raise self._translate(exc, reading=True) from exc
            time.sleep(_READ_PAUSE_S * attempt)
            attempt += 1

    def _snapshot(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``_reading`` inside one read transaction, so several statements see one snapshot."""

        def run(conn: sqlite3.Connection) -> T:
            with _in_transaction(conn, "BEGIN"):
                return fn(conn)

        return self._reading(run)

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction for the message index's several statements (one snapshot), errors translated."""
        with self._guard():
            conn = self._conn()
            with _in_transaction(conn, "BEGIN"):
                yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the file's write lock from its first read; refused when writes are off."""
        self._refuse_writes()
        with self._guard():
            conn = self._conn()
            with _in_transaction(conn, "BEGIN IMMEDIATE"):
                self._refuse_writes()  # the file may have been replaced while this waited for the lock
                yield conn

    def _current(self, conn: sqlite3.Connection, key: str) -> tuple[bytes | None, int]:
        row = conn.execute("SELECT value, seq FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None, 0
        value, seq = row
        problem = row_problem(key, isinstance(value, bytes), seq)
        if problem is not None:
            raise ForeignRowError(
                f"the stored key {display_key(key)} was not written by River Desktop ({problem}); "
                "it was left as it is (see `river-desktop-cli store check`)"
            )
        generation, payload = decode_versioned(value)
        return payload, generation

    def _next_generation(self, key: str, generation: int) -> int:
        if generation >= MAX_GENERATION:
            raise ForeignRowError(
                f"the stored key {display_key(key)} is at the highest generation an envelope can hold "
                "(2^64-1), so it cannot be written again; it was left as it is"
            )
        return generation + 1

    def _put(self, conn: sqlite3.Connection, key: str, stored: bytes) -> None:
        seq = _max_seq(conn) + 1
        if seq >= MAX_SEQ:
            raise StorageError(f"the database {self._path} has used up its write counter; nothing was written")
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
        return self._reading(lambda conn: self._current(conn, key))

    def store(self, key: str, value: bytes) -> int:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        summary = self._summary_row(key, data)
        with self._write() as conn:
            generation = self._next_generation(key, self._current(conn, key)[1])
            self._put(conn, key, encode_versioned(generation, data))
            self._index_put(conn, key, row)
            self._summary_put(conn, key, summary)
        return generation

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        check_key(key)
        data = check_value(value)
        row = self._index_row(key, data)
        summary = self._summary_row(key, data)
        with self._write() as conn:
            payload, generation = self._current(conn, key)
            if generation != expected_generation:
                return Conflict(generation, payload)
            self._put(conn, key, encode_versioned(self._next_generation(key, generation), data))
            self._index_put(conn, key, row)
            self._summary_put(conn, key, summary)
        return Stored(generation + 1)

    def cas_store_many(self, items: Iterable[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        batch = [(check_key(key), check_value(value), expected) for key, value, expected in items]
        results: builtins.list[CasResult] = []
        if not batch:
            if self._closed:
                raise self._closed_error()
            return results
        rows = [self._index_row(key, data) for key, data, _expected in batch]
        summaries = [self._summary_row(key, data) for key, data, _expected in batch]
        with self._write() as conn:
            for (key, data, expected), row, summary in zip(batch, rows, summaries, strict=True):
                payload, generation = self._current(conn, key)
                if generation != expected:
                    results.append(Conflict(generation, payload))
                    continue
                self._put(conn, key, encode_versioned(self._next_generation(key, generation), data))
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

    def _note_skipped(self, skipped: Iterable[SkippedRow]) -> None:
        with self._lock:
            for row in skipped:
                self._skipped[row.key] = row.reason

    def _sift(self, raw: Iterable[tuple[object, object, object]], *, ordered: bool = False) -> rw.RowsRead:
        """Keep the rows this store wrote; remember the others for ``skipped_rows``."""
        read = rw.sift(raw, ordered=ordered)
        self._note_skipped(read.skipped)
        return read

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

    def _rows(self, where: str, params: tuple[object, ...]) -> rw.RowsRead:
        """Every usable row of ``where`` (a condition on ``key`` only; deleted markers included), sorted by key."""
        sql = f"SELECT key, value, seq FROM kv WHERE {where} ORDER BY key"
        try:
            return self._sift(self._reading(lambda c: c.execute(sql, params).fetchall()), ordered=True)
        except StorageCorruptError:
            read = rw.read_rows_one_by_one(self._reading, where, params)
            self._note_skipped(read.skipped)
            return read

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

    # -- inspection (store check, sizes, change detection, salvage)

    def raw(self, key: str) -> bytes | None:
        """The stored envelope bytes exactly as on disk (deleted markers included); ``None`` if never written."""
        check_key(key)
        row = self._reading(lambda c: c.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone())
        if row is None:
            return None
        if not isinstance(row[0], bytes):
            raise ForeignRowError(f"the stored key {display_key(key)} has a value that is not bytes")
        return bytes(row[0])

    def entries(self) -> builtins.list[tuple[str, int, int]]:
        """``(key, generation, stored size in bytes)`` of live keys, sorted; deleted ones are in ``deleted_keys``."""
        sql = (
            f"SELECT key, COALESCE(substr(value, 1, {HEADER_SIZE}), x''), length(value), seq,"
            f" typeof(value) = 'blob' FROM kv WHERE {_LIVE} ORDER BY key"
        )

        def fast() -> builtins.list[tuple[str, int, int]]:
            out = []
            skipped = []
            for key, head, size, seq, blob in self._reading(lambda c: c.execute(sql).fetchall()):
                problem = row_problem(key, bool(blob), seq)
                if problem is None:
                    out.append((str(key), decode_versioned(head)[0], int(size)))
                else:
                    skipped.append(SkippedRow(display_key(key), problem))
            self._note_skipped(skipped)
            return out

        try:
            return fast()
        except StorageCorruptError:
            read = rw.read_rows_one_by_one(self._reading, "1", ())
            self._note_skipped(read.skipped)
            return [
                (key, decode_versioned(value)[0], len(value))
                for key, value, _seq in read.rows
                if decode_versioned(value)[1] is not None
            ]

    def deleted_keys(self) -> builtins.list[tuple[str, int]]:
        """``(key, generation)`` of every deleted-key marker, sorted by key."""
        read = self._rows("1", ())
        return [
            (key, generation)
            for key, value, _seq in read.rows
            for generation, payload in [decode_versioned(value)]
            if payload is None
        ]

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
        verdict = "\n".join(str(row[0]) for row in rows)
        if verdict != "ok":
            self._mark_damaged(verdict.splitlines()[0])
        return verdict

    def restore_raw(self, items: Iterable[tuple[str, bytes]]) -> int:
        """Insert envelope bytes exactly as given, under new write counters, into keys that do not exist yet.

        For salvage: a copy keeps every key's generation (and deleted markers), so nothing can reuse one.
        """
        batch = [(check_key(key), check_value(value)) for key, value in items]
        with self._write() as conn:
            seq = _max_seq(conn)
            for key, value in batch:
                seq += 1
                conn.execute("INSERT INTO kv (key, value, seq) VALUES (?, ?, ?)", (key, value, seq))
        return len(batch)

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

    def _summary_row(self, key: str, data: bytes) -> bytes | None:
        summarizer = self._summarizer
        return summarizer.row(key, data) if summarizer is not None and rs.covers(key) else None

    def _summary_put(self, conn: sqlite3.Connection, key: str, row: bytes | None) -> None:
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
