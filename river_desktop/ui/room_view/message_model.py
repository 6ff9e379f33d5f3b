"""The message list's model: one room's shown messages, oldest first, unique by River's message id.

Rows are :class:`ShownMessage` values wrapping River's :class:`~domain.river.views.MessageItem` (actions
already applied: an edit's new text, reactions; deleted messages are never rows). Times are formatted
here in one explicit, locale-independent form; reply quotes come from the item's live-state resolution,
else from the rows loaded here.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.actions import time_key
from river_desktop.domain.river.views import MessageItem, MessageKind, ReplyStatus
from river_desktop.domain.rooms import RoomData
from river_desktop.storage.slots import b58
from river_desktop.ui.room_facts import RoomFacts, facts
from river_desktop.ui.room_view import mentions

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole
SNIPPET_CHARS = 120


@dataclass(frozen=True)
class ShownMessage:
    """One row: River's displayed message and the room it belongs to."""

    room: bytes
    item: MessageItem

    @property
    def id(self) -> int:
        return self.item.message_id

    @property
    def author_id(self) -> int:
        return self.item.author_id

    @property
    def text(self) -> str:
        """What the bubble shows: the (newest) text, else the placeholder (event, unknown, unreadable)."""
        return self.item.display

    @property
    def timestamp(self) -> int:
        """Milliseconds since the epoch (for display)."""
        t = self.item.time
        return t.secs * 1000 + t.nanos // 1_000_000

    @property
    def order(self) -> tuple[int, int]:
        """River's display order: (time, message id)."""
        t = self.item.time
        return (time_key(t.secs, t.nanos), self.item.message_id)

    @property
    def has_text(self) -> bool:
        """A text or reply whose text we can read (the ones that can be copied, quoted or edited)."""
        return self.item.text is not None and self.item.kind in (MessageKind.TEXT, MessageKind.REPLY)


@dataclass(frozen=True)
class Reaction:
    """One reaction chip: the emoji, who reacted (names, in River's order), and whether you did."""

    emoji: str
    count: int
    mine: bool
    who: tuple[str, ...]


def _key(message: ShownMessage) -> tuple[int, int]:
    return message.order


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


def message_link(room: bytes, message_id: int) -> str:
    """A link naming one message: the room's owner key and River's message id (as ``messages list`` prints it)."""
    return f"river://room/{b58(room)}/message/{message_id}"


# --- the model -----------------------------------------------------------------------------------


class MessageListModel(QAbstractListModel):
    """Shown messages of one room, ordered by River's (time, id) and unique by id.

    Rows arrive (a page, a live message), change (an edit, a reaction, a nickname) and leave (a delete):
    each through ``beginInsertRows`` / ``dataChanged`` / ``beginRemoveRows`` for one contiguous run, so
    views keep their selection and scroll position whatever other writers do.
    """

    AuthorRole: ClassVar[int] = _ROLE.UserRole + 1
    TimestampRole: ClassVar[int] = _ROLE.UserRole + 2
    IsOwnRole: ClassVar[int] = _ROLE.UserRole + 3
    ReplyToRole: ClassVar[int] = _ROLE.UserRole + 4
    MessageIdRole: ClassVar[int] = _ROLE.UserRole + 5
    AuthorIdRole: ClassVar[int] = _ROLE.UserRole + 6
    MessageRole: ClassVar[int] = _ROLE.UserRole + 7
    EditedRole: ClassVar[int] = _ROLE.UserRole + 8
    ReactionsRole: ClassVar[int] = _ROLE.UserRole + 9
    KindRole: ClassVar[int] = _ROLE.UserRole + 10
    MentionsYouRole: ClassVar[int] = _ROLE.UserRole + 11
    """True for someone else's message whose text mentions you (the delegate highlights it)."""

    _DECORATION_ROLES: ClassVar[list[int]] = [
        _ROLE.DisplayRole,
        MentionsYouRole,
        AuthorRole,
        IsOwnRole,
        ReplyToRole,
        ReactionsRole,
        _ROLE.ToolTipRole,
        _ROLE.AccessibleTextRole,
    ]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageListModel")
        self._rows: list[ShownMessage] = []
        self._keys: list[tuple[int, int]] = []
        self._by_id: dict[int, ShownMessage] = {}
        self._room: RoomData | None = None
        self._facts: RoomFacts | None = None

    # -- Qt model API

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = _ROLE.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._rows):
            return None
        msg = self._rows[index.row()]
        if role == _ROLE.DisplayRole:
            return self.shown_text(msg)
        if role == self.MentionsYouRole:
            return self.mentions_you(msg)
        if role == self.AuthorRole:
            return self.author(msg.author_id)
        if role == self.TimestampRole:
            return msg.timestamp
        if role == self.IsOwnRole:
            return self.is_own(msg)
        if role == self.ReplyToRole:
            return self.reply_snippet(msg)
        if role == self.MessageIdRole:
            return msg.id
        if role == self.AuthorIdRole:
            return msg.author_id
        if role == self.MessageRole:
            return msg
        if role == self.EditedRole:
            return msg.item.edited
        if role == self.ReactionsRole:
            return self.reactions(msg)
        if role == self.KindRole:
            return msg.item.kind
        if role == _ROLE.ToolTipRole:
            stamp = format_full_time(msg.timestamp)
            edited = " (edited)" if msg.item.edited else ""
            return f"{self.author(msg.author_id)} ({member_id_display(msg.author_id)})\n{stamp}{edited}"
        if role == _ROLE.AccessibleTextRole:
            reply = self.reply_snippet(msg)
            prefix = f"In reply to {reply}. " if reply else ""
            edited = " (edited)" if msg.item.edited else ""
            chips = "".join(f" {r.emoji} {r.count}" for r in self.reactions(msg))
            reacted = f". Reactions:{chips}" if chips else ""
            shown = self.shown_text(msg)
            return f"{self.author(msg.author_id)}, {format_time(msg.timestamp)}: {prefix}{shown}{edited}{reacted}"
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
            (self.AuthorIdRole, b"authorId"),
            (self.MessageRole, b"message"),
            (self.EditedRole, b"edited"),
            (self.ReactionsRole, b"reactions"),
            (self.KindRole, b"kind"),
            (self.MentionsYouRole, b"mentionsYou"),
        ):
            names[role] = QByteArray(name)
        return names

    # -- content

    def room(self) -> RoomData | None:
        return self._room

    def room_facts(self) -> RoomFacts | None:
        return self._facts

    def set_room(self, room: RoomData | None) -> None:
        """The room whose nicknames, own id and live state decorate the rows (rows are untouched)."""
        self._room = room
        self._facts = None if room is None else facts(room)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), self._DECORATION_ROLES)

    def set_messages(self, messages: Iterable[ShownMessage]) -> None:
        """Replace every row (a different room); use :meth:`append` to merge into the same room."""
        unique = {m.id: m for m in messages}
        self.beginResetModel()
        self._rows = sorted(unique.values(), key=_key)
        self._keys = [_key(m) for m in self._rows]
        self._by_id = unique
        self.endResetModel()

    def append(self, messages: Iterable[ShownMessage]) -> int:
        """Merge messages in: new ones where they belong in (time, id) order, known ones updated in place
        (an edit, a reaction); returns how many were new."""
        incoming = {m.id: m for m in messages}
        changed = [m for i, m in incoming.items() if i in self._by_id and self._by_id[i] != m]
        for msg in changed:
            self._replace(msg)
        fresh = [m for i, m in incoming.items() if i not in self._by_id]
        if not fresh:
            if changed:
                self._refresh_replies({m.id for m in changed})
            return 0
        ordered = sorted(fresh, key=_key)
        # Group the new messages by where they land among the existing rows: each group is one contiguous
        # run of new rows, inserted with one begin/endInsertRows.
        groups: list[tuple[int, list[ShownMessage]]] = []
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
        self._refresh_replies({m.id for m in ordered} | {m.id for m in changed})
        return len(ordered)

    def prepend_older(self, messages: Iterable[ShownMessage]) -> int:
        """A page of older history; merged like :meth:`append` (a page may overlap what is shown)."""
        return self.append(messages)

    def sync(self, messages: Iterable[ShownMessage]) -> int:
        """Make the rows exactly ``messages``: rows no longer there leave (deleted), changed ones update in
        place, new ones are inserted where they belong. Returns how many were new."""
        page = {m.id: m for m in messages}
        self.remove([i for i in self._by_id if i not in page])
        return self.append(page.values())

    def remove(self, message_ids: Iterable[int]) -> int:
        """Drop rows (deleted messages), one contiguous run at a time; returns how many were shown."""
        rows = sorted(self.row_of(i) for i in set(message_ids) if i in self._by_id)
        removed = len(rows)
        while rows:
            last = rows.pop()
            first = last
            while rows and rows[-1] == first - 1:
                first = rows.pop()
            self.beginRemoveRows(QModelIndex(), first, last)
            for msg in self._rows[first : last + 1]:
                del self._by_id[msg.id]
            del self._rows[first : last + 1]
            del self._keys[first : last + 1]
            self.endRemoveRows()
        if removed:
            self._refresh_replies(set())
        return removed

    def _replace(self, msg: ShownMessage) -> None:
        row = self.row_of(msg.id)
        self._rows[row] = msg
        self._by_id[msg.id] = msg
        index = self.index(row)
        self.dataChanged.emit(
            index, index, [_ROLE.DisplayRole, self.EditedRole, self.MessageRole, *self._DECORATION_ROLES]
        )

    def message_at(self, row: int) -> ShownMessage | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def message(self, message_id: int) -> ShownMessage | None:
        return self._by_id.get(message_id)

    def row_of(self, message_id: int) -> int:
        """The row of a message, or -1."""
        msg = self._by_id.get(message_id)
        if msg is None:
            return -1
        return bisect.bisect_left(self._keys, _key(msg))

    def messages(self) -> list[ShownMessage]:
        return list(self._rows)

    def last_message(self) -> ShownMessage | None:
        return self._rows[-1] if self._rows else None

    def last_own_editable(self) -> ShownMessage | None:
        """Your newest message with text (what Up in an empty composer edits)."""
        for msg in reversed(self._rows):
            if self.is_own(msg) and msg.has_text:
                return msg
        return None

    # -- derived text

    def self_id(self) -> int | None:
        return None if self._facts is None else self._facts.self_id

    def is_own(self, msg: ShownMessage) -> bool:
        return self._facts is not None and msg.author_id == self._facts.self_id

    def author(self, author_id: int) -> str:
        return member_id_display(author_id) if self._facts is None else self._facts.name_of(author_id)

    def shown_text(self, msg: ShownMessage) -> str:
        """The bubble's text: mention tokens as ``@`` and the member's current nickname."""
        return mentions.shown_text(msg.text, self._facts) if msg.has_text else msg.text

    def markdown_text(self, msg: ShownMessage) -> str:
        """The bubble's text for the markdown renderer: tokens kept, named with the current nickname."""
        return mentions.tokened_text(msg.text, self._facts) if msg.has_text else msg.text

    def mentions_you(self, msg: ShownMessage) -> bool:
        return msg.has_text and not self.is_own(msg) and mentions.mentions_you(msg.item.text, self._facts)

    def reactions(self, msg: ShownMessage) -> tuple[Reaction, ...]:
        me = self.self_id()
        return tuple(
            Reaction(emoji, len(ids), me in ids, tuple(self.author(i) for i in ids))
            for emoji, ids in _items(msg.item.reactions)
            if ids
        )

    def reply_snippet(self, msg: ShownMessage) -> str | None:
        """``"Alice: the quoted text"`` for a reply, resolved from the live state (as River does); a
        deleted original says so, one outside the window is looked up among the loaded rows."""
        target = msg.item.reply_to
        if target is None:
            return None
        if target.status is ReplyStatus.SHOWN and target.author_id is not None:
            return f"{self.author(target.author_id)}: {one_line(mentions.shown_text(target.text or '', self._facts))}"
        if target.status is ReplyStatus.DELETED:
            who = f"{self.author(target.author_id)}: " if target.author_id is not None else ""
            return f"{who}a deleted message"
        original = self._by_id.get(target.message_id)
        if original is not None:
            return f"{self.author(original.author_id)}: {one_line(self.shown_text(original))}"
        return "an earlier message"

    def _refresh_replies(self, new_ids: set[int]) -> None:
        """Replies whose original just arrived, changed or left: repaint those rows."""
        for row, msg in enumerate(self._rows):
            target = msg.item.reply_to
            if target is not None and (not new_ids or target.message_id in new_ids):
                index = self.index(row)
                self.dataChanged.emit(index, index, [self.ReplyToRole, _ROLE.AccessibleTextRole])


def _items(reactions: Mapping[str, tuple[int, ...]]) -> list[tuple[str, tuple[int, ...]]]:
    return list(reactions.items())


__all__ = [
    "MessageListModel",
    "Reaction",
    "ShownMessage",
    "format_date",
    "format_full_time",
    "format_time",
    "message_link",
    "one_line",
]
