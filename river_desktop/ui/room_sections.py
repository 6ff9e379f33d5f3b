"""Favourites and the Archive in a window's room list: the sections, drops across them, the menu entries.

The room list stays one model and one view (keyboard, selection and the Ctrl+K filter work as before); each
row carries its :class:`RoomSection` and the first row of a section carries the section's header, which the
delegate paints above it. The Archive is collapsed behind a toggle under the list and always searchable.
What is pinned or archived lives in ``rooms_meta`` (:class:`domain.rooms.RoomsMeta`), so the CLI and other
windows see it through the change feed like the order. Which section a room is in (and drops across them)
is decided in ``room_order`` (no Qt), whose names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from river_desktop.domain.rooms import Rooms
from river_desktop.ui.room_order import RoomSection, place, section_rows

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
