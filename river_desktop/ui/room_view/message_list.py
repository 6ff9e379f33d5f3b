"""The message list view: links and reaction chips under the mouse, and sticking to the bottom."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QListView, QStyleOptionViewItem, QWidget

from river_desktop.ui.room_view.message_delegate import MessageDelegate
from river_desktop.ui.room_view.message_model import Reaction


def open_in_browser(url: str) -> bool:
    """Hand ``url`` to the desktop's browser (the only place a link leaves the app; tests replace it)."""
    return QDesktopServices.openUrl(QUrl(url))


class MessageListView(QListView):
    """The message list; keeps itself scrolled to the bottom across resizes while it was there.

        A click on a link emits :attr:`link_activated` with its address (the view asks before opening it), one
    on a reaction chip :attr:`reaction_clicked`, one on a reply's quote :attr:`quote_clicked`.
    """

    link_activated = Signal(str)
    reaction_clicked = Signal(QModelIndex, object)
    quote_clicked = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageList")
        self.stick_to_bottom = True
        self.setMouseTracking(True)

    def _option_at(self, point: QPoint) -> tuple[QModelIndex, QStyleOptionViewItem, MessageDelegate] | None:
        index = self.indexAt(point)
        delegate = self.itemDelegate()
        if not index.isValid() or not isinstance(delegate, MessageDelegate):
            return None
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        return index, option, delegate

    def quote_at(self, point: QPoint) -> QModelIndex | None:
        """The reply whose quote is under ``point`` (viewport coordinates), or None."""
        found = self._option_at(point)
        if found is None:
            return None
        index, option, delegate = found
        rect = delegate.quote_rect(option, index)
        return index if rect is not None and rect.contains(point) else None

    def link_at(self, point: QPoint) -> str | None:
        """The link under ``point`` (viewport coordinates), or None."""
        found = self._option_at(point)
        if found is None:
            return None
        index, option, delegate = found
        return delegate.link_at(option, index, point)

    def reaction_at(self, point: QPoint) -> tuple[QModelIndex, Reaction] | None:
        """The reaction chip under ``point`` (viewport coordinates) and its row, or None."""
        found = self._option_at(point)
        if found is None:
            return None
        index, option, delegate = found
        reaction = delegate.reaction_at(option, index, point)
        return None if reaction is None else (index, reaction)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        point = event.position().toPoint()
        over_link = (
            self.link_at(point) is not None or self.reaction_at(point) is not None or self.quote_at(point) is not None
        )
        if over_link:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            point = event.position().toPoint()
            url = self.link_at(point)
            if url is not None:
                self.link_activated.emit(url)
                return
            chip = self.reaction_at(point)
            if chip is not None:
                self.reaction_clicked.emit(QModelIndex(chip[0]), chip[1])
                return
            quote = self.quote_at(point)
            if quote is not None:
                self.quote_clicked.emit(QModelIndex(quote))

    def resizeEvent(self, event: QResizeEvent) -> None:
        stick = self.stick_to_bottom
        super().resizeEvent(event)
        if stick:
            self.scrollToBottom()

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4


__all__ = ["MessageListView", "open_in_browser"]
