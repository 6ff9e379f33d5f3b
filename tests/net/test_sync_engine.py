"""The sync engine against the stand-in node running River's rules, over real sockets.

Two in-memory stores stand for two profiles; everything they exchange goes through the engine and the node.
Waits are on store writes and status changes (tests/net/sync_harness.py), never on sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import views as v
from river_desktop.domain.river.summary import Delta
from river_desktop.net.client_api import ContractOp, Update, UpdateNotification, encode_result
from river_desktop.net.sync_engine import Phase
from river_desktop.net.types import DeltaUpdate, StateUpdate
from tests.net.sync_harness import ALICE, ALICE_ME, CONTRACT, OVK, World
from tests.standin.river import river_node


def run(scenario: Callable[[], Coroutine[Any, Any, None]], timeout: float = 120.0) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout))


def updates_at(node: Any) -> list[Delta]:
    """Every UPDATE delta the node received, in arrival order."""
    return [Delta.decode(r.request.data.delta) for r in node.received
            if isinstance(r, ContractOp) and isinstance(r.request, Update) and isinstance(r.request.data, DeltaUpdate)]


def messages_sent(node: Any) -> list[int]:
    return [m.id for d in updates_at(node) for m in d.recent_messages or ()]


def test_two_profiles_create_join_post_react_rename() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            bob = w.profile("bob")
            bob_me = w.invite(bob.store, 2, "Bob")
            assert alice.engine.room_status(OVK).phase is Phase.LOCAL_ONLY
            try:
                alice.start()
                await w.signal.until(alice.synced)
                assert CONTRACT.instance_id(OVK) in node.contracts  # published with the code we hold
                bob.start()
                await w.signal.until(lambda: bob.synced() and bob_me.member_id in alice.state().members_by_id())
                assert bob.room_name() == "Garden"

                hello = w.post(bob, bob_me, "hello from Bob")
                await w.signal.until(lambda: "hello from Bob" in alice.texts())

                react = ops.react(alice.state(), OVK, ALICE_ME, hello, "👍", now=w.tick())
                alice.store.apply(OVK, react)
                rename = ops.rename(react.state, OVK, ALICE, "Walled garden")
                alice.store.apply(OVK, rename)
                alice.engine.kick()
                w.post(alice, ALICE_ME, "welcome, Bob")

                def bob_sees_all() -> bool:
                    items = {m.message_id: m for m in v.messages(bob.state())}
                    return (bob.room_name() == "Walled garden" and "welcome, Bob" in bob.texts()
                            and ALICE.member_id in items[hello].reactions.get("👍", ()))

                await w.signal.until(bob_sees_all)
                await w.signal.until(lambda: alice.synced() and bob.synced())
                assert alice.engine.status.phase is Phase.SYNCED
                assert alice.state() == bob.state()
                assert not alice.engine.errors and not bob.engine.errors
            finally:
                await w.close()
            assert alice.engine.status.phase is Phase.LOCAL_ONLY
            seen = [s for owner, s in alice.statuses if owner is None]
            assert seen[:3] == ["Connecting", "Connected", "Synced"]

    run(scenario)
