"""The controller's change feed (other processes' commits polled, every write announced) and store health.

A base class of :class:`~river_desktop.storage.controller.StorageController`, split from controller.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from river_desktop.storage.errors import StorageError
from river_desktop.storage.history_reads import HistoryReads
from river_desktop.storage.kv import KVStore, StoreHealth, health_of
from river_desktop.storage.load_events import ChangeEvent, Subscriber
from river_desktop.storage.save_session import SaveSession
from river_desktop.storage.slots import parse_hist_room

log = logging.getLogger("river_desktop.storage.controller")

POLL_INTERVAL_S = 0.25


class ChangeFeed(HistoryReads):
    """Subscribers to written keys and to the store's health; the state is the controller's."""

    _subscribers: list[Subscriber]
    _poller: asyncio.Task[None] | None
    _cursor: int
    _health: StoreHealth
    _health_subscribers: list[Callable[[StoreHealth], None]]

    @property
    def store(self) -> KVStore:
        return self._store

    @property
    def health(self) -> StoreHealth:
        """Whether saving still works; when not, ``health.problem`` is what every window must show."""
        return self._health

    def subscribe_health(self, callback: Callable[[StoreHealth], None]) -> Callable[[], None]:
        """``callback(health)`` whenever the store stops accepting writes (damaged, deleted or replaced)."""
        self._health_subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._health_subscribers:
                self._health_subscribers.remove(callback)

        return unsubscribe

    def _note_health(self) -> None:
        health = health_of(self._store)
        if health == self._health:
            return
        self._health = health
        log.warning("the profile stopped accepting changes: %s", health.problem)
        for callback in list(self._health_subscribers):
            try:
                callback(health)
            except Exception:
                log.exception("a health subscriber failed")

    # -- change feed

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)
        if self._poller is None and not self._closed:
            self._poller = asyncio.get_running_loop().create_task(self._poll_external())

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _announce(self, keys: Iterable[str], *, external: bool, session: SaveSession | None = None) -> None:
        keyset = frozenset(keys)
        if not keyset or self._closed:
            return
        for key in keyset:
            vk = parse_hist_room(key)
            if vk is not None:
                self._message_index.pop(vk, None)
        event = ChangeEvent(keyset, external, None if session is None else session.id)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("a change subscriber failed")

    async def _poll_external(self) -> None:
        """Announce other processes' commits; cheap when nothing changed (a cursor query)."""
        while not self._closed:
            await asyncio.sleep(POLL_INTERVAL_S)
            try:
                cursor, keys = await self._call(self._store.changes_since, self._cursor)
            except (StorageError, RuntimeError) as exc:
                log.warning("change poll failed: %s", exc)
                continue
            finally:
                self._note_health()
            if cursor != self._cursor:
                self._cursor = cursor
                self._announce(keys, external=True)
