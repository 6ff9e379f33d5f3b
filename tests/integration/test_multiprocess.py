"""Real OS processes on one profile: no lost rooms, and crash safety under SIGKILL."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import b58

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
SOAK = int(os.environ.get("RIVER_SOAK", "1"))


def _writer(profile: Path, rounds: int, tag: str) -> subprocess.Popen[str]:
    args = ["--profile", str(profile), "--rounds", str(rounds), "--tag", tag]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.writer", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stored_room_keys(profile: Path) -> set[str]:
    async def load() -> set[str]:
        ctl = await StorageController.open(profile)
        rooms = await ctl.load()
        await ctl.close()
        return {b58(vk) for vk in rooms.rooms}

    return asyncio.run(load())


def test_four_processes_times_one_hundred_creations_lose_nothing(profile_dir: Path) -> None:
    procs = [_writer(profile_dir, 100, f"p{i}") for i in range(4)]
    saved: set[str] = set()
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        keys = [line.split()[1] for line in out.splitlines() if line.startswith("SAVED ")]
        assert len(keys) == 100
        saved.update(keys)
    assert len(saved) == 400
    assert _stored_room_keys(profile_dir) == saved


def test_sigkill_at_random_moments_never_loses_a_reported_save(profile_dir: Path) -> None:
    rng = random.Random(20261126)
    reported: set[str] = set()
    db = profile_dir / "river.sqlite3"
    kills = 0
    while kills < 50 * SOAK:
        proc = _writer(profile_dir, 1_000, f"crash{kills}")
        assert proc.stdout is not None
        target = rng.randint(1, 4)
        for _ in range(target):
            line = proc.stdout.readline()
            assert line.startswith("SAVED "), line + (proc.stderr.read() if proc.stderr else "")
            reported.add(line.split()[1])
        time.sleep(rng.uniform(0.0, 0.03))  # not synchronisation: it randomises where in a save the kill lands
        os.kill(proc.pid, signal.SIGKILL)
        # Whatever the child printed before dying was reported done, so it must be durable too.
        rest = proc.stdout.read()
        reported.update(line.split()[1] for line in rest.splitlines() if line.startswith("SAVED "))
        proc.wait()
        kills += 1
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
        assert reported <= _stored_room_keys(profile_dir)
