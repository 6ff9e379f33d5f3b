"""The member context menu through the real member list: Mention, Copy ID and Ban, each decided by
River's rules (``room_ops.ban_refusal``), and the ban's confirmation naming everyone the ban removes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QTreeWidgetItem, QTreeWidgetItemIterator
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.ui.ban_dialog import BanDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_view.member_panel import MemberKeyRole
from tests.gui.conftest import DesktopFactory, child, click, create_room_via_dialog, open_window, wait_saved
from tests.gui.room_steps import Judge, accept, deliver, hand_over, invite, load_oracle

NOW = SystemTime(1_800_000_000, 0)


def add_member(qtbot: QtBot, window: MainWindow, room: bytes, inviter: SigningIdentity, nick: str) -> SigningIdentity:
    """``inviter`` invites a new member who joins elsewhere; the joined state arrives in ``window``."""
    invitation = Invitation.create(room, inviter.seed)
    joined = ops.join(window.rooms.get(room).room_state, invitation, nick, now=NOW)
    assert joined.state is not None
    deliver(qtbot, window, room, joined.state)
    return invitation.invitee_identity


def item_of(window: MainWindow, member: int) -> QTreeWidgetItem:
    it = QTreeWidgetItemIterator(window.roomView.memberList)
    while it.value() is not None:
        item = it.value()
        if item.data(0, MemberKeyRole) == member:
            return item
        it += 1
    raise AssertionError(f"no row for {member_id_display(member)}")


def member_ids(window: MainWindow) -> set[int]:
    found = set()
    it = QTreeWidgetItemIterator(window.roomView.memberList)
    while it.value() is not None:
        found.add(it.value().data(0, MemberKeyRole))
        it += 1
    return found


def open_menu(qtbot: QtBot, window: MainWindow, member: int) -> QMenu:
    """A right-click (a context menu event) on the member's row."""
    members = window.roomView.memberList
    rect = members.visualItemRect(item_of(window, member))
    pos = rect.center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, members.viewport().mapToGlobal(pos))
    QApplication.sendEvent(members.viewport(), event)
    menu = window.roomFeatures.memberMenu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    return menu


def action(menu: QMenu, name: str) -> QAction:
    (found,) = [a for a in menu.actions() if a.objectName() == name]
    return found


def owned_room(qtbot: QtBot, window: MainWindow) -> tuple[bytes, SigningIdentity, SigningIdentity, SigningIdentity]:
    """Ann's room with bob (invited by ann) and carol (invited by bob)."""
    window.show()
    room = create_room_via_dialog(qtbot, window, "Book club", "ann")
    ann = window.rooms.get(room).self_identity
    bob = add_member(qtbot, window, room, ann, "bob")
    carol = add_member(qtbot, window, room, bob, "carol")
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    return room, ann, bob, carol


def test_owner_bans_a_member_and_the_dialog_names_everyone_they_invited(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, ann, bob, carol = owned_room(qtbot, window)
    menu = open_menu(qtbot, window, bob.member_id)
    ban = action(menu, "memberBanAction")
    assert ban.isEnabled()
    ban.trigger()
    menu.close()
    dialog = window.dialog("BanDialog")
    assert isinstance(dialog, BanDialog)
    assert dialog.removed_lines() == [
        f"bob ({member_id_display(bob.member_id)})",
        f"carol ({member_id_display(carol.member_id)})",
    ]
    assert "also removes the 1 member they invited" in dialog.summaryLabel.text()
    click(child(dialog, QPushButton, "banButton"))
    wait_saved(qtbot, window)
    state = window.rooms.get(room).room_state
    assert {am.member.id for am in state.members} == set()
    assert [b.ban.banned_user for b in state.bans] == [bob.member_id]
    assert member_ids(window) == {ann.member_id}


def test_cancelling_the_ban_bans_nobody(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, _ann, _bob, carol = owned_room(qtbot, window)
    menu = open_menu(qtbot, window, carol.member_id)
    action(menu, "memberBanAction").trigger()
    menu.close()
    dialog = window.dialog("BanDialog")
    assert isinstance(dialog, BanDialog)
    assert dialog.removed_lines() == [f"carol ({member_id_display(carol.member_id)})"]
    assert "removes only them" in dialog.summaryLabel.text()
    dialog.reject()
    assert window.rooms.get(room).room_state.bans == ()
    assert len(window.rooms.get(room).room_state.members) == 2


def test_mention_inserts_rivers_token_and_copy_id_copies_the_id(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, _ann, bob, _carol = owned_room(qtbot, window)
    composer = window.roomView.composer
    composer.setPlainText("hello")
    composer.moveCursor(composer.textCursor().MoveOperation.End)
    menu = open_menu(qtbot, window, bob.member_id)
    action(menu, "memberMentionAction").trigger()
    menu.close()
    token = ops.mention(window.rooms.get(room).room_state, bob.member_id)
    assert composer.toPlainText() == f"hello {token} "
    menu = open_menu(qtbot, window, bob.member_id)
    action(menu, "memberCopyIdAction").trigger()
    menu.close()
    assert QGuiApplication.clipboard().text() == member_id_display(bob.member_id)


def test_ban_is_disabled_with_rivers_reason_where_river_refuses_it(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    owner_w = open_window(qtbot, make_desktop(tmp_path / "ann"))
    bob_w = open_window(qtbot, make_desktop(tmp_path / "bob"))
    owner_w.show()
    bob_w.show()
    room = create_room_via_dialog(qtbot, owner_w, "Book club", "ann")
    ann = owner_w.rooms.get(room).self_identity
    accept(qtbot, bob_w, invite(qtbot, owner_w, room), "bob")
    hand_over(qtbot, owner_w, bob_w, room)
    hand_over(qtbot, bob_w, owner_w, room)  # bob's join reaches the owner
    bob = bob_w.rooms.get(room).self_identity
    carol = add_member(qtbot, owner_w, room, ann, "carol")  # invited by the owner, not by bob
    hand_over(qtbot, owner_w, bob_w, room)
    dave = add_member(qtbot, bob_w, room, bob, "dave")  # bob's own invitee
    bob_w.select_room(room)
    qtbot.waitUntil(lambda: bob_w.current_room == room)
    assert bob_w.roomView.memberList.topLevelItem(0).data(0, MemberKeyRole) == bob.member_id  # own row first

    cases = [  # (whose menu, target, enabled, words of the reason)
        (bob_w, ann.member_id, False, "the room owner cannot be banned"),
        (bob_w, carol.member_id, False, "you may ban only members you invited"),
        (bob_w, bob.member_id, False, "you cannot ban yourself"),
        (bob_w, dave.member_id, True, "Ban this member and everyone they invited"),
        (owner_w, ann.member_id, False, "the room owner cannot be banned"),
    ]
    owner_w.select_room(room)
    for window, target, enabled, words in cases:
        menu = open_menu(qtbot, window, target)
        ban = action(menu, "memberBanAction")
        assert ban.isEnabled() is enabled, (member_id_display(target), ban.toolTip())
        assert words in ban.toolTip()
        menu.close()


def test_a_ban_made_in_the_window_is_valid_to_river(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    judge = Judge(load_oracle())
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, _ann, bob, _carol = owned_room(qtbot, window)
    judge.valid(room, window.rooms.get(room).room_state, "two joins")
    menu = open_menu(qtbot, window, bob.member_id)
    action(menu, "memberBanAction").trigger()
    menu.close()
    dialog = window.dialog("BanDialog")
    assert isinstance(dialog, BanDialog)
    click(child(dialog, QPushButton, "banButton"))
    wait_saved(qtbot, window)
    judge.valid(room, window.rooms.get(room).room_state, "ban")
