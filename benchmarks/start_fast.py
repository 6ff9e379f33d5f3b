"""B12: how soon a window has its first rooms, and its whole list, against the full load it used to wait for.

A window's load runs what ``ui/window_fill.py`` runs, without widgets: open the profile, read the
preferences, read and decode the first chunk (the current, pinned and top rooms plus the first page by
key) and derive its list rows; then every later chunk. The baseline, measured in the same run, is what
the window waited for before (behind a loading page): ``load_with_report`` plus the rows of every room.

Run alone: ``python -m benchmarks.start_fast --rooms 10000`` (populates a temporary profile) or
``--profile DIR`` for an existing one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from river_desktop.domain.rooms import Rooms
from river_desktop.storage import progressive_load as pl
from river_desktop.storage.controller import StorageController
from river_desktop.ui.window_merge import prepare_rows


async def chunked(profile: Path) -> tuple[float, float, int]:
    """Seconds to the first chunk's rows and to the last chunk's, and how many rooms arrived."""
    start = time.perf_counter()
    ctl = await StorageController.open(profile)
    try:
        loader = pl.ProgressiveLoad(ctl, ctl.open_session("bench"))
        begun = await loader.start()
        rooms = Rooms()
        if begun.meta is not None:
            rooms.apply_meta(begun.meta)
        first = 0.0
        async for chunk in loader.chunks(pl.first_keys(begun.meta, [], pl.CHUNK)):
            part = Rooms(dict(chunk.rooms))
            await ctl.run(lambda part=part: prepare_rows(part, part.rooms))
            pl.absorb(rooms, chunk, begun.meta)
            if not first:
                first = time.perf_counter() - start
        return first, time.perf_counter() - start, len(rooms.rooms)
    finally:
        await ctl.close()


async def whole(profile: Path) -> tuple[float, int]:
    """Seconds of the full load plus every room's rows (what the loading page waited for)."""
    start = time.perf_counter()
    ctl = await StorageController.open(profile)
    try:
        result = await ctl.load_with_report(ctl.open_session("bench"))
        await ctl.run(lambda: prepare_rows(result.rooms, result.rooms.rooms))
        return time.perf_counter() - start, len(result.rooms.rooms)
    finally:
        await ctl.close()


def measure(profile: Path, runs: int) -> dict[str, float]:
    """Medians of ``runs`` interleaved runs of each side (a slow spell of a shared machine hits both)."""
    firsts: list[float] = []
    fulls: list[float] = []
    bases: list[float] = []
    for _ in range(runs):
        first, full, got = asyncio.run(chunked(profile))
        base, expected = asyncio.run(whole(profile))
        if got != expected:
            raise AssertionError(f"the chunked load found {got} rooms, the full load {expected}")
        firsts.append(first)
        fulls.append(full)
        bases.append(base)
    return {
        "first": statistics.median(firsts),
        "full": statistics.median(fulls),
        "baseline": statistics.median(bases),
        "rooms": float(expected),
    }


def gui(profile: Path) -> dict[str, float]:
    """The real app, offscreen: seconds to the window's first rows and to its whole list, and the longest
    time the GUI thread spent taking in one chunk (``WindowState.absorb_chunk``, list redraw included)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from river_desktop.ui import window_state
    from river_desktop.ui.desktop import RiverDesktop

    app = QApplication.instance() or QApplication([])
    spans: list[float] = []
    real = window_state.WindowState.absorb_chunk

    def timed_absorb(self: window_state.WindowState, *args: object) -> None:
        began = time.perf_counter()
        real(self, *args)  # type: ignore[arg-type]
        spans.append(time.perf_counter() - began)

    window_state.WindowState.absorb_chunk = timed_absorb  # type: ignore[method-assign]
    figures: dict[str, float] = {}

    async def go() -> None:
        start = time.perf_counter()
        desktop = RiverDesktop(profile, log_dir=profile / "bench-logs")
        await desktop.start()
        done = asyncio.Event()
        window = desktop.open_window()

        def on_chunk(_loaded: int, last: bool) -> None:
            figures.setdefault("first", time.perf_counter() - start)
            if last:
                figures["full"] = time.perf_counter() - start
                figures["rooms"] = float(window.model.rowCount())
                done.set()

        window.roomsFilled.connect(on_chunk)
        await done.wait()
        window.close()  # the process ends here; a shutdown would quit the Qt loop under the runner

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(go())
    window_state.WindowState.absorb_chunk = real  # type: ignore[method-assign]
    figures["longest_chunk"] = max(spans)
    figures["chunks"] = float(len(spans))
    return figures


def populate(profile: Path, rooms: int, messages: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "demo", "populate",
         "--rooms", str(rooms), "--messages-per-room", str(messages), "--seed", "7"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--messages-per-room", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gui", action="store_true", help="also time the real app's first window (offscreen)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="river-start-") as tmp:
        profile = args.profile
        if profile is None:
            profile = Path(tmp) / "profile"
            populate(profile, args.rooms, args.messages_per_room)
        figures = measure(profile, args.runs)
        shown = gui(profile) if args.gui else None
    print(
        f"{int(figures['rooms'])} rooms: first rows {figures['first'] * 1000:.0f} ms, "
        f"whole list {figures['full'] * 1000:.0f} ms; full load (baseline) {figures['baseline'] * 1000:.0f} ms; "
        f"first/baseline {figures['first'] / figures['baseline']:.3f}, full/baseline "
        f"{figures['full'] / figures['baseline']:.2f}"
    )
    if shown is not None:
        print(
            f"app: first rows in its window {shown['first'] * 1000:.0f} ms, whole list {shown['full'] * 1000:.0f} ms "
            f"({int(shown['rooms'])} rows), {int(shown['chunks'])} chunks, longest chunk on the GUI thread "
            f"{shown['longest_chunk'] * 1000:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
