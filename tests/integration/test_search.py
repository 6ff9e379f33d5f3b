"""Search over real profiles through the controller: every message ever seen, as it reads now, kept in step with
the history keys by every writer, rebuilt when its tables go missing, private rooms readable only with the secret."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import Rooms
from river_desktop.storage import search_index as si
from river_desktop.storage.controller import StorageController
from river_desktop.storage.sqlite_kv import SqliteKV

REPO = Path(__file__).resolve().parents[2]


def old_message(room: bytes, who: SigningIdentity, text: str, secs: int) -> AuthorizedMessage:
    return AuthorizedMessage.create(room, who, SystemTime(secs), RoomMessageBody.text(text))


async def post(ctl: StorageController, rooms: Rooms, vk: bytes, text: str) -> AuthorizedMessage:
    session = ctl.open_session("poster")
    message = rooms.post_message(vk, text)
    report = await ctl.save(session, rooms, messages=[message])
    assert report.ok
    return message


def texts(hits: list[si.SearchHit]) -> list[str]:
    return [h.text for h in hits]


def test_edits_deletes_rooms_and_history_beyond_the_window(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    garden, kitchen = rooms.create_room("Garden", "me"), rooms.create_room("Kitchen", "me")
    other = SigningIdentity.generate()

    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("t")
        assert (await ctl.save(session, rooms)).ok
        # 300 old messages: far more than River's window of 100 keeps in the slot
        old = [old_message(garden.owner_vk, other, f"tulip number {i}", 1_000 + i) for i in range(300)]
        await ctl.append_messages(session, garden.owner_vk, old)
        tomato = await post(ctl, rooms, kitchen.owner_vk, "tomato soup tonight")
        await post(ctl, rooms, garden.owner_vk, "tomato plants are up")
        secret = await post(ctl, rooms, kitchen.owner_vk, "a secret recipe")

        hits = await ctl.search("tulip number 0")
        assert [(h.room, h.message_id) for h in hits] == [(garden.owner_vk, old[0].id)]
        assert hits[0].author == old[0].author and (hits[0].secs, hits[0].text) == (1_000, "tulip number 0")
        assert si.MATCH_START + "tulip" + si.MATCH_END in hits[0].snippet
        assert len(await ctl.search("tulip", limit=500)) == 300
        assert len(await ctl.search("tulip")) == 50  # the default limit, newest first
        assert (await ctl.search("tulip", limit=3))[0].text == "tulip number 299"

        assert sorted(texts(await ctl.search("tomato"))) == ["tomato plants are up", "tomato soup tonight"]
        assert texts(await ctl.search("tomato", kitchen.owner_vk)) == ["tomato soup tonight"]
        assert await ctl.search("tomato", b"\x01" * 32) == []

        edit = rooms.edit_message(kitchen.owner_vk, tomato.id, "onion soup tonight")
        assert (await ctl.save(session, rooms, messages=[edit])).ok
        assert texts(await ctl.search("onion")) == ["onion soup tonight"]
        assert texts(await ctl.search("tomato")) == ["tomato plants are up"]

        gone = rooms.delete_message(kitchen.owner_vk, secret.id)
        assert (await ctl.save(session, rooms, messages=[gone])).ok
        assert await ctl.search("secret recipe") == []
        assert await ctl.search("?!.") == []
        assert await ctl.search('" OR *') == []
        await ctl.close()

    asyncio.run(go())


def test_a_dropped_fts_table_is_rebuilt_on_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    room = rooms.create_room("Rebuilt", "me")
    other = SigningIdentity.generate()

    async def fill() -> None:
        ctl = StorageController(SqliteKV(db))
        await ctl.save(ctl.open_session("t"), rooms)
        msgs = [old_message(room.owner_vk, other, f"pebble {i}", 10 + i) for i in range(1_000)]
        await ctl.append_messages(ctl.open_session("t"), room.owner_vk, msgs)
        assert len(await ctl.search("pebble", limit=2_000)) == 1_000
        await ctl.close()

    async def reopen() -> int:
        ctl = StorageController(SqliteKV(db))
        await ctl.load(ctl.open_session("t"))
        found = len(await ctl.search("pebble", limit=2_000))
        await ctl.close()
        return found

    asyncio.run(fill())
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE search_fts")
    assert asyncio.run(reopen()) == 1_000
    with sqlite3.connect(db) as conn:  # a stale index: ten messages lost their rows (a tool, a bad copy)
        lost = [k for (k,) in conn.execute("SELECT key FROM search_doc LIMIT 10")]
        marks = ", ".join("?" * len(lost))
        conn.execute(f"DELETE FROM search_src WHERE key IN ({marks})", lost)
        conn.execute(f"DELETE FROM search_doc WHERE key IN ({marks})", lost)
    assert asyncio.run(reopen()) == 1_000


_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from river_desktop.domain.identity import SigningIdentity
    from river_desktop.domain.river.codec import SystemTime
    from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
    from river_desktop.storage.controller import StorageController
    from river_desktop.storage.slots import hist_key
    from river_desktop.storage.sqlite_kv import SqliteKV

    db, room, how = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
    author = SigningIdentity(bytes([9]) * 32)
    msgs = [AuthorizedMessage.create(room, author, SystemTime(5_000 + i), RoomMessageBody.text(f"{how} news {i}"))
            for i in range(20)]

    async def main():
        ctl = StorageController(SqliteKV(db))
        await ctl.append_messages(ctl.open_session("other"), room, msgs)
        await ctl.close()

    if how == "controller":
        asyncio.run(main())
    else:  # a writer that knows nothing of search (an older version, a tool)
        kv = SqliteKV(db)
        from river_desktop.storage.controller import hist_key_of
        kv.cas_store_many([(hist_key_of(room, m), m.encode(), 0) for m in msgs])
        kv.close()
    """
)


def test_a_second_process_sees_new_messages_in_search(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    room = rooms.create_room("Shared", "me")

    async def go() -> list[int]:
        ctl = StorageController(SqliteKV(db))
        await ctl.save(ctl.open_session("t"), rooms)
        counts = [len(await ctl.search("news"))]
        for how in ("controller", "bare"):
            proc = subprocess.run(
                [sys.executable, "-c", _WRITER, str(db), room.owner_vk.hex(), how],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            assert proc.returncode == 0, proc.stderr
            counts.append(len(await ctl.search("news", limit=100)))
        assert len(await ctl.search("bare news 7")) == 1
        await ctl.close()
        return counts

    assert asyncio.run(go()) == [0, 20, 40]


def test_a_private_room_is_searchable_with_its_secret_and_its_keys_stay_sealed(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    room = rooms.create_room("Hidden", "me", private=True)

    async def go() -> list[str]:
        ctl = StorageController(SqliteKV(db))
        await ctl.save(ctl.open_session("t"), rooms)
        await post(ctl, rooms, room.owner_vk, "marmalade sandwich")
        found = texts(await ctl.search("marmalade"))
        await ctl.close()
        return found

    assert asyncio.run(go()) == ["marmalade sandwich"]
    with sqlite3.connect(db) as conn:
        sealed = [bytes(v) for (v,) in conn.execute("SELECT value FROM kv WHERE key LIKE 'hist:%'")]
    assert sealed and not any(b"marmalade" in v for v in sealed)
