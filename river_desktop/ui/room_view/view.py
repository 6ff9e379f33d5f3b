"""The room view: message list (model + delegate), composer and member list, with empty states.

:class:`RoomView` shows one room at a time and is fed by its window: ``show_room`` when the selection or the
room's data changes, ``add_messages`` for new messages (from this window, other windows or other processes),
``prepend_older`` for pages of history the view asked for with ``older_requested``. Re-showing the room that is
already shown is a merge: the composer draft, the selected message and the scroll position all survive.

Message actions (reply, edit and delete your own, react, copy text, copy link) live on the list's context
menu and keyboard; the view asks, the window acts: :attr:`edit_requested`, :attr:`delete_requested` (after
a confirmation), :attr:`react_requested` and :attr:`unreact_requested` carry River's message id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeySequence,
    QPalette,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain import limits
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import RoomData
from river_desktop.net.status_view import RoomLine
from river_desktop.ui.inputs import LimitCounter
from river_desktop.ui.room_features import show_lock
from river_desktop.ui.room_view import mentions
from river_desktop.ui.room_view.composer import Composer
from river_desktop.ui.room_view.history_view import HistoryView
from river_desktop.ui.room_view.hover_bar import HoverBar
from river_desktop.ui.room_view.jumps import Jumps
from river_desktop.ui.room_view.member_panel import MemberNameDelegate, build_member_items
from river_desktop.ui.room_view.message_actions import MessageActionsMixin
from river_desktop.ui.room_view.message_delegate import MessageDelegate
from river_desktop.ui.room_view.message_list import MessageListView
from river_desktop.ui.room_view.message_model import MessageListModel, ShownMessage, format_time
from river_desktop.ui.room_view.reaction_picker import ReactionPicker
from river_desktop.ui.room_view.scrolling import ScrollingMixin, read_marker
from river_desktop.ui.text_widgets import ElidedLabel, WrappedLabel

log = logging.getLogger(__name__)


ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole

# --- the view ------------------------------------------------------------------------------------


class RoomView(MessageActionsMixin, ScrollingMixin, QWidget):
    """Messages, composer and members of the current room (see the module docstring for the contract)."""

    send_requested = Signal(str)
    members_visible_changed = Signal(bool)
    older_requested = Signal()
    message_read = Signal(object)
    edit_requested = Signal(object, str)
    delete_requested = Signal(object)
    react_requested = Signal(object, str)
    unreact_requested = Signal(object, str)

    EMPTY_NO_ROOM = "No room selected.\n\nPick a room on the left, create one, or join one with an invitation code."
    EMPTY_WAITING = (
        "Waiting for room data. Local only.\n\nThis app is not connected to any network yet, so it cannot "
        "fetch this room itself. You joined it with an invitation: its name, members and messages arrive "
        "once the inviter's app or a network sync brings them to this profile."
    )
    LOCAL_ONLY = "Local only: this app is not connected to any network yet"
    EMPTY_NO_MESSAGES = "No messages yet.\n\nSay hello!"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RoomView")
        self._room: RoomData | None = None
        self._history: HistoryView | None = None
        self._drafts: dict[bytes, str] = {}
        self._read_emitted: dict[bytes, int] = {}
        self._older_pending = False
        self._older_exhausted = False
        self._adjusting = False
        self.network_notice_for: Callable[[RoomData], RoomLine | None] | None = None
        """Set by ui/net_status.py: the network line for a room (None: the built-in local-only wording)."""

        # A room's name and description are the owner's text: elided / wrapped anywhere, never sizing the window.
        self.roomTitle = ElidedLabel(self)
        self.roomTitle.setObjectName("roomTitle")
        title_font = QFont(self.roomTitle.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.2)
        self.roomTitle.setFont(title_font)
        self.networkNotice = QLabel(self.LOCAL_ONLY, self)
        self.networkNotice.setObjectName("networkNotice")
        self.networkNotice.setWordWrap(True)
        self.networkNotice.setTextFormat(Qt.TextFormat.PlainText)
        self.networkNotice.setToolTip(
            "The room's data arrives once the inviter's app or a network sync brings it to this profile."
        )
        self.networkNotice.hide()
        self.roomDescription = WrappedLabel(self, max_lines=3)
        self.roomDescription.setObjectName("roomDescription")
        self.roomDescription.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.model = MessageListModel(self)
        self.messageList = MessageListView(self)
        self.messageList.setModel(self.model)
        self.delegate = MessageDelegate(self.messageList)
        self.messageList.setItemDelegate(self.delegate)
        self.messageList.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.messageList.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.messageList.setResizeMode(QListView.ResizeMode.Adjust)
        self.messageList.setUniformItemSizes(False)
        self.messageList.setWordWrap(True)
        self.messageList.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.messageList.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.messageList.setAccessibleName("Messages")
        self.messageList.verticalScrollBar().setSingleStep(24)
        self.messageList.viewport().installEventFilter(self)

        copy = self.messageList.addAction("&Copy Text")  # a context-free shortcut on the list only
        copy.setObjectName("actionCopyMessage")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected_message)
        self.actionCopyText = copy
        self.actionCopyLink = self._list_action("actionCopyLink", "Copy &Link to Message", "Ctrl+Shift+C")
        self.actionCopyLink.triggered.connect(self.copy_link_of_selected_message)
        self.messageList.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.emptyState = QLabel(self)
        self.emptyState.setObjectName("emptyState")
        self.emptyState.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.emptyState.setWordWrap(True)
        self.emptyState.setTextFormat(Qt.TextFormat.PlainText)
        self.emptyState.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.emptyState.setMargin(24)

        self.messageStack = QStackedWidget(self)
        self.messageStack.setObjectName("messageStack")
        self.messageStack.addWidget(self.messageList)
        self.messageStack.addWidget(self.emptyState)

        self.composer = Composer(self)
        self.composer.send_requested.connect(self._on_composer_send)
        self.composer.refused.connect(self._show_composer_problem)
        self.composer.escape_pressed.connect(self._composer_escape)
        self.composer.edit_last_requested.connect(self.edit_last_own_message)
        self.composer.textChanged.connect(self._composer_changed)
        self.composerCounter = LimitCounter(limits.measure_message, "the message", self)
        self.composerCounter.setObjectName("composerCounter")
        self.composerCounter.hide()
        self.composerError = QLabel(self)
        self.composerError.setObjectName("composerError")
        self.composerError.setWordWrap(True)
        self.composerError.setTextFormat(Qt.TextFormat.PlainText)
        self.composerError.setStyleSheet("QLabel#composerError { color: #d93025; }")
        self.composerError.hide()
        self._reply_to: ShownMessage | None = None
        self._editing: ShownMessage | None = None
        self._draft_before_edit = ""
        self.replyBar = self._build_reply_bar()

        first = self.messageList.actions()[0]
        self.actionReply = self._list_action("actionReply", "&Reply", "Ctrl+R", before=first)
        self.actionReply.triggered.connect(self.reply_to_selected_message)
        self.actionReact = self._list_action("actionReact", "Re&act…", "Ctrl+Shift+R", before=first)
        self.actionReact.triggered.connect(self.react_to_selected_message)
        self.actionEdit = self._list_action("actionEditMessage", "&Edit", "Ctrl+E", before=first)
        self.actionEdit.triggered.connect(self.edit_selected_message)
        self.actionDelete = self._list_action("actionDeleteMessage", "&Delete…", "Delete", before=first)
        self.actionDelete.triggered.connect(self.delete_selected_message)
        self._picker: ReactionPicker | None = None
        self._delete_dialog: QMessageBox | None = None
        self.messageList.reaction_clicked.connect(self._on_reaction_clicked)
        self.messageList.quote_clicked.connect(lambda index: self.jump_to_original(index.row()))
        open_link = self.messageList.addAction("&Open Link…")
        open_link.setObjectName("actionOpenLink")
        open_link.setShortcut(QKeySequence("Ctrl+Return"))
        open_link.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        open_link.triggered.connect(self.open_link_of_selected_message)
        self.messageList.link_activated.connect(self.confirm_open_link)
        self._link_dialog: QMessageBox | None = None
        self.jumps = Jumps(self, self.messageList, self.model, self.delegate)
        self.hoverBar = HoverBar(self)

        self.memberList = QTreeWidget(self)
        self.memberList.setObjectName("memberList")
        self.memberList.setColumnCount(2)
        self.memberList.setHeaderLabels(["Member", "ID"])
        self.memberList.setRootIsDecorated(True)
        self.memberList.setAccessibleName("Members")
        self.memberList.setUniformRowHeights(True)
        self.memberList.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.memberList.setIndentation(14)
        self.memberList.setMinimumWidth(self._member_list_min_width())
        self.memberList.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.memberList.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.memberDelegate = MemberNameDelegate(self.memberList)
        self.memberList.setItemDelegateForColumn(0, self.memberDelegate)
        header = self.memberList.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take the room, IDs what they need
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

        center = QWidget(self)
        center.setObjectName("roomCenter")
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        self.membersToggle = QToolButton(center)
        self.membersToggle.setObjectName("membersToggle")
        self.membersToggle.setText("Members")
        self.membersToggle.setCheckable(True)
        self.membersToggle.setChecked(True)
        self.membersToggle.setAutoRaise(True)
        self.membersToggle.setToolTip("Show or hide the member list (Ctrl+Shift+M)")
        self.membersToggle.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.membersToggle.toggled.connect(self.set_members_visible)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        self.roomLock = QLabel(center)
        self.roomLock.setObjectName("roomLock")
        self.roomLock.hide()
        title_row.addWidget(self.roomLock)
        title_row.addWidget(self.roomTitle, 1)
        title_row.addWidget(self.membersToggle)
        center_layout.addLayout(title_row)
        center_layout.addWidget(self.roomDescription)
        center_layout.addWidget(self.networkNotice)
        center_layout.addWidget(self.messageStack, 1)
        center_layout.addWidget(self.replyBar)
        center_layout.addWidget(self.composer)
        below = QHBoxLayout()
        below.setContentsMargins(0, 0, 0, 0)
        below.addWidget(self.composerError, 1)
        below.addWidget(self.composerCounter)
        center_layout.addLayout(below)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("roomSplitter")
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.memberList)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([3000, 1000])  # messages 3 : members 1 (scaled to the real width when shown)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        bar = self.messageList.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)
        self.model.rowsInserted.connect(self._update_empty_state)
        self.model.rowsRemoved.connect(self._update_empty_state)
        self.model.rowsRemoved.connect(self._forget_removed)
        self.model.modelReset.connect(self._update_empty_state)
        self.model.dataChanged.connect(self._update_message_actions)
        self.messageList.selectionModel().currentChanged.connect(self._update_message_actions)
        self.messageList.selectionModel().selectionChanged.connect(self._update_message_actions)
        self._update_message_actions()

        self._show_header()
        self._update_empty_state()
        self.composer.setEnabled(False)

    # -- public API

    def current_room_key(self) -> bytes | None:
        return None if self._room is None else self._room.owner_vk

    def current_room(self) -> RoomData | None:
        return self._room

    def show_room(self, room: RoomData | None, messages: Iterable[AuthorizedMessage] = ()) -> None:
        """Show ``room`` with a page of its history (River's signed messages; its live window is added);
        the same room again is a merge that keeps the draft, selection and scroll position."""
        if room is not None and self._room is not None and room.owner_vk == self._room.owner_vk:
            self.update_room(room)
            self.add_messages(messages)
            return
        self.cancel_edit()
        self._stash_draft()
        self.cancel_reply()
        self._room = room
        self._history = None if room is None else HistoryView(room)
        rows: list[ShownMessage] = []
        if self._history is not None:
            self._history.add(messages)
            rows = self._history.rows()
        self._older_pending = False
        self._older_exhausted = False
        if rows:
            # lay the rows out at the list's real width: while the empty state is showing, the (hidden)
            # list keeps a stale size, and every row would be measured twice
            self.messageStack.setCurrentWidget(self.messageList)
        self.model.set_room(room)
        self.jumps.room_shown(room, rows)
        self.model.set_messages(rows)
        self.composer.setEnabled(room is not None)
        self._offer_mentions()
        draft = self._drafts.get(room.owner_vk, "") if room is not None else ""
        self.composer.setPlainText(draft)
        self.composer.moveCursor(self.composer.textCursor().MoveOperation.End)
        self._show_header()
        self._fill_members()
        self._update_empty_state()
        self._scroll_to_bottom()
        self._maybe_read()

    def update_room(self, room: RoomData) -> None:
        """New data for the shown room (its live state: messages, edits, reactions, nicknames, members,
        name); the draft, selection and position stay, new messages are followed only from the bottom."""
        if self._room is None or self._history is None or room.owner_vk != self._room.owner_vk:
            log.debug("update_room for a room that is not shown; ignored")
            return
        self._room = room
        self._history.set_room(room)
        self.model.set_room(room)
        self._offer_mentions()
        self._sync_rows()
        self._show_header()
        self._fill_members()
        self._update_empty_state()

    def add_messages(self, messages: Iterable[AuthorizedMessage]) -> int:
        """Merge in messages read from the store (this or other writers'); returns how many rows are new."""
        if self._history is None:
            return 0
        self._history.add(messages)
        return self._sync_rows()

    def _sync_rows(self) -> int:
        """Bring the rows in line with the loaded history; follows new rows only from the bottom."""
        assert self._history is not None
        follow = self.messageList.at_bottom()
        anchor = None if follow else self._capture_anchor()
        added = self.model.sync(self._history.rows())
        if follow:
            self._scroll_to_bottom()
        else:
            self._restore_anchor(anchor)
        if added:
            self._maybe_read()
        return added

    def prepend_older(self, messages: Iterable[AuthorizedMessage]) -> int:
        """A page of older history, keeping the messages on screen where they are."""
        self._older_pending = False
        if self._history is None:
            return 0
        page = list(messages)
        if not page:
            self._older_exhausted = True
            return 0
        before = self._history.loaded_count()
        self._history.add(page)
        if self._history.loaded_count() == before:
            # a page read already: the answer to a second request (the user left the top and came back while
            # the first was loading); older history may still be there
            return 0
        anchor = self._capture_anchor()
        added = self.model.sync(self._history.rows())
        self._restore_anchor(anchor)
        return added

    def oldest_loaded(self) -> AuthorizedMessage | None:
        """Where the next older page ends."""
        return None if self._history is None else self._history.oldest()

    def set_older_available(self, available: bool = True) -> None:
        """Tell the view whether scrolling to the top may ask for more history (reset on room switch)."""
        self._older_exhausted = not available

    def draft(self, owner_vk: bytes) -> str:
        """The room's unsent text (while an edit is open: the draft it put aside, not the edit)."""
        if self._room is not None and owner_vk == self._room.owner_vk:
            return self._draft_before_edit if self._editing is not None else self.composer.toPlainText()
        return self._drafts.get(owner_vk, "")

    def forget_draft(self, owner_vk: bytes) -> None:
        """Drop a room's draft (the room was left)."""
        self._drafts.pop(owner_vk, None)
        self._read_emitted.pop(owner_vk, None)

    def selected_message(self) -> ShownMessage | None:
        index = self.messageList.currentIndex()
        if not index.isValid() or not self.messageList.selectionModel().isSelected(index):
            return None
        return self.model.message_at(index.row())

    def set_members_visible(self, visible: bool) -> None:
        """Show or hide the member panel (the messages take its room); the toggle button follows."""
        self.memberList.setVisible(visible)
        if self.membersToggle.isChecked() != visible:
            self.membersToggle.setChecked(visible)
        self.members_visible_changed.emit(visible)

    def members_visible(self) -> bool:
        return not self.memberList.isHidden()

    # -- events

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.messageList.viewport() and event.type() == QEvent.Type.Wheel:
            assert isinstance(event, QWheelEvent)
            bar = self.messageList.verticalScrollBar()
            if event.angleDelta().y() > 0 and bar.value() <= bar.minimum():
                self._request_older()
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._maybe_read()

    # -- internals

    def _member_list_min_width(self) -> int:
        """Room for the ID column plus a short name with "(owner, you)" in bold italics, one level deep."""
        font = QFont(self.memberList.font())
        font.setBold(True)
        font.setItalic(True)
        bold = QFontMetrics(font)
        plain = self.memberList.fontMetrics()
        name = bold.horizontalAdvance("Annabel (owner, you)")
        ids = plain.horizontalAdvance("WWWWWWWW") + 16
        chrome = 2 * self.memberList.indentation() + 2 * self.memberList.frameWidth() + 24
        return max(190, name + ids + chrome)

    def _offer_mentions(self) -> None:
        """The shown room's members for ``@`` completion, and their current names for tokens in the box."""
        known = self.model.room_facts()
        self.composer.set_members(mentions.candidates(known), mentions.name_resolver(known))

    def _on_composer_send(self, text: str) -> None:
        """Forward a send (or an edit); the window reads :meth:`reply_to_id` while handling a send."""
        editing = self._editing
        if editing is not None:
            self._editing = None
            self.composer.setPlainText(self._draft_before_edit)
            self._draft_before_edit = ""
            self.replyQuote.setText("")
            self.replyBar.hide()
            if text != editing.text:
                self.edit_requested.emit(editing.id, text)
            return
        self.send_requested.emit(text)
        self.cancel_reply()

    def _composer_changed(self) -> None:
        text = self.composer.toPlainText()
        self.composerCounter.update_for(text)
        self.composerCounter.setVisible(bool(text.strip()))
        problem = self.composerCounter.problem()
        self.composerError.setText(problem)
        self.composerError.setVisible(bool(problem))

    def _show_composer_problem(self, problem: str) -> None:
        self.composerError.setText(problem)
        self.composerError.setVisible(bool(problem))

    def _stash_draft(self) -> None:
        if self._room is None:
            return
        text = self._draft_before_edit if self._editing is not None else self.composer.toPlainText()
        if text.strip():
            self._drafts[self._room.owner_vk] = text
        else:
            self._drafts.pop(self._room.owner_vk, None)

    def _show_header(self) -> None:
        room = self._room
        if room is None:
            self.roomTitle.setText("")
            self.roomDescription.setText("")
            self.roomTitle.hide()
            self.roomLock.hide()
            self.membersToggle.hide()
            self.roomDescription.hide()
            self.networkNotice.hide()
            return
        self.roomTitle.setText(room.name if not room.waiting else "Waiting for room data…")
        self.roomTitle.show()
        self.membersToggle.show()
        description = room.description
        self.roomDescription.setText(description)
        self.roomDescription.setVisible(bool(description))
        self._show_network_notice(room)
        show_lock(self.roomLock, room)

    def refresh_network_notice(self) -> None:
        """The network's status changed: reword the notice (and a waiting room's empty text)."""
        if self._room is not None:
            self._show_network_notice(self._room)
            self._update_empty_state()

    def _network_line(self, room: RoomData) -> RoomLine | None:
        return None if self.network_notice_for is None else self.network_notice_for(room)

    def _show_network_notice(self, room: RoomData) -> None:
        line = self._network_line(room)
        if line is None:
            self.networkNotice.setText(self.LOCAL_ONLY)
            self.networkNotice.setAccessibleName(self.LOCAL_ONLY)
            self.networkNotice.setVisible(room.waiting and self.network_notice_for is None)
            return
        self.networkNotice.setText(line.line.text)
        self.networkNotice.setAccessibleName(line.line.accessible)
        self.networkNotice.setToolTip(line.line.detail)
        self.networkNotice.setProperty("networkPhase", line.line.phase.name)
        self.networkNotice.show()

    def _update_empty_state(self, *_: object) -> None:
        room = self._room
        if room is None:
            text = self.EMPTY_NO_ROOM
        elif self.model.rowCount() > 0:
            text = ""
        elif room.waiting:
            line = self._network_line(room)
            text = line.empty_text if line is not None and line.empty_text else self.EMPTY_WAITING
        else:
            text = self.EMPTY_NO_MESSAGES
        self.emptyState.setText(text)
        self.messageStack.setCurrentWidget(self.emptyState if text else self.messageList)

    def empty_state_text(self) -> str:
        return self.emptyState.text() if self.messageStack.currentWidget() is self.emptyState else ""

    def _fill_members(self) -> None:
        self.memberList.clear()
        room = self._room
        if room is None:
            return
        for item in build_member_items(room):
            self.memberList.addTopLevelItem(item)
        self.memberList.expandAll()


__all__ = [
    "Composer",
    "MessageDelegate",
    "MessageListModel",
    "MessageListView",
    "RoomView",
    "format_time",
    "read_marker",
]
