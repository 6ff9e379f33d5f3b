"""A save of a changed room rewrites its slot in place (storage/in_place.py): the row keeps its stored size, so
SQLite overwrites the slot's pages instead of writing a new chain and freeing (and zeroing) the old one.

Pages are counted from the WAL: the test empties it, saves, and asks SQLite how many frames the save appended.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from river_desktop.storage import in_place
from river_desktop.storage.controller import StorageController
from river_desktop.storage.envelope import TAG_PADDED, decode_versioned
from river_desktop.storage.slots import room_key
from tests.helpers.damage import DB_NAME, populate

NAMES = ("A", "A much longer name than before", "Mid name", "x" * 60, "B")


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = tmp_path_factory.mktemp("in-place") / "profile"
    populate(profile, rooms=3, messages=50)
    return profile


def _wal_frames(db: Path, *, reset: bool) -> int:
    conn = sqlite3.connect(db)
    try:
        _busy, frames, _done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if reset:
            assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        return int(frames)
    finally:
        conn.close()


def _renames(profile: Path) -> tuple[list[int], list[int], list[bytes]]:
    """WAL frames and the slot's stored size of each rename's save, and the payloads read back."""
    db = profile / DB_NAME
    frames: list[int] = []
    sizes: list[int] = []
    payloads: list[bytes] = []

    async def run() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("t")
            rooms = await ctl.load(session)
            vk = next(vk for vk, room in rooms.rooms.items() if room.is_owner)
            conn = sqlite3.connect(db)
            try:
                for name in NAMES:
                    _wal_frames(db, reset=True)
                    rooms.rename(vk, name)
                    assert (await ctl.save(session, rooms)).ok
                    frames.append(_wal_frames(db, reset=False))
                    (stored,) = conn.execute("SELECT value FROM kv WHERE key = ?", (room_key(vk),)).fetchone()
                    sizes.append(len(stored))
                    payload = decode_versioned(stored)[1]
                    assert payload is not None and stored[0] == (TAG_PADDED if padded else 1)
                    payloads.append(payload)
                    assert payload == rooms.rooms[vk].slot_bytes  # River's RoomSlot bytes, padding stripped
            finally:
                conn.close()
        finally:
            await ctl.close()

    padded = in_place.stored_size(20_000, 49, 2) is not None
    asyncio.run(run())
    return frames, sizes, payloads


def test_a_rename_keeps_the_slots_size_and_writes_fewer_pages(
    populated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_place_profile = tmp_path / "a"
    shutil.copytree(populated, in_place_profile)
    frames, sizes, payloads = _renames(in_place_profile)
    assert len(set(sizes)) == 1, "every rename fitted in the room the slot was given"
    assert len({len(p) for p in payloads}) > 1, "the names changed the slot's length"

    unpadded_profile = tmp_path / "b"
    shutil.copytree(populated, unpadded_profile)
    monkeypatch.setattr(in_place, "stored_size", lambda *args, **kwargs: None)  # the envelope as before (0x01)
    before, before_sizes, before_payloads = _renames(unpadded_profile)
    assert len(set(before_sizes)) > 1
    assert [len(p) for p in before_payloads] == [len(p) for p in payloads]
    assert max(frames) < min(before), (frames, before)
    assert sum(before) - sum(frames) >= 2 * len(NAMES)  # no new chain, no freed pages to zero
