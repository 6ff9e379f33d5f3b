"""B7: the longest event-loop stall of the real app while it loads and saves 1,000 rooms.

Run as its own process (``QT_QPA_PLATFORM=offscreen python -m benchmarks.gui_stall``); prints one
JSON line on stdout for ``benchmarks/run.py``. A precise ``QTimer`` heartbeat ticks every few
milliseconds on the GUI thread; the longest gap between two ticks is the longest time the event
loop could not react to input or paint. Phases:

``warm-up`` (not measured)
    One window on a 3-room demo profile, its rooms shown, one room created and saved, then closed:
    one-time process start-up costs (PySide creating its enum types on first use, the font
    database, style polish) are not counted as loading 1,000 rooms. Between phases the closed
    windows are deleted and their garbage collected, so no phase pays for the previous one.
``idle``
    The application with no window: the heartbeat's own jitter (the baseline).
``load``
    ``RiverDesktop.create`` on a profile with 1,000 rooms x 50 messages (``demo populate``); one
    window is opened and shown; the phase ends when the window has loaded, its room list shows every
    room, the unread badges are computed and the selected room's messages are shown.
``save``
    Two windows on a fresh profile. 1,000 new rooms (members, signed nicknames) are built off the
    GUI thread (``controller.run``, the storage worker) with their list rows (``prepare_rows``, as the
    app's load and merge paths make them there; ``WindowState.adopt_rows``), added to window A's ``Rooms``
    copy and saved through A's normal save path (``refresh`` + ``schedule_save``); the phase ends when the
    save has finished, window B shows all 1,000 rooms live and both windows have their badges.

``arrive`` (with ``--arrivals N``)
    In the window of the ``load`` phase, still open: another process (this module's ``--append-to``) stores N
    messages by someone else, one transaction each, in one room counted in "All"; the phase ends when that room's
    badge counts all N. This is what every message from the network or another client costs the window.
``open`` (with ``--big-room N``)
    A profile holding one room of N messages (built before the event loop starts); the app is created,
    one window opened and loaded (not measured), then the phase selects the room and ends when its
    newest messages are shown.

Each phase's figure is the longest gap between two ticks (a perfectly responsive loop shows about
the heartbeat interval), plus a settle time of 0.5 s after the phase's end condition. The target is
50 ms. ``--diagnose`` samples every thread's Python stack (from a watchdog thread) whenever the
heartbeat is late and prints the most frequent stacks on stderr; a GUI thread that is late while
no stack shows it busy is waiting for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.profiles import WARM_UP_ROOMS, copy_profile

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
INTERVAL_MS = 5
SETTLE_S = 0.5
TIMEOUT_S = 120.0
ARRIVAL_GAP_S = 0.4
"""Between two messages of the arrive phase: more than the change poll's 250 ms (storage/change_feed.py)."""


class Heartbeat:
    """A GUI-thread timer that records the longest gap between consecutive ticks."""

    def __init__(self, interval_ms: int = INTERVAL_MS) -> None:
        self.interval_ms = interval_ms
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self.last: float | None = None
        self.longest = 0.0
        self.ticks = 0
        self.late_since: float | None = None

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        """Start a new measurement; the first tick after this only sets the reference time."""
        self.last = None
        self.longest = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1


class StackSampler(threading.Thread):
    """Watchdog: while the heartbeat is overdue, sample the GUI thread's Python stack."""

    def __init__(self, heartbeat: Heartbeat, late_ms: float = 15.0) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.heartbeat = heartbeat
        self.late = late_ms / 1000
        self.samples: collections.Counter[tuple[str, ...]] = collections.Counter()
        self.phase = ""
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(0.002):
            last = self.heartbeat.last
            if last is None or time.perf_counter() - last < self.late:
                continue
            # every thread: a GUI thread waiting for the GIL is blocked by whoever holds it
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == self.ident:
                    continue
                if frame.f_code.co_name in ("wait", "get", "select", "_wait_for_tstate_lock"):
                    continue  # an idle thread
                stack = tuple(
                    f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_stack(frame)[-10:]
                )
                self.samples[(f"{self.phase} [{names.get(ident, ident)}]", *stack)] += 1

    def stop(self) -> None:
        self._stop.set()

    def report(self, top: int = 12) -> str:
        lines = []
        for (phase, *stack), count in self.samples.most_common(top):
            lines.append(f"--- {phase}: {count} samples x 2 ms")
            lines.extend(f"    {s}" for s in stack)
        return "\n".join(lines)


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.01)


def populate(profile: Path, rooms: int, messages: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "demo", "populate",
         "--rooms", str(rooms), "--messages-per-room", str(messages), "--seed", "7", "--reactions"],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )


async def build_big_room(profile: Path, count: int) -> None:
    """One room holding ``count`` messages from another member, written as history keys in batches."""
    from river_desktop.domain.identity import SigningIdentity
    from river_desktop.domain.river.codec import SystemTime
    from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
    from river_desktop.storage.controller import StorageController

    ctl = await StorageController.open(profile)
    session = ctl.open_session("build")
    rooms = await ctl.load(session)
    small = rooms.create_room("A few", "me").owner_vk
    vk = rooms.create_room("A hundred thousand", "me").owner_vk
    assert (await ctl.save(session, rooms)).ok
    other = SigningIdentity.generate()
    await ctl.append_messages(session, small, [
        AuthorizedMessage.create(small, other, SystemTime(1_000 + i), RoomMessageBody.text(f"a few {i}"))
        for i in range(5)])

    def batch(start: int) -> list[AuthorizedMessage]:
        return [AuthorizedMessage.create(vk, other, SystemTime(1_000 + i), RoomMessageBody.text(f"message {i}"))
                for i in range(start, min(count, start + 5_000))]

    for start in range(0, count, 5_000):
        await ctl.append_messages(session, vk, await ctl.run(lambda s=start: batch(s)))  # type: ignore[misc]
    await ctl.close()


async def append_messages(profile: Path, room: bytes, count: int) -> None:
    """The arrive phase's other writer: ``count`` messages by a new identity, one transaction each, further
    apart than the app's change poll, so each arrives on its own as messages from the network do."""
    from benchmarks.history import _say
    from river_desktop.domain.identity import SigningIdentity
    from river_desktop.storage.controller import StorageController

    ctl = await StorageController.open(profile)
    session = ctl.open_session("arrivals")
    someone = SigningIdentity.generate()
    now = int(time.time())
    for i in range(count):
        _room, message = _say(room, someone, f"arrival {i}", now + i)
        await ctl.append_messages(session, room, [message])
        await asyncio.sleep(ARRIVAL_GAP_S)
    await ctl.close()


async def settle_garbage() -> None:
    """Let closed windows be deleted (deferred deletes) and collect their cycles, between phases."""
    for _ in range(3):
        await asyncio.sleep(0.05)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        gc.collect()


async def measure(heartbeat: Heartbeat, sampler: StackSampler | None, phase: str,
                  body: Callable[[], object]) -> dict[str, float]:
    """Run ``body`` (a coroutine function) plus a settle time; the phase's longest gap and duration."""
    if sampler is not None:
        sampler.phase = phase
    await asyncio.sleep(0.05)
    heartbeat.reset()
    start = time.perf_counter()
    await body()  # type: ignore[misc]
    busy = time.perf_counter() - start
    await asyncio.sleep(SETTLE_S)
    return {"stall_ms": heartbeat.longest * 1000, "seconds": busy, "ticks": heartbeat.ticks}


async def bench(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    from river_desktop.demo import DemoBuilder
    from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
    from river_desktop.ui.desktop import RiverDesktop
    from river_desktop.ui.main_window import LoadState, MainWindow, SaveState, prepare_rows
    from river_desktop.ui.room_rows import RoomRow

    ALL = NotificationMode.ALL

    rooms_wanted: int = args.rooms
    heartbeat = Heartbeat(args.interval)
    heartbeat.start()
    sampler = StackSampler(heartbeat) if args.diagnose else None
    if sampler is not None:
        sampler.start()
    phases: dict[str, dict[str, float]] = {}

    def ready(window: MainWindow, count: int) -> bool:
        return (
            window.load_state is LoadState.READY
            and window.model.rowCount() == count
            and len(window.unread) == count
        )

    # -- warm-up: one window on a small demo profile (rooms, messages, badges), so one-time process
    #    start-up costs (PySide creating its enum types on first use, the font database, style polish)
    #    are not counted as loading
    async def warm_up() -> None:
        warm = await RiverDesktop.create(tmp / "warm-up", log_dir=tmp / "logs")
        window = warm.open_window()
        await wait_until(lambda: ready(window, WARM_UP_ROOMS), "the warm-up window is ready")
        for key in window.rooms.ordered_keys():
            window.select_room(key)
            await wait_until(lambda: window.roomView.model.rowCount() > 0, "a warm-up room shows its messages")
        window.create_room("Warm-up", "me")
        await wait_until(window.saving_idle, "the warm-up window has saved")
        await asyncio.sleep(0.3)
        warm.request_quit()
        await warm.shutdown()

    await warm_up()
    await settle_garbage()

    # -- idle: the heartbeat's own jitter
    phases["idle"] = await measure(heartbeat, sampler, "idle", lambda: asyncio.sleep(1.0))

    # -- load
    desktops: list[RiverDesktop] = []
    shown: list[MainWindow] = []

    async def load() -> None:
        desktop = await RiverDesktop.create(args.profile, log_dir=tmp / "logs")
        desktops.append(desktop)
        window = desktop.open_window()
        shown.append(window)
        await wait_until(lambda: ready(window, rooms_wanted), "the window shows every room with its badge")
        await wait_until(lambda: window.roomView.model.rowCount() > 0, "the selected room's messages are shown")

    phases["load"] = await measure(heartbeat, sampler, "load", load)
    if args.arrivals:
        window = shown[0]
        key = next(k for k in reversed(window.rooms.ordered_keys()) if window.rooms.notification_mode(k) is ALL)
        counted = window.unread.get(key, 0)

        async def arrive() -> None:
            command = [sys.executable, "-m", "benchmarks.gui_stall", "--append-to", str(args.profile),
                       key.hex(), str(args.arrivals)]
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: subprocess.run(command, check=True, cwd=REPO, capture_output=True))
            await wait_until(lambda: window.unread.get(key, 0) == counted + args.arrivals,
                             "the badge counts every message that arrived")

        phases["arrive"] = await measure(heartbeat, sampler, "arrive", arrive)
    for desktop in desktops:
        desktop.request_quit()
        await desktop.shutdown()
    desktops.clear()
    await settle_garbage()  # destroying the closed window is not part of the next phase

    # -- save
    fresh = tmp / "fresh"
    desktop = await RiverDesktop.create(fresh, log_dir=tmp / "logs")
    a = desktop.open_window()
    b = desktop.open_window()
    await wait_until(lambda: a.is_loaded and b.is_loaded, "both windows have loaded")

    def build() -> tuple[list[RoomData], dict[bytes, tuple[RoomData, RoomRow]]]:
        builder = DemoBuilder(11)
        built = [builder.room(name, 0)[0] for name in builder.room_names(rooms_wanted, set())]
        # what the app does off the GUI thread for rooms it loads or receives: their list rows
        return built, prepare_rows(Rooms({room.owner_vk: room for room in built}), [room.owner_vk for room in built])

    async def save() -> None:
        built, rows = await desktop.controller.run(build)
        a.state.adopt_rows(rows)
        a.rooms.rooms.update({room.owner_vk: room for room in built})
        a.refresh()
        a.request_unread()
        a.schedule_save()
        await a.flush()
        if a.save_state is not SaveState.SAVED:
            raise RuntimeError(f"the save failed: {a.save_error}")
        await wait_until(lambda: ready(a, rooms_wanted) and ready(b, rooms_wanted),
                         "both windows show every room with its badge")

    phases["save"] = await measure(heartbeat, sampler, "save", save)
    desktop.request_quit()
    await desktop.shutdown()

    if args.big_room:
        await settle_garbage()
        desktop = await RiverDesktop.create(tmp / "big-room", log_dir=tmp / "logs")
        window = desktop.open_window()
        await wait_until(lambda: ready(window, 2), "the big room's window has loaded")
        small, big = window.rooms.ordered_keys()

        def showing(key: bytes) -> bool:
            return window.roomView.current_room_key() == key and window.roomView.model.rowCount() > 0

        window.select_room(small)  # not measured: the phase starts from another room being shown
        await wait_until(lambda: showing(small), "the small room's messages are shown")

        async def open_room() -> None:
            window.select_room(big)
            await wait_until(lambda: showing(big), "the big room's messages are shown")

        phases["open"] = await measure(heartbeat, sampler, "open", open_room)
        desktop.request_quit()
        await desktop.shutdown()

    heartbeat.stop()
    if sampler is not None:
        sampler.stop()
        print(sampler.report(), file=sys.stderr)
    worst = max(p["stall_ms"] for name, p in phases.items() if name != "idle")
    extra = {} if "open" not in phases else {"open_stall_ms": round(phases["open"]["stall_ms"], 2),
                                             "open_seconds": round(phases["open"]["seconds"], 3),
                                             "big_room_messages": args.big_room}
    if "arrive" in phases:
        extra |= {"arrive_stall_ms": round(phases["arrive"]["stall_ms"], 2),
                  "arrive_seconds": round(phases["arrive"]["seconds"], 3), "arrivals": args.arrivals}
    return {
        "benchmark": "gui_stall",
        "rooms": rooms_wanted,
        "interval_ms": args.interval,
        "target_ms": TARGET_MS,
        "idle_stall_ms": round(phases["idle"]["stall_ms"], 2),
        "load_stall_ms": round(phases["load"]["stall_ms"], 2),
        "save_stall_ms": round(phases["save"]["stall_ms"], 2),
        "load_seconds": round(phases["load"]["seconds"], 3),
        "save_seconds": round(phases["save"]["seconds"], 3),
        "worst_stall_ms": round(worst, 2),
        "met": worst <= TARGET_MS,
        **extra,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", type=Path, default=None,
                        help="a profile with --rooms demo rooms (default: populated in a temporary directory)")
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--messages-per-room", type=int, default=50)
    parser.add_argument("--big-room", type=int, default=0,
                        help="also measure opening a room with this many messages (0: not measured)")
    parser.add_argument("--warm-up", type=Path, default=None,
                        help=f"a profile with {WARM_UP_ROOMS} demo rooms x 20 messages to copy for the warm-up window "
                             "(default: populated here)")
    parser.add_argument("--interval", type=int, default=INTERVAL_MS, help="heartbeat interval (ms)")
    parser.add_argument("--arrivals", type=int, default=0,
                        help="also measure this many messages arriving from another process (0: not measured)")
    parser.add_argument("--diagnose", action="store_true", help="print the GUI thread's stacks while it stalls")
    parser.add_argument("--append-to", nargs=3, metavar=("PROFILE", "ROOM_HEX", "COUNT"), default=None,
                        help=argparse.SUPPRESS)  # the other process of the arrive phase
    args = parser.parse_args(argv)
    if args.append_to is not None:
        asyncio.run(append_messages(Path(args.append_to[0]), bytes.fromhex(args.append_to[1]),
                                    int(args.append_to[2])))
        return 0

    import qasync

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory(prefix="river-stall-") as name:
        tmp = Path(name)
        if args.profile is None:
            args.profile = tmp / "big"
            populate(args.profile, args.rooms, args.messages_per_room)
        if args.warm_up is not None:
            copy_profile(args.warm_up, tmp / "warm-up")
        else:
            populate(tmp / "warm-up", WARM_UP_ROOMS, 20)
        if args.big_room:
            asyncio.run(build_big_room(tmp / "big-room", args.big_room))
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            result = runner.run(bench(args, tmp))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
