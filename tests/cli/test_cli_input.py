"""Hostile or odd input to ``river-desktop-cli``: one-line errors, bounded arguments, no traceback (issue 10)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.cli.conftest import REPO, TIMEOUT_S, Run, _env, cli, cli_command, cli_json, kv_rows

pytestmark = pytest.mark.slow

NOT_UTF8 = os.fsdecode(b"\xff\xfe")  # what Python makes of `rooms create $'\xff\xfe'`


def _create(profile: Path, name: str) -> str:
    key = cli_json(profile, "rooms", "create", name)["key"]
    assert isinstance(key, str)
    return key


# --- item 5: bytes, paths, encodings, bounds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["rooms", "create", NOT_UTF8], "the room name"),
        (["rooms", "create", "Fine", "--nickname", NOT_UTF8], "the nickname"),
        (["messages", "send", "Fine", "caf" + NOT_UTF8], "the message"),
    ],
)
def test_arguments_that_are_not_utf8_are_one_line_errors(tmp_path: Path, args: list[str], what: str) -> None:
    profile = tmp_path / "p"
    result = cli(profile, *args)
    assert result.error_line.startswith(f"{what} is not valid UTF-8 text")
    assert not profile.exists()


def test_a_profile_path_with_an_overlong_folder_name_is_one_line(tmp_path: Path) -> None:
    result = cli(tmp_path / ("x" * 300) / "p", "rooms", "list")
    assert "300 bytes long" in result.error_line
    result = cli(tmp_path / ("é" * 200), "rooms", "create", "Too long")
    assert "400 bytes long" in result.error_line


def _run_env(profile: Path, extra_env: dict[str, str], *args: str) -> Run:
    env = _env()
    env.update(extra_env)
    cmd = cli_command(profile, *args)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=TIMEOUT_S)
    return Run(tuple(cmd[3:]), proc.returncode, proc.stdout.decode("latin-1"), proc.stderr.decode("latin-1"))


def test_an_emoji_name_on_a_latin1_stdout_is_replaced_not_a_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _create(profile, "Café 🐝 club")
    result = _run_env(profile, {"PYTHONIOENCODING": "latin-1"}, "rooms", "list")
    assert result.rc == 0, result.describe()
    assert "Café ? club" in result.out
    renamed = _run_env(profile, {"PYTHONIOENCODING": "latin-1"}, "rooms", "rename", "Café 🐝 club", "Bee 🐝")
    assert renamed.rc == 0, renamed.describe()
    assert "Bee ?" in renamed.out and "Traceback" not in renamed.err


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["demo", "populate", "--rooms", "1000000000000", "--messages-per-room", "1"], "at most 100,000"),
        (["demo", "populate", "--rooms", "1", "--messages-per-room", "100001"], "at most 100,000"),
        (["demo", "populate", "--rooms", "1", "--messages-per-room", "1", "--seed", str(2**64)], "too large"),
        (["demo", "populate", "--rooms", "9" * 5000, "--messages-per-room", "1"], "not a whole number"),
        (["messages", "list", "x", "--limit", "1000000000"], "at most 100,000"),
    ],
)
def test_integer_arguments_are_bounded(tmp_path: Path, args: list[str], complaint: str) -> None:
    profile = tmp_path / "p"
    result = cli(profile, *args)
    assert result.rc == 2, result.describe()
    assert complaint in result.err and "Traceback" not in result.err
    assert not profile.exists()


def test_demo_populate_refuses_too_many_messages_in_total(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    result = cli(profile, "demo", "populate", "--rooms", "100000", "--messages-per-room", "101")
    assert "demo populate makes at most 10,000,000" in result.error_line
    assert not profile.exists()


# --- item 6: River's limits, the same in every front end -------------------------------------------


def test_the_cli_refuses_input_over_rivers_limits_in_one_line(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    assert "River allows at most 100" in cli(profile, "rooms", "create", "n" * 101).error_line
    assert "River allows at most 100" in cli(profile, "rooms", "create", "é" * 51).error_line
    assert not profile.exists() or not any(k.startswith("room:") for k in kv_rows(profile))
    key = _create(profile, "n" * 100)
    before = kv_rows(profile)
    assert "River allows at most 50" in cli(profile, "rooms", "nickname", key, "k" * 51).error_line
    assert "River allows at most 100" in cli(profile, "rooms", "rename", key, "r" * 10_000).error_line
    assert "River allows at most 1000" in cli(profile, "messages", "send", key, "m" * 100_000).error_line
    assert "River allows at most 50" in cli(profile, "rooms", "create", "Ok", "--nickname", "k" * 51).error_line
    assert kv_rows(profile) == before


# --- item 7: a room you left is named as left ----------------------------------------------------


def test_commands_on_a_left_room_say_it_was_left(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    gone = _create(profile, "Gone")
    _create(profile, "Stays")
    assert cli(profile, "rooms", "leave", "Gone").rc == 0
    for args in (["messages", "send", gone[:8], "hi"], ["rooms", "leave", gone[:8]], ["rooms", "leave", gone]):
        line = cli(profile, *args).error_line
        assert line == f"you left room {gone}; accept a new invitation to rejoin it"
    by_name = cli(profile, "messages", "send", "Gone", "hi").error_line
    assert f"you left {gone}" in by_name and "accept a new invitation to rejoin" in by_name


# --- item 9: read commands change nothing -----------------------------------------------------------

AS_NOBODY = r"""
import os, sys
import river_desktop.cli as cli
os.setgid(int(sys.argv[1]))
os.setuid(int(sys.argv[1]))
sys.exit(cli.main(sys.argv[2:]))
"""


def _other_user() -> int | None:
    try:
        import pwd

        return pwd.getpwnam("nobody").pw_uid
    except (ImportError, KeyError):
        return None


def test_rooms_list_on_a_read_only_folder_changes_nothing() -> None:
    uid = _other_user()
    if os.geteuid() != 0 or uid is None:
        pytest.skip("needs root to run the CLI as another user (nobody), so that permissions apply")
    base = Path(tempfile.mkdtemp(prefix="river-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        profile = base / "p"
        _create(profile, "Read me")
        for path in (profile, profile / "river.sqlite3"):
            os.chown(path, uid, uid)
        profile.chmod(0o555)
        before = {p.name: (stat.S_IMODE(p.stat().st_mode), p.stat().st_mtime_ns) for p in profile.iterdir()}
        proc = subprocess.run(
            [sys.executable, "-c", AS_NOBODY, str(uid), "--profile", str(profile), "rooms", "list"],
            cwd=REPO, env=_env(), capture_output=True, text=True, timeout=TIMEOUT_S,
        )
        assert stat.S_IMODE(profile.stat().st_mode) == 0o555
        assert {p.name: (stat.S_IMODE(p.stat().st_mode), p.stat().st_mtime_ns) for p in profile.iterdir()} == before
        assert "Traceback" not in proc.stderr
        if proc.returncode != 0:  # reading a WAL database in a folder nobody may write is the store's to solve
            assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 1, proc.stderr
        else:
            assert "Read me" in proc.stdout
    finally:
        for path in (base / "p", base):
            if path.exists():
                path.chmod(0o755)
        subprocess.run(["rm", "-rf", str(base)], check=False)
