"""A ban through the real member menu hides the banned member's messages (text and join event) in this
window, in a second window of the same profile and in search, while their history keys stay in the store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.ui.ban_dialog import BanDialog
from river_desktop.ui.main_window import MainWindow
from tests.gui.conftest import DesktopFactory, child, click, open_window, run, wait_saved
from tests.gui.room_steps import deliver, post
from tests.gui.test_moderation import action, open_menu, owned_room
from tests.gui.test_search_dialog import open_search, rows, type_and_wait

LIVE_MS = 5000


def authors_shown(window: MainWindow) -> set[int]:
    return {m.author_id for m in window.roomView.model.messages()}


def test_a_ban_hides_the_members_messages_in_every_window_and_in_search(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "ann")
    window = open_window(qtbot, desktop)
    room, _ann, bob, carol = owned_room(qtbot, window)
    state = window.rooms.get(room).room_state
    said = ops.post_text(state, room, ops.Me(bob), "pineapple from bob", now=SystemTime(1_800_000_100, 0))
    deliver(qtbot, window, room, said.state)
    qtbot.waitUntil(lambda: "pineapple from bob" in [m.text for m in window.roomView.model.messages()])
    post(qtbot, window, room, "pineapple from ann")

    other = open_window(qtbot, desktop)
    other.show()
    other.select_room(room)
    qtbot.waitUntil(lambda: bob.member_id in authors_shown(other), timeout=LIVE_MS)
    assert {bob.member_id, carol.member_id} <= authors_shown(window)  # their join events and bob's text
    stored = run(qtbot, window.controller.message_count(room))
    found = [r[3] for r in rows(type_and_wait(qtbot, open_search(qtbot, window), "pineapple"))]
    assert sorted(found) == ["pineapple from ann", "pineapple from bob"]
    window.dialog("SearchDialog").close()  # type: ignore[union-attr]

    window.activateWindow()
    menu = open_menu(qtbot, window, bob.member_id)
    action(menu, "memberBanAction").trigger()
    menu.close()
    dialog = window.dialog("BanDialog")
    assert isinstance(dialog, BanDialog)
    assert "bob's messages are hidden" in dialog.summaryLabel.text()
    click(child(dialog, QPushButton, "banButton"))
    wait_saved(qtbot, window)

    qtbot.waitUntil(lambda: bob.member_id not in authors_shown(window), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: bob.member_id not in authors_shown(other), timeout=LIVE_MS)
    assert "pineapple from bob" not in [m.text for m in other.roomView.model.messages()]
    assert "pineapple from ann" in [m.text for m in window.roomView.model.messages()]  # the owner's stay
    assert run(qtbot, window.controller.message_count(room)) == stored  # nothing deleted from the store
    assert [r[3] for r in rows(type_and_wait(qtbot, open_search(qtbot, window), "pineapple"))] == ["pineapple from ann"]
