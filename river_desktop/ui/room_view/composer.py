"""The message composer and its reply bar.

Enter sends, Shift+Enter starts a new line, Escape drops the reply (or edit) being written, Up in an
empty box asks to edit your last message. ``@`` opens completion over the room's members
(:mod:`.mention_input`); the box shows a mention as ``@Nickname`` while :meth:`Composer.toPlainText` and
:meth:`Composer.setPlainText` speak River's text, with the mention token, so drafts, edits and sends carry it.
A message is measured the way River's contract measures it (:func:`river_desktop.domain.limits.measure_message`);
one over the limit is not sent and not cut: it stays in the box and the view says by how much it is too long.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from river_desktop.domain import limits
from river_desktop.domain.mention_complete import Candidate
from river_desktop.domain.river.mention import build_token
from river_desktop.ui.room_view.mention_input import (
    MentionCompleter,
    insert_mention,
    insert_message_text,
    message_text,
    set_message_text,
)
from river_desktop.ui.room_view.mentions import NameOf

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
        self.mentions = MentionCompleter(self)

    # -- River's text in, River's text out (mentions as tokens)

    def toPlainText(self) -> str:
        """The message as River's text: each mention as its token (what the box shows is :meth:`shown_text`)."""
        return message_text(self.document())

    def setPlainText(self, text: str) -> None:
        """Show River's ``text``, its mention tokens as ``@`` and the member's current nickname."""
        set_message_text(self, text, self.mentions.name_of)

    def shown_text(self) -> str:
        return super().toPlainText()

    def set_members(self, members: Sequence[Candidate], name_of: NameOf) -> None:
        """Who ``@`` completion offers, and how tokens set by :meth:`setPlainText` are named."""
        self.mentions.set_members(members, name_of)

    def insert_mention(self, member_id: int, name: str) -> None:
        """A mention of a member at the caret (a space before it when it would touch a word)."""
        cursor = self.textCursor()
        before = super().toPlainText()[: cursor.position()]
        if before and not before[-1].isspace():
            cursor.insertText(" ")
        insert_mention(cursor, build_token(member_id, name), "@" + name, self.palette())
        self.setTextCursor(cursor)

    # -- keys

    def event(self, event: QEvent) -> bool:
        """Tab picks a completion (before it would move focus); keys the open list takes beat shortcuts."""
        if isinstance(event, QKeyEvent):
            if event.type() == QEvent.Type.ShortcutOverride and self.mentions.wants(event):
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress and self.mentions.handle_key(event):
                return True
        return super().event(event)

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
        if source.hasText() and "@[" in source.text():
            cursor = self.textCursor()
            insert_message_text(cursor, source.text(), self.mentions.name_of, self.palette())
            self.setTextCursor(cursor)
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
