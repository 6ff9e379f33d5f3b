"""The sync engine: keeps a profile's River rooms in step with a Freenet node, offline first.

Per connection: for each room GET it (a node refuses SUBSCRIBE for a contract it does not hold), merge the
node's state into the store, SUBSCRIBE; or PUT it with subscribe when the node lacks it and the contract code
is at hand. Then drain the room's outbox in order as ``UPDATE(Delta)`` and finally reconcile: send
``delta(local, summary of the network state)`` when the node lacks anything. Every ``UpdateNotification`` is
checked (River's ``validate_state``) and merged through the store. The connection is re-made with bounded,
jittered exponential backoff, after which every room is set up again.

Exactly once: only the lease holder sends; an entry is acked (deleted) only after its ``UpdateResponse``; the
first push of a room in each connection (and any refused UPDATE) first checks the outbox's head against the
node's state and acks, without sending, what the node already holds; so a reply lost with a dropped connection
or a crashed process is never followed by a re-send. That matters: a message sent twice is harmless, but a
configuration sent twice aborts River's update. A refused entry is kept, the room shows Failed with the
node's reason, and it is not sent again by this engine (:meth:`SyncEngine.retry` asks for one more try).

Blocking work (every store call, state checks, merges and deltas) goes through ``offload``: inline by default
(the CLI, the in-memory tests), a worker thread in the app, so the event loop it shares with the GUI never
waits on the disk or on signature checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, Summary
from river_desktop.net.client import DEFAULT_NODE_URL, FreenetClient
from river_desktop.net.client_api import UpdateNotification
from river_desktop.net.errors import (
    ContractNotFoundError,
    NetError,
    NodeError,
    NodeUnreachableError,
    RoomContractError,
)
from river_desktop.net.room_contract import RoomContract, load_contract_code
from river_desktop.net.sync_status import Backoff, Observer, Phase, SyncStatus
from river_desktop.net.sync_store import RoomSyncStore
from river_desktop.net.types import ContractCode, ContractInstanceId, ContractKey, DeltaUpdate, StateUpdate

log = logging.getLogger(__name__)

__all__ = ["Backoff", "Offload", "Phase", "SyncEngine", "SyncStatus", "already_applied", "inline"]

T = TypeVar("T")


class Offload(Protocol):
    """Runs a blocking call somewhere and awaits its result (``loop.run_in_executor`` with one thread, say)."""

    def __call__(self, fn: Callable[[], T], /) -> Awaitable[T]: ...


async def inline(fn: Callable[[], T]) -> T:
    """The default :class:`Offload`: run it right here (a process whose loop has nothing else to do)."""
    return fn()


def already_applied(network: ChatRoomState, owner_vk: bytes, delta_bytes: bytes) -> bool:
    """Whether the node's state already holds everything ``delta_bytes`` carries (so it must not be re-sent).

    A configuration the network holds at the same or a later version counts as applied only when it is the
    very same signed configuration; the rest is applied to a copy and compared."""
    try:
        d = Delta.decode(delta_bytes)
    except DecodeError:
        return False
    if d.configuration is not None:
        ours = d.configuration.configuration.configuration_version
        if network.config.configuration_version >= ours:
            if network.configuration != d.configuration:
                return False
            d = replace(d, configuration=None)
            if d.is_empty():
                return True
    try:
        return sync.apply_delta(network, owner_vk, d).encode() == network.encode()
    except (DecodeError, RiverRuleError):
        return False


class _BadState(Exception):
    """The node sent bytes River's contract would not accept as this room's state."""


@dataclass
class _Room:
    owner_vk: bytes
    key: ContractKey
    network: ChatRoomState | None = None
    subscribed: bool = False
    checked_outbox: bool = False
    looked_under_lease: bool = False
    """Whether this engine read the node's state of the room since it last took the sending lease."""
    summary: bytes | None = None
    stuck: int | None = None
    failure: str = ""
    reconcile_failed: bool = False
    status: SyncStatus = field(default_factory=lambda: SyncStatus(Phase.LOCAL_ONLY))


class SyncEngine:
    """Run with ``await engine.run()`` (until :meth:`stop`), or one round with :meth:`sync_once` (the CLI).

    ``holder`` names this process in the store's lease. ``contract_code`` or ``contract_file`` (River's raw
    ``room_contract.wasm``) lets it publish rooms the node lacks; without them it borrows the code from a room
    the node has (``GET`` with ``return_contract_code``). Call :meth:`kick` after writing to the outbox."""

    def __init__(
        self,
        store: RoomSyncStore,
        address: str = DEFAULT_NODE_URL,
        *,
        holder: str,
        contract: RoomContract | None = None,
        contract_code: ContractCode | None = None,
        contract_file: Path | None = None,
        backoff: Backoff | None = None,
        lease_ttl: float = 120.0,
        poll_interval: float = 15.0,
        connect_timeout: float = 5.0,
        request_timeout: float = 60.0,
        observer: Observer | None = None,
        rng: random.Random | None = None,
        offload: Offload = inline,
    ) -> None:
        self.store = store
        self._off = offload
        self.address = address
        self.holder = holder
        self.contract = contract or RoomContract()
        self.backoff = backoff or Backoff()
        self.lease_ttl = lease_ttl
        self.poll_interval = min(poll_interval, lease_ttl / 3)
        """How often a quiet connection looks again (other processes' writes, waiting rooms, a freed lease)."""
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.observer = observer
        self.sent = 0
        """UPDATE requests this engine sent (outbox entries and reconcile deltas)."""
        self.errors: deque[str] = deque(maxlen=200)
        """The latest errors reported, newest last (no secrets: node texts and our own)."""
        self._code = contract_code
        self._contract_file = contract_file
        self._rng = rng or random.Random()
        self._status = SyncStatus(Phase.LOCAL_ONLY)
        self._rooms: dict[bytes, _Room] = {}
        self._notes: dict[ContractInstanceId, list[UpdateNotification]] = {}
        self._note_event = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lease_checked = -1.0e18
        self._lease_held = False
        self._healthy = False

    # ---- status ----

    @property
    def status(self) -> SyncStatus:
        return self._status

    def room_status(self, owner_vk: bytes) -> SyncStatus:
        """A room the engine has not reached yet is Local only until it runs, then Connecting."""
        room = self._rooms.get(owner_vk)
        if room is not None:
            return room.status
        return SyncStatus(Phase.LOCAL_ONLY if self._status.phase is Phase.LOCAL_ONLY else Phase.CONNECTING)

    def knows(self, owner_vk: bytes) -> bool:
        """Whether the engine has taken this room up (a room it does not know is news worth a :meth:`kick`)."""
        return owner_vk in self._rooms

    def _set_overall(self, phase: Phase, reason: str = "") -> None:
        status = SyncStatus(phase, reason)
        if status != self._status:
            if phase is Phase.FAILED:
                self.errors.append(reason)
            self._status = status
            if self.observer is not None:
                self.observer(None, status)

    def _set_room(self, room: _Room, phase: Phase, reason: str = "") -> None:
        status = SyncStatus(phase, reason)
        if status != room.status:
            if phase is Phase.FAILED:
                self.errors.append(reason)
            room.status = status
            if self.observer is not None:
                self.observer(room.owner_vk, status)

    def _update_overall(self) -> None:
        phases = {r.status.phase for r in self._rooms.values()}
        self._set_overall(Phase.SYNCED if phases <= {Phase.SYNCED} else Phase.CONNECTED)

    # ---- control ----

    def kick(self) -> None:
        """The outbox or the room list changed: push now rather than at the next periodic check."""
        self._wake.set()

    def retry(self, owner_vk: bytes) -> None:
        """Send a room's refused entry (or reconcile delta) once more."""
        room = self._rooms.get(owner_vk)
        if room is not None:
            room.stuck = None
            room.reconcile_failed = False
            room.checked_outbox = False
        self.kick()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Connect, sync, and keep reconnecting until :meth:`stop`."""
        self._stopping.clear()
        attempt = 0
        try:
            while not self._stopping.is_set():
                self._set_overall(Phase.CONNECTING, self._status.reason if attempt else "")
                client = self._client()
                try:
                    await client.connect()
                except NetError as exc:
                    delay = self.backoff.delay(attempt, self._rng)
                    attempt += 1
                    self._set_overall(Phase.FAILED, f"{exc}; retrying in {delay:.1f} s")
                    await self._pause(delay)
                    continue
                reason = ""
                self._healthy = False
                try:
                    await self._session(client)
                except NetError as exc:
                    reason = str(exc)
                    self.errors.append(reason)
                    log.info("sync session ended: %s", reason)
                except Exception as exc:  # a store or engine bug must not end syncing silently; logged in full
                    log.exception("sync session failed")
                    reason = f"internal error ({exc.__class__.__name__}); see the log"
                    self.errors.append(reason)
                finally:
                    await client.close()
                if self._healthy:
                    attempt = 0  # a connection that got through a round starts the backoff afresh
                for room in self._rooms.values():
                    self._set_room(room, Phase.CONNECTING, reason)
                if not self._stopping.is_set():
                    self._set_overall(Phase.CONNECTING, reason)
                    await self._pause(self.backoff.delay(attempt, self._rng))
                    attempt += 1
        finally:
            await self._give_up_lease()
            for room in self._rooms.values():
                self._set_room(room, Phase.LOCAL_ONLY)
            self._set_overall(Phase.LOCAL_ONLY)

    async def sync_once(self) -> dict[bytes, SyncStatus]:
        """One round: connect, set up, push and reconcile every room, then disconnect (``net sync``).

        Raises the connection's ``NetError`` when the node cannot be reached."""
        client = self._client()
        self._set_overall(Phase.CONNECTING)
        try:
            await client.connect()
            self._reset_rooms()
            self._set_overall(Phase.CONNECTED)
            await self._refresh(client)
            await self._process_notes()
            return {owner: room.status for owner, room in self._rooms.items()}
        finally:
            await client.close()
            await self._give_up_lease()
            self._set_overall(Phase.LOCAL_ONLY)

    # ---- one connection ----

    def _client(self) -> FreenetClient:
        return FreenetClient(self.address, connect_timeout=self.connect_timeout,
                             request_timeout=self.request_timeout, on_notification=self._on_notification)

    async def _pause(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)

    def _on_notification(self, note: UpdateNotification) -> None:
        if isinstance(note.update, StateUpdate):
            self._notes[note.key.instance] = [note]  # a full state supersedes what came before it
        else:
            self._notes.setdefault(note.key.instance, []).append(note)  # deltas are kept, in order
        self._note_event.set()

    def _reset_rooms(self) -> None:
        self._notes.clear()
        for room in self._rooms.values():
            room.subscribed = False
            room.checked_outbox = False
            room.network = None
            room.summary = None

    async def _session(self, client: FreenetClient) -> None:
        self._reset_rooms()
        self._set_overall(Phase.CONNECTED)
        self._wake.set()
        closed = asyncio.ensure_future(client.wait_closed())
        try:
            while not self._stopping.is_set():
                if closed.done():
                    raise NodeUnreachableError(closed.result())
                if self._note_event.is_set():
                    await self._process_notes()
                if self._wake.is_set():
                    self._wake.clear()
                    await self._refresh(client)
                    self._healthy = True
                    continue
                waits = [asyncio.ensure_future(self._note_event.wait()), asyncio.ensure_future(self._wake.wait())]
                try:
                    await asyncio.wait([closed, *waits], timeout=self.poll_interval,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for w in waits:
                        w.cancel()
                if not (closed.done() or self._note_event.is_set() or self._wake.is_set()):
                    self._wake.set()  # periodic: another process may have queued changes, or the lease freed
        finally:
            closed.cancel()

    async def _refresh(self, client: FreenetClient) -> None:
        missing: list[_Room] = []
        listed = await self._off(self.store.rooms_to_sync)
        for gone in set(self._rooms) - {entry[0] for entry in listed}:
            del self._rooms[gone]  # left or deleted: its notifications are ignored from now on
        for owner, code_hash, _waiting in listed:
            room = self._room(owner, code_hash)
            if not room.subscribed and not await self._setup(client, room):
                missing.append(room)
                continue
            await self._push(client, room)
            await self._process_notes()
        for room in missing:
            if await self._publish(client, room):
                await self._push(client, room)
        self._update_overall()

    def _room(self, owner_vk: bytes, code_hash: bytes | None) -> _Room:
        room = self._rooms.get(owner_vk)
        if room is None:
            contract = self.contract if code_hash is None else RoomContract(code_hash)
            room = _Room(owner_vk, contract.key(owner_vk))
            self._rooms[owner_vk] = room
            self._set_room(room, Phase.CONNECTING)
        return room

    async def _setup(self, client: FreenetClient, room: _Room) -> bool:
        """SUBSCRIBE and GET, in the order that leaves no gap; False when the node does not have the room.

        Subscribing first means no change can fall between the state we GET and the notifications we get.
        A node refuses SUBSCRIBE for a contract it has not cached, so then: GET, SUBSCRIBE, GET again."""
        try:
            await client.subscribe(room.key.instance)
            early = True
        except (NodeError, ContractNotFoundError):
            early = False
        try:
            got = await client.get(room.key.instance)
        except ContractNotFoundError:
            return False
        except NodeError as exc:
            self._set_room(room, Phase.FAILED, f"the node could not fetch this room: {exc}")
            return True
        room.key = got.key
        if not await self._take_state(room, got.state):
            return True
        if not early:
            try:
                await client.subscribe(room.key.instance)
                got = await client.get(room.key.instance)
            except NodeError as exc:
                self._set_room(room, Phase.FAILED, f"the node refused to subscribe to this room: {exc}")
                return True
            if not await self._take_state(room, got.state):
                return True
        room.subscribed = True
        self._set_room(room, Phase.CONNECTED)
        return True

    async def _publish(self, client: FreenetClient, room: _Room) -> bool:
        owner = room.owner_vk
        local = await self._off(lambda: self.store.local_state(owner))
        if local is None:
            self._set_room(room, Phase.CONNECTED, "waiting for the room's data: the node does not have this room")
            return False
        code = await self._contract_code(client, room.key.code_hash)
        if code is None:
            self._set_room(room, Phase.FAILED, "the node does not have this room, and it cannot be published "
                                               "without the room contract's code (name River's room_contract.wasm)")
            return False
        try:
            container = RoomContract(room.key.code_hash).container(room.owner_vk, code)
            await client.put(container, local, subscribe=True)
            await client.subscribe(room.key.instance)  # freenet local ignores the PUT's subscribe
            got = await client.get(room.key.instance)  # what landed between the PUT and the SUBSCRIBE
        except (NodeError, RoomContractError, ContractNotFoundError) as exc:
            self._set_room(room, Phase.FAILED, f"publishing this room failed: {exc}")
            return False
        if not await self._take_state(room, got.state):
            return False
        room.subscribed = True
        self._set_room(room, Phase.CONNECTED)
        return True

    async def _contract_code(self, client: FreenetClient, code_hash: bytes) -> ContractCode | None:
        if self._code is not None and self._code.code_hash == code_hash:
            return self._code
        if self._contract_file is not None:
            path = self._contract_file
            try:
                self._code = await self._off(lambda: load_contract_code(path, code_hash))
                return self._code
            except RoomContractError as exc:
                self.errors.append(str(exc))
        for other in self._rooms.values():
            if other.subscribed and other.key.code_hash == code_hash:
                try:
                    got = await client.get(other.key.instance, return_contract_code=True)
                except (NodeError, ContractNotFoundError):
                    continue
                if got.contract is not None:
                    self._code = got.contract.contract.code
                    return self._code
        return None

    async def _take_state(self, room: _Room, state: bytes) -> bool:
        """Check a state from the node and merge it into the store; False (room Failed) when it is not valid."""
        owner = room.owner_vk

        def check_and_merge() -> ChatRoomState:
            checked = _checked_state(state, owner)
            self.store.merge_from_network(owner, state)
            return checked

        try:
            checked = await self._off(check_and_merge)
        except _BadState as exc:
            self._set_room(room, Phase.FAILED, str(exc))
            return False
        room.network = checked
        room.summary = None
        if room.status.phase is Phase.FAILED and room.stuck is None and not room.reconcile_failed:
            self._set_room(room, Phase.CONNECTED)
        return True

    async def _process_notes(self) -> None:
        self._note_event.clear()
        notes, self._notes = self._notes, {}
        by_instance = {r.key.instance: r for r in self._rooms.values()}
        for instance, queued in notes.items():
            room = by_instance.get(instance)
            if room is not None:
                for note in queued:
                    await self._take_note(room, note)

        if self._status.phase in (Phase.CONNECTED, Phase.SYNCED):
            self._update_overall()

    async def _take_note(self, room: _Room, note: UpdateNotification) -> None:
        update = note.update
        if isinstance(update, StateUpdate):
            state = update.state
        elif isinstance(update, DeltaUpdate) and update.delta and room.network is not None:
            network, owner, data = room.network, room.owner_vk, update.delta
            try:
                state = await self._off(lambda: sync.apply_delta(network, owner, Delta.decode(data)).encode())
            except (DecodeError, RiverRuleError) as exc:
                self._set_room(room, Phase.FAILED, f"the node sent a change River would not accept: {exc}")
                return
        else:
            return  # an empty delta is River's "nothing new"; related-contract updates are not ours
        if await self._take_state(room, state) and room.status.phase is Phase.CONNECTED:
            self._wake.set()  # the store may hold more than the node: reconcile

    # ---- sending ----

    async def _lease(self) -> bool:
        now = time.monotonic()
        if self._lease_held and now - self._lease_checked < self.lease_ttl / 3:
            return True
        holder, ttl = self.holder, self.lease_ttl
        if self._lease_held:
            self._lease_held = await self._off(lambda: self.store.renew_lease(holder, ttl))
        if not self._lease_held:
            self._lease_held = await self._off(lambda: self.store.try_lease(holder, ttl))
            if self._lease_held:
                # Another holder may have sent entries, acked or not, since this engine last looked at the node
                # or at the outbox: look at both again before sending.
                for room in self._rooms.values():
                    room.checked_outbox = False
                    room.looked_under_lease = False
        if self._lease_held:
            self._lease_checked = now
        return self._lease_held

    async def _give_up_lease(self) -> None:
        if self._lease_held:
            self._lease_held = False
            holder = self.holder
            await self._off(lambda: self.store.release_lease(holder))

    async def _push(self, client: FreenetClient, room: _Room) -> None:
        if not room.subscribed:
            return
        if room.stuck is not None or room.reconcile_failed:
            self._set_room(room, Phase.FAILED, room.failure)
            return
        owner = room.owner_vk
        while True:
            entries: Sequence[tuple[int, bytes]] = await self._off(lambda: self.store.outbox(owner))
            if not entries:
                break
            if not await self._lease():
                self._set_room(room, Phase.CONNECTED, "another process on this profile is sending")
                return
            if not room.looked_under_lease:
                if not await self._look_at_node(client, room):
                    return
                continue  # the outbox again: the holder before may have acked what it sent
            if not room.checked_outbox:
                entries = await self._off(partial(self._ack_applied, room, entries))
                room.checked_outbox = True
            handed_over = False
            for seq, data in entries:
                if not await self._lease():
                    self._set_room(room, Phase.CONNECTED, "another process on this profile is sending")
                    return
                if not room.looked_under_lease:
                    handed_over = True  # lost and taken again meanwhile: look before sending the rest
                    break
                if not await self._send_entry(client, room, seq, data):
                    return
            if not handed_over:
                break
        await self._reconcile(client, room)

    async def _look_at_node(self, client: FreenetClient, room: _Room) -> bool:
        """Read and merge the node's state of the room now that this engine holds the lease (False: the node's
        state is not valid and the room is Failed). What another process sent meanwhile is then known."""
        try:
            got = await client.get(room.key.instance)
        except (NodeError, ContractNotFoundError):
            got = None  # nothing to look at now: the node's answers to what is sent will tell
        if got is not None and not await self._take_state(room, got.state):
            return False
        room.looked_under_lease = True
        return True

    def _ack_applied(self, room: _Room, entries: Sequence[tuple[int, bytes]]) -> Sequence[tuple[int, bytes]]:
        """Ack the head of the outbox the node already holds; the rest, to send (blocking: offloaded)."""
        if room.network is None:
            return entries
        done = 0
        while done < len(entries) and already_applied(room.network, room.owner_vk, entries[done][1]):
            done += 1
        if done:
            self.store.ack(room.owner_vk, [seq for seq, _ in entries[:done]])
        return entries[done:]

    async def _send_entry(self, client: FreenetClient, room: _Room, seq: int, data: bytes) -> bool:
        try:
            reply = await client.update(room.key, DeltaUpdate(data))
        except NodeError as exc:
            # Perhaps it is there already (a reply lost with a connection, another process): look before failing.
            try:
                got = await client.get(room.key.instance)
            except (NodeError, ContractNotFoundError):
                got = None
            if got is not None and await self._take_state(room, got.state) and room.network is not None:
                network, owner = room.network, room.owner_vk
                if await self._off(lambda: already_applied(network, owner, data)):
                    await self._off(lambda: self.store.ack(owner, [seq]))
                    return True
            room.stuck = seq
            room.failure = f"the node refused a change to this room (kept, not re-sent): {exc}"
            self._set_room(room, Phase.FAILED, room.failure)
            return False
        self.sent += 1
        owner = room.owner_vk
        await self._off(lambda: self.store.ack(owner, [seq]))
        room.summary = reply.summary
        return True

    async def _reconcile(self, client: FreenetClient, room: _Room) -> None:
        """Send what the store holds and the node lacks, as one delta against the node's summary."""
        owner = room.owner_vk
        network, known = room.network, room.summary

        def compute() -> tuple[Delta | None, Summary] | None:
            local_bytes = self.store.local_state(owner)
            if self.store.outbox(owner) or local_bytes is None:
                return None
            try:
                summary = Summary.decode(known) if known is not None else None
            except DecodeError:
                summary = None
            if summary is None:
                if network is None:
                    return None
                summary = sync.summarize(network, owner)
            return sync.delta(ChatRoomState.decode(local_bytes), owner, summary), summary

        computed = await self._off(compute)
        if computed is None:
            return
        d, summary = computed
        if d is not None and not d.is_empty():
            if not await self._lease():
                self._set_room(room, Phase.CONNECTED, "another process on this profile is sending")
                return
            if not room.looked_under_lease:
                # The lease was just taken: the delta may hold what another process has sent meanwhile.
                if await self._look_at_node(client, room):
                    await self._reconcile(client, room)
                return
            try:
                reply = await client.update(room.key, DeltaUpdate(d.encode()))
            except NodeError as exc:
                room.reconcile_failed = True
                room.failure = f"the node refused this room's local changes: {exc}"
                self._set_room(room, Phase.FAILED, room.failure)
                return
            self.sent += 1
            room.summary = reply.summary
            summary_bytes = reply.summary
        else:
            summary_bytes = room.summary if room.summary is not None else summary.encode()
        await self._off(lambda: self.store.set_confirmed(owner, summary_bytes))
        self._set_room(room, Phase.SYNCED)


def _checked_state(state: bytes, owner_vk: bytes) -> ChatRoomState:
    try:
        decoded = ChatRoomState.decode(state)
        decoded.verify(owner_vk)
    except (DecodeError, RiverRuleError) as exc:
        raise _BadState(f"the node sent a room state River's contract would not accept ({exc}); not stored") from None
    return decoded
