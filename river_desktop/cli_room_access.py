"""How the interchange and conversation commands read and change rooms of a loaded :class:`Rooms`.

The only place those commands touch ``RoomData`` and ``Rooms`` directly: the room looked up and checked
(known, not waiting), the identity token built and taken over, and riverctl's ``StoredRoomInfo`` made from a
room and back (the riverctl part is :mod:`river_desktop.domain.riverctl_rooms`, which the app shares, worded
here as CLI errors). Every change goes through the room list's own operations (``Rooms.import_identity``,
``Rooms.receive_state``), so it follows the same rules as the app's.
"""

from __future__ import annotations

from dataclasses import dataclass

from river_desktop import cli_workspace as cli
from river_desktop.cli_base import PROG, CliError, SaveFailed
from river_desktop.domain import riverctl_rooms
from river_desktop.domain.river.identity_token import IdentityToken
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.riverctl_json import StoredRoom
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.riverctl_rooms import CheckedRoom, ImportedRoom
from river_desktop.domain.room_data import RoomData
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import b58


def describe(rooms: Rooms, vk: bytes) -> str:
    room = rooms.rooms.get(vk)
    return b58(vk) if room is None else cli.describe(room)


def known_room(rooms: Rooms, vk: bytes) -> RoomData:
    """The room, refused while its state has not arrived (nothing of it can be shown or changed yet)."""
    room = rooms.get(vk)
    if room.waiting:
        raise CliError(f"room {b58(vk)} is waiting for its data (joined or imported, not fetched yet)")
    return room


async def save_posted(ws: cli.Workspace, vk: bytes, msg: AuthorizedMessage, notes: list[str]) -> None:
    """Save a room after posting ``msg``; as ``messages send``: a save that fails did not post it."""
    try:
        await ws.save(vk, messages=[msg])
    except SaveFailed as exc:
        if msg.id not in exc.messages_stored:
            raise CliError(f"{exc}; nothing was posted") from None
        notes.append(f"{PROG}: warning: the change was posted, but {exc}; do not repeat it")


# --- room state ----------------------------------------------------------------------------------------


def exportable_state(rooms: Rooms, vk: bytes) -> ChatRoomState:
    return known_room(rooms, vk).room_state


# --- identity ------------------------------------------------------------------------------------------


def identity_token(rooms: Rooms, vk: bytes) -> IdentityToken:
    return rooms.export_identity(vk)


@dataclass(frozen=True)
class IdentityImport:
    state: str
    """``"ok"`` or ``"waiting"`` (a room this profile did not have: its state is fetched later)."""
    replaced: bool
    """Another identity was held for the room and is gone now."""
    rejoined: bool
    identity_generation: int


def import_identity(ws: cli.Workspace, token: IdentityToken, *, force: bool) -> IdentityImport:
    """Take over ``token``'s identity, refusing to replace a different one without ``force``."""
    vk = token.room_owner
    existing = ws.rooms.rooms.get(vk)
    replaced = existing is not None and existing.self_vk != token.identity.verifying_key
    if replaced and not force:
        raise CliError(
            f"this profile already holds another identity for room {b58(vk)}; importing would replace it and "
            "its signing key would be kept nowhere. Export it first (`identity export`), then import with --force"
        )
    rejoined = vk in ws.rooms.removed and existing is None
    room = ws.rooms.import_identity(token)
    ws.ctl.mark_room_rejoined(ws.session, vk)
    return IdentityImport("waiting" if room.waiting else "ok", replaced, rejoined, room.identity_generation)


# --- riverctl (river_desktop.domain.riverctl_rooms, shared with the app's File > Import from riverctl) ------

stored_room = riverctl_rooms.stored_room
stored_rooms = riverctl_rooms.stored_rooms


def check_stored_room(stored: StoredRoom) -> CheckedRoom:
    """The state must be River's and valid by River's rules, and the key must belong to the room."""
    try:
        return riverctl_rooms.check_stored_room(stored)
    except riverctl_rooms.InterchangeError as exc:
        raise CliError(str(exc)) from None


def import_checked_room(ws: cli.Workspace, checked: CheckedRoom) -> ImportedRoom:
    """One checked riverctl room into the profile: added (then given its state), or merged into the copy held
    here. A room held here with another identity is refused (`identity import --force` replaces one on purpose)."""
    try:
        imported = riverctl_rooms.import_checked_room(ws.rooms, checked)
    except riverctl_rooms.HeldWithAnotherIdentity:
        raise CliError(
            "this profile holds another identity for the room; use `identity import --force` to replace it"
        ) from None
    except riverctl_rooms.InterchangeError as exc:
        raise CliError(str(exc)) from None
    if imported.state != "merged":
        ws.ctl.mark_room_rejoined(ws.session, checked.owner_vk)
    return imported
