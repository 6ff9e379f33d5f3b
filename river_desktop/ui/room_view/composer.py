"""The message composer and its reply bar.

Enter sends, Shift+Enter starts a new line, Escape drops the reply (or edit) being written, Up in an
empty box asks to edit your last message. A message is measured
the way River's contract measures it (:func:`river_desktop.domain.limits.measure_message`); one over the
limit is not sent and not cut: it stays in the box and the view says by how much it is too long.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from river_desktop.domain import limits

PASTE_LIMIT_CHARS = 50_000
"""Pastes longer than this are refused before layout (50x what a message can hold)."""


class Composer(QPlainTextEdit):
    """The message box: Enter sends (the stripped text, never an empty one), Shift+Enter starts a new line.

    :attr:`refused` says why a send or a paste did not happen (over River's size limit).
    """

    send_requested = Signal(str)
    refused = Signal(str)
    escape_pressed = Signal()
    edit_last_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setPlaceholderText("Message  (Enter sends, Shift+Enter for a new line)")
        self.setTabChangesFocus(True)
        self.setAccessibleName("Message")
        self._fit_height()
        self.document().contentsChanged.connect(self._fit_height)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if modifiers == Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
                self.ensureCursorVisible()
                event.accept()
                return
            if modifiers == Qt.KeyboardModifier.NoModifier:
                event.accept()
                self.send()
                return
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.escape_pressed.emit()
            return
        if (
            event.key() == Qt.Key.Key_Up
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and not self.toPlainText()
        ):
            event.accept()
            self.edit_last_requested.emit()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText() and len(source.text()) + len(self.toPlainText()) > PASTE_LIMIT_CHARS:
            self.refused.emit(
                f"That paste is {len(source.text()):,} characters; a message holds at most "
                f"{limits.MAX_MESSAGE_BYTES:,} bytes, so it was not inserted."
            )
            return
        super().insertFromMimeData(source)

    def send(self) -> None:
        """Emit :attr:`send_requested` with the stripped text and clear; empty or too long does nothing."""
        text = self.toPlainText().strip()
        if not text:
            return
        measure = limits.measure_message(text)
        if measure.over:
            self.refused.emit(
                f"This message is too long to send: {measure.used:,} bytes, River allows "
                f"{measure.limit:,}. Shorten it by {measure.used - measure.limit:,}."
            )
            return
        self.clear()
        self.send_requested.emit(text)

    def _fit_height(self) -> None:
        """Grow with the text from two to six lines."""
        lines = max(2, min(6, self.document().blockCount()))
        margins = int(self.document().documentMargin() * 2) + self.frameWidth() * 2 + 4
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + margins)


__all__ = ["PASTE_LIMIT_CHARS", "Composer"]
