"""``net status``, ``net publish``, ``net sync``: real CLI processes against the stand-in node (River's rules)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from river_desktop.domain.river.state import ChatRoomState
from river_desktop.net.client_api import ContractOp
from river_desktop.storage.controller import StorageController
from river_desktop.storage.envelope import decode_versioned
from river_desktop.storage.net_store import NetStore
from river_desktop.storage.slots import OUTBOX_PREFIX, parse_b58_room
from tests.cli.conftest import cli, cli_parallel, kv_rows
from tests.cli.net_world import NodeThread, Profiles, create_publish_invite_join, room_contract_wasm, running_node

pytestmark = pytest.mark.slow


@pytest.fixture
def node() -> Iterator[NodeThread]:
    with running_node() as n:
        yield n


@pytest.fixture
def world(node: NodeThread, tmp_path: Path) -> Profiles:
    return Profiles(node, tmp_path / "alice", tmp_path / "bob")


@pytest.fixture
def wasm() -> Path:
    found = room_contract_wasm()
    if found is None:
        pytest.skip("River's room_contract.wasm (../shared/river-oracle) is needed to publish under River's code hash")
    return found


def outbox_keys(profile: Path) -> list[str]:
    """Live outbox keys (an acked entry leaves only its deleted marker)."""
    rows = kv_rows(profile).items()
    return [k for k, raw in rows if k.startswith(OUTBOX_PREFIX) and decode_versioned(raw)[1] is not None]


def test_status_says_whether_the_node_answers(world: Profiles) -> None:
    up = world.run(world.alice, "net", "status")
    assert up.json()["reachable"] is True
    assert "/v1/contract/command?encodingProtocol=native" in up.json()["node"]
    world.node.stop()
    down = world.run(world.alice, "net", "status")
    assert "connection refused" in down.error_line
    assert '"reachable": false' in down.out
    bad = cli(world.alice, "--node", "http://127.0.0.1:1", "net", "status")
    assert "not a node address" in bad.error_line


def test_a_room_never_published_is_reported_not_in_step(world: Profiles) -> None:
    room = world.json(world.alice, "rooms", "create", "Lonely")["key"]
    sync = world.run(world.alice, "net", "sync")
    assert "does not have this room" in sync.error_line
    report = json.loads(sync.out)
    assert report["in_step"] is False
    assert report["rooms"][0]["room"] == room and report["rooms"][0]["status"] == "Failed"
    publish = world.run(world.alice, "net", "publish", room)
    assert "--room-contract" in publish.error_line
    assert world.node.states() == []


def test_publish_refuses_a_file_that_is_not_rivers_contract(world: Profiles, tmp_path: Path) -> None:
    room = world.json(world.alice, "rooms", "create", "Lonely")["key"]
    other = tmp_path / "other.wasm"
    other.write_bytes(b"\0asm\1\0\0\0")
    publish = world.run(world.alice, "net", "publish", room, "--room-contract", str(other))
    assert publish.rc == 1 and publish.error_line
    assert world.node.states() == []


def _react(profile: Path, room: str, message_id: int, emoji: str) -> None:
    """A reaction made by another writer on the profile (the CLI has no react command); it goes to the outbox."""

    async def go() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("react")
            rooms = await ctl.load(session)
            vk = parse_b58_room(room)
            assert vk is not None
            msg = rooms.react(vk, message_id, emoji)
            assert (await ctl.save(session, rooms, messages=[msg])).ok
        finally:
            await ctl.close()

    asyncio.run(go())


def test_two_profiles_see_each_others_changes(world: Profiles, wasm: Path) -> None:
    room = create_publish_invite_join(world, wasm)
    assert outbox_keys(world.bob) == []  # the join went out and was acked
    world.json(world.alice, "messages", "send", room, "hello bob")
    world.sync(world.alice)
    world.sync(world.bob)
    assert "hello bob" in world.texts(world.bob, room)

    reply = world.json(world.bob, "messages", "send", room, "hi alice")
    world.json(world.alice, "rooms", "rename", room, "Rose garden")
    world.sync(world.bob)
    world.sync(world.alice)
    assert "hi alice" in world.texts(world.alice, room)
    _react(world.alice, room, reply["id"], "👍")
    world.sync(world.alice)
    world.sync(world.bob)
    bob_sees = {m["text"]: m for m in world.json(world.bob, "messages", "list", room)}
    assert list(bob_sees["hi alice"]["reactions"]) == ["👍"]
    assert [r["name"] for r in world.json(world.bob, "rooms", "list")] == ["Rose garden"]
    assert outbox_keys(world.alice) == [] and outbox_keys(world.bob) == []


def test_node_down_then_back_nothing_lost_nothing_sent_twice(world: Profiles, wasm: Path) -> None:
    room = create_publish_invite_join(world, wasm)
    world.node.stop()
    sent = world.json(world.alice, "messages", "send", room, "written offline")
    offline = world.run(world.alice, "net", "sync")
    assert "connection refused" in offline.error_line
    assert len(outbox_keys(world.alice)) == 1  # kept for the next round

    world.node.start()
    first = world.sync(world.alice)
    assert first["sent"] == 1
    assert outbox_keys(world.alice) == []
    again = world.sync(world.alice)
    assert again["sent"] == 0  # nothing left to send: it went exactly once
    world.sync(world.bob)
    bob = world.json(world.bob, "messages", "list", room)
    assert [m["id"] for m in bob].count(sent["id"]) == 1
    (state,) = world.node.states()
    vk = parse_b58_room(room)
    assert vk is not None
    on_node = ChatRoomState.decode(state)
    on_node.verify(vk)
    assert [m.id for m in on_node.recent_messages].count(sent["id"]) == 1


def test_sync_of_one_room_leaves_the_others_alone(world: Profiles, wasm: Path) -> None:
    room = create_publish_invite_join(world, wasm)
    other = world.json(world.alice, "rooms", "create", "Unpublished")["key"]
    world.json(world.alice, "messages", "send", room, "only this room")
    one = world.sync(world.alice, room)
    assert [r["room"] for r in one["rooms"]] == [room]
    everything = world.run(world.alice, "net", "sync")
    assert everything.rc == 0, everything.describe()  # the node lends River's code: the other room is published
    assert {r["room"] for r in everything.json()["rooms"]} == {room, other}


def test_sync_waits_while_another_process_holds_the_lease(world: Profiles, wasm: Path) -> None:
    room = create_publish_invite_join(world, wasm)
    world.json(world.alice, "messages", "send", room, "queued")
    ctl = StorageController.open_sync(world.alice)  # stands for a running app window
    try:
        store = NetStore(ctl)
        assert store.try_lease("app-window", 120)
        held = world.run(world.alice, "net", "sync")
        assert "another process on this profile is sending" in held.error_line
        assert len(outbox_keys(world.alice)) == 1
        store.release_lease("app-window")
    finally:
        asyncio.run(ctl.close())
    assert world.sync(world.alice)["sent"] == 1
    world.sync(world.bob)
    assert world.texts(world.bob, room).count("queued") == 1


def test_two_syncs_at_once_on_one_profile_send_a_change_once(world: Profiles, wasm: Path) -> None:
    room = create_publish_invite_join(world, wasm)
    sent = world.json(world.alice, "messages", "send", room, "raced")
    runs = cli_parallel([(world.alice, ("--node", world.node.url, "net", "sync"), True)] * 2, workers=2)
    reports = [json.loads(r.out) for r in runs]
    assert any(r.rc == 0 for r in runs), [r.describe() for r in runs]
    for r in runs:
        if r.rc != 0:
            assert "another process on this profile is sending" in r.error_line
    assert sum(report["sent"] for report in reports) == 1
    assert outbox_keys(world.alice) == []
    (state,) = world.node.states()
    assert [m.id for m in ChatRoomState.decode(state).recent_messages].count(sent["id"]) == 1


def test_publish_borrows_the_code_from_the_node_once_it_has_a_room(world: Profiles, wasm: Path) -> None:
    create_publish_invite_join(world, wasm)
    other = world.json(world.alice, "rooms", "create", "Second")["key"]
    published = world.json(world.alice, "net", "publish", other)
    assert published["room"] == other
    assert len(world.node.states()) == 2


def test_a_joined_room_nobody_published_keeps_waiting(world: Profiles) -> None:
    room = world.json(world.alice, "rooms", "create", "Unpublished")["key"]
    code = world.json(world.alice, "invite", "create", room)["code"]
    world.json(world.bob, "invite", "accept", code, "--nickname", "bob")
    sync = world.run(world.bob, "net", "sync")
    assert "waiting for the room's data" in sync.error_line
    assert [r["state"] for r in world.json(world.bob, "rooms", "list")] == ["waiting"]
    assert len(outbox_keys(world.bob)) == 1  # the join, kept until the room can be reached


def test_a_room_left_in_one_process_is_no_longer_synced_and_the_other_keeps_it(world: Profiles, wasm: Path) -> None:
    """River's leave is local (the room leaves the member's list; nothing is sent): Bob's later syncs leave the
    room alone, Alice keeps what Bob wrote before he left and goes on without him."""
    room = create_publish_invite_join(world, wasm)
    world.json(world.bob, "messages", "send", room, "bye for now")
    world.sync(world.bob)
    world.json(world.bob, "rooms", "leave", room)
    assert world.json(world.bob, "rooms", "list") == []
    world.json(world.alice, "messages", "send", room, "after bob left")
    world.sync(world.alice)
    alice_sees = world.texts(world.alice, room)
    assert alice_sees.index("bye for now") < alice_sees.index("after bob left")
    on_node_before = world.node.states()
    requests_before = _requests(world)
    bob_sync = world.sync(world.bob)
    assert bob_sync["rooms"] == [] and bob_sync["sent"] == 0
    assert _requests(world) == requests_before, "Bob's profile asked the node nothing about the room it left"
    assert world.node.states() == on_node_before
    assert outbox_keys(world.bob) == []


def _requests(world: Profiles) -> int:
    async def count() -> int:
        return sum(isinstance(r, ContractOp) for r in world.node.node.received)  # not the goodbye

    return world.node.call(count())


def test_without_node_the_cli_uses_the_apps_setting_for_the_profile(world: Profiles) -> None:
    world.alice.mkdir(parents=True, exist_ok=True)
    # as the app's QSettings writes it: a value with special characters in double quotes
    full = f"{world.node.url}/v1/contract/command?encodingProtocol=native"
    (world.alice / "desktop.ini").write_text(f'[preferences]\nnetwork_sync=true\nnode_address="{full}"\n')
    up = cli(world.alice, "net", "status", as_json=True)
    assert up.json()["reachable"] is True and up.json()["node"] == full
    (world.bob / "desktop.ini").parent.mkdir(parents=True, exist_ok=True)
    (world.bob / "desktop.ini").write_text("[preferences]\nnode_address=ws://127.0.0.1:1\n")
    down = cli(world.bob, "net", "status", as_json=True)
    assert down.rc == 1
    assert json.loads(down.out)["node"] == "ws://127.0.0.1:1/v1/contract/command?encodingProtocol=native"
    assert "connection refused" in down.error_line
    given = cli(world.bob, "--node", world.node.url, "net", "status", as_json=True)
    assert given.json()["reachable"] is True  # --node wins over the setting
