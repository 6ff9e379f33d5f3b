"""The profile's folder and file names: light, so the CLI can name them before it opens any storage."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "river-desktop"
DB_FILENAME = "river.sqlite3"


def default_profile_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class DefaultProfile:
    """The ``--profile`` default, found only when shown (``--help``) or used: a command given ``--profile``
    never looks it up."""

    def path(self) -> Path:
        return default_profile_dir()

    def __str__(self) -> str:
        return str(self.path())
