"""Pure decisions about what went wrong in SQLite and with a stored row, table-tested (tests/unit/test_faults.py).

Kept apart from ``sqlite_kv.py`` so the classification, the retry rule and the row checks are plain functions of
their inputs: the store only applies them.
"""

from __future__ import annotations

import sqlite3
from enum import Enum
from typing import Final

MAX_SEQ: Final = 2**63 - 1
"""The largest value SQLite's INTEGER holds. A row at it leaves no next write counter, so it counts as foreign."""

READ_ATTEMPTS: Final = 3
"""How often a read that failed with an I/O error is tried in all, before it is reported."""


class Fault(Enum):
    """What kind of failure a SQLite error is, as far as the user and the store's state are concerned."""

    BUSY = "busy"
    CORRUPT = "corrupt"
    NOT_A_DATABASE = "not a database"
    FULL = "full"
    IO = "io"
    READ_ONLY = "read-only"
    MOVED = "moved"
    CANT_OPEN = "cannot open"
    OTHER = "other"


SQLITE_READONLY_DBMOVED: Final = 1032
"""SQLite's extended code for a write to a database file that was renamed or deleted while open."""

_BY_EXTENDED: Final[dict[int, Fault]] = {SQLITE_READONLY_DBMOVED: Fault.MOVED}

_BY_PRIMARY: Final[dict[int, Fault]] = {
    sqlite3.SQLITE_BUSY: Fault.BUSY,
    sqlite3.SQLITE_LOCKED: Fault.BUSY,
    sqlite3.SQLITE_CORRUPT: Fault.CORRUPT,
    sqlite3.SQLITE_NOTADB: Fault.NOT_A_DATABASE,
    sqlite3.SQLITE_FULL: Fault.FULL,
    sqlite3.SQLITE_IOERR: Fault.IO,
    sqlite3.SQLITE_READONLY: Fault.READ_ONLY,
    sqlite3.SQLITE_PERM: Fault.READ_ONLY,
    sqlite3.SQLITE_AUTH: Fault.READ_ONLY,
    sqlite3.SQLITE_CANTOPEN: Fault.CANT_OPEN,
}

_BY_MESSAGE: Final[tuple[tuple[str, Fault], ...]] = (
    # Errors raised without a code (older Pythons, some statement paths) still carry SQLite's message.
    ("database disk image is malformed", Fault.CORRUPT),
    ("file is not a database", Fault.NOT_A_DATABASE),
    ("disk i/o error", Fault.IO),
    ("database or disk is full", Fault.FULL),
    ("database is locked", Fault.BUSY),
    ("attempt to write a readonly database", Fault.READ_ONLY),
    ("unable to open database file", Fault.CANT_OPEN),
)


def classify(code: int | None, message: str) -> Fault:
    """The fault behind SQLite's (extended) result ``code``, or behind its ``message`` when there is no code."""
    if code is not None:
        if code in _BY_EXTENDED:
            return _BY_EXTENDED[code]
        fault = _BY_PRIMARY.get(code & 0xFF)
        if fault is not None:
            return fault
    lowered = message.lower()
    for needle, fault in _BY_MESSAGE:
        if needle in lowered:
            return fault
    return Fault.OTHER


def classify_error(exc: sqlite3.Error) -> Fault:
    code = getattr(exc, "sqlite_errorcode", None)
    return classify(code if isinstance(code, int) else None, str(exc))


def should_retry_read(fault: Fault, attempt: int) -> bool:
    """Whether a read that failed with ``fault`` on try number ``attempt`` (1-based) is tried again.

    An I/O error may be one bad moment of the disk, so it is retried; a corruption report is read once more, so that
    a page that a transient read garbled does not mark the profile damaged. Anything else is answered at once.
    """
    if fault is Fault.IO:
        return attempt < READ_ATTEMPTS
    if fault is Fault.CORRUPT:
        return attempt < 2
    return False


def row_problem(key: object, value_is_blob: bool, seq: object) -> str | None:
    """Why a raw ``kv`` row is not one this store wrote, or ``None`` when it is.

    ``key`` is as read with the store's text factory (undecodable bytes become lone surrogates), ``seq`` as SQLite
    returned it. Such rows are reported and skipped by reads; no write goes over them.
    """
    if not isinstance(key, str):
        return f"its key is stored as {_kind(key)}, not text"
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return "its key is not valid UTF-8 text"
    if not value_is_blob:
        return "its value is not stored as bytes (a BLOB)"
    if isinstance(seq, bool) or not isinstance(seq, int):
        return f"its write counter (seq) is {_kind(seq)}, not an integer"
    if not 0 < seq < MAX_SEQ:
        return f"its write counter (seq) {seq} is out of range"
    return None


def _kind(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, str):
        return "text"
    if isinstance(value, float):
        return "a real number"
    if isinstance(value, int):
        return "an integer"
    return type(value).__name__


def display_key(key: object) -> str:
    """A key as one printable line: text as is, undecodable bytes as ``\\xNN`` escapes."""
    if isinstance(key, str):
        raw = key.encode("utf-8", "surrogateescape")
    elif isinstance(key, bytes):
        raw = key
    else:
        return repr(key)
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
