"""The versioned envelope every stored value is wrapped in (formats.md §1).

``[0x01][generation u64 LE][payload]`` is River's live value; ``[0x02][generation u64 LE]`` is ours and marks a
deleted key whose generation keeps counting, so a re-created key never reuses a generation (no ABA).
"""

from __future__ import annotations

import struct
from typing import Final

TAG_VERSIONED: Final = 0x01
TAG_DELETED: Final = 0x02
HEADER_SIZE: Final = 9
MAX_GENERATION: Final = 2**64 - 1

_GENERATION = struct.Struct("<Q")


def _header(tag: int, generation: int) -> bytes:
    if not 0 <= generation <= MAX_GENERATION:
        raise ValueError(f"generation {generation} does not fit in an unsigned 64-bit integer")
    return bytes((tag,)) + _GENERATION.pack(generation)


def encode_versioned(generation: int, data: bytes) -> bytes:
    """A live value at ``generation``."""
    return _header(TAG_VERSIONED, generation) + bytes(data)


def encode_deleted(generation: int) -> bytes:
    """A deleted-key marker at ``generation``."""
    return _header(TAG_DELETED, generation)


def decode_versioned(stored: bytes) -> tuple[int, bytes | None]:
    """``(generation, payload)``; payload ``None`` for a deleted marker.

    River's defensive rule: anything shorter than the header or with an unknown tag is a raw payload at
    generation 0. A ``0x02`` value longer than the header is still a deleted marker (the tag decides).
    """
    raw = stored if type(stored) is bytes else bytes(stored)
    if len(raw) < HEADER_SIZE or raw[0] not in (TAG_VERSIONED, TAG_DELETED):
        return 0, raw
    (generation,) = _GENERATION.unpack_from(raw, 1)
    if raw[0] == TAG_DELETED:
        return generation, None
    return generation, raw[HEADER_SIZE:]


def is_deleted(stored: bytes) -> bool:
    """Whether ``stored`` decodes as a deleted marker, without copying the payload."""
    return len(stored) >= HEADER_SIZE and stored[0] == TAG_DELETED
