"""The message bubbles: author and time, an optional reply quote, the wrapped text.

Row heights are cached per width and content (a list with varying heights measures every row often).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from river_desktop.ui.message_model import MessageListModel, format_time

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole

# --- the delegate --------------------------------------------------------------------------------


class _FontSet:
    """The message bubble's fonts (body, bold author, small time, italic quote) and their metrics."""

    def __init__(self, base: QFont) -> None:
        self.body = QFont(base)
        self.author = QFont(base)
        self.author.setBold(True)
        self.small = QFont(base)
        self.small.setPointSizeF(max(base.pointSizeF() * 0.85, 6.0))
        self.quote = QFont(self.small)
        self.quote.setItalic(True)
        self.author_fm = QFontMetrics(self.author)
        self.small_fm = QFontMetrics(self.small)
        self.quote_fm = QFontMetrics(self.quote)


class MessageDelegate(QStyledItemDelegate):
    """Chat bubbles: author and time, an optional quote of the replied message, the wrapped text.

    Own messages sit on the right in a tinted bubble; everyone else's on the left.
    """

    MARGIN = 4
    PAD = 8
    GAP = 3
    BAR = 3
    MAX_FRACTION = 0.8
    HEADER_GAP = 12

    SIZE_CACHE_LIMIT = 20_000

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self.setObjectName("messageDelegate")
        self._view = view
        self._heights: dict[tuple[object, ...], int] = {}
        self._font_sets: dict[str, _FontSet] = {}

    # fonts
    def _font_set(self, option: QStyleOptionViewItem) -> _FontSet:
        """The four fonts and their metrics for the view's font (made once per font)."""
        key = option.font.key()
        fonts = self._font_sets.get(key)
        if fonts is None:
            fonts = self._font_sets[key] = _FontSet(option.font)
        return fonts

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont, QFont]:
        f = self._font_set(option)
        return f.body, f.author, f.small, f.quote

    @staticmethod
    def _content(index: ModelIndex) -> tuple[str, str, str, str | None, bool, str]:
        """(text, author, time, reply quote, own, message id) of a row; read straight from our model."""
        model = index.model()
        if isinstance(model, MessageListModel):
            msg = model.message_at(index.row())
            if msg is not None:
                room = model.room()
                own = room is not None and msg.author_vk == room.self_vk
                return (
                    msg.text,
                    model.author(msg.author_vk),
                    format_time(msg.timestamp),
                    model.reply_snippet(msg),
                    own,
                    msg.id,
                )
        reply = index.data(MessageListModel.ReplyToRole)
        return (
            str(index.data(_ROLE.DisplayRole) or ""),
            str(index.data(MessageListModel.AuthorRole) or ""),
            format_time(int(index.data(MessageListModel.TimestampRole) or 0)),
            str(reply) if reply else None,
            bool(index.data(MessageListModel.IsOwnRole)),
            str(index.data(MessageListModel.MessageIdRole) or ""),
        )

    def _row_width(self, option: QStyleOptionViewItem) -> int:
        """The width rows are wrapped to: the viewport's width *with* the vertical scroll bar, shown or
        not — otherwise the bar appearing (a room filling the view) would re-measure every row."""
        view = self._view
        bar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view)
        width = view.width() - 2 * view.frameWidth() - bar
        if width <= 0:
            width = option.rect.width()
        return max(width, 120)

    @staticmethod
    def _layout_text(text: str, font: QFont, width: int) -> tuple[QTextLayout, int, int]:
        """Wrapped text: (layout, height, widest line) for ``width`` pixels."""
        layout = QTextLayout(text.replace("\r\n", "\n").replace("\n", "\u2028"), font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        height = 0.0
        widest = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, height))
            height += line.height()
            widest = max(widest, line.naturalTextWidth())
        layout.endLayout()
        return layout, int(height + 0.999), int(widest + 0.999)

    def _geometry(
        self, option: QStyleOptionViewItem, index: ModelIndex
    ) -> tuple[int, int, int, tuple[QFont, QFont, QFont, QFont], QTextLayout, int]:
        """(bubble width, bubble height, text width, fonts, body layout, body height)."""
        f = self._font_set(option)
        text, author, stamp, reply, _own, _id = self._content(index)
        row_width = self._row_width(option)
        max_bubble = max(int(row_width * self.MAX_FRACTION), 80)
        text_width = max_bubble - 2 * self.PAD
        layout, body_h, body_w = self._layout_text(text, f.body, text_width)
        header_w = f.author_fm.horizontalAdvance(author) + self.HEADER_GAP + f.small_fm.horizontalAdvance(stamp)
        header_h = max(f.author_fm.height(), f.small_fm.height())
        content_w = max(body_w, header_w)
        height = header_h + self.GAP + body_h
        if reply:
            content_w = max(content_w, min(f.quote_fm.horizontalAdvance(reply) + self.BAR + 6, text_width))
            height += f.quote_fm.height() + self.GAP
        bubble_w = min(content_w, text_width) + 2 * self.PAD
        bubble_h = height + 2 * self.PAD
        return bubble_w, bubble_h, text_width, (f.body, f.author, f.small, f.quote), layout, body_h

    def _place(self, rect: QRect, width: int, height: int, own: bool) -> QRect:
        left = rect.right() - self.MARGIN * 2 - width if own else rect.left() + self.MARGIN * 2
        return QRect(left, rect.top() + self.MARGIN, width, height)

    def bubble_rect(self, option: QStyleOptionViewItem, index: ModelIndex) -> QRect:
        """Where the bubble of ``index`` is drawn inside ``option.rect`` (own messages on the right)."""
        bubble_w, bubble_h, _, _, _, _ = self._geometry(option, index)
        return self._place(option.rect, bubble_w, bubble_h, bool(index.data(MessageListModel.IsOwnRole)))

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        # A list with varying row heights asks for every row's size on each layout pass (showing a
        # room, scrolling to the bottom, every resize); wrapping the text is the costly part, so a
        # message's height is kept per width and per everything else the bubble shows.
        _text, author, stamp, reply, _own, message_id = self._content(index)
        key = (message_id, author, stamp, reply, self._row_width(option), option.font.key())
        height = self._heights.get(key)
        if height is None:
            _, bubble_h, _, _, _, _ = self._geometry(option, index)
            if len(self._heights) >= self.SIZE_CACHE_LIMIT:
                self._heights.clear()
            height = self._heights[key] = bubble_h
        return QSize(max(self._view.viewport().width() - 1, 1), height + 2 * self.MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        bubble_w, bubble_h, _, fonts, layout, _ = self._geometry(option, index)
        _, author_font, small_font, quote_font = fonts
        rect: QRect = option.rect
        palette: QPalette = option.palette
        state = option.state
        _text, author, stamp, reply, own, _id = self._content(index)
        bubble = self._place(rect, bubble_w, bubble_h, own)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        base = palette.color(QPalette.ColorRole.Base)
        if own:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(60)
        else:
            fill = palette.color(QPalette.ColorRole.AlternateBase)
            if fill == base:
                fill = base.darker(108) if base.lightness() > 128 else base.lighter(130)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 8, 8)
        if state & QStyle.StateFlag.State_Selected:
            pen_color = palette.color(QPalette.ColorRole.Highlight)
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(bubble.adjusted(0, 0, -1, -1), 8, 8)

        x = bubble.left() + self.PAD
        y = bubble.top() + self.PAD
        inner_w = bubble_w - 2 * self.PAD
        text_color = palette.color(QPalette.ColorRole.Text)
        dim = palette.color(QPalette.ColorRole.PlaceholderText)

        fset = self._font_set(option)
        author_fm = fset.author_fm
        small_fm = fset.small_fm
        header_h = max(author_fm.height(), small_fm.height())
        stamp_w = small_fm.horizontalAdvance(stamp)
        painter.setFont(author_font)
        painter.setPen(text_color)
        author_w = max(inner_w - stamp_w - self.HEADER_GAP + 4, 20)
        painter.drawText(
            QRect(x, y, author_w, header_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            author_fm.elidedText(author, Qt.TextElideMode.ElideRight, author_w),
        )
        painter.setFont(small_font)
        painter.setPen(dim)
        painter.drawText(
            QRect(x + inner_w - stamp_w, y, stamp_w, header_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            stamp,
        )
        y += header_h + self.GAP

        if reply:
            quote_fm = fset.quote_fm
            bar = QRect(x, y, self.BAR, quote_fm.height())
            painter.fillRect(bar, palette.color(QPalette.ColorRole.Highlight))
            painter.setFont(quote_font)
            painter.setPen(dim)
            quote_w = inner_w - self.BAR - 6
            painter.drawText(
                QRect(x + self.BAR + 6, y, quote_w, quote_fm.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                quote_fm.elidedText(reply, Qt.TextElideMode.ElideRight, quote_w),
            )
            y += quote_fm.height() + self.GAP

        painter.setPen(text_color)
        layout.draw(painter, QPointF(x, y))
        painter.restore()


__all__ = ["MessageDelegate"]
