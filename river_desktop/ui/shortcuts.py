"""Help > Keyboard Shortcuts: a table generated from the window's actions (so it is never out of date),
plus the keys that work inside one widget and have no action."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

WIDGET_KEYS: tuple[tuple[str, str], ...] = (
    ("Send the message (in the message box)", "Enter"),
    ("New line in the message (in the message box)", "Shift+Enter"),
    ("Edit your last message (in an empty message box)", "Up"),
    ("Cancel the reply or the edit (in the message box)", "Esc"),
    ("Take back your reaction (click its chip)", "Click"),
    ("Room settings (in the room list)", "F2"),
    ("Leave the room (in the room list)", "Del"),
    ("The room's menu (in the room list)", "Shift+F10"),
    ("Clear the room filter (in the filter)", "Esc"),
)


def plain_text(action: QAction) -> str:
    """The action's text without its mnemonic marker and trailing ellipsis."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for every action with a shortcut, each once, in the order given."""
    rows: list[tuple[str, str]] = []
    seen: set[int] = set()
    for action in actions:
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        rows.append((plain_text(action), ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(actions) + list(WIDGET_KEYS)
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcutsTable")
        table.setAccessibleName("Keyboard shortcuts")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, (what, keys) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(what))
            table.setItem(row, 1, QTableWidgetItem(keys))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(520, 480)

    def rows(self) -> list[tuple[str, str]]:
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return "" if item is None else item.text()

        return [(text(r, 0), text(r, 1)) for r in range(self.table.rowCount())]


__all__ = ["WIDGET_KEYS", "ShortcutsDialog", "plain_text", "shortcut_rows"]
