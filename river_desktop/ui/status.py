"""The status bar's fixed parts: the save state's wording and the "Local only" indicator."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

SAVED_TEXT = "All changes saved"
SAVING_TEXT = "Saving…"
LOCAL_ONLY_TEXT = "Local only"
LOCAL_ONLY_TIP = (
    "River Desktop is not connected to any network yet. Your rooms are kept on this computer, and "
    "nothing you write is sent anywhere: other members see it only once networking arrives."
)


def local_only_label(parent: QWidget) -> QLabel:
    """A permanent status-bar label saying that this app talks to no network (its tooltip says what that means)."""
    label = QLabel(LOCAL_ONLY_TEXT, parent)
    label.setObjectName("localOnly")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setToolTip(LOCAL_ONLY_TIP)
    label.setAccessibleName(LOCAL_ONLY_TEXT)
    label.setAccessibleDescription(LOCAL_ONLY_TIP)
    return label


__all__ = ["LOCAL_ONLY_TEXT", "LOCAL_ONLY_TIP", "SAVED_TEXT", "SAVING_TEXT", "local_only_label"]
