"""Issue 10: every window says plainly when its profile is damaged, deleted or replaced, or read-only; nothing that
would change it can be started; a damaged profile's readable rooms and messages can be saved into a new profile."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from river_desktop.domain.rooms import NotificationMode
from river_desktop.storage.kv import StoreHealth
from river_desktop.storage.salvage import SalvageReport
from river_desktop.storage.sqlite_kv import SqliteKV
from river_desktop.ui.health_banner import SALVAGE_BUTTON_TEXT, banner_text
from river_desktop.ui.main_window import MainWindow, SaveState
from tests.gui.conftest import WAIT_MS, DesktopFactory, click, create_room_via_dialog, key, open_window, run
from tests.helpers.damage import DB_NAME, digest, leaf_page_in_the_middle, populate, rows, trash_page


@pytest.mark.parametrize(
    ("health", "words", "salvage"),
    [
        (StoreHealth(), None, False),
        (StoreHealth(damaged="x"), "damaged", True),
        (StoreHealth(read_only="x"), "read-only", False),
        (StoreHealth(gone="x"), "deleted or replaced", False),
        (StoreHealth(damaged="x", gone="y"), "deleted or replaced", False),  # worst first, as problem does
        (StoreHealth(damaged="x", read_only="y"), "damaged", True),
    ],
)
def test_the_banner_names_the_worst_problem_and_offers_salvage_only_for_damage(
    health: StoreHealth, words: str | None, salvage: bool
) -> None:
    text = banner_text(health)
    if words is None:
        assert text is None
        return
    assert text is not None
    assert words in text.headline
    assert "nothing" in (text.headline + text.advice).lower()  # says that nothing more is saved / changed
    assert text.offer_salvage is salvage


CHANGING_ACTIONS = (
    "actionCreateRoom",
    "actionJoinWithCode",
    "actionRenameRoom",
    "actionNickname",
    "actionNotifications",
    "actionLeaveRoom",
    "actionMoveRoomUp",
    "actionMoveRoomDown",
)


def assert_says_it_cannot_change(window: MainWindow, words: str) -> None:
    banner = window.healthBanner
    assert banner.isVisible(), "the window does not say that its profile cannot be changed"
    assert words in banner.headline.text()
    for name in CHANGING_ACTIONS:
        assert not getattr(window, name).isEnabled(), f"{name} is enabled on a profile that cannot be changed"
    assert not window.createRoomButton.isEnabled() and not window.joinButton.isEnabled()
    assert window.roomView.composer.isReadOnly()
    assert window.actionFindRoom.isEnabled()  # reading goes on


def _open_first_room(qtbot: QtBot, window: MainWindow) -> None:
    window.open_room(window.model.keys()[0])
    qtbot.waitUntil(lambda: window.current_room is not None, timeout=WAIT_MS)


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, set[str]]:
    profile = tmp_path / "profile"
    populate(profile, rooms=5, messages=40)
    db = profile / DB_NAME
    page, lost = leaf_page_in_the_middle(db)
    trash_page(db, page)
    return profile, lost


def test_a_damaged_profile_says_so_in_every_window_and_salvages_into_a_new_profile(
    qtbot: QtBot, make_desktop: DesktopFactory, damaged: tuple[Path, set[str]], tmp_path: Path
) -> None:
    profile, lost = damaged
    db = profile / DB_NAME
    before = digest(db)
    desktop = make_desktop(profile)
    windows = [open_window(qtbot, desktop), open_window(qtbot, desktop)]
    for window in windows:
        _open_first_room(qtbot, window)
        assert len(window.rooms.rooms) == 5
        assert_says_it_cannot_change(window, "damaged")
        assert "Nothing more is saved" in window.healthBanner.headline.text()
        assert window.healthBanner.salvageButton.isVisible()
        assert window.healthBanner.salvageButton.text() == SALVAGE_BUTTON_TEXT

    window = windows[0]
    window.roomView.composer.setPlainText("never posted")
    key(window.roomView.composer, Qt.Key.Key_Return)
    assert window.unsent_messages == []

    target = tmp_path / "rescued"
    target.mkdir()
    click(window.healthBanner.salvageButton)
    dialog = window.healthBanner.folderDialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(target))
    with qtbot.waitSignal(window.healthBanner.salvageFinished, timeout=WAIT_MS) as finished:
        dialog.accept()
    report = finished.args[0]
    assert isinstance(report, SalvageReport), report
    assert report.copied > 0 and {row.key for row in report.lost} == lost
    shown = window.healthBanner.result.text()
    assert f"Copied {report.copied} item(s) into {target / DB_NAME}" in shown
    assert f"Lost {len(lost)} item(s)" in shown and "left as it is" in shown
    assert digest(db) == before, "the damaged file was changed"
    salvaged = rows(target / DB_NAME)
    assert len(salvaged) == report.copied and not lost & set(salvaged)
    with SqliteKV(target / DB_NAME) as fresh:
        assert fresh.health.writable and len(fresh.list("room:")) == 5


def test_a_salvage_into_a_folder_that_holds_a_profile_is_refused_in_words(
    qtbot: QtBot, make_desktop: DesktopFactory, damaged: tuple[Path, set[str]], tmp_path: Path
) -> None:
    profile, _lost = damaged
    occupied = tmp_path / "occupied"
    populate(occupied, rooms=1, messages=1)
    held = digest(occupied / DB_NAME)
    window = open_window(qtbot, make_desktop(profile))
    with qtbot.waitSignal(window.healthBanner.salvageFinished, timeout=WAIT_MS) as finished:
        window.healthBanner.start_salvage(occupied)
    assert isinstance(finished.args[0], str) and "already holds a database" in window.healthBanner.result.text()
    assert digest(occupied / DB_NAME) == held


@contextlib.contextmanager
def read_only_copy(source: Path, tmp_path: Path) -> Iterator[Path]:
    """``source`` seen through a read-only bind mount (root ignores permissions), or with 0500/0400 modes."""
    if os.geteuid() != 0:
        (source / DB_NAME).chmod(0o400)
        source.chmod(0o500)
        try:
            yield source
        finally:
            source.chmod(0o700)
        return
    view = tmp_path / "read-only-view"
    view.mkdir()
    bound = subprocess.run(["mount", "--bind", str(source), str(view)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"running as root and a read-only bind mount is not permitted: {bound.stderr!r}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True, capture_output=True)
        yield view
    finally:
        # lazy: a failed test may still hold the file open; the mount must not outlive the test either way
        subprocess.run(["umount", "-l", str(view)], check=False, capture_output=True)


def test_a_read_only_profile_shows_its_rooms_says_why_and_offers_no_change(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    populate(profile, rooms=3, messages=5)
    before = digest(profile / DB_NAME)
    with read_only_copy(profile, tmp_path) as view:
        desktop = make_desktop(view)
        window = open_window(qtbot, desktop)
        _open_first_room(qtbot, window)
        assert len(window.rooms.rooms) == 3
        qtbot.waitUntil(lambda: window.roomView.model.rowCount() == 5, timeout=WAIT_MS)
        assert_says_it_cannot_change(window, "read-only")
        view = window.roomView
        view.messageList.setCurrentIndex(view.model.index(4, 0))
        assert view.selected_message() is not None
        for name in ("actionReply", "actionReact", "actionEdit", "actionDelete"):
            assert not getattr(view, name).isEnabled(), f"{name} is enabled on a profile that cannot be changed"
        assert view.actionCopyText.isEnabled() and view.actionCopyLink.isEnabled()  # copying changes nothing
        assert not window.healthBanner.salvageButton.isVisible()
        assert "not writable" in window.healthBanner.toolTip()  # the precise reason, for who wants it
        assert window.set_notification_mode(window.model.keys()[0], NotificationMode.MUTED)  # changes the copy only
        qtbot.waitUntil(lambda: window.save_state is SaveState.FAILED, timeout=WAIT_MS)
        assert "read-only" in window.saveStatus.text()
        assert not window.saveRetryButton.isVisibleTo(window), "Retry offered where it can never work"
        run(qtbot, desktop.shutdown())  # closes the file, so the mount can go
    assert digest(profile / DB_NAME) == before
    assert not (profile / f"{DB_NAME}-wal").exists() and not (profile / f"{DB_NAME}-shm").exists()


def test_a_profile_deleted_while_open_turns_every_window_to_the_banner(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    windows = [open_window(qtbot, desktop), open_window(qtbot, desktop)]
    create_room_via_dialog(qtbot, windows[0], "Before")
    for window in windows:
        assert not window.healthBanner.isVisible()
        assert window.actionCreateRoom.isEnabled()
    shutil.rmtree(profile)
    windows[0].rename_room(next(iter(windows[0].rooms.rooms)), "After")
    qtbot.waitUntil(lambda: windows[0].save_state is SaveState.FAILED, timeout=WAIT_MS)
    for window in windows:
        qtbot.waitUntil(window.healthBanner.isVisible, timeout=WAIT_MS)
        assert_says_it_cannot_change(window, "deleted or replaced")
    assert not windows[0].saveRetryButton.isVisibleTo(windows[0])  # hidden once the failure turned out final
    assert not profile.exists()


def test_a_window_closed_while_its_salvage_runs_lets_the_copy_finish_quietly(
    qtbot: QtBot, make_desktop: DesktopFactory, damaged: tuple[Path, set[str]], tmp_path: Path
) -> None:
    profile, _lost = damaged
    desktop = make_desktop(profile)
    window = open_window(qtbot, desktop)
    gate = threading.Event()
    held = asyncio.ensure_future(desktop.controller.run(gate.wait))  # the storage thread waits for the close
    target = tmp_path / "rescued"
    task = window.healthBanner.start_salvage(target)
    window.close()
    qtbot.waitUntil(lambda: desktop.window(window.window_id) is None, timeout=WAIT_MS)
    gate.set()
    qtbot.waitUntil(lambda: task.done() and held.done(), timeout=WAIT_MS)
    assert task.exception() is None
    assert (target / DB_NAME).exists()


def test_the_poller_alone_notices_a_deleted_profile_and_every_window_says_so(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    """No click needed: the change poller checks the file's identity, and the banner follows."""
    profile = tmp_path / "profile"
    desktop = make_desktop(profile)
    windows = [open_window(qtbot, desktop), open_window(qtbot, desktop)]
    create_room_via_dialog(qtbot, windows[0], "Before")
    shutil.rmtree(profile)
    for window in windows:
        qtbot.waitUntil(window.healthBanner.isVisible, timeout=WAIT_MS)
        assert_says_it_cannot_change(window, "deleted or replaced")
    assert all(w.save_state is not SaveState.FAILED for w in windows)  # found without a failed save
    assert not profile.exists()
