"""The member panel: who is in the room, as a tree of who invited whom, your own row first.

Each row shows the display name (nickname, else the member id) with "owner" / "deputy" / "you" marks
that are never elided, and the member id (River's views.members gives the rows).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFontMetrics, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidgetItem,
    QWidget,
)

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.rooms import RoomData
from river_desktop.ui.room_facts import facts

ModelIndex = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole


MemberKeyRole = _ROLE.UserRole + 1
MemberNameRole = _ROLE.UserRole + 2
MemberMarksRole = _ROLE.UserRole + 3


class MemberNameDelegate(QStyledItemDelegate):
    """The member column: a long name is elided, its "(owner, you)" marks never are."""

    def shown_text(self, option: QStyleOptionViewItem, index: ModelIndex) -> str:
        """What is painted for ``index`` in ``option`` (initialised), marks kept whole."""
        name = index.data(MemberNameRole)
        marks = index.data(MemberMarksRole) or ""
        if name is None:
            return str(index.data(_ROLE.DisplayRole) or "")
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
        fm = QFontMetrics(option.font)
        room_for_name = max(rect.width() - 4 - fm.horizontalAdvance(marks), fm.horizontalAdvance("…"))
        return fm.elidedText(str(name), Qt.TextElideMode.ElideRight, room_for_name) + marks

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = self.shown_text(opt, index)
        opt.textElideMode = Qt.TextElideMode.ElideNone
        widget = opt.widget
        if widget is None:
            super().paint(painter, option, index)
            return
        widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)


def build_member_items(room: RoomData) -> list[QTreeWidgetItem]:
    """The member tree: your own row first, then the owner at the root of who invited whom.

    Columns: display name (nickname, else member id) with "owner" / "deputy" / "you" marks, and the
    member id. A member whose inviter is not in the room (or you, joined before the room's data arrived)
    is listed at the top level; you are then marked as not confirmed yet.
    """
    rows = facts(room).members
    by_id = {r.member_id: r for r in rows}
    owner_id = next((r.member_id for r in rows if r.is_owner), None)
    me = room.self_member_id

    def make(row_id: int, *, pending: bool = False) -> QTreeWidgetItem:
        row = by_id.get(row_id)
        name = row.display_name if row is not None else member_id_display(row_id)
        marks = []
        if row is not None and row.is_owner:
            marks.append("owner")
        if row is not None and row.is_deputy:
            marks.append("deputy")
        if row_id == me:
            marks.append("you")
        suffix = f" ({', '.join(marks)})" if marks else ""
        mid = member_id_display(row_id)
        item = QTreeWidgetItem([name + suffix, mid])
        item.setData(0, MemberKeyRole, row_id)
        item.setData(0, MemberNameRole, name)
        item.setData(0, MemberMarksRole, suffix)
        item.setForeground(1, QBrush(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)))
        inviter = None if row is None or row.invited_by is None else by_id.get(row.invited_by)
        if row is not None and row.is_owner:
            tip = f"{name}, member {mid}: the room's owner"
        elif inviter is not None:
            tip = f"{name}, member {mid}: invited by {inviter.display_name}"
        else:
            tip = f"{name}, member {mid}"
        if row is not None and row.is_deputy:
            tip += " (a deputy: may moderate for the member who named them)"
        if pending:
            tip += " (membership not confirmed until the room's data arrives)"
        item.setToolTip(0, tip)
        item.setToolTip(1, tip)
        if row_id in (owner_id, me):
            font = item.font(0)
            font.setBold(row_id == owner_id)
            font.setItalic(row_id == me)
            item.setFont(0, font)
        return item

    invited: dict[int, list[int]] = {}
    top: list[int] = []
    for row in rows:
        if row.is_owner:
            continue
        if row.invited_by is not None and row.invited_by in by_id:
            invited.setdefault(row.invited_by, []).append(row.member_id)
        else:
            top.append(row.member_id)

    def attach(parent: QTreeWidgetItem, inviter: int) -> None:
        for mid in invited.get(inviter, ()):  # views.members already orders them by name
            node = make(mid)
            parent.addChild(node)
            attach(node, mid)

    items: list[QTreeWidgetItem] = []
    if me in by_id and me != owner_id:
        # your own row first, where you can always find it (your invitees hang under it)
        mine = make(me)
        attach(mine, me)
        items.append(mine)
        invited.pop(me, None)
        top = [m for m in top if m != me]
        for kids in invited.values():
            if me in kids:
                kids.remove(me)
    if owner_id is not None:
        root = make(owner_id)
        attach(root, owner_id)
        items.insert(0 if me == owner_id else len(items), root)
    for mid in top:
        node = make(mid)
        attach(node, mid)
        items.append(node)
    if me not in by_id:
        pending = make(me, pending=True)
        record = room.self_authorized_member
        if record is not None:
            pending.setToolTip(
                0, pending.toolTip(0) + f"; invited by member {member_id_display(record.member.invited_by)}"
            )
        items.insert(0, pending)
    return items


def ban_refusal(room: RoomData, member: int) -> str | None:
    """Why this profile may not ban ``member`` in ``room`` (River's rules), or ``None``."""
    if room.waiting:
        return "the room's data has not arrived yet"
    return ops.ban_refusal(room.room_state, room.owner_vk, room.self_member_id, member)


def member_menu(room: RoomData, member: int, parent: QWidget, *, writable: bool = True) -> QMenu:
    """The member context menu: Mention, Copy ID, Ban (disabled, with River's reason as tooltip, when River
    would refuse the ban). The caller connects the actions by objectName."""
    menu = QMenu(parent)
    menu.setObjectName("memberContextMenu")
    menu.setToolTipsVisible(True)
    mention = menu.addAction("&Mention")
    mention.setObjectName("memberMentionAction")
    mention.setToolTip(f"Mention {member_id_display(member)} in the message you are writing")
    copy_id = menu.addAction("&Copy ID")
    copy_id.setObjectName("memberCopyIdAction")
    copy_id.setToolTip(f"Copy the member id {member_id_display(member)}")
    menu.addSeparator()
    ban = menu.addAction("&Ban…")
    ban.setObjectName("memberBanAction")
    reason = ban_refusal(room, member) if writable else "this profile cannot be written to"
    ban.setEnabled(reason is None)
    ban.setToolTip(f"Cannot ban: {reason}" if reason is not None else "Ban this member and everyone they invited")
    return menu


__all__ = [
    "MemberKeyRole",
    "MemberMarksRole",
    "MemberNameDelegate",
    "MemberNameRole",
    "ban_refusal",
    "build_member_items",
    "member_menu",
]
