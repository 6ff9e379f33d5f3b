"""Issue 12's keyboard flow names search too: Ctrl+Shift+F, typing, Alt+A for all rooms, Down into the results,
Enter to open the message in its room; keys into whatever has the focus, no clicks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QTreeWidget
from pytestqt.qtbot import QtBot

from river_desktop.ui.room_view.search_dialog import SearchDialog
from tests.gui.conftest import WAIT_MS, DesktopFactory, child, create_room_via_dialog, open_window, wait_saved
from tests.gui.test_keyboard_flow import activate, focused, press, type_text, wait_dialog

Alt = Qt.KeyboardModifier.AltModifier


def test_search_all_rooms_and_open_a_result_without_a_mouse(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    garden = create_room_via_dialog(qtbot, window, "Garden", nickname="ann")
    window.select_room(garden)
    qtbot.waitUntil(lambda: window.current_room == garden)
    older = window.post_message("tomato seedlings are up")
    wait_saved(qtbot, window)
    kitchen = create_room_via_dialog(qtbot, window, "Kitchen", nickname="ann")
    window.select_room(kitchen)
    qtbot.waitUntil(lambda: window.current_room == kitchen)
    assert window.post_message("tomato soup tonight") is not None
    assert older is not None
    wait_saved(qtbot, window)

    activate(qtbot, window)
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+F"))
    dialog = wait_dialog(qtbot, window, "SearchDialog")
    assert isinstance(dialog, SearchDialog)
    edit = child(dialog, QLineEdit, "searchEdit")
    assert focused() is edit
    with qtbot.waitSignal(dialog.searched, timeout=WAIT_MS, check_params_cb=lambda text, n: (text, n) == ("tomato", 1)):
        type_text("tomato")  # this room (Kitchen) first
    with qtbot.waitSignal(dialog.searched, timeout=WAIT_MS, check_params_cb=lambda _text, n: n == 2):
        press(Qt.Key.Key_A, Alt)  # All rooms
    assert dialog.allButton.isChecked()
    press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: focused() is edit)
    results = child(dialog, QTreeWidget, "searchResults")
    press(Qt.Key.Key_Down)  # into the results, on the newest
    assert focused() is results
    press(Qt.Key.Key_Down)  # the older one, in the Garden
    current = results.currentItem()
    assert current is not None and (current.text(0), current.text(3)) == ("Garden", "tomato seedlings are up")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog("SearchDialog") is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.current_room == garden, timeout=WAIT_MS)

    def selected() -> int | None:
        shown = window.roomView.selected_message()
        return None if shown is None else shown.id

    qtbot.waitUntil(lambda: selected() == older.id, timeout=WAIT_MS)
