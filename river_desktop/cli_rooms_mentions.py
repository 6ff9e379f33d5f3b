"""The unread badge of a public room in "Mentions & replies", from its unread messages alone (``rooms list``).

The rule is ``domain.rooms.unread_messages`` in that mode: others' text and replies after the read marker that
mention this user or reply to one of their messages. ``cli_rooms_list`` hands over only those messages and the
ids this user wrote, so nothing else of the room is decoded; River's decoding is imported here, when needed.
"""

from __future__ import annotations

from river_desktop.cli_rooms_list import MentionCandidate, sort_point
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.content import Content, ReplyContent, TextContent, decode_content
from river_desktop.domain.river.mention import contains_mention_of
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody

_COUNTED = (TextContent.content_type, ReplyContent.content_type)


def mention_count(candidate: MentionCandidate) -> int:
    """How many of the candidate's messages the badge counts (one that is not the message its index row names
    is skipped, as ``StorageController._read_keys`` skips it)."""
    owner_id = river_codec.fast_hash(candidate.vk)
    me, seen = candidate.member_id, candidate.last_read
    count = 0
    for point, payload in candidate.messages:
        try:
            msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
        except (DecodeError, ValueError):
            continue
        t = msg.message.time
        if msg.message.room_owner != owner_id or sort_point(t.secs, t.nanos, msg.id) != point:
            continue
        if msg.author == me or msg.message.content.content_type not in _COUNTED:
            continue
        if seen is not None and (t.secs, t.nanos, msg.id) <= seen:
            continue
        content = _open(msg.message.content)
        if isinstance(content, ReplyContent):
            hit = content.target_message_id in candidate.mine or contains_mention_of(content.text, me)
        else:
            hit = isinstance(content, TextContent) and contains_mention_of(content.text, me)
        count += hit
    return count


def _open(body: RoomMessageBody) -> Content | None:
    """``views.open_body`` without secrets: a public body is decoded here; any other goes through River's
    privacy rules (imported only then), which open nothing without the room's secret."""
    if body.is_public:
        try:
            return decode_content(body.content_type, body.content_version, body.data)
        except DecodeError:
            return None
    from river_desktop.domain.river.views import NO_SECRETS, open_body

    return open_body(body, NO_SECRETS).content
