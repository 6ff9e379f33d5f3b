"""Issue 10: the member panel stays hidden (or shown) across restarts, as the user left it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from river_desktop.ui.settings import DesktopSettings
from tests.gui.conftest import DesktopFactory, click, create_room_via_dialog, open_window, run


def test_the_member_panel_hidden_state_survives_a_restart(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    window = open_window(qtbot, desktop)
    create_room_via_dialog(qtbot, window, "Panel")
    assert window.roomView.members_visible()
    click(window.roomView.membersToggle)
    assert not window.roomView.members_visible()
    run(qtbot, desktop.shutdown())
    assert DesktopSettings(profile).members_visible() is False

    again = open_window(qtbot, make_desktop(profile))
    assert not again.roomView.members_visible() and not again.roomView.membersToggle.isChecked()
    click(again.roomView.membersToggle)
    assert again.roomView.members_visible()
    assert DesktopSettings(profile).members_visible() is True


def test_the_member_panel_is_shown_on_a_new_profile(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    assert window.roomView.members_visible()
