"""Reads the current room's history into the room view, a page at a time.

The newest page when a room is opened, older pages as the view scrolls up. A page that arrives after
the user chose another room (the state's ``room_token`` moved on) is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from river_desktop.domain.rooms import ReadMarker
from river_desktop.storage.errors import StorageError
from river_desktop.ui.window_state import PAGE_SIZE

if TYPE_CHECKING:
    from river_desktop.ui.main_window import MainWindow


class RoomPager(QObject):
    """Pages of the current room's stored messages for one window's room view."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("roomPager")
        self._window = window

    async def show_newest(self, key: bytes, token: int, focus: bool = False) -> None:
        w = self._window
        try:
            messages = await w.controller.read_messages(key, limit=PAGE_SIZE)
        except StorageError as exc:
            messages = []
            w._report_error(f"Messages could not be read: {exc}")
        if not w.is_alive or token != w.state.room_token or key not in w.rooms.rooms:
            return
        with w.drafts.showing(key):
            w.roomView.show_room(w.rooms.rooms[key], messages)
        w.roomView.set_older_available(len(messages) >= PAGE_SIZE)
        if focus:
            w.roomView.composer.setFocus(Qt.FocusReason.OtherFocusReason)

    def older_requested(self) -> None:
        w = self._window
        key = w.current_room
        if key is None:
            return
        oldest = w.roomView.oldest_loaded()
        before = ReadMarker.of(oldest) if oldest is not None else None
        w.state.start_task(self._load_older(key, before, w.state.room_token))

    async def _load_older(self, key: bytes, before: ReadMarker | None, token: int) -> None:
        w = self._window
        try:
            messages = await w.controller.read_messages(key, before=before, limit=PAGE_SIZE)
        except StorageError as exc:
            w._report_error(f"Older messages could not be read: {exc}")
            messages = []
        if not w.is_alive or token != w.state.room_token:
            return
        w.roomView.prepend_older(messages)
        if len(messages) < PAGE_SIZE:
            w.roomView.set_older_available(False)


__all__ = ["RoomPager"]
