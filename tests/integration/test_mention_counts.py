""" "Mentions & replies" counts from the index's refs: which messages count, and that the count stays right when
writers interleave and when a merge brings old messages (a reply's target, an old mention).

Each case is counted three ways that must agree: by the index (SQLite and in memory), by the controller's scan
without an index, and by ``unread_messages`` over every message (the rule itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ActionContent, Content, ReplyContent, TextContent
from river_desktop.domain.river.mention import build_token, member_id_to_hex
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.privacy import encrypt_message_body
from river_desktop.domain.rooms import NotificationMode, ReadMarker, Rooms, unread_messages
from river_desktop.storage.controller import StorageController
from river_desktop.storage.history_index import RefKind
from river_desktop.storage.kv import KVStore, MemoryKV
from river_desktop.storage.message_rows import message_refs, message_row
from river_desktop.storage.slots import hist_key
from river_desktop.storage.sqlite_kv import SqliteKV

T = TypeVar("T")
MODE = NotificationMode.MENTIONS_AND_REPLIES


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def signed(room: bytes, who: SigningIdentity, content: Content, secs: int) -> AuthorizedMessage:
    body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    return AuthorizedMessage.create(room, who, SystemTime(secs), body)


def say(room: bytes, who: SigningIdentity, text: str, secs: int, *, reply_to: int | None = None) -> AuthorizedMessage:
    content: Content = TextContent(text) if reply_to is None else ReplyContent(text, reply_to)
    return signed(room, who, content, secs)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[bytes, SigningIdentity, SigningIdentity, AuthorizedMessage, AuthorizedMessage], AuthorizedMessage]
    counts: bool


CASES = [
    Case(
        "a mention of me", lambda vk, me, o, mine, theirs: say(vk, o, f"hi {build_token(me.member_id, 'x')}", 30), True
    ),
    Case(
        "a mention of me in the legacy hex form",
        lambda vk, me, o, mine, theirs: say(vk, o, f"hi @[me](rv:{member_id_to_hex(me.member_id)})", 30),
        True,
    ),
    Case(
        "a mention of someone else",
        lambda vk, me, o, mine, theirs: say(vk, o, build_token(o.member_id, "o"), 30),
        False,
    ),
    Case("my name as a word, no token", lambda vk, me, o, mine, theirs: say(vk, o, "@me annex", 30), False),
    Case("a plain message", lambda vk, me, o, mine, theirs: say(vk, o, "plain", 30), False),
    Case("a reply to mine", lambda vk, me, o, mine, theirs: say(vk, o, "yes", 30, reply_to=mine.id), True),
    Case("a reply to theirs", lambda vk, me, o, mine, theirs: say(vk, o, "yes", 30, reply_to=theirs.id), False),
    Case(
        "a reply to theirs that mentions me",
        lambda vk, me, o, mine, theirs: say(vk, o, build_token(me.member_id, "m"), 30, reply_to=theirs.id),
        True,
    ),
    Case(
        "my own message mentioning me",
        lambda vk, me, o, mine, theirs: say(vk, me, build_token(me.member_id, "m"), 30),
        False,
    ),
    Case(
        "an edit that adds a mention (an action)",
        lambda vk, me, o, mine, theirs: signed(
            vk, o, ActionContent.edit(theirs.id, build_token(me.member_id, "m")), 30
        ),
        False,
    ),
    Case(
        "a mention from before the read marker",
        lambda vk, me, o, mine, theirs: say(vk, o, build_token(me.member_id, "m"), 5),
        False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_what_counts_for_mentions_and_replies(tmp_path: Path, case: Case, store: str) -> None:
    rooms = Rooms()
    room = rooms.create_room("Room", "me")
    vk, me, other = room.owner_vk, room.self_identity, SigningIdentity.generate()
    mine, theirs = say(vk, me, "mine, old", 10), say(vk, other, "theirs, old", 11)
    marker_msg = say(vk, other, "read up to here", 12)
    message = case.build(vk, me, other, mine, theirs)
    rooms.rooms[vk] = replace(room, last_read=ReadMarker.of(marker_msg))
    rooms.notification_modes[vk] = MODE
    everything = [mine, theirs, marker_msg, message]
    kv: KVStore = MemoryKV() if store == "memory" else SqliteKV(tmp_path / "river.sqlite3")

    async def go() -> tuple[int, int]:
        ctl = StorageController(kv)
        await ctl.append_messages(ctl.open_session("t"), vk, everything)
        counted = (await ctl.unread_counts(rooms))[vk]
        by_scan = await ctl.run(lambda: ctl._unread_by_scan(rooms.copy())[vk])
        await ctl.close()
        return counted, by_scan

    counted, by_scan = run(go())
    assert counted == by_scan == len(unread_messages(rooms.rooms[vk], MODE, everything)) == int(case.counts)


def test_refs_of_a_message_name_its_mentions_reply_target_and_itself() -> None:
    rooms = Rooms()
    room = rooms.create_room("Room", "me")
    vk, other = room.owner_vk, SigningIdentity.generate()
    target = say(vk, other, "first", 1)
    reply = say(vk, other, f"{build_token(room.self_member_id, 'me')} and @[x](rv:ff)", 2, reply_to=target.id)
    kinds = {(r.kind, r.ref) for r in message_refs(reply)}
    assert (RefKind.IS, member_id_to_hex(reply.id)) in kinds
    assert (RefKind.ANSWERS, member_id_to_hex(target.id)) in kinds
    assert (RefKind.NAMES_ID, member_id_to_hex(0xFF)) in kinds
    assert any(kind is RefKind.NAMES for kind, _ in kinds)
    key = hist_key(vk, 2, 0, reply.id)
    row = message_row(key, reply.encode())
    assert row is not None and row.refs == message_refs(reply)


def test_a_merge_that_brings_the_replied_message_makes_the_reply_count(tmp_path: Path) -> None:
    """The reply arrives first; my old message it answers comes later (another writer's merge): it now counts."""
    rooms = Rooms()
    room = rooms.create_room("Room", "me")
    vk, me, other = room.owner_vk, room.self_identity, SigningIdentity.generate()
    mine = say(vk, me, "an old one of mine", 10)
    marker_msg = say(vk, other, "read up to here", 12)
    answer = say(vk, other, "about that", 20, reply_to=mine.id)
    old_mention = say(vk, other, f"long ago, {build_token(me.member_id, 'me')}", 11)
    late_mention = say(vk, other, f"later, {build_token(me.member_id, 'me')}", 21)
    rooms.rooms[vk] = replace(room, last_read=ReadMarker.of(marker_msg))
    rooms.notification_modes[vk] = MODE

    async def go() -> list[int]:
        ctl = StorageController(SqliteKV(tmp_path / "river.sqlite3"))
        seen = []
        await ctl.append_messages(ctl.open_session("a"), vk, [marker_msg, answer])
        seen.append((await ctl.unread_counts(rooms))[vk])
        await ctl.append_messages(ctl.open_session("b"), vk, [mine, old_mention])
        seen.append((await ctl.unread_counts(rooms))[vk])
        await ctl.append_messages(ctl.open_session("c"), vk, [late_mention])
        seen.append((await ctl.unread_counts(rooms))[vk])
        await ctl.close()
        return seen

    assert run(go()) == [0, 1, 2]  # the old mention is before the marker and never counts


def test_concurrent_writers_on_one_file_leave_the_count_exact(tmp_path: Path) -> None:
    """Two controllers (two connections, two storage threads) append interleaved batches to the same file."""
    db = tmp_path / "river.sqlite3"
    rooms = Rooms()
    room = rooms.create_room("Room", "me")
    vk, me = room.owner_vk, room.self_identity
    a, b = SigningIdentity.generate(), SigningIdentity.generate()
    token = build_token(me.member_id, "me")
    mine = [say(vk, me, f"mine {i}", 1000 + i) for i in range(20)]
    from_a = [say(vk, a, f"a {i} {token if i % 3 == 0 else ''}", 2000 + i) for i in range(60)]
    from_b = [say(vk, b, f"b {i}", 2000 + i, reply_to=mine[i % 20].id if i % 4 == 0 else None) for i in range(60)]
    rooms.notification_modes[vk] = MODE
    expected = len(unread_messages(rooms.rooms[vk], MODE, [*mine, *from_a, *from_b]))
    assert expected == 20 + 15

    async def writer(name: str, messages: list[AuthorizedMessage]) -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session(name)
        for start in range(0, len(messages), 5):
            await ctl.append_messages(session, vk, messages[start : start + 5])
        await ctl.close()

    async def go() -> int:
        await asyncio.gather(writer("a", [*from_a, *mine[10:]]), writer("b", [*mine[:10], *from_b]))
        ctl = StorageController(SqliteKV(db))
        counted = (await ctl.unread_counts(rooms))[vk]
        await ctl.close()
        return counted

    assert run(go()) == expected


def test_a_private_rooms_mention_is_counted_by_opening_it(tmp_path: Path) -> None:
    rooms = Rooms()
    room = rooms.create_room("Hidden", "me", private=True)
    vk, me, other = room.owner_vk, room.self_identity, SigningIdentity.generate()
    version = room.room_state.secrets.current_version
    secret = room.keyring.get(version)

    def sealed(text: str, secs: int) -> AuthorizedMessage:
        body = RoomMessageBody.from_obj(encrypt_message_body(TextContent(text), secret, version))
        return AuthorizedMessage.create(vk, other, SystemTime(secs), body)

    messages = [sealed(f"hey {build_token(me.member_id, 'me')}", 10), sealed("nothing for you", 11)]
    assert all(RefKind.OPAQUE in {r.kind for r in message_refs(m)} for m in messages)
    rooms.notification_modes[vk] = MODE

    async def go() -> int:
        ctl = StorageController(SqliteKV(tmp_path / "river.sqlite3"))
        await ctl.append_messages(ctl.open_session("t"), vk, messages)
        counted = (await ctl.unread_counts(rooms))[vk]
        await ctl.close()
        return counted

    assert run(go()) == 1
