"""The dialogs: validation, previews, signals, and that invitation codes stay out of labels."""

from __future__ import annotations

import re
from typing import TypeVar

import base58
import pytest
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QStyle,
    QWidget,
)
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity, member_id, member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.ui.dialogs import (
    AcceptInvitationDialog,
    CreateRoomDialog,
    EditRoomDialog,
    InviteMemberDialog,
    LeaveRoomDialog,
    NicknameDialog,
    NotificationsDialog,
)

OK = QDialogButtonBox.StandardButton.Ok

T = TypeVar("T", bound=QObject)


def _find(parent: QObject, kind: type[T], name: str) -> T:
    child = parent.findChild(kind, name)
    assert child is not None, f"no {kind.__name__} named {name!r}"
    return child


def _click(button: QWidget | None) -> None:
    """A left click near the left edge (radio buttons only react on their indicator and text)."""
    assert button is not None
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(6, button.height() // 2))


def _invitation(owner: SigningIdentity | None = None, secrets: int = 0) -> Invitation:
    owner = owner or SigningIdentity.generate()
    return Invitation.create(
        owner.verifying_key, owner.seed, room_secrets=[(v, bytes([v + 1]) * 32) for v in range(secrets)]
    )


def _decode_error(code: str) -> str:
    with pytest.raises(InvitationError) as info:
        Invitation.decode(code)
    return str(info.value)


def _box(dialog: QDialog) -> QDialogButtonBox:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    return box


def _paste(dialog: AcceptInvitationDialog, text: str) -> None:
    _find(dialog, QPlainTextEdit, "inviteCodeEdit").setPlainText(text)


def _accept_button(dialog: AcceptInvitationDialog) -> QAbstractButton:
    box = _box(dialog)
    buttons = [b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole]
    assert len(buttons) == 1 and buttons[0].text() == "Accept"
    return buttons[0]


@pytest.fixture
def rooms() -> Rooms:
    return Rooms()


# --- create room -----------------------------------------------------------------------------------


def test_create_room_needs_a_name(qtbot: QtBot) -> None:
    dialog = CreateRoomDialog()
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "CreateRoomDialog"
    ok = _box(dialog).button(OK)
    assert ok.text() == "Create"
    assert not ok.isEnabled()
    name = _find(dialog, QLineEdit, "roomNameEdit")
    QTest.keyClicks(name, "   ")
    assert not ok.isEnabled()
    QTest.keyClicks(name, "Book club ")
    assert ok.isEnabled()
    QTest.keyClicks(_find(dialog, QLineEdit, "nicknameEdit"), " ann ")
    assert (dialog.room_name(), dialog.nickname()) == ("Book club", "ann")
    with qtbot.waitSignal(dialog.accepted):
        _click(ok)


def test_create_room_refuses_accept_while_blank(qtbot: QtBot) -> None:
    dialog = CreateRoomDialog()
    qtbot.addWidget(dialog)
    with qtbot.assertNotEmitted(dialog.accepted, wait=0):
        dialog.accept()


# --- accept invitation -----------------------------------------------------------------------------


def test_accept_invitation_empty_box_is_not_an_error(qtbot: QtBot, rooms: Rooms) -> None:
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "AcceptInvitationDialog"
    error = _find(dialog, QLabel, "inviteError")
    assert not _accept_button(dialog).isEnabled()
    assert error.isHidden() and error.text() == ""
    assert _find(dialog, QWidget, "invitePreview").isHidden()
    _paste(dialog, "  \n ")
    assert not _accept_button(dialog).isEnabled() and error.text() == ""
    assert dialog.invitation() is None


@pytest.mark.parametrize(
    "make_code",
    [
        pytest.param(lambda code: "hello, world", id="garbage"),
        pytest.param(lambda code: code[: len(code) // 2], id="truncated"),
        pytest.param(lambda code: code[:-3], id="cut-off-end"),
        pytest.param(lambda code: code.replace(code[10], "0", 1), id="not-base58"),
        pytest.param(lambda code: base58.b58encode(b"\x01\x02\x03").decode(), id="not-cbor"),
        pytest.param(lambda code: "https://example.org/join?invitation=", id="empty-link"),
    ],
)
def test_accept_invitation_bad_code_shows_the_specific_reason(qtbot: QtBot, rooms: Rooms, make_code: object) -> None:
    code = _invitation().encode()
    bad = make_code(code)  # type: ignore[operator]
    expected = _decode_error(bad)
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    dialog.show()
    _paste(dialog, bad)
    error = _find(dialog, QLabel, "inviteError")
    assert error.isVisible()
    assert error.text().casefold() == expected.casefold()
    assert not _accept_button(dialog).isEnabled()
    assert dialog.invitation() is None
    assert not _find(dialog, QWidget, "invitePreview").isVisible()
    with qtbot.assertNotEmitted(dialog.invitation_accepted, wait=0):
        dialog.accept()
    assert dialog.isVisible()


def test_accept_invitation_truncated_code_says_incomplete(qtbot: QtBot, rooms: Rooms) -> None:
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    _paste(dialog, _invitation().encode()[:-40])
    assert "incomplete" in _find(dialog, QLabel, "inviteError").text()


def test_accept_invitation_valid_code_previews_the_room(qtbot: QtBot, rooms: Rooms) -> None:
    owner = SigningIdentity.generate()
    invitation = _invitation(owner, secrets=2)
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    dialog.show()
    _paste(dialog, "https://freenet.example/v1/river/?invitation=" + invitation.encode())
    assert _accept_button(dialog).isEnabled()
    assert _find(dialog, QLabel, "inviteError").isHidden()
    assert _find(dialog, QWidget, "invitePreview").isVisible()
    assert dialog.invitation() == invitation
    key = base58.b58encode(owner.verifying_key).decode()
    room_key = _find(dialog, QLabel, "previewRoomKey")
    assert room_key.toolTip() == key
    assert room_key.text().startswith(key[:6]) and room_key.text().endswith(key[-6:]) and len(room_key.text()) < 20
    inviter = _find(dialog, QLabel, "previewInviter").text()
    assert member_id_display(member_id(owner.verifying_key)) in inviter and "owner" in inviter
    assert member_id_display(invitation.invitee_member_id) in _find(dialog, QLabel, "previewInvitee").text()
    assert _find(dialog, QLabel, "previewSecrets").text().startswith("2 room secrets")
    assert "adds this room" in dialog.preview_status()


def test_accept_invitation_preview_marks_a_rejoin(qtbot: QtBot, rooms: Rooms) -> None:
    owner = SigningIdentity.generate()
    rooms.removed[owner.verifying_key] = 1
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    _paste(dialog, _invitation(owner).encode())
    assert "rejoins" in dialog.preview_status()
    assert _accept_button(dialog).isEnabled()


def test_accept_invitation_already_member_cannot_accept(qtbot: QtBot, rooms: Rooms) -> None:
    room = rooms.create_room("Mine", "me")
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    _paste(dialog, _invitation(room.self_identity).encode())
    assert "already a member" in dialog.preview_status()
    assert _find(dialog, QLabel, "previewRoomName").text() == "Mine"
    assert not _accept_button(dialog).isEnabled()
    assert dialog.invitation() is None


def test_accept_invitation_emits_the_invitation_and_nickname(qtbot: QtBot, rooms: Rooms) -> None:
    invitation = _invitation()
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    dialog.open()
    _paste(dialog, invitation.encode())
    _find(dialog, QLineEdit, "nicknameEdit").setText(" Zoë ")
    events: list[object] = []
    dialog.invitation_accepted.connect(lambda inv, nick: events.append((inv, nick)))
    dialog.accepted.connect(lambda: events.append("accepted"))
    with qtbot.waitSignal(dialog.accepted):
        _click(_accept_button(dialog))
    assert events == [(invitation, "Zoë"), "accepted"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()
    assert rooms.rooms == {} and rooms.removed == {}


def test_decline_emits_nothing(qtbot: QtBot, rooms: Rooms) -> None:
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    dialog.open()
    _paste(dialog, _invitation().encode())
    decline = next(b for b in _box(dialog).buttons() if b.text() == "Cancel")
    with qtbot.assertNotEmitted(dialog.invitation_accepted), qtbot.waitSignal(dialog.rejected):
        _click(decline)


def _all_visible_text(dialog: QWidget) -> list[str]:
    texts = [dialog.windowTitle(), dialog.toolTip(), dialog.accessibleName(), dialog.accessibleDescription()]
    for widget in dialog.findChildren(QWidget):
        texts += [widget.toolTip(), widget.statusTip(), widget.whatsThis(), widget.accessibleName()]
        texts.append(widget.accessibleDescription())
        if isinstance(widget, QLabel):
            texts.append(widget.text())
    return texts


@pytest.mark.parametrize("mangle", ["valid", "truncated", "tampered", "link"])
def test_accept_invitation_never_shows_the_code(qtbot: QtBot, rooms: Rooms, mangle: str) -> None:
    invitation = _invitation(secrets=1)
    code = invitation.encode()
    pasted = {
        "valid": code,
        "truncated": code[:-25],
        "tampered": code[:300] + ("2" if code[300] != "2" else "3") + code[301:],
        "link": f"https://x.example/?invitation={code}",
    }[mangle]
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    dialog.show()
    _paste(dialog, pasted)
    seed = invitation.invitee_signing_key
    secrets = [
        code[:24],
        pasted.strip()[:24],
        code[-24:],
        base58.b58encode(seed).decode()[:16],
        seed.hex()[:16],
        invitation.room_secrets[0][1].hex()[:16],
    ]
    for text in _all_visible_text(dialog):
        for secret in secrets:
            assert secret not in text


# --- invite member ---------------------------------------------------------------------------------


def test_invite_member_copy_puts_the_code_on_the_clipboard(qtbot: QtBot) -> None:
    code = _invitation().encode()
    dialog = InviteMemberDialog(code, "Book club")
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "InviteMemberDialog"
    output = _find(dialog, QPlainTextEdit, "inviteCodeOutput")
    assert output.isReadOnly() and output.toPlainText() == code
    QGuiApplication.clipboard().clear()
    _click(dialog.copyButton)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == code)
    warning = _find(dialog, QLabel, "inviteWarning").text()
    assert "secret" in warning and "anyone who has it can join" in warning
    assert "Book club" in dialog.windowTitle()
    assert code not in " ".join(_all_visible_text(dialog))
    close = _box(dialog).button(QDialogButtonBox.StandardButton.Close)
    with qtbot.waitSignal(dialog.finished):
        _click(close)


# --- edit room, nickname, notifications, leave -----------------------------------------------------


def test_edit_room_as_owner(qtbot: QtBot, rooms: Rooms) -> None:
    room = rooms.create_room("Old", "me", "about things")
    dialog = EditRoomDialog(room)
    qtbot.addWidget(dialog)
    name = _find(dialog, QLineEdit, "roomNameEdit")
    assert name.isEnabled() and not name.isReadOnly() and name.text() == "Old"
    assert _find(dialog, QLabel, "ownerHint").isHidden()
    ok = _box(dialog).button(OK)
    name.clear()
    assert not ok.isEnabled()
    QTest.keyClicks(name, "New ")
    _find(dialog, QPlainTextEdit, "descriptionEdit").setPlainText("new topic")
    assert ok.isEnabled()
    assert dialog.values() == ("New", "new topic")


def test_edit_room_as_member_is_read_only(qtbot: QtBot, rooms: Rooms) -> None:
    room = rooms.accept_invitation(_invitation(), "guest")
    dialog = EditRoomDialog(room)
    qtbot.addWidget(dialog)
    dialog.show()
    name = _find(dialog, QLineEdit, "roomNameEdit")
    assert name.isReadOnly() and not name.isEnabled()
    assert _find(dialog, QLabel, "ownerHint").isVisible()
    assert not _box(dialog).button(OK).isEnabled()


def test_nickname_dialog_needs_a_nickname(qtbot: QtBot) -> None:
    dialog = NicknameDialog("ann")
    qtbot.addWidget(dialog)
    edit = _find(dialog, QLineEdit, "nicknameEdit")
    ok = _box(dialog).button(OK)
    assert edit.text() == "ann" and ok.isEnabled()
    edit.setText("  ")
    assert not ok.isEnabled()
    edit.setText(" bob ")
    assert ok.isEnabled() and dialog.nickname() == "bob"


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("notifyAll", NotificationMode.ALL),
        ("notifyMentions", NotificationMode.MENTIONS_AND_REPLIES),
        ("notifyMuted", NotificationMode.MUTED),
    ],
)
def test_notifications_dialog_returns_the_chosen_mode(qtbot: QtBot, name: str, mode: NotificationMode) -> None:
    start = NotificationMode.MUTED if mode is NotificationMode.ALL else NotificationMode.ALL
    dialog = NotificationsDialog(start)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.mode() is start
    texts = {b.objectName(): re.sub("&(.)", r"\1", b.text()) for b in dialog.findChildren(QRadioButton)}
    assert texts == {"notifyAll": "All messages", "notifyMentions": "Mentions & replies", "notifyMuted": "Muted"}
    _click(_find(dialog, QRadioButton, name))
    assert dialog.mode() is mode


@pytest.mark.parametrize("is_owner", [False, True])
def test_leave_dialog(qtbot: QtBot, is_owner: bool) -> None:
    dialog = LeaveRoomDialog("Book club", is_owner)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.objectName() == "LeaveRoomDialog"
    assert "Book club" in _find(dialog, QLabel, "leaveMessage").text()
    warning = _find(dialog, QLabel, "leaveOwnerWarning")
    assert warning.isVisible() is is_owner
    assert "You created this room" in warning.text()
    box = _box(dialog)
    leave = _find(dialog, QAbstractButton, "leaveButton")
    assert box.buttonRole(leave) == QDialogButtonBox.ButtonRole.DestructiveRole
    assert box.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    with qtbot.waitSignal(dialog.accepted):
        _click(leave)


def test_every_dialog_has_a_button_box_and_named_widgets(qtbot: QtBot, rooms: Rooms) -> None:
    room = rooms.create_room("R", "me")
    dialogs: list[QDialog] = [
        CreateRoomDialog(),
        AcceptInvitationDialog(rooms),
        InviteMemberDialog("x", "R"),
        EditRoomDialog(room),
        NicknameDialog("me"),
        NotificationsDialog(NotificationMode.ALL),
        LeaveRoomDialog("R", True),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert dialog.objectName() == type(dialog).__name__
        assert len(dialog.findChildren(QDialogButtonBox)) == 1
        for widget in dialog.findChildren(QWidget):
            if isinstance(widget, QLineEdit | QPlainTextEdit | QRadioButton | QDialogButtonBox):
                assert widget.objectName(), f"{type(dialog).__name__}: unnamed {type(widget).__name__}"


def test_icons_load_from_resources_or_fall_back(qtbot: QtBot) -> None:
    from river_desktop.ui import icons

    icons.clear_cache()
    for mode in NotificationMode:
        assert not icons.notification_icon(mode).isNull()
    assert not icons.waiting_icon().isNull() and not icons.app_icon().isNull()
    assert icons.icon_path("no/such-icon") is None
    assert icons.icon("no/such-icon").isNull()
    assert not icons.icon("no/such-icon", QStyle.StandardPixmap.SP_DirIcon).isNull()


def test_accept_invitation_buttons_are_the_standard_ok_and_cancel(qtbot: QtBot, rooms: Rooms) -> None:
    dialog = AcceptInvitationDialog(rooms)
    qtbot.addWidget(dialog)
    box = _box(dialog)
    assert box.button(OK).text() == "Accept"
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"
