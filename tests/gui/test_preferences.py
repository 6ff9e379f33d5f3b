"""Edit > Preferences: stored in the profile's desktop.ini, applied live to every open window, kept by a restart."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QMenu, QSpinBox
from pytestqt.qtbot import QtBot

from river_desktop.ui.app import stylesheet_for
from river_desktop.ui.desktop import RiverDesktop
from river_desktop.ui.dialogs import AcceptInvitationDialog, CreateRoomDialog
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.preferences import (
    SYSTEM_FONT_SIZE,
    Preferences,
    PreferencesDialog,
    Theme,
    parse_font_size,
    parse_nickname,
    parse_theme,
)
from river_desktop.ui.settings import SETTINGS_FILENAME, DesktopSettings
from tests.gui.conftest import DesktopFactory, child, open_window, run


def open_preferences(qtbot: QtBot, window: MainWindow) -> PreferencesDialog:
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keySequence(window, QKeySequence("Ctrl+,"))
    qtbot.waitUntil(lambda: isinstance(window.dialog("PreferencesDialog"), PreferencesDialog))
    dialog = window.dialog("PreferencesDialog")
    assert isinstance(dialog, PreferencesDialog)
    return dialog


def choose(dialog: PreferencesDialog, theme: Theme, size: int) -> None:
    combo = child(dialog, QComboBox, "themeCombo")
    combo.setCurrentIndex(combo.findData(theme.value))
    child(dialog, QSpinBox, "fontSizeSpin").setValue(size)


def test_theme_and_font_size_change_every_open_window_and_survive_a_restart(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    first, second = open_window(qtbot, desktop), open_window(qtbot, desktop)
    dark = stylesheet_for(Qt.ColorScheme.Dark)
    assert dark and first.styleSheet() == "" and second.styleSheet() == ""
    system_size = QApplication.font().pointSize()
    size = system_size + 5

    dialog = open_preferences(qtbot, first)
    choose(dialog, Theme.DARK, size)
    QTest.keyClick(child(dialog, QSpinBox, "fontSizeSpin"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: first.dialog("PreferencesDialog") is None)

    for window in (first, second):
        assert window.styleSheet().startswith(dark)
        assert window.property("riverTheme") == "dark"
        assert window.palette().color(QPalette.ColorRole.Window).lightness() < 80, "dark on a light system too"
        assert window.roomView.composer.palette().color(QPalette.ColorRole.Text).lightness() > 180
        assert window.font().pointSize() == size
        assert window.roomList.font().pointSize() == size, "the window's widgets inherit the size"
        assert window.roomView.composer.font().pointSize() == size
    assert QApplication.font().pointSize() == system_size, "nothing is set on the application itself"
    opened_later = open_preferences(qtbot, second)
    assert opened_later.font().pointSize() == size, "a dialog of the window follows it"
    assert opened_later.preferences().theme is Theme.DARK
    opened_later.reject()

    ini = tmp_path / "profile" / SETTINGS_FILENAME
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    stored = DesktopSettings(tmp_path / "profile")
    assert stored.preference("theme", "") == "dark" and int(str(stored.preference("font_size", 0))) == size

    run(qtbot, desktop.shutdown())
    again = make_desktop(tmp_path / "profile")
    window = open_window(qtbot, again)
    assert window.styleSheet().startswith(dark) and window.font().pointSize() == size

    dialog = open_preferences(qtbot, window)
    choose(dialog, Theme.LIGHT, SYSTEM_FONT_SIZE)  # the lowest value reads "System default"
    assert child(dialog, QSpinBox, "fontSizeSpin").text() == "System default"
    dialog.buttonBox.button(dialog.buttonBox.StandardButton.Apply).click()
    assert window.styleSheet() == stylesheet_for(Qt.ColorScheme.Light) != dark
    assert window.palette().color(QPalette.ColorRole.Window).lightness() > 150
    assert window.font().pointSize() == system_size
    dialog.reject()


def test_cancel_changes_nothing(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    dialog = open_preferences(qtbot, window)
    choose(dialog, Theme.DARK, 20)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog("PreferencesDialog") is None)
    assert desktop.preferences.value == Preferences()
    assert window.styleSheet() == ""


def test_edit_menu_offers_preferences(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    window = open_window(qtbot, make_desktop())
    edit = window.findChild(QMenu, "menuEdit")
    assert edit is not None and window.actionPreferences in edit.actions()
    assert window.actionPreferences.text() == "&Preferences…"
    assert [k.toString() for k in window.actionPreferences.shortcuts()] == ["Ctrl+,"]


def test_default_nickname_fills_create_room_and_join(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    dialog = open_preferences(qtbot, window)
    nickname = child(dialog, QLineEdit, "defaultNicknameEdit")
    nickname.setFocus()
    QTest.keyClicks(nickname, "  Ada  ")
    QTest.keyClick(nickname, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog("PreferencesDialog") is None)
    assert desktop.preferences.value.default_nickname == "Ada"

    window.actionCreateRoom.trigger()
    create = window.dialog("CreateRoomDialog")
    assert isinstance(create, CreateRoomDialog) and create.nickname() == "Ada"
    create.reject()
    window.actionJoinWithCode.trigger()
    join = window.dialog("AcceptInvitationDialog")
    assert isinstance(join, AcceptInvitationDialog) and join.nickname() == "Ada"
    join.reject()


def test_a_nickname_river_would_refuse_cannot_be_saved(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    dialog = open_preferences(qtbot, window)
    child(dialog, QLineEdit, "defaultNicknameEdit").setText("é" * 26)  # 52 bytes > River's 50
    ok = dialog.buttonBox.button(dialog.buttonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.apply()
    assert desktop.preferences.value.default_nickname == ""
    child(dialog, QLineEdit, "defaultNicknameEdit").setText("é" * 25)
    assert ok.isEnabled()
    dialog.reject()


def test_member_panel_follows_in_every_window(qtbot: QtBot, make_desktop: DesktopFactory) -> None:
    desktop = make_desktop()
    first, second = open_window(qtbot, desktop), open_window(qtbot, desktop)
    dialog = open_preferences(qtbot, first)
    child(dialog, QCheckBox, "membersCheck").setChecked(False)
    dialog.apply()
    dialog.reject()
    assert not first.roomView.members_visible() and not second.roomView.members_visible()
    second.roomView.set_members_visible(True)  # the panel's own toggle is the same preference
    assert first.roomView.members_visible()
    assert desktop.preferences.value.members_visible and desktop.settings.members_visible()


def test_close_to_tray_and_notifications_are_kept_where_the_tray_reads_them(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    tray = desktop.tray
    assert tray is not None
    room = b"\x01" * 32
    dialog = open_preferences(qtbot, window)
    child(dialog, QCheckBox, "closeToTrayCheck").setChecked(False)
    child(dialog, QCheckBox, "notificationsCheck").setChecked(False)
    dialog.apply()
    dialog.reject()
    assert desktop.settings.close_to_tray(default=True) is False

    raised: list[tuple[str, str]] = []
    tray.notified.connect(lambda title, body: raised.append((title, body)))
    tray.update_counts({room: 0}, {room: "Lobby"})
    tray.update_counts({room: 2}, {room: "Lobby"})
    assert raised == [] and tray.total == 2, "the badge counts, nothing pops up"
    desktop.preferences.set(Preferences(notifications=True, close_to_tray=False))
    tray.update_counts({room: 3}, {room: "Lobby"})
    assert raised == [("Lobby", "1 new message in Lobby")]


@pytest.mark.parametrize(
    ("raw", "theme"),
    [
        ("dark", Theme.DARK),
        ("LIGHT", Theme.LIGHT),
        ("system", Theme.SYSTEM),
        ("purple", Theme.SYSTEM),
        (3, Theme.SYSTEM),
    ],
)
def test_a_stored_theme_is_read_or_falls_back_to_the_system(raw: object, theme: Theme) -> None:
    assert parse_theme(raw) is theme


@pytest.mark.parametrize(
    ("raw", "size"), [("12", 12), (7, 7), ("32", 32), ("6", 0), ("33", 0), ("big", 0), ("", 0), (None, 0)]
)
def test_a_stored_font_size_outside_the_range_means_the_system_size(raw: object, size: int) -> None:
    assert parse_font_size(raw) == size


@pytest.mark.parametrize(
    ("raw", "nickname"), [(" Ada ", "Ada"), ("x" * 50, "x" * 50), ("x" * 51, ""), (5, ""), ("", "")]
)
def test_a_stored_default_nickname_must_be_one_river_takes(raw: object, nickname: str) -> None:
    assert parse_nickname(raw) == nickname


def test_hand_edited_nonsense_in_desktop_ini_opens_with_the_defaults(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    profile.mkdir(mode=0o700)
    (profile / SETTINGS_FILENAME).write_text(
        "[preferences]\ntheme=sepia\nfont_size=-4\nnotifications=maybe\ndefault_nickname=\n", encoding="utf-8"
    )
    desktop: RiverDesktop = make_desktop(profile)
    assert desktop.preferences.value == Preferences()


def test_back_to_the_system_theme_drops_the_windows_own_palette_and_sheet(
    qtbot: QtBot, make_desktop: DesktopFactory
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    system_window = QApplication.palette().color(QPalette.ColorRole.Window)
    desktop.preferences.set(Preferences(theme=Theme.DARK, font_size=18))
    assert window.palette().color(QPalette.ColorRole.Window) != system_window
    desktop.preferences.set(Preferences(theme=Theme.SYSTEM))
    assert window.styleSheet() == ""
    assert window.palette().color(QPalette.ColorRole.Window) == system_window
    assert not window.testAttribute(Qt.WidgetAttribute.WA_SetPalette)
    assert window.font().pointSize() == QApplication.font().pointSize()
