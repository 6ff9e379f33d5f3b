"""The window's status bar: the save state (with Retry), unreadable items and the "Local only" indicator."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from river_desktop.storage.controller import LoadIssue
from river_desktop.ui.window_state import SaveState

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


def save_status_text(state: SaveState, previous: SaveState, error: str) -> str:
    """The status bar's words for a save state (``previous``: a new save after a failure says so)."""
    if state is SaveState.SAVING and previous is SaveState.FAILED:
        return f"{SAVING_TEXT} (the last save failed: {error})"
    if state is SaveState.SAVING:
        return SAVING_TEXT
    if state is SaveState.SAVED:
        return SAVED_TEXT
    if state is SaveState.FAILED:
        return f"Save failed: {error}"
    return ""


class StatusParts:
    """The permanent widgets of one window's status bar and how they show the window's state."""

    def __init__(self, status: QStatusBar) -> None:
        status.setObjectName("statusBar")
        self.issuesLabel = QLabel(status)
        self.issuesLabel.setObjectName("loadIssues")
        self.issuesLabel.hide()
        self.saveStatus = QLabel(status)
        self.saveStatus.setObjectName("saveStatus")
        self.saveStatus.setTextFormat(Qt.TextFormat.PlainText)
        self.saveStatus.setAccessibleName("Save status")
        self.saveRetryButton = QPushButton("Retry", status)
        self.saveRetryButton.setObjectName("saveRetry")
        self.saveRetryButton.setFlat(True)
        self.saveRetryButton.hide()
        status.addPermanentWidget(self.issuesLabel)
        status.addPermanentWidget(self.saveStatus)
        status.addPermanentWidget(self.saveRetryButton)
        status.addPermanentWidget(local_only_label(status))

    def show_save(self, state: SaveState, previous: SaveState, error: str, *, writable: bool) -> None:
        self.saveStatus.setText(save_status_text(state, previous, error))
        self.saveStatus.setToolTip(error if state is SaveState.FAILED else "")
        self.saveStatus.setProperty("state", state.value)
        # Retry cannot help a profile that takes no writes; the banner says what can.
        self.saveRetryButton.setVisible(state is SaveState.FAILED and writable)

    def show_issues(self, issues: Sequence[LoadIssue]) -> None:
        if not issues:
            self.issuesLabel.hide()
            return
        self.issuesLabel.setText(f"⚠ {len(issues)} item{'s' if len(issues) != 1 else ''} could not be read")
        self.issuesLabel.setToolTip("\n".join(f"{issue.key}: {issue.reason}" for issue in issues))
        self.issuesLabel.show()


__all__ = [
    "LOCAL_ONLY_TEXT",
    "LOCAL_ONLY_TIP",
    "SAVED_TEXT",
    "SAVING_TEXT",
    "StatusParts",
    "local_only_label",
    "save_status_text",
]
