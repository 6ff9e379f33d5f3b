"""The sync engine's ``RoomSyncStore`` (net/sync_store.py) over a profile's SQLite store.

Keys (docs/network.md, "The SQLite store"):

* ``outbox:<b58 room>:<secs 016x><nanos 08x>:<digest 016x>``: written by the controller in the transaction that
  saves the change it carries (``RoomData.pending``). Key order is the order of the changes; the engine's
  ``seq`` is the key's suffix read as one hexadecimal number, so ``ack`` finds the key again without a table.
  Ack deletes the key; the deleted marker makes the write-once slot refuse the same entry ever after.
* ``net:<b58 room>``: the summary the node last confirmed and the contract key it was confirmed for.
* ``net:lease``: the profile's sender lease, ``{"holder", "expires"}`` (wall-clock seconds), taken, renewed and
  given up only by compare-and-swap on its generation, so two processes can never both hold it.

Network states are merged through the controller's own CAS save (``StorageController.save_blocking``), with
River's merge; other windows and processes see the result through the change poll like any other save.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from river_desktop.domain import cbor
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.room_data import Pending
from river_desktop.domain.rooms import PresentSlot, RoomData, Rooms, RoomsError, decode_slot
from river_desktop.storage.controller import StorageController
from river_desktop.storage.kv import Stored
from river_desktop.storage.slots import ROOM_PREFIX, b58, outbox_prefix, parse_room_key

NET_PREFIX = "net:"
LEASE_KEY = "net:lease"
_SEQ_HEX = 40  # 16 (secs) + 8 (nanos) + 16 (digest) hexadecimal digits


def net_key(owner_vk: bytes) -> str:
    return NET_PREFIX + b58(owner_vk)


def seq_of(suffix: str) -> int | None:
    """The engine's sequence number for an outbox key's suffix ``<secs><nanos>:<digest>``; None if malformed."""
    head, sep, digest = suffix.partition(":")
    text = head + digest
    if not sep or len(head) != 24 or len(digest) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def outbox_key_of(owner_vk: bytes, seq: int) -> str:
    text = f"{seq:0{_SEQ_HEX}x}"
    return f"{outbox_prefix(owner_vk)}{text[:24]}:{text[24:]}"


class NetStore:
    """:class:`~river_desktop.net.sync_store.RoomSyncStore` for one open profile (structurally; no net import).

    Every method blocks on the controller's storage thread, so it must be called from another thread (the
    engine's event loop). ``clock`` is wall-clock time: the lease is shared by processes.
    """

    def __init__(
        self,
        controller: StorageController,
        *,
        clock: Callable[[], float] = time.time,
        on_merged: Callable[[bytes], None] | None = None,
    ) -> None:
        self._ctl = controller
        self._store = controller.store
        self._clock = clock
        self.on_merged = on_merged
        """Called with the room's owner key after a network state changed the stored room."""

    # ---- rooms ----

    def _rooms(self) -> list[RoomData]:
        rows = self._ctl.run_blocking(self._store.scan, ROOM_PREFIX)
        out = []
        for key, _gen, payload in rows:
            vk = parse_room_key(key, check_point=False)
            if vk is None:
                continue
            try:
                slot = decode_slot(payload, trusted=True)
            except (DecodeError, ValueError):
                continue  # reported by load and `store check`; never synced
            if isinstance(slot, PresentSlot) and slot.room.owner_vk == vk:
                out.append(slot.room)
        return out

    def _room(self, owner_vk: bytes) -> RoomData | None:
        slot = self._ctl.read_slot_blocking(owner_vk)
        if isinstance(slot, PresentSlot):
            return slot.room
        return None

    def rooms_to_sync(self) -> list[tuple[bytes, bytes | None, bool]]:
        result: list[tuple[bytes, bytes | None, bool]] = []
        for room in self._rooms():
            code = None if room.contract_key is None else room.contract_key.code
            result.append((room.owner_vk, code, room.waiting))
        return result

    def local_state(self, owner_vk: bytes) -> bytes | None:
        room = self._room(owner_vk)
        if room is None or room.waiting:
            return None
        return room.room_state.encode()

    def merge_from_network(self, owner_vk: bytes, state: bytes) -> bytes:
        """River's merge of ``state`` into the stored room, saved through the controller's CAS loop.

        A waiting room adopts the network state with its queued outbox deltas (its join) replayed on top; the
        replay is only for the stored state: the entries stay in the outbox for the engine to send.
        """
        room = self._room(owner_vk)
        if room is None:
            return state  # left (or never here): nothing to merge into
        network = ChatRoomState.decode(state)
        rooms = Rooms()
        queued = tuple(Pending(SystemTime(0, 0), delta) for _seq, delta in self.outbox(owner_vk))
        rooms.rooms[owner_vk] = replace(room, pending=queued if room.waiting else ())
        try:
            merged = rooms.receive_state(owner_vk, network)
        except RoomsError:
            return self.local_state(owner_vk) or state
        if not room.waiting and merged.room_state.encode() == room.room_state.encode():
            return room.room_state.encode()
        rooms.rooms[owner_vk] = replace(merged, pending=())
        report = self._ctl.save_blocking(self._ctl.open_session("net"), rooms)
        stored = self.local_state(owner_vk)
        if report.ok and self.on_merged is not None:
            self.on_merged(owner_vk)
        return stored if stored is not None else merged.room_state.encode()

    # ---- outbox ----

    def outbox(self, owner_vk: bytes) -> list[tuple[int, bytes]]:
        prefix = outbox_prefix(owner_vk)
        rows = self._ctl.run_blocking(self._store.scan, prefix)
        out = []
        for key, _gen, payload in rows:
            seq = seq_of(key[len(prefix) :])
            if seq is not None:
                out.append((seq, payload))
        return out

    def ack(self, owner_vk: bytes, seqs: Sequence[int]) -> None:
        keys = [outbox_key_of(owner_vk, seq) for seq in seqs]

        def delete_all() -> None:
            for key in keys:
                if self._store.get(key) is not None:
                    self._store.delete(key)

        self._ctl.run_blocking(delete_all)

    # ---- confirmed summary ----

    def confirmed(self, owner_vk: bytes) -> bytes | None:
        raw = self._ctl.run_blocking(self._store.get, net_key(owner_vk))
        if raw is None:
            return None
        try:
            tree = cbor.loads(raw)
        except DecodeError:
            return None
        summary = tree.get("summary") if isinstance(tree, dict) else None
        return summary if isinstance(summary, bytes) else None

    def set_confirmed(self, owner_vk: bytes, summary: bytes) -> None:
        room = self._room(owner_vk)
        record: dict[str, cbor.CborObj] = {"summary": summary}
        if room is not None and room.contract_key is not None:
            record["instance"] = room.contract_key.instance
            record["code"] = room.contract_key.code
        self._ctl.run_blocking(self._store.store, net_key(owner_vk), cbor.dumps(record))

    # ---- the sender lease ----

    def _lease_cas(self, decide: Callable[[str, float, float], tuple[str, float] | None]) -> bool:
        """Read the lease, let ``decide(holder, expires, now)`` give the new one (None: leave it), CAS it."""

        def attempt() -> bool:
            for _ in range(8):
                raw, generation = self._store.get_versioned(LEASE_KEY)
                holder, expires = _decode_lease(raw)
                new = decide(holder, expires, self._clock())
                if new is None:
                    return False
                if isinstance(self._store.cas_store(LEASE_KEY, _encode_lease(*new), generation), Stored):
                    return True
            return False

        return self._ctl.run_blocking(attempt)

    def try_lease(self, holder: str, ttl: float) -> bool:
        def decide(current: str, expires: float, now: float) -> tuple[str, float] | None:
            free = not current or expires <= now or current == holder
            return (holder, now + ttl) if free else None

        return self._lease_cas(decide)

    def renew_lease(self, holder: str, ttl: float) -> bool:
        def decide(current: str, expires: float, now: float) -> tuple[str, float] | None:
            return (holder, now + ttl) if current == holder and expires > now else None

        return self._lease_cas(decide)

    def release_lease(self, holder: str) -> None:
        def decide(current: str, _expires: float, _now: float) -> tuple[str, float] | None:
            return ("", 0.0) if current == holder else None

        self._lease_cas(decide)

    def lease_holder(self) -> str | None:
        holder, expires = _decode_lease(self._ctl.run_blocking(self._store.get, LEASE_KEY))
        return holder if holder and expires > self._clock() else None


def _encode_lease(holder: str, expires: float) -> bytes:
    return cbor.dumps({"holder": holder, "expires": expires})


def _decode_lease(raw: bytes | None) -> tuple[str, float]:
    """``(holder, expires)``; an unreadable lease reads as free (the next CAS replaces it)."""
    if raw is None:
        return "", 0.0
    try:
        tree = cbor.loads(raw)
    except DecodeError:
        return "", 0.0
    if not isinstance(tree, dict):
        return "", 0.0
    holder, expires = tree.get("holder"), tree.get("expires")
    if not isinstance(holder, str) or not isinstance(expires, int | float):
        return "", 0.0
    return holder, float(expires)


__all__ = ["LEASE_KEY", "NET_PREFIX", "NetStore", "net_key", "outbox_key_of", "seq_of"]
