"""States we build are River's: the contract validates them and re-serializes them unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.state import ChatRoomState
from tests.unit.river.helpers import build_room, ident


def test_genesis_validates_and_round_trips(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner = ident(4)
    state = ChatRoomState.genesis(owner, "Interop", "desc", nickname="owner")
    data = state.encode()
    p = params(owner.verifying_key)
    assert oracle.validate_state(p, data).valid
    assert oracle.update_state(p, data, [("delta", b"")]).new_state == data


def test_populated_room_validates_and_round_trips(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, state = build_room(n_members=4, n_messages=9)
    data = state.encode()
    p = params(owner.verifying_key)
    assert oracle.validate_state(p, data).valid
    assert oracle.update_state(p, data, [("delta", b"")]).new_state == data


def _flip(sig: bytes) -> bytes:
    return bytes([sig[0] ^ 1]) + sig[1:]


OWNER, ROOM = build_room()
TAMPERED = {
    "configuration": replace(
        ROOM, configuration=replace(ROOM.configuration, signature=_flip(ROOM.configuration.signature))
    ),
    "member": replace(
        ROOM, members=(replace(ROOM.members[0], signature=_flip(ROOM.members[0].signature)), *ROOM.members[1:])
    ),
    "member_info": replace(
        ROOM,
        member_info=(
            *ROOM.member_info[:-1],
            replace(ROOM.member_info[-1], signature=_flip(ROOM.member_info[-1].signature)),
        ),
    ),
    "message": replace(
        ROOM, recent_messages=(replace(ROOM.recent_messages[0], signature=bytes(64)), *ROOM.recent_messages[1:])
    ),
    "missing inviter": replace(ROOM, members=ROOM.members[:1]),
    "owner listed as member": replace(
        ROOM,
        members=(
            *ROOM.members,
            replace(ROOM.members[0], member=replace(ROOM.members[0].member, member_vk=OWNER.verifying_key)),
        ),
    ),
    "state version": replace(ROOM, version=2),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_verify_refuses_what_the_contract_refuses_with_its_reason(
    oracle: Any, params: Callable[[bytes], bytes], name: str
) -> None:
    bad = TAMPERED[name]
    verdict = oracle.validate_state(params(OWNER.verifying_key), bad.encode())
    assert not verdict.valid
    with pytest.raises(RiverRuleError) as ours:
        bad.verify(OWNER.verifying_key)
    assert f"State verification failed: {ours.value}" in str(verdict.error)


def _lenient_variants(tree: Any) -> Any:
    """Bytes as bstr where River writes arrays, struct keys reversed, and an unknown key in each struct."""
    if isinstance(tree, list):
        if len(tree) >= 12 and all(isinstance(x, int) and 0 <= x < 256 for x in tree):
            return bytes(tree)
        return [_lenient_variants(x) for x in tree]
    if isinstance(tree, dict):
        out = {k: _lenient_variants(v) for k, v in reversed(list(tree.items()))}
        if len(out) > 1 and "secs_since_epoch" not in out:  # serde's SystemTime refuses unknown keys
            out["x_future"] = 0
        return out
    return tree


def test_lenient_input_reencodes_exactly_as_the_contract_does(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    import cbor2

    owner, state = build_room(n_members=3, n_messages=5)
    odd = bytes(cbor2.dumps(_lenient_variants(cbor2.loads(state.encode()))))
    assert odd != state.encode()
    theirs = oracle.update_state(params(owner.verifying_key), odd, [("delta", b"")]).new_state
    assert ChatRoomState.decode(odd).encode() == theirs == state.encode()
    assert oracle.validate_state(params(owner.verifying_key), odd).valid


def test_an_unknown_key_in_a_time_is_refused_by_both(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    import cbor2

    from river_desktop.domain.river.codec import RiverDecodeError

    owner, state = build_room(n_members=1, n_messages=1)
    tree = cbor2.loads(state.encode())
    tree["recent_messages"]["messages"][0]["message"]["time"]["x_future"] = 0
    odd = bytes(cbor2.dumps(tree))
    assert not oracle.validate_state(params(owner.verifying_key), odd).valid
    with pytest.raises(RiverDecodeError):
        ChatRoomState.decode(odd)


@pytest.mark.parametrize("n", [0, 2, 5, 7, 9, 11, 0x81])
def test_member_keys_decode_exactly_when_the_contract_can_decode_them(
    oracle: Any, params: Callable[[bytes], bytes], n: int
) -> None:
    from river_desktop.domain.member import AuthorizedMember
    from river_desktop.domain.river.codec import RiverDecodeError

    owner = ident(1)
    for vk in (bytes([n]) * 32, bytes([n]) + bytes(31)):
        am = AuthorizedMember.create(owner.verifying_key, owner, vk)
        data = replace(ChatRoomState.genesis(owner, "keys"), members=(am,)).encode()
        verdict = oracle.validate_state(params(owner.verifying_key), data)
        contract_decodes = verdict.valid or "Deser" not in str(verdict.error)
        try:
            ChatRoomState.decode(data)
            we_decode = True
        except RiverDecodeError:
            we_decode = False
        assert we_decode == contract_decodes
