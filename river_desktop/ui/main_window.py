"""One top-level window: an independent "tab" over the shared store.

The window composes; its parts live beside it, one job each (as in qutebrowser's ``mainwindow/``):
:class:`WindowState` (``window_state.py``) holds this window's own :class:`Rooms` copy, ``SaveSession``,
live sync, unread counts and load / save state, with no widget; ``window_actions.py`` builds the
actions and menus; ``window_dialogs.py`` opens the dialogs; the room list and the room view have
their own modules. This class lays them out, draws what the state tells it (it is the state's
:class:`WindowHooks`) and turns the user's input into calls on the state.

Dialogs are shown with ``open()`` and answered through signals; nothing here runs a nested event
loop. Storage and crypto-heavy work is awaited through the controller (its worker thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
from river_desktop.storage.controller import LoadIssue, SaveSession
from river_desktop.storage.kv import StoreHealth
from river_desktop.storage.profile import default_profile_dir
from river_desktop.ui import room_sections, window_actions
from river_desktop.ui.dialogs import AcceptInvitationDialog
from river_desktop.ui.drafts import DraftKeeper
from river_desktop.ui.health_banner import HealthBanner
from river_desktop.ui.navigation import RoomNavigation
from river_desktop.ui.room_features import RoomFeatures
from river_desktop.ui.room_list_model import RoomFilterProxy, RoomListModel
from river_desktop.ui.room_panel import RoomPanel
from river_desktop.ui.room_rows import RoomRow
from river_desktop.ui.room_view.message_model import ShownMessage
from river_desktop.ui.room_view.view import RoomView, read_marker
from river_desktop.ui.status import StatusParts
from river_desktop.ui.titles import profile_label, window_title
from river_desktop.ui.window_dialogs import WindowDialogs
from river_desktop.ui.window_host import AppWindow, WindowHost
from river_desktop.ui.window_pager import RoomPager
from river_desktop.ui.window_pages import LOADING_TEXT, MIGRATING_TEXT, LoadFailedPage, LoadingPage
from river_desktop.ui.window_state import LoadState, SaveState, WindowState, prepare_rows
from river_desktop.ui.window_sync import WindowSync


class MainWindow(AppWindow):
    """A window of the app. Created by the application's window factory; deletes itself on close."""

    loadStateChanged = Signal(object)
    saveStateChanged = Signal(object)
    roomsChanged = Signal()
    roomsFilled = Signal(int, bool)
    """A chunk of the room list is shown: (room slots read so far, whether that was the last chunk)."""

    actionNewWindow: QAction
    actionCloseWindow: QAction
    actionQuit: QAction
    actionCreateRoom: QAction
    actionJoinWithCode: QAction
    actionInviteMember: QAction
    actionRenameRoom: QAction
    actionNickname: QAction
    actionNotifications: QAction
    actionLeaveRoom: QAction
    actionFindRoom: QAction
    actionSearch: QAction
    actionMoveRoomUp: QAction
    actionMoveRoomDown: QAction
    actionAbout: QAction
    actionShortcuts: QAction
    actionPreferences: QAction
    menuGo: QMenu

    def __init__(self, desktop: WindowHost, window_id: int, *, initial_room: bytes | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.desktop = desktop
        self.window_id = window_id
        self.controller = desktop.controller
        self.state = WindowState(self.controller, window_id, desktop.track, self, initial_room=initial_room)
        self.state.fill_listeners.append(lambda chunk: self.roomsFilled.emit(chunk.loaded, chunk.last))
        self._suppress_selection = 0
        self._context_menu: QMenu | None = None
        self._profile_label = profile_label(desktop.profile_dir, default_profile_dir())

        self.model = RoomListModel(self)
        self.model.setObjectName("roomListModel")
        self.proxy = RoomFilterProxy(self)
        self.proxy.setObjectName("roomFilterProxy")
        self.proxy.setSourceModel(self.model)
        self.model.roomMoved.connect(self._on_room_dragged)
        self.model.caughtUp.connect(self._sync_selection)  # the current room may have been in a later chunk

        self.dialog_flows = WindowDialogs(self)
        window_actions.build_actions(self)
        window_actions.build_menus(self)
        self._build_central()
        self.roomFeatures = RoomFeatures(self)
        self.drafts = DraftKeeper(desktop.settings, self.roomView, self)
        self.drafts.drafts_changed.connect(self.model.set_drafts)
        self.roomView.set_members_visible(desktop.preferences.value.members_visible)
        self.roomView.members_visible_changed.connect(desktop.preferences.set_members_visible)
        self.navigation = RoomNavigation(self, self, [self.roomList, self.roomView.messageList])
        self.menuGo.addSeparator()
        self.menuGo.addActions(self.navigation.menu_actions)
        self._build_status_bar()
        self._update_actions()
        self._update_title()
        self.resize(980, 640)

    # ------------------------------------------------------------------ construction

    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | str | None = None,
        tip: str = "",
    ) -> QAction:
        return window_actions.make_action(self, name, text, slot, shortcut, tip)

    def _build_central(self) -> None:
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("windowStack")
        self.loadingPage = LoadingPage(self.stack)
        self.loadingLabel = self.loadingPage.label
        self.failedPage = LoadFailedPage(self.stack)
        self.loadError = self.failedPage.error
        self.loadRetryButton = self.failedPage.retryButton
        self.loadRetryButton.clicked.connect(self.start)

        self.contentPage = QSplitter(Qt.Orientation.Horizontal, self.stack)
        self.contentPage.setObjectName("contentSplitter")
        left = self.roomPanel = RoomPanel(self.proxy, self.contentPage)
        self.roomFilter = left.roomFilter
        self.roomFilter.textChanged.connect(self._on_filter_changed)
        left.filterAccepted.connect(self._filter_accepted)
        self.roomList = left.roomList
        self.roomList.selectionModel().currentChanged.connect(self._on_current_index_changed)
        self.roomList.contextMenuRequested.connect(self._show_context_menu)
        self.roomList.activatedRoom.connect(self._on_room_activated)
        # through the actions, so a profile that cannot be changed (actions disabled) opens neither dialog
        self.roomList.editRequested.connect(lambda _key: self.actionRenameRoom.trigger())
        self.roomList.leaveRequested.connect(lambda _key: self.actionLeaveRoom.trigger())
        self.roomList.moveRequested.connect(self.move_current)
        self.createRoomButton = left.createRoomButton
        self.createRoomButton.clicked.connect(self.actionCreateRoom.trigger)
        self.joinButton = left.joinButton
        self.joinButton.clicked.connect(self.actionJoinWithCode.trigger)
        self.archiveToggle = left.archiveToggle

        self.roomView = RoomView(self.contentPage)
        self._composer_placeholder = self.roomView.composer.placeholderText()
        self.roomView.send_requested.connect(self._on_send_requested)
        self.pager = RoomPager(self)
        self.roomView.older_requested.connect(self.pager.older_requested)
        self.roomView.message_read.connect(self._on_message_read)
        self.roomView.edit_requested.connect(self.edit_message)
        self.roomView.delete_requested.connect(self.delete_message)
        self.roomView.react_requested.connect(self.react)
        self.roomView.unreact_requested.connect(self.unreact)
        self.contentPage.addWidget(left)
        self.contentPage.addWidget(self.roomView)
        self.contentPage.setStretchFactor(0, 0)
        self.contentPage.setStretchFactor(1, 1)
        self.contentPage.setSizes([260, 720])
        self.contentPage.setChildrenCollapsible(False)

        for page in (self.loadingPage, self.failedPage, self.contentPage):
            self.stack.addWidget(page)
        central = QWidget(self)
        central.setObjectName("centralArea")
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        self.healthBanner = HealthBanner(self.controller, central)
        central_layout.addWidget(self.healthBanner)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._unsubscribe_health = self.controller.subscribe_health(self._on_health)
        self.destroyed.connect(lambda _obj=None, stop=self._unsubscribe_health: stop())

    def _build_status_bar(self) -> None:
        self.statusParts = StatusParts(self.statusBar())
        self.issuesLabel = self.statusParts.issuesLabel
        self.saveStatus = self.statusParts.saveStatus
        self.saveRetryButton = self.statusParts.saveRetryButton
        self.saveRetryButton.clicked.connect(self.retry_save)

    # ------------------------------------------------------------------ the state, as the window shows it

    @property
    def rooms(self) -> Rooms:
        return self.state.rooms

    @property
    def session(self) -> SaveSession:
        return self.state.session

    @property
    def load_state(self) -> LoadState:
        return self.state.load_state

    @property
    def save_state(self) -> SaveState:
        return self.state.save_state

    @property
    def save_error(self) -> str:
        return self.state.save_error

    @property
    def is_loaded(self) -> bool:
        return self.state.is_loaded

    @property
    def is_alive(self) -> bool:
        return self.state.is_alive

    @property
    def current_room(self) -> bytes | None:
        return self.state.current_room

    @property
    def unread(self) -> dict[bytes, int]:
        return self.state.unread

    @property
    def live_sync(self) -> WindowSync:
        """This window's live-sync helper (``pause()`` / ``resume()`` hold back and release other writers' changes)."""
        return self.state.live_sync

    @property
    def load_issues(self) -> tuple[LoadIssue, ...]:
        return self.state.load_issues

    @property
    def unsent_messages(self) -> list[AuthorizedMessage]:
        """Messages posted in this window that no save has stored yet (Retry stores them, once each)."""
        return self.state.unsent_messages

    def room_names(self) -> list[str]:
        """The rooms as this window's list shows them, in order (for tests and the self-test)."""
        return [row.display_name for row in self.model.rows()]

    def saving_idle(self) -> bool:
        return self.state.saving_idle()

    def start(self) -> None:
        """Begin (or retry) loading this window's copy of the rooms."""
        self.state.start()

    def schedule_save(self) -> None:
        self.state.schedule_save()

    def retry_save(self) -> None:
        self.state.schedule_save()

    async def flush(self) -> None:
        await self.state.flush()

    def request_unread(self) -> None:
        self.state.request_unread()

    def mark_current_read(self) -> asyncio.Task[None] | None:
        """Esc: everything in the current room is read, up to its newest stored message (in every window)."""
        return self.state.mark_current_read()

    def set_members_visible(self, visible: bool) -> None:
        self.roomView.set_members_visible(visible)

    # ------------------------------------------------------------------ WindowHooks: what the state tells us

    def load_state_changed(self, state: LoadState) -> None:
        if state is LoadState.LOADING:
            self.loadingLabel.setText(LOADING_TEXT)
            self.stack.setCurrentWidget(self.loadingPage)
        elif state is LoadState.MIGRATING:
            self.loadingLabel.setText(MIGRATING_TEXT)
            self.stack.setCurrentWidget(self.loadingPage)
        elif state is LoadState.FAILED:
            self.loadError.setText(self.state.load_error)
            self.stack.setCurrentWidget(self.failedPage)
        else:
            self.stack.setCurrentWidget(self.contentPage)
        self._update_actions()
        self.loadStateChanged.emit(state)

    def loaded(self, initial: bytes | None) -> asyncio.Task[None] | None:
        if len(self.desktop.windows) == 1:  # drafts of rooms left while no window was open (the CLI)
            self.drafts.forget(self.desktop.settings.draft_rooms() - self.rooms.rooms.keys())
        self.refresh()
        return self.open_room(initial, save=False, focus=True)

    def save_state_changed(self, state: SaveState, previous: SaveState) -> None:
        self.statusParts.show_save(state, previous, self.save_error, writable=self.controller.health.writable)
        self.saveStateChanged.emit(state)

    def rooms_changed(self) -> None:
        self.refresh()

    def room_added(self, key: bytes) -> None:
        self.refresh()
        self.open_room(key, save=False, focus=True)

    def unread_changed(self, counts: dict[bytes, int]) -> None:
        prepared = self.state.badge_rows
        if prepared is None or not self.model.apply_badges(prepared):
            self.model.set_rows(self.state.rows())  # only the rows whose badge changed are new objects
        self.unreadChanged.emit(dict(counts))

    def issues_changed(self) -> None:
        self.statusParts.show_issues(self.load_issues)

    def newest_messages(self, key: bytes, messages: list[AuthorizedMessage]) -> None:
        if self.roomView.current_room_key() == key:
            self.roomView.add_messages(messages)

    def notice(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # ------------------------------------------------------------------ the list and the current room

    def refresh(self) -> None:
        """Bring the list, the selection, the room view, title and actions in line with ``self.rooms``."""
        if not self.state.is_alive:
            return
        rows = self.state.rows()
        self._suppress_selection += 1
        try:
            headers = [r.header for r in self.model.rows() if r.header]
            self.model.set_rows(rows)
            self._show_sections(rows, headers)
        finally:
            self._suppress_selection -= 1
        current = self.current_room
        if current is not None and current not in self.rooms.rooms:
            self.roomView.forget_draft(current)
            self.state.drop_current()
            self.roomView.show_room(None)
            self.currentRoomChanged.emit(None)
        elif current is not None:
            room = self.rooms.rooms[current]
            if self.roomView.current_room() is not room:
                self.roomView.update_room(room)
        self._sync_selection()
        self._update_actions()
        self._update_title()
        join = self.dialog("AcceptInvitationDialog")
        if isinstance(join, AcceptInvitationDialog):
            join.set_rooms(self.rooms)
        self.roomsChanged.emit()

    def _show_sections(self, rows: list[RoomRow], old_headers: list[str]) -> None:
        """Section headers make rows of two heights: uniform sizes only without them, and a relayout when they move."""
        headers = [r.header for r in rows if r.header]
        self.roomList.setUniformItemSizes(not headers)
        if headers != old_headers:
            self.roomList.doItemsLayout()
        self.archiveToggle.set_count(sum(r.section is room_sections.RoomSection.ARCHIVE for r in rows))

    def change_marks(self, change: Callable[[], object]) -> bool:
        """Pin, unpin, archive or unarchive (our fields in rooms_meta): shown at once, then saved."""
        return self.state.mutate(change)

    def _sync_selection(self) -> None:
        index = self.proxy.index_of(self.current_room)
        selection = self.roomList.selectionModel()
        self._suppress_selection += 1
        try:
            if index.isValid():
                if self.roomList.currentIndex() != index or not selection.isSelected(index):
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.roomList.scrollTo(index)
            elif self.roomList.currentIndex().isValid() or selection.hasSelection():
                selection.clear()
        finally:
            self._suppress_selection -= 1

    def _on_current_index_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._suppress_selection:
            return
        key = self.proxy.key_at(current)
        if key is not None and key != self.current_room:
            # arrow keys in the list keep the focus there; a click or any other way in goes to the composer
            clicked = QApplication.mouseButtons() != Qt.MouseButton.NoButton
            self.open_room(key, focus=clicked or not self.roomList.hasFocus())

    def shown_room_keys(self) -> list[bytes]:
        """The rooms in the order the list shows them (the filter applied)."""
        keys = (self.proxy.key_at(self.proxy.index(row, 0)) for row in range(self.proxy.rowCount()))
        return [key for key in keys if key is not None]

    def select_room(self, key: bytes | None) -> None:
        """Make ``key`` the current room of this window (as if the user clicked it)."""
        self.open_room(key)

    def open_room(self, key: bytes | None, *, save: bool = True, focus: bool = False) -> asyncio.Task[None] | None:
        """Make ``key`` current (``focus``: then the composer); returns the task that shows its newest messages."""
        changed = self.state.select(key, save=save)
        key, token = self.current_room, self.state.room_token
        self._sync_selection()
        self._update_actions()
        self._update_title()
        if changed:
            self.currentRoomChanged.emit(key)
        if key is None:
            self.roomView.show_room(None)
            return None
        return self.state.start_task(self.pager.show_newest(key, token, focus))

    def _on_message_read(self, message: ShownMessage) -> None:
        self.state.mark_read(message.room, read_marker(message))

    def _update_title(self) -> None:
        room = self.state.current_room_data()
        name = None if room is None else room.name
        self.setWindowTitle(window_title(name, waiting=room is not None, profile=self._profile_label))

    def _on_health(self, health: StoreHealth) -> None:
        """The profile stopped accepting changes: say so here and offer only what cannot change anything."""
        if not self.is_alive:
            return
        self.healthBanner.show_health(health)
        self._update_actions()
        self.save_state_changed(self.save_state, self.save_state)

    def _update_actions(self) -> None:
        window_actions.update_actions(self)

    # ------------------------------------------------------------------ filter and keyboard

    def focus_filter(self) -> None:
        self.roomPanel.focus_filter()

    def _on_filter_changed(self, text: str) -> None:
        self._suppress_selection += 1
        try:
            self.proxy.set_filter_text(text)
        finally:
            self._suppress_selection -= 1
        self.roomList.set_reorder_enabled(not self.proxy.is_filtering)
        self._sync_selection()
        self._update_actions()

    def _filter_accepted(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        index = self.proxy.index_of(self.current_room)
        if not index.isValid():
            index = self.proxy.index(0, 0)
        self.roomList.setFocus(Qt.FocusReason.OtherFocusReason)
        key = self.proxy.key_at(index)
        if key is not None:
            self.open_room(key)

    def _on_room_activated(self, key: bytes) -> None:
        self.open_room(key, focus=True)

    # ------------------------------------------------------------------ changes (the state does them)

    def create_room(self, name: str, nickname: str, *, private: bool = False) -> RoomData | None:
        return self.state.create_room(name, nickname, private=private)

    def accept_invitation(self, invitation: Invitation, nickname: str) -> RoomData | None:
        """Join (or explicitly rejoin) the invitation's room; the rejoin mark is set before the save."""
        return self.state.accept_invitation(invitation, nickname)

    def _mutate(self, change: Callable[[], object], *, unread: bool = False) -> bool:
        return self.state.mutate(change, unread=unread)

    def rename_room(self, key: bytes, name: str, description: str | None = None) -> bool:
        return self.state.rename_room(key, name, description)

    def set_nickname(self, key: bytes, nickname: str) -> bool:
        return self.state.set_nickname(key, nickname)

    def set_notification_mode(self, key: bytes, mode: NotificationMode) -> bool:
        return self.state.set_notification_mode(key, mode)

    def leave_room(self, key: bytes) -> bool:
        left = self.state.leave_room(key)
        if left:
            self.drafts.forget([key])
        return left

    def move_room(self, key: bytes, before: bytes | None) -> None:
        """Put ``key`` before ``before`` (None: at the end), as a drop does."""
        self.state.move_room(key, before)

    def move_current(self, delta: int) -> None:
        key = self.current_room
        if key is None or self.proxy.is_filtering or self.load_state is not LoadState.READY:
            return
        keys = self.model.keys()
        i = keys.index(key) if key in keys else -1
        if i < 0:
            return
        if delta < 0 and i > 0:
            self.move_room(key, keys[i - 1])
        elif delta > 0 and i < len(keys) - 1:
            self.move_room(key, keys[i + 2] if i + 2 < len(keys) else None)

    def _on_room_dragged(self, key: bytes, before: bytes | None) -> None:
        # The model already shows the new order; record it in the copy and save.
        self.state.move_room(key, before)

    def post_message(self, text: str, reply_to: int | None = None) -> AuthorizedMessage | None:
        """Post to the current room; the new state shows it at once, the save writes it to the history."""
        return self.state.post(lambda key: self.rooms.post_message(key, text, reply_to=reply_to))

    def edit_message(self, message_id: int, text: str) -> AuthorizedMessage | None:
        return self.state.post(lambda key: self.rooms.edit_message(key, message_id, text))

    def delete_message(self, message_id: int) -> AuthorizedMessage | None:
        return self.state.post(lambda key: self.rooms.delete_message(key, message_id))

    def react(self, message_id: int, emoji: str) -> AuthorizedMessage | None:
        return self.state.post(lambda key: self.rooms.react(key, message_id, emoji))

    def unreact(self, message_id: int, emoji: str) -> AuthorizedMessage | None:
        return self.state.post(lambda key: self.rooms.unreact(key, message_id, emoji))

    def _on_send_requested(self, text: str) -> None:
        self.post_message(text, reply_to=self.roomView.reply_to_id())

    # ------------------------------------------------------------------ dialogs (window_dialogs.py)

    def _open_dialog(self, dialog: QDialog, on_accept: Callable[[QDialog], object] | None = None) -> QDialog:
        return self.dialog_flows.open(dialog, on_accept)

    def dialog(self, name: str) -> QDialog | None:
        """The open dialog of that kind (objectName), if any."""
        return self.dialog_flows.dialog(name)

    def _current_room_data(self) -> RoomData | None:
        return self.state.current_room_data()

    async def jump_to_message(self, room: bytes, message_id: int) -> bool:
        """Open ``room`` and page its history back to ``message_id``, selected with its context."""
        return await self.dialog_flows.jump_to_message(room, message_id)

    def show_search_dialog(self) -> None:
        self.dialog_flows.show_search_dialog()

    def show_create_room_dialog(self) -> None:
        self.dialog_flows.show_create_room_dialog()

    def show_join_dialog(self) -> None:
        self.dialog_flows.show_join_dialog()

    def show_invite_dialog(self) -> None:
        self.dialog_flows.show_invite_dialog()

    def show_edit_room_dialog(self) -> None:
        self.dialog_flows.show_edit_room_dialog()

    def show_nickname_dialog(self) -> None:
        self.dialog_flows.show_nickname_dialog()

    def show_notifications_dialog(self) -> None:
        self.dialog_flows.show_notifications_dialog()

    def show_leave_dialog(self) -> None:
        self.dialog_flows.show_leave_dialog()

    def show_about(self) -> None:
        self.dialog_flows.show_about()

    def show_preferences(self) -> None:
        self.dialog_flows.show_preferences()

    def show_shortcuts(self) -> None:
        self.dialog_flows.show_shortcuts()

    def _show_context_menu(self, key: object, pos: QPoint) -> None:
        self._context_menu = window_actions.show_room_context_menu(self, key, pos)

    def _report_error(self, message: str) -> None:
        """A user-facing error that is not a save failure: logged and shown in the status bar."""
        self.state.report_error(message)

    def _new_window(self) -> None:
        self.desktop.open_window()

    # ------------------------------------------------------------------ geometry and closing

    def geometry_bytes(self) -> bytes:
        return bytes(self.saveGeometry().data())

    def restore_geometry_bytes(self, data: bytes) -> bool:
        return bool(data) and self.restoreGeometry(QByteArray(data))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.desktop.hide_to_tray(self):
            event.ignore()
            return
        self.dialog_flows.close_all()
        self.desktop.window_closing(self)
        self.state.close()
        event.accept()
        super().closeEvent(event)


__all__ = ["LoadState", "MainWindow", "SaveState", "prepare_rows"]
