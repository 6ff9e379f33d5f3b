"""The room list's model and its filter proxy: ordered :class:`RoomRow` values keyed by room.

The model holds plain :class:`RoomRow` values (no references into a ``Rooms`` copy), keyed by the
room's owner verifying key. The window hands it the complete, ordered list of rows after every
change with :meth:`RoomListModel.set_rows`; the model turns the difference into granular
remove / move / insert / dataChanged notifications, so views keep their selection, scroll
position and persistent indexes. The current room is tracked by key, never by row.

Drag-and-drop reorder goes through :meth:`RoomListModel.moveRows` (Qt 6's QListView calls it for
internal moves; :meth:`RoomListModel.dropMimeData` routes every other drop through it as well),
and the model then emits :attr:`RoomListModel.roomMoved` so the window can update its ``Rooms``
copy and save.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)

from river_desktop.domain.rooms import NotificationMode
from river_desktop.ui.room_order import RoomSection
from river_desktop.ui.room_rows import RoomRow, key_text

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex

MIME_TYPE = "application/x-river-desktop-room-keys"

_ROLE = Qt.ItemDataRole


PRIVATE_TEXT = "Private: messages are encrypted with the room's secret."


_ROW_FLAGS = (  # computed once: combining PySide's Python enum flags is not free, and views ask a lot
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)


DRAFT_TEXT = "Draft: you have unsent text in this room."


class RoomListModel(QAbstractListModel):
    """One window's rooms, in the window's order. Rows change only through begin/end notifications."""

    RoomKeyRole = int(_ROLE.UserRole) + 1
    UnreadRole = int(_ROLE.UserRole) + 2
    NotificationModeRole = int(_ROLE.UserRole) + 3
    WaitingRole = int(_ROLE.UserRole) + 4
    IsOwnerRole = int(_ROLE.UserRole) + 5
    RoomKeyBytesRole = int(_ROLE.UserRole) + 6
    HasDraftRole = int(_ROLE.UserRole) + 7

    roomMoved = Signal(object, object)
    """(dragged room key, key of the room it now sits before or None for the end), after the move."""

    caughtUp = Signal()
    """The rows of a large batch, inserted over several event-loop turns, are all in (see :meth:`set_rows`)."""

    insert_chunk = 400
    """New rows inserted per event-loop turn: 10,000 rows in one insert stalled the loop 90-160 ms."""

    badge_chunk = 500
    """Badges applied per event-loop turn: the first badges of 10,000 rooms, thousands of rows and as many
    signals, took 22-56 ms of one turn in ``--diagnose`` runs of B7b."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RoomRow] = []
        self._drafts: frozenset[bytes] = frozenset()
        self._positions: dict[bytes, int] | None = None
        """Row number by room key, rebuilt on first use after rows were inserted, moved or removed."""
        self._pending: list[RoomRow] | None = None
        """The latest target while its new rows are still being inserted a chunk per event-loop turn."""
        self._more = QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self._insert_more)
        self._badges: list[tuple[RoomRow, RoomRow]] = []
        """Badge rows still to apply, a chunk per event-loop turn: (the row they were made from, the new row)."""
        self._more_badges = QTimer(self)
        self._more_badges.setSingleShot(True)
        self._more_badges.setInterval(0)
        self._more_badges.timeout.connect(self._apply_badge_chunk)

    # -- read access

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = _ROLE.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == _ROLE.DisplayRole or role == _ROLE.EditRole:
            return row.display_name
        if role == self.RoomKeyRole:
            return key_text(row.key)
        if role == self.RoomKeyBytesRole:
            return row.key
        if role == self.UnreadRole:
            return row.unread
        if role == self.NotificationModeRole:
            return row.mode.value
        if role == self.WaitingRole:
            return row.waiting
        if role == self.IsOwnerRole:
            return row.is_owner
        if role == self.HasDraftRole:
            return row.key in self._drafts
        if role == _ROLE.ToolTipRole:
            lines = [row.display_name, f"Room key: {key_text(row.key)}"]
            if row.private:
                lines.append(PRIVATE_TEXT)
            if row.waiting:
                lines.append("Joined by invitation; waiting for the room's data.")
            if row.unread:
                lines.append(f"{row.unread} unread")
            if row.mode is not NotificationMode.ALL:
                lines.append(f"Notifications: {_MODE_WORDS[row.mode]}")
            if row.key in self._drafts:
                lines.append(DRAFT_TEXT)
            return "\n".join(lines)
        if role == _ROLE.AccessibleTextRole:
            parts = [row.display_name]
            if row.private:
                parts.append("private")
            if row.section is not RoomSection.ROOMS:
                parts.append(row.section.value.lower())
            if row.waiting:
                parts.append("waiting for room data")
            if row.unread:
                parts.append(f"{row.unread} unread")
            if row.mode is not NotificationMode.ALL:
                parts.append(_MODE_WORDS[row.mode])
            if row.key in self._drafts:
                parts.append("draft")
            return ", ".join(parts)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                self.RoomKeyRole: QByteArray(b"roomKey"),
                self.UnreadRole: QByteArray(b"unread"),
                self.NotificationModeRole: QByteArray(b"notificationMode"),
                self.WaitingRole: QByteArray(b"waiting"),
                self.IsOwnerRole: QByteArray(b"isOwner"),
                self.RoomKeyBytesRole: QByteArray(b"roomKeyBytes"),
            }
        )
        return names

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.ItemIsDropEnabled

    def keys(self) -> list[bytes]:
        return [row.key for row in self._rows]

    def rows(self) -> list[RoomRow]:
        return list(self._rows)

    def row_of(self, key: bytes | None) -> int:
        if key is None:
            return -1
        positions = self._positions
        if positions is None:
            positions = self._positions = {row.key: i for i, row in enumerate(self._rows)}
        return positions.get(key, -1)

    def index_of(self, key: bytes | None) -> QModelIndex:
        row = self.row_of(key)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    def row_at(self, row: int) -> RoomRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def room_row(self, key: bytes) -> RoomRow | None:
        row = self.row_of(key)
        return self._rows[row] if row >= 0 else None

    # -- updates (granular, never a reset)

    def set_rows(self, target: Sequence[RoomRow]) -> None:
        """Make the model show ``target`` (in that order) with the fewest structural changes.

        Adjacent removals, insertions and changed rows go out as one notification per contiguous
        run, so loading or syncing 1,000 rooms is a handful of signals, not thousands. A row that is
        the very object shown already is unchanged (``WindowState.rows`` keeps them), so a list in
        the same order costs one pass over the keys and a notification per changed run.

        More than :attr:`insert_chunk` new rows go in a chunk per event-loop turn: removals, moves,
        changed rows and the first chunk at once, the rest on later turns. After each turn the model
        shows a subsequence of ``target`` with ``target``'s rows; a later call replaces the target
        still pending (a rename mid-batch is its new row), and :attr:`caughtUp` says when all are in.
        """
        was_pending = self._pending is not None
        self._pending = None
        keys = [row.key for row in self._rows]
        if keys != [row.key for row in target]:
            present = set(keys)
            fresh = [i for i, row in enumerate(target) if row.key not in present]
            if len(fresh) > self.insert_chunk:
                if len({row.key for row in target}) != len(target):
                    raise ValueError("duplicate room keys in the room list")
                later = set(fresh[self.insert_chunk :])
                target, self._pending = [row for i, row in enumerate(target) if i not in later], list(target)
                self._more.start()
            self._restructure(target)
        self._change_contents(target)
        if was_pending and self._pending is None:
            self.caughtUp.emit()

    def inserting(self) -> bool:
        """Rows of a large batch are still to be inserted on later event-loop turns."""
        return self._pending is not None

    def _insert_more(self) -> None:
        if self._pending is not None:
            self.set_rows(self._pending)

    def _restructure(self, target: Sequence[RoomRow]) -> None:
        wanted = {row.key: row for row in target}
        if len(wanted) != len(target):
            raise ValueError("duplicate room keys in the room list")
        # 1. removals, one contiguous run at a time from the bottom so earlier rows keep their numbers
        last = len(self._rows) - 1
        while last >= 0:
            if self._rows[last].key in wanted:
                last -= 1
                continue
            first = last
            while first > 0 and self._rows[first - 1].key not in wanted:
                first -= 1
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self._positions = None
            self.endRemoveRows()
            last = first - 1
        # 2. moves: bring the surviving rows into the target's relative order
        present = {row.key for row in self._rows}
        order = [row.key for row in target if row.key in present]
        for i, key in enumerate(order):
            if self._rows[i].key == key:
                continue
            j = next(n for n in range(i + 1, len(self._rows)) if self._rows[n].key == key)
            self.beginMoveRows(QModelIndex(), j, j, QModelIndex(), i)
            self._rows.insert(i, self._rows.pop(j))
            self._positions = None
            self.endMoveRows()
        # 3. insertions at their target positions (the surviving rows are now in target order, so
        #    every mismatch starts a run of new rows)
        i = 0
        while i < len(target):
            if i < len(self._rows) and self._rows[i].key == target[i].key:
                i += 1
                continue
            end = i
            while end < len(target) and target[end].key not in present:
                end += 1
            self.beginInsertRows(QModelIndex(), i, end - 1)
            self._rows[i:i] = target[i:end]
            self._positions = None
            self.endInsertRows()
            i = end

    def _change_contents(self, target: Sequence[RoomRow]) -> None:
        """One dataChanged per contiguous run of changed rows (the keys are already in ``target``'s order)."""
        rows = self._rows
        run_start = -1
        roles: set[int] = set()
        for i, row in enumerate(target):
            old = rows[i]
            if old is not row and old != row:
                rows[i] = row
                if run_start < 0:
                    run_start = i
                roles.update(_changed_roles(old, row))
            elif run_start >= 0:
                self.dataChanged.emit(self.index(run_start, 0), self.index(i - 1, 0), sorted(roles))
                run_start, roles = -1, set()
        if run_start >= 0:
            self.dataChanged.emit(self.index(run_start, 0), self.index(len(target) - 1, 0), sorted(roles))

    def set_drafts(self, rooms: frozenset[bytes]) -> None:
        """The rooms whose composer holds unsent text (marked with a pencil); rows change in place."""
        changed = self._drafts ^ frozenset(rooms)
        self._drafts = frozenset(rooms)
        roles = [self.HasDraftRole, int(_ROLE.ToolTipRole), int(_ROLE.AccessibleTextRole)]
        for number, row in enumerate(self._rows):
            if row.key in changed:
                self.dataChanged.emit(self.index(number, 0), self.index(number, 0), roles)

    def drafts(self) -> frozenset[bytes]:
        return self._drafts

    def set_unread(self, counts: Mapping[bytes, int]) -> None:
        """New badges for the rooms in ``counts``; only the rows whose count changed are replaced."""
        if self._pending is not None:
            self._pending = [
                replace(row, unread=counts[row.key]) if counts.get(row.key, row.unread) != row.unread else row
                for row in self._pending
            ]
        target = list(self._rows)
        for key, count in counts.items():
            number = self.row_of(key)
            if number >= 0 and target[number].unread != count:
                target[number] = replace(target[number], unread=count)
        self._change_contents(target)

    def apply_badges(self, changes: Mapping[bytes, tuple[RoomRow, RoomRow]]) -> bool:
        """New badge rows, (row shown, the same row with its new count) by room, prepared off the GUI thread.

        Costs the changed rows, not the list. False (and nothing changed) when the model does not show one of
        those rows any more, or while a batch is still being inserted: the caller then sets every row."""
        if self._pending is not None:
            return False
        rows = self._rows
        for key, (shown, _new) in changes.items():
            number = self.row_of(key)
            if number < 0 or rows[number] is not shown:
                return False
        self._badges.extend(changes.values())
        self._apply_badge_chunk()
        return True

    def badges_pending(self) -> bool:
        """Badges of a large batch are still to be applied on later event-loop turns."""
        return bool(self._badges)

    def _apply_badge_chunk(self) -> None:
        """Up to :attr:`badge_chunk` queued badges; a row replaced since they were made (a later ``set_rows``,
        which carries the newer count) is left as it is."""
        chunk, self._badges = self._badges[: self.badge_chunk], self._badges[self.badge_chunk :]
        rows = self._rows
        numbers: list[int] = []
        for shown, new in chunk:
            number = self.row_of(new.key)
            if number >= 0 and rows[number] is shown:
                rows[number] = new
                numbers.append(number)
        numbers.sort()
        start = 0
        for i in range(1, len(numbers) + 1):
            if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
                self.dataChanged.emit(self.index(numbers[start], 0), self.index(numbers[i - 1], 0), _BADGE_ROLES)
                start = i
        if self._badges:
            self._more_badges.start()

    # -- reordering

    def moveRows(
        self,
        sourceParent: ModelIndex,
        sourceRow: int,
        count: int,
        destinationParent: ModelIndex,
        destinationChild: int,
    ) -> bool:
        if sourceParent.isValid() or destinationParent.isValid() or count < 1 or self._pending is not None:
            return False  # no drag while a batch is inserted: the pending order would undo the move
        if sourceRow < 0 or sourceRow + count > len(self._rows):
            return False
        if not 0 <= destinationChild <= len(self._rows):
            return False
        if sourceRow <= destinationChild <= sourceRow + count:
            return False  # a no-op, or into the moved block itself
        before = self._rows[destinationChild].key if destinationChild < len(self._rows) else None
        moved = self._rows[sourceRow : sourceRow + count]
        if not self.beginMoveRows(QModelIndex(), sourceRow, sourceRow + count - 1, QModelIndex(), destinationChild):
            return False
        del self._rows[sourceRow : sourceRow + count]
        at = len(self._rows) if before is None else next(i for i, r in enumerate(self._rows) if r.key == before)
        self._rows[at:at] = moved
        self._positions = None
        self.endMoveRows()
        for row in moved:
            self.roomMoved.emit(row.key, before)
        return True

    # -- drag and drop

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        keys = []
        for index in sorted({i.row() for i in indexes if i.isValid()}):
            keys.append(key_text(self._rows[index].key))
        data.setData(MIME_TYPE, QByteArray(json.dumps(keys).encode("ascii")))
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        if action not in (Qt.DropAction.MoveAction, Qt.DropAction.IgnoreAction):
            return False
        if parent.isValid() or column > 0 or not data.hasFormat(MIME_TYPE):
            return False
        return bool(self._decode_keys(data))

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex) -> bool:
        """Every drop becomes :meth:`moveRows`: rows keep their identity, nothing is inserted."""
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        keys = self._decode_keys(data)
        if row < 0 or row > len(self._rows):
            row = len(self._rows)
        before = self._rows[row].key if row < len(self._rows) else None
        moved_any = False
        for key in keys:
            src = self.row_of(key)
            if src < 0 or key == before:
                continue
            dst = len(self._rows) if before is None else self.row_of(before)
            if src in (dst, dst - 1):
                continue  # already in place
            moved_any = self.moveRows(QModelIndex(), src, 1, QModelIndex(), dst) or moved_any
        return moved_any

    def _decode_keys(self, data: QMimeData) -> list[bytes]:
        try:
            raw = json.loads(bytes(data.data(MIME_TYPE).data()).decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return []
        if not isinstance(raw, list):
            return []
        known = {key_text(row.key): row.key for row in self._rows}
        return [known[k] for k in raw if isinstance(k, str) and k in known]


_MODE_WORDS = {
    NotificationMode.ALL: "all messages",
    NotificationMode.MENTIONS_AND_REPLIES: "mentions and replies only",
    NotificationMode.MUTED: "muted",
}


_BADGE_ROLES = [int(_ROLE.ToolTipRole), int(_ROLE.AccessibleTextRole), RoomListModel.UnreadRole]


def _changed_roles(old: RoomRow, new: RoomRow) -> list[int]:
    roles: list[int] = [int(_ROLE.ToolTipRole), int(_ROLE.AccessibleTextRole)]
    if old.name != new.name or old.key != new.key:
        roles += [int(_ROLE.DisplayRole), int(_ROLE.EditRole)]
    if old.unread != new.unread:
        roles.append(RoomListModel.UnreadRole)
    if old.mode != new.mode:
        roles.append(RoomListModel.NotificationModeRole)
    if old.waiting != new.waiting:
        roles += [RoomListModel.WaitingRole, int(_ROLE.DisplayRole)]
    if old.is_owner != new.is_owner:
        roles.append(RoomListModel.IsOwnerRole)
    if old.section != new.section or old.header != new.header:
        roles += [int(_ROLE.DisplayRole), int(_ROLE.SizeHintRole)]  # the proxy re-filters on its filter role
    return roles


class RoomFilterProxy(QSortFilterProxyModel):
    """Case-insensitive filter on the room name. Reordering is refused while a filter is active."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(_ROLE.DisplayRole)
        self.setDynamicSortFilter(True)
        self._show_archive = False
        self._filter_text = ""
        self._rooms: RoomListModel | None = None

    def set_show_archive(self, shown: bool) -> None:
        """The Archive is collapsed unless shown; a filter finds archived rooms either way."""
        self.beginFilterChange()
        self._show_archive = shown
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        # Called for every inserted row (10,000 at a load): without a filter text, no call back into Qt.
        if not self._filter_text:
            if self._show_archive:
                return True
            model = self._rooms
            row = model.row_at(source_row) if model is not None else None
            return row is None or row.section is not RoomSection.ARCHIVE
        return super().filterAcceptsRow(source_row, source_parent)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self._rooms = model if isinstance(model, RoomListModel) else None
        super().setSourceModel(model)

    def set_filter_text(self, text: str) -> None:
        self._filter_text = text.strip()
        self.setFilterFixedString(self._filter_text)

    @property
    def is_filtering(self) -> bool:
        return bool(self._filter_text)

    def room_model(self) -> RoomListModel:
        return cast(RoomListModel, self.sourceModel())

    def key_at(self, index: ModelIndex) -> bytes | None:
        if not index.isValid():
            return None
        value = self.data(index, RoomListModel.RoomKeyBytesRole)
        return value if isinstance(value, bytes) else None

    def index_of(self, key: bytes | None) -> QModelIndex:
        return self.mapFromSource(self.room_model().index_of(key))

    def moveRows(
        self,
        sourceParent: ModelIndex,
        sourceRow: int,
        count: int,
        destinationParent: ModelIndex,
        destinationChild: int,
    ) -> bool:
        """Forward a view's internal move to the source model (only when nothing is filtered out)."""
        model = self.sourceModel()
        if self.is_filtering or model is None or sourceParent.isValid() or destinationParent.isValid():
            return False
        if count < 1 or sourceRow < 0 or sourceRow + count > self.rowCount():
            return False
        src = self.mapToSource(self.index(sourceRow, 0)).row()
        if destinationChild >= self.rowCount():
            dst = model.rowCount()
        else:
            dst = self.mapToSource(self.index(destinationChild, 0)).row()
        return model.moveRows(QModelIndex(), src, count, QModelIndex(), dst)


__all__ = ["MIME_TYPE", "PRIVATE_TEXT", "ModelIndex", "RoomFilterProxy", "RoomListModel"]
