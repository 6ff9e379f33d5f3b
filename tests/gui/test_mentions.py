"""Mentions through the real widgets: ``@`` completion in the composer, River's token in what is sent, nicknames
in what is shown, a mention of you highlighted, and "Mentions & replies" badges and notifications.

Ann's room has bob, Bobby Tables and carol; their joins and posts arrive as River's merge would bring them.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.views import open_body
from river_desktop.domain.rooms import NotificationMode
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_list import RoomListModel
from river_desktop.ui.room_view.message_model import MessageListModel
from tests.gui.conftest import DesktopFactory, create_room_via_dialog, open_window, wait_saved
from tests.gui.room_steps import Judge, deliver, load_oracle

NOW = int(time.time()) - 3600
"""Joins and others' posts an hour ago, so what the test types now is the newest row."""


def join(qtbot: QtBot, window: MainWindow, room: bytes, nick: str) -> ops.Me:
    """Ann invites ``nick``, who joins elsewhere; the joined state arrives here."""
    invitation = Invitation.create(room, window.rooms.get(room).self_identity.seed)
    joined = ops.join(window.rooms.get(room).room_state, invitation, nick, now=SystemTime(NOW))
    assert joined.state is not None
    deliver(qtbot, window, room, joined.state)
    return ops.Me(invitation.invitee_identity, invitation.invitee, (), nick)


def club(qtbot: QtBot, window: MainWindow) -> tuple[bytes, dict[str, ops.Me]]:
    window.show()
    room = create_room_via_dialog(qtbot, window, "Book club", "ann")
    people = {nick: join(qtbot, window, room, nick) for nick in ("bob", "Bobby Tables", "carol")}
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    return room, people


def says(
    qtbot: QtBot, window: MainWindow, room: bytes, who: ops.Me, text: str, *, secs: int, reply_to: int | None = None
) -> int:
    """``who`` posts (or replies) elsewhere; the state arrives here. Returns the new message's id."""
    state = window.rooms.get(room).room_state
    when = SystemTime(NOW + secs)
    if reply_to is None:
        change = ops.post_text(state, room, who, text, now=when)
    else:
        change = ops.reply(state, room, who, reply_to, text, now=when)
    assert change.state is not None
    deliver(qtbot, window, room, change.state)
    (new,) = [m for m in change.state.recent_messages if m.id not in {x.id for x in state.recent_messages}]
    return new.id


def last_text_by(window: MainWindow, room: bytes, member_id: int) -> str:
    mine = [m for m in window.rooms.get(room).room_state.recent_messages if m.author == member_id]
    content = open_body(mine[-1].message.content).content
    assert isinstance(content, TextContent | ReplyContent)
    return content.text


def row_of(window: MainWindow, message_id: int) -> int:
    row = window.roomView.model.row_of(message_id)
    assert row >= 0
    return row


def type_mention_and_send(qtbot: QtBot, window: MainWindow) -> None:
    """ "hi @b", Down, Up, Enter picks bob; " and @car", Tab picks carol; "@" then Esc closes the list; send."""
    composer = window.roomView.composer
    completer = composer.mentions
    composer.setFocus()
    QTest.keyClicks(composer, "hi @b")
    qtbot.waitUntil(completer.is_open)
    assert [c.name for c in completer.shown()] == ["bob", "Bobby Tables"]
    assert completer.current() is not None and completer.current().name == "bob"
    QTest.keyClick(composer, Qt.Key.Key_Down)
    assert completer.current().name == "Bobby Tables"  # type: ignore[union-attr]
    QTest.keyClick(composer, Qt.Key.Key_Up)
    QTest.keyClick(composer, Qt.Key.Key_Return)
    assert not completer.is_open()
    assert composer.shown_text() == "hi @bob "
    QTest.keyClicks(composer, "and @car")
    qtbot.waitUntil(completer.is_open)
    assert [c.name for c in completer.shown()] == ["carol"]
    QTest.keyClick(composer, Qt.Key.Key_Tab)
    assert composer.shown_text() == "hi @bob and @carol "
    QTest.keyClick(composer, Qt.Key.Key_At)
    qtbot.waitUntil(completer.is_open)
    assert len(completer.shown()) == 3  # everyone but you
    QTest.keyClick(composer, Qt.Key.Key_Escape)
    assert not completer.is_open()
    QTest.keyClick(composer, Qt.Key.Key_Backspace)
    QTest.keyClick(composer, Qt.Key.Key_Return)
    wait_saved(qtbot, window)


def test_at_completion_inserts_a_nickname_and_sends_rivers_token(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, people = club(qtbot, window)
    ann = window.rooms.get(room).self_member_id
    type_mention_and_send(qtbot, window)
    sent = last_text_by(window, room, ann)
    bob, carol = people["bob"].member_id, people["carol"].member_id
    assert sent == f"hi {build_token(bob, 'bob')} and {build_token(carol, 'carol')}"
    assert window.roomView.composer.toPlainText() == ""
    model = window.roomView.model
    last = model.index(model.rowCount() - 1)
    assert model.data(last, Qt.ItemDataRole.DisplayRole) == "hi @bob and @carol"
    assert model.data(last, MessageListModel.MentionsYouRole) is False  # your own message


def test_a_sent_mention_is_valid_to_rivers_contract(qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path) -> None:
    judge = Judge(load_oracle())
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, _people = club(qtbot, window)
    type_mention_and_send(qtbot, window)
    assert "(rv:" in last_text_by(window, room, window.rooms.get(room).self_member_id)
    judge.valid(room, window.rooms.get(room).room_state, "a message with two mentions")


def test_shown_mentions_use_the_current_nickname_and_a_mention_of_you_is_highlighted(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    window = open_window(qtbot, make_desktop(tmp_path / "ann"))
    room, people = club(qtbot, window)
    ann = window.rooms.get(room).self_member_id
    bob, carol = people["bob"], people["carol"]
    to_you = says(
        qtbot,
        window,
        room,
        bob,
        f"{build_token(ann, 'old name')} have you met {build_token(carol.member_id, 'c')}?",
        secs=10,
    )
    plain = says(qtbot, window, room, bob, "a plain remark", secs=11)
    model = window.roomView.model
    qtbot.waitUntil(lambda: model.row_of(plain) >= 0)
    mention_row, plain_row = model.index(row_of(window, to_you)), model.index(row_of(window, plain))
    assert model.data(mention_row, Qt.ItemDataRole.DisplayRole) == "@ann have you met @carol?"
    assert model.data(mention_row, MessageListModel.MentionsYouRole) is True
    assert model.data(plain_row, MessageListModel.MentionsYouRole) is False
    renamed = ops.set_nickname(window.rooms.get(room).room_state, room, carol, "Caroline")
    deliver(qtbot, window, room, renamed.state)
    qtbot.waitUntil(
        lambda: (
            model.data(model.index(row_of(window, to_you)), Qt.ItemDataRole.DisplayRole)
            == "@ann have you met @Caroline?"
        )
    )
    delegate = window.roomView.messageList.itemDelegate()
    index = model.index(row_of(window, to_you))
    assert "@[Caroline](rv:" in delegate._content(index).text  # River's token, named as the member is now
    option = QStyleOptionViewItem()
    window.roomView.messageList.initViewItemOption(option)
    option.rect = window.roomView.messageList.visualRect(index)
    layout = delegate.text_layout(option, index)
    assert layout.text() == "@ann have you met @Caroline?"  # painted: the names, the token styled
    styled = [r for r in layout.formats() if layout.text()[r.start : r.start + r.length] == "@Caroline"]
    assert styled, "the mention is drawn with a style of its own"
    window.roomView.start_reply(model.message(to_you))  # the reply bar quotes the names too
    assert window.roomView.replyQuote.text() == "bob: @ann have you met @Caroline?"


def test_mentions_and_replies_badge_and_notification(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop(tmp_path / "ann")
    window = open_window(qtbot, desktop)
    room, people = club(qtbot, window)
    ann = window.rooms.get(room).self_member_id
    mine = says(qtbot, window, room, ops.Me(window.rooms.get(room).self_identity), "my question", secs=5)
    window.set_notification_mode(room, NotificationMode.MENTIONS_AND_REPLIES)
    elsewhere = create_room_via_dialog(qtbot, window, "Elsewhere", "ann")
    assert window.current_room == elsewhere
    wait_saved(qtbot, window)
    qtbot.waitUntil(lambda: window.unread.get(room) == 0)
    assert desktop.tray is not None
    notes: list[tuple[str, str]] = []
    desktop.tray.notified.connect(lambda title, body: notes.append((title, body)))
    bob = people["bob"]

    says(qtbot, window, room, bob, "nothing for ann here", secs=20)
    says(qtbot, window, room, bob, f"{build_token(people['carol'].member_id, 'carol')} only", secs=21)
    says(qtbot, window, room, bob, f"over to you, {build_token(ann, 'ann')}", secs=22)
    qtbot.waitUntil(lambda: window.unread.get(room) == 1)
    qtbot.waitUntil(lambda: len(notes) == 1)
    assert notes[0] == ("Book club", "bob in Book club: over to you, @ann"), "the message that counted, not chatter"
    says(qtbot, window, room, bob, "an answer", secs=23, reply_to=mine)
    qtbot.waitUntil(lambda: window.unread.get(room) == 2)
    assert window.model.data(window.model.index_of(room), RoomListModel.UnreadRole) == 2
    qtbot.waitUntil(lambda: len(notes) == 2)
    assert notes[1] == ("Book club", "bob in Book club: an answer")
