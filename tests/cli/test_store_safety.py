"""Issue 10, data safety through the CLI: damaged, empty, foreign-row and read-only profiles, real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import DB_NAME, REPO, Run, cli, cli_json, kv_rows
from tests.helpers.damage import digest, integrity, leaf_page_in_the_middle, populate, rows, trash_page
from tests.integration.test_damaged_profiles import FOREIGN, foreign_rows_db


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = tmp_path_factory.mktemp("cli-populated") / "p"
    populate(profile)
    return profile


@pytest.fixture
def damaged(populated: Path, tmp_path: Path) -> tuple[Path, set[str]]:
    profile = tmp_path / "p"
    shutil.copytree(populated, profile)
    page, lost = leaf_page_in_the_middle(profile / DB_NAME)
    trash_page(profile / DB_NAME, page)
    return profile, lost


def test_store_check_on_a_damaged_store_lists_damaged_and_intact_keys(damaged: tuple[Path, set[str]]) -> None:
    profile, lost = damaged
    db = profile / DB_NAME
    before = digest(db)
    text = cli(profile, "store", "check")
    assert text.rc == 1 and "Traceback" not in text.err
    for key in lost:
        assert f"{key}: damaged" in text.out
    assert "intact: " in text.out.splitlines()[-1]
    as_json = cli(profile, "store", "check", as_json=True)
    assert as_json.rc == 1 and as_json.err.startswith("river-desktop-cli: error: store check found")
    report = json.loads(as_json.out)
    assert report["ok"] is False and set(report["damaged"]) == lost
    assert report["intact"] >= 20 * 20 + 20 - len(lost)  # every room, meta and message that is left
    assert digest(db) == before


def test_store_keys_and_rooms_list_serve_the_intact_keys_of_a_damaged_store(damaged: tuple[Path, set[str]]) -> None:
    profile, lost = damaged
    db = profile / DB_NAME
    before = digest(db)
    keys = cli(profile, "store", "keys", as_json=True)
    assert keys.rc == 0, keys.describe()
    listed = {item["key"] for item in json.loads(keys.out)}
    assert listed and not (listed & lost) and all(k in keys.err for k in lost)
    rooms = cli(profile, "rooms", "list", as_json=True)
    assert rooms.rc == 0, rooms.describe()
    assert len(json.loads(rooms.out)) == 20
    hit = next(iter(lost)).split(":")[1]  # the room whose history lost a page
    messages = cli(profile, "messages", "list", hit, "--limit", "100", as_json=True)
    assert messages.rc == 0, messages.describe()
    shown = {m["id"] for m in json.loads(messages.out)}
    assert len(shown) == 20 - len({k for k in lost if k.split(":")[1] == hit})
    assert not shown & {k.split(":")[2] for k in lost}
    assert digest(db) == before


def test_writes_to_a_damaged_store_are_refused_and_change_nothing(damaged: tuple[Path, set[str]]) -> None:
    profile, _lost = damaged
    db = profile / DB_NAME
    before, verdict = digest(db), integrity(db)
    for args in (("rooms", "create", "New room"), ("demo", "populate", "--rooms", "1", "--messages-per-room", "1")):
        run = cli(profile, *args)
        assert run.rc == 1 and "Traceback" not in run.err, run.describe()
        assert "damaged" in run.err and "left as it is" in run.err
    assert digest(db) == before and integrity(db) == verdict


def test_store_salvage_copies_what_is_readable_into_a_fresh_profile(
    damaged: tuple[Path, set[str]], tmp_path: Path
) -> None:
    profile, lost = damaged
    db = profile / DB_NAME
    before = digest(db)
    target = tmp_path / "rescued"
    run = cli(profile, "store", "salvage", "--to", str(target), as_json=True)
    assert run.rc == 0, run.describe()
    report = json.loads(run.out)
    assert {item["key"] for item in report["lost"]} == lost
    assert report["copied"] == len(rows(target / DB_NAME))
    assert digest(db) == before
    rescued = cli_json(target, "rooms", "list")
    assert len(rescued) == 20
    again = cli(profile, "store", "salvage", "--to", str(target))
    assert "already holds a database" in again.error_line
    text = cli(profile, "store", "salvage", "--to", str(tmp_path / "second"))
    assert text.rc == 0 and "copied" in text.out and all(key in text.out for key in lost)


def test_an_empty_database_file_is_refused_by_every_command_and_stays_empty(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    profile.mkdir()
    db = profile / DB_NAME
    db.touch()
    old = time.time() - 600
    os.utime(db, (old, old))
    for args in (("rooms", "list"), ("store", "keys"), ("rooms", "create", "x")):
        line = cli(profile, *args).error_line
        assert "empty (0 bytes)" in line and "full disk" in line
    check = cli(profile, "store", "check", as_json=True)
    assert check.rc == 1 and "empty (0 bytes)" in json.loads(check.out)["problems"][0]["problem"]
    assert db.stat().st_size == 0 and sorted(p.name for p in profile.iterdir()) == [DB_NAME]


def test_foreign_rows_are_reported_by_store_check_and_skipped_without_a_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    profile.mkdir()
    foreign_rows_db(profile / DB_NAME)
    check = cli(profile, "store", "check", as_json=True)
    assert check.rc == 1 and "Traceback" not in check.err
    reported = {p["key"] for p in json.loads(check.out)["problems"]}
    assert reported >= FOREIGN | {"k-topgen"}
    for args in (("rooms", "list"), ("store", "keys")):
        run = cli(profile, *args)
        assert run.rc == 0 and "Traceback" not in run.err, run.describe()


# -- read-only profiles (permissions bind root only without its DAC capabilities)


DROP_CAPS = "-dac_override,-dac_read_search,-fowner"


def _as_unprivileged(cmd: list[str]) -> list[str]:
    """Root ignores file permissions; run it without the capabilities that let it (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is missing, so read-only permissions cannot be tested")
    return [setpriv, "--bounding-set", DROP_CAPS, "--inh-caps", DROP_CAPS, *cmd]


def cli_unprivileged(profile: Path, *args: str, as_json: bool = False) -> Run:
    cmd = [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile)]
    cmd += ["--json", *args] if as_json else list(args)
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(_as_unprivileged(cmd), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {p.name: (p.stat().st_mode, digest(p)) for p in folder.iterdir()}


def test_unprivileged_runs_really_cannot_write_a_read_only_folder(tmp_path: Path) -> None:
    """The harness itself: without this, the read-only tests below would prove nothing."""
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    code = f"open({str(folder / 'x')!r}, 'w')"
    proc = subprocess.run(_as_unprivileged([sys.executable, "-c", code]), capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Permission denied" in proc.stderr


@pytest.mark.parametrize(
    ("dir_mode", "db_mode"),
    [(0o500, 0o600), (0o700, 0o400), (0o555, 0o600), (0o500, 0o400)],
    ids=["dir0500", "db0400", "dir0555", "dir0500-db0400"],
)
def test_a_read_only_profile_can_be_viewed_and_is_changed_in_no_way(
    populated: Path, tmp_path: Path, dir_mode: int, db_mode: int
) -> None:
    profile = tmp_path / "p"
    shutil.copytree(populated, profile)
    os.chmod(profile / DB_NAME, db_mode)
    os.chmod(profile, dir_mode)
    try:
        before = _snapshot(profile)
        rooms = cli_unprivileged(profile, "rooms", "list", as_json=True)
        assert rooms.rc == 0, rooms.describe()
        listed = json.loads(rooms.out)
        assert len(listed) == 20
        assert cli_unprivileged(profile, "store", "keys").rc == 0
        check = cli_unprivileged(profile, "store", "check")
        assert check.rc == 0 and check.out.startswith("ok:"), check.describe()
        messages = cli_unprivileged(profile, "messages", "list", listed[0]["key"], as_json=True)
        assert messages.rc == 0 and len(json.loads(messages.out)) == 20, messages.describe()
        write = cli_unprivileged(profile, "rooms", "create", "Nope")
        assert "this profile is read-only" in write.error_line
        assert profile.stat().st_mode & 0o777 == dir_mode
        assert _snapshot(profile) == before
    finally:
        os.chmod(profile, 0o700)


FIXTURE_0_1 = REPO / "tests" / "fixtures" / "profile-0.1.0"


def _copy_0_1(profile: Path) -> None:
    """The fixture's database alone: a -wal/-shm left beside it by an open in place is not part of the profile."""
    shutil.copytree(FIXTURE_0_1, profile, ignore=shutil.ignore_patterns("*-wal", "*-shm"))


def test_a_read_command_upgrades_a_0_1_0_profile_once_and_lists_its_rooms(tmp_path: Path) -> None:
    """Read commands open read-only, except a 0.1.0 profile not yet upgraded: its rooms exist only after the
    upgrade, which any first open runs (keeping 0.1.0's keys as the rollback copy)."""
    profile = tmp_path / "p"
    _copy_0_1(profile)
    expected = json.loads((FIXTURE_0_1 / "expected.json").read_text())
    listed = cli_json(profile, "rooms", "list")
    assert {r["key"] for r in listed} == set(expected["rooms"])
    assert "migration:river:done" in kv_rows(profile)
    before = digest(profile / DB_NAME)
    assert cli_json(profile, "rooms", "list") == listed
    assert digest(profile / DB_NAME) == before  # upgraded once: later reads are read-only again


def test_a_read_only_0_1_0_profile_says_why_its_rooms_are_not_shown_and_is_changed_in_no_way(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _copy_0_1(profile)
    os.chmod(profile / DB_NAME, 0o400)
    os.chmod(profile, 0o500)
    try:
        before = _snapshot(profile)
        rooms = cli_unprivileged(profile, "rooms", "list")
        assert rooms.rc == 0, rooms.describe()
        assert "written by River Desktop 0.1.0" in rooms.err and "cannot be shown" in rooms.err, rooms.describe()
        assert _snapshot(profile) == before
    finally:
        os.chmod(profile, 0o700)
