"""Help > About: the version, and where the rooms and the log are kept.

The two paths are shown in read-only, frameless line edits: selectable and copied whole, never
wrapped mid-word (a long path scrolls inside its field instead of widening or breaking the dialog).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from river_desktop import __version__

ABOUT_TEXT = "A desktop chat-room manager for River, the decentralized group chat on Freenet."
PATH_FIELD_MIN_WIDTH = 360


def path_field(path: str, name: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(path, parent)
    field.setObjectName(name)
    field.setReadOnly(True)
    field.setFrame(False)
    field.setCursorPosition(0)
    field.setMinimumWidth(PATH_FIELD_MIN_WIDTH)
    field.setToolTip(path)
    field.setAccessibleName(name)
    return field


class AboutDialog(QDialog):
    def __init__(self, data_dir: str, log_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle("About River Desktop")
        title = QLabel(f"River Desktop {__version__}", self)
        title.setObjectName("aboutVersion")
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        blurb = QLabel(ABOUT_TEXT, self)
        blurb.setObjectName("aboutText")
        blurb.setTextFormat(Qt.TextFormat.PlainText)
        blurb.setWordWrap(True)
        self.dataPath = path_field(data_dir, "aboutDataPath", self)
        self.logPath = path_field(str(log_dir), "aboutLogPath", self)
        form = QFormLayout()
        form.addRow("Data:", self.dataPath)
        form.addRow("Logs:", self.logPath)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(buttons)


__all__ = ["AboutDialog"]
