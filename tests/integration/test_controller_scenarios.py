"""Multi-writer scenarios on a real SQLite profile (issue 3 acceptance).

Each writer is a SaveSession with its own Rooms copy, like a window or a CLI run. Some
scenarios use two StorageControllers on one profile, i.e. two processes' worth of state.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.controller import ChangeEvent, RoomOutcome, StorageController
from river_desktop.storage.slots import room_key

T = TypeVar("T")


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())


def _invitation_for_new_room(owner_rooms: Rooms) -> tuple[bytes, Invitation]:
    room = owner_rooms.create_room("Elsewhere", "owner")
    inv = Invitation.create(room.owner_vk, room.self_identity.seed)
    return room.owner_vk, inv


@pytest.mark.parametrize("order", ["b_first", "a_first"])
def test_rivers_345_stale_writer_keeps_the_accepted_room(profile_dir: Path, order: str) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        seed = ctl.open_session("seed")
        rooms = await ctl.load(seed)
        mine = rooms.create_room("Mine", "me")
        assert (await ctl.save(seed, rooms)).ok

        a, b = ctl.open_session("A"), ctl.open_session("B")
        rooms_a, rooms_b = await ctl.load(a), await ctl.load(b)
        x, inv = _invitation_for_new_room(Rooms())

        async def b_accepts() -> None:
            rooms_b.accept_invitation(inv, "bee")
            ctl.mark_room_rejoined(b, x)
            assert (await ctl.save(b, rooms_b)).ok

        async def a_renames() -> None:
            rooms_a.rename(mine.owner_vk, "Mine, renamed by stale A")
            assert (await ctl.save(a, rooms_a)).ok

        if order == "b_first":
            await b_accepts()
            await a_renames()
        else:
            await a_renames()
            await b_accepts()
        fresh = await ctl.load()
        assert x in fresh.rooms
        assert fresh.rooms[mine.owner_vk].name == "Mine, renamed by stale A"
        await ctl.close()

    run(scenario)


def test_rivers_345_with_three_writers_and_two_processes(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl1 = await StorageController.open(profile_dir)
        ctl2 = await StorageController.open(profile_dir)
        sessions = [ctl1.open_session("A"), ctl1.open_session("B"), ctl2.open_session("C")]
        ctls = [ctl1, ctl1, ctl2]
        copies = [await c.load(s) for c, s in zip(ctls, sessions, strict=True)]
        created = []
        for c, s, r in zip(ctls, sessions, copies, strict=True):
            created.append(r.create_room(f"room of {s.name}", s.name).owner_vk)
            assert (await c.save(s, r)).ok
        x, inv = _invitation_for_new_room(Rooms())
        copies[1].accept_invitation(inv, "b")
        ctl1.mark_room_rejoined(sessions[1], x)
        assert (await ctl1.save(sessions[1], copies[1])).ok
        copies[2].rename(created[2], "C renamed")
        assert (await ctl2.save(sessions[2], copies[2])).ok
        copies[0].set_nickname(created[0], "A's new nick")
        assert (await ctl1.save(sessions[0], copies[0])).ok
        fresh = await ctl2.load()
        assert set(fresh.rooms) == {*created, x}
        assert fresh.rooms[created[2]].name == "C renamed"
        assert fresh.rooms[created[0]].self_nickname == "A's new nick"
        await ctl1.close()
        await ctl2.close()

    run(scenario)


def test_stale_tombstone_never_buries_a_newer_rejoin(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        owner = Rooms()
        r_vk, inv = _invitation_for_new_room(owner)
        first = ctl.open_session("first")
        rooms = await ctl.load(first)
        rooms.accept_invitation(inv, "me")
        ctl.mark_room_rejoined(first, r_vk)
        assert (await ctl.save(first, rooms)).ok
        ctl.leave_room(first, rooms, r_vk)
        assert (await ctl.save(first, rooms)).ok

        a = ctl.open_session("A")  # A: a session that knows R as left
        rooms_a = await ctl.load(a)
        assert r_vk in rooms_a.removed
        b = ctl.open_session("B")
        rooms_b = await ctl.load(b)
        rooms_b.accept_invitation(Invitation.create(r_vk, owner.rooms[r_vk].self_identity.seed), "back")
        ctl.mark_room_rejoined(b, r_vk)
        report = await ctl.save(b, rooms_b)
        assert report.rooms[r_vk].outcome is RoomOutcome.STORED
        report_a = await ctl.save(a, rooms_a)  # A's first save of its session
        assert report_a.ok
        fresh = await ctl.load()
        assert r_vk in fresh.rooms
        assert r_vk not in fresh.removed
        await ctl.close()

    run(scenario)


def test_remote_leave_is_adopted_by_a_stale_writer(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        s = ctl.open_session("setup")
        rooms = await ctl.load(s)
        r = rooms.create_room("Leave me", "me").owner_vk
        assert (await ctl.save(s, rooms)).ok
        a, b = ctl.open_session("A"), ctl.open_session("B")
        rooms_a, rooms_b = await ctl.load(a), await ctl.load(b)
        ctl.leave_room(a, rooms_a, r)
        assert (await ctl.save(a, rooms_a)).rooms[r].outcome is RoomOutcome.STORED
        rooms_b.rename(r, "B still thinks it is here")
        report = await ctl.save(b, rooms_b)
        assert report.rooms[r].outcome is RoomOutcome.ADOPTED_LEAVE
        assert r not in (await ctl.load(b)).rooms
        assert r not in (await ctl.load()).rooms
        await ctl.close()

    run(scenario)


def test_concurrent_posts_all_survive(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl_a = await StorageController.open(profile_dir)
        ctl_b = await StorageController.open(profile_dir)
        s = ctl_a.open_session("setup")
        rooms = await ctl_a.load(s)
        r = rooms.create_room("Chat", "me").owner_vk
        assert (await ctl_a.save(s, rooms)).ok
        a, b = ctl_a.open_session("A"), ctl_b.open_session("B")
        rooms_a, rooms_b = await ctl_a.load(a), await ctl_b.load(b)
        sent = []
        for i in range(10):
            for ctl, sess, copy in ((ctl_a, a, rooms_a), (ctl_b, b, rooms_b)):
                msg = copy.post_message(r, f"{sess.name} {i}", now=SystemTime.from_millis(1_000 + i))
                report = await ctl.save(sess, copy, messages=[msg])
                assert report.ok and msg.id in report.messages_stored
                sent.append(msg.id)
        stored = await ctl_a.read_messages(r, limit=100)
        assert sorted(m.id for m in stored) == sorted(sent)
        assert [m.order_key for m in stored] == sorted(m.order_key for m in stored)
        merged = (await ctl_a.load()).get(r)
        merged.room_state.verify(r)
        assert sorted(m.id for m in merged.room_state.recent_messages) == sorted(sent)
        await ctl_a.close()
        await ctl_b.close()

    run(scenario)


def _corrupt(db: Path, key: str) -> bytes:
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        corrupted = bytes(raw[:9]) + b"\xff\xfe not cbor at all"
        conn.execute("UPDATE kv SET value = ? WHERE key = ?", (corrupted, key))
    conn.close()
    return corrupted


def _raw(db: Path, key: str) -> bytes:
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    conn.close()
    return bytes(raw)


def test_corrupted_slot_is_reported_skipped_and_never_overwritten(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        s = ctl.open_session("setup")
        rooms = await ctl.load(s)
        good = rooms.create_room("Good", "me").owner_vk
        bad = rooms.create_room("Bad", "me").owner_vk
        assert (await ctl.save(s, rooms)).ok
        stale = ctl.open_session("stale writer")
        stale_rooms = await ctl.load(stale)

        corrupted = _corrupt(profile_dir / "river.sqlite3", room_key(bad))
        reader = ctl.open_session("reader")
        result = await ctl.load_with_report(reader)
        assert good in result.rooms.rooms
        assert bad not in result.rooms.rooms
        assert [i.key for i in result.issues] == [room_key(bad)]

        # A writer that still holds the room in memory changes it: that room fails, the others save.
        stale_rooms.rename(bad, "Bad, renamed")
        stale_rooms.rename(good, "Good, renamed")
        report = await ctl.save(stale, stale_rooms)
        assert report.rooms[bad].outcome is RoomOutcome.FAILED
        assert "cannot be decoded" in report.rooms[bad].reason
        assert report.rooms[good].outcome is RoomOutcome.STORED
        assert _raw(profile_dir / "river.sqlite3", room_key(bad)) == corrupted
        assert (await ctl.load()).rooms[good].name == "Good, renamed"
        await ctl.close()

    run(scenario)


def test_change_feed_reports_other_sessions_and_other_controllers(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        other = await StorageController.open(profile_dir)
        events: list[ChangeEvent] = []
        arrived = asyncio.Event()

        def on_change(event: ChangeEvent) -> None:
            events.append(event)
            arrived.set()

        ctl.subscribe(on_change)
        s = ctl.open_session("local")
        rooms = await ctl.load(s)
        local_vk = rooms.create_room("Local", "me").owner_vk
        await ctl.save(s, rooms)
        assert any(room_key(local_vk) in e.keys and not e.external for e in events)
        o = other.open_session("other process")
        other_rooms = await other.load(o)
        remote_vk = other_rooms.create_room("Remote", "me").owner_vk
        await other.save(o, other_rooms)

        async def remote_seen() -> None:
            while not any(room_key(remote_vk) in e.keys and e.external for e in events):
                arrived.clear()
                await arrived.wait()

        await asyncio.wait_for(remote_seen(), timeout=1.0)
        assert any(room_key(remote_vk) in e.keys and e.external for e in events)
        await other.close()
        await ctl.close()

    run(scenario)


def test_switching_rooms_in_a_stale_writer_does_not_revert_another_writers_drag(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        s = ctl.open_session("setup")
        rooms = await ctl.load(s)
        keys = [rooms.create_room(f"room {i}", "me").owner_vk for i in range(3)]
        assert (await ctl.save(s, rooms)).ok
        a, b = ctl.open_session("A"), ctl.open_session("B")
        rooms_a, rooms_b = await ctl.load(a), await ctl.load(b)
        rooms_a.move_room(keys[2], rooms_a.ordered_keys()[0])
        dragged = rooms_a.ordered_keys()
        assert (await ctl.save(a, rooms_a)).ok
        rooms_b.current_room = keys[1]
        assert (await ctl.save(b, rooms_b)).ok
        fresh = await ctl.load()
        assert fresh.ordered_keys() == dragged
        assert fresh.current_room == keys[1]
        await ctl.close()

    run(scenario)
