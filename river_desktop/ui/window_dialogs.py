"""The dialogs of one window: each opened once (raised if already open), window-modal, answered by signals.

As Anki's dialog manager does, :meth:`WindowDialogs.open` keeps one dialog per kind (its objectName) and
raises the open one instead of stacking a second. Nothing here runs a nested event loop: a dialog is shown
with ``open()`` and its answer goes to the window's state through a callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.river.mention import render_plaintext
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import nickname_of, plain_snippet, plain_text
from river_desktop.domain.rooms import ReadMarker, RoomData
from river_desktop.storage.errors import StorageError
from river_desktop.storage.search_index import MATCH_END, MATCH_START, SearchHit
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
from river_desktop.ui.preferences import PreferencesDialog
from river_desktop.ui.room_view import search_dialog
from river_desktop.ui.shortcuts import ShortcutsDialog
from river_desktop.ui.window_state import LoadState

if TYPE_CHECKING:
    from river_desktop.ui.main_window import MainWindow


class WindowDialogs(QObject):
    """Opens the window's dialogs and hands their answers to the window's state."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("windowDialogs")
        self._window = window
        self._dialogs: dict[str, QDialog] = {}

    def open(self, dialog: QDialog, on_accept: Callable[[QDialog], object] | None = None) -> QDialog:
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

    def dialog(self, name: str) -> QDialog | None:
        """The open dialog of that kind (objectName), if any."""
        return self._dialogs.get(name)

    def close_all(self) -> None:
        for dialog in list(self._dialogs.values()):
            dialog.close()

    # ------------------------------------------------------------------ search

    def show_search_dialog(self) -> None:
        """Search this room or all rooms (search_dialog.py); the chosen result opens with its context."""
        window = self._window
        if window.load_state is not LoadState.READY:
            return

        async def search(text: str, room: bytes | None, limit: int) -> list[SearchHit]:
            return await window.controller.search(text, room, limit, rooms=window.rooms)

        dialog = search_dialog.SearchDialog(search, self._describe_hit, window.current_room, window)
        if self.open(dialog) is dialog:
            dialog.message_chosen.connect(
                lambda hit: window.state.start_task(self.jump_to_message(hit.room, hit.message_id))
            )

    def _describe_hit(self, hit: SearchHit) -> tuple[str, str, str, str]:
        room = self._window.rooms.rooms.get(hit.room)
        marks = (MATCH_START, MATCH_END)
        if room is None:
            match = plain_snippet(None, hit.snippet, hit.text, marks)
            return ("(left room)", member_id_display(hit.author), render_plaintext(hit.text, lambda _ref: None), match)
        shown = plain_text(room.room_state, hit.text, room.keyring)
        match = plain_snippet(room.room_state, hit.snippet, hit.text, marks, room.keyring)
        return (room.name, room.nickname_of(hit.author), shown, match)

    async def jump_to_message(self, room: bytes, message_id: int) -> bool:
        """Open ``room`` and page its history back to ``message_id``, selected with its context."""
        window = self._window
        shown = window.open_room(room)
        if shown is None:
            return False
        await shown

        async def older(key: bytes, before: ReadMarker, limit: int) -> list[AuthorizedMessage]:
            return await window.controller.read_messages(key, before=before, limit=limit)

        return await search_dialog.page_to_message(window.roomView, older, room, message_id)

    # ------------------------------------------------------------------ rooms

    def show_create_room_dialog(self) -> None:
        window = self._window
        if window.load_state is not LoadState.READY:
            return

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, CreateRoomDialog)
            window.create_room(dialog.room_name(), dialog.nickname(), private=dialog.is_private())

        dialog = CreateRoomDialog(window)
        dialog.nicknameEdit.setText(window.desktop.preferences.value.default_nickname)
        self.open(dialog, accepted)

    def show_join_dialog(self) -> None:
        window = self._window
        if window.load_state is not LoadState.READY:
            return
        dialog = AcceptInvitationDialog(window.rooms, window)
        dialog.nicknameEdit.setText(window.desktop.preferences.value.default_nickname)
        shown = self.open(dialog)
        if shown is dialog:
            dialog.invitation_accepted.connect(self._on_invitation_accepted)

    def _on_invitation_accepted(self, invitation: object, nickname: str) -> None:
        if isinstance(invitation, Invitation):
            self._window.accept_invitation(invitation, nickname)

    def show_invite_dialog(self) -> None:
        room = self._window.state.current_room_data()
        if room is None:
            return
        self._window.state.start_task(self._invite(room))

    async def _invite(self, room: RoomData) -> None:
        window = self._window
        secrets = list(room.invitation_secrets.items())
        try:
            code = await window.controller.run(
                lambda: Invitation.create(room.owner_vk, room.self_identity.seed, room_secrets=secrets).encode()
            )
        except (InvitationError, StorageError) as exc:
            window.state.report_error(f"Could not create an invitation: {exc}")
            return
        if window.is_alive:
            self.open(InviteMemberDialog(code, room.name, window))

    def show_edit_room_dialog(self) -> None:
        window = self._window
        room = window.state.current_room_data()
        if room is None:
            return
        key = room.owner_vk

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, EditRoomDialog)
            name, description = dialog.values()
            window.rename_room(key, name, description)

        self.open(EditRoomDialog(room, window), accepted)

    def show_nickname_dialog(self) -> None:
        window = self._window
        room = window.state.current_room_data()
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
            window.set_nickname(key, dialog.nickname())

        self.open(NicknameDialog(current, window), accepted)

    def show_notifications_dialog(self) -> None:
        window = self._window
        room = window.state.current_room_data()
        if room is None:
            return
        key = room.owner_vk

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, NotificationsDialog)
            window.set_notification_mode(key, dialog.mode())

        self.open(NotificationsDialog(window.rooms.notification_mode(key), window), accepted)

    def show_leave_dialog(self) -> None:
        window = self._window
        room = window.state.current_room_data()
        if room is None:
            return
        key = room.owner_vk
        self.open(LeaveRoomDialog(room.name, room.is_owner, window), lambda _dialog: window.leave_room(key))

    # ------------------------------------------------------------------ the app

    def show_about(self) -> None:
        window = self._window
        profile = window.controller.profile
        data_dir = str(profile.path) if profile is not None else "(in memory)"
        self.open(AboutDialog(data_dir, window.desktop.log_dir, window))

    def show_preferences(self) -> None:
        self.open(PreferencesDialog(self._window.desktop.preferences, self._window))

    def show_shortcuts(self) -> None:
        self.open(ShortcutsDialog(self._window.findChildren(QAction), self._window))


__all__ = ["WindowDialogs"]
