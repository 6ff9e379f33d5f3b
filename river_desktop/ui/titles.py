"""Window titles: the room (elided, so no name a room owner types can make a title huge) and, for any
profile but the default one, the profile's folder name (so windows of two profiles can be told apart)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyleOption

APP_TITLE = "River Desktop"
WAITING_TITLE = "Waiting for room data"
ROOM_TITLE_CHARS = 60
PROFILE_TITLE_CHARS = 40


def elide(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with an ellipsis; one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def profile_label(profile_dir: Path, default_dir: Path) -> str:
    """How a window title names the profile: "" for the default profile, else its folder name."""
    try:
        same = profile_dir.expanduser().resolve() == default_dir.expanduser().resolve()
    except OSError:
        same = profile_dir == default_dir
    if same:
        return ""
    return elide(profile_dir.name or str(profile_dir), PROFILE_TITLE_CHARS)


def window_title(room_name: str | None, *, waiting: bool = False, profile: str = "") -> str:
    """``Room — River Desktop`` (``… (profile)`` for a non-default profile); no room: the app's name."""
    app = f"{APP_TITLE} ({profile})" if profile else APP_TITLE
    if room_name is None and not waiting:
        return app
    name = elide(room_name or "", ROOM_TITLE_CHARS) or WAITING_TITLE
    return f"{name} — {app}"


class _ElidePainter(QObject):
    """Paints a one-line label's text elided to the label's width (QLabel itself would clip it)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QLabel) or watched.wordWrap():
            return False
        label = watched
        rect = label.contentsRect()
        text = label.fontMetrics().elidedText(label.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(label)
        try:
            option = QStyleOption()
            option.initFrom(label)
            label.style().drawItemText(
                painter, rect, int(label.alignment()), option.palette, label.isEnabled(), text, label.foregroundRole()
            )
        finally:
            painter.end()
        return True


def keep_narrow(*labels: QLabel) -> None:
    """No text a room owner types may widen the window: these labels take the width they are given
    (one-line ones elide their text to it; wrapped ones wrap or clip)."""
    for label in labels:
        label.setSizePolicy(QSizePolicy.Policy.Ignored, label.sizePolicy().verticalPolicy())
        label.setMinimumWidth(0)
        if not label.wordWrap():
            painter = _ElidePainter(label)
            label.installEventFilter(painter)


__all__ = ["APP_TITLE", "elide", "keep_narrow", "profile_label", "window_title"]
