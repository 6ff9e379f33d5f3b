"""Issue 12's message actions, driven through the real widgets of one window and watched live in a second:
edit (menu, keyboard, Up in an empty composer), delete (confirmed), react (picker, free text, chip click),
copy text and copy link. Each action goes through the window's mutate-and-save path and River's rules."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFrame, QLineEdit, QMessageBox, QPushButton, QStyleOptionViewItem, QToolTip
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity
from river_desktop.storage.slots import b58
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_view.message_model import MessageListModel, Reaction, ShownMessage
from river_desktop.ui.room_view.reaction_picker import COMMON_EMOJI, ReactionPicker, clean_reaction
from tests.gui.conftest import DesktopFactory, child, create_room_via_dialog, open_window, run, wait_saved
from tests.gui.river_world import text_message

LIVE_MS = 5000


def _rows(window: MainWindow) -> list[ShownMessage]:
    return window.roomView.model.messages()


def _row(window: MainWindow, message_id: int) -> ShownMessage | None:
    return window.roomView.model.message(message_id)


def _select(qtbot: QtBot, window: MainWindow, message_id: int) -> None:
    """Select a message with the list focused in the active window (where the list's shortcuts work)."""
    if QApplication.activeWindow() is not window:
        with qtbot.waitActive(window):
            window.activateWindow()
    view = window.roomView
    row = view.model.row_of(message_id)
    assert row >= 0, "the message is not shown"
    view.messageList.setCurrentIndex(view.model.index(row))
    view.messageList.setFocus()


def _action(window: MainWindow, name: str):  # type: ignore[no-untyped-def]
    actions = {a.objectName(): a for a in window.roomView.messageList.actions()}
    return actions[name]


@pytest.fixture
def pair(qtbot: QtBot, make_desktop: DesktopFactory) -> tuple[MainWindow, MainWindow, bytes]:
    """Two windows of one profile, both showing a room the first created, with one message of yours."""
    desktop = make_desktop()
    a = open_window(qtbot, desktop)
    b = open_window(qtbot, desktop)
    a.show()
    b.show()
    key = create_room_via_dialog(qtbot, a, "Book club", nickname="ann")
    qtbot.waitUntil(lambda: key in b.rooms.rooms, timeout=LIVE_MS)
    b.select_room(key)
    qtbot.waitUntil(lambda: b.roomView.current_room_key() == key)
    return a, b, key


def _valid(window: MainWindow, key: bytes) -> None:
    """The room's state after the action is one River's contract accepts (``validate_state``)."""
    window.rooms.get(key).room_state.verify(key)


def _post(qtbot: QtBot, a: MainWindow, b: MainWindow, text: str) -> int:
    message = a.post_message(text)
    assert message is not None
    qtbot.waitUntil(lambda: _row(b, message.id) is not None, timeout=LIVE_MS)
    return message.id


# --- edit ---------------------------------------------------------------------------------------------


def test_edit_through_the_menu_shows_edited_here_and_live_in_a_second_window(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, key = pair
    mid = _post(qtbot, a, b, "Shall we read Dune?")
    view = a.roomView
    QTest.keyClicks(view.composer, "a draft")
    _select(qtbot, a, mid)
    edit = _action(a, "actionEditMessage")
    assert edit.isEnabled() and edit in view.messageList.actions()  # in the message's context menu
    edit.trigger()
    bar = child(view, QFrame, "replyBar")
    assert bar.isVisible() and view.editing() is not None
    assert view.composer.toPlainText() == "Shall we read Dune?"
    view.composer.selectAll()
    QTest.keyClicks(view.composer, "Shall we read Dune Messiah?")
    QTest.keyClick(view.composer, Qt.Key.Key_Return)
    assert view.composer.toPlainText() == "a draft", "the draft written before the edit comes back"
    assert bar.isHidden() and view.editing() is None
    row = _row(a, mid)
    assert row is not None and row.text == "Shall we read Dune Messiah?" and row.item.edited
    index = view.model.index(view.model.row_of(mid))
    assert "edited" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    assert view.delegate._content(index).stamp.endswith("edited")
    qtbot.waitUntil(
        lambda: (r := _row(b, mid)) is not None and r.text == "Shall we read Dune Messiah?", timeout=LIVE_MS
    )
    other = _row(b, mid)
    assert other is not None and other.item.edited
    assert len(_rows(b)) == 1, "an edit is not a message of its own"
    wait_saved(qtbot, a)
    _valid(a, key)
    _valid(b, key)


def test_up_in_an_empty_composer_edits_your_last_message_and_escape_cancels(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, _key = pair
    _post(qtbot, a, b, "first")
    last = _post(qtbot, a, b, "second")
    view = a.roomView
    view.composer.setFocus()
    QTest.keyClick(view.composer, Qt.Key.Key_Up)
    editing = view.editing()
    assert editing is not None and editing.id == last
    assert view.composer.toPlainText() == "second"
    QTest.keyClick(view.composer, Qt.Key.Key_Escape)
    assert view.editing() is None and view.composer.toPlainText() == ""
    QTest.keyClick(view.composer, Qt.Key.Key_Up)
    QTest.keyClick(view.composer, Qt.Key.Key_End)
    QTest.keyClicks(view.composer, "!")
    QTest.keyClick(view.composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (r := _row(b, last)) is not None and r.text == "second!", timeout=LIVE_MS)
    # Up with text in the composer moves the cursor, it does not start an edit
    QTest.keyClicks(view.composer, "typing")
    QTest.keyClick(view.composer, Qt.Key.Key_Up)
    assert view.editing() is None and view.composer.toPlainText() == "typing"


def test_edit_and_delete_are_offered_for_your_own_messages_only(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, key = pair
    mine = _post(qtbot, a, b, "mine")
    stranger = SigningIdentity.generate()
    theirs = text_message(a.rooms.get(key), "theirs", int(time.time() * 1000) + 1000, stranger)
    session = a.controller.open_session("someone else")
    run(qtbot, a.controller.append_messages(session, key, [theirs]))
    qtbot.waitUntil(lambda: _row(a, theirs.id) is not None, timeout=LIVE_MS)
    _select(qtbot, a, theirs.id)
    assert not _action(a, "actionEditMessage").isEnabled()
    assert not _action(a, "actionDeleteMessage").isEnabled()
    assert _action(a, "actionReact").isEnabled() and _action(a, "actionReply").isEnabled()
    _action(a, "actionEditMessage").trigger()  # a disabled action's shortcut does nothing either
    assert a.roomView.editing() is None
    _select(qtbot, a, mine)
    assert _action(a, "actionEditMessage").isEnabled() and _action(a, "actionDeleteMessage").isEnabled()


# --- delete -------------------------------------------------------------------------------------------


def test_delete_asks_first_and_then_the_text_is_gone_everywhere(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, key = pair
    keep = _post(qtbot, a, b, "this stays")
    gone = _post(qtbot, a, b, "an embarrassing typo")
    _select(qtbot, a, gone)
    QTest.keyClick(a.roomView.messageList, Qt.Key.Key_Delete)  # the keyboard path
    box = a.roomView.findChild(QMessageBox, "deleteConfirm")
    assert box is not None and box.isVisible()
    assert "cannot be undone" in box.informativeText()
    box.defaultButton().click()  # Cancel is the default
    assert _row(a, gone) is not None
    _action(a, "actionDeleteMessage").trigger()  # the menu path
    (box,) = [x for x in a.roomView.findChildren(QMessageBox, "deleteConfirm") if x.isVisible()]
    child(box, QPushButton, "deleteButton").click()
    assert _row(a, gone) is None and _row(a, keep) is not None
    qtbot.waitUntil(lambda: _row(b, gone) is None, timeout=LIVE_MS)
    for window in (a, b):
        model = window.roomView.model
        texts = [model.index(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(model.rowCount())]
        assert [m.id for m in _rows(window)] == [keep]
        assert not any("embarrassing" in t for t in texts)
    wait_saved(qtbot, a)
    _valid(a, key)
    _valid(b, key)


def test_a_reply_to_a_deleted_message_never_quotes_its_text(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, _key = pair
    original = _post(qtbot, a, b, "secret plans")
    reply = a.post_message("about that", reply_to=original)
    assert reply is not None
    qtbot.waitUntil(lambda: _row(b, reply.id) is not None, timeout=LIVE_MS)
    assert a.delete_message(original) is not None
    qtbot.waitUntil(lambda: _row(b, original) is None, timeout=LIVE_MS)
    for window in (a, b):
        model = window.roomView.model
        quote = model.index(model.row_of(reply.id)).data(MessageListModel.ReplyToRole)
        assert quote == "ann: a deleted message"


# --- react --------------------------------------------------------------------------------------------


def _chip_point(window: MainWindow, message_id: int, emoji: str) -> QPoint:
    view = window.roomView
    index = view.model.index(view.model.row_of(message_id))
    option = QStyleOptionViewItem()
    view.messageList.initViewItemOption(option)
    option.rect = view.messageList.visualRect(index)
    for reaction, rect in view.delegate.chip_rects(option, index):
        if reaction.emoji == emoji:
            return rect.center()
    raise AssertionError(f"no {emoji} chip on the message")


def _reactions(window: MainWindow, message_id: int) -> tuple[Reaction, ...]:
    row = _row(window, message_id)
    assert row is not None
    return window.roomView.model.reactions(row)


def test_react_with_the_picker_then_click_your_chip_to_take_it_back(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, key = pair
    mid = _post(qtbot, a, b, "Dune it is")
    _select(qtbot, a, mid)
    _action(a, "actionReact").trigger()
    picker = a.roomView.reaction_picker()
    assert isinstance(picker, ReactionPicker) and picker.isVisible()
    assert [button.text() for button in picker.buttons] == list(COMMON_EMOJI)
    picker.buttons[0].click()
    assert a.roomView.reaction_picker() is None
    assert _reactions(a, mid) == (Reaction("👍", 1, True, ("ann",)),)
    qtbot.waitUntil(lambda: _reactions(b, mid) == (Reaction("👍", 1, True, ("ann",)),), timeout=LIVE_MS)
    # free choice: any short emoji typed in the field
    _select(qtbot, a, mid)
    picker = a.roomView.react_to_selected_message()
    assert picker is not None
    other = child(picker, QLineEdit, "reactionOtherEdit")
    other.insert("🚀")  # typed or pasted from the system's emoji picker
    assert child(picker, QPushButton, "reactionAddButton").isEnabled()
    QTest.keyClick(other, Qt.Key.Key_Return)
    assert [r.emoji for r in _reactions(a, mid)] == ["👍", "🚀"]
    # who reacted, in the chip's tooltip
    viewport = a.roomView.messageList.viewport()
    point = _chip_point(a, mid, "👍")
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    assert "ann reacted with 👍" in QToolTip.text()
    # your own chip is highlighted; clicking it removes your reaction, here and in the other window
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _chip_point(a, mid, "👍"))
    assert [r.emoji for r in _reactions(a, mid)] == ["🚀"]
    qtbot.waitUntil(lambda: [r.emoji for r in _reactions(b, mid)] == ["🚀"], timeout=LIVE_MS)
    wait_saved(qtbot, a)
    _valid(a, key)
    _valid(b, key)


@pytest.mark.parametrize(
    ("typed", "reaction"),
    [("👍", "👍"), ("  🎉 ", "🎉"), ("", None), ("two words", None), ("x" * 40, None)],
)
def test_free_text_reactions_are_short_and_single(typed: str, reaction: str | None) -> None:
    assert clean_reaction(typed) == reaction


# --- copy ---------------------------------------------------------------------------------------------


def test_copy_text_and_copy_link(qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]) -> None:
    a, b, key = pair
    mid = _post(qtbot, a, b, "copy me\nplease")
    _select(qtbot, a, mid)
    clipboard = QGuiApplication.clipboard()
    QTest.keyClick(a.roomView.messageList, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == "copy me\nplease"
    _action(a, "actionCopyLink").trigger()
    assert clipboard.text() == f"river://room/{b58(key)}/message/{mid}"
    names = [x.objectName() for x in a.roomView.messageList.actions()]
    for name in ("actionReply", "actionReact", "actionEditMessage", "actionDeleteMessage", "actionCopyLink"):
        assert name in names


def test_the_message_menu_has_one_mnemonic_per_item_and_the_shortcut_list_shows_its_keys(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, _b, _key = pair
    texts = [x.text() for x in a.roomView.messageList.actions()]
    mnemonics = [t[t.index("&") + 1].casefold() for t in texts if "&" in t]
    assert len(mnemonics) == len(texts) and len(set(mnemonics)) == len(mnemonics), texts
    a.show_shortcuts()
    dialog = a.dialog("ShortcutsDialog")
    assert dialog is not None
    rows = dialog.rows()  # type: ignore[attr-defined]
    described = {keys for _what, keys in rows}
    for name, keys in (
        ("actionEditMessage", "Ctrl+E"),
        ("actionDeleteMessage", "Del"),
        ("actionReact", "Ctrl+Shift+R"),
    ):
        assert keys in described, (name, rows)
    assert any("last message" in what and keys == "Up" for what, keys in rows)


# --- reply --------------------------------------------------------------------------------------------


def test_clicking_a_reply_quote_jumps_to_the_original(qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]) -> None:
    a, b, _key = pair
    original = _post(qtbot, a, b, "Which book next month?")
    for i in range(25):
        a.post_message(f"chatter {i}: " + "words " * 8)
    reply = a.post_message("Dune, as said above", reply_to=original)
    assert reply is not None
    view = a.roomView
    list_view = view.messageList
    qtbot.waitUntil(lambda: view.model.row_of(reply.id) >= 0)
    list_view.scrollToBottom()
    viewport = list_view.viewport()
    original_index = view.model.index(view.model.row_of(original))
    assert not viewport.rect().intersects(list_view.visualRect(original_index)), "the original is off screen"
    reply_index = view.model.index(view.model.row_of(reply.id))
    option = QStyleOptionViewItem()
    list_view.initViewItemOption(option)
    option.rect = list_view.visualRect(reply_index)
    quote = view.delegate.quote_rect(option, reply_index)
    assert quote is not None
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, quote.center())
    assert list_view.currentIndex().row() == original_index.row()
    assert viewport.rect().intersects(list_view.visualRect(original_index)), "the original is in view"


def test_an_open_edit_is_never_kept_as_the_rooms_draft(
    qtbot: QtBot, pair: tuple[MainWindow, MainWindow, bytes]
) -> None:
    a, b, key = pair
    mid = _post(qtbot, a, b, "my words")
    view = a.roomView
    QTest.keyClicks(view.composer, "half a thought")
    _select(qtbot, a, mid)
    _action(a, "actionEditMessage").trigger()
    QTest.keyClicks(view.composer, " and more")
    assert view.draft(key) == "half a thought"
    assert a.desktop.settings.draft(key) == "half a thought"
