"""Controller behaviour on real SQLite files: CAS exhaustion, migration, write amplification, coalescing."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.storage.controller import RoomOutcome, StorageController, hist_key_of
from river_desktop.storage.slots import LEGACY_BLOB_KEY, META_KEY, MIGRATION_DONE_KEY, outbox_prefix, room_key
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.helpers.kv_wrappers import AlwaysConflictKV, CountingKV
from tests.helpers.river_blob import legacy_blob

T = TypeVar("T")


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())


def _db(profile_dir: Path) -> Path:
    profile_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return profile_dir / "river.sqlite3"


def test_cas_exhaustion_fails_that_room_and_saves_the_others(profile_dir: Path) -> None:
    async def scenario() -> None:
        rooms = Rooms()
        hostile = rooms.create_room("Contested", "me").owner_vk
        calm = [rooms.create_room(f"Calm {i}", "me").owner_vk for i in range(3)]
        kv = AlwaysConflictKV(SqliteKV(_db(profile_dir)), room_key(hostile))
        ctl = StorageController(kv)
        report = await ctl.save(ctl.open_session(), rooms)
        assert report.rooms[hostile].outcome is RoomOutcome.FAILED
        assert "8 attempts" in report.rooms[hostile].reason
        assert all(report.rooms[vk].outcome is RoomOutcome.STORED for vk in calm)
        loaded = await ctl.load()
        assert set(loaded.rooms) == set(calm)
        await ctl.close()

    run(scenario)


def _legacy_rooms() -> Rooms:
    legacy = Rooms()
    keep = [legacy.create_room(f"Legacy {i}", f"nick{i}").owner_vk for i in range(5)]
    gone = legacy.create_room("Left long ago", "x").owner_vk
    legacy.leave(gone)
    legacy.post_message(keep[0], "hello from the old days", now=SystemTime.from_millis(1_700_000_000_000))
    legacy.set_notification_mode(keep[1], NotificationMode.MUTED)
    legacy.move_room(keep[4], keep[0])
    legacy.current_room = keep[2]
    return legacy


def test_legacy_blob_migrates_completely_and_is_left_in_place(profile_dir: Path) -> None:
    legacy = _legacy_rooms()
    blob = legacy_blob(legacy)

    async def scenario() -> None:
        kv = CountingKV(SqliteKV(_db(profile_dir)))
        kv.store(LEGACY_BLOB_KEY, blob)
        ctl = StorageController(kv)
        kv.reset()
        result = await ctl.load_with_report()
        assert result.migrated
        assert result.issues == ()
        loaded = result.rooms
        assert set(loaded.rooms) == set(legacy.rooms)
        assert set(loaded.removed) == set(legacy.removed)
        assert loaded.ordered_keys() == legacy.ordered_keys()
        assert loaded.current_room == legacy.current_room
        assert loaded.notification_modes == legacy.notification_modes
        first = next(iter(sorted(legacy.rooms)))
        for vk in legacy.rooms:
            assert loaded.rooms[vk].name == legacy.rooms[vk].name
        written = {k for k, _ in kv.writes}
        assert {room_key(vk) for vk in [*legacy.rooms, *legacy.removed]} <= written
        assert META_KEY in written and MIGRATION_DONE_KEY in written
        posted = next((vk, m) for vk, r in legacy.rooms.items() for m in r.room_state.recent_messages)
        assert hist_key_of(*posted) in written
        assert kv.get(LEGACY_BLOB_KEY) == blob
        kv.reset()
        again = await ctl.load()
        assert kv.writes == []
        assert set(again.rooms) == set(legacy.rooms) and first in again.rooms
        await ctl.close()

    run(scenario)


def test_interrupted_migration_is_finished_by_the_next_load(profile_dir: Path) -> None:
    legacy = _legacy_rooms()

    class DiesAfterTwoRooms(CountingKV):
        def cas_store(self, key: str, value: bytes, expected_generation: int):  # type: ignore[no-untyped-def]
            if key.startswith("room:") and sum(1 for k, _ in self.writes if k.startswith("room:")) >= 2:
                raise KeyboardInterrupt("simulated crash mid-migration")
            return super().cas_store(key, value, expected_generation)

    async def first_run() -> None:
        kv = DiesAfterTwoRooms(SqliteKV(_db(profile_dir)))
        kv.store(LEGACY_BLOB_KEY, legacy_blob(legacy))
        ctl = StorageController(kv)
        with contextlib.suppress(KeyboardInterrupt):
            await ctl.load()
        assert kv.get(MIGRATION_DONE_KEY) is None
        kv.inner.close()

    run(first_run)

    async def second_run() -> None:
        ctl = StorageController(SqliteKV(_db(profile_dir)))
        result = await ctl.load_with_report()
        assert result.migrated
        assert set(result.rooms.rooms) == set(legacy.rooms)
        assert set(result.rooms.removed) == set(legacy.removed)
        await ctl.close()

    run(second_run)


def test_changing_one_room_of_a_thousand_writes_only_that_slot(profile_dir: Path) -> None:
    async def scenario() -> None:
        kv = CountingKV(SqliteKV(_db(profile_dir)))
        ctl = StorageController(kv)
        session = ctl.open_session()
        rooms = Rooms()
        keys = [rooms.create_room(f"Room {i}", "me").owner_vk for i in range(1_000)]
        assert (await ctl.save(session, rooms)).ok
        kv.reset()
        rooms.rename(keys[500], "The one that changed")
        assert (await ctl.save(session, rooms)).ok
        written = [k for k, _ in kv.writes]
        assert written[0] == room_key(keys[500])
        assert len(written) == 2 and written[1].startswith(outbox_prefix(keys[500]))  # the rename's River delta
        kv.reset()
        rooms.move_room(keys[10], keys[0])
        assert (await ctl.save(session, rooms)).ok
        assert [k for k, _ in kv.writes] == [META_KEY]
        await ctl.close()

    run(scenario)


def test_posting_after_a_long_history_writes_the_same_small_keys(profile_dir: Path) -> None:
    """A post writes its slot (River's bounded window), its outbox entry and one history key, whatever the history."""

    async def scenario() -> None:
        kv = CountingKV(SqliteKV(_db(profile_dir)))
        ctl = StorageController(kv)
        session = ctl.open_session()
        rooms = Rooms()
        big = rooms.create_room("Busy", "me").owner_vk
        small = rooms.create_room("Quiet", "me").owner_vk
        await ctl.save(session, rooms)
        for vk, count in ((big, 10_000), (small, 10)):
            me = rooms.get(vk).self_identity
            msgs = [
                AuthorizedMessage.create(vk, me, SystemTime(1_000 + i), RoomMessageBody.text(f"message {i:05d}"))
                for i in range(count)
            ]
            assert await ctl.append_messages(session, vk, msgs) == count
        sizes = {}
        for vk in (big, small):
            kv.reset()
            msg = rooms.post_message(vk, "one more message", now=SystemTime(99_999))
            report = await ctl.save(session, rooms, messages=[msg])
            assert msg.id in report.messages_stored
            keys = [k for k, _ in kv.writes]
            assert keys[0] == room_key(vk) and keys[1].startswith(outbox_prefix(vk))
            assert keys[2:] == [hist_key_of(vk, msg)]
            sizes[vk] = [n for _, n in kv.writes]
        # Equal but for the rooms' names and River's signatures as arrays of uints (1 or 2 bytes per byte, so each
        # signature takes 64 to 128 bytes): a 10,000-message history adds nothing to what a post writes.
        assert all(abs(a - b) <= 3 * 64 + 8 for a, b in zip(sizes[big], sizes[small], strict=True))
        assert sizes[big][0] < 4096
        assert await ctl.message_count(big) == 10_001
        page = await ctl.read_messages(big, limit=3)
        assert [m.id for m in page][-1] == rooms.get(big).room_state.recent_messages[-1].id
        await ctl.close()

    run(scenario)


def test_a_burst_of_saves_coalesces(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = StorageController(SqliteKV(_db(profile_dir)))
        session = ctl.open_session()
        rooms = Rooms()
        vk = rooms.create_room("Burst", "me").owner_vk
        reports = []
        for i in range(20):
            rooms.rename(vk, f"name {i}")
            reports.append(asyncio.ensure_future(ctl.save(session, rooms)))
        done = await asyncio.gather(*reports)
        assert all(r.ok for r in done)
        assert session.saves_run <= 2
        assert (await ctl.load()).rooms[vk].name == "name 19"
        await ctl.close()

    run(scenario)


def test_profile_files_are_private(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        s = ctl.open_session()
        rooms = await ctl.load(s)
        rooms.create_room("Private", "me")
        await ctl.save(s, rooms)
        await ctl.close()

    run(scenario)
    assert profile_dir.stat().st_mode & 0o777 == 0o700
    for f in profile_dir.iterdir():
        assert f.stat().st_mode & 0o777 == 0o600, f
    with sqlite3.connect(profile_dir / "river.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
