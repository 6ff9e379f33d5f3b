"""With an ``offload``, the engine never touches the store (nor checks, merges or diffs states) on its loop.

The app runs the engine on the GUI's event loop; this is what keeps that loop from waiting on the disk or on
signature checks. Every store call is recorded with the thread it ran on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from river_desktop.net.sync_engine import SyncEngine
from river_desktop.net.sync_store import InMemoryRoomStore
from tests.net.sync_harness import ALICE_ME, CODE, CONTRACT, FAST, World
from tests.net.test_sync_engine import run
from tests.standin.river import river_node

T = TypeVar("T")
STORE_CALLS = ("rooms_to_sync", "local_state", "merge_from_network", "outbox", "ack", "confirmed",
               "set_confirmed", "try_lease", "renew_lease", "release_lease")


class RecordingStore:
    """Forwards to an in-memory store and notes, for each call, whether it ran on the loop's thread."""

    def __init__(self, inner: InMemoryRoomStore, loop_thread: int) -> None:
        self._inner = inner
        self._loop_thread = loop_thread
        self.calls: list[tuple[str, bool]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in STORE_CALLS:
            return attr

        def call(*args: Any) -> Any:
            self.calls.append((name, threading.get_ident() == self._loop_thread))
            return attr(*args)

        return call


def test_every_store_call_runs_off_the_loop_and_the_rooms_still_sync() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            bob = w.profile("bob")
            bob_me = w.invite(bob.store, 2, "Bob")
            # the worker thread's writes wake the test's waits through the loop, as Qt's queued signals would
            alice.store.on_change = lambda _owner: loop.call_soon_threadsafe(w.signal.fire)
            recorder = RecordingStore(alice.store, threading.get_ident())
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-net")

            def offload(fn: Callable[[], T]) -> asyncio.Future[T]:
                return loop.run_in_executor(pool, fn)

            alice.engine = SyncEngine(recorder, w.url, holder="alice", contract=CONTRACT,  # type: ignore[arg-type]
                                      contract_code=CODE, backoff=FAST, observer=alice.engine.observer,
                                      offload=offload)
            try:
                alice.start()
                await w.signal.until(alice.synced)
                bob.start()
                await w.signal.until(lambda: bob.synced() and bob_me.member_id in alice.state().members_by_id())
                w.post(bob, bob_me, "from bob")
                await w.signal.until(lambda: "from bob" in alice.texts())
                w.post(alice, ALICE_ME, "from alice")
                await w.signal.until(lambda: "from bob" in alice.texts() and "from alice" in bob.texts())
                await w.signal.until(alice.synced)
            finally:
                await w.close()
                pool.shutdown()
            names = {name for name, _ in recorder.calls}
            assert {"rooms_to_sync", "merge_from_network", "outbox", "ack", "set_confirmed", "try_lease"} <= names
            assert "release_lease" in names  # given up when it stopped, off the loop too
            on_loop = [name for name, here in recorder.calls if here]
            assert on_loop == []

    run(scenario)
