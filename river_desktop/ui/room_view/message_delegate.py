"""The message bubbles: author and time ("edited" when it was), an optional reply quote, the wrapped
text (placeholders in italics), and the reactions as chips with counts, yours highlighted.

Row heights are cached per width and content (a list with varying heights measures every row often).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from river_desktop.domain.river.views import MessageKind
from river_desktop.ui.room_view import markdown, markdown_layout
from river_desktop.ui.room_view.day_separators import Band, band_height, band_of, paint_band
from river_desktop.ui.room_view.links import Link, find_links
from river_desktop.ui.room_view.mentions import mention_fill
from river_desktop.ui.room_view.message_model import MessageListModel, Reaction, format_time

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole

def shown_text(text: str) -> str:
    """The message text as laid out (line breaks as U+2028, so one layout wraps the whole message)."""
    return text.replace("\r\n", "\n").replace("\n", "\u2028")


@dataclass(frozen=True)
class _Geometry:
    bubble_w: int
    bubble_h: int
    layout: QTextLayout
    body_h: int
    one_line_header: bool
    header_h: int
    links: tuple[Link, ...]
    own: bool
    reply: str | None
    chips: tuple[tuple[Reaction, QRect], ...]
    """Each reaction chip and where it sits, relative to the bubble's top-left corner."""
    placeholder: bool
    band: Band | None = None
    """The day label and / or unread divider drawn above the bubble (:mod:`.day_separators`)."""
    band_h: int = 0


@dataclass(frozen=True)
class _Content:
    text: str
    author: str
    stamp: str
    reply: str | None
    own: bool
    message_id: int
    reactions: tuple[Reaction, ...]
    placeholder: bool
    """The text is not the author's words (an event, an unknown type, a body we cannot read)."""


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
        self.body_fm = QFontMetrics(self.body)
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
        self.first_unread: int | None = None
        """The message the "New messages" divider stands above (set by the view when it shows a room)."""

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
    def _content(index: ModelIndex) -> _Content:
        """What a row shows; read straight from our model (its roles otherwise)."""
        model = index.model()
        if isinstance(model, MessageListModel):
            msg = model.message_at(index.row())
            if msg is not None:
                item = msg.item
                stamp = format_time(msg.timestamp) + (" · edited" if item.edited else "")
                return _Content(
                    model.markdown_text(msg),
                    model.author(msg.author_id),
                    stamp,
                    model.reply_snippet(msg),
                    model.is_own(msg),
                    msg.id,
                    model.reactions(msg),
                    item.text is None or item.kind in (MessageKind.EVENT, MessageKind.UNKNOWN, MessageKind.UNREADABLE),
                )
        reply = index.data(MessageListModel.ReplyToRole)
        edited = " · edited" if index.data(MessageListModel.EditedRole) else ""
        return _Content(
            str(index.data(_ROLE.DisplayRole) or ""),
            str(index.data(MessageListModel.AuthorRole) or ""),
            format_time(int(index.data(MessageListModel.TimestampRole) or 0)) + edited,
            str(reply) if reply else None,
            bool(index.data(MessageListModel.IsOwnRole)),
            int(index.data(MessageListModel.MessageIdRole) or 0),
            tuple(index.data(MessageListModel.ReactionsRole) or ()),
            False,
        )

    @staticmethod
    def chip_label(reaction: Reaction) -> str:
        return f"{reaction.emoji} {reaction.count}"

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
    def _layout_text(
        text: str, font: QFont, width: int, links: Sequence[Link] = (), link_color: QColor | None = None
    ) -> tuple[QTextLayout, int, int]:
        """Wrapped text: (layout, height, widest line) for ``width`` pixels; links underlined."""
        layout = QTextLayout(shown_text(text), font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        if links:
            ranges = []
            for link in links:
                fmt = QTextCharFormat()
                fmt.setFontUnderline(True)
                if link_color is not None:
                    fmt.setForeground(link_color)
                span = QTextLayout.FormatRange()
                span.start, span.length, span.format = link.start, link.end - link.start, fmt
                ranges.append(span)
            layout.setFormats(ranges)
        height, widest = markdown_layout.wrap(layout, width)
        return layout, height, widest

    CHIP_PAD = 6
    CHIP_GAP = 4

    def _chips(
        self, f: _FontSet, reactions: Sequence[Reaction], width: int
    ) -> tuple[list[tuple[Reaction, QRect]], int, int]:
        """Chips flowed into rows of ``width``: (chips with rects from (0, 0), height, widest row)."""
        placed: list[tuple[Reaction, QRect]] = []
        h = f.body_fm.height() + 4
        x = y = widest = 0
        for reaction in reactions:
            w = f.body_fm.horizontalAdvance(self.chip_label(reaction)) + 2 * self.CHIP_PAD
            if x > 0 and x + w > width:
                x, y = 0, y + h + self.CHIP_GAP
            placed.append((reaction, QRect(x, y, w, h)))
            x += w + self.CHIP_GAP
            widest = max(widest, x - self.CHIP_GAP)
        return placed, (y + h if placed else 0), widest

    def _geometry(self, option: QStyleOptionViewItem, index: ModelIndex) -> _Geometry:
        f = self._font_set(option)
        content = self._content(index)
        text, author, stamp, reply = content.text, content.author, content.stamp, content.reply
        row_width = self._row_width(option)
        max_bubble = max(int(row_width * self.MAX_FRACTION), 80)
        text_width = max_bubble - 2 * self.PAD
        if content.placeholder:
            links: tuple[Link, ...] = ()
            layout, body_h, body_w = self._layout_text(text, f.quote, text_width)
        else:
            layout, body_h, body_w, links = markdown_layout.lay_out(
                markdown.render(text), f.body, text_width, option.palette
            )
        author_w = f.author_fm.horizontalAdvance(author)
        stamp_w = f.small_fm.horizontalAdvance(stamp) + 2  # + rounding slack: never elided when it fits
        one_line = author_w + self.HEADER_GAP + stamp_w <= text_width
        if one_line:
            header_h = max(f.author_fm.height(), f.small_fm.height())
            content_w = max(body_w, author_w + self.HEADER_GAP + stamp_w)
        else:  # too narrow for both side by side: the time goes under the author, never over it
            header_h = f.author_fm.height() + f.small_fm.height()
            content_w = max(body_w, min(author_w, text_width), stamp_w)
        height = header_h + self.GAP + body_h
        if reply:
            content_w = max(content_w, min(f.quote_fm.horizontalAdvance(reply) + self.BAR + 6, text_width))
            height += f.quote_fm.height() + self.GAP
        chips, chips_h, chips_w = self._chips(f, content.reactions, text_width)
        if chips:
            content_w = max(content_w, min(chips_w, text_width))
            top = self.PAD + height + self.GAP
            chips = [(r, rect.translated(self.PAD, top)) for r, rect in chips]
            height += self.GAP + chips_h
        bubble_w = min(content_w, text_width) + 2 * self.PAD
        band = self.band(index)
        return _Geometry(
            bubble_w,
            height + 2 * self.PAD,
            layout,
            body_h,
            one_line,
            header_h,
            links,
            content.own,
            reply,
            tuple(chips),
            content.placeholder,
            band,
            band_height(band, option.font),
        )

    def band(self, index: ModelIndex) -> Band | None:
        """What stands above the message at ``index``: its day when the day changes, the unread divider."""
        return band_of(index, MessageListModel.TimestampRole, MessageListModel.MessageIdRole, self.first_unread)

    def _place(self, rect: QRect, width: int, height: int, own: bool) -> QRect:
        left = rect.right() - self.MARGIN * 2 - width if own else rect.left() + self.MARGIN * 2
        return QRect(left, rect.top() + self.MARGIN, width, height)

    def bubble_rect(self, option: QStyleOptionViewItem, index: ModelIndex) -> QRect:
        """Where the bubble of ``index`` is drawn inside ``option.rect`` (own messages on the right)."""
        g = self._geometry(option, index)
        return self._place(option.rect.adjusted(0, g.band_h, 0, 0), g.bubble_w, g.bubble_h, g.own)

    def header_rects(self, option: QStyleOptionViewItem, index: ModelIndex) -> tuple[QRect, QRect]:
        """Where the author's name and the time are drawn: side by side when both fit, else stacked."""
        return self._header_rects(option, self._geometry(option, index), index)

    def chip_rects(self, option: QStyleOptionViewItem, index: ModelIndex) -> list[tuple[Reaction, QRect]]:
        """Each reaction chip of ``index`` and where it is drawn (viewport coordinates)."""
        g = self._geometry(option, index)
        bubble = self._place(option.rect.adjusted(0, g.band_h, 0, 0), g.bubble_w, g.bubble_h, g.own)
        return [(r, rect.translated(bubble.topLeft())) for r, rect in g.chips]

    def reaction_at(self, option: QStyleOptionViewItem, index: ModelIndex, point: QPoint) -> Reaction | None:
        """The reaction chip under ``point`` (viewport coordinates), or None."""
        for reaction, rect in self.chip_rects(option, index):
            if rect.contains(point):
                return reaction
        return None

    def _header_rects(self, option: QStyleOptionViewItem, g: _Geometry, index: ModelIndex) -> tuple[QRect, QRect]:
        f = self._font_set(option)
        stamp = self._content(index).stamp
        bubble = self._place(option.rect.adjusted(0, g.band_h, 0, 0), g.bubble_w, g.bubble_h, g.own)
        x, y = bubble.left() + self.PAD, bubble.top() + self.PAD
        inner_w = g.bubble_w - 2 * self.PAD
        stamp_w = min(f.small_fm.horizontalAdvance(stamp) + 2, inner_w)
        if g.one_line_header:
            author = QRect(x, y, max(inner_w - stamp_w - self.HEADER_GAP, 0), g.header_h)
            return author, QRect(x + inner_w - stamp_w, y, stamp_w, g.header_h)
        author_h = f.author_fm.height()
        return QRect(x, y, inner_w, author_h), QRect(x, y + author_h, stamp_w, f.small_fm.height())

    def quote_rect(self, option: QStyleOptionViewItem, index: ModelIndex) -> QRect | None:
        """Where a reply's quote of the original is drawn (viewport coordinates), or None."""
        g = self._geometry(option, index)
        if not g.reply:
            return None
        origin = self._body_origin(option, g)
        height = self._font_set(option).quote_fm.height()
        return QRect(int(origin.x()), int(origin.y()) - height - self.GAP, g.bubble_w - 2 * self.PAD, height)

    def _body_origin(self, option: QStyleOptionViewItem, g: _Geometry) -> QPointF:
        bubble = self._place(option.rect.adjusted(0, g.band_h, 0, 0), g.bubble_w, g.bubble_h, g.own)
        y = bubble.top() + self.PAD + g.header_h + self.GAP
        if g.reply:
            y += self._font_set(option).quote_fm.height() + self.GAP
        return QPointF(bubble.left() + self.PAD, y)

    def link_at(self, option: QStyleOptionViewItem, index: ModelIndex, point: QPoint) -> str | None:
        """The link under ``point`` (in the view's viewport coordinates), or None."""
        g = self._geometry(option, index)
        if not g.links:
            return None
        origin = self._body_origin(option, g)
        local = QPointF(point) - origin
        for number in range(g.layout.lineCount()):
            line = g.layout.lineAt(number)
            if line.rect().contains(local) and local.x() <= line.naturalTextWidth():
                position = line.xToCursor(local.x(), QTextLine.CursorPosition.CursorBetweenCharacters)
                for link in g.links:
                    if link.start <= position < link.end:
                        return link.url
        return None

    def text_layout(self, option: QStyleOptionViewItem, index: ModelIndex) -> QTextLayout:
        """The message's text as painted: wrapped, with its markdown styles as format ranges."""
        return self._geometry(option, index).layout

    def links_of(self, index: ModelIndex) -> list[str]:
        """The links in a message, in order (for the keyboard path: "Open Link…")."""
        content = self._content(index)
        if content.placeholder:
            return []
        return [link.url for link in markdown.render(content.text).links]

    def helpEvent(
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem, index: ModelIndex
    ) -> bool:
        """Over a reaction chip the tooltip names who reacted."""
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            reaction = self.reaction_at(option, index, event.pos())
            if reaction is not None:
                QToolTip.showText(event.globalPos(), reaction_tooltip(reaction), view)
                return True
        return super().helpEvent(event, view, option, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        # A list with varying row heights asks for every row's size on each layout pass (showing a
        # room, scrolling to the bottom, every resize); wrapping the text is the costly part, so a
        # message's height is kept per width and per everything else the bubble shows.
        c = self._content(index)
        chips = tuple(self.chip_label(r) for r in c.reactions)
        band = self.band(index)
        width, font = self._row_width(option), option.font.key()
        key = (c.message_id, c.text, c.author, c.stamp, c.reply, chips, band, width, font)
        height = self._heights.get(key)
        if height is None:
            g = self._geometry(option, index)
            height = g.bubble_h + g.band_h
            if len(self._heights) >= self.SIZE_CACHE_LIMIT:
                self._heights.clear()
            self._heights[key] = height
        return QSize(max(self._view.viewport().width() - 1, 1), height + 2 * self.MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        g = self._geometry(option, index)
        fset = self._font_set(option)
        palette: QPalette = option.palette
        content = self._content(index)
        author, stamp, reply, own = content.author, content.stamp, content.reply, content.own
        bubble = self._place(option.rect.adjusted(0, g.band_h, 0, 0), g.bubble_w, g.bubble_h, own)

        painter.save()
        if g.band is not None:
            paint_band(painter, option.rect.adjusted(0, self.MARGIN, 0, 0), g.band, option.font, palette)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        base = palette.color(QPalette.ColorRole.Base)
        if own:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(60)
        else:
            fill = palette.color(QPalette.ColorRole.AlternateBase)
            if fill == base:
                fill = base.darker(108) if base.lightness() > 128 else base.lighter(130)
            if index.data(MessageListModel.MentionsYouRole):
                fill = mention_fill(palette)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 8, 8)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(bubble.adjusted(0, 0, -1, -1), 8, 8)

        text_color = palette.color(QPalette.ColorRole.Text)
        dim = palette.color(QPalette.ColorRole.PlaceholderText)
        author_rect, stamp_rect = self._header_rects(option, g, index)
        left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.setFont(fset.author)
        painter.setPen(text_color)
        painter.drawText(
            author_rect, left, fset.author_fm.elidedText(author, Qt.TextElideMode.ElideRight, author_rect.width())
        )
        painter.setFont(fset.small)
        painter.setPen(dim)
        painter.drawText(
            stamp_rect,
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if g.one_line_header else left,
            fset.small_fm.elidedText(stamp, Qt.TextElideMode.ElideRight, stamp_rect.width()),
        )

        origin = self._body_origin(option, g)
        if reply:
            quote_fm = fset.quote_fm
            x, y = int(origin.x()), int(origin.y()) - quote_fm.height() - self.GAP
            inner_w = g.bubble_w - 2 * self.PAD
            painter.fillRect(QRect(x, y, self.BAR, quote_fm.height()), palette.color(QPalette.ColorRole.Highlight))
            painter.setFont(fset.quote)
            painter.setPen(dim)
            quote_w = inner_w - self.BAR - 6
            painter.drawText(
                QRect(x + self.BAR + 6, y, quote_w, quote_fm.height()),
                left,
                quote_fm.elidedText(reply, Qt.TextElideMode.ElideRight, quote_w),
            )

        painter.setPen(dim if g.placeholder else text_color)
        g.layout.draw(painter, origin)

        highlight = palette.color(QPalette.ColorRole.Highlight)
        painter.setFont(fset.body)
        for reaction, rect in g.chips:
            chip = rect.translated(bubble.topLeft())
            chip_fill = QColor(highlight)
            chip_fill.setAlpha(110 if reaction.mine else 30)
            painter.setBrush(chip_fill)
            painter.setPen(highlight if reaction.mine else Qt.PenStyle.NoPen)
            painter.drawRoundedRect(chip.adjusted(0, 0, -1, -1), chip.height() / 2, chip.height() / 2)
            painter.setPen(text_color)
            painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), self.chip_label(reaction))
        painter.restore()


def reaction_tooltip(reaction: Reaction) -> str:
    """``"ann, bob reacted with 👍"``; "you" stands first when you are among them."""
    names = list(reaction.who)
    return f"{', '.join(names)} reacted with {reaction.emoji}" + ("\n(click to remove yours)" if reaction.mine else "")


__all__ = ["Link", "MessageDelegate", "find_links", "reaction_tooltip", "shown_text"]
