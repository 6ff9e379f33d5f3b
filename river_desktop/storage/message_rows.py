"""The indexer for River's message history: what the order index records of one ``hist:`` key.

A row's sort point is ``(secs, "<nanos 08x>:<id + 2^63 016x>")``, which orders exactly as the keys do (River's
message order: time, then id). Its author is the River ``MemberId`` of a message an unread badge counts (a text
or a reply) and ``NOT_COUNTED`` for any other (edits, deletions, reactions, events, unknown types): leaving that
one author out of a range count gives the unread count without reading a message.

Only values ``read_messages`` would show get a row: River ``AuthorizedMessageV1`` bytes that decode, belong to the
room their key names and are the message (time and id) the key names. Like the history reads, the row does not
verify the signature again: every ``hist:`` value was accepted by River's rules (or is a kept 0.1.0 item) before
it was written, and its author may since have been pruned from the state.

Each row also carries the refs "Mentions & replies" counts by (``history_index.RefKind``), written with the row:
its own id and author (``IS``), and for a text or reply the members its mention tokens name (the 8-character label
River matches, or a legacy full id) and the message a reply answers. A body sealed with a room secret is marked
``OPAQUE`` instead: the index holds no secrets, so the counter opens those few itself.
"""

from __future__ import annotations

from typing import Final

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.codec import fast_hash
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.mention import LegacyRef, member_id_to_hex, parse_mentions
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.privacy import BodyStatus
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import counts_as_message
from river_desktop.storage.history_index import Indexer, IndexRow, Ref, RefKind, SortPoint
from river_desktop.storage.slots import HIST_PREFIX, hist_prefix, parse_hist_key

NOT_COUNTED: Final = b""
"""The author column of a message no unread badge counts."""

_I64_OFFSET: Final = 1 << 63
_MAX_TIME: Final = (1 << 63) - 1


def sort_point(secs: int, nanos: int, message_id: int) -> SortPoint:
    """The index's sort point of a message (or read marker) at that time with that id."""
    return (secs, f"{nanos:08x}:{message_id + _I64_OFFSET:016x}")


def message_id_of(point_id: str) -> int:
    """The River message id inside a row's sort point id."""
    return int(point_id.rpartition(":")[2], 16) - _I64_OFFSET


def member_bytes(member_id: int) -> bytes:
    """A River ``MemberId`` as the index's author column (8 bytes, big-endian, signed)."""
    return member_id.to_bytes(8, "big", signed=True)


def id_ref(message_id: int) -> str:
    """How a message id is written in a ref (``IS`` and ``ANSWERS``)."""
    return member_id_to_hex(message_id)


def mention_names(member_id: int) -> frozenset[tuple[RefKind, str]]:
    """The refs a mention of ``member_id`` is stored as, in either of River's forms."""
    return frozenset({(RefKind.NAMES, member_id_display(member_id)), (RefKind.NAMES_ID, member_id_to_hex(member_id))})


def message_refs(message: AuthorizedMessage) -> tuple[Ref, ...]:
    """What the index records of whom ``message`` addresses (its own ``IS`` ref first)."""
    refs = [Ref(RefKind.IS, id_ref(message.id), member_bytes(message.author))]
    if not counts_as_message(message):
        return tuple(refs)
    opened = open_body(message.message.content)
    if opened.status is BodyStatus.SECRET_NOT_HELD:
        return (*refs, Ref(RefKind.OPAQUE, ""))
    content = opened.content
    if isinstance(content, ReplyContent):
        refs.append(Ref(RefKind.ANSWERS, id_ref(content.target_message_id)))
    if isinstance(content, TextContent | ReplyContent):
        for mention in parse_mentions(content.text):
            ref = mention.member_ref
            if isinstance(ref, LegacyRef):
                refs.append(Ref(RefKind.NAMES_ID, member_id_to_hex(ref.member_id)))
            else:
                refs.append(Ref(RefKind.NAMES, ref.label))
    return tuple(dict.fromkeys(refs))


def message_row(key: str, payload: bytes) -> IndexRow | None:
    parsed = parse_hist_key(key)
    if parsed is None:
        return None
    room, (secs, nanos, message_id) = parsed
    if secs > _MAX_TIME:  # no SQLite integer holds it; such a message is not shown by the index
        return None
    try:
        message = AuthorizedMessage.from_obj(river_codec.loads(payload))
    except (DecodeError, ValueError, TypeError, KeyError):
        return None
    t = message.message.time
    if message.message.room_owner != fast_hash(room) or (t.secs, t.nanos, message.id) != (secs, nanos, message_id):
        return None
    point = sort_point(secs, nanos, message_id)
    author = member_bytes(message.author) if counts_as_message(message) else NOT_COUNTED
    return IndexRow(room, point[0], point[1], author, message_refs(message))


MESSAGE_INDEXER: Final = Indexer("river-hist-v2", HIST_PREFIX, message_row, room_prefix=hist_prefix)
