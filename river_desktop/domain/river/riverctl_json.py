"""riverctl's ``rooms.json`` (``cli/src/storage.rs``): read and write it with serde_json's exact shapes.

The file is ``serde_json::to_string_pretty(RoomStorage)``::

    {"rooms": {"<base58 owner vk>": {
        "signing_key_bytes": [32 numbers], "state": ChatRoomStateV1, "contract_key": "<base58>",
        "self_authorized_member": AuthorizedMember | null, "invite_chain": [AuthorizedMember],
        "previous_contract_key": str | null, "invitation_secrets": {"0": [32 numbers]}, "self_nickname": str | null}}}

serde_json writes the same tree ciborium does, except that every byte vector, including the ones CBOR
writes as a byte string (a ``VerifyingKey``, a ``PurgeToken``), is an array of numbers, and map keys are
strings. We convert ``state`` and the member records to the CBOR object trees the rest of the domain reads
(byte strings exactly where River's CBOR has them) and back. A file that is not a ``RoomStorage`` is one
error; a single bad room is reported on its own while the other rooms still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import base58

from river_desktop.domain.cbor import CborObj
from river_desktop.domain.identity import SigningIdentity, is_valid_verifying_key, member_id, member_id_display

_U32_MAX = (1 << 32) - 1

# Where ChatRoomStateV1's CBOR has a byte string (serialize_bytes) rather than an array of uints.
# "*" walks every element of an array.
_STATE_BSTR_PATHS: tuple[tuple[str, ...], ...] = (
    ("members", "members", "*", "member", "member_vk"),
    ("direct_messages", "purges", "*", "state", "purged", "*"),
)
_MEMBER_BSTR_PATHS: tuple[tuple[str, ...], ...] = (("member", "member_vk"),)


class RiverctlJsonError(ValueError):
    """``rooms.json`` as a whole cannot be read. Messages name fields, never key or secret bytes."""


@dataclass(frozen=True)
class RoomProblem:
    """One room of an otherwise good file that could not be read."""

    room_key: str
    message: str


@dataclass(frozen=True, repr=False)
class StoredRoom:
    """riverctl's ``StoredRoomInfo`` with ``state`` and member records as CBOR object trees."""

    owner_vk: bytes
    identity: SigningIdentity
    state: CborObj = field(hash=False)
    contract_key: str
    self_authorized_member: CborObj | None = field(default=None, hash=False)
    invite_chain: tuple[CborObj, ...] = field(default=(), hash=False)
    previous_contract_key: str | None = None
    invitation_secrets: tuple[tuple[int, bytes], ...] = ()
    self_nickname: str | None = None

    @property
    def room_key(self) -> str:
        return base58.b58encode(self.owner_vk).decode("ascii")

    def __repr__(self) -> str:
        return (
            f"StoredRoom(room={member_id_display(member_id(self.owner_vk))}, "
            f"member={member_id_display(self.identity.member_id)}, secrets={[v for v, _ in self.invitation_secrets]})"
        )


@dataclass(frozen=True)
class RoomsFile:
    rooms: tuple[StoredRoom, ...]
    problems: tuple[RoomProblem, ...] = ()


# --- tree conversion -----------------------------------------------------------------------------


def _bytes_from_numbers(value: object, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value):
        return bytes(value)
    raise ValueError(f"{what} must be an array of byte values")


def _convert_paths(tree: Any, paths: tuple[tuple[str, ...], ...], what: str) -> Any:
    for path in paths:
        tree = _at_path(tree, path, what)
    return tree


def _at_path(node: Any, path: tuple[str, ...], what: str) -> Any:
    if not path:
        return _bytes_from_numbers(node, what)
    head, rest = path[0], path[1:]
    if head == "*":
        return [_at_path(item, rest, what) for item in node] if isinstance(node, list) else node
    if isinstance(node, dict) and head in node and node[head] is not None:
        return {**node, head: _at_path(node[head], rest, f"{what}.{head}")}
    return node


def json_to_tree(value: Any) -> CborObj:
    """A structural copy of parsed JSON (numbers, text, arrays, objects); no byte strings are made here."""
    if isinstance(value, dict):
        return {k: json_to_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_to_tree(v) for v in value]
    return value


def tree_to_json(value: CborObj) -> Any:
    """serde_json's view of a CBOR object tree: bytes become arrays of numbers, map keys become strings."""
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, dict):
        return {_json_key(k): tree_to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tree_to_json(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    raise TypeError(f"{type(value).__name__} has no place in a River state tree")


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TypeError("River's JSON map keys are text or integers")


def state_from_json(value: Any) -> CborObj:
    """``ChatRoomStateV1`` from riverctl's JSON to the CBOR object tree (member keys and purge tokens as bytes)."""
    if not isinstance(value, dict):
        raise ValueError("state must be an object")
    return _convert_paths(json_to_tree(value), _STATE_BSTR_PATHS, "state")


def state_to_json(tree: CborObj) -> Any:
    return tree_to_json(tree)


def member_from_json(value: Any) -> CborObj:
    """An ``AuthorizedMember`` from JSON to its CBOR object tree (``member_vk`` as bytes)."""
    if not isinstance(value, dict) or not isinstance(value.get("member"), dict):
        raise ValueError("an authorized member must be an object with a member")
    return _convert_paths(json_to_tree(value), _MEMBER_BSTR_PATHS, "authorized member")


# --- the file ------------------------------------------------------------------------------------


def _owner_vk(room_key: str) -> bytes:
    try:
        raw = base58.b58decode(room_key)
    except ValueError:
        raise ValueError("the room key is not base58") from None
    if not is_valid_verifying_key(raw):
        raise ValueError("the room key is not an ed25519 verifying key")
    return raw


def _opt_str(info: dict[str, Any], key: str) -> str | None:
    value = info.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{key} must be text or null")


def _room(room_key: str, info: Any) -> StoredRoom:
    if not isinstance(info, dict):
        raise ValueError("the room entry must be an object")
    for required in ("signing_key_bytes", "state", "contract_key"):
        if required not in info:
            raise ValueError(f"missing {required}")
    seed = _bytes_from_numbers(info["signing_key_bytes"], "signing_key_bytes")
    if len(seed) != 32:
        raise ValueError("signing_key_bytes must be 32 numbers")
    contract_key = info["contract_key"]
    if not isinstance(contract_key, str):
        raise ValueError("contract_key must be text")
    me = info.get("self_authorized_member")
    chain = info.get("invite_chain") or []
    if not isinstance(chain, list):
        raise ValueError("invite_chain must be an array")
    secrets_obj = info.get("invitation_secrets") or {}
    if not isinstance(secrets_obj, dict):
        raise ValueError("invitation_secrets must be an object")
    secrets = []
    for version_text, secret in secrets_obj.items():
        if not (isinstance(version_text, str) and version_text.isdigit() and int(version_text) <= _U32_MAX):
            raise ValueError("invitation_secrets keys must be u32 numbers")
        raw = _bytes_from_numbers(secret, f"invitation secret v{version_text}")
        if len(raw) != 32:
            raise ValueError(f"invitation secret v{version_text} must be 32 numbers")
        secrets.append((int(version_text), raw))
    return StoredRoom(
        owner_vk=_owner_vk(room_key),
        identity=SigningIdentity(seed),
        state=state_from_json(info["state"]),
        contract_key=contract_key,
        self_authorized_member=None if me is None else member_from_json(me),
        invite_chain=tuple(member_from_json(m) for m in chain),
        previous_contract_key=_opt_str(info, "previous_contract_key"),
        invitation_secrets=tuple(sorted(secrets)),
        self_nickname=_opt_str(info, "self_nickname"),
    )


def _safe_label(room_key: object) -> str:
    if isinstance(room_key, str) and len(room_key) <= 64 and room_key.isalnum():
        return room_key
    return "<unreadable room key>"


def parse_rooms_json(text: str | bytes) -> RoomsFile:
    """Every readable room, plus one :class:`RoomProblem` for each room that is not."""
    try:
        top = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise RiverctlJsonError(f"rooms.json is not valid JSON{where}") from None
    if not isinstance(top, dict) or not isinstance(top.get("rooms"), dict):
        raise RiverctlJsonError('rooms.json must be an object with a "rooms" object')
    rooms: list[StoredRoom] = []
    problems: list[RoomProblem] = []
    for room_key, info in top["rooms"].items():
        try:
            rooms.append(_room(room_key, info))
        except (ValueError, TypeError) as exc:
            problems.append(RoomProblem(_safe_label(room_key), str(exc)))
    return RoomsFile(tuple(rooms), tuple(problems))


def room_to_json(room: StoredRoom) -> dict[str, Any]:
    """``StoredRoomInfo`` in serde's field order."""
    return {
        "signing_key_bytes": list(room.identity.seed),
        "state": state_to_json(room.state),
        "contract_key": room.contract_key,
        "self_authorized_member": tree_to_json(room.self_authorized_member),
        "invite_chain": [tree_to_json(m) for m in room.invite_chain],
        "previous_contract_key": room.previous_contract_key,
        "invitation_secrets": {str(v): list(s) for v, s in sorted(room.invitation_secrets)},
        "self_nickname": room.self_nickname,
    }


def dump_rooms_json(rooms: Iterable[StoredRoom]) -> str:
    """The file as ``serde_json::to_string_pretty`` lays it out (two-space indent, UTF-8 kept)."""
    doc = {"rooms": {room.room_key: room_to_json(room) for room in rooms}}
    return json.dumps(doc, indent=2, ensure_ascii=False)


__all__ = [
    "RiverctlJsonError",
    "RoomProblem",
    "RoomsFile",
    "StoredRoom",
    "dump_rooms_json",
    "json_to_tree",
    "member_from_json",
    "parse_rooms_json",
    "room_to_json",
    "state_from_json",
    "state_to_json",
    "tree_to_json",
]
