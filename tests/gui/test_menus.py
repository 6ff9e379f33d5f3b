"""Menus: unique mnemonics, one name for Room Settings, a generated shortcut list, an About that keeps paths whole."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QMenuBar
from pytestqt.qtbot import QtBot

from river_desktop.ui.dialogs import EditRoomDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.shortcuts import ShortcutsDialog, plain_text
from tests.gui.conftest import DesktopFactory, create_room_via_dialog, open_window

MNEMONIC = re.compile(r"&([^&])")


def mnemonics(texts: list[str]) -> list[str]:
    return [m.group(1).lower() for text in texts for m in [MNEMONIC.search(text.replace("&&", ""))] if m]


def menus_of(window: MainWindow) -> dict[str, QMenu | QMenuBar]:
    bar = window.menuBar()
    found: dict[str, QMenu | QMenuBar] = {"menu bar": bar}
    for action in bar.actions():
        menu = action.menu()
        assert isinstance(menu, QMenu)
        found[menu.objectName()] = menu
    return found


def test_no_two_items_of_a_menu_share_a_mnemonic(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    window.show()
    create_room_via_dialog(qtbot, window, "Somewhere")
    window.roomList.setFocus()
    QTest.keyClick(window.roomList, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    context = window.findChild(QMenu, "roomContextMenu")
    assert context is not None
    assert desktop.tray is not None
    menus = {**menus_of(window), "room context menu": context, "tray menu": desktop.tray.menu}
    assert {"menuFile", "menuRoom", "menuGo", "menuHelp"} <= menus.keys()
    for name, menu in menus.items():
        texts = [a.text() for a in menu.actions() if not a.isSeparator()]
        keys = mnemonics(texts)
        assert len(keys) == len(texts), f"{name}: an item without a mnemonic in {texts}"
        assert len(set(keys)) == len(keys), f"{name}: shared mnemonics in {texts}"
    context.close()


def test_room_settings_has_one_name(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    create_room_via_dialog(qtbot, window, "Somewhere")
    assert plain_text(window.actionRenameRoom) == "Room Settings"
    window.actionRenameRoom.trigger()
    dialog = window.dialog("EditRoomDialog")
    assert isinstance(dialog, EditRoomDialog)
    assert dialog.windowTitle() == plain_text(window.actionRenameRoom)
    dialog.reject()


def test_keyboard_shortcuts_lists_every_actions_shortcut(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    window.show()
    keys = {k.toString() for k in window.actionShortcuts.shortcuts()}
    assert keys == {"F1", "Ctrl+/"}
    help_menu = window.findChild(QMenu, "menuHelp")
    assert help_menu is not None and window.actionShortcuts in help_menu.actions()
    QTest.keySequence(window, QKeySequence("Ctrl+/"))
    dialog = window.dialog("ShortcutsDialog")
    assert isinstance(dialog, ShortcutsDialog)
    rows = dialog.rows()
    listed = {(what, key) for what, keys_text in rows for key in keys_text.split(", ")}
    with_shortcuts = [a for a in window.findChildren(QAction) if any(not k.isEmpty() for k in a.shortcuts())]
    assert len(with_shortcuts) >= 10
    for action in with_shortcuts:
        for sequence in action.shortcuts():
            entry = (plain_text(action), sequence.toString(QKeySequence.SequenceFormat.NativeText))
            assert entry in listed, f"{entry} missing from the shortcut list"
    assert ("Keyboard Shortcuts", "F1") in listed and ("New Window", "Ctrl+N") in listed
    dialog.reject()
    qtbot.waitUntil(lambda: window.dialog("ShortcutsDialog") is None)
    QTest.keyClick(window, Qt.Key.Key_F1)
    assert isinstance(window.dialog("ShortcutsDialog"), ShortcutsDialog)


def test_about_shows_paths_whole_and_selectable(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    profile = tmp_path / ("a-long-profile-folder-name-" * 8) / "profile"
    desktop = make_desktop(profile)
    window = open_window(qtbot, desktop)
    window.actionAbout.trigger()
    dialog = window.dialog("AboutDialog")
    assert dialog is not None
    dialog.show()
    fields = {f.objectName(): f for f in dialog.findChildren(QLineEdit)}
    data, logs = fields["aboutDataPath"], fields["aboutLogPath"]
    assert data.text() == str(profile) and logs.text() == str(tmp_path / "logs")
    assert data.isReadOnly() and logs.isReadOnly()
    for label in dialog.findChildren(QLabel):
        assert str(profile) not in label.text() and "/" not in label.text(), "no label holds a path it could wrap"
    assert dialog.minimumSizeHint().width() < 800, "a long path does not widen the dialog"
    data.selectAll()
    assert data.selectedText() == str(profile)
    dialog.reject()
