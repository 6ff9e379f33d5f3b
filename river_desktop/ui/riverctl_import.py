"""File > Import from riverctl: a riverctl ``rooms.json`` into this profile, with a report of each room.

Each room is checked as the CLI's ``import riverctl`` checks it (River's state, valid by River's rules, the
key belonging to the room) and then goes through the room list's own operations; a room held here with
another identity is refused (Import Identity replaces one on purpose, with its warning).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from river_desktop.cli import CliError
from river_desktop.cli_room_access import check_stored_room
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.riverctl_json import RiverctlJsonError, parse_rooms_json
from river_desktop.domain.rooms import Rooms, RoomsError
from river_desktop.ui.room_rows import key_text

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportedRoom:
    owner_vk: bytes
    name: str
    outcome: str
    """``"added"``, ``"rejoined"`` (a room you had left) or ``"merged"`` (already here)."""


@dataclass(frozen=True)
class RiverctlImport:
    imported: tuple[ImportedRoom, ...]
    refused: tuple[tuple[str, str], ...]
    """(room key, why) for every room not imported."""

    def lines(self) -> list[str]:
        out = [
            f"Imported ({r.outcome}): {r.name or '(waiting for room data)'} ({key_text(r.owner_vk)})"
            for r in self.imported
        ]
        out += [f"Not imported: {room}: {why}" for room, why in self.refused]
        return out

    def summary(self) -> str:
        text = f"Imported {len(self.imported)} room(s)"
        return text + (f"; {len(self.refused)} not imported." if self.refused else ".")


def import_rooms_file(rooms: Rooms, data: bytes) -> RiverctlImport:
    """Import every room of ``data`` that passes the checks into ``rooms`` (which it changes)."""
    try:
        parsed = parse_rooms_json(data)
    except RiverctlJsonError as exc:
        return RiverctlImport((), (("(the file)", str(exc)),))
    refused = [(p.room_key, p.message) for p in parsed.problems]
    imported: list[ImportedRoom] = []
    for stored in parsed.rooms:
        try:
            checked = check_stored_room(stored)
        except CliError as exc:
            refused.append((stored.room_key, str(exc)))
            continue
        vk = checked.owner_vk
        existing = rooms.rooms.get(vk)
        if existing is not None and existing.self_vk != checked.token.identity.verifying_key:
            refused.append(
                (stored.room_key, "this profile holds another identity for the room (Import Identity replaces it)")
            )
            continue
        outcome = "merged" if existing is not None else ("rejoined" if vk in rooms.removed else "added")
        before = rooms.copy()
        try:
            if existing is None:
                rooms.import_identity(checked.token)
            room = rooms.receive_state(vk, checked.state)
        except (RoomsError, RiverRuleError) as exc:
            rooms.rooms, rooms.removed, rooms.room_order = before.rooms, before.removed, before.room_order
            refused.append((stored.room_key, str(exc)))
            continue
        imported.append(ImportedRoom(vk, room.name, outcome))
    if not parsed.rooms and not parsed.problems:
        refused.append(("(the file)", "it holds no rooms"))
    return RiverctlImport(tuple(imported), tuple(refused))


def read_rooms_file(path: Path) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return data


def riverctl_file_dialog(parent: QWidget) -> QFileDialog:
    """The picker (Qt's own widget dialog, so it behaves the same on every desktop and in tests)."""
    dialog = QFileDialog(parent, "Import from riverctl")
    dialog.setObjectName("riverctlFileDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setNameFilters(["riverctl rooms (rooms.json)", "JSON files (*.json)", "All files (*)"])
    config = Path.home() / ".config" / "river"
    if config.is_dir():
        dialog.setDirectory(str(config))
    return dialog


class RiverctlReportDialog(QDialog):
    """What was imported and what was refused, one line each."""

    def __init__(self, path: Path, report: RiverctlImport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RiverctlReportDialog")
        self.setWindowTitle("Import from riverctl")
        self.summaryLabel = QLabel(f"{report.summary()} From {path}.", self)
        self.summaryLabel.setObjectName("riverctlSummary")
        self.summaryLabel.setWordWrap(True)
        self.summaryLabel.setTextFormat(Qt.TextFormat.PlainText)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("riverctlDetails")
        self.details.setReadOnly(True)
        self.details.setPlainText("\n".join(report.lines()))
        self.buttonBox = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttonBox.setObjectName("buttonBox")
        self.buttonBox.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttonBox)
        self.setMinimumWidth(520)


__all__ = [
    "ImportedRoom",
    "RiverctlImport",
    "RiverctlReportDialog",
    "import_rooms_file",
    "read_rooms_file",
    "riverctl_file_dialog",
]
