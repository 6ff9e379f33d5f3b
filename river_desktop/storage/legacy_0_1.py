"""A small reader for what River Desktop 0.1.0 stored, for the migration to River's model only.

0.1.0 kept ``room:<b58>`` as ``{"Present": {owner_vk, self_sk, room_state, self_authorized_member, last_read,
invitation_secrets, self_nickname, identity_generation, epoch}}`` with a state of its own (a configuration signed
over ``{name, description, version}``, River's ``AuthorizedMember`` records, nicknames signed over ``{member_vk,
nickname, version}``), and each message under ``msg:<b58>:<32 hex>`` as ``{"message": {room, author_vk, timestamp
(ms), text, reply_to}, "signature"}``. Only the shapes are read here; nothing is written in this format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from river_desktop.domain import cbor
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.member import AuthorizedMember


@dataclass(frozen=True)
class LegacyConfiguration:
    name: str
    description: str
    version: int


@dataclass(frozen=True)
class LegacyNickname:
    member_vk: bytes
    nickname: str
    version: int


@dataclass(frozen=True, repr=False)
class LegacyRoom:
    owner_vk: bytes
    seed: bytes
    configuration: LegacyConfiguration | None
    members: tuple[AuthorizedMember, ...]
    nicknames: tuple[LegacyNickname, ...]
    self_authorized_member: AuthorizedMember | None
    last_read: tuple[int, str] | None
    invitation_secrets: Mapping[int, bytes] = field(default_factory=dict)
    self_nickname: str = ""
    identity_generation: int = 0
    epoch: int = 0

    def __repr__(self) -> str:
        return f"LegacyRoom({self.owner_vk[:4].hex()}…, epoch={self.epoch})"


@dataclass(frozen=True)
class LegacyMessage:
    message_id: str
    room: bytes
    author_vk: bytes
    timestamp_ms: int
    text: str
    reply_to: str | None
    signature: bytes


def is_legacy_slot(tree: Any) -> bool:
    """A 0.1.0 Present slot: its RoomData has 0.1.0's ``epoch`` and none of River's ``contract_key``."""
    if not isinstance(tree, dict) or not isinstance(tree.get("Present"), dict):
        return False
    data = tree["Present"]
    return "epoch" in data and "contract_key" not in data


def read_room(tree: Any) -> LegacyRoom:
    m = cbor.expect_map(tree["Present"], _ROOM_FIELDS, "0.1.0 room data")
    state = cbor.expect_map(m["room_state"], _STATE_FIELDS, "0.1.0 room state")
    cfg_obj = state["configuration"]
    cfg = None
    if cfg_obj is not None:
        body = cbor.expect_map(
            cbor.expect_map(cfg_obj, ("configuration", "signature"), "0.1.0 configuration")["configuration"],
            ("name", "description", "version"),
            "0.1.0 configuration body",
        )
        cfg = LegacyConfiguration(
            cbor.expect_str(body["name"], "name"),
            cbor.expect_str(body["description"], "description"),
            cbor.expect_int(body["version"], "version", unsigned=True),
        )
    nicks = []
    for info in _list(state["member_info"], "member_info"):
        body = cbor.expect_map(cbor.expect_map(info, ("member_info", "signature"), "0.1.0 member info")["member_info"],
                               ("member_vk", "nickname", "version"), "0.1.0 member info body")  # fmt: skip
        nicks.append(
            LegacyNickname(
                cbor.expect_bytes(body["member_vk"], 32, "member_vk"),
                cbor.expect_str(body["nickname"], "nickname"),
                cbor.expect_int(body["version"], "version", unsigned=True),
            )
        )
    am = m["self_authorized_member"]
    last = m["last_read"]
    secrets = m["invitation_secrets"]
    if not isinstance(secrets, dict):
        raise DecodeError("invitation_secrets must be a map")
    return LegacyRoom(
        owner_vk=cbor.expect_bytes(m["owner_vk"], 32, "owner_vk"),
        seed=cbor.expect_bytes(m["self_sk"], 32, "self_sk"),
        configuration=cfg,
        members=tuple(AuthorizedMember.from_obj(x) for x in _list(state["members"], "members")),
        nicknames=tuple(nicks),
        self_authorized_member=None if am is None else AuthorizedMember.from_obj(am),
        last_read=None
        if last is None
        else (cbor.expect_int(last[0], "last_read", unsigned=True), cbor.expect_str(last[1], "last_read id")),
        invitation_secrets={
            cbor.expect_int(k, "secret version", unsigned=True): cbor.expect_bytes(v, 32, "secret")
            for k, v in secrets.items()
        },
        self_nickname=cbor.expect_str(m["self_nickname"], "self_nickname"),
        identity_generation=cbor.expect_int(m["identity_generation"], "identity_generation", unsigned=True),
        epoch=cbor.expect_int(m["epoch"], "epoch", unsigned=True),
    )


def read_message(message_id: str, payload: bytes) -> LegacyMessage:
    obj = cbor.expect_map(cbor.loads(payload), ("message", "signature"), "0.1.0 message")
    body = cbor.expect_map(obj["message"], ("room", "author_vk", "timestamp", "text", "reply_to"), "0.1.0 message")
    reply = body["reply_to"]
    return LegacyMessage(
        message_id,
        cbor.expect_bytes(body["room"], 32, "room"),
        cbor.expect_bytes(body["author_vk"], 32, "author_vk"),
        cbor.expect_int(body["timestamp"], "timestamp", unsigned=True),
        cbor.expect_str(body["text"], "text"),
        None if reply is None else cbor.expect_str(reply, "reply_to"),
        cbor.expect_bytes(obj["signature"], 64, "signature"),
    )


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise DecodeError(f"{what} must be an array")
    return value


_ROOM_FIELDS = (
    "owner_vk",
    "self_sk",
    "room_state",
    "self_authorized_member",
    "last_read",
    "invitation_secrets",
    "self_nickname",
    "identity_generation",
    "epoch",
)
_STATE_FIELDS = ("owner_vk", "configuration", "members", "member_info", "messages")
