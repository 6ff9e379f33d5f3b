"""``rooms list`` badges of rooms in "Mentions & replies", from the summary: each equals the full load's.

Every case of ``tests/integration/test_mention_counts.py`` gets a room of its own in one profile, next to a private
room (its bodies sealed), a public room holding a sealed body, a room whose author of a mention was banned, and
rooms written by two writers at once. The summary answers for all of them; only the rooms with sealed unread rows
are decoded, and every item equals the full load's item.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from river_desktop import cli_rooms_list as fast
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import TextContent
from river_desktop.domain.river.mention import build_token, member_id_to_hex
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.privacy import encrypt_message_body
from river_desktop.domain.rooms import NotificationMode, ReadMarker, Rooms, unread_messages
from river_desktop.storage.controller import StorageController
from river_desktop.storage.message_rows import mention_names
from river_desktop.storage.slots import b58
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.cli.conftest import DB_NAME, cli, cli_json
from tests.cli.test_cli_actions import add_members, create_room, send
from tests.cli.test_cli_rooms_list import _full_list
from tests.integration.test_mention_counts import CASES, say

MODE = NotificationMode.MENTIONS_AND_REPLIES


def _sealed_body(rooms: Rooms, sealer: bytes, text: str) -> RoomMessageBody:
    """``text`` sealed with the current secret of room ``sealer``."""
    room = rooms.rooms[sealer]
    version = room.room_state.secrets.current_version
    return RoomMessageBody.from_obj(encrypt_message_body(TextContent(text), room.keyring.get(version), version))


def _build() -> tuple[Rooms, dict[bytes, int], dict[bytes, list[AuthorizedMessage]]]:
    """The rooms (one per case, plus the sealed ones), the badge each must show, and the messages to store."""
    rooms = Rooms()
    expected: dict[bytes, int] = {}
    messages: dict[bytes, list[AuthorizedMessage]] = {}
    for number, case in enumerate(CASES):
        room = rooms.create_room(f"Case {number}", "me")
        vk, me, other = room.owner_vk, room.self_identity, SigningIdentity.generate()
        mine, theirs = say(vk, me, "mine, old", 10), say(vk, other, "theirs, old", 11)
        marker = say(vk, other, "read up to here", 12)
        rooms.rooms[vk] = replace(room, last_read=ReadMarker.of(marker))
        rooms.notification_modes[vk] = MODE
        messages[vk] = [mine, theirs, marker, case.build(vk, me, other, mine, theirs)]
        expected[vk] = int(case.counts)
    private = rooms.create_room("Hidden", "me", private=True).owner_vk
    public = rooms.create_room("Open, one sealed body", "me").owner_vk
    other = SigningIdentity.generate()
    token = build_token(rooms.rooms[private].self_member_id, "me")
    messages[private] = [
        AuthorizedMessage.create(private, other, SystemTime(20 + i), _sealed_body(rooms, private, text))
        for i, text in enumerate(("nothing for you", f"hey {token}", f"again {token}"))
    ]
    token = build_token(rooms.rooms[public].self_member_id, "me")
    messages[public] = [  # sealed with another room's secret: neither the index nor the room can open it
        AuthorizedMessage.create(public, other, SystemTime(20), _sealed_body(rooms, private, f"hey {token}")),
        say(public, other, f"plain {token}", 21),
    ]
    for vk in (private, public):
        rooms.notification_modes[vk] = MODE
        expected[vk] = len(unread_messages(rooms.rooms[vk], MODE, messages[vk]))
    assert expected[private] == 2 and expected[public] == 1
    return rooms, expected, messages


def _store(db: Path, rooms: Rooms, messages: dict[bytes, list[AuthorizedMessage]]) -> None:
    async def go() -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session("t")
        assert (await ctl.save(session, rooms)).ok
        for vk, batch in messages.items():
            await ctl.append_messages(session, vk, batch)
        await ctl.close()

    asyncio.run(go())


def test_every_mention_case_and_sealed_room_equals_the_full_load(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    profile.mkdir(mode=0o700)
    rooms, expected, messages = _build()
    _store(profile / DB_NAME, rooms, messages)
    snap = fast.summary_snapshot(profile)
    assert snap is not None, "the summary answers"
    sealed = {vk for vk, room in rooms.rooms.items() if room.name in ("Hidden", "Open, one sealed body")}
    assert set(snap.mentions) == sealed  # only the rooms with sealed unread rows are decoded
    listed = cli_json(profile, "rooms", "list")
    assert listed == _full_list(profile)
    badges = {item["key"]: item["unread"] for item in listed}
    assert badges == {b58(vk): n for vk, n in expected.items()}


def test_the_light_mention_names_are_the_indexers() -> None:
    for mid in (0, 1, -1, 2**63 - 1, -(2**63), 987654321):
        assert fast.mention_names(mid) == mention_names(mid)
        assert any(ref == member_id_to_hex(mid) for _kind, ref in fast.mention_names(mid))


def test_a_banned_authors_mentions_count_as_in_the_full_load(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    ann = cli_json(profile, "rooms", "list")[0]["member_id"]
    token = build_token(ann, "ann")
    send(profile, key, "ann's first word")
    add_members(profile, key, ["alice", "bob"], {"alice": f"{token} hello", "bob": f"{token} from bob"})
    assert cli(profile, "rooms", "notify", key, "mentions").rc == 0
    before = cli_json(profile, "rooms", "list")
    assert before == _full_list(profile) and before[0]["unread"] == 2
    assert cli(profile, "members", "ban", key, "bob").rc == 0
    after = cli_json(profile, "rooms", "list")
    assert fast.summary_snapshot(profile) is not None
    assert after == _full_list(profile)


def test_two_writers_at_once_leave_the_badges_exact(tmp_path: Path) -> None:
    """Two controllers on one file append interleaved batches (mentions by one, replies to mine by the other);
    between and after them the summary's badges equal the full load's."""
    profile = tmp_path / "p"
    profile.mkdir(mode=0o700)
    db = profile / DB_NAME
    rooms = Rooms()
    room = rooms.create_room("Busy", "me")
    vk, me = room.owner_vk, room.self_identity
    rooms.notification_modes[vk] = MODE
    a, b = SigningIdentity.generate(), SigningIdentity.generate()
    token = build_token(me.member_id, "me")
    mine = [say(vk, me, f"mine {i}", 1000 + i) for i in range(10)]
    from_a = [say(vk, a, f"a {i} {token if i % 3 == 0 else ''}", 2000 + i) for i in range(30)]
    from_b = [say(vk, b, f"b {i}", 2000 + i, reply_to=mine[i % 10].id if i % 4 == 0 else None) for i in range(30)]
    _store(db, rooms, {vk: mine})
    seen: dict[str, list[int]] = {"a": [], "b": []}

    async def writer(name: str, batch: list[AuthorizedMessage]) -> None:
        ctl = StorageController(SqliteKV(db))
        session = ctl.open_session(name)
        for start in range(0, len(batch), 5):
            await ctl.append_messages(session, vk, batch[start : start + 5])
            listed = await asyncio.to_thread(fast.summary_snapshot, profile)
            assert listed is not None
            seen[name].append(listed.unread[vk])
        await ctl.close()

    async def go() -> None:
        await asyncio.gather(writer("a", from_a), writer("b", from_b))

    asyncio.run(go())
    expected = len(unread_messages(rooms.rooms[vk], MODE, [*mine, *from_a, *from_b]))
    assert expected == 10 + 8
    # The two writers' readings run in threads and may finish out of order, so only each writer's own readings are
    # ordered in time; counts only grow, so each of those sequences must too, and the last reading sees every commit.
    assert all(readings == sorted(readings) for readings in seen.values())
    assert max(max(readings) for readings in seen.values()) == expected
    listed = cli_json(profile, "rooms", "list")
    assert listed == _full_list(profile) and listed[0]["unread"] == expected
