"""Pure save and load decisions (formats.md §4–§5). No I/O: bytes in, decisions out.

Every function here is a truth table with a table-driven test; the controller is the thin
shell that reads, calls these, and compare-and-swaps the result.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import TypeVar

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.rooms import (
    MAX_COUNTER,
    PresentSlot,
    RoomData,
    RoomSlot,
    RoomsMeta,
    TombstoneSlot,
    decode_slot,
    encode_slot,
    merge_room_data,
)
from river_desktop.storage.room_rows import ENCODED_ROOMS
from river_desktop.storage.slots import LEGACY_BLOB_KEY, META_KEY, MIGRATION_DONE_KEY, parse_room_key

V = TypeVar("V")


class ReconcileError(Exception):
    """The stored value cannot be decoded; nothing may be written over it."""


class SlotKind(Enum):
    ABSENT = "absent"
    PRESENT = "present"
    TOMBSTONE = "tombstone"


class PresentAction(Enum):
    STORE_FRESH = "store fresh"
    MERGE_STATE = "merge room state"
    ABORT_ADOPT_LEAVE = "abort: adopt the leave"


def present_action(slot_kind: SlotKind, explicitly_rejoined: bool) -> PresentAction:
    """River's table for saving a present room.

    ========== ================= ====================
    current    not rejoined      rejoined
    ========== ================= ====================
    absent     store fresh       store fresh
    Present    merge room state  merge room state
    Tombstone  abort: adopt leave store fresh
    ========== ================= ====================
    """
    if slot_kind is SlotKind.ABSENT:
        return PresentAction.STORE_FRESH
    if slot_kind is SlotKind.PRESENT:
        return PresentAction.MERGE_STATE
    return PresentAction.STORE_FRESH if explicitly_rejoined else PresentAction.ABORT_ADOPT_LEAVE


@dataclass(frozen=True)
class Write:
    """Store these bytes (compare-and-swap at the generation that was read)."""

    data: bytes
    slot: RoomSlot | None = None


@dataclass(frozen=True)
class Unchanged:
    """The store already holds what this writer intends; nothing to write."""


@dataclass(frozen=True)
class AdoptLeave:
    """A background save met a tombstone: the room was left elsewhere."""

    epoch: int


@dataclass(frozen=True)
class RejoinedElsewhere:
    """A leave met a newer membership (a rejoin elsewhere after what this writer saw)."""

    slot: PresentSlot


Decision = Write | Unchanged | AdoptLeave | RejoinedElsewhere


def read_slot(current: bytes | None, owner_vk: bytes | None = None) -> RoomSlot | None:
    """Decode a stored slot; one that cannot be decoded, or that holds a room other than
    ``owner_vk`` (a buggy or hostile writer), is a :class:`ReconcileError`: never written over."""
    if current is None:
        return None
    try:
        slot = decode_slot(current, trusted=True)
        if isinstance(slot, PresentSlot):
            slot.room.room_state  # noqa: B018  (decoded now: a slot that cannot be is never written over)
    except (DecodeError, ValueError) as exc:
        raise ReconcileError(f"the stored room slot cannot be decoded ({exc})") from None
    if owner_vk is not None and isinstance(slot, PresentSlot) and slot.room.owner_vk != owner_vk:
        raise ReconcileError("the stored room slot holds another room's data; it was left untouched")
    return slot


def _next_epoch(epoch: int) -> int:
    if epoch >= MAX_COUNTER:
        raise ReconcileError("the room's membership epoch is at its largest possible value; it cannot advance")
    return epoch + 1


def slot_kind(slot: RoomSlot | None) -> SlotKind:
    if slot is None:
        return SlotKind.ABSENT
    return SlotKind.PRESENT if isinstance(slot, PresentSlot) else SlotKind.TOMBSTONE


def _write(slot: RoomSlot, current: bytes | None) -> Write | Unchanged:
    data = encode_slot(slot)
    if data == current:
        return Unchanged()
    if isinstance(slot, PresentSlot):
        ENCODED_ROOMS.remember(data, slot.room)
    return Write(data, slot)


def reconcile_present(
    current: bytes | None, local: RoomData, rejoined: bool, *, ours: Callable[[bytes], bool] | None = None
) -> Decision:
    """Save a present room over whatever is stored, by :func:`present_action` and membership epochs.

    - absent: store the local copy;
    - exactly the bytes this writer last loaded or stored (``ours`` says so): the local copy only
      moved forward from them, so it is the merge; stored without decoding (saves of one change
      stay cheap on a big profile);
    - Present: CRDT-merge; the copy with the higher epoch decides the identity, the larger epoch is kept;
    - Tombstone at e, explicitly rejoined: store the local copy at epoch e + 1 (overwrite the leave);
    - Tombstone, not rejoined: adopt the leave, whatever the epochs.
    """
    if current is not None and ours is not None and not rejoined and ours(current):
        return _write(PresentSlot(local), current)
    stored = read_slot(current, local.owner_vk)
    action = present_action(slot_kind(stored), rejoined)
    if action is PresentAction.ABORT_ADOPT_LEAVE:
        assert isinstance(stored, TombstoneSlot)
        return AdoptLeave(stored.epoch)
    if stored is None:
        return _write(PresentSlot(local), current)
    if isinstance(stored, TombstoneSlot):
        return _write(PresentSlot(replace(local, membership_epoch=_next_epoch(stored.epoch))), current)
    return _write(PresentSlot(merge_room_data(local, stored.room)), current)


def reconcile_tombstone(current: bytes | None, seen_epoch: int, owner_vk: bytes | None = None) -> Decision:
    """Apply a leave the user performed on the membership they saw at ``seen_epoch``.

    ============================ =====================================
    stored                       decision
    ============================ =====================================
    absent                       Tombstone at epoch 1
    Tombstone                    unchanged (already left)
    Present at e <= seen_epoch   Tombstone at e + 1
    Present at e > seen_epoch    rejoined elsewhere: keep it (never bury a newer rejoin)
    ============================ =====================================
    """
    stored = read_slot(current, owner_vk)
    if stored is None:
        return _write(TombstoneSlot(1), current)
    if isinstance(stored, TombstoneSlot):
        return Unchanged()
    if stored.epoch > seen_epoch:
        return RejoinedElsewhere(stored)
    return _write(TombstoneSlot(_next_epoch(stored.epoch)), current)


def reconcile_migrated_tombstone(current: bytes | None, epoch: int, owner_vk: bytes | None = None) -> Decision:
    """A leave carried over from the legacy blob: only fills an absent slot."""
    if read_slot(current, owner_vk) is not None:
        return Unchanged()
    return _write(TombstoneSlot(max(epoch, 1)), current)


def reconcile_meta(
    current: bytes | None,
    local: RoomsMeta,
    known_rooms: Collection[bytes],
    base: RoomsMeta | None = None,
    *,
    left_rooms: Collection[bytes] | None = None,
) -> Decision:
    """Merge this writer's list preferences into the stored ones.

    The current room is this writer's. The order and each room's notification mode are this
    writer's only where it changed them since ``base`` (the preferences its copy was derived from:
    at its last load, save or live update), otherwise the stored ones stay: a window that merely
    switched rooms must not revert another window's drag. Without a base (River's rule) this
    writer's order and modes win. Entries for rooms this writer has never seen are always kept.

    When this writer's order wins, a stored entry missing from it keeps its place: it goes right
    after the nearest room before it in the stored order (at the front when there is none), so
    rooms other writers created keep their creation order. Entries of rooms this writer left are
    dropped; with ``left_rooms`` unknown (``None``) every room this writer knows counts as left.

    ============================ =============================== ==========================
    field                        changed here since base         not changed here
    ============================ =============================== ==========================
    current room                 this writer's                   this writer's
    order (known rooms)          this writer's, then unknown     stored
    mode of a known room         this writer's                   stored (else this writer's)
    mode of an unknown room      stored                          stored
    pinned / archived (known)    this writer's                   stored
    favourites' order            this writer's, then unknown     stored, then new pins here
    pinned / archived (unknown)  stored                          stored
    ============================ =============================== ==========================
    """
    if current is None:
        stored = RoomsMeta()
    else:
        try:
            stored = RoomsMeta.decode(current)
        except (DecodeError, ValueError) as exc:
            raise ReconcileError(f"the stored room preferences cannot be decoded ({exc})") from None
    known = set(known_rooms)

    def known_order(meta: RoomsMeta) -> list[bytes]:
        return [vk for vk in meta.room_order if vk in known]

    if base is None or known_order(local) != known_order(base):
        dropped = known if left_rooms is None else set(left_rooms)
        order = _keep_stored_places(list(local.room_order), stored.room_order, dropped)
    else:
        order = list(stored.room_order)
    modes = dict(stored.notification_modes)
    for vk in known:
        mine = local.notification_modes.get(vk)
        changed_here = base is None or mine != base.notification_modes.get(vk)
        if mine is not None and (changed_here or vk not in modes):
            modes[vk] = mine
        elif mine is None and changed_here and base is not None:
            modes.pop(vk, None)
    archived = _merge_per_room(stored.archived, local.archived, None if base is None else base.archived, known)
    merged = RoomsMeta(local.current_room_key, modes, tuple(order), _merge_pins(stored, local, base, known), archived)
    data = merged.encode()
    return Unchanged() if data == current else Write(data)


def _merge_per_room(
    stored: Mapping[bytes, V], local: Mapping[bytes, V], base: Mapping[bytes, V] | None, known: set[bytes]
) -> dict[bytes, V]:
    """Each known room's entry is this writer's when it changed it since ``base`` (or has no base), else stored."""
    merged = dict(stored)
    for vk in known:
        mine = local.get(vk)
        if base is not None and mine == base.get(vk):
            continue
        if mine is None:
            merged.pop(vk, None)
        else:
            merged[vk] = mine
    return merged


def _merge_pins(stored: RoomsMeta, local: RoomsMeta, base: RoomsMeta | None, known: set[bytes]) -> tuple[bytes, ...]:
    """Which rooms are pinned is decided per room (as the Archive); their order like the room order."""
    flags = _merge_per_room(
        dict.fromkeys(stored.pinned, True),
        dict.fromkeys(local.pinned, True),
        None if base is None else dict.fromkeys(base.pinned, True),
        known,
    )

    def known_pins(meta: RoomsMeta) -> list[bytes]:
        return [vk for vk in meta.pinned if vk in known]

    if base is None or known_pins(local) != known_pins(base):
        dropped = {vk for vk in stored.pinned if vk not in flags}
        order = _keep_stored_places([vk for vk in local.pinned if vk in flags], stored.pinned, dropped)
    else:
        order = [vk for vk in stored.pinned if vk in flags]
        order += [vk for vk in local.pinned if vk in flags and vk not in order]
    return tuple(dict.fromkeys(order))


def _keep_stored_places(order: list[bytes], stored: Iterable[bytes], dropped: Collection[bytes]) -> list[bytes]:
    placed = set(order)
    previous: bytes | None = None
    for vk in stored:
        if vk not in placed and vk not in dropped:
            at = 0 if previous is None else order.index(previous) + 1
            order.insert(at, vk)
            placed.add(vk)
        if vk in placed:
            previous = vk
    return order


# --- load plan -----------------------------------------------------------------------------------


class LoadKind(Enum):
    PER_ROOM = "per-room"
    MIGRATE = "migrate the legacy blob, then per-room"
    EMPTY = "empty profile"


@dataclass(frozen=True)
class LoadPlan:
    kind: LoadKind
    room_keys: tuple[str, ...]
    has_meta: bool


def plan_load(keys: Iterable[str]) -> LoadPlan:
    """River's load table, plus resuming an interrupted migration.

    ============= ============ ============== ===========
    room keys     rooms_data   migration done plan
    ============= ============ ============== ===========
    any           yes          no             migrate
    at least one  no / done    -              per-room
    none          no / done    -              empty
    ============= ============ ============== ===========
    """
    keys = list(keys)
    key_set = set(keys)
    room_keys = tuple(sorted(k for k in keys if parse_room_key(k, check_point=False) is not None))
    has_meta = META_KEY in key_set
    if LEGACY_BLOB_KEY in key_set and MIGRATION_DONE_KEY not in key_set:
        return LoadPlan(LoadKind.MIGRATE, room_keys, has_meta)
    if any(parse_room_key(k) is not None for k in room_keys):
        return LoadPlan(LoadKind.PER_ROOM, room_keys, has_meta)
    return LoadPlan(LoadKind.EMPTY, (), has_meta)
