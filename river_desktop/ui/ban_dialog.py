"""The ban confirmation: says exactly whom the ban removes (River's cascade: the member and everyone they
invited, directly or not) and that the banned member's messages go too, before anything is signed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.rooms import RoomData
from river_desktop.ui.room_facts import facts

BB = QDialogButtonBox.StandardButton


def ban_summary(room: RoomData, member: int) -> tuple[str, list[str]]:
    """The dialog's sentence and one line per removed member (the banned one first)."""
    removed = ops.ban_removes(room.room_state, member)
    known = facts(room)
    name = known.name_of(member)
    others = sorted((m for m in removed if m != member), key=lambda m: (known.name_of(m).casefold(), m))
    lines = [f"{known.name_of(m)} ({member_id_display(m)})" for m in (member, *others)]
    if others:
        text = (
            f"Ban {name} ({member_id_display(member)})? The ban also removes the {len(others)} "
            f"member{'s' if len(others) != 1 else ''} they invited, directly or through others. "
            f"None of them can post in this room again unless the ban is lifted, and {name}'s messages "
            "are hidden, as River's room drops them."
        )
    else:
        text = (
            f"Ban {name} ({member_id_display(member)})? They invited nobody, so the ban removes only them. "
            "They cannot post in this room again unless the ban is lifted, and their messages are hidden, "
            "as River's room drops them."
        )
    return text, lines


class BanDialog(QDialog):
    """Confirm one ban; ``member`` is what the caller bans on accept."""

    def __init__(self, room: RoomData, member: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BanDialog")
        self.setWindowTitle("Ban Member")
        self.member = member
        text, lines = ban_summary(room, member)
        self.summaryLabel = QLabel(text, self)
        self.summaryLabel.setObjectName("banSummary")
        self.summaryLabel.setWordWrap(True)
        self.summaryLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.removedList = QListWidget(self)
        self.removedList.setObjectName("banRemovedList")
        self.removedList.setAccessibleName("Members the ban removes")
        self.removedList.addItems(lines)
        self.buttonBox = QDialogButtonBox(BB.Ok | BB.Cancel, self)
        self.buttonBox.setObjectName("buttonBox")
        self.okButton = self.buttonBox.button(BB.Ok)
        self.okButton.setText("Ban")
        self.okButton.setObjectName("banButton")
        self.buttonBox.button(BB.Cancel).setDefault(True)
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.removedList)
        layout.addWidget(self.buttonBox)
        self.setMinimumWidth(420)

    def removed_lines(self) -> list[str]:
        return [self.removedList.item(i).text() for i in range(self.removedList.count())]


__all__ = ["BanDialog", "ban_summary"]
