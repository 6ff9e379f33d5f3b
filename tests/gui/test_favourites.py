"""Favourites and the Archive in the room list: the context menu, the sections, live sync and restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import b58
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_sections import RoomSection
from tests.gui.conftest import DesktopFactory, child, click, create_room_via_dialog, open_window, run, wait_saved

LIVE_MS = 3000
REPO = Path(__file__).resolve().parents[2]


def menu_action(qtbot: QtBot, window: MainWindow, room: bytes, name: str) -> None:
    """Open the room's context menu as a right click does and trigger one of its entries."""
    index = window.proxy.index_of(room)
    pos = window.roomList.viewport().mapToGlobal(window.roomList.visualRect(index).center())
    window.roomList.contextMenuRequested.emit(room, pos)
    menu = window.findChildren(QMenu, "roomContextMenu")[-1]  # closed menus are deleted later
    action = child(menu, QAction, name)
    assert action.isEnabled()
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: not window.findChildren(QMenu, "roomContextMenu"))


def sections(window: MainWindow) -> list[tuple[bytes, RoomSection, str]]:
    return [(r.key, r.section, r.header) for r in window.model.rows()]


def visible(window: MainWindow, room: bytes) -> bool:
    return window.proxy.index_of(room).isValid()


def cli(profile: Path, *args: str) -> str:
    cmd = [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "--json", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_favourites_and_archive_survive_a_restart_and_show_in_a_second_window(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    one, two, three = (create_room_via_dialog(qtbot, a, name) for name in ("One", "Two", "Three"))
    menu_action(qtbot, a, three, "actionPinRoom")
    menu_action(qtbot, a, two, "actionPinRoom")
    menu_action(qtbot, a, one, "actionArchiveRoom")
    expected = [
        (three, RoomSection.FAVOURITES, "Favourites"),
        (two, RoomSection.FAVOURITES, ""),
        (one, RoomSection.ARCHIVE, "Archive"),
    ]
    assert sections(a) == expected
    toggle = a.archiveToggle
    assert toggle.isVisible() and "Archive (1)" in toggle.text()
    assert not visible(a, one)  # collapsed ...
    click(toggle)
    assert visible(a, one)  # ... and reachable
    assert (
        a.roomList.visualRect(a.proxy.index_of(three)).height() > a.roomList.visualRect(a.proxy.index_of(two)).height()
    )  # the header is painted above the section's first row

    # drag within the favourites: Two before Three
    assert a.roomList.model().moveRow(a.proxy.index_of(two).parent(), 1, a.proxy.index_of(two).parent(), 0)
    expected[:2] = [(two, RoomSection.FAVOURITES, "Favourites"), (three, RoomSection.FAVOURITES, "")]
    assert sections(a) == expected
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: sections(b) == expected, timeout=LIVE_MS)
    assert not visible(b, one)

    run(qtbot, desktop.shutdown())
    again = make_desktop(tmp_path / "profile")
    c = open_window(qtbot, again)
    assert sections(c) == expected
    menu_action(qtbot, c, two, "actionUnpinRoom")
    click(c.archiveToggle)
    menu_action(qtbot, c, one, "actionUnarchiveRoom")
    assert sections(c) == [
        (three, RoomSection.FAVOURITES, "Favourites"),
        (one, RoomSection.ROOMS, "Rooms"),  # back in its place in the manual order
        (two, RoomSection.ROOMS, ""),
    ]
    assert not c.archiveToggle.isVisible()


def test_the_cli_and_the_app_see_each_others_marks_live(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    window = open_window(qtbot, desktop)
    one, two = (create_room_via_dialog(qtbot, window, name) for name in ("One", "Two"))
    cli(profile, "rooms", "pin", b58(two))
    qtbot.waitUntil(lambda: sections(window)[0] == (two, RoomSection.FAVOURITES, "Favourites"), timeout=LIVE_MS)
    menu_action(qtbot, window, one, "actionArchiveRoom")
    wait_saved(qtbot, window)
    listed = json.loads(cli(profile, "rooms", "list", "--all"))
    assert [(r["key"], r["pinned"], r["archived"]) for r in listed] == [
        (b58(two), True, False),
        (b58(one), False, True),
    ]
    assert [r["key"] for r in json.loads(cli(profile, "rooms", "list"))] == [b58(two)]


def test_a_new_message_from_someone_else_brings_an_archived_room_back(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Quiet")
    create_room_via_dialog(qtbot, window, "Other")
    menu_action(qtbot, window, room, "actionArchiveRoom")
    wait_saved(qtbot, window)
    assert not visible(window, room)

    friend = Rooms()
    friend.accept_invitation(Invitation.create(room, window.rooms.get(room).self_identity.seed), "friend")
    friend.receive_state(room, window.rooms.get(room).room_state)
    friend.post_message(room, "are you there?")
    ctl = desktop.controller
    session = ctl.open_session("the network")
    arrived = run(qtbot, ctl.load(session))
    arrived.receive_state(room, friend.rooms[room].room_state)  # as a sync from the network would
    run(qtbot, ctl.save(session, arrived))

    qtbot.waitUntil(lambda: room not in window.rooms.archived and visible(window, room), timeout=LIVE_MS)
    wait_saved(qtbot, window)
    listed = json.loads(cli(desktop.profile_dir, "rooms", "list"))
    assert b58(room) in [r["key"] for r in listed]
