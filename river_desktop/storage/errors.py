"""Errors of the storage layer.

Every message is meant to be shown to the user as is: it says what went wrong and what to do about it.
Messages may name the database path; they never contain keys' values, payloads or other secrets.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage failure; the CLI prints its message on one line and exits non-zero."""


class NotADatabaseError(StorageError):
    """The file exists but is not a River Desktop database; it was left exactly as it was."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer River Desktop; opening it here could damage it."""

    def __init__(self, message: str, *, found: int, supported: int) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


class StoreBusyError(StorageError):
    """Another connection held the write lock for longer than the busy timeout."""


class StorageCorruptError(StorageError):
    """SQLite reported the file as damaged: the store refuses every later write and keeps reading what it can."""


class StorageReadOnlyError(StorageError):
    """The profile can be read but not written (permissions, or opened for reading only); nothing was changed."""


class StorageGoneError(StorageError):
    """The database file was deleted or replaced while open; nothing more is saved, nothing is recreated."""


class ForeignRowError(StorageError):
    """A stored row this store did not write (or cannot write again); it is reported and left as it is."""


class StorageIOError(StorageError):
    """The operating system refused or failed a read or write (disk full, I/O error, permissions)."""


class StoreClosedError(StorageError):
    """The store was used after ``close()``; a programming error, but reported like any storage failure."""
