"""Shared pieces of the sync-engine tests: rooms built with room_ops, profiles, and waiting on events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import blake3

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import views as v
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.net.room_contract import RoomContract
from river_desktop.net.sync_engine import Backoff, Offload, Phase, SyncEngine, inline
from river_desktop.net.sync_store import InMemoryRoomStore
from river_desktop.net.types import ContractCode

WAIT = 60.0
BASE = 1_750_000_000
FAKE_WASM = b"\x00asm" + b" the stand-in's room contract (River's rules run in Python)"
CODE = ContractCode(FAKE_WASM, bytes(blake3.blake3(FAKE_WASM).digest()))
CONTRACT = RoomContract(CODE.code_hash)
ALICE = SigningIdentity(bytes([1]) * 32)
OVK = ALICE.verifying_key
ALICE_ME = ops.Me(ALICE)
FAST = Backoff(initial=0.01, factor=2.0, maximum=0.2, jitter=0.5)


def at(n: int) -> SystemTime:
    return SystemTime(BASE + n)


class Signal:
    """Set by every store write and status change; :meth:`until` waits for a condition on those events."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def fire(self, *_: object) -> None:
        self.event.set()

    async def until(self, condition: Callable[[], bool], timeout: float = WAIT) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self.event.clear()
                if condition():
                    return
                await self.event.wait()


@dataclass
class Profile:
    name: str
    store: InMemoryRoomStore
    engine: SyncEngine
    task: asyncio.Task[None] | None = None
    statuses: list[tuple[bytes | None, str]] = field(default_factory=list)

    def state(self) -> ChatRoomState:
        state = self.store.state(OVK)
        assert state is not None
        return state

    def texts(self) -> list[str | None]:
        return [m.text for m in v.messages(self.state()) if m.text is not None]

    def room_name(self) -> str | None:
        return v.room_info(self.state()).name.text

    def start(self) -> None:
        assert self.task is None
        self.task = asyncio.ensure_future(self.engine.run())

    async def stop(self) -> None:
        self.engine.stop()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    def synced(self) -> bool:
        return self.engine.room_status(OVK).phase is Phase.SYNCED and not self.store.outbox(OVK)


class World:
    """A node address, profiles on it and one :class:`Signal` they all fire."""

    def __init__(self, url: str, contract: RoomContract = CONTRACT, code: ContractCode = CODE) -> None:
        self.url = url
        self.contract = contract
        self.code = code
        self.signal = Signal()
        self.profiles: list[Profile] = []
        self.clock = 10

    def tick(self) -> SystemTime:
        self.clock += 1
        return at(self.clock)

    def profile(self, name: str, store: InMemoryRoomStore | None = None, *, code: bool = True,
                lease_ttl: float = 120.0, offload: Offload = inline) -> Profile:
        store = store or InMemoryRoomStore()
        statuses: list[tuple[bytes | None, str]] = []

        def observe(owner: bytes | None, status: object) -> None:
            statuses.append((owner, str(status)))
            self.signal.fire()

        previous = store.on_change

        def changed(owner: bytes) -> None:
            if previous is not None:
                previous(owner)
            self.signal.fire()

        store.on_change = changed
        engine = SyncEngine(store, self.url, holder=name, contract=self.contract,
                            contract_code=self.code if code else None,
                            backoff=FAST, lease_ttl=lease_ttl, connect_timeout=5.0, request_timeout=20.0,
                            observer=observe, offload=offload)
        p = Profile(name, store, engine, statuses=statuses)
        self.profiles.append(p)
        return p

    def alice_room(self, store: InMemoryRoomStore) -> ChatRoomState:
        created = ops.create_room(ALICE, "Garden", None, "Alice", now=at(0))
        store.add_room(OVK, created.state, self.contract.code_hash)
        return created.state

    def invite(self, store: InMemoryRoomStore, n: int, nick: str) -> ops.Me:
        inv = Invitation.create(OVK, ALICE.seed, bytes([n]) * 32)
        joined = ops.join(None, inv, nick, now=self.tick())
        store.add_waiting(OVK, joined.delta, self.contract.code_hash)
        return ops.Me(inv.invitee_identity, inv.invitee, (), nick)

    def post(self, p: Profile, me: ops.Me, text: str) -> int:
        change = ops.post_text(p.state(), OVK, me, text, now=self.tick())
        p.store.apply(OVK, change)
        p.engine.kick()
        assert change.message_id is not None
        return change.message_id

    async def close(self) -> None:
        for p in self.profiles:
            await p.stop()
