"""How many bytes to store a value in, so that rewriting it lets SQLite overwrite its pages in place (B2).

A room slot is River's ``RoomData`` with the room's whole state, about 20-30 KB: its row spills into a chain of
overflow pages. When a rewrite changes the row's size, SQLite writes a new chain and frees the old one (and
Debian's SQLite zeroes each freed page, another write): about twice the slot's pages go to the WAL for a one-letter
rename. When the row keeps its exact size, SQLite overwrites the cell where it is and writes only the pages whose
bytes changed, and nothing stale is left in freed pages.

So a value that spills is stored padded (envelope tag ``0x03``) with room to grow, and a rewrite that still fits
keeps the stored size of the row it replaces. The size that matters is the row's record (SQLite's file format,
"Record Format"): its header, the key, the value and the write counter ``seq``, whose integer takes 0 to 8 bytes by
its magnitude; a rewrite takes a new ``seq``, so the value's length absorbs a change in the counter's width.
Getting this wrong only costs the in-place write, never a byte of the value.
"""

from __future__ import annotations

from typing import Final

from river_desktop.storage.envelope import HEADER_SIZE, PADDED_HEADER_SIZE

PAD_FROM: Final = 4000
"""Values stored in fewer bytes stay in their table leaf (4,096-byte pages hold up to 4,061 payload bytes a cell),
which a rewrite writes anyway: those are stored as they are."""

MIN_ROOM: Final = 512


def room_to_grow(payload_len: int) -> int:
    """The padding a value is given when it is (re)allocated: a sixteenth, at least 512 bytes (a message or two)."""
    return max(MIN_ROOM, payload_len // 16)


def _varint_len(value: int) -> int:
    size = 1
    while value >= 0x80 and size < 9:
        value >>= 7
        size += 1
    return size


def int_size(value: int) -> int:
    """Bytes of an INTEGER in a record (serial types 8 and 9 store 0 and 1 in none)."""
    if value in (0, 1):
        return 0
    for size, limit in ((1, 1 << 7), (2, 1 << 15), (3, 1 << 23), (4, 1 << 31), (6, 1 << 47)):
        if -limit <= value < limit:
            return size
    return 8


def record_size(key_len: int, value_len: int, seq: int) -> int:
    """Bytes of the ``kv`` row ``(key TEXT, value BLOB, seq INTEGER)`` as SQLite stores its record."""
    types = _varint_len(2 * key_len + 13) + _varint_len(2 * value_len + 12) + 1
    header = types + _varint_len(types + 1)
    return header + key_len + value_len + int_size(seq)


def same_record_value_len(key_len: int, old_value_len: int, old_seq: int, new_seq: int) -> int | None:
    """The value length that gives the row written at ``new_seq`` the very record size of the one stored, or
    None when none does (a varint's width changes at that length)."""
    want = record_size(key_len, old_value_len, old_seq)
    guess = old_value_len + int_size(old_seq) - int_size(new_seq)
    for length in (guess, guess - 1, guess + 1):
        if length >= 0 and record_size(key_len, length, new_seq) == want:
            return length
    return None


def stored_size(
    payload_len: int, key_len: int, new_seq: int, old_value_len: int | None = None, old_seq: int | None = None
) -> int | None:
    """How many bytes to store a live value of ``payload_len`` in, padded; None: store it unpadded (tag 0x01).

    ``old_value_len`` and ``old_seq``: the stored row this write replaces, if any. Its size is kept when the value
    fits and the padding left is at most twice the room a fresh allocation gets; otherwise the value is stored
    with fresh room to grow. ``key_len`` is the key's UTF-8 length.
    """
    if HEADER_SIZE + payload_len < PAD_FROM:
        return None
    needed = PADDED_HEADER_SIZE + payload_len
    room = room_to_grow(payload_len)
    if old_value_len is not None and old_seq is not None:
        keep = same_record_value_len(key_len, old_value_len, old_seq, new_seq)
        if keep is not None and needed <= keep <= needed + 2 * room:
            return keep
    return needed + room
