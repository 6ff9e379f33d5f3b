"""Issue 10's window-level rough edges: focus, drafts, status bar, notifications, tray, titles, menus.

Real windows on real profiles in tmp dirs, offscreen; each test fails without its fix.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.rooms import Rooms
from river_desktop.ui.main_window import MainWindow
from tests.gui.conftest import DesktopFactory, accept_via_dialog, create_room_via_dialog, open_window, run


def activate(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def has_composer_focus(window: MainWindow) -> bool:
    return window.focusWidget() is window.roomView.composer


# ---------------------------------------------------------------------------- 1. focus


def test_composer_has_focus_after_create_join_open_and_start(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    activate(qtbot, window)
    first = create_room_via_dialog(qtbot, window, "First")
    qtbot.waitUntil(lambda: has_composer_focus(window))

    window.roomFilter.setFocus()
    other = Rooms()
    elsewhere = other.create_room("Elsewhere", "owner")
    accept_via_dialog(qtbot, window, Invitation.create(elsewhere.owner_vk, elsewhere.self_identity.seed).encode())
    qtbot.waitUntil(lambda: window.current_room == elsewhere.owner_vk)
    qtbot.waitUntil(lambda: has_composer_focus(window))

    window.roomFilter.setFocus()
    index = window.proxy.index_of(first)
    window.roomList.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert window.current_room == first
    qtbot.waitUntil(lambda: has_composer_focus(window))

    # arrow keys in the list move through the rooms without leaving the list
    activate(qtbot, window)
    window.roomList.setFocus()
    qtbot.waitUntil(window.roomList.hasFocus)
    QTest.keyClick(window.roomList, Qt.Key.Key_End)
    assert window.current_room == elsewhere.owner_vk
    assert window.focusWidget() is window.roomList

    desktop.request_quit()
    run(qtbot, desktop.shutdown())
    again = make_desktop(tmp_path / "profile")
    (restored,) = again.restore_windows()
    qtbot.waitUntil(lambda: restored.is_loaded and restored.current_room == elsewhere.owner_vk)
    activate(qtbot, restored)
    qtbot.waitUntil(lambda: has_composer_focus(restored))
    assert restored.roomView.composer.hasFocus()
