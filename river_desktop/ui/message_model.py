"""The message list's model: one room's messages, oldest first, unique by id, and their derived text.

Times are formatted here in one explicit, locale-independent form; reply quotes are resolved against the
loaded rows and the room's own state.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QDateTime,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.room_state import Message
from river_desktop.domain.rooms import RoomData

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole
SNIPPET_CHARS = 120


def _key(message: Message) -> tuple[int, str]:
    return (message.timestamp, message.id)


def one_line(text: str, limit: int = SNIPPET_CHARS) -> str:
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
        return f"{self.author(original.author_vk)}: {one_line(original.text)}"

    def _refresh_replies(self, new_ids: set[str]) -> None:
        """Replies to messages that just arrived now have their quote: repaint those rows."""
        for row, msg in enumerate(self._rows):
            if msg.reply_to in new_ids:
                index = self.index(row)
                self.dataChanged.emit(index, index, [self.ReplyToRole, _ROLE.AccessibleTextRole])


__all__ = ["MessageListModel", "author_name", "format_date", "format_full_time", "format_time", "one_line"]
