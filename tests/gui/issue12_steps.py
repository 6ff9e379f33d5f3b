"""Steps issue 12's audit tests share: selecting a message in the active window, the list's actions, the
reaction chips, the CLI as a second process on the same profile, and River's contract as an optional judge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cbor2
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from river_desktop.domain.river.state import ChatRoomState
from river_desktop.storage.slots import b58
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_view.message_model import Reaction, ShownMessage

REPO = Path(__file__).resolve().parents[2]
LIVE_MS = 8000
"""How long a change may take to reach another window or process (the live poll, under a loaded machine)."""


def row(window: MainWindow, message_id: int) -> ShownMessage | None:
    return window.roomView.model.message(message_id)


def texts(window: MainWindow) -> list[str]:
    return [m.text for m in window.roomView.model.messages()]


def select(qtbot: QtBot, window: MainWindow, message_id: int) -> None:
    """The message made current with the list focused, in the active window (where the list's keys work)."""
    if QApplication.activeWindow() is not window:
        with qtbot.waitActive(window):
            window.activateWindow()
    view = window.roomView
    index = view.model.row_of(message_id)
    assert index >= 0, "the message is not shown"
    view.messageList.setCurrentIndex(view.model.index(index))
    view.messageList.setFocus()


def list_action(window: MainWindow, name: str) -> QAction:
    """An entry of the message list's context menu (its actions are the menu)."""
    actions = {a.objectName(): a for a in window.roomView.messageList.actions()}
    return actions[name]


def reactions(window: MainWindow, message_id: int) -> tuple[Reaction, ...]:
    shown = row(window, message_id)
    return () if shown is None else window.roomView.model.reactions(shown)


def chip_point(window: MainWindow, message_id: int, emoji: str) -> QPoint:
    """The centre of the reaction chip ``emoji`` under ``message_id``, in the list's viewport."""
    view = window.roomView
    index = view.model.index(view.model.row_of(message_id))
    option = QStyleOptionViewItem()
    view.messageList.initViewItemOption(option)
    option.rect = view.messageList.visualRect(index)
    for reaction, rect in view.delegate.chip_rects(option, index):
        if reaction.emoji == emoji:
            return rect.center()
    raise AssertionError(f"no {emoji} chip on the message")


def cli(profile: Path, *args: str, as_json: bool = True) -> Any:
    """``river-desktop-cli`` as a second process on the window's profile; its JSON (or its text)."""
    cmd = [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile)]
    cmd += ["--json", *args] if as_json else list(args)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if as_json else done.stdout


def listed(profile: Path, room: bytes) -> dict[int, dict[str, Any]]:
    """``messages list --json`` of the room, by message id."""
    return {m["id"]: m for m in cli(profile, "messages", "list", b58(room))}


def oracle_or_none() -> Any:
    """River's contract when ../shared/river-oracle (or $RIVER_ORACLE_DIR) and wasmtime are there, else None."""
    env = os.environ.get("RIVER_ORACLE_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "river-oracle"
    if not (folder / "river_contract.py").is_file():
        return None
    try:
        import wasmtime  # noqa: F401
    except ImportError:
        return None
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    from river_contract import RiverContract

    return RiverContract()


class RiverJudge:
    """River's ``validate_state`` on the states a test hands it; records each verdict's occasion."""

    def __init__(self, oracle: Any, tmp: Path) -> None:
        self.oracle = oracle
        self.tmp = tmp
        self.judged: list[str] = []

    def state(self, room: bytes, state: ChatRoomState, after: str) -> None:
        verdict = self.oracle.validate_state(bytes(cbor2.dumps({"owner": room})), state.encode())
        assert verdict.valid, f"after {after}: {verdict.error}"
        self.judged.append(after)

    def stored(self, profile: Path, room: bytes, after: str) -> None:
        """The bytes another process reads from the store (``rooms export-state``), judged as River would."""
        out = self.tmp / f"state-{len(self.judged)}.cbor"
        cli(profile, "rooms", "export-state", b58(room), "--out", str(out))
        verdict = self.oracle.validate_state(bytes(cbor2.dumps({"owner": room})), out.read_bytes())
        assert verdict.valid, f"stored, after {after}: {verdict.error}"
        self.judged.append(f"stored: {after}")
