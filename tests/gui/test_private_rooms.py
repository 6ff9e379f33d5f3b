"""Private rooms through the window: the Create Room checkbox, the lock, posting sealed text, a second
profile that joins by invitation (which carries the secret) and reads, one whose code carried none, and the
owner's rotation. The same flow is judged by River's contract when ../shared/river-oracle is there."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import views
from river_desktop.domain.river.configuration import PrivacyMode
from river_desktop.ui.dialogs import CreateRoomDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_facts import facts
from river_desktop.ui.room_features import LOCK_HELD, LOCK_MISSING, RotateSecretDialog
from river_desktop.ui.room_list import PRIVATE_TEXT, RoomListModel
from tests.gui.conftest import DesktopFactory, child, click, create_room_via_dialog, open_window, wait_saved
from tests.gui.room_steps import Judge, accept, hand_over, invite, load_oracle, post, shown_texts

SECRET_TEXT = "the plan is on page 42"


def create_private(qtbot: QtBot, window: MainWindow, name: str, nickname: str) -> bytes:
    before = set(window.rooms.rooms)
    window.actionCreateRoom.trigger()
    dialog = window.dialog("CreateRoomDialog")
    assert isinstance(dialog, CreateRoomDialog)
    child(dialog, QLineEdit, "roomNameEdit").setText(name)
    child(dialog, QLineEdit, "nicknameEdit").setText(nickname)
    check = child(dialog, QCheckBox, "privateCheck")
    assert check.text().replace("&", "") == "Private (messages encrypted)"
    click(check)
    click(child(dialog, QPushButton, "createButton"))
    (key,) = set(window.rooms.rooms) - before
    wait_saved(qtbot, window)
    return key


def lock_of(window: MainWindow) -> QLabel:
    return child(window, QLabel, "roomLock")


def private_flow(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path, judge: Judge | None) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    bob = open_window(qtbot, make_desktop(tmp_path / "bob"))
    ann.show()
    room = create_private(qtbot, ann, "Secret club", "ann")
    state = ann.rooms.get(room).room_state
    assert state.config.privacy_mode is PrivacyMode.PRIVATE
    if judge:
        judge.valid(room, state, "create")

    # the lock: in the header and in the room list's row
    qtbot.waitUntil(lambda: ann.current_room == room)
    assert lock_of(ann).isVisible() and lock_of(ann).toolTip() == LOCK_HELD
    row = ann.model.index_of(room)
    assert row.data(RoomListModel.IsOwnerRole) is True
    assert PRIVATE_TEXT in row.data(0x0003)  # ToolTipRole
    assert ann.model.room_row(room) is not None and ann.model.room_row(room).private  # type: ignore[union-attr]

    post(qtbot, ann, room, SECRET_TEXT)
    state = ann.rooms.get(room).room_state
    (sealed,) = [m for m in state.recent_messages if m.message.author == ann.rooms.get(room).self_member_id]
    assert SECRET_TEXT.encode() not in sealed.encode()  # what River's network carries is ciphertext
    assert SECRET_TEXT in shown_texts(ann)
    if judge:
        judge.valid(room, state, "post")

    # a second profile joins by invitation; the code carries the room's secrets
    code = invite(qtbot, ann, room)
    assert Invitation.decode(code).room_secrets, "a private room's invitation carries its secrets"
    accept(qtbot, bob, code, "bob")
    hand_over(qtbot, ann, bob, room)
    bob.select_room(room)
    qtbot.waitUntil(lambda: bob.current_room == room)
    qtbot.waitUntil(lambda: SECRET_TEXT in shown_texts(bob))
    assert bob.rooms.get(room).name == "Secret club"
    assert lock_of(bob).toolTip() == LOCK_HELD
    if judge:
        judge.valid(room, bob.rooms.get(room).room_state, "bob joined")

    # bob answers; ann reads it once bob's state reaches her
    post(qtbot, bob, room, "see you there")
    hand_over(qtbot, bob, ann, room)
    ann.select_room(room)
    qtbot.waitUntil(lambda: "see you there" in shown_texts(ann))
    if judge:
        judge.valid(room, ann.rooms.get(room).room_state, "bob posted, ann merged")

    # the owner rotates the secret from the Room menu
    assert ann.roomFeatures.actionRotateSecret.isEnabled()
    before = ann.rooms.get(room).room_state.secrets.current_version
    ann.roomFeatures.actionRotateSecret.trigger()
    dialog = ann.dialog("RotateSecretDialog")
    assert isinstance(dialog, RotateSecretDialog)
    click(child(dialog, QPushButton, "rotateButton"))
    wait_saved(qtbot, ann)
    rotated = ann.rooms.get(room).room_state
    assert rotated.secrets.current_version == before + 1
    if judge:
        judge.valid(room, rotated, "rotate")
    post(qtbot, ann, room, "after the rotation")
    hand_over(qtbot, ann, bob, room)
    bob.select_room(room)
    qtbot.waitUntil(lambda: "after the rotation" in shown_texts(bob))  # sealed to bob as a current member
    if judge:
        judge.valid(room, bob.rooms.get(room).room_state, "post after rotation, bob merged")


def test_private_room_is_created_locked_and_read_by_an_invited_profile(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    private_flow(qtbot, make_desktop, tmp_path, None)


def test_every_state_of_the_private_room_flow_is_valid_to_river(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    judge = Judge(load_oracle())
    private_flow(qtbot, make_desktop, tmp_path, judge)
    assert len(judge.judged) == 6


def test_a_profile_without_the_secret_says_so_instead_of_showing_ciphertext(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    eve = open_window(qtbot, make_desktop(tmp_path / "eve"))
    room = create_private(qtbot, ann, "Secret club", "ann")
    post(qtbot, ann, room, SECRET_TEXT)
    owner = ann.rooms.get(room).self_identity
    # an older client's code: a membership, but no room secrets
    accept(qtbot, eve, Invitation.create(room, owner.seed).encode(), "eve")
    hand_over(qtbot, ann, eve, room)
    eve.show()
    eve.select_room(room)
    qtbot.waitUntil(lambda: eve.current_room == room and len(shown_texts(eve)) > 0)
    texts = shown_texts(eve)
    assert SECRET_TEXT not in texts
    held = eve.rooms.get(room)
    version = held.room_state.secrets.current_version
    assert f"[encrypted message: secret version {version} not held]" in texts
    assert not views.room_info(held.room_state, facts(held).keyring).secret_held
    assert lock_of(eve).isVisible() and lock_of(eve).toolTip() == LOCK_MISSING


def test_rotate_secret_is_offered_only_to_the_owner_of_a_private_room(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    bob = open_window(qtbot, make_desktop(tmp_path / "bob"))
    public = create_room_via_dialog(qtbot, ann, "Lobby", "ann")
    ann.select_room(public)
    qtbot.waitUntil(lambda: ann.current_room == public)
    assert not ann.roomFeatures.actionRotateSecret.isEnabled()
    assert not lock_of(ann).isVisible()
    assert ann.model.room_row(public) is not None and not ann.model.room_row(public).private  # type: ignore[union-attr]
    private = create_private(qtbot, ann, "Secret club", "ann")
    ann.select_room(private)
    qtbot.waitUntil(lambda: ann.current_room == private)
    assert ann.roomFeatures.actionRotateSecret.isEnabled()
    accept(qtbot, bob, invite(qtbot, ann, private), "bob")
    hand_over(qtbot, ann, bob, private)
    bob.select_room(private)
    qtbot.waitUntil(lambda: bob.current_room == private)
    assert not bob.roomFeatures.actionRotateSecret.isEnabled()  # a member, not the owner
