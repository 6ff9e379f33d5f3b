"""River Desktop benchmarks: every figure is a ratio against a baseline measured in the same run
(B7, the GUI stall, is also held to an absolute limit: 50 ms).

Run with ``make bench``. Prints a table and writes ``benchmarks/results.json``. Data comes from
``river-desktop-cli demo populate`` on temporary profiles. Each timing is the median of several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cbor2

from benchmarks import cli_bench, history, search, start_fast
from benchmarks.profiles import WARM_UP_ROOMS, Profiles
from river_desktop.storage.controller import StorageController
from river_desktop.storage.envelope import decode_versioned

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLI = [sys.executable, "-m", "river_desktop.cli"]


@dataclass
class Result:
    name: str
    what: str
    measured: float
    baseline: float
    ratio: float
    target: float | None
    unit: str = "s"
    extra: dict[str, Any] = field(default_factory=dict)
    limit: float | None = None
    """An absolute target for ``measured`` (in ``unit``), for figures whose goal is not a ratio (B7)."""

    @property
    def verdict(self) -> str:
        if self.limit is not None:
            return "met" if self.measured <= self.limit else "MISSED"
        if self.target is None:
            return "info"
        return "met" if self.ratio <= self.target else "MISSED"


def paired_medians(runs: int, ours: Callable[[], float], baseline: Callable[[], float]) -> tuple[float, float]:
    """Medians of ``runs`` alternating runs of each: a slow spell of a shared machine hits both sides."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        mine.append(ours())
        theirs.append(baseline())
    return statistics.median(mine), statistics.median(theirs)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_async(fn: Callable[[], Awaitable[object]]) -> object:
    async def main() -> object:
        return await fn()

    return asyncio.run(main())


def populate(profile: Path, rooms: int, messages: int) -> None:
    subprocess.run(
        [*CLI, "--profile", str(profile), "demo", "populate", "--rooms", str(rooms),
         "--messages-per-room", str(messages), "--seed", "7", "--reactions"],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )


# -- B1 cold load ------------------------------------------------------------------------------------


def b1_cold_load(profile: Path, runs: int) -> Result:
    db = profile / "river.sqlite3"

    def ours() -> float:
        async def go() -> float:
            start = time.perf_counter()
            ctl = await StorageController.open(profile)
            rooms = await ctl.load()
            elapsed = time.perf_counter() - start
            assert len(rooms.rooms) >= 1000
            await ctl.close()
            return elapsed

        return float(run_async(go))  # type: ignore[arg-type]

    def baseline() -> float:
        start = time.perf_counter()
        conn = sqlite3.connect(db)
        rows = conn.execute("SELECT value FROM kv WHERE key >= 'room:' AND key < 'room;'").fetchall()
        decoded = [cbor2.loads(decode_versioned(raw)[1]) for (raw,) in rows]
        conn.close()
        elapsed = time.perf_counter() - start
        assert len(decoded) >= 1000
        return elapsed

    ours()  # warm the OS page cache for both sides alike
    m, b = paired_medians(runs, ours, baseline)
    return Result("B1", "cold load, 1,000 rooms x 50 messages (history lazy)", m, b, m / b, 2.0)


ARRIVALS = 5
"""Messages another process stores in one room during B7's arrive phase (benchmarks/gui_stall.py)."""


# -- B2 save after one change -----------------------------------------------------------------------


def b2_save_one_change(profile: Path, runs: int, name: str = "B2", rooms_label: str = "1,000") -> Result:
    """Alternating runs of ours and of the baseline, so a slow spell of the shared disk hits both sides."""
    tmp = Path(tempfile.mkdtemp(prefix="river-b2-"))
    conn = sqlite3.connect(tmp / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB)")
    payload = os.urandom(1200)

    def upsert(i: int) -> float:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO kv (key, value) VALUES ('room:x', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (payload + bytes([i % 256]),),
        )
        conn.execute("COMMIT")
        return time.perf_counter() - start

    async def both() -> tuple[list[float], list[float]]:
        ctl = await StorageController.open(profile)
        session = ctl.open_session("bench")
        rooms = await ctl.load(session)
        owned = [vk for vk, r in rooms.rooms.items() if r.is_owner]
        times, base = [], []
        for i in range(runs):
            rooms.rename(owned[i % len(owned)], f"benchmark rename {i}")
            start = time.perf_counter()
            report = await ctl.save(session, rooms)
            times.append(time.perf_counter() - start)
            assert report.ok and len(report.rooms) == 1
            base.append(upsert(i))
        await ctl.close()
        return times, base

    times, base = run_async(both)  # type: ignore[misc]
    conn.close()
    shutil.rmtree(tmp)
    m, b = statistics.median(times), statistics.median(base)
    return Result(name, f"save after changing 1 room of {rooms_label}", m, b, m / b, 3.0)


# -- B3 append to long vs short history ---------------------------------------------------------------


def b3_append(tmp: Path, runs: int) -> Result:
    profile = tmp / "b3"

    async def go() -> tuple[list[float], list[float], int]:
        ctl = await StorageController.open(profile)
        session = ctl.open_session("bench")
        rooms = await ctl.load(session)
        big = rooms.create_room("Ten thousand", "me").owner_vk
        small = rooms.create_room("Ten", "me").owner_vk
        await ctl.save(session, rooms)
        for vk, count in ((big, 10_000), (small, 10)):
            me = rooms.get(vk).self_identity
            msgs = [
                AuthorizedMessage.create(vk, me, SystemTime(1_000 + i), RoomMessageBody.text(f"history {i}"))
                for i in range(count)
            ]
            await ctl.append_messages(session, vk, msgs)
        per: dict[bytes, list[float]] = {big: [], small: []}
        size = 0
        for i in range(runs * 40):
            vk = big if i % 2 == 0 else small
            msg = rooms.post_message(vk, f"new message {i}", now=SystemTime(100_000 + i))
            start = time.perf_counter()
            report = await ctl.save(session, rooms, messages=[msg])
            assert msg.id in report.messages_stored
            per[vk].append(time.perf_counter() - start)
            size = len(hist_key_of(vk, msg)) + len(msg.encode()) + 9
        await ctl.close()
        return per[big], per[small], size

    from river_desktop.domain.river.codec import SystemTime
    from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
    from river_desktop.storage.controller import hist_key_of

    big_t, small_t, size = run_async(go)  # type: ignore[misc]
    m, b = statistics.median(big_t), statistics.median(small_t)
    return Result("B3", "post 1 message: 10,000-message room vs 10-message room", m, b, m / b, 1.2,
                  extra={"bytes_written_per_append": size})


# -- B4 parallel creations ----------------------------------------------------------------------------


def b4_parallel(tmp: Path) -> Result:
    def writers(profile: Path, procs: int, rounds: int) -> tuple[float, int, set[str]]:
        start = time.perf_counter()
        ps = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.helpers.writer", "--profile", str(profile), "--rounds", str(rounds),
                 "--tag", f"w{i}"],
                cwd=REPO, stdout=subprocess.PIPE, text=True,
            )
            for i in range(procs)
        ]
        saved: set[str] = set()
        attempts = 0
        for p in ps:
            out, _ = p.communicate()
            assert p.returncode == 0
            for line in out.splitlines():
                if line.startswith("SAVED "):
                    saved.add(line.split()[1])
                elif line.startswith("DONE max_attempts="):
                    attempts = max(attempts, int(line.split("=")[1]))
        return time.perf_counter() - start, attempts, saved

    par_t, attempts, saved = writers(tmp / "b4-parallel", 8, 50)
    seq_t, _, _ = writers(tmp / "b4-serial", 1, 400)

    async def count(profile: Path) -> set[str]:
        ctl = await StorageController.open(profile)
        rooms = await ctl.load()
        await ctl.close()
        from river_desktop.storage.slots import b58

        return {b58(vk) for vk in rooms.rooms}

    stored: set[str] = run_async(lambda: count(tmp / "b4-parallel"))  # type: ignore[assignment]
    lost = len(saved - stored)
    return Result("B4", "8 processes x 50 creations vs 400 in one process (time ratio)", par_t, seq_t,
                  par_t / seq_t, None, extra={"lost_rooms": lost, "rooms_stored": len(stored),
                                              "max_cas_attempts": attempts,
                                              "throughput_ratio_parallel_over_serial": seq_t / par_t})


# -- B5 CLI rooms list -------------------------------------------------------------------------------


def b5_cli_list(profile: Path, runs: int) -> Result:
    def ours() -> float:
        start = time.perf_counter()
        out = subprocess.run([*CLI, "--profile", str(profile), "--json", "rooms", "list"], check=True,
                             capture_output=True, cwd=REPO).stdout
        elapsed = time.perf_counter() - start
        assert len(json.loads(out)) >= 1000
        return elapsed

    def baseline() -> float:
        return timed(lambda: subprocess.run([sys.executable, "-c", "import sqlite3, cbor2"], check=True))

    # As installed (the bundle, a wheel), the package runs from byte-code; a source tree run with
    # PYTHONDONTWRITEBYTECODE set would otherwise recompile every module on every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "river_desktop"], check=True, cwd=REPO)
    ours()
    m, b = paired_medians(runs, ours, baseline)
    return Result("B5", "`river-desktop-cli --json rooms list`, 1,000 rooms", m, b, m / b, 3.0)


# -- B6 peak memory ----------------------------------------------------------------------------------

_B6_CHILD = """
import asyncio, sys
def peak_kib():  # VmHWM, not ru_maxrss: that one keeps the forking parent's peak across exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from river_desktop.storage.controller import StorageController
async def main():
    ctl = await StorageController.open(sys.argv[1])
    rooms = await ctl.load()
    assert len(rooms.rooms) >= 1000
    await ctl.close()
base = peak_kib()
asyncio.run(main())
print(base, peak_kib())
"""


def b6_memory(profile: Path) -> Result:
    out = subprocess.run([sys.executable, "-c", _B6_CHILD, str(profile)], check=True, capture_output=True,
                         text=True, cwd=REPO).stdout.split()
    before, peak = int(out[0]) / 1024, int(out[1]) / 1024
    return Result("B6", "peak resident memory loading 1,000 rooms x 50 messages (MiB; baseline = after imports)",
                  peak, before, peak / before, None, unit="MiB")


# -- B7 event-loop stall of the GUI ------------------------------------------------------------------

STALL_LIMIT_S = 0.050


def b7_gui_stall(profile: Path, runs: int, rooms: int = 1000, big_room: int = 0, warm_up: Path | None = None,
                 arrivals: int = ARRIVALS) -> Result:
    """The real app in its own process (benchmarks/gui_stall.py): longest heartbeat gap while loading, while
    ``arrivals`` messages from another process arrive in one room, and while saving ``rooms`` rooms (and, with
    ``big_room``, while opening a room of that many messages). Median of ``runs`` processes per phase; baseline =
    an idle loop's longest gap."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    reports = []
    args = ["--rooms", str(rooms), "--big-room", str(big_room), "--arrivals", str(arrivals)]
    if warm_up is not None:
        args += ["--warm-up", str(warm_up)]
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-m", "benchmarks.gui_stall", "--profile", str(profile), *args],
                             check=True, capture_output=True, text=True, cwd=REPO, env=env).stdout
        reports.append(json.loads(out.strip().splitlines()[-1]))

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in reports)) / 1000

    load, save, idle = med("load_stall_ms"), med("save_stall_ms"), med("idle_stall_ms")
    extra = {"load_ms": load * 1000, "save_ms": save * 1000}
    what = f"longest GUI event-loop stall, loading / saving {rooms:,} rooms"
    worst = max(load, save)
    if arrivals:
        arrived = med("arrive_stall_ms")
        extra["arrive_ms"] = arrived * 1000
        worst = max(worst, arrived)
        what += f" / {arrivals} messages arriving in one of them"
    if big_room:
        opened = med("open_stall_ms")
        extra["open_ms"] = opened * 1000
        worst = max(worst, opened)
        what += f" / opening a {big_room:,}-message room"
    extra |= {"worst_single_run_ms": max(r["worst_stall_ms"] for r in reports), "runs": runs}
    return Result("B7" if rooms == 1000 and not big_room else "B7b",
                  f"{what} (5 ms heartbeat; baseline = idle loop)", worst, idle, worst / idle, None,
                  limit=STALL_LIMIT_S, extra=extra)


# -- B8 history page, B10 unread counts (benchmarks/history.py) ------------------------------------------


def b8_history_page(tmp: Path, runs: int) -> list[Result]:
    big, bare, small, first = history.b8_history_page(tmp, runs)
    page = history.PAGE
    return [
        Result("B8", f"newest page of {page} messages, 100,000-message room, in process (vs bare indexed SQL)",
               big, bare, big / bare, 3.0, extra={"first_read_ms": first * 1000,
                                                  "first_read_ratio": first / bare}),
        Result("B8b", "the same page: 100,000-message room vs 100-message room", big, small, big / small, 1.2),
    ]


def b10_unread_counts(tmp: Path, runs: int) -> list[Result]:
    ours, bare = history.b10_unread_counts(tmp, runs)
    m_ours, m_bare = history.b10m_mention_counts(tmp, runs)
    return [
        Result("B10", "unread counts, 1,000 rooms x 100 unread (vs one SQL count of the same rows)", ours, bare,
               ours / bare, 3.0),
        Result("B10m", "\"Mentions & replies\" counts, 1,000 rooms x 100 unread, 20 of them for you (vs one SQL "
               "count of the same rows)", m_ours, m_bare, m_ours / m_bare, 3.0),
    ]


def b11_search(profile: Path, runs: int) -> list[Result]:
    found = search.b11_search(profile, runs, history._alternate)
    return [
        Result(f"B11{suffix}", f"search 100,000 messages in 1,000 rooms, {label}, {hits} hits (vs bare FTS5)",
               ours, bare, ours / bare, 2.0)
        for suffix, (label, (ours, bare, hits)) in zip(("", "b", "c"), found.items(), strict=True)
    ]


def b12_start_fast(profile: Path, runs: int) -> list[Result]:
    f = start_fast.measure(profile, runs)
    return [Result("B12", "first rows of a window, 1,000 rooms (vs the full load it waited for)", f["first"],
                   f["baseline"], f["first"] / f["baseline"], None),
            Result("B12b", "the whole list, chunked, 1,000 rooms (vs the full load)", f["full"], f["baseline"],
                   f["full"] / f["baseline"], 1.5)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", nargs="*", default=None, help="e.g. B1 B2")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    wanted = {w.upper() for w in args.only} if args.only else None
    tmp = Path(tempfile.mkdtemp(prefix="river-bench-"))
    results: list[Result] = []
    began = time.perf_counter()
    # Each demo profile is populated once, on first use; a figure that writes gets a copy (benchmarks/profiles.py).
    profiles = Profiles(tmp)
    try:
        def warm_up() -> Path:
            return profiles.read(WARM_UP_ROOMS, 20)

        steps: list[tuple[str, Callable[[], Result | list[Result]]]] = [
            ("B1", lambda: b1_cold_load(profiles.read(1000, 50), args.runs)),
            ("B2", lambda: b2_save_one_change(profiles.copy(1000, 50), args.runs * 3)),
            ("B2b", lambda: b2_save_one_change(profiles.copy(10_000, 50), args.runs * 3, "B2b", "10,000")),
            ("B3", lambda: b3_append(tmp, args.runs)),
            ("B4", lambda: b4_parallel(tmp)),
            ("B5", lambda: b5_cli_list(profiles.read(1000, 50), args.runs)),
            ("B6", lambda: b6_memory(profiles.read(1000, 50))),
            ("B7", lambda: b7_gui_stall(profiles.copy(1000, 50), min(args.runs, 3), warm_up=warm_up())),
            ("B7b", lambda: b7_gui_stall(profiles.copy(10_000, 50), 1, 10_000, 100_000, warm_up=warm_up())),
            ("B8", lambda: b8_history_page(tmp, args.runs)),
            ("B10", lambda: b10_unread_counts(tmp, args.runs)),
            ("B11", lambda: b11_search(profiles.read(1000, 100), args.runs)),
            ("SCALE", lambda: cli_bench.scale_results(tmp, profiles, args.runs, wanted, Result)),  # B5b, B9, GROWTH
            ("B12", lambda: b12_start_fast(profiles.read(1000, 5, reactions=False), min(args.runs, 3))),
        ]
        for name, step in steps:
            if wanted is not None and name.upper() not in wanted and not (name == "SCALE" and wanted & cli_bench.NAMES):
                continue
            started = time.perf_counter()
            produced = step()
            print(f"{name}: done in {time.perf_counter() - started:.1f} s (profiles included)", flush=True)
            for result in produced if isinstance(produced, list) else [produced]:
                results.append(result)
                _report(result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    code = _finish(args, results)
    print(f"\n{profiles.summary()}")
    print(f"benchmark run took {time.perf_counter() - began:.0f} s ({(time.perf_counter() - began) / 60:.1f} min)")
    return code


def _report(result: Result) -> None:
    if result.limit is not None:
        print(f"{result.name}: {result.verdict} {result.measured * 1000:.1f} ms "
              f"(limit {result.limit * 1000:g} ms)", flush=True)
    else:
        print(f"{result.name}: {result.verdict} ratio {result.ratio:.2f}", flush=True)


def _finish(args: argparse.Namespace, results: list[Result]) -> int:
    print()
    print(table(results))
    payload = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "runs": args.runs,
        "results": [asdict(r) | {"verdict": r.verdict} for r in results],
    }
    args.output.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwrote {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    return 0


def table(results: list[Result]) -> str:
    lines = ["| id | what | ours | baseline | ratio | target | verdict |", "|---|---|---|---|---|---|---|"]
    def fmt(value: float, unit: str) -> str:
        return f"{value * 1000:.1f} ms" if unit == "s" else f"{value:.0f} {unit}"

    for r in results:
        if r.limit is not None:
            target = f"<= {fmt(r.limit, r.unit)} (absolute)"
        else:
            target = f"<= {r.target:g}" if r.target is not None else "-"
        extra = "".join(f"; {k} = {v:.2f}" if isinstance(v, float) else f"; {k} = {v}" for k, v in r.extra.items())
        ours, base = fmt(r.measured, r.unit), fmt(r.baseline, r.unit)
        lines.append(f"| {r.name} | {r.what}{extra} | {ours} | {base} | {r.ratio:.2f} | "
                     f"{target} | {r.verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
