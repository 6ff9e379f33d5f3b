"""The room view: message list (model + delegate), composer and member list, with empty states.

:class:`RoomView` shows one room at a time and is fed by its window: ``show_room`` when the selection or the
room's data changes, ``add_messages`` for new messages (from this window, other windows or other processes),
``prepend_older`` for pages of history the view asked for with ``older_requested``. Re-showing the room that is
already shown is a merge: the composer draft, the selected message and the scroll position all survive.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import logging
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QDateTime,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QTextLayout,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain import limits
from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.room_state import Message
from river_desktop.domain.rooms import ReadMarker, RoomData
from river_desktop.ui.composer import Composer
from river_desktop.ui.inputs import LimitCounter
from river_desktop.ui.text_widgets import ElidedLabel, WrappedLabel

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole
SNIPPET_CHARS = 120


def _key(message: Message) -> tuple[int, str]:
    return (message.timestamp, message.id)


def _one_line(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_time(timestamp_ms: int, *, now: QDateTime | None = None) -> str:
    """Local time; today's messages show the time only, older ones the date too."""
    if now is None:
        return _format_time_today(timestamp_ms, datetime.date.today().toordinal())
    return _format_time(timestamp_ms, now)


@functools.lru_cache(maxsize=8192)
def _format_time_today(timestamp_ms: int, _today: int) -> str:
    """:func:`format_time` for "now", cached per calendar day (list layouts ask for every row's time)."""
    return _format_time(timestamp_ms, None)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _format_time(timestamp_ms: int, now: QDateTime | None) -> str:
    """``"12:03"`` today, ``"30 Nov 2026, 12:03"`` otherwise: spelled out by us, because a locale's short
    format can be ambiguous or bare (the C locale gives "30 11 2026")."""
    when = QDateTime.fromMSecsSinceEpoch(timestamp_ms).toLocalTime()
    today = (now or QDateTime.currentDateTime()).date()
    time_text = f"{when.time().hour():02d}:{when.time().minute():02d}"
    if when.date() == today:
        return time_text
    return f"{format_date(when)}, {time_text}"


def format_date(when: QDateTime) -> str:
    day = when.date()
    return f"{day.day()} {_MONTHS[day.month() - 1]} {day.year()}"


def format_full_time(timestamp_ms: int) -> str:
    """The tooltip's stamp: date, time with seconds and the UTC offset (``"30 Nov 2026, 12:03:09 UTC+01:00"``)."""
    when = QDateTime.fromMSecsSinceEpoch(timestamp_ms).toLocalTime()
    offset = when.offsetFromUtc()
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset) // 60, 60)
    clock = when.time()
    return (
        f"{format_date(when)}, {clock.hour():02d}:{clock.minute():02d}:{clock.second():02d} "
        f"UTC{sign}{hours:02d}:{minutes:02d}"
    )


def author_name(room: RoomData | None, author_vk: bytes) -> str:
    """The author's nickname in the room, else their member id's display form."""
    if room is not None:
        nickname = room.room_state.nickname(author_vk)
        if nickname:
            return nickname
    return member_id_display(member_id(author_vk))


# --- the model -----------------------------------------------------------------------------------


class MessageListModel(QAbstractListModel):
    """Messages of one room, oldest first, ordered by (timestamp, id) and unique by id.

    Rows only ever arrive (messages are immutable and never deleted): every insertion goes through
    ``beginInsertRows``, one contiguous run at a time, so views keep their selection and scroll position
    even when a message merged from another writer lands between two already shown.
    """

    AuthorRole: ClassVar[int] = _ROLE.UserRole + 1
    TimestampRole: ClassVar[int] = _ROLE.UserRole + 2
    IsOwnRole: ClassVar[int] = _ROLE.UserRole + 3
    ReplyToRole: ClassVar[int] = _ROLE.UserRole + 4
    MessageIdRole: ClassVar[int] = _ROLE.UserRole + 5
    AuthorKeyRole: ClassVar[int] = _ROLE.UserRole + 6
    MessageRole: ClassVar[int] = _ROLE.UserRole + 7

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageListModel")
        self._rows: list[Message] = []
        self._keys: list[tuple[int, str]] = []
        self._by_id: dict[str, Message] = {}
        self._room: RoomData | None = None
        self._authors: dict[bytes, str] = {}

    # -- Qt model API

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = _ROLE.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._rows):
            return None
        msg = self._rows[index.row()]
        if role == _ROLE.DisplayRole:
            return msg.text
        if role == self.AuthorRole:
            return self.author(msg.author_vk)
        if role == self.TimestampRole:
            return msg.timestamp
        if role == self.IsOwnRole:
            return self._room is not None and msg.author_vk == self._room.self_vk
        if role == self.ReplyToRole:
            return self.reply_snippet(msg)
        if role == self.MessageIdRole:
            return msg.id
        if role == self.AuthorKeyRole:
            return msg.author_vk
        if role == self.MessageRole:
            return msg
        if role == _ROLE.ToolTipRole:
            stamp = format_full_time(msg.timestamp)
            return f"{self.author(msg.author_vk)} ({member_id_display(member_id(msg.author_vk))})\n{stamp}"
        if role == _ROLE.AccessibleTextRole:
            reply = self.reply_snippet(msg)
            prefix = f"In reply to {reply}. " if reply else ""
            return f"{self.author(msg.author_vk)}, {format_time(msg.timestamp)}: {prefix}{msg.text}"
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        for role, name in (
            (self.AuthorRole, b"author"),
            (self.TimestampRole, b"timestamp"),
            (self.IsOwnRole, b"isOwn"),
            (self.ReplyToRole, b"replyTo"),
            (self.MessageIdRole, b"messageId"),
            (self.AuthorKeyRole, b"authorKey"),
            (self.MessageRole, b"message"),
        ):
            names[role] = QByteArray(name)
        return names

    # -- content

    def room(self) -> RoomData | None:
        return self._room

    def set_room(self, room: RoomData | None) -> None:
        """The room whose nicknames and own key decorate the rows (rows are untouched)."""
        self._room = room
        self._authors.clear()
        if self._rows:
            self.dataChanged.emit(
                self.index(0),
                self.index(len(self._rows) - 1),
                [self.AuthorRole, self.IsOwnRole, self.ReplyToRole, _ROLE.ToolTipRole, _ROLE.AccessibleTextRole],
            )

    def set_messages(self, messages: Iterable[Message]) -> None:
        """Replace every row (a different room); use :meth:`append` to merge into the same room."""
        unique = {m.id: m for m in messages}
        self.beginResetModel()
        self._rows = sorted(unique.values(), key=_key)
        self._keys = [_key(m) for m in self._rows]
        self._by_id = unique
        self.endResetModel()

    def append(self, messages: Iterable[Message]) -> int:
        """Merge messages in, wherever they belong in (timestamp, id) order; returns how many were new."""
        fresh = {m.id: m for m in messages if m.id not in self._by_id}
        if not fresh:
            return 0
        ordered = sorted(fresh.values(), key=_key)
        # Group the new messages by where they land among the existing rows: each group is one contiguous
        # run of new rows, inserted with one begin/endInsertRows.
        groups: list[tuple[int, list[Message]]] = []
        for msg in ordered:
            position = bisect.bisect_left(self._keys, _key(msg))
            if groups and groups[-1][0] == position:
                groups[-1][1].append(msg)
            else:
                groups.append((position, [msg]))
        shift = 0
        for position, run in groups:
            first = position + shift
            self.beginInsertRows(QModelIndex(), first, first + len(run) - 1)
            self._rows[first:first] = run
            self._keys[first:first] = [_key(m) for m in run]
            for m in run:
                self._by_id[m.id] = m
            self.endInsertRows()
            shift += len(run)
        self._refresh_replies({m.id for m in ordered})
        return len(ordered)

    def prepend_older(self, messages: Iterable[Message]) -> int:
        """A page of older history; merged like :meth:`append` (a page may overlap what is shown)."""
        return self.append(messages)

    def message_at(self, row: int) -> Message | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def message(self, message_id: str) -> Message | None:
        return self._by_id.get(message_id)

    def row_of(self, message_id: str) -> int:
        """The row of a message, or -1."""
        msg = self._by_id.get(message_id)
        if msg is None:
            return -1
        return bisect.bisect_left(self._keys, _key(msg))

    def messages(self) -> list[Message]:
        return list(self._rows)

    def last_message(self) -> Message | None:
        return self._rows[-1] if self._rows else None

    # -- derived text

    def author(self, author_vk: bytes) -> str:
        name = self._authors.get(author_vk)
        if name is None:
            name = self._authors[author_vk] = author_name(self._room, author_vk)
        return name

    def reply_snippet(self, msg: Message) -> str | None:
        """``"Alice: the quoted text"`` for a reply; a placeholder when the original is not loaded."""
        if msg.reply_to is None:
            return None
        original = self._by_id.get(msg.reply_to)
        if original is None and self._room is not None:
            original = self._room.room_state.messages.get(msg.reply_to)
        if original is None:
            return "an earlier message"
        return f"{self.author(original.author_vk)}: {_one_line(original.text)}"

    def _refresh_replies(self, new_ids: set[str]) -> None:
        """Replies to messages that just arrived now have their quote: repaint those rows."""
        for row, msg in enumerate(self._rows):
            if msg.reply_to in new_ids:
                index = self.index(row)
                self.dataChanged.emit(index, index, [self.ReplyToRole, _ROLE.AccessibleTextRole])


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


# --- the view ------------------------------------------------------------------------------------


class MessageListView(QListView):
    """The message list; keeps itself scrolled to the bottom across resizes while it was there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageList")
        self.stick_to_bottom = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        stick = self.stick_to_bottom
        super().resizeEvent(event)
        if stick:
            self.scrollToBottom()

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4


class RoomView(QWidget):
    """Messages, composer and members of the current room (see the module docstring for the contract)."""

    send_requested = Signal(str)
    older_requested = Signal()
    message_read = Signal(object)

    EMPTY_NO_ROOM = "No room selected.\n\nPick a room on the left, create one, or join one with an invitation code."
    EMPTY_WAITING = (
        "Waiting for room data. Local only.\n\nThis app is not connected to any network yet, so it cannot "
        "fetch this room itself. You joined it with an invitation: its name, members and messages arrive "
        "once the inviter's app or a network sync brings them to this profile."
    )
    LOCAL_ONLY = "Local only: this app is not connected to any network yet"
    EMPTY_NO_MESSAGES = "No messages yet.\n\nSay hello!"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RoomView")
        self._room: RoomData | None = None
        self._drafts: dict[bytes, str] = {}
        self._read_emitted: dict[bytes, str] = {}
        self._older_pending = False
        self._older_exhausted = False
        self._adjusting = False

        # A room's name and description are the owner's text: elided / wrapped anywhere, never sizing the window.
        self.roomTitle = ElidedLabel(self)
        self.roomTitle.setObjectName("roomTitle")
        title_font = QFont(self.roomTitle.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        self.roomTitle.setFont(title_font)
        self.networkNotice = QLabel(self.LOCAL_ONLY, self)
        self.networkNotice.setObjectName("networkNotice")
        self.networkNotice.setWordWrap(True)
        self.networkNotice.setTextFormat(Qt.TextFormat.PlainText)
        self.networkNotice.setToolTip(
            "The room's data arrives once the inviter's app or a network sync brings it to this profile."
        )
        self.networkNotice.hide()
        self.roomDescription = WrappedLabel(self, max_lines=3)
        self.roomDescription.setObjectName("roomDescription")
        self.roomDescription.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.model = MessageListModel(self)
        self.messageList = MessageListView(self)
        self.messageList.setModel(self.model)
        self.delegate = MessageDelegate(self.messageList)
        self.messageList.setItemDelegate(self.delegate)
        self.messageList.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.messageList.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.messageList.setResizeMode(QListView.ResizeMode.Adjust)
        self.messageList.setUniformItemSizes(False)
        self.messageList.setWordWrap(True)
        self.messageList.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.messageList.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.messageList.setAccessibleName("Messages")
        self.messageList.verticalScrollBar().setSingleStep(24)
        self.messageList.viewport().installEventFilter(self)

        copy = self.messageList.addAction("Copy message")  # a context-free shortcut on the list only
        copy.setObjectName("actionCopyMessage")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected_message)
        self.messageList.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.emptyState = QLabel(self)
        self.emptyState.setObjectName("emptyState")
        self.emptyState.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.emptyState.setWordWrap(True)
        self.emptyState.setTextFormat(Qt.TextFormat.PlainText)
        self.emptyState.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.emptyState.setMargin(24)

        self.messageStack = QStackedWidget(self)
        self.messageStack.setObjectName("messageStack")
        self.messageStack.addWidget(self.messageList)
        self.messageStack.addWidget(self.emptyState)

        self.composer = Composer(self)
        self.composer.send_requested.connect(self._on_composer_send)
        self.composer.refused.connect(self._show_composer_problem)
        self.composer.escape_pressed.connect(self.cancel_reply)
        self.composer.textChanged.connect(self._composer_changed)
        self.composerCounter = LimitCounter(limits.measure_message, "the message", self)
        self.composerCounter.setObjectName("composerCounter")
        self.composerCounter.hide()
        self.composerError = QLabel(self)
        self.composerError.setObjectName("composerError")
        self.composerError.setWordWrap(True)
        self.composerError.setTextFormat(Qt.TextFormat.PlainText)
        self.composerError.setStyleSheet("QLabel#composerError { color: #d93025; }")
        self.composerError.hide()
        self._reply_to: Message | None = None
        self.replyBar = self._build_reply_bar()

        reply = self.messageList.addAction("Reply")
        reply.setObjectName("actionReply")
        reply.setShortcut(QKeySequence("Ctrl+R"))
        reply.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        reply.triggered.connect(self.reply_to_selected_message)
        self.messageList.insertAction(self.messageList.actions()[0], reply)
        self.actionReply = reply

        self.memberList = QTreeWidget(self)
        self.memberList.setObjectName("memberList")
        self.memberList.setColumnCount(2)
        self.memberList.setHeaderLabels(["Member", "ID"])
        self.memberList.setRootIsDecorated(True)
        self.memberList.setAccessibleName("Members")
        self.memberList.setUniformRowHeights(True)
        self.memberList.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.memberList.setIndentation(14)
        self.memberList.setMinimumWidth(self._member_list_min_width())
        self.memberList.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.memberList.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.memberDelegate = MemberNameDelegate(self.memberList)
        self.memberList.setItemDelegateForColumn(0, self.memberDelegate)
        header = self.memberList.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take the room, IDs what they need
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

        center = QWidget(self)
        center.setObjectName("roomCenter")
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        center_layout.addWidget(self.roomTitle)
        center_layout.addWidget(self.roomDescription)
        center_layout.addWidget(self.networkNotice)
        center_layout.addWidget(self.messageStack, 1)
        center_layout.addWidget(self.replyBar)
        center_layout.addWidget(self.composer)
        below = QHBoxLayout()
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.composerError, 1)
        below.addWidget(self.composerCounter)
        center_layout.addLayout(below)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("roomSplitter")
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.memberList)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([3000, 1000])  # messages 3 : members 1 (scaled to the real width when shown)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        bar = self.messageList.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)
        self.model.rowsInserted.connect(self._update_empty_state)
        self.model.modelReset.connect(self._update_empty_state)

        self._show_header()
        self._update_empty_state()
        self.composer.setEnabled(False)

    # -- public API

    def current_room_key(self) -> bytes | None:
        return None if self._room is None else self._room.owner_vk

    def current_room(self) -> RoomData | None:
        return self._room

    def show_room(self, room: RoomData | None, messages: Sequence[Message] | Iterable[Message] = ()) -> None:
        """Show ``room``; the same room again is a merge that keeps the draft, selection and scroll position."""
        if room is not None and self._room is not None and room.owner_vk == self._room.owner_vk:
            self.update_room(room)
            self.add_messages(messages)
            return
        self._stash_draft()
        self.cancel_reply()
        self._room = room
        if room is not None:
            messages = [m for m in messages if m.room == room.owner_vk]
        self._older_pending = False
        self._older_exhausted = False
        if messages:
            # lay the rows out at the list's real width: while the empty state is showing, the (hidden)
            # list keeps a stale size, and every row would be measured twice
            self.messageStack.setCurrentWidget(self.messageList)
        self.model.set_room(room)
        self.model.set_messages(messages if room is not None else ())
        self.composer.setEnabled(room is not None)
        draft = self._drafts.get(room.owner_vk, "") if room is not None else ""
        self.composer.setPlainText(draft)
        self.composer.moveCursor(self.composer.textCursor().MoveOperation.End)
        self._show_header()
        self._fill_members()
        self._update_empty_state()
        self._scroll_to_bottom()
        self._maybe_read()

    def update_room(self, room: RoomData) -> None:
        """New data for the shown room (nicknames, members, name); rows, draft and position stay."""
        if self._room is None or room.owner_vk != self._room.owner_vk:
            log.debug("update_room for a room that is not shown; ignored")
            return
        self._room = room
        self.model.set_room(room)
        self._show_header()
        self._fill_members()
        self._update_empty_state()

    def add_messages(self, messages: Iterable[Message]) -> int:
        """Merge in new messages; follows them only when the list was scrolled to the bottom."""
        if self._room is None:
            return 0
        batch = [m for m in messages if m.room == self._room.owner_vk]
        if not batch:
            return 0
        follow = self.messageList.at_bottom()
        anchor = None if follow else self._capture_anchor()
        added = self.model.append(batch)
        if added:
            if follow:
                self._scroll_to_bottom()
            else:
                self._restore_anchor(anchor)
            self._maybe_read()
        return added

    def prepend_older(self, messages: Iterable[Message]) -> int:
        """A page of older history, keeping the messages on screen where they are."""
        self._older_pending = False
        if self._room is None:
            return 0
        batch = [m for m in messages if m.room == self._room.owner_vk]
        anchor = self._capture_anchor()
        added = self.model.prepend_older(batch)
        if added:
            self._restore_anchor(anchor)
        else:
            self._older_exhausted = True
        return added

    def set_older_available(self, available: bool = True) -> None:
        """Tell the view whether scrolling to the top may ask for more history (reset on room switch)."""
        self._older_exhausted = not available

    def draft(self, owner_vk: bytes) -> str:
        if self._room is not None and owner_vk == self._room.owner_vk:
            return self.composer.toPlainText()
        return self._drafts.get(owner_vk, "")

    def forget_draft(self, owner_vk: bytes) -> None:
        """Drop a room's draft (the room was left)."""
        self._drafts.pop(owner_vk, None)
        self._read_emitted.pop(owner_vk, None)

    def selected_message(self) -> Message | None:
        index = self.messageList.currentIndex()
        if not index.isValid() or not self.messageList.selectionModel().isSelected(index):
            return None
        return self.model.message_at(index.row())

    def reply_to_selected_message(self) -> None:
        msg = self.selected_message()
        if msg is not None:
            self.start_reply(msg)

    def start_reply(self, message: Message) -> None:
        """Write the next message as a reply to ``message``: the bar quotes it, Escape or × drops it."""
        if self._room is None or message.room != self._room.owner_vk:
            return
        self._reply_to = message
        quote = f"{self.model.author(message.author_vk)}: {_one_line(message.text, 160)}"
        self.replyQuote.setText(quote)
        self.replyBar.show()
        self.composer.setFocus(Qt.FocusReason.OtherFocusReason)

    def cancel_reply(self) -> None:
        self._reply_to = None
        self.replyQuote.setText("")
        self.replyBar.hide()

    def reply_target(self) -> Message | None:
        """The message the composer's next send replies to, if any."""
        return self._reply_to

    def reply_to_id(self) -> str | None:
        return None if self._reply_to is None else self._reply_to.id

    def copy_selected_message(self) -> None:
        msg = self.selected_message()
        if msg is not None:
            QGuiApplication.clipboard().setText(msg.text)

    # -- events

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.messageList.viewport() and event.type() == QEvent.Type.Wheel:
            assert isinstance(event, QWheelEvent)
            bar = self.messageList.verticalScrollBar()
            if event.angleDelta().y() > 0 and bar.value() <= bar.minimum():
                self._request_older()
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._maybe_read()

    # -- internals

    def _member_list_min_width(self) -> int:
        """Room for the ID column plus a short name with "(owner, you)" in bold italics, one level deep."""
        font = QFont(self.memberList.font())
        font.setBold(True)
        font.setItalic(True)
        bold = QFontMetrics(font)
        plain = self.memberList.fontMetrics()
        name = bold.horizontalAdvance("Annabel (owner, you)")
        ids = plain.horizontalAdvance("WWWWWWWW") + 16
        chrome = 2 * self.memberList.indentation() + 2 * self.memberList.frameWidth() + 24
        return max(190, name + ids + chrome)

    def _build_reply_bar(self) -> QFrame:
        bar = QFrame(self)
        bar.setObjectName("replyBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 2, 2, 2)
        lead = QLabel("Replying to", bar)
        lead.setObjectName("replyLead")
        lead.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.replyQuote = ElidedLabel(bar)
        self.replyQuote.setObjectName("replyQuote")
        close = QToolButton(bar)
        close.setObjectName("replyCancel")
        close.setText("×")
        close.setToolTip("Cancel the reply (Esc)")
        close.setAccessibleName("Cancel the reply")
        close.setAutoRaise(True)
        close.clicked.connect(self.cancel_reply)
        row.addWidget(lead)
        row.addWidget(self.replyQuote, 1)
        row.addWidget(close)
        bar.hide()
        return bar

    def _on_composer_send(self, text: str) -> None:
        """Forward a send; the window reads :meth:`reply_to_id` while handling it, then the reply is done."""
        self.send_requested.emit(text)
        self.cancel_reply()

    def _composer_changed(self) -> None:
        text = self.composer.toPlainText()
        self.composerCounter.update_for(text)
        self.composerCounter.setVisible(bool(text.strip()))
        problem = self.composerCounter.problem()
        self.composerError.setText(problem)
        self.composerError.setVisible(bool(problem))

    def _show_composer_problem(self, problem: str) -> None:
        self.composerError.setText(problem)
        self.composerError.setVisible(bool(problem))

    def _stash_draft(self) -> None:
        if self._room is None:
            return
        text = self.composer.toPlainText()
        if text.strip():
            self._drafts[self._room.owner_vk] = text
        else:
            self._drafts.pop(self._room.owner_vk, None)

    def _show_header(self) -> None:
        room = self._room
        if room is None:
            self.roomTitle.setText("")
            self.roomDescription.setText("")
            self.roomTitle.hide()
            self.roomDescription.hide()
            self.networkNotice.hide()
            return
        config = room.room_state.configuration
        self.roomTitle.setText(room.name if not room.waiting else "Waiting for room data…")
        self.roomTitle.show()
        description = config.description if config is not None else ""
        self.roomDescription.setText(description)
        self.roomDescription.setVisible(bool(description))
        self.networkNotice.setVisible(room.waiting)

    def _update_empty_state(self, *_: object) -> None:
        room = self._room
        if room is None:
            text = self.EMPTY_NO_ROOM
        elif self.model.rowCount() > 0:
            text = ""
        elif room.waiting:
            text = self.EMPTY_WAITING
        else:
            text = self.EMPTY_NO_MESSAGES
        self.emptyState.setText(text)
        self.messageStack.setCurrentWidget(self.emptyState if text else self.messageList)

    def empty_state_text(self) -> str:
        return self.emptyState.text() if self.messageStack.currentWidget() is self.emptyState else ""

    def _fill_members(self) -> None:
        self.memberList.clear()
        room = self._room
        if room is None:
            return
        for item in build_member_items(room):
            self.memberList.addTopLevelItem(item)
        self.memberList.expandAll()

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

    def _capture_anchor(self) -> tuple[str, int] | None:
        """The top visible message and its pixel offset, to pin it across insertions above it."""
        view = self.messageList
        if self.model.rowCount() == 0:
            return None
        index = view.indexAt(QPoint(view.viewport().width() // 2, 1))
        if not index.isValid():
            index = view.indexAt(QPoint(1, 1))
        if not index.isValid():
            return None
        return str(index.data(MessageListModel.MessageIdRole)), view.visualRect(index).top()

    def _restore_anchor(self, anchor: tuple[str, int] | None) -> None:
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
        if room.last_read is not None and ReadMarker.of(last) <= room.last_read:
            return
        if self._read_emitted.get(room.owner_vk) == last.id:
            return
        self._read_emitted[room.owner_vk] = last.id
        self.message_read.emit(last)


MemberKeyRole = _ROLE.UserRole + 1
MemberNameRole = _ROLE.UserRole + 2
MemberMarksRole = _ROLE.UserRole + 3


class MemberNameDelegate(QStyledItemDelegate):
    """The member column: a long name is elided, its "(owner, you)" marks never are."""

    def shown_text(self, option: QStyleOptionViewItem, index: ModelIndex) -> str:
        """What is painted for ``index`` in ``option`` (initialised), marks kept whole."""
        name = index.data(MemberNameRole)
        marks = index.data(MemberMarksRole) or ""
        if name is None:
            return str(index.data(_ROLE.DisplayRole) or "")
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
        fm = QFontMetrics(option.font)
        room_for_name = max(rect.width() - 4 - fm.horizontalAdvance(marks), fm.horizontalAdvance("…"))
        return fm.elidedText(str(name), Qt.TextElideMode.ElideRight, room_for_name) + marks

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = self.shown_text(opt, index)
        opt.textElideMode = Qt.TextElideMode.ElideNone
        widget = opt.widget
        if widget is None:
            super().paint(painter, option, index)
            return
        widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)



def build_member_items(room: RoomData) -> list[QTreeWidgetItem]:
    """The member tree: the owner at the root, each member under the member who invited them.

    Columns: display name (nickname, else member id) with "owner" / "you" marks, and the member id.
    A member who joined by invitation before the room's data arrived may not be provably admitted yet;
    they are listed at the top level with their (pending) inviter named in the tooltip.
    """
    state = room.room_state
    owner = state.owner_vk
    me = room.self_vk
    members = state.members

    def label(vk: bytes) -> str:
        return state.display_name(vk)

    def make(vk: bytes, inviter: bytes | None, *, pending: bool = False) -> QTreeWidgetItem:
        marks = []
        if vk == owner:
            marks.append("owner")
        if vk == me:
            marks.append("you")
        suffix = f" ({', '.join(marks)})" if marks else ""
        shown = label(vk) + suffix
        mid = member_id_display(member_id(vk))
        item = QTreeWidgetItem([shown, mid])
        item.setData(0, MemberKeyRole, vk)
        item.setData(0, MemberNameRole, label(vk))
        item.setData(0, MemberMarksRole, suffix)
        item.setForeground(1, QBrush(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)))
        if vk == owner:
            tip = f"{label(vk)}, member {mid}: the room's owner"
        elif inviter is not None:
            tip = f"{label(vk)}, member {mid}: invited by {label(inviter)}"
        else:
            tip = f"{label(vk)}, member {mid}"
        if pending:
            tip += " (membership not confirmed until the room's data arrives)"
        item.setToolTip(0, tip)
        item.setToolTip(1, tip)
        if vk in (owner, me):
            font = item.font(0)
            font.setBold(vk == owner)
            font.setItalic(vk == me)
            item.setFont(0, font)
        return item

    invited: dict[bytes, list[bytes]] = {}
    for vk in members:
        inviter = state.inviter_of(vk)
        invited.setdefault(inviter if inviter is not None else owner, []).append(vk)

    def attach(parent: QTreeWidgetItem, inviter: bytes) -> None:
        for vk in sorted(invited.get(inviter, ()), key=lambda k: (label(k).casefold(), k)):
            child = make(vk, inviter)
            parent.addChild(child)
            attach(child, vk)

    root = make(owner, None)
    attach(root, owner)
    items = [root]
    if me != owner and me not in members:
        record = room.self_authorized_member
        inviter_id = None if record is None else record.member.invited_by
        pending = make(me, None, pending=True)
        if inviter_id is not None:
            pending.setToolTip(0, pending.toolTip(0) + f"; invited by member {member_id_display(inviter_id)}")
        items.append(pending)
    return items


__all__ = ["Composer", "MessageDelegate", "MessageListModel", "MessageListView", "RoomView", "format_time"]
