"""A real River Desktop 0.1.0 profile upgrades to River's model with nothing lost, and resumes after a SIGKILL.

``tests/fixtures/profile-0.1.0/expected.json`` is what the 0.1.0 code read from the fixture's file; every room,
member, nickname, message, read marker and preference in it must be there after the upgrade.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from river_desktop.domain.river import codec as c
from river_desktop.domain.river import content as ct
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import MSG_PREFIX, RIVER_MIGRATION_DONE_KEY, ROLLBACK_PREFIX, ROOM_PREFIX, b58
from river_desktop.storage.sqlite_kv import SqliteKV

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "profile-0.1.0"
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text())


def _copy(tmp_path: Path) -> Path:
    profile = tmp_path / "profile"
    profile.mkdir(mode=0o700)
    shutil.copy(FIXTURE / "river.sqlite3", profile / "river.sqlite3")
    return profile


def _rows(profile: Path) -> dict[str, bytes]:
    with sqlite3.connect(profile / "river.sqlite3") as conn:
        rows = {str(k): bytes(v) for k, v in conn.execute("SELECT key, value FROM kv")}
    conn.close()
    return rows


def _load(profile: Path) -> tuple[Rooms, dict[bytes, list[AuthorizedMessage]], bool]:
    async def run() -> tuple[Rooms, dict[bytes, list[AuthorizedMessage]], bool]:
        ctl = await StorageController.open(profile)
        try:
            result = await ctl.load_with_report()
            assert result.issues == ()
            history = {vk: await ctl.read_messages(vk, limit=10_000) for vk in result.rooms.rooms}
            return result.rooms, history, result.migrated
        finally:
            await ctl.close()

    return asyncio.run(run())


def _text(msg: AuthorizedMessage) -> tuple[str, int | None]:
    content = ct.decode_content(msg.message.content.content_type, msg.message.content.content_version, _data(msg))
    if isinstance(content, ct.ReplyContent):
        return content.text, content.target_message_id
    assert isinstance(content, ct.TextContent)
    return content.text, None


def _data(msg: AuthorizedMessage) -> bytes:
    data = c.loads(msg.message.content.encode())["Public"]["data"]
    return bytes(data)


def assert_matches_expected(rooms: Rooms, history: dict[bytes, list[AuthorizedMessage]]) -> None:
    by_key = {b58(vk): vk for vk in rooms.rooms}
    assert set(by_key) == set(EXPECTED["rooms"])
    assert {b58(vk): e for vk, e in rooms.removed.items()} == EXPECTED["left"]
    assert [b58(vk) for vk in rooms.ordered_keys()] == EXPECTED["order"]
    assert {b58(vk): m.value for vk, m in rooms.notification_modes.items()} == EXPECTED["notification_modes"]
    assert rooms.current_room == (None if EXPECTED["current_room"] is None else by_key[EXPECTED["current_room"]])
    for key, want in EXPECTED["rooms"].items():
        room = rooms.rooms[by_key[key]]
        assert room.name == (want["name"] or ""), key
        assert room.description == (want["description"] or ""), key
        assert room.is_owner == want["is_owner"] and room.self_vk.hex() == want["self_vk"]
        assert (room.self_nickname or "") == want["self_nickname"]
        assert room.membership_epoch == want["epoch"] and room.identity_generation == want["identity_generation"]
        assert {str(v): s.hex() for v, s in room.invitation_secrets.items()} == want["invitation_secrets"]
        known = {m.member.member_vk.hex() for m in (*room.legacy_members(), *room.room_state.members)}
        assert set(want["members"]) <= known, key
        nicknames = {vk.hex(): n for vk, n in room.legacy_nicknames().items()}
        if room.self_nickname:
            nicknames[room.self_vk.hex()] = room.self_nickname
        for vk_hex, nick in want["nicknames"].items():
            assert nicknames.get(vk_hex) == nick, (key, nick)
        msgs = history[room.owner_vk]
        assert len(msgs) == len(want["messages"]), key
        new_id: dict[str, int] = {}
        for got, old in zip(msgs, want["messages"], strict=True):
            text, target = _text(got)
            assert text == old["text"] and got.message.time.millis == old["timestamp"]
            assert got.author == c.fast_hash(bytes.fromhex(old["author"]))
            assert target == (None if old["reply_to"] is None else new_id[old["reply_to"]])
            mine = old["author"] == want["self_vk"]
            assert room.verifies(got) is mine, "re-signed if ours, kept but not verifiable by River if not"
            new_id[old["id"]] = got.id
        if want["last_read"] is None:
            assert room.last_read is None
        else:
            assert room.last_read is not None
            assert room.last_read.time.millis == want["last_read"][0]
            assert room.last_read.message_id == new_id[want["last_read"][1]]
        if room.is_owner:
            room.room_state.verify(room.owner_vk)


def test_a_0_1_0_profile_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    profile = _copy(tmp_path)
    before = _rows(profile)
    rooms, history, migrated = _load(profile)
    assert migrated
    assert_matches_expected(rooms, history)
    after = _rows(profile)
    for key, value in before.items():
        if key.startswith(MSG_PREFIX):
            assert after[key] == value, "0.1.0's messages stay where they are"
        if key.startswith(ROOM_PREFIX) or key == "rooms_meta":
            assert after[ROLLBACK_PREFIX + key][9:] == value[9:], "the rollback copy is 0.1.0's bytes"
    assert RIVER_MIGRATION_DONE_KEY in after
    assert rooms.notification_mode(next(iter(rooms.rooms))) in NotificationMode
    again, history_again, migrated_again = _load(profile)
    assert not migrated_again and _rows(profile).keys() == after.keys()
    assert_matches_expected(again, history_again)


def test_a_sigkill_mid_upgrade_resumes_to_the_same_result(tmp_path: Path) -> None:
    profile = _copy(tmp_path)
    for after in (1, 2, 4):  # the rollback copy, then one room, then three more: each a real SIGKILL
        proc = subprocess.run(
            [sys.executable, "-m", "tests.helpers.migrate_and_die", "--profile", str(profile), "--after", str(after)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        rows = _rows(profile)
        assert RIVER_MIGRATION_DONE_KEY not in rows
        with sqlite3.connect(profile / "river.sqlite3") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
    rooms, history, _ = _load(profile)
    assert_matches_expected(rooms, history)
    store = SqliteKV(profile / "river.sqlite3")
    try:
        assert store.get(RIVER_MIGRATION_DONE_KEY) is not None
    finally:
        store.close()


@pytest.mark.parametrize("key", ["v010:rooms_meta"])
def test_the_rollback_copy_is_written_before_any_room_is_converted(tmp_path: Path, key: str) -> None:
    profile = _copy(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "tests.helpers.migrate_and_die", "--profile", str(profile), "--after", "1"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    rows = _rows(profile)
    assert key in rows
    assert all(ROLLBACK_PREFIX + k in rows for k in rows if k.startswith(ROOM_PREFIX))
    assert not any(k.startswith("hist:") for k in rows), "no room was converted before the copy was complete"


def test_the_first_cli_read_upgrades_and_says_so(tmp_path: Path) -> None:
    """A read command opens read-only; meeting a 0.1.0 profile it opens it for writing once, for the upgrade."""
    profile = _copy(tmp_path)
    cmd = [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "--json", "rooms", "list"]
    first = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert "upgraded 9 room(s) from River Desktop 0.1.0" in first.stderr and "v010:" in first.stderr
    assert [r["key"] for r in json.loads(first.stdout)] == EXPECTED["order"]
    second = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert second.returncode == 0 and second.stderr == "" and second.stdout == first.stdout
