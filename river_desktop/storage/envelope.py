"""The versioned envelope every stored value is wrapped in (formats.md §1).

``[0x01][generation u64 LE][payload]`` is River's live value; ``[0x02][generation u64 LE]`` is ours and marks a
deleted key whose generation keeps counting, so a re-created key never reuses a generation (no ABA).
``[0x03][generation u64 LE][payload length u32 LE][payload][zero padding]`` is ours too: a live value stored with
room to grow, so that rewriting it keeps its stored size and SQLite overwrites its pages in place (in_place.py).
"""

from __future__ import annotations

import struct
from typing import Final

TAG_VERSIONED: Final = 0x01
TAG_DELETED: Final = 0x02
TAG_PADDED: Final = 0x03
HEADER_SIZE: Final = 9
PADDED_HEADER_SIZE: Final = 13
MAX_GENERATION: Final = 2**64 - 1
MAX_PADDED_PAYLOAD: Final = 2**32 - 1

_GENERATION = struct.Struct("<Q")
_PADDED = struct.Struct("<QI")


def _header(tag: int, generation: int) -> bytes:
    if not 0 <= generation <= MAX_GENERATION:
        raise ValueError(f"generation {generation} does not fit in an unsigned 64-bit integer")
    return bytes((tag,)) + _GENERATION.pack(generation)


def encode_versioned(generation: int, data: bytes) -> bytes:
    """A live value at ``generation``."""
    return _header(TAG_VERSIONED, generation) + bytes(data)


def encode_padded(generation: int, data: bytes, size: int) -> bytes:
    """A live value at ``generation``, zero-padded to ``size`` stored bytes (at least its header and payload)."""
    payload = bytes(data)
    if len(payload) > MAX_PADDED_PAYLOAD:
        raise ValueError(f"a padded value holds at most {MAX_PADDED_PAYLOAD} payload bytes")
    body = _header(TAG_PADDED, generation) + len(payload).to_bytes(4, "little") + payload
    if size < len(body):
        raise ValueError(f"a padded value of {len(payload)} payload bytes needs {len(body)} stored bytes, not {size}")
    return body + bytes(size - len(body))


def encode_deleted(generation: int) -> bytes:
    """A deleted-key marker at ``generation``."""
    return _header(TAG_DELETED, generation)


def decode_versioned(stored: bytes) -> tuple[int, bytes | None]:
    """``(generation, payload)``; payload ``None`` for a deleted marker.

    River's defensive rule: anything shorter than the header or with an unknown tag is a raw payload at
    generation 0, and so is a ``0x03`` value whose length field does not fit in it. A ``0x02`` value longer than
    the header is still a deleted marker (the tag decides).
    """
    raw = stored if type(stored) is bytes else bytes(stored)
    if len(raw) < HEADER_SIZE:
        return 0, raw
    tag = raw[0]
    if tag == TAG_VERSIONED:
        return _GENERATION.unpack_from(raw, 1)[0], raw[HEADER_SIZE:]
    if tag == TAG_DELETED:
        return _GENERATION.unpack_from(raw, 1)[0], None
    if tag == TAG_PADDED and len(raw) >= PADDED_HEADER_SIZE:
        generation, length = _PADDED.unpack_from(raw, 1)
        if length <= len(raw) - PADDED_HEADER_SIZE:
            return generation, raw[PADDED_HEADER_SIZE : PADDED_HEADER_SIZE + length]
    return 0, raw


def generation_of(head: bytes, size: int) -> int:
    """:func:`decode_versioned`'s generation from a value's first :data:`PADDED_HEADER_SIZE` bytes (or all of
    it, when shorter) and its stored ``size``, without reading its payload."""
    raw = bytes(head[:PADDED_HEADER_SIZE])
    if len(raw) < HEADER_SIZE or raw[0] not in (TAG_VERSIONED, TAG_DELETED, TAG_PADDED):
        return 0
    if raw[0] == TAG_PADDED and (
        len(raw) < PADDED_HEADER_SIZE or _PADDED.unpack_from(raw, 1)[1] > size - PADDED_HEADER_SIZE
    ):
        return 0
    return int(_GENERATION.unpack_from(raw, 1)[0])


def is_deleted(stored: bytes) -> bool:
    """Whether ``stored`` decodes as a deleted marker, without copying the payload."""
    return len(stored) >= HEADER_SIZE and stored[0] == TAG_DELETED
