"""What the room list shows for one room, as a plain value: no Qt, so the window's state can build rows."""

from __future__ import annotations

from dataclasses import dataclass

import base58

from river_desktop.domain.rooms import NotificationMode, RoomData
from river_desktop.ui.room_order import RoomSection


def key_text(owner_vk: bytes) -> str:
    """The base58 form of a room key, as River shows and stores it."""
    return base58.b58encode(owner_vk).decode("ascii")


@dataclass(frozen=True)
class RoomRow:
    """What the room list shows for one room."""

    key: bytes
    name: str
    unread: int = 0
    mode: NotificationMode = NotificationMode.ALL
    waiting: bool = False
    is_owner: bool = False
    private: bool = False
    section: RoomSection = RoomSection.ROOMS
    header: str = ""
    """The section's name when this row starts a named section (painted above the row)."""

    @classmethod
    def of(cls, room: RoomData, mode: NotificationMode, unread: int = 0) -> RoomRow:
        return cls(room.owner_vk, room.name, unread, mode, room.waiting, room.is_owner, room.is_private)

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        return f"Room {key_text(self.key)[:8]}…"


__all__ = ["RoomRow", "key_text"]
