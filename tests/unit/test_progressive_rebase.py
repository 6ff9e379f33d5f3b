"""The merge base of a window that saves while its room list fills (progressive_load.rebase).

A room not loaded yet takes its pin, archive mark and place from the preferences read at the start. Law: when
another writer changed those entries meanwhile, this window's next save keeps the other writer's entries for
every room this window had not loaded at its save, and keeps this window's own change to a loaded room.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.rooms import Archived, NotificationMode, Rooms, RoomsMeta
from river_desktop.storage import progressive_load as pl
from river_desktop.storage import reconcile as rc
from tests.helpers.many_rooms import build_rooms

COUNT = 10
ALL = build_rooms(COUNT, seed=5)
KEYS = ALL.ordered_keys_manual()
MARK = Archived()

flags = st.lists(st.booleans(), min_size=COUNT, max_size=COUNT)


def chunk(keys: list[bytes]) -> pl.LoadChunk:
    return pl.LoadChunk({k: ALL.rooms[k] for k in keys}, {}, (), len(keys), False)


def absorb(rooms: Rooms, keys: list[bytes], meta: RoomsMeta, base: RoomsMeta) -> RoomsMeta:
    """What WindowState.absorb_chunk does once its merge base has moved on: absorb, then rebase."""
    known, before = set(rooms.rooms), rooms.to_meta()
    pl.absorb(rooms, chunk(keys), meta)
    return pl.rebase(base, before, rooms.to_meta(), known)


@settings(max_examples=60, deadline=None)
@given(
    pinned=flags,
    archived=flags,
    first=st.integers(1, COUNT - 1),
    their_pins=flags,
    their_marks=flags,
    their_order=st.permutations(KEYS),
    own_pin=st.booleans(),
)
def test_a_save_mid_load_then_after_it_keeps_the_other_writers_entries(
    pinned: list[bool],
    archived: list[bool],
    first: int,
    their_pins: list[bool],
    their_marks: list[bool],
    their_order: list[bytes],
    own_pin: bool,
) -> None:
    start = RoomsMeta(
        KEYS[0],
        {KEYS[1]: NotificationMode.MUTED},
        tuple(KEYS),
        tuple(k for k, p in zip(KEYS, pinned, strict=True) if p),
        {k: MARK for k, a in zip(KEYS, archived, strict=True) if a},
    )
    loaded, rest = KEYS[:first], KEYS[first:]
    rooms = Rooms()
    rooms.apply_meta(start)
    base = absorb(rooms, loaded, start, start)
    own = loaded[0]  # this window's own change, then a save mid-load: the base becomes the copy
    if own_pin:
        rooms.unpin(own) if own in rooms.pinned else rooms.pin(own)
    else:
        rooms.set_notification_mode(own, NotificationMode.MENTIONS_AND_REPLIES)
    mine = rooms.to_meta()
    stored = rc.reconcile_meta(start.encode(), mine, set(rooms.rooms), base)
    current = stored.data if isinstance(stored, rc.Write) else start.encode()
    base = mine
    # another writer changes the rooms this window has not loaded (and only those)
    theirs = RoomsMeta.decode(current)
    pins = [k for k in theirs.pinned if k not in rest]
    pins += [k for k, p in zip(KEYS, their_pins, strict=True) if p and k in rest]
    marks = {k: a for k, a in theirs.archived.items() if k not in rest}
    marks.update({k: MARK for k, a in zip(KEYS, their_marks, strict=True) if a and k in rest})
    order = [k for k in their_order if k in rest]
    theirs = replace(theirs, room_order=(*loaded_order(theirs, loaded), *order), pinned=tuple(pins), archived=marks)
    base = absorb(rooms, rest, start, base)
    decision = rc.reconcile_meta(theirs.encode(), rooms.to_meta(), set(rooms.rooms), base)
    merged = theirs if isinstance(decision, rc.Unchanged) else RoomsMeta.decode(decision.data)
    for vk in rest:
        assert (vk in merged.pinned) == (vk in theirs.pinned)
        assert merged.archived.get(vk) == theirs.archived.get(vk)
    assert merged.room_order == theirs.room_order
    assert (own in merged.pinned) == (own in mine.pinned)
    assert merged.notification_modes.get(own) == mine.notification_modes.get(own)


def loaded_order(meta: RoomsMeta, loaded: list[bytes]) -> list[bytes]:
    return [k for k in meta.room_order if k in loaded]
