"""The pages a window shows instead of its rooms: while loading (or migrating) and when loading failed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

LOADING_TEXT = "Loading your rooms…"
MIGRATING_TEXT = "Moving your rooms to the new storage format…\nThis happens once."


class LoadingPage(QWidget):
    """A busy indicator with what is going on (a first load, or the one-time migration)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadingPage")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel(LOADING_TEXT, self)
        self.label.setObjectName("loadingLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar(self)
        busy.setObjectName("loadingProgress")
        busy.setRange(0, 0)
        busy.setMaximumWidth(320)
        busy.setTextVisible(False)
        layout.addWidget(self.label)
        layout.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


class LoadFailedPage(QWidget):
    """Why the rooms could not be loaded, and Retry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadFailedPage")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.error = QLabel(self)
        self.error.setObjectName("loadError")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.retryButton = QPushButton("&Retry", self)
        self.retryButton.setObjectName("loadRetry")
        layout.addWidget(self.error)
        layout.addWidget(self.retryButton, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


__all__ = ["LOADING_TEXT", "MIGRATING_TEXT", "LoadFailedPage", "LoadingPage"]
