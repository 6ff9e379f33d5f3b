"""What a window and its state agree on: the load and save states it shows, and the calls the state makes.

:class:`~river_desktop.ui.window_state.WindowState` calls a :class:`WindowHooks` (the window, or a test's
recorder) and runs its tasks through a :class:`TaskTracker` (the application). No Qt here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from enum import Enum
from typing import Protocol, TypeVar

from river_desktop.domain.river.messages import AuthorizedMessage

T = TypeVar("T")


class LoadState(Enum):
    LOADING = "loading"
    MIGRATING = "migrating"
    READY = "ready"
    FAILED = "failed"


class SaveState(Enum):
    IDLE = "idle"
    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"


class TaskTracker(Protocol):
    """Runs a coroutine as a task the application keeps alive (``save``: one that shutdown waits for)."""

    def __call__(self, coro: Awaitable[T], *, save: bool = False) -> asyncio.Task[T]: ...


class WindowHooks(Protocol):
    """What the state tells its window; every call comes on the GUI thread, in the order things happen."""

    def load_state_changed(self, state: LoadState) -> None: ...

    def save_state_changed(self, state: SaveState, previous: SaveState) -> None: ...

    def rooms_changed(self) -> None:
        """The copy changed: bring the list, selection and view in line with it."""

    def room_added(self, key: bytes) -> None:
        """A room this window created or joined: show it and make it current."""

    def loaded(self, initial: bytes | None) -> asyncio.Task[None] | None:
        """The copy is loaded; show ``initial`` (returns the task that shows its messages, if any)."""

    def unread_changed(self, counts: dict[bytes, int]) -> None: ...

    def issues_changed(self) -> None: ...

    def newest_messages(self, key: bytes, messages: list[AuthorizedMessage]) -> None:
        """Another writer added messages to the current room ``key``; these are its newest."""

    def notice(self, text: str, timeout_ms: int) -> None: ...


__all__ = ["LoadState", "SaveState", "TaskTracker", "WindowHooks"]
