"""River's legacy ``rooms_data`` blob (ui/src/room_data.rs ``Rooms``), built from a room list, for migration tests."""

from __future__ import annotations

import cbor2

from river_desktop.domain.rooms import Rooms


def legacy_blob(rooms: Rooms) -> bytes:
    """``{map: {vk: RoomData}, current_room_key, removed_rooms: [vk], notification_modes, room_order}``."""
    room_map = {vk: cbor2.loads(rooms.rooms[vk].encode()) for vk in sorted(rooms.rooms)}
    return bytes(
        cbor2.dumps(
            {
                "map": room_map,
                "current_room_key": rooms.current_room,
                "removed_rooms": sorted(rooms.removed),
                "notification_modes": {k: m.value for k, m in sorted(rooms.notification_modes.items())},
                "room_order": list(rooms.room_order),
            }
        )
    )
