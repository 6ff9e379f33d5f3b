"""A damaged message index is rebuilt from the message keys rather than trusted.

The open check compares row counts with key counts (tests/integration/test_history_index.py covers a dropped
table and missing rows, and SIGKILL during writes and rebuilds). A row whose content is wrong (same count) is
caught when a page reads it: the page is answered from the keys and the index rebuilt.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import ReadMarker, Rooms
from river_desktop.storage.controller import StorageController, hist_key_of
from river_desktop.storage.sqlite_kv import SqliteKV

COUNT = 300


def _say(vk: bytes, who: SigningIdentity, text: str, secs: int) -> AuthorizedMessage:
    return AuthorizedMessage.create(vk, who, SystemTime(secs), RoomMessageBody.text(text))


def _later(conn: sqlite3.Connection, key: str, other_room: bytes) -> None:
    conn.execute("UPDATE msg_index SET time = time + 100000 WHERE key = ?", (key,))


def _other_room(conn: sqlite3.Connection, key: str, other_room: bytes) -> None:
    conn.execute("UPDATE msg_index SET room = ? WHERE key = ?", (other_room, key))


def _wrong_author(conn: sqlite3.Connection, key: str, other_room: bytes) -> None:
    conn.execute("UPDATE msg_index SET author = x'0102030405060708' WHERE key = ?", (key,))


_DAMAGE: list[tuple[str, Callable[[sqlite3.Connection, str, bytes], None], int]] = [
    ("a row moved later in time", _later, 0),
    ("a row moved into another room", _other_room, 1),
    ("a row naming another author", _wrong_author, 0),
]


@pytest.mark.parametrize(("what", "damage", "room"), _DAMAGE, ids=[w for w, _, _ in _DAMAGE])
def test_a_page_that_meets_a_wrong_index_row_reads_the_keys_and_rebuilds_the_index(
    tmp_path: Path, what: str, damage: Callable[[sqlite3.Connection, str, bytes], None], room: int
) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    here, there = rooms.create_room("Here", "me").owner_vk, rooms.create_room("There", "me").owner_vk
    who = SigningIdentity.generate()
    mine = [_say(here, who, f"here {i}", 1_000 + i) for i in range(COUNT)]
    theirs = [_say(there, who, f"there {i}", 1_000 + i) for i in range(COUNT)]
    damaged = mine[100]

    async def fill() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("fill")
        await ctl.append_messages(session, here, mine)
        await ctl.append_messages(session, there, theirs)
        assert len(await ctl.read_messages(here, limit=20)) == 20  # built and checked
        await ctl.close()

    asyncio.run(fill())
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT * FROM msg_index WHERE key = ?", (hist_key_of(here, damaged),)).fetchone()
        damage(conn, hist_key_of(here, damaged), there)
    conn.close()
    shown_room, shown = (here, mine) if room == 0 else (there, theirs)

    async def read() -> tuple[list[int], list[int]]:
        ctl = StorageController(SqliteKV(db))
        newest = [m.id for m in await ctl.read_messages(shown_room, limit=20)]
        around = [m.id for m in await ctl.read_messages(here, before=_marker(mine[110]), limit=20)]
        await ctl.run(lambda: None)  # the rebuild queued on the storage thread has run its batches
        while await ctl.run(ctl.store.index_pending):  # type: ignore[attr-defined]
            await ctl.run(lambda: None)
        again = [m.id for m in await ctl.read_messages(here, before=_marker(mine[110]), limit=20)]
        await ctl.close()
        return newest, around + again

    newest, around = asyncio.run(read())
    assert newest == [m.id for m in shown[-20:]], what
    assert around == [m.id for m in mine[90:110]] * 2, what
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT * FROM msg_index WHERE key = ?", (hist_key_of(here, damaged),)).fetchone()
    conn.close()
    assert after == before, what  # rebuilt from the message keys


def _marker(message: AuthorizedMessage) -> ReadMarker:

    return ReadMarker.of(message)
