"""After two profiles synced through the stand-in with CLI processes, every state they keep (and the node's)
is Valid to River's own room contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.net_world import Profiles, create_publish_invite_join, room_contract_wasm, running_node
from tests.interop.test_store_oracle import assert_valid, stored_states

pytestmark = pytest.mark.slow


def test_synced_profiles_keep_states_rivers_contract_accepts(
    oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    wasm = room_contract_wasm()
    if wasm is None:
        pytest.skip("River's room_contract.wasm is missing")
    with running_node() as node:
        world = Profiles(node, tmp_path / "alice", tmp_path / "bob")
        room = create_publish_invite_join(world, wasm)
        world.json(world.alice, "messages", "send", room, "one")
        world.json(world.bob, "messages", "send", room, "two")
        world.json(world.alice, "rooms", "rename", room, "Renamed")
        for profile in (world.alice, world.bob, world.alice, world.bob):
            world.sync(profile)
        node_states = node.states()
    alice, bob = stored_states(world.alice), stored_states(world.bob)
    assert alice == bob  # in step: the same bytes
    assert_valid(oracle, params, alice)
    assert_valid(oracle, params, bob)
    (vk,) = alice
    assert node_states == [alice[vk]]
    assert_valid(oracle, params, {vk: node_states[0]})
