"""Canonical bytes kept from a decode, and reused by identity, so a save re-encodes only what changed (B2).

A room state is re-encoded on every save of its room, but a rename or a nickname changes one field: the members,
their member info and the message window are the very objects the state was decoded into. Two ways keep their
encoding from being rebuilt:

- **Kept at decode.** A member or member-info tree already in canonical shape (River's key order, nothing extra,
  byte fields as arrays, the verifying key a byte string, no empty ``deputies``) re-encodes to exactly what the
  record's own ``encode`` builds, so cbor2's C encoder makes those bytes at decode (a few microseconds) and the
  record keeps them, as :meth:`AuthorizedMessage.from_obj_keeping_bytes` does for messages. A tree in any other
  shape is decoded as before and encoded the plain way when needed.
- **Reused by identity.** :data:`FIELD_BYTES` maps an immutable field value (a tuple of frozen records: the
  members, member info, bans, the message window) to the bytes it encoded to, keyed by its items' identities:
  a state made from another by replacing one field encodes the others by lookup. The memo holds each value it
  names, so an id is never reused for another object while its entry lives.

Tests compare both with a fresh encode, byte for byte, over random trees and edits.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

import cbor2

_AUTH_MEMBER_KEYS: Final = ["member", "signature"]
_MEMBER_KEYS: Final = ["owner_member_id", "invited_by", "member_vk"]
_AUTH_INFO_KEYS: Final = ["member_info", "signature"]
_INFO_KEYS: Final = ["member_id", "version", "preferred_nickname"]
_INFO_KEYS_DEPUTIES: Final = [*_INFO_KEYS, "deputies"]
_PUBLIC_KEYS: Final = ["value"]
_PRIVATE_KEYS: Final = ["ciphertext", "nonce", "secret_version", "declared_len_bytes"]


def canonical_member_tree(tree: Any) -> bool:
    """Whether an ``AuthorizedMember`` tree (already accepted by the lenient decoder) is in canonical shape."""
    if type(tree) is not dict or list(tree) != _AUTH_MEMBER_KEYS or type(tree["signature"]) is not list:
        return False
    member = tree["member"]
    return type(member) is dict and list(member) == _MEMBER_KEYS and type(member["member_vk"]) is bytes


def canonical_public_or_private(tree: Any, public_keys: list[str], public_array: str, private_keys: list[str]) -> bool:
    """Whether an externally tagged ``Public`` / ``Private`` tree is in canonical shape: one variant, River's key
    order, and its byte fields as arrays (``public_array``; ``ciphertext`` and ``nonce``)."""
    if type(tree) is not dict or len(tree) != 1:
        return False
    ((name, body),) = tree.items()
    if type(body) is not dict:
        return False
    if name == "Public":
        return list(body) == public_keys and type(body[public_array]) is list
    return (
        name == "Private"
        and list(body) == private_keys
        and type(body["ciphertext"]) is list
        and type(body["nonce"]) is list
    )


def canonical_member_info_tree(tree: Any) -> bool:
    """Whether an ``AuthorizedMemberInfo`` tree (already accepted by the lenient decoder) is in canonical shape."""
    if type(tree) is not dict or list(tree) != _AUTH_INFO_KEYS or type(tree["signature"]) is not list:
        return False
    info = tree["member_info"]
    if type(info) is not dict:
        return False
    keys = list(info)
    if keys == _INFO_KEYS_DEPUTIES:
        deputies = info["deputies"]
        if type(deputies) is not list or not deputies:
            return False
    elif keys != _INFO_KEYS:
        return False
    return canonical_public_or_private(info["preferred_nickname"], _PUBLIC_KEYS, "value", _PRIVATE_KEYS)


def tree_bytes(tree: Mapping[str, Any]) -> bytes:
    """The bytes of a tree in canonical shape (cbor2 keeps key order and writes minimal heads, as ciborium)."""
    return bytes(cbor2.dumps(tree))


_LIMIT: Final = 256
"""Entries kept: four per state encoded (its bans, members, member info and window), the newest 64 states."""


class IdentityMemo:
    """Bytes of immutable values by identity, bounded, oldest dropped first; thread-safe.

    A tuple is known by the identity of its items, not its own: River's ``apply_delta`` builds a new tuple of
    the same records for every field it passes through, and those records are what the bytes were made of.
    """

    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        self._items: OrderedDict[object, tuple[object, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0
        """How many encodes this memo could not answer (tests count them)."""

    def encode(self, value: Any, fresh: Callable[[Any], bytes]) -> bytes:
        """``fresh(value)``, or the bytes it gave for this value before (one entry per encoder: the same empty
        tuple is both no bans and no members, which encode differently)."""
        key: object = (fresh, *map(id, value)) if isinstance(value, tuple) else (fresh, id(value))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and _same(hit[0], value):
                self._items.move_to_end(key)
                return hit[1]
        data = fresh(value)
        with self._lock:
            self.misses += 1
            self._items[key] = (value, data)
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)
        return data

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def _same(held: object, value: object) -> bool:
    """The held object is this value, or a tuple of the very same items (the memo holds them: ids stay theirs)."""
    if held is value:
        return True
    return (
        type(held) is tuple and type(value) is tuple and len(held) == len(value) and all(map(operator.is_, held, value))
    )


FIELD_BYTES: Final = IdentityMemo()
"""The encoded bytes of room-state fields (tuples of frozen records) by their items' identity."""


__all__ = [
    "FIELD_BYTES",
    "IdentityMemo",
    "canonical_member_info_tree",
    "canonical_member_tree",
    "tree_bytes",
]
