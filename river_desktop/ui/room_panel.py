"""The window's left side: the Ctrl+K filter, the room list, the Archive toggle and New Room / Join.

The panel owns the filter box's keys (Esc clears it and goes to the list; Down or Enter takes the
shown room) and says so with :attr:`RoomPanel.filterAccepted`; which room that is, the window decides.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from river_desktop.ui import room_sections
from river_desktop.ui.room_list import RoomListView
from river_desktop.ui.room_list_model import RoomFilterProxy


class RoomPanel(QWidget):
    """The room list with its filter and buttons, over the window's filter proxy."""

    filterAccepted = Signal()

    def __init__(self, proxy: RoomFilterProxy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        self.roomFilter = QLineEdit(self)
        self.roomFilter.setObjectName("roomFilter")
        self.roomFilter.setPlaceholderText("Find a room (Ctrl+K)")
        self.roomFilter.setClearButtonEnabled(True)
        self.roomFilter.setAccessibleName("Filter rooms")
        self.roomFilter.returnPressed.connect(self.filterAccepted)
        self.roomFilter.installEventFilter(self)
        self.roomList = RoomListView(self)
        self.roomList.setModel(proxy)
        buttons = QHBoxLayout()
        self.createRoomButton = QPushButton("New Room", self)
        self.createRoomButton.setObjectName("createRoomButton")
        self.joinButton = QPushButton("Join…", self)
        self.joinButton.setObjectName("joinButton")
        buttons.addWidget(self.createRoomButton)
        buttons.addWidget(self.joinButton)
        layout.addWidget(self.roomFilter)
        layout.addWidget(self.roomList, 1)
        self.archiveToggle = room_sections.ArchiveToggle(self)
        self.archiveToggle.toggled.connect(proxy.set_show_archive)
        layout.addWidget(self.archiveToggle)
        layout.addLayout(buttons)

    def focus_filter(self) -> None:
        self.roomFilter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.roomFilter.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.roomFilter and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.roomFilter.clear()
                self.roomList.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            if event.key() == Qt.Key.Key_Down:
                self.filterAccepted.emit()
                return True
        return super().eventFilter(watched, event)


__all__ = ["RoomPanel"]
