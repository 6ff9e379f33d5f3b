"""Identity export and import, and File > Import from riverctl, driven through their real dialogs."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QFileDialog, QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.riverctl_json import dump_rooms_json
from river_desktop.domain.riverctl_rooms import stored_room
from river_desktop.domain.rooms import Rooms
from river_desktop.ui.identity_dialogs import EXPORT_WARNING, ExportIdentityDialog, ImportIdentityDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.riverctl_import import RiverctlReportDialog
from tests.gui.conftest import DesktopFactory, child, click, create_room_via_dialog, open_window, wait_saved
from tests.gui.room_steps import accept, hand_over, invite, post, shown_texts


def export_token(qtbot: QtBot, window: MainWindow, room: bytes) -> str:
    """Room > Export Identity, then Copy; the token as the clipboard holds it."""
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    window.roomFeatures.actionExportIdentity.trigger()
    dialog = window.dialog("ExportIdentityDialog")
    assert isinstance(dialog, ExportIdentityDialog)
    assert child(dialog, QLabel, "exportWarning").text() == EXPORT_WARNING
    assert "secret" in EXPORT_WARNING and "post as you" in EXPORT_WARNING
    shown = child(dialog, QPlainTextEdit, "tokenEdit")
    assert shown.isReadOnly()
    QGuiApplication.clipboard().clear()
    click(child(dialog, QPushButton, "copyButton"))
    copied = QGuiApplication.clipboard().text()
    assert copied == shown.toPlainText()
    dialog.close()
    qtbot.waitUntil(lambda: window.dialog("ExportIdentityDialog") is None)
    return copied


def open_import(window: MainWindow, token: str) -> ImportIdentityDialog:
    window.roomFeatures.actionImportIdentity.trigger()
    dialog = window.dialog("ImportIdentityDialog")
    assert isinstance(dialog, ImportIdentityDialog)
    child(dialog, QPlainTextEdit, "tokenEdit").setPlainText(token)
    return dialog


def test_identity_exported_in_one_profile_is_imported_into_another(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    laptop = open_window(qtbot, make_desktop(tmp_path / "laptop"))
    laptop.show()
    room = create_room_via_dialog(qtbot, ann, "Book club", "ann")
    post(qtbot, ann, room, "chapter 3 for Thursday?")
    token = export_token(qtbot, ann, room)
    assert token.startswith("-----BEGIN RIVER IDENTITY-----")
    owner = ann.rooms.get(room).self_identity

    dialog = open_import(laptop, token)
    assert f"as owner {member_id_display(owner.member_id)}" in child(dialog, QLabel, "importStatus").text()
    assert not child(dialog, QLabel, "replaceWarning").isVisible()  # a room new to this profile
    click(child(dialog, QPushButton, "importButton"))
    wait_saved(qtbot, laptop)
    held = laptop.rooms.get(room)
    assert held.self_vk == owner.verifying_key and held.is_owner
    hand_over(qtbot, ann, laptop, room)
    laptop.select_room(room)
    qtbot.waitUntil(lambda: "chapter 3 for Thursday?" in shown_texts(laptop))
    assert laptop.roomFeatures.actionRotateSecret.isEnabled() is False  # public room: nothing to rotate
    assert laptop.actionRenameRoom.isEnabled()


def test_import_warns_before_replacing_an_identity_and_needs_a_tick(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    ann = open_window(qtbot, make_desktop(tmp_path / "ann"))
    bob = open_window(qtbot, make_desktop(tmp_path / "bob"))
    bob.show()
    room = create_room_via_dialog(qtbot, ann, "Book club", "ann")
    accept(qtbot, bob, invite(qtbot, ann, room), "bob")
    hand_over(qtbot, ann, bob, room)
    old = bob.rooms.get(room)
    token = export_token(qtbot, ann, room)

    dialog = open_import(bob, token)
    warning = child(dialog, QLabel, "replaceWarning")
    tick = child(dialog, QCheckBox, "replaceCheck")
    button = child(dialog, QPushButton, "importButton")
    assert warning.isVisible() and "kept nowhere" in warning.text()
    assert not button.isEnabled()
    dialog.accept()  # Return without the tick does nothing
    assert bob.dialog("ImportIdentityDialog") is dialog
    assert bob.rooms.get(room).self_vk == old.self_vk
    click(tick)
    assert button.isEnabled()
    click(button)
    wait_saved(qtbot, bob)
    now = bob.rooms.get(room)
    assert now.self_vk == ann.rooms.get(room).self_vk != old.self_vk
    assert now.identity_generation == old.identity_generation + 1


def test_import_refuses_what_is_not_a_token(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "p"))
    dialog = open_import(window, "-----BEGIN RIVER IDENTITY-----\nnot base58 0OIl\n-----END RIVER IDENTITY-----")
    assert child(dialog, QLabel, "importStatus").text().startswith("Not a valid identity token:")
    assert not child(dialog, QPushButton, "importButton").isEnabled()
    assert window.rooms.rooms == {}


def riverctl_file(tmp_path: Path) -> tuple[Path, list[bytes], str]:
    """A rooms.json with two good rooms (as riverctl writes it) and one whose state is not River's."""
    source = Rooms()
    good = [source.create_room(name, "ann").owner_vk for name in ("Garden", "Kitchen")]
    doc = json.loads(dump_rooms_json(stored_room(source.get(vk)) for vk in good))
    broken = source.create_room("Broken", "ann")
    entry = json.loads(dump_rooms_json([stored_room(broken)]))["rooms"]
    ((bad_key, bad),) = entry.items()
    bad["state"] = {"configuration": "nonsense"}
    doc["rooms"][bad_key] = bad
    path = tmp_path / "rooms.json"
    path.write_text(json.dumps(doc, indent=2))
    return path, good, bad_key


def test_file_import_from_riverctl_reports_what_it_imported_and_refused(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    path, good, bad_key = riverctl_file(tmp_path)
    window = open_window(qtbot, make_desktop(tmp_path / "p"))
    window.roomFeatures.actionImportRiverctl.trigger()
    picker = window.dialog("riverctlFileDialog")
    assert isinstance(picker, QFileDialog)
    picker.setDirectory(str(tmp_path))
    picker.selectFile(str(path))
    picker.accept()
    qtbot.waitUntil(lambda: window.dialog("RiverctlReportDialog") is not None)
    report = window.dialog("RiverctlReportDialog")
    assert isinstance(report, RiverctlReportDialog)
    assert "Imported 2 room(s); 1 not imported." in child(report, QLabel, "riverctlSummary").text()
    details = child(report, QPlainTextEdit, "riverctlDetails").toPlainText().splitlines()
    assert [line.split(":")[0] for line in details] == ["Imported (added)", "Imported (added)", "Not imported"]
    assert details[2].startswith(f"Not imported: {bad_key}: ")
    wait_saved(qtbot, window)
    assert set(window.rooms.rooms) == set(good)
    assert sorted(window.room_names()) == ["Garden", "Kitchen"]
    assert all(window.rooms.get(vk).is_owner for vk in good)
