"""What the controller tells front ends: load results and issues, and the change feed's events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import META_KEY, parse_hist_room, parse_room_key


@dataclass(frozen=True)
class LoadIssue:
    key: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    rooms: Rooms
    issues: tuple[LoadIssue, ...] = ()
    migrated: bool = False
    upgrade: str = ""
    """What the upgrade of a 0.1.0 profile did, when this load ran it (for front ends to say so)."""


@dataclass(frozen=True)
class ChangeEvent:
    """Keys written since the last event; ``external`` when another process wrote them."""

    keys: frozenset[str]
    external: bool
    session_id: int | None = None

    @property
    def room_keys(self) -> dict[bytes, str]:
        return {vk: k for k in self.keys if (vk := parse_room_key(k)) is not None}

    @property
    def message_rooms(self) -> set[bytes]:
        """Rooms whose history gained messages."""
        return {vk for k in self.keys if (vk := parse_hist_room(k)) is not None}

    @property
    def meta_changed(self) -> bool:
        return META_KEY in self.keys


Subscriber = Callable[[ChangeEvent], None]

