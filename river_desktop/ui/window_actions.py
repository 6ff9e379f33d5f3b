"""The window's actions, its menu bar and the room list's context menu.

Every command is one ``QAction`` with an objectName, added to the window so its shortcut works
anywhere in it; the menus, the context menu and the shortcut list all show these same actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from river_desktop.ui import room_sections
from river_desktop.ui.health_banner import NOTHING_CAN_BE_POSTED
from river_desktop.ui.window_state import LoadState

if TYPE_CHECKING:
    from river_desktop.ui.main_window import MainWindow


def make_action(
    window: MainWindow,
    name: str,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | str | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_actions(w: MainWindow) -> None:
    dialogs = w.dialog_flows
    a = w._action
    w.actionNewWindow = a(
        "actionNewWindow", "New &Window", w._new_window, "Ctrl+N", "Open another window on the same rooms"
    )
    w.actionCloseWindow = a("actionCloseWindow", "&Close Window", w.close, "Ctrl+W")
    w.actionQuit = a("actionQuit", "&Quit", w.desktop.request_quit, "Ctrl+Q", "Save everything and quit")
    w.actionQuit.setMenuRole(QAction.MenuRole.QuitRole)
    w.actionCreateRoom = a(
        "actionCreateRoom",
        "&Create Room…",
        dialogs.show_create_room_dialog,
        "Ctrl+Shift+N",
        "Create a new room that you own",
    )
    w.actionJoinWithCode = a(
        "actionJoinWithCode",
        "&Join with Code…",
        dialogs.show_join_dialog,
        "Ctrl+J",
        "Join a room with an invitation code",
    )
    w.actionInviteMember = a(
        "actionInviteMember",
        "&Invite Member…",
        dialogs.show_invite_dialog,
        "Ctrl+I",
        "Create an invitation code for the current room",
    )
    w.actionRenameRoom = a(
        "actionRenameRoom",
        "Room &Settings…",
        dialogs.show_edit_room_dialog,
        "F2",
        "Rename the room or change its description",
    )
    w.actionNickname = a(
        "actionNickname",
        "Change Nic&kname…",
        dialogs.show_nickname_dialog,
        None,
        "Change the name others see for you in this room",
    )
    w.actionNotifications = a(
        "actionNotifications",
        "&Notifications…",
        dialogs.show_notifications_dialog,
        None,
        "Choose which messages of this room notify you",
    )
    w.actionLeaveRoom = a(
        "actionLeaveRoom", "&Leave Room…", dialogs.show_leave_dialog, None, "Leave the current room in every window"
    )
    w.actionFindRoom = a("actionFindRoom", "&Find Room", w.focus_filter, "Ctrl+K", "Filter the room list")
    w.actionSearch = a(
        "actionSearch", "&Search Messages…", dialogs.show_search_dialog, "Ctrl+Shift+F", "Search local history"
    )
    w.actionMoveRoomUp = a("actionMoveRoomUp", "Move Room &Up", lambda: w.move_current(-1), "Ctrl+Shift+Up")
    w.actionMoveRoomDown = a("actionMoveRoomDown", "Move Room &Down", lambda: w.move_current(1), "Ctrl+Shift+Down")
    w.actionAbout = a("actionAbout", "&About River Desktop", dialogs.show_about)
    w.actionAbout.setMenuRole(QAction.MenuRole.AboutRole)
    w.actionShortcuts = a("actionShortcuts", "&Keyboard Shortcuts", dialogs.show_shortcuts)
    w.actionShortcuts.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
    w.actionPreferences = a(
        "actionPreferences", "&Preferences…", dialogs.show_preferences, "Ctrl+,", "Theme, font size and habits"
    )
    w.actionPreferences.setMenuRole(QAction.MenuRole.PreferencesRole)


def build_menus(w: MainWindow) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.setObjectName("menuFile")
    file_menu.addAction(w.actionNewWindow)
    file_menu.addAction(w.actionCloseWindow)
    file_menu.addSeparator()
    file_menu.addAction(w.actionQuit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.setObjectName("menuEdit")
    edit_menu.addAction(w.actionPreferences)
    room_menu = bar.addMenu("&Room")
    room_menu.setObjectName("menuRoom")
    for action in (w.actionCreateRoom, w.actionJoinWithCode):
        room_menu.addAction(action)
    room_menu.addSeparator()
    for action in (w.actionInviteMember, w.actionRenameRoom, w.actionNickname, w.actionNotifications):
        room_menu.addAction(action)
    room_menu.addSeparator()
    room_menu.addAction(w.actionLeaveRoom)
    go_menu = bar.addMenu("&Go")
    go_menu.setObjectName("menuGo")
    w.menuGo = go_menu
    for action in (w.actionFindRoom, w.actionSearch, w.actionMoveRoomUp, w.actionMoveRoomDown):
        go_menu.addAction(action)
    help_menu = bar.addMenu("&Help")
    help_menu.setObjectName("menuHelp")
    help_menu.addAction(w.actionShortcuts)
    help_menu.addAction(w.actionAbout)


def update_actions(w: MainWindow) -> None:
    """Enable what the load state, the profile's health and the current room allow."""
    ready = w.load_state is LoadState.READY
    writable = w.controller.health.writable
    room = w.state.current_room_data()
    w.actionFindRoom.setEnabled(ready)
    w.actionInviteMember.setEnabled(ready and room is not None)  # shows a code; writes nothing
    for action in (w.actionCreateRoom, w.actionJoinWithCode):
        action.setEnabled(ready and writable)
    for action in (w.actionRenameRoom, w.actionNickname, w.actionNotifications, w.actionLeaveRoom):
        action.setEnabled(ready and writable and room is not None)
    reorder = ready and writable and room is not None and not w.proxy.is_filtering
    w.actionMoveRoomUp.setEnabled(reorder)
    w.actionMoveRoomDown.setEnabled(reorder)
    if hasattr(w, "navigation"):
        w.navigation.set_enabled(ready)
        w.navigation.actionMarkRead.setEnabled(ready and writable and room is not None)
    w.roomList.set_reorder_enabled(writable and not w.proxy.is_filtering)
    w.createRoomButton.setEnabled(ready and writable)
    w.joinButton.setEnabled(ready and writable)
    w.roomView.set_changes_allowed(writable)
    composer = w.roomView.composer
    composer.setReadOnly(not writable)
    composer.setPlaceholderText(w._composer_placeholder if writable else NOTHING_CAN_BE_POSTED)
    w.roomFeatures.update_actions(ready=ready, writable=writable, room=room)


def show_room_context_menu(w: MainWindow, key: object, pos: QPoint) -> QMenu:
    """The room list's menu for ``key`` (made current first), built from the window's actions."""
    if isinstance(key, bytes) and key != w.current_room:
        w.open_room(key)
    menu = QMenu(w)
    menu.setObjectName("roomContextMenu")
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    for action in (w.actionRenameRoom, w.actionNickname, w.actionNotifications, w.actionInviteMember):
        menu.addAction(action)
    menu.addSeparator()
    room_key = key if isinstance(key, bytes) else None
    room_sections.add_mark_actions(menu, w.rooms, room_key, w.actionLeaveRoom.isEnabled(), w.change_marks)
    menu.addSeparator()
    menu.addAction(w.actionLeaveRoom)
    menu.addSeparator()
    menu.addAction(w.actionCreateRoom)
    menu.addAction(w.actionJoinWithCode)
    menu.popup(pos)
    return menu


__all__ = ["build_actions", "build_menus", "make_action", "show_room_context_menu", "update_actions"]
