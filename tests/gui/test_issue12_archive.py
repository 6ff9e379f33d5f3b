"""The Archive "if the user wants": Archive lets a new message from someone else bring the room back, Archive for
Good keeps it there; the choice is kept in ``rooms_meta`` like the CLI's ``rooms archive --stay``, seen by a second
window and by the CLI."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import b58
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_sections import STAYS, WAKES
from tests.gui.conftest import DesktopFactory, create_room_via_dialog, open_window, run, wait_saved
from tests.gui.issue12_steps import LIVE_MS, cli
from tests.gui.test_favourites import menu_action, visible


def _someone_posts(qtbot: QtBot, window: MainWindow, room: bytes, text: str) -> int:
    """A member on another device posts; the state arrives through the store as a sync would write it."""
    friend = Rooms()
    friend.accept_invitation(Invitation.create(room, window.rooms.get(room).self_identity.seed), "friend")
    friend.receive_state(room, window.rooms.get(room).room_state)
    posted = friend.post_message(room, text)
    ctl = window.desktop.controller
    session = ctl.open_session("the network")
    arrived = run(qtbot, ctl.load(session))
    arrived.receive_state(room, friend.rooms[room].room_state)
    run(qtbot, ctl.save(session, arrived))
    return posted.id


def test_archive_for_good_stays_archived_when_a_message_arrives(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    quiet = create_room_via_dialog(qtbot, a, "Quiet")
    woken = create_room_via_dialog(qtbot, a, "Woken")
    create_room_via_dialog(qtbot, a, "Other")

    a.roomList.contextMenuRequested.emit(quiet, a.roomList.viewport().mapToGlobal(a.roomList.rect().center()))
    menu = a.findChildren(QMenu, "roomContextMenu")[-1]
    tips = {x.objectName(): x.statusTip() for x in menu.actions()}
    assert (tips["actionArchiveRoom"], tips["actionArchiveForGood"]) == (WAKES, STAYS)
    menu.close()
    qtbot.waitUntil(lambda: not a.findChildren(QMenu, "roomContextMenu"))

    menu_action(qtbot, a, quiet, "actionArchiveForGood")
    menu_action(qtbot, a, woken, "actionArchiveRoom")
    wait_saved(qtbot, a)
    for window in (a, b):
        qtbot.waitUntil(lambda w=window: not visible(w, quiet) and not visible(w, woken), timeout=LIVE_MS)  # type: ignore[misc]
    assert not a.rooms.archived[quiet].wake_on_message and a.rooms.archived[woken].wake_on_message

    _someone_posts(qtbot, a, woken, "anyone here?")
    knock = _someone_posts(qtbot, a, quiet, "anyone here?")

    def arrived(window: MainWindow) -> bool:
        return knock in {m.id for m in window.rooms.get(quiet).room_state.recent_messages}

    for window in (a, b):
        qtbot.waitUntil(lambda w=window: visible(w, woken) and woken not in w.rooms.archived, timeout=LIVE_MS)  # type: ignore[misc]
        qtbot.waitUntil(lambda w=window: arrived(w), timeout=LIVE_MS)  # type: ignore[misc]
    wait_saved(qtbot, a)
    assert quiet in a.rooms.archived and quiet in b.rooms.archived and not visible(a, quiet)
    everything = {r["key"]: r["archived"] for r in cli(profile, "rooms", "list", "--all")}
    assert everything[b58(quiet)] is True and everything[b58(woken)] is False
