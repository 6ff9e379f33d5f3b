"""Ctrl+Shift+F: search this room or every room's local history, and jump to a result with its context loaded.

The dialog only asks and shows: the window gives it the controller's ``search`` and a way to name rooms and
authors, and listens to ``message_chosen``. :func:`page_to_message` then pages the room view back from its newest
page until the chosen message is loaded (a page costs the page, through the order index), selects and centres it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import ReadMarker
from river_desktop.storage.errors import StorageError
from river_desktop.storage.search_index import MATCH_END, MATCH_START, SearchHit
from river_desktop.ui.room_view import markdown
from river_desktop.ui.room_view.view import RoomView

SEARCH_DELAY_MS: Final = 150
"""Typing pauses this long before a search runs, so each keystroke does not query the index."""

JUMP_PAGE: Final = 500
"""Messages read per step while paging back to a result."""

CONTEXT_ROWS: Final = 10
"""A result this close to the top of what is loaded gets one more page above it."""

SearchFn = Callable[[str, bytes | None, int], Awaitable[list[SearchHit]]]
Describe = Callable[[SearchHit], tuple[str, str, str, str]]
"""A hit's room name, author name, display text and snippet (mentions as ``@Name``), as the window's rooms
name them."""

HIT_ROLE: Final = Qt.ItemDataRole.UserRole + 1


class Scope(enum.Enum):
    ROOM = "room"
    ALL = "all"


def _time(hit: SearchHit) -> str:
    try:
        return dt.datetime.fromtimestamp(hit.secs).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return str(hit.secs)


class SearchDialog(QDialog):
    """Results show room, author, time and the match; Enter (or a double-click) jumps to the chosen one."""

    message_chosen = Signal(object)
    """A :class:`SearchHit` the user chose."""
    searched = Signal(str, int)
    """A search finished: its text and how many results it showed (for tests and accessibility)."""

    def __init__(
        self, search: SearchFn, describe: Describe, current_room: bytes | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SearchDialog")
        self.setWindowTitle("Search Messages")
        self._search = search
        self._describe = describe
        self._room = current_room
        self._token = 0
        self._task: asyncio.Task[None] | None = None

        self.searchEdit = QLineEdit(self)
        self.searchEdit.setObjectName("searchEdit")
        self.searchEdit.setPlaceholderText("Search messages")
        self.searchEdit.setAccessibleName("Search text")
        self.searchEdit.setClearButtonEnabled(True)
        self.searchEdit.installEventFilter(self)

        self.roomButton = QRadioButton("&This room", self)
        self.roomButton.setObjectName("thisRoomButton")
        self.allButton = QRadioButton("&All rooms", self)
        self.allButton.setObjectName("allRoomsButton")
        self.scopeGroup = QButtonGroup(self)
        self.scopeGroup.addButton(self.roomButton)
        self.scopeGroup.addButton(self.allButton)
        self.roomButton.setEnabled(current_room is not None)
        (self.roomButton if current_room is not None else self.allButton).setChecked(True)

        self.results = QTreeWidget(self)
        self.results.setObjectName("searchResults")
        self.results.setAccessibleName("Search results")
        self.results.setColumnCount(4)
        self.results.setHeaderLabels(["Room", "Author", "Time", "Match"])
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.itemActivated.connect(lambda item, _column: self._choose(item))

        self.statusLabel = QLabel("Type words to find.", self)
        self.statusLabel.setObjectName("searchStatus")
        self.statusLabel.setTextFormat(Qt.TextFormat.PlainText)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.setObjectName("buttonBox")
        buttons.rejected.connect(self.reject)

        scope = QHBoxLayout()
        scope.addWidget(self.roomButton)
        scope.addWidget(self.allButton)
        scope.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.searchEdit)
        layout.addLayout(scope)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.statusLabel)
        layout.addWidget(buttons)
        self.resize(720, 420)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.searchEdit.textChanged.connect(lambda _text: self._timer.start())
        self.scopeGroup.buttonToggled.connect(self._scope_toggled)

    def _scope_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self.search_now()

    @property
    def scope(self) -> Scope:
        return Scope.ROOM if self.roomButton.isChecked() and self._room is not None else Scope.ALL

    def search_now(self) -> None:
        """Run the search for the current text and scope; a newer one makes older answers drop."""
        self._timer.stop()
        self._token += 1
        text = self.searchEdit.text()
        room = self._room if self.scope is Scope.ROOM else None
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.ensure_future(self._run(self._token, text, room))

    async def _run(self, token: int, text: str, room: bytes | None) -> None:
        try:
            hits = await self._search(text, room, 50) if text.strip() else []
        except StorageError as exc:
            if token == self._token:
                self._show([], f"Search failed: {exc}", text)
            return
        if token != self._token:
            return
        if not text.strip():
            status = "Type words to find."
        elif not hits:
            status = "No messages found."
        else:
            status = f"{len(hits)} message{'s' if len(hits) != 1 else ''}, newest first"
        self._show(hits, status, text)

    def _show(self, hits: list[SearchHit], status: str, text: str) -> None:
        self.results.clear()
        for hit in hits:
            room_name, author, shown, match = self._describe(hit)
            match = match.replace(MATCH_START, "").replace(MATCH_END, "")
            item = QTreeWidgetItem([room_name, author, _time(hit), markdown.plain_text(match)])
            item.setData(0, HIT_ROLE, hit)
            item.setToolTip(3, shown)
            self.results.addTopLevelItem(item)
        first = self.results.topLevelItem(0)
        if first is not None:
            self.results.setCurrentItem(first)
        self.statusLabel.setText(status)
        self.searched.emit(text, len(hits))

    def hits(self) -> list[SearchHit]:
        items = (self.results.topLevelItem(i) for i in range(self.results.topLevelItemCount()))
        return [item.data(0, HIT_ROLE) for item in items if item is not None]

    def _choose(self, item: QTreeWidgetItem | None) -> None:
        hit = None if item is None else item.data(0, HIT_ROLE)
        if isinstance(hit, SearchHit):
            self.message_chosen.emit(hit)
            self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the text box, Enter jumps to the selected (else first) result and Down moves into the results."""
        if watched is self.searchEdit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive() or not self.hits():
                    self.search_now()  # Enter before the pause: search first, the next Enter jumps
                else:
                    self._choose(self.results.currentItem() or self.results.topLevelItem(0))
                return True
            if event.key() == Qt.Key.Key_Down and self.results.topLevelItemCount():
                self.results.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.hasFocus():
            self._choose(self.results.currentItem())
            return
        super().keyPressEvent(event)


ReadOlder = Callable[[bytes, ReadMarker, int], Awaitable[list[AuthorizedMessage]]]


async def page_to_message(view: RoomView, read_older: ReadOlder, room: bytes, message_id: int) -> bool:
    """Page ``view`` (showing ``room``) back until ``message_id`` is loaded, with a page of context above it,
    then select and centre it; False when the room changed meanwhile or the message is not in its history."""
    while view.model.row_of(message_id) < 0:
        oldest = view.oldest_loaded()
        if oldest is None or view.current_room_key() != room:
            return False
        page = await read_older(room, ReadMarker.of(oldest), JUMP_PAGE)
        if view.current_room_key() != room or not page:
            return False
        view.prepend_older(page)
        if view.oldest_loaded() == oldest:
            return False
    if view.model.row_of(message_id) < CONTEXT_ROWS and (oldest := view.oldest_loaded()) is not None:
        page = await read_older(room, ReadMarker.of(oldest), CONTEXT_ROWS * 5)
        if view.current_room_key() != room:
            return False
        view.prepend_older(page)
    return _select(view, message_id)


def _select(view: RoomView, message_id: int) -> bool:
    row = view.model.row_of(message_id)
    if row < 0:
        return False
    index = view.model.index(row)
    view.messageList.setCurrentIndex(index)
    view.messageList.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
    return True
