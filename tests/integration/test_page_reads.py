"""Pages read again reuse decoded messages only while the stored bytes are the same bytes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import Rooms
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
