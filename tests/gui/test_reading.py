"""Reading a room: markdown shown formatted, day separators, the "New messages" divider, the jumps, the draft
marker in the room list and the hover bar on a message, all through the real widgets."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from PySide6.QtCore import QDate, QDateTime, QPoint, Qt, QTime
from PySide6.QtGui import QAction, QFont
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPlainTextEdit, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import ReadMarker
from river_desktop.ui.room_list import RoomListModel
from river_desktop.ui.room_view import RoomView, message_list
from river_desktop.ui.room_view.day_separators import NEW_MESSAGES, Band, band_for, day_label, local_day
from river_desktop.ui.shortcuts import shortcut_rows
from tests.gui.conftest import DesktopFactory, child, create_room_via_dialog, open_window
from tests.gui.river_world import World


def _local_ms(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return QDateTime(QDate(year, month, day), QTime(hour, minute)).toMSecsSinceEpoch()


def _view(qtbot: QtBot, width: int = 640, height: int = 480) -> RoomView:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def _option(view: RoomView, row: int) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    view.messageList.initViewItemOption(option)
    option.rect = view.messageList.visualRect(view.model.index(row))
    return option


def _band(view: RoomView, row: int) -> Band | None:
    return view.delegate.band(view.model.index(row))


# --- markdown --------------------------------------------------------------------------------------


def test_markdown_is_shown_formatted_and_its_link_asks_first(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(message_list, "open_in_browser", lambda url: opened.append(url) or True)
    world = World(join_at=1_000)
    messages = [
        world.msg("**bold** `code` [site](https://example.org)", 2_000_000_000_000),
        world.msg("<script>alert(1)</script> [x](javascript:alert(1))", 2_000_000_001_000, by=world.bob),
    ]
    view = _view(qtbot)
    view.show_room(world.room, messages)
    row = view.model.row_of(messages[0].id)
    index = view.model.index(row)
    layout = view.delegate.text_layout(_option(view, row), index)
    assert layout.text() == "bold code site"
    by_start = {r.start: r for r in layout.formats()}
    assert by_start[0].length == 4 and by_start[0].format.fontWeight() == QFont.Weight.Bold
    assert by_start[5].length == 4 and by_start[5].format.fontFamilies() != [QFont().family()]
    assert by_start[10].length == 4 and by_start[10].format.fontUnderline()
    assert view.delegate.links_of(index) == ["https://example.org"]

    hostile = view.model.index(view.model.row_of(messages[1].id))
    assert view.delegate.text_layout(_option(view, hostile.row()), hostile).text() == (
        "<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert view.delegate.links_of(hostile) == []

    rect = view.messageList.visualRect(index)
    points = [QPoint(x, y) for y in range(rect.top(), rect.bottom(), 2) for x in range(rect.left(), rect.right(), 3)]
    on_label = next(p for p in points if view.messageList.link_at(p) == "https://example.org")
    QTest.mouseClick(view.messageList.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, on_label)
    box = view.findChild(QMessageBox, "linkConfirm")
    assert box is not None and box.isVisible()
    assert box.informativeText() == "https://example.org", "the target, not the label, is shown before opening"
    assert opened == []


# --- day separators and the unread divider ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (datetime.date(2026, 11, 30), "Today"),
        (datetime.date(2026, 11, 29), "Yesterday"),
        (datetime.date(2026, 11, 27), "Friday"),
        (datetime.date(2026, 11, 24), "Tuesday"),
        (datetime.date(2026, 11, 23), "Mon 23 Nov 2026"),
        (datetime.date(2025, 1, 5), "Sun 5 Jan 2025"),
    ],
)
def test_day_labels(day: datetime.date, label: str) -> None:
    assert day_label(day, datetime.date(2026, 11, 30)) == label


def test_band_decisions() -> None:
    late = _local_ms(2026, 11, 29, 23, 50)
    early = _local_ms(2026, 11, 30, 0, 10)
    later = _local_ms(2026, 11, 30, 9, 0)
    today = datetime.date(2026, 11, 30)
    assert band_for(late, None, unread=False, today=today) == Band("Yesterday", False)
    assert band_for(early, late, unread=False, today=today) == Band("Today", False)
    assert band_for(later, early, unread=False, today=today) is None
    assert band_for(later, early, unread=True, today=today) == Band(None, True)


def test_a_day_separator_stands_between_messages_of_two_local_days(qtbot: QtBot) -> None:
    world = World(join_at=1_000)
    stamps = [_local_ms(2026, 11, 29, 23, 50), _local_ms(2026, 11, 30, 0, 10), _local_ms(2026, 11, 30, 9, 0)]
    messages = [world.msg("same text", ms) for ms in stamps]
    view = _view(qtbot)
    view.show_room(world.room, messages)
    rows = [view.model.row_of(m.id) for m in messages]
    today = datetime.date.today()
    first, second, third = (_band(view, r) for r in rows)
    assert first is not None and first.day == day_label(local_day(stamps[0]), today)
    assert second is not None and second.day == day_label(local_day(stamps[1]), today)
    assert first.day != second.day
    assert third is None, "the same day again has no separator"
    heights = [view.messageList.visualRect(view.model.index(r)).height() for r in rows]
    assert heights[1] > heights[2], "the separator takes room above the message"


def test_the_new_messages_divider_stands_at_the_read_marker_and_stays(qtbot: QtBot) -> None:
    world = World(join_at=1_000)
    messages = [world.msg(f"message {i}", 2_000_000_000_000 + i * 1000, by=world.bob) for i in range(6)]
    view = _view(qtbot)
    unread_room = replace(world.room, last_read=ReadMarker.of(messages[2]))
    view.show_room(unread_room, messages)
    assert view.jumps.first_unread_id() == messages[3].id
    divided = [r for r in range(view.model.rowCount()) if (b := _band(view, r)) is not None and b.unread]
    assert divided == [view.model.row_of(messages[3].id)]
    # reading on (a newer marker for the same room) leaves the divider where it was
    view.show_room(replace(world.room, last_read=ReadMarker.of(messages[5])), messages)
    assert view.jumps.first_unread_id() == messages[3].id
    # a room read to the end, or never read, has none
    other = World("Other", join_at=1_000)
    read = [other.msg("old", 2_000_000_000_000)]
    view.show_room(replace(other.room, last_read=ReadMarker.of(read[0])), read)
    assert view.jumps.first_unread_id() is None
    view.show_room(world.room, messages)
    assert world.room.last_read is None and view.jumps.first_unread_id() is None
    assert NEW_MESSAGES == "New messages"


def _long_room(count: int, read_upto: int) -> tuple[World, list[AuthorizedMessage], RoomView | None]:
    world = World(join_at=1_000)
    messages = [
        world.msg(f"message {i}: " + "words " * (i % 9), 2_000_000_000_000 + i * 60_000, by=world.bob)
        for i in range(count)
    ]
    world.room = replace(world.room, last_read=ReadMarker.of(messages[read_upto]))
    return world, messages, None


def test_jump_to_first_unread_and_to_newest(qtbot: QtBot) -> None:
    world, messages, _ = _long_room(60, 9)
    view = _view(qtbot, 600, 360)
    view.show_room(world.room, messages)
    listing = view.messageList
    target = view.model.index(view.model.row_of(messages[10].id))
    qtbot.waitUntil(listing.at_bottom)
    assert view.jumps.actionJumpUnread.isEnabled()
    qtbot.waitUntil(view.jumps.unreadButton.isVisible)
    assert not view.jumps.newestButton.isVisible()

    view.jumps.actionJumpUnread.trigger()
    assert listing.currentIndex() == target
    assert abs(listing.visualRect(target).top()) <= 2, "the first unread message is at the top"
    assert not view.jumps.unreadButton.isVisible()
    qtbot.waitUntil(view.jumps.newestButton.isVisible)

    QTest.mouseClick(view.jumps.newestButton, Qt.MouseButton.LeftButton)
    assert listing.at_bottom()
    assert listing.currentIndex().row() == view.model.rowCount() - 1

    # the keys, from the message list
    view.activateWindow()
    qtbot.waitActive(view)
    listing.setFocus()
    qtbot.waitUntil(listing.hasFocus)
    QTest.keyClick(listing, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ShiftModifier)
    assert listing.currentIndex() == target
    QTest.keyClick(listing, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert listing.at_bottom()


def test_the_jumps_are_in_the_shortcut_list(qtbot: QtBot) -> None:
    view = _view(qtbot)
    rows = dict(shortcut_rows(view.findChildren(QAction)))
    assert rows["Jump to First Unread"] == "Shift+PgUp"
    assert rows["Jump to Newest"] == "Ctrl+End"


# --- the draft marker in the room list -------------------------------------------------------------


def test_a_room_with_a_draft_is_marked_until_the_draft_goes(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    first = create_room_via_dialog(qtbot, window, "First")
    second = create_room_via_dialog(qtbot, window, "Second")

    def marked(key: bytes) -> bool:
        return bool(window.model.index_of(key).data(RoomListModel.HasDraftRole))

    def show(key: bytes) -> None:
        window.select_room(key)
        qtbot.waitUntil(lambda: window.roomView.current_room_key() == key)

    show(first)
    composer = child(window, QPlainTextEdit, "composer")
    QTest.keyClicks(composer, "half a thought")
    assert not marked(first), "the room you are writing in needs no marker"
    show(second)
    qtbot.waitUntil(lambda: marked(first))
    assert not marked(second)
    assert "draft" in str(window.model.index_of(first).data(Qt.ItemDataRole.AccessibleTextRole))
    show(first)
    assert composer.toPlainText() == "half a thought"
    composer.clear()
    show(second)
    qtbot.waitUntil(lambda: not marked(first))


# --- the hover bar ---------------------------------------------------------------------------------


def _hover(qtbot: QtBot, view: RoomView, row: int) -> None:
    rect = view.messageList.visualRect(view.model.index(row))
    QTest.mouseMove(view.messageList.viewport(), rect.center())
    qtbot.waitUntil(lambda: view.hoverBar.row() == row)


def test_the_hover_bar_acts_on_the_message_under_the_mouse(qtbot: QtBot) -> None:
    world = World(join_at=1_000)
    mine = world.msg("my own words", 2_000_000_000_000)
    theirs = world.msg("bob's words", 2_000_000_001_000, by=world.bob)
    view = _view(qtbot)
    view.show_room(world.room, [mine, theirs])
    bar = view.hoverBar
    own_row, other_row = view.model.row_of(mine.id), view.model.row_of(theirs.id)

    _hover(qtbot, view, other_row)
    assert bar.buttons["hoverReply"].isVisible() and bar.buttons["hoverReact"].isVisible()
    assert not bar.buttons["hoverEdit"].isVisible() and not bar.buttons["hoverDelete"].isVisible()
    assert view.messageList.viewport().rect().contains(bar.geometry())
    QTest.mouseClick(bar.buttons["hoverReply"], Qt.MouseButton.LeftButton)
    reply = view.reply_target()
    assert reply is not None and reply.id == theirs.id
    view.cancel_reply()

    _hover(qtbot, view, other_row)
    QTest.mouseClick(bar.buttons["hoverReact"], Qt.MouseButton.LeftButton)
    assert view.reaction_picker() is not None
    picker = view.reaction_picker()
    assert picker is not None
    picker.close()

    _hover(qtbot, view, own_row)
    assert bar.buttons["hoverEdit"].isVisible() and bar.buttons["hoverDelete"].isVisible()
    QTest.mouseClick(bar.buttons["hoverEdit"], Qt.MouseButton.LeftButton)
    editing = view.editing()
    assert editing is not None and editing.id == mine.id
    view.cancel_edit()

    _hover(qtbot, view, own_row)
    QTest.mouseClick(bar.buttons["hoverDelete"], Qt.MouseButton.LeftButton)
    box = view.findChild(QMessageBox, "deleteConfirm")
    assert box is not None and box.isVisible()
    box.reject()

    _hover(qtbot, view, own_row)
    QTest.mouseClick(bar.buttons["hoverMore"], Qt.MouseButton.LeftButton)
    menu = bar.menu
    assert menu is not None
    assert view.actionReply in menu.actions() and view.actionEdit in menu.actions()
    menu.close()

    # a profile that takes no writes: only "More" (copying) is offered
    view.set_changes_allowed(False)
    _hover(qtbot, view, other_row)
    _hover(qtbot, view, own_row)
    visible = [name for name, button in bar.buttons.items() if button.isVisible()]
    assert visible == ["hoverMore"]
