"""The message order index on real SQLite files: pages and unread counts cost what is shown, not what is stored.

Complexity is pinned by counting what the controller asks the store for (no timings): a page of a 100,000-message
room reads the page's keys and nothing else, unread counting reads no message outside the unread range.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ActionContent, Content, ReplyContent, TextContent, display_text
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import NotificationMode, ReadMarker, RoomData, Rooms, unread_messages
from river_desktop.storage import history_index as hi
from river_desktop.storage.controller import StorageController, hist_key_of
from river_desktop.storage.history_page import PageRow, PageValuesKV
from river_desktop.storage.kv import KVStore
from river_desktop.storage.message_rows import MESSAGE_INDEXER
from river_desktop.storage.slots import hist_key, hist_prefix
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.helpers.kv_wrappers import CountingKV

REPO = Path(__file__).resolve().parents[2]
BigRoom = tuple[Path, RoomData, list[AuthorizedMessage]]
BIG = 100_000
APPENDER_SEED = bytes([7]) * 32
"""A throwaway test identity shared with the appender subprocess."""


class ReadCountingKV(CountingKV):
    """Records every message key the controller reads, and forwards the order index."""

    def __init__(self, inner: KVStore) -> None:
        super().__init__(inner)
        self.keys_read: list[str] = []
        self.scans = 0
        self.page_reads = 0
        assert isinstance(inner, hi.HistoryIndexKV)
        self.index: hi.HistoryIndexKV = inner

    def reset(self) -> None:
        super().reset()
        self.keys_read.clear()
        self.scans = 0
        self.page_reads = 0

    def get(self, key: str) -> bytes | None:
        self.keys_read.append(key)
        return self.inner.get(key)

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        self.keys_read.append(key)
        return self.inner.get_versioned(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        wanted = list(keys)
        self.keys_read.extend(wanted)
        return self.inner.get_many(wanted)

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        self.scans += 1
        return self.inner.scan(prefix)

    def scan_range(self, prefix: str, **bounds: object) -> builtins.list[tuple[str, int, bytes]]:
        self.scans += 1
        return self.inner.scan_range(prefix, **bounds)  # type: ignore[arg-type]

    def attach_indexer(self, indexer: hi.Indexer) -> None:
        self.index.attach_indexer(indexer)

    def index_step(self, batch: int = hi.INDEX_BATCH) -> bool:
        return self.index.index_step(batch)

    def index_pending(self) -> bool:
        return self.index.index_pending()

    def index_page(
        self, room: bytes, *, before: hi.SortPoint | None = None, limit: int
    ) -> builtins.list[hi.IndexEntry]:
        return self.index.index_page(room, before=before, limit=limit)

    def index_page_values(
        self, room: bytes, *, before: hi.SortPoint | None = None, limit: int
    ) -> builtins.list[PageRow]:
        """The one-statement page: every row's key counts as a key read."""
        assert isinstance(self.inner, PageValuesKV)
        rows = self.inner.index_page_values(room, before=before, limit=limit)
        self.page_reads += 1
        self.keys_read.extend(row[0].decode() for row in rows)
        return rows

    def index_count(self, room: bytes) -> int:
        return self.index.index_count(room)

    def index_count_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[int]:
        return self.index.index_count_after(queries)

    def index_rows_after(self, query: hi.UnreadQuery) -> builtins.list[hi.IndexEntry]:
        return self.index.index_rows_after(query)

    def index_lookup(self, keys: Iterable[str]) -> dict[str, hi.IndexEntry]:
        return self.index.index_lookup(keys)

    def index_authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        return self.index.index_authors(rooms)

    def index_count_addressed(self, queries: Iterable[hi.AddressedQuery]) -> builtins.list[int]:
        return self.index.index_count_addressed(queries)

    def index_opaque_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[builtins.list[hi.IndexEntry]]:
        return self.index.index_opaque_after(queries)

    def message_keys_read(self) -> list[str]:
        return [k for k in self.keys_read if k.startswith("hist:")]


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def signed(room: bytes, who: SigningIdentity, content: Content, secs: int) -> AuthorizedMessage:
    body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    return AuthorizedMessage.create(room, who, SystemTime(secs), body)


def say(room: bytes, who: SigningIdentity, text: str, secs: int, *, reply_to: int | None = None) -> AuthorizedMessage:
    content: Content = TextContent(text) if reply_to is None else ReplyContent(text, reply_to)
    return signed(room, who, content, secs)


def order(m: AuthorizedMessage) -> tuple[int, int, int]:
    return (m.message.time.secs, m.message.time.nanos, m.id)


def text_of(m: AuthorizedMessage) -> str | None:
    return display_text(open_body(m.message.content).content)


def history(room: RoomData, other: SigningIdentity, count: int, *, start: int = 1_000) -> list[AuthorizedMessage]:
    """``count`` messages, one in ten by this user; times repeat in pairs so ids break ties. Each mentions this
    user (so "Mentions & replies" lets every one of others' through)."""
    me = room.self_identity
    token = build_token(me.member_id, "me")
    return [say(room.owner_vk, me if i % 10 == 0 else other, f"line {i} {token}", start + i // 2) for i in range(count)]


async def append(ctl: StorageController, room: bytes, messages: list[AuthorizedMessage]) -> None:
    session = ctl.open_session("fill")
    for begin in range(0, len(messages), 5_000):
        await ctl.append_messages(session, room, messages[begin : begin + 5_000])


@pytest.fixture(scope="module")
def big_room(tmp_path_factory: pytest.TempPathFactory) -> BigRoom:
    """A store holding one room of 100,000 messages (built once for the module)."""
    db = tmp_path_factory.mktemp("big") / "river.sqlite3"
    room = Rooms().create_room("Busy", "me")
    other = SigningIdentity.generate()
    messages = history(room, other, BIG)

    async def fill() -> None:
        ctl = StorageController(SqliteKV(db))
        await append(ctl, room.owner_vk, messages)
        await ctl.close()

    run(fill())
    return db, room, sorted(messages, key=order)


def test_a_page_of_a_100000_message_room_reads_only_the_page(big_room: BigRoom) -> None:
    db, room, ordered = big_room
    kv = ReadCountingKV(SqliteKV(db))

    async def go() -> None:
        ctl = StorageController(kv)
        await ctl.run(lambda: None)  # the open check has run
        kv.reset()
        newest = await ctl.read_messages(room.owner_vk, limit=50)
        assert [m.id for m in newest] == [m.id for m in ordered[-50:]]
        assert len(kv.message_keys_read()) <= 50 + 2 and kv.scans == 0
        assert kv.page_reads == 1  # the index page and its values in one store call
        kv.reset()
        marker = ReadMarker.of(ordered[40_000])
        older = await ctl.read_messages(room.owner_vk, before=marker, limit=50)
        assert [m.id for m in older] == [m.id for m in ordered[39_950:40_000]]
        assert len(kv.message_keys_read()) <= 50 + 2 and kv.scans == 0
        kv.reset()
        again = await ctl.read_messages(room.owner_vk, before=marker, limit=50)
        assert [m.id for m in again] == [m.id for m in older]
        assert len(kv.message_keys_read()) == 50 and kv.page_reads == 1 and kv.scans == 0
        kv.reset()
        assert await ctl.message_count(room.owner_vk) == BIG
        assert kv.message_keys_read() == [] and kv.scans == 0
        await ctl.close()

    run(go())


@pytest.mark.parametrize("mode", [NotificationMode.ALL, NotificationMode.MENTIONS_AND_REPLIES])
def test_unread_counting_reads_no_message_outside_the_unread_range(big_room: BigRoom, mode: NotificationMode) -> None:
    db, room, ordered = big_room
    unread = ordered[-100:]
    rooms = Rooms()
    rooms.rooms[room.owner_vk] = replace(room, last_read=ReadMarker.of(ordered[-101]))
    rooms.notification_modes[room.owner_vk] = mode
    kv = ReadCountingKV(SqliteKV(db))

    async def go() -> int:
        ctl = StorageController(kv)
        await ctl.run(lambda: None)
        kv.reset()
        counts = await ctl.unread_counts(rooms)
        await ctl.close()
        return counts[room.owner_vk]

    count = run(go())
    others = [m for m in unread if m.author != room.self_member_id]
    assert count == len(others)  # every text mentions this user
    assert kv.scans == 0
    assert kv.message_keys_read() == []  # in both modes the index alone answers (the room is public)


def _todays_rule(rooms: Rooms, vk: bytes, messages: list[AuthorizedMessage]) -> int:
    """The rule without the index or the read marker's shortcut: every message the room shows, through
    ``unread_messages`` (which leaves out what is before the marker, this user's own and actions)."""
    mode = rooms.notification_mode(vk)
    return len(unread_messages(rooms.rooms[vk], mode, messages))


@pytest.mark.parametrize("mode", list(NotificationMode))
@pytest.mark.parametrize("marker_at", [None, 0, 5, 11])
def test_unread_counts_keep_todays_meaning(tmp_path: Path, mode: NotificationMode, marker_at: int | None) -> None:
    rooms = Rooms()
    room = rooms.create_room("Small", "ann")
    vk, me = room.owner_vk, room.self_identity
    other, pruned = SigningIdentity.generate(), SigningIdentity.generate()
    ann = build_token(me.member_id, "ann")
    mine_old = say(vk, me, "an old one of mine", 10)
    theirs_old = say(vk, other, "someone else's", 11)
    later = [
        say(vk, other, f"hello {ann}", 20),
        say(vk, other, "annex is not a mention", 21),
        say(vk, other, "a reply to mine", 22, reply_to=mine_old.id),
        say(vk, other, "a reply to theirs", 23, reply_to=theirs_old.id),
        say(vk, me, f"mine, {ann}", 24),
        say(vk, other, "plain", 24),
        signed(vk, other, ActionContent.edit(theirs_old.id, f"edited, {ann}"), 25),  # an action never counts
        say(vk, pruned, f"hello {ann} from a member since pruned", 26),  # River accepted it: shown, so counted
    ]
    everything = sorted([mine_old, theirs_old, *later], key=order)
    marker = None if marker_at is None else ReadMarker.of(everything[min(marker_at, len(everything) - 1)])
    rooms.rooms[vk] = replace(rooms.rooms[vk], last_read=marker)
    rooms.notification_modes[vk] = mode

    async def go() -> tuple[int, int]:
        ctl = StorageController(SqliteKV(tmp_path / "river.sqlite3"))
        await append(ctl, vk, everything)
        counted = (await ctl.unread_counts(rooms))[vk]
        by_scan = await ctl.run(lambda: ctl._unread_by_scan(rooms.copy())[vk])
        await ctl.close()
        return counted, by_scan

    counted, by_scan = run(go())
    assert counted == by_scan == _todays_rule(rooms, vk, everything)
    if mode is NotificationMode.MENTIONS_AND_REPLIES and marker_at == 0:
        assert counted == 3  # the mention, the reply to mine (from before the marker), the pruned member's mention


_APPENDER = textwrap.dedent(
    """
    import asyncio, sys
    from river_desktop.domain.identity import SigningIdentity
    from river_desktop.domain.river.codec import SystemTime
    from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
    from river_desktop.storage.controller import StorageController
    from river_desktop.storage.sqlite_kv import SqliteKV

    db, room_hex, count, start, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

    async def main():
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("appender")
        author = SigningIdentity(bytes([7]) * 32)
        room = bytes.fromhex(room_hex)
        for first in range(0, count, batch):
            msgs = [
                AuthorizedMessage.create(room, author, SystemTime(start + i), RoomMessageBody.text(f"from afar {i}"))
                for i in range(first, min(count, first + batch))
            ]
            await ctl.append_messages(session, room, msgs)
            print("BATCH", first, flush=True)
        await ctl.close()

    asyncio.run(main())
    """
)


def _appender(db: Path, room: bytes, count: int, start: int, batch: int) -> subprocess.Popen[str]:
    args = [str(db), room.hex(), str(count), str(start), str(batch)]
    return subprocess.Popen(
        [sys.executable, "-c", _APPENDER, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_counts_follow_another_process_and_merges_of_old_messages(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    room = rooms.create_room("Shared", "me")
    other = SigningIdentity.generate()
    seen = [say(room.owner_vk, other, f"seen {i}", 100 + i) for i in range(20)]
    rooms.rooms[room.owner_vk] = replace(room, last_read=ReadMarker.of(seen[-1]))

    async def go() -> list[int]:
        ctl = StorageController(SqliteKV(db))
        await append(ctl, room.owner_vk, seen)
        counts = [(await ctl.unread_counts(rooms))[room.owner_vk]]
        proc = _appender(db, room.owner_vk, 30, 1_000, 10)  # another process, writing while we stay open
        _out, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate)
        assert proc.returncode == 0, err
        counts.append((await ctl.unread_counts(rooms))[room.owner_vk])
        old = [say(room.owner_vk, other, f"merged old {i}", 50 + i) for i in range(7)]
        new = [say(room.owner_vk, other, f"merged new {i}", 5_000 + i) for i in range(3)]
        await append(ctl, room.owner_vk, old + new)  # a merge bringing history from before and after the marker
        counts.append((await ctl.unread_counts(rooms))[room.owner_vk])
        counts.append(await ctl.message_count(room.owner_vk))
        page = await ctl.read_messages(room.owner_vk, limit=5)
        assert [text_of(m) for m in page] == ["from afar 28", "from afar 29", *(f"merged new {i}" for i in range(3))]
        await ctl.close()
        return counts

    assert run(go()) == [0, 30, 33, 20 + 30 + 10]


def test_a_deleted_index_table_is_rebuilt_on_open(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    room = Rooms().create_room("Rebuilt", "me")
    messages = sorted(history(room, SigningIdentity.generate(), 600), key=order)

    async def fill() -> None:
        ctl = StorageController(SqliteKV(db))
        await append(ctl, room.owner_vk, messages)
        await ctl.close()

    run(fill())
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE msg_index")
    conn.close()

    async def reopen() -> tuple[list[int], int]:
        ctl = StorageController(SqliteKV(db))
        page = await ctl.read_messages(room.owner_vk, before=ReadMarker.of(messages[300]), limit=20)
        count = await ctl.message_count(room.owner_vk)
        await ctl.close()
        return [m.id for m in page], count

    ids, count = run(reopen())
    assert ids == [m.id for m in messages[280:300]] and count == 600
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM msg_index").fetchone() == (600,)
    conn.close()


def test_only_messages_read_messages_would_show_are_indexed(tmp_path: Path) -> None:
    rooms = Rooms()
    room, elsewhere = rooms.create_room("Here", "me"), rooms.create_room("There", "me")
    vk, me = room.owner_vk, room.self_identity
    good = say(vk, me, "good", 1)
    foreign = say(elsewhere.owner_vk, me, "other room", 2)
    moved = say(vk, me, "filed at another time", 3)
    renamed = say(vk, me, "filed under another id", 4)
    with SqliteKV(tmp_path / "river.sqlite3") as kv:
        kv.attach_indexer(MESSAGE_INDEXER)
        assert kv.index_step()
        kv.cas_store_many(
            [
                (hist_key_of(vk, good), good.encode(), 0),
                (hist_key(vk, 2, 0, foreign.id), foreign.encode(), 0),  # filed under the wrong room
                (hist_key(vk, 30, 0, moved.id), moved.encode(), 0),  # not at its own time
                (hist_key(vk, 4, 0, renamed.id + 1), renamed.encode(), 0),  # not under its own id
                (hist_prefix(vk) + "not-a-history-key", good.encode(), 0),
                (hist_key(vk, 5, 0, 99), b"\xff not River's bytes", 0),
            ]
        )
        assert [e.key for e in kv.index_page(vk, limit=10)] == [hist_key_of(vk, good)]
        assert len(kv.list(hist_prefix(vk))) == 6

    async def shown() -> list[int]:
        ctl = StorageController(SqliteKV(tmp_path / "river.sqlite3"))
        page = await ctl.read_messages(vk, limit=10)
        await ctl.close()
        return [m.id for m in page]

    assert run(shown()) == [good.id]  # the index and the reader agree on what is shown


_BUILDER = textwrap.dedent(
    """
    import sys
    from river_desktop.storage.message_rows import MESSAGE_INDEXER
    from river_desktop.storage.sqlite_kv import SqliteKV

    kv = SqliteKV(sys.argv[1])
    kv.attach_indexer(MESSAGE_INDEXER)
    while not kv.index_step(batch=8):
        print("STEP", flush=True)
    print("DONE", flush=True)
    """
)


def _check_consistent(db: Path, room: bytes) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with SqliteKV(db) as kv:
        kv.attach_indexer(MESSAGE_INDEXER)
        while not kv.index_step():
            pass
        keys = kv.list(hist_prefix(room))
        assert set(kv.index_lookup(keys)) == set(keys)
        assert kv.index_count(room) == len(keys)
        return len(keys)


@pytest.mark.slow
def test_the_index_survives_sigkill_while_messages_are_written_and_while_it_is_built(tmp_path: Path) -> None:
    rng = random.Random(20261201)
    db = tmp_path / "river.sqlite3"
    room = Rooms().create_room("Crashing", "me").owner_vk
    SqliteKV(db).close()
    stored = 0
    for kill in range(8):
        proc = _appender(db, room, 2_000, 10_000 * kill, 40)
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 3)):
            line = proc.stdout.readline()
            assert line.startswith("BATCH"), line + (proc.stderr.read() if proc.stderr else "")
        time.sleep(rng.uniform(0.0, 0.05))  # not synchronisation: it randomises where in a write the kill lands
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        now = _check_consistent(db, room)
        assert now >= stored + 40
        stored = now
    for _kill in range(4):  # now kill rebuilds of the whole index part-way
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM msg_index WHERE key IN (SELECT key FROM msg_index LIMIT 5)")
        conn.close()
        proc = subprocess.Popen(
            [sys.executable, "-c", _BUILDER, str(db)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 6)):
            line = proc.stdout.readline()
            assert line.startswith("STEP"), line + (proc.stderr.read() if proc.stderr else "")
        time.sleep(rng.uniform(0.0, 0.02))  # not synchronisation: it randomises where in a batch the kill lands
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert _check_consistent(db, room) == stored


class ThreadRecordingKV(ReadCountingKV):
    """Records which thread ran each index build or check step."""

    def __init__(self, inner: KVStore) -> None:
        super().__init__(inner)
        self.step_threads: list[str] = []

    def index_step(self, batch: int = hi.INDEX_BATCH) -> bool:
        self.step_threads.append(threading.current_thread().name)
        return self.index.index_step(batch)


def test_a_store_from_before_the_index_is_indexed_on_the_storage_thread_in_batches(tmp_path: Path) -> None:
    db = tmp_path / "river.sqlite3"
    room = Rooms().create_room("Old", "me")
    messages = sorted(history(room, SigningIdentity.generate(), 3 * hi.INDEX_BATCH + 5), key=order)
    with SqliteKV(db) as kv:  # written as schema 1 would have: messages, no index tables
        kv.cas_store_many([(hist_key_of(room.owner_vk, m), m.encode(), 0) for m in messages])
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE msg_index")
        conn.execute("DROP TABLE msg_index_state")
        conn.execute("DROP TABLE msg_authors")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    kv = ThreadRecordingKV(SqliteKV(db))

    async def go() -> list[int]:
        ctl = StorageController(kv)
        page = await ctl.read_messages(room.owner_vk, limit=10)
        await ctl.close()
        return [m.id for m in page]

    assert run(go()) == [m.id for m in messages[-10:]]
    assert len(kv.step_threads) >= 4  # one bounded batch per step
    assert all(name.startswith("river-storage") for name in kv.step_threads), set(kv.step_threads)
    assert threading.current_thread().name not in kv.step_threads


def test_a_writer_who_is_not_in_the_state_counts_before_and_after_a_state_change(tmp_path: Path) -> None:
    """River decides membership when it accepts a message; a count never looks the author up again (a member
    since pruned from the state still wrote what the room shows), so no state change needs a reindex."""
    rooms = Rooms()
    room = rooms.create_room("Growing", "me")
    gone = SigningIdentity.generate()
    early = [say(room.owner_vk, gone, f"before the pruning {i}", 10 + i) for i in range(4)]

    async def go() -> list[int]:
        ctl = StorageController(SqliteKV(tmp_path / "river.sqlite3"))
        await append(ctl, room.owner_vk, early)
        counts = [(await ctl.unread_counts(rooms))[room.owner_vk]]
        rooms.rename(room.owner_vk, "Grown")
        counts.append((await ctl.unread_counts(rooms))[room.owner_vk])
        await ctl.close()
        return counts

    assert run(go()) == [4, 4]
