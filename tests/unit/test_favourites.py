"""Favourites and the Archive: our fields in rooms_meta, the room list's sections, and the reconcile rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain import cbor
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.rooms import Archived, NotificationMode, Rooms, RoomsMeta
from river_desktop.storage import reconcile as rc

K = [bytes([i + 1]) * 32 for i in range(8)]


def _three() -> tuple[Rooms, list[bytes]]:
    rooms = Rooms()
    vks = [rooms.create_room(n, "me").owner_vk for n in "abc"]
    return rooms, vks


def test_pin_puts_rooms_first_in_their_own_order_and_archive_takes_them_out() -> None:
    rooms, (a, b, c) = _three()
    rooms.pin(c)
    rooms.pin(a)
    assert rooms.sections() == ([c, a], [b], [])
    rooms.move_pinned(a, c)
    assert rooms.sections()[0] == [a, c]
    rooms.archive(a)
    assert rooms.sections() == ([c], [b], [a])
    rooms.pin(a)
    assert rooms.sections() == ([c, a], [b], [])
    rooms.unpin(c)
    rooms.unarchive(a)
    assert rooms.sections() == ([a], [b, c], [])


def test_leaving_a_room_forgets_its_pin_and_archive() -> None:
    rooms, (a, b, _) = _three()
    rooms.pin(a)
    rooms.archive(b)
    rooms.leave(a)
    rooms.leave(b)
    assert rooms.to_meta().pinned == () and rooms.to_meta().archived == {}


def test_meta_round_trips_and_river_written_meta_has_no_marks() -> None:
    meta = RoomsMeta(K[0], {K[0]: NotificationMode.MUTED}, (K[0], K[1]), (K[1],), {K[0]: Archived((5, 6), False)})
    assert RoomsMeta.decode(meta.encode()) == meta
    assert list(cbor.loads(meta.encode())) == [
        "current_room_key",
        "notification_modes",
        "room_order",
        "pinned_rooms",
        "archived_rooms",
    ]
    river = {"current_room_key": None, "notification_modes": {}, "room_order": [K[0]]}
    decoded = RoomsMeta.decode(cbor.dumps(river))
    assert decoded.pinned == () and decoded.archived == {}
    assert decoded.encode() == cbor.dumps(river)  # no marks: River's exact bytes


@pytest.mark.parametrize("bad", [{"pinned_rooms": 3}, {"archived_rooms": {K[0]: [1, 2]}}, {"archived_rooms": [1]}])
def test_bad_marks_do_not_decode(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RoomsMeta.decode(cbor.dumps({"room_order": [], **bad}))


def _friend_posts(owner: Rooms, vk: bytes, text: str) -> None:
    friend = Rooms()
    friend.accept_invitation(Invitation.create(vk, owner.rooms[vk].self_identity.seed), "friend")
    friend.receive_state(vk, owner.rooms[vk].room_state)
    friend.post_message(vk, text)
    owner.receive_state(vk, friend.rooms[vk].room_state)


@pytest.mark.parametrize(
    ("wake", "mode", "woken"),
    [
        (True, NotificationMode.ALL, True),
        (False, NotificationMode.ALL, False),
        (True, NotificationMode.MUTED, False),
    ],
)
def test_a_new_message_unarchives_when_the_room_asks_for_it(wake: bool, mode: NotificationMode, woken: bool) -> None:
    rooms, (a, _, _) = _three()
    _friend_posts(rooms, a, "before the archive")
    rooms.set_notification_mode(a, mode)
    rooms.archive(a, wake_on_message=wake)
    assert rooms.wake_archived() == []  # what was there when archived does not count
    _friend_posts(rooms, a, "after the archive")
    assert rooms.wake_archived() == ([a] if woken else [])
    assert (a in rooms.archived) is not woken


# --- reconcile: another writer's pins and archives survive for rooms this writer did not change -------------

ARCH = Archived((1, 0), True)


@pytest.mark.parametrize(
    ("base", "stored", "local", "pinned", "archived"),
    [
        # this writer only switched rooms: another writer's pin and archive stay
        (((), {}), ((K[0],), {K[1]: ARCH}), ((), {}), (K[0],), {K[1]: ARCH}),
        # both pinned different rooms: both are pinned, the stored one keeps its place
        (((), {}), ((K[0],), {}), ((K[1],), {}), (K[0], K[1]), {}),
        # this writer unpinned and unarchived: its change wins
        (((K[0],), {K[1]: ARCH}), ((K[0],), {K[1]: ARCH}), ((), {}), (), {}),
        # another writer unpinned what this writer left alone: stays unpinned
        (((K[0], K[1]), {}), ((K[1],), {}), ((K[0], K[1]), {}), (K[1],), {}),
        # this writer reordered the favourites; a pin of a room it does not know keeps its place
        (((K[0], K[1]), {}), ((K[0], K[5], K[1]), {}), ((K[1], K[0]), {}), (K[1], K[0], K[5]), {}),
        # no base (River's rule): this writer's marks for its rooms win, unknown rooms' are kept
        (None, ((K[0], K[5]), {K[1]: ARCH, K[6]: ARCH}), ((K[2],), {}), (K[5], K[2]), {K[6]: ARCH}),
    ],
)
def test_meta_marks_table(
    base: tuple[tuple[bytes, ...], dict[bytes, Archived]] | None,
    stored: tuple[tuple[bytes, ...], dict[bytes, Archived]],
    local: tuple[tuple[bytes, ...], dict[bytes, Archived]],
    pinned: tuple[bytes, ...],
    archived: dict[bytes, Archived],
) -> None:
    known = set(K[:3])

    def meta(marks: tuple[tuple[bytes, ...], dict[bytes, Archived]]) -> RoomsMeta:
        return RoomsMeta(None, {}, (), marks[0], marks[1])

    decision = rc.reconcile_meta(meta(stored).encode(), meta(local), known, None if base is None else meta(base))
    merged = RoomsMeta.decode(decision.data) if isinstance(decision, rc.Write) else meta(stored)
    assert merged.pinned == pinned
    assert merged.archived == archived


_marks = st.tuples(st.lists(st.integers(0, 7), unique=True), st.sets(st.integers(0, 7)))


@settings(max_examples=200, deadline=None)
@given(_marks, _marks, _marks, st.sets(st.integers(0, 7)))
def test_meta_marks_law(
    base: tuple[list[int], set[int]],
    stored: tuple[list[int], set[int]],
    local: tuple[list[int], set[int]],
    known_i: set[int],
) -> None:
    """A room this writer did not change keeps the stored mark; one it changed gets its mark; nothing repeats."""

    def meta(m: tuple[list[int], set[int]]) -> RoomsMeta:
        return RoomsMeta(None, {}, (), tuple(K[i] for i in m[0]), {K[i]: ARCH for i in m[1]})

    known = {K[i] for i in known_i}
    b, s, lo = meta(base), meta(stored), meta(local)
    decision = rc.reconcile_meta(s.encode(), lo, known, b)
    merged = RoomsMeta.decode(decision.data) if isinstance(decision, rc.Write) else s
    assert len(set(merged.pinned)) == len(merged.pinned)
    for vk in K:
        changed = vk in known and (vk in lo.pinned) != (vk in b.pinned)
        assert (vk in merged.pinned) == ((vk in lo.pinned) if changed else (vk in s.pinned))
        changed = vk in known and (vk in lo.archived) != (vk in b.archived)
        assert (vk in merged.archived) == ((vk in lo.archived) if changed else (vk in s.archived))
    if [vk for vk in lo.pinned if vk in known] != [vk for vk in b.pinned if vk in known]:
        mine = [vk for vk in lo.pinned if vk in merged.pinned]
        assert [vk for vk in merged.pinned if vk in mine] == mine  # this writer's favourites' order is kept
