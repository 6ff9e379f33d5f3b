"""The desktop app end to end (issue 5 acceptance): real windows, real dialogs, real SQLite profiles.

Every scenario drives widgets the way a user would (actions, dialogs, the composer) and waits with
``qtbot.waitUntil``; "live" claims use a 1 s budget from the moment the other writer's save finished.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from river_desktop import __version__
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.content import display_text
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.storage.controller import LoadResult, SaveReport, SaveSession, StorageController
from river_desktop.storage.errors import StorageError
from river_desktop.storage.profile import Profile
from river_desktop.storage.progressive_load import LoadStart, ProgressiveLoad
from river_desktop.storage.slots import LEGACY_BLOB_KEY, b58
from river_desktop.ui.about import AboutDialog
from river_desktop.ui.desktop import RiverDesktop
from river_desktop.ui.dialogs import (
    AcceptInvitationDialog,
    EditRoomDialog,
    LeaveRoomDialog,
    NotificationsDialog,
)
from river_desktop.ui.main_window import LoadState, MainWindow, SaveState
from river_desktop.ui.room_list import MIME_TYPE, RoomListModel
from tests.gui.conftest import (
    WAIT_MS,
    DesktopFactory,
    accept_via_dialog,
    child,
    click,
    create_room_via_dialog,
    key,
    open_window,
    run,
    wait_saved,
)
from tests.gui.river_world import text_message

LIVE_MS = 1000
REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- helpers


def keys_of(window: MainWindow) -> list[bytes]:
    return window.model.keys()


def name_in(window: MainWindow, key: bytes) -> str | None:
    row = window.model.room_row(key)
    return None if row is None else row.name


def rename_via_dialog(qtbot: QtBot, window: MainWindow, key: bytes, name: str) -> None:
    window.select_room(key)
    window.actionRenameRoom.trigger()
    dialog = window.dialog("EditRoomDialog")
    assert isinstance(dialog, EditRoomDialog)
    child(dialog, QLineEdit, "roomNameEdit").setText(name)
    click(child(dialog, QPushButton, "saveButton"))


def leave_via_dialog(qtbot: QtBot, window: MainWindow, key: bytes) -> None:
    window.select_room(key)
    window.actionLeaveRoom.trigger()
    dialog = window.dialog("LeaveRoomDialog")
    assert isinstance(dialog, LeaveRoomDialog)
    click(child(dialog, QPushButton, "leaveButton"))


def post_via_composer(qtbot: QtBot, window: MainWindow, text: str) -> None:
    composer = child(window, QPlainTextEdit, "composer")
    composer.setPlainText(text)
    key(composer, Qt.Key.Key_Return)


def shown_messages(window: MainWindow) -> list[str]:
    return [m.id for m in window.roomView.model.messages()]


def owned_room_elsewhere(name: str) -> tuple[bytes, Invitation, Rooms]:
    """A room that exists only in someone else's copy, and an invitation to it."""
    other = Rooms()
    room = other.create_room(name, "owner")
    return room.owner_vk, Invitation.create(room.owner_vk, room.self_identity.seed), other


def fresh_load(qtbot: QtBot, profile: Path) -> Rooms:
    async def load() -> Rooms:
        ctl = await StorageController.open(profile)
        try:
            return await ctl.load()
        finally:
            await ctl.close()

    return run(qtbot, load())


# ---------------------------------------------------------------------------- River's #345, live sync


def test_rivers_345_scenario_end_to_end(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    mine = create_room_via_dialog(qtbot, b, "Mine")  # a room B owns
    qtbot.waitUntil(lambda: mine in keys_of(a), timeout=LIVE_MS)

    # In A: Join with code -> the dialog -> Accept; B shows the room live.
    x, invitation, _ = owned_room_elsewhere("X")
    accept_via_dialog(qtbot, a, invitation.encode())
    assert a.current_room == x
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: x in keys_of(b), timeout=LIVE_MS)
    row = b.model.room_row(x)
    assert row is not None and row.waiting, "joined by invitation: waiting for the room's data"

    # B, holding its own older copy (live sync held back), renames the room it owns.
    y, invitation_y, _ = owned_room_elsewhere("Y")
    b.live_sync.pause()
    accept_via_dialog(qtbot, a, invitation_y.encode())
    wait_saved(qtbot, a)
    assert y not in b.rooms.rooms  # B really is stale
    rename_via_dialog(qtbot, b, mine, "Mine, renamed by B")
    wait_saved(qtbot, b)
    b.live_sync.resume()

    # A new RiverDesktop on the same profile shows every room, including the accepted ones, and the new name.
    other = make_desktop(tmp_path / "profile")
    c = open_window(qtbot, other)
    assert {x, y, mine} <= set(keys_of(c))
    assert name_in(c, mine) == "Mine, renamed by B"
    # ... and both windows converge live.
    qtbot.waitUntil(lambda: y in keys_of(b), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: name_in(a, mine) == "Mine, renamed by B", timeout=LIVE_MS)


def test_leave_sync_stale_post_and_rejoin(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    r1 = create_room_via_dialog(qtbot, a, "First")
    r2 = create_room_via_dialog(qtbot, a, "Second")
    owner_seed = a.rooms.rooms[r2].self_identity.seed
    qtbot.waitUntil(lambda: {r1, r2} <= set(keys_of(b)), timeout=LIVE_MS)

    # Leave in A -> gone from B live (B was showing it: its view empties, nothing else changes).
    b.select_room(r1)
    leave_via_dialog(qtbot, a, r1)
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: r1 not in keys_of(b), timeout=LIVE_MS)
    assert b.current_room is None
    assert b.roomView.current_room_key() is None

    # B posting in its stale view of a left room does not bring it back.
    b.select_room(r2)
    qtbot.waitUntil(lambda: b.roomView.current_room_key() == r2)
    b.live_sync.pause()
    leave_via_dialog(qtbot, a, r2)
    wait_saved(qtbot, a)
    assert r2 in b.rooms.rooms  # stale
    post_via_composer(qtbot, b, "am I still here?")
    qtbot.waitUntil(lambda: b.saving_idle(), timeout=WAIT_MS)
    assert r2 not in keys_of(b), "the save adopted the leave"
    b.live_sync.resume()
    assert r2 not in fresh_load(qtbot, tmp_path / "profile").rooms
    assert r2 not in keys_of(a)

    # An invitation accepted in B afterwards brings it back everywhere.
    invitation = Invitation.create(r2, owner_seed)
    accept_via_dialog(qtbot, b, invitation.encode(), nickname="back again")
    wait_saved(qtbot, b)
    qtbot.waitUntil(lambda: r2 in keys_of(a), timeout=LIVE_MS)
    assert r2 in fresh_load(qtbot, tmp_path / "profile").rooms
    assert r1 not in fresh_load(qtbot, tmp_path / "profile").rooms


def test_a_stale_leave_meets_a_rejoin_elsewhere_and_the_room_comes_back(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, a, "Comeback")
    seed = a.rooms.rooms[room].self_identity.seed
    qtbot.waitUntil(lambda: room in keys_of(b), timeout=LIVE_MS)
    a.live_sync.pause()  # A keeps its old copy of the room (membership epoch 0)
    leave_via_dialog(qtbot, b, room)
    wait_saved(qtbot, b)
    accept_via_dialog(qtbot, b, Invitation.create(room, seed).encode(), nickname="again")
    wait_saved(qtbot, b)
    # A leaves what it still sees; the store holds a newer membership, so the leave must not bury it.
    leave_via_dialog(qtbot, a, room)
    assert room not in keys_of(a)
    qtbot.waitUntil(lambda: a.saving_idle() and a.save_state is SaveState.SAVED, timeout=WAIT_MS)
    assert room in keys_of(a), "REJOINED_ELSEWHERE brought the room back"
    a.live_sync.resume()
    assert room in keys_of(b)


def test_drag_reorder_reaches_other_window_and_survives_restart(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    keys = [create_room_via_dialog(qtbot, a, name) for name in ("One", "Two", "Three", "Four")]
    qtbot.waitUntil(lambda: set(keys) <= set(keys_of(b)), timeout=LIVE_MS)
    start = keys_of(a)
    assert keys_of(b) == start

    # A drop on the view's model (the proxy) goes dropMimeData -> moveRows -> Rooms.move_room + save.
    mime = QMimeData()
    mime.setData(MIME_TYPE, QByteArray(json.dumps([b58(start[0])]).encode()))
    assert a.proxy.dropMimeData(mime, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    expected = [start[1], start[2], start[0], start[3]]
    assert keys_of(a) == expected
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: keys_of(b) == expected, timeout=LIVE_MS)

    # Qt 6's internal-move path (QListView -> model.moveRow) and the keyboard do the same.
    assert a.roomList.model().moveRow(QModelIndex(), 3, QModelIndex(), 0)
    a.select_room(expected[0])
    a.roomList.setFocus()
    key(a.roomList, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    expected = [start[3], start[2], start[1], start[0]]
    assert keys_of(a) == expected
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: keys_of(b) == expected, timeout=LIVE_MS)

    run(qtbot, desktop.shutdown())
    again = make_desktop(tmp_path / "profile")
    c = open_window(qtbot, again)
    assert keys_of(c) == expected


def test_concurrent_posts_show_everywhere_in_one_order(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, a, "Chatter")
    qtbot.waitUntil(lambda: room in keys_of(b), timeout=LIVE_MS)
    b.select_room(room)
    qtbot.waitUntil(lambda: a.roomView.current_room_key() == room and b.roomView.current_room_key() == room)
    b.roomView.composer.setPlainText("draft in B")  # typed but not sent; must survive live updates
    for i in range(6):
        a.post_message(f"from A {i}")
        b.post_message(f"from B {i}")
    qtbot.waitUntil(lambda: len(shown_messages(a)) == 12 and len(shown_messages(b)) == 12, timeout=WAIT_MS)
    assert shown_messages(a) == shown_messages(b)
    texts = [m.text for m in a.roomView.model.messages()]
    assert sorted(texts) == sorted([f"from A {i}" for i in range(6)] + [f"from B {i}" for i in range(6)])
    assert b.roomView.composer.toPlainText() == "draft in B"
    assert b.current_room == room and a.current_room == room
    assert b.roomList.current_key() == room and a.roomList.current_key() == room


def test_live_messages_keep_the_scroll_position(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, a, "Busy")
    other = create_room_via_dialog(qtbot, a, "Quiet")
    a.select_room(room)
    qtbot.waitUntil(lambda: room in keys_of(b) and other in keys_of(b), timeout=LIVE_MS)
    b.select_room(room)
    for i in range(40):
        a.post_message(f"line {i}\n" + "words " * 20)
    qtbot.waitUntil(lambda: len(shown_messages(b)) == 40, timeout=WAIT_MS)
    view = b.roomView.messageList
    view.doItemsLayout()  # finish the lazy layout so the position set below is final
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)
    middle = bar.value()
    a.post_message("one more")
    qtbot.waitUntil(lambda: len(shown_messages(b)) == 41, timeout=LIVE_MS)
    assert bar.value() == middle
    assert b.roomList.current_key() == room


def test_a_legacy_profile_is_migrated_with_a_visible_state(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    legacy = Rooms()
    old = legacy.create_room("From the old format", "me")
    blob = river_codec.dumps({"map": {old.owner_vk: river_codec.loads(old.encode())}})  # River's rooms_data
    profile = Profile.open(tmp_path / "profile")
    profile.store.store(LEGACY_BLOB_KEY, blob)
    profile.store.close()
    desktop = make_desktop()
    window = desktop.open_window()
    states: list[LoadState] = []
    window.loadStateChanged.connect(states.append)
    qtbot.waitUntil(lambda: window.is_loaded)
    assert LoadState.MIGRATING in states
    assert keys_of(window) == [old.owner_vk]


def test_room_created_by_the_cli_appears_within_one_second(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    window = open_window(qtbot, desktop)
    cmd = [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "rooms", "create", "From the CLI"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=REPO, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic()
    qtbot.waitUntil(lambda: "From the CLI" in window.room_names(), timeout=LIVE_MS)
    assert time.monotonic() - deadline < 1.0


# ---------------------------------------------------------------------------- dialogs and honest state


def test_bad_invitation_code_shows_the_reason_and_writes_nothing(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    create_room_via_dialog(qtbot, window, "Existing")
    keys_before = run(qtbot, desktop.controller.run(desktop.controller.store.list))
    rooms_before = set(window.rooms.rooms)

    window.actionJoinWithCode.trigger()
    dialog = window.dialog("AcceptInvitationDialog")
    assert isinstance(dialog, AcceptInvitationDialog)
    edit = child(dialog, QPlainTextEdit, "inviteCodeEdit")
    error = child(dialog, QLabel, "inviteError")
    accept = child(dialog, QPushButton, "acceptButton")
    _, invitation, _ = owned_room_elsewhere("Secret")
    for code, reason in (
        ("this is 0 not base58", "never contain 0, O, I or l"),
        (invitation.encode()[:-30], "incomplete"),
    ):
        edit.setPlainText(code)
        assert error.isVisibleTo(dialog) and reason in error.text(), error.text()
        assert not accept.isEnabled()
        click(accept)
        dialog.accept()  # even a forced accept does nothing without a valid code
    assert window.dialog("AcceptInvitationDialog") is dialog
    click(child(dialog, QPushButton, "cancelButton"))
    qtbot.waitUntil(lambda: window.dialog("AcceptInvitationDialog") is None)
    assert set(window.rooms.rooms) == rooms_before
    assert run(qtbot, desktop.controller.run(desktop.controller.store.list)) == keys_before


def test_save_failure_shows_the_reason_and_retry_recovers(
    qtbot: QtBot, make_desktop: DesktopFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    real_save = desktop.controller.save
    failures = [StorageError("the disk is full; free some space and retry")]

    async def flaky_save(
        session: SaveSession, rooms: Rooms, *, messages: Sequence[AuthorizedMessage] = ()
    ) -> SaveReport:
        if failures:
            raise failures.pop()
        return await real_save(session, rooms, messages=messages)

    monkeypatch.setattr(desktop.controller, "save", flaky_save)
    window.create_room("Unlucky", "me")
    qtbot.waitUntil(lambda: window.save_state is SaveState.FAILED)
    status = child(window, QLabel, "saveStatus")
    retry = child(window, QPushButton, "saveRetry")
    assert "disk is full" in status.text()
    assert retry.isVisibleTo(window)
    click(retry)
    wait_saved(qtbot, window)
    assert "saved" in status.text().lower()
    assert not retry.isVisibleTo(window)
    assert "Unlucky" in [r.name for r in fresh_load(qtbot, tmp_path / "profile").rooms.values()]


def test_load_failure_offers_retry(qtbot: QtBot, make_desktop: DesktopFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    desktop = make_desktop()
    real = desktop.controller.load_with_report
    failures = [StorageError("the database is locked by another program")]

    async def flaky(session: SaveSession | None = None) -> LoadResult:
        if failures:
            raise failures.pop()
        return await real(session)

    real_start = ProgressiveLoad._start_sync

    def flaky_start(self: ProgressiveLoad) -> LoadStart:
        if failures:
            raise failures.pop()
        return real_start(self)

    monkeypatch.setattr(desktop.controller, "load_with_report", flaky)
    monkeypatch.setattr(ProgressiveLoad, "_start_sync", flaky_start)  # the window's own (chunked) load
    window = desktop.open_window()
    qtbot.waitUntil(lambda: window.load_state is LoadState.FAILED)
    assert "locked" in child(window, QLabel, "loadError").text()
    assert not window.actionCreateRoom.isEnabled()
    click(child(window, QPushButton, "loadRetry"))
    qtbot.waitUntil(lambda: window.load_state is LoadState.READY)
    assert window.actionCreateRoom.isEnabled()


def test_shutdown_with_a_save_in_flight_completes_it(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    room = window.create_room("Last second", "me")
    assert room is not None
    window.post_message("written just before quitting")
    assert not window.saving_idle(), "the save is still in flight"
    desktop.request_quit()
    run(qtbot, desktop.shutdown())
    assert desktop.windows == []
    fresh = fresh_load(qtbot, tmp_path / "profile")
    assert room.owner_vk in fresh.rooms

    async def messages() -> list[AuthorizedMessage]:
        ctl = await StorageController.open(tmp_path / "profile")
        try:
            return await ctl.read_messages(room.owner_vk)
        finally:
            await ctl.close()

    texts = [display_text(open_body(m.message.content).content) for m in run(qtbot, messages())]  # type: ignore[arg-type]
    assert texts == ["written just before quitting"]


# ---------------------------------------------------------------------------- the window


def test_window_basics_title_actions_filter_and_keyboard(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    assert window.objectName() == "MainWindow"
    for name in ("roomList", "roomFilter", "messageList", "composer", "memberList", "saveStatus"):
        assert window.findChild(QWidget, name) is not None, name
    for name in (
        "actionNewWindow",
        "actionCreateRoom",
        "actionJoinWithCode",
        "actionInviteMember",
        "actionRenameRoom",
        "actionNotifications",
        "actionLeaveRoom",
        "actionQuit",
    ):
        assert window.findChild(QAction, name) is not None, name
    assert window.actionNewWindow.shortcut().toString() == "Ctrl+N"
    assert window.actionQuit.shortcut().toString() == "Ctrl+Q"
    assert not window.actionLeaveRoom.isEnabled()  # no room yet

    apple = create_room_via_dialog(qtbot, window, "Apple")
    banana = create_room_via_dialog(qtbot, window, "Banana")
    assert window.windowTitle().startswith("Banana")
    window.select_room(apple)
    assert window.windowTitle().startswith("Apple")
    assert window.roomList.current_key() == apple

    # Ctrl+K focuses the filter; filtering disables drag-reorder; the current room is kept.
    window.actionFindRoom.trigger()
    QTest.keyClicks(window.roomFilter, "ban")
    assert window.proxy.rowCount() == 1
    assert not window.roomList.reorder_enabled
    assert not window.actionMoveRoomUp.isEnabled()
    assert window.current_room == apple
    key(window.roomFilter, Qt.Key.Key_Return)
    assert window.current_room == banana
    key(window.roomFilter, Qt.Key.Key_Escape)
    assert window.roomFilter.text() == ""
    assert window.roomList.reorder_enabled

    # Keyboard navigation in the list.
    window.roomList.setFocus()
    key(window.roomList, Qt.Key.Key_Home)
    assert window.current_room == window.model.keys()[0]
    key(window.roomList, Qt.Key.Key_End)
    assert window.current_room == window.model.keys()[-1]

    # New Window opens another independent window.
    window.actionNewWindow.trigger()
    assert len(desktop.windows) == 2
    second = desktop.windows[1]
    qtbot.waitUntil(lambda: second.is_loaded)
    assert set(keys_of(second)) == {apple, banana}
    assert second.rooms is not window.rooms and second.session is not window.session
    second.close()
    qtbot.waitUntil(lambda: len(desktop.windows) == 1)
    assert not desktop.quitting


def test_context_menu_offers_the_room_actions(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Menu")
    index = window.proxy.index_of(room)
    pos = window.roomList.viewport().mapToGlobal(window.roomList.visualRect(index).center())
    window.roomList.contextMenuRequested.emit(room, pos)
    menu = child(window, QMenu, "roomContextMenu")
    assert menu is not None
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    for action in (
        "actionRenameRoom",
        "actionNickname",
        "actionNotifications",
        "actionInviteMember",
        "actionLeaveRoom",
    ):
        assert action in names
    menu.close()

    # notifications through the dialog: Muted shows in the model
    window.actionNotifications.trigger()
    dialog = window.dialog("NotificationsDialog")
    assert isinstance(dialog, NotificationsDialog)
    child(dialog, QRadioButton, "notifyMuted").setChecked(True)
    dialog.accept()
    assert window.model.data(window.model.index_of(room), RoomListModel.NotificationModeRole) == "Muted"
    wait_saved(qtbot, window)

    # invite: a code appears in the dialog (generated off the GUI thread)
    window.actionInviteMember.trigger()
    qtbot.waitUntil(lambda: window.dialog("InviteMemberDialog") is not None)
    invite = window.dialog("InviteMemberDialog")
    assert invite is not None
    output = child(invite, QPlainTextEdit, "inviteCodeOutput")
    assert Invitation.decode(output.toPlainText()).room == room


def test_windows_and_current_rooms_are_restored(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    desktop = make_desktop()
    a = open_window(qtbot, desktop)
    first = create_room_via_dialog(qtbot, a, "First")
    second = create_room_via_dialog(qtbot, a, "Second")
    b = open_window(qtbot, desktop, initial_room=first)
    assert b.current_room == first and a.current_room == second
    a.setGeometry(100, 120, 700, 500)
    desktop.request_quit()
    run(qtbot, desktop.shutdown())

    again = make_desktop(tmp_path / "profile")
    windows = again.restore_windows()
    assert len(windows) == 2
    qtbot.waitUntil(lambda: all(w.is_loaded for w in windows))
    assert [w.current_room for w in windows] == [second, first]
    assert windows[0].size().width() == 700
    assert (tmp_path / "profile" / "desktop.ini").stat().st_mode & 0o777 == 0o600


def test_closing_the_last_window_requests_quit(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    with qtbot.waitSignal(desktop.quitRequested, timeout=WAIT_MS):
        window.close()
    assert desktop.windows == []
    assert desktop.settings.window_states(), "the last window was recorded for the next launch"


def test_tray_notifies_for_others_messages_respecting_modes(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    loud = create_room_via_dialog(qtbot, window, "Loud", nickname="me")
    quiet = create_room_via_dialog(qtbot, window, "Quiet", nickname="me")
    picky = create_room_via_dialog(qtbot, window, "Picky", nickname="me")
    window.set_notification_mode(quiet, NotificationMode.MUTED)
    window.set_notification_mode(picky, NotificationMode.MENTIONS_AND_REPLIES)
    placeholder = create_room_via_dialog(qtbot, window, "Elsewhere")  # the room being looked at
    assert window.current_room == placeholder
    wait_saved(qtbot, window)
    assert desktop.tray is not None
    qtbot.waitUntil(lambda: window.unread.get(loud) == 0)
    notes: list[tuple[str, str]] = []
    desktop.tray.notified.connect(lambda title, body: notes.append((title, body)))
    stranger = SigningIdentity.generate()
    session = desktop.controller.open_session("someone else")

    def post(room: bytes, text: str) -> None:
        message = text_message(window.rooms.get(room), text, int(time.time() * 1000), stranger)
        run(qtbot, desktop.controller.append_messages(session, room, [message]))

    post(quiet, "nobody hears this")
    post(picky, "not about you")
    post(loud, "hello everyone")
    qtbot.waitUntil(lambda: window.unread.get(loud) == 1, timeout=LIVE_MS * 2)
    qtbot.waitUntil(lambda: len(notes) == 1)
    assert notes[0][0] == "Loud"
    assert window.unread.get(quiet) == 0 and window.unread.get(picky) == 0
    held = window.rooms.get(picky)
    post(picky, f"hey {ops.mention(held.room_state, held.self_member_id)}, look at this")
    qtbot.waitUntil(lambda: window.unread.get(picky) == 1, timeout=LIVE_MS * 2)
    qtbot.waitUntil(lambda: len(notes) == 2)
    assert notes[1][0] == "Picky"
    assert desktop.tray.total == 2
    assert window.model.data(window.model.index_of(loud), RoomListModel.UnreadRole) == 1


def test_about_names_version_and_locations(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    window.actionAbout.trigger()
    box = window.dialog("AboutDialog")
    assert isinstance(box, AboutDialog)
    assert box.dataPath.text() == str(tmp_path / "profile") and box.logPath.text() == str(tmp_path / "logs")
    assert any(__version__ in label.text() for label in box.findChildren(QLabel))
    box.close()


# ---------------------------------------------------------------------------- the real program


def _env() -> dict[str, str]:
    env = os.environ.copy()
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_self_test_exits_zero(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "river_desktop", "--self-test", "--profile", str(tmp_path / "p")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    assert "self-test passed" in done.stdout


def test_version_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "river_desktop", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=_env(),
    )
    assert done.returncode == 0 and done.stdout.startswith("river-desktop ")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_goes_through_the_shutdown(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    proc = subprocess.Popen(
        [sys.executable, "-m", "river_desktop", "--profile", str(profile), "--log-level", "INFO"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=_env(),
    )
    try:
        assert proc.stderr is not None
        seen = b""
        deadline = time.monotonic() + 60
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            while b" ready" not in seen and time.monotonic() < deadline and proc.poll() is None:
                if selector.select(timeout=1):
                    seen += os.read(proc.stderr.fileno(), 65536)
        assert b" ready" in seen, f"the app never became ready: {seen.decode(errors='replace')}"
        proc.send_signal(signal.SIGTERM)
        _out, rest = proc.communicate(timeout=60)
        err = seen.decode(errors="replace") + rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "shut down" in err
    assert (profile / "desktop.ini").is_file(), "the open window was recorded for the next launch"


def test_qasync_binds_pyside6() -> None:
    import qasync

    assert qasync.QtModuleName == "PySide6"


def test_app_object_is_not_the_qapplication(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    assert isinstance(desktop, RiverDesktop)
    assert not isinstance(desktop, QApplication)
