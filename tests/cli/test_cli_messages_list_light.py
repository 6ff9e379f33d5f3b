"""``messages list`` on its light path (``cli_messages_list.py``): the full path's answer, from one slot and a page.

Every comparison runs both paths in process on the same profile. Not timed: the cost is pinned by what the
command reads (SQL statements and keys traced, slots decoded) and imports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from river_desktop import cli_messages_list as light
from river_desktop import cli_rooms, cli_workspace
from river_desktop.cli_base import Output
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.content import CONTENT_TYPE_ACTION, ReplyContent, TextContent
from river_desktop.storage.slots import b58, hist_key
from tests.cli.conftest import DB_NAME, REPO, _env, cli, cli_json
from tests.cli.test_cli_actions import add_members, create_private_room, create_room, send
from tests.helpers.damage import leaf_page_in_the_middle, populate, trash_page

pytestmark = pytest.mark.slow


def _full(profile: Path, room: str, limit: int) -> Output:
    args = argparse.Namespace(profile=profile, room=room, limit=limit, mark_read=False)
    return asyncio.run(cli_rooms.cmd_messages_list(args))


def _light(profile: Path, room: str, limit: int) -> Output:
    return light.listing(light.light_page(profile / DB_NAME, room, limit))


def assert_same(profile: Path, room: str, limit: int = 50) -> list[dict[str, Any]]:
    """Both paths give the same JSON, the same text and no notes; the light one did answer."""
    fast, full = _light(profile, room, limit), _full(profile, room, limit)
    assert json.dumps(fast.data) == json.dumps(full.data)
    assert fast.render() == full.render()
    assert fast.notes == full.notes == []
    assert isinstance(fast.data, list)
    return fast.data


def _falls_back(profile: Path, room: str) -> bool:
    try:
        light.light_page(profile / DB_NAME, room, 50)
    except light._FAILURES:
        return True
    return False


@pytest.fixture(scope="module")
def conversation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A public room with edits, deletes, reactions, replies, a mention and a banned member; a private room with
    the same kinds of messages; and a room of another name."""
    profile = tmp_path_factory.mktemp("msglist") / "ann"
    key = create_room(profile)
    guests = add_members(profile, key, ["alice", "bob", "carol"], {"alice": "hi from alice", "bob": "bob here"})
    first = send(profile, key, "first")
    second = send(profile, key, "second")
    alice = guests["alice"].identity.member_id
    send(profile, key, f"thanks @[Al](rv:{member_id_display(alice)})!")
    for args in (
        ("reply", key, str(first), "a reply to first"),
        ("edit", key, str(second), "second, edited"),
        ("react", key, str(first), "👍"),
        ("react", key, str(second), "🎉"),
        ("delete", key, str(first)),
        ("ban", key, "bob"),
    ):
        group = "members" if args[0] == "ban" else "messages"
        assert cli(profile, group, *args).rc == 0
    for n in range(4):
        send(profile, key, f"after the ban {n}")
    private = create_private_room(profile, "Secret Club")
    sealed = send(profile, private, "a sealed word")
    for args in (
        ("reply", private, str(sealed), "a sealed reply"),
        ("react", private, str(sealed), "🔒"),
        ("edit", private, str(sealed), "a sealed word, edited"),
    ):
        assert cli(profile, "messages", *args).rc == 0
    send(profile, private, "one more")
    create_room(profile, "Chess Club")
    return profile, key, private


def test_the_light_copies_agree_with_what_they_mirror() -> None:
    assert light.MIN_PREFIX == cli_workspace.MIN_PREFIX
    vk = bytes(range(32))
    for secs, nanos, mid in ((0, 0, 0), (1_900_000_000, 999_999_999, -1), (2**40, 5, 2**63 - 1), (7, 1, -(2**63))):
        assert light.hist_key(b58(vk), secs, nanos, mid) == hist_key(vk, secs, nanos, mid)
    assert {TextContent.content_type, ReplyContent.content_type} == light.COUNTED  # rooms.counts_as_message
    assert CONTENT_TYPE_ACTION not in light.COUNTED


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 50])
def test_public_and_private_pages_equal_the_full_path(conversation: tuple[Path, str, str], limit: int) -> None:
    profile, public, private = conversation
    listed = assert_same(profile, public, limit)
    assert len(listed) == min(limit, len(assert_same(profile, public, 50)))
    assert assert_same(profile, private, limit)


def test_what_the_pages_show(conversation: tuple[Path, str, str]) -> None:
    """The fields the comparison covers are really there: not a comparison of two empty lists."""
    profile, public, private = conversation
    listed = assert_same(profile, public)
    by_text = {m["text"]: m for m in listed}
    assert "bob here" not in by_text  # banned: hidden
    assert by_text["second, edited"]["edited"] and by_text["second, edited"]["reactions"]
    assert by_text["a reply to first"]["reply_to"] is not None
    assert any(m["deleted"] for m in listed)
    assert any(m["mentions"] for m in listed)
    sealed = {m["text"]: m for m in assert_same(profile, private)}
    assert sealed["a sealed word, edited"]["reactions"] == {"🔒": [sealed["a sealed word, edited"]["author_member_id"]]}
    assert sealed["a sealed reply"]["reply_to"] == sealed["a sealed word, edited"]["id"]


def test_the_room_is_found_by_key_prefix_and_name(conversation: tuple[Path, str, str]) -> None:
    profile, public, _private = conversation
    whole = assert_same(profile, public)
    assert assert_same(profile, public[:8]) == whole
    assert assert_same(profile, "Book Club") == whole
    assert assert_same(profile, "Secret Club")


@pytest.mark.parametrize("text", ["Club", "no such room", "abc", "Book"])
def test_a_room_text_that_names_no_single_room_is_worded_by_the_full_path(
    conversation: tuple[Path, str, str], text: str
) -> None:
    profile, _public, _private = conversation
    assert _falls_back(profile, text)
    run = cli(profile, "messages", "list", text)
    assert run.rc == 1 and run.error_line.startswith("no room matches")


def test_a_public_page_loads_no_controller_event_loop_aes_logging_openssl_or_river_operations(
    conversation: tuple[Path, str, str],
) -> None:
    profile, public, _private = conversation
    probe = (
        "import sys, json\n"
        "from river_desktop.cli import main\n"
        f"rc = main(['--profile', {str(profile)!r}, '--json', 'messages', 'list', {public!r}])\n"
        "heavy = ('asyncio', 'river_desktop.storage.controller', 'river_desktop.storage.sqlite_kv',"
        " 'river_desktop.net', 'websockets', 'cryptography', 'river_desktop.domain.river.room_ops',"
        " 'river_desktop.domain.river.sync', 'river_desktop.domain.rooms', 'logging', 'hashlib', 'base58')\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    listed, loaded = proc.stdout.strip().splitlines()
    assert json.loads(listed) == assert_same(profile, public)
    assert json.loads(loaded) == []
    assert proc.stderr == ""


def _traced(profile: Path, room: str, limit: int) -> tuple[list[str], int]:
    """The statements of one light read, and how many slots it decoded."""
    traced: list[str] = []
    real_connect, real_decode = sqlite3.connect, light.decode_slot
    decoded = []

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(traced.append)
        return conn

    def decode(*args: Any, **kwargs: Any) -> Any:
        decoded.append(1)
        return real_decode(*args, **kwargs)

    light.sqlite3.connect = connect  # type: ignore[assignment]
    light.decode_slot = decode  # type: ignore[assignment]
    try:
        light.light_page(profile / DB_NAME, room, limit)
    finally:
        light.sqlite3.connect = real_connect
        light.decode_slot = real_decode
    return traced, len(decoded)


def test_a_page_reads_one_slot_and_the_page_s_messages_whatever_the_history(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    small, large = create_room(profile, "Small"), create_room(profile, "Large")
    create_room(profile, "Third")
    send(profile, small, "only one")
    for n in range(12):
        send(profile, large, f"message {n}")
    few, slots_few = _traced(profile, small, 3)
    many, slots_many = _traced(profile, large, 3)
    assert slots_few == slots_many == 1  # three rooms, one slot decoded
    assert len(many) == len(few)  # statements do not grow with the history
    values = [sql for sql in many if "SELECT key, value FROM kv" in sql]
    assert len(values) == 1 and values[0].count("'hist:") == 3  # the page's keys, no others


def test_a_page_longer_than_one_statement_s_keys_is_read_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "p"
    key = create_room(profile)
    for n in range(5):
        send(profile, key, f"message {n}")
    monkeypatch.setattr(light, "_GET_CHUNK", 2)
    listed = assert_same(profile, key, 4)
    assert [m["text"] for m in listed] == [f"message {n}" for n in range(1, 5)]
    traced, _slots = _traced(profile, key, 4)
    assert sum("SELECT key, value FROM kv" in sql for sql in traced) == 2


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE kv SET value = value WHERE key = (SELECT MAX(key) FROM kv WHERE key LIKE 'hist:%')",
        "UPDATE msg_index SET author = x'0000000000000001' WHERE key = (SELECT MAX(key) FROM msg_index)",
        "DELETE FROM msg_index WHERE key = (SELECT MAX(key) FROM msg_index)",
        # a writer that keeps no summary (an older release, a tool): the slot's row is dropped by the trigger
        "UPDATE kv SET value = value WHERE key >= 'room:' AND key < 'room;'",
    ],
    ids=["message-behind-the-index", "index-row-disagrees", "index-row-removed", "slot-without-summary-row"],
)
def test_a_summary_or_index_that_cannot_vouch_for_the_page_sends_it_to_the_full_path(
    tmp_path: Path, tamper: str
) -> None:
    profile = tmp_path / "p"
    key = create_room(profile)
    for n in range(3):
        send(profile, key, f"hello {n}")
    before = cli_json(profile, "messages", "list", key)
    conn = sqlite3.connect(profile / DB_NAME)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    assert _falls_back(profile, key)
    assert cli_json(profile, "messages", "list", key) == before


def _index_pages(db: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [
            int(p)
            for (p,) in conn.execute(
                "SELECT pageno FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'msg_index')"
            )
        ]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = tmp_path_factory.mktemp("msglist-damage") / "p"
    populate(profile)
    return profile


def test_a_damaged_page_among_those_read_gives_the_full_path_s_answer(populated: Path, tmp_path: Path) -> None:
    """A message page SQLite finds corrupt sends the read to the full path, which checks the file and lists what
    is intact; the listing is never built from a damaged page."""
    profile = tmp_path / "p"
    shutil.copytree(populated, profile)
    page, lost = leaf_page_in_the_middle(profile / DB_NAME)
    trash_page(profile / DB_NAME, page)
    hit = next(iter(lost)).split(":")[1]
    assert _falls_back(profile, hit)
    run = cli(profile, "messages", "list", hit, "--limit", "100", as_json=True)
    assert run.rc == 0 and "Traceback" not in run.err
    shown = {m["id"] for m in json.loads(run.out)}
    assert json.loads(run.out) == json.loads(json.dumps(_full(profile, hit, 100).data))
    assert len(shown) == 20 - len({k for k in lost if k.split(":")[1] == hit})


def test_a_damaged_index_gives_a_clear_error_or_the_full_path_s_answer(populated: Path, tmp_path: Path) -> None:
    """Every page of the order index and of its SQL indexes trashed: the light path cannot read the page."""
    profile = tmp_path / "p"
    shutil.copytree(populated, profile)
    room = cli_json(profile, "rooms", "list")[0]["key"]
    for page in _index_pages(profile / DB_NAME):
        trash_page(profile / DB_NAME, page)
    assert _falls_back(profile, room)
    run = cli(profile, "messages", "list", room, as_json=True)
    assert "Traceback" not in run.err
    if run.rc == 0:
        assert json.loads(run.out) == json.loads(json.dumps(_full(profile, room, 50).data))
    else:
        assert run.error_line
