"""The room list's preferences as River's ``RoomsMeta`` (current room, notification modes, manual order), then
ours (favourites and the Archive). The ``rooms_meta`` slot holds its bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import VERIFYING_KEY_LEN
from river_desktop.domain.river import codec as c


class NotificationMode(Enum):
    ALL = "All"
    MENTIONS_AND_REPLIES = "MentionsAndReplies"
    MUTED = "Muted"

    @classmethod
    def parse(cls, value: object) -> NotificationMode:
        for mode in cls:
            if mode.value == value:
                return mode
        raise DecodeError(f"unknown notification mode {value!r}")


@dataclass(frozen=True)
class Archived:
    """Why a room is in the Archive: since which message time, and whether a newer message brings it back."""

    since: tuple[int, int] = (0, 0)
    wake_on_message: bool = True

    def to_obj(self) -> list[CborObj]:
        return [self.since[0], self.since[1], self.wake_on_message]

    @classmethod
    def from_obj(cls, obj: object) -> Archived:
        if not (isinstance(obj, list) and len(obj) == 3 and isinstance(obj[2], bool)):
            raise DecodeError("an archived room must be [secs, nanos, wake_on_message]")
        secs, nanos = (c.uint(x, "archive time") for x in obj[:2])
        return cls((secs, nanos), obj[2])


@dataclass(frozen=True)
class RoomsMeta:
    """River's ``RoomsMeta`` (its 3 keys, in River's order), then ours: favourites and the Archive.

    Ours are written only when not empty, so a profile without favourites keeps River's exact bytes; River's
    decoder ignores them, and a River-written map without them reads as none.
    """

    current_room_key: bytes | None = None
    notification_modes: Mapping[bytes, NotificationMode] = field(default_factory=dict)
    room_order: tuple[bytes, ...] = ()
    pinned: tuple[bytes, ...] = ()
    archived: Mapping[bytes, Archived] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "notification_modes", dict(sorted(self.notification_modes.items())))
        object.__setattr__(self, "room_order", tuple(self.room_order))
        object.__setattr__(self, "pinned", tuple(self.pinned))
        object.__setattr__(self, "archived", dict(sorted(self.archived.items())))

    def to_obj(self) -> dict[str, CborObj]:
        obj: dict[str, CborObj] = {
            "current_room_key": self.current_room_key,
            "notification_modes": {k: v.value for k, v in self.notification_modes.items()},
            "room_order": list(self.room_order),
        }
        if self.pinned:
            obj["pinned_rooms"] = list(self.pinned)
        if self.archived:
            obj["archived_rooms"] = {k: a.to_obj() for k, a in self.archived.items()}
        return obj

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> RoomsMeta:
        if not isinstance(obj, dict):
            raise DecodeError("rooms_meta must be a map")
        current = obj.get("current_room_key")
        if current is not None:
            current = c.byte_field(current, "current_room_key", VERIFYING_KEY_LEN)
        modes_obj = obj.get("notification_modes") or {}
        if not isinstance(modes_obj, dict):
            raise DecodeError("notification_modes must be a map")
        modes = {
            c.byte_field(k, "room key", VERIFYING_KEY_LEN): NotificationMode.parse(m) for k, m in modes_obj.items()
        }
        order = _key_list(obj.get("room_order"), "room_order")
        pinned = tuple(dict.fromkeys(_key_list(obj.get("pinned_rooms"), "pinned_rooms")))
        archived_obj = obj.get("archived_rooms") or {}
        if not isinstance(archived_obj, dict):
            raise DecodeError("archived_rooms must be a map")
        archived = {
            c.byte_field(k, "room key", VERIFYING_KEY_LEN): Archived.from_obj(a) for k, a in archived_obj.items()
        }
        return cls(current, modes, order, pinned, archived)

    @classmethod
    def decode(cls, data: bytes) -> RoomsMeta:
        return cls.from_obj(cbor.loads(data))


def _key_list(obj: object, what: str) -> tuple[bytes, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        raise DecodeError(f"{what} must be an array")
    return tuple(c.byte_field(k, "room key", VERIFYING_KEY_LEN) for k in obj)


__all__ = ["Archived", "NotificationMode", "RoomsMeta"]
