"""What the windows say about the network: the status bar's line and each room's, as pure decisions.

The Qt side (ui/net_status.py) only shows these values; every wording and every choice between "Local only",
"Connecting", "Connected", "Synced" and "Failed" (with the reason) is made here, table-tested in
tests/net/test_status_view.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from river_desktop.net.sync_status import Phase, SyncStatus

TURN_ON_HINT = "turn on “Sync over a Freenet node” in Preferences"


class Waiting(enum.Enum):
    """What a room joined by invitation (no room data yet) is waiting for."""

    NETWORK = "the network"
    """Network sync is off, or the node is reached but has not got this room yet."""
    CONNECTION = "a connection"
    """Network sync is on but the app has not reached the node."""


@dataclass(frozen=True)
class StatusLine:
    """``text`` is shown; ``accessible`` is the accessible name; ``detail`` the tooltip and description."""

    phase: Phase
    text: str
    accessible: str
    detail: str


@dataclass(frozen=True)
class RoomLine:
    """A room's notice under its title (``None`` from :func:`room_line`: nothing to show) and, for a room with
    no data yet, the text its empty message list shows."""

    line: StatusLine
    waiting: Waiting | None = None
    empty_text: str = ""


def shown_phase(enabled: bool, status: SyncStatus | None) -> SyncStatus:
    """The phase a window shows: Local only when sync is off; an engine that has not run yet is Connecting."""
    if not enabled:
        return SyncStatus(Phase.LOCAL_ONLY)
    if status is None or status.phase is Phase.LOCAL_ONLY:
        return SyncStatus(Phase.CONNECTING, status.reason if status is not None else "")
    return status


def overall_line(enabled: bool, status: SyncStatus | None, address: str) -> StatusLine:
    """The status bar of every window."""
    shown = shown_phase(enabled, status)
    phase, reason = shown.phase, shown.reason
    if phase is Phase.LOCAL_ONLY:
        detail = ("Network sync is off, so this app is not connected to any network: your rooms are kept on this "
                  f"computer and nothing you write is sent anywhere. To reach other members, {TURN_ON_HINT}.")
    elif phase is Phase.CONNECTING:
        detail = f"Connecting to the Freenet node at {address}."
        if reason:
            detail += f" The last attempt ended: {reason}."
    elif phase is Phase.CONNECTED:
        detail = f"Connected to the Freenet node at {address}; rooms are being brought in step."
        if reason:
            detail += f" {_sentence(reason)}"
    elif phase is Phase.SYNCED:
        detail = f"Every room is in step with the Freenet node at {address}."
    else:
        detail = f"Syncing with the Freenet node at {address} failed: {reason or 'no reason given'}."
    text = f"{phase.value}: {reason}" if phase is Phase.FAILED and reason else phase.value
    return StatusLine(phase, text, f"Network: {text}", detail)


def waiting_for(enabled: bool, overall: SyncStatus | None) -> Waiting:
    """A room with no data yet waits for a connection while sync is on and the node is not reached."""
    shown = shown_phase(enabled, overall)
    if shown.phase in (Phase.CONNECTING, Phase.FAILED):
        return Waiting.CONNECTION
    return Waiting.NETWORK


def room_line(enabled: bool, overall: SyncStatus | None, room: SyncStatus | None, waiting: bool) -> RoomLine | None:
    """The line under a room's title. ``room`` is the engine's status for it, ``waiting`` whether it was joined
    by invitation and has no data yet. A room with data says nothing while sync is off (the status bar does)."""
    if waiting:
        return _waiting_line(enabled, overall, room)
    if not enabled:
        return None
    shown = shown_phase(enabled, overall)
    if shown.phase in (Phase.CONNECTING, Phase.FAILED):
        status = shown  # the connection's state is the room's
    else:
        status = room if room is not None and room.phase is not Phase.LOCAL_ONLY else SyncStatus(Phase.CONNECTING)
    phase, reason = status.phase, status.reason
    text = f"{phase.value}: {reason}" if reason else phase.value
    details = {
        Phase.CONNECTING: "This room is not in step with the network yet.",
        Phase.CONNECTED: "Connected: this room's changes are being exchanged with the node.",
        Phase.SYNCED: "This room is in step with the network: the node holds everything written here.",
        Phase.FAILED: "This room could not be brought in step; what you write is kept and sent later.",
    }
    return RoomLine(StatusLine(phase, text, f"Room network status: {text}", details.get(phase, "")))


def _waiting_line(enabled: bool, overall: SyncStatus | None, room: SyncStatus | None) -> RoomLine:
    why = waiting_for(enabled, overall)
    shown = shown_phase(enabled, overall)
    if not enabled:
        phase = Phase.LOCAL_ONLY
        text = f"Waiting for the network: network sync is off; {TURN_ON_HINT} to fetch this room"
        empty = ("Waiting for room data. Local only.\n\nYou joined this room with an invitation, and network "
                 f"sync is off, so its name, members and messages cannot be fetched: {TURN_ON_HINT}. "
                 "Your join is kept and goes out once the app reaches the network.")
    elif why is Waiting.CONNECTION:
        phase = shown.phase
        reason = shown.reason or "connecting to the Freenet node"
        text = f"Waiting for a connection: {reason}"
        empty = ("Waiting for room data.\n\nYou joined this room with an invitation; its data comes from the "
                 f"Freenet node, which the app has not reached yet ({reason}). It keeps trying.")
    else:
        phase = room.phase if room is not None and room.phase is not Phase.LOCAL_ONLY else Phase.CONNECTED
        reason = room.reason if room is not None and room.reason else "the node has not got this room yet"
        text = f"Waiting for the network: {reason}"
        empty = ("Waiting for room data.\n\nYou joined this room with an invitation. The app is connected to "
                 f"the Freenet node, but the room has not arrived from the network yet ({reason}); it appears "
                 "here once the inviter's app has published it.")
    line = StatusLine(phase, text, f"Room network status: {text}", empty.replace("\n\n", " "))
    return RoomLine(line, why, empty)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


__all__ = ["RoomLine", "StatusLine", "Waiting", "overall_line", "room_line", "shown_phase", "waiting_for"]
