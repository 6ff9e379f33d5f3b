"""Steps the private-room, moderation and identity GUI tests share: invite, accept, post, hand a state over.

A state is handed from one profile to another as a network sync would (River's merge, by
``Rooms.receive_state``), so two profiles meet without a network.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.ui.main_window import MainWindow
from tests.gui.conftest import accept_via_dialog, child, wait_saved

REPO = Path(__file__).resolve().parents[2]


def invite(qtbot: QtBot, window: MainWindow, room: bytes) -> str:
    """An invitation code as Room > Invite Member shows it."""
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    window.actionInviteMember.trigger()
    qtbot.waitUntil(lambda: window.dialog("InviteMemberDialog") is not None)
    dialog = window.dialog("InviteMemberDialog")
    assert dialog is not None
    code = child(dialog, QPlainTextEdit, "inviteCodeOutput").toPlainText().strip()
    dialog.close()
    qtbot.waitUntil(lambda: window.dialog("InviteMemberDialog") is None)
    return code


def accept(qtbot: QtBot, window: MainWindow, code: str, nickname: str) -> bytes:
    accept_via_dialog(qtbot, window, code, nickname)
    room = Invitation.decode(code).room
    assert room in window.rooms.rooms
    wait_saved(qtbot, window)
    return room


def post(qtbot: QtBot, window: MainWindow, room: bytes, text: str) -> None:
    """Type ``text`` in the composer and press Return."""
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    composer = child(window, QPlainTextEdit, "composer")
    composer.setPlainText(text)
    QTest.keyClick(composer, Qt.Key.Key_Return)
    wait_saved(qtbot, window)


def deliver(qtbot: QtBot, window: MainWindow, room: bytes, state: ChatRoomState) -> None:
    """What a network sync would do: the room's state as another profile holds it arrives here."""
    window.rooms.receive_state(room, state)
    window.refresh()
    window.schedule_save()
    wait_saved(qtbot, window)


def hand_over(qtbot: QtBot, source: MainWindow, target: MainWindow, room: bytes) -> None:
    deliver(qtbot, target, room, source.rooms.get(room).room_state)


def shown_texts(window: MainWindow) -> list[str]:
    return [m.text for m in window.roomView.model.messages()]


def load_oracle() -> Any:
    """River's contract (../shared/river-oracle or $RIVER_ORACLE_DIR); skips the test without it."""
    env = os.environ.get("RIVER_ORACLE_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "river-oracle"
    if not (folder / "river_contract.py").is_file():
        pytest.skip(f"River oracle not found at {folder}")
    pytest.importorskip("wasmtime")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    from river_contract import RiverContract

    return RiverContract()


class Judge:
    """Asserts that River's contract finds each state Valid; records what it judged."""

    def __init__(self, oracle: Any) -> None:
        self.oracle = oracle
        self.judged: list[str] = []

    def valid(self, room: bytes, state: ChatRoomState, after: str) -> None:
        import cbor2

        verdict = self.oracle.validate_state(bytes(cbor2.dumps({"owner": room})), state.encode())
        assert verdict.valid, f"after {after}: {verdict.error}"
        self.judged.append(after)
