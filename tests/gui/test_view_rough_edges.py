"""Issue 10's view-level items: content a room owner types never sizes the window, and the rough edges."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import base58
import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, QModelIndex, QPoint, QRect, Qt, QTime
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot

from river_desktop.domain import limits
from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
from river_desktop.ui.dialogs import (
    AcceptInvitationDialog,
    CreateRoomDialog,
    EditRoomDialog,
    InviteMemberDialog,
    LeaveRoomDialog,
    NicknameDialog,
)
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_list import RoomDelegate, RoomListModel, RoomListView, RoomRow
from river_desktop.ui.room_view import MessageListModel, RoomView, format_time, message_list
from river_desktop.ui.room_view.history_view import HistoryView
from river_desktop.ui.room_view.message_delegate import find_links, shown_text
from river_desktop.ui.text_widgets import ElidedLabel

from .conftest import DesktopFactory, child, open_window
from .river_world import text_message, with_display

MAX_MIN_WIDTH = 700


def _with_config(room: RoomData, name: str, description: str) -> RoomData:
    return with_display(room, name, description)


def _show_long_room(qtbot: QtBot, window: MainWindow, name: str, description: str) -> RoomData:
    created = window.create_room("short", "me")
    assert created is not None
    room = window.rooms.rooms[created.owner_vk] = _with_config(created, name, description)
    window.refresh()
    window.select_room(room.owner_vk)
    qtbot.waitUntil(lambda: (shown := window.roomView.current_room()) is not None and shown.name == name)
    return room


@pytest.mark.parametrize(
    ("name", "description"),
    [
        pytest.param("N" * 100, "", id="100-char-name"),
        pytest.param("N" * 10_000, "D" * 10_000, id="10000-char-name-and-description"),
        pytest.param("W" * 10_000, "", id="10000-wide-chars"),
    ],
)
def test_long_room_text_never_widens_the_window(
    qtbot: QtBot, make_desktop: DesktopFactory, name: str, description: str
) -> None:
    window = open_window(qtbot, make_desktop())
    room = _show_long_room(qtbot, window, name, description)
    window.show()
    qtbot.waitExposed(window)
    assert window.minimumSizeHint().width() < MAX_MIN_WIDTH
    assert window.minimumSize().width() < MAX_MIN_WIDTH
    title = child(window.roomView, ElidedLabel, "roomTitle")
    assert title.isVisible() and title.width() < MAX_MIN_WIDTH * 2
    assert title.toolTip() == name  # the full name is still there to read
    join = AcceptInvitationDialog(window.rooms, window)
    join.inviteCodeEdit.setPlainText(Invitation.create(room.owner_vk, room.self_identity.seed).encode())
    assert "already a member" in join.preview_status()
    invite = InviteMemberDialog("code", room.name, window)
    for dialog in (EditRoomDialog(room, window), LeaveRoomDialog(room.name, True, window), join, invite):
        qtbot.addWidget(dialog)
        assert dialog.minimumSizeHint().width() < MAX_MIN_WIDTH, type(dialog).__name__


# --- the Join dialog -------------------------------------------------------------------------------


def _join_dialog(qtbot: QtBot, rooms: Rooms | None = None) -> AcceptInvitationDialog:
    dialog = AcceptInvitationDialog(rooms or Rooms())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _code_box(dialog: AcceptInvitationDialog) -> QPlainTextEdit:
    return child(dialog, QPlainTextEdit, "inviteCodeEdit")


def _paste(widget: QPlainTextEdit, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


@pytest.mark.parametrize("size", [1_000_000, limits.MAX_INVITATION_CODE_CHARS + 1])
def test_join_dialog_refuses_a_huge_paste_before_laying_it_out(qtbot: QtBot, size: int) -> None:
    dialog = _join_dialog(qtbot)
    box = _code_box(dialog)
    seen: list[int] = []
    box.textChanged.connect(lambda: seen.append(len(box.toPlainText())))
    _paste(box, "2" * size)
    assert box.toPlainText() == "" and seen == []  # the text never reached the document
    error = child(dialog, QLabel, "inviteError")
    assert error.isVisible()
    assert "too long" in error.text() and f"{size:,}" in error.text() and "4,096" in error.text()
    assert not child(dialog, QPushButton, "acceptButton").isEnabled()
    code = Invitation.create(*_owner()).encode()
    _paste(box, code)  # a real code still goes in afterwards
    assert box.toPlainText() == code and dialog.invitation() is not None and error.isHidden()


def _owner() -> tuple[bytes, bytes]:
    owner = SigningIdentity.generate()
    return owner.verifying_key, owner.seed


def test_join_dialog_enter_accepts_and_cancel_says_cancel(qtbot: QtBot) -> None:
    dialog = _join_dialog(qtbot)
    box = _code_box(dialog)
    QTest.keyClick(box, Qt.Key.Key_Return)  # nothing to accept yet: the dialog stays, no newline
    assert dialog.isVisible() and box.toPlainText() == ""
    invitation = Invitation.create(*_owner())
    box.setPlainText(invitation.encode())
    with qtbot.waitSignal(dialog.invitation_accepted) as accepted:
        QTest.keyClick(box, Qt.Key.Key_Return)
    assert accepted.args is not None and accepted.args[0] == invitation
    assert not dialog.isVisible()
    again = _join_dialog(qtbot)
    buttons = again.findChild(QDialogButtonBox)
    assert buttons is not None
    assert sorted(b.text() for b in buttons.buttons()) == ["Accept", "Cancel"]


def _inside(widget: QWidget, dialog: QWidget) -> QRect:
    return QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())


def _assert_fully_shown(label: QLabel, dialog: QWidget) -> None:
    needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
    assert label.height() >= needed, (label.objectName(), label.height(), needed)
    if not label.wordWrap():
        assert label.width() >= label.sizeHint().width(), (label.objectName(), label.width())
    assert dialog.rect().contains(_inside(label, dialog)), label.objectName()


def test_join_dialog_preview_is_not_cut_off(qtbot: QtBot) -> None:
    rooms = Rooms()
    rooms.removed[SigningIdentity.generate().verifying_key] = 1
    dialog = _join_dialog(qtbot, rooms)
    dialog.resize(dialog.minimumWidth(), 10)  # as small as the user can make it
    _code_box(dialog).setPlainText(Invitation.create(*_owner()).encode())
    qtbot.waitUntil(lambda: dialog.invitePreview.isVisible())
    preview = child(dialog, QFrame, "invitePreview")
    for label in preview.findChildren(QLabel):
        if label.isVisibleTo(dialog):
            _assert_fully_shown(label, dialog)
    assert not _inside(preview, dialog).intersects(_inside(child(dialog, QWidget, "buttonBox"), dialog))


def test_join_dialog_error_never_overlaps_the_code_box(qtbot: QtBot) -> None:
    dialog = _join_dialog(qtbot)
    dialog.resize(dialog.minimumWidth(), 10)
    box = _code_box(dialog)
    box.setPlainText("0" * 30)
    error = child(dialog, QLabel, "inviteError")
    assert error.isVisible() and error.text()
    _assert_fully_shown(error, dialog)
    assert not _inside(error, dialog).intersects(_inside(box, dialog))


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("hello, world!", id="punctuation"),
        pytest.param("0OIl" * 10, id="lookalikes"),
        pytest.param(str(base58.b58encode(b"\x5f" + bytes(300)), "ascii"), id="not-an-invitation"),
        pytest.param(str(base58.b58encode(bytes(range(1, 71))), "ascii"), id="garbage-bytes"),
    ],
)
def test_join_dialog_errors_use_plain_words(qtbot: QtBot, bad: str) -> None:
    dialog = _join_dialog(qtbot)
    _code_box(dialog).setPlainText(bad)
    text = child(dialog, QLabel, "inviteError").text()
    assert text
    for jargon in ("cbor", "base58", "decoded data"):
        assert jargon not in text.casefold(), text


# --- one set of limits, with a counter -------------------------------------------------------------


def _valid_code() -> str:
    return Invitation.create(*_owner()).encode()


def _create() -> CreateRoomDialog:
    dialog = CreateRoomDialog()
    dialog.roomNameEdit.setText("Room")
    return dialog


def _edit() -> EditRoomDialog:
    return EditRoomDialog(Rooms().create_room("Room", "me"))


def _join() -> AcceptInvitationDialog:
    dialog = AcceptInvitationDialog(Rooms())
    dialog.inviteCodeEdit.setPlainText(_valid_code())
    return dialog


@pytest.mark.parametrize(
    ("make", "edit_name", "counter_name", "limit", "ok_name"),
    [
        pytest.param(_create, "roomNameEdit", "nameCounter", 100, "createButton", id="create-name"),
        pytest.param(_create, "nicknameEdit", "nicknameCounter", 50, "createButton", id="create-nickname"),
        pytest.param(_edit, "roomNameEdit", "nameCounter", 100, "saveButton", id="settings-name"),
        pytest.param(_edit, "descriptionEdit", "descriptionCounter", 500, "saveButton", id="settings-description"),
        pytest.param(lambda: NicknameDialog("me"), "nicknameEdit", "nicknameCounter", 50, None, id="nickname"),
        pytest.param(_join, "nicknameEdit", "nicknameCounter", 50, "acceptButton", id="join-nickname"),
    ],
)
def test_dialog_fields_count_bytes_and_refuse_over_the_limit_without_cutting(
    qtbot: QtBot, make: Callable[[], QDialog], edit_name: str, counter_name: str, limit: int, ok_name: str | None
) -> None:
    dialog = make()
    qtbot.addWidget(dialog)
    dialog.show()
    edit = child(dialog, QWidget, edit_name)
    counter = child(dialog, QLabel, counter_name)
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    ok = child(dialog, QPushButton, ok_name) if ok_name else box.button(QDialogButtonBox.StandardButton.Ok)

    def set_text(text: str) -> str:
        if isinstance(edit, QLineEdit):
            edit.setText(text)
            return edit.text()
        assert isinstance(edit, QPlainTextEdit)
        edit.setPlainText(text)
        return edit.toPlainText()

    assert [label.text() for label in dialog.findChildren(QLabel) if label.buddy() is edit]  # Alt+letter works
    assert dialog.width() >= 380  # the layout's minimum never drops the dialog's own width floor
    assert set_text("a" * limit) == "a" * limit
    assert counter.isVisible() and counter.text() == f"{limit} / {limit}"
    assert ok.isEnabled()
    over = "a" * (limit - 1) + "é"  # one character short of the limit, one byte over it
    assert set_text(over) == over  # kept as typed, never cut
    assert counter.text() == f"{limit + 1} / {limit}" and "too long" in counter.toolTip()
    assert not ok.isEnabled()
    error = child(dialog, QLabel, "limitError")
    assert error.isVisible() and "too long" in error.text() and "Shorten it by 1" in error.text()
    with qtbot.assertNotEmitted(dialog.accepted, wait=0):
        dialog.accept()
    set_text("a" * (limit - 2))
    assert ok.isEnabled() and error.isHidden()


def _at_message_limit() -> str:
    text = "x" * limits.MAX_MESSAGE_BYTES
    while limits.measure_message(text).over:
        text = text[:-1]
    return text


def test_composer_counts_encoded_bytes_and_refuses_an_oversized_message(qtbot: QtBot) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    rooms = Rooms()
    view.show_room(rooms.create_room("Room", "me"))
    view.show()
    composer = view.composer
    counter = child(view, QLabel, "composerCounter")
    error = child(view, QLabel, "composerError")
    assert counter.isHidden()  # nothing typed, nothing to count
    fits = _at_message_limit()
    composer.setPlainText(fits + "y")
    assert counter.isVisible() and counter.text() == "1,001 / 1,000"
    assert error.isVisible() and "Shorten it by 1" in error.text()
    with qtbot.assertNotEmitted(view.send_requested, wait=0):
        QTest.keyClick(composer, Qt.Key.Key_Return)
    assert composer.toPlainText() == fits + "y"  # kept, not cut and not sent
    composer.setPlainText(fits)
    assert counter.text() == "1,000 / 1,000" and error.isHidden()
    with qtbot.waitSignal(view.send_requested) as sent:
        QTest.keyClick(composer, Qt.Key.Key_Return)
    assert sent.args == [fits]


def test_composer_refuses_a_huge_paste_before_layout(qtbot: QtBot) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.show_room(Rooms().create_room("Room", "me"))
    view.show()
    _paste(view.composer, "z" * 1_000_000)
    assert view.composer.toPlainText() == ""
    assert "not inserted" in child(view, QLabel, "composerError").text()


# --- reply -----------------------------------------------------------------------------------------


def _select_row(view: RoomView, row: int) -> None:
    index = view.model.index(row)
    view.messageList.setCurrentIndex(index)
    view.messageList.setFocus()


def test_reply_through_the_menu_and_keyboard_posts_reply_to(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    window.show()
    created = window.create_room("Book club", "ann")
    assert created is not None
    qtbot.waitUntil(lambda: window.roomView.current_room_key() == created.owner_vk)
    original = window.post_message("Shall we read Dune next?")
    assert original is not None
    view = window.roomView
    actions = {a.objectName(): a for a in view.messageList.actions()}
    assert actions["actionReply"].text() == "&Reply"  # in the message's context menu
    assert view.messageList.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    _select_row(view, view.model.row_of(original.id))
    actions["actionReply"].trigger()
    bar = child(view, QFrame, "replyBar")
    assert bar.isVisible()
    quote = child(view, ElidedLabel, "replyQuote").text()
    assert "ann" in quote and "Shall we read Dune next?" in quote
    QTest.keyClick(view.composer, Qt.Key.Key_Escape)  # Esc drops the reply
    assert bar.isHidden() and view.reply_target() is None
    _select_row(view, view.model.row_of(original.id))
    QTest.keyClick(view.messageList, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # the keyboard path
    assert bar.isVisible() and view.composer.hasFocus()
    QTest.keyClicks(view.composer, "Yes, let's")
    QTest.keyClick(view.composer, Qt.Key.Key_Return)
    reply = next(m for m in view.model.messages() if m.text == "Yes, let's")
    assert reply.item.reply_to is not None and reply.item.reply_to.message_id == original.id
    assert bar.isHidden()
    row = view.model.row_of(reply.id)
    assert view.model.index(row).data(MessageListModel.ReplyToRole) == "ann: Shall we read Dune next?"


# --- a room still waiting for its data -------------------------------------------------------------


def test_waiting_room_says_this_app_is_local_only(qtbot: QtBot) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.show()
    rooms = Rooms()
    waiting = rooms.accept_invitation(Invitation.create(*_owner()), "me")
    view.show_room(waiting)
    empty = view.empty_state_text()
    assert "Local only" in empty and "not connected to any network" in empty
    assert "inviter's app" in empty and "network sync" in empty
    notice = child(view, QLabel, "networkNotice")
    assert notice.isVisible() and notice.text().startswith("Local only")
    view.show_room(rooms.create_room("Mine", "me"))
    assert notice.isHidden()


# --- dates -----------------------------------------------------------------------------------------


@pytest.fixture
def c_locale() -> Iterator[None]:
    """The C locale, as under LANG=C.UTF-8 (Qt's short formats there are "30 11 2026")."""
    before = QLocale()
    QLocale.setDefault(QLocale.c())
    yield
    QLocale.setDefault(before)


def _local_ms(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return QDateTime(QDate(year, month, day), QTime(hour, minute)).toMSecsSinceEpoch()


@pytest.mark.usefixtures("c_locale")
@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        ((2026, 11, 30, 12, 3), (2026, 11, 30, 18, 0), "12:03"),
        ((2026, 11, 30, 0, 0), (2026, 11, 30, 23, 59), "00:00"),
        ((2026, 11, 30, 12, 3), (2026, 12, 1, 9, 0), "30 Nov 2026, 12:03"),
        ((2025, 1, 2, 23, 59), (2026, 12, 1, 9, 0), "2 Jan 2025, 23:59"),
    ],
)
def test_message_times_are_explicit_whatever_the_locale(
    when: tuple[int, int, int, int, int], now: tuple[int, int, int, int, int], expected: str
) -> None:
    assert QLocale().name() == "C"
    now_dt = QDateTime.fromMSecsSinceEpoch(_local_ms(*now))
    assert format_time(_local_ms(*when), now=now_dt) == expected


@pytest.mark.usefixtures("c_locale")
def test_message_tooltip_spells_the_date_out(qtbot: QtBot) -> None:
    model = MessageListModel()
    room = Rooms().create_room("Room", "me")
    model.set_room(room)
    stamp = _local_ms(2026, 11, 30, 12, 3)
    history = HistoryView(room)
    history.add([text_message(room, "hi", stamp)])
    model.set_messages(history.rows())
    tip = model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "30 Nov 2026, 12:03:00 UTC" in tip


# --- the member column -----------------------------------------------------------------------------


def _member_option(view: RoomView, item: QTreeWidgetItem) -> tuple[QStyleOptionViewItem, QModelIndex]:
    tree = view.memberList
    index = tree.indexFromItem(item, 0)
    option = QStyleOptionViewItem()
    option.initFrom(tree)
    option.widget = tree
    option.rect = tree.visualRect(index)
    option.font = item.font(0)
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
    option.text = item.text(0)
    return option, index


@pytest.mark.parametrize("nickname", ["ann", "Annemarie-Konstantinopolous von Wellington"])
def test_member_column_never_cuts_owner_you(qtbot: QtBot, nickname: str) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show_room(Rooms().create_room("Room", nickname))
    view.show()
    qtbot.waitExposed(view)
    view.splitter.setSizes([10_000, 1])  # the member panel at its narrowest
    qtbot.waitUntil(lambda: view.memberList.width() <= view.memberList.minimumWidth() + 2)
    root = view.memberList.topLevelItem(0)
    assert root is not None and root.text(0).endswith("(owner, you)")
    option, index = _member_option(view, root)
    shown = view.memberDelegate.shown_text(option, index)
    assert shown.endswith(" (owner, you)")
    assert shown.startswith(nickname) or (shown.startswith(nickname[:3]) and "…" in shown)
    text_rect = view.memberList.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view.memberList)
    assert QFontMetrics(option.font).horizontalAdvance(shown) <= text_rect.width()


# --- links -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("see https://example.org/page?x=1 for details", ["https://example.org/page?x=1"]),
        ("(see https://en.wikipedia.org/wiki/Foo_(bar)).", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("two: http://a.example/x, and HTTPS://b.example/y!", ["http://a.example/x", "HTTPS://b.example/y"]),
        ("not links: ftp://x.example www.example.org https:// mailto:a@b", []),
        ("line one\nhttps://c.example/z\nline three", ["https://c.example/z"]),
    ],
)
def test_find_links(text: str, links: list[str]) -> None:
    found = find_links(shown_text(text))
    assert [link.url for link in found] == links
    for link in found:
        assert shown_text(text)[link.start : link.end] == link.url


URL = "https://example.org/a-page?x=1"


def _room_with_messages(qtbot: QtBot, texts: list[str], width: int = 640) -> RoomView:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(width, 480)
    rooms = Rooms()
    room = rooms.create_room("Room", "ann")
    messages = [text_message(room, text, _local_ms(2026, 11, 30, 12, i)) for i, text in enumerate(texts)]
    view.show_room(room, messages)
    view.show()
    qtbot.waitExposed(view)
    return view


def _point_on_link(view: RoomView, row: int, url: str) -> QPoint:
    rect = view.messageList.visualRect(view.model.index(row))
    for y in range(rect.top(), rect.bottom(), 2):
        for x in range(rect.left(), rect.right(), 3):
            if view.messageList.link_at(QPoint(x, y)) == url:
                return QPoint(x, y)
    raise AssertionError(f"no point of row {row} is on {url}")


def test_clicking_a_link_asks_first_and_shows_the_address(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(message_list, "open_in_browser", lambda url: opened.append(url) or True)
    view = _room_with_messages(qtbot, ["no link here", f"read {URL} please"])
    assert view.messageList.link_at(_point_on_link(view, 1, URL)) == URL
    viewport = view.messageList.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point_on_link(view, 1, URL))
    box = view.findChild(QMessageBox, "linkConfirm")
    assert box is not None and box.isVisible()
    assert box.informativeText() == URL  # the whole target, before anything is opened
    assert opened == []
    box.defaultButton().click()  # Cancel is the default
    assert opened == []
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point_on_link(view, 1, URL))
    (box,) = [b for b in view.findChildren(QMessageBox, "linkConfirm") if b.isVisible()]
    child(box, QPushButton, "openLinkButton").click()
    assert opened == [URL]
    # the keyboard path: select the message, Ctrl+Return
    view.activateWindow()
    qtbot.waitActive(view)
    view.messageList.setCurrentIndex(view.model.index(1))
    view.messageList.setFocus()
    qtbot.waitUntil(view.messageList.hasFocus)
    QTest.keyClick(view.messageList, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    shown = [b for b in view.findChildren(QMessageBox, "linkConfirm") if b.isVisible()]
    assert [b.informativeText() for b in shown] == [URL]


# --- a narrow window -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [160, 220, 300, 420])
def test_author_and_time_never_overlap_in_a_narrow_window(qtbot: QtBot, width: int) -> None:
    view = _room_with_messages(qtbot, ["hi", "a longer message that wraps over several lines when narrow"], width)
    view.messageList.setFixedWidth(width)
    delegate = view.delegate
    for row in range(view.model.rowCount()):
        index = view.model.index(row)
        option = QStyleOptionViewItem()
        view.messageList.initViewItemOption(option)
        option.rect = view.messageList.visualRect(index)
        author, stamp = delegate.header_rects(option, index)
        bubble = delegate.bubble_rect(option, index)
        assert not author.intersects(stamp), (width, row, author, stamp)
        assert bubble.contains(stamp) and bubble.contains(author), (width, row)
        assert stamp.width() > 0


# --- the muted icon on the selected row ------------------------------------------------------------


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("mode", [NotificationMode.MUTED, NotificationMode.MENTIONS_AND_REPLIES])
def test_mode_icon_is_visible_on_the_selected_row(qtbot: QtBot, mode: NotificationMode) -> None:
    view = RoomListView()
    qtbot.addWidget(view)
    model = RoomListModel(view)
    view.setModel(model)
    model.set_rows([RoomRow(bytes([1]) * 32, "Quiet room", mode=mode), RoomRow(bytes([2]) * 32, "Other")])
    view.resize(260, 200)
    view.show()
    qtbot.waitExposed(view)
    index = model.index(0)
    view.setCurrentIndex(index)
    rect = view.visualRect(index)
    image = view.viewport().grab(rect).toImage()
    delegate = RoomDelegate
    icon = QRect(
        rect.width() - 1 - delegate.PADDING - delegate.ICON + 1,
        (rect.height() - delegate.ICON) // 2,
        delegate.ICON,
        delegate.ICON,
    )
    highlight = view.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    background = image.pixelColor(2, rect.height() // 2)  # the selection panel the style drew
    assert _contrast(background, highlight) < 1.3  # (the row is selected)
    best = max(
        _contrast(image.pixelColor(x, y), background)
        for x in range(icon.left(), icon.right() + 1)
        for y in range(icon.top(), icon.bottom() + 1)
    )
    assert best >= 3.0, f"the icon's best contrast on the selection is {best:.2f}"


# --- right-to-left titles, the member panel --------------------------------------------------------


def _painted_columns(widget: QWidget) -> tuple[int, int]:
    """Leftmost and rightmost pixel columns that differ from the widget's background."""
    image = widget.grab().toImage()
    background = image.pixelColor(0, 0)
    columns = [
        x for x in range(image.width()) if any(image.pixelColor(x, y) != background for y in range(image.height()))
    ]
    assert columns, "nothing painted"
    return columns[0], columns[-1]


@pytest.mark.parametrize("name", ["חדר הספרים של ירושלים", "غرفة القراءة المسائية"])
def test_rtl_room_title_is_right_aligned_and_whole(qtbot: QtBot, name: str) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show_room(Rooms().create_room(name, "me"))
    view.show()
    qtbot.waitExposed(view)
    title = view.roomTitle
    assert title.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert title.elided_text() == name  # nothing cut off
    left, right = _painted_columns(title)
    assert right >= title.width() - 6  # drawn from the right edge, as right-to-left text reads
    assert right - left + 1 >= title.fontMetrics().horizontalAdvance(name) - 4  # the whole width of it
    assert left > 0


def test_member_panel_can_be_hidden_and_shown(qtbot: QtBot) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show_room(Rooms().create_room("Room", "me"))
    view.show()
    qtbot.waitExposed(view)
    toggle = child(view, QToolButton, "membersToggle")
    assert toggle.isVisible() and toggle.isChecked() and view.memberList.isVisible()
    width_with_members = view.messageStack.width()
    with qtbot.waitSignal(view.members_visible_changed) as hidden:
        QTest.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert hidden.args == [False]
    assert view.memberList.isHidden() and not toggle.isChecked()
    qtbot.waitUntil(lambda: view.messageStack.width() > width_with_members)  # the messages take the room
    QTest.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert view.memberList.isVisible() and view.members_visible()
