"""The hover bar on a message, as Telegram and Element have it: Reply, React, Edit and Delete (your own
messages) and More (the message's context menu), floating beside the top of the bubble under the mouse.

Each button selects its message and triggers the list's action, so the bar does exactly what the menu and
the keys do (:mod:`.message_actions`) and is disabled when they are (a profile that takes no writes).
The buttons take no focus: the keyboard path is the actions' shortcuts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QAction, QCursor, QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMenu, QStyleOptionViewItem, QToolButton

from river_desktop.ui.room_view.message_actions import MessageActionsMixin

# (object name, glyphs to try in order, accessible name): the first glyph the font has is shown
_BUTTONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("hoverReply", ("↩", "⤶", "<"), "Reply"),
    ("hoverReact", ("☺", "☻", "+"), "React"),
    ("hoverEdit", ("✎", "✏", "E"), "Edit"),
    ("hoverDelete", ("🗑", "✖", "×"), "Delete"),
    ("hoverMore", ("⋯", "…", "..."), "More actions"),
)


def _glyph(metrics: QFontMetrics, candidates: tuple[str, ...]) -> str:
    for text in candidates:
        if all(metrics.inFontUcs4(ord(c)) for c in text):
            return text
    return candidates[-1]


class HoverBar(QFrame):
    """Floats over the message list's viewport; follows the mouse from bubble to bubble."""

    def __init__(self, owner: MessageActionsMixin) -> None:
        self._owner = owner
        self._list = owner.messageList
        super().__init__(self._list.viewport())
        self.setObjectName("hoverBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Message actions")
        self._row = -1
        self.menu: QMenu | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.setSpacing(0)
        metrics = self.fontMetrics()
        actions: dict[str, QAction | None] = {
            "hoverReply": owner.actionReply,
            "hoverReact": owner.actionReact,
            "hoverEdit": owner.actionEdit,
            "hoverDelete": owner.actionDelete,
            "hoverMore": None,
        }
        self.buttons: dict[str, QToolButton] = {}
        for name, glyphs, label in _BUTTONS:
            button = QToolButton(self)
            button.setObjectName(name)
            button.setText(_glyph(metrics, glyphs))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAccessibleName(label)
            action = actions[name]
            keys = "" if action is None else action.shortcut().toString()
            button.setToolTip(f"{label} ({keys})" if keys else label)
            button.clicked.connect(lambda _checked=False, n=name: self.press(n))
            layout.addWidget(button)
            self.buttons[name] = button
        self.hide()
        self._list.viewport().installEventFilter(self)
        self.installEventFilter(self)
        self._list.verticalScrollBar().valueChanged.connect(self._hide)
        model = owner.model
        model.modelReset.connect(self._hide)
        model.rowsRemoved.connect(self._hide)
        model.rowsInserted.connect(self._hide)

    # -- showing

    def row(self) -> int:
        """The row the bar is over, or -1 when hidden."""
        return self._row if self.isVisible() else -1

    def show_for(self, index: QModelIndex) -> None:
        """Put the bar on ``index``'s bubble, with the buttons that message allows."""
        owner = self._owner
        msg = owner.model.message_at(index.row()) if index.isValid() else None
        if msg is None:
            self._hide()
            return
        changes = owner.changes_allowed()
        self.buttons["hoverReply"].setVisible(changes)
        self.buttons["hoverReact"].setVisible(changes)
        self.buttons["hoverEdit"].setVisible(changes and owner.can_edit(msg))
        self.buttons["hoverDelete"].setVisible(changes and owner.can_delete(msg))
        self.adjustSize()
        option = QStyleOptionViewItem()
        self._list.initViewItemOption(option)
        option.rect = self._list.visualRect(index)
        bubble = owner.delegate.bubble_rect(option, index)
        self.move(self._spot(bubble, owner.model.is_own(msg)))
        self._row = index.row()
        self.show()
        self.raise_()

    def _spot(self, bubble: QRect, own: bool) -> QPoint:
        """Beside the bubble's top, on the open side (never over the text); over its top edge when the bubble
        leaves no room beside it."""
        viewport = self._list.viewport().rect()
        gap = 4
        x = bubble.left() - self.width() - gap if own else bubble.right() + gap
        y = bubble.top()
        if x < 0 or x + self.width() > viewport.width():
            x, y = bubble.right() - self.width() - gap, bubble.top() - self.height() // 2
        x = min(max(x, 0), max(viewport.width() - self.width(), 0))
        y = min(max(y, 0), max(viewport.height() - self.height(), 0))
        return QPoint(x, y)

    def _hide(self, *_: object) -> None:
        self._row = -1
        self.hide()

    # -- acting

    def press(self, name: str) -> None:
        """What a button does, for the message under the bar: select it, then its action (or the menu)."""
        row = self._row
        if row < 0 or row >= self._owner.model.rowCount():
            return
        index = self._owner.model.index(row)
        self._list.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        owner = self._owner
        if name == "hoverMore":
            menu = QMenu(self._list)
            menu.setObjectName("messageMenu")
            menu.addActions(self._list.actions())
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.menu = menu
            menu.destroyed.connect(lambda *_: setattr(self, "menu", None))
            button = self.buttons[name]
            menu.popup(button.mapToGlobal(QPoint(0, button.height())))
            return
        action = {
            "hoverReply": owner.actionReply,
            "hoverReact": owner.actionReact,
            "hoverEdit": owner.actionEdit,
            "hoverDelete": owner.actionDelete,
        }[name]
        if action.isEnabled():
            action.trigger()

    # -- following the mouse

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        viewport = self._list.viewport()
        if watched is viewport and kind == QEvent.Type.MouseMove:
            point = viewport.mapFromGlobal(QCursor.pos())
            position = getattr(event, "position", None)
            if position is not None:
                point = position().toPoint()
            index = self._list.indexAt(point)
            if not index.isValid():
                self._hide()
            elif index.row() != self._row or not self.isVisible():
                self.show_for(index)
        elif kind == QEvent.Type.Leave and (watched is viewport or watched is self):
            inside = viewport.rect().contains(viewport.mapFromGlobal(QCursor.pos()))
            if not inside:
                self._hide()
        return super().eventFilter(watched, event)


__all__ = ["HoverBar"]
