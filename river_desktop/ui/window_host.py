"""The two sides of the application / window contract, so that neither module imports the other.

:class:`WindowHost` is what a window needs of the application (the shared services and the one way
out); :class:`AppWindow` is what the application needs of a window (its id, its signals, its rooms,
start and geometry). ``app.py`` knows only :class:`AppWindow` and builds windows with the
:class:`WindowFactory` it is given; ``main_window.py`` knows only :class:`WindowHost`. The composition
root, ``desktop.py``, is the one place that names both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMainWindow

from river_desktop.domain.rooms import RoomData, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.ui.preferences import PreferencesModel
from river_desktop.ui.settings import DesktopSettings

T = TypeVar("T")


class AppWindow(QMainWindow):
    """A top-level window as the application sees it; :class:`MainWindow` is the real one."""

    currentRoomChanged = Signal(object)
    unreadChanged = Signal(object)

    window_id: int

    @property
    def rooms(self) -> Rooms:
        raise NotImplementedError

    @property
    def current_room(self) -> bytes | None:
        raise NotImplementedError

    @property
    def is_loaded(self) -> bool:
        raise NotImplementedError

    @property
    def save_error(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def select_room(self, key: bytes | None) -> None:
        raise NotImplementedError

    def set_members_visible(self, visible: bool) -> None:
        raise NotImplementedError

    def create_room(self, name: str, nickname: str, *, private: bool = False) -> RoomData | None:
        raise NotImplementedError

    async def flush(self) -> None:
        raise NotImplementedError

    def geometry_bytes(self) -> bytes:
        raise NotImplementedError

    def restore_geometry_bytes(self, data: bytes) -> bool:
        raise NotImplementedError


class WindowHost(Protocol):
    """What a window needs of the application that owns it."""

    @property
    def controller(self) -> StorageController: ...

    @property
    def settings(self) -> DesktopSettings: ...

    @property
    def preferences(self) -> PreferencesModel: ...

    @property
    def profile_dir(self) -> Path: ...

    @property
    def log_dir(self) -> Path: ...

    @property
    def windows(self) -> Sequence[AppWindow]: ...

    def track(self, coro: Awaitable[T], *, save: bool = False) -> asyncio.Task[T]: ...

    def open_window(self, initial_room: bytes | None = None, *, geometry: bytes = b"", show: bool = True) -> AppWindow:
        """File > New Window."""

    def request_quit(self) -> None: ...

    def hide_to_tray(self, window: AppWindow) -> bool:
        """The last window closes: True when it hid in the tray instead."""

    def window_closing(self, window: AppWindow) -> None: ...


class WindowFactory(Protocol):
    """Builds a window for the application (``MainWindow`` itself fits)."""

    def __call__(self, desktop: WindowHost, window_id: int, *, initial_room: bytes | None = None) -> AppWindow: ...


__all__ = ["AppWindow", "WindowFactory", "WindowHost"]
