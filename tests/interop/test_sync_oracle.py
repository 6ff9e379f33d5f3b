"""River's own room contract judges what the sync engine stores and sends (../shared/river-oracle).

The stand-in node merges with River's real ``room_contract.wasm`` here, so every UPDATE the engine sends is
applied by River's code; on top, each state either store ever held is checked with ``validate_state`` and the
node's history is replayed through the contract from the first PUT.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import sync
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Summary
from river_desktop.net.client_api import ContractOp, Put, Update
from river_desktop.net.room_contract import RIVER_ROOM_CODE_HASH, RoomContract, load_contract_code
from river_desktop.net.types import DeltaUpdate
from tests.interop.conftest import _oracle_dir
from tests.net.sync_harness import ALICE, ALICE_ME, OVK, World
from tests.standin.node import MergeRejected, StandinNode
from tests.standin.river import river_merge, river_summarize


def _river_node(rc: Any) -> StandinNode:
    from river_contract import ContractError

    def merge(params: bytes, state: bytes, update: tuple[str, bytes]) -> bytes:
        try:
            return bytes(rc.apply_update(params, state, [update]))
        except ContractError as exc:
            raise MergeRejected(f"State verification failed: {exc}") from None

    def validate(params: bytes, state: bytes) -> None:
        verdict = rc.validate_state(params, state)
        if not verdict.valid:
            raise MergeRejected(f"State verification failed: {verdict}")

    return StandinNode(merge=merge, validate=validate, summarize=rc.summarize_state)


def test_everything_the_engine_stores_or_sends_is_valid_to_river(oracle: Any, params: Any) -> None:
    wasm = _oracle_dir() / "room_contract.wasm"
    if not wasm.is_file():
        pytest.skip("room_contract.wasm is not in the oracle folder")
    code = load_contract_code(wasm, RIVER_ROOM_CODE_HASH)
    p = params(OVK)

    async def scenario() -> None:
        async with _river_node(oracle) as node:
            w = World(node.url, RoomContract(), code)
            alice, bob = w.profile("alice"), w.profile("bob")
            w.alice_room(alice.store)
            bob_me = w.invite(bob.store, 2, "Bob")
            crashed = asyncio.Event()

            async def die_after_first_update(n: Any, req: Update) -> None:
                if not crashed.is_set():
                    crashed.set()
                    await n.crash()

            try:
                alice.start()
                await w.signal.until(alice.synced)
                bob.start()
                await w.signal.until(lambda: bob.synced() and bob_me.member_id in alice.state().members_by_id())
                hello = w.post(bob, bob_me, "hello")
                await w.signal.until(lambda: "hello" in alice.texts())
                alice.store.apply(OVK, ops.react(alice.state(), OVK, ALICE_ME, hello, "🌱", now=w.tick()))
                node.after_update = die_after_first_update
                alice.store.apply(OVK, ops.rename(alice.state(), OVK, ALICE, "Renamed"))
                alice.store.apply(OVK, ops.set_nickname(alice.state(), OVK, ALICE_ME, "Alice B."))
                alice.engine.kick()
                await crashed.wait()
                await node.stop()
                node.after_update = None
                await node.start()
                w.post(bob, bob_me, "after the restart")
                await w.signal.until(lambda: alice.synced() and bob.synced() and bob.room_name() == "Renamed"
                                     and "after the restart" in alice.texts() and alice.state() == bob.state())
                errors = alice.engine.errors + bob.engine.errors
                assert not [e for e in errors if "refused" in e and "reachable" not in e]
            finally:
                await w.close()

            for store in (alice.store, bob.store):
                assert store.history
                for _, state in store.history:
                    verdict = oracle.validate_state(p, state)
                    assert verdict.valid, verdict
            puts = [r.request.state for r in node.received if isinstance(r, ContractOp) and isinstance(r.request, Put)]
            assert len(puts) == 1
            state = puts[0]
            assert oracle.validate_state(p, state).valid
            deltas = [r.request.data.delta for r in node.received if isinstance(r, ContractOp)
                      and isinstance(r.request, Update) and isinstance(r.request.data, DeltaUpdate)]
            assert len(deltas) >= 5  # join, post, react, rename, nickname, post
            ours = state
            for d in deltas:
                state = bytes(oracle.apply_update(p, state, [("delta", d)]))  # raises if River refuses it
                ours = river_merge(p, ours, ("delta", d))
                assert ours == state  # the stand-in's River merge stores what River's contract stores
                assert river_summarize(p, ours) == bytes(oracle.summarize_state(p, state))
            assert state == node.contracts[RoomContract().instance_id(OVK)].state
            # The engine reads River's own summaries (UpdateResponse) as ours.
            assert Summary.decode(oracle.summarize_state(p, state)) == sync.summarize(ChatRoomState.decode(state), OVK)

    asyncio.run(asyncio.wait_for(scenario(), 180))
