"""The room list on River's model (river_desktop.domain.rooms / room_data): every operation is River's change,
slots are River's RoomData plus ours, merges are River's, identities rank by (epoch, generation, key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.contract_key import RIVER_ROOM_CODE_HASH, ContractKey
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.room_data import OUR_ROOM_DATA_KEYS, RIVER_ROOM_DATA_KEYS
from river_desktop.domain.rooms import (
    NotificationMode,
    PresentSlot,
    ReadMarker,
    Rooms,
    RoomsError,
    RoomsMeta,
    TombstoneSlot,
    decode_slot,
    encode_slot,
    merge_room_data,
)
from river_desktop.net.room_contract import RIVER_ROOM_CODE_HASH as NET_CODE_HASH
from river_desktop.net.room_contract import RoomContract

T0 = SystemTime(1_800_000_000)
ALL_KEYS = tuple(SigningIdentity(bytes([i]) * 32).verifying_key for i in range(1, 8))


def at(seconds: int) -> SystemTime:
    return SystemTime(T0.secs + seconds)


def _chat() -> tuple[Rooms, bytes]:
    rooms = Rooms()
    return rooms, rooms.create_room("Chat", "Bob", now=T0).owner_vk


def _joined(owner: Rooms, vk: bytes, nickname: str = "Ann") -> Rooms:
    """A second profile that accepted an invitation to ``vk`` and received the owner's state."""
    inv = Invitation.create(vk, owner.get(vk).self_identity.seed, room_secrets=owner.get(vk).invitation_secrets.items())
    other = Rooms()
    other.accept_invitation(inv, nickname, now=at(1))
    other.receive_state(vk, owner.get(vk).room_state)
    return other


def _sorted_rooms(count: int) -> tuple[Rooms, list[bytes]]:
    rooms = Rooms()
    for i in range(count):
        rooms.create_room(f"R{i}", "me")
    rooms.room_order = []  # created rooms join the manual order; these tables start from River's by-key order
    return rooms, sorted(rooms.rooms)


def river_room_data(slot: bytes) -> dict[str, Any]:
    """What River's UI decoder sees of our slot: ``{"Present": RoomData}`` with its 12 keys, unknown ones ignored."""
    tree = cbor2.loads(slot)
    assert isinstance(tree, dict) and list(tree) == ["Present"]
    data = tree["Present"]
    return {k: data[k] for k in RIVER_ROOM_DATA_KEYS}


# --------------------------------------------------------------------------------------------------
# operations are River's changes


def test_create_room_is_a_valid_river_state_with_owner_nickname() -> None:
    rooms, vk = _chat()
    room = rooms.get(vk)
    room.room_state.verify(vk)
    assert room.name == "Chat" and room.is_owner and not room.waiting
    assert [m.display_name for m in room.members()] == ["Bob"]
    assert room.self_member_info is not None and room.self_nickname == "Bob"
    assert room.contract_key == ContractKey.for_room(vk)


def test_contract_key_matches_the_network_layer() -> None:
    vk = Rooms().create_room("K", "me").owner_vk
    assert RIVER_ROOM_CODE_HASH == NET_CODE_HASH
    key = ContractKey.for_room(vk)
    net = RoomContract().key(vk)
    assert key.instance == net.instance.raw and key.code == net.code_hash == RIVER_ROOM_CODE_HASH


def test_every_change_keeps_the_state_valid_and_records_its_delta() -> None:
    rooms, vk = _chat()
    other = _joined(rooms, vk)
    rooms.receive_state(vk, other.get(vk).room_state)
    first = rooms.post_message(vk, "hello", now=at(2))
    rooms.post_message(vk, "answer", reply_to=first.id, now=at(3))
    rooms.edit_message(vk, first.id, "hello!", now=at(4))
    rooms.react(vk, first.id, "👍", now=at(5))
    rooms.rename(vk, "Chat 2", "about", now=at(6))
    rooms.set_nickname(vk, "Robert", now=at(7))
    ann = next(m.member_id for m in rooms.get(vk).members() if not m.is_you)
    rooms.ban(vk, ann, now=at(8))
    room = rooms.get(vk)
    room.room_state.verify(vk)
    assert room.name == "Chat 2" and room.description == "about"
    shown = room.messages()
    assert [(m.text, m.edited) for m in shown if m.text] == [("hello!", True), ("answer", False)]
    assert dict(shown[0].reactions) == {"👍": (room.self_member_id,)}
    assert ann not in {m.member_id for m in room.members()}
    deltas = [Delta.decode(p.delta) for p in room.pending]
    assert len(deltas) == 8
    assert [len(p.messages) for p in room.pending] == [1, 1, 1, 1, 0, 0, 0, 0]


def test_delete_and_unreact_are_rivers_actions() -> None:
    rooms, vk = _chat()
    a = rooms.post_message(vk, "one", now=at(1))
    rooms.react(vk, a.id, "🎉", now=at(2))
    rooms.unreact(vk, a.id, "🎉", now=at(3))
    assert dict(rooms.get(vk).messages()[0].reactions) == {}
    rooms.delete_message(vk, a.id, now=at(4))
    assert rooms.get(vk).messages() == ()
    with pytest.raises(RoomsError):
        rooms.edit_message(vk, a.id, "again", now=at(5))


def test_only_the_author_edits_and_only_the_owner_renames() -> None:
    rooms, vk = _chat()
    mine = rooms.post_message(vk, "owner's", now=at(1))
    other = _joined(rooms, vk)
    other.receive_state(vk, rooms.get(vk).room_state)
    with pytest.raises(RoomsError, match="only the author"):
        other.edit_message(vk, mine.id, "not yours", now=at(2))
    with pytest.raises(RoomsError, match="owner"):
        other.rename(vk, "Mine now")


def test_posting_marks_the_room_read_up_to_the_own_message() -> None:
    rooms, vk = _chat()
    msg = rooms.post_message(vk, "hi", now=at(1))
    room = rooms.get(vk)
    assert room.last_read == ReadMarker.of(msg) and room.last_read_message_id == msg.id


def test_mark_read_only_moves_forward() -> None:
    rooms, vk = _chat()
    a = rooms.post_message(vk, "a", now=at(1))
    b = rooms.post_message(vk, "b", now=at(2))
    rooms.mark_read(vk, a)
    assert rooms.get(vk).last_read == ReadMarker.of(b)


def test_a_message_outside_rivers_window_is_refused() -> None:
    rooms, vk = _chat()
    for i in range(100):
        rooms.post_message(vk, f"m{i}", now=at(10 + i))
    with pytest.raises(RoomsError, match="would not keep"):
        rooms.post_message(vk, "too old", now=at(5))


def test_private_room_seals_and_rotates() -> None:
    rooms = Rooms()
    vk = rooms.create_room("Hidden", "me", private=True, now=T0).owner_vk
    rooms.post_message(vk, "psst", now=at(1))
    room = rooms.get(vk)
    room.room_state.verify(vk)
    assert room.is_private and room.name == "Hidden"
    assert room.room_state.config.display.name.public_text() is None
    assert [m.text for m in room.messages()] == ["psst"]
    rooms.rotate_secret(vk, now=at(2))
    rooms.post_message(vk, "after", now=at(3))
    assert [m.text for m in rooms.get(vk).messages()] == ["psst", "after"]
    assert sorted(rooms.get(vk).invitation_secrets) == [0, 1]


# --------------------------------------------------------------------------------------------------
# joining, receiving state, identities


def test_accept_invitation_waits_then_receives_the_state_with_the_join_replayed() -> None:
    rooms, vk = _chat()
    inv = Invitation.create(vk, rooms.get(vk).self_identity.seed)
    other = Rooms()
    room = other.accept_invitation(inv, "Ann", now=at(1))
    assert room.waiting and room.name == "" and len(room.pending) == 1
    with pytest.raises(RoomsError, match="not arrived"):
        other.post_message(vk, "too early")
    room = other.receive_state(vk, rooms.get(vk).room_state)
    room.room_state.verify(vk)
    assert not room.waiting and room.name == "Chat"
    assert {m.display_name for m in room.members()} == {"Ann", "Bob"}
    assert room.members()[0].is_you


def test_accept_invitation_rejoins_a_left_room_at_the_next_epoch() -> None:
    rooms, vk = _chat()
    other = _joined(rooms, vk)
    other.leave(vk)
    assert other.removed == {vk: 1}
    inv = Invitation.create(vk, rooms.get(vk).self_identity.seed)
    assert other.accept_invitation(inv, "Ann again").membership_epoch == 2


def test_accept_invitation_for_a_room_held_with_another_identity_is_refused() -> None:
    rooms, vk = _chat()
    inv = Invitation.create(vk, rooms.get(vk).self_identity.seed)
    with pytest.raises(RoomsError, match="another identity"):
        rooms.accept_invitation(inv, "x")


def test_identity_export_import_raises_the_generation() -> None:
    rooms, vk = _chat()
    other = _joined(rooms, vk)
    token = other.export_identity(vk)
    fresh = Rooms()
    added = fresh.import_identity(token)
    assert added.waiting and added.self_vk == other.get(vk).self_vk and added.identity_generation == 0
    again = other.import_identity(token)
    assert again.identity_generation == 1
    owner_token = rooms.export_identity(vk)
    assert owner_token.is_owner and owner_token.room_name == "Chat"


def test_an_imported_identity_beats_a_stale_copy_in_either_merge_order() -> None:
    """River's open #420: a stale window must never write the old key back."""
    rooms, vk = _chat()
    other = _joined(rooms, vk)
    stale = other.get(vk)
    moved = Rooms()
    moved.accept_invitation(Invitation.create(vk, rooms.get(vk).self_identity.seed), "Ann 2")
    moved.receive_state(vk, rooms.get(vk).room_state)
    other.import_identity(moved.export_identity(vk))
    imported = other.get(vk)
    for a, b in ((stale, imported), (imported, stale)):
        assert merge_room_data(a, b).self_vk == imported.self_vk


# --------------------------------------------------------------------------------------------------
# slots: River's 12 keys in River's order, ours appended


def test_slot_has_rivers_twelve_keys_in_order_then_ours() -> None:
    rooms, vk = _chat()
    rooms.post_message(vk, "hi", now=at(1))
    data = cbor2.loads(encode_slot(PresentSlot(rooms.get(vk))))["Present"]
    assert tuple(data) == RIVER_ROOM_DATA_KEYS + OUR_ROOM_DATA_KEYS


def test_a_river_shaped_decoder_reads_our_slot() -> None:
    rooms, vk = _chat()
    rooms.post_message(vk, "hi", now=at(1))
    room = rooms.get(vk)
    river = river_room_data(encode_slot(PresentSlot(room)))
    assert river["owner_vk"] == vk and river["self_vk"] == room.self_vk and river["self_sk"] == room.self_identity.seed
    assert bytes(river["contract_key"]["code"]) == RIVER_ROOM_CODE_HASH
    assert c.dumps(river["room_state"]) == room.room_state.encode()
    assert river["last_read_message_id"] == room.last_read_message_id
    assert river["self_nickname"] == "Bob" and river["invite_chain"] == [] and river["invitation_secrets"] == {}


def test_a_slot_river_wrote_loads() -> None:
    """No fields of ours: epochs and generation read as 0, the read marker as unknown."""
    rooms, vk = _chat()
    room = rooms.get(vk)
    river_only = {"Present": river_room_data(encode_slot(PresentSlot(room)))}
    slot = decode_slot(cbor2.dumps(river_only))
    assert isinstance(slot, PresentSlot)
    assert slot.room.membership_epoch == 0 and slot.room.identity_generation == 0 and slot.room.last_read is None
    assert slot.room.name == "Chat" and slot.room.room_state == room.room_state
    assert decode_slot(cbor2.dumps("Tombstone")) == TombstoneSlot(0)


def test_slots_round_trip_and_tombstones_carry_epochs() -> None:
    rooms, vk = _chat()
    other = _joined(rooms, vk)
    room = replace(other.get(vk), membership_epoch=3, identity_generation=2)
    slot = decode_slot(encode_slot(PresentSlot(room)))
    assert isinstance(slot, PresentSlot) and slot.room == room
    assert (
        slot.room.invite_chain == room.invite_chain and slot.room.self_authorized_member == room.self_authorized_member
    )
    assert decode_slot(encode_slot(TombstoneSlot(5))) == TombstoneSlot(5)


def test_a_slot_holding_another_rooms_state_is_refused() -> None:
    rooms, vk = _chat()
    other = rooms.create_room("Other", "x")
    wrong = rooms.get(vk).with_state(other.room_state)
    with pytest.raises(ValueError, match="another room"):
        decode_slot(encode_slot(PresentSlot(wrong)))


@pytest.mark.parametrize("data", [b"", b"\xff", cbor2.dumps(5), cbor2.dumps({"Present": 1}), cbor2.dumps({"X": {}})])
def test_bad_slots_raise_value_errors(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_slot(data)


def test_repr_never_shows_the_seed() -> None:
    rooms, vk = _chat()
    room = rooms.get(vk)
    for text in (repr(room), str(room), repr(PresentSlot(room)), repr(rooms)):
        assert room.self_identity.seed.hex() not in text


# --------------------------------------------------------------------------------------------------
# merge


def test_merge_is_rivers_merge_and_commutative() -> None:
    rooms, vk = _chat()
    a, b = rooms.copy(), rooms.copy()
    a.post_message(vk, "from a", now=at(1))
    a.rename(vk, "A's name", now=at(2))
    b.post_message(vk, "from b", now=at(3))
    b.set_nickname(vk, "B's nick", now=at(4))
    ab = merge_room_data(a.get(vk), b.get(vk))
    ba = merge_room_data(b.get(vk), a.get(vk))
    assert ab.slot_bytes == ba.slot_bytes
    ab.room_state.verify(vk)
    assert [m.text for m in ab.messages()] == ["from a", "from b"]
    assert ab.name == "A's name" and ab.nickname_of(ab.self_member_id) == "B's nick"
    assert ab.self_nickname == "B's nick"


def test_merge_takes_the_identity_of_the_higher_epoch() -> None:
    rooms, vk = _chat()
    old = _joined(rooms, vk).get(vk)
    new = replace(_joined(rooms, vk, "New").get(vk), membership_epoch=2)
    assert merge_room_data(old, new).self_vk == new.self_vk
    assert merge_room_data(new, old).self_vk == new.self_vk


def test_merge_with_a_waiting_copy_keeps_the_known_state() -> None:
    rooms, vk = _chat()
    inv = Invitation.create(vk, rooms.get(vk).self_identity.seed)
    waiting = Rooms()
    waiting.accept_invitation(inv, "Ann")
    known = waiting.copy()
    known.receive_state(vk, rooms.get(vk).room_state)
    for a, b in ((waiting.get(vk), known.get(vk)), (known.get(vk), waiting.get(vk))):
        assert not merge_room_data(a, b).waiting


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2)), max_size=6))
def test_merge_law_commutative_idempotent(ops: Sequence[tuple[bool, int]]) -> None:
    rooms, vk = _chat()
    a, b = rooms.copy(), rooms.copy()
    for i, (left, kind) in enumerate(ops):
        target = a if left else b
        if kind == 0:
            target.post_message(vk, f"m{i}", now=at(10 + i))
        elif kind == 1:
            a.rename(vk, f"name {i}", now=at(10 + i))  # renames on one side: see the test below
        else:
            target.set_nickname(vk, f"nick {i}", now=at(10 + i))
    ra, rb = a.get(vk), b.get(vk)
    ab = merge_room_data(ra, rb)
    assert ab.slot_bytes == merge_room_data(rb, ra).slot_bytes
    assert merge_room_data(ab, ab).slot_bytes == ab.slot_bytes
    assert merge_room_data(ab, ra).room_state == ab.room_state


def test_two_configurations_of_one_version_settle_on_the_stored_one() -> None:
    """River's merge keeps the state's own configuration at an equal version; the stored copy is the base."""
    rooms, vk = _chat()
    a, b = rooms.copy(), rooms.copy()
    a.rename(vk, "A", now=at(1))
    b.rename(vk, "B", now=at(2))
    assert merge_room_data(a.get(vk), b.get(vk)).name == "B"
    assert merge_room_data(b.get(vk), a.get(vk)).name == "A"


# --------------------------------------------------------------------------------------------------
# apply_slot


def test_apply_slot_by_epoch() -> None:
    rooms, vk = _chat()
    copy = rooms.copy()
    assert not copy.apply_slot(vk, None)
    assert not copy.apply_slot(vk, PresentSlot(rooms.get(vk)))
    rooms.post_message(vk, "news", now=at(1))
    assert copy.apply_slot(vk, PresentSlot(rooms.get(vk)))
    assert [m.text for m in copy.get(vk).messages()] == ["news"]
    assert not copy.apply_slot(vk, TombstoneSlot(0)) or vk not in copy.rooms
    copy2 = rooms.copy()
    assert copy2.apply_slot(vk, TombstoneSlot(1))
    assert vk not in copy2.rooms and copy2.removed == {vk: 1}
    assert not copy2.apply_slot(vk, PresentSlot(rooms.get(vk)))  # epoch 0 <= left at 1
    assert copy2.apply_slot(vk, PresentSlot(replace(rooms.get(vk), membership_epoch=2)))


def test_rooms_meta_is_rivers_three_keys() -> None:
    rooms, vk = _chat()
    rooms.set_notification_mode(vk, NotificationMode.MUTED)
    rooms.current_room = vk
    meta = rooms.to_meta()
    tree = cbor2.loads(meta.encode())
    assert list(tree) == ["current_room_key", "notification_modes", "room_order"]
    assert tree == {"current_room_key": vk, "notification_modes": {vk: "Muted"}, "room_order": [vk]}
    assert RoomsMeta.decode(meta.encode()) == meta
    assert RoomsMeta.decode(cbor2.dumps({})) == RoomsMeta()


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
    rooms.rooms[vk] = replace(rooms.rooms[vk], membership_epoch=epoch)
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
