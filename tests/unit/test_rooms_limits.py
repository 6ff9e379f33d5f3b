"""River's limits and the u64 counters, enforced by the room list itself (issue 10), and the
decisions that keep other writers' rooms and foreign slots safe."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain import limits
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.room_state import Message
from river_desktop.domain.rooms import (
    MAX_COUNTER,
    NotificationMode,
    PresentSlot,
    RoomLimitError,
    Rooms,
    RoomsError,
    TombstoneSlot,
    encode_slot,
    is_shown,
    unread_messages,
)
from river_desktop.storage import reconcile as rc

# --- limits: one set, River's, in the domain layer ------------------------------------------------

NAME_OVER = "n" * (limits.MAX_ROOM_NAME_BYTES + 1)
NICK_OVER = "é" * (limits.MAX_NICKNAME_BYTES // 2 + 1)  # 26 characters, 52 bytes: bytes count, not characters
MESSAGE_OVER = "m" * limits.MAX_MESSAGE_BYTES


def _owned() -> tuple[Rooms, bytes]:
    rooms = Rooms()
    return rooms, rooms.create_room("Limits", "me").owner_vk


@pytest.mark.parametrize(
    ("operation", "what"),
    [
        (lambda r, vk: r.create_room(NAME_OVER, "me"), "room name"),
        (lambda r, vk: r.create_room("Fine", NICK_OVER), "nickname"),
        (lambda r, vk: r.create_room("Fine", "me", "d" * 501), "room description"),
        (lambda r, vk: r.rename(vk, NAME_OVER), "room name"),
        (lambda r, vk: r.rename(vk, "Fine", "d" * 501), "room description"),
        (lambda r, vk: r.set_nickname(vk, NICK_OVER), "nickname"),
        (lambda r, vk: r.post_message(vk, MESSAGE_OVER), "message"),
    ],
)
def test_every_operation_refuses_input_over_rivers_limits(operation: object, what: str) -> None:
    rooms, vk = _owned()
    before = rooms.copy()
    with pytest.raises(RoomLimitError, match=f"the {what} is .* bytes long; River allows at most"):
        operation(rooms, vk)  # type: ignore[operator]
    assert rooms.rooms == before.rooms and rooms.room_order == before.room_order


def test_a_limit_error_is_both_a_rooms_error_and_a_limit_error() -> None:
    rooms, vk = _owned()
    with pytest.raises(RoomsError):
        rooms.rename(vk, NAME_OVER)
    with pytest.raises(limits.LimitError):
        rooms.rename(vk, NAME_OVER)


def test_input_exactly_at_the_limits_is_accepted() -> None:
    rooms = Rooms()
    room = rooms.create_room("n" * limits.MAX_ROOM_NAME_BYTES, "é" * (limits.MAX_NICKNAME_BYTES // 2))
    assert room.name == "n" * limits.MAX_ROOM_NAME_BYTES
    n = max(n for n in range(limits.MAX_MESSAGE_BYTES) if limits.message_content_len("m" * n) <= 1000)
    text = "m" * n
    assert limits.message_content_len(text) == limits.MAX_MESSAGE_BYTES
    assert rooms.post_message(room.owner_vk, text).text == text


def test_accepting_an_invitation_refuses_a_long_nickname() -> None:
    owner = Rooms().create_room("Theirs", "owner")
    inv = Invitation.create(owner.owner_vk, owner.self_identity.seed)
    rooms = Rooms()
    with pytest.raises(RoomLimitError):
        rooms.accept_invitation(inv, NICK_OVER)
    assert not rooms.rooms


# --- counters stop at 2^64 - 1 --------------------------------------------------------------------


def test_leaving_at_the_largest_epoch_is_refused_and_changes_nothing() -> None:
    rooms, vk = _owned()
    rooms.rooms[vk] = replace(rooms.rooms[vk], epoch=MAX_COUNTER)
    with pytest.raises(RoomsError, match="largest possible value"):
        rooms.leave(vk)
    assert vk in rooms.rooms and vk not in rooms.removed


def test_rejoining_a_room_left_at_the_largest_epoch_is_refused() -> None:
    owner = Rooms().create_room("Theirs", "owner")
    inv = Invitation.create(owner.owner_vk, owner.self_identity.seed)
    rooms = Rooms(removed={owner.owner_vk: MAX_COUNTER})
    with pytest.raises(RoomsError, match="largest possible value"):
        rooms.accept_invitation(inv, "me")
    assert rooms.removed == {owner.owner_vk: MAX_COUNTER} and not rooms.rooms


@pytest.mark.parametrize(
    "decide",
    [
        lambda cur, room: rc.reconcile_tombstone(cur, seen_epoch=MAX_COUNTER),
        lambda cur, room: rc.reconcile_present(
            encode_slot(TombstoneSlot(MAX_COUNTER)), room, rejoined=True
        ),
    ],
    ids=["leave over Present at max", "rejoin over Tombstone at max"],
)
def test_reconcile_never_writes_an_epoch_past_the_u64_range(decide: object) -> None:
    rooms, vk = _owned()
    room = replace(rooms.rooms[vk], epoch=MAX_COUNTER)
    with pytest.raises(rc.ReconcileError, match="largest possible value"):
        decide(encode_slot(PresentSlot(room)), room)  # type: ignore[operator]


# --- a slot that holds another room -------------------------------------------------------------


def test_a_slot_holding_another_room_is_a_reconcile_error_for_saves_and_leaves() -> None:
    rooms = Rooms()
    a = rooms.create_room("A", "me")
    b = rooms.create_room("B", "me")
    foreign = encode_slot(PresentSlot(a))
    with pytest.raises(rc.ReconcileError, match="another room"):
        rc.reconcile_present(foreign, b, rejoined=False)
    with pytest.raises(rc.ReconcileError, match="another room"):
        rc.reconcile_present(foreign, b, rejoined=True)
    with pytest.raises(rc.ReconcileError, match="another room"):
        rc.reconcile_tombstone(foreign, seen_epoch=5, owner_vk=b.owner_vk)


# --- order: new rooms at the end; other writers' new rooms keep their place -------------------------


def test_created_and_joined_rooms_go_to_the_end_in_creation_order() -> None:
    rooms = Rooms()
    keys = [rooms.create_room(name, "me").owner_vk for name in ("First", "Second", "Third")]
    owner = Rooms().create_room("Joined", "owner")
    rooms.accept_invitation(Invitation.create(owner.owner_vk, owner.self_identity.seed), "me")
    assert rooms.ordered_keys() == [*keys, owner.owner_vk]
    assert [rooms.rooms[k].name for k in rooms.ordered_keys()[:3]] == ["First", "Second", "Third"]


def test_a_new_room_keeps_the_shown_order_of_rooms_without_a_manual_order() -> None:
    rooms = Rooms()
    for name in ("a", "b", "c"):
        rooms.create_room(name, "me")
    rooms.room_order = []
    shown = rooms.ordered_keys()
    new = rooms.create_room("d", "me").owner_vk
    assert rooms.ordered_keys() == [*shown, new]


def _keys(n: int) -> list[bytes]:
    return sorted(SigningIdentity.generate().verifying_key for _ in range(n))


@pytest.mark.parametrize(
    ("stored", "local", "left", "expected"),
    [
        # another writer's new room (2) is stored after 1; this writer appended 3: 2 keeps its place
        ([0, 1, 2], [0, 1, 3], [], [0, 1, 2, 3]),
        # new rooms from another writer with nothing before them go to the front
        ([2, 3], [0], [], [2, 3, 0]),
        # a room this writer left is dropped, the rest keep their places
        ([0, 1, 2], [0, 3], [1], [0, 2, 3]),
        # a room this writer holds but never ordered keeps the stored place
        ([1, 0], [0, 2], [], [1, 0, 2]),
    ],
)
def test_meta_keeps_rooms_of_other_writers_in_their_place(
    stored: list[int], local: list[int], left: list[int], expected: list[int]
) -> None:
    k = _keys(5)
    from river_desktop.domain.rooms import RoomsMeta

    stored_meta = RoomsMeta(room_order=tuple(k[i] for i in stored))
    local_meta = RoomsMeta(room_order=tuple(k[i] for i in local))
    known = {k[i] for i in local} | {k[i] for i in left}
    decision = rc.reconcile_meta(
        stored_meta.encode(), local_meta, known, base=RoomsMeta(), left_rooms={k[i] for i in left}
    )
    assert isinstance(decision, rc.Write)
    assert RoomsMeta.decode(decision.data).room_order == tuple(k[i] for i in expected)


# --- unread counts count what is shown --------------------------------------------------------------


def test_unread_candidates_and_shown_messages() -> None:
    rooms, vk = _owned()
    room = rooms.rooms[vk]
    stranger = SigningIdentity.generate()
    now = int(time.time() * 1000)
    by_stranger = Message.create(vk, stranger, "not a member", timestamp=now)
    other_room = Rooms().create_room("Other", "x")
    elsewhere = Message.create(other_room.owner_vk, other_room.self_identity, "elsewhere", timestamp=now)
    good = Message.create(vk, room.self_identity, "mine", timestamp=now)
    forged = replace(good, text="forged")
    assert is_shown(room, good)
    assert not is_shown(room, by_stranger)
    assert not is_shown(room, elsewhere)
    assert not is_shown(room, forged)
    assert unread_messages(room, NotificationMode.ALL, [good, by_stranger]) == [by_stranger]
    assert unread_messages(room, NotificationMode.MUTED, [by_stranger]) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 11), unique=True),
    st.lists(st.integers(0, 11), unique=True),
    st.sets(st.integers(0, 11)),
)
def test_meta_order_law_local_order_kept_and_every_stored_room_placed(
    stored: list[int], local: list[int], left: set[int]
) -> None:
    left -= set(local)
    merged = rc._keep_stored_places(list(local), stored, left)
    added = [vk for vk in stored if vk not in local and vk not in left]
    assert sorted(merged) == sorted(local + added)
    assert [vk for vk in merged if vk in local] == local
    kept = [vk for vk in stored if vk not in left]
    for vk in added:  # right after the room before it in the stored order, or first when there is none
        before = kept[kept.index(vk) - 1] if kept.index(vk) > 0 else None
        assert (merged[merged.index(vk) - 1] if merged.index(vk) > 0 else None) == before
