"""Pages read again reuse decoded messages only while the stored bytes are the same bytes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import ReadMarker, Rooms
from river_desktop.storage.controller import StorageController, hist_key_of
from river_desktop.storage.decoded_messages import DecodedMessages
from river_desktop.storage.envelope import decode_versioned, encode_versioned
from river_desktop.storage.sqlite_kv import SqliteKV


def _say(vk: bytes, who: SigningIdentity, text: str, secs: int) -> AuthorizedMessage:
    return AuthorizedMessage.create(vk, who, SystemTime(secs), RoomMessageBody.text(text))


def test_a_page_read_again_follows_bytes_changed_underneath(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk = Rooms().create_room("Room", "me").owner_vk
    who = SigningIdentity.generate()
    messages = [_say(vk, who, f"line {i}", 100 + i) for i in range(10)]

    async def go() -> tuple[list[str], list[str], list[str]]:
        ctl = StorageController(SqliteKV(db))
        await ctl.append_messages(ctl.open_session("fill"), vk, messages)
        first = [m.id_display for m in await ctl.read_messages(vk, limit=10)]
        again = [m.id_display for m in await ctl.read_messages(vk, limit=10)]
        # Another program puts another message's bytes under the newest key, keeping its generation.
        key = hist_key_of(vk, messages[-1])
        with sqlite3.connect(db) as conn:
            (raw,) = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            generation = decode_versioned(bytes(raw))[0]
            conn.execute(
                "UPDATE kv SET value = ? WHERE key = ?", (encode_versioned(generation, messages[0].encode()), key)
            )
        conn.close()
        after = [m.id_display for m in await ctl.read_messages(vk, limit=10)]
        await ctl.close()
        return first, again, after

    first, again, after = asyncio.run(go())
    ids = [m.id_display for m in messages]
    assert first == again == ids
    assert after == ids[:-1]  # not the message its key names: skipped, as a first read would


def test_decoded_messages_keep_the_most_recently_used() -> None:
    vk = Rooms().create_room("Room", "me").owner_vk
    who = SigningIdentity.generate()
    kept = DecodedMessages(limit=2)
    msgs = [_say(vk, who, f"m{i}", i) for i in range(3)]
    kept.put("a", b"1", msgs[0])
    kept.put("b", b"2", msgs[1])
    assert kept.get("a", b"1") is msgs[0]  # now the most recent
    kept.put("c", b"3", msgs[2])
    assert kept.get("b", b"2") is None and kept.get("a", b"1") is msgs[0] and len(kept) == 2
    assert kept.get("a", b"other bytes") is None


def _fill(db: Path, room: bytes, messages: list[AuthorizedMessage]) -> None:
    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        await ctl.append_messages(ctl.open_session("fill"), room, messages)
        await ctl.close()

    asyncio.run(go())


def _filled_room(db: Path, count: int) -> tuple[bytes, list[AuthorizedMessage]]:
    """A new room's key and ``count`` messages by one author ("line 0"...), stored in ``db``."""
    vk = Rooms().create_room("Room", "me").owner_vk
    who = SigningIdentity.generate()
    messages = [_say(vk, who, f"line {i}", 100 + i) for i in range(count)]
    _fill(db, vk, messages)
    return vk, messages


def test_a_first_read_decodes_only_the_page_and_a_read_again_decodes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "river.sqlite3"
    vk, messages = _filled_room(db, 300)
    decodes: list[int] = []
    real_loads = river_codec.loads

    def counting_loads(data: bytes) -> object:
        decodes.append(len(data))
        return real_loads(data)

    async def pages() -> list[tuple[list[int], int]]:
        ctl = StorageController(SqliteKV(db))
        await ctl.run(lambda: None)  # the index's open check has run
        out = []
        for before in (None, None, ReadMarker.of(messages[100]), None, ReadMarker.of(messages[100])):
            decodes.clear()
            page = await ctl.read_messages(vk, before=before, limit=50)
            out.append(([m.id for m in page], len(decodes)))
        await ctl.close()
        return out

    monkeypatch.setattr(river_codec, "loads", counting_loads)
    newest, newest_again, older, newest_third, older_again = asyncio.run(pages())
    ids = [m.id for m in messages]
    assert newest == (ids[-50:], 50) and older == (ids[50:100], 50)
    assert newest_again == newest_third == (ids[-50:], 0) and older_again == (ids[50:100], 0)


def test_a_message_kept_for_one_room_is_not_shown_in_another_whose_index_row_names_it(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    here, there = rooms.create_room("Here", "me").owner_vk, rooms.create_room("There", "me").owner_vk
    who = SigningIdentity.generate()
    mine = [_say(here, who, f"here {i}", 100 + 2 * i) for i in range(30)]
    theirs = [_say(there, who, f"there {i}", 101 + 2 * i) for i in range(30)]
    _fill(db, here, mine)
    _fill(db, there, theirs)
    moved = theirs[-1]

    async def go() -> tuple[list[int], list[int]]:
        ctl = StorageController(SqliteKV(db))
        seen_there = [m.id for m in await ctl.read_messages(there, limit=10)]  # kept, as accepted for ``there``
        with sqlite3.connect(db) as conn:  # another program files that row under ``here``, nothing else changed
            conn.execute("UPDATE msg_index SET room = ? WHERE key = ?", (here, hist_key_of(there, moved)))
        conn.close()
        shown_here = [m.id for m in await ctl.read_messages(here, limit=10)]
        await ctl.close()
        return seen_there, shown_here

    seen_there, shown_here = asyncio.run(go())
    assert moved.id in seen_there
    assert shown_here == [m.id for m in mine[-10:]]


def test_a_kept_row_whose_write_counter_another_program_broke_is_skipped_and_reported(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk, messages = _filled_room(db, 10)
    broken = hist_key_of(vk, messages[-1])

    async def go() -> tuple[list[int], list[int], list[str]]:
        store = SqliteKV(db)
        ctl = StorageController(store)
        first = [m.id for m in await ctl.read_messages(vk, limit=10)]
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE kv SET seq = 'not a counter' WHERE key = ?", (broken,))
        conn.close()
        after = [m.id for m in await ctl.read_messages(vk, limit=10)]
        skipped = [row.key for row in store.skipped_rows()]
        await ctl.close()
        return first, after, skipped

    first, after, skipped = asyncio.run(go())
    ids = [m.id for m in messages]
    assert first == ids and after == ids[:-1]
    assert any(broken.endswith(key.rsplit(":", 1)[-1]) for key in skipped)


def test_a_page_read_while_another_process_rebuilds_the_index_is_the_right_page(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    vk, messages = _filled_room(db, 300)

    async def go() -> tuple[list[int], list[int]]:
        ctl = StorageController(SqliteKV(db))
        first = [m.id for m in await ctl.read_messages(vk, limit=20)]
        with sqlite3.connect(db) as conn:  # another process has just reset the index to rebuild it
            conn.execute("DELETE FROM msg_index")
            conn.execute("UPDATE msg_index_state SET value = '' WHERE name = 'progress'")
        conn.close()
        during = [m.id for m in await ctl.read_messages(vk, limit=20)]
        await ctl.close()
        return first, during

    first, during = asyncio.run(go())
    assert first == during == [m.id for m in messages[-20:]]
