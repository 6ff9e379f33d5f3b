"""What is drawn above a message: the day it starts (when the previous message was on another local day)
and the "New messages" divider at the read marker.

Both are bands at the top of the message's row rather than rows of their own, so the model stays one row
per message (selection, keyboard moves and every ``row_of`` keep meaning "a message").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette

ModelIndex = QModelIndex | QPersistentModelIndex
NEW_MESSAGES = "New messages"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BAND_PAD = 4


@dataclass(frozen=True)
class Band:
    """Above one message: the day label (None when it continues the previous message's day) and whether the
    unread divider stands here."""

    day: str | None = None
    unread: bool = False


def local_day(timestamp_ms: int) -> datetime.date:
    """The local calendar day of a time in milliseconds since the epoch."""
    return datetime.datetime.fromtimestamp(timestamp_ms / 1000).date()


def day_label(day: datetime.date, today: datetime.date) -> str:
    """``"Today"``, ``"Yesterday"``, the weekday within the last week, else ``"Mon 30 Nov 2026"``."""
    age = (today - day).days
    if age == 0:
        return "Today"
    if age == 1:
        return "Yesterday"
    if 1 < age < 7:
        return _WEEKDAYS[day.weekday()]
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def band_for(
    timestamp_ms: int,
    previous_ms: int | None,
    *,
    unread: bool,
    today: datetime.date | None = None,
) -> Band | None:
    """The band above a message at ``timestamp_ms`` whose predecessor (if loaded) is at ``previous_ms``."""
    day = local_day(timestamp_ms)
    new_day = previous_ms is None or local_day(previous_ms) != day
    if not new_day and not unread:
        return None
    label = day_label(day, today or datetime.date.today()) if new_day else None
    return Band(label, unread)


def band_of(index: ModelIndex, timestamp_role: int, message_id_role: int, first_unread: int | None) -> Band | None:
    """The band above the message at ``index`` (read from its model: its time and its predecessor's)."""
    model = index.model()
    if model is None:
        return None
    stamp = index.data(timestamp_role)
    if not isinstance(stamp, int):
        return None
    previous = model.index(index.row() - 1, 0).data(timestamp_role) if index.row() > 0 else None
    unread = first_unread is not None and index.data(message_id_role) == first_unread
    return band_for(stamp, previous if isinstance(previous, int) else None, unread=unread)


def band_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    font.setPointSizeF(max(base.pointSizeF() * 0.85, 6.0))
    return font


def band_height(band: Band | None, base: QFont) -> int:
    if band is None:
        return 0
    line = QFontMetrics(band_font(base)).height() + 2 * BAND_PAD
    return line * ((band.day is not None) + band.unread)


def paint_band(painter: QPainter, rect: QRect, band: Band, base: QFont, palette: QPalette) -> None:
    """The day label centred between two rules; below it the unread divider, in the highlight colour."""
    font = band_font(base)
    metrics = QFontMetrics(font)
    line = metrics.height() + 2 * BAND_PAD
    painter.save()
    painter.setFont(font)
    top = rect.top()
    rows: list[tuple[str, QColor]] = []
    if band.day is not None:
        rows.append((band.day, palette.color(QPalette.ColorRole.PlaceholderText)))
    if band.unread:
        rows.append((NEW_MESSAGES, palette.color(QPalette.ColorRole.Highlight)))
    for text, color in rows:
        row = QRect(rect.left(), top, rect.width(), line)
        width = metrics.horizontalAdvance(text) + 16
        label = QRect(row.center().x() - width // 2, row.top(), width, line)
        middle = row.center().y()
        rule = QColor(color)
        rule.setAlpha(90)
        # rules as 1-pixel rectangles: the raster engine fills those far faster than it strokes lines
        painter.fillRect(QRect(row.left() + 12, middle, max(label.left() - row.left() - 12, 0), 1), rule)
        painter.fillRect(QRect(label.right(), middle, max(row.right() - 12 - label.right(), 0), 1), rule)
        painter.setPen(color)
        painter.drawText(label, int(Qt.AlignmentFlag.AlignCenter), text)
        top += line
    painter.restore()


__all__ = ["NEW_MESSAGES", "Band", "band_for", "band_height", "band_of", "day_label", "local_day", "paint_band"]
