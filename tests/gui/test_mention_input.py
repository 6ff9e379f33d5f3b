"""The composer's mention runs: River's text in and out, names shown, edits degrade to plain text, and the
completion list's keys never reach the composer's own Enter, Esc and Up handling."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from river_desktop.domain.mention_complete import Candidate
from river_desktop.domain.river.mention import MemberRef, build_token, member_id_display
from river_desktop.ui.room_view.composer import Composer

BOB, CAROL = 0x1234_5678_9ABC, -42
NAMES = {BOB: "bob", CAROL: "carol"}


def name_of(ref: MemberRef) -> str | None:
    return next((name for mid, name in NAMES.items() if ref.matches(mid)), None)


def composer(qtbot: QtBot) -> Composer:
    box = Composer()
    qtbot.addWidget(box)
    box.resize(400, 80)
    box.show()
    box.set_members([Candidate(m, n, member_id_display(m)) for m, n in NAMES.items()], name_of)
    return box


def test_set_text_shows_current_names_and_gives_back_the_same_text(qtbot: QtBot) -> None:
    box = composer(qtbot)
    legacy = "@[Old Bob](rv:00001234)"  # a legacy hex id nobody here has: shown with its own name
    text = f"hi {build_token(BOB, 'Robert')}\nand {build_token(CAROL, 'c')}{build_token(CAROL, 'c')}, {legacy}"
    box.setPlainText(text)
    assert box.shown_text() == "hi @bob\nand @carol@carol, @Old Bob"
    assert box.toPlainText() == text


def test_text_without_tokens_is_untouched(qtbot: QtBot) -> None:
    box = composer(qtbot)
    box.setPlainText("plain @bob text, a@b")
    assert box.toPlainText() == box.shown_text() == "plain @bob text, a@b"


def test_an_edited_mention_is_sent_as_the_text_it_shows(qtbot: QtBot) -> None:
    box = composer(qtbot)
    box.setPlainText(build_token(BOB, "bob"))
    cursor = box.textCursor()
    cursor.setPosition(2)
    box.setTextCursor(cursor)
    QTest.keyClick(box, Qt.Key.Key_X)
    assert box.shown_text() == "@bxob"
    assert box.toPlainText() == "@bxob"


def test_typing_on_after_a_mention_keeps_the_token(qtbot: QtBot) -> None:
    box = composer(qtbot)
    box.setPlainText(build_token(BOB, "bob"))
    box.moveCursor(box.textCursor().MoveOperation.End)
    QTest.keyClicks(box, "'s")
    assert box.toPlainText() == build_token(BOB, "bob") + "'s"


def test_list_keys_do_not_send_cancel_or_edit(qtbot: QtBot) -> None:
    box = composer(qtbot)
    sent: list[str] = []
    escapes: list[bool] = []
    edits: list[bool] = []
    box.send_requested.connect(sent.append)
    box.escape_pressed.connect(lambda: escapes.append(True))
    box.edit_last_requested.connect(lambda: edits.append(True))
    QTest.keyClick(box, Qt.Key.Key_At)
    qtbot.waitUntil(box.mentions.is_open)
    QTest.keyClick(box, Qt.Key.Key_Up)  # wraps to the last row, and is not "edit my last message"
    assert box.mentions.current() == box.mentions.shown()[-1]
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert not box.mentions.is_open() and escapes == []
    QTest.keyClick(box, Qt.Key.Key_A)  # the query changed: the list opens again
    qtbot.waitUntil(box.mentions.is_open)
    QTest.keyClick(box, Qt.Key.Key_Enter)
    assert sent == [] and edits == []
    assert box.toPlainText() == build_token(CAROL, "carol") + " "
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert sent == [build_token(CAROL, "carol")]


def test_the_member_menus_mention_inserts_a_name_run(qtbot: QtBot) -> None:
    box = composer(qtbot)
    QTest.keyClicks(box, "hello")
    box.insert_mention(BOB, "bob")
    assert box.shown_text() == "hello @bob "
    assert box.toPlainText() == f"hello {build_token(BOB, 'bob')} "


def test_pasted_tokens_become_name_runs(qtbot: QtBot) -> None:
    box = composer(qtbot)
    QTest.keyClicks(box, "re: ")
    data = QMimeData()
    data.setText(f"ask {build_token(BOB, 'B')}")
    box.insertFromMimeData(data)
    assert box.shown_text() == "re: ask @bob"
    assert box.toPlainText() == f"re: ask {build_token(BOB, 'B')}"
