"""What the room view reads from one ``RoomData``: the reader's keyring, its member id, author names.

The one place the UI turns River's room state into display facts (by :mod:`domain.river.views`), so the
widgets never reach into the state themselves. Keyrings and name tables are cached per ``RoomData``
object: a room's copy is replaced, never changed, so the same object always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import views
from river_desktop.domain.rooms import RoomData


@dataclass(frozen=True)
class RoomFacts:
    owner_vk: bytes
    self_id: int
    keyring: views.Keyring
    members: tuple[views.MemberRow, ...]
    names: Mapping[int, str]
    """Member id -> nickname (unsealed where we can) for everyone with member info, members or not."""

    def name_of(self, member_id: int) -> str:
        return self.names.get(member_id) or member_id_display(member_id)


_CACHE: dict[int, tuple[Any, RoomFacts]] = {}
_CACHE_LIMIT = 256


def facts(room: RoomData) -> RoomFacts:
    hit = _CACHE.get(id(room))
    if hit is not None and hit[0] is room:
        return hit[1]
    state = room.room_state
    ring = room.keyring
    me = room.self_member_id
    rows = room.members()
    names: dict[int, str] = {}
    for info in state.member_info:
        mid = info.member_info.member_id
        nick = views.nickname_of(state, mid, ring)
        if nick is not None:
            names[mid] = nick.display
    for row in rows:
        if row.nickname is not None:
            names[row.member_id] = row.display_name
    result = RoomFacts(room.owner_vk, me, ring, rows, names)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[id(room)] = (room, result)
    return result


__all__ = ["RoomFacts", "facts"]
