"""The reaction picker: a row of common emoji and a field for any other, answered by :attr:`chosen`.

Opened with ``open()`` like every dialog here; it closes itself once a reaction is chosen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QPushButton, QToolButton, QVBoxLayout, QWidget

COMMON_EMOJI = ("👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀")
MAX_REACTION_CHARS = 32
"""A reaction is a short emoji-like string; a paragraph typed into the field is refused."""


def clean_reaction(text: str) -> str | None:
    """The reaction the free-text field means, or None when it is empty or too long to be one."""
    reaction = text.strip()
    if not reaction or len(reaction) > MAX_REACTION_CHARS or any(ch.isspace() for ch in reaction):
        return None
    return reaction


class ReactionPicker(QDialog):
    """A small popup: one click on a common emoji, or type another and press Enter."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReactionPicker")
        self.setWindowTitle("React")
        self.setAccessibleName("Choose a reaction")
        row = QHBoxLayout()
        row.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for number, emoji in enumerate(COMMON_EMOJI):
            button = QToolButton(self)
            button.setObjectName(f"reactionButton{number}")
            button.setText(emoji)
            button.setAutoRaise(True)
            button.setAccessibleName(f"React with {emoji}")
            button.clicked.connect(lambda _checked=False, e=emoji: self._choose(e))
            row.addWidget(button)
            self.buttons.append(button)
        self.otherEdit = QLineEdit(self)
        self.otherEdit.setObjectName("reactionOtherEdit")
        self.otherEdit.setPlaceholderText("Another emoji…")
        self.otherEdit.setAccessibleName("Another reaction")
        self.otherEdit.setMaxLength(MAX_REACTION_CHARS)
        self.otherEdit.returnPressed.connect(self._choose_other)
        self.otherEdit.textChanged.connect(self._update_add)
        self.addButton = QPushButton("&Add", self)
        self.addButton.setObjectName("reactionAddButton")
        self.addButton.setEnabled(False)
        self.addButton.setAutoDefault(False)
        self.addButton.clicked.connect(self._choose_other)
        other = QHBoxLayout()
        other.addWidget(self.otherEdit, 1)
        other.addWidget(self.addButton)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(other)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _update_add(self, text: str) -> None:
        self.addButton.setEnabled(clean_reaction(text) is not None)

    def _choose_other(self) -> None:
        reaction = clean_reaction(self.otherEdit.text())
        if reaction is not None:
            self._choose(reaction)

    def _choose(self, reaction: str) -> None:
        self.chosen.emit(reaction)
        self.accept()


__all__ = ["COMMON_EMOJI", "ReactionPicker", "clean_reaction"]
