"""The sync engine against the stand-in node running River's rules, over real sockets.

Two in-memory stores stand for two profiles; everything they exchange goes through the engine and the node.
Waits are on store writes and status changes (tests/net/sync_harness.py), never on sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import views as v
from river_desktop.domain.river.configuration import AuthorizedConfiguration
from river_desktop.domain.river.summary import Delta
from river_desktop.net.client_api import ContractOp, Get, Update, UpdateNotification, encode_result
from river_desktop.net.errors import NodeUnreachableError
from river_desktop.net.sync_engine import Phase, SyncEngine, SyncStatus
from river_desktop.net.sync_store import InMemoryRoomStore
from river_desktop.net.types import DeltaUpdate, StateUpdate
from tests.net.sync_harness import ALICE, ALICE_ME, CONTRACT, FAKE_WASM, OVK, Profile, World
from tests.standin.node import Mode
from tests.standin.river import river_node


def run(scenario: Callable[[], Coroutine[Any, Any, None]], timeout: float = 120.0) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout))


def updates_at(node: Any) -> list[Delta]:
    """Every UPDATE delta the node received, in arrival order."""
    return [Delta.decode(r.request.data.delta) for r in node.received
            if isinstance(r, ContractOp) and isinstance(r.request, Update) and isinstance(r.request.data, DeltaUpdate)]


def messages_sent(node: Any) -> list[int]:
    return [m.id for d in updates_at(node) for m in d.recent_messages or ()]


@pytest.mark.parametrize(("mode", "deltas"), [(Mode.NETWORK, False), (Mode.LOCAL, False), (Mode.NETWORK, True)])
def test_two_profiles_create_join_post_react_rename(mode: Mode, deltas: bool) -> None:
    async def scenario() -> None:
        async with river_node(mode=mode, delta_notifications=deltas) as node:
            made = node.state_delta
            delta_notes: list[bytes] = []
            if made is not None:
                node.state_delta = lambda *args: delta_notes.append(made(*args)) or delta_notes[-1]
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
            assert bool(delta_notes) is deltas and all(delta_notes)  # the changes came as River's deltas
            seen = [s for owner, s in alice.statuses if owner is None]
            assert seen[:3] == ["Connecting", "Connected", "Synced"]

    run(scenario)


def _count(items: list[int], wanted: int) -> int:
    return sum(1 for i in items if i == wanted)


def test_node_down_mid_send_then_back_nothing_lost_nothing_duplicated() -> None:
    """The node applies a rename and dies before replying; once back, the engine finds the rename there and
    acks it without re-sending (a second copy would abort River's update), then sends the rest."""

    async def scenario() -> None:
        node = river_node()
        await node.start()
        w = World(node.url)
        alice = w.profile("alice")
        w.alice_room(alice.store)
        crashed = asyncio.Event()

        async def die_after_rename(n: Any, req: Update) -> None:
            assert isinstance(req.data, DeltaUpdate)
            if Delta.decode(req.data.delta).configuration is not None and not crashed.is_set():
                crashed.set()
                await n.crash()

        try:
            alice.start()
            await w.signal.until(alice.synced)
            node.after_update = die_after_rename
            first = ops.post_text(alice.state(), OVK, ALICE_ME, "before", now=w.tick())
            alice.store.apply(OVK, first)
            alice.store.apply(OVK, ops.rename(first.state, OVK, ALICE, "Renamed"))
            last = ops.post_text(alice.store.state(OVK), OVK, ALICE_ME, "after", now=w.tick())  # type: ignore[arg-type]
            alice.store.apply(OVK, last)
            alice.engine.kick()
            await crashed.wait()
            await node.stop()
            await w.signal.until(lambda: alice.engine.status.phase is Phase.FAILED)  # reconnecting fails: down
            assert len(alice.store.outbox(OVK)) == 2  # the rename (reply lost) and "after" are kept
            await node.start()
            await w.signal.until(alice.synced)
            configs = [d for d in updates_at(node) if d.configuration is not None]
            assert len(configs) == 1
            sent = messages_sent(node)
            assert _count(sent, first.message_id or 0) == 1 and _count(sent, last.message_id or 0) == 1
            held = node.contracts[CONTRACT.instance_id(OVK)].state
            assert held == alice.state().encode()
            assert alice.room_name() == "Renamed" and alice.texts() == ["before", "after"]
            assert not any("refused a change" in e for e in alice.engine.errors)
        finally:
            await w.close()
            await node.stop()

    run(scenario)


def test_node_restart_resubscribes_and_reconciles() -> None:
    async def scenario() -> None:
        node = river_node()
        await node.start()
        w = World(node.url)
        alice, bob = w.profile("alice"), w.profile("bob")
        w.alice_room(alice.store)
        bob_me = w.invite(bob.store, 2, "Bob")
        try:
            alice.start()
            await w.signal.until(alice.synced)
            bob.start()
            await w.signal.until(bob.synced)
            await node.stop()
            await w.signal.until(lambda: bob.engine.status.phase is Phase.FAILED
                                 and alice.engine.status.phase is Phase.FAILED)
            offline = w.post(bob, bob_me, "written while the node was down")
            await node.start()
            await w.signal.until(lambda: "written while the node was down" in alice.texts())
            # Alice's new subscription carries Bob's later change too.
            w.post(bob, bob_me, "and after the restart")
            await w.signal.until(lambda: "and after the restart" in alice.texts())
            assert _count(messages_sent(node), offline) == 1
        finally:
            await w.close()
            await node.stop()

    run(scenario)


def test_malformed_frame_from_the_node_reconnects_and_leaves_the_store_alone() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            garbled = asyncio.Event()

            async def garble_first_update(n: Any, request: Any) -> None:
                if isinstance(request, ContractOp) and isinstance(request.request, Update) and not garbled.is_set():
                    garbled.set()
                    await n.send_raw(b"\x07\x00\x00\x00garbage")  # not a Result<HostResponse, ClientError>

            try:
                alice.start()
                await w.signal.until(alice.synced)
                node.before_reply = garble_first_update
                before = alice.store.writes
                mid = w.post(alice, ALICE_ME, "through the noise")
                await w.signal.until(lambda: garbled.is_set() and alice.synced())
                assert any("cannot read" in e for e in alice.engine.errors)
                assert _count(messages_sent(node), mid) == 1  # found on the node after reconnecting, not re-sent
                assert alice.texts() == ["through the noise"]
                assert alice.store.writes == before + 1  # our own post; nothing from the garbage

                # A well-framed notification whose state River would refuse: reported, not stored.
                writes = alice.store.writes
                key = node.contracts[CONTRACT.instance_id(OVK)].container.key
                forged = ops.create_room(SigningIdentity(bytes([9]) * 32), "Forged", now=w.tick()).state
                for bad in (b"\xa0", forged.encode()):  # not a room state; another owner's room
                    await node.send_raw(encode_result(UpdateNotification(key, StateUpdate(bad))))
                    await w.signal.until(lambda: alice.engine.room_status(OVK).phase is Phase.FAILED)
                    assert "would not accept" in alice.engine.room_status(OVK).reason
                    assert alice.store.writes == writes
                    w.post(alice, ALICE_ME, "still fine")  # a good change clears it
                    await w.signal.until(alice.synced)
                    writes = alice.store.writes
                assert alice.texts().count("still fine") == 2
            finally:
                await w.close()

    run(scenario)


def test_a_thousand_queued_deltas_drain_in_order() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            first = w.profile("first")
            w.alice_room(first.store)
            try:
                first.start()
                await w.signal.until(first.synced)
                await first.stop()
                queued = []
                for i in range(1000):
                    change = ops.post_text(first.state(), OVK, ALICE_ME, f"m{i}", now=w.tick())
                    first.store.apply(OVK, change)
                    queued.append(change.message_id)
                later = w.profile("later", first.store)
                later.start()
                await w.signal.until(later.synced, timeout=300)
                assert messages_sent(node) == queued
                assert later.engine.sent == 1000
                held = node.contracts[CONTRACT.instance_id(OVK)].state
                assert held == later.state().encode()
            finally:
                await w.close()

    run(scenario, timeout=400)


def test_two_engines_on_one_store_only_the_lease_holder_sends() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            app = w.profile("app")
            w.alice_room(app.store)
            cli = w.profile("cli", app.store)
            try:
                app.start()
                await w.signal.until(app.synced)
                cli.start()
                await w.signal.until(cli.synced)
                ids = [w.post(app, ALICE_ME, f"n{i}") for i in range(5)]
                cli.engine.kick()
                await w.signal.until(lambda: not app.store.outbox(OVK) and (app.synced() or cli.synced()))
                app.engine.kick()  # the other one learns of the acks at its next look; make that now
                cli.engine.kick()
                await w.signal.until(lambda: app.synced() and cli.synced())
                updates = [(conn, r) for conn, r in node.received_by
                           if isinstance(r, ContractOp) and isinstance(r.request, Update)]
                assert len(updates) == 5 and len({conn for conn, _ in updates}) == 1
                assert messages_sent(node) == ids
                assert app.engine.sent + cli.engine.sent == 5
                holder = app.store.lease_holder
                assert holder in ("app", "cli")
                sender, other = (app, cli) if holder == "app" else (cli, app)
                assert other.engine.sent == 0

                await sender.stop()  # releases the lease
                assert app.store.lease_holder is None
                last = w.post(other, ALICE_ME, "after the hand-over")
                await w.signal.until(other.synced)
                assert other.engine.sent == 1 and messages_sent(node)[-1] == last
            finally:
                await w.close()

    run(scenario)


def test_a_refused_delta_is_kept_reported_and_not_resent() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            try:
                alice.start()
                await w.signal.until(alice.synced)
                honest = ops.rename(alice.state(), OVK, ALICE, "Mine")
                assert honest.delta.configuration is not None
                forged = AuthorizedConfiguration.create(honest.delta.configuration.configuration,
                                                        SigningIdentity(bytes([9]) * 32))
                alice.store.apply(OVK, ops.Change(alice.state(), Delta(configuration=forged)))
                after = w.post(alice, ALICE_ME, "queued behind it")
                await w.signal.until(lambda: alice.engine.room_status(OVK).phase is Phase.FAILED)
                reason = alice.engine.room_status(OVK).reason
                assert "refused a change" in reason and "State verification failed" in reason
                assert [seq for seq, _ in alice.store.outbox(OVK)] == [1, 2]  # kept, order kept

                alice.engine.kick()
                await node.drop_connections()  # a reconnect does not re-send it either
                await w.signal.until(lambda: alice.engine.room_status(OVK).phase is Phase.FAILED
                                     and sum(1 for c, r in node.received_by if isinstance(r, ContractOp)
                                             and c > 1 and not isinstance(r.request, Update)) >= 2)
                forged_sent = [d for d in updates_at(node) if d.configuration is not None]
                assert len(forged_sent) == 1 and after not in messages_sent(node)

                alice.engine.retry(OVK)  # the user asks: exactly one more try
                await w.signal.until(lambda: len([d for d in updates_at(node) if d.configuration]) == 2)
                await w.signal.until(lambda: alice.engine.room_status(OVK).phase is Phase.FAILED)
                assert after not in messages_sent(node)
            finally:
                await w.close()

    run(scenario)


def test_publishing_borrows_the_code_from_a_room_the_node_has() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            carol = SigningIdentity(bytes([7]) * 32)
            carols = ops.create_room(carol, "Carol's", now=w.tick()).state
            owner = w.profile("owner")
            owner.store.add_room(carol.verifying_key, carols, CONTRACT.code_hash)
            try:
                owner.start()  # holds the code: publishes Carol's room
                await w.signal.until(lambda: owner.engine.status.phase is Phase.SYNCED)
                await owner.stop()
                alice = w.profile("alice", code=False)
                alice.store.add_room(carol.verifying_key, carols, CONTRACT.code_hash)
                w.alice_room(alice.store)
                alice.start()
                await w.signal.until(alice.synced)
                assert CONTRACT.instance_id(OVK) in node.contracts
                assert any(isinstance(r, ContractOp) and isinstance(r.request, Get) and r.request.return_contract_code
                           for r in node.received)
            finally:
                await w.close()

    run(scenario)


def test_without_code_or_a_room_to_borrow_from_publishing_fails_clearly() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice", code=False)
            w.alice_room(alice.store)
            try:
                alice.start()
                await w.signal.until(lambda: alice.engine.room_status(OVK).phase is Phase.FAILED)
                assert "room_contract.wasm" in alice.engine.room_status(OVK).reason
                assert not node.contracts
            finally:
                await w.close()

    run(scenario)


def test_a_room_joined_by_invitation_waits_for_the_network_then_joins() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            bob = w.profile("bob")
            bob_me = w.invite(bob.store, 2, "Bob")
            alice = w.profile("alice")
            w.alice_room(alice.store)
            try:
                bob.start()
                await w.signal.until(lambda: "waiting" in bob.engine.room_status(OVK).reason)
                assert bob.engine.room_status(OVK).phase is Phase.CONNECTED
                assert bob.store.rooms_to_sync()[0].waiting and bob.store.state(OVK) is None
                alice.start()
                await w.signal.until(alice.synced)
                bob.engine.kick()
                await w.signal.until(lambda: bob.synced() and bob_me.member_id in alice.state().members_by_id())
                assert not bob.store.rooms_to_sync()[0].waiting
            finally:
                await w.close()

    run(scenario)


def test_sync_once_pushes_and_reports_each_room() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            mid = w.post(alice, ALICE_ME, "one round")
            result = await alice.engine.sync_once()
            assert result == {OVK: SyncStatus(Phase.SYNCED)}
            assert messages_sent(node) == [] and not alice.store.outbox(OVK)  # went out inside the PUT
            assert mid in {m.id for m in alice.state().recent_messages}
            assert alice.engine.status.phase is Phase.LOCAL_ONLY and alice.store.lease_holder is None
        with pytest.raises(NodeUnreachableError):
            await w.profile("late").engine.sync_once()

    run(scenario)


def test_publishing_reads_the_contract_from_a_wasm_file(tmp_path: Path) -> None:
    wasm = tmp_path / "room_contract.wasm"
    wasm.write_bytes(FAKE_WASM)
    wrong = tmp_path / "other.wasm"
    wrong.write_bytes(FAKE_WASM + b"!")

    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            store = InMemoryRoomStore()
            w.alice_room(store)
            refused = SyncEngine(store, node.url, holder="a", contract=CONTRACT, contract_file=wrong)
            assert await refused.sync_once() == {OVK: SyncStatus(Phase.FAILED, refused.room_status(OVK).reason)}
            assert "room_contract.wasm" in refused.room_status(OVK).reason
            assert any("different version of the contract" in e for e in refused.errors)
            engine = SyncEngine(store, node.url, holder="a", contract=CONTRACT, contract_file=wasm)
            assert await engine.sync_once() == {OVK: SyncStatus(Phase.SYNCED)}
            assert node.contracts[CONTRACT.instance_id(OVK)].container.contract.code.data == FAKE_WASM

    run(scenario)


def test_no_node_yet_retries_with_bounded_backoff_then_connects() -> None:
    async def scenario() -> None:
        node = river_node()
        await node.start()
        await node.stop()  # the port is known and nothing listens on it
        w = World(node.url)
        alice = w.profile("alice")
        w.alice_room(alice.store)
        try:
            alice.start()

            def failures() -> list[str]:
                return [s for owner, s in alice.statuses if owner is None and s.startswith("Failed")]

            await w.signal.until(lambda: len(failures()) >= 4)
            assert all("no Freenet node is reachable" in f and "retrying in" in f for f in failures())
            delays = [float(f.rsplit("retrying in ", 1)[1].split(" ")[0]) for f in failures()]
            assert all(0 <= d <= 0.2 for d in delays)  # FAST's bound
            assert alice.engine.room_status(OVK).phase is Phase.CONNECTING
            await node.start()
            await w.signal.until(alice.synced)
        finally:
            await w.close()
            await node.stop()

    run(scenario)


class _AnotherProcessSendsFirst(InMemoryRoomStore):
    """When ``late`` first asks for the sending lease, another process's engine (on this same store) runs a
    whole round first: it sends the queued change, acks it and gives the lease up. ``late`` read the outbox and
    the node's state before that, as a second ``net sync`` started at the same moment would have."""

    def __init__(self, other: Callable[[], Coroutine[Any, Any, object]], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.other, self.loop, self.done = other, loop, False

    def try_lease(self, holder: str, ttl: float) -> bool:
        if holder == "late" and not self.done:
            self.done = True
            asyncio.run_coroutine_threadsafe(self.other(), self.loop).result()  # on the loop; this is a thread
        return super().try_lease(holder, ttl)


def test_a_change_another_process_sent_while_this_one_waited_for_the_lease_is_not_sent_again() -> None:
    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            first: list[Profile] = []
            store = _AnotherProcessSendsFirst(lambda: first[0].engine.sync_once(), asyncio.get_running_loop())
            early = w.profile("early", store)
            first.append(early)
            w.alice_room(store)
            assert (await early.engine.sync_once())[OVK].phase is Phase.SYNCED  # published
            mid = w.post(early, ALICE_ME, "raced")
            late = w.profile("late", store, offload=asyncio.to_thread)
            result = await late.engine.sync_once()
            assert store.done and result[OVK].phase is Phase.SYNCED
            assert messages_sent(node) == [mid]  # once, by the process that had the lease first
            assert (early.engine.sent, late.engine.sent) == (1, 0)
            assert not store.outbox(OVK) and store.lease_holder is None

    run(scenario)
