"""Jump to the first unread message and to the newest: two actions (in the shortcut list, working anywhere in
the room view) and two floating buttons over the message list that show only when they would move it.

The first unread message is fixed when a room is shown (the first message after its read marker then), as
Telegram and Element keep their divider: reading on does not move it until the room is shown again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QToolButton, QWidget

from river_desktop.domain.rooms import ReadMarker, RoomData
from river_desktop.ui.room_view.message_delegate import MessageDelegate
from river_desktop.ui.room_view.message_list import MessageListView
from river_desktop.ui.room_view.message_model import MessageListModel, ShownMessage

JUMP_UNREAD_KEYS = "Shift+PgUp"
JUMP_NEWEST_KEYS = "Ctrl+End"
_EDGE = 10


def first_unread(room: RoomData | None, rows: list[ShownMessage]) -> int | None:
    """The first message after ``room``'s read marker (River's (time, id) order), or None when all are read
    or the room was never read (then there is nothing to tell apart)."""
    if room is None or room.last_read is None:
        return None
    for row in rows:
        t = row.item.time
        if ReadMarker(t.secs, t.nanos, row.id) > room.last_read:
            return row.id
    return None


class Jumps(QObject):
    """The jump actions and buttons of one room view."""

    def __init__(self, view: QWidget, messages: MessageListView, model: MessageListModel, delegate: MessageDelegate):
        super().__init__(view)
        self._list = messages
        self._model = model
        self._delegate = delegate

        self.actionJumpUnread = self._action(view, "actionJumpUnread", "Jump to First &Unread", JUMP_UNREAD_KEYS)
        self.actionJumpUnread.triggered.connect(self.jump_to_first_unread)
        self.actionJumpNewest = self._action(view, "actionJumpNewest", "Jump to &Newest", JUMP_NEWEST_KEYS)
        self.actionJumpNewest.triggered.connect(self.jump_to_newest)

        self.unreadButton = self._button("jumpUnreadButton", "↑ New messages", self.actionJumpUnread)
        self.newestButton = self._button("jumpNewestButton", "↓ Newest", self.actionJumpNewest)

        # One update per burst of changes, after the list has laid itself out: asking the list where a row
        # is while a layout is pending would lay out every row again, once per signal.
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.update_buttons)
        bar = messages.verticalScrollBar()
        for signal in (bar.valueChanged, bar.rangeChanged, model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._schedule)
        messages.installEventFilter(self)
        self.update_buttons()

    @staticmethod
    def _action(view: QWidget, name: str, text: str, keys: str) -> QAction:
        action = QAction(text, view)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        view.addAction(action)
        return action

    def _button(self, name: str, text: str, action: QAction) -> QToolButton:
        button = QToolButton(self._list)
        button.setObjectName(name)
        button.setText(text)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(f"{action.text().replace('&', '')} ({keys})")
        button.setAccessibleName(action.text().replace("&", ""))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the actions' keys are the keyboard path
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(action.trigger)
        button.hide()
        return button

    # -- state

    def room_shown(self, room: RoomData | None, rows: list[ShownMessage]) -> None:
        """A different room is shown with ``rows``: the divider goes above its first unread message."""
        self._delegate.first_unread = first_unread(room, rows)

    def first_unread_id(self) -> int | None:
        return self._delegate.first_unread

    def first_unread_row(self) -> int:
        first = self._delegate.first_unread
        return -1 if first is None else self._model.row_of(first)

    # -- jumping

    def jump_to_first_unread(self) -> bool:
        """Show the divider's message at the top of the list and select it; False without one."""
        row = self.first_unread_row()
        if row < 0:
            return False
        index = self._model.index(row)
        self._list.setCurrentIndex(index)
        self._list.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        self._list.stick_to_bottom = self._list.at_bottom()
        self.update_buttons()
        return True

    def jump_to_newest(self) -> None:
        rows = self._model.rowCount()
        if rows:
            self._list.setCurrentIndex(self._model.index(rows - 1))
        self._list.scrollToBottom()
        self._list.stick_to_bottom = True
        self.update_buttons()

    def _schedule(self, *_: object) -> None:
        self._update_actions()
        self._pending.start()

    def _update_actions(self) -> None:
        self.actionJumpUnread.setEnabled(self.first_unread_row() >= 0)
        self.actionJumpNewest.setEnabled(self._model.rowCount() > 0)

    def update_buttons(self, *_: object) -> None:
        self._update_actions()
        row = self.first_unread_row()
        unread_above = False
        if row >= 0:
            rect = self._list.visualRect(self._model.index(row))
            unread_above = rect.bottom() < 0
        self.unreadButton.setVisible(unread_above)
        self.newestButton.setVisible(self._model.rowCount() > 0 and not self._list.at_bottom())
        self._place()

    def _place(self) -> None:
        viewport = self._list.viewport().geometry()
        for button in (self.unreadButton, self.newestButton):
            button.adjustSize()
        top = self.unreadButton
        top.move(QPoint(viewport.center().x() - top.width() // 2, viewport.top() + _EDGE))
        bottom = self.newestButton
        bottom.move(QPoint(viewport.right() - bottom.width() - _EDGE, viewport.bottom() - bottom.height() - _EDGE))
        top.raise_()
        bottom.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._list and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._schedule()
        return super().eventFilter(watched, event)


__all__ = ["JUMP_NEWEST_KEYS", "JUMP_UNREAD_KEYS", "Jumps", "first_unread"]
