"""Application icons from ``resources/icons/``, with QStyle standard icons as the fallback.

Icon files are tiny and looked up once per name (the result is cached), so the GUI thread does at most one
``stat`` per icon for the life of the process; the image itself is read lazily by Qt when first painted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from river_desktop.domain.rooms import NotificationMode

log = logging.getLogger(__name__)

SP = QStyle.StandardPixmap

APP_ICON = "river-desktop"
NOTIFY_ALL = "ui/notifications-all"
NOTIFY_MENTIONS = "ui/notifications-mentions"
NOTIFY_MUTED = "ui/notifications-muted"
WAITING = "ui/waiting"
LOCK = "ui/lock"

_FALLBACKS: dict[str, QStyle.StandardPixmap] = {
    APP_ICON: SP.SP_ComputerIcon,
    NOTIFY_ALL: SP.SP_MediaVolume,
    NOTIFY_MENTIONS: SP.SP_MessageBoxInformation,
    NOTIFY_MUTED: SP.SP_MediaVolumeMuted,
    WAITING: SP.SP_BrowserReload,
}

_MODE_ICONS = {
    NotificationMode.ALL: NOTIFY_ALL,
    NotificationMode.MENTIONS_AND_REPLIES: NOTIFY_MENTIONS,
    NotificationMode.MUTED: NOTIFY_MUTED,
}

_cache: dict[str, QIcon] = {}


def icons_dir() -> Path:
    """``resources/icons`` next to the package (a source checkout) or inside it (an installed build)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "resources" / "icons", package.parent / "resources" / "icons"):
        if candidate.is_dir():
            return candidate
    return package.parent / "resources" / "icons"


def icon_path(name: str) -> Path | None:
    """The file for icon ``name`` (``"ui/waiting"``), SVG preferred over PNG; None when there is none."""
    base = icons_dir()
    for ext in (".svg", ".png"):
        path = base / f"{name}{ext}"
        if path.is_file():
            return path
    return None


def icon(name: str, fallback: QStyle.StandardPixmap | None = None) -> QIcon:
    """Icon ``name`` from the resources, else ``fallback`` (or the name's default) from the current style."""
    cached = _cache.get(name)
    if cached is not None:
        return cached
    path = icon_path(name)
    result = QIcon(str(path)) if path is not None else QIcon()
    if result.isNull():
        pixmap = fallback if fallback is not None else _FALLBACKS.get(name)
        if pixmap is None or QApplication.instance() is None:
            return result  # nothing to fall back to (yet): do not cache the miss
        result = QApplication.style().standardIcon(pixmap)
        log.debug("icon %s: using the style's fallback", name)
    _cache[name] = result
    return result


def app_icon() -> QIcon:
    return icon(APP_ICON)


def notification_icon(mode: NotificationMode) -> QIcon:
    return icon(_MODE_ICONS[mode])


def waiting_icon() -> QIcon:
    return icon(WAITING)


_tinted: dict[tuple[str, int, int, float], QPixmap] = {}


def tinted(name: str, color: QColor, size: int, ratio: float = 1.0) -> QPixmap:
    """Icon ``name`` as a one-colour glyph in ``color``: the files' mid-grey vanishes on a selection
    highlight and in dark themes, so list rows paint their glyphs in the palette's text colours."""
    key = (name, color.rgba(), size, ratio)
    cached = _tinted.get(key)
    if cached is not None:
        return cached
    pixmap = icon(name).pixmap(QSize(size, size), ratio)
    out = QPixmap(pixmap.size())
    out.setDevicePixelRatio(pixmap.devicePixelRatio())
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.drawPixmap(0, 0, pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(out.rect(), color)
    painter.end()
    if len(_tinted) > 256:
        _tinted.clear()
    _tinted[key] = out
    return out


def notification_icon_name(mode: NotificationMode) -> str:
    return _MODE_ICONS[mode]


def clear_cache() -> None:
    """Forget loaded icons (tests, or after the style changed)."""
    _cache.clear()
    _tinted.clear()
