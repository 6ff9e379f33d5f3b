"""The checks a page row read in one statement (history_page.py) passes before the page shows its message.

- On the first read of a row (:func:`accept_row`): the row is one this store wrote (a live envelope, a valid write
  counter, a UTF-8 key), its key names this room and the index row's time and id, its payload decodes to a River
  message of this room that is the message the key names (time, and ``fast_hash`` of the signature), and the
  index row's author column is the one ``message_rows.message_row`` makes of that message.
- On a later read (:class:`~river_desktop.storage.decoded_messages.DecodedMessages`): the whole row (key, time,
  id, author, stored envelope, write counter) is equal, byte for byte, to a row that passed those checks for this
  very room; decoding is a pure function of those bytes, so the same checks hold again.

A row that fails anything sends the whole page to the two-step read, which compares, logs and rebuilds the index
exactly as before (history_reads.py): nothing odd is decided here. Signatures are not verified again, as there.
"""

from __future__ import annotations

import builtins
from typing import cast

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import counts_as_message
from river_desktop.storage.decoded_messages import DecodedMessages
from river_desktop.storage.envelope import decode_versioned
from river_desktop.storage.faults import row_problem
from river_desktop.storage.history_page import PageRow
from river_desktop.storage.message_rows import NOT_COUNTED, member_bytes, sort_point
from river_desktop.storage.slots import parse_hist_key


def read_page(
    decoded: DecodedMessages, owner_vk: bytes, rows: builtins.list[PageRow]
) -> builtins.list[AuthorizedMessage] | None:
    """The page's messages, oldest first; ``None`` when any row is not a message the page may show as it is."""
    kept, missing = decoded.get_rows(owner_vk, rows)
    if missing:
        owner_id = river_codec.fast_hash(owner_vk)
        for i, row in enumerate(rows):
            if kept[i] is None:
                msg = accept_row(owner_vk, owner_id, row)
                if msg is None:
                    return None
                decoded.put(row[0], (owner_vk, row), msg)
                kept[i] = msg
    out = cast(builtins.list[AuthorizedMessage], kept)
    out.reverse()
    return out


def accept_row(owner_vk: bytes, owner_id: int, row: PageRow) -> AuthorizedMessage | None:
    """The message of a row read for the first time, after every check the two-step read makes; else ``None``."""
    raw_key, time, raw_id, author, value, seq = row
    try:
        key, point_id = raw_key.decode("utf-8"), raw_id.decode("utf-8")
    except (AttributeError, UnicodeDecodeError):
        return None
    if type(value) is not bytes or row_problem(key, True, seq) is not None:
        return None
    parsed = parse_hist_key(key)
    payload = decode_versioned(value)[1]
    if parsed is None or parsed[0] != owner_vk or payload is None:
        return None
    secs, nanos, message_id = parsed[1]
    if (time, point_id) != sort_point(secs, nanos, message_id):
        return None
    try:
        msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
    except (DecodeError, ValueError):
        return None
    t = msg.message.time
    if msg.message.room_owner != owner_id or (t.secs, t.nanos, msg.id) != (secs, nanos, message_id):
        return None
    if author != (member_bytes(msg.author) if counts_as_message(msg) else NOT_COUNTED):
        return None
    return msg
