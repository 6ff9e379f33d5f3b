"""Where a user's data lives, created private (directory 0700, database 0600), or viewed read-only."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from river_desktop.storage.errors import StorageError
from river_desktop.storage.profile_paths import APP_NAME as APP_NAME
from river_desktop.storage.profile_paths import DB_FILENAME as DB_FILENAME
from river_desktop.storage.profile_paths import default_log_dir as default_log_dir
from river_desktop.storage.profile_paths import default_profile_dir as default_profile_dir
from river_desktop.storage.sqlite_kv import SqliteKV


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700; tighten it if it is ours, writable and open to others.

    A folder of another user, or one we may not write, is left exactly as it is (such profiles open read-only).
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
        ours = st.st_uid == os.geteuid()
        if ours and stat.S_IMODE(st.st_mode) & 0o077 and os.access(path, os.W_OK):
            os.chmod(path, 0o700)
    except OSError as exc:
        raise StorageError(f"cannot create the profile directory {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise StorageError(f"the profile directory {path} is not readable and writable by you")


def read_only_reason(path: Path) -> str | None:
    """Why the existing profile at ``path`` can only be read, or ``None`` when it can be written."""
    db = path / DB_FILENAME
    if not os.access(path, os.W_OK | os.X_OK):
        return f"its folder {path} is not writable by you"
    if db.exists() and not os.access(db, os.W_OK):
        return f"its database {db} is not writable by you"
    return None


@dataclass
class Profile:
    path: Path
    store: SqliteKV

    @property
    def db_path(self) -> Path:
        return self.path / DB_FILENAME

    @classmethod
    def open(cls, profile_dir: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Profile:
        """Open (creating if needed) the profile; a clear :class:`StorageError` when that is impossible.

        A profile that exists but cannot be written (folder or database read-only) is opened read-only and
        changed in no way; so is any profile when ``read_only`` is asked for.
        """
        path = Path(profile_dir) if profile_dir is not None else default_profile_dir()
        path = path.expanduser()
        if path.exists() and not path.is_dir():
            raise StorageError(f"the profile path {path} is a file, not a directory")
        db = path / DB_FILENAME
        reason = "it was opened for reading only" if read_only else None
        if path.is_dir():
            reason = reason or read_only_reason(path)
        if reason is None:
            ensure_private_dir(path)
            if db.exists() and not os.access(db, os.R_OK | os.W_OK):
                raise StorageError(f"the database {db} is not readable and writable by you (check its permissions)")
            return cls(path, SqliteKV(db))
        if not db.exists():
            raise StorageError(f"this profile is read-only ({reason}) and holds no database at {db}")
        if not os.access(path, os.X_OK) or not os.access(db, os.R_OK):
            raise StorageError(f"the database {db} is not readable by you (check its and its folder's permissions)")
        return cls(path, SqliteKV(db, read_only=reason))
