"""Storage keys (docs/architecture.md, "Keys") and their strict parsing.

``hist:<b58 room>:<secs 016x><nanos 08x>:<message id + 2^63 016x>`` holds one River ``AuthorizedMessageV1``,
written once: key order is message order, so a page of history is a range of keys.
``outbox:<b58 room>:<secs 016x><nanos 08x>:<digest 016x>`` holds one ``ChatRoomStateV1Delta`` made here and not
yet confirmed by the network. ``v010:<key>`` is the rollback copy of a 0.1.0 profile's slots and preferences.
"""

from __future__ import annotations

import functools
import hashlib
import re

from river_desktop.domain.identity import is_valid_verifying_key
from river_desktop.domain.rooms import RoomSlot, RoomsMeta, decode_slot, encode_slot

ROOM_PREFIX = "room:"
MSG_PREFIX = "msg:"
"""0.1.0's message keys: read by the migration, never written."""
HIST_PREFIX = "hist:"
OUTBOX_PREFIX = "outbox:"
ROLLBACK_PREFIX = "v010:"
RIVER_MIGRATION_DONE_KEY = "migration:river:done"
_I64_OFFSET = 1 << 63
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


@functools.lru_cache(maxsize=65_536)
def room_b58(owner_vk: bytes) -> str:
    """A room key's base58 text, remembered: a save names its room's slot, outbox and history keys by it."""
    return b58(owner_vk)


def room_key(owner_vk: bytes) -> str:
    return ROOM_PREFIX + room_b58(owner_vk)


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
    return f"{MSG_PREFIX}{room_b58(owner_vk)}:"


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


def hist_prefix(owner_vk: bytes) -> str:
    return f"{HIST_PREFIX}{room_b58(owner_vk)}:"


def hist_suffix(secs: int, nanos: int, message_id: int) -> str:
    return f"{secs:016x}{nanos:08x}:{message_id + _I64_OFFSET:016x}"


def hist_key(owner_vk: bytes, secs: int, nanos: int, message_id: int) -> str:
    return hist_prefix(owner_vk) + hist_suffix(secs, nanos, message_id)


_HIST_RE = re.compile(r"^([0-9a-f]{16})([0-9a-f]{8}):([0-9a-f]{16})$")


def parse_hist_key(key: str) -> tuple[bytes, tuple[int, int, int]] | None:
    """The room and (secs, nanos, message id) a ``hist:`` key names, or None."""
    if not key.startswith(HIST_PREFIX):
        return None
    room_text, sep, rest = key[len(HIST_PREFIX) :].partition(":")
    match = _HIST_RE.match(rest) if sep else None
    if match is None:
        return None
    vk = parse_b58_room(room_text, check_point=False)
    if vk is None:
        return None
    return vk, (int(match[1], 16), int(match[2], 16), int(match[3], 16) - _I64_OFFSET)


def outbox_prefix(owner_vk: bytes) -> str:
    return f"{OUTBOX_PREFIX}{room_b58(owner_vk)}:"


def outbox_key(owner_vk: bytes, secs: int, nanos: int, delta: bytes) -> str:
    digest = hashlib.blake2b(delta, digest_size=8).hexdigest()
    return f"{outbox_prefix(owner_vk)}{secs:016x}{nanos:08x}:{digest}"


def parse_hist_room(key: str) -> bytes | None:
    parsed = parse_hist_key(key)
    return None if parsed is None else parsed[0]


__all__ = [
    "HIST_PREFIX",
    "LEGACY_BLOB_KEY",
    "META_KEY",
    "MIGRATION_DONE_KEY",
    "OUTBOX_PREFIX",
    "RIVER_MIGRATION_DONE_KEY",
    "ROLLBACK_PREFIX",
    "RoomSlot",
    "RoomsMeta",
    "decode_slot",
    "encode_slot",
    "hist_key",
    "hist_prefix",
    "msg_key",
    "outbox_key",
    "parse_hist_key",
    "parse_hist_room",
    "parse_msg_key",
    "parse_room_key",
    "room_key",
]
