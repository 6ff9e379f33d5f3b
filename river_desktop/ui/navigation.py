"""Moving between rooms by keyboard: next / previous room, next / previous unread room, the nth room, mark read.

The choices are pure functions over the rooms as the list shows them (filter and order included), so they are
table-tested without a window; :class:`RoomNavigation` turns them into the window's actions, which is how the
shortcut list (generated from the actions) shows every key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

ROOM_JUMPS = 9
"""Ctrl+1 .. Ctrl+9."""


def step(keys: Sequence[bytes], current: bytes | None, delta: int) -> bytes | None:
    """The room ``delta`` places from ``current``, wrapping around; with no current room the first (or last)."""
    if not keys:
        return None
    if current is None or current not in keys:
        return keys[0] if delta > 0 else keys[-1]
    return keys[(list(keys).index(current) + delta) % len(keys)]


def step_unread(keys: Sequence[bytes], unread: Mapping[bytes, int], current: bytes | None, delta: int) -> bytes | None:
    """The next room in direction ``delta`` (+1 / -1) with unread messages, wrapping; None when no other has any."""
    if not keys:
        return None
    n = len(keys)
    start = list(keys).index(current) if current is not None and current in keys else (-1 if delta > 0 else n)
    for i in range(1, n + 1):
        key = keys[(start + i * delta) % n]
        if key != current and unread.get(key, 0) > 0:
            return key
    return None


def nth(keys: Sequence[bytes], n: int) -> bytes | None:
    """The ``n``-th room (1-based) as shown, or None when the list is shorter."""
    return keys[n - 1] if 1 <= n <= len(keys) else None


class Navigable(Protocol):
    """What :class:`RoomNavigation` needs of a window."""

    @property
    def current_room(self) -> bytes | None: ...

    @property
    def unread(self) -> dict[bytes, int]: ...

    def shown_room_keys(self) -> list[bytes]: ...

    def open_room(self, key: bytes | None, *, save: bool = True, focus: bool = False) -> object: ...

    def mark_current_read(self) -> object: ...


class RoomNavigation(QObject):
    """The navigation actions of one window (children of ``window``, so its shortcut list finds them)."""

    def __init__(self, target: Navigable, window: QWidget, mark_read_scopes: Sequence[QWidget]) -> None:
        super().__init__(window)
        self.setObjectName("roomNavigation")
        self._target = target
        self._window = window
        self.actionNextRoom = self._action(
            "actionNextRoom",
            "&Next Room",
            lambda: self._go(step(self._keys(), target.current_room, 1)),
            ("Ctrl+Tab", "Alt+Down"),
        )
        self.actionPreviousRoom = self._action(
            "actionPreviousRoom",
            "&Previous Room",
            lambda: self._go(step(self._keys(), target.current_room, -1)),
            ("Ctrl+Shift+Tab", "Alt+Up"),
        )
        self.actionNextUnread = self._action(
            "actionNextUnread", "Ne&xt Unread Room", lambda: self._unread(1), ("Alt+Shift+Down",)
        )
        self.actionPreviousUnread = self._action(
            "actionPreviousUnread", "Pre&vious Unread Room", lambda: self._unread(-1), ("Alt+Shift+Up",)
        )
        self.jumpActions = [
            self._action(f"actionRoom{n}", f"Room {n} in the List", self._jump(n), (f"Ctrl+{n}",))
            for n in range(1, ROOM_JUMPS + 1)
        ]
        # Esc belongs to the composer (drop a reply) and the filter (clear it) while they have the focus, so
        # marking read listens only in the room list and the messages
        self.actionMarkRead = QAction("&Mark Room Read", window)
        self.actionMarkRead.setObjectName("actionMarkRead")
        self.actionMarkRead.setShortcut(QKeySequence("Esc"))
        self.actionMarkRead.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.actionMarkRead.setStatusTip("Mark every message of this room as read")
        self.actionMarkRead.triggered.connect(lambda _checked=False: target.mark_current_read())
        for scope in mark_read_scopes:
            scope.addAction(self.actionMarkRead)

    @property
    def menu_actions(self) -> list[QAction]:
        return [
            self.actionNextRoom,
            self.actionPreviousRoom,
            self.actionNextUnread,
            self.actionPreviousUnread,
            self.actionMarkRead,
        ]

    def _action(self, name: str, text: str, slot: Callable[[], object], keys: Sequence[str]) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        return action

    def _keys(self) -> list[bytes]:
        return self._target.shown_room_keys()

    def _go(self, key: bytes | None) -> None:
        if key is not None and key != self._target.current_room:
            self._target.open_room(key)

    def _unread(self, delta: int) -> None:
        self._go(step_unread(self._keys(), self._target.unread, self._target.current_room, delta))

    def _jump(self, n: int) -> Callable[[], None]:
        return lambda: self._go(nth(self._keys(), n))

    def set_enabled(self, enabled: bool) -> None:
        """Off until the rooms are loaded; marking read also needs a profile that takes writes."""
        for action in [*self.menu_actions, *self.jumpActions]:
            action.setEnabled(enabled)


__all__ = ["ROOM_JUMPS", "Navigable", "RoomNavigation", "nth", "step", "step_unread"]
