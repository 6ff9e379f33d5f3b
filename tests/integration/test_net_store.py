"""The SQLite RoomSyncStore (storage/net_store.py) on real profile files, with real processes for the lease."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cbor2
import pytest

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.content import CONTENT_TYPE_TEXT
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.rooms import Rooms
from river_desktop.net.sync_store import RoomSyncStore
from river_desktop.storage.controller import ChangeEvent, StorageController
from river_desktop.storage.net_store import LEASE_KEY, NetStore, outbox_key_of, seq_of
from river_desktop.storage.slots import b58, outbox_prefix, room_key

REPO = Path(__file__).resolve().parents[2]


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _create(profile: Path, posts: tuple[str, ...] = ()) -> tuple[bytes, Rooms]:
    """A room created in ``profile`` with ``posts`` sent one save at a time, as the CLI does."""
    ctl = await StorageController.open(profile)
    try:
        session = ctl.open_session("t")
        rooms = await ctl.load(session)
        vk = rooms.create_room("Garden", "alice").owner_vk
        assert (await ctl.save(session, rooms)).ok
        for text in posts:
            msg = rooms.post_message(vk, text)
            assert (await ctl.save(session, rooms, messages=[msg])).ok
        return vk, rooms
    finally:
        await ctl.close()


def text_of(msg: AuthorizedMessage) -> str | None:
    body = msg.message.content
    if body.content_type != CONTENT_TYPE_TEXT or not body.is_public:
        return None
    value = cbor2.loads(body.data)
    return value.get("text") if isinstance(value, dict) else None


def _texts(delta_bytes: bytes) -> list[str]:
    d = Delta.decode(delta_bytes)
    return [t for m in d.recent_messages or () if (t := text_of(m)) is not None]


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    return tmp_path / "p"


def test_the_outbox_holds_each_change_in_order_and_ack_deletes_it(profile: Path) -> None:
    vk, _ = run(_create(profile, ("one", "two", "three")))  # type: ignore[misc]

    async def check() -> None:
        ctl = await StorageController.open(profile)
        try:
            store = NetStore(ctl)
            entries = await asyncio.to_thread(store.outbox, vk)
            assert [seq for seq, _ in entries] == sorted(seq for seq, _ in entries)
            posted = [t for _, d in entries for t in _texts(d)]
            assert posted == ["one", "two", "three"]
            keys = ctl.store.list(outbox_prefix(vk))
            assert [outbox_key_of(vk, seq) for seq, _ in entries] == keys
            await asyncio.to_thread(store.ack, vk, [entries[0][0], entries[1][0]])
            left = await asyncio.to_thread(store.outbox, vk)
            assert left == entries[2:]
        finally:
            await ctl.close()

    run(check())


def test_an_acked_entry_is_never_written_again_by_a_stale_writer(profile: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("window")
            rooms = await ctl.load(session)
            vk = rooms.create_room("Garden", "alice").owner_vk
            msg = rooms.post_message(vk, "once")
            stale = rooms.copy()  # a writer that still holds the change as pending
            assert (await ctl.save(session, rooms, messages=[msg])).ok
            store = NetStore(ctl)
            entries = await asyncio.to_thread(store.outbox, vk)
            assert entries
            await asyncio.to_thread(store.ack, vk, [seq for seq, _ in entries])
            stale.rename(vk, "Garden 2")  # forces a save of the room, pending changes included
            assert (await ctl.save(ctl.open_session("stale"), stale)).ok
            again = [d for _, d in await asyncio.to_thread(store.outbox, vk)]
            assert not any("once" in _texts(d) for d in again)
            assert len(again) == 1  # only the rename
        finally:
            await ctl.close()

    run(scenario())


def test_seq_round_trips_through_the_key() -> None:
    suffix = f"{123456789:016x}{999:08x}:{0xDEADBEEF:016x}"
    seq = seq_of(suffix)
    assert seq is not None
    vk = bytes(range(32))
    assert outbox_key_of(vk, seq) == f"{outbox_prefix(vk)}{suffix}"
    assert seq_of("nothex" + suffix[6:]) is None
    assert seq_of(suffix.replace(":", "")) is None


def test_the_confirmed_summary_survives_reopening(profile: Path) -> None:
    vk, _ = run(_create(profile))  # type: ignore[misc]

    async def write_then_read() -> None:
        ctl = await StorageController.open(profile)
        store = NetStore(ctl)
        assert await asyncio.to_thread(store.confirmed, vk) is None
        await asyncio.to_thread(store.set_confirmed, vk, b"\xa1summary")
        await ctl.close()
        ctl = await StorageController.open(profile)
        try:
            assert await asyncio.to_thread(NetStore(ctl).confirmed, vk) == b"\xa1summary"
            assert ctl.store.get(f"net:{b58(vk)}") is not None
        finally:
            await ctl.close()

    run(write_then_read())


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def leases(profile: Path) -> Iterator[tuple[NetStore, _Clock]]:
    ctl = StorageController.open_sync(profile)
    clock = _Clock()
    yield NetStore(ctl, clock=clock), clock
    asyncio.run(ctl.close())


# (held by, expired?, holder asking, try_lease, renew_lease)
LEASE_TABLE = [
    (None, False, "a", True, False),
    ("a", False, "a", True, True),
    ("b", False, "a", False, False),
    ("b", True, "a", True, False),
    ("a", True, "a", True, False),
]


@pytest.mark.parametrize(("held", "expired", "asker", "can_take", "can_renew"), LEASE_TABLE)
def test_lease_decisions(
    leases: tuple[NetStore, _Clock], held: str | None, expired: bool, asker: str, can_take: bool, can_renew: bool
) -> None:
    store, clock = leases
    if held is not None:
        assert store.try_lease(held, 10)
        clock.now += 11 if expired else 5
    assert store.renew_lease(asker, 10) is can_renew
    assert store.try_lease(asker, 10) is can_take
    assert store.lease_holder() == (asker if can_take else held)


def test_release_frees_the_lease_only_for_its_holder(leases: tuple[NetStore, _Clock]) -> None:
    store, _ = leases
    assert store.try_lease("a", 10)
    store.release_lease("b")
    assert store.lease_holder() == "a"
    store.release_lease("a")
    assert store.lease_holder() is None
    assert store.try_lease("b", 10)


LEASE_CHILD = r"""
import asyncio, sys
from river_desktop.storage.controller import StorageController
from river_desktop.storage.net_store import NetStore
ctl = StorageController.open_sync(sys.argv[1])
store = NetStore(ctl)
print("READY", flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "take":
        print("taken" if store.try_lease(sys.argv[2], 60) else "refused", flush=True)
    elif cmd == "release":
        store.release_lease(sys.argv[2])
        print("released", flush=True)
    elif cmd == "quit":
        break
asyncio.run(ctl.close())
"""


def _child(profile: Path, name: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LEASE_CHILD, str(profile), name],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    return proc


def _ask(proc: subprocess.Popen[str], cmd: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(cmd + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def test_one_process_at_a_time_holds_the_lease(profile: Path) -> None:
    run(_create(profile))
    procs = [_child(profile, f"proc-{i}") for i in range(4)]
    try:
        assert procs[0].stdin is not None
        for proc in procs:  # all asked before any answer is read: they race for the row
            assert proc.stdin is not None
            proc.stdin.write("take\n")
            proc.stdin.flush()
        answers = [proc.stdout.readline().strip() for proc in procs if proc.stdout is not None]
        assert sorted(answers) == ["refused", "refused", "refused", "taken"]
        winner = procs[answers.index("taken")]
        loser = procs[answers.index("refused")]
        assert _ask(loser, "take") == "refused"
        assert _ask(loser, "release") == "released"  # not its lease: nothing happens
        assert _ask(procs[(answers.index("taken") + 1) % 4], "take") in ("refused",)
        assert _ask(winner, "release") == "released"
        assert _ask(loser, "take") == "taken"
    finally:
        for proc in procs:
            _ask(proc, "quit") if proc.poll() is None else None
            proc.wait(timeout=30)
    ctl = StorageController.open_sync(profile)
    try:
        assert ctl.store.get(LEASE_KEY) is not None
    finally:
        asyncio.run(ctl.close())


async def _invite(profile_owner: Path, owner_rooms: Rooms, vk: bytes) -> Invitation:
    room = owner_rooms.rooms[vk]
    return Invitation.create(room=vk, inviter_signing_key=room.self_identity.seed,
                             room_secrets=room.invitation_secrets.items())


def test_a_waiting_room_adopts_the_network_state_and_every_window_sees_it(tmp_path: Path) -> None:
    owner_profile, bob_profile = tmp_path / "owner", tmp_path / "bob"
    vk, owner_rooms = run(_create(owner_profile, ("hello bob",)))  # type: ignore[misc]
    network_state = owner_rooms.rooms[vk].room_state

    async def scenario() -> None:
        inv = await _invite(owner_profile, owner_rooms, vk)
        ctl = await StorageController.open(bob_profile)
        window = await StorageController.open(bob_profile)
        try:
            session = ctl.open_session("cli")
            rooms = await ctl.load(session)
            rooms.accept_invitation(inv, "bob")
            ctl.mark_room_rejoined(session, vk)
            assert (await ctl.save(session, rooms)).ok
            store: RoomSyncStore = NetStore(ctl)
            assert list(await asyncio.to_thread(store.rooms_to_sync)) == [(vk, rooms.rooms[vk].contract_key.code, True)]
            assert await asyncio.to_thread(store.local_state, vk) is None
            join = await asyncio.to_thread(store.outbox, vk)
            assert len(join) == 1

            seen = asyncio.Event()

            def on_change(event: ChangeEvent) -> None:
                if room_key(vk) in event.keys:
                    seen.set()

            window.subscribe(on_change)
            stored = await asyncio.to_thread(store.merge_from_network, vk, network_state.encode())
            await asyncio.wait_for(seen.wait(), 30)

            state = ChatRoomState.decode(stored)
            state.verify(vk)
            assert inv.invitee_identity.member_id in {m.member.id for m in state.members}
            assert await asyncio.to_thread(store.outbox, vk) == join  # still to be sent
            assert [r[2] for r in await asyncio.to_thread(store.rooms_to_sync)] == [False]
            loaded = await window.load()
            assert loaded.rooms[vk].name == "Garden"
            assert not loaded.rooms[vk].waiting
            page = await window.read_messages(vk)
            assert "hello bob" in [text_of(m) for m in page]
        finally:
            await window.close()
            await ctl.close()

    run(scenario())


def test_a_network_state_is_merged_with_rivers_merge_not_replaced(tmp_path: Path) -> None:
    profile = tmp_path / "alice"
    vk, rooms = run(_create(profile, ("local",)))  # type: ignore[misc]
    elsewhere = rooms.copy()
    elsewhere.post_message(vk, "from another device")
    network = elsewhere.rooms[vk].room_state

    async def scenario() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("later")
            mine = await ctl.load(session)
            mine.post_message(vk, "offline")
            assert (await ctl.save(session, mine)).ok
            store = NetStore(ctl)
            merged = ChatRoomState.decode(await asyncio.to_thread(store.merge_from_network, vk, network.encode()))
            texts = {text_of(m) for m in merged.recent_messages}
            assert {"local", "offline", "from another device"} <= texts
            again = await asyncio.to_thread(store.merge_from_network, vk, network.encode())
            assert again == merged.encode()  # idempotent
        finally:
            await ctl.close()

    run(scenario())


def test_left_rooms_are_not_synced(profile: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("t")
            rooms = await ctl.load(session)
            keep = rooms.create_room("Keep", "a").owner_vk
            gone = rooms.create_room("Gone", "a").owner_vk
            assert (await ctl.save(session, rooms)).ok
            ctl.leave_room(session, rooms, gone)
            assert (await ctl.save(session, rooms)).ok
            listed = await asyncio.to_thread(NetStore(ctl).rooms_to_sync)
            assert [r[0] for r in listed] == [keep]
        finally:
            await ctl.close()

    run(scenario())
