"""The app's dialogs. All of them are safe to show with ``open()`` and to drive through signals.

Every dialog's objectName is its class name and each holds one ``QDialogButtonBox`` (objectName ``buttonBox``).
None of them persists anything: the window reads their values (or listens to their signals) and does the work.

Invitation codes are bearer credentials: :class:`AcceptInvitationDialog` never copies the pasted code into a label,
tooltip or log line, and :class:`InviteMemberDialog` shows it only inside its read-only text box.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import base58
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
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
from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
from river_desktop.ui.inputs import (
    GuardedPlainTextEdit,
    InvitationCodeEdit,
    add_counted_row,
    counter_for,
    hold_minimum,
    limit_error_label,
    show_problems,
    too_long_message,
)
from river_desktop.ui.text_widgets import elide_chars

log = logging.getLogger(__name__)

BB = QDialogButtonBox.StandardButton
Role = QDialogButtonBox.ButtonRole

NAME_IN_SENTENCE = 40
"""Characters of a room name quoted in a dialog's sentence: a label is as wide as its longest word."""


def abbreviate_key(text: str, keep: int = 6) -> str:
    """``"ABCDEF…UVWXYZ"``: enough of a base58 key to recognise it, short enough for a label."""
    if len(text) <= 2 * keep + 1:
        return text
    return f"{text[:keep]}…{text[-keep:]}"


def room_key_text(owner_vk: bytes) -> str:
    return base58.b58encode(owner_vk).decode("ascii")


def _button_box(dialog: QDialog, buttons: QDialogButtonBox.StandardButton) -> QDialogButtonBox:
    box = QDialogButtonBox(buttons, dialog)
    box.setObjectName("buttonBox")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    for button, name in ((BB.Ok, "okButton"), (BB.Cancel, "cancelButton"), (BB.Close, "closeButton")):
        if box.button(button) is not None:
            box.button(button).setObjectName(name)
    return box


def _hint(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _icon_label(pixmap: QStyle.StandardPixmap, parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    size = parent.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, parent)
    label.setPixmap(parent.style().standardIcon(pixmap, None, parent).pixmap(size, size))
    label.setAlignment(Qt.AlignmentFlag.AlignTop)
    label.setAccessibleName("warning")
    return label


class _Dialog(QDialog):
    """Common setup: objectName = class name, a title, a sensible minimum width."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(type(self).__name__)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_height()

    def fit_height(self) -> None:
        """Grow to what the content needs at the current width (wrapped labels, a preview just shown):
        a layout squeezed below its minimum draws its widgets over each other."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        needed = max(self.heightForWidth(self.width()), self.minimumSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)


class CreateRoomDialog(_Dialog):
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

        self.buttonBox = _button_box(self, BB.Ok | BB.Cancel)
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


class AcceptInvitationDialog(_Dialog):
    """Paste an invitation code (or a link carrying one), check it, preview it, and accept or decline.

    The code is decoded on every edit (no network, microseconds); a bad code shows the decoder's specific
    reason in ``inviteError`` and keeps Accept disabled. Accept emits :attr:`invitation_accepted` with the
    decoded :class:`Invitation` and the nickname, then closes. The dialog persists nothing itself.
    """

    invitation_accepted = Signal(object, str)

    def __init__(self, rooms: Rooms, parent: QWidget | None = None) -> None:
        super().__init__("Join a Room", parent)
        self.setMinimumWidth(460)
        self._rooms = rooms
        self._invitation: Invitation | None = None
        self._emitted = False

        intro = QLabel("Paste the invitation code (or link) that a member of the room sent you.", self)
        intro.setObjectName("inviteIntro")
        intro.setWordWrap(True)

        self.inviteCodeEdit = InvitationCodeEdit(self)
        self.inviteCodeEdit.setObjectName("inviteCodeEdit")
        self.inviteCodeEdit.setPlaceholderText("Invitation code or link")
        self.inviteCodeEdit.setTabChangesFocus(True)
        self.inviteCodeEdit.setAccessibleName("Invitation code")
        mono = QFont(self.inviteCodeEdit.font())
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setFamily("monospace")
        self.inviteCodeEdit.setFont(mono)
        # four whole lines of the box's own (monospace) font, not the dialog's
        edit = self.inviteCodeEdit
        chrome = int(edit.document().documentMargin() * 2) + edit.frameWidth() * 2 + 2
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + chrome)

        self.inviteError = QLabel(self)
        self.inviteError.setObjectName("inviteError")
        self.inviteError.setWordWrap(True)
        self.inviteError.setTextFormat(Qt.TextFormat.PlainText)
        self.inviteError.setStyleSheet("QLabel#inviteError { color: #d93025; font-weight: bold; }")
        self.inviteError.setAccessibleName("Invitation error")
        self.inviteError.hide()

        self.invitePreview = QFrame(self)
        self.invitePreview.setObjectName("invitePreview")
        self.invitePreview.setFrameShape(QFrame.Shape.StyledPanel)
        preview_form = QFormLayout(self.invitePreview)
        preview_form.setObjectName("previewForm")
        self.previewRoomKey = self._preview_value("previewRoomKey")
        self.previewRoomName = self._preview_value("previewRoomName")
        self.previewInviter = self._preview_value("previewInviter")
        self.previewInvitee = self._preview_value("previewInvitee")
        self.previewSecrets = self._preview_value("previewSecrets")
        self.previewStatus = self._preview_value("previewStatus")
        self.previewStatus.setWordWrap(True)
        preview_form.addRow("Room key:", self.previewRoomKey)
        preview_form.addRow("Room:", self.previewRoomName)
        preview_form.addRow("Invited by:", self.previewInviter)
        preview_form.addRow("You join as:", self.previewInvitee)
        preview_form.addRow("Room secrets:", self.previewSecrets)
        preview_form.addRow(self.previewStatus)
        self.invitePreview.hide()

        self.nicknameEdit = QLineEdit(self)
        self.nicknameEdit.setObjectName("nicknameEdit")
        self.nicknameEdit.setPlaceholderText("How others see you in this room")
        self.nicknameCounter = counter_for(
            self, "nicknameCounter", limits.measure_nickname, "the nickname", self.nicknameEdit
        )
        self.limitError = limit_error_label(self)
        nick_form = QFormLayout()
        nick_form.setObjectName("nicknameForm")
        add_counted_row(nick_form, "Your &nickname:", self.nicknameEdit, self.nicknameCounter)

        self.buttonBox = _button_box(self, BB.Ok | BB.Cancel)
        self.acceptButton = self.buttonBox.button(BB.Ok)
        self.acceptButton.setText("Accept")
        self.acceptButton.setObjectName("acceptButton")
        self.cancelButton = self.buttonBox.button(BB.Cancel)

        layout = QVBoxLayout(self)
        hold_minimum(self, layout)
        layout.addWidget(intro)
        layout.addWidget(self.inviteCodeEdit)
        layout.addWidget(self.inviteError)
        layout.addWidget(self.invitePreview)
        layout.addLayout(nick_form)
        layout.addWidget(self.limitError)
        layout.addStretch(1)
        layout.addWidget(self.buttonBox)

        self.inviteCodeEdit.textChanged.connect(self._decode)
        self.inviteCodeEdit.submitted.connect(self.accept)
        self.inviteCodeEdit.refused.connect(self._refused)
        self.nicknameEdit.textChanged.connect(self._decode)
        self._decode()

    def _refused(self, length: int) -> None:
        limit = self.inviteCodeEdit.limit()
        self._show_error(
            too_long_message("an invitation code", length, limit)
            + " Invitation codes are a few hundred characters; copy just the code or link."
        )

    def _preview_value(self, name: str) -> QLabel:
        label = QLabel(self.invitePreview)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- public API

    def invitation(self) -> Invitation | None:
        """The decoded invitation when the code is valid and acceptable, else None."""
        return self._invitation

    def nickname(self) -> str:
        return self.nicknameEdit.text().strip()

    def set_rooms(self, rooms: Rooms) -> None:
        """Re-evaluate the preview against a newer room list (a live change from another window)."""
        self._rooms = rooms
        self._decode()

    def accept(self) -> None:
        invitation = self._invitation
        if invitation is None or self.nicknameCounter.is_over():
            return
        if not self._emitted:
            self._emitted = True
            self.invitation_accepted.emit(invitation, self.nickname())
        super().accept()

    # -- validation

    def _decode(self) -> None:
        text = self.inviteCodeEdit.toPlainText().strip()
        self._invitation = None
        if not text:
            self._show_error("")
            self.invitePreview.hide()
            self.acceptButton.setEnabled(False)
            return
        try:
            invitation = Invitation.decode(text)
        except InvitationError as exc:
            self._show_error(self._safe_message(str(exc), text))
            self.invitePreview.hide()
            self.acceptButton.setEnabled(False)
            return
        self._show_error("")
        acceptable = self._show_preview(invitation)
        self._invitation = invitation if acceptable else None
        too_long = bool(show_problems(self.limitError, self.nicknameCounter))
        self.acceptButton.setEnabled(acceptable and not too_long)

    @staticmethod
    def _safe_message(message: str, code: str) -> str:
        """The decoder's reason, unless it somehow quotes the code (a secret) back."""
        if not message:
            return "This is not a valid invitation code."
        if len(code) >= 8 and code in message:
            log.warning("an invitation error message quoted its input; not shown")
            return "This is not a valid invitation code."
        return message[0].upper() + message[1:]

    def _show_error(self, message: str) -> None:
        self.inviteError.setText(message)
        self.inviteError.setVisible(bool(message))
        if self.isVisible():
            self.fit_height()

    def _show_preview(self, invitation: Invitation) -> bool:
        """Fill the preview; True when the invitation can be accepted here."""
        key = room_key_text(invitation.room)
        self.previewRoomKey.setText(abbreviate_key(key))
        self.previewRoomKey.setToolTip(key)
        inviter = member_id_display(invitation.inviter_member_id)
        by_owner = invitation.inviter_member_id == member_id(invitation.room)
        self.previewInviter.setText(f"member {inviter} (the room owner)" if by_owner else f"member {inviter}")
        self.previewInvitee.setText(f"member {member_id_display(invitation.invitee_member_id)}")
        count = len(invitation.room_secrets)
        self.previewSecrets.setText(
            "none (a public room)" if count == 0 else f"{count} room secret{'s' if count != 1 else ''}"
        )
        existing = self._rooms.rooms.get(invitation.room)
        acceptable = True
        if existing is not None:
            self.previewRoomName.setText(elide_chars(existing.name, NAME_IN_SENTENCE) or "(waiting for room data)")
            self.previewRoomName.setToolTip(existing.name)
            self.previewStatus.setText("You are already a member of this room.")
            acceptable = False
        elif invitation.room in self._rooms.removed:
            self.previewRoomName.setText("a room you left")
            self.previewStatus.setText(
                "You left this room earlier. Accepting rejoins it in every window of this profile."
            )
        else:
            self.previewRoomName.setText("new to you; its name arrives with the room's data")
            self.previewStatus.setText("Accepting adds this room to every window of this profile.")
        self.previewStatus.setProperty("already_member", existing is not None)
        self.previewStatus.setProperty("rejoin", existing is None and invitation.room in self._rooms.removed)
        self.invitePreview.show()
        if self.isVisible():
            self.fit_height()
        return acceptable

    def preview_status(self) -> str:
        """The preview's verdict in words (already a member / rejoin / new), for tests and accessibility."""
        return self.previewStatus.text() if self.invitePreview.isVisibleTo(self) else ""


class InviteMemberDialog(_Dialog):
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
        warning_row.addWidget(_icon_label(QStyle.StandardPixmap.SP_MessageBoxWarning, self, "inviteWarningIcon"))
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
        self.copiedLabel = _hint("", self, "copiedLabel")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copyButton)
        copy_row.addWidget(self.copiedLabel, 1)

        self.buttonBox = _button_box(self, BB.Close)

        layout = QVBoxLayout(self)
        layout.addLayout(warning_row)
        layout.addWidget(self.inviteCodeOutput)
        layout.addLayout(copy_row)
        layout.addWidget(self.buttonBox)
        self.copyButton.setFocus()

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self._code)
        self.copiedLabel.setText("Copied to the clipboard.")


class EditRoomDialog(_Dialog):
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

        self.ownerHint = _hint("Only the room's owner can change its name and description.", self, "ownerHint")
        self.ownerHint.setVisible(not self._owner)
        if not self._owner:
            for edit in (self.roomNameEdit, self.descriptionEdit):
                edit.setReadOnly(True)
                edit.setEnabled(False)

        self.buttonBox = _button_box(self, BB.Ok | BB.Cancel)
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


class NicknameDialog(_Dialog):
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
        hint = _hint("Other members of this room see this name next to your messages.", self, "nicknameHint")

        self.buttonBox = _button_box(self, BB.Ok | BB.Cancel)
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


class NotificationsDialog(_Dialog):
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
        self.modeHint = _hint(self._HINTS[mode], self, "modeHint")
        layout.addWidget(self.modeHint)
        self._group.buttonToggled.connect(self._toggled)
        self.buttonBox = _button_box(self, BB.Ok | BB.Cancel)
        layout.addWidget(self.buttonBox)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.modeHint.setText(self._HINTS[self.mode()])

    def mode(self) -> NotificationMode:
        for value, button in self._buttons.items():
            if button.isChecked():
                return value
        return NotificationMode.ALL


class LeaveRoomDialog(_Dialog):
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
        row.addWidget(_icon_label(pixmap, self, "leaveIcon"))
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
