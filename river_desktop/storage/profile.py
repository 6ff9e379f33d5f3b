"""Where a user's data lives, created private (directory 0700, database 0600)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from river_desktop.storage.errors import StorageError
from river_desktop.storage.sqlite_kv import SqliteKV

APP_NAME = "river-desktop"
DB_FILENAME = "river.sqlite3"


def default_profile_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700; tighten it if it exists with wider access."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise StorageError(f"cannot create the profile directory {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise StorageError(f"the profile directory {path} is not readable and writable by you")


@dataclass
class Profile:
    path: Path
    store: SqliteKV

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILENAME

    @classmethod
    def open(cls, profile_dir: str | os.PathLike[str] | None = None) -> Profile:
        """Open (creating if needed) the profile; a clear :class:`StorageError` when that is impossible."""
        path = Path(profile_dir) if profile_dir is not None else default_profile_dir()
        path = path.expanduser()
        if path.exists() and not path.is_dir():
            raise StorageError(f"the profile path {path} is a file, not a directory")
        ensure_private_dir(path)
        db = path / DB_FILENAME
        if db.exists() and not os.access(db, os.R_OK | os.W_OK):
            raise StorageError(f"the database {db} is not readable and writable by you (check its permissions)")
        return cls(path, SqliteKV(db))
