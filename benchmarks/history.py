"""B8 and B10: history pages and unread counts read the message order index, so they cost what is shown
(B10m: "Mentions & replies" counts too, from the index's refs).

Each figure is a ratio against a bare SQLite query for the same rows, measured in the same run, alternating runs.
The profiles are built in process (signing 100,000+ messages is most of the setup time).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ReplyContent
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import NotificationMode, ReadMarker, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.message_rows import member_bytes
from river_desktop.storage.sqlite_kv import SqliteKV

PAGE = 50
_BATCH = 5_000


Batch = list[tuple[bytes, AuthorizedMessage]]


def _say(vk: bytes, who: SigningIdentity, text: str, secs: int) -> tuple[bytes, AuthorizedMessage]:
    return vk, AuthorizedMessage.create(vk, who, SystemTime(secs), RoomMessageBody.text(text))


async def _fill(ctl: StorageController, messages: Batch) -> None:
    session = ctl.open_session("bench")
    for start in range(0, len(messages), _BATCH):
        await ctl.append_history(session, messages[start : start + _BATCH])


async def _alternate(runs: int, *sides: Callable[[], Awaitable[None] | None]) -> list[float]:
    """Median seconds of each side, their runs interleaved so a slow spell hits every side.

    Timed on the event loop, as the app awaits the controller: a side returning an awaitable is awaited.
    """
    times: list[list[float]] = [[] for _ in sides]
    for _ in range(runs):
        for i, side in enumerate(sides):
            start = time.perf_counter()
            pending = side()
            if pending is not None:
                await pending
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def b8_history_page(tmp: Path, runs: int) -> tuple[float, float, float, float]:
    """Median seconds: (ours in the 100,000-message room, bare SQL there, ours in the 100-message room, ours for
    a page read for the first time: 20 distinct pages of the 100,000-message room, each read once).

    The first three read the same page again and again, as the issue defines B8; a page read again reuses the
    messages decoded from the same bytes (storage/decoded_messages.py), so the fourth says what a page costs
    the first time it is shown."""
    db = tmp / "b8" / "river.sqlite3"
    db.parent.mkdir(parents=True)
    rooms = Rooms()
    big, small = rooms.create_room("Hundred thousand", "me"), rooms.create_room("Hundred", "me")
    other = SigningIdentity.generate()

    def history(vk: bytes, count: int) -> Batch:
        return [_say(vk, other, f"message {i} of a long history", 1_000 + i) for i in range(count)]

    async def go() -> tuple[float, float, float, float]:
        ctl = StorageController(SqliteKV(db))
        await _fill(ctl, history(big.owner_vk, 100_000) + history(small.owner_vk, 100))
        conn = sqlite3.connect(db, isolation_level=None)
        sql = (
            "SELECT kv.value FROM msg_index JOIN kv ON kv.key = msg_index.key WHERE msg_index.room = ?"
            " ORDER BY msg_index.time DESC, msg_index.id DESC LIMIT ?"
        )

        def bare(vk: bytes) -> None:
            assert len(conn.execute(sql, (vk, PAGE)).fetchall()) == PAGE

        async def ours(vk: bytes) -> None:
            assert len(await ctl.read_messages(vk, limit=PAGE)) == PAGE

        firsts = []
        for i in range(20):
            marker = ReadMarker(1_000 + 90_000 - i * 4_000, 0, 0)
            start = time.perf_counter()
            assert len(await ctl.read_messages(big.owner_vk, before=marker, limit=PAGE)) == PAGE
            firsts.append(time.perf_counter() - start)
        await ours(big.owner_vk)  # warm the caches for every side alike
        medians = await _alternate(
            runs * 30, lambda: ours(big.owner_vk), lambda: bare(big.owner_vk), lambda: ours(small.owner_vk)
        )
        conn.close()
        await ctl.close()
        return medians[0], medians[1], medians[2], statistics.median(firsts)

    return asyncio.run(go())


def b10_unread_counts(tmp: Path, runs: int) -> tuple[float, float]:
    """Median seconds: (ours, one bare SQL count of the same rows)."""
    db = tmp / "b10" / "river.sqlite3"
    db.parent.mkdir(parents=True)
    rooms = Rooms()
    other = SigningIdentity.generate()
    messages: Batch = []
    for r in range(1_000):
        room = rooms.create_room(f"Room {r}", "me")
        seen = [_say(room.owner_vk, other, f"read {i}", 1_000 + i) for i in range(10)]
        unread = [_say(room.owner_vk, other, f"unread {i}", 2_000 + i) for i in range(100)]
        rooms.rooms[room.owner_vk] = replace(room, last_read=ReadMarker.of(seen[-1][1]))
        messages += seen + unread

    async def go() -> tuple[float, float]:
        ctl = StorageController(SqliteKV(db))
        await _fill(ctl, messages)
        conn = sqlite3.connect(db, isolation_level=None)
        # The same rows: after every marker (all unread are at 2000 and later) and by others (all by ``other``).
        sql = "SELECT room, COUNT(*) FROM msg_index WHERE time >= 2000 AND author = ? GROUP BY room"
        author = member_bytes(other.member_id)

        def bare() -> None:
            rows = conn.execute(sql, (author,)).fetchall()
            assert len(rows) == 1_000 and all(n == 100 for _room, n in rows)

        async def ours() -> None:
            counts = await ctl.unread_counts(rooms)
            assert len(counts) == 1_000 and set(counts.values()) == {100}

        await ours()
        medians = await _alternate(runs * 3, ours, bare)
        conn.close()
        await ctl.close()
        return medians[0], medians[1]

    return asyncio.run(go())


def b10m_mention_counts(tmp: Path, runs: int) -> tuple[float, float]:
    """Median seconds: (ours, one bare SQL count of the same rows), every room in "Mentions & replies": of each
    room's 100 unread, 10 mention you and 10 reply to your message from before the marker."""
    db = tmp / "b10m" / "river.sqlite3"
    db.parent.mkdir(parents=True)
    rooms = Rooms()
    other = SigningIdentity.generate()
    messages: Batch = []
    for r in range(1_000):
        room = rooms.create_room(f"Room {r}", "me")
        vk, me = room.owner_vk, room.self_identity
        seen = [_say(vk, other, f"read {i}", 1_000 + i) for i in range(9)] + [_say(vk, me, "my question", 1_009)]
        token = build_token(me.member_id, "me")
        unread = []
        for i in range(100):
            if i % 10 == 0:
                unread.append(_say(vk, other, f"unread {i}, {token}", 2_000 + i))
            elif i % 10 == 5:
                reply = ReplyContent(f"unread {i}, an answer", seen[-1][1].id)
                body = RoomMessageBody.public(reply.content_type, reply.content_version, reply.encode())
                unread.append((vk, AuthorizedMessage.create(vk, other, SystemTime(2_000 + i), body)))
            else:
                unread.append(_say(vk, other, f"unread {i}", 2_000 + i))
        rooms.rooms[vk] = replace(room, last_read=ReadMarker.of(seen[-1][1]))
        rooms.notification_modes[vk] = NotificationMode.MENTIONS_AND_REPLIES
        messages += seen + unread

    async def go() -> tuple[float, float]:
        ctl = StorageController(SqliteKV(db))
        await _fill(ctl, messages)
        conn = sqlite3.connect(db, isolation_level=None)
        # The same rows: after every marker, by others, naming someone or answering a message (here always you).
        sql = (
            "SELECT room, COUNT(*) FROM msg_index WHERE time >= 2000 AND author = ?"
            " AND key IN (SELECT key FROM msg_refs WHERE kind IN (0, 2)) GROUP BY room"
        )
        author = member_bytes(other.member_id)

        def bare() -> None:
            rows = conn.execute(sql, (author,)).fetchall()
            assert len(rows) == 1_000 and all(n == 20 for _room, n in rows)

        async def ours() -> None:
            counts = await ctl.unread_counts(rooms)
            assert len(counts) == 1_000 and set(counts.values()) == {20}

        await ours()
        medians = await _alternate(runs * 3, ours, bare)
        conn.close()
        await ctl.close()
        return medians[0], medians[1]

    return asyncio.run(go())
