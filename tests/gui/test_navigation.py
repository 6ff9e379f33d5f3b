"""Moving between rooms by keyboard: the pure choices, table-driven, then the real keys on a real window."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.navigation import nth, step, step_unread
from river_desktop.ui.shortcuts import ShortcutsDialog
from tests.gui.conftest import DesktopFactory, create_room_via_dialog, open_window, run
from tests.gui.river_world import text_message

A, B, C, D = (bytes([i]) * 32 for i in range(1, 5))
KEYS = [A, B, C, D]

Ctrl = Qt.KeyboardModifier.ControlModifier
Alt = Qt.KeyboardModifier.AltModifier
Shift = Qt.KeyboardModifier.ShiftModifier


@pytest.mark.parametrize(
    ("keys", "current", "delta", "expected"),
    [
        (KEYS, A, 1, B),
        (KEYS, D, 1, A),  # wraps at the end
        (KEYS, A, -1, D),  # and at the start
        (KEYS, C, -1, B),
        (KEYS, None, 1, A),  # no current room: the first
        (KEYS, None, -1, D),  # or the last
        (KEYS, b"gone" * 8, 1, A),  # a current room the filter hides: as if none
        ([A], A, 1, A),
        ([], None, 1, None),
    ],
)
def test_step(keys: list[bytes], current: bytes | None, delta: int, expected: bytes | None) -> None:
    assert step(keys, current, delta) == expected


@pytest.mark.parametrize(
    ("unread", "current", "delta", "expected"),
    [
        ({B: 1, D: 2}, A, 1, B),
        ({B: 1, D: 2}, B, 1, D),
        ({B: 1, D: 2}, D, 1, B),  # wraps
        ({B: 1, D: 2}, A, -1, D),
        ({B: 1, D: 2}, C, -1, B),
        ({B: 1}, B, 1, None),  # only the current room is unread: nowhere to go
        ({B: 0, C: 0}, A, 1, None),
        ({}, None, 1, None),
        ({C: 3}, None, 1, C),
        ({A: 1, C: 3}, None, -1, C),
    ],
)
def test_step_unread(unread: dict[bytes, int], current: bytes | None, delta: int, expected: bytes | None) -> None:
    assert step_unread(KEYS, unread, current, delta) == expected


@pytest.mark.parametrize(("n", "expected"), [(1, A), (4, D), (5, None), (0, None), (9, None)])
def test_nth(n: int, expected: bytes | None) -> None:
    assert nth(KEYS, n) == expected


def four_rooms(qtbot: QtBot, window: MainWindow) -> list[bytes]:
    """Four rooms, in the order the list shows them."""
    made = {create_room_via_dialog(qtbot, window, name) for name in ("Alpha", "Bravo", "Charlie", "Delta")}
    shown = window.shown_room_keys()
    assert set(shown) == made and len(shown) == 4
    return shown


def focus_list(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.roomList.setFocus()
    qtbot.waitUntil(window.roomList.hasFocus)


def test_ctrl_tab_alt_arrows_and_ctrl_digits_move_between_rooms(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    rooms = four_rooms(qtbot, window)
    focus_list(qtbot, window)
    QTest.keyClick(window.roomList, Qt.Key.Key_1, Ctrl)
    assert window.current_room == rooms[0]
    QTest.keyClick(window.roomList, Qt.Key.Key_Tab, Ctrl)
    assert window.current_room == rooms[1]
    QTest.keySequence(window.roomList, QKeySequence("Ctrl+Shift+Tab"))
    assert window.current_room == rooms[0]
    QTest.keySequence(window.roomList, QKeySequence("Ctrl+Shift+Tab"))
    assert window.current_room == rooms[3], "wraps to the last room"
    QTest.keyClick(window.roomList, Qt.Key.Key_Down, Alt)
    assert window.current_room == rooms[0]
    QTest.keyClick(window.roomList, Qt.Key.Key_Up, Alt)
    assert window.current_room == rooms[3]
    QTest.keyClick(window.roomList, Qt.Key.Key_3, Ctrl)
    assert window.current_room == rooms[2]
    QTest.keyClick(window.roomList, Qt.Key.Key_9, Ctrl)
    assert window.current_room == rooms[2], "no ninth room: nothing moves"
    # the keys work from the message box too, and leave its draft alone
    composer = window.roomView.composer
    composer.setFocus()
    qtbot.waitUntil(composer.hasFocus)
    QTest.keyClicks(composer, "half a thought")
    QTest.keyClick(composer, Qt.Key.Key_Tab, Ctrl)
    assert window.current_room == rooms[3]
    QTest.keyClick(window, Qt.Key.Key_3, Ctrl)
    assert window.current_room == rooms[2]
    qtbot.waitUntil(lambda: window.roomView.composer.toPlainText() == "half a thought")


def test_ctrl_digit_follows_the_filtered_list(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    four_rooms(qtbot, window)
    focus_list(qtbot, window)
    window.roomFilter.setText("ar")  # Charlie only
    qtbot.waitUntil(lambda: len(window.shown_room_keys()) == 1)
    QTest.keyClick(window.roomList, Qt.Key.Key_1, Ctrl)
    assert window.rooms.get(window.current_room or b"").name == "Charlie"


def post_from_stranger(qtbot: QtBot, window: MainWindow, room: bytes, count: int, stranger: SigningIdentity) -> None:
    controller = window.controller
    session = controller.open_session("a stranger")
    now = int(time.time() * 1000)
    messages = [text_message(window.rooms.get(room), f"news {i}", now + i, stranger) for i in range(count)]
    run(qtbot, controller.append_messages(session, room, messages))


def test_alt_shift_arrows_go_to_the_rooms_with_unread_messages(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    rooms = four_rooms(qtbot, window)
    focus_list(qtbot, window)
    QTest.keyClick(window.roomList, Qt.Key.Key_1, Ctrl)
    stranger = SigningIdentity.generate()
    post_from_stranger(qtbot, window, rooms[1], 2, stranger)
    post_from_stranger(qtbot, window, rooms[3], 1, stranger)
    qtbot.waitUntil(lambda: window.unread.get(rooms[1]) == 2 and window.unread.get(rooms[3]) == 1)
    QTest.keyClick(window.roomList, Qt.Key.Key_Up, Alt | Shift)
    assert window.current_room == rooms[3], "upwards from the first room wraps to the last unread one"
    QTest.keyClick(window.roomList, Qt.Key.Key_Down, Alt | Shift)
    assert window.current_room == rooms[1], "Charlie has nothing new: skipped"


def test_esc_marks_the_room_read_when_its_newest_messages_are_out_of_sight(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Busy")
    focus_list(qtbot, window)
    window.roomView.hide()  # a shown view reads what reaches its bottom by itself
    stranger = SigningIdentity.generate()
    post_from_stranger(qtbot, window, room, 3, stranger)
    qtbot.waitUntil(lambda: window.unread.get(room) == 3)
    QTest.keyClick(window.roomList, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.unread.get(room) == 0)
    # a second window of the profile sees the room read too, and so does a restart
    other = open_window(qtbot, desktop)
    qtbot.waitUntil(lambda: other.unread.get(room) == 0)
    assert other.rooms.get(room).last_read == window.rooms.get(room).last_read is not None


def test_esc_in_the_filter_still_clears_it_and_marks_nothing(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    four_rooms(qtbot, window)
    focus_list(qtbot, window)
    window.roomFilter.setFocus()
    QTest.keyClicks(window.roomFilter, "zzz")
    assert window.shown_room_keys() == []
    QTest.keyClick(window.roomFilter, Qt.Key.Key_Escape)
    assert window.roomFilter.text() == "" and len(window.shown_room_keys()) == 4


def test_go_menu_and_shortcut_list_show_every_new_key(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    go = window.findChild(QMenu, "menuGo")
    assert go is not None
    nav = window.navigation
    for action in nav.menu_actions:
        assert action in go.actions()
    window.actionShortcuts.trigger()
    dialog = window.dialog("ShortcutsDialog")
    assert isinstance(dialog, ShortcutsDialog)
    listed = {(what, k) for what, keys in dialog.rows() for k in keys.split(", ")}
    for what, key in [
        ("Next Room", "Ctrl+Tab"),
        ("Next Room", "Alt+Down"),
        ("Previous Room", "Ctrl+Shift+Tab"),
        ("Previous Room", "Alt+Up"),
        ("Next Unread Room", "Alt+Shift+Down"),
        ("Previous Unread Room", "Alt+Shift+Up"),
        ("Mark Room Read", "Esc"),
        ("Room 1 in the List", "Ctrl+1"),
        ("Room 9 in the List", "Ctrl+9"),
        ("Preferences", "Ctrl+,"),
    ]:
        assert (what, key) in listed, f"{(what, key)} missing"
    dialog.reject()
