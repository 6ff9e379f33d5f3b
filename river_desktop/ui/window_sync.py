"""Live sync for one window: collect the controller's change events, apply them in batches.

Events arrive synchronously from the controller (after this process's commits at once, after other
processes' commits within one poll interval). Each only records *what* changed; one task per window
then re-reads just those room slots / the preferences / the shown room's newest messages and hands
them to the window. Bursts coalesce: while a batch is being applied, new events accumulate into the
next batch, so a window never runs two syncs at once and never falls behind by more than one batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from river_desktop.storage.controller import ChangeEvent, StorageController
from river_desktop.storage.slots import META_KEY, ROOM_PREFIX, parse_hist_room, parse_room_key

log = logging.getLogger(__name__)


@dataclass
class PendingChanges:
    """What changed since the last applied batch.

    Events only add their raw store keys (``keys``): turning 1,000 keys into room keys is base58
    decoding and a point check each (tens of milliseconds), so :meth:`resolve` does it later, off
    the GUI thread, into ``rooms`` and ``message_rooms``.
    """

    rooms: set[bytes] = field(default_factory=set)
    message_rooms: set[bytes] = field(default_factory=set)
    meta: bool = False
    keys: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.rooms or self.message_rooms or self.meta or self.keys)

    def add(self, event: ChangeEvent) -> None:
        self.keys |= event.keys
        self.meta = self.meta or META_KEY in event.keys

    def resolve(self, limit: int | None = None) -> None:
        """Parse (up to ``limit`` of) the raw keys into ``rooms`` / ``message_rooms`` (any thread; the batch
        must not be shared). Callers pass a limit so the storage thread lets the GUI thread in between."""
        if limit is None or limit >= len(self.keys):
            keys, self.keys = self.keys, set()
        else:
            keys = {self.keys.pop() for _ in range(limit)}
        for key in keys:
            if key.startswith(ROOM_PREFIX):
                vk = parse_room_key(key)  # River's rule, ed25519 point check included
                if vk is not None:
                    self.rooms.add(vk)
            elif (room := parse_hist_room(key)) is not None:
                self.message_rooms.add(room)


Applier = Callable[[PendingChanges], Awaitable[None]]
TaskStarter = Callable[[Awaitable[None]], "asyncio.Task[None]"]


class WindowSync:
    """Subscribes one window to the controller's change feed and runs its batches one at a time.

    ``apply`` is the window's coroutine that merges a batch; ``start_task`` creates (and keeps a
    reference to) the task that runs the batches. Nothing runs until :meth:`resume` is called (the
    window has loaded), but events are collected from :meth:`start` on, so nothing is missed between
    the window's load and its subscription.
    """

    def __init__(self, controller: StorageController, apply: Applier, start_task: TaskStarter) -> None:
        self._controller = controller
        self._apply = apply
        self._start_task = start_task
        self._pending = PendingChanges()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._paused = True
        self._stopped = False
        self.batches_applied = 0

    @property
    def active(self) -> bool:
        return self._unsubscribe is not None

    @property
    def idle(self) -> bool:
        """No change waits to be applied and no batch is running."""
        return not self._pending and (self._task is None or self._task.done())

    def start(self) -> None:
        """Subscribe (collecting events; they are applied once :meth:`resume` is called)."""
        if self._unsubscribe is None and not self._stopped:
            self._unsubscribe = self._controller.subscribe(self._on_event)

    def resume(self) -> None:
        self._paused = False
        self._kick()

    def pause(self) -> None:
        self._paused = True

    def stop(self) -> None:
        """Unsubscribe and cancel the running batch (the window is closing)."""
        self._stopped = True
        self._paused = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._pending = PendingChanges()

    def mark(self, *, rooms: set[bytes] | None = None, meta: bool = False, messages: set[bytes] | None = None) -> None:
        """Queue a re-read that no event announced (e.g. after a load that may have raced a commit)."""
        self._pending.rooms.update(rooms or ())
        self._pending.message_rooms.update(messages or ())
        self._pending.meta = self._pending.meta or meta
        self._kick()

    def _on_event(self, event: ChangeEvent) -> None:
        if self._stopped:
            return
        self._pending.add(event)
        self._kick()

    def _kick(self) -> None:
        if self._paused or self._stopped or not self._pending:
            return
        if self._task is None or self._task.done():
            self._task = self._start_task(self._run())

    async def _run(self) -> None:
        while self._pending and not self._paused and not self._stopped:
            batch, self._pending = self._pending, PendingChanges()
            await self._apply(batch)
            self.batches_applied += 1


__all__ = ["PendingChanges", "WindowSync"]
