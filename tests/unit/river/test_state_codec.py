"""ChatRoomState: canonical encoding, ciborium-style lenient decoding and River's validate_state rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import cbor2
import pytest

from river_desktop.domain.river import codec
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError
from river_desktop.domain.river.state import ChatRoomState

from .helpers import build_room, ident


def _bstr_everywhere(tree: Any) -> Any:
    """Turn every array of small ints into a bstr, as a client using serde_bytes would write."""
    if isinstance(tree, list):
        if tree and all(isinstance(x, int) and 0 <= x < 256 for x in tree) and len(tree) >= 12:
            return bytes(tree)
        return [_bstr_everywhere(x) for x in tree]
    if isinstance(tree, dict):
        return {k: _bstr_everywhere(v) for k, v in tree.items()}
    return tree


def _shuffled_with_extra(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_shuffled_with_extra(x) for x in tree]
    if isinstance(tree, dict):
        items = [(k, _shuffled_with_extra(v)) for k, v in tree.items()]
        out = dict(reversed(items))
        if len(out) > 1 and "secs_since_epoch" not in out:  # serde's SystemTime alone is strict
            out["zz_unknown_future_field"] = [1, 2, 3]
        return out
    return tree


def test_round_trip_is_byte_exact() -> None:
    _, state = build_room()
    data = state.encode()
    again = ChatRoomState.decode(data)
    assert again == state
    assert again.encode() == data
    # Our encoder agrees with a generic CBOR encoder over the same tree.
    assert bytes(cbor2.dumps(cbor2.loads(data))) == data


def test_bstr_for_arrays_decodes_to_the_same_state() -> None:
    _, state = build_room()
    tree = _bstr_everywhere(codec.loads(state.encode()))
    assert ChatRoomState.from_obj(tree) == state


def test_shuffled_keys_and_unknown_keys_are_ignored() -> None:
    _, state = build_room()
    tree = codec.loads(state.encode())
    # Enum maps have one key, so they get no extra key; every struct map does.
    tree = _shuffled_with_extra(tree)
    assert ChatRoomState.from_obj(tree) == state


def test_missing_optional_fields_take_defaults() -> None:
    _, state = build_room()
    tree = codec.loads(state.encode())
    del tree["direct_messages"]
    del tree["version"]
    decoded = ChatRoomState.from_obj(tree)
    assert decoded.version == 0
    assert decoded.direct_messages.messages == ()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.pop("members"),
        lambda t: t.__setitem__("bans", {}),
        lambda t: t["configuration"].__setitem__("signature", [1, 2, 3]),
        lambda t: t.__setitem__("version", -1),
        lambda t: t["recent_messages"]["messages"][0]["message"].__setitem__("author", 1 << 63),
        lambda t: t["recent_messages"]["messages"][0]["message"]["time"].__setitem__("extra", 0),
    ],
)
def test_bad_shapes_raise_decode_error(mutate: Any) -> None:
    _, state = build_room()
    tree = codec.loads(state.encode())
    mutate(tree)
    with pytest.raises(RiverDecodeError):
        ChatRoomState.from_obj(tree)


def test_garbage_bytes_raise_decode_error() -> None:
    with pytest.raises(RiverDecodeError):
        ChatRoomState.decode(b"\xff\x00garbage")


def test_valid_room_verifies() -> None:
    owner, state = build_room()
    assert state.verify(owner.verifying_key) is None


def _flip(sig: bytes) -> bytes:
    return bytes([sig[0] ^ 1]) + sig[1:]


def test_tampered_signatures_are_rejected() -> None:
    owner, state = build_room()
    ovk = owner.verifying_key
    cases = [
        replace(state, configuration=replace(state.configuration, signature=_flip(state.configuration.signature))),
        replace(
            state, members=(replace(state.members[0], signature=_flip(state.members[0].signature)), *state.members[1:])
        ),
        replace(
            state,
            member_info=(
                replace(state.member_info[0], signature=_flip(state.member_info[0].signature)),
                *state.member_info[1:],
            ),
        ),
        replace(
            state,
            recent_messages=(
                replace(state.recent_messages[0], signature=_flip(state.recent_messages[0].signature)),
                *state.recent_messages[1:],
            ),
        ),
    ]
    for bad in cases:
        with pytest.raises(RiverRuleError):
            bad.verify(ovk)


def test_wrong_owner_key_is_rejected() -> None:
    _, state = build_room()
    with pytest.raises(RiverRuleError, match="Invalid signature"):
        state.verify(ident(99).verifying_key)


def test_message_from_non_member_is_rejected() -> None:
    owner, state = build_room()
    # Drop the member who wrote message 1 (and so the chain below them).
    author = state.recent_messages[1].message.author
    members = tuple(m for m in state.members if m.member.id != author)
    infos = tuple(i for i in state.member_info if i.member_id != author)
    with pytest.raises(RiverRuleError):
        replace(state, members=members, member_info=infos).verify(owner.verifying_key)


def test_unknown_state_version_is_rejected() -> None:
    owner, state = build_room()
    with pytest.raises(RiverRuleError, match="Unknown state version 2"):
        replace(state, version=2).verify(owner.verifying_key)


def test_genesis_uses_rivers_defaults() -> None:
    owner = ident(3)
    state = ChatRoomState.genesis(owner, "Name", nickname="me")
    cfg = state.config
    assert (cfg.owner_member_id, cfg.configuration_version, cfg.max_recent_messages) == (owner.member_id, 1, 100)
    assert state.version == 0
    assert state.member_info[0].member_info.version == 0
    state.verify(owner.verifying_key)


def _json_tree(tree: Any) -> Any:
    """How serde_json (riverctl's rooms.json) writes the same value: byte strings become number arrays."""
    if isinstance(tree, bytes):
        return list(tree)
    if isinstance(tree, list):
        return [_json_tree(x) for x in tree]
    if isinstance(tree, dict):
        return {k: _json_tree(v) for k, v in tree.items()}
    return tree


def test_a_serde_json_tree_decodes_to_the_same_state() -> None:
    import json

    _, state = build_room()
    tree = json.loads(json.dumps(_json_tree(codec.loads(state.encode()))))
    assert ChatRoomState.from_obj(tree) == state


def test_booleans_are_not_bytes() -> None:
    _, state = build_room()
    tree = codec.loads(state.encode())
    tree["configuration"]["signature"][0] = True
    with pytest.raises(RiverDecodeError):
        ChatRoomState.from_obj(tree)


def test_decode_errors_never_echo_values() -> None:
    _, state = build_room()
    tree = codec.loads(state.encode())
    tree["configuration"]["configuration"]["display"]["name"] = {"Public": {"value": "secret-text"}}
    with pytest.raises(RiverDecodeError) as err:
        ChatRoomState.from_obj(tree)
    assert "secret-text" not in str(err.value)


def test_to_obj_and_from_obj_are_inverse_for_every_record() -> None:
    _, state = build_room()
    assert ChatRoomState.from_obj(state.to_obj()) == state
    records = [
        state.configuration,
        state.member_info[0],
        state.recent_messages[0],
        state.recent_messages[0].message.time,
        state.secrets,
        state.direct_messages,
    ]
    for record in records:
        assert type(record).from_obj(record.to_obj()) == record  # type: ignore[attr-defined]
