"""The first save of many new rooms, many rooms per transaction (``demo populate``; benchmark profiles).

A normal save is one ``BEGIN IMMEDIATE`` transaction per room: at 10,000 rooms that is 10,000 commits, each
waiting for its fsync. Here each batch of rooms is one transaction, and every room in it takes exactly the
decision and the writes the normal save would give it: :func:`reconcile.reconcile_present` on what is stored,
its slot written by compare-and-swap on the generation read, the window's messages as write-once history keys
in the same transaction. The store computes the order index, search and summary rows of every key as it does
for any write, so the derived data is the same. A room this path does not settle (a slot already stored, a
conflict with another writer, a decision that is not a plain write) is left to the normal save that follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from river_desktop.domain.rooms import PresentSlot, RoomData
from river_desktop.storage import reconcile as rc
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import Conflict, KVStore, Stored
from river_desktop.storage.save_session import SaveSession, _digest, _save_entries, _window_ids
from river_desktop.storage.slots import room_key

BATCH_ROOMS: Final = 200
"""Rooms per transaction: about 10,000 keys at 50 messages a room, and a commit per batch instead of per room."""


def first_saves(
    store: KVStore, session: SaveSession, rooms: Mapping[bytes, RoomData], batch: int = BATCH_ROOMS
) -> list[str]:
    """Store ``rooms`` (new to ``session``) ``batch`` rooms per transaction; the keys written.

    Runs on the storage thread. Rooms with pending changes, intents or a save of this session behind them take
    the normal path: ``session`` records only the rooms whose slot this call stored.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    intents = session._snapshot_intents()
    fresh = [
        (vk, room)
        for vk, room in rooms.items()
        if not room.pending and vk not in intents and vk not in session.persisted_rooms and vk not in session.persisted
        and vk not in session.retry
    ]
    written: list[str] = []
    try:
        for start in range(0, len(fresh), batch):
            written.extend(_one_batch(store, session, fresh[start : start + batch]))
    except StorageError:
        pass  # damaged, read-only, gone: the normal save meets it too, and reports it room by room
    return written


def _one_batch(store: KVStore, session: SaveSession, rooms: list[tuple[bytes, RoomData]]) -> list[str]:
    current = store.get_many(room_key(vk) for vk, _room in rooms)
    items: list[tuple[str, bytes, int]] = []
    planned: list[tuple[bytes, RoomData, rc.Write, int]] = []
    for vk, room in rooms:
        payload, generation = current[room_key(vk)]
        try:
            decision = rc.reconcile_present(payload, local=room, rejoined=False)
        except rc.ReconcileError:
            continue  # the normal save reports it
        if not isinstance(decision, rc.Write) or not isinstance(decision.slot, PresentSlot):
            continue
        entries = _save_entries(vk, [], session.known_history(vk), decision)
        planned.append((vk, room, decision, len(entries)))
        items.append((room_key(vk), decision.data, generation))
        items.extend((key, value, 0) for key, value in entries)
    results = store.cas_store_many(items)
    written: list[str] = []
    at = 0
    for vk, room, decision, extras in planned:
        slot_result, tail = results[at], results[at + 1 : at + 1 + extras]
        keys = items[at + 1 : at + 1 + extras]
        at += 1 + extras
        written.extend(key for (key, _v, _g), res in zip(keys, tail, strict=True) if isinstance(res, Stored))
        if isinstance(slot_result, Conflict):
            continue  # another writer stored this room meanwhile: the normal save merges with it
        assert isinstance(decision.slot, PresentSlot)
        written.append(room_key(vk))
        session.history[vk] = _window_ids(decision.slot.room)
        session.persisted[vk] = _digest(room.slot_bytes)
        session.persisted_rooms[vk] = room
    return written
