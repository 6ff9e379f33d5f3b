"""Per-profile desktop settings: the open windows, their geometry and current rooms, and composer drafts.

They live in an INI file inside the profile directory (``desktop.ini``), so every profile restores its own
windows and nothing is written to the user's global Qt settings (tests never touch the real home).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from river_desktop.storage.slots import b58, parse_b58_room

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "desktop.ini"
MAX_RESTORED_WINDOWS = 16
DRAFTS_GROUP = "drafts"
PREFERENCES_GROUP = "preferences"


@dataclass(frozen=True)
class WindowState:
    """What is restored for one window: ``QWidget.saveGeometry()`` bytes and the room it showed."""

    geometry: bytes = b""
    current_room: bytes | None = None

    def __repr__(self) -> str:
        room = None if self.current_room is None else b58(self.current_room)[:8]
        return f"WindowState(geometry={len(self.geometry)} bytes, room={room})"


class DesktopSettings:
    """Read and write :class:`WindowState` lists in ``<profile>/desktop.ini``."""

    def __init__(self, profile_dir: Path) -> None:
        self.path = Path(profile_dir) / SETTINGS_FILENAME
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def window_states(self) -> list[WindowState]:
        states: list[WindowState] = []
        count = self._qs.beginReadArray("windows")
        try:
            for i in range(min(count, MAX_RESTORED_WINDOWS)):
                self._qs.setArrayIndex(i)
                states.append(
                    WindowState(_decode_b64(self._qs.value("geometry", "")), _decode_room(self._qs.value("room", "")))
                )
        finally:
            self._qs.endArray()
        return states

    def _profile_gone(self) -> bool:
        """A profile folder deleted while the app ran is never recreated (issue 10): writing would make one."""
        if self.path.parent.is_dir():
            return False
        log.warning("the profile folder %s is gone; the window settings were not saved", self.path.parent)
        return True

    def set_window_states(self, states: list[WindowState]) -> None:
        if self._profile_gone():
            return
        self._qs.remove("windows")
        self._qs.beginWriteArray("windows", len(states))
        try:
            for i, state in enumerate(states):
                self._qs.setArrayIndex(i)
                self._qs.setValue("geometry", base64.b64encode(state.geometry).decode("ascii"))
                self._qs.setValue("room", "" if state.current_room is None else b58(state.current_room))
        finally:
            self._qs.endArray()
        self.sync()

    # ---- the tray

    def close_to_tray(self, default: bool) -> bool:
        """Closing the last window hides it in the tray instead of quitting (``[tray] close_to_tray``)."""
        return _flag(self._qs.value("tray/close_to_tray", default), default)

    def set_close_to_tray(self, on: bool) -> None:
        self._qs.setValue("tray/close_to_tray", on)
        self.sync()

    def close_hint_shown(self) -> bool:
        return _flag(self._qs.value("tray/close_hint_shown", False), False)

    def set_close_hint_shown(self) -> None:
        self._qs.setValue("tray/close_hint_shown", True)
        self.sync()

    # ---- the room view

    def members_visible(self) -> bool:
        """Whether rooms show the member panel (``[view] members_visible``); shown until the user hides it."""
        return _flag(self._qs.value("view/members_visible", True), True)

    def set_members_visible(self, visible: bool) -> None:
        if self.members_visible() == visible:
            return
        self._qs.setValue("view/members_visible", visible)
        self.sync()

    # ---- preferences (``[preferences]``): raw values; ``ui.preferences`` parses and validates them

    def preference(self, name: str, default: object) -> object:
        return self._qs.value(f"{PREFERENCES_GROUP}/{name}", default)

    def set_preferences(self, values: dict[str, object]) -> None:
        if self._profile_gone():
            return
        for name, value in values.items():
            self._qs.setValue(f"{PREFERENCES_GROUP}/{name}", value)
        self.sync()

    # ---- drafts: one value per room, keyed by the room's base58 key (never logged: it is what the user wrote)

    def draft(self, room: bytes) -> str:
        value = self._qs.value(f"{DRAFTS_GROUP}/{b58(room)}", "")
        return value if isinstance(value, str) else ""

    def set_draft(self, room: bytes, text: str) -> None:
        """Remember ``text`` as the room's draft (in memory; :meth:`sync` writes it); a blank one is removed."""
        key = f"{DRAFTS_GROUP}/{b58(room)}"
        if text.strip():
            self._qs.setValue(key, text)
        else:
            self._qs.remove(key)

    def draft_rooms(self) -> set[bytes]:
        self._qs.beginGroup(DRAFTS_GROUP)
        try:
            names = self._qs.childKeys()
        finally:
            self._qs.endGroup()
        return {room for name in names if (room := _decode_room(name)) is not None}

    def forget_drafts(self, rooms: Iterable[bytes]) -> None:
        for room in rooms:
            self._qs.remove(f"{DRAFTS_GROUP}/{b58(room)}")

    def sync(self) -> None:
        if self._profile_gone():
            return
        self._qs.sync()
        if self._qs.status() != QSettings.Status.NoError:
            log.warning("could not write the window settings to %s (%s)", self.path, self._qs.status().name)
            return
        # Which rooms were open is private like the rest of the profile: 0600, as the database is.
        # QSettings replaces the file on every write, with the umask's mode, so this runs each time.
        with contextlib.suppress(FileNotFoundError):
            self.path.chmod(0o600)


def _flag(value: object, default: bool) -> bool:
    """An INI boolean as QSettings reads it back (the string "true"/"false"), anything else -> ``default``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off"):
        return False
    return default


read_flag = _flag


def _decode_b64(value: object) -> bytes:
    if not isinstance(value, str) or not value:
        return b""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return b""


def _decode_room(value: object) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    return parse_b58_room(value)


__all__ = ["SETTINGS_FILENAME", "DesktopSettings", "WindowState", "read_flag"]
