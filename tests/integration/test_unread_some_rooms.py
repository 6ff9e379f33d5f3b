"""Counting a few rooms' badges gives each of them what counting every room gives it, with or without the index."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import NotificationMode, ReadMarker, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.kv import KVStore, MemoryKV
from river_desktop.storage.sqlite_kv import SqliteKV


def _say(vk: bytes, who: SigningIdentity, text: str, secs: int) -> AuthorizedMessage:
    return AuthorizedMessage.create(vk, who, SystemTime(secs), RoomMessageBody.text(text))


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_few_rooms_counted_equal_those_rooms_of_a_full_count(tmp_path: Path, store: str) -> None:
    rooms = Rooms()
    other = SigningIdentity.generate()
    keys = [rooms.create_room(f"Room {i}", "me").owner_vk for i in range(4)]
    history = [(vk, _say(vk, other, f"{i}.{n}", 100 * i + n)) for i, vk in enumerate(keys) for n in range(i + 2)]
    first_of_room_2 = next(m for vk, m in history if vk == keys[2])
    rooms.rooms[keys[2]] = replace(rooms.rooms[keys[2]], last_read=ReadMarker.of(first_of_room_2))
    rooms.notification_modes[keys[3]] = NotificationMode.MUTED
    gone = SigningIdentity.generate().verifying_key  # not a room of this list
    kv: KVStore = MemoryKV() if store == "memory" else SqliteKV(tmp_path / "river.sqlite3")

    async def go() -> tuple[dict[bytes, int], ...]:
        ctl = StorageController(kv)
        assert await ctl.append_history(ctl.open_session("fill"), history) == len(history)
        every = await ctl.unread_counts(rooms)
        some = await ctl.unread_counts(rooms, [keys[1], keys[2], gone, keys[3], keys[1]])
        none = await ctl.unread_counts(rooms, [])
        scanned = await ctl.run(lambda: ctl._unread_by_scan(rooms.copy(), [keys[2], keys[0]]))  # no index
        await ctl.close()
        return every, some, none, scanned

    every, some, none, scanned = asyncio.run(go())
    assert every == {keys[0]: 2, keys[1]: 3, keys[2]: 3, keys[3]: 0}
    assert some == {k: every[k] for k in (keys[1], keys[2], keys[3])} and list(some) == [keys[1], keys[2], keys[3]]
    assert none == {}
    assert scanned == {keys[2]: 3, keys[0]: 2}
