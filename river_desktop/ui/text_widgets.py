"""Labels for text other people type (room names, descriptions): they never size the window.

A ``QLabel`` asks for the width of its longest unbreakable run, so a 10,000-character room name without
spaces makes the window 32,767 px wide. These widgets ask for a small minimum, elide (one line) or wrap
anywhere and elide after a few lines, show the whole text as a tooltip, and follow the text's own
direction, so a right-to-left name is drawn from the right edge instead of being cut off.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget

MIN_WIDTH = 40
PREFERRED_CHARS = 40


def is_right_to_left(text: str) -> bool:
    """Whether the first strongly directional character of ``text`` is right-to-left (Unicode's P2 rule)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def elide_chars(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for places that are not painted by us
    (window titles, sentences in dialogs)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 1)] + "…"


class _TextWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setToolTip(text)
        self.setAccessibleName(text)
        self.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if is_right_to_left(text) else Qt.LayoutDirection.LeftToRight
        )
        self.updateGeometry()
        self.update()

    def _alignment(self) -> Qt.AlignmentFlag:
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        return Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft


class ElidedLabel(_TextWidget):
    """One line of text, elided at the end when it does not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        natural = fm.horizontalAdvance(self._text) + 4
        return QSize(min(natural, fm.averageCharWidth() * PREFERRED_CHARS), fm.height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self.fontMetrics().height() + 4)

    def elided_text(self) -> str:
        """What is painted at the current width."""
        return self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, max(self.width() - 2, 0))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.rect().adjusted(1, 0, -1, 0)
        painter.drawText(rect, int(self._alignment() | Qt.AlignmentFlag.AlignVCenter), self.elided_text())


class WrappedLabel(_TextWidget):
    """Text wrapped at word boundaries or anywhere, at most ``max_lines`` lines, the last one elided."""

    def __init__(self, parent: QWidget | None = None, max_lines: int = 3) -> None:
        super().__init__(parent)
        self._max_lines = max_lines
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _lines(self, width: int) -> list[tuple[int, int]]:
        """(start, length) of each wrapped line at ``width``, at most ``max_lines``."""
        if not self._text or width <= 0:
            return []
        layout = QTextLayout(self._text.replace("\n", "\u2028"), self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        lines: list[tuple[int, int]] = []
        while len(lines) <= self._max_lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            lines.append((line.textStart(), line.textLength()))
        layout.endLayout()
        return lines

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        count = min(len(self._lines(width)), self._max_lines)
        return count * self.fontMetrics().lineSpacing() + 2

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = min(fm.horizontalAdvance(self._text) + 4, fm.averageCharWidth() * PREFERRED_CHARS)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self.fontMetrics().lineSpacing() + 2 if self._text else 0)

    def shown_lines(self) -> list[str]:
        """The lines painted at the current width (the last one elided when text was left out)."""
        width = max(self.width() - 2, 1)
        lines = self._lines(width)
        text = self._text.replace("\n", "\u2028")
        shown = [text[start : start + length].rstrip("\u2028") for start, length in lines[: self._max_lines]]
        if len(lines) > self._max_lines and shown:
            rest = text[lines[self._max_lines - 1][0] :].replace("\u2028", " ")
            shown[-1] = QFontMetrics(self.font()).elidedText(rest, Qt.TextElideMode.ElideRight, width)
        return shown

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        spacing = self.fontMetrics().lineSpacing()
        flags = int(self._alignment() | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextSingleLine.value)
        for number, line in enumerate(self.shown_lines()):
            painter.drawText(QRect(1, 1 + number * spacing, self.width() - 2, spacing), flags, line)


__all__ = ["ElidedLabel", "WrappedLabel", "elide_chars", "is_right_to_left"]
