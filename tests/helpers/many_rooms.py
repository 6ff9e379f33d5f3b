"""A profile with many rooms and stored preferences, for the progressive-load tests."""

from __future__ import annotations

from river_desktop.demo import DemoBuilder
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.storage.controller import StorageController


def build_rooms(count: int, seed: int = 13) -> Rooms:
    """``count`` demo rooms (no messages), ordered newest-key first, the last pinned, one archived, one muted."""
    builder = DemoBuilder(seed)
    rooms = Rooms()
    for name in builder.room_names(count, set()):
        room, _messages = builder.room(name, 0)
        rooms.rooms[room.owner_vk] = room
    keys = sorted(rooms.rooms, reverse=True)
    rooms.room_order = list(keys)
    rooms.current_room = keys[0]
    rooms.pin(keys[-1])
    rooms.archive(keys[-2])
    rooms.set_notification_mode(keys[-3], NotificationMode.MUTED)
    return rooms


def seed(controller: StorageController, rooms: Rooms) -> None:
    """Store ``rooms`` (slots and preferences) through the controller's own save, from a non-storage thread."""
    report = controller.save_blocking(controller.open_session("seed"), rooms)
    assert report.ok, report.summary()
