"""The room list (river_desktop.domain.rooms): operations, River's ordering, epochs, merge, codecs, secrecy."""

from __future__ import annotations

import contextlib
import functools
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import base58
import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import SigningIdentity, is_valid_verifying_key, verify
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.room_state import Message, RoomState, merge
from river_desktop.domain.rooms import (
    NotificationMode,
    PresentSlot,
    ReadMarker,
    RoomData,
    Rooms,
    RoomsError,
    RoomSlot,
    RoomsMeta,
    TombstoneSlot,
    count_unread,
    decode_slot,
    encode_slot,
    mentions,
    merge_room_data,
    room_label,
)
from tests.helpers.domain_strategies import IDENTITIES, MEMBERS, OUTSIDERS, OWNERS, room_states, tamper, universe

OWNER = OWNERS[0]
O_VK = OWNER.verifying_key
U = universe(OWNER)
ANN = MEMBERS[0]
SELVES = (OWNER, MEMBERS[0], MEMBERS[1])
SECRET_POOL = tuple(bytes([0xA0 + i]) * 32 for i in range(3))
ALL_KEYS = tuple(i.verifying_key for i in IDENTITIES)
U64 = 2**64 - 1


# --------------------------------------------------------------------------------------------------
# builders


def _present(epoch: int = 0, me: SigningIdentity = OWNER, **changes: Any) -> RoomData:
    """A deterministic room of OWNER held by ``me`` (the owner's genesis state)."""
    state = RoomState.genesis(OWNER, "Room", "about", nickname="owner")
    return replace(RoomData(O_VK, me, state), epoch=epoch, **changes)


def _invitation(room: RoomData, secrets: list[tuple[int, bytes]] | None = None) -> Invitation:
    return Invitation.create(room.owner_vk, room.self_identity.seed, room_secrets=secrets or [])


def _chat() -> tuple[Rooms, bytes]:
    """A room I own (nickname "Bob") where ANN is a member invited by me."""
    rooms = Rooms()
    room = rooms.create_room("Chat", "Bob")
    record = AuthorizedMember.create(room.owner_vk, room.self_identity, ANN.verifying_key)
    rooms.rooms[room.owner_vk] = replace(room, room_state=room.room_state.with_member(record))
    return rooms, room.owner_vk


def _from_ann(vk: bytes, text: str, ts: int, reply_to: str | None = None) -> Message:
    return Message.create(vk, ANN, text, timestamp=ts, reply_to=reply_to)


def _sorted_rooms(count: int) -> tuple[Rooms, list[bytes]]:
    rooms = Rooms()
    for i in range(count):
        rooms.create_room(f"R{i}", "me")
    rooms.room_order = []  # created rooms join the manual order; these tables start from River's by-key order
    return rooms, sorted(rooms.rooms)


# --------------------------------------------------------------------------------------------------
# hypothesis strategies for persisted types


@st.composite
def room_datas(
    draw: st.DrawFn,
    owner: SigningIdentity | None = None,
    *,
    messages: bool = False,
    narrow: bool = False,
) -> RoomData:
    """A RoomData of ``owner``'s room; ``narrow`` draws epochs/generations/secrets from tiny pools (ties)."""
    owner = draw(st.sampled_from(OWNERS)) if owner is None else owner
    u = universe(owner)
    state = draw(room_states(owner))
    if not messages:
        state = state.without_messages()
    small = st.integers(0, 2) if narrow else st.integers(0, U64)
    markers = (
        st.sampled_from([ReadMarker.of(m) for m in u.messages])
        if narrow
        else st.builds(ReadMarker, st.integers(0, U64), st.text(max_size=40))
    )
    versions = st.integers(0, 2) if narrow else st.integers(0, U64)
    secret_values = st.sampled_from(SECRET_POOL) if narrow else st.binary(min_size=32, max_size=32)
    nicknames = st.sampled_from(("", "ann0", "bob0", "ann1", "bob1", "zed")) if narrow else st.text(max_size=20)
    return RoomData(
        owner_vk=owner.verifying_key,
        self_identity=draw(st.sampled_from(SELVES if narrow else IDENTITIES)),
        room_state=state,
        self_authorized_member=draw(st.none() | st.sampled_from(u.records)),
        last_read=draw(st.none() | markers),
        invitation_secrets=draw(st.dictionaries(versions, secret_values, max_size=3)),
        self_nickname=draw(nicknames),
        identity_generation=draw(small),
        epoch=draw(small),
    )


@st.composite
def same_room_pairs(draw: st.DrawFn) -> tuple[RoomData, RoomData]:
    owner = draw(st.sampled_from(OWNERS))
    a = draw(room_datas(owner, narrow=True))
    b = draw(room_datas(owner, narrow=True))
    if draw(st.booleans()):  # make equal-rank (same identity) pairs common
        b = replace(b, self_identity=a.self_identity, epoch=a.epoch, identity_generation=a.identity_generation)
    return a, b


keys = st.sampled_from(ALL_KEYS)
modes = st.sampled_from(list(NotificationMode))


@st.composite
def metas(draw: st.DrawFn) -> RoomsMeta:
    any_keys = keys | st.binary(min_size=32, max_size=32)
    return RoomsMeta(
        draw(st.none() | any_keys),
        draw(st.dictionaries(any_keys, modes, max_size=4)),
        tuple(draw(st.lists(any_keys, max_size=5))),
    )


@st.composite
def rooms_lists(draw: st.DrawFn) -> Rooms:
    rooms: dict[bytes, RoomData] = {}
    for owner in OWNERS:
        if draw(st.booleans()):
            room = draw(room_datas(owner, messages=True))
            rooms[room.owner_vk] = room
    for waiting in OUTSIDERS:  # rooms joined by invitation, waiting for their data
        if draw(st.booleans()):
            vk = waiting.verifying_key
            rooms[vk] = RoomData(
                vk, draw(st.sampled_from(MEMBERS)), RoomState.placeholder(vk), epoch=draw(st.integers(0, 9))
            )
    removed = draw(st.dictionaries(keys.filter(lambda k: k not in rooms), st.integers(0, U64), max_size=3))
    return Rooms(
        rooms,
        removed,
        draw(st.lists(keys, max_size=6)),
        draw(st.none() | keys),
        draw(st.dictionaries(keys, modes, max_size=4)),
    )


# --------------------------------------------------------------------------------------------------
# create_room


def test_create_room_owner_is_first_member_with_signed_configuration_and_nickname() -> None:
    rooms = Rooms()
    room = rooms.create_room("  Book club ", "Bob", "weekly")
    vk = room.owner_vk
    assert rooms.rooms == {vk: room}
    assert is_valid_verifying_key(vk)
    assert room.self_vk == vk and room.is_owner and not room.waiting
    cfg = room.room_state.configuration
    assert cfg is not None
    assert (cfg.name, cfg.description, cfg.version) == ("Book club", "weekly", 1)
    assert cfg.verify(vk)
    info = room.room_state.member_info[vk]
    assert (info.nickname, info.version, info.member_vk) == ("Bob", 1, vk)
    assert info.verify()
    assert room.self_nickname == "Bob"
    assert room.name == "Book club"
    assert room.room_state.is_member(vk)
    assert room.room_state.validate() == []
    assert room.room_state.ordered_messages() == []
    assert (room.epoch, room.identity_generation, room.last_read, dict(room.invitation_secrets)) == (0, 0, None, {})


def test_create_room_nickname_is_stripped_so_mentions_work() -> None:
    rooms = Rooms()
    room = rooms.create_room("Room", "  Bob ")
    assert room.self_nickname == "Bob"
    assert room.room_state.nickname(room.owner_vk) == "Bob"
    assert mentions("Bob, look", room.self_nickname)


def test_create_room_gives_each_room_a_fresh_owner_key() -> None:
    rooms = Rooms()
    a = rooms.create_room("A", "me")
    b = rooms.create_room("A", "me")
    assert a.owner_vk != b.owner_vk and len(rooms.rooms) == 2


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_create_room_requires_a_name(name: str) -> None:
    rooms = Rooms()
    with pytest.raises(RoomsError, match="name"):
        rooms.create_room(name, "Bob")
    assert rooms.rooms == {}


# --------------------------------------------------------------------------------------------------
# rename, nickname


def test_rename_by_owner_bumps_version_and_re_signs() -> None:
    rooms = Rooms()
    room = rooms.create_room("Old", "me", "desc")
    old_cfg = room.room_state.configuration
    assert old_cfg is not None
    renamed = rooms.rename(room.owner_vk, "  New ")
    cfg = renamed.room_state.configuration
    assert cfg is not None
    assert (cfg.name, cfg.description, cfg.version) == ("New", "desc", old_cfg.version + 1)
    assert cfg.verify(room.owner_vk)
    assert verify(room.owner_vk, cfg.signed_bytes(), cfg.signature)
    assert cfg.signature != old_cfg.signature
    assert rooms.rooms[room.owner_vk] is renamed
    again = rooms.rename(room.owner_vk, "Newer", description="other")
    cfg = again.room_state.configuration
    assert cfg is not None
    assert (cfg.name, cfg.description, cfg.version) == ("Newer", "other", old_cfg.version + 2)
    assert cfg.verify(room.owner_vk)


def test_rename_requires_a_name() -> None:
    rooms = Rooms()
    room = rooms.create_room("Old", "me")
    with pytest.raises(RoomsError):
        rooms.rename(room.owner_vk, "  ")
    assert rooms.rooms[room.owner_vk] == room


def test_rename_by_a_member_joined_by_invitation_is_refused() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    rooms = Rooms()
    joined = rooms.accept_invitation(_invitation(owner_room), "ann")
    rooms.rooms[joined.owner_vk] = replace(joined, room_state=merge(joined.room_state, owner_room.room_state))
    before = rooms.rooms[joined.owner_vk]
    with pytest.raises(RoomsError, match="owner"):
        rooms.rename(joined.owner_vk, "Mine now")
    assert rooms.rooms[joined.owner_vk] == before


def test_operations_on_an_unknown_room_raise_rooms_error() -> None:
    rooms = Rooms()
    unknown = ALL_KEYS[0]
    calls: list[Callable[[], object]] = [
        lambda: rooms.get(unknown),
        lambda: rooms.rename(unknown, "x"),
        lambda: rooms.set_nickname(unknown, "x"),
        lambda: rooms.post_message(unknown, "x"),
        lambda: rooms.mark_read(unknown),
        lambda: rooms.unread_count(unknown),
        lambda: rooms.set_notification_mode(unknown, NotificationMode.MUTED),
        lambda: rooms.leave(unknown),
    ]
    for call in calls:
        with pytest.raises(RoomsError, match=room_label(unknown)):
            call()
    assert rooms == Rooms()


def test_set_nickname_bumps_version_signed_by_self() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    rooms = Rooms()
    joined = rooms.accept_invitation(_invitation(owner_room), "ann")
    me = joined.self_vk
    assert joined.room_state.member_info[me].version == 1
    updated = rooms.set_nickname(joined.owner_vk, "  Annie ")
    info = updated.room_state.member_info[me]
    assert (info.nickname, info.version, info.member_vk) == ("Annie", 2, me)
    assert info.verify() and verify(me, info.signed_bytes(), info.signature)
    assert not verify(joined.owner_vk, info.signed_bytes(), info.signature)
    assert updated.self_nickname == "Annie"
    assert rooms.set_nickname(joined.owner_vk, "Ann").room_state.member_info[me].version == 3


def test_set_nickname_without_a_previous_record_starts_at_version_one() -> None:
    rooms = Rooms()
    room = rooms.create_room("R", "")
    assert room.room_state.member_info == {}
    info = rooms.set_nickname(room.owner_vk, "me").room_state.member_info[room.owner_vk]
    assert info.version == 1 and info.verify()


def test_set_nickname_rejects_empty() -> None:
    rooms = Rooms()
    room = rooms.create_room("R", "Bob")
    with pytest.raises(RoomsError):
        rooms.set_nickname(room.owner_vk, " ")
    assert rooms.rooms[room.owner_vk] == room


# --------------------------------------------------------------------------------------------------
# messages, read marker, unread counts


def test_post_message_signed_by_self_visible_and_marks_read() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    rooms = Rooms()
    joined = rooms.accept_invitation(_invitation(owner_room), "ann")
    vk = joined.owner_vk
    msg = rooms.post_message(vk, "hello", timestamp=1_000)
    assert (msg.room, msg.author_vk, msg.text, msg.timestamp, msg.reply_to) == (
        vk,
        joined.self_vk,
        "hello",
        1_000,
        None,
    )
    assert msg.verify()
    room = rooms.rooms[vk]
    assert room.room_state.ordered_messages() == [msg]
    assert room.last_read == ReadMarker(1_000, msg.id)
    reply = rooms.post_message(vk, "again", reply_to=msg.id, timestamp=2_000)
    assert reply.reply_to == msg.id
    assert rooms.rooms[vk].room_state.ordered_messages() == [msg, reply]
    assert rooms.rooms[vk].last_read == ReadMarker.of(reply)


def test_post_message_never_moves_the_marker_backwards() -> None:
    rooms, vk = _chat()
    newer = rooms.post_message(vk, "now", timestamp=5_000)
    rooms.post_message(vk, "backdated", timestamp=1_000)
    assert rooms.rooms[vk].last_read == ReadMarker.of(newer)


def test_post_message_default_timestamp_is_now_in_milliseconds() -> None:
    rooms, vk = _chat()
    before = int(time.time() * 1000)
    msg = rooms.post_message(vk, "hi")
    assert before <= msg.timestamp <= int(time.time() * 1000)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_post_message_rejects_empty(text: str) -> None:
    rooms, vk = _chat()
    before = rooms.rooms[vk]
    with pytest.raises(RoomsError):
        rooms.post_message(vk, text)
    assert rooms.rooms[vk] == before


def test_add_messages_keeps_only_valid_messages_of_this_room() -> None:
    rooms, vk = _chat()
    good = _from_ann(vk, "hi", 10)
    forged = replace(_from_ann(vk, "forged", 11), signature=tamper(_from_ann(vk, "forged", 11).signature, 0))
    other_room = Message.create(O_VK, ANN, "elsewhere", timestamp=12)
    rooms.add_messages(vk, [good, forged, other_room, good])
    assert dict(rooms.rooms[vk].room_state.messages) == {good.id: good}
    rooms.add_messages(ALL_KEYS[0], [good])  # unknown room: ignored
    assert ALL_KEYS[0] not in rooms.rooms


def test_mark_read() -> None:
    rooms, vk = _chat()
    assert rooms.mark_read(vk) is rooms.rooms[vk] and rooms.rooms[vk].last_read is None  # no messages
    m1, m2, m3 = (_from_ann(vk, f"m{i}", ts) for i, ts in enumerate((10, 20, 30)))
    rooms.add_messages(vk, [m3, m1, m2])
    assert rooms.unread_count(vk) == 3
    assert rooms.mark_read(vk, m2).last_read == ReadMarker.of(m2)
    assert rooms.unread_count(vk) == 1
    assert rooms.mark_read(vk, m1).last_read == ReadMarker.of(m2)  # never backwards
    assert rooms.mark_read(vk).last_read == ReadMarker.of(m3)
    assert rooms.unread_count(vk) == 0


def test_read_marker_orders_like_messages() -> None:
    assert ReadMarker(1, "f" * 32) < ReadMarker(2, "0" * 32)
    assert ReadMarker(1, "a" * 32) < ReadMarker(1, "b" * 32)
    msgs = sorted(U.messages, key=lambda m: m.sort_key)
    assert [ReadMarker.of(m) for m in msgs] == sorted(ReadMarker.of(m) for m in msgs)


def test_unread_all_counts_others_messages_after_the_marker() -> None:
    rooms, vk = _chat()
    early = _from_ann(vk, "early", 100)
    rooms.add_messages(vk, [early])
    mine = rooms.post_message(vk, "mine", timestamp=200)
    same_ts = [_from_ann(vk, f"tie{i}", 200) for i in range(6)]
    late = [_from_ann(vk, "late", 300), _from_ann(vk, "later", 400)]
    rooms.add_messages(vk, [*same_ts, *late])
    after_marker_ties = [m for m in same_ts if m.id > mine.id]
    assert rooms.unread_count(vk) == len(after_marker_ties) + 2
    rooms.post_message(vk, "more of mine", timestamp=500)  # my own messages never count
    assert rooms.unread_count(vk) == 0
    assert rooms.unread_count(vk, messages=late) == 0
    assert count_unread(replace(rooms.rooms[vk], last_read=None), NotificationMode.ALL, late) == 2


def test_unread_muted_is_zero() -> None:
    rooms, vk = _chat()
    rooms.add_messages(vk, [_from_ann(vk, "Bob!", 10), _from_ann(vk, "x", 20)])
    assert rooms.unread_count(vk) == 2
    rooms.set_notification_mode(vk, NotificationMode.MUTED)
    assert rooms.unread_count(vk) == 0
    assert count_unread(rooms.rooms[vk], NotificationMode.MUTED, rooms.rooms[vk].room_state.ordered_messages()) == 0


@pytest.mark.parametrize(
    ("text", "nickname", "expected"),
    [
        ("hi Bob", "Bob", True),
        ("hi bob", "Bob", True),
        ("BOB!", "Bob", True),
        ("@bob thanks", "Bob", True),
        ("ping @Bob.", "Bob", True),
        ("Bob", "Bob", True),
        ("bob's turn", "Bob", True),
        ("(bob)", "Bob", True),
        ("bobby", "Bob", False),
        ("Bobcat", "Bob", False),
        ("abob", "Bob", False),
        ("x_bob", "Bob", False),
        ("bob2", "Bob", False),
        ("bo b", "Bob", False),
        ("kebob bob", "Bob", True),
        ("", "Bob", False),
        ("hello", "", False),
        ("hey big bob!", "Big Bob", True),
        ("hey big bobby", "Big Bob", False),
        ("ZOË?", "Zoë", True),
        ("zoëy", "Zoë", False),
    ],
)
def test_mentions_whole_word_case_insensitive(text: str, nickname: str, expected: bool) -> None:
    assert mentions(text, nickname) is expected


@pytest.mark.parametrize(
    ("text", "reply", "expected"),
    [
        ("nothing for you", None, 0),
        ("hey @bob", None, 1),
        ("HEY BOB", None, 1),
        ("bobby tables", None, 0),
        ("re", "mine", 1),
        ("re", "mine-before-marker", 1),
        ("re", "theirs", 0),
        ("bob, re", "theirs", 1),
        ("bob, re", "mine", 1),
    ],
)
def test_unread_mentions_and_replies(text: str, reply: str | None, expected: int) -> None:
    rooms, vk = _chat()
    theirs = _from_ann(vk, "theirs", 50)
    rooms.add_messages(vk, [theirs])
    old_mine = rooms.post_message(vk, "my old message", timestamp=60)
    rooms.mark_read(vk, old_mine)
    mine = rooms.post_message(vk, "my message", timestamp=100)
    reply_to = {None: None, "mine": mine.id, "mine-before-marker": old_mine.id, "theirs": theirs.id}[reply]
    rooms.add_messages(vk, [_from_ann(vk, text, 200, reply_to)])
    rooms.set_notification_mode(vk, NotificationMode.MENTIONS_AND_REPLIES)
    assert rooms.unread_count(vk) == expected
    rooms.set_notification_mode(vk, NotificationMode.ALL)
    assert rooms.unread_count(vk) == 1
    rooms.set_notification_mode(vk, NotificationMode.MUTED)
    assert rooms.unread_count(vk) == 0


def test_mentions_and_replies_ignores_read_and_own_messages_and_follows_nickname() -> None:
    rooms, vk = _chat()
    rooms.set_notification_mode(vk, NotificationMode.MENTIONS_AND_REPLIES)
    rooms.add_messages(vk, [_from_ann(vk, "bob before", 10)])
    rooms.post_message(vk, "I am Bob", timestamp=20)  # marker moves past "bob before"; mine never counts
    assert rooms.unread_count(vk) == 0
    rooms.add_messages(vk, [_from_ann(vk, "bob after", 30)])
    assert rooms.unread_count(vk) == 1
    rooms.set_nickname(vk, "Robert")
    assert rooms.unread_count(vk) == 0
    rooms.add_messages(vk, [_from_ann(vk, "robert!", 40)])
    assert rooms.unread_count(vk) == 1


# --------------------------------------------------------------------------------------------------
# ordering (river-spec §3.5)


def test_ordered_keys_manual_first_then_raw_key_bytes() -> None:
    rooms, k = _sorted_rooms(4)
    assert rooms.ordered_keys() == k
    stranger = ALL_KEYS[5]
    rooms.room_order = [k[2], stranger, k[0], k[2]]
    assert rooms.ordered_keys() == [k[2], k[0], k[1], k[3]]
    assert rooms.ordered_keys_manual() == [k[2], k[0], k[2]]


UNKNOWN = "unknown"


@pytest.mark.parametrize(
    ("manual", "dragged", "target", "expected"),
    [
        # no manual order: effective order is by raw key bytes
        ([], 0, 2, [1, 0, 2, 3]),  # index of the target is taken after removing the dragged room
        ([], 0, 1, [0, 1, 2, 3]),
        ([], 3, 0, [3, 0, 1, 2]),
        ([], 1, 3, [0, 2, 1, 3]),
        ([], 2, 1, [0, 2, 1, 3]),
        ([], 0, None, [1, 2, 3, 0]),
        ([], 1, UNKNOWN, [0, 2, 3, 1]),  # unknown target: the end
        ([], 3, None, [0, 1, 2, 3]),
        ([], 1, 1, None),  # dragged == target: no-op
        ([], UNKNOWN, 1, None),  # unknown dragged: no-op
        # a partial manual order is completed by the raw-key order before moving
        ([2, 0], 3, 2, [3, 2, 0, 1]),
        ([2, 0], 2, 1, [0, 2, 1, 3]),
        ([2, 0], 0, None, [2, 1, 3, 0]),
        ([3, UNKNOWN, 1], 0, 1, [3, 0, 1, 2]),  # stale entries are dropped
        ([3, 1], 1, 1, None),
    ],
)
def test_move_room_table(manual: list[Any], dragged: Any, target: Any, expected: list[int] | None) -> None:
    rooms, k = _sorted_rooms(4)
    stranger = next(vk for vk in ALL_KEYS if vk not in k)

    def key(x: Any) -> bytes | None:
        return None if x is None else stranger if x == UNKNOWN else k[x]

    rooms.room_order = [key(x) for x in manual]  # type: ignore[misc]
    before = list(rooms.room_order)
    rooms.move_room(key(dragged), key(target))  # type: ignore[arg-type]
    if expected is None:
        assert rooms.room_order == before
    else:
        assert rooms.room_order == [k[i] for i in expected]  # stored as the full order
        assert rooms.ordered_keys() == [k[i] for i in expected]


@pytest.mark.parametrize(
    ("manual", "moved", "expected"),
    [([], 0, [1, 2, 3, 0]), ([], 3, [0, 1, 2, 3]), ([3, 2], 3, [2, 0, 1, 3]), ([1], 2, [1, 0, 3, 2])],
)
def test_move_room_to_end(manual: list[int], moved: int, expected: list[int]) -> None:
    rooms, k = _sorted_rooms(4)
    rooms.room_order = [k[i] for i in manual]
    rooms.move_room_to_end(k[moved])
    assert rooms.room_order == [k[i] for i in expected]


def test_move_room_to_end_of_unknown_room_is_a_no_op() -> None:
    rooms, k = _sorted_rooms(3)
    rooms.room_order = [k[2]]
    rooms.move_room_to_end(ALL_KEYS[0])
    assert rooms.room_order == [k[2]]


@settings(max_examples=60)
@given(st.data())
def test_move_room_properties(data: st.DataObject) -> None:
    rooms, k = _sorted_rooms(3)
    universe_keys = [*k, ALL_KEYS[0]]
    rooms.room_order = data.draw(st.lists(st.sampled_from(universe_keys), max_size=5))
    dragged = data.draw(st.sampled_from(universe_keys))
    target = data.draw(st.none() | st.sampled_from(universe_keys))
    before = rooms.ordered_keys()
    rooms.move_room(dragged, target)
    after = rooms.ordered_keys()
    assert sorted(after) == sorted(before) == k
    if dragged in k and dragged != target:
        rest = [x for x in before if x != dragged]
        assert [x for x in after if x != dragged] == rest
        expected_pos = rest.index(target) if target in rest else len(rest)
        assert after.index(dragged) == expected_pos


# --------------------------------------------------------------------------------------------------
# notification modes, leave, meta


def test_set_notification_mode() -> None:
    rooms, vk = _chat()
    assert rooms.notification_mode(vk) is NotificationMode.ALL
    for mode in NotificationMode:
        rooms.set_notification_mode(vk, mode)
        assert rooms.notification_mode(vk) is mode
        assert rooms.to_meta().notification_modes == {vk: mode}
    assert rooms.notification_mode(ALL_KEYS[0]) is NotificationMode.ALL


@pytest.mark.parametrize("epoch", [0, 4])
def test_leave(epoch: int) -> None:
    rooms, k = _sorted_rooms(3)
    vk = k[1]
    rooms.rooms[vk] = replace(rooms.rooms[vk], epoch=epoch)
    rooms.room_order = [k[2], vk, k[0], vk]
    rooms.current_room = vk
    rooms.set_notification_mode(vk, NotificationMode.MUTED)
    rooms.leave(vk)
    assert vk not in rooms.rooms
    assert rooms.removed == {vk: epoch + 1}
    assert rooms.room_order == [k[2], k[0]]
    assert rooms.current_room is None
    assert rooms.notification_modes == {vk: NotificationMode.MUTED}  # River keeps modes on leave
    with pytest.raises(RoomsError):
        rooms.leave(vk)


def test_leave_keeps_another_current_room() -> None:
    rooms, k = _sorted_rooms(2)
    rooms.current_room = k[0]
    rooms.leave(k[1])
    assert rooms.current_room == k[0]


def test_apply_meta_and_to_meta() -> None:
    rooms, k = _sorted_rooms(3)
    stranger = ALL_KEYS[0]
    meta = RoomsMeta(
        stranger, {k[0]: NotificationMode.MUTED, stranger: NotificationMode.MENTIONS_AND_REPLIES}, (stranger, k[2])
    )
    rooms.current_room = k[1]
    rooms.apply_meta(meta, keep_current_room=True)
    assert rooms.current_room == k[1]
    rooms.apply_meta(meta)
    assert rooms.current_room is None  # a current room we do not hold is dropped
    assert rooms.room_order == [k[2]]
    assert rooms.notification_modes == dict(meta.notification_modes)
    rooms.apply_meta(RoomsMeta(k[0]))
    assert rooms.current_room == k[0] and rooms.notification_modes == {} and rooms.room_order == []
    rooms.move_room(k[2], k[0])
    rooms.set_notification_mode(k[1], NotificationMode.MUTED)
    assert rooms.to_meta() == RoomsMeta(k[0], {k[1]: NotificationMode.MUTED}, (k[2], k[0], k[1]))


def test_copy_is_independent() -> None:
    rooms, k = _sorted_rooms(2)
    snapshot = rooms.copy()
    assert snapshot == rooms
    rooms.leave(k[0])
    rooms.set_notification_mode(k[1], NotificationMode.MUTED)
    rooms.move_room(k[1], k[1])
    rooms.move_room_to_end(k[1])
    assert set(snapshot.rooms) == set(k) and snapshot.removed == {} and snapshot.notification_modes == {}
    assert snapshot.room_order == []


# --------------------------------------------------------------------------------------------------
# accept_invitation


def test_accept_invitation_adds_a_waiting_room() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    secrets = [(3, SECRET_POOL[2]), (1, SECRET_POOL[1])]
    inv = _invitation(owner_room, secrets)
    rooms = Rooms()
    room = rooms.accept_invitation(inv, "  ann ")
    assert rooms.rooms == {owner_room.owner_vk: room}
    assert room.waiting and room.name == "" and not room.is_owner
    assert room.owner_vk == inv.room
    assert room.self_identity.seed == inv.invitee_signing_key
    assert room.self_vk == inv.invitee.member_vk
    assert room.self_authorized_member == inv.invitee
    assert room.room_state.member_records == frozenset({inv.invitee})
    assert room.room_state.is_member(room.self_vk)
    assert list(room.invitation_secrets.items()) == [(1, SECRET_POOL[1]), (3, SECRET_POOL[2])]
    info = room.room_state.member_info[room.self_vk]
    assert (info.nickname, info.version) == ("ann", 1) and info.verify()
    assert room.self_nickname == "ann"
    assert (room.epoch, room.identity_generation) == (0, 0)
    assert rooms.removed == {}
    # the room's own data arrives later and merges in
    full = replace(room, room_state=merge(room.room_state, owner_room.room_state))
    assert not full.waiting and full.name == "Theirs"


def test_accept_invitation_without_nickname_gets_a_default() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    room = Rooms().accept_invitation(_invitation(owner_room), "   ")
    assert room.self_nickname.startswith("member-") and len(room.self_nickname) == len("member-") + 4
    assert room.room_state.nickname(room.self_vk) == room.self_nickname


def test_accept_invitation_twice_is_idempotent() -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    inv = _invitation(owner_room, [(0, SECRET_POOL[0])])
    rooms = Rooms()
    first = rooms.accept_invitation(inv, "ann")
    blob = rooms.encode()
    assert rooms.accept_invitation(Invitation.decode(inv.encode()), "other nick") is first
    assert rooms.encode() == blob


@pytest.mark.parametrize("left_epoch", [1, 7])
def test_accept_invitation_rejoins_a_left_room_at_the_next_epoch(left_epoch: int) -> None:
    owner_room = Rooms().create_room("Theirs", "owner")
    inv = _invitation(owner_room)
    rooms = Rooms()
    rooms.accept_invitation(inv, "ann")
    rooms.rooms[inv.room] = replace(rooms.rooms[inv.room], epoch=left_epoch - 1)
    rooms.leave(inv.room)
    assert rooms.removed == {inv.room: left_epoch}
    again = rooms.accept_invitation(inv, "ann")
    assert again.epoch == left_epoch + 1
    assert rooms.removed == {}
    assert rooms.rooms[inv.room] is again


def test_accept_invitation_for_a_room_held_with_another_identity_is_refused() -> None:
    owner_rooms = Rooms()
    owner_room = owner_rooms.create_room("Mine", "owner")
    rooms = Rooms()
    rooms.accept_invitation(_invitation(owner_room), "ann")
    blob = rooms.encode()
    with pytest.raises(RoomsError, match="another identity"):
        rooms.accept_invitation(_invitation(owner_room), "ann")
    assert rooms.encode() == blob
    with pytest.raises(RoomsError):  # an invitation to a room I own
        owner_rooms.accept_invitation(_invitation(owner_room), "me")
    assert owner_rooms.rooms[owner_room.owner_vk] is owner_room


# --------------------------------------------------------------------------------------------------
# apply_slot: the epoch truth table

VK = O_VK


def _local(kind: str, epoch: int) -> Rooms:
    rooms = Rooms()
    if kind == "present":
        rooms.rooms[VK] = _present(epoch)
        rooms.room_order = [VK]
        rooms.current_room = VK
    elif kind == "removed":
        rooms.removed[VK] = epoch
    return rooms


def _outcome(rooms: Rooms) -> tuple[str, int | None]:
    assert not (VK in rooms.rooms and VK in rooms.removed)  # River's invariant: never both
    if VK in rooms.rooms:
        return ("present", rooms.rooms[VK].epoch)
    if VK in rooms.removed:
        return ("removed", rooms.removed[VK])
    return ("absent", None)


@pytest.mark.parametrize(
    ("local", "remote", "expected", "changed"),
    [
        # remote Tombstone
        (("present", 2), ("tombstone", 1), ("present", 2), False),  # a stale leave never buries a newer rejoin
        (("present", 2), ("tombstone", 2), ("removed", 2), True),
        (("present", 2), ("tombstone", 3), ("removed", 3), True),
        (("removed", 2), ("tombstone", 1), ("removed", 2), False),
        (("removed", 2), ("tombstone", 2), ("removed", 2), False),
        (("removed", 2), ("tombstone", 3), ("removed", 3), True),
        (("absent", None), ("tombstone", 0), ("removed", 0), True),
        (("absent", None), ("tombstone", 4), ("removed", 4), True),
        # remote Present
        (("removed", 2), ("present", 1), ("removed", 2), False),
        (("removed", 2), ("present", 2), ("removed", 2), False),
        (("removed", 2), ("present", 3), ("present", 3), True),  # revived only by a newer membership
        (("absent", None), ("present", 0), ("present", 0), True),
        (("present", 2), ("present", 2), ("present", 2), False),
        (("present", 2), ("present", 1), ("present", 2), False),
        (("present", 1), ("present", 2), ("present", 2), True),
        # nothing stored
        (("present", 2), None, ("present", 2), False),
        (("removed", 2), None, ("removed", 2), False),
        (("absent", None), None, ("absent", None), False),
    ],
)
def test_apply_slot_truth_table(
    local: tuple[str, int], remote: tuple[str, int] | None, expected: tuple[str, int | None], changed: bool
) -> None:
    rooms = _local(*local)
    slot: RoomSlot | None = None
    if remote is not None:
        slot = TombstoneSlot(remote[1]) if remote[0] == "tombstone" else PresentSlot(_present(remote[1]))
    before = rooms.encode()
    assert rooms.apply_slot(VK, slot) is changed
    assert _outcome(rooms) == expected
    assert (rooms.encode() != before) is changed
    if expected[0] != "present":
        assert rooms.room_order == [] and rooms.current_room is None


def test_apply_present_over_present_merges_state_and_identity_follows_epoch() -> None:
    mine = _present(1, me=MEMBERS[0])
    rooms = Rooms({VK: mine})
    msg = Message.create(VK, OWNER, "from elsewhere", timestamp=5)
    other = replace(_present(0, me=MEMBERS[1]), room_state=_present().room_state.with_message(msg))
    assert rooms.apply_slot(VK, PresentSlot(other)) is True
    held = rooms.rooms[VK]
    assert held.self_identity == MEMBERS[0] and held.epoch == 1  # older membership: state only
    assert msg.id in held.room_state.messages
    assert rooms.apply_slot(VK, PresentSlot(other)) is False
    newer = _present(2, me=MEMBERS[1])
    assert rooms.apply_slot(VK, PresentSlot(newer)) is True
    assert rooms.rooms[VK].self_identity == MEMBERS[1] and rooms.rooms[VK].epoch == 2
    assert msg.id in rooms.rooms[VK].room_state.messages  # history survives the identity switch


def test_apply_present_revives_with_the_remote_copy() -> None:
    rooms = _local("removed", 2)
    remote = _present(3, me=MEMBERS[2], self_nickname="back")
    assert rooms.apply_slot(VK, PresentSlot(remote))
    assert rooms.rooms[VK] == remote and rooms.removed == {}


# --------------------------------------------------------------------------------------------------
# merge_room_data


def _rank(r: RoomData) -> tuple[int, int, bytes]:
    return (r.epoch, r.identity_generation, r.self_vk)


@settings(max_examples=150)
@given(same_room_pairs())
def test_merge_room_data_commutative_and_well_defined(pair: tuple[RoomData, RoomData]) -> None:
    a, b = pair
    ab, ba = merge_room_data(a, b), merge_room_data(b, a)
    assert ab == ba
    assert ab.encode() == ba.encode()
    winner = max(a, b, key=_rank)
    loser = b if winner is a else a
    assert ab.self_identity == winner.self_identity
    assert (ab.epoch, ab.identity_generation) == (winner.epoch, winner.identity_generation)
    assert ab.epoch == max(a.epoch, b.epoch)
    assert ab.room_state == merge(a.room_state, b.room_state)
    markers = [m for m in (a.last_read, b.last_read) if m is not None]
    assert ab.last_read == (max(markers) if markers else None)
    if a.self_vk == b.self_vk:
        assert set(ab.invitation_secrets) == set(a.invitation_secrets) | set(b.invitation_secrets)
        assert ab.self_nickname in {a.self_nickname, b.self_nickname}
        assert ab.self_nickname or not (a.self_nickname or b.self_nickname)
    else:
        assert ab.invitation_secrets == winner.invitation_secrets
        assert ab.self_nickname == winner.self_nickname
        assert ab.self_authorized_member == winner.self_authorized_member
    if _rank(winner) != _rank(loser) and winner.self_vk == loser.self_vk:
        assert ab.invitation_secrets == {**loser.invitation_secrets, **winner.invitation_secrets}
    assert list(ab.invitation_secrets) == sorted(ab.invitation_secrets)


@settings(max_examples=100)
@given(room_datas(narrow=True))
def test_merge_room_data_idempotent(room: RoomData) -> None:
    assert merge_room_data(room, room) == room


@settings(max_examples=100)
@given(same_room_pairs())
def test_merge_room_data_absorbs_its_inputs(pair: tuple[RoomData, RoomData]) -> None:
    a, b = pair
    m = merge_room_data(a, b)
    assert merge_room_data(m, a) == m
    assert merge_room_data(b, m) == m


def test_merge_room_data_identity_rank_table() -> None:
    lo, hi = sorted((MEMBERS[0], MEMBERS[1]), key=lambda i: i.verifying_key)
    cases = [
        (_present(1, me=hi), _present(2, me=lo), lo),  # epoch first
        (_present(1, me=lo, identity_generation=0), _present(1, me=hi, identity_generation=0), hi),  # then vk
        (_present(1, me=hi, identity_generation=0), _present(1, me=lo, identity_generation=1), lo),  # generation
        (_present(3, me=lo, identity_generation=0), _present(2, me=hi, identity_generation=9), lo),
    ]
    for x, y, expected in cases:
        assert merge_room_data(x, y).self_identity == expected
        assert merge_room_data(y, x).self_identity == expected


def test_merge_room_data_secrets_and_marker() -> None:
    s0, s1, s2 = SECRET_POOL
    a = _present(0, invitation_secrets={1: s1, 0: s0}, last_read=ReadMarker(5, "a" * 32))
    b = _present(0, invitation_secrets={2: s2}, last_read=ReadMarker(7, "0" * 32))
    merged = merge_room_data(a, b)
    assert list(merged.invitation_secrets.items()) == [(0, s0), (1, s1), (2, s2)]
    assert merged.last_read == ReadMarker(7, "0" * 32)
    newer_other = _present(1, me=MEMBERS[0], invitation_secrets={9: s2}, last_read=None)
    merged = merge_room_data(a, newer_other)
    assert dict(merged.invitation_secrets) == {9: s2}  # another identity's secrets are not mixed in
    assert merged.last_read == ReadMarker(5, "a" * 32)


def test_merge_room_data_keeps_the_nickname_the_newest_signed_record_names() -> None:
    rooms = Rooms()
    room = rooms.create_room("R", "zed")
    stale = rooms.copy()
    rooms.set_nickname(room.owner_vk, "amy")
    for x, y in (
        (rooms.rooms[room.owner_vk], stale.rooms[room.owner_vk]),
        (stale.rooms[room.owner_vk], rooms.rooms[room.owner_vk]),
    ):
        merged = merge_room_data(x, y)
        assert merged.self_nickname == "amy" == merged.room_state.nickname(room.owner_vk)


def test_merge_room_data_of_different_rooms_is_refused() -> None:
    a = Rooms().create_room("A", "me")
    with pytest.raises(RoomsError):
        merge_room_data(a, _present())


# --------------------------------------------------------------------------------------------------
# codecs


def _forget_messages(room: RoomData) -> RoomData:
    return replace(room, room_state=room.room_state.without_messages())


@settings(max_examples=120)
@given(room_datas(messages=True))
def test_room_data_round_trip_without_messages(room: RoomData) -> None:
    data = room.encode()
    decoded = RoomData.decode(data)
    assert decoded == _forget_messages(room)
    assert decoded.encode() == data
    assert list(cbor2.loads(data)) == [
        "owner_vk",
        "self_sk",
        "room_state",
        "self_authorized_member",
        "last_read",
        "invitation_secrets",
        "self_nickname",
        "identity_generation",
        "epoch",
    ]
    assert cbor2.loads(data)["room_state"]["messages"] == []


@settings(max_examples=120)
@given(room_datas(messages=True), st.integers(0, U64))
def test_room_slot_round_trips(room: RoomData, epoch: int) -> None:
    present = PresentSlot(room)
    data = encode_slot(present)
    assert cbor2.loads(data) == {"Present": cbor2.loads(room.encode())}
    decoded = decode_slot(data)
    assert decoded == PresentSlot(_forget_messages(room))
    assert decode_slot(data, trusted=True) == decoded  # our own, already verified bytes read the same
    assert isinstance(decoded, PresentSlot) and decoded.epoch == room.epoch
    assert encode_slot(decoded) == data
    tomb = TombstoneSlot(epoch)
    tdata = encode_slot(tomb)
    assert tdata == cbor2.dumps({"Tombstone": {"epoch": epoch}})
    assert decode_slot(tdata) == tomb and encode_slot(decode_slot(tdata)) == tdata


def test_river_bare_tombstone_reads_as_epoch_zero() -> None:
    assert decode_slot(b"\x69Tombstone") == TombstoneSlot(0)
    assert decode_slot(cbor2.dumps("Tombstone")) == TombstoneSlot(0)
    assert encode_slot(TombstoneSlot()) == bytes.fromhex("a169546f6d6273746f6e65a16565706f636800")


@pytest.mark.parametrize(
    "obj",
    [
        "Present",
        "tombstone",
        [],
        {},
        {"Tombstone": {"epoch": 1}, "Present": {}},
        {"Gone": {"epoch": 1}},
        {"Tombstone": {}},
        {"Tombstone": {"epoch": -1}},
        {"Tombstone": {"epoch": 2**64}},
        {"Tombstone": {"epoch": "1"}},
        {"Tombstone": {"epoch": 1, "extra": 2}},
        {"Present": None},
        {"Present": {"owner_vk": b"x"}},
    ],
)
def test_decode_slot_rejects_malformed_shapes(obj: object) -> None:
    with pytest.raises(DecodeError):
        decode_slot(cbor2.dumps(obj))


def test_room_data_from_another_room_is_rejected() -> None:
    obj = cbor2.loads(_present().encode())
    obj["owner_vk"] = ALL_KEYS[1]
    with pytest.raises(DecodeError, match="another room"):
        RoomData.decode(cbor2.dumps(obj))


@settings(max_examples=150)
@given(metas())
def test_rooms_meta_round_trip(meta: RoomsMeta) -> None:
    data = meta.encode()
    assert RoomsMeta.decode(data) == meta
    assert RoomsMeta.decode(data).encode() == data
    obj = cbor2.loads(data)
    assert list(obj) == ["current_room_key", "notification_modes", "room_order"]
    assert all(isinstance(v, str) for v in obj["notification_modes"].values())


def test_rooms_meta_river_defaults_and_errors() -> None:
    assert RoomsMeta.decode(cbor2.dumps({})) == RoomsMeta()
    assert RoomsMeta.decode(cbor2.dumps({"room_order": [ALL_KEYS[0]], "future": 1})) == RoomsMeta(
        None, {}, (ALL_KEYS[0],)
    )
    assert NotificationMode.parse("MentionsAndReplies") is NotificationMode.MENTIONS_AND_REPLIES
    bad_metas: list[object] = [
        {"notification_modes": {ALL_KEYS[0]: "Loud"}},
        {"notification_modes": {b"short": "All"}},
        {"notification_modes": []},
        {"room_order": [b"short"]},
        {"room_order": {}},
        {"current_room_key": 1},
        [],
    ]
    for bad in bad_metas:
        with pytest.raises(DecodeError):
            RoomsMeta.decode(cbor2.dumps(bad))


@settings(max_examples=60)
@given(rooms_lists())
def test_rooms_round_trip(rooms: Rooms) -> None:
    data = rooms.encode()
    decoded = Rooms.decode(data)
    assert decoded == rooms
    assert decoded.encode() == data
    assert list(cbor2.loads(data)) == ["map", "current_room_key", "removed_rooms", "notification_modes", "room_order"]


def test_rooms_blob_keeps_messages_and_checks_room_keys() -> None:
    rooms, vk = _chat()
    rooms.post_message(vk, "kept", timestamp=3)
    decoded = Rooms.decode(rooms.encode())
    assert [m.text for m in decoded.rooms[vk].room_state.ordered_messages()] == ["kept"]
    obj = cbor2.loads(rooms.encode())
    obj["map"] = {ALL_KEYS[0]: obj["map"][vk]}
    with pytest.raises(DecodeError):
        Rooms.decode(cbor2.dumps(obj))


@settings(max_examples=40)
@given(rooms_lists(), metas(), st.randoms(use_true_random=False))
def test_encodings_do_not_depend_on_insertion_order(rooms: Rooms, meta: RoomsMeta, rnd: Any) -> None:
    def shuffled(d: dict[Any, Any]) -> dict[Any, Any]:
        items = list(d.items())
        rnd.shuffle(items)
        return dict(items)

    other = Rooms(
        shuffled(rooms.rooms),
        shuffled(rooms.removed),
        list(rooms.room_order),
        rooms.current_room,
        shuffled(rooms.notification_modes),
    )
    other.rooms = {
        vk: replace(r, invitation_secrets=shuffled(dict(r.invitation_secrets))) for vk, r in other.rooms.items()
    }
    assert other.encode() == rooms.encode()
    for vk, room in rooms.rooms.items():
        assert other.rooms[vk].encode() == room.encode()
        assert encode_slot(PresentSlot(other.rooms[vk])) == encode_slot(PresentSlot(room))
    assert (
        RoomsMeta(meta.current_room_key, shuffled(dict(meta.notification_modes)), meta.room_order).encode()
        == meta.encode()
    )


# --------------------------------------------------------------------------------------------------
# secrets never shown


def _forbidden(seeds: Sequence[bytes], secrets: Sequence[bytes] = (), codes: Sequence[str] = ()) -> list[str]:
    out: list[str] = []
    for seed in seeds:
        out += [seed.hex(), seed.hex().upper(), base58.b58encode(seed).decode(), repr(seed), repr(seed)[2:-1]]
        out.append(str(list(seed)))
    for secret in secrets:
        out += [secret.hex(), secret.hex().upper(), repr(secret)[2:-1]]
    out += list(codes)
    return out


def _assert_hidden(texts: list[str], forbidden: list[str]) -> None:
    for text in texts:
        for secret in forbidden:
            assert secret not in text


def _shown(obj: object) -> list[str]:
    return [repr(obj), str(obj), f"{obj}", f"{obj!r}", repr([obj]), repr({"x": obj})]


def test_secrets_never_in_repr_str_or_operation_errors() -> None:
    owner_rooms = Rooms()
    owned = owner_rooms.create_room("Mine", "owner")
    secrets = [(0, bytes(range(32))), (5, bytes(range(100, 132)))]
    inv = _invitation(owned, secrets)
    code = inv.encode()
    rooms = Rooms()
    joined = rooms.accept_invitation(inv, "ann")
    mine = rooms.create_room("Also mine", "ann")
    forbidden = _forbidden(
        [owned.self_identity.seed, inv.invitee_signing_key, mine.self_identity.seed], [s for _, s in secrets], [code]
    )
    texts: list[str] = []
    for obj in (joined, mine, rooms, PresentSlot(joined), PresentSlot(mine), rooms.to_meta(), owner_rooms):
        texts += _shown(obj)
    errors: list[BaseException] = []
    attempts: list[Callable[[], object]] = [
        lambda: rooms.create_room(" ", "x"),
        lambda: rooms.rename(joined.owner_vk, "x"),
        lambda: rooms.rename(mine.owner_vk, ""),
        lambda: rooms.set_nickname(joined.owner_vk, ""),
        lambda: rooms.post_message(joined.owner_vk, " "),
        lambda: rooms.accept_invitation(_invitation(owned, secrets), "ann"),
        lambda: owner_rooms.accept_invitation(inv, "owner"),
        lambda: merge_room_data(joined, mine),
        lambda: rooms.get(owned.self_identity.seed),
        lambda: rooms.leave(inv.invitee_signing_key),
        lambda: rooms.set_notification_mode(b"\x00" * 32, NotificationMode.ALL),
        lambda: rooms.mark_read(b"\x01" * 32),
        lambda: rooms.unread_count(b"\x02" * 32),
    ]
    for attempt in attempts:
        with pytest.raises(RoomsError) as info:
            attempt()
        errors.append(info.value)
    for exc in errors:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    _assert_hidden(texts, forbidden)


@settings(max_examples=40)
@given(
    st.binary(min_size=32, max_size=32),
    st.dictionaries(st.integers(0, 9), st.binary(min_size=32, max_size=32), max_size=3),
)
def test_random_seeds_and_secrets_never_shown(seed: bytes, secrets: dict[int, bytes]) -> None:
    me = SigningIdentity(seed)
    room = RoomData(O_VK, me, RoomState.genesis(OWNER, "R"), invitation_secrets=secrets, self_nickname="n")
    rooms = Rooms({O_VK: room})
    texts = [*_shown(room), *_shown(rooms), *_shown(PresentSlot(room))]
    _assert_hidden(
        texts, [seed.hex(), base58.b58encode(seed).decode(), repr(seed)[2:-1], *(s.hex() for s in secrets.values())]
    )


# --------------------------------------------------------------------------------------------------
# hostile bytes


def _corpus() -> dict[str, tuple[Callable[[bytes], object], list[bytes]]]:
    rooms, vk = _chat()
    rooms.post_message(vk, "hello", timestamp=7)
    owner_room = Rooms().create_room("Theirs", "owner")
    rooms.accept_invitation(_invitation(owner_room, [(1, SECRET_POOL[1])]), "ann")
    rooms.set_notification_mode(vk, NotificationMode.MUTED)
    rooms.move_room(vk, None)
    rooms.current_room = vk
    rooms.removed[ALL_KEYS[0]] = 3
    room = rooms.rooms[vk]
    slots = [encode_slot(PresentSlot(room)), encode_slot(TombstoneSlot(5)), b"\x69Tombstone"]
    return {
        "slot": (decode_slot, slots),
        "slot-trusted": (functools.partial(decode_slot, trusted=True), slots),
        "meta": (RoomsMeta.decode, [rooms.to_meta().encode(), RoomsMeta().encode()]),
        "room": (RoomData.decode, [room.encode(), rooms.rooms[owner_room.owner_vk].encode()]),
        "rooms": (Rooms.decode, [rooms.encode(), Rooms().encode()]),
    }


CORPUS = _corpus()
DECODERS = sorted(CORPUS)


def _decode_safely(decoder: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(ValueError):  # DecodeError, RoomStateError and friends: all fine
        decoder(data)


@pytest.mark.parametrize("name", DECODERS)
@settings(max_examples=150)
@given(data=st.binary(max_size=200))
def test_random_bytes_raise_only_value_errors(name: str, data: bytes) -> None:
    _decode_safely(CORPUS[name][0], data)


edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "set", "insert", "delete", "truncate"]), st.integers(0, 10**6), st.integers(0, 255)
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for op, pos, value in ops:
        if not out:
            break
        i = pos % len(out)
        if op == "flip":
            out[i] ^= 1 << (value % 8)
        elif op == "set":
            out[i] = value
        elif op == "insert":
            out.insert(i, value)
        elif op == "delete":
            del out[i]
        else:
            del out[i:]
    return bytes(out)


@pytest.mark.parametrize("name", DECODERS)
@settings(max_examples=300)
@given(data=st.data(), ops=edits)
def test_mutated_encodings_raise_only_value_errors(
    name: str, data: st.DataObject, ops: list[tuple[str, int, int]]
) -> None:
    decoder, samples = CORPUS[name]
    mutated = _mutate(data.draw(st.sampled_from(samples)), ops)
    _decode_safely(decoder, mutated)


def test_decode_errors_do_not_echo_the_seed() -> None:
    room = _present(0, me=SigningIdentity(bytes(range(40, 72))))
    data = encode_slot(PresentSlot(room))
    forbidden = _forbidden([room.self_identity.seed])
    for i in range(len(data)):
        for mask in (0x01, 0x20, 0x80):
            try:
                decode_slot(tamper(data, i, mask))
            except ValueError as exc:
                _assert_hidden([str(exc), repr(exc)], forbidden)
