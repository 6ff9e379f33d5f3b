"""The room list of one window: the painting delegate and the view, over ``room_list_model``.

The model and the filter proxy live in :mod:`room_list_model`, the row values in :mod:`room_rows`;
their names are re-exported here, where the room list has always been found.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QFont, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from river_desktop.domain.rooms import NotificationMode
from river_desktop.ui import icons
from river_desktop.ui.room_list_model import MIME_TYPE, PRIVATE_TEXT, ModelIndex, RoomFilterProxy, RoomListModel
from river_desktop.ui.room_rows import RoomRow, key_text
from river_desktop.ui.room_sections import RoomSection

WAITING_TEXT = "Waiting for room data…"

_ROLE = Qt.ItemDataRole


class RoomDelegate(QStyledItemDelegate):
    """Paints a room: state icon, name (or the waiting state), an unread badge on the right."""

    PADDING = 8
    ICON = 16

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        height = max(option.fontMetrics.height() + 2 * self.PADDING, 34)
        row = self._row(index)
        if row is not None and row.header:
            height += self._header_height(option)
        return QSize(160, height)

    @staticmethod
    def _header_height(option: QStyleOptionViewItem) -> int:
        return int(option.fontMetrics.height() + 8)

    @staticmethod
    def _row(index: ModelIndex) -> RoomRow | None:
        """The row behind ``index``, read from our model directly (one call instead of a data() per role)."""
        model = index.model()
        if isinstance(model, RoomFilterProxy):
            index = model.mapToSource(index)
            model = model.sourceModel()
        return model.row_at(index.row()) if isinstance(model, RoomListModel) else None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        # Only the item's panel (selection, hover) comes from the style: the text, icons and badge are
        # painted below, so the option is not filled from the model's roles (initStyleOption).
        opt = QStyleOptionViewItem(option)
        row = self._row(index)
        if row is not None and row.header:
            self._paint_header(painter, option, row)
            header = self._header_height(option)
            opt.rect = option.rect.adjusted(0, header, 0, 0)
            option = opt
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        if row is not None:
            waiting, unread, mode, name = row.waiting, row.unread, row.mode, row.display_name
        else:
            waiting = bool(index.data(RoomListModel.WaitingRole))
            unread = int(index.data(RoomListModel.UnreadRole) or 0)
            mode = NotificationMode.parse(index.data(RoomListModel.NotificationModeRole) or "All")
            name = str(index.data(_ROLE.DisplayRole) or "")

        painter.save()
        x = rect.left() + self.PADDING
        right = rect.right() - self.PADDING
        icon_top = rect.top() + (rect.height() - self.ICON) // 2
        # glyphs in the row's own text colours: readable on the selection highlight and in dark themes
        glyph = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText)
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        if waiting:
            waiting_glyph = icons.tinted(icons.WAITING, glyph, self.ICON, ratio)
            painter.drawPixmap(QRect(x, icon_top, self.ICON, self.ICON), waiting_glyph)
            x += self.ICON + 6
        if row is not None and row.private:
            painter.drawPixmap(
                QRect(x, icon_top, self.ICON, self.ICON), icons.tinted(icons.LOCK, glyph, self.ICON, ratio)
            )
            x += self.ICON + 6

        if unread > 0:
            badge_font = QFont(opt.font)
            badge_font.setBold(True)
            badge_font.setPointSizeF(max(badge_font.pointSizeF() * 0.85, 6.0))
            painter.setFont(badge_font)
            text = str(unread) if unread < 1000 else "999+"
            width = max(painter.fontMetrics().horizontalAdvance(text) + 12, 22)
            height = painter.fontMetrics().height() + 4
            badge = QRect(right - width + 1, rect.top() + (rect.height() - height) // 2, width, height)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            muted_badge = mode is NotificationMode.MENTIONS_AND_REPLIES
            painter.setBrush(palette.color(QPalette.ColorRole.Mid if muted_badge else QPalette.ColorRole.Highlight))
            if selected:
                painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(badge, height / 2, height / 2)
            painter.setPen(
                palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.HighlightedText)
            )
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            right = badge.left() - 6

        if mode is not NotificationMode.ALL:
            painter.drawPixmap(
                QRect(right - self.ICON + 1, icon_top, self.ICON, self.ICON),
                icons.tinted(icons.notification_icon_name(mode), glyph, self.ICON, ratio),
            )
            right -= self.ICON + 6

        name_font = QFont(opt.font)
        if unread > 0:
            name_font.setBold(True)
        if waiting:
            name_font.setItalic(True)
        painter.setFont(name_font)
        painter.setPen(palette.color(text_role))
        name_rect = QRect(x, rect.top(), max(right - x, 0), rect.height())
        if waiting:
            metrics = painter.fontMetrics()
            top_half = QRect(name_rect.left(), rect.top() + 3, name_rect.width(), rect.height() // 2)
            painter.drawText(
                top_half,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
            small = QFont(name_font)
            small.setPointSizeF(max(small.pointSizeF() * 0.85, 6.0))
            painter.setFont(small)
            if not selected:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            bottom_half = QRect(
                name_rect.left(), rect.top() + rect.height() // 2 - 1, name_rect.width(), rect.height() // 2
            )
            painter.drawText(
                bottom_half,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                painter.fontMetrics().elidedText(WAITING_TEXT, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
        else:
            painter.drawText(
                name_rect,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
        painter.restore()

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, row: RoomRow) -> None:
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 6.0))
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = QRect(
            option.rect.left() + self.PADDING, option.rect.top(), option.rect.width(), self._header_height(option)
        )
        star = "★ " if row.section is RoomSection.FAVOURITES else ""
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), star + row.header.upper()
        )
        painter.restore()


class RoomListView(QListView):
    """The room list widget (objectName ``roomList``): single selection, internal-move drag and drop.

    Keyboard: arrows / Home / End / Page keys move the selection, Enter opens the room (focus goes to
    the composer), Ctrl+Shift+Up / Down move the room in the list, the Menu key or Shift+F10 opens the
    context menu, F2 edits the room, Delete asks to leave it.
    """

    contextMenuRequested = Signal(object, QPoint)
    """(room key, global position) for the room under the pointer or the current room."""
    moveRequested = Signal(int)
    """-1 / +1: move the current room up / down one place."""
    activatedRoom = Signal(object)
    editRequested = Signal(object)
    leaveRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomList")
        self.setAccessibleName("Rooms")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.setItemDelegate(RoomDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.set_reorder_enabled(True)
        self.activated.connect(self._on_activated)

    def set_reorder_enabled(self, enabled: bool) -> None:
        """Drag-and-drop reorder; turned off while the list is filtered."""
        self.setDragEnabled(enabled)
        self.setAcceptDrops(enabled)
        self.setDropIndicatorShown(enabled)
        self.setDragDropMode(
            QAbstractItemView.DragDropMode.InternalMove if enabled else QAbstractItemView.DragDropMode.NoDragDrop
        )
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    @property
    def reorder_enabled(self) -> bool:
        return self.dragDropMode() == QAbstractItemView.DragDropMode.InternalMove

    def current_key(self) -> bytes | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        value = index.data(RoomListModel.RoomKeyBytesRole)
        return value if isinstance(value, bytes) else None

    def _on_activated(self, index: QModelIndex) -> None:
        value = index.data(RoomListModel.RoomKeyBytesRole)
        if isinstance(value, bytes):
            self.activatedRoom.emit(value)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            if index.isValid():
                self.setCurrentIndex(index)
            pos = event.globalPos()
        else:
            index = self.currentIndex()
            rect = self.visualRect(index) if index.isValid() else self.rect()
            pos = self.viewport().mapToGlobal(rect.center())
        key = self.current_key() if index.isValid() else None
        self.contextMenuRequested.emit(key, pos)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        current = self.current_key()
        if mods == ctrl_shift and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moveRequested.emit(-1 if key == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if current is not None and mods == Qt.KeyboardModifier.NoModifier:
            if key == Qt.Key.Key_F2:
                self.editRequested.emit(current)
                event.accept()
                return
            if key == Qt.Key.Key_Delete:
                self.leaveRequested.emit(current)
                event.accept()
                return
        if key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier:
            index = self.currentIndex()
            rect = self.visualRect(index) if index.isValid() else self.rect()
            self.contextMenuRequested.emit(current, self.viewport().mapToGlobal(rect.center()))
            event.accept()
            return
        super().keyPressEvent(event)


__all__ = [
    "MIME_TYPE",
    "PRIVATE_TEXT",
    "WAITING_TEXT",
    "ModelIndex",
    "RoomDelegate",
    "RoomFilterProxy",
    "RoomListModel",
    "RoomListView",
    "RoomRow",
    "key_text",
]
