"""Compare the one-change save (B2) of two builds, in turn, on the same machine at the same moments.

A whole ``make bench`` run of each build, one after the other, meets a VM whose fsync latency drifts between runs
(B2 of one build gave 2.6x and 4.7x minutes apart). Here two long-lived processes, one per build, each with its own
copy of a profile, save one renamed room each in turn, alternating who goes first; the median of the per-pair
ratios says how the builds' saves compare.

    python -m benchmarks.save_pairs --a NEW_TREE NEW_PROFILE --b OLD_TREE OLD_PROFILE --pairs 300

A tree is a checkout (``git worktree`` or ``git archive``) of a build; a profile is one that build's
``demo populate`` made (``--rooms 1000 --messages-per-room 50 --seed 7 --reactions`` for B2). Both are copied, and
the copies written back to disk, before the first save. Run it with this project's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BOOT = "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_path(sys.argv[1], run_name='__worker__')"
"""The worker runs this file with the build's tree first on ``sys.path``, so it saves with that build's code."""


async def _serve(profile: Path) -> None:
    """The worker: load, then for each ``go N`` line rename one owned room, save, print the seconds."""
    import river_desktop
    from river_desktop.storage.controller import StorageController

    ctl = await StorageController.open(profile)
    session = ctl.open_session("pairs")
    rooms = await ctl.load(session)
    owned = [vk for vk, room in rooms.rooms.items() if room.is_owner]
    print(f"ready: {len(owned)} rooms to rename, code from {Path(river_desktop.__file__).parent}", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.startswith("go "):
            break
        i = int(line.split()[1])
        rooms.rename(owned[i % len(owned)], f"benchmark rename {i}")
        start = time.perf_counter()
        report = await ctl.save(session, rooms)
        elapsed = time.perf_counter() - start
        assert report.ok
        print(f"{elapsed:.9f}", flush=True)
    await ctl.close()


def _start(tree: Path, profile: Path, scratch: Path, name: str) -> subprocess.Popen[str]:
    copy = scratch / name
    shutil.copytree(profile, copy, copy_function=shutil.copy2)
    os.sync()
    worker = subprocess.Popen(
        [sys.executable, "-c", _BOOT, str(tree), __file__, str(copy)],
        cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert worker.stdout is not None
    ready = worker.stdout.readline()
    if not ready.startswith("ready"):
        raise SystemExit(f"build {name} ({tree}) did not start: {ready!r}")
    print(f"{name}: {ready.strip()}", flush=True)
    return worker


def _save(worker: subprocess.Popen[str], i: int) -> float:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(f"go {i}\n")
    worker.stdin.flush()
    return float(worker.stdout.readline())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", nargs=2, metavar=("TREE", "PROFILE"), type=Path, required=True)
    parser.add_argument("--b", nargs=2, metavar=("TREE", "PROFILE"), type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="river-pairs-"))
    try:
        a = _start(args.a[0], args.a[1], scratch, "a")
        b = _start(args.b[0], args.b[1], scratch, "b")
        times: dict[str, list[float]] = {"a": [], "b": []}
        for i in range(args.pairs):
            order = (("a", a), ("b", b)) if i % 2 == 0 else (("b", b), ("a", a))
            for name, worker in order:
                times[name].append(_save(worker, i))
        for worker in (a, b):
            assert worker.stdin is not None
            worker.stdin.write("quit\n")
            worker.stdin.flush()
            worker.wait()
    finally:
        shutil.rmtree(scratch)
    ta, tb = times["a"], times["b"]
    print(f"a: median {statistics.median(ta) * 1e3:.3f} ms; b: median {statistics.median(tb) * 1e3:.3f} ms")
    print(f"a/b: ratio of medians {statistics.median(ta) / statistics.median(tb):.3f}, "
          f"median of pair ratios {statistics.median(x / y for x, y in zip(ta, tb, strict=True)):.3f}")  # fmt: skip
    return 0


if __name__ == "__worker__":
    asyncio.run(_serve(Path(sys.argv[-1])))
elif __name__ == "__main__":
    sys.exit(main())
