"""Where B8's newest page of 50 goes: the bare statement, ours, the page read on the storage thread, the hop.

``python -m benchmarks.page_parts [--messages N] [--reads R]`` builds a room of N messages (10,000 by default)
through the controller, then prints one JSON line of medians in microseconds, each side read R times in turn:

- ``bare``: the bare indexed statement B8 compares with (``benchmarks/history.py``);
- ``statement``: our one statement, the index page joined to its values with the columns the page's checks use;
- ``page_on_storage_thread``: the whole page read (statement, checks, decoded messages kept) called on the
  storage thread itself, as one job;
- ``hop``: a no-op ``run_in_executor`` round trip to the storage thread;
- ``awaited``: the page awaited as the app awaits it (what B8 measures).

Run it under ``taskset -c 0`` to see what the hop costs when both threads share one CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.history import PAGE, _fill, _say
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.history_page import PAGE_VALUES_NEWEST
from river_desktop.storage.sqlite_kv import SqliteKV

BARE = (
    "SELECT kv.value FROM msg_index JOIN kv ON kv.key = msg_index.key WHERE msg_index.room = ?"
    " ORDER BY msg_index.time DESC, msg_index.id DESC LIMIT ?"
)


async def parts(db: Path, messages: int, reads: int) -> dict[str, float]:
    vk = Rooms().create_room("Parts", "me").owner_vk
    other = SigningIdentity.generate()
    ctl = StorageController(SqliteKV(db))
    await _fill(ctl, [_say(vk, other, f"message {i}", 1_000 + i) for i in range(messages)])
    conn = sqlite3.connect(db, isolation_level=None)
    loop = asyncio.get_running_loop()
    assert len(await ctl.read_messages(vk, limit=PAGE)) == PAGE  # the decoded messages are kept from here on

    def timed_sync(fn: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        return run

    def on_storage_thread() -> float:
        return ctl.run_blocking(timed_sync(lambda: ctl._read_messages_sync(vk, None, PAGE)))

    async def awaited(make: Callable[[], Awaitable[object]]) -> float:
        start = time.perf_counter()
        await make()
        return time.perf_counter() - start

    sides: dict[str, Callable[[], float | Awaitable[float]]] = {
        "bare": timed_sync(lambda: conn.execute(BARE, (vk, PAGE)).fetchall()),
        "statement": timed_sync(lambda: conn.execute(PAGE_VALUES_NEWEST, (vk, PAGE)).fetchall()),
        "page_on_storage_thread": lambda: loop.run_in_executor(None, on_storage_thread),
        "hop": lambda: awaited(lambda: loop.run_in_executor(ctl._io, lambda: None)),
        "awaited": lambda: awaited(lambda: ctl.read_messages(vk, limit=PAGE)),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(reads):
        for name, side in sides.items():
            got = side()
            times[name].append(got if isinstance(got, float) else await got)
    conn.close()
    await ctl.close()
    return {name: round(statistics.median(t) * 1e6, 1) for name, t in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=600)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="river-page-parts-") as tmp:
        result = asyncio.run(parts(Path(tmp) / "river.sqlite3", args.messages, args.reads))
    result["ratio_awaited_over_bare"] = round(result["awaited"] / result["bare"], 2)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
