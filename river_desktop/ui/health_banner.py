"""The banner every window shows while its profile cannot be changed (damaged, deleted or replaced, read-only).

It says in plain words what happened, that nothing more is saved, and what to do; for a damaged profile it offers
to copy what can still be read into a new profile (``storage.salvage``, run on the storage thread). The exact
technical reason stays in the tooltip, so the banner itself reads the same on every machine.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from river_desktop.storage.controller import StorageController
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import StoreHealth
from river_desktop.storage.salvage import SalvageReport, salvage
from river_desktop.storage.sqlite_kv import SqliteKV

log = logging.getLogger(__name__)

SALVAGE_BUTTON_TEXT = "Save what can be read…"
NOTHING_CAN_BE_POSTED = "Nothing can be posted: this profile cannot be changed (see the note above)"
LOST_SHOWN = 5


@dataclass(frozen=True)
class BannerText:
    """What the banner says: the headline, what to do, and whether salvaging is offered."""

    headline: str
    advice: str
    offer_salvage: bool


def banner_text(health: StoreHealth) -> BannerText | None:
    """The banner for ``health``, worst problem first (as ``StoreHealth.problem``); ``None`` when all is well."""
    if health.gone is not None:
        return BannerText(
            "This profile's database was deleted or replaced while River Desktop was running. "
            "Nothing more is saved to it, and nothing is recreated.",
            "What you see here is only in this window's memory. Quit, then restore the profile folder from a "
            "backup, or start again with a new profile.",
            False,
        )
    if health.damaged is not None:
        return BannerText(
            "This profile's database is damaged. Nothing more is saved to it; the file is left exactly as it is.",
            "The rooms and messages that could still be read are shown. Save what can be read into a new, empty "
            "folder, then open that folder as your profile (river-desktop --profile FOLDER).",
            True,
        )
    if health.read_only is not None:
        return BannerText(
            "This profile is read-only. You can read your rooms, but nothing can be changed or saved.",
            "To make changes, make the profile folder and its database writable by you, then restart "
            "River Desktop.",
            False,
        )
    return None


def salvage_summary(report: SalvageReport, source: Path | None) -> str:
    """What a salvage did, in words: how much was copied where, and what was lost (the first few keys named)."""
    left = f"; {source} was left as it is" if source is not None else ""
    lines = [f"Copied {report.copied} item(s) into {report.target}{left}."]
    if report.lost:
        names = ", ".join(row.key for row in report.lost[:LOST_SHOWN])
        more = f" and {len(report.lost) - LOST_SHOWN} more" if len(report.lost) > LOST_SHOWN else ""
        lines.append(f"Lost {len(report.lost)} item(s) that could not be read: {names}{more}.")
    else:
        lines.append("Nothing was lost.")
    lines.append(f"Open it with: river-desktop --profile {report.target.parent}")
    return "\n".join(lines)


class HealthBanner(QFrame):
    """Hidden while the profile is writable; otherwise the problem, the advice and (if damaged) the salvage."""

    salvageFinished = Signal(object)  # SalvageReport, or the error text (str)

    def __init__(self, controller: StorageController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Profile problem")
        self._controller = controller
        self._salvaging = False
        self.folderDialog: QFileDialog | None = None

        self.headline = QLabel(self)
        self.headline.setObjectName("healthHeadline")
        self.advice = QLabel(self)
        self.advice.setObjectName("healthAdvice")
        self.result = QLabel(self)
        self.result.setObjectName("salvageResult")
        for label in (self.headline, self.advice, self.result):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.headline.setStyleSheet("font-weight: bold")
        self.result.hide()
        self.salvageButton = QPushButton(SALVAGE_BUTTON_TEXT, self)
        self.salvageButton.setObjectName("salvageButton")
        self.salvageButton.setToolTip("Copy every room and message that can still be read into a new profile")
        self.salvageButton.clicked.connect(self.choose_folder)

        text = QVBoxLayout()
        text.addWidget(self.headline)
        text.addWidget(self.advice)
        text.addWidget(self.result)
        row = QHBoxLayout(self)
        row.addLayout(text, 1)
        row.addWidget(self.salvageButton, 0, Qt.AlignmentFlag.AlignTop)
        self.show_health(controller.health)

    def show_health(self, health: StoreHealth) -> None:
        words = banner_text(health)
        self.setVisible(words is not None)
        if words is None:
            return
        self.headline.setText(words.headline)
        self.advice.setText(words.advice)
        self.setToolTip(health.problem or "")
        self.salvageButton.setVisible(words.offer_salvage)
        self.salvageButton.setEnabled(words.offer_salvage and not self._salvaging)

    def choose_folder(self) -> QFileDialog:
        """Ask for an empty folder (a non-modal dialog, so tests can answer it); salvaging starts on accept."""
        dialog = QFileDialog(self, "Save what can be read into a new, empty folder")
        dialog.setObjectName("salvageFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.start_salvage(Path(path)))
        self.folderDialog = dialog
        dialog.open()
        return dialog

    def start_salvage(self, target_dir: Path) -> asyncio.Task[None]:
        self._salvaging = True
        self.salvageButton.setEnabled(False)
        self.result.setText(f"Copying what can be read into {target_dir}…")
        self.result.show()
        return asyncio.ensure_future(self._salvage(target_dir))

    async def _salvage(self, target_dir: Path) -> None:
        store = self._controller.store
        source = None if self._controller.profile is None else self._controller.profile.db_path
        outcome: SalvageReport | str
        if not isinstance(store, SqliteKV):
            outcome = "Only a profile stored on disk can be salvaged."
        else:
            try:
                outcome = await self._controller.run(lambda: salvage(store, target_dir))
            except (StorageError, OSError) as exc:
                outcome = f"Nothing was saved: {exc}"
        if isinstance(outcome, SalvageReport):
            log.info("salvaged %d key(s) into %s, %d lost", outcome.copied, outcome.target, len(outcome.lost))
        else:
            log.warning("salvage into %s failed: %s", target_dir, outcome)
        try:
            self._salvaging = False
            self.salvageButton.setEnabled(True)
            shown = outcome if isinstance(outcome, str) else salvage_summary(outcome, source)
            self.result.setText(shown)
            self.salvageFinished.emit(outcome)
        except RuntimeError:  # the window closed while the copy ran: the copy is done, there is nobody to tell
            log.info("the window that asked for the salvage into %s is gone", target_dir)
