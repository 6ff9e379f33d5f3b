"""The composition root: River Desktop is the :class:`Application` whose windows are :class:`MainWindow`.

The only module that names both sides, so ``app.py`` and ``main_window.py`` stay independent of
each other (their contract is ``window_host.py``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from river_desktop.ui.app import Application
from river_desktop.ui.main_window import MainWindow


class RiverDesktop(Application):
    """The application with River Desktop's own window."""

    def __init__(
        self, profile_dir: str | Path | None = None, *, log_dir: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(profile_dir, window_factory=MainWindow, log_dir=log_dir, parent=parent)


__all__ = ["RiverDesktop"]
