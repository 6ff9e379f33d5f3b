"""Merging other writers' stored slots into a window's copy, off the GUI thread, with the list rows they need.

Merging verifies signatures and derives keys (about a millisecond a room), and a room-list row needs
each identity's public key: both are done on the storage thread, on a copy, and the result is adopted
only if the window's copy did not change meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields

from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms, RoomSlot
from river_desktop.storage.controller import LoadIssue, StorageController
from river_desktop.ui.room_rows import RoomRow

RowCache = dict[bytes, tuple[RoomData, RoomRow]]

SYNC_CHUNK = 250
"""Rooms per storage-thread call when other writers changed many (each room: a decode and signature checks)."""


@dataclass
class Merged:
    """What merging a batch of stored slots changed, plus list rows prepared for those rooms."""

    changed: set[bytes] = field(default_factory=set)
    added: set[bytes] = field(default_factory=set)
    rows: dict[bytes, tuple[RoomData, RoomRow]] = field(default_factory=dict)


def prepare_rows(rooms: Rooms, keys: Iterable[bytes]) -> dict[bytes, tuple[RoomData, RoomRow]]:
    """Room-list rows for ``keys`` (any thread): deriving each identity's key is the costly part."""
    return {k: (rooms.rooms[k], RoomRow.of(rooms.rooms[k], NotificationMode.ALL)) for k in keys if k in rooms.rooms}


def apply_slots(rooms: Rooms, slots: Mapping[bytes, RoomSlot | None]) -> Merged:
    """``Rooms.apply_slot`` for each stored slot, noting which rooms changed and which arrived."""
    result = Merged()
    for key, slot in slots.items():
        was_here = key in rooms.rooms
        if rooms.apply_slot(key, slot):
            result.changed.add(key)
            if not was_here and key in rooms.rooms:
                result.added.add(key)
    return result


def unchanged_since(now: Rooms, then: Rooms) -> bool:
    """``now`` holds the same rooms (the very objects) and preferences as the earlier copy ``then``."""
    if now.rooms.keys() != then.rooms.keys() or any(now.rooms[k] is not v for k, v in then.rooms.items()):
        return False
    return (now.removed, now.room_order, now.current_room, now.notification_modes) == (
        then.removed,
        then.room_order,
        then.current_room,
        then.notification_modes,
    )


def adopt(target: Rooms, source: Rooms) -> None:
    """Make ``target`` (this window's copy, which others may hold) show ``source``'s contents."""
    for f in fields(Rooms):
        setattr(target, f.name, getattr(source, f.name))


async def merge_slots(
    controller: StorageController,
    current: Callable[[], Rooms],
    slots: Mapping[bytes, RoomSlot | None],
    row_cache: RowCache,
    alive: Callable[[], bool],
) -> Merged | None:
    """Merge stored slots into the copy ``current()`` by ``Rooms.apply_slot`` — on the storage thread.

    The merge runs on a copy; it is adopted (and its rows go into ``row_cache``) only if the window's
    copy did not change meanwhile, otherwise it is redone on a fresh copy. None when the window closed.
    """
    for _attempt in range(3):
        before = current().copy()
        work = before.copy()

        def merge(work: Rooms = work) -> Merged:
            result = apply_slots(work, slots)
            result.rows = prepare_rows(work, result.changed)
            return result

        merged = await controller.run(merge)
        if not alive():
            return None
        if unchanged_since(current(), before):
            adopt(current(), work)
            row_cache.update(merged.rows)
            return merged
    # the window kept changing its copy: merge here (rare; costs GUI time but never loses data)
    return apply_slots(current(), slots)


async def read_and_merge(
    controller: StorageController,
    current: Callable[[], Rooms],
    keys: Iterable[bytes],
    row_cache: RowCache,
    alive: Callable[[], bool],
    chunk: int = SYNC_CHUNK,
) -> tuple[Merged, list[LoadIssue]] | None:
    """Read and merge the stored slots of ``keys``, ``chunk`` rooms per storage-thread call.

    Each call decodes, verifies and merges a few hundred rooms, then the GUI thread runs again: 10,000 rooms
    changed elsewhere are many short calls, not seconds of the storage thread holding the interpreter. None
    when the window closed."""
    ordered = list(keys)
    total = Merged()
    issues: list[LoadIssue] = []
    for start in range(0, len(ordered), chunk):
        slots = await controller.read_slots(ordered[start : start + chunk])
        if not alive():
            return None
        issues += [slot for slot in slots.values() if isinstance(slot, LoadIssue)]
        good = {k: slot for k, slot in slots.items() if not isinstance(slot, LoadIssue)}
        merged = await merge_slots(controller, current, good, row_cache, alive)
        if merged is None:
            return None
        total.changed |= merged.changed
        total.added |= merged.added
    return total, issues


__all__ = [
    "SYNC_CHUNK",
    "Merged",
    "RowCache",
    "adopt",
    "apply_slots",
    "merge_slots",
    "prepare_rows",
    "read_and_merge",
    "unchanged_since",
]
