"""The connection, transaction and error handling under :class:`~river_desktop.storage.sqlite_kv.SqliteKV`.

Split from sqlite_kv.py (which opens the file, keeps its schema and implements ``KVStore``): one connection per
thread, reads retried on I/O errors, writes inside ``BEGIN IMMEDIATE`` and refused once the file is damaged,
deleted or replaced, SQLite errors translated into ``StorageError`` with a sentence for the user.
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
from typing import Final, NamedTuple, Self, TypeVar

from river_desktop.storage import dbfile, in_place
from river_desktop.storage import rows as rw
from river_desktop.storage.envelope import (
    HEADER_SIZE,
    MAX_GENERATION,
    decode_versioned,
    encode_padded,
    encode_versioned,
)
from river_desktop.storage.errors import (
    ForeignRowError,
    NotADatabaseError,
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
    SkippedRow,
    StoreHealth,
    prefix_upper_bound,
)

T = TypeVar("T")

_READ_PAUSE_S: Final = 0.02
_CLOSE_GRACE_S: Final = 5.0
"""How long ``close`` waits, past the busy timeout, for calls in flight before it interrupts them."""
# Mirrors envelope.is_deleted, so filters run inside SQLite instead of shipping every payload to Python.
_LIVE: Final = f"NOT (length(value) >= {HEADER_SIZE} AND substr(value, 1, 1) = x'02')"
_VALID_SEQ: Final = f"typeof(seq) = 'integer' AND seq > 0 AND seq < {MAX_SEQ}"

log = logging.getLogger("river_desktop.storage.sqlite_kv")


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


def _fetch_int(conn: sqlite3.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0])


class StoredRow(NamedTuple):
    """What a rewrite needs to know of the row it replaces to keep its record's size (in_place.py)."""

    value_len: int
    seq: int


def _stored(key: str, generation: int, data: bytes, seq: int, replacing: StoredRow | None) -> bytes:
    """The envelope of a live value written at ``seq``: padded to keep ``replacing``'s record size, or given room to
    grow, when it spills out of its leaf page; as it is otherwise."""
    key_len = len(key.encode("utf-8"))
    old_len, old_seq = (None, None) if replacing is None else replacing
    size = in_place.stored_size(len(data), key_len, seq, old_len, old_seq)
    return encode_versioned(generation, data) if size is None else encode_padded(generation, data, size)


def _max_seq(conn: sqlite3.Connection) -> int:
    """The highest valid write counter; rows with a foreign ``seq`` (text, at 2^63-1) do not count."""
    row = conn.execute(f"SELECT seq FROM kv WHERE {_VALID_SEQ} ORDER BY seq DESC LIMIT 1").fetchone()
    return 0 if row is None else int(row[0])


class SqliteCore:
    """Connections, transactions, health and errors; :class:`SqliteKV` opens the file and sets the state."""

    _path: Path
    _busy_timeout_ms: int
    _factory: type[sqlite3.Connection]
    _local: threading.local
    _lock: threading.Lock
    _calls: threading.Condition
    _in_flight: dict[int, int]
    _connections: builtins.list[tuple[threading.Thread, sqlite3.Connection]]
    _closed: bool
    _read_only: str | None
    _damaged: str | None
    _gone: str | None
    _skipped: dict[str, str]
    _identity: tuple[int, int]
    _uri: str

    def _prepare(self, conn: sqlite3.Connection, *, initialise: bool) -> None:
        raise NotImplementedError

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"SqliteKV({str(self._path)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _not_a_database(self, detail: str = dbfile.NOT_SQLITE) -> NotADatabaseError:
        return dbfile.not_a_database(self._path, detail)

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
        """This thread's connection; call it only inside ``_call`` (``_guard`` and ``_reading`` enter it)."""
        if self._closed and threading.get_ident() not in self._in_flight:
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

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        """Every use of a connection runs inside this: ``close`` waits for it, and refuses new ones.

        Re-entrant per thread (a retried read, a write that reads). Closing a connection while another thread
        runs a statement on it frees memory under that statement, which can crash the process.
        """
        ident = threading.get_ident()
        with self._calls:
            depth = self._in_flight.get(ident, 0)
            if depth == 0 and self._closed:
                raise self._closed_error()
            self._in_flight[ident] = depth + 1
        try:
            yield
        finally:
            with self._calls:
                if depth == 0:
                    del self._in_flight[ident]
                    if self._closed:  # close() may have left this thread's connection to it
                        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
                        if conn is not None:
                            with contextlib.suppress(sqlite3.Error):
                                conn.close()
                    self._calls.notify_all()
                else:
                    self._in_flight[ident] = depth

    def close(self) -> None:
        """Refuse new calls (StoreClosedError), wait for those in flight, then close every thread's connection.

        A call still running after the busy timeout and a grace period is interrupted (it fails with
        StoreClosedError; a write is rolled back); a connection still in use after that is closed by its own
        thread when its call ends. A call of this thread that is in flight (close from inside a call) is not
        waited for.
        """
        me = threading.get_ident()
        with self._calls:
            if self._closed:
                return
            self._closed = True

            def others() -> bool:
                return any(ident != me for ident in self._in_flight)

            if not self._calls.wait_for(lambda: not others(), self._busy_timeout_ms / 1000 + _CLOSE_GRACE_S):
                self._interrupt_in_flight()
                self._calls.wait_for(lambda: not others(), _CLOSE_GRACE_S)
            busy = set(self._in_flight) - {me}
            with self._lock:
                connections = [e for e in self._connections if e[0].ident not in busy]
                self._connections = [e for e in self._connections if e[0].ident in busy]
            for _thread, conn in connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    def _interrupt_in_flight(self) -> None:
        """``sqlite3_interrupt`` is the one call SQLite allows from another thread mid-statement."""
        with self._lock:
            busy = [conn for thread, conn in self._connections if thread.ident in self._in_flight]
        for conn in busy:
            with contextlib.suppress(sqlite3.Error):
                conn.interrupt()

    # -- errors and transactions

    def _translate(self, exc: sqlite3.Error, *, opening: bool = False, reading: bool = False) -> StorageError:
        if self._closed and (isinstance(exc, sqlite3.ProgrammingError) or "interrupted" in str(exc)):
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
        """A call (see ``_call``) whose SQLite errors are translated."""
        with self._call():
            try:
                yield
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc

    def _reading(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._call():
            return self._reading_call(fn)

    def _reading_call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
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
        payload, generation, _row = self._current_row(conn, key)
        return payload, generation

    def _current_row(self, conn: sqlite3.Connection, key: str) -> tuple[bytes | None, int, StoredRow | None]:
        """:meth:`_current`, and the stored row's value size and ``seq`` (for a rewrite in place), if there is one."""
        row = conn.execute("SELECT value, seq FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None, 0, None
        value, seq = row
        problem = row_problem(key, isinstance(value, bytes), seq)
        if problem is not None:
            raise ForeignRowError(
                f"the stored key {display_key(key)} was not written by River Desktop ({problem}); "
                "it was left as it is (see `river-desktop-cli store check`)"
            )
        generation, payload = decode_versioned(value)
        return payload, generation, StoredRow(len(value), seq)

    def _next_generation(self, key: str, generation: int) -> int:
        if generation >= MAX_GENERATION:
            raise ForeignRowError(
                f"the stored key {display_key(key)} is at the highest generation an envelope can hold "
                "(2^64-1), so it cannot be written again; it was left as it is"
            )
        return generation + 1

    def _put(self, conn: sqlite3.Connection, key: str, stored: bytes, seq: int | None = None) -> int:
        """Write ``stored`` under ``key`` at write counter ``seq`` (the next one when not given); returns it.

        A transaction writing several keys passes each the one after the last it wrote: it holds the write lock,
        so no other writer can have taken one meanwhile.
        """
        seq = self._next_seq(conn, seq)
        conn.execute(
            "INSERT INTO kv (key, value, seq) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, seq = excluded.seq",
            (key, stored, seq),
        )
        return seq

    def _put_live(
        self,
        conn: sqlite3.Connection,
        key: str,
        generation: int,
        data: bytes,
        replacing: StoredRow | None,
        seq: int | None = None,
    ) -> int:
        """:meth:`_put` of a live value, stored so that SQLite can overwrite it in place next time (in_place.py):
        ``replacing`` is the row it replaces (from :meth:`_current_row`), whose size it keeps when it fits."""
        seq = self._next_seq(conn, seq)
        return self._put(conn, key, _stored(key, generation, data, seq, replacing), seq)

    def _put_new(self, conn: sqlite3.Connection, key: str, data: bytes, seq: int | None = None) -> int | None:
        """:meth:`_put_live` of a key expected absent, at generation 1, in one statement: its write counter, or
        None (and nothing written) when the key is there. A write-once key (an outbox entry, a message) needs no
        read first."""
        seq = self._next_seq(conn, seq)
        cursor = conn.execute(
            "INSERT INTO kv (key, value, seq) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, _stored(key, 1, data, seq, None), seq),
        )
        return seq if cursor.rowcount == 1 else None

    def _next_seq(self, conn: sqlite3.Connection, seq: int | None) -> int:
        if seq is None:
            seq = _max_seq(conn) + 1
        if seq >= MAX_SEQ:
            raise StorageError(f"the database {self._path} has used up its write counter; nothing was written")
        return seq

    @staticmethod
    def _prefix_where(prefix: str) -> tuple[str, tuple[str, ...]]:
        upper = prefix_upper_bound(prefix)
        if upper is None:
            return "key >= ?", (prefix,)
        return "key >= ? AND key < ?", (prefix, upper)

    def _note_skipped(self, skipped: Iterable[SkippedRow]) -> None:
        with self._lock:
            for row in skipped:
                self._skipped[row.key] = row.reason

    def _sift(self, raw: Iterable[tuple[object, object, object]], *, ordered: bool = False) -> rw.RowsRead:
        """Keep the rows this store wrote; remember the others for ``skipped_rows``."""
        read = rw.sift(raw, ordered=ordered)
        self._note_skipped(read.skipped)
        return read

    def _rows(self, where: str, params: tuple[object, ...]) -> rw.RowsRead:
        """Every usable row of ``where`` (a condition on ``key`` only; deleted markers included), sorted by key."""
        sql = f"SELECT key, value, seq FROM kv WHERE {where} ORDER BY key"
        try:
            return self._sift(self._reading(lambda c: c.execute(sql, params).fetchall()), ordered=True)
        except StorageCorruptError:
            read = rw.read_rows_one_by_one(self._reading, where, params)
            self._note_skipped(read.skipped)
            return read

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
