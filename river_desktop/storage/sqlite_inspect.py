"""Inspection of a :class:`~river_desktop.storage.sqlite_kv.SqliteKV` file: raw envelopes, sizes, deleted
markers, SQLite's integrity check, restoring raw rows (store check, salvage). Split from sqlite_kv.py."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Iterable

from river_desktop.storage import rows as rw
from river_desktop.storage.envelope import (
    PADDED_HEADER_SIZE,
    decode_versioned,
    generation_of,
)
from river_desktop.storage.errors import (
    ForeignRowError,
    StorageCorruptError,
)
from river_desktop.storage.faults import display_key, row_problem
from river_desktop.storage.kv import (
    SkippedRow,
    check_key,
    check_value,
)
from river_desktop.storage.sqlite_core import _LIVE, SqliteCore, _fetch_int, _max_seq


class SqliteInspect(SqliteCore):
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
            f"SELECT key, COALESCE(substr(value, 1, {PADDED_HEADER_SIZE}), x''), length(value), seq,"
            f" typeof(value) = 'blob' FROM kv WHERE {_LIVE} ORDER BY key"
        )

        def fast() -> builtins.list[tuple[str, int, int]]:
            out = []
            skipped = []
            for key, head, size, seq, blob in self._reading(lambda c: c.execute(sql).fetchall()):
                problem = row_problem(key, bool(blob), seq)
                if problem is None:
                    out.append((str(key), generation_of(head, int(size)), int(size)))
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
        with self._call():
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
