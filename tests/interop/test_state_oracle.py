"""States we build are River's: the contract validates them and re-serializes them unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

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


def test_oracle_and_verify_agree_on_tampering(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, state = build_room()
    msg = state.recent_messages[2]
    bad = replace(state, recent_messages=(*state.recent_messages[:2], replace(msg, signature=bytes(64)),
                                          *state.recent_messages[3:]))
    assert not oracle.validate_state(params(owner.verifying_key), bad.encode()).valid
