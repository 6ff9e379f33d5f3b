"""Edit > Preferences: the profile's look and habits, kept in ``desktop.ini`` and applied live to every window.

:class:`PreferencesModel` (one per :class:`~river_desktop.ui.app.RiverDesktop`) is the only writer: the dialog
and the member-panel toggle hand it a new :class:`Preferences`, it stores the value and emits ``changed``, and
every open window applies it (:func:`apply_to_window`). The theme and the font are set on each window (not on
the ``QApplication``), so two profiles' windows — or two tests — never restyle each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from river_desktop.domain import limits
from river_desktop.net.client import DEFAULT_NODE_URL, node_url
from river_desktop.net.errors import NetError
from river_desktop.ui.inputs import add_counted_row, counter_for, show_problems
from river_desktop.ui.settings import DesktopSettings, read_flag

SYSTEM_FONT_SIZE = 0
"""``font_size`` when the window uses the system's font size."""
MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 32


class Theme(Enum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


THEME_LABELS: tuple[tuple[Theme, str], ...] = (
    (Theme.SYSTEM, "Follow the system"),
    (Theme.LIGHT, "Light"),
    (Theme.DARK, "Dark"),
)


@dataclass(frozen=True)
class Preferences:
    theme: Theme = Theme.SYSTEM
    font_size: int = SYSTEM_FONT_SIZE
    default_nickname: str = ""
    """Prefilled in Create Room and Join (blank: nothing is prefilled)."""
    notifications: bool = True
    """Desktop notifications at all; each room's own mode still applies when on."""
    members_visible: bool = True
    close_to_tray: bool = True
    network_sync: bool = False
    """Sync rooms over a Freenet node (off until the user turns it on)."""
    node_address: str = DEFAULT_NODE_URL
    """As typed; :func:`~river_desktop.net.client.node_url` adds the command path to a bare ``ws://host:port``."""
    room_contract: str = ""
    """River's ``room_contract.wasm``, to publish rooms the node has never seen (blank: borrow it from the node)."""


def parse_font_size(value: object) -> int:
    """A stored size as a point size in range, or :data:`SYSTEM_FONT_SIZE` for anything else."""
    try:
        size = int(str(value))
    except ValueError:
        return SYSTEM_FONT_SIZE
    return size if MIN_FONT_SIZE <= size <= MAX_FONT_SIZE else SYSTEM_FONT_SIZE


def parse_theme(value: object) -> Theme:
    try:
        return Theme(str(value).strip().lower())
    except ValueError:
        return Theme.SYSTEM


def parse_nickname(value: object) -> str:
    """A stored default nickname, dropped when it is not one River would take."""
    text = value.strip() if isinstance(value, str) else ""
    return text if not limits.measure_nickname(text).over else ""


def node_address_problem(text: str) -> str:
    """Why ``text`` is not a node address the CLI's ``--node`` would take ("" when it is one)."""
    try:
        node_url(text.strip())
    except NetError as exc:
        return str(exc)
    return ""


def parse_node_address(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text if text and not node_address_problem(text) else DEFAULT_NODE_URL


def load_preferences(settings: DesktopSettings) -> Preferences:
    return Preferences(
        theme=parse_theme(settings.preference("theme", Theme.SYSTEM.value)),
        font_size=parse_font_size(settings.preference("font_size", SYSTEM_FONT_SIZE)),
        default_nickname=parse_nickname(settings.preference("default_nickname", "")),
        notifications=read_flag(settings.preference("notifications", True), True),
        members_visible=settings.members_visible(),
        close_to_tray=settings.close_to_tray(default=True),
        network_sync=read_flag(settings.preference("network_sync", False), False),
        node_address=parse_node_address(settings.preference("node_address", DEFAULT_NODE_URL)),
        room_contract=str(settings.preference("room_contract", "") or "").strip(),
    )


def store_preferences(settings: DesktopSettings, prefs: Preferences) -> None:
    # the member panel and the tray keep the keys they had before this dialog existed
    settings.set_members_visible(prefs.members_visible)
    if settings.close_to_tray(default=True) != prefs.close_to_tray:
        settings.set_close_to_tray(prefs.close_to_tray)
    settings.set_preferences(
        {
            "theme": prefs.theme.value,
            "font_size": prefs.font_size,
            "default_nickname": prefs.default_nickname,
            "notifications": prefs.notifications,
            "network_sync": prefs.network_sync,
            "node_address": prefs.node_address,
            "room_contract": prefs.room_contract,
        }
    )


class PreferencesModel(QObject):
    """The profile's current :class:`Preferences`; ``changed`` carries each new value once stored."""

    changed = Signal(object)

    def __init__(self, settings: DesktopSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._value = load_preferences(settings)

    @property
    def value(self) -> Preferences:
        return self._value

    def set(self, prefs: Preferences) -> None:
        if prefs == self._value:
            return
        self._value = prefs
        store_preferences(self._settings, prefs)
        self.changed.emit(prefs)

    def set_members_visible(self, visible: bool) -> None:
        self.set(replace(self._value, members_visible=visible))


SheetFor = Callable[[Qt.ColorScheme], str]
"""The style sheet of a colour scheme (the app's ``stylesheet_for``)."""


def stylesheet(theme: Theme, sheet_for: SheetFor) -> str:
    """The window's own style sheet: none for the system theme (the application's follows the system)."""
    if theme is Theme.SYSTEM:
        return ""
    return sheet_for(Qt.ColorScheme.Dark if theme is Theme.DARK else Qt.ColorScheme.Light)


def font_rules(size: int) -> str:
    """The size as style-sheet rules too: a widget a style sheet styles takes its font from the sheet, not from
    its parent, so ``setFont`` alone would leave the themed room list and composer at the old size."""
    if size == SYSTEM_FONT_SIZE:
        return ""
    title = round(size * 1.2)  # the room title stays larger than the text, as RoomView sets it
    return f"\nQWidget {{ font-size: {size}pt; }}\nQLabel#roomTitle {{ font-size: {title}pt; }}\n"


def window_font(prefs: Preferences) -> QFont:
    font = QFont(QApplication.font())
    if prefs.font_size != SYSTEM_FONT_SIZE:
        font.setPointSize(prefs.font_size)
    return font


DARK_COLORS: tuple[tuple[QPalette.ColorRole, str], ...] = (
    (QPalette.ColorRole.Window, "#2b2d31"),
    (QPalette.ColorRole.WindowText, "#e3e5e8"),
    (QPalette.ColorRole.Base, "#1e1f22"),
    (QPalette.ColorRole.AlternateBase, "#26282c"),
    (QPalette.ColorRole.Text, "#e3e5e8"),
    (QPalette.ColorRole.Button, "#34373c"),
    (QPalette.ColorRole.ButtonText, "#e3e5e8"),
    (QPalette.ColorRole.ToolTipBase, "#1e1f22"),
    (QPalette.ColorRole.ToolTipText, "#e3e5e8"),
    (QPalette.ColorRole.PlaceholderText, "#8e9297"),
    (QPalette.ColorRole.Highlight, "#2f7fd6"),
    (QPalette.ColorRole.HighlightedText, "#ffffff"),
    (QPalette.ColorRole.Link, "#6cb0ff"),
)
"""The palette ``dark.qss`` is written for (its header): a dark theme chosen on a light system needs it."""


def theme_palette(theme: Theme) -> QPalette:
    """The window's palette: the style's light one, the dark one, or none of its own (follow the system)."""
    if theme is Theme.SYSTEM:
        return QPalette()  # nothing resolved: the window inherits the application's palette again
    standard = QApplication.style().standardPalette()
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role in QPalette.ColorRole:
            if role is not QPalette.ColorRole.NColorRoles:
                # set one by one, so every role counts as the window's own and none is inherited back
                palette.setColor(group, role, standard.color(group, role))
    if theme is Theme.DARK:
        for role, color in DARK_COLORS:
            palette.setColor(role, QColor(color))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6d7178"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6d7178"))
    return palette


def apply_to_window(window: QWidget, prefs: Preferences, sheet_for: SheetFor) -> None:
    """Theme and font for ``window`` and the dialogs it opens (they inherit both)."""
    window.setAttribute(Qt.WidgetAttribute.WA_WindowPropagation)
    window.setProperty("riverTheme", prefs.theme.value)
    sheet = stylesheet(prefs.theme, sheet_for) + font_rules(prefs.font_size)
    if window.styleSheet() != sheet:
        window.setStyleSheet(sheet)
    # after the sheet: a new sheet puts back the palette the window had when the old one was applied
    window.setPalette(theme_palette(prefs.theme))
    window.setFont(window_font(prefs))


class PreferencesDialog(QDialog):
    """Edit > Preferences. OK and Apply hand the values to the model (every window follows at once)."""

    def __init__(self, model: PreferencesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreferencesDialog")
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(420)
        self._model = model
        prefs = model.value

        self.themeCombo = QComboBox(self)
        self.themeCombo.setObjectName("themeCombo")
        self.themeCombo.setAccessibleName("Theme")
        for theme, text in THEME_LABELS:
            self.themeCombo.addItem(text, theme.value)
        self.themeCombo.setCurrentIndex(self.themeCombo.findData(prefs.theme.value))

        self.fontSizeSpin = QSpinBox(self)
        self.fontSizeSpin.setObjectName("fontSizeSpin")
        self.fontSizeSpin.setAccessibleName("Font size")
        self.fontSizeSpin.setRange(MIN_FONT_SIZE - 1, MAX_FONT_SIZE)
        self.fontSizeSpin.setSpecialValueText("System default")
        self.fontSizeSpin.setSuffix(" pt")
        self.fontSizeSpin.setValue(prefs.font_size if prefs.font_size else MIN_FONT_SIZE - 1)

        self.nicknameEdit = QLineEdit(prefs.default_nickname, self)
        self.nicknameEdit.setObjectName("defaultNicknameEdit")
        self.nicknameEdit.setPlaceholderText("Prefilled when you create or join a room")
        self.nicknameCounter = counter_for(
            self, "defaultNicknameCounter", limits.measure_nickname, "the nickname", self.nicknameEdit
        )
        self.notificationsCheck = QCheckBox("Show desktop &notifications", self)
        self.notificationsCheck.setObjectName("notificationsCheck")
        self.notificationsCheck.setChecked(prefs.notifications)
        self.membersCheck = QCheckBox("Show the &member panel", self)
        self.membersCheck.setObjectName("membersCheck")
        self.membersCheck.setChecked(prefs.members_visible)
        self.trayCheck = QCheckBox("&Closing the last window keeps River Desktop in the tray", self)
        self.trayCheck.setObjectName("closeToTrayCheck")
        self.trayCheck.setChecked(prefs.close_to_tray)
        self.networkCheck = QCheckBox("S&ync over a Freenet node", self)
        self.networkCheck.setObjectName("networkSyncCheck")
        self.networkCheck.setToolTip(
            "Off: rooms stay on this computer. On: they are kept in step through the Freenet node at this address."
        )
        self.networkCheck.setChecked(prefs.network_sync)
        self.nodeEdit = QLineEdit(prefs.node_address, self)
        self.nodeEdit.setObjectName("nodeAddressEdit")
        self.nodeEdit.setAccessibleName("Freenet node address")
        self.nodeEdit.setPlaceholderText(DEFAULT_NODE_URL)
        self.contractEdit = QLineEdit(prefs.room_contract, self)
        self.contractEdit.setObjectName("roomContractEdit")
        self.contractEdit.setAccessibleName("River room contract file")
        self.contractEdit.setPlaceholderText("room_contract.wasm (blank: borrow it from the node)")
        self.contractEdit.setToolTip(
            "Publishing a room the node has never seen needs River's room contract code. Name River's "
            "room_contract.wasm here, or leave this blank to borrow it from a room the node already has."
        )
        self.nodeError = QLabel(self)
        self.nodeError.setObjectName("nodeAddressError")
        self.nodeError.setTextFormat(Qt.TextFormat.PlainText)
        self.nodeError.setWordWrap(True)
        self.nodeError.hide()

        form = QFormLayout()
        theme_label = QLabel("&Theme:", self)
        theme_label.setBuddy(self.themeCombo)
        form.addRow(theme_label, self.themeCombo)
        size_label = QLabel("&Font size:", self)
        size_label.setBuddy(self.fontSizeSpin)
        form.addRow(size_label, self.fontSizeSpin)
        add_counted_row(form, "Default nic&kname:", self.nicknameEdit, self.nicknameCounter)
        for check in (self.notificationsCheck, self.membersCheck, self.trayCheck, self.networkCheck):
            form.addRow(check)
        node_label = QLabel("&Node address:", self)
        node_label.setBuddy(self.nodeEdit)
        form.addRow(node_label, self.nodeEdit)
        contract_label = QLabel("Room &contract:", self)
        contract_label.setBuddy(self.contractEdit)
        form.addRow(contract_label, self.contractEdit)
        form.addRow(self.nodeError)
        self.limitError = QLabel(self)
        self.limitError.setObjectName("limitError")

        self.buttonBox = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply,
            self,
        )
        self.buttonBox.setObjectName("buttonBox")
        self.buttonBox.accepted.connect(self._accept)
        self.buttonBox.rejected.connect(self.reject)
        apply_button = self.buttonBox.button(QDialogButtonBox.StandardButton.Apply)
        apply_button.clicked.connect(self.apply)
        self.nicknameEdit.textChanged.connect(self._validate)
        self.nodeEdit.textChanged.connect(self._validate)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.limitError)
        layout.addWidget(self.buttonBox)
        self._validate()

    def preferences(self) -> Preferences:
        size = self.fontSizeSpin.value()
        return Preferences(
            theme=parse_theme(self.themeCombo.currentData()),
            font_size=size if size >= MIN_FONT_SIZE else SYSTEM_FONT_SIZE,
            default_nickname=self.nicknameEdit.text().strip(),
            notifications=self.notificationsCheck.isChecked(),
            members_visible=self.membersCheck.isChecked(),
            close_to_tray=self.trayCheck.isChecked(),
            network_sync=self.networkCheck.isChecked(),
            node_address=self.nodeEdit.text().strip() or DEFAULT_NODE_URL,
            room_contract=self.contractEdit.text().strip(),
        )

    def _node_problem(self) -> str:
        text = self.nodeEdit.text().strip()
        return node_address_problem(text) if text else ""

    def _validate(self) -> None:
        ok = not show_problems(self.limitError, self.nicknameCounter)
        problem = self._node_problem()
        self.nodeError.setText(problem)
        self.nodeError.setAccessibleName(problem)
        self.nodeError.setVisible(bool(problem))
        ok = ok and not problem
        for button in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Apply):
            self.buttonBox.button(button).setEnabled(ok)

    def apply(self) -> None:
        if not self.nicknameCounter.is_over() and not self._node_problem():
            self._model.set(self.preferences())

    def _accept(self) -> None:
        if self.nicknameCounter.is_over() or self._node_problem():
            return
        self.apply()
        self.accept()


__all__ = [
    "Preferences",
    "PreferencesDialog",
    "PreferencesModel",
    "Theme",
    "apply_to_window",
    "load_preferences",
    "node_address_problem",
    "parse_font_size",
    "parse_nickname",
    "parse_node_address",
    "parse_theme",
]
