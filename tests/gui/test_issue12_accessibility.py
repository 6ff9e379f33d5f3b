"""Issue 12's dialogs and menus in the accessibility and mnemonic checks the older ones pass: every focusable
control of the search, ban, identity export/import, rotate-secret dialogs and the reaction picker has a name a
screen reader says, and no two entries of the member menu or the message menu share a mnemonic."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QMenu
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.ui.main_window import MainWindow
from tests.gui.conftest import DesktopFactory, open_window, wait_saved
from tests.gui.issue12_steps import select
from tests.gui.room_steps import deliver
from tests.gui.test_accessibility import unnamed_controls
from tests.gui.test_menus import mnemonics
from tests.gui.test_private_rooms import create_private

NOW = SystemTime(1_800_000_000, 0)


def _with_a_member(qtbot: QtBot, window: MainWindow, room: bytes) -> int:
    invitation = Invitation.create(room, window.rooms.get(room).self_identity.seed)
    joined = ops.join(window.rooms.get(room).room_state, invitation, "bob", now=NOW)
    assert joined.state is not None
    deliver(qtbot, window, room, joined.state)
    return invitation.invitee_identity.member_id


def _named(qtbot: QtBot, window: MainWindow, name: str) -> list[str]:
    qtbot.waitUntil(lambda: window.dialog(name) is not None)
    dialog = window.dialog(name)
    assert isinstance(dialog, QDialog)
    dialog.show()
    missing = unnamed_controls(dialog)
    dialog.reject()
    qtbot.waitUntil(lambda: window.dialog(name) is None)
    return missing


def _unique(menu: QMenu) -> list[str]:
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    keys = mnemonics(texts)
    assert len(keys) == len(texts), f"an entry without a mnemonic in {texts}"
    return [k for k in set(keys) if keys.count(k) > 1]


def test_issue_12_dialogs_name_every_control_and_its_menus_have_unique_mnemonics(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    window.show()
    room = create_private(qtbot, window, "Secret club", "ann")
    bob = _with_a_member(qtbot, window, room)
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    message = window.post_message("name everything")
    assert message is not None
    wait_saved(qtbot, window)
    qtbot.waitUntil(lambda: window.roomView.model.message(message.id) is not None)

    problems: dict[str, list[str]] = {}
    features = window.roomFeatures
    for action, name in [
        (window.actionSearch, "SearchDialog"),
        (features.actionExportIdentity, "ExportIdentityDialog"),
        (features.actionImportIdentity, "ImportIdentityDialog"),
        (features.actionRotateSecret, "RotateSecretDialog"),
    ]:
        assert action.isEnabled(), name
        action.trigger()
        problems[name] = _named(qtbot, window, name)

    menu = features.build_member_menu(window.rooms.get(room), bob)
    assert _unique(menu) == [], "member menu"
    (ban,) = [a for a in menu.actions() if a.objectName() == "memberBanAction"]
    ban.trigger()
    problems["BanDialog"] = _named(qtbot, window, "BanDialog")

    select(qtbot, window, message.id)
    message_menu = QMenu(window)
    message_menu.addActions(window.roomView.messageList.actions())
    assert _unique(message_menu) == [], "message menu"
    picker = window.roomView.react_to_selected_message()
    assert picker is not None
    problems["ReactionPicker"] = unnamed_controls(picker)
    picker.reject()
    assert {k: v for k, v in problems.items() if v} == {}
