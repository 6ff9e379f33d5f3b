"""The indexer for today's message format: what the order index records of one ``msg:`` key.

Swapping the message format (River's ``AuthorizedMessageV1``) means writing another indexer of another name; the
store then rebuilds its index from the keys. Only messages ``read_messages`` would show get a row: decodable, bound
to the room their key names, stored under their own content id, and signed by their author.
"""

from __future__ import annotations

from typing import Final

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.room_state import Message, RoomStateError
from river_desktop.storage.history_index import Indexer, IndexRow
from river_desktop.storage.slots import MSG_PREFIX, parse_msg_key


def message_row(key: str, payload: bytes) -> IndexRow | None:
    parsed = parse_msg_key(key)
    if parsed is None:
        return None
    room, message_id = parsed
    try:
        message = Message.decode(payload)
    except (DecodeError, RoomStateError, ValueError):
        return None
    if message.room != room or message.id != message_id or not message.verify():
        return None
    return IndexRow(room, message.timestamp, message_id, message.author_vk)


MESSAGE_INDEXER: Final = Indexer("message-cbor-v1", MSG_PREFIX, message_row)
