"""Issue 10's view-level items: content a room owner types never sizes the window, and the rough edges."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.room_state import Configuration
from river_desktop.domain.rooms import RoomData
from river_desktop.ui.dialogs import AcceptInvitationDialog, EditRoomDialog, InviteMemberDialog, LeaveRoomDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.text_widgets import ElidedLabel

from .conftest import DesktopFactory, child, open_window

MAX_MIN_WIDTH = 700


def _with_config(room: RoomData, name: str, description: str) -> RoomData:
    """The room as its owner configured it (built below the domain's input checks: a hostile peer's data)."""
    old = room.room_state.configuration
    version = 1 if old is None else old.version + 1
    config = Configuration.create(room.self_identity, name, description, version)
    return replace(room, room_state=room.room_state.with_configuration(config))


def _show_long_room(qtbot: QtBot, window: MainWindow, name: str, description: str) -> RoomData:
    created = window.create_room("short", "me")
    assert created is not None
    room = window.rooms.rooms[created.owner_vk] = _with_config(created, name, description)
    window.refresh()
    window.select_room(room.owner_vk)
    qtbot.waitUntil(lambda: (shown := window.roomView.current_room()) is not None and shown.name == name)
    return room


@pytest.mark.parametrize(
    ("name", "description"),
    [
        pytest.param("N" * 100, "", id="100-char-name"),
        pytest.param("N" * 10_000, "D" * 10_000, id="10000-char-name-and-description"),
        pytest.param("W" * 10_000, "", id="10000-wide-chars"),
    ],
)
def test_long_room_text_never_widens_the_window(
    qtbot: QtBot, make_desktop: DesktopFactory, name: str, description: str
) -> None:
    window = open_window(qtbot, make_desktop())
    room = _show_long_room(qtbot, window, name, description)
    window.show()
    qtbot.waitExposed(window)
    assert window.minimumSizeHint().width() < MAX_MIN_WIDTH
    assert window.minimumSize().width() < MAX_MIN_WIDTH
    title = child(window.roomView, ElidedLabel, "roomTitle")
    assert title.isVisible() and title.width() < MAX_MIN_WIDTH * 2
    assert title.toolTip() == name  # the full name is still there to read
    join = AcceptInvitationDialog(window.rooms, window)
    join.inviteCodeEdit.setPlainText(Invitation.create(room.owner_vk, room.self_identity.seed).encode())
    assert "already a member" in join.preview_status()
    invite = InviteMemberDialog("code", room.name, window)
    for dialog in (EditRoomDialog(room, window), LeaveRoomDialog(room.name, True, window), join, invite):
        qtbot.addWidget(dialog)
        assert dialog.minimumSizeHint().width() < MAX_MIN_WIDTH, type(dialog).__name__
