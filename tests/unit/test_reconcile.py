"""Every row of the decision tables in formats.md §4 and §5, table-driven."""

from __future__ import annotations

from dataclasses import replace

import pytest

from river_desktop.domain.identity import SigningIdentity, member_id
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.rooms import (
    NotificationMode,
    PresentSlot,
    RoomData,
    Rooms,
    RoomsMeta,
    TombstoneSlot,
    decode_slot,
    encode_slot,
)
from river_desktop.storage import reconcile as rc
from river_desktop.storage.reconcile import PresentAction, SlotKind
from river_desktop.storage.slots import LEGACY_BLOB_KEY, META_KEY, MIGRATION_DONE_KEY, room_key


def _room(name: str = "Room", epoch: int = 0) -> RoomData:
    rooms = Rooms()
    room = rooms.create_room(name, "me")
    return replace(room, membership_epoch=epoch)


@pytest.mark.parametrize(
    ("kind", "rejoined", "expected"),
    [
        (SlotKind.ABSENT, False, PresentAction.STORE_FRESH),
        (SlotKind.ABSENT, True, PresentAction.STORE_FRESH),
        (SlotKind.PRESENT, False, PresentAction.MERGE_STATE),
        (SlotKind.PRESENT, True, PresentAction.MERGE_STATE),
        (SlotKind.TOMBSTONE, False, PresentAction.ABORT_ADOPT_LEAVE),
        (SlotKind.TOMBSTONE, True, PresentAction.STORE_FRESH),
    ],
)
def test_present_action_table(kind: SlotKind, rejoined: bool, expected: PresentAction) -> None:
    assert rc.present_action(kind, rejoined) is expected


def test_present_over_absent_stores_local() -> None:
    room = _room()
    decision = rc.reconcile_present(None, room, rejoined=False)
    assert isinstance(decision, rc.Write)
    assert decode_slot(decision.data) == PresentSlot(room)


def test_present_over_identical_present_is_unchanged() -> None:
    room = _room()
    stored = encode_slot(PresentSlot(room))
    assert isinstance(rc.reconcile_present(stored, room, rejoined=False), rc.Unchanged)


def test_present_over_present_merges_room_state() -> None:
    rooms = Rooms()
    room = rooms.create_room("Merge me", "owner")
    vk = room.owner_vk
    a = rooms.copy()
    b = rooms.copy()
    a.rename(vk, "Renamed by A")
    b.set_nickname(vk, "nick-from-b")
    stored = encode_slot(PresentSlot(b.rooms[vk]))
    decision = rc.reconcile_present(stored, a.rooms[vk], rejoined=False)
    assert isinstance(decision, rc.Write)
    merged = decode_slot(decision.data)
    assert isinstance(merged, PresentSlot)
    assert merged.room.name == "Renamed by A"
    assert merged.room.nickname_of(member_id(vk)) == "nick-from-b"


@pytest.mark.parametrize("stored_epoch", [0, 1, 5])
def test_background_present_over_tombstone_adopts_the_leave(stored_epoch: int) -> None:
    room = _room(epoch=7)
    decision = rc.reconcile_present(encode_slot(TombstoneSlot(stored_epoch)), room, rejoined=False)
    assert decision == rc.AdoptLeave(stored_epoch)


@pytest.mark.parametrize("stored_epoch", [0, 1, 5])
def test_rejoin_over_tombstone_stores_at_next_epoch(stored_epoch: int) -> None:
    room = _room(epoch=0)
    decision = rc.reconcile_present(encode_slot(TombstoneSlot(stored_epoch)), room, rejoined=True)
    assert isinstance(decision, rc.Write)
    slot = decode_slot(decision.data)
    assert isinstance(slot, PresentSlot)
    assert slot.epoch == stored_epoch + 1


def test_rivers_bare_tombstone_reads_as_epoch_zero() -> None:
    bare = bytes.fromhex("69546f6d6273746f6e65")
    assert decode_slot(bare) == TombstoneSlot(0)
    assert rc.reconcile_present(bare, _room(), rejoined=False) == rc.AdoptLeave(0)


def test_undecodable_slot_is_an_error_and_never_a_write() -> None:
    with pytest.raises(rc.ReconcileError):
        rc.reconcile_present(b"\xff\x00garbage", _room(), rejoined=True)
    with pytest.raises(rc.ReconcileError):
        rc.reconcile_tombstone(b"\xff\x00garbage", 0)


def test_identity_generation_decides_identity_conflicts() -> None:
    room = _room()
    imported = replace(room, self_identity=SigningIdentity.generate(), identity_generation=1)
    stale = room
    stored = encode_slot(PresentSlot(imported))
    decision = rc.reconcile_present(stored, stale, rejoined=False)
    # The stored copy already holds the winner: nothing to write, the import is not undone.
    assert isinstance(decision, rc.Unchanged)
    decision = rc.reconcile_present(encode_slot(PresentSlot(stale)), imported, rejoined=False)
    assert isinstance(decision, rc.Write)
    slot = decode_slot(decision.data)
    assert isinstance(slot, PresentSlot)
    assert slot.room.self_vk == imported.self_vk


def test_newer_membership_epoch_decides_identity() -> None:
    room = _room(epoch=0)
    rejoined_elsewhere = replace(room, self_identity=SigningIdentity.generate(), membership_epoch=2)
    decision = rc.reconcile_present(encode_slot(PresentSlot(rejoined_elsewhere)), room, rejoined=False)
    assert isinstance(decision, rc.Unchanged)


@pytest.mark.parametrize(
    ("stored", "seen_epoch", "expected"),
    [
        (None, 0, TombstoneSlot(1)),
        (TombstoneSlot(0), 0, None),
        (TombstoneSlot(4), 0, None),
        ("present@0", 0, TombstoneSlot(1)),
        ("present@3", 3, TombstoneSlot(4)),
        ("present@3", 5, TombstoneSlot(4)),
        ("present@4", 3, "rejoined"),
    ],
)
def test_tombstone_table(stored: object, seen_epoch: int, expected: object) -> None:
    if isinstance(stored, str):
        current: bytes | None = encode_slot(PresentSlot(_room(epoch=int(stored.split("@")[1]))))
    elif stored is None:
        current = None
    else:
        assert isinstance(stored, TombstoneSlot)
        current = encode_slot(stored)
    decision = rc.reconcile_tombstone(current, seen_epoch)
    if expected is None:
        assert isinstance(decision, rc.Unchanged)
    elif expected == "rejoined":
        assert isinstance(decision, rc.RejoinedElsewhere)
    else:
        assert isinstance(decision, rc.Write)
        assert decode_slot(decision.data) == expected


def test_meta_local_order_and_current_room_win_foreign_modes_kept() -> None:
    a, b, c, foreign = (_room(n).owner_vk for n in "abcd")
    stored = RoomsMeta(
        current_room_key=b,
        notification_modes={a: NotificationMode.MUTED, foreign: NotificationMode.MENTIONS_AND_REPLIES},
        room_order=(b, foreign, a),
    )
    local = RoomsMeta(current_room_key=a, notification_modes={a: NotificationMode.ALL}, room_order=(c, a, b))
    decision = rc.reconcile_meta(stored.encode(), local, known_rooms={a, b, c})
    assert isinstance(decision, rc.Write)
    merged = RoomsMeta.decode(decision.data)
    assert merged.current_room_key == a
    assert merged.room_order == (c, a, b, foreign)
    assert merged.notification_modes == {a: NotificationMode.ALL, foreign: NotificationMode.MENTIONS_AND_REPLIES}


def test_meta_unchanged_when_store_already_agrees() -> None:
    a = _room().owner_vk
    local = RoomsMeta(a, {a: NotificationMode.MUTED}, (a,))
    assert isinstance(rc.reconcile_meta(local.encode(), local, {a}), rc.Unchanged)


def test_meta_undecodable_is_an_error() -> None:
    with pytest.raises(rc.ReconcileError):
        rc.reconcile_meta(b"\xff\xff", RoomsMeta(), set())


_VK = _room().owner_vk


@pytest.mark.parametrize(
    ("keys", "kind", "has_meta"),
    [
        ([room_key(_VK)], rc.LoadKind.PER_ROOM, False),
        ([room_key(_VK), META_KEY], rc.LoadKind.PER_ROOM, True),
        ([room_key(_VK), LEGACY_BLOB_KEY, MIGRATION_DONE_KEY], rc.LoadKind.PER_ROOM, False),
        ([LEGACY_BLOB_KEY], rc.LoadKind.MIGRATE, False),
        ([room_key(_VK), LEGACY_BLOB_KEY], rc.LoadKind.MIGRATE, False),
        ([LEGACY_BLOB_KEY, MIGRATION_DONE_KEY], rc.LoadKind.EMPTY, False),
        ([], rc.LoadKind.EMPTY, False),
        (["room:not-a-key", "room:" + "1" * 44, "other"], rc.LoadKind.EMPTY, False),
    ],
)
def test_load_plan_table(keys: list[str], kind: rc.LoadKind, has_meta: bool) -> None:
    plan = rc.plan_load(keys)
    assert plan.kind is kind
    assert plan.has_meta is has_meta


def test_meta_with_base_keeps_stored_order_and_modes_this_writer_did_not_change() -> None:
    a, b, c = (_room(n).owner_vk for n in "abc")
    base = RoomsMeta(a, {a: NotificationMode.ALL}, (a, b, c))
    stored = RoomsMeta(a, {a: NotificationMode.MUTED}, (c, b, a))  # another window dragged and muted
    local = RoomsMeta(b, {a: NotificationMode.ALL}, (a, b, c))  # this window only switched rooms
    decision = rc.reconcile_meta(stored.encode(), local, {a, b, c}, base)
    assert isinstance(decision, rc.Write)
    merged = RoomsMeta.decode(decision.data)
    assert merged.current_room_key == b
    assert merged.room_order == (c, b, a)
    assert merged.notification_modes == {a: NotificationMode.MUTED}


def test_meta_with_base_takes_what_this_writer_changed() -> None:
    a, b, c = (_room(n).owner_vk for n in "abc")
    base = RoomsMeta(a, {}, (a, b, c))
    stored = RoomsMeta(a, {c: NotificationMode.MUTED}, (a, c, b))
    local = RoomsMeta(a, {b: NotificationMode.MENTIONS_AND_REPLIES}, (b, a, c))
    decision = rc.reconcile_meta(stored.encode(), local, {a, b, c}, base)
    assert isinstance(decision, rc.Write)
    merged = RoomsMeta.decode(decision.data)
    assert merged.room_order == (b, a, c)
    assert merged.notification_modes == {b: NotificationMode.MENTIONS_AND_REPLIES, c: NotificationMode.MUTED}


def _edits() -> list[tuple[str, object]]:
    return [
        ("rename", lambda rooms, vk: rooms.rename(vk, "New name", "and a description")),
        ("nickname", lambda rooms, vk: rooms.set_nickname(vk, "another me")),
        (
            "read marker",
            lambda rooms, vk: rooms.mark_read(vk, rooms.post_message(vk, "hello", now=SystemTime.from_millis(5))),
        ),
        ("nothing", lambda rooms, vk: None),
    ]


@pytest.mark.parametrize(("what", "edit"), _edits(), ids=[what for what, _ in _edits()])
def test_present_over_own_last_bytes_matches_the_merge(what: str, edit: object) -> None:
    """The shortcut for "stored is exactly what this writer last had" decides as the full merge does."""
    rooms = Rooms()
    vk = rooms.create_room("Room", "me").owner_vk
    stored = encode_slot(PresentSlot(rooms.get(vk)))
    edit(rooms, vk)  # type: ignore[operator]
    local = rooms.get(vk)
    fast = rc.reconcile_present(stored, local, rejoined=False, ours=lambda current: current == stored)
    slow = rc.reconcile_present(stored, local, rejoined=False)
    assert fast == slow
    if what != "nothing":
        assert isinstance(fast, rc.Write)
        assert fast.data == encode_slot(PresentSlot(local))  # the slot never carries message history


def test_own_last_bytes_shortcut_is_not_taken_for_others_bytes() -> None:
    rooms = Rooms()
    vk = rooms.create_room("Room", "me").owner_vk
    other = rooms.copy()
    other.set_nickname(vk, "from another window")
    stored = encode_slot(PresentSlot(other.get(vk)))
    rooms.rename(vk, "Renamed here")
    decision = rc.reconcile_present(stored, rooms.get(vk), rejoined=False, ours=lambda current: False)
    assert isinstance(decision, rc.Write)
    merged = decode_slot(decision.data)
    assert isinstance(merged, PresentSlot)
    assert merged.room.name == "Renamed here"
    assert merged.room.nickname_of(member_id(vk)) == "from another window"


def test_rejoin_never_takes_the_own_bytes_shortcut() -> None:
    room = _room(epoch=3)
    stored = encode_slot(TombstoneSlot(3))
    decision = rc.reconcile_present(stored, room, rejoined=True, ours=lambda current: True)
    assert isinstance(decision, rc.Write)
    slot = decode_slot(decision.data)
    assert isinstance(slot, PresentSlot) and slot.room.epoch == 4
