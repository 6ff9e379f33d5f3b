"""A rendered message (:mod:`.markdown`) laid out with ``QTextLayout``: one layout per bubble, styles as
format ranges (bold, italics, monospace code on a tint, underlined links, larger headings, dim quote bars).

Offsets are converted to UTF-16 here, as Qt counts them: an emoji before a link would otherwise shift its
underline and its click target by one per emoji.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette, QTextCharFormat, QTextLayout, QTextOption

from river_desktop.ui.room_view.links import Link
from river_desktop.ui.room_view.markdown import Rendered, Style

HEADING_SCALE = 1.2


def line_text(text: str) -> str:
    """Line breaks as U+2028, so one layout wraps the whole message."""
    return text.replace("\n", "\u2028")


def utf16_offsets(text: str) -> list[int] | None:
    """For each character offset, its UTF-16 offset (one longer than ``text``); None when they agree."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return None
    offsets = [0]
    for c in text:
        offsets.append(offsets[-1] + (2 if ord(c) >= 0x10000 else 1))
    return offsets


@functools.lru_cache(maxsize=1)
def _fixed_family() -> str:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()


def char_format(style: Style, font: QFont, palette: QPalette) -> QTextCharFormat:
    fmt = QTextCharFormat()
    if Style.BOLD in style:
        fmt.setFontWeight(QFont.Weight.Bold)
    if Style.ITALIC in style or Style.QUOTE in style:
        fmt.setFontItalic(True)
    if Style.STRIKE in style:
        fmt.setFontStrikeOut(True)
    if Style.CODE in style:
        fmt.setFontFamilies([_fixed_family()])
        tint = QColor(palette.color(QPalette.ColorRole.Text))
        tint.setAlpha(28)
        fmt.setBackground(tint)
    if Style.HEADING in style and font.pointSizeF() > 0:
        fmt.setFontPointSize(font.pointSizeF() * HEADING_SCALE)
    if Style.LINK in style:
        fmt.setFontUnderline(True)
        fmt.setForeground(palette.color(QPalette.ColorRole.Link))
    elif Style.MENTION in style:
        fmt.setForeground(palette.color(QPalette.ColorRole.Link))
    elif Style.DIM in style or Style.QUOTE in style:
        fmt.setForeground(palette.color(QPalette.ColorRole.PlaceholderText))
    return fmt


def lay_out(
    rendered: Rendered, font: QFont, width: int, palette: QPalette
) -> tuple[QTextLayout, int, int, tuple[Link, ...]]:
    """(layout, height, widest line, links in the layout's UTF-16 offsets) for ``width`` pixels."""
    layout = QTextLayout(line_text(rendered.text), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    offsets = utf16_offsets(rendered.text)

    def at(position: int) -> int:
        return position if offsets is None else offsets[position]

    if rendered.spans:
        ranges = []
        formats: dict[Style, QTextCharFormat] = {}
        for span in rendered.spans:
            fmt = formats.get(span.style)
            if fmt is None:
                fmt = formats[span.style] = char_format(span.style, font, palette)
            item = QTextLayout.FormatRange()
            item.start, item.length, item.format = at(span.start), at(span.end) - at(span.start), fmt
            ranges.append(item)
        layout.setFormats(ranges)
    height, widest = wrap(layout, width)
    links = tuple(Link(at(link.start), at(link.end), link.url) for link in rendered.links)
    return layout, height, widest, links


def wrap(layout: QTextLayout, width: float) -> tuple[int, int]:
    """Break ``layout`` into lines of ``width``; its height and its widest line, rounded up to whole pixels."""
    layout.beginLayout()
    height = 0.0
    widest = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, height))
        height += line.height()
        widest = max(widest, line.naturalTextWidth())
    layout.endLayout()
    return int(height + 0.999), int(widest + 0.999)


__all__ = ["char_format", "lay_out", "line_text", "utf16_offsets", "wrap"]
