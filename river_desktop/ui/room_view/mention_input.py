"""Mentions in the composer: ``@`` completion over the room's members, and mention tokens shown as nicknames.

A picked member is inserted as ``@Nickname`` in a character format that carries River's token
(``@[Name](rv:XXXXXXXX)``); :func:`message_text` reads the document back with each such run replaced by its
token, so what is sent, saved as a draft or measured against River's limit is River's text, while the box shows
names. A run edited into something else is sent as the text it now shows.

Keys while the list is open: Up/Down move, Enter or Tab insert, Esc closes it (until the query changes).
The caret stays in the composer; the list never takes focus.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QKeyEvent, QPalette, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QPlainTextEdit

from river_desktop.domain.mention_complete import Candidate, Query, matches, query_at, row_labels
from river_desktop.domain.river.mention import build_token, token_spans
from river_desktop.ui.room_view.mentions import NameOf

TOKEN_PROPERTY = int(QTextFormat.Property.UserProperty) + 41
"""The format property holding a mention run's token."""
SHOWN_PROPERTY = int(QTextFormat.Property.UserProperty) + 42
"""The format property holding what the run showed when it was inserted."""

_KEYS = frozenset(
    {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape}
)
_CandidateRole = Qt.ItemDataRole.UserRole + 1


def mention_format(token: str, shown: str, palette: QPalette) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setProperty(TOKEN_PROPERTY, token)
    fmt.setProperty(SHOWN_PROPERTY, shown)
    fmt.setFontWeight(QFont.Weight.DemiBold)
    fmt.setForeground(palette.color(QPalette.ColorRole.Link))
    return fmt


def insert_mention(cursor: QTextCursor, token: str, shown: str, palette: QPalette, *, space: bool = True) -> None:
    """``shown`` as a mention run at the cursor, then (by default) a plain space so typing goes on unformatted."""
    cursor.insertText(shown, mention_format(token, shown, palette))
    cursor.setCharFormat(QTextCharFormat())
    if space:
        cursor.insertText(" ", QTextCharFormat())


def _run_text(text: str, fmt: QTextCharFormat) -> str:
    token = fmt.property(TOKEN_PROPERTY)
    shown = fmt.property(SHOWN_PROPERTY)
    if not isinstance(token, str) or not isinstance(shown, str) or not shown:
        return text
    out = []
    while text.startswith(shown):  # adjacent runs of one member merge into one fragment
        out.append(token)
        text = text[len(shown) :]
    return "".join(out) + text


def message_text(document: QTextDocument) -> str:
    """The document as River's message text: mention runs as their tokens, the rest as ``toPlainText`` gives it."""
    parts: list[str] = []
    found = False
    block = document.begin()
    while block.isValid():
        if parts:
            parts.append("\n")
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid():
                fmt = fragment.charFormat()
                found = found or fmt.hasProperty(TOKEN_PROPERTY)
                parts.append(_run_text(fragment.text(), fmt))
            it += 1
        block = block.next()
    if not found:
        return document.toPlainText()
    return "".join(parts).replace("\u2028", "\n").replace("\u00a0", " ")


def insert_message_text(cursor: QTextCursor, text: str, name_of: NameOf, palette: QPalette) -> None:
    """River's ``text`` at the cursor, each token as a mention run named by the member's current name."""
    plain = QTextCharFormat()
    position = 0
    cursor.beginEditBlock()
    for start, end, mention in token_spans(text):
        cursor.insertText(text[position:start], plain)
        name = name_of(mention.member_ref) or mention.display_name
        insert_mention(cursor, text[start:end], "@" + name, palette, space=False)
        position = end
    cursor.insertText(text[position:], plain)
    cursor.endEditBlock()


def set_message_text(edit: QPlainTextEdit, text: str, name_of: NameOf) -> None:
    """Show River's ``text`` in ``edit``: each token as ``@`` and the member's current name (else its own)."""
    has_tokens = bool(token_spans(text))
    QPlainTextEdit.setPlainText(edit, text if not has_tokens else "")
    if has_tokens:
        cursor = edit.textCursor()
        insert_message_text(cursor, text, name_of, edit.palette())
        edit.setTextCursor(cursor)


class MentionCompleter(QObject):
    """The completion list of one composer; the composer forwards its key events to :meth:`handle_key`."""

    def __init__(self, edit: QPlainTextEdit) -> None:
        super().__init__(edit)
        self.setObjectName("mentionCompleter")
        self._edit = edit
        self._members: list[Candidate] = []
        self.name_of: NameOf = lambda _ref: None
        self._query: Query | None = None
        self._dismissed: Query | None = None
        self._busy = False
        self.popup = QListWidget()
        self.popup.setObjectName("mentionPopup")
        self.popup.setAccessibleName("Members to mention")
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.popup.setUniformItemSizes(True)
        self.popup.itemClicked.connect(self._clicked)
        self.popup.hide()
        edit.textChanged.connect(self.update)
        edit.cursorPositionChanged.connect(self.update)
        edit.destroyed.connect(self.popup.deleteLater)

    # -- what the composer tells it

    def set_members(self, members: Sequence[Candidate], name_of: NameOf) -> None:
        self._members = list(members)
        self.name_of = name_of
        if self.popup.isVisible():
            self.update()

    def is_open(self) -> bool:
        return self.popup.isVisible()

    def shown(self) -> list[Candidate]:
        """The candidates the list shows, in order."""
        return [self.popup.item(i).data(_CandidateRole) for i in range(self.popup.count())]

    def current(self) -> Candidate | None:
        item = self.popup.currentItem()
        found = None if item is None else item.data(_CandidateRole)
        return found if isinstance(found, Candidate) else None

    def handle_key(self, event: QKeyEvent) -> bool:
        """A key while the list is open: ``True`` when the list took it."""
        if not self.is_open() or event.key() not in _KEYS:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if key == Qt.Key.Key_Up else 1
            self.popup.setCurrentRow((self.popup.currentRow() + step) % self.popup.count())
        elif key == Qt.Key.Key_Escape:
            self._dismissed = self._query
            self.popup.hide()
        else:
            self.pick(self.current())
        event.accept()
        return True

    def wants(self, event: QKeyEvent) -> bool:
        """Whether a shortcut must leave this key to the list (it is open and the key is one it takes)."""
        return self.is_open() and event.key() in _KEYS

    def pick(self, candidate: Candidate | None) -> None:
        """Replace the ``@query`` with a mention of ``candidate``."""
        query = self._query
        if candidate is None or query is None:
            return
        self._busy = True
        try:
            cursor = self._edit.textCursor()
            cursor.setPosition(query.start)
            cursor.setPosition(query.start + 1 + len(query.text), QTextCursor.MoveMode.KeepAnchor)
            insert_mention(
                cursor, build_token(candidate.member_id, candidate.name), "@" + candidate.name, self._edit.palette()
            )
            self._edit.setTextCursor(cursor)
        finally:
            self._busy = False
        self._query = None
        self.popup.hide()

    # -- following the caret

    def update(self) -> None:
        if self._busy:
            return
        query = self._current_query()
        self._query = query
        if query is None:
            self._dismissed = None
            self.popup.hide()
            return
        if self._dismissed == query:
            return
        self._dismissed = None
        found = matches(self._members, query.text)
        if not found:
            self.popup.hide()
            return
        previous = self.current()
        self.popup.clear()
        for label, candidate in zip(row_labels(found), found, strict=True):
            item = QListWidgetItem(label)
            item.setData(_CandidateRole, candidate)
            item.setToolTip(f"{candidate.name} ({candidate.label})")
            self.popup.addItem(item)
        keep = found.index(previous) if previous in found else 0
        self.popup.setCurrentRow(keep)
        self._place()

    def _current_query(self) -> Query | None:
        cursor = self._edit.textCursor()
        if cursor.hasSelection() or cursor.charFormat().hasProperty(TOKEN_PROPERTY):
            return None
        block = cursor.block()
        found = query_at(block.text(), cursor.positionInBlock())
        if found is None:
            return None
        return Query(block.position() + found.start, found.text)

    def _place(self) -> None:
        """Just above the caret, inside the composer's window (a child of it, so it never takes focus)."""
        host = self._edit.window()
        if self.popup.parent() is not host:
            self.popup.setParent(host)
        rows = min(self.popup.count(), 8)
        height = rows * max(self.popup.sizeHintForRow(0), 1) + 2 * self.popup.frameWidth()
        width = max(220, self.popup.sizeHintForColumn(0) + 24)
        caret = self._edit.cursorRect().topLeft()
        at = self._edit.viewport().mapTo(host, caret)
        x = max(0, min(at.x(), host.width() - width))
        y = max(0, at.y() - height - 2)
        self.popup.setGeometry(x, y, width, height)
        self.popup.show()
        self.popup.raise_()

    def _clicked(self, item: QListWidgetItem) -> None:
        self.pick(item.data(_CandidateRole))


__all__ = [
    "SHOWN_PROPERTY",
    "TOKEN_PROPERTY",
    "MentionCompleter",
    "insert_mention",
    "mention_format",
    "message_text",
    "set_message_text",
]
