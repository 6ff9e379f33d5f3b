"""The app's one sync engine and what every window shows of it (the wording is net/status_view.py's).

:class:`NetworkSync` belongs to :class:`~river_desktop.ui.app.RiverDesktop`: one engine per process, started
when Preferences turns "Sync over a Freenet node" on, restarted when the address changes, stopped when it is
turned off or the app quits. It runs on the app's (qasync) event loop; everything that blocks (the store, state
checks, merges) runs on a worker thread of its own through the engine's ``offload``, and the store's calls from
there hop to the storage thread, so the GUI thread never waits. States the node sends are merged through
``StorageController``'s CAS save (storage/net_store.py); every window sees them through the controller's change
poll like any other process's write. Another process (the CLI, a second app) on the same profile shares the
outbox, and the profile's lease decides which one sends.

:func:`attach_network_status` wires one window: its status bar's network label and its room view's notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from river_desktop.domain.rooms import RoomData
from river_desktop.net.client import node_url, redacted_url
from river_desktop.net.errors import NetError
from river_desktop.net.status_view import RoomLine, StatusLine, overall_line, room_line
from river_desktop.net.sync_engine import Backoff, SyncEngine
from river_desktop.net.sync_status import Phase, SyncStatus
from river_desktop.storage.controller import ChangeEvent, StorageController
from river_desktop.storage.net_store import NetStore
from river_desktop.storage.slots import OUTBOX_PREFIX
from river_desktop.ui.room_view import RoomView

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_INTERVAL_S = 15.0
STOP_WAIT_S = 2.0
"""How long a stop waits for the engine's own way out (a request in flight) before cancelling it."""
STATUS_LABEL = "localOnly"
"""The status bar label main_window.py builds (``local_only_label``); this module keeps its text current."""


class NetworkSync(QObject):
    """The process's sync engine, on or off as the preferences say. ``statusChanged`` carries
    ``(owner_vk | None, SyncStatus)`` on the GUI thread after every change (None: the whole engine)."""

    statusChanged = Signal(object, object)

    def __init__(
        self, controller: StorageController, *, backoff: Backoff | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self.backoff = backoff
        """Reconnect pacing for the next engine started (None: the engine's default)."""
        self.poll_interval = POLL_INTERVAL_S
        """How often the next engine looks again unprompted (other processes' outboxes, rooms it waits for)."""
        self.holder = f"app-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        """This process's name in the profile's sender lease (one per process, kept across restarts)."""
        self._enabled = False
        self._address = ""
        self._contract_file = ""
        self._engine: SyncEngine | None = None
        self._task: asyncio.Task[None] | None = None
        self._switch: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._closed = False

    # ---- what windows read ----

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def address(self) -> str:
        """The node's URL as shown (an auth token hidden)."""
        return redacted_url(self._address) if self._address else ""

    @property
    def engine(self) -> SyncEngine | None:
        return self._engine

    def status(self) -> SyncStatus | None:
        return None if self._engine is None else self._engine.status

    def room_status(self, owner_vk: bytes) -> SyncStatus | None:
        return None if self._engine is None else self._engine.room_status(owner_vk)

    def overall_line(self) -> StatusLine:
        return overall_line(self._enabled, self.status(), self.address)

    def room_line(self, room: RoomData) -> RoomLine | None:
        return room_line(self._enabled, self.status(), self.room_status(room.owner_vk), room.waiting)

    # ---- switching ----

    def apply(self, enabled: bool, address: str, contract_file: str = "") -> None:
        """Follow the preferences: start, restart (another address or contract file) or stop the engine.
        Returns at once; the switch happens on the loop, one engine at a time."""
        if self._closed:
            return
        try:
            url = node_url(address)
        except NetError as exc:
            log.warning("network sync stays off: %s", exc)
            enabled, url = False, ""
        same = url == self._address and contract_file == self._contract_file
        if enabled == self._enabled and (not enabled or same):
            return
        self._enabled, self._address = enabled, url if enabled else ""
        self._contract_file = contract_file
        previous = self._switch
        self._switch = asyncio.ensure_future(self._follow(previous, enabled, url, contract_file))
        self.statusChanged.emit(None, self.status())

    async def _follow(self, previous: asyncio.Task[None] | None, enabled: bool, url: str, contract: str) -> None:
        """One engine at a time: the old one has stopped (its lease given up) before the next starts."""
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await previous
        await self._stop_engine()
        if enabled and not self._closed and self._address == url and self._contract_file == contract:
            self._start_engine(url, contract)

    def _start_engine(self, url: str, contract: str) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="river-net")
        store = NetStore(self._controller)
        engine = SyncEngine(store, url, holder=self.holder, backoff=self.backoff, observer=self._observe,
                            poll_interval=self.poll_interval,
                            offload=self._offload, contract_file=Path(contract) if contract else None)
        self._engine = engine
        self._task = asyncio.ensure_future(engine.run())
        if self._unsubscribe is None:
            self._unsubscribe = self._controller.subscribe(self._on_change)
        log.info("network sync on: %s", redacted_url(url))

    async def _stop_engine(self) -> None:
        engine, task = self._engine, self._task
        if engine is None or task is None:
            return
        engine.stop()
        done, _ = await asyncio.wait({task}, timeout=STOP_WAIT_S)
        if not done:
            task.cancel()  # stuck in a connect or a request: its ``finally`` still gives up the lease
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the sync engine ended with an error")
        self._engine, self._task = None, None
        self.statusChanged.emit(None, None)
        log.info("network sync off")

    async def close(self) -> None:
        """Stop the engine (giving up the lease) before the store closes. Idempotent."""
        self._closed = True
        self._enabled = False
        if self._switch is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._switch
        await self._stop_engine()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)

    # ---- engine plumbing ----

    def _offload(self, fn: Callable[[], T]) -> Awaitable[T]:
        executor = self._executor
        assert executor is not None
        return asyncio.get_running_loop().run_in_executor(executor, fn)

    def _observe(self, owner: bytes | None, status: SyncStatus) -> None:
        self.statusChanged.emit(owner, status)

    def _on_change(self, event: ChangeEvent) -> None:
        """A change lands in the outbox, or a room the engine has not taken up appears: push now rather than at
        the next periodic look. The engine's own merges (room keys of rooms it knows) do not kick it again."""
        engine = self._engine
        if engine is None:
            return
        if any(k.startswith(OUTBOX_PREFIX) for k in event.keys) or any(
            not engine.knows(vk) for vk in event.room_keys
        ):
            engine.kick()


def attach_network_status(window: QMainWindow, network: NetworkSync) -> None:
    """Keep ``window``'s status-bar label and its room view's notice in step with ``network`` (any main window
    with those parts: this module needs nothing else of it)."""
    label = window.statusBar().findChild(QLabel, STATUS_LABEL)
    view = window.findChild(RoomView)
    if view is not None:
        view.network_notice_for = network.room_line

    def show(owner: bytes | None = None, _status: object = None) -> None:
        if label is not None:
            line = network.overall_line()
            label.setText(line.text)
            label.setAccessibleName(line.accessible)
            label.setAccessibleDescription(line.detail)
            label.setToolTip(line.detail)
            label.setProperty("networkPhase", line.phase.name)
        if view is not None and (owner is None or owner == view.current_room_key()):
            view.refresh_network_notice()

    network.statusChanged.connect(show)
    window.destroyed.connect(lambda _obj=None: _disconnect(network, show))
    show()


def _disconnect(network: NetworkSync, slot: Callable[..., None]) -> None:
    with contextlib.suppress(RuntimeError, TypeError):
        network.statusChanged.disconnect(slot)


__all__ = ["NetworkSync", "Phase", "attach_network_status"]
