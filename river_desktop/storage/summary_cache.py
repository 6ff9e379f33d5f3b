"""Rooms a writer is about to store, by their slot bytes, so the room-list summary need not decode them again.

A save encodes each changed room from the ``RoomData`` it holds (``reconcile``); the summary row for that slot
(``room_rows.summary_row``) is then built from that very ``RoomData`` instead of from a decode of its ~20 KB of
bytes. An entry is found only for byte-for-byte the same slot, is used once, and the map is bounded, so a slot
written by anyone else (or bytes this process never encoded) is decoded as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final, Generic, TypeVar

T = TypeVar("T")

_LIMIT: Final = 256


class BytesMemo(Generic[T]):
    """A small thread-safe map from exact bytes to the value they were encoded from; each entry is taken once."""

    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        self._items: OrderedDict[bytes, T] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, data: bytes, value: T) -> None:
        with self._lock:
            self._items[data] = value
            self._items.move_to_end(data)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def take(self, data: bytes) -> T | None:
        with self._lock:
            return self._items.pop(data, None)

    def __len__(self) -> int:
        return len(self._items)
