"""The database file before SQLite opens it: created private by us, refused when it is not ours, opened by URI.

Nothing here writes to an existing file; a refused file stays byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Final
from urllib.parse import quote

from river_desktop.storage.errors import NotADatabaseError, StorageIOError

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
FRESH_FILE_S: Final = 5.0
"""An empty database file younger than this may be another process's creation in progress: wait for it."""
NOT_SQLITE: Final = "it is not a SQLite file"
EMPTY: Final = (
    "it is empty (0 bytes), probably left by a first start that failed, for example on a full disk. "
    "If this profile never held anything, delete the file and start again; otherwise restore the "
    "profile from a backup"
)


def not_a_database(path: Path, detail: str = NOT_SQLITE) -> NotADatabaseError:
    return NotADatabaseError(
        f"{path} is not a River Desktop database ({detail}); it was left untouched. "
        "Move it out of the way or choose another profile folder."
    )


def create_if_missing(path: Path) -> bool:
    """Create the file ourselves so it is private from its first byte (SQLite would use 0644); True if we did."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StorageIOError(
            f"cannot create the database {path}: {exc.strerror or exc}; "
            "check that its folder exists and is writable by you"
        ) from None
    os.close(fd)
    return True


def remove_if_empty(path: Path) -> None:
    """A creation that failed (disk full) must not leave an empty file that the next open would refuse."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_size == 0:
            os.unlink(path)


def check_header(path: Path, *, created: bool, wait_s: float) -> None:
    """Refuse a non-SQLite or stray empty file before SQLite opens it, so nothing is written near it."""
    if path.is_dir():
        raise StorageIOError(f"the database path {path} is a folder, not a file; choose another profile")
    head = _read_head(path)
    if not head and not created and not _wal_holds_data(path):
        head = _wait_for_creator(path, wait_s)
        if not head:
            raise not_a_database(path, EMPTY)
    if head and head != SQLITE_MAGIC:
        raise not_a_database(path)


def _wal_holds_data(path: Path) -> bool:
    """An empty main file next to a non-empty ``-wal`` is left for SQLite to read, not called empty."""
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except OSError:
        return False


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise StorageIOError(f"the database {path} does not exist") from None
    except OSError as exc:
        raise StorageIOError(f"cannot read the database {path}: {exc.strerror or exc}; check its permissions") from None


def _wait_for_creator(path: Path, wait_s: float) -> bytes:
    """An empty file that was just created is probably another process's open in progress: give it time."""
    deadline = time.monotonic() + wait_s
    pause = 0.005
    while True:
        try:
            age = time.time() - os.stat(path).st_mtime
        except OSError:
            return b""
        if age > FRESH_FILE_S or time.monotonic() >= deadline:
            return b""
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
        head = _read_head(path)
        if head:
            return head


def uri(path: Path, *, read_only: bool) -> str:
    """``mode=rw`` (never create: ``create_if_missing`` made it, or it must exist), or ``mode=ro``.

    A read-only open without a ``-wal`` of a file nobody may write (no write bits) or in a folder we cannot
    write uses ``immutable=1``: SQLite then creates no ``-shm``/``-wal`` (it cannot, or must not, change the
    folder). With a ``-wal`` present the file is read through SQLite's normal read-only WAL path instead.
    """
    base = "file:" + quote(str(path.absolute()))
    if not read_only:
        return base + "?mode=rw"
    if not Path(f"{path}-wal").exists():
        unwritable = not os.stat(path).st_mode & 0o222
        if unwritable or not os.access(path.parent, os.W_OK):
            return base + "?mode=ro&immutable=1"
    return base + "?mode=ro"
