"""The client and the stand-in node with River's own room contract doing the merging (../shared/river-oracle).

The stand-in validates, merges and summarizes with River's real ``room_contract.wasm`` under wasmtime, so the
states, deltas and summaries that cross the socket here are River's bytes, judged by River's code.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import cbor2
import pytest
from nacl.signing import SigningKey

from river_desktop.net.client import FreenetClient
from river_desktop.net.client_api import PutResponse, UpdateNotification
from river_desktop.net.errors import NodeError
from river_desktop.net.room_contract import RIVER_ROOM_CODE_HASH, RoomContract, load_contract_code, room_params
from river_desktop.net.types import ContractCode, DeltaUpdate, StateUpdate
from tests.standin.node import MergeRejected, StandinNode

REPO = Path(__file__).resolve().parents[2]
ORACLE = Path(os.environ.get("RIVER_ORACLE_DIR", REPO.parent / "shared" / "river-oracle"))
WAIT = 30.0

pytest.importorskip("wasmtime")
if not (ORACLE / "river_contract.py").exists():
    pytest.skip("../shared/river-oracle is not here", allow_module_level=True)
sys.path.insert(0, str(ORACLE))
from river_contract import ContractError, RiverContract  # noqa: E402


@pytest.fixture(scope="module")
def river() -> RiverContract:
    return RiverContract()


@pytest.fixture(scope="module")
def wasm() -> ContractCode:
    return load_contract_code(ORACLE / "room_contract.wasm", RIVER_ROOM_CODE_HASH)


def river_node(rc: RiverContract) -> StandinNode:
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


OWNER = SigningKey(bytes([5]) * 32)
LEGACY_CONFIG = bytes.fromhex((ORACLE / "fixtures" / "legacy_default_config.cbor.hex").read_text().strip())


def signed_config(version: int, signer: SigningKey = OWNER) -> dict[str, object]:
    config = dict(cbor2.loads(LEGACY_CONFIG))
    config["configuration_version"] = version
    return {"configuration": config, "signature": list(signer.sign(cbor2.dumps(config)).signature)}


def initial_state() -> bytes:
    """A fresh public room as River lays it out (river-model.md §2.2): signed configuration, nothing else."""
    return bytes(cbor2.dumps({
        "configuration": signed_config(1), "bans": [], "members": {"members": []},
        "member_info": {"member_info": []},
        "secrets": {"current_version": 0, "versions": [], "encrypted_secrets": []},
        "recent_messages": {"messages": []}, "direct_messages": {"messages": [], "purges": []},
        "upgrade": None, "version": 0,
    }))


def config_delta(version: int, signer: SigningKey = OWNER) -> bytes:
    fields = ["bans", "members", "member_info", "secrets", "recent_messages", "direct_messages", "upgrade", "version"]
    return bytes(cbor2.dumps({"configuration": signed_config(version, signer), **dict.fromkeys(fields)}))


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 120))


async def note(c: FreenetClient) -> UpdateNotification:
    return await asyncio.wait_for(c.notifications.get(), WAIT)


def test_a_river_room_created_fetched_and_updated_through_the_standin(
    river: RiverContract, wasm: ContractCode
) -> None:
    owner_vk = bytes(OWNER.verify_key)
    contract = RoomContract().container(owner_vk, wasm)
    params = room_params(owner_vk)

    async def scenario() -> None:
        node = river_node(river)
        async with node, FreenetClient(node.url) as alice, FreenetClient(node.url) as bob:
            reply = await alice.put(contract, initial_state(), subscribe=True)
            assert reply == PutResponse(RoomContract().key(owner_vk))
            assert node.raw_frames_received == 4  # River's 792,773-byte wasm makes the PUT four chunks
            assert (await note(alice)).update == StateUpdate(initial_state())

            got = await bob.get(contract.key.instance, return_contract_code=True)
            assert got.contract == contract and got.state == initial_state()
            assert [(what, n) for what, _, n in node.streams_sent] == [("GetResponse", 4)]
            await bob.subscribe(got.key.instance)

            updated = await bob.update(got.key, DeltaUpdate(config_delta(2)))
            new_state = node.contracts[contract.key.instance].state
            assert updated.summary == river.summarize_state(params, new_state)
            for c in (alice, bob):
                update = (await note(c)).update
                assert isinstance(update, StateUpdate) and update.state == new_state
            assert river.validate_state(params, new_state).valid
            assert cbor2.loads(new_state)["configuration"]["configuration"]["configuration_version"] == 2

            with pytest.raises(NodeError, match="Invalid signature"):
                await alice.update(got.key, DeltaUpdate(config_delta(3, SigningKey(bytes([6]) * 32))))
            assert node.contracts[contract.key.instance].state == new_state
            assert alice.notifications.empty() and bob.notifications.empty()

    run(scenario)


def test_a_put_of_a_state_rivers_contract_rejects_is_refused(river: RiverContract, wasm: ContractCode) -> None:
    owner_vk = bytes(SigningKey(bytes([7]) * 32).verify_key)
    contract = RoomContract().container(owner_vk, wasm)

    async def scenario() -> None:
        node = river_node(river)
        async with node, FreenetClient(node.url) as c:
            with pytest.raises(NodeError, match="State verification failed"):
                await c.put(contract, initial_state())  # signed by another owner
            assert not node.contracts

    run(scenario)
