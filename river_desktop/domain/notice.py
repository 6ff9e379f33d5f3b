"""What a desktop notification says about new messages: who wrote what where one arrived, else a count.

Built from the messages the unread badge counts (``rooms.unread_messages``), so a notification names the
message the badge went up for. Only the notification shows a body; nothing here logs it, and a private
room's body is opened with the room's keyring and never carries the secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from river_desktop.domain.river import views
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import RoomData
from river_desktop.domain.rooms import NotificationMode, unread_messages

MAX_NAME = 32
MAX_LINE = 80


@dataclass(frozen=True)
class Arrival:
    """The newest counted message: its author's name and its first line (mentions as ``@Name``).

    No repr of the line: it is a message body."""

    author: str
    line: str

    def __repr__(self) -> str:
        return f"Arrival(author={self.author!r}, line=<{len(self.line)} characters>)"


def newest_counted(room: RoomData, mode: NotificationMode, messages: Sequence[AuthorizedMessage]) -> Arrival | None:
    """The newest of ``messages`` the room's badge counts, if its text can be read here."""
    counted = unread_messages(room, mode, messages)
    if not counted:
        return None
    newest = max(counted, key=lambda m: (m.message.time.secs, m.message.time.nanos, m.id))
    content = views.open_body(newest.message.content, room.keyring).content
    if not isinstance(content, TextContent | ReplyContent):
        return None  # sealed with a secret not held, or unreadable: the count says enough
    text = views.plain_text(room.room_state, content.text, room.keyring)
    line = next((" ".join(part.split()) for part in text.splitlines() if part.strip()), "")
    return Arrival(shorten(room.nickname_of(newest.author), MAX_NAME), line)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def count_text(fresh: int, room_name: str) -> str:
    return f"{fresh} new message{'s' if fresh != 1 else ''} in {room_name}"


def arrival_text(arrival: Arrival, room_name: str) -> str:
    """``Alice in Garden: the first line…``, the line cut to ``MAX_LINE`` characters."""
    return f"{arrival.author} in {shorten(room_name, MAX_NAME)}: {shorten(arrival.line, MAX_LINE)}"


__all__ = ["MAX_LINE", "MAX_NAME", "Arrival", "arrival_text", "count_text", "newest_counted", "shorten"]
