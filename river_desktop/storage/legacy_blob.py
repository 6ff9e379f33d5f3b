"""River's legacy single blob (``rooms_data``), decoded for the migration into per-room keys."""

from __future__ import annotations

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.rooms import RoomData, Rooms, RoomsMeta


def decode_legacy_blob(raw: bytes) -> Rooms:
    """River's legacy ``rooms_data`` blob: ``{map: {vk: RoomData}, current_room_key, removed_rooms, ...}``."""
    tree = river_codec.fields(river_codec.loads(raw), "rooms_data")
    rooms = Rooms()
    room_map = river_codec.fields(tree.get("map") or {}, "rooms_data map")
    for vk_obj, value in room_map.items():
        vk = river_codec.byte_field(vk_obj, "room key", 32)
        room = RoomData.from_obj(value)
        if room.owner_vk != vk:
            raise DecodeError("a room is filed under another room's key")
        room.room_state  # noqa: B018  (decode now: an undecodable blob is reported, not half migrated)
        rooms.rooms[vk] = room
    removed = tree.get("removed_rooms") or []
    for vk_obj in removed.items() if isinstance(removed, dict) else removed:
        key = vk_obj[0] if isinstance(vk_obj, tuple) else vk_obj
        epoch = vk_obj[1] if isinstance(vk_obj, tuple) else 1
        rooms.removed[river_codec.byte_field(key, "room key", 32)] = int(epoch)
    meta = RoomsMeta.from_obj(
        {k: tree.get(k) for k in ("current_room_key", "notification_modes", "room_order") if tree.get(k) is not None}
    )
    rooms.apply_meta(meta)
    return rooms

