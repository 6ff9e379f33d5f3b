"""Private rooms, moderation and identity in the window: the actions, menus and member context menu.

Kept out of ``main_window`` so the window only builds one :class:`RoomFeatures` and tells it when the
actions' state may have changed. Every change goes through the room list's own operations (``Rooms.ban``,
``rotate_secret``, ``import_identity``) and the window's save, as the other room actions do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import views
from river_desktop.domain.rooms import RoomData, RoomsError
from river_desktop.ui import icons
from river_desktop.ui.ban_dialog import BanDialog
from river_desktop.ui.identity_dialogs import ExportIdentityDialog, ImportIdentityDialog
from river_desktop.ui.riverctl_import import (
    RiverctlReportDialog,
    import_rooms_file,
    read_rooms_file,
    riverctl_file_dialog,
)
from river_desktop.ui.room_facts import facts
from river_desktop.ui.room_view.member_panel import MemberKeyRole, member_menu

if TYPE_CHECKING:
    from river_desktop.ui.main_window import MainWindow

LOCK_HELD = "Private room: messages are encrypted with the room's secret."
LOCK_MISSING = (
    "Private room, and this profile does not hold its current secret: messages sealed with it cannot be "
    "read here. Ask the owner for a new invitation, or import your identity from a client that has it."
)


def secret_held(room: RoomData) -> bool:
    return views.room_info(room.room_state, facts(room).keyring).secret_held


def show_lock(label: QLabel, room: RoomData) -> None:
    """The header's lock: shown for a private room, its tooltip saying whether the secret is held here."""
    if not room.is_private:
        label.hide()
        return
    color = label.palette().color(QPalette.ColorRole.PlaceholderText)
    label.setPixmap(icons.tinted(icons.LOCK, color, 16, label.devicePixelRatioF()))
    held = room.waiting or secret_held(room)
    label.setToolTip(LOCK_HELD if held else LOCK_MISSING)
    label.setAccessibleName("Private room" if held else "Private room, secret not held")
    label.show()


class RotateSecretDialog(QDialog):
    """Confirm a rotation: what it does and what it does not (old messages stay readable by old members)."""

    def __init__(self, room_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RotateSecretDialog")
        self.setWindowTitle("Rotate Room Secret")
        text = QLabel(
            f"Make a new secret for {room_name or 'this room'}? It is sealed to you and every current member; "
            "messages from now on use it, so banned members cannot read them. Messages already sent stay "
            "readable by whoever could read them before.",
            self,
        )
        text.setObjectName("rotateText")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        box.setObjectName("buttonBox")
        ok = box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Rotate")
        ok.setObjectName("rotateButton")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(box)
        self.setMinimumWidth(420)


class RoomFeatures(QObject):
    """Owns the private-room, moderation and identity actions of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.memberMenu: QMenu | None = None
        self.actionRotateSecret = window._action(
            "actionRotateSecret",
            "R&otate Secret…",
            self.show_rotate_dialog,
            None,
            "Make a new secret for this private room (owner only)",
        )
        self.actionExportIdentity = window._action(
            "actionExportIdentity",
            "&Export Identity…",
            self.show_export_dialog,
            None,
            "Show your identity token for this room (a secret) to use it in another client",
        )
        self.actionImportIdentity = window._action(
            "actionImportIdentity",
            "&Import Identity…",
            self.show_import_dialog,
            None,
            "Act as the member of an identity token exported elsewhere",
        )
        self.actionImportRiverctl = window._action(
            "actionImportRiverctl",
            "Import from &riverctl…",
            self.show_riverctl_picker,
            None,
            "Import the rooms of a riverctl rooms.json",
        )
        file_menu = window.findChild(QMenu, "menuFile")
        room_menu = window.findChild(QMenu, "menuRoom")
        assert file_menu is not None and room_menu is not None
        quit_at = file_menu.actions().index(window.actionQuit)
        before_quit = file_menu.actions()[quit_at - 1]  # the separator above Quit
        file_menu.insertAction(before_quit, self.actionImportIdentity)
        file_menu.insertAction(before_quit, self.actionImportRiverctl)
        file_menu.insertSeparator(self.actionImportIdentity)
        leave_at = room_menu.actions().index(window.actionLeaveRoom)
        before_leave = room_menu.actions()[leave_at - 1]
        room_menu.insertAction(before_leave, self.actionExportIdentity)
        room_menu.insertAction(before_leave, self.actionRotateSecret)
        members = window.roomView.memberList
        members.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        members.customContextMenuRequested.connect(self._member_menu_requested)

    def update_actions(self, *, ready: bool, writable: bool, room: RoomData | None) -> None:
        self.actionExportIdentity.setEnabled(ready and room is not None)
        self.actionImportIdentity.setEnabled(ready and writable)
        self.actionImportRiverctl.setEnabled(ready and writable)
        self.actionRotateSecret.setEnabled(
            ready and writable and room is not None and room.is_owner and room.is_private and not room.waiting
        )

    def _room(self) -> RoomData | None:
        return self._window._current_room_data()

    # ------------------------------------------------------------------ members

    def _member_menu_requested(self, pos: QPoint) -> None:
        members = self._window.roomView.memberList
        item = members.itemAt(pos)
        room = self._room()
        if item is None or room is None:
            return
        member = item.data(0, MemberKeyRole)
        if not isinstance(member, int):
            return
        menu = self.build_member_menu(room, member)
        menu.popup(members.viewport().mapToGlobal(pos))

    def build_member_menu(self, room: RoomData, member: int) -> QMenu:
        if self.memberMenu is not None:
            self.memberMenu.deleteLater()
        writable = self._window.controller.health.writable
        menu = member_menu(room, member, self._window, writable=writable)
        for action in menu.actions():
            name = action.objectName()
            if name == "memberMentionAction":
                action.triggered.connect(lambda _=False, m=member: self.mention(m))
            elif name == "memberCopyIdAction":
                action.triggered.connect(lambda _=False, m=member: self.copy_id(m))
            elif name == "memberBanAction":
                action.triggered.connect(lambda _=False, m=member: self.show_ban_dialog(m))
        self.memberMenu = menu
        return menu

    def mention(self, member: int) -> None:
        room = self._room()
        if room is None:
            return
        composer = self._window.roomView.composer
        composer.insert_mention(member, facts(room).name_of(member))
        composer.setFocus()

    def copy_id(self, member: int) -> None:
        QGuiApplication.clipboard().setText(member_id_display(member))

    def show_ban_dialog(self, member: int) -> None:
        room = self._room()
        if room is None:
            return
        key = room.owner_vk

        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, BanDialog)
            self._window._mutate(lambda: self._window.rooms.ban(key, dialog.member))

        self._window._open_dialog(BanDialog(room, member, self._window), accepted)

    # ------------------------------------------------------------------ private rooms

    def show_rotate_dialog(self) -> None:
        room = self._room()
        if room is None:
            return
        key = room.owner_vk
        self._window._open_dialog(
            RotateSecretDialog(room.name, self._window),
            lambda _d: self._window._mutate(lambda: self._window.rooms.rotate_secret(key)),
        )

    # ------------------------------------------------------------------ identity

    def show_export_dialog(self) -> None:
        room = self._room()
        if room is None:
            return
        try:
            armored = self._window.rooms.export_identity(room.owner_vk).encode()
        except RoomsError as exc:
            self._window._report_error(f"Could not export the identity: {exc}")
            return
        self._window._open_dialog(ExportIdentityDialog(armored, room.name, self._window))

    def show_import_dialog(self) -> None:
        def accepted(dialog: QDialog) -> None:
            assert isinstance(dialog, ImportIdentityDialog)
            token = dialog.token()
            if token is None:
                return
            window = self._window
            vk = token.room_owner
            if window._mutate(lambda: window.rooms.import_identity(token)):
                window.controller.mark_room_rejoined(window.session, vk)
                window.open_room(vk, save=False, focus=True)

        self._window._open_dialog(ImportIdentityDialog(self._window.rooms, self._window), accepted)

    def show_riverctl_picker(self) -> None:
        dialog = riverctl_file_dialog(self._window)

        def accepted(d: QDialog) -> None:
            assert isinstance(d, QFileDialog)
            files = d.selectedFiles()
            if files:
                self.import_riverctl(Path(files[0]))

        self._window._open_dialog(dialog, accepted)

    def import_riverctl(self, path: Path) -> None:
        window = self._window
        try:
            data = read_rooms_file(path)
        except OSError as exc:
            window._report_error(f"Could not read {path}: {exc.strerror or exc}")
            return
        report = import_rooms_file(window.rooms, data)
        for room in report.imported:
            if room.state != "merged":
                window.controller.mark_room_rejoined(window.session, room.owner_vk)
        if report.imported:
            window.refresh()
            window.schedule_save()
        window._open_dialog(RiverctlReportDialog(path, report, window))


__all__ = ["LOCK_HELD", "LOCK_MISSING", "RoomFeatures", "RotateSecretDialog", "secret_held", "show_lock"]
