"""Ctrl+Shift+F through real widgets: this room or all rooms, results with room, author, time and the match, and
Enter opening the chosen message in its room with its context loaded, however far back it is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QRadioButton, QTreeWidget
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_view.search_dialog import SearchDialog
from tests.gui.conftest import WAIT_MS, DesktopFactory, child, create_room_via_dialog, open_window, run

OTHER = SigningIdentity(bytes([11]) * 32)


def fill(qtbot: QtBot, window: MainWindow, room: bytes, texts: list[str], start: int) -> list[AuthorizedMessage]:
    msgs = [
        AuthorizedMessage.create(room, OTHER, SystemTime(start + i), RoomMessageBody.text(text))
        for i, text in enumerate(texts)
    ]
    session = window.controller.open_session("fill")
    run(qtbot, window.controller.append_messages(session, room, msgs))
    return msgs


def open_search(qtbot: QtBot, window: MainWindow) -> SearchDialog:
    window.activateWindow()  # the room dialogs just closed: shortcuts go to the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+F"))
    dialog = window.dialog("SearchDialog")
    assert isinstance(dialog, SearchDialog)
    dialog.show()
    return dialog


def type_and_wait(qtbot: QtBot, dialog: SearchDialog, text: str) -> QTreeWidget:
    edit = child(dialog, QLineEdit, "searchEdit")
    edit.clear()
    with qtbot.waitSignal(dialog.searched, timeout=WAIT_MS, check_params_cb=lambda t, _n: t == text):
        QTest.keyClicks(edit, text)
    return child(dialog, QTreeWidget, "searchResults")


def rows(results: QTreeWidget) -> list[list[str]]:
    out = []
    for i in range(results.topLevelItemCount()):
        item = results.topLevelItem(i)
        assert item is not None
        out.append([item.text(c) for c in range(4)])
    return out


def test_this_room_or_all_rooms_and_what_a_result_shows(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    window.show()
    garden = create_room_via_dialog(qtbot, window, "Garden")
    kitchen = create_room_via_dialog(qtbot, window, "Kitchen")
    fill(qtbot, window, garden, ["tomato seedlings"], 1_700_000_000)
    fill(qtbot, window, kitchen, ["tomato soup", "bread"], 1_700_000_100)
    run(qtbot, window.open_room(kitchen))  # type: ignore[arg-type]

    dialog = open_search(qtbot, window)
    assert child(dialog, QRadioButton, "thisRoomButton").isChecked()
    results = type_and_wait(qtbot, dialog, "tomato")
    shown = rows(results)
    assert [r[0] for r in shown] == ["Kitchen"]
    assert shown[0][1] == member_id_display(OTHER.member_id)  # not a member of the room: its id is shown
    assert shown[0][2].startswith("2023-11-14") and shown[0][3] == "tomato soup"

    with qtbot.waitSignal(dialog.searched, timeout=WAIT_MS):
        child(dialog, QRadioButton, "allRoomsButton").click()
    assert [(r[0], r[3]) for r in rows(results)] == [("Kitchen", "tomato soup"), ("Garden", "tomato seedlings")]
    assert dialog.statusLabel.text() == "2 messages, newest first"

    type_and_wait(qtbot, dialog, "?!*")
    assert rows(results) == [] and dialog.statusLabel.text() == "No messages found."
    dialog.reject()


def test_enter_jumps_to_an_old_message_with_its_context(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    window.show()
    archive = create_room_via_dialog(qtbot, window, "Archive")
    create_room_via_dialog(qtbot, window, "Elsewhere")  # the current room when the search starts
    texts = [f"entry {i}" for i in range(1_200)]
    texts[30] = "the needle is here"
    msgs = fill(qtbot, window, archive, texts, 1_600_000_000)

    dialog = open_search(qtbot, window)
    assert child(dialog, QRadioButton, "thisRoomButton").isChecked()  # this room (Elsewhere) first
    child(dialog, QRadioButton, "allRoomsButton").click()
    results = type_and_wait(qtbot, dialog, "needle")
    assert [(r[0], r[3]) for r in rows(results)] == [("Archive", "the needle is here")]
    QTest.keyClick(child(dialog, QLineEdit, "searchEdit"), Qt.Key.Key_Return)

    view = window.roomView
    qtbot.waitUntil(lambda: window.current_room == archive, timeout=WAIT_MS)

    def selected() -> int | None:
        shown = view.selected_message()
        return None if shown is None else shown.item.message_id

    qtbot.waitUntil(lambda: selected() == msgs[30].id, timeout=WAIT_MS)
    assert window.dialog("SearchDialog") is None
    # context: the messages around it are loaded too (older ones above, the rest up to the newest below)
    for neighbour in (msgs[0], msgs[29], msgs[31], msgs[-1]):
        assert view.model.row_of(neighbour.id) >= 0


def test_a_match_shows_mentions_as_at_name_even_where_the_snippet_cuts_a_token(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    window = open_window(qtbot, make_desktop())
    window.show()
    garden = create_room_via_dialog(qtbot, window, "Garden", nickname="Robin")
    me = member_id_display(window.rooms.rooms[garden].self_member_id)
    words = " ".join(f"w{i}" for i in range(14))
    fill(
        qtbot,
        window,
        garden,
        [f"thanks @[Old Name](rv:{me}) for the tomato", f"@[Bob](rv:ZZZZZZZZ) {words} courgette"],
        1_700_000_000,
    )
    dialog = open_search(qtbot, window)
    assert [r[3] for r in rows(type_and_wait(qtbot, dialog, "tomato"))] == ["thanks @Robin for the tomato"]
    assert [r[3] for r in rows(type_and_wait(qtbot, dialog, "courgette"))] == [f"@Bob {words} courgette"]
