"""``demo populate``'s bulk first save (storage/bulk_save.py) leaves the store the normal save would: every row of
every table (the keys and their values, the order index, the search index, the room-list summary), in a constant
number of transactions per batch of rooms instead of one per room; a room it cannot settle goes the normal way."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from river_desktop import demo
from river_desktop.domain.rooms import PresentSlot, Rooms
from river_desktop.storage import bulk_save
from river_desktop.storage.controller import StorageController
from river_desktop.storage.kv import KVStore
from river_desktop.storage.slots import decode_slot, room_key

NOW_MS = 1_790_000_000_000


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Counting:
    """Counts the store's multi-key writes (one transaction each)."""

    def __init__(self, store: KVStore) -> None:
        self.store = store
        self.many = 0
        self.keys = 0
        self.inner = store.cas_store_many

    def __call__(self, items: Any) -> Any:
        batch = list(items)
        self.many += 1
        self.keys += len(batch)
        return self.inner(batch)


async def _populate(profile: Path, *, bulk: bool, rooms: int, messages: int) -> Counting:
    ctl = await StorageController.open(profile)
    counting = Counting(ctl._store)
    ctl._store.cas_store_many = counting  # type: ignore[method-assign]
    session = ctl.open_session("demo")
    loaded = await ctl.load(session)
    await demo.populate(ctl, session, loaded, rooms, messages, 11, reactions=True, bulk=bulk, now_ms=NOW_MS)
    await ctl.close()
    return counting


_ORDERED: frozenset[str] = frozenset({"kv", "search_doc"})
"""Tables whose ids follow the order rooms are written in, which the normal save takes from a set."""


def _tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows; row ids that only number writes are left out, the search index is read by its keys."""
    conn = sqlite3.connect(db)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {
            n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
            for n in names
            if n not in _ORDERED and not n.startswith("search_fts")
        }
        out["kv"] = conn.execute("SELECT key, value FROM kv ORDER BY key").fetchall()
        out["kv seq"] = conn.execute("SELECT count(*), min(seq), max(seq) FROM kv").fetchall()
        out["search"] = conn.execute(
            "SELECT d.key, d.room, d.mid, d.author, d.secs, d.nanos, f.text FROM search_doc d"
            " JOIN search_fts f ON f.rowid = d.docid ORDER BY d.key"
        ).fetchall()
        out["search hits"] = [
            (word, *sorted(k for (k,) in conn.execute(
                "SELECT d.key FROM search_fts f JOIN search_doc d ON d.docid = f.rowid WHERE search_fts MATCH ?",
                (word,),
            )))
            for word in ("meetup", "release", "agreed", "thanks", "rust")
        ]
        return out
    finally:
        conn.close()


def test_bulk_populate_writes_the_store_the_normal_save_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "BULK_ROOMS", 4)
    rooms, messages = 10, 110  # three batches (4, 4, 2); 10 messages a room beyond River's window of 100
    normal = run(_populate(tmp_path / "normal", bulk=False, rooms=rooms, messages=messages))
    bulk = run(_populate(tmp_path / "bulk", bulk=True, rooms=rooms, messages=messages))

    a, b = _tables(tmp_path / "normal" / "river.sqlite3"), _tables(tmp_path / "bulk" / "river.sqlite3")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    kv = a["kv"]
    assert sum(1 for row in kv if str(row[0]).startswith("room:")) == rooms
    assert sum(1 for row in kv if str(row[0]).startswith("hist:")) == rooms * messages
    assert a["search"] and a["msg_index"] and a["room_summary"]  # the derived tables were compared, not empty
    assert any(len(hits) > 1 for hits in a["search hits"])

    # One transaction per room on the normal path, one per batch here; each message key is offered once.
    history_appends = normal.many - rooms
    assert history_appends >= 1
    assert bulk.many == 3 + history_appends
    assert bulk.keys == rooms * (1 + messages)


def test_a_room_another_writer_stored_meanwhile_is_merged_by_the_normal_save(tmp_path: Path) -> None:
    async def go() -> None:
        ctl = await StorageController.open(tmp_path / "p")
        session = ctl.open_session("demo")
        rooms = await ctl.load(session)
        builder = demo.DemoBuilder(3, NOW_MS)
        first, _ = builder.room("First", 5)
        second, _ = builder.room("Second", 5)
        other = ctl.open_session("other")
        theirs = Rooms()
        theirs.rooms[second.owner_vk] = second
        assert (await ctl.save(other, theirs)).ok

        stale = ctl._store
        real_get_many = stale.get_many

        def blind(keys: Any) -> dict[str, tuple[bytes | None, int]]:
            return {k: (None, 0) for k in real_get_many(keys)}  # as if read before the other writer stored

        stale.get_many = blind  # type: ignore[method-assign]
        try:
            written = await ctl.run(
                lambda: bulk_save.first_saves(stale, session, {first.owner_vk: first, second.owner_vk: second})
            )
        finally:
            stale.get_many = real_get_many  # type: ignore[method-assign]
        assert room_key(first.owner_vk) in written
        assert room_key(second.owner_vk) not in written  # its CAS met the other writer's slot
        assert first.owner_vk in session.persisted_rooms
        assert second.owner_vk not in session.persisted_rooms

        rooms.rooms[first.owner_vk] = first
        rooms.rooms[second.owner_vk] = second
        report = await ctl.save(session, rooms)
        assert report.ok
        assert set(report.rooms) == {second.owner_vk}  # the first room is settled; only the second is saved
        assert second.owner_vk in session.persisted_rooms
        payload = ctl._store.get(room_key(second.owner_vk))
        assert payload is not None
        slot = decode_slot(payload)
        assert isinstance(slot, PresentSlot) and slot.room.owner_vk == second.owner_vk
        await ctl.close()

    run(go())


def test_batch_must_hold_a_room(tmp_path: Path) -> None:
    async def go() -> None:
        ctl = await StorageController.open(tmp_path / "p")
        with pytest.raises(ValueError):
            bulk_save.first_saves(ctl._store, ctl.open_session(), {}, batch=0)
        await ctl.close()

    run(go())
