"""What the sync engine needs from a profile's store, and a reference implementation in memory.

The storage layer implements :class:`RoomSyncStore` (structurally: it need not import this module). Every
method is synchronous and short; the engine calls them from its event loop. Room states, deltas and summaries
are River's bytes (``ChatRoomStateV1``, ``ChatRoomStateV1Delta``, ``ChatRoomStateV1Summary`` as CBOR).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.room_ops import Change
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta


class RoomToSync(NamedTuple):
    """One room the engine should keep in step (a plain tuple, so a store can build it without importing us)."""

    owner_vk: bytes
    """The room owner's 32-byte verifying key: the room's identity and its contract parameters."""
    code_hash: bytes | None
    """``RoomData.contract_key["code"]``: the room contract's code hash; None for the engine's default."""
    waiting: bool
    """Joined by invitation and no room state known yet: ``local_state`` is None, the join delta is queued."""


class RoomSyncStore(Protocol):
    """A profile's rooms as the sync engine sees them.

    * ``merge_from_network`` merges a state the node sent (already decoded and checked by the engine) through
      the same compare-and-swap path as every writer, and returns the stored state's bytes. For a waiting room
      it adopts the network state and re-applies the queued outbox deltas on top.
    * The outbox is written in the same transaction as the local change it sends; ``seq`` grows per profile.
      ``ack`` deletes entries once the node answered their UPDATE; an acked entry is never returned again.
    * ``confirmed`` is the contract summary the node last reported for the room (``UpdateResponse.summary``
      or the summary of the state the engine last merged).
    * The lease (one per profile) makes one process at a time the sender: ``try_lease`` takes it if free,
      expired or already ours; ``renew_lease`` extends it only while it is still ours; ``release_lease``
      gives it up if it is ours. ``ttl`` is in seconds; a lease not renewed within ``ttl`` is free again.
    """

    def rooms_to_sync(self) -> Sequence[tuple[bytes, bytes | None, bool]]: ...

    def local_state(self, owner_vk: bytes) -> bytes | None: ...

    def merge_from_network(self, owner_vk: bytes, state: bytes) -> bytes: ...

    def outbox(self, owner_vk: bytes) -> Sequence[tuple[int, bytes]]: ...

    def ack(self, owner_vk: bytes, seqs: Sequence[int]) -> None: ...

    def confirmed(self, owner_vk: bytes) -> bytes | None: ...

    def set_confirmed(self, owner_vk: bytes, summary: bytes) -> None: ...

    def try_lease(self, holder: str, ttl: float) -> bool: ...

    def renew_lease(self, holder: str, ttl: float) -> bool: ...

    def release_lease(self, holder: str) -> None: ...


@dataclass
class _MemRoom:
    state: ChatRoomState | None
    code_hash: bytes | None
    outbox: list[tuple[int, bytes]] = field(default_factory=list)
    confirmed: bytes | None = None


class InMemoryRoomStore:
    """The reference :class:`RoomSyncStore`: River states in memory, merged with ``sync.merge``.

    ``history`` keeps every state written (for the oracle tests); ``on_change`` is called with the room's
    owner key after every write, as the storage layer's change signal would be.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._rooms: dict[bytes, _MemRoom] = {}
        self._next_seq = 1
        self._clock = clock
        self._lease: tuple[str, float] | None = None
        self.writes = 0
        self.history: list[tuple[bytes, bytes]] = []
        self.on_change: Callable[[bytes], None] | None = None

    # ---- what a local writer does ----

    def add_room(self, owner_vk: bytes, state: ChatRoomState, code_hash: bytes | None = None) -> None:
        """A room created here (or known from elsewhere): nothing queued, the engine publishes it if needed."""
        self._rooms[owner_vk] = _MemRoom(None, code_hash)
        self._write(owner_vk, state)

    def add_waiting(self, owner_vk: bytes, join_delta: Delta, code_hash: bytes | None = None) -> None:
        """A room joined by invitation before its state is known: only River's join delta, queued."""
        self._rooms[owner_vk] = _MemRoom(None, code_hash)
        self._queue(owner_vk, join_delta)

    def apply(self, owner_vk: bytes, change: Change) -> None:
        """A user operation: the new state and its delta in the outbox, in one step."""
        self._write(owner_vk, change.state)
        self._queue(owner_vk, change.delta)

    def state(self, owner_vk: bytes) -> ChatRoomState | None:
        return self._rooms[owner_vk].state

    # ---- RoomSyncStore ----

    def rooms_to_sync(self) -> list[RoomToSync]:
        return [RoomToSync(owner, r.code_hash, r.state is None) for owner, r in self._rooms.items()]

    def local_state(self, owner_vk: bytes) -> bytes | None:
        state = self._rooms[owner_vk].state
        return None if state is None else state.encode()

    def merge_from_network(self, owner_vk: bytes, state: bytes) -> bytes:
        room = self._rooms[owner_vk]
        network = ChatRoomState.decode(state)
        if room.state is None:
            merged = network
            for _, data in room.outbox:
                try:
                    merged = sync.apply_delta(merged, owner_vk, Delta.decode(data))
                except (DecodeError, RiverRuleError):
                    continue
        else:
            merged = sync.merge(room.state, owner_vk, network)
        if merged != room.state:
            self._write(owner_vk, merged)
        return merged.encode()

    def outbox(self, owner_vk: bytes) -> list[tuple[int, bytes]]:
        return list(self._rooms[owner_vk].outbox)

    def ack(self, owner_vk: bytes, seqs: Sequence[int]) -> None:
        done = set(seqs)
        room = self._rooms[owner_vk]
        room.outbox = [entry for entry in room.outbox if entry[0] not in done]
        if self.on_change is not None:
            self.on_change(owner_vk)

    def confirmed(self, owner_vk: bytes) -> bytes | None:
        return self._rooms[owner_vk].confirmed

    def set_confirmed(self, owner_vk: bytes, summary: bytes) -> None:
        self._rooms[owner_vk].confirmed = summary

    def try_lease(self, holder: str, ttl: float) -> bool:
        now = self._clock()
        if self._lease is None or self._lease[1] <= now or self._lease[0] == holder:
            self._lease = (holder, now + ttl)
            return True
        return False

    def renew_lease(self, holder: str, ttl: float) -> bool:
        now = self._clock()
        if self._lease is None or self._lease[0] != holder or self._lease[1] <= now:
            return False
        self._lease = (holder, now + ttl)
        return True

    def release_lease(self, holder: str) -> None:
        if self._lease is not None and self._lease[0] == holder:
            self._lease = None

    @property
    def lease_holder(self) -> str | None:
        if self._lease is None or self._lease[1] <= self._clock():
            return None
        return self._lease[0]

    # ---- internals ----

    def _write(self, owner_vk: bytes, state: ChatRoomState) -> None:
        self._rooms[owner_vk].state = state
        self.writes += 1
        self.history.append((owner_vk, state.encode()))
        if self.on_change is not None:
            self.on_change(owner_vk)

    def _queue(self, owner_vk: bytes, delta: Delta) -> None:
        self._rooms[owner_vk].outbox.append((self._next_seq, delta.encode()))
        self._next_seq += 1
        if self.on_change is not None:
            self.on_change(owner_vk)
