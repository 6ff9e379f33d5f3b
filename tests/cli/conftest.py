"""Helpers for the CLI tests: run ``river-desktop-cli`` in real subprocesses on temporary profiles."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "river.sqlite3"
ERROR_PREFIX = "river-desktop-cli: error: "
TIMEOUT_S = 120


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.rc == 0, self.describe()
        return json.loads(self.out)

    def describe(self) -> str:
        return f"{' '.join(self.args)} -> rc={self.rc}\nstdout: {self.out}\nstderr: {self.err}"

    @property
    def error_line(self) -> str:
        """The single error line of a failed run (asserting it is one line, no traceback)."""
        assert self.rc == 1, self.describe()
        assert "Traceback" not in self.err, self.err
        lines = self.err.splitlines()
        assert len(lines) == 1, self.describe()
        assert lines[0].startswith(ERROR_PREFIX), lines[0]
        return lines[0][len(ERROR_PREFIX) :]


def cli_command(profile: Path | None, *args: str, as_json: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "river_desktop.cli"]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    if as_json:
        cmd.append("--json")
    return cmd + list(args)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONWARNINGS", None)
    return env


def cli(profile: Path | None, *args: str, as_json: bool = False, stdin: str | None = None) -> Run:
    cmd = cli_command(profile, *args, as_json=as_json)
    proc = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, input=stdin, timeout=TIMEOUT_S)
    return Run(tuple(cmd[3:]), proc.returncode, proc.stdout, proc.stderr)


def cli_json(profile: Path | None, *args: str) -> Any:
    return cli(profile, *args, as_json=True).json()


def cli_parallel(calls: Sequence[tuple[Path | None, Sequence[str], bool]], workers: int = 8) -> list[Run]:
    """Run independent CLI calls at the same time (each a real process); results in call order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(cli, profile, *args, as_json=as_json) for profile, args, as_json in calls]
        return [f.result() for f in futures]


def spawn(argv: Sequence[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(argv),
        cwd=REPO,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kv_rows(profile: Path) -> dict[str, bytes]:
    """Every stored row (key -> raw envelope bytes), read with plain sqlite3 in read-only mode."""
    conn = sqlite3.connect(f"file:{profile / DB_NAME}?mode=ro", uri=True)
    try:
        return {str(k): bytes(v) for k, v in conn.execute("SELECT key, value FROM kv")}
    finally:
        conn.close()


def overwrite_value(profile: Path, key: str, raw: bytes) -> None:
    conn = sqlite3.connect(profile / DB_NAME, isolation_level=None)
    try:
        conn.execute("UPDATE kv SET value = ? WHERE key = ?", (raw, key))
    finally:
        conn.close()


# A second writer that holds a stale copy: it loads, says LOADED, waits for a line on stdin, then
# changes the room (a new nickname) and saves, printing the room's save outcome. Pipes only, no sleeps.
STALE_WRITER = r"""
import asyncio, sys
from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import parse_b58_room

async def main(profile, key):
    vk = parse_b58_room(key)
    ctl = await StorageController.open(profile)
    try:
        session = ctl.open_session("stale")
        rooms = await ctl.load(session)
        assert vk in rooms.rooms
        print("LOADED", flush=True)
        sys.stdin.readline()
        rooms.set_nickname(vk, "stale-writer")
        report = await ctl.save(session, rooms)
        result = report.rooms.get(vk)
        print("OUTCOME", "none" if result is None else result.outcome.name, report.ok, flush=True)
    finally:
        await ctl.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def stale_writer(profile: Path, room_key: str) -> subprocess.Popen[str]:
    return spawn([sys.executable, "-c", STALE_WRITER, str(profile), room_key])
