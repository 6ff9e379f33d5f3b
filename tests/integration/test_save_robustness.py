"""Saves that meet hostile slots, injected failures and edge values on real profiles (issue 10)."""

from __future__ import annotations

import asyncio
import builtins
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from river_desktop import cli
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.room_state import Message
from river_desktop.domain.rooms import PresentSlot, Rooms, encode_slot
from river_desktop.storage.controller import RoomOutcome, StorageController
from river_desktop.storage.errors import StorageIOError
from river_desktop.storage.kv import CasResult, Conflict, KVStore
from river_desktop.storage.slots import MSG_PREFIX, decode_slot, msg_prefix, room_key
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.cli.conftest import REPO, TIMEOUT_S, Run, _env, cli_json, kv_rows
from tests.cli.conftest import cli as run_cli
from tests.helpers.kv_wrappers import CountingKV

T = TypeVar("T")
MAX_COUNTER = 2**64 - 1  # River's u64: the largest epoch a slot can hold


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())


def _raw_store(profile: Path) -> SqliteKV:
    return SqliteKV(profile / "river.sqlite3")


# --- item 1: a slot that holds another room -------------------------------------------------------


def test_a_slot_holding_another_room_fails_only_that_room(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        try:
            writer = ctl.open_session("writer")
            rooms = await ctl.load(writer)
            a = rooms.create_room("A", "me").owner_vk
            b = rooms.create_room("B", "me").owner_vk
            assert (await ctl.save(writer, rooms)).ok
            hostile = encode_slot(PresentSlot(rooms.rooms[a]))
            await ctl.run(lambda: ctl.store.store(room_key(b), hostile))

            rooms.rename(a, "A, renamed")
            rooms.rename(b, "B, renamed")
            report = await ctl.save(writer, rooms)
            assert report.rooms[a].outcome is RoomOutcome.STORED
            assert report.rooms[b].outcome is RoomOutcome.FAILED
            assert "another room" in report.rooms[b].reason
            assert await ctl.run(lambda: ctl.store.get(room_key(b))) == hostile

            ctl.leave_room(writer, rooms, b)  # a leave must not write over it either
            report = await ctl.save(writer, rooms)
            assert report.rooms[b].outcome is RoomOutcome.FAILED
            assert await ctl.run(lambda: ctl.store.get(room_key(b))) == hostile

            fresh = await ctl.load_with_report(ctl.open_session("reader"))
            assert fresh.rooms.rooms[a].name == "A, renamed"
            assert b not in fresh.rooms.rooms
            assert [i.key for i in fresh.issues] == [room_key(b)]
            assert "another room" in fresh.issues[0].reason
            live = await ctl.read_slots([b])
            assert getattr(live[b], "key", None) == room_key(b)  # a LoadIssue, not a slot to merge
        finally:
            await ctl.close()

    run(scenario)


@pytest.mark.slow
def test_invite_accept_over_a_slot_holding_another_room_is_one_clear_line(tmp_path: Path) -> None:
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    a = cli_json(mine, "rooms", "create", "Mine")["key"]
    x = cli_json(theirs, "rooms", "create", "Theirs")["key"]
    code = cli_json(theirs, "invite", "create", x)["code"]
    with _raw_store(mine) as store:
        store.store(f"room:{x}", store.get(f"room:{a}") or b"")
    before = kv_rows(mine)[f"room:{x}"]
    result = run_cli(mine, "invite", "accept", code)
    assert "another room" in result.error_line
    assert kv_rows(mine)[f"room:{x}"] == before
    listing = run_cli(mine, "rooms", "list")
    assert listing.rc == 0 and "another room" in listing.err


# --- item 2: messages send is atomic ----------------------------------------------------------------


class FailingRoomWritesKV(CountingKV):
    """Every write that touches a room slot fails with an I/O error (and rolls back its transaction)."""

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        if key.startswith("room:"):
            raise StorageIOError("injected I/O error")
        return super().cas_store(key, value, expected_generation)

    def cas_store_many(self, items: Sequence[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        if any(key.startswith("room:") for key, _, _ in items):
            raise StorageIOError("injected I/O error")
        return super().cas_store_many(items)


class RoomAlwaysConflictsKV(CountingKV):
    """Every CAS on a room slot loses (as if another writer always got there first); other keys are written."""

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        if key.startswith("room:"):
            return self._lose(key)
        return super().cas_store(key, value, expected_generation)

    def cas_store_many(self, items: Sequence[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        items = list(items)
        rest = super().cas_store_many([item for item in items if not item[0].startswith("room:")])
        results = iter(rest)
        return [self._lose(key) if key.startswith("room:") else next(results) for key, _, _ in items]

    def _lose(self, key: str) -> Conflict:
        current, generation = self.inner.get_versioned(key)
        return Conflict(generation + 1, current)


def _patch_store(monkeypatch: pytest.MonkeyPatch, wrapper: Callable[[KVStore], KVStore]) -> None:
    class Wrapped(StorageController):
        @classmethod
        async def open(cls, profile_dir: str | Path | None = None) -> StorageController:
            inner = await StorageController.open(profile_dir)
            return StorageController(wrapper(inner.store), inner.profile)

    monkeypatch.setattr(cli, "StorageController", Wrapped)


def _messages(profile: Path) -> list[str]:
    with _raw_store(profile) as store:
        return [key for key, _gen, _payload in store.scan(MSG_PREFIX)]


def test_send_whose_save_fails_posts_nothing(
    profile_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--profile", str(profile_dir), "rooms", "create", "Atomic"]) == 0
    capsys.readouterr()
    _patch_store(monkeypatch, FailingRoomWritesKV)
    assert cli.main(["--profile", str(profile_dir), "messages", "send", "Atomic", "hello"]) == 1
    err = capsys.readouterr().err
    assert "injected I/O error" in err and "not posted" in err and "Traceback" not in err
    assert _messages(profile_dir) == []


def test_send_whose_message_landed_but_save_failed_says_it_was_posted(
    profile_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--profile", str(profile_dir), "rooms", "create", "Posted"]) == 0
    capsys.readouterr()
    _patch_store(monkeypatch, RoomAlwaysConflictsKV)
    assert cli.main(["--profile", str(profile_dir), "messages", "send", "Posted", "only once"]) == 0
    captured = capsys.readouterr()
    assert "was posted" in captured.err and "do not send it again" in captured.err
    stored = _messages(profile_dir)
    assert len(stored) == 1 and stored[0].endswith(captured.out.strip())


# --- item 3: unread counts count what is shown ------------------------------------------------------


@pytest.mark.slow
def test_unread_counts_only_shown_messages_and_mark_read_ignores_forgeries(profile_dir: Path) -> None:
    key = cli_json(profile_dir, "rooms", "create", "Counted", "--nickname", "me")["key"]
    now = int(time.time() * 1000)
    future = now + 10 * 365 * 24 * 3600 * 1000

    async def setup() -> Invitation:
        ctl = await StorageController.open(profile_dir)
        try:
            session = ctl.open_session("setup")
            rooms = await ctl.load(session)
            vk = next(iter(rooms.rooms))
            room = rooms.rooms[vk]
            inv = Invitation.create(vk, room.self_identity.seed)
            rooms.rooms[vk] = replace(room, room_state=room.room_state.with_member(inv.invitee))
            assert (await ctl.save(session, rooms)).ok
            friend = inv.invitee_identity
            stranger = SigningIdentity.generate()
            other = Rooms().create_room("Other", "x")
            good = Message.create(vk, friend, "hello from a member", timestamp=now)
            by_stranger = Message.create(vk, stranger, "a non-member, from the future", timestamp=future)
            forged = replace(Message.create(vk, friend, "signed", timestamp=future), text="forged")
            elsewhere = Message.create(other.owner_vk, other.self_identity, "another room", timestamp=future)

            def put() -> None:
                ctl.store.cas_store(f"{msg_prefix(vk)}{good.id}", good.encode(), 0)
                ctl.store.cas_store(f"{msg_prefix(vk)}{by_stranger.id}", by_stranger.encode(), 0)
                ctl.store.cas_store(f"{msg_prefix(vk)}{forged.id}", forged.encode(), 0)
                ctl.store.cas_store(f"{msg_prefix(vk)}{elsewhere.id}", elsewhere.encode(), 0)

            await ctl.run(put)
            return inv
        finally:
            await ctl.close()

    friend_inv = run(setup)
    assert [r["unread"] for r in cli_json(profile_dir, "rooms", "list")] == [1]
    shown = cli_json(profile_dir, "messages", "list", key, "--mark-read")
    assert [m["text"] for m in shown] == ["hello from a member"]
    assert [r["unread"] for r in cli_json(profile_dir, "rooms", "list")] == [0]

    async def friend_posts_again() -> None:
        ctl = await StorageController.open(profile_dir)
        try:
            later = Message.create(
                friend_inv.room, friend_inv.invitee_identity, "a minute later", timestamp=now + 60_000
            )
            assert await ctl.append_message(ctl.open_session("friend"), later)
        finally:
            await ctl.close()

    run(friend_posts_again)  # the marker was not pushed ten years ahead by a message nobody sees
    assert [r["unread"] for r in cli_json(profile_dir, "rooms", "list")] == [1]


# --- item 4: epochs at 2^64 - 1 ---------------------------------------------------------------------


@pytest.mark.slow
def test_rooms_leave_at_the_largest_epoch_is_refused_and_writes_nothing(profile_dir: Path) -> None:
    key = cli_json(profile_dir, "rooms", "create", "Ancient")["key"]
    with _raw_store(profile_dir) as store:
        slot = decode_slot(store.get(f"room:{key}") or b"")
        assert isinstance(slot, PresentSlot)
        store.store(f"room:{key}", encode_slot(PresentSlot(replace(slot.room, epoch=MAX_COUNTER))))
    before = kv_rows(profile_dir)
    result = run_cli(profile_dir, "rooms", "leave", key)
    assert "largest possible value" in result.error_line
    assert kv_rows(profile_dir) == before


# --- item 8: new rooms land in one predictable place -----------------------------------------------


@pytest.mark.slow
def test_rooms_created_by_the_cli_are_listed_in_creation_order_everywhere(profile_dir: Path) -> None:
    first = cli_json(profile_dir, "rooms", "create", "First")["key"]

    async def open_windows() -> tuple[StorageController, Rooms, Rooms, object, object]:
        ctl = await StorageController.open(profile_dir)
        live, stale = ctl.open_session("live window"), ctl.open_session("stale window")
        return ctl, await ctl.load(live), await ctl.load(stale), live, stale

    async def scenario() -> None:
        ctl, live_rooms, stale_rooms, live, stale = await open_windows()
        try:
            for name in ("Second", "Third", "Fourth"):  # other processes, while the windows are open
                await asyncio.to_thread(cli_json, profile_dir, "rooms", "create", name)
            names = [r["name"] for r in await asyncio.to_thread(cli_json, profile_dir, "rooms", "list")]
            assert names == ["First", "Second", "Third", "Fourth"]

            # the live window applies what the change feed would tell it: the slots, then the preferences
            listed = await asyncio.to_thread(cli_json, profile_dir, "rooms", "list")
            keys = [cli.parse_b58_room(r["key"]) for r in listed]
            for vk, slot in (await ctl.read_slots([k for k in keys if k is not None])).items():
                assert isinstance(slot, PresentSlot)
                live_rooms.apply_slot(vk, slot)
            meta = await ctl.read_meta()
            assert meta is not None
            live_rooms.apply_meta(meta)
            ctl.note_meta_adopted(live, meta)  # type: ignore[arg-type]
            assert [live_rooms.rooms[k].name for k in live_rooms.ordered_keys()] == names

            live_rooms.create_room("Fifth", "me")
            assert (await ctl.save(live, live_rooms)).ok  # type: ignore[arg-type]
            stale_rooms.create_room("Sixth", "me")  # never saw Second..Fifth
            assert (await ctl.save(stale, stale_rooms)).ok  # type: ignore[arg-type]
        finally:
            await ctl.close()

    run(scenario)
    final = [r["name"] for r in cli_json(profile_dir, "rooms", "list")]
    assert final == ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"]
    assert cli_json(profile_dir, "rooms", "list")[0]["key"] == first


# --- item 10: what held keeps holding --------------------------------------------------------------


def _nested_array(depth: int) -> bytes:
    return b"\x81" * depth + b"\x00"


@pytest.mark.parametrize(
    "bomb",
    [
        _nested_array(100_000),
        b"\xa1\x67Present" + _nested_array(50_000),
        b"\x9b" + (2**63).to_bytes(8, "big"),  # an array declaring 2^63 items
        b"\x5b" + (2**62).to_bytes(8, "big") + b"\x00",  # a byte string declaring 2^62 bytes
        b"\xa1\x67Present\xbb" + (2**40).to_bytes(8, "big"),  # a map declaring 2^40 pairs
    ],
    ids=["nested arrays", "nested under Present", "huge array", "huge bytes", "huge map"],
)
def test_cbor_bombs_in_a_slot_are_reported_as_undecodable(profile_dir: Path, bomb: bytes) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        try:
            writer = ctl.open_session("writer")
            rooms = await ctl.load(writer)
            vk = rooms.create_room("Bombed", "me").owner_vk
            fine = rooms.create_room("Fine", "me").owner_vk
            assert (await ctl.save(writer, rooms)).ok
            await ctl.run(lambda: ctl.store.store(room_key(vk), bomb))
            result = await ctl.load_with_report(ctl.open_session("reader"))
            assert fine in result.rooms.rooms and vk not in result.rooms.rooms
            assert [i.key for i in result.issues] == [room_key(vk)]
            rooms.rename(vk, "over the bomb")
            report = await ctl.save(writer, rooms)
            assert report.rooms[vk].outcome is RoomOutcome.FAILED
            assert await ctl.run(lambda: ctl.store.get(room_key(vk))) == bomb
        finally:
            await ctl.close()

    run(scenario)


# --- item 10: a lock held past the busy timeout ------------------------------------------------------


def _hold_write_lock(profile: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(profile / "river.sqlite3", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_lock_held_past_the_busy_timeout_fails_clearly_and_writes_nothing(
    profile_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--profile", str(profile_dir), "rooms", "create", "Locked"]) == 0
    capsys.readouterr()
    before = kv_rows(profile_dir)

    class Impatient(StorageController):
        @classmethod
        async def open(cls, profile_dir: str | Path | None = None) -> StorageController:
            inner = await StorageController.open(profile_dir)
            inner.store.close()
            return StorageController(SqliteKV(Path(str(profile_dir)) / "river.sqlite3", busy_timeout_ms=100))

    monkeypatch.setattr(cli, "StorageController", Impatient)
    holder = _hold_write_lock(profile_dir)
    try:
        send = cli.main(["--profile", str(profile_dir), "messages", "send", "Locked", "waiting"])
        send_err = capsys.readouterr().err
        rename = cli.main(["--profile", str(profile_dir), "rooms", "rename", "Locked", "Unlocked"])
        rename_err = capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert send == 1 and "stayed locked" in send_err and "not posted" in send_err
    assert rename == 1 and "stayed locked" in rename_err
    for err in (send_err, rename_err):
        assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert kv_rows(profile_dir) == before


# --- item 10: a full disk and a file size limit ----------------------------------------------------


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def _assert_failed_cleanly(result: Run, profile: Path, kept: str) -> None:
    assert result.rc == 1, result.describe()
    assert "Traceback" not in result.err and len(result.err.splitlines()) == 1, result.describe()
    assert _integrity(profile / "river.sqlite3") == "ok"
    assert kept in [r["key"] for r in cli_json(profile, "rooms", "list")]


@pytest.mark.slow
def test_a_full_disk_gives_a_clear_error_and_an_intact_database(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        profile = mount / "p"
        kept = cli_json(profile, "rooms", "create", "Before the disk filled")["key"]
        result = run_cli(profile, "demo", "populate", "--rooms", "40", "--messages-per-room", "100", "--seed", "1")
        assert "full" in result.err, result.describe()
        _assert_failed_cleanly(result, profile, kept)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


RLIMITED = r"""
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["river-desktop-cli", *sys.argv[2:]]
runpy.run_module("river_desktop.cli", run_name="__main__")
"""


@pytest.mark.slow
def test_a_file_size_limit_gives_a_clear_error_and_an_intact_database(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    kept = cli_json(profile, "rooms", "create", "Before the limit")["key"]
    limit = 256 * 1024
    cmd = [sys.executable, "-c", RLIMITED, str(limit), "--profile", str(profile),
           "demo", "populate", "--rooms", "40", "--messages-per-room", "100", "--seed", "2"]
    proc = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    _assert_failed_cleanly(Run(tuple(cmd[3:]), proc.returncode, proc.stdout, proc.stderr), profile, kept)


def test_unread_follows_membership_after_the_signature_was_checked_once(profile_dir: Path) -> None:
    async def scenario() -> None:
        ctl = await StorageController.open(profile_dir)
        try:
            session = ctl.open_session("owner")
            rooms = await ctl.load(session)
            room = rooms.create_room("Members only", "me")
            inv = Invitation.create(room.owner_vk, room.self_identity.seed)
            msg = Message.create(room.owner_vk, inv.invitee_identity, "before I was admitted")
            assert await ctl.append_message(session, msg)
            assert (await ctl.unread_counts(rooms))[room.owner_vk] == 0
            rooms.rooms[room.owner_vk] = replace(room, room_state=room.room_state.with_member(inv.invitee))
            assert (await ctl.unread_counts(rooms))[room.owner_vk] == 1
        finally:
            await ctl.close()

    run(scenario)
