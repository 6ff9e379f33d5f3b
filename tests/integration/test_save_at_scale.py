"""A one-room save costs that room, whatever the room count: saves look only at the rooms set since the last one.

Complexity is pinned by counting what the controller asks the store for (no timings). The rooms that are not
changed are waiting rooms (River's placeholder state, no signatures to make), so 10,000 of them build quickly.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.room_changes import RoomMap
from river_desktop.domain.rooms import RoomData, Rooms, placeholder_state
from river_desktop.storage import controller
from river_desktop.storage.controller import RoomOutcome, StorageController
from river_desktop.storage.slots import META_KEY, OUTBOX_PREFIX, room_key
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.helpers.kv_wrappers import KeyCountingKV, RoomWritesFailWhileArmedKV

ROOMS = 10_000


class LookupCountingDict(dict[bytes, RoomData]):
    """Counts lookups: what a save compares against what it last stored, one lookup per room it looks at."""

    lookups = 0

    def get(self, key: bytes, default: Any = None) -> Any:
        self.lookups += 1
        return super().get(key, default)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def _fill(db: Path, count: int) -> bytes:
    """``count`` rooms in one transaction, the first one a real room owned here; returns its key."""
    real = Rooms().create_room("Changed", "me")
    slots = [(room_key(real.owner_vk), real.slot_bytes, 0)]
    for _ in range(count - 1):
        owner = SigningIdentity.generate()
        waiting = RoomData.new(owner.verifying_key, SigningIdentity.generate(), placeholder_state())
        slots.append((room_key(owner.verifying_key), waiting.slot_bytes, 0))
    with SqliteKV(db) as kv:
        kv.cas_store_many(slots)
    return real.owner_vk


def test_a_one_room_save_at_10000_rooms_reads_and_writes_a_constant_number_of_keys(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk = _fill(db, ROOMS)
    kv = KeyCountingKV(SqliteKV(db))

    async def go() -> None:
        ctl = StorageController(kv)
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        assert len(rooms.rooms) == ROOMS
        assert (await ctl.save(session, rooms)).ok  # the first save stores the list's preferences
        session.persisted_rooms = looked_at = LookupCountingDict(session.persisted_rooms)
        for round_ in range(3):
            kv.reset()
            rooms.rename(vk, f"Renamed {round_}")
            report = await ctl.save(session, rooms)
            assert report.ok and list(report.rooms) == [vk]
            assert report.rooms[vk].outcome is RoomOutcome.STORED
            assert kv.reads == [] and kv.prefix_reads == []  # the slot is read inside its write, once
            written = sorted(key for key, _size in kv.writes)
            assert len(written) == 2 and written[1] == room_key(vk) and written[0].startswith(OUTBOX_PREFIX)
        assert looked_at.lookups <= 3 * 2  # the changed room, each round: not the 9,999 others
        kv.reset()
        rooms.move_room(vk, None)  # a change of the list's order: the preferences key, and nothing else
        assert (await ctl.save(session, rooms)).ok
        assert kv.reads == [META_KEY] and [key for key, _ in kv.writes] == [META_KEY]
        await ctl.close()
        assert (await _reload(db)).rooms[vk].name == "Renamed 2"

    run(go())


async def _reload(db: Path) -> Rooms:
    ctl = StorageController(SqliteKV(db))
    rooms = await ctl.load()
    await ctl.close()
    return rooms


def test_a_post_at_10000_rooms_makes_history_keys_for_its_own_room_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which posted messages landed is found from the keys written, not by a history key per room of the list
    (that walk made a post in the list's last room 8x slower at 10,000 rooms)."""
    db = tmp_path / "river.sqlite3"
    vk = _fill(db, ROOMS)
    made: list[bytes] = []
    real_hist_key_of = controller.hist_key_of

    def counting(owner_vk: bytes, message: Any) -> str:
        made.append(owner_vk)
        return real_hist_key_of(owner_vk, message)

    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        rooms.rooms[vk] = rooms.rooms.pop(vk)  # the last room a walk of the list would reach
        assert list(rooms.rooms)[-1] == vk and (await ctl.save(session, rooms)).ok
        monkeypatch.setattr(controller, "hist_key_of", counting)
        msg = rooms.post_message(vk, "posted at scale")
        report = await ctl.save(session, rooms, messages=[msg])
        assert msg.id in report.messages_stored
        assert set(made) == {vk} and len(made) <= 2, len(made)
        await ctl.close()

    run(go())


def test_a_room_whose_save_failed_is_saved_by_the_next_save_though_not_changed_again(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk = _fill(db, 5)
    kv = RoomWritesFailWhileArmedKV(SqliteKV(db))

    async def go() -> None:
        ctl = StorageController(kv)
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        rooms.rename(vk, "Renamed while the disk fails")
        kv.armed = True
        assert (await ctl.save(session, rooms)).rooms[vk].outcome is RoomOutcome.FAILED
        kv.armed = False
        report = await ctl.save(session, rooms)
        assert report.rooms[vk].outcome is RoomOutcome.STORED
        await ctl.close()
        assert (await _reload(db)).rooms[vk].name == "Renamed while the disk fails"

    run(go())


def test_coalesced_saves_write_every_room_changed_meanwhile(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    _fill(db, 1)

    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        made = []
        for i in range(6):  # saves started back to back: the middle ones coalesce into one catch-up
            made.append(rooms.create_room(f"Burst {i}", "me").owner_vk)
            saves = [asyncio.ensure_future(ctl.save(session, rooms))]
            if i % 2:
                rooms.rename(made[i - 1], f"Burst {i - 1}, renamed")
                saves.append(asyncio.ensure_future(ctl.save(session, rooms)))
        await asyncio.gather(*saves)
        assert (await ctl.save(session, rooms)).ok
        await ctl.close()
        stored = await _reload(db)
        assert {stored.rooms[vk].name for vk in made} == {
            *(f"Burst {i}, renamed" for i in range(0, 6, 2)),
            *(f"Burst {i}" for i in range(1, 6, 2)),
        }

    run(go())


def test_a_map_replaced_wholesale_is_looked_at_in_full(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk = _fill(db, 3)

    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        other = rooms.copy()
        other.rename(vk, "Renamed in another copy")
        rooms.rooms = dict(other.rooms)  # as a window adopting another copy does: the new map is unwatched
        assert (await ctl.save(session, rooms)).rooms[vk].outcome is RoomOutcome.STORED
        await ctl.close()
        assert (await _reload(db)).rooms[vk].name == "Renamed in another copy"

    run(go())


_WRITES: list[tuple[str, Callable[[RoomMap[str, int]], object], set[str]]] = [
    ("set", lambda m: m.__setitem__("b", 9), {"b"}),
    ("delete", lambda m: m.__delitem__("b"), {"b"}),
    ("pop", lambda m: m.pop("b"), {"b"}),
    ("pop of an absent key", lambda m: m.pop("z", None), {"z"}),
    ("setdefault of an absent key", lambda m: m.setdefault("c", 9), {"c"}),
    ("setdefault of a present key", lambda m: m.setdefault("b", 9), set()),
    ("update", lambda m: m.update({"b": 9}), {"b"}),
    ("update by keywords", lambda m: m.update(b=9), {"b"}),
    ("in-place or", lambda m: m.__ior__({"b": 9}), {"b"}),
    ("popitem", lambda m: m.popitem(), {"b"}),
]


@pytest.mark.parametrize(("what", "write", "recorded"), _WRITES, ids=[w for w, _, _ in _WRITES])
def test_every_write_to_a_room_map_is_recorded(
    what: str, write: Callable[[RoomMap[str, int]], object], recorded: set[str]
) -> None:
    m: RoomMap[str, int] = RoomMap({"a": 1, "b": 2})
    changes = m.watch()
    write(m)
    assert changes.take() == recorded, what
    assert changes.take() == set()


def test_a_room_map_records_clear_and_keeps_no_watcher_alive() -> None:
    m: RoomMap[str, int] = RoomMap({"a": 1, "b": 2})
    changes = m.watch()
    m.clear()
    assert changes.take() == {"a", "b"}
    del changes
    gc.collect()
    m["c"] = 3
    assert len(m._watchers) == 0
    assert m.copy() == {"c": 3} and type(m.copy()) is RoomMap and len(m.copy()._watchers) == 0


_KEY_WRITES: list[tuple[str, Callable[[RoomMap[str, int]], object], bool]] = [
    ("set of a present key", lambda m: m.__setitem__("b", 9), False),
    ("set of a new key", lambda m: m.__setitem__("c", 9), True),
    ("delete", lambda m: m.__delitem__("b"), True),
    ("pop", lambda m: m.pop("b"), True),
    ("pop of an absent key", lambda m: m.pop("z", None), False),
    ("setdefault of an absent key", lambda m: m.setdefault("c", 9), True),
    ("setdefault of a present key", lambda m: m.setdefault("b", 9), False),
    ("update of present keys", lambda m: m.update({"b": 9}), False),
    ("update adding a key", lambda m: m.update(c=9), True),
    ("in-place or adding a key", lambda m: m.__ior__({"c": 9}), True),
    ("popitem", lambda m: m.popitem(), True),
    ("clear", lambda m: m.clear(), True),
]


@pytest.mark.parametrize(("what", "write", "keys_changed"), _KEY_WRITES, ids=[w for w, _, _ in _KEY_WRITES])
def test_a_room_maps_keys_token_changes_exactly_when_its_keys_do(
    what: str, write: Callable[[RoomMap[str, int]], object], keys_changed: bool
) -> None:
    m: RoomMap[str, int] = RoomMap({"a": 1, "b": 2})
    copy = m.copy()
    assert copy.keys_token is m.keys_token and RoomMap(dict(m)).keys_token is not m.keys_token
    write(m)
    assert (m.keys_token is not copy.keys_token) is keys_changed, what


def test_one_room_saves_build_the_lists_preferences_only_when_what_they_are_made_of_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "river.sqlite3"
    vk = _fill(db, 50)
    built: list[int] = []
    to_meta = Rooms.to_meta

    def counting(self: Rooms) -> Any:
        built.append(len(self.rooms))
        return to_meta(self)

    monkeypatch.setattr(Rooms, "to_meta", counting)

    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("window")
        rooms = await ctl.load(session)
        assert (await ctl.save(session, rooms)).ok
        built.clear()
        for round_ in range(3):
            rooms.rename(vk, f"Renamed {round_}")
            assert (await ctl.save(session, rooms)).ok
        assert built == []  # the same keys, order, modes, favourites and Archive: the last preferences stand
        rooms.move_room(vk, None)
        report = await ctl.save(session, rooms)
        assert report.meta is RoomOutcome.STORED and built == [50]
        made = rooms.create_room("New", "me")
        assert (await ctl.save(session, rooms)).ok and built == [50, 51]
        rooms.rename(made.owner_vk, "New, renamed")
        assert (await ctl.save(session, rooms)).ok and built == [50, 51]
        await ctl.close()
        stored = await _reload(db)
        assert stored.ordered_keys_manual() == rooms.ordered_keys_manual()
        assert stored.rooms[made.owner_vk].name == "New, renamed"

    run(go())
