"""Where each room sits in a window's list: Favourites, the main list, the Archive, and drops across them.

Pure (no Qt): the window's state builds its rows from these, and ``room_sections`` adds the menu entries
and the Archive toggle on top.
"""

from __future__ import annotations

from enum import Enum

from river_desktop.domain.rooms import Rooms


class RoomSection(Enum):
    FAVOURITES = "Favourites"
    ROOMS = "Rooms"
    ARCHIVE = "Archive"


def section_rows(rooms: Rooms) -> list[tuple[bytes, RoomSection, str]]:
    """(key, section, header) for every room in list order; a header only where a section starts and is named.

    The main list is named only when there are favourites above it, so a profile without favourites looks as
    it always did.
    """
    favourites, main, archive = rooms.sections()
    out: list[tuple[bytes, RoomSection, str]] = []
    for section, keys in (
        (RoomSection.FAVOURITES, favourites),
        (RoomSection.ROOMS, main),
        (RoomSection.ARCHIVE, archive),
    ):
        named = section is not RoomSection.ROOMS or bool(favourites)
        out.extend((k, section, section.value if named and i == 0 else "") for i, k in enumerate(keys))
    return out


def place(rooms: Rooms, key: bytes, before: bytes | None) -> None:
    """A drop in the list: a favourite moves within the favourites, any other room within the manual order."""
    if key in rooms.pinned:
        rooms.move_pinned(key, before if before in rooms.pinned else None)
        return
    if before in rooms.pinned:  # dropped among the favourites: the top of the main list
        _, main, archive = rooms.sections()
        before = next((k for k in main + archive if k != key), None)
    rooms.move_room(key, before)


__all__ = ["RoomSection", "place", "section_rows"]
