"""Which rooms of a room list changed, recorded as they change, so a save of one room does not walk them all.

:class:`RoomMap` is the ``Rooms.rooms`` dict: every write to it (set, delete, pop, update, ...) adds the key to
each :class:`RoomChanges` watching it. A watcher is a save session's view of "set since I last looked"; the map
holds its watchers weakly, so a session that goes away stops costing anything. ``RoomData`` is frozen, so a
room only ever changes by being set again in the map: the set of keys written is a superset of the rooms that
differ from what a watcher last saw.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RoomChanges:
    """The keys written to one :class:`RoomMap` since the last :meth:`take`."""

    __slots__ = ("__weakref__", "_keys", "map")

    def __init__(self, watched: RoomMap[Any, Any]) -> None:
        self.map = watched
        self._keys: set[Any] = set()

    def add(self, key: object) -> None:
        self._keys.add(key)

    def take(self) -> set[Any]:
        keys, self._keys = self._keys, set()
        return keys


class RoomMap(dict[K, V]):
    """A dict that tells its watchers which keys were written (see the module docstring)."""

    __slots__ = ("_keys_token", "_watchers")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchers: weakref.WeakSet[RoomChanges] = weakref.WeakSet()
        source = args[0] if len(args) == 1 and not kwargs else None
        self._keys_token: object = source._keys_token if isinstance(source, RoomMap) else object()

    @property
    def keys_token(self) -> object:
        """The same object for two maps only when they hold the same keys: a copy takes its source's, and every
        write that adds or removes a key makes a new one (replacing a room's value keeps it)."""
        return self._keys_token

    def _keys_changed(self) -> None:
        self._keys_token = object()

    def watch(self) -> RoomChanges:
        changes = RoomChanges(self)
        self._watchers.add(changes)
        return changes

    def _touch(self, keys: Iterable[K]) -> None:
        if self._watchers:
            keys = list(keys)
            for watcher in self._watchers:
                for key in keys:
                    watcher.add(key)

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self:
            self._keys_changed()
        super().__setitem__(key, value)
        self._touch((key,))

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._keys_changed()
        self._touch((key,))

    def pop(self, key: K, *default: Any) -> Any:
        self._touch((key,))
        if key in self:
            self._keys_changed()
        return super().pop(key, *default)

    def popitem(self) -> tuple[K, V]:
        item = super().popitem()
        self._keys_changed()
        self._touch((item[0],))
        return item

    def setdefault(self, key: K, default: Any = None) -> Any:
        if key not in self:
            self._keys_changed()
            self._touch((key,))
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        new: Mapping[K, V] = dict(*args, **kwargs)
        size = len(self)
        super().update(new)
        if len(self) != size:
            self._keys_changed()
        self._touch(new)

    def clear(self) -> None:
        self._touch(list(self))
        self._keys_changed()
        super().clear()

    def __ior__(self, other: Any) -> RoomMap[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def copy(self) -> RoomMap[K, V]:
        """A new map with the same rooms and no watchers."""
        return RoomMap(self)

    def __reduce__(self) -> Any:
        return (RoomMap, (dict(self),))
