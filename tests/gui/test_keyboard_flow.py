"""The whole flow by keyboard only: no clicks, no setText — keys into whatever has the focus, as a user
without a mouse works. Create a room, invite, join it in a second profile, post, reply, react, leave."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_view.reaction_picker import ReactionPicker
from tests.gui.conftest import DesktopFactory, open_window, wait_saved

Alt = Qt.KeyboardModifier.AltModifier
Ctrl = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifiers)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def activate(qtbot: QtBot, window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def wait_dialog(qtbot: QtBot, window: MainWindow, name: str) -> QDialog:
    qtbot.waitUntil(lambda: window.dialog(name) is not None)
    dialog = window.dialog(name)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and dialog.isAncestorOf(focused()))
    return dialog


def test_create_invite_join_post_reply_react_leave_without_a_mouse(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    bob = open_window(qtbot, make_desktop(tmp_path / "bob"))

    # create: Ctrl+Shift+N, the name has the focus, Tab goes to the nickname, Enter creates
    activate(qtbot, ann)
    QTest.keySequence(ann, QKeySequence("Ctrl+Shift+N"))
    create = wait_dialog(qtbot, ann, "CreateRoomDialog")
    type_text("Book club")
    press(Qt.Key.Key_Tab)
    assert focused() is create.nicknameEdit
    type_text("ann")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ann.dialog("CreateRoomDialog") is None)
    (room,) = ann.rooms.rooms
    assert ann.rooms.get(room).name == "Book club" and ann.current_room == room
    wait_saved(qtbot, ann)

    # invite: Ctrl+I shows the code with Copy focused; Space copies it, Esc closes
    activate(qtbot, ann)
    QTest.keySequence(ann, QKeySequence("Ctrl+I"))
    wait_dialog(qtbot, ann, "InviteMemberDialog")
    QGuiApplication.clipboard().clear()
    press(Qt.Key.Key_Space)
    code = QGuiApplication.clipboard().text().strip()
    assert Invitation.decode(code).room == room
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: ann.dialog("InviteMemberDialog") is None)

    # join in the second profile: Ctrl+J, paste with Ctrl+V, Alt+N for the nickname, Enter accepts
    activate(qtbot, bob)
    QTest.keySequence(bob, QKeySequence("Ctrl+J"))
    wait_dialog(qtbot, bob, "AcceptInvitationDialog")
    press(Qt.Key.Key_V, Ctrl)
    press(Qt.Key.Key_N, Alt)
    type_text("bob")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bob.dialog("AcceptInvitationDialog") is None)
    assert room in bob.rooms.rooms and bob.current_room == room
    wait_saved(qtbot, bob)

    # post: the composer has the focus after creating the room; Enter sends
    activate(qtbot, ann)
    composer = ann.roomView.composer
    qtbot.waitUntil(composer.hasFocus)  # where creating the room left it
    type_text("Has anyone read Middlemarch?")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(m.text == "Has anyone read Middlemarch?" for m in ann.roomView.model.messages()))
    wait_saved(qtbot, ann)

    # reply: Shift+Tab to the messages, End and Space select the newest, Ctrl+R replies, the composer takes the text
    messages = ann.roomView.messageList
    press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(messages.hasFocus)
    press(Qt.Key.Key_End)
    press(Qt.Key.Key_Space)  # the current row is selected (it may have been current, unselected, already)
    selected = ann.roomView.selected_message()
    assert selected is not None and selected.text == "Has anyone read Middlemarch?"
    press(Qt.Key.Key_R, Ctrl)
    qtbot.waitUntil(composer.hasFocus)
    type_text("Twice, and it gets better")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(m.text == "Twice, and it gets better" for m in ann.roomView.model.messages()))
    (reply,) = [m for m in ann.roomView.model.messages() if m.text == "Twice, and it gets better"]
    assert reply.item.reply_to is not None and reply.item.reply_to.message_id == selected.id
    wait_saved(qtbot, ann)

    # react: back to the messages, the original selected, Ctrl+Shift+R opens the picker, Space picks the first
    press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(messages.hasFocus)
    press(Qt.Key.Key_Home)
    press(Qt.Key.Key_Space)
    assert ann.roomView.selected_message() is not None
    target = ann.roomView.selected_message()
    assert target is not None
    QTest.keySequence(messages, QKeySequence("Ctrl+Shift+R"))
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), ReactionPicker))
    picker = QApplication.activeWindow()
    assert isinstance(picker, ReactionPicker)
    qtbot.waitUntil(lambda: picker.isAncestorOf(focused()))
    first = picker.buttons[0]
    while focused() is not first:
        press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_Space)
    model = ann.roomView.model

    def reactions() -> list[str]:
        return [emoji for m in model.messages() if m.id == target.id for emoji in m.item.reactions]

    qtbot.waitUntil(lambda: reactions() != [])
    assert reactions() == [first.text()]
    wait_saved(qtbot, ann)

    # leave: Ctrl+K to the filter, Down into the list, Del asks, Alt+L leaves
    activate(qtbot, ann)
    QTest.keySequence(ann, QKeySequence("Ctrl+K"))
    qtbot.waitUntil(ann.roomFilter.hasFocus)
    press(Qt.Key.Key_Down)
    qtbot.waitUntil(ann.roomList.hasFocus)
    press(Qt.Key.Key_Delete)
    wait_dialog(qtbot, ann, "LeaveRoomDialog")
    press(Qt.Key.Key_L, Alt)
    qtbot.waitUntil(lambda: room not in ann.rooms.rooms)
    wait_saved(qtbot, ann)
    assert room in bob.rooms.rooms, "the other profile keeps its membership"
