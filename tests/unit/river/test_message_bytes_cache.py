"""A message decoded from a canonical tree keeps its canonical bytes; any other tree re-encodes canonically.

The cache (``AuthorizedMessage.from_obj_keeping_bytes``, used for room states) must never keep bytes
``encode()`` would not build: lenient inputs (keys out of order, extra keys, byte strings where River writes
arrays, nanoseconds past a second) decode to the same message, whose bytes are then built by the encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cbor2
import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, MessageV1, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.rooms import Rooms

_AUTHOR = SigningIdentity(bytes([3]) * 32)
_ROOM = SigningIdentity(bytes([4]) * 32).verifying_key


def _fresh(msg: AuthorizedMessage) -> bytes:
    """The encoder's bytes for the same values, built from scratch (no cache)."""
    m = msg.message
    return AuthorizedMessage(MessageV1(m.room_owner, m.author, m.time, m.content), msg.signature).encode()


def _messages() -> list[AuthorizedMessage]:
    private = RoomMessageBody.private(1, 1, bytes(range(40)), bytes(range(12)), 3)
    return [
        AuthorizedMessage.create(_ROOM, _AUTHOR, SystemTime(1_700_000_000, 5), RoomMessageBody.text("hello")),
        AuthorizedMessage.create(_ROOM, _AUTHOR, SystemTime(2**40, 999_999_999), RoomMessageBody.join_event()),
        AuthorizedMessage.create(_ROOM, _AUTHOR, SystemTime(0), private),
    ]


@pytest.mark.parametrize("index", range(3))
def test_a_canonical_tree_keeps_its_bytes(index: int) -> None:
    msg = _messages()[index]
    decoded = AuthorizedMessage.from_obj_keeping_bytes(cbor2.loads(msg.encode()))
    assert "encoded" in decoded.__dict__  # taken from the tree, not built by the encoder
    assert decoded.encode() == _fresh(decoded) == msg.encode()
    assert decoded.verify(_AUTHOR.verifying_key)
    assert "encoded" not in AuthorizedMessage.from_obj(cbor2.loads(msg.encode())).__dict__  # history reads


def test_a_decoded_room_state_keeps_its_messages_bytes() -> None:
    rooms = Rooms()
    room = rooms.create_room("Room", "me")
    rooms.post_message(room.owner_vk, "hello", now=SystemTime(10))
    state = ChatRoomState.decode(rooms.get(room.owner_vk).room_state.encode())
    assert all("encoded" in m.__dict__ for m in state.recent_messages) and state.recent_messages


def _reorder(tree: dict[str, Any]) -> dict[str, Any]:
    return {"signature": tree["signature"], "message": tree["message"]}


def _extra(tree: dict[str, Any]) -> dict[str, Any]:
    return {**tree, "unknown": 1}


def _bstr_signature(tree: dict[str, Any]) -> dict[str, Any]:
    return {**tree, "signature": bytes(tree["signature"])}


def _bstr_data(tree: dict[str, Any]) -> dict[str, Any]:
    message = dict(tree["message"])
    ((name, body),) = message["content"].items()
    field = "data" if name == "Public" else "ciphertext"
    message["content"] = {name: {**body, field: bytes(body[field])}}
    return {**tree, "message": message}


def _carried_nanos(tree: dict[str, Any]) -> dict[str, Any]:
    message = dict(tree["message"])
    t = message["time"]
    secs, nanos = t["secs_since_epoch"] - 1, t["nanos_since_epoch"] + 10**9
    message["time"] = {"secs_since_epoch": secs, "nanos_since_epoch": nanos}
    return {**tree, "message": message}


def _time_keys_swapped(tree: dict[str, Any]) -> dict[str, Any]:
    message = dict(tree["message"])
    t = message["time"]
    message["time"] = {"nanos_since_epoch": t["nanos_since_epoch"], "secs_since_epoch": t["secs_since_epoch"]}
    return {**tree, "message": message}


_LENIENT: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = [
    ("keys out of order", _reorder),
    ("an unknown key", _extra),
    ("signature as a byte string", _bstr_signature),
    ("content as a byte string", _bstr_data),
    ("nanoseconds past a second", _carried_nanos),
    ("time keys out of order", _time_keys_swapped),
]


@pytest.mark.parametrize(("what", "bend"), _LENIENT, ids=[w for w, _ in _LENIENT])
@pytest.mark.parametrize("index", range(3))
def test_a_lenient_tree_re_encodes_canonically(
    what: str, bend: Callable[[dict[str, Any]], dict[str, Any]], index: int
) -> None:
    msg = _messages()[index]
    if what == "nanoseconds past a second" and msg.message.time.secs == 0:
        pytest.skip("no second to borrow from")
    tree = bend(cbor2.loads(msg.encode()))
    decoded = AuthorizedMessage.from_obj_keeping_bytes(tree)
    assert "encoded" not in decoded.__dict__, what
    assert decoded.encode() == msg.encode()
    assert cbor2.dumps(tree) != msg.encode()
