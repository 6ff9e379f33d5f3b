#!/usr/bin/env python3
"""Check the desktop resources the way Qt will load them; exit 1 on any problem.

    python packaging/check_resources.py

- every SVG under resources/icons/ is valid for Qt's SVG renderer and has a non-empty size;
- every stylesheet under resources/styles/ applies without a Qt warning ("Could not parse ...") to
  widgets carrying the object names the app uses;
- the hicolor PNGs are current renderings of the app icon (see render_icons.py).

Headless: runs on the offscreen platform.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QListView, QPlainTextEdit, QVBoxLayout, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_icons

ROOT = render_icons.ROOT
OBJECT_NAMES = {
    "roomList": QListView,
    "roomFilter": QLineEdit,
    "messageList": QListView,
    "composer": QPlainTextEdit,
    "memberList": QListView,
    "saveStatus": QLabel,
}
# Harmless platform chatter that is not about our resources.
IGNORED = ("propagateSizeHints",)


def check_svgs() -> list[str]:
    problems = []
    svgs = sorted((ROOT / "resources" / "icons").rglob("*.svg"))
    if not svgs:
        problems.append("no SVG icons found under resources/icons")
    for svg in svgs:
        renderer = QSvgRenderer(str(svg))
        if not renderer.isValid() or renderer.defaultSize().isEmpty():
            problems.append(f"{svg.relative_to(ROOT)}: not a valid SVG for Qt")
    return problems


def check_styles(app: QApplication) -> list[str]:
    problems = []
    messages: list[str] = []

    def handler(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if not any(text in message for text in IGNORED):
            messages.append(message)

    previous = qInstallMessageHandler(handler)
    try:
        styles = sorted((ROOT / "resources" / "styles").glob("*.qss"))
        if not styles:
            problems.append("no stylesheets found under resources/styles")
        for qss in styles:
            messages.clear()
            app.setStyleSheet(qss.read_text(encoding="utf-8"))
            window = QWidget()
            layout = QVBoxLayout(window)
            for name, kind in OBJECT_NAMES.items():
                widget = kind()
                widget.setObjectName(name)
                layout.addWidget(widget)
            for state in ("saving", "saved", "failed"):
                label = QLabel("status")
                label.setObjectName("saveStatus")
                label.setProperty("state", state)
                layout.addWidget(label)
            for badge in ("unread", "mention"):
                label = QLabel("1")
                label.setProperty("badge", badge)
                layout.addWidget(label)
            window.show()
            app.processEvents()
            window.grab()
            window.close()
            window.deleteLater()
            app.processEvents()
            problems.extend(f"{qss.relative_to(ROOT)}: {message}" for message in messages)
        app.setStyleSheet("")
    finally:
        qInstallMessageHandler(previous)
    return problems


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    problems = check_svgs() + check_styles(app)
    if render_icons.check_pngs() != 0:
        problems.append("hicolor PNGs are missing or out of date")
    for problem in problems:
        print(f"error: {problem}")
    if problems:
        return 1
    print("resources OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
