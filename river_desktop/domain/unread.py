"""What an unread badge counts: others' text messages and replies after the read marker, as the room's
notification mode lets them through (a mention or a reply to one of yours for "Mentions & replies")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from river_desktop.domain.river import views as v
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.mention import contains_mention_of
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import RoomData
from river_desktop.domain.rooms_meta import NotificationMode


def counts_as_message(message: AuthorizedMessage) -> bool:
    """What an unread badge counts: text and replies (not actions, events or unknown types)."""
    return message.message.content.content_type in (TextContent.content_type, ReplyContent.content_type)


def unread_messages(
    room: RoomData, mode: NotificationMode, messages: Sequence[AuthorizedMessage], also_mine: Iterable[int] = ()
) -> list[AuthorizedMessage]:
    """Others' messages after the read marker that the mode lets through, in the order given.

    ``also_mine``: ids of this user's messages not among ``messages`` (a reply to one of them counts), so a caller
    that knows them from an index need not read them.
    """
    if mode is NotificationMode.MUTED:
        return []
    me = room.self_member_id
    seen = None if room.last_read is None else room.last_read.sort_key()
    mine: set[int] = set()
    if mode is NotificationMode.MENTIONS_AND_REPLIES:
        mine = {m.id for m in (*messages, *room.room_state.recent_messages) if m.author == me}
        mine.update(also_mine)
    out = []
    for msg in messages:
        if msg.author == me or not counts_as_message(msg):
            continue
        t = msg.message.time
        if seen is not None and (t.secs, t.nanos, msg.id) <= seen:
            continue
        if mode is NotificationMode.MENTIONS_AND_REPLIES and not _mentions_or_replies(room, msg, me, mine):
            continue
        out.append(msg)
    return out


def _mentions_or_replies(room: RoomData, msg: AuthorizedMessage, me: int, mine: set[int]) -> bool:
    content = v.open_body(msg.message.content, room.keyring).content
    if isinstance(content, ReplyContent):
        return content.target_message_id in mine or contains_mention_of(content.text, me)
    return isinstance(content, TextContent) and contains_mention_of(content.text, me)


__all__ = ["counts_as_message", "unread_messages"]
