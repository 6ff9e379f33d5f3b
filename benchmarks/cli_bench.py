"""B5b, B9 and the growth table: the CLI at 10,000 rooms, one page of a 100,000-message room, and how cost grows.

Every CLI figure is a ratio against the B5 baseline (a fresh interpreter that imports ``sqlite3`` and ``cbor2``),
measured in the same run, runs alternating. The growth table times B1 (cold load, in process), B5 (CLI ``rooms
list``) at 100 / 1,000 / 10,000 rooms, and B8 (newest page of 50, in process) at 1,000 / 10,000 / 100,000
messages, and gives the factor per decade (1.0: constant; 10: linear).
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.profiles import Profiles
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import b58

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "river_desktop.cli"]
ROOMS_AT_SCALE = 10_000
MESSAGES_AT_SCALE = 5
"""Messages per room in the 10,000-room fixture (50,000 in all; the 1,000-room one has 50 per room)."""
PAGE = 50
_BATCH = 5_000


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def baseline() -> float:
    """The B5 baseline: the interpreter start plus ``import sqlite3, cbor2``."""
    return _timed(lambda: subprocess.run([sys.executable, "-c", "import sqlite3, cbor2"], check=True))


def _cli(profile: Path, *args: str, check: Callable[[object], bool]) -> float:
    start = time.perf_counter()
    out = subprocess.run([*CLI, "--profile", str(profile), "--json", *args], check=True, capture_output=True,
                         cwd=REPO).stdout
    elapsed = time.perf_counter() - start
    assert check(json.loads(out))
    return elapsed


def paired(runs: int, ours: Callable[[], float], base: Callable[[], float]) -> tuple[float, float]:
    ours()  # warm the page cache for both sides alike
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(ours())
        theirs.append(base())
    return statistics.median(mine), statistics.median(theirs)


def populate(profile: Path, rooms: int, messages: int) -> float:
    start = time.perf_counter()
    subprocess.run([*CLI, "--profile", str(profile), "demo", "populate", "--rooms", str(rooms),
                    "--messages-per-room", str(messages), "--seed", "7"], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def rooms_list(profile: Path, rooms: int, runs: int) -> tuple[float, float]:
    """Median seconds of ``--json rooms list`` and of the baseline."""
    # From byte-code, as installed and as B5 measures it (`--only B5b` must not depend on B5 having compiled it).
    subprocess.run([sys.executable, "-m", "compileall", "-q", "river_desktop"], check=True, cwd=REPO)
    return paired(runs, lambda: _cli(profile, "rooms", "list", check=lambda d: len(d) >= rooms),  # type: ignore[arg-type]
                  baseline)


# -- B9 and B8's growth: one profile with rooms of 1,000, 10,000 and 100,000 messages ------------------------


@dataclass(frozen=True)
class HistoryProfile:
    path: Path
    rooms: dict[int, bytes]
    """Message count -> the room's key."""


def history_profile(tmp: Path, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> HistoryProfile:
    """Rooms made through the controller (saved, as the CLI expects), their histories appended in batches."""
    path = tmp / "history"

    async def go() -> dict[int, bytes]:
        ctl = await StorageController.open(path)
        session = ctl.open_session("bench")
        rooms = await ctl.load(session)
        made = {n: rooms.create_room(f"History of {n:,}", "me").owner_vk for n in sizes}
        await ctl.save(session, rooms)
        other = SigningIdentity.generate()
        for n, vk in made.items():
            batch = [
                (vk, AuthorizedMessage.create(vk, other, SystemTime(1_000 + i), RoomMessageBody.text(f"message {i}")))
                for i in range(n)
            ]
            for start in range(0, n, _BATCH):
                await ctl.append_history(session, batch[start : start + _BATCH])
        await ctl.close()
        return made

    return HistoryProfile(path, asyncio.run(go()))


def b9_messages_list(history: HistoryProfile, runs: int) -> tuple[float, float]:
    key = b58(history.rooms[max(history.rooms)])
    # As installed, the package runs from byte-code (B5 compiles it too; `--only B9` must not depend on B5).
    subprocess.run([sys.executable, "-m", "compileall", "-q", "river_desktop"], check=True, cwd=REPO)
    return paired(
        runs,
        lambda: _cli(history.path, "messages", "list", key, "--limit", str(PAGE),
                     check=lambda d: len(d) == PAGE),  # type: ignore[arg-type]
        baseline,
    )


def b8_pages(history: HistoryProfile, runs: int) -> dict[int, float]:
    """Median seconds of the newest page of 50, in process, per room size."""

    async def go() -> dict[int, float]:
        ctl = await StorageController.open(history.path, read_only=True)
        out: dict[int, list[float]] = {n: [] for n in history.rooms}
        for vk in history.rooms.values():
            await ctl.read_messages(vk, limit=PAGE)  # the index check and the caches, once
        for _ in range(runs * 10):
            for n, vk in history.rooms.items():
                start = time.perf_counter()
                assert len(await ctl.read_messages(vk, limit=PAGE)) == PAGE
                out[n].append(time.perf_counter() - start)
        await ctl.close()
        return {n: statistics.median(t) for n, t in out.items()}

    return asyncio.run(go())


def b1_cold_load(profile: Path, runs: int, rooms: int) -> float:
    async def once() -> float:
        start = time.perf_counter()
        ctl = await StorageController.open(profile)
        loaded = await ctl.load()
        elapsed = time.perf_counter() - start
        assert len(loaded.rooms) >= rooms
        await ctl.close()
        return elapsed

    times = [asyncio.run(once()) for _ in range(runs + 1)][1:]
    return statistics.median(times)


# -- the growth table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Growth:
    name: str
    what: str
    sizes: tuple[int, ...]
    seconds: tuple[float, ...]

    def factors(self) -> list[float]:
        """Cost multiplied per decade of size (1.0: constant, 10: linear)."""
        return [b / a for a, b in zip(self.seconds, self.seconds[1:], strict=False)]

    def slope(self) -> float:
        """The exponent of the fit between the smallest and the largest size (0: constant, 1: linear)."""
        decades = math.log10(self.sizes[-1] / self.sizes[0])
        return math.log10(self.seconds[-1] / self.seconds[0]) / decades


def growth_table(rows: list[Growth]) -> str:
    lines = ["| figure | what | sizes | time | factor per decade | slope (0 const, 1 linear) |",
             "|---|---|---|---|---|---|"]
    for g in rows:
        sizes = " / ".join(f"{n:,}" for n in g.sizes)
        times = " / ".join(f"{t * 1000:.1f} ms" for t in g.seconds)
        factors = " / ".join(f"x{f:.2f}" for f in g.factors())
        lines.append(f"| {g.name} | {g.what} | {sizes} | {times} | {factors} | {g.slope():.2f} |")
    return "\n".join(lines)


def scale_results(tmp: Path, profiles: Profiles, runs: int, wanted: set[str] | None,
                  result: Callable[..., Any]) -> list[Any]:
    """B5b, B9 and the growth rows (``GROWTH``) as ``result(name, what, measured, baseline, ratio, target, ...)``;
    the demo profiles come from ``profiles`` (shared with the run's other figures; these only read them)."""
    def want(name: str) -> bool:
        return wanted is None or name in wanted

    out: list[Any] = []
    scale = profiles.read(ROOMS_AT_SCALE, MESSAGES_AT_SCALE, reactions=False) if want("B5B") or want("GROWTH") else None
    at_scale = rooms_list(scale, ROOMS_AT_SCALE, runs) if scale is not None else None
    if want("B5B") and at_scale is not None:
        m, b = at_scale
        out.append(result("B5b", f"`river-desktop-cli --json rooms list`, {ROOMS_AT_SCALE:,} rooms "
                                 f"({MESSAGES_AT_SCALE} messages each)", m, b, m / b, 5.0))
    history = (profiles.timed("history profile (rooms of 1,000 / 10,000 / 100,000 messages)",
                              lambda: history_profile(tmp)) if want("B9") or want("GROWTH") else None)
    if want("B9") and history is not None:
        m, b = b9_messages_list(history, runs)
        out.append(result("B9", f"`messages list ROOM --limit {PAGE} --json`, 100,000-message room "
                                "(vs the B5 baseline)", m, b, m / b, 3.0))
    if want("GROWTH") and history is not None and at_scale is not None and scale is not None:
        hundred = profiles.read(100, 50, reactions=False)
        big = profiles.read(1_000, 50)
        lists = [rooms_list(hundred, 100, runs)[0], rooms_list(big, 1_000, runs)[0], at_scale[0]]
        loads = [b1_cold_load(p, max(3, runs // 2), n) for p, n in ((hundred, 100), (big, 1_000),
                                                                     (scale, ROOMS_AT_SCALE))]
        pages = b8_pages(history, runs)
        rows = [
            Growth("B1", "cold load, in process", (100, 1_000, ROOMS_AT_SCALE), tuple(loads)),
            Growth("B5", "CLI `rooms list --json`", (100, 1_000, ROOMS_AT_SCALE), tuple(lists)),
            Growth("B8", f"newest page of {PAGE}, in process", tuple(sorted(pages)),
                   tuple(pages[n] for n in sorted(pages))),
        ]
        print(f"\ngrowth (rooms: 50 messages each up to 1,000 rooms, {MESSAGES_AT_SCALE} at 10,000):")
        print(growth_table(rows), flush=True)
        for g in rows:
            out.append(result(f"G-{g.name}", f"growth of {g.name}: {g.what}, sizes "
                                             + " / ".join(f"{n:,}" for n in g.sizes),
                              g.seconds[-1], g.seconds[0], g.seconds[-1] / g.seconds[0], None,
                              extra={"seconds": list(g.seconds), "factor_per_decade": g.factors(),
                                     "slope": g.slope()}))
    return out


NAMES = frozenset({"B5B", "B9", "GROWTH"})
"""What ``run.py --only`` selects here (upper case, as it compares)."""
