"""The room view: message model (qtmodeltester), composer keys, drafts, scrolling, paging, members."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionViewItem, QTreeWidgetItem, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import views
from river_desktop.domain.river.content import ActionContent
from river_desktop.domain.river.member_info import AuthorizedMemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import ReadMarker, Rooms
from river_desktop.ui.room_view import Composer, MessageListModel, RoomView
from river_desktop.ui.room_view.history_view import HistoryView
from river_desktop.ui.room_view.message_model import ShownMessage
from tests.gui.river_world import T0, World, at, ids, in_order


def shown(world: World, messages: list[AuthorizedMessage]) -> list[ShownMessage]:
    """The rows River's rules make of ``messages`` (the live state's join event left out)."""
    history = HistoryView(world.room)
    history.add(messages)
    wanted = {m.id for m in messages}
    return [row for row in history.rows() if row.id in wanted]


def _row_ids(rows: list[ShownMessage]) -> list[int]:
    return [r.id for r in rows]


# --- MessageListModel ------------------------------------------------------------------------------


def test_model_passes_qtmodeltester_through_merges(qtmodeltester: ModelTester) -> None:
    world = World()
    model = MessageListModel()
    qtmodeltester.check(model)  # type: ignore[no-untyped-call]
    everything = world.history(40)
    model.set_room(world.room)
    model.set_messages(shown(world, everything[10:20]))
    # Other writers' messages landing in the middle, at the end, duplicates, and one older page.
    assert model.append(shown(world, [everything[15], everything[25], everything[12]])) == 1
    middle = [world.msg("concurrent", T0 + 14_500, by=world.bob), world.msg("same ts", T0 + 14_000)]
    assert model.append(shown(world, middle + everything[20:25])) == 7
    assert model.prepend_older(shown(world, everything[0:10])) == 10
    assert model.prepend_older(shown(world, everything[0:10])) == 0
    model.set_room(world.room)
    expected = in_order(everything[0:26] + middle)
    assert _row_ids(model.messages()) == ids(expected)
    assert model.rowCount() == len(expected)
    # an edit changes a row in place, a delete removes it
    target = everything[2]  # Ann's: only the author may edit
    edited = shown(world, [target, world.action(_edit(target.id, "changed"), T0 + 90_000)])
    assert model.append(edited) == 0
    row = model.message(target.id)
    assert row is not None and row.text == "changed" and row.item.edited
    assert model.sync(shown(world, everything[0:3])) == 0
    assert model.rowCount() == 3
    model.set_messages([])
    assert model.rowCount() == 0


def _edit(target: int, text: str) -> ActionContent:
    return ActionContent.edit(target, text)


def test_model_inserts_each_run_where_it_lands(qtbot: QtBot) -> None:
    world = World()
    model = MessageListModel()
    base = [world.msg(f"m{i}", T0 + i * 10) for i in range(0, 100, 10)]  # times T0, T0+100, ...
    model.set_messages(shown(world, base))
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    new = [world.msg("a", T0 + 15), world.msg("b", T0 + 16), world.msg("c", T0 + 555), world.msg("d", T0 + 10_000)]
    model.append(list(reversed(shown(world, new))))
    # Runs are inserted front to back, each at its final row.
    assert inserted == [(1, 2), (8, 8), (13, 13)]
    assert [model.data(model.index(r)) for r in range(model.rowCount())][:5] == ["m0", "a", "b", "m10", "m20"]


def test_model_roles(qtbot: QtBot) -> None:
    world = World()
    stranger = SigningIdentity.generate()
    first = world.msg("hello everyone", T0)
    reply = world.msg("hi ann", T0 + 1, by=world.bob, reply_to=first.id)
    orphan = world.msg("replying to something old", T0 + 2, reply_to=12345)
    unknown = world.msg("who am I", T0 + 3, by=stranger)
    model = MessageListModel()
    model.set_room(world.room)
    model.set_messages(shown(world, [unknown, orphan, reply, first]))
    rows = [model.index(r) for r in range(4)]
    assert [i.data() for i in rows] == ["hello everyone", "hi ann", "replying to something old", "who am I"]
    assert [i.data(MessageListModel.AuthorRole) for i in rows] == [
        "ann",
        "bob",
        "ann",
        member_id_display(stranger.member_id),
    ]
    assert [i.data(MessageListModel.IsOwnRole) for i in rows] == [True, False, True, False]
    assert rows[0].data(MessageListModel.ReplyToRole) is None
    assert rows[1].data(MessageListModel.ReplyToRole) == "ann: hello everyone"
    assert rows[2].data(MessageListModel.ReplyToRole) == "an earlier message"
    assert rows[1].data(MessageListModel.MessageIdRole) == reply.id
    assert rows[1].data(MessageListModel.TimestampRole) == T0 + 1
    assert model.data(QModelIndex()) is None
    assert model.row_of(reply.id) == 1 and model.row_of(999) == -1


def test_model_author_follows_nickname_changes(qtbot: QtBot) -> None:
    world = World()
    model = MessageListModel()
    model.set_room(world.room)
    model.set_messages(shown(world, [world.msg("x", T0, by=world.bob)]))
    changed: list[list[int]] = []
    model.dataChanged.connect(lambda _a, _b, roles: changed.append(list(roles)))
    model.set_room(world.bob_renames("robert"))
    assert model.index(0).data(MessageListModel.AuthorRole) == "robert"
    assert changed and MessageListModel.AuthorRole in changed[0]


# --- Composer --------------------------------------------------------------------------------------


def test_composer_enter_sends_and_clears(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    assert composer.objectName() == "composer"
    QTest.keyClicks(composer, "  hello there ")
    with qtbot.waitSignal(composer.send_requested) as blocker:
        QTest.keyClick(composer, Qt.Key.Key_Return)
    assert blocker.args == ["hello there"]
    assert composer.toPlainText() == ""


def test_composer_shift_enter_inserts_a_newline(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    QTest.keyClicks(composer, "line one")
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(composer, "line two")
    assert composer.toPlainText() == "line one\nline two"
    with qtbot.waitSignal(composer.send_requested) as blocker:
        QTest.keyClick(composer, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == ["line one\nline two"]


def test_composer_never_sends_empty_text(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer, Qt.Key.Key_Return)
        QTest.keyClicks(composer, "   ")
        QTest.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClick(composer, Qt.Key.Key_Return)
    assert composer.toPlainText() == "   \n"


# --- RoomView ------------------------------------------------------------------------------------


@pytest.fixture
def view(qtbot: QtBot) -> RoomView:
    widget = RoomView()
    qtbot.addWidget(widget)
    widget.resize(700, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _bar_value(view: RoomView) -> int:
    return view.messageList.verticalScrollBar().value()


def test_room_view_object_names(view: RoomView) -> None:
    for name in ("messageList", "composer", "memberList", "emptyState"):
        assert view.findChild(QWidget, name) is not None, name


def test_room_view_empty_states(view: RoomView) -> None:
    assert view.current_room_key() is None
    assert "No room selected" in view.empty_state_text()
    assert not view.composer.isEnabled()
    solo = Rooms()
    room = solo.create_room("Solo", "ann")
    view.show_room(room, [])
    assert view.current_room_key() == room.owner_vk
    assert "No messages yet" in view.empty_state_text()
    assert view.composer.isEnabled()
    solo.post_message(room.owner_vk, "first")
    view.update_room(solo.get(room.owner_vk))
    assert view.empty_state_text() == ""
    assert view.model.rowCount() == 1
    assert view.messageList.isVisible()
    waiting = Rooms().accept_invitation(Invitation.create(SigningIdentity.generate().verifying_key, bytes(32)), "me")
    assert waiting.waiting
    view.show_room(waiting, [])
    assert "Waiting for room data" in view.empty_state_text()
    view.show_room(None, [])
    assert "No room selected" in view.empty_state_text()


def test_room_view_keeps_drafts_per_room(view: RoomView) -> None:
    a, b = World("A"), World("B")
    view.show_room(a.room, a.history(3))
    QTest.keyClicks(view.composer, "draft for A")
    view.show_room(b.room, b.history(2))
    assert view.composer.toPlainText() == ""
    QTest.keyClicks(view.composer, "draft for B")
    view.show_room(a.room, a.history(3))
    assert view.composer.toPlainText() == "draft for A"
    view.show_room(None, [])
    assert view.composer.toPlainText() == ""
    view.show_room(b.room, b.history(2))
    assert view.composer.toPlainText() == "draft for B"
    assert view.draft(a.key) == "draft for A"


def test_room_view_same_room_reshown_keeps_draft_selection_and_scroll(view: RoomView) -> None:
    world = World()
    history = world.history(60)
    view.show_room(world.room, history[:50])
    QTest.keyClicks(view.composer, "half-written")
    bar = view.messageList.verticalScrollBar()
    assert bar.maximum() > 0
    selected = view.model.index(21)  # row 0 is Bob's join event
    view.messageList.selectionModel().setCurrentIndex(selected, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    bar.setValue(bar.maximum() // 3)
    position = bar.value()
    # New data for the same room: a renamed member, later messages and one that lands far below the viewport.
    renamed = world.bob_renames("robert")
    view.show_room(renamed, history)
    assert view.composer.toPlainText() == "half-written"
    chosen = view.selected_message()
    assert chosen is not None and chosen.id == history[20].id
    assert _bar_value(view) == position
    assert view.model.rowCount() == 61
    assert view.model.index(2).data(MessageListModel.AuthorRole) == "robert"


def test_add_messages_follows_only_when_at_the_bottom(view: RoomView) -> None:
    world = World()
    history = world.history(80)
    view.show_room(world.room, history[:40])
    bar = view.messageList.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0
    view.add_messages(history[40:45])
    assert bar.value() == bar.maximum()
    assert view.model.rowCount() == 46
    bar.setValue(bar.maximum() // 2)
    top_row = view.messageList.indexAt(view.messageList.viewport().rect().topLeft()).row()
    view.add_messages(history[45:60])
    assert bar.value() < bar.maximum()
    assert view.messageList.indexAt(view.messageList.viewport().rect().topLeft()).row() == top_row


def test_message_in_the_middle_keeps_the_view_still(view: RoomView) -> None:
    world = World()
    history = world.history(60)
    view.show_room(world.room, history)
    bar = view.messageList.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    anchor = view.messageList.indexAt(view.messageList.viewport().rect().topLeft())
    anchor_id = anchor.data(MessageListModel.MessageIdRole)
    top = view.messageList.visualRect(anchor).top()
    # A message written elsewhere earlier than everything on screen.
    view.add_messages([world.msg("late arrival", T0 + 1500, by=world.bob)])
    moved = view.model.index(view.model.row_of(anchor_id))
    assert view.messageList.visualRect(moved).top() == top


def test_older_requested_when_scrolled_to_top_and_position_kept(qtbot: QtBot, view: RoomView) -> None:
    world = World(join_at=T0 + 200_000)
    history = world.history(90)
    view.show_room(world.room, history[40:])
    bar = view.messageList.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0
    with qtbot.waitSignal(view.older_requested):
        bar.setValue(bar.minimum())
    first_visible = view.messageList.indexAt(view.messageList.viewport().rect().topLeft())
    first_id = first_visible.data(MessageListModel.MessageIdRole)
    top = view.messageList.visualRect(first_visible).top()
    assert first_id == history[40].id
    with qtbot.assertNotEmitted(view.older_requested):  # one request at a time
        bar.setValue(bar.minimum() + 1)
        bar.setValue(bar.minimum())
    oldest = view.oldest_loaded()
    assert oldest is not None and oldest.id == history[40].id  # the next page ends there
    assert view.prepend_older(history[:40]) == 40
    assert view.model.rowCount() == 91
    assert bar.value() > 0
    pinned = view.model.index(view.model.row_of(first_id))
    assert view.messageList.visualRect(pinned).top() == top
    # Scrolling up again asks for the next page; an empty page means the history is exhausted.
    with qtbot.waitSignal(view.older_requested):
        bar.setValue(bar.minimum())
    assert view.prepend_older([]) == 0
    bar.setValue(bar.maximum())
    with qtbot.assertNotEmitted(view.older_requested):
        bar.setValue(bar.minimum())


def test_send_requested_is_forwarded(qtbot: QtBot, view: RoomView) -> None:
    world = World()
    view.show_room(world.room, [])
    view.composer.setFocus()
    QTest.keyClicks(view.composer, "hi")
    with qtbot.waitSignal(view.send_requested) as blocker:
        QTest.keyClick(view.composer, Qt.Key.Key_Return)
    assert blocker.args == ["hi"]


def test_message_read_reports_the_newest_seen_message_once(qtbot: QtBot, view: RoomView) -> None:
    world = World()
    history = world.history(5)
    with qtbot.waitSignal(view.message_read) as blocker:
        view.show_room(world.room, history)
    assert blocker.args[0].id == history[-1].id
    read = replace(world.room, last_read=ReadMarker.of(history[-1]))
    with qtbot.assertNotEmitted(view.message_read):
        view.show_room(read, history)


def _tree(items: list[QTreeWidgetItem]) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []

    def walk(item: QTreeWidgetItem, depth: int) -> None:
        out.append((depth, item.text(0), item.toolTip(0)))
        for i in range(item.childCount()):
            child = item.child(i)
            assert child is not None
            walk(child, depth + 1)

    for item in items:
        walk(item, 0)
    return out


def test_member_list_shows_who_invited_whom(view: RoomView) -> None:
    world = World()
    invite = Invitation.create(world.key, world.bob.seed)
    world.live(lambda s: _joined(ops.join(s, invite, "carol", now=at(T0))))
    view.show_room(world.room, [])
    tree = view.memberList
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    rows = _tree([i for i in items if i is not None])
    assert [(depth, text) for depth, text, _ in rows] == [(0, "ann (owner, you)"), (1, "bob"), (2, "carol")]
    assert "invited by bob" in rows[2][2]
    assert "owner" in rows[0][2]


def test_member_list_puts_your_row_first_and_marks_deputies(qtbot: QtBot) -> None:
    world = World()
    bob_rooms = Rooms()
    bob_rooms.accept_invitation(world.invitation, "bob")
    room = bob_rooms.receive_state(world.key, world.state)
    view = RoomView()
    qtbot.addWidget(view)
    view.show_room(room, [])
    first = view.memberList.topLevelItem(0)
    assert first is not None and first.text(0) == "bob (you)"
    second = view.memberList.topLevelItem(1)
    assert second is not None and second.text(0) == "ann (owner)"


def _joined(joined: ops.Joined) -> ops.Change:
    assert joined.state is not None
    return ops.Change(joined.state, joined.delta, joined.message_id)


def test_delegate_paints_every_kind_of_message(view: RoomView) -> None:
    world = World(join_at=T0 + 100_000)
    first = world.msg("a long message " * 30, T0)
    messages = [
        first,
        world.msg("reply\nwith two lines", T0 + 1, by=world.bob, reply_to=first.id),
        world.msg("x" * 400, T0 + 2, by=world.bob),
    ]
    view.show_room(world.room, messages)
    view.messageList.setCurrentIndex(view.model.index(1))
    image = QImage(view.size(), QImage.Format.Format_ARGB32)
    view.render(image)
    hints = [view.messageList.sizeHintForRow(r) for r in range(3)]
    assert hints[0] > hints[1] > 0 and hints[2] > hints[1] // 2
    bubbles = []
    for row in range(2):
        option = QStyleOptionViewItem()
        option.initFrom(view.messageList)
        row_rect = view.messageList.visualRect(view.model.index(row))
        option.rect = row_rect
        bubbles.append((row_rect, view.delegate.bubble_rect(option, view.model.index(row))))
    (own_row, own), (other_row, other) = bubbles
    assert own.right() > own_row.center().x() and own.left() > other.left()  # own: on the right
    assert other.left() < other_row.center().x()


def test_room_view_update_room_ignores_other_rooms(view: RoomView) -> None:
    a, b = World("A"), World("B")
    view.show_room(a.room, [])
    view.update_room(b.room)
    assert view.current_room_key() == a.key
    assert view.roomTitle.text() == "A"
    renamed = a.rooms.rename(a.key, "A2")
    view.update_room(renamed)
    assert view.roomTitle.text() == "A2"


# --- what River cannot show as text -------------------------------------------------------------------


def test_unknown_types_and_unreadable_private_bodies_show_a_placeholder_never_bytes(view: RoomView) -> None:
    world = World(join_at=T0 + 100_000)
    unknown = AuthorizedMessage.create(world.key, world.ann, at(T0), RoomMessageBody.public(77, 3, b"\x01secret?"))
    sealed = AuthorizedMessage.create(
        world.key, world.bob, at(T0 + 1), RoomMessageBody.private(1, 1, b"\x99" * 40, b"\x07" * 12, 5)
    )
    view.show_room(world.room, [unknown, sealed])
    texts = [view.model.index(r).data() for r in range(2)]
    assert texts == ["[unsupported message type 77.3]", "[encrypted message: secret version 5 not held]"]
    kinds = [view.model.index(r).data(MessageListModel.KindRole) for r in range(2)]
    assert kinds == [views.MessageKind.UNKNOWN, views.MessageKind.UNREADABLE]
    assert view.delegate.links_of(view.model.index(0)) == []
    first = view.model.message_at(0)
    assert first is not None and not first.has_text
    _select_first(view)
    assert not view.actionEdit.isEnabled(), "a placeholder is not text that can be edited"
    assert view.actionDelete.isEnabled(), "your own message can still be deleted"


def _select_first(view: RoomView) -> None:
    view.messageList.selectionModel().setCurrentIndex(
        view.model.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )


def test_member_panel_marks_deputies(view: RoomView) -> None:
    world = World()
    ann_info = next(i for i in world.state.member_info if i.member_info.member_id == world.ann.member_id)
    named = replace(ann_info.member_info, version=ann_info.member_info.version + 1, deputies=(world.bob.member_id,))
    others = tuple(i for i in world.state.member_info if i is not ann_info)
    state = replace(world.state, member_info=(*others, AuthorizedMemberInfo.create(named, world.ann)))
    view.show_room(world.room.with_state(state), [])
    rows = _tree([view.memberList.topLevelItem(i) for i in range(view.memberList.topLevelItemCount())])  # type: ignore[misc]
    assert [(depth, text) for depth, text, _ in rows] == [(0, "ann (owner, you)"), (1, "bob (deputy)")]
    assert "a deputy" in rows[1][2]
