"""``rooms list`` from the room-list summary: the same answer as the full load, at a cost that follows the list.

Not timed: the complexity is pinned by what the command reads (SQL statements traced) and imports.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from river_desktop import cli_rooms_list as fast
from river_desktop.domain.identity import member_id_display
from river_desktop.storage import sqlite_kv
from river_desktop.storage.message_rows import MESSAGE_INDEXER, member_bytes, sort_point
from river_desktop.storage.room_rows import ROOM_SUMMARIZER
from river_desktop.storage.slots import b58
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.cli.conftest import DB_NAME, REPO, _env, cli, cli_json

FORBIDDEN = ("nacl", "cryptography", "blake3", "websockets", "river_desktop.net")


def _profile(tmp_path: Path, name: str, rooms: int, messages: int = 3) -> Path:
    profile = tmp_path / name
    keys = [cli_json(profile, "rooms", "create", f"Room {i}")["key"] for i in range(rooms)]
    for key in keys:
        for m in range(messages):
            assert cli(profile, "messages", "send", key, f"hello {m}").rc == 0
    return profile


def _full_list(profile: Path, *args: str) -> Any:
    """The full load's answer (the summary bypassed), in process."""
    from river_desktop import cli

    def none(*_a: object) -> None:
        return None

    saved = fast.summary_snapshot
    fast.summary_snapshot = none  # type: ignore[assignment]
    try:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(["--profile", str(profile), "--json", "rooms", "list", *args]) == 0
        return json.loads(out.getvalue())
    finally:
        fast.summary_snapshot = saved


def _summary_answers(profile: Path) -> bool:
    return asyncio.run(fast.summary_list(profile, True)) is not None


def test_the_light_copies_agree_with_the_storage_they_mirror() -> None:
    assert fast.SCHEMA_VERSION == sqlite_kv.SCHEMA_VERSION
    assert ROOM_SUMMARIZER.name == fast.SUMMARY_NAME
    assert MESSAGE_INDEXER.name == fast.MESSAGE_INDEX_NAME
    assert MESSAGE_INDEXER.prefix == fast.HIST_PREFIX
    for mid in (0, 1, -1, 2**63 - 1, -(2**63), 123456789):
        assert fast.member_bytes(mid) == member_bytes(mid)
        assert fast.member_label(mid) == member_id_display(mid)
        assert fast.sort_point(5, 7, mid) == sort_point(5, 7, mid)
    for raw in (bytes(32), b"\0\0" + bytes(range(30)), bytes(range(200, 232))):
        assert fast.b58encode(raw) == b58(raw)
        assert fast.b58decode(b58(raw)) == raw


def test_summary_list_equals_the_full_load(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "p", 4, messages=2)
    keys = [r["key"] for r in cli_json(profile, "rooms", "list")]
    assert cli(profile, "rooms", "pin", keys[1]).rc == 0
    assert cli(profile, "rooms", "archive", keys[2]).rc == 0
    assert cli(profile, "rooms", "leave", keys[3]).rc == 0
    assert cli(profile, "rooms", "notify", keys[0], "muted").rc == 0
    private = cli_json(profile, "rooms", "create", "Sealed name", "--private", "--nickname", "zed")["key"]
    odd = 'Zoë "quoted" \\ back\tslash 🎉 \u2028 </b>'
    assert cli(profile, "rooms", "create", odd, "--nickname", "ñ \"q\" 漢字").rc == 0
    assert _summary_answers(profile)
    snap = fast.summary_snapshot(profile)
    assert snap is not None
    for args in ((), ("--all",)):
        listed = cli_json(profile, "rooms", "list", *args)
        assert listed == _full_list(profile, *args)
        printed = cli(profile, "rooms", "list", *args, as_json=True).out
        assert printed == json.dumps(_full_list(profile, *args)) + "\n"  # byte for byte
        assert fast.items_json(snap, bool(args)) == json.dumps(fast._items(snap, bool(args)))
    assert odd in {r["name"] for r in listed}
    names = {r["key"]: r["name"] for r in cli_json(profile, "rooms", "list", "--all")}
    assert names[private] == "Sealed name"
    assert names[keys[3]] == ""  # left


def test_a_slot_written_without_the_summary_is_not_trusted(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "p", 2, messages=1)
    assert _summary_answers(profile)
    key = cli_json(profile, "rooms", "list")[0]["key"]
    store = SqliteKV(profile / DB_NAME)  # a writer that keeps no summary (an older release, a tool)
    try:
        payload = store.get(f"room:{key}")
        assert payload is not None
        store.store(f"room:{key}", payload)
    finally:
        store.close()
    assert not _summary_answers(profile)
    assert cli_json(profile, "rooms", "list") == _full_list(profile)
    assert cli(profile, "rooms", "notify", key, "all").rc == 0  # a writer fills the missing row in
    assert _summary_answers(profile)


@pytest.mark.parametrize(
    "damage",
    [
        "kind = 'bogus'",
        "kind = 'problem'",
        "vk = x'00'",
        "vk = NULL",
        "name = NULL",
        "member = NULL",
        "kind = NULL, row = x'ff00'",  # what a writer of the older format leaves in these columns
    ],
)
def test_a_damaged_summary_row_is_not_trusted(tmp_path: Path, damage: str) -> None:
    profile = _profile(tmp_path, "p", 2, messages=1)
    conn = sqlite3.connect(profile / DB_NAME)
    conn.execute(f"UPDATE room_summary SET {damage} WHERE key LIKE 'room:%'")
    conn.commit()
    conn.close()
    assert not _summary_answers(profile)
    assert cli_json(profile, "rooms", "list") == _full_list(profile)


def test_a_row_an_older_writer_left_is_rewritten(tmp_path: Path) -> None:
    """A writer of the previous format fills only the CBOR ``row``: the next writable open summarizes it again."""
    profile = _profile(tmp_path, "p", 2, messages=1)
    conn = sqlite3.connect(profile / DB_NAME)
    conn.execute("UPDATE room_summary SET kind = NULL, row = x'ff00' WHERE key LIKE 'room:%'")
    conn.commit()
    conn.close()
    assert not _summary_answers(profile)
    store = SqliteKV(profile / DB_NAME)
    try:
        store.attach_summarizer(ROOM_SUMMARIZER)
        assert store.summary_step()
    finally:
        store.close()
    assert _summary_answers(profile)
    assert cli_json(profile, "rooms", "list") == _full_list(profile)


def _statements(profile: Path) -> list[str]:
    traced: list[str] = []
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(*args, **kwargs)
        conn.set_trace_callback(traced.append)
        return conn

    fast.sqlite3.connect = connect  # type: ignore[assignment]
    try:
        assert asyncio.run(fast.summary_list(profile, True)) is not None
    finally:
        fast.sqlite3.connect = real
    return traced


def test_rooms_list_reads_no_message_and_the_same_statements_for_any_number_of_rooms(tmp_path: Path) -> None:
    """Rows, unread counts and the checks are a fixed set of statements (the counts are subqueries of the rows'
    statement); only a room in "Mentions & replies" with unread rows adds one."""
    small = _statements(_profile(tmp_path, "two", 2, messages=4))
    large = _statements(_profile(tmp_path, "five", 5, messages=1))
    for sql in small + large:
        # message keys are only counted or bounded (the index's check), never read: no value of theirs
        assert not ("hist:" in sql and "value" in sql), sql
    assert len(large) == len(small), (small, large)


def _imports_of_rooms_list(profile: Path) -> tuple[list[Any], list[str]]:
    probe = (
        "import sys\n"
        "from river_desktop.cli import main\n"
        f"rc = main(['--profile', {str(profile)!r}, '--json', 'rooms', 'list'])\n"
        f"print([m for m in {FORBIDDEN!r} if m in sys.modules or any(k.startswith(m + '.') for k in sys.modules)])\n"
        "print('river_desktop.domain.rooms' in sys.modules, 'river_desktop.storage.controller' in sys.modules,"
        " any(k.startswith('river_desktop.domain') for k in sys.modules))\n"
        "print([m for m in ('dataclasses', 'inspect', 'base64') if m in sys.modules])\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    first, *rest = proc.stdout.strip().splitlines()
    return json.loads(first), rest


def test_rooms_list_imports_no_crypto_network_or_river_decoding(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "p", 3, messages=2)
    assert _summary_answers(profile)
    listed, lines = _imports_of_rooms_list(profile)
    assert len(listed) == 3
    assert lines == ["[]", "False False False", "[]"]  # nor the stdlib modules it no longer needs


@pytest.mark.parametrize("group", ["store", "messages", "net"])
def test_the_parser_builds_without_importing_any_command(group: str) -> None:
    probe = (
        "import sys\n"
        "from river_desktop.cli_parser import build_parser\n"
        f"build_parser().parse_args(['{group}', '--help'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe + ""], cwd=REPO, env=_env(), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "ACTION" in proc.stdout
    check = "import sys\nfrom river_desktop.cli_parser import build_parser\nbuild_parser()\n" + (
        "print([m for m in sys.modules if m.startswith(('river_desktop.domain', 'river_desktop.net', 'nacl'))])"
    )
    out = subprocess.run([sys.executable, "-c", check], cwd=REPO, env=_env(), capture_output=True, text=True,
                         timeout=60).stdout.strip()
    assert out == "[]"


def test_mention_badges_from_the_index_refs_equal_the_full_load(tmp_path: Path) -> None:
    """Public rooms in "Mentions & replies" are counted from the order index's refs: no message is decoded and
    no part of River's domain is imported, and every badge equals the full load's."""
    profile = tmp_path / "demo"
    assert cli(profile, "demo", "populate", "--rooms", "150", "--messages-per-room", "30", "--seed", "7").rc == 0
    snap = fast.summary_snapshot(profile)
    assert snap is not None
    assert snap.mentions == []  # nothing left to decode
    listed, lines = _imports_of_rooms_list(profile)
    assert lines == ["[]", "False False False", "[]"]  # nor the stdlib modules it no longer needs
    assert listed == _full_list(profile)
    assert cli_json(profile, "rooms", "list", "--all") == _full_list(profile, "--all")
    badges = [r["unread"] for r in listed if r["notifications"] == "mentions"]
    assert any(badges), "the demo data has rooms in Mentions & replies with unread mentions or replies"


def test_a_message_key_written_behind_the_index_is_not_trusted(tmp_path: Path) -> None:
    """The order index's guard: a ``hist:`` key written by a tool that keeps no index row waits in
    ``hist_pending``, so ``rooms list`` falls back to the full load (which gives the same list)."""
    profile = _profile(tmp_path, "p", 2, messages=2)
    assert _summary_answers(profile)
    conn = sqlite3.connect(profile / DB_NAME)
    key, value = conn.execute("SELECT key, value FROM kv WHERE key LIKE 'hist:%' LIMIT 1").fetchone()
    conn.execute("UPDATE kv SET value = ? WHERE key = ?", (value, key))  # a foreign rewrite of a message key
    conn.commit()
    assert conn.execute("SELECT key FROM hist_pending").fetchall() == [(key,)]
    conn.close()
    assert not _summary_answers(profile)
    assert cli_json(profile, "rooms", "list") == _full_list(profile)


def _room(vk: bytes, flags: int, name: str) -> Any:
    key = fast.b58encode(vk)
    return tuple.__new__(fast._Room, (vk, key, name, f"nick {name}", -5 if flags else 2**62, flags,
                                      fast.member_label(7), flags * 3, 1, "room"))


@pytest.mark.parametrize("show_all", [False, True])
def test_the_json_text_equals_json_dumps_for_every_flag_and_place(show_all: bool) -> None:
    """Every combination of waiting/owner flags, pinned, archived, current, notification mode and left rooms:
    :func:`items_json` writes exactly what ``json.dumps`` writes of the items."""
    vks = [bytes([i]) * 32 for i in range(1, 9)]
    rooms = {vk: _room(vk, i % 4, ["plain", 'q"uo\\te', "Zoë 🎉", "\u2028 </b>"][i % 4]) for i, vk in enumerate(vks)}
    modes = {vks[0]: "mentions", vks[1]: "muted", vks[2]: "all"}
    meta = fast._Meta(vks[3], modes, tuple(reversed(vks)), (vks[4], vks[5]), frozenset({vks[5], vks[6]}))
    unread = {vk: room.unread for vk, room in rooms.items()}
    snap = fast._Snapshot(rooms, [bytes(32), b"\xff" * 32], meta, unread, [], {})
    text = fast.items_json(snap, show_all)
    assert text == json.dumps(fast._items(snap, show_all))
    items = json.loads(text)
    assert {(it["state"], it["owner"]) for it in items} >= {("ok", False), ("waiting", False), ("ok", True),
                                                          ("waiting", True)}
    assert any(it["current"] for it in items) and any(it["pinned"] for it in items)
    assert any(it["archived"] for it in items) == show_all
    assert any(it["state"] == "left" for it in items) == show_all
