"""Identity export and import: River's armored identity token for one room.

A token carries the member's signing key, so export says so and offers Copy (no file is written behind the
user's back); import previews the token, and warns before it replaces another identity held for the room,
since the old signing key is then kept nowhere.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.identity_token import IdentityToken, IdentityTokenError
from river_desktop.domain.rooms import Rooms
from river_desktop.ui.room_rows import key_text

BB = QDialogButtonBox.StandardButton

EXPORT_WARNING = (
    "This token is a secret: it holds your signing key for this room. Anyone who has it can post as you. "
    "Keep it private, and paste it only into your own River client."
)
REPLACE_WARNING = (
    "This profile already holds another identity for this room. Importing replaces it, and its signing key "
    "is kept nowhere: not in this profile, not in a backup. Export it first if you may need it again."
)


def _label(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class ExportIdentityDialog(QDialog):
    """Shows the armored token read-only, with the secret warning and a Copy button."""

    def __init__(self, armored: str, room_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportIdentityDialog")
        self.setWindowTitle("Export Identity")
        self._armored = armored
        self.intro = _label(f"Your identity in {room_name or 'this room'}:", self, "exportIntro")
        self.warning = _label(EXPORT_WARNING, self, "exportWarning")
        self.tokenEdit = QPlainTextEdit(self)
        self.tokenEdit.setObjectName("tokenEdit")
        self.tokenEdit.setReadOnly(True)
        self.tokenEdit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tokenEdit.setPlainText(armored)
        self.tokenEdit.setAccessibleName("Identity token")
        self.buttonBox = QDialogButtonBox(BB.Close, self)
        self.buttonBox.setObjectName("buttonBox")
        self.copyButton = QPushButton("&Copy", self)
        self.copyButton.setObjectName("copyButton")
        self.buttonBox.addButton(self.copyButton, QDialogButtonBox.ButtonRole.ActionRole)
        self.copyButton.clicked.connect(self.copy_token)
        self.buttonBox.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.warning)
        layout.addWidget(self.tokenEdit, 1)
        layout.addWidget(self.buttonBox)
        self.setMinimumWidth(560)

    def copy_token(self) -> None:
        QGuiApplication.clipboard().setText(self._armored)
        self.copyButton.setText("Copied")


class ImportIdentityDialog(QDialog):
    """Paste a token; it is decoded as typed. A replacement needs an explicit tick before Import is enabled."""

    def __init__(self, rooms: Rooms, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImportIdentityDialog")
        self.setWindowTitle("Import Identity")
        self._rooms = rooms
        self._token: IdentityToken | None = None
        self.intro = _label(
            "Paste an identity token exported from River or River Desktop. This profile then acts as that "
            "member in the token's room.",
            self,
            "importIntro",
        )
        self.tokenEdit = QPlainTextEdit(self)
        self.tokenEdit.setObjectName("tokenEdit")
        self.tokenEdit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tokenEdit.setAccessibleName("Identity token")
        self.status = _label("", self, "importStatus")
        self.replaceWarning = _label(REPLACE_WARNING, self, "replaceWarning")
        self.replaceWarning.setStyleSheet("QLabel#replaceWarning { color: #d93025; }")
        self.replaceCheck = QCheckBox("I understand: &replace the identity held here", self)
        self.replaceCheck.setObjectName("replaceCheck")
        self.buttonBox = QDialogButtonBox(BB.Ok | BB.Cancel, self)
        self.buttonBox.setObjectName("buttonBox")
        self.okButton = self.buttonBox.button(BB.Ok)
        self.okButton.setText("Import")
        self.okButton.setObjectName("importButton")
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.tokenEdit, self.status, self.replaceWarning, self.replaceCheck):
            layout.addWidget(widget)
        layout.addWidget(self.buttonBox)
        self.setMinimumWidth(560)
        self.tokenEdit.textChanged.connect(self._decode)
        self.replaceCheck.toggled.connect(self._update)
        self._decode()

    def token(self) -> IdentityToken | None:
        return self._token

    def replaces(self) -> bool:
        """Whether importing would replace a different identity held here for the token's room."""
        token = self._token
        if token is None:
            return False
        held = self._rooms.rooms.get(token.room_owner)
        return held is not None and held.self_vk != token.identity.verifying_key

    def _decode(self) -> None:
        text = self.tokenEdit.toPlainText()
        self._token = None
        if not text.strip():
            self.status.setText("")
        else:
            try:
                self._token = IdentityToken.decode(text)
            except IdentityTokenError as exc:
                self.status.setText(f"Not a valid identity token: {exc}")
        token = self._token
        if token is not None:
            room = self._rooms.rooms.get(token.room_owner)
            name = (room.name if room is not None else "") or token.room_name or key_text(token.room_owner)[:12]
            role = "owner" if token.is_owner else "member"
            held = "" if room is not None else " (a room new to this profile: its data arrives later)"
            self.status.setText(f"Room {name}, as {role} {member_id_display(token.identity.member_id)}{held}.")
        self._update()

    def _update(self) -> None:
        replaces = self.replaces()
        self.replaceWarning.setVisible(replaces)
        self.replaceCheck.setVisible(replaces)
        self.okButton.setEnabled(self._token is not None and (not replaces or self.replaceCheck.isChecked()))

    def accept(self) -> None:
        if self.okButton.isEnabled():
            super().accept()


__all__ = ["EXPORT_WARNING", "REPLACE_WARNING", "ExportIdentityDialog", "ImportIdentityDialog"]
