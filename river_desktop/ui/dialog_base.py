"""What every dialog of the app shares: objectName = class name, one button box, hints and key labels."""

from __future__ import annotations

import base58
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QStyle, QWidget

BB = QDialogButtonBox.StandardButton
Role = QDialogButtonBox.ButtonRole

NAME_IN_SENTENCE = 40
"""Characters of a room name quoted in a dialog's sentence: a label is as wide as its longest word."""


def abbreviate_key(text: str, keep: int = 6) -> str:
    """``"ABCDEF…UVWXYZ"``: enough of a base58 key to recognise it, short enough for a label."""
    if len(text) <= 2 * keep + 1:
        return text
    return f"{text[:keep]}…{text[-keep:]}"


def room_key_text(owner_vk: bytes) -> str:
    return base58.b58encode(owner_vk).decode("ascii")


def button_box(dialog: QDialog, buttons: QDialogButtonBox.StandardButton) -> QDialogButtonBox:
    box = QDialogButtonBox(buttons, dialog)
    box.setObjectName("buttonBox")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    for button, name in ((BB.Ok, "okButton"), (BB.Cancel, "cancelButton"), (BB.Close, "closeButton")):
        if box.button(button) is not None:
            box.button(button).setObjectName(name)
    return box


def hint_label(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def icon_label(pixmap: QStyle.StandardPixmap, parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    size = parent.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, parent)
    label.setPixmap(parent.style().standardIcon(pixmap, None, parent).pixmap(size, size))
    label.setAlignment(Qt.AlignmentFlag.AlignTop)
    label.setAccessibleName("warning")
    return label


class BaseDialog(QDialog):
    """Common setup: objectName = class name, a title, a sensible minimum width."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(type(self).__name__)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_height()

    def fit_height(self) -> None:
        """Grow to what the content needs at the current width (wrapped labels, a preview just shown):
        a layout squeezed below its minimum draws its widgets over each other."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        needed = max(self.heightForWidth(self.width()), self.minimumSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)


__all__ = [
    "BB",
    "NAME_IN_SENTENCE",
    "BaseDialog",
    "Role",
    "abbreviate_key",
    "button_box",
    "hint_label",
    "icon_label",
    "room_key_text",
]
