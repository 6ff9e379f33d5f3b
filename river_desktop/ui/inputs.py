"""Text boxes that refuse oversized input before Qt lays it out, and show how much of River's limit is used.

Laying out a million characters in a ``QPlainTextEdit`` freezes every window for a minute, and a silent
``setMaxLength`` cut loses what the user typed without saying so. These boxes check the size first
(:mod:`river_desktop.domain.limits`), keep the text as it was, and say why in words.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from river_desktop.domain import limits

Measurer = Callable[[str], limits.Measure]


class InvitationCodeEdit(QPlainTextEdit):
    """The Join dialog's code box: Enter submits, pastes and drops over the code limit are refused.

    :attr:`refused` carries the refused text's length (never the text: it may be a secret).
    """

    submitted = Signal()
    refused = Signal(int)

    def __init__(self, parent: QWidget | None = None, limit: int = limits.MAX_INVITATION_CODE_CHARS) -> None:
        super().__init__(parent)
        self._limit = limit

    def limit(self) -> int:
        return self._limit

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            incoming = source.text()
            if len(incoming) + len(self.toPlainText()) - len(self.textCursor().selectedText()) > self._limit:
                self.refused.emit(len(incoming))
                return
        super().insertFromMimeData(source)

    def setPlainText(self, text: str) -> None:
        if len(text) > self._limit:
            self.refused.emit(len(text))
            return
        super().setPlainText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submitted.emit()
            return
        if event.text() and len(self.toPlainText()) >= self._limit and not self.textCursor().hasSelection():
            self.refused.emit(len(self.toPlainText()) + len(event.text()))
            event.accept()
            return
        super().keyPressEvent(event)


class LimitCounter(QLabel):
    """``"87 / 100"`` next to a box, in River's units (encoded bytes); over the limit it turns to the error
    colour, :meth:`problem` says by how much and :meth:`is_over` tells the dialog to refuse the input
    (nothing is cut)."""

    over_changed = Signal(bool)

    def __init__(self, measure: Measurer, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._measure_text = measure
        self._what = what
        self._measure = measure("")
        self._over = False
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.update_for("")

    def watch(self, edit: QLineEdit | QPlainTextEdit) -> LimitCounter:
        """Follow ``edit``'s text from now on."""
        if isinstance(edit, QLineEdit):
            edit.textChanged.connect(self.update_for)
            self.update_for(edit.text())
        else:
            edit.textChanged.connect(lambda: self.update_for(edit.toPlainText()))
            self.update_for(edit.toPlainText())
        return self

    def update_for(self, text: str) -> None:
        self._measure = measure = self._measure_text(text.strip())
        over = measure.over
        self.setText(f"{measure.used:,} / {measure.limit:,}")  # short: the sentence goes under the form
        self.setStyleSheet("color: #d93025; font-weight: bold;" if over else "")
        self.setToolTip(self.problem() or f"{self._what}: {measure.used:,} of {measure.limit:,} bytes used")
        self.setAccessibleName(self.toolTip())
        if over != self._over:
            self._over = over
            self.over_changed.emit(over)

    def is_over(self) -> bool:
        return self._over

    def measure(self) -> limits.Measure:
        return self._measure

    def problem(self) -> str:
        """The sentence that says why the input is refused, or ``""``."""
        m = self._measure
        if not m.over:
            return ""
        return (
            f"{self._what[0].upper()}{self._what[1:]} is too long: {m.used:,} bytes, River allows {m.limit:,}. "
            f"Shorten it by {m.used - m.limit:,}."
        )


class GuardedPlainTextEdit(QPlainTextEdit):
    """A multi-line box that refuses pastes and drops that would take it over ``hard_limit`` characters
    (far above what River accepts, so the counter can still say by how much), before layout."""

    refused = Signal(int)

    def __init__(self, parent: QWidget | None = None, hard_limit: int = 20_000) -> None:
        super().__init__(parent)
        self._hard_limit = hard_limit

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText():
            incoming = len(source.text())
            if incoming + len(self.toPlainText()) - len(self.textCursor().selectedText()) > self._hard_limit:
                self.refused.emit(incoming)
                return
        super().insertFromMimeData(source)


def add_counted_row(form: QFormLayout, text: str, edit: QWidget, counter: LimitCounter) -> None:
    """A form row: the label (its mnemonic focusing ``edit``), the field and its "used / limit" counter."""
    label = QLabel(text, edit.parentWidget())
    label.setBuddy(edit)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(counter)
    form.addRow(label, row)


def hold_minimum(dialog: QDialog, layout: QBoxLayout) -> None:
    """Never let the dialog be squeezed below what its content needs (squeezed layouts draw widgets over
    each other), keeping the width floor the dialog set for itself."""
    floor = dialog.minimumWidth()
    margins = layout.contentsMargins()
    layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
    layout.addStrut(max(floor - margins.left() - margins.right(), 0))


def counter_for(
    parent: QWidget, name: str, measure: Measurer, what: str, edit: QLineEdit | QPlainTextEdit
) -> LimitCounter:
    counter = LimitCounter(measure, what, parent)
    counter.setObjectName(name)
    return counter.watch(edit)


def limit_error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("limitError")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet("QLabel#limitError { color: #d93025; }")
    label.hide()
    return label


def show_problems(label: QLabel, *counters: LimitCounter) -> str:
    """Show the first over-limit field's sentence in ``label``; returns it (``""`` when all fit)."""
    problem = next((c.problem() for c in counters if c.is_over()), "")
    label.setText(problem)
    label.setVisible(bool(problem))
    return problem


def too_long_message(what: str, used: int, limit: int, unit: str = "characters") -> str:
    """The inline error for refused input: what, how long, and the limit (never the text itself)."""
    return f"That is too long for {what}: {used:,} {unit}, at most {limit:,} fit."


__all__ = [
    "GuardedPlainTextEdit",
    "InvitationCodeEdit",
    "LimitCounter",
    "Measurer",
    "add_counted_row",
    "counter_for",
    "hold_minimum",
    "limit_error_label",
    "show_problems",
    "too_long_message",
]
