"""Steps the network GUI tests share: a stand-in node on its own thread, and sync turned on or off.

Rooms the app creates are published with River's own room_contract.wasm (../shared/river-oracle), named in
Preferences as a user would; tests skip without it. The node is tests/standin's River stand-in (River's rules
in Python, the real bincode frames) on an event loop in a thread of the test process (tests/cli/net_world.py),
so the app's engines reach it over a real socket and ``stop``/``start`` take it down and bring it back on the
same port.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from river_desktop.net.sync_engine import Backoff
from river_desktop.ui.desktop import RiverDesktop
from river_desktop.ui.main_window import MainWindow
from tests.cli.net_world import NodeThread, room_contract_wasm
from tests.gui.conftest import child, run
from tests.gui.test_preferences import open_preferences

QUICK = Backoff(initial=0.05, factor=2.0, maximum=0.4, jitter=0.5)
NET_WAIT_MS = 30_000


def river_wasm() -> Path:
    found = room_contract_wasm()
    if found is None:
        pytest.skip("River's room_contract.wasm (../shared/river-oracle) is needed to publish under River's code hash")
    return found


def stop_node(qtbot: QtBot, node: NodeThread) -> None:
    """Stop the node from a worker thread: the GUI thread's loop must keep running to answer the node's close
    handshake (blocking it would make the node wait out its close timeout)."""
    run(qtbot, asyncio.to_thread(node.stop))


def start_node(qtbot: QtBot, node: NodeThread) -> None:
    run(qtbot, asyncio.to_thread(node.start))


def network_label(window: MainWindow) -> QLabel:
    return child(window.statusBar(), QLabel, "localOnly")


def room_notice(window: MainWindow) -> QLabel:
    return child(window.roomView, QLabel, "networkNotice")


def turn_on(desktop: RiverDesktop, url: str, wasm: Path | None = None, backoff: Backoff = QUICK) -> None:
    """As Preferences' OK would (the dialog itself is driven in test_network_status.py)."""
    desktop.network.backoff = backoff
    prefs = desktop.preferences.value
    contract = "" if wasm is None else str(wasm)
    desktop.preferences.set(replace(prefs, network_sync=True, node_address=url, room_contract=contract))


def turn_on_in_dialog(qtbot: QtBot, window: MainWindow, url: str, wasm: Path) -> None:
    window.desktop.network.backoff = QUICK
    dialog = open_preferences(qtbot, window)
    check = child(dialog, QCheckBox, "networkSyncCheck")
    assert not check.isChecked(), "network sync starts off"
    check.setChecked(True)
    child(dialog, QLineEdit, "nodeAddressEdit").setText(url)
    child(dialog, QLineEdit, "roomContractEdit").setText(str(wasm))
    dialog.buttonBox.accepted.emit()
    qtbot.waitUntil(lambda: window.dialog("PreferencesDialog") is None)


def wait_label(qtbot: QtBot, window: MainWindow, text: str, timeout: int = NET_WAIT_MS) -> None:
    label = network_label(window)
    qtbot.waitUntil(lambda: label.text() == text, timeout=timeout)


class Texts(QObject):
    """Every distinct text the window's network label shows, in order, from the moment this is made."""

    def __init__(self, desktop: RiverDesktop, window: MainWindow) -> None:
        super().__init__(window)
        self.label = network_label(window)
        self.seen = [self.label.text()]
        desktop.network.statusChanged.connect(self._note)

    def _note(self, *_: object) -> None:
        text = self.label.text()
        if text != self.seen[-1]:
            self.seen.append(text)
