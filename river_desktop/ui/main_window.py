"""One top-level window: an independent "tab" over the shared store.

Each window owns its own :class:`Rooms` copy, its own :class:`RoomListModel` and its own
``SaveSession``. Every user action changes the copy, updates the model and schedules a save (the
controller coalesces bursts); the status bar shows saving / saved / failed. Other writers' changes
arrive through :class:`WindowSync` and are merged into the copy by membership epoch
(``Rooms.apply_slot``), so a room left elsewhere disappears here and a room rejoined elsewhere
comes back, without this window losing its selection, scroll position or composer draft.

Dialogs are shown with ``open()`` and answered through signals; nothing here runs a nested event
loop. Storage and crypto-heavy work is awaited through the controller (its worker thread).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import nickname_of, plain_text
from river_desktop.domain.rooms import (
    NotificationMode,
    ReadMarker,
    RoomData,
    Rooms,
    RoomsError,
    RoomSlot,
    room_label,
)
from river_desktop.storage import reconcile
from river_desktop.storage.controller import LoadIssue, RoomOutcome, SaveReport
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import StoreHealth
from river_desktop.storage.profile import default_profile_dir
from river_desktop.storage.search_index import SearchHit
from river_desktop.storage.slots import LEGACY_BLOB_KEY, MIGRATION_DONE_KEY
from river_desktop.ui import room_sections
from river_desktop.ui.about import AboutDialog
from river_desktop.ui.dialogs import (
    AcceptInvitationDialog,
    CreateRoomDialog,
    EditRoomDialog,
    InviteMemberDialog,
    LeaveRoomDialog,
    NicknameDialog,
    NotificationsDialog,
)
from river_desktop.ui.drafts import DraftKeeper
from river_desktop.ui.health_banner import NOTHING_CAN_BE_POSTED, HealthBanner
from river_desktop.ui.navigation import RoomNavigation
from river_desktop.ui.preferences import PreferencesDialog
from river_desktop.ui.room_features import RoomFeatures
from river_desktop.ui.room_list import RoomFilterProxy, RoomListModel, RoomListView, RoomRow
from river_desktop.ui.room_view import search_dialog
from river_desktop.ui.room_view.message_model import ShownMessage
from river_desktop.ui.room_view.view import RoomView, read_marker
from river_desktop.ui.shortcuts import ShortcutsDialog
from river_desktop.ui.status import SAVED_TEXT, SAVING_TEXT, local_only_label
from river_desktop.ui.titles import profile_label, window_title
from river_desktop.ui.window_sync import PendingChanges, WindowSync

if TYPE_CHECKING:
    from river_desktop.ui.app import RiverDesktop

log = logging.getLogger(__name__)

T = TypeVar("T")

PAGE_SIZE = 50


@dataclass
class _Merged:
    """What merging a batch of stored slots changed, plus list rows prepared for those rooms."""

    changed: set[bytes] = field(default_factory=set)
    added: set[bytes] = field(default_factory=set)
    rows: dict[bytes, tuple[RoomData, RoomRow]] = field(default_factory=dict)


def prepare_rows(rooms: Rooms, keys: Iterable[bytes]) -> dict[bytes, tuple[RoomData, RoomRow]]:
    """Room-list rows for ``keys`` (any thread): deriving each identity's key is the costly part."""
    return {k: (rooms.rooms[k], RoomRow.of(rooms.rooms[k], NotificationMode.ALL)) for k in keys if k in rooms.rooms}


def _apply_slots(rooms: Rooms, slots: Mapping[bytes, RoomSlot | None]) -> _Merged:
    """``Rooms.apply_slot`` for each stored slot, noting which rooms changed and which arrived."""
    result = _Merged()
    for key, slot in slots.items():
        was_here = key in rooms.rooms
        if rooms.apply_slot(key, slot):
            result.changed.add(key)
            if not was_here and key in rooms.rooms:
                result.added.add(key)
    return result


def _unchanged_since(now: Rooms, then: Rooms) -> bool:
    """``now`` holds the same rooms (the very objects) and preferences as the earlier copy ``then``."""
    if now.rooms.keys() != then.rooms.keys() or any(now.rooms[k] is not v for k, v in then.rooms.items()):
        return False
    return (now.removed, now.room_order, now.current_room, now.notification_modes) == (
        then.removed,
        then.room_order,
        then.current_room,
        then.notification_modes,
    )


def _adopt(target: Rooms, source: Rooms) -> None:
    """Make ``target`` (this window's copy, which others may hold) show ``source``'s contents."""
    for f in fields(Rooms):
        setattr(target, f.name, getattr(source, f.name))


class LoadState(Enum):
    LOADING = "loading"
    MIGRATING = "migrating"
    READY = "ready"
    FAILED = "failed"


class SaveState(Enum):
    IDLE = "idle"
    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"


class MainWindow(QMainWindow):
    """A window of the app. Created by :meth:`RiverDesktop.open_window`; deletes itself on close."""

    loadStateChanged = Signal(object)
    saveStateChanged = Signal(object)
    currentRoomChanged = Signal(object)
    unreadChanged = Signal(object)
    roomsChanged = Signal()

    def __init__(self, desktop: RiverDesktop, window_id: int, *, initial_room: bytes | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.desktop = desktop
        self.window_id = window_id
        self.controller = desktop.controller
        self.session = self.controller.open_session(f"window-{window_id}")
        self.rooms = Rooms()
        self._initial_room = initial_room
        self._current: bytes | None = None
        self._unread: dict[bytes, int] = {}
        self._row_cache: dict[bytes, tuple[RoomData, RoomRow]] = {}
        self._alive = True
        self._load_state = LoadState.LOADING
        self._save_state = SaveState.IDLE
        self._save_error = ""
        self._saves_in_flight = 0
        self._meta_deferred = False
        self._save_tasks: set[asyncio.Task[None]] = set()
        self._unsent: dict[int, tuple[bytes, AuthorizedMessage]] = {}
        """Posted here (room, message) but not yet in the store: every save carries them with their room, in one
        transaction."""
        self._unread_dirty = False
        self._unread_task: asyncio.Task[None] | None = None
        self._room_token = 0
        self._suppress_selection = 0
        self._dialogs: dict[str, QDialog] = {}
        self._load_issues: tuple[LoadIssue, ...] = ()
        self._context_menu: QMenu | None = None
        self._sync = WindowSync(self.controller, self._apply_changes, self._start_task)
        self._profile_label = profile_label(desktop.profile_dir, default_profile_dir())

        self.model = RoomListModel(self)
        self.model.setObjectName("roomListModel")
        self.proxy = RoomFilterProxy(self)
        self.proxy.setObjectName("roomFilterProxy")
        self.proxy.setSourceModel(self.model)
        self.model.roomMoved.connect(self._on_room_dragged)

        self._build_actions()
        self._build_menus()
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
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.actionNewWindow = self._action(
            "actionNewWindow", "New &Window", self._new_window, "Ctrl+N", "Open another window on the same rooms"
        )
        self.actionCloseWindow = self._action("actionCloseWindow", "&Close Window", self.close, "Ctrl+W")
        self.actionQuit = self._action(
            "actionQuit", "&Quit", self.desktop.request_quit, "Ctrl+Q", "Save everything and quit"
        )
        self.actionQuit.setMenuRole(QAction.MenuRole.QuitRole)
        self.actionCreateRoom = self._action(
            "actionCreateRoom",
            "&Create Room…",
            self.show_create_room_dialog,
            "Ctrl+Shift+N",
            "Create a new room that you own",
        )
        self.actionJoinWithCode = self._action(
            "actionJoinWithCode",
            "&Join with Code…",
            self.show_join_dialog,
            "Ctrl+J",
            "Join a room with an invitation code",
        )
        self.actionInviteMember = self._action(
            "actionInviteMember",
            "&Invite Member…",
            self.show_invite_dialog,
            "Ctrl+I",
            "Create an invitation code for the current room",
        )
        self.actionRenameRoom = self._action(
            "actionRenameRoom",
            "Room &Settings…",
            self.show_edit_room_dialog,
            "F2",
            "Rename the room or change its description",
        )
        self.actionNickname = self._action(
            "actionNickname",
            "Change Nic&kname…",
            self.show_nickname_dialog,
            None,
            "Change the name others see for you in this room",
        )
        self.actionNotifications = self._action(
            "actionNotifications",
            "&Notifications…",
            self.show_notifications_dialog,
            None,
            "Choose which messages of this room notify you",
        )
        self.actionLeaveRoom = self._action(
            "actionLeaveRoom", "&Leave Room…", self.show_leave_dialog, None, "Leave the current room in every window"
        )
        self.actionFindRoom = self._action(
            "actionFindRoom", "&Find Room", self.focus_filter, "Ctrl+K", "Filter the room list"
        )
        self.actionSearch = self._action(
            "actionSearch", "&Search Messages…", self.show_search_dialog, "Ctrl+Shift+F", "Search local history"
        )
        self.actionMoveRoomUp = self._action(
            "actionMoveRoomUp", "Move Room &Up", lambda: self.move_current(-1), "Ctrl+Shift+Up"
        )
        self.actionMoveRoomDown = self._action(
            "actionMoveRoomDown", "Move Room &Down", lambda: self.move_current(1), "Ctrl+Shift+Down"
        )
        self.actionAbout = self._action("actionAbout", "&About River Desktop", self.show_about)
        self.actionAbout.setMenuRole(QAction.MenuRole.AboutRole)
        self.actionShortcuts = self._action("actionShortcuts", "&Keyboard Shortcuts", self.show_shortcuts)
        self.actionShortcuts.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
        self.actionPreferences = self._action(
            "actionPreferences", "&Preferences…", self.show_preferences, "Ctrl+,", "Theme, font size and habits"
        )
        self.actionPreferences.setMenuRole(QAction.MenuRole.PreferencesRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("menuFile")
        file_menu.addAction(self.actionNewWindow)
        file_menu.addAction(self.actionCloseWindow)
        file_menu.addSeparator()
        file_menu.addAction(self.actionQuit)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.setObjectName("menuEdit")
        edit_menu.addAction(self.actionPreferences)
        room_menu = bar.addMenu("&Room")
        room_menu.setObjectName("menuRoom")
        for action in (self.actionCreateRoom, self.actionJoinWithCode):
            room_menu.addAction(action)
        room_menu.addSeparator()
        for action in (self.actionInviteMember, self.actionRenameRoom, self.actionNickname, self.actionNotifications):
            room_menu.addAction(action)
        room_menu.addSeparator()
        room_menu.addAction(self.actionLeaveRoom)
        go_menu = bar.addMenu("&Go")
        go_menu.setObjectName("menuGo")
        self.menuGo = go_menu
        for action in (self.actionFindRoom, self.actionSearch, self.actionMoveRoomUp, self.actionMoveRoomDown):
            go_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.setObjectName("menuHelp")
        help_menu.addAction(self.actionShortcuts)
        help_menu.addAction(self.actionAbout)

    def _build_central(self) -> None:
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("windowStack")

        # loading / migrating page
        self.loadingPage = QWidget(self.stack)
        self.loadingPage.setObjectName("loadingPage")
        loading_layout = QVBoxLayout(self.loadingPage)
        loading_layout.addStretch(1)
        self.loadingLabel = QLabel("Loading your rooms…", self.loadingPage)
        self.loadingLabel.setObjectName("loadingLabel")
        self.loadingLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar(self.loadingPage)
        busy.setObjectName("loadingProgress")
        busy.setRange(0, 0)
        busy.setMaximumWidth(320)
        busy.setTextVisible(False)
        loading_layout.addWidget(self.loadingLabel)
        loading_layout.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        loading_layout.addStretch(2)

        # failed page
        self.failedPage = QWidget(self.stack)
        self.failedPage.setObjectName("loadFailedPage")
        failed_layout = QVBoxLayout(self.failedPage)
        failed_layout.addStretch(1)
        self.loadError = QLabel(self.failedPage)
        self.loadError.setObjectName("loadError")
        self.loadError.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loadError.setWordWrap(True)
        self.loadError.setTextFormat(Qt.TextFormat.PlainText)
        self.loadRetryButton = QPushButton("&Retry", self.failedPage)
        self.loadRetryButton.setObjectName("loadRetry")
        self.loadRetryButton.clicked.connect(self.start)
        failed_layout.addWidget(self.loadError)
        failed_layout.addWidget(self.loadRetryButton, 0, Qt.AlignmentFlag.AlignHCenter)
        failed_layout.addStretch(2)

        # the content
        self.contentPage = QSplitter(Qt.Orientation.Horizontal, self.stack)
        self.contentPage.setObjectName("contentSplitter")
        left = QWidget(self.contentPage)
        left.setObjectName("roomPanel")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        self.roomFilter = QLineEdit(left)
        self.roomFilter.setObjectName("roomFilter")
        self.roomFilter.setPlaceholderText("Find a room (Ctrl+K)")
        self.roomFilter.setClearButtonEnabled(True)
        self.roomFilter.setAccessibleName("Filter rooms")
        self.roomFilter.textChanged.connect(self._on_filter_changed)
        self.roomFilter.returnPressed.connect(self._filter_accepted)
        self.roomFilter.installEventFilter(self)
        self.roomList = RoomListView(left)
        self.roomList.setModel(self.proxy)
        self.roomList.selectionModel().currentChanged.connect(self._on_current_index_changed)
        self.roomList.contextMenuRequested.connect(self._show_context_menu)
        self.roomList.activatedRoom.connect(self._on_room_activated)
        # through the actions, so a profile that cannot be changed (actions disabled) opens neither dialog
        self.roomList.editRequested.connect(lambda _key: self.actionRenameRoom.trigger())
        self.roomList.leaveRequested.connect(lambda _key: self.actionLeaveRoom.trigger())
        self.roomList.moveRequested.connect(self.move_current)
        buttons = QHBoxLayout()
        self.createRoomButton = QPushButton("New Room", left)
        self.createRoomButton.setObjectName("createRoomButton")
        self.createRoomButton.clicked.connect(self.actionCreateRoom.trigger)
        self.joinButton = QPushButton("Join…", left)
        self.joinButton.setObjectName("joinButton")
        self.joinButton.clicked.connect(self.actionJoinWithCode.trigger)
        buttons.addWidget(self.createRoomButton)
        buttons.addWidget(self.joinButton)
        left_layout.addWidget(self.roomFilter)
        left_layout.addWidget(self.roomList, 1)
        self.archiveToggle = room_sections.ArchiveToggle(left)
        self.archiveToggle.toggled.connect(self.proxy.set_show_archive)
        left_layout.addWidget(self.archiveToggle)
        left_layout.addLayout(buttons)

        self.roomView = RoomView(self.contentPage)
        self._composer_placeholder = self.roomView.composer.placeholderText()
        self.roomView.send_requested.connect(self._on_send_requested)
        self.roomView.older_requested.connect(self._on_older_requested)
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
        status = self.statusBar()
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
        self.saveRetryButton.clicked.connect(self.retry_save)
        self.saveRetryButton.hide()
        status.addPermanentWidget(self.issuesLabel)
        status.addPermanentWidget(self.saveStatus)
        status.addPermanentWidget(self.saveRetryButton)
        status.addPermanentWidget(local_only_label(status))

    # ------------------------------------------------------------------ state properties

    @property
    def load_state(self) -> LoadState:
        return self._load_state

    @property
    def save_state(self) -> SaveState:
        return self._save_state

    @property
    def save_error(self) -> str:
        return self._save_error

    @property
    def is_loaded(self) -> bool:
        return self._load_state is LoadState.READY

    @property
    def is_alive(self) -> bool:
        return self._alive

    @property
    def current_room(self) -> bytes | None:
        return self._current

    @property
    def unread(self) -> dict[bytes, int]:
        return dict(self._unread)

    @property
    def live_sync(self) -> WindowSync:
        """This window's live-sync helper (``pause()`` / ``resume()`` hold back and release other writers' changes)."""
        return self._sync

    @property
    def load_issues(self) -> tuple[LoadIssue, ...]:
        return self._load_issues

    def room_names(self) -> list[str]:
        """The rooms as this window's list shows them, in order (for tests and the self-test)."""
        return [row.display_name for row in self.model.rows()]

    def saving_idle(self) -> bool:
        return not self._save_tasks

    # ------------------------------------------------------------------ task helpers

    def _start_task(self, coro: Awaitable[T]) -> asyncio.Task[T]:
        return self.desktop.track(coro)

    # ------------------------------------------------------------------ load

    def start(self) -> None:
        """Begin (or retry) loading this window's copy of the rooms."""
        self._sync.start()
        self._start_task(self._load())

    async def _load(self) -> None:
        self._set_load_state(LoadState.LOADING)
        try:
            store = self.controller.store

            def will_migrate() -> bool:
                # only the migration markers decide it (listing every key would list every message)
                markers = [k for k in (LEGACY_BLOB_KEY, MIGRATION_DONE_KEY) if store.get(k) is not None]
                return reconcile.plan_load(markers).kind is reconcile.LoadKind.MIGRATE

            if await self.controller.run(will_migrate):
                if not self._alive:
                    return
                self._set_load_state(LoadState.MIGRATING)
            if not self._alive:
                return
            result = await self.controller.load_with_report(self.session)
        except Exception as exc:  # shown on the failed page with Retry; unexpected ones logged with a traceback
            if isinstance(exc, StorageError | OSError):
                log.warning("window %d: loading failed: %s", self.window_id, exc)
            else:
                log.exception("window %d: loading failed unexpectedly", self.window_id)
            if self._alive:
                self.loadError.setText(f"Your rooms could not be loaded.\n\n{exc}")
                self._set_load_state(LoadState.FAILED)
            return
        if not self._alive:
            return
        # the list's rows need every identity's public key: derive them here, not on the GUI thread
        rows = await self.controller.run(lambda: prepare_rows(result.rooms, result.rooms.rooms))
        if not self._alive:
            return
        self._row_cache = rows
        self.rooms = result.rooms
        self._load_issues = result.issues
        self._show_issues()
        if result.migrated:
            self.statusBar().showMessage("Your rooms were moved to the new storage format.", 8000)
        initial = self._initial_room if self._initial_room in self.rooms.rooms else self.rooms.current_room
        if initial not in self.rooms.rooms:
            keys = self.rooms.ordered_keys()
            initial = keys[0] if keys else None
        self._set_load_state(LoadState.READY)
        self._wake_archived()
        if len(self.desktop.windows) == 1:  # drafts of rooms left while no window was open (the CLI)
            self.drafts.forget(self.desktop.settings.draft_rooms() - self.rooms.rooms.keys())
        self.refresh()
        shown = self.open_room(initial, save=False, focus=True)
        self._sync.resume()
        if shown is not None:
            # The first room's messages before the badges: counting every room's unread messages keeps
            # the storage thread busy (in Python) for a while, and the GUI thread shares the interpreter.
            await asyncio.wait([shown])
            if not self._alive:
                return
        self.request_unread()

    def _set_load_state(self, state: LoadState) -> None:
        self._load_state = state
        if state is LoadState.LOADING:
            self.loadingLabel.setText("Loading your rooms…")
            self.stack.setCurrentWidget(self.loadingPage)
        elif state is LoadState.MIGRATING:
            self.loadingLabel.setText("Moving your rooms to the new storage format…\nThis happens once.")
            self.stack.setCurrentWidget(self.loadingPage)
        elif state is LoadState.FAILED:
            self.stack.setCurrentWidget(self.failedPage)
        else:
            self.stack.setCurrentWidget(self.contentPage)
        self._update_actions()
        self.loadStateChanged.emit(state)

    def _show_issues(self) -> None:
        issues = self._load_issues
        if not issues:
            self.issuesLabel.hide()
            return
        self.issuesLabel.setText(f"⚠ {len(issues)} item{'s' if len(issues) != 1 else ''} could not be read")
        self.issuesLabel.setToolTip("\n".join(f"{issue.key}: {issue.reason}" for issue in issues))
        self.issuesLabel.show()

    # ------------------------------------------------------------------ the model and the current room

    def refresh(self) -> None:
        """Bring the list, the selection, the room view, title and actions in line with ``self.rooms``."""
        if not self._alive:
            return
        rows = self._rows()
        self._suppress_selection += 1
        try:
            headers = [r.header for r in self.model.rows() if r.header]
            self.model.set_rows(rows)
            self._show_sections(rows, headers)
        finally:
            self._suppress_selection -= 1
        current = self._current
        if current is not None and current not in self.rooms.rooms:
            self.roomView.forget_draft(current)
            self._current = None
            self._room_token += 1
            self.roomView.show_room(None)
            self.currentRoomChanged.emit(None)
        elif current is not None:
            room = self.rooms.rooms[current]
            if self.roomView.current_room() is not room:
                self.roomView.update_room(room)
        self._sync_selection()
        self._update_actions()
        self._update_title()
        join = self._dialogs.get("AcceptInvitationDialog")
        if isinstance(join, AcceptInvitationDialog):
            join.set_rooms(self.rooms)
        self.roomsChanged.emit()

    def _rows(self) -> list[RoomRow]:
        """The list's rows for ``self.rooms``; a room's row is computed once per ``RoomData`` (cached)."""
        cache = self._row_cache
        rooms = self.rooms.rooms
        unread = self._unread
        out: list[RoomRow] = []
        for key, section, header in room_sections.section_rows(self.rooms):
            room = rooms[key]
            hit = cache.get(key)
            if hit is None or hit[0] is not room:
                hit = (room, RoomRow.of(room, NotificationMode.ALL))
                cache[key] = hit
            row = hit[1]
            mode, count = self.rooms.notification_mode(key), unread.get(key, 0)
            same = row.mode is mode and row.unread == count and row.section is section and row.header == header
            out.append(row if same else replace(row, mode=mode, unread=count, section=section, header=header))
        if len(cache) > len(rooms):
            for key in [k for k in cache if k not in rooms]:
                del cache[key]
        return out

    def _show_sections(self, rows: list[RoomRow], old_headers: list[str]) -> None:
        """Section headers make rows of two heights: uniform sizes only without them, and a relayout when they move."""
        headers = [r.header for r in rows if r.header]
        self.roomList.setUniformItemSizes(not headers)
        if headers != old_headers:
            self.roomList.doItemsLayout()
        self.archiveToggle.set_count(sum(r.section is room_sections.RoomSection.ARCHIVE for r in rows))

    def change_marks(self, change: Callable[[], object]) -> bool:
        """Pin, unpin, archive or unarchive (our fields in rooms_meta): shown at once, then saved."""
        return self._mutate(change)

    def _wake_archived(self) -> bool:
        """Rooms a new message brings back from the Archive (each room's choice); saved like a user's unarchive."""
        woken = bool(self.rooms.wake_archived())
        if woken and self.controller.health.writable:
            self.schedule_save()
        return woken

    def _sync_selection(self) -> None:
        index = self.proxy.index_of(self._current)
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
        if key is not None and key != self._current:
            # arrow keys in the list keep the focus there; a click or any other way in goes to the composer
            clicked = QApplication.mouseButtons() != Qt.MouseButton.NoButton
            self.open_room(key, focus=clicked or not self.roomList.hasFocus())

    def shown_room_keys(self) -> list[bytes]:
        """The rooms in the order the list shows them (the filter applied)."""
        keys = (self.proxy.key_at(self.proxy.index(row, 0)) for row in range(self.proxy.rowCount()))
        return [key for key in keys if key is not None]

    def mark_current_read(self) -> asyncio.Task[None] | None:
        """Esc: everything in the current room is read, up to its newest stored message (in every window)."""
        key = self._current
        if key is None or key not in self.rooms.rooms or not self.controller.health.writable:
            return None
        return self._start_task(self._mark_read(key))

    async def _mark_read(self, key: bytes) -> None:
        try:
            newest = await self.controller.read_messages(key, limit=1)
        except StorageError as exc:
            self._report_error(f"Messages could not be read: {exc}")
            return
        room = self.rooms.rooms.get(key)
        if room is None:
            return
        known = [*newest, *room.room_state.recent_messages]
        if known and self.rooms.mark_read(key, max(known, key=lambda m: m.order_key)) is not room:
            self.schedule_save()
            self.request_unread()

    def select_room(self, key: bytes | None) -> None:
        """Make ``key`` the current room of this window (as if the user clicked it)."""
        self.open_room(key)

    def open_room(self, key: bytes | None, *, save: bool = True, focus: bool = False) -> asyncio.Task[None] | None:
        """Make ``key`` current (``focus``: then the composer); returns the task that shows its newest messages."""
        if key is not None and key not in self.rooms.rooms:
            key = None
        changed = key != self._current
        self._current = key
        self._room_token += 1
        token = self._room_token
        if changed and self.rooms.current_room != key:
            self.rooms.current_room = key
            if save:
                self.schedule_save()
        self._sync_selection()
        self._update_actions()
        self._update_title()
        if changed:
            self.currentRoomChanged.emit(key)
        if key is None:
            self.roomView.show_room(None)
            return None
        return self._start_task(self._show_room_messages(key, token, focus))

    async def _show_room_messages(self, key: bytes, token: int, focus: bool = False) -> None:
        try:
            messages = await self.controller.read_messages(key, limit=PAGE_SIZE)
        except StorageError as exc:
            messages = []
            self._report_error(f"Messages could not be read: {exc}")
        if not self._alive or token != self._room_token or key not in self.rooms.rooms:
            return
        with self.drafts.showing(key):
            self.roomView.show_room(self.rooms.rooms[key], messages)
        self.roomView.set_older_available(len(messages) >= PAGE_SIZE)
        if focus:
            self.roomView.composer.setFocus(Qt.FocusReason.OtherFocusReason)

    async def _load_newest_messages(self, key: bytes) -> None:
        token = self._room_token
        messages = await self.controller.read_messages(key, limit=PAGE_SIZE)
        if not self._alive or token != self._room_token or key != self._current or key not in self.rooms.rooms:
            return
        if self.roomView.current_room_key() == key:
            self.roomView.add_messages(messages)

    def _on_older_requested(self) -> None:
        key = self._current
        if key is None:
            return
        oldest = self.roomView.oldest_loaded()
        before = ReadMarker.of(oldest) if oldest is not None else None
        self._start_task(self._load_older(key, before, self._room_token))

    async def _load_older(self, key: bytes, before: ReadMarker | None, token: int) -> None:
        try:
            messages = await self.controller.read_messages(key, before=before, limit=PAGE_SIZE)
        except StorageError as exc:
            self._report_error(f"Older messages could not be read: {exc}")
            messages = []
        if not self._alive or token != self._room_token:
            return
        self.roomView.prepend_older(messages)
        if len(messages) < PAGE_SIZE:
            self.roomView.set_older_available(False)

    def _on_message_read(self, message: ShownMessage) -> None:
        key = message.room
        if key not in self.rooms.rooms:
            return
        before = self.rooms.rooms[key]
        after = self.rooms.mark_read(key, read_marker(message))
        if after is not before:
            self.schedule_save()
            self.request_unread()

    def _update_title(self) -> None:
        room = self.rooms.rooms.get(self._current) if self._current is not None else None
        name = None if room is None else room.name
        self.setWindowTitle(window_title(name, waiting=room is not None, profile=self._profile_label))

    def _on_health(self, health: StoreHealth) -> None:
        """The profile stopped accepting changes: say so here and offer only what cannot change anything."""
        if not self._alive:
            return
        self.healthBanner.show_health(health)
        self._update_actions()
        self._set_save_state(self._save_state)

    def _update_actions(self) -> None:
        ready = self._load_state is LoadState.READY
        writable = self.controller.health.writable
        room = self.rooms.rooms.get(self._current) if self._current is not None else None
        self.actionFindRoom.setEnabled(ready)
        self.actionInviteMember.setEnabled(ready and room is not None)  # shows a code; writes nothing
        for action in (self.actionCreateRoom, self.actionJoinWithCode):
            action.setEnabled(ready and writable)
        for action in (self.actionRenameRoom, self.actionNickname, self.actionNotifications, self.actionLeaveRoom):
            action.setEnabled(ready and writable and room is not None)
        reorder = ready and writable and room is not None and not self.proxy.is_filtering
        self.actionMoveRoomUp.setEnabled(reorder)
        self.actionMoveRoomDown.setEnabled(reorder)
        if hasattr(self, "navigation"):
            self.navigation.set_enabled(ready)
            self.navigation.actionMarkRead.setEnabled(ready and writable and room is not None)
        self.roomList.set_reorder_enabled(writable and not self.proxy.is_filtering)
        self.createRoomButton.setEnabled(ready and writable)
        self.joinButton.setEnabled(ready and writable)
        self.roomView.set_changes_allowed(writable)
        composer = self.roomView.composer
        composer.setReadOnly(not writable)
        composer.setPlaceholderText(self._composer_placeholder if writable else NOTHING_CAN_BE_POSTED)
        self.roomFeatures.update_actions(ready=ready, writable=writable, room=room)

    # ------------------------------------------------------------------ filter and keyboard

    def focus_filter(self) -> None:
        self.roomFilter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.roomFilter.selectAll()

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
        index = self.proxy.index_of(self._current)
        if not index.isValid():
            index = self.proxy.index(0, 0)
        self.roomList.setFocus(Qt.FocusReason.OtherFocusReason)
        key = self.proxy.key_at(index)
        if key is not None:
            self.open_room(key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.roomFilter and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.roomFilter.clear()
                self.roomList.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            if event.key() == Qt.Key.Key_Down:
                self._filter_accepted()
                return True
        return super().eventFilter(watched, event)

    def _on_room_activated(self, key: bytes) -> None:
        self.open_room(key, focus=True)

    # ------------------------------------------------------------------ mutations

    def create_room(self, name: str, nickname: str, *, private: bool = False) -> RoomData | None:
        try:
            room = self.rooms.create_room(name, nickname, private=private)
        except RoomsError as exc:
            self._report_error(str(exc))
            return None
        self.rooms.move_room_to_end(room.owner_vk)  # a new room goes to the bottom of the list
        self.refresh()
        self.open_room(room.owner_vk, save=False, focus=True)
        self.schedule_save()
        return room

    def accept_invitation(self, invitation: Invitation, nickname: str) -> RoomData | None:
        """Join (or explicitly rejoin) the invitation's room; the rejoin mark is set before the save."""
        try:
            room = self.rooms.accept_invitation(invitation, nickname)
        except RoomsError as exc:
            self._report_error(str(exc))
            return None
        self.controller.mark_room_rejoined(self.session, room.owner_vk)
        self.rooms.move_room_to_end(room.owner_vk)
        self.refresh()
        self.open_room(room.owner_vk, save=False, focus=True)
        self.schedule_save()
        return room

    def _mutate(self, change: Callable[[], object], *, unread: bool = False) -> bool:
        """Apply one model change; report a refusal, else show it and queue a save."""
        try:
            change()
        except RoomsError as exc:
            self._report_error(str(exc))
            return False
        self.refresh()
        if unread:
            self.request_unread()
        self.schedule_save()
        return True

    def rename_room(self, key: bytes, name: str, description: str | None = None) -> bool:
        return self._mutate(lambda: self.rooms.rename(key, name, description))

    def set_nickname(self, key: bytes, nickname: str) -> bool:
        return self._mutate(lambda: self.rooms.set_nickname(key, nickname))

    def set_notification_mode(self, key: bytes, mode: NotificationMode) -> bool:
        return self._mutate(lambda: self.rooms.set_notification_mode(key, mode), unread=True)

    def leave_room(self, key: bytes) -> bool:
        left = self._mutate(lambda: self.controller.leave_room(self.session, self.rooms, key))
        if left:
            self.drafts.forget([key])
        return left

    def move_room(self, key: bytes, before: bytes | None) -> None:
        """Put ``key`` before ``before`` (None: at the end), as a drop does."""
        room_sections.place(self.rooms, key, before)
        self.refresh()
        self.schedule_save()

    def move_current(self, delta: int) -> None:
        key = self._current
        if key is None or self.proxy.is_filtering or self._load_state is not LoadState.READY:
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
        room_sections.place(self.rooms, key, before)
        self.refresh()
        self.schedule_save()

    def post_message(self, text: str, reply_to: int | None = None) -> AuthorizedMessage | None:
        """Post to the current room; the new state shows it at once, the save writes it to the history."""
        return self._post(lambda key: self.rooms.post_message(key, text, reply_to=reply_to))

    def edit_message(self, message_id: int, text: str) -> AuthorizedMessage | None:
        return self._post(lambda key: self.rooms.edit_message(key, message_id, text))

    def delete_message(self, message_id: int) -> AuthorizedMessage | None:
        return self._post(lambda key: self.rooms.delete_message(key, message_id))

    def react(self, message_id: int, emoji: str) -> AuthorizedMessage | None:
        return self._post(lambda key: self.rooms.react(key, message_id, emoji))

    def unreact(self, message_id: int, emoji: str) -> AuthorizedMessage | None:
        return self._post(lambda key: self.rooms.unreact(key, message_id, emoji))

    def _post(self, op: Callable[[bytes], AuthorizedMessage]) -> AuthorizedMessage | None:
        """One River message (a text, a reply or an action) into the current room, shown and saved."""
        key = self._current
        if key is None:
            return None
        if not self.controller.health.writable:
            self._report_error(f"Not posted: {self.controller.health.problem}")
            return None
        try:
            message = op(key)
        except RoomsError as exc:
            self._report_error(str(exc))
            return None
        self.refresh()
        self._unsent[message.id] = (key, message)
        self.schedule_save()
        return message

    def _on_send_requested(self, text: str) -> None:
        self.post_message(text, reply_to=self.roomView.reply_to_id())

    # ------------------------------------------------------------------ saving

    def schedule_save(self) -> None:
        """Persist this window's copy (coalesced by the controller) and show the outcome."""
        self._saves_in_flight += 1
        self._set_save_state(SaveState.SAVING)
        task = self.desktop.track(self._save(), save=True)
        self._save_tasks.add(task)
        task.add_done_callback(self._save_tasks.discard)

    def retry_save(self) -> None:
        self.schedule_save()

    async def flush(self) -> None:
        """Wait until every save this window started has finished."""
        while self._save_tasks:
            await asyncio.gather(*list(self._save_tasks), return_exceptions=True)

    @property
    def unsent_messages(self) -> list[AuthorizedMessage]:
        """Messages posted in this window that no save has stored yet (Retry stores them, once each)."""
        return [message for _room, message in self._unsent.values()]

    def _drop_unsent_of_left_rooms(self) -> None:
        """A room left here or elsewhere takes no posts: its unsent messages would be carried forever."""
        for message_id, (room, _message) in list(self._unsent.items()):
            if room not in self.rooms.rooms:
                del self._unsent[message_id]
                log.info("window %d: an unsent message was dropped with its left room", self.window_id)

    async def _save(self) -> None:
        report: SaveReport | None = None
        error = ""
        try:
            # A post and the room it changes are saved together or not at all; a message that did not land
            # stays unsent and goes with the next save under the same id, so a retry can never post it twice.
            report = await self.controller.save(self.session, self.rooms, messages=self.unsent_messages)
            for message_id in report.messages_stored:
                self._unsent.pop(message_id, None)
            self._drop_unsent_of_left_rooms()
        except (StorageError, OSError, RuntimeError) as exc:
            error = str(exc) or type(exc).__name__
            log.warning("window %d: save failed: %s", self.window_id, error)
        finally:
            self._saves_in_flight -= 1
        if not self._alive:
            return
        if report is not None:
            self._apply_report(report)
            if not report.ok:
                error = report.summary()
        if error:
            self._save_error = error
            self._set_save_state(SaveState.FAILED)
        elif self._saves_in_flight == 0:
            self._save_error = ""
            self._set_save_state(SaveState.SAVED)
            if self._meta_deferred:
                self._meta_deferred = False
                self._sync.mark(meta=True)

    def _local_changes_pending(self) -> bool:
        """This window has changes that are not in the store yet (a save running, or a failed one)."""
        return self._saves_in_flight > 0 or self._save_state is SaveState.FAILED

    def _apply_report(self, report: SaveReport) -> None:
        changed = False
        for key, result in report.rooms.items():
            if result.outcome is RoomOutcome.ADOPTED_LEAVE and result.slot is not None:
                name = self.rooms.rooms[key].name if key in self.rooms.rooms else room_label(key)
                if self.rooms.apply_slot(key, result.slot):
                    changed = True
                    self.statusBar().showMessage(f"“{name}” was left in another window.", 6000)
            elif result.outcome is RoomOutcome.REJOINED_ELSEWHERE and result.slot is not None:
                changed = self.rooms.apply_slot(key, result.slot) or changed
        if changed:
            self.refresh()
            self.request_unread()

    def _set_save_state(self, state: SaveState) -> None:
        if state is SaveState.SAVING and self._save_state is SaveState.FAILED:
            text = f"{SAVING_TEXT} (the last save failed: {self._save_error})"
        elif state is SaveState.SAVING:
            text = SAVING_TEXT
        elif state is SaveState.SAVED:
            text = SAVED_TEXT
        elif state is SaveState.FAILED:
            text = f"Save failed: {self._save_error}"
        else:
            text = ""
        self._save_state = state
        self.saveStatus.setText(text)
        self.saveStatus.setToolTip(self._save_error if state is SaveState.FAILED else "")
        self.saveStatus.setProperty("state", state.value)
        # Retry cannot help a profile that takes no writes; the banner says what can.
        self.saveRetryButton.setVisible(state is SaveState.FAILED and self.controller.health.writable)
        self.saveStateChanged.emit(self._save_state)

    # ------------------------------------------------------------------ live sync

    async def _apply_changes(self, batch: PendingChanges) -> None:
        if not self._alive or self._load_state is not LoadState.READY:
            return
        changed = False
        modes_changed = False
        issues: list[LoadIssue] = []
        try:
            if batch.keys:
                await self.controller.run(batch.resolve)
                if not self._alive:
                    return
            if batch.rooms:
                slots = await self.controller.read_slots(batch.rooms)
                if not self._alive:
                    return
                issues = [slot for slot in slots.values() if isinstance(slot, LoadIssue)]
                merged = await self._merge_slots(
                    {k: slot for k, slot in slots.items() if not isinstance(slot, LoadIssue)}
                )
                if merged is None:
                    return
                changed = bool(merged.changed)
                if merged.added:
                    batch.meta = True  # place a room that just arrived where the stored order puts it
            if batch.meta and self._local_changes_pending():
                # Our own unsaved order / modes would be overwritten by the stored (older) preferences;
                # re-read them once our saves are done (the save merges ours into the store first).
                self._meta_deferred = True
            elif batch.meta:
                meta = await self.controller.read_meta()
                if not self._alive:
                    return
                if self._local_changes_pending():
                    self._meta_deferred = True
                elif meta is not None:
                    before = (dict(self.rooms.notification_modes), self.rooms.ordered_keys(), self.rooms.sections())
                    self.rooms.apply_meta(meta, keep_current_room=True)
                    self.controller.note_meta_adopted(self.session, meta)
                    after = (dict(self.rooms.notification_modes), self.rooms.ordered_keys(), self.rooms.sections())
                    if before != after:
                        changed = True
                        modes_changed = before[0] != after[0]
            if batch.rooms and self.rooms.archived:
                changed = self._wake_archived() or changed
            if changed:
                self.refresh()
            if self._current is not None and self._current in batch.message_rooms:
                await self._load_newest_messages(self._current)
        except StorageError as exc:
            log.warning("window %d: live update failed: %s", self.window_id, exc)
            self._report_error(f"Live update failed: {exc}")
            return
        if issues and self._alive:
            known = {issue.key for issue in self._load_issues}
            self._load_issues = self._load_issues + tuple(i for i in issues if i.key not in known)
            self._show_issues()
        if self._alive and (changed or modes_changed or batch.message_rooms):
            self.request_unread()

    async def _merge_slots(self, slots: Mapping[bytes, RoomSlot | None]) -> _Merged | None:
        """Merge stored slots into this window's copy by ``Rooms.apply_slot`` — on the storage thread.

        Merging verifies signatures and derives keys (about a millisecond a room), so it runs on a
        copy off the GUI thread; the result is adopted only if this window's copy did not change
        meanwhile (otherwise the merge is redone on a fresh copy). None when the window closed.
        """
        for _attempt in range(3):
            before = self.rooms.copy()
            work = before.copy()

            def merge(work: Rooms = work) -> _Merged:
                result = _apply_slots(work, slots)
                result.rows = prepare_rows(work, result.changed)
                return result

            merged = await self.controller.run(merge)
            if not self._alive:
                return None
            if _unchanged_since(self.rooms, before):
                _adopt(self.rooms, work)
                self._row_cache.update(merged.rows)
                return merged
        # this window kept changing its copy: merge here (rare; costs GUI time but never loses data)
        return _apply_slots(self.rooms, slots)

    # ------------------------------------------------------------------ unread badges

    def request_unread(self) -> None:
        """Recompute unread counts off the GUI thread (coalesced)."""
        if not self._alive or self._load_state is not LoadState.READY:
            return
        self._unread_dirty = True
        if self._unread_task is None or self._unread_task.done():
            self._unread_task = self._start_task(self._unread_loop())

    async def _unread_loop(self) -> None:
        while self._unread_dirty and self._alive:
            self._unread_dirty = False
            try:
                counts = await self.controller.unread_counts(self.rooms)
            except StorageError as exc:
                log.warning("window %d: unread counts failed: %s", self.window_id, exc)
                return
            if not self._alive:
                return
            self._unread = {k: v for k, v in counts.items() if k in self.rooms.rooms}
            self.model.set_unread(self._unread)
            self.unreadChanged.emit(dict(self._unread))

    # ------------------------------------------------------------------ dialogs

    def _open_dialog(self, dialog: QDialog, on_accept: Callable[[QDialog], object] | None = None) -> QDialog:
        """Show ``dialog`` window-modal without a nested event loop; one per kind, raised if already open."""
        name = dialog.objectName() or type(dialog).__name__
        existing = self._dialogs.get(name)
        if existing is not None:
            dialog.deleteLater()
            existing.raise_()
            existing.activateWindow()
            return existing
        self._dialogs[name] = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if on_accept is not None:
            dialog.accepted.connect(lambda: on_accept(dialog))
        dialog.finished.connect(lambda _result: self._dialogs.pop(name, None))
        dialog.open()
        return dialog

    def show_search_dialog(self) -> None:
        """Search this room or all rooms (search_dialog.py); the chosen result opens with its context."""
        if self._load_state is not LoadState.READY:
            return
        dialog = search_dialog.SearchDialog(self.controller.search, self._describe_hit, self._current, self)
        if self._open_dialog(dialog) is dialog:
            dialog.message_chosen.connect(lambda hit: self._start_task(self.jump_to_message(hit.room, hit.message_id)))

    def _describe_hit(self, hit: SearchHit) -> tuple[str, str, str]:
        room = self.rooms.rooms.get(hit.room)
        if room is None:
            return ("(left room)", member_id_display(hit.author), hit.text)
        return (room.name, room.nickname_of(hit.author), plain_text(room.room_state, hit.text, room.keyring))

    async def jump_to_message(self, room: bytes, message_id: int) -> bool:
        """Open ``room`` and page its history back to ``message_id``, selected with its context."""
        shown = self.open_room(room)
        if shown is None:
            return False
        await shown

        async def older(key: bytes, before: ReadMarker, limit: int) -> list[AuthorizedMessage]:
            return await self.controller.read_messages(key, before=before, limit=limit)

        return await search_dialog.page_to_message(self.roomView, older, room, message_id)

    def dialog(self, name: str) -> QDialog | None:
        """The open dialog of that kind (objectName), if any."""
        return self._dialogs.get(name)

    def _current_room_data(self) -> RoomData | None:
        return self.rooms.rooms.get(self._current) if self._current is not None else None

    def show_create_room_dialog(self) -> None:
        if self._load_state is not LoadState.READY:
            return

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, CreateRoomDialog)
            self.create_room(dialog.room_name(), dialog.nickname(), private=dialog.is_private())

        dialog = CreateRoomDialog(self)
        dialog.nicknameEdit.setText(self.desktop.preferences.value.default_nickname)
        self._open_dialog(dialog, accepted)

    def show_join_dialog(self) -> None:
        if self._load_state is not LoadState.READY:
            return
        dialog = AcceptInvitationDialog(self.rooms, self)
        dialog.nicknameEdit.setText(self.desktop.preferences.value.default_nickname)
        shown = self._open_dialog(dialog)
        if shown is dialog:
            dialog.invitation_accepted.connect(self._on_invitation_accepted)

    def _on_invitation_accepted(self, invitation: object, nickname: str) -> None:
        if isinstance(invitation, Invitation):
            self.accept_invitation(invitation, nickname)

    def show_invite_dialog(self) -> None:
        room = self._current_room_data()
        if room is None:
            return
        self._start_task(self._invite(room))

    async def _invite(self, room: RoomData) -> None:
        secrets = list(room.invitation_secrets.items())
        try:
            code = await self.controller.run(
                lambda: Invitation.create(room.owner_vk, room.self_identity.seed, room_secrets=secrets).encode()
            )
        except (InvitationError, StorageError) as exc:
            self._report_error(f"Could not create an invitation: {exc}")
            return
        if self._alive:
            self._open_dialog(InviteMemberDialog(code, room.name, self))

    def show_edit_room_dialog(self) -> None:
        room = self._current_room_data()
        if room is None:
            return
        key = room.owner_vk

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, EditRoomDialog)
            name, description = dialog.values()
            self.rename_room(key, name, description)

        self._open_dialog(EditRoomDialog(room, self), accepted)

    def show_nickname_dialog(self) -> None:
        room = self._current_room_data()
        if room is None:
            return
        key = room.owner_vk
        current = room.self_nickname or ""
        if not room.waiting:
            shown = nickname_of(room.room_state, room.self_member_id, room.keyring)
            if shown is not None and shown.text:
                current = shown.text

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, NicknameDialog)
            self.set_nickname(key, dialog.nickname())

        self._open_dialog(NicknameDialog(current, self), accepted)

    def show_notifications_dialog(self) -> None:
        room = self._current_room_data()
        if room is None:
            return
        key = room.owner_vk

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, NotificationsDialog)
            self.set_notification_mode(key, dialog.mode())

        self._open_dialog(NotificationsDialog(self.rooms.notification_mode(key), self), accepted)

    def show_leave_dialog(self) -> None:
        room = self._current_room_data()
        if room is None:
            return
        key = room.owner_vk
        self._open_dialog(LeaveRoomDialog(room.name, room.is_owner, self), lambda _dialog: self.leave_room(key))

    def show_about(self) -> None:
        profile = self.controller.profile
        data_dir = str(profile.path) if profile is not None else "(in memory)"
        self._open_dialog(AboutDialog(data_dir, self.desktop.log_dir, self))

    def show_preferences(self) -> None:
        self._open_dialog(PreferencesDialog(self.desktop.preferences, self))

    def show_shortcuts(self) -> None:
        self._open_dialog(ShortcutsDialog(self.findChildren(QAction), self))

    def _show_context_menu(self, key: object, pos: QPoint) -> None:
        if isinstance(key, bytes) and key != self._current:
            self.open_room(key)
        menu = QMenu(self)
        menu.setObjectName("roomContextMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in (self.actionRenameRoom, self.actionNickname, self.actionNotifications, self.actionInviteMember):
            menu.addAction(action)
        menu.addSeparator()
        room_key = key if isinstance(key, bytes) else None
        room_sections.add_mark_actions(menu, self.rooms, room_key, self.actionLeaveRoom.isEnabled(), self.change_marks)
        menu.addSeparator()
        menu.addAction(self.actionLeaveRoom)
        menu.addSeparator()
        menu.addAction(self.actionCreateRoom)
        menu.addAction(self.actionJoinWithCode)
        self._context_menu = menu
        menu.popup(pos)

    def _report_error(self, message: str) -> None:
        """A user-facing error that is not a save failure: logged and shown in the status bar."""
        log.warning("window %d: %s", self.window_id, message)
        if self._alive:
            self.statusBar().showMessage(message, 10000)

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
        for dialog in list(self._dialogs.values()):
            dialog.close()
        self.desktop.window_closing(self)
        self._alive = False
        self._sync.stop()
        event.accept()
        super().closeEvent(event)


__all__ = ["LoadState", "MainWindow", "SaveState"]
