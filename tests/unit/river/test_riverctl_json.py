"""riverctl's rooms.json: serde_json shapes in, CBOR object trees out (and back, byte for byte)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import base58
import cbor2
import pytest

from river_desktop.domain.identity import SigningIdentity, verify
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import riverctl_json as rj

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "river" / "rooms.json"
OWNER = SigningIdentity(bytes([3] * 32))
ME = SigningIdentity(bytes([2] * 32))
ROOM_KEY = "GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse"


def _load() -> rj.RoomsFile:
    return rj.parse_rooms_json(FIXTURE.read_text(encoding="utf-8"))


def test_reads_rivers_shape() -> None:
    parsed = _load()
    assert parsed.problems == ()
    (room,) = parsed.rooms
    assert room.room_key == ROOM_KEY and room.owner_vk == OWNER.verifying_key
    assert room.identity.seed == ME.seed
    assert room.contract_key == "Ai4VLoC2jGdhpcB2UU8VPo3efUoxjm1Ju9VKXqRC63Az"
    assert room.invitation_secrets == ((0, bytes([0xA1] * 32)),)
    assert room.self_nickname == "Zoë" and room.previous_contract_key is None and room.invite_chain == ()


def test_state_tree_has_bytes_exactly_where_rivers_cbor_does() -> None:
    state = _load().rooms[0].state
    assert list(state) == [
        "configuration", "bans", "members", "member_info", "secrets",
        "recent_messages", "direct_messages", "upgrade", "version",
    ]
    member = state["members"]["members"][0]
    assert member["member"]["member_vk"] == ME.verifying_key  # bstr, as ed25519-dalek writes it
    assert isinstance(member["signature"], list)  # Signature stays an array of uints
    assert state["direct_messages"]["purges"][0]["state"]["purged"] == [bytes(range(16))]
    assert isinstance(state["recent_messages"]["messages"][0]["message"]["content"]["Public"]["data"], list)
    assert state["configuration"]["configuration"]["privacy_mode"] == "Public"


def test_signatures_verify_over_the_converted_trees() -> None:
    """The trees re-encode to the very CBOR River signed, so River would accept them too."""
    state = _load().rooms[0].state
    config = state["configuration"]
    assert verify(OWNER.verifying_key, cbor2.dumps(config["configuration"]), bytes(config["signature"]))
    msg = state["recent_messages"]["messages"][0]
    assert verify(ME.verifying_key, cbor2.dumps(msg["message"]), bytes(msg["signature"]))
    member = AuthorizedMember.from_obj(state["members"]["members"][0])
    assert member.verify(OWNER.verifying_key) and member.to_obj() == state["members"]["members"][0]
    me = AuthorizedMember.from_obj(_load().rooms[0].self_authorized_member)
    assert me.member_vk == ME.verifying_key and me.verify(OWNER.verifying_key)


def test_writes_back_byte_for_byte() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    assert rj.dump_rooms_json(_load().rooms) == text


def test_bad_room_is_reported_and_the_rest_still_load() -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    good = doc["rooms"][ROOM_KEY]
    short_key = copy.deepcopy(good)
    short_key["signing_key_bytes"] = [1] * 31
    bad_vk = copy.deepcopy(good)
    bad_vk["state"]["members"]["members"][0]["member"]["member_vk"] = [999] * 32
    other = SigningIdentity(bytes([8] * 32)).verifying_key
    doc["rooms"].update({
        "not-base58-0OIl": good,
        base58.b58encode(other).decode(): short_key,
        base58.b58encode(SigningIdentity(bytes([9] * 32)).verifying_key).decode(): bad_vk,
    })
    parsed = rj.parse_rooms_json(json.dumps(doc))
    assert [r.room_key for r in parsed.rooms] == [ROOM_KEY]
    messages = {p.message for p in parsed.problems}
    assert len(parsed.problems) == 3
    assert "the room key is not base58" in messages
    assert "signing_key_bytes must be 32 numbers" in messages
    assert any("member_vk" in m for m in messages)
    assert all("0707" not in m and "[1, 1" not in m for m in messages)


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"room": {}}', '{"rooms": []}', b"\xff\xfe"],
)
def test_bad_file_is_one_clear_error(text: str | bytes) -> None:
    with pytest.raises(rj.RiverctlJsonError):
        rj.parse_rooms_json(text)


def test_serde_defaults_for_old_files() -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    room = doc["rooms"][ROOM_KEY]
    optional = ("self_authorized_member", "invite_chain", "previous_contract_key")
    optional += ("invitation_secrets", "self_nickname")
    for key in optional:
        del room[key]
    del room["state"]["direct_messages"]
    (parsed,) = rj.parse_rooms_json(json.dumps(doc)).rooms
    assert parsed.self_authorized_member is None and parsed.invite_chain == () and parsed.invitation_secrets == ()
    out = rj.room_to_json(parsed)
    assert list(out) == [
        "signing_key_bytes", "state", "contract_key", "self_authorized_member",
        "invite_chain", "previous_contract_key", "invitation_secrets", "self_nickname",
    ]
    assert out["invitation_secrets"] == {} and out["invite_chain"] == []


def test_tree_to_json_rules() -> None:
    assert rj.tree_to_json({"a": b"\x01\x02", 3: [b"", None, True]}) == {"a": [1, 2], "3": [[], None, True]}
    with pytest.raises(TypeError):
        rj.tree_to_json({"x": 1.5})


def test_repr_hides_the_seed() -> None:
    room = _load().rooms[0]
    assert ME.seed.hex() not in repr(room) and "[2, 2" not in repr(room)
