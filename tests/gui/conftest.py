"""GUI test fixtures: a qasync loop that qtbot's waits drive, and RiverDesktop instances on tmp profiles.

The loop is created "already running" (qasync's ``already_running=True``) and installed as the running
asyncio loop for the test, so coroutines scheduled with :func:`asyncio.ensure_future` make progress
whenever Qt processes events — in particular inside ``qtbot.waitUntil`` / ``waitSignal``. Tests never
block inside a coroutine; they schedule it and wait for it from the outside (:func:`run`).

Teardown cancels leftover tasks, shuts every desktop down, and releases the loop *without*
``loop.stop()`` (which would call ``QApplication.exit()`` outside ``exec()`` and break every later
nested Qt loop in the session). Any exception that reached the loop's handler fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from river_desktop.ui.desktop import RiverDesktop
from river_desktop.ui.dialogs import AcceptInvitationDialog, CreateRoomDialog
from river_desktop.ui.main_window import LoadState, MainWindow, SaveState

T = TypeVar("T")


WAIT_MS = 10_000


def run(qtbot: QtBot, coro: Awaitable[T], timeout: int = WAIT_MS) -> T:
    """Schedule ``coro`` on the test's qasync loop and let Qt spin until it is done."""
    future = asyncio.ensure_future(coro)
    qtbot.waitUntil(future.done, timeout=timeout)
    return future.result()


@pytest.fixture
def qloop(qapp: QApplication, qtbot: QtBot) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    errors: list[dict[str, Any]] = []

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(context)
        _loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    yield loop
    leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        qtbot.waitUntil(lambda: all(t.done() for t in leftovers), timeout=WAIT_MS)
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # what stop() would do, minus QApplication.exit()
    with contextlib.suppress(RuntimeError, TypeError):
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
    loop.close()
    asyncio.set_event_loop(None)
    gc.collect()  # this test's Qt objects in reference cycles die here, on the GUI thread
    assert not errors, f"unhandled errors in the event loop: {[c.get('exception') or c['message'] for c in errors]}"


DesktopFactory = Callable[..., RiverDesktop]


@pytest.fixture
def make_desktop(qloop: qasync.QEventLoop, qtbot: QtBot, tmp_path: Path) -> Iterator[DesktopFactory]:
    """``make_desktop(profile=None)`` -> a started RiverDesktop (default profile: ``tmp_path / "profile"``)."""
    made: list[RiverDesktop] = []

    def factory(profile: Path | None = None) -> RiverDesktop:
        desktop = RiverDesktop(profile or tmp_path / "profile", log_dir=tmp_path / "logs")
        run(qtbot, desktop.start())
        made.append(desktop)
        return desktop

    yield factory
    for desktop in made:
        run(qtbot, desktop.shutdown())
        desktop.deleteLater()


def open_window(qtbot: QtBot, desktop: RiverDesktop, initial_room: bytes | None = None) -> MainWindow:
    """A new window of ``desktop``, waited until its rooms are loaded."""
    window = desktop.open_window(initial_room)
    qtbot.waitUntil(lambda: window.load_state is LoadState.READY, timeout=WAIT_MS)
    return window


def wait_saved(qtbot: QtBot, window: MainWindow, timeout: int = WAIT_MS) -> None:
    """Until every save the window started has finished, successfully."""

    def check() -> None:
        assert window.saving_idle(), "saves still running"
        assert window.save_state is SaveState.SAVED, f"save state {window.save_state}: {window.save_error}"

    qtbot.waitUntil(check, timeout=timeout)


W = TypeVar("W", bound=QObject)


def child(parent: QObject, kind: type[W], name: str) -> W:
    """The descendant of ``parent`` with that objectName and type (fails the test when there is none)."""
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name!r}"
    return found


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def key(widget: QWidget, key_: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key_, modifiers)


def create_room_via_dialog(qtbot: QtBot, window: MainWindow, name: str, nickname: str = "me") -> bytes:
    before = set(window.rooms.rooms)
    window.actionCreateRoom.trigger()
    dialog = window.dialog("CreateRoomDialog")
    assert isinstance(dialog, CreateRoomDialog)
    child(dialog, QLineEdit, "roomNameEdit").setText(name)
    child(dialog, QLineEdit, "nicknameEdit").setText(nickname)
    click(child(dialog, QPushButton, "createButton"))
    (key,) = set(window.rooms.rooms) - before
    wait_saved(qtbot, window)
    return key


def accept_via_dialog(qtbot: QtBot, window: MainWindow, code: str, nickname: str = "joiner") -> None:
    window.actionJoinWithCode.trigger()
    dialog = window.dialog("AcceptInvitationDialog")
    assert isinstance(dialog, AcceptInvitationDialog)
    child(dialog, QPlainTextEdit, "inviteCodeEdit").setPlainText(code)
    child(dialog, QLineEdit, "nicknameEdit").setText(nickname)
    accept = child(dialog, QPushButton, "acceptButton")
    assert accept.isEnabled(), child(dialog, QLabel, "inviteError").text()
    click(accept)
    qtbot.waitUntil(lambda: window.dialog("AcceptInvitationDialog") is None)
