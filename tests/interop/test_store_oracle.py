"""What the store holds is Valid to River's contract: rooms made through the CLI (real processes) and through the
controller, with every operation, joins by invitation, bans, a private room, and states merged from two writers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.rooms import PresentSlot, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import decode_slot, parse_room_key
from river_desktop.storage.sqlite_kv import SqliteKV

REPO = Path(__file__).resolve().parents[2]
T0 = 1_790_000_000


def at(seconds: int) -> SystemTime:
    return SystemTime(T0 + seconds, 500)


def stored_states(profile: Path) -> dict[bytes, bytes]:
    """Every present room slot's ``room_state`` bytes, as the store holds them."""
    store = SqliteKV(profile / "river.sqlite3")
    try:
        out = {}
        for key, _gen, payload in store.scan("room:"):
            vk = parse_room_key(key)
            slot = decode_slot(payload)
            if vk is not None and isinstance(slot, PresentSlot) and not slot.room.waiting:
                out[vk] = slot.room.room_state.encode()
        return out
    finally:
        store.close()


def assert_valid(oracle: Any, params: Callable[[bytes], bytes], states: dict[bytes, bytes]) -> None:
    assert states
    for vk, state in states.items():
        verdict = oracle.validate_state(params(vk), state)
        assert verdict.valid, verdict.error


def cli(profile: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "--json", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_rooms_made_through_the_cli_are_valid(oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path) -> None:
    p = tmp_path / "p"
    room = json.loads(cli(p, "rooms", "create", "Oracle CLI", "--nickname", "boss"))["key"]
    first = json.loads(cli(p, "messages", "send", room, "first"))["id"]
    cli(p, "messages", "send", room, "second")
    cli(p, "rooms", "rename", room, "Oracle CLI renamed")
    cli(p, "rooms", "nickname", room, "the boss")
    listed = json.loads(cli(p, "messages", "list", room))
    assert listed[0]["id"] == first
    cli(p, "demo", "populate", "--rooms", "3", "--messages-per-room", "120", "--seed", "5")
    assert_valid(oracle, params, stored_states(p))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_rooms_made_through_the_controller_are_valid(
    oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    """Create, rename, nickname, messages, reply, edit, delete, reaction, join by invitation, ban, private room."""

    async def scenario() -> None:
        owner_ctl = await StorageController.open(tmp_path / "owner")
        guest_ctl = await StorageController.open(tmp_path / "guest")
        try:
            s = owner_ctl.open_session("owner")
            rooms = await owner_ctl.load(s)
            vk = rooms.create_room("Oracle room", "boss", "judged", now=at(0)).owner_vk
            a = rooms.post_message(vk, "hello", now=at(1))
            rooms.post_message(vk, "a reply", reply_to=a.id, now=at(2))
            rooms.edit_message(vk, a.id, "hello, edited", now=at(3))
            rooms.react(vk, a.id, "👍", now=at(4))
            gone = rooms.post_message(vk, "to be deleted", now=at(5))
            rooms.delete_message(vk, gone.id, now=at(6))
            rooms.rename(vk, "Oracle room 2", "still judged", now=at(7))
            rooms.set_nickname(vk, "the boss", now=at(8))
            assert (await owner_ctl.save(s, rooms)).ok

            g = guest_ctl.open_session("guest")
            guests = await guest_ctl.load(g)
            inv = Invitation.create(vk, rooms.get(vk).self_identity.seed)
            guests.accept_invitation(inv, "guest", now=at(9))
            guest_ctl.mark_room_rejoined(g, vk)
            guests.receive_state(vk, rooms.get(vk).room_state)
            guests.post_message(vk, "hi from the guest", now=at(10))
            assert (await guest_ctl.save(g, guests)).ok
            rooms.receive_state(vk, guests.get(vk).room_state)  # what the network would deliver
            guest_id = guests.get(vk).self_member_id
            rooms.ban(vk, guest_id, now=at(11))

            hidden = rooms.create_room("Private", "boss", private=True, now=at(12)).owner_vk
            rooms.post_message(hidden, "sealed", now=at(13))
            rooms.rotate_secret(hidden, now=at(14))
            rooms.post_message(hidden, "sealed again", now=at(15))
            assert (await owner_ctl.save(s, rooms)).ok
        finally:
            await owner_ctl.close()
            await guest_ctl.close()

    run(scenario())
    owner_states = stored_states(tmp_path / "owner")
    assert len(owner_states) == 2
    assert_valid(oracle, params, owner_states)
    assert_valid(oracle, params, stored_states(tmp_path / "guest"))


def test_states_merged_from_two_concurrent_writers_are_valid(
    oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    async def scenario() -> bytes:
        ctl_a = await StorageController.open(tmp_path / "p")
        ctl_b = await StorageController.open(tmp_path / "p")
        try:
            setup = ctl_a.open_session("setup")
            rooms = await ctl_a.load(setup)
            vk = rooms.create_room("Two writers", "me", now=at(0)).owner_vk
            assert (await ctl_a.save(setup, rooms)).ok
            a, b = ctl_a.open_session("A"), ctl_b.open_session("B")
            copy_a: Rooms = await ctl_a.load(a)
            copy_b: Rooms = await ctl_b.load(b)
            for i in range(60):
                copy_a.post_message(vk, f"A {i}", now=at(10 + 2 * i))
                copy_b.post_message(vk, f"B {i}", now=at(11 + 2 * i))
                if i % 7 == 0:
                    copy_a.rename(vk, f"A's name {i}", now=at(10 + 2 * i))
                    copy_b.set_nickname(vk, f"B's nick {i}", now=at(11 + 2 * i))
                if i % 5 == 0:
                    assert (await ctl_a.save(a, copy_a)).ok
                    assert (await ctl_b.save(b, copy_b)).ok
            assert (await ctl_a.save(a, copy_a)).ok
            assert (await ctl_b.save(b, copy_b)).ok
            merged = (await ctl_a.load()).get(vk)
            assert len(merged.room_state.recent_messages) == 100  # River's window
            assert await ctl_a.message_count(vk) == 120  # every message in the history
            return vk
        finally:
            await ctl_a.close()
            await ctl_b.close()

    vk = run(scenario())
    states = stored_states(tmp_path / "p")
    assert set(states) == {vk}
    assert_valid(oracle, params, states)


def test_rooms_demo_populate_saves_in_batches_are_valid(
    oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    """More rooms than one bulk transaction holds (demo.BULK_ROOMS), with reactions: every slot is Valid."""
    from river_desktop.demo import BULK_ROOMS

    p = tmp_path / "p"
    rooms = BULK_ROOMS + 10
    cli(p, "demo", "populate", "--rooms", str(rooms), "--messages-per-room", "6", "--seed", "9", "--reactions")
    states = stored_states(p)
    assert len(states) == rooms
    assert_valid(oracle, params, states)
