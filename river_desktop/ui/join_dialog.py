"""Join with Code: paste an invitation, see which room it opens and as whom, choose a nickname.

Invitation codes are bearer credentials: :class:`AcceptInvitationDialog` never copies the pasted code into a
label, tooltip or log line.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from river_desktop.domain import limits
from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.rooms import Rooms
from river_desktop.ui.dialog_base import BB, NAME_IN_SENTENCE, BaseDialog, abbreviate_key, button_box, room_key_text
from river_desktop.ui.inputs import (
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


class AcceptInvitationDialog(BaseDialog):
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

        self.buttonBox = button_box(self, BB.Ok | BB.Cancel)
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


__all__ = ["AcceptInvitationDialog"]
