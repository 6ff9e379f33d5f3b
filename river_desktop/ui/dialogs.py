"""The app's dialogs. All of them are safe to show with ``open()`` and to drive through signals.

Every dialog's objectName is its class name and each holds one ``QDialogButtonBox`` (objectName ``buttonBox``).
None of them persists anything: the window reads their values (or listens to their signals) and does the work.

Invitation codes are bearer credentials: :class:`InviteMemberDialog` shows one only inside its read-only text box.
Join with Code (:class:`AcceptInvitationDialog`) lives in ``join_dialog.py`` and the shared parts in
``dialog_base.py``; both names are re-exported here.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain import limits
from river_desktop.domain.rooms import NotificationMode, RoomData
from river_desktop.ui.dialog_base import (
    BB,
    NAME_IN_SENTENCE,
    BaseDialog,
    Role,
    abbreviate_key,
    button_box,
    hint_label,
    icon_label,
)
from river_desktop.ui.inputs import (
    GuardedPlainTextEdit,
    add_counted_row,
    counter_for,
    hold_minimum,
    limit_error_label,
    show_problems,
)
from river_desktop.ui.join_dialog import AcceptInvitationDialog
from river_desktop.ui.text_widgets import elide_chars

log = logging.getLogger(__name__)


class CreateRoomDialog(BaseDialog):
    """A new room: its name (required) and the nickname you use in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Create Room", parent)
        self.roomNameEdit = QLineEdit(self)
        self.roomNameEdit.setObjectName("roomNameEdit")
        self.roomNameEdit.setPlaceholderText("e.g. Book club")
        self.nicknameEdit = QLineEdit(self)
        self.nicknameEdit.setObjectName("nicknameEdit")
        self.nicknameEdit.setPlaceholderText("How others see you in this room")
        self.nameCounter = counter_for(
            self, "nameCounter", limits.measure_room_name, "the room name", self.roomNameEdit
        )
        self.nicknameCounter = counter_for(
            self, "nicknameCounter", limits.measure_nickname, "the nickname", self.nicknameEdit
        )
        self.limitError = limit_error_label(self)

        form = QFormLayout()
        form.setObjectName("form")
        add_counted_row(form, "Room &name:", self.roomNameEdit, self.nameCounter)
        add_counted_row(form, "Your &nickname:", self.nicknameEdit, self.nicknameCounter)
        self.privateCheck = QCheckBox("&Private (messages encrypted)", self)
        self.privateCheck.setObjectName("privateCheck")
        self.privateCheck.setToolTip(
            "Messages, names and nicknames are encrypted with a room secret that only members hold; "
            "invitations carry it"
        )
        form.addRow("", self.privateCheck)

        self.buttonBox = button_box(self, BB.Ok | BB.Cancel)
        self.okButton = self.buttonBox.button(BB.Ok)
        self.okButton.setText("Create")
        self.okButton.setObjectName("createButton")

        layout = QVBoxLayout(self)
        hold_minimum(self, layout)
        layout.addLayout(form)
        layout.addWidget(self.limitError)
        layout.addWidget(self.buttonBox)

        self.roomNameEdit.textChanged.connect(self._validate)
        self.nicknameEdit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        problem = show_problems(self.limitError, self.nameCounter, self.nicknameCounter)
        self.okButton.setEnabled(bool(self.room_name()) and not problem)

    def accept(self) -> None:
        if self.okButton.isEnabled():
            super().accept()

    def room_name(self) -> str:
        return self.roomNameEdit.text().strip()

    def nickname(self) -> str:
        return self.nicknameEdit.text().strip()

    def is_private(self) -> bool:
        return self.privateCheck.isChecked()


class InviteMemberDialog(BaseDialog):
    """Shows a freshly generated invitation code with a Copy button and a warning that it is a secret."""

    def __init__(self, code: str, room_name: str, parent: QWidget | None = None) -> None:
        shown = elide_chars(room_name, NAME_IN_SENTENCE)
        super().__init__(f"Invite to {shown}" if shown else "Invite a Member", parent)
        self.setMinimumWidth(460)
        self._code = code

        warning = QLabel(
            "<b>Treat this code like a password.</b> It is a secret key: anyone who has it can join this "
            "room as the new member. Send it only to the person you are inviting, over a private channel, "
            "and do not post it anywhere public.",
            self,
        )
        warning.setObjectName("inviteWarning")
        warning.setWordWrap(True)
        warning.setTextFormat(Qt.TextFormat.RichText)
        warning_row = QHBoxLayout()
        warning_row.addWidget(icon_label(QStyle.StandardPixmap.SP_MessageBoxWarning, self, "inviteWarningIcon"))
        warning_row.addWidget(warning, 1)

        self.inviteCodeOutput = QPlainTextEdit(self)
        self.inviteCodeOutput.setObjectName("inviteCodeOutput")
        self.inviteCodeOutput.setReadOnly(True)
        self.inviteCodeOutput.setPlainText(code)
        self.inviteCodeOutput.setTabChangesFocus(True)
        self.inviteCodeOutput.setAccessibleName("Invitation code")
        self.inviteCodeOutput.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)

        self.copyButton = QPushButton("&Copy", self)
        self.copyButton.setObjectName("copyButton")
        self.copyButton.setAutoDefault(False)
        self.copyButton.clicked.connect(self.copy_code)
        self.copiedLabel = hint_label("", self, "copiedLabel")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copyButton)
        copy_row.addWidget(self.copiedLabel, 1)

        self.buttonBox = button_box(self, BB.Close)

        layout = QVBoxLayout(self)
        layout.addLayout(warning_row)
        layout.addWidget(self.inviteCodeOutput)
        layout.addLayout(copy_row)
        layout.addWidget(self.buttonBox)
        self.copyButton.setFocus()

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self._code)
        self.copiedLabel.setText("Copied to the clipboard.")


class EditRoomDialog(BaseDialog):
    """Room name and description. Only the owner can change them (the configuration is owner-signed)."""

    def __init__(self, room: RoomData, parent: QWidget | None = None) -> None:
        super().__init__("Room Settings", parent)
        self._owner = room.is_owner
        self.roomNameEdit = QLineEdit(room.name, self)
        self.roomNameEdit.setObjectName("roomNameEdit")
        self.roomNameEdit.setPlaceholderText("(waiting for room data)" if room.waiting else "Room name")
        self.descriptionEdit = GuardedPlainTextEdit(self)
        self.descriptionEdit.setObjectName("descriptionEdit")
        self.descriptionEdit.setPlainText(room.description)
        self.descriptionEdit.setTabChangesFocus(True)
        self.descriptionEdit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.nameCounter = counter_for(
            self, "nameCounter", limits.measure_room_name, "the room name", self.roomNameEdit
        )
        self.descriptionCounter = counter_for(
            self, "descriptionCounter", limits.measure_room_description, "the description", self.descriptionEdit
        )
        self.limitError = limit_error_label(self)

        form = QFormLayout()
        form.setObjectName("form")
        add_counted_row(form, "Room &name:", self.roomNameEdit, self.nameCounter)
        form.addRow("&Description:", self.descriptionEdit)
        form.addRow("", self.descriptionCounter)

        self.ownerHint = hint_label("Only the room's owner can change its name and description.", self, "ownerHint")
        self.ownerHint.setVisible(not self._owner)
        if not self._owner:
            for edit in (self.roomNameEdit, self.descriptionEdit):
                edit.setReadOnly(True)
                edit.setEnabled(False)

        self.buttonBox = button_box(self, BB.Ok | BB.Cancel)
        self.okButton = self.buttonBox.button(BB.Ok)
        self.okButton.setText("Save")
        self.okButton.setObjectName("saveButton")

        layout = QVBoxLayout(self)
        hold_minimum(self, layout)
        layout.addLayout(form)
        layout.addWidget(self.ownerHint)
        layout.addWidget(self.limitError)
        layout.addWidget(self.buttonBox)

        self.roomNameEdit.textChanged.connect(self._validate)
        self.descriptionEdit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        problem = show_problems(self.limitError, self.nameCounter, self.descriptionCounter)
        self.okButton.setEnabled(self._owner and bool(self.roomNameEdit.text().strip()) and not problem)

    def accept(self) -> None:
        if self.okButton.isEnabled():
            super().accept()

    def values(self) -> tuple[str, str]:
        """(name, description), the name stripped."""
        return self.roomNameEdit.text().strip(), self.descriptionEdit.toPlainText().strip()


class NicknameDialog(BaseDialog):
    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__("Your Nickname", parent)
        self.nicknameEdit = QLineEdit(current, self)
        self.nicknameEdit.setObjectName("nicknameEdit")
        self.nicknameEdit.selectAll()
        self.nicknameCounter = counter_for(
            self, "nicknameCounter", limits.measure_nickname, "the nickname", self.nicknameEdit
        )
        self.limitError = limit_error_label(self)
        form = QFormLayout()
        form.setObjectName("form")
        add_counted_row(form, "&Nickname:", self.nicknameEdit, self.nicknameCounter)
        hint = hint_label("Other members of this room see this name next to your messages.", self, "nicknameHint")

        self.buttonBox = button_box(self, BB.Ok | BB.Cancel)
        self.okButton = self.buttonBox.button(BB.Ok)

        layout = QVBoxLayout(self)
        hold_minimum(self, layout)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.limitError)
        layout.addWidget(self.buttonBox)

        self.nicknameEdit.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        problem = show_problems(self.limitError, self.nicknameCounter)
        self.okButton.setEnabled(bool(self.nickname()) and not problem)

    def accept(self) -> None:
        if self.okButton.isEnabled():
            super().accept()

    def nickname(self) -> str:
        return self.nicknameEdit.text().strip()


class NotificationsDialog(BaseDialog):
    _CHOICES = (
        ("notifyAll", "&All messages", NotificationMode.ALL),
        ("notifyMentions", "&Mentions && replies", NotificationMode.MENTIONS_AND_REPLIES),
        ("notifyMuted", "M&uted", NotificationMode.MUTED),
    )
    _HINTS: ClassVar[dict[NotificationMode, str]] = {
        NotificationMode.ALL: "Every message from others counts as unread and can notify you.",
        NotificationMode.MENTIONS_AND_REPLIES: "Only messages that mention your nickname or reply to you.",
        NotificationMode.MUTED: "No unread count and no notifications for this room.",
    }

    def __init__(self, mode: NotificationMode, parent: QWidget | None = None) -> None:
        super().__init__("Notifications", parent)
        self._group = QButtonGroup(self)
        self._group.setObjectName("notifyGroup")
        self._buttons: dict[NotificationMode, QRadioButton] = {}
        layout = QVBoxLayout(self)
        for name, text, value in self._CHOICES:
            button = QRadioButton(text, self)
            button.setObjectName(name)
            button.setToolTip(self._HINTS[value])
            self._group.addButton(button)
            self._buttons[value] = button
            layout.addWidget(button)
        self._buttons[mode].setChecked(True)
        self.modeHint = hint_label(self._HINTS[mode], self, "modeHint")
        layout.addWidget(self.modeHint)
        self._group.buttonToggled.connect(self._toggled)
        self.buttonBox = button_box(self, BB.Ok | BB.Cancel)
        layout.addWidget(self.buttonBox)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.modeHint.setText(self._HINTS[self.mode()])

    def mode(self) -> NotificationMode:
        for value, button in self._buttons.items():
            if button.isChecked():
                return value
        return NotificationMode.ALL


class LeaveRoomDialog(BaseDialog):
    """Confirm leaving a room. Cancel is the default button; Leave is marked destructive."""

    def __init__(self, room_name: str, is_owner: bool, parent: QWidget | None = None) -> None:
        super().__init__("Leave Room", parent)
        self.setMinimumWidth(440)
        shown = elide_chars(room_name, NAME_IN_SENTENCE) or "this room"
        message = QLabel(self)
        message.setObjectName("leaveMessage")
        message.setWordWrap(True)
        message.setTextFormat(Qt.TextFormat.PlainText)
        message.setText(
            f"Leave “{shown}”?\n\nThe room disappears from every window of this profile. Other members keep it. "
            "To come back you need a new invitation from a member."
        )
        text_col = QVBoxLayout()
        text_col.setSpacing(12)
        text_col.addWidget(message)
        self.ownerWarning = QLabel(self)
        self.ownerWarning.setObjectName("leaveOwnerWarning")
        self.ownerWarning.setWordWrap(True)
        self.ownerWarning.setTextFormat(Qt.TextFormat.PlainText)
        self.ownerWarning.setText(
            "You created this room. If you leave, you can only come back with an invitation from a member; "
            "as owner you will lose the ability to rename it from this profile. Leaving does not delete the "
            "room for the others."
        )
        bold = QFont(self.ownerWarning.font())
        bold.setBold(True)
        self.ownerWarning.setFont(bold)
        self.ownerWarning.setVisible(is_owner)
        text_col.addWidget(self.ownerWarning)

        row = QHBoxLayout()
        pixmap = QStyle.StandardPixmap.SP_MessageBoxWarning if is_owner else QStyle.StandardPixmap.SP_MessageBoxQuestion
        row.addWidget(icon_label(pixmap, self, "leaveIcon"))
        row.addLayout(text_col, 1)

        self.buttonBox = QDialogButtonBox(self)
        self.buttonBox.setObjectName("buttonBox")
        self.leaveButton = self.buttonBox.addButton("&Leave Room", Role.DestructiveRole)
        self.leaveButton.setObjectName("leaveButton")
        self.leaveButton.setAutoDefault(False)
        self.leaveButton.clicked.connect(self.accept)
        self.cancelButton = self.buttonBox.addButton(BB.Cancel)
        self.cancelButton.setObjectName("cancelButton")
        self.cancelButton.setDefault(True)
        self.buttonBox.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.buttonBox)
        self.cancelButton.setFocus()

    @property
    def is_owner_warning_shown(self) -> bool:
        return not self.ownerWarning.isHidden()


__all__ = [
    "AcceptInvitationDialog",
    "CreateRoomDialog",
    "EditRoomDialog",
    "InviteMemberDialog",
    "LeaveRoomDialog",
    "NicknameDialog",
    "NotificationsDialog",
    "abbreviate_key",
]
