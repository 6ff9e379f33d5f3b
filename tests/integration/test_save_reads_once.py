"""A one-room save reads its slot once, inside the write that checks it; a stale writer still merges.

A writer remembers the slot bytes it last loaded or stored, decides on them, and its write compares them with what
the slot holds, in the same ``BEGIN IMMEDIATE`` transaction (``cas_store_many`` with a payload expectation). Pinned by
counting the SQL statements each save runs on the store's connections (no timings).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from river_desktop.storage.controller import RoomOutcome, StorageController
from river_desktop.storage.slots import room_key
from river_desktop.storage.sqlite_kv import SqliteKV

SLOT_READ = "SELECT value, seq FROM kv WHERE key = ?"


class CountingConnection(sqlite3.Connection):
    """Counts every statement run through ``execute`` by its SQL text, and the keys read by ``SLOT_READ`` (all
    connections of all stores share the counts)."""

    seen: ClassVar[Counter[str]] = Counter()
    keys_read: ClassVar[Counter[str]] = Counter()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        CountingConnection.seen[sql] += 1
        if sql == SLOT_READ:
            CountingConnection.keys_read[args[0][0]] += 1
        return super().execute(sql, *args)


def _clear() -> None:
    CountingConnection.seen.clear()
    CountingConnection.keys_read.clear()


def _open(db: Path) -> StorageController:
    return StorageController(SqliteKV(db, connection_factory=CountingConnection))


def test_a_one_room_save_reads_the_slot_once(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"

    async def go() -> None:
        ctl = _open(db)
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        vk = rooms.create_room("Counted", "me").owner_vk
        assert (await ctl.save(session, rooms)).ok
        await ctl.run(lambda: None)  # background jobs queued at open have run
        for round_ in range(3):
            _clear()
            rooms.rename(vk, f"Renamed {round_}")
            report = await ctl.save(session, rooms)
            assert report.rooms[vk].outcome is RoomOutcome.STORED and report.rooms[vk].attempts == 1
            assert CountingConnection.keys_read == Counter({room_key(vk): 1})
            assert CountingConnection.seen["BEGIN IMMEDIATE"] == 1 and CountingConnection.seen["COMMIT"] == 1
        await ctl.close()

    asyncio.run(go())


def test_a_stale_writer_merges_what_another_wrote_meanwhile(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"

    async def go() -> None:
        first, second = _open(db), _open(db)
        mine, theirs = first.open_session("first"), second.open_session("second")
        rooms = await first.load(mine)
        vk = rooms.create_room("Shared", "me").owner_vk
        assert (await first.save(mine, rooms)).ok
        stale = await second.load(theirs)
        rooms.rename(vk, "Renamed by the first")
        assert (await first.save(mine, rooms)).ok
        posted = stale.post_message(vk, "posted by the second")
        _clear()
        report = await second.save(theirs, stale, messages=[posted])
        assert report.rooms[vk].outcome is RoomOutcome.STORED and posted.id in report.messages_stored
        # the remembered bytes lost inside the first write, which handed back what is stored: no read between
        assert report.rooms[vk].attempts == 2 and CountingConnection.keys_read[room_key(vk)] == 2
        await first.close()
        await second.close()
        reloaded = _open(db)
        merged = (await reloaded.load()).rooms[vk]
        assert merged.name == "Renamed by the first"
        assert posted.id in {m.id for m in merged.room_state.recent_messages}
        await reloaded.close()

    asyncio.run(go())

