"""Scrolling in the room view: stick to the newest message, ask for older pages at the top, keep the
reader's place when a page is inserted above, and say once when the newest message has been seen.

A mixin of :class:`~river_desktop.ui.room_view.RoomView` (it needs the view's model, list and room).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, SignalInstance

from river_desktop.domain.rooms import ReadMarker, RoomData
from river_desktop.ui.room_view.message_list import MessageListView
from river_desktop.ui.room_view.message_model import MessageListModel, ShownMessage


def read_marker(message: ShownMessage) -> ReadMarker:
    """The read marker that ``message`` being seen sets: River's (time, id) order."""
    t = message.item.time
    return ReadMarker(t.secs, t.nanos, message.id)


class ScrollingMixin:
    """The view's scroll bar handlers; ``_adjusting`` marks the view's own scrolling, which they ignore."""

    model: MessageListModel
    messageList: MessageListView
    older_requested: SignalInstance
    message_read: SignalInstance
    _room: RoomData | None
    _older_pending: bool
    _older_exhausted: bool
    _adjusting: bool
    _read_emitted: dict[bytes, int]

    if TYPE_CHECKING:  # QWidget's, which the view brings; defined here it would shadow it

        def isVisible(self) -> bool: ...

    def _scroll_to_bottom(self) -> None:
        self._adjusting = True
        try:
            self.messageList.scrollToBottom()
        finally:
            self._adjusting = False
        self.messageList.stick_to_bottom = True

    def _scrolled(self, value: int) -> None:
        if self._adjusting:
            return
        bar = self.messageList.verticalScrollBar()
        self.messageList.stick_to_bottom = value >= bar.maximum() - 4
        if value <= bar.minimum() and bar.maximum() > bar.minimum():
            self._request_older()
        elif value > bar.minimum() + 48:
            self._older_pending = False
        if self.messageList.stick_to_bottom:
            self._maybe_read()

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._adjusting or not self.messageList.stick_to_bottom:
            return
        self._adjusting = True
        try:
            self.messageList.verticalScrollBar().setValue(maximum)
        finally:
            self._adjusting = False

    def _request_older(self) -> None:
        if self._room is None or self._older_pending or self._older_exhausted or self.model.rowCount() == 0:
            return
        self._older_pending = True
        self.older_requested.emit()

    def _capture_anchor(self) -> tuple[int, int] | None:
        """The top visible message and its pixel offset, to pin it across insertions above it."""
        view = self.messageList
        if self.model.rowCount() == 0:
            return None
        index = view.indexAt(QPoint(view.viewport().width() // 2, 1))
        if not index.isValid():
            index = view.indexAt(QPoint(1, 1))
        if not index.isValid():
            return None
        return int(index.data(MessageListModel.MessageIdRole)), view.visualRect(index).top()

    def _restore_anchor(self, anchor: tuple[int, int] | None) -> None:
        if anchor is None:
            return
        message_id, top = anchor
        row = self.model.row_of(message_id)
        if row < 0:
            return
        rect = self.messageList.visualRect(self.model.index(row))
        bar = self.messageList.verticalScrollBar()
        self._adjusting = True
        try:
            bar.setValue(bar.value() + rect.top() - top)
        finally:
            self._adjusting = False
        self.messageList.stick_to_bottom = self.messageList.at_bottom()

    def _maybe_read(self) -> None:
        """Tell the window the newest message has been seen (visible, scrolled to the bottom) once."""
        room = self._room
        last = self.model.last_message()
        if room is None or last is None or not self.isVisible() or not self.messageList.stick_to_bottom:
            return
        if room.last_read is not None and read_marker(last) <= room.last_read:
            return
        if self._read_emitted.get(room.owner_vk) == last.id:
            return
        self._read_emitted[room.owner_vk] = last.id
        self.message_read.emit(last)


__all__ = ["ScrollingMixin", "read_marker"]
