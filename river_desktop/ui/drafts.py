"""Composer drafts that survive room switches, restarts and crashes.

The room view already keeps each room's draft while the window is open; :class:`DraftKeeper` mirrors
every edit into the profile's ``desktop.ini`` (``DesktopSettings``, mode 0600), keyed by the room's
base58 key, and fills the composer from there the first time a window shows a room. The file is
written shortly after typing pauses and when the window closes, so a crash loses at most the last
fraction of a second. Draft text is never logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QTextCursor

from river_desktop.ui.room_view.view import RoomView
from river_desktop.ui.settings import DesktopSettings

WRITE_DELAY_MS = 500


class DraftKeeper(QObject):
    """Mirrors one window's composer into :class:`DesktopSettings`, per room."""

    drafts_changed = Signal(object)
    """frozenset of the rooms with a draft, the one this window shows left out (its composer says it)."""

    def __init__(self, settings: DesktopSettings, view: RoomView, window: QObject) -> None:
        super().__init__(window)
        self._settings = settings
        self._view = view
        self._showing = 0
        self._seen: set[bytes] = set()
        self._marked: frozenset[bytes] = frozenset()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(WRITE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        view.composer.textChanged.connect(self._edited)
        window.installEventFilter(self)

    @contextmanager
    def showing(self, room: bytes) -> Iterator[None]:
        """Around ``RoomView.show_room``: the composer's refill is not an edit; a room this window has not
        shown yet gets its stored draft (unless the composer already holds one)."""
        self._showing += 1
        try:
            yield
        finally:
            self._showing -= 1
        self._announce()
        if room in self._seen or self._view.current_room_key() != room:
            return
        self._seen.add(room)
        composer = self._view.composer
        stored = self._settings.draft(room)
        if stored and not composer.toPlainText():
            composer.setPlainText(stored)
            composer.moveCursor(QTextCursor.MoveOperation.End)

    def forget(self, rooms: Iterable[bytes]) -> None:
        """These rooms were left: their drafts go too."""
        rooms = list(rooms)
        if rooms:
            self._settings.forget_drafts(rooms)
            self._timer.start()
            self._announce()

    def marked(self) -> frozenset[bytes]:
        """The rooms the room list marks as having a draft."""
        return frozenset(self._settings.draft_rooms() - {self._view.current_room_key()})

    def _announce(self) -> None:
        marked = self.marked()
        if marked != self._marked:
            self._marked = marked
            self.drafts_changed.emit(marked)

    def flush(self) -> None:
        self._timer.stop()
        self._settings.sync()

    def _edited(self) -> None:
        room = self._view.current_room_key()
        if self._showing or room is None:
            return
        self._seen.add(room)
        self._settings.set_draft(room, self._view.draft(room))
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and self._timer.isActive():
            self.flush()
        return super().eventFilter(watched, event)


__all__ = ["WRITE_DELAY_MS", "DraftKeeper"]
