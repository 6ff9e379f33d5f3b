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
