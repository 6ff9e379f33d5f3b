"""Favourites and the Archive in a window's room list: the sections, drops across them, the menu entries.

The room list stays one model and one view (keyboard, selection and the Ctrl+K filter work as before); each
row carries its :class:`RoomSection` and the first row of a section carries the section's header, which the
delegate paints above it. The Archive is collapsed behind a toggle under the list and always searchable.
What is pinned or archived lives in ``rooms_meta`` (:class:`domain.rooms.RoomsMeta`), so the CLI and other
windows see it through the change feed like the order.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

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


WAKES = "Out of the main list; a new message from someone else brings the room back"
STAYS = "Out of the main list until you unarchive it, whatever arrives"


def add_mark_actions(
    menu: QMenu, rooms: Rooms, key: bytes | None, enabled: bool, change: Callable[[Callable[[], None]], object]
) -> None:
    """Pin/Unpin and Archive/Unarchive for ``key``'s row; ``change`` applies and saves like every window action.

    Archive lets a new message from someone else bring the room back; Archive for Good keeps it there (the CLI's
    ``rooms archive --stay``)."""
    if key is None or key not in rooms.rooms:
        return
    pinned = key in rooms.pinned
    archived = key in rooms.archived and not pinned
    entries: list[tuple[str, str, Callable[[], None], str]] = [
        ("actionUnpinRoom", "Un&pin", lambda: rooms.unpin(key), "")
        if pinned
        else ("actionPinRoom", "&Pin to Favourites", lambda: rooms.pin(key), ""),
    ]
    if archived:
        entries.append(("actionUnarchiveRoom", "Un&archive", lambda: rooms.unarchive(key), ""))
    else:
        entries += [
            ("actionArchiveRoom", "&Archive", lambda: rooms.archive(key), WAKES),
            ("actionArchiveForGood", "Archive for &Good", lambda: rooms.archive(key, wake_on_message=False), STAYS),
        ]
    for name, text, run, tip in entries:
        action = QAction(text, menu)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False, run=run: change(run))
        menu.addAction(action)


class ArchiveToggle(QToolButton):
    """``Archive (n)`` under the list: shows or hides the archived rooms; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveToggle")
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setAccessibleName("Show archived rooms")
        self.set_count(0)

    def set_count(self, count: int) -> None:
        self.setText(f"{'▾' if self.isChecked() else '▸'} Archive ({count})")
        self.setVisible(count > 0)

    def nextCheckState(self) -> None:
        super().nextCheckState()
        self.setText(self.text().replace("▸", "▾") if self.isChecked() else self.text().replace("▾", "▸"))


__all__ = ["ArchiveToggle", "RoomSection", "add_mark_actions", "place", "section_rows"]
