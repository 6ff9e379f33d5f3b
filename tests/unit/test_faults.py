"""The pure fault decisions: SQLite error classification, the read-retry rule, foreign-row checks."""

from __future__ import annotations

import sqlite3

import pytest

from river_desktop.storage.faults import (
    MAX_SEQ,
    READ_ATTEMPTS,
    SQLITE_READONLY_DBMOVED,
    Fault,
    classify,
    classify_error,
    display_key,
    row_problem,
    should_retry_read,
)


@pytest.mark.parametrize(
    ("code", "message", "fault"),
    [
        (sqlite3.SQLITE_CORRUPT, "database disk image is malformed", Fault.CORRUPT),
        (267, "database disk image is malformed", Fault.CORRUPT),  # SQLITE_CORRUPT_VTAB
        (sqlite3.SQLITE_NOTADB, "file is not a database", Fault.NOT_A_DATABASE),
        (266, "disk I/O error", Fault.IO),  # SQLITE_IOERR_READ
        (522, "disk I/O error", Fault.IO),  # SQLITE_IOERR_SHORT_READ
        (sqlite3.SQLITE_FULL, "database or disk is full", Fault.FULL),
        (sqlite3.SQLITE_BUSY, "database is locked", Fault.BUSY),
        (sqlite3.SQLITE_LOCKED, "database table is locked", Fault.BUSY),
        (sqlite3.SQLITE_READONLY, "attempt to write a readonly database", Fault.READ_ONLY),
        (SQLITE_READONLY_DBMOVED, "attempt to write a readonly database", Fault.MOVED),
        (sqlite3.SQLITE_CANTOPEN, "unable to open database file", Fault.CANT_OPEN),
        (sqlite3.SQLITE_PERM, "access permission denied", Fault.READ_ONLY),
        (sqlite3.SQLITE_ERROR, "no such table: kv", Fault.OTHER),
        (None, "database disk image is malformed", Fault.CORRUPT),
        (None, "Disk I/O error", Fault.IO),
        (None, "file is not a database", Fault.NOT_A_DATABASE),
        (None, "something else", Fault.OTHER),
    ],
)
def test_classify(code: int | None, message: str, fault: Fault) -> None:
    assert classify(code, message) is fault


def test_classify_error_reads_the_exception_code() -> None:
    error = sqlite3.OperationalError("a message that says nothing")
    error.sqlite_errorcode = 266
    assert classify_error(error) is Fault.IO
    assert classify_error(sqlite3.DatabaseError("database disk image is malformed")) is Fault.CORRUPT


@pytest.mark.parametrize(
    ("fault", "attempt", "retry"),
    [
        (Fault.IO, 1, True),
        (Fault.IO, READ_ATTEMPTS - 1, True),
        (Fault.IO, READ_ATTEMPTS, False),
        (Fault.CORRUPT, 1, True),
        (Fault.CORRUPT, 2, False),
        (Fault.BUSY, 1, False),  # the busy timeout already waited
        (Fault.FULL, 1, False),
        (Fault.NOT_A_DATABASE, 1, False),
        (Fault.OTHER, 1, False),
    ],
)
def test_should_retry_read(fault: Fault, attempt: int, retry: bool) -> None:
    assert should_retry_read(fault, attempt) is retry


@pytest.mark.parametrize(
    ("key", "blob", "seq", "expected"),
    [
        ("room:x", True, 1, None),
        ("room:x", True, MAX_SEQ - 1, None),
        ("k\udcff", True, 1, "not valid UTF-8"),
        (b"k", True, 1, "stored as bytes"),
        (None, True, 1, "stored as NULL"),
        ("k", False, 1, "not stored as bytes"),
        ("k", True, "abc", "is text, not an integer"),
        ("k", True, 1.5, "a real number"),
        ("k", True, MAX_SEQ, "out of range"),
        ("k", True, 0, "out of range"),
        ("k", True, -3, "out of range"),
        ("k", True, True, "not an integer"),
    ],
)
def test_row_problem(key: object, blob: bool, seq: object, expected: str | None) -> None:
    problem = row_problem(key, blob, seq)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


@pytest.mark.parametrize(
    ("key", "shown"),
    [("room:abc", "room:abc"), ("f\udcffk", "f\\xffk"), (b"\xfe", "\\xfe"), ("a\nb", "a\\nb"), (5, "5")],
)
def test_display_key_is_one_printable_line(key: object, shown: str) -> None:
    assert display_key(key) == shown
