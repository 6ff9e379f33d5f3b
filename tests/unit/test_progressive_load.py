"""The chunked room-list load (storage/progressive_load.py): every room once, and a save made mid-load loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from river_desktop.domain.rooms import NotificationMode, Rooms, RoomsMeta
from river_desktop.storage import progressive_load as pl
from river_desktop.storage.controller import StorageController
from river_desktop.storage.kv import MemoryKV
from river_desktop.storage.slots import META_KEY, ROOM_PREFIX, room_key
from tests.helpers.many_rooms import build_rooms, seed

COUNT = 14


@pytest.fixture(scope="module")
def stored() -> Rooms:
    return build_rooms(COUNT)


def _controller(rooms: Rooms) -> StorageController:
    controller = StorageController(MemoryKV())
    seed(controller, rooms)
    return controller


async def _collect(controller: StorageController, chunk: int) -> tuple[pl.LoadStart, list[pl.LoadChunk]]:
    loader = pl.ProgressiveLoad(controller, controller.open_session("w"), chunk=chunk)
    start = await loader.start()
    chunks = [c async for c in loader.chunks(pl.first_keys(start.meta, [], chunk))]
    await controller.close()
    return start, chunks


@pytest.mark.parametrize("chunk", [1, 3, COUNT - 1, COUNT, 250])
def test_every_room_arrives_once_with_the_current_room_first(stored: Rooms, chunk: int) -> None:
    start, chunks = asyncio.run(_collect(_controller(stored), chunk))
    keys = [k for c in chunks for k in c.rooms]
    assert sorted(keys) == sorted(stored.rooms)
    assert len(keys) == len(set(keys))
    assert stored.current_room in chunks[0].rooms
    assert [c.last for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1].loaded == COUNT
    assert len(chunks) > 1 or chunk >= COUNT
    assert start.meta is not None
    rooms = Rooms()
    rooms.apply_meta(start.meta)
    for c in chunks:
        pl.absorb(rooms, c, start.meta)
    assert rooms.ordered_keys() == stored.ordered_keys()
    assert rooms.pinned == stored.pinned
    assert rooms.archived == stored.archived
    assert rooms.current_room == stored.current_room


def test_a_save_mid_load_writes_only_its_change_and_keeps_every_unseen_room(stored: Rooms) -> None:
    controller = _controller(stored)
    store = controller.store
    before = {k: store.get_versioned(k) for k in store.list(ROOM_PREFIX)}

    async def scenario() -> tuple[
        bytes, set[bytes], Rooms, set[bytes], dict[str, tuple[bytes | None, int]], bytes | None
    ]:
        session = controller.open_session("window")
        loader = pl.ProgressiveLoad(controller, session, chunk=3)
        start = await loader.start()
        assert start.meta is not None
        rooms = Rooms()
        rooms.apply_meta(start.meta)
        stream: AsyncIterator[pl.LoadChunk] = loader.chunks(pl.first_keys(start.meta, [], 3))
        first = await anext(stream)
        pl.absorb(rooms, first, start.meta)
        seen = set(rooms.rooms)
        assert len(seen) < COUNT
        order_before = rooms.ordered_keys()
        moved = order_before[0]
        rooms.move_room_to_end(moved)  # the order changed here: this writer's order wins the merge
        assert rooms.ordered_keys() != order_before
        rooms.set_notification_mode(moved, NotificationMode.MUTED)
        owned = [k for k in order_before if rooms.rooms[k].owner_vk == rooms.rooms[k].self_vk]
        assert owned, "the seeded profile owns a room in the first chunk"
        changed = owned[0]
        rooms.rename(changed, "Renamed while loading")
        report = await controller.save(session, rooms)
        assert report.ok, report.summary()
        async for chunk in stream:
            pl.absorb(rooms, chunk, start.meta)
        after = {k: store.get_versioned(k) for k in store.list(ROOM_PREFIX)}
        raw = store.get(META_KEY)
        await controller.close()
        return changed, moved, seen, rooms, set(report.rooms), after, raw

    changed, moved, seen, final, saved, after, raw = asyncio.run(scenario())
    assert saved == {changed}, "a save only writes the rooms that changed"
    assert after.keys() == before.keys(), "no room slot was added or removed"
    for key, value in before.items():
        if key != room_key(changed):
            assert after[key] == value, "an unchanged room slot was rewritten"
    assert raw is not None
    meta = RoomsMeta.decode(raw)
    unseen = set(stored.rooms) - seen
    assert unseen <= set(meta.room_order), "the merge dropped rooms this window had not loaded yet"
    stored_unseen = [k for k in stored.room_order if k in unseen]
    assert [k for k in meta.room_order if k in unseen] == stored_unseen
    assert meta.room_order[-1] == moved
    for vk in stored.pinned:
        assert vk in meta.pinned
    for vk, mark in stored.archived.items():
        assert meta.archived.get(vk) == mark
    for vk, mode in stored.notification_modes.items():
        if vk != moved:
            assert meta.notification_modes.get(vk) == mode
    assert meta.notification_modes[moved] is NotificationMode.MUTED
    assert set(final.rooms) == set(stored.rooms)
    assert final.rooms[changed].name == "Renamed while loading"
    assert final.ordered_keys()[-1] == moved


@pytest.mark.parametrize(
    ("order", "stored", "arrived", "expected"),
    [
        ([], [b"a", b"b", b"c"], {b"b"}, [b"b"]),
        ([b"a", b"c"], [b"a", b"b", b"c"], {b"b"}, [b"a", b"b", b"c"]),
        ([b"c", b"a"], [b"a", b"b", b"c"], {b"b"}, [b"c", b"a", b"b"]),  # a drag here keeps its place
        ([b"a"], [b"x", b"b", b"a", b"c"], {b"b", b"c"}, [b"b", b"a", b"c"]),
        ([b"a"], [b"a"], {b"z"}, [b"a"]),
    ],
)
def test_arriving_rooms_take_their_stored_place(
    order: list[bytes], stored: list[bytes], arrived: set[bytes], expected: list[bytes]
) -> None:
    loaded = set(order) | arrived
    assert pl._place(list(order), stored, arrived, loaded) == expected
