"""Storage keys (formats.md §2) and their strict parsing."""

from __future__ import annotations

import functools
import re

from river_desktop.domain.identity import is_valid_verifying_key
from river_desktop.domain.rooms import RoomSlot, RoomsMeta, decode_slot, encode_slot

ROOM_PREFIX = "room:"
MSG_PREFIX = "msg:"
META_KEY = "rooms_meta"
LEGACY_BLOB_KEY = "rooms_data"
MIGRATION_DONE_KEY = "migration:rooms_data:done"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MSG_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def b58(data: bytes) -> str:
    """Bitcoin-alphabet base58 (the same text as the ``base58`` package, computed faster)."""
    n = int.from_bytes(data, "big")
    digits = []
    while n:
        n, rem = divmod(n, 58)
        digits.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def room_key(owner_vk: bytes) -> str:
    return ROOM_PREFIX + b58(owner_vk)


_B58_INDEX = {ch: i for i, ch in enumerate(_B58_ALPHABET)}


def b58decode(text: str) -> bytes | None:
    """Bitcoin-alphabet base58, or None for a character outside it (faster than the package for keys)."""
    n = 0
    index = _B58_INDEX
    for ch in text:
        digit = index.get(ch)
        if digit is None:
            return None
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


@functools.lru_cache(maxsize=65_536)
def parse_b58_room(text: str, *, check_point: bool = True) -> bytes | None:
    """The 32-byte verifying key a base58 text names, or None when it is not a valid room key.

    ``check_point=False`` skips the ed25519 point check (about 80 us) for keys whose slot is about
    to be decoded and matched against its owner key anyway.
    """
    if not text or len(text) > 64:
        return None
    raw = b58decode(text)
    if raw is None or len(raw) != 32 or (check_point and not is_valid_verifying_key(raw)):
        return None
    return bytes(raw)


def parse_room_key(key: str, *, check_point: bool = True) -> bytes | None:
    """River's rule: the prefix, base58 decoding to exactly 32 bytes, and a valid ed25519 point."""
    if not key.startswith(ROOM_PREFIX):
        return None
    return parse_b58_room(key[len(ROOM_PREFIX) :], check_point=check_point)


def msg_prefix(owner_vk: bytes) -> str:
    return f"{MSG_PREFIX}{b58(owner_vk)}:"


def msg_key(owner_vk: bytes, message_id: str) -> str:
    return msg_prefix(owner_vk) + message_id


def parse_msg_key(key: str) -> tuple[bytes, str] | None:
    if not key.startswith(MSG_PREFIX):
        return None
    rest = key[len(MSG_PREFIX) :]
    room_text, sep, message_id = rest.partition(":")
    if not sep or not _MSG_ID_RE.match(message_id):
        return None
    vk = parse_b58_room(room_text, check_point=False)
    return None if vk is None else (vk, message_id)


__all__ = [
    "LEGACY_BLOB_KEY",
    "META_KEY",
    "MIGRATION_DONE_KEY",
    "RoomSlot",
    "RoomsMeta",
    "decode_slot",
    "encode_slot",
    "msg_key",
    "parse_msg_key",
    "parse_room_key",
    "room_key",
]
