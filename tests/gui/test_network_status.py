"""The app on the network: Preferences turns sync on, every window's status bar and room say where it stands,
and two profiles talk through the stand-in node (tests/standin, River's rules, the real bincode frames)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from river_desktop.cli_net import app_node_address
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.net.sync_status import Phase
from river_desktop.storage.net_store import NetStore
from river_desktop.ui.preferences import load_preferences
from river_desktop.ui.settings import DesktopSettings
from tests.cli.net_world import NodeThread, running_node
from tests.gui.conftest import DesktopFactory, child, create_room_via_dialog, open_window, run
from tests.gui.net_steps import (
    NET_WAIT_MS,
    Texts,
    network_label,
    river_wasm,
    room_notice,
    start_node,
    stop_node,
    turn_on,
    turn_on_in_dialog,
    wait_label,
)
from tests.gui.room_steps import Judge, accept, invite, load_oracle, post, shown_texts
from tests.gui.test_preferences import open_preferences

pytestmark = pytest.mark.slow


@pytest.fixture
def node() -> Iterator[NodeThread]:
    with running_node() as n:
        yield n


@pytest.fixture
def wasm() -> Path:
    return river_wasm()


def test_sync_is_off_until_turned_on_then_connects_and_syncs(
    node: NodeThread, qtbot: QtBot, make_desktop: DesktopFactory, wasm: Path, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "alice")
    window = open_window(qtbot, desktop)
    other = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Garden", "alice")
    label = network_label(window)
    assert label.text() == "Local only" and label.accessibleName() == "Network: Local only"
    assert "Preferences" in label.toolTip()
    assert not room_notice(window).isVisible(), "a room with data says nothing while sync is off"
    assert desktop.network.engine is None
    seen = Texts(desktop, window)
    desktop.network.poll_interval = 3600.0  # capped at 40 s by the lease: only a kick is quick

    turn_on_in_dialog(qtbot, window, node.url, wasm)  # the bare ws://host:port a user types
    for w in (window, other):
        wait_label(qtbot, w, "Synced")
    assert seen.seen[:2] == ["Local only", "Connecting"]
    assert seen.seen.index("Connected") < seen.seen.index("Synced")
    assert network_label(other).accessibleName() == "Network: Synced"
    notice = room_notice(window)
    qtbot.waitUntil(lambda: notice.isVisible() and notice.text() == "Synced", timeout=NET_WAIT_MS)
    assert notice.accessibleName() == "Room network status: Synced"
    stored = load_preferences(DesktopSettings(desktop.profile_dir))
    assert stored.network_sync is True and stored.node_address == node.url
    engine = desktop.network.engine
    assert engine is not None and engine.room_status(room).phase is Phase.SYNCED
    assert engine.address.endswith("/v1/contract/command?encodingProtocol=native"), "the CLI's normalisation"
    assert len(node.states()) == 1, "the new room was published"

    # a room created while connected goes out at once: the change kicks the engine (no periodic look here)
    create_room_via_dialog(qtbot, other, "Orchard", "alice")
    qtbot.waitUntil(lambda: len(node.states()) == 2, timeout=NET_WAIT_MS)
    wait_label(qtbot, window, "Synced")

    # off again, live: the engine stops and gives up the profile's lease
    desktop.preferences.set(replace(desktop.preferences.value, network_sync=False))
    wait_label(qtbot, window, "Local only")
    qtbot.waitUntil(lambda: desktop.network.engine is None, timeout=NET_WAIT_MS)
    assert run(qtbot, asyncio.to_thread(NetStore(desktop.controller).lease_holder)) is None


def test_a_node_that_is_down_is_failed_with_the_reason_then_recovers(
    node: NodeThread, qtbot: QtBot, make_desktop: DesktopFactory, wasm: Path, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "alice")
    window = open_window(qtbot, desktop)
    room = create_room_via_dialog(qtbot, window, "Garden", "alice")
    stop_node(qtbot, node)
    turn_on(desktop, node.url, wasm)
    label = network_label(window)
    qtbot.waitUntil(lambda: label.text().startswith("Failed: "), timeout=NET_WAIT_MS)
    assert "no Freenet node is reachable" in label.text() and "connection refused" in label.text()
    assert label.accessibleName() == f"Network: {label.text()}"
    assert "retrying in" in label.text(), "it says that it keeps trying"
    notice = room_notice(window)
    qtbot.waitUntil(lambda: notice.text().startswith("Failed: "), timeout=NET_WAIT_MS)
    assert "connection refused" in notice.accessibleName()

    post(qtbot, window, room, "written while the node was down")
    start_node(qtbot, node)
    wait_label(qtbot, window, "Synced")
    qtbot.waitUntil(lambda: notice.text() == "Synced", timeout=NET_WAIT_MS)
    (state,) = node.states()
    assert len(ChatRoomState.decode(state).recent_messages) == 1, "the message written offline went out once"
    assert run(qtbot, asyncio.to_thread(NetStore(desktop.controller).outbox, room)) == []

    # a node restart while connected: the windows say so, then the engine re-subscribes and catches up
    stop_node(qtbot, node)
    qtbot.waitUntil(lambda: label.text() != "Synced", timeout=NET_WAIT_MS)
    assert label.text().startswith(("Connecting", "Failed"))
    post(qtbot, window, room, "written during the restart")
    start_node(qtbot, node)
    wait_label(qtbot, window, "Synced")
    (state,) = node.states()
    assert len(ChatRoomState.decode(state).recent_messages) == 2


def test_two_profiles_talk_through_the_node_and_stay_valid_to_river(
    node: NodeThread, qtbot: QtBot, make_desktop: DesktopFactory, wasm: Path, tmp_path: Path
) -> None:
    judge = Judge(load_oracle())
    alice = make_desktop(tmp_path / "alice")
    bob = make_desktop(tmp_path / "bob")
    a = open_window(qtbot, alice)
    b = open_window(qtbot, bob)
    room = create_room_via_dialog(qtbot, a, "Garden", "alice")
    turn_on(alice, node.url, wasm)
    wait_label(qtbot, a, "Synced")

    code = invite(qtbot, a, room)
    accept(qtbot, b, code, "bob")
    b.select_room(room)
    notice = room_notice(b)
    qtbot.waitUntil(lambda: notice.isVisible(), timeout=NET_WAIT_MS)
    assert notice.text().startswith("Waiting for the network: network sync is off")
    assert "Preferences" in b.roomView.empty_state_text()

    stop_node(qtbot, node)
    turn_on(bob, node.url)
    qtbot.waitUntil(lambda: "connection refused" in notice.text(), timeout=NET_WAIT_MS)
    assert notice.text().startswith("Waiting for a connection: no Freenet node is reachable")
    assert "has not reached yet" in b.roomView.empty_state_text()
    start_node(qtbot, node)
    qtbot.waitUntil(lambda: not b.rooms.get(room).waiting, timeout=NET_WAIT_MS)
    qtbot.waitUntil(lambda: b.roomView.roomTitle.text() == "Garden", timeout=NET_WAIT_MS)
    wait_label(qtbot, b, "Synced")
    wait_label(qtbot, a, "Synced")

    post(qtbot, a, room, "hello bob")
    qtbot.waitUntil(lambda: "hello bob" in shown_texts(b), timeout=NET_WAIT_MS)
    post(qtbot, b, room, "hi alice")
    qtbot.waitUntil(lambda: "hi alice" in shown_texts(a), timeout=NET_WAIT_MS)
    qtbot.waitUntil(lambda: shown_texts(a) == shown_texts(b), timeout=NET_WAIT_MS)
    assert shown_texts(a).count("hello bob") == 1 and shown_texts(b).count("hi alice") == 1
    wait_label(qtbot, a, "Synced")
    wait_label(qtbot, b, "Synced")

    # every state the engines stored, and the node's, is Valid to River's own contract
    for name, desktop in (("alice", alice), ("bob", bob)):
        stored = run(qtbot, desktop.controller.load())
        judge.valid(room, stored.get(room).room_state, f"{name}'s store")
    (on_node,) = node.states()
    judge.valid(room, ChatRoomState.decode(on_node), "the node")
    assert len(judge.judged) == 3


def test_the_node_address_is_checked_as_the_clis_node_is(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "alice")
    window = open_window(qtbot, desktop)
    dialog = open_preferences(qtbot, window)
    edit = child(dialog, QLineEdit, "nodeAddressEdit")
    error = child(dialog, QLabel, "nodeAddressError")
    ok = dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
    assert edit.text() == "ws://127.0.0.1:7509" and not error.isVisible() and ok.isEnabled()
    edit.setText("http://127.0.0.1:7509")
    assert error.isVisible() and "not a node address" in error.text() and not ok.isEnabled()
    assert error.accessibleName() == error.text()
    edit.setText("ws://10.0.0.2:7509/v1/contract/command?encodingProtocol=native&authToken=x")
    assert not error.isVisible() and ok.isEnabled()
    child(dialog, QCheckBox, "networkSyncCheck").setChecked(True)
    dialog.buttonBox.accepted.emit()
    qtbot.waitUntil(lambda: window.dialog("PreferencesDialog") is None)
    assert desktop.network.enabled
    assert desktop.network.address == "ws://10.0.0.2:7509/v1/contract/command?encodingProtocol=native&authToken=…"
    label = network_label(window)
    assert label.text() in ("Connecting", "Failed") or label.text().startswith("Failed: ")
    assert "authToken=x" not in label.toolTip()


def test_the_cli_reads_the_node_address_the_app_saved(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "alice")
    address = 'ws://10.0.0.2:7509/v1/contract/command?encodingProtocol=native&authToken=a "b" c\\d'
    desktop.preferences.set(replace(desktop.preferences.value, node_address=address))
    desktop.settings.sync()
    assert app_node_address(desktop.profile_dir) == address
