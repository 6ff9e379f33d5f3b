"""Text boxes that refuse oversized input before Qt lays it out, and show how much of River's limit is used.

Laying out a million characters in a ``QPlainTextEdit`` freezes every window for a minute, and a silent
``setMaxLength`` cut loses what the user typed without saying so. These boxes check the size first
(:mod:`river_desktop.domain.limits`), keep the text as it was, and say why in words.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from river_desktop.domain import limits


class InvitationCodeEdit(QPlainTextEdit):
    """The Join dialog's code box: Enter submits, pastes and drops over the code limit are refused.

    :attr:`refused` carries the refused text's length (never the text: it may be a secret).
    """

    submitted = Signal()
    refused = Signal(int)

    def __init__(self, parent: QWidget | None = None, limit: int = limits.MAX_INVITATION_CODE_CHARS) -> None:
        super().__init__(parent)
        self._limit = limit

    def limit(self) -> int:
        return self._limit

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            incoming = source.text()
            if len(incoming) + len(self.toPlainText()) - len(self.textCursor().selectedText()) > self._limit:
                self.refused.emit(len(incoming))
                return
        super().insertFromMimeData(source)

    def setPlainText(self, text: str) -> None:
        if len(text) > self._limit:
            self.refused.emit(len(text))
            return
        super().setPlainText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        if event.text() and len(self.toPlainText()) >= self._limit and not self.textCursor().hasSelection():
            self.refused.emit(len(self.toPlainText()) + len(event.text()))
            event.accept()
            return
        super().keyPressEvent(event)


def too_long_message(what: str, used: int, limit: int, unit: str = "characters") -> str:
    """The inline error for refused input: what, how long, and the limit (never the text itself)."""
    return f"That is too long for {what}: {used:,} {unit}, at most {limit:,} fit."


Measurer = Callable[[str], limits.Measure]

__all__ = ["InvitationCodeEdit", "Measurer", "too_long_message"]
