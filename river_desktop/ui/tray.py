"""The tray icon: the unread total on the app icon, and desktop notifications for new messages.

Notifications are derived from unread counts, which already honour each room's notification mode
(``Muted`` counts nothing, ``Mentions & replies`` counts only mentions of your nickname and replies to
you), so a room's count going up is exactly "a new message you asked to hear about" — except when the
mode itself just changed (Muted -> All makes old messages count): then the count is only re-based, and
only messages that arrive after the change notify. Clicking a notification asks for its room.

One new message is shown as who wrote what (``notice.arrival_text``), read through the caller's ``preview``;
several, or one whose text cannot be read, as a count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from river_desktop.domain.notice import count_text
from river_desktop.domain.rooms import NotificationMode, RoomData
from river_desktop.ui import icons

log = logging.getLogger(__name__)

ICON_SIZE = 64

Preview = Callable[[bytes, str], Awaitable["str | None"]]
"""``preview(room, room name)``: the text for one new message in that room, or None for the count."""


def badge_icon(base: QIcon, count: int) -> QIcon:
    """``base`` with a red badge carrying ``count`` (no badge for 0)."""
    if count <= 0:
        return base
    pixmap = base.pixmap(ICON_SIZE, ICON_SIZE)
    if pixmap.isNull():
        pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
        pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = str(count) if count < 100 else "99+"
        font = QFont()
        font.setBold(True)
        font.setPixelSize(ICON_SIZE // 3)
        painter.setFont(font)
        width = max(painter.fontMetrics().horizontalAdvance(text) + 12, ICON_SIZE // 2)
        height = ICON_SIZE // 2
        rect = QRect(ICON_SIZE - width, 0, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d93025"))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return QIcon(pixmap)


class RoomNames(Mapping[bytes, str]):
    """Rooms' names, each read when asked for: a report covers every room (10,000 names cost the GUI thread
    10-20 ms), and a notification names only the rooms whose count went up."""

    def __init__(self, rooms: Mapping[bytes, RoomData]) -> None:
        self._rooms = rooms

    def __getitem__(self, key: bytes) -> str:
        return self._rooms[key].name

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._rooms)

    def __len__(self) -> int:
        return len(self._rooms)


class Tray(QObject):
    """Owns the ``QSystemTrayIcon`` (shown only where a system tray exists)."""

    notified = Signal(str, str)
    """(title, body) of every notification raised (also when no tray is available to show it)."""
    activated = Signal()
    roomRequested = Signal(bytes)
    """The user clicked the notification about this room."""
    newWindowRequested = Signal()
    showRequested = Signal()
    quitRequested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._total = 0
        self.notifications_enabled = True
        """Off (Preferences): counts and the badge still follow, no room raises a notification."""
        self._known: dict[bytes, int] | None = None
        self._modes: dict[bytes, NotificationMode] = {}
        self._notified_room: bytes | None = None
        self._previews: set[asyncio.Future[None]] = set()
        self._base_icon = icons.app_icon()
        self._icon = QSystemTrayIcon(self._base_icon, self)
        self._icon.setObjectName("trayIcon")
        self._icon.setToolTip("River Desktop")
        menu = QMenu()
        menu.setObjectName("trayMenu")
        self._menu = menu
        show = QAction("&Show River Desktop", menu)
        show.setObjectName("trayShow")
        show.triggered.connect(self.showRequested)
        new_window = QAction("New &Window", menu)
        new_window.setObjectName("trayNewWindow")
        new_window.triggered.connect(self.newWindowRequested)
        quit_action = QAction("&Quit", menu)
        quit_action.setObjectName("trayQuit")
        quit_action.triggered.connect(self.quitRequested)
        menu.addAction(show)
        menu.addAction(new_window)
        menu.addSeparator()
        menu.addAction(quit_action)
        self._icon.setContextMenu(menu)
        self._icon.activated.connect(self._on_activated)
        self._icon.messageClicked.connect(self._on_message_clicked)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        if self.available:
            self._icon.show()

    @property
    def total(self) -> int:
        return self._total

    @property
    def menu(self) -> QMenu:
        return self._menu

    @property
    def showing(self) -> bool:
        """The icon is in a system tray (so a hidden window can be found again)."""
        return self.available and self._icon.isVisible()

    def tooltip(self) -> str:
        return self._icon.toolTip()

    @property
    def icon(self) -> QSystemTrayIcon:
        return self._icon

    def update_counts(
        self,
        counts: Mapping[bytes, int],
        names: Mapping[bytes, str],
        modes: Mapping[bytes, NotificationMode] | None = None,
        preview: Preview | None = None,
    ) -> None:
        """New unread counts; rooms whose count went up raise a notification (not on the first report, and
        not when the room's notification mode changed since the last report). One new message is described
        by ``preview`` when given (the notification comes once it answers)."""
        previous = self._known
        previous_modes = self._modes
        self._known = dict(counts)
        self._modes = dict(modes or {})
        if previous is not None and self.notifications_enabled:
            for key, count in counts.items():
                before = previous.get(key)
                if previous_modes.get(key) != self._modes.get(key):
                    continue
                if before is not None and count > before:
                    fresh = count - before
                    name = names.get(key) or "a room"
                    if fresh == 1 and preview is not None:
                        task = asyncio.ensure_future(self._notify_one(key, name, preview))
                        self._previews.add(task)
                        task.add_done_callback(self._previews.discard)
                    else:
                        self.notify(name, count_text(fresh, name), room=key)
        self._set_total(sum(counts.values()))

    async def _notify_one(self, key: bytes, name: str, preview: Preview) -> None:
        try:
            body = await preview(key, name)
        except Exception as exc:  # a store closing under it, say: the count still tells something
            log.info("notification preview failed: %s", type(exc).__name__)
            body = None
        if self.notifications_enabled:
            self.notify(name, body or count_text(1, name), room=key)

    def notify(self, title: str, body: str, *, room: bytes | None = None) -> None:
        """Show a notification; a click on it emits :attr:`roomRequested` with ``room``."""
        self._notified_room = room
        self.notified.emit(title, body)
        if self.available and QSystemTrayIcon.supportsMessages():
            self._icon.showMessage(title, body, self._base_icon, 5000)

    def hide(self) -> None:
        self._icon.hide()

    def _set_total(self, total: int) -> None:
        if total == self._total:
            return
        self._total = total
        self._icon.setIcon(badge_icon(self._base_icon, total))
        self._icon.setToolTip(f"River Desktop — {total} unread" if total else "River Desktop")

    def _on_message_clicked(self) -> None:
        if self._notified_room is not None:
            self.roomRequested.emit(self._notified_room)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.activated.emit()


__all__ = ["RoomNames", "Tray", "badge_icon"]
