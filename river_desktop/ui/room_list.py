"""The room list of one window: its model, the filter proxy, the painting delegate and the view.

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
from dataclasses import dataclass, replace
from typing import Any, cast

import base58
from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QContextMenuEvent, QFont, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from river_desktop.domain.rooms import NotificationMode, RoomData
from river_desktop.ui import icons
from river_desktop.ui.room_sections import RoomSection

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex

MIME_TYPE = "application/x-river-desktop-room-keys"
WAITING_TEXT = "Waiting for room data…"
DRAFT_TEXT = "Draft: you have unsent text in this room."
DRAFT_GLYPH = "✎"

_ROLE = Qt.ItemDataRole


PRIVATE_TEXT = "Private: messages are encrypted with the room's secret."


def key_text(owner_vk: bytes) -> str:
    """The base58 form of a room key, as River shows and stores it."""
    return base58.b58encode(owner_vk).decode("ascii")


@dataclass(frozen=True)
class RoomRow:
    """What the room list shows for one room."""

    key: bytes
    name: str
    unread: int = 0
    mode: NotificationMode = NotificationMode.ALL
    waiting: bool = False
    is_owner: bool = False
    private: bool = False
    section: RoomSection = RoomSection.ROOMS
    header: str = ""
    """The section's name when this row starts a named section (painted above the row)."""

    @classmethod
    def of(cls, room: RoomData, mode: NotificationMode, unread: int = 0) -> RoomRow:
        return cls(room.owner_vk, room.name, unread, mode, room.waiting, room.is_owner, room.is_private)

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        return f"Room {key_text(self.key)[:8]}…"


_ROW_FLAGS = (  # computed once: combining PySide's Python enum flags is not free, and views ask a lot
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)


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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RoomRow] = []
        self._drafts: frozenset[bytes] = frozenset()

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
        for i, row in enumerate(self._rows):
            if row.key == key:
                return i
        return -1

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
        run, so loading or syncing 1,000 rooms is a handful of signals, not thousands.
        """
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
            self.endRemoveRows()
            last = first - 1
        # 2. moves: bring the surviving rows into the target's relative order
        present = {row.key for row in self._rows}
        order = [row.key for row in target if row.key in present]
        for i, key in enumerate(order):
            if self._rows[i].key == key:
                continue
            j = self.row_of(key)
            self.beginMoveRows(QModelIndex(), j, j, QModelIndex(), i)
            self._rows.insert(i, self._rows.pop(j))
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
            self.endInsertRows()
            i = end
        # 4. changed contents, one dataChanged per contiguous run of changed rows
        run_start = -1
        roles: set[int] = set()
        for i, row in enumerate(target):
            old = self._rows[i]
            if old != row:
                self._rows[i] = row
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
        self.set_rows([replace(row, unread=counts.get(row.key, row.unread)) for row in self._rows])

    # -- reordering

    def moveRows(
        self,
        sourceParent: ModelIndex,
        sourceRow: int,
        count: int,
        destinationParent: ModelIndex,
        destinationChild: int,
    ) -> bool:
        if sourceParent.isValid() or destinationParent.isValid() or count < 1:
            return False
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

    def set_show_archive(self, shown: bool) -> None:
        """The Archive is collapsed unless shown; a filter finds archived rooms either way."""
        self.beginFilterChange()
        self._show_archive = shown
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if not self._show_archive and not self.is_filtering:
            row = self.room_model().row_at(source_row)
            if row is not None and row.section is RoomSection.ARCHIVE:
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())

    @property
    def is_filtering(self) -> bool:
        return bool(self.filterRegularExpression().pattern())

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


class RoomDelegate(QStyledItemDelegate):
    """Paints a room: state icon, name (or the waiting state), an unread badge on the right."""

    PADDING = 8
    ICON = 16

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        height = max(option.fontMetrics.height() + 2 * self.PADDING, 34)
        row = self._row(index)
        if row is not None and row.header:
            height += self._header_height(option)
        return QSize(160, height)

    @staticmethod
    def _header_height(option: QStyleOptionViewItem) -> int:
        return int(option.fontMetrics.height() + 8)

    @staticmethod
    def _row(index: ModelIndex) -> RoomRow | None:
        """The row behind ``index``, read from our model directly (one call instead of a data() per role)."""
        model = index.model()
        if isinstance(model, RoomFilterProxy):
            index = model.mapToSource(index)
            model = model.sourceModel()
        return model.row_at(index.row()) if isinstance(model, RoomListModel) else None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        # Only the item's panel (selection, hover) comes from the style: the text, icons and badge are
        # painted below, so the option is not filled from the model's roles (initStyleOption).
        opt = QStyleOptionViewItem(option)
        row = self._row(index)
        if row is not None and row.header:
            self._paint_header(painter, option, row)
            header = self._header_height(option)
            opt.rect = option.rect.adjusted(0, header, 0, 0)
            option = opt
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        if row is not None:
            waiting, unread, mode, name = row.waiting, row.unread, row.mode, row.display_name
        else:
            waiting = bool(index.data(RoomListModel.WaitingRole))
            unread = int(index.data(RoomListModel.UnreadRole) or 0)
            mode = NotificationMode.parse(index.data(RoomListModel.NotificationModeRole) or "All")
            name = str(index.data(_ROLE.DisplayRole) or "")

        painter.save()
        x = rect.left() + self.PADDING
        right = rect.right() - self.PADDING
        icon_top = rect.top() + (rect.height() - self.ICON) // 2
        # glyphs in the row's own text colours: readable on the selection highlight and in dark themes
        glyph = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText)
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        if waiting:
            waiting_glyph = icons.tinted(icons.WAITING, glyph, self.ICON, ratio)
            painter.drawPixmap(QRect(x, icon_top, self.ICON, self.ICON), waiting_glyph)
            x += self.ICON + 6
        if row is not None and row.private:
            painter.drawPixmap(
                QRect(x, icon_top, self.ICON, self.ICON), icons.tinted(icons.LOCK, glyph, self.ICON, ratio)
            )
            x += self.ICON + 6

        if unread > 0:
            badge_font = QFont(opt.font)
            badge_font.setBold(True)
            badge_font.setPointSizeF(max(badge_font.pointSizeF() * 0.85, 6.0))
            painter.setFont(badge_font)
            text = str(unread) if unread < 1000 else "999+"
            width = max(painter.fontMetrics().horizontalAdvance(text) + 12, 22)
            height = painter.fontMetrics().height() + 4
            badge = QRect(right - width + 1, rect.top() + (rect.height() - height) // 2, width, height)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            muted_badge = mode is NotificationMode.MENTIONS_AND_REPLIES
            painter.setBrush(palette.color(QPalette.ColorRole.Mid if muted_badge else QPalette.ColorRole.Highlight))
            if selected:
                painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(badge, height / 2, height / 2)
            painter.setPen(
                palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.HighlightedText)
            )
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            right = badge.left() - 6

        if index.data(RoomListModel.HasDraftRole):
            painter.setFont(opt.font)
            painter.setPen(glyph)
            width = painter.fontMetrics().horizontalAdvance(DRAFT_GLYPH)
            painter.drawText(
                QRect(right - width + 1, rect.top(), width, rect.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                DRAFT_GLYPH,
            )
            right -= width + 6

        if mode is not NotificationMode.ALL:
            painter.drawPixmap(
                QRect(right - self.ICON + 1, icon_top, self.ICON, self.ICON),
                icons.tinted(icons.notification_icon_name(mode), glyph, self.ICON, ratio),
            )
            right -= self.ICON + 6

        name_font = QFont(opt.font)
        if unread > 0:
            name_font.setBold(True)
        if waiting:
            name_font.setItalic(True)
        painter.setFont(name_font)
        painter.setPen(palette.color(text_role))
        name_rect = QRect(x, rect.top(), max(right - x, 0), rect.height())
        if waiting:
            metrics = painter.fontMetrics()
            top_half = QRect(name_rect.left(), rect.top() + 3, name_rect.width(), rect.height() // 2)
            painter.drawText(
                top_half,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
            small = QFont(name_font)
            small.setPointSizeF(max(small.pointSizeF() * 0.85, 6.0))
            painter.setFont(small)
            if not selected:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            bottom_half = QRect(
                name_rect.left(), rect.top() + rect.height() // 2 - 1, name_rect.width(), rect.height() // 2
            )
            painter.drawText(
                bottom_half,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                painter.fontMetrics().elidedText(WAITING_TEXT, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
        else:
            painter.drawText(
                name_rect,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
        painter.restore()

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, row: RoomRow) -> None:
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 6.0))
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = QRect(
            option.rect.left() + self.PADDING, option.rect.top(), option.rect.width(), self._header_height(option)
        )
        star = "★ " if row.section is RoomSection.FAVOURITES else ""
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), star + row.header.upper()
        )
        painter.restore()


class RoomListView(QListView):
    """The room list widget (objectName ``roomList``): single selection, internal-move drag and drop.

    Keyboard: arrows / Home / End / Page keys move the selection, Enter opens the room (focus goes to
    the composer), Ctrl+Shift+Up / Down move the room in the list, the Menu key or Shift+F10 opens the
    context menu, F2 edits the room, Delete asks to leave it.
    """

    contextMenuRequested = Signal(object, QPoint)
    """(room key, global position) for the room under the pointer or the current room."""
    moveRequested = Signal(int)
    """-1 / +1: move the current room up / down one place."""
    activatedRoom = Signal(object)
    editRequested = Signal(object)
    leaveRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomList")
        self.setAccessibleName("Rooms")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.setItemDelegate(RoomDelegate(self))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.set_reorder_enabled(True)
        self.activated.connect(self._on_activated)

    def set_reorder_enabled(self, enabled: bool) -> None:
        """Drag-and-drop reorder; turned off while the list is filtered."""
        self.setDragEnabled(enabled)
        self.setAcceptDrops(enabled)
        self.setDropIndicatorShown(enabled)
        self.setDragDropMode(
            QAbstractItemView.DragDropMode.InternalMove if enabled else QAbstractItemView.DragDropMode.NoDragDrop
        )
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    @property
    def reorder_enabled(self) -> bool:
        return self.dragDropMode() == QAbstractItemView.DragDropMode.InternalMove

    def current_key(self) -> bytes | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        value = index.data(RoomListModel.RoomKeyBytesRole)
        return value if isinstance(value, bytes) else None

    def _on_activated(self, index: QModelIndex) -> None:
        value = index.data(RoomListModel.RoomKeyBytesRole)
        if isinstance(value, bytes):
            self.activatedRoom.emit(value)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(event.pos())
            if index.isValid():
                self.setCurrentIndex(index)
            pos = event.globalPos()
        else:
            index = self.currentIndex()
            rect = self.visualRect(index) if index.isValid() else self.rect()
            pos = self.viewport().mapToGlobal(rect.center())
        key = self.current_key() if index.isValid() else None
        self.contextMenuRequested.emit(key, pos)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        current = self.current_key()
        if mods == ctrl_shift and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moveRequested.emit(-1 if key == Qt.Key.Key_Up else 1)
            event.accept()
            return
        if current is not None and mods == Qt.KeyboardModifier.NoModifier:
            if key == Qt.Key.Key_F2:
                self.editRequested.emit(current)
                event.accept()
                return
            if key == Qt.Key.Key_Delete:
                self.leaveRequested.emit(current)
                event.accept()
                return
        if key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier:
            index = self.currentIndex()
            rect = self.visualRect(index) if index.isValid() else self.rect()
            self.contextMenuRequested.emit(current, self.viewport().mapToGlobal(rect.center()))
            event.accept()
            return
        super().keyPressEvent(event)


__all__ = [
    "MIME_TYPE",
    "RoomDelegate",
    "RoomFilterProxy",
    "RoomListModel",
    "RoomListView",
    "RoomRow",
    "key_text",
]
