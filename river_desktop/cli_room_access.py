"""How the interchange and conversation commands read and change rooms of a loaded :class:`Rooms`.

The only place those commands touch ``RoomData`` and ``Rooms`` directly: the room looked up and checked
(known, not waiting), the identity token built and taken over, and riverctl's ``StoredRoomInfo`` made from a
room and back. Every change goes through the room list's own operations (``Rooms.import_identity``,
``Rooms.receive_state``), so it follows the same rules as the app's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import base58

from river_desktop import cli_workspace as cli
from river_desktop.cli_base import PROG, CliError, SaveFailed
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError
from river_desktop.domain.river.identity_token import IdentityToken, IdentityTokenError
from river_desktop.domain.river.member_info import canonical
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.riverctl_json import StoredRoom
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.room_data import RoomData
from river_desktop.domain.rooms import Rooms, RoomsError
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


# --- riverctl ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedRoom:
    owner_vk: bytes
    name: str
    state: str
    """``"added"``, ``"rejoined"`` (a room you had left) or ``"merged"`` (already here: River's merge)."""


def _tree(am: AuthorizedMember) -> object:
    return c.loads(mem.encode_authorized_member(am))


def _decode_member(tree: object, what: str) -> AuthorizedMember:
    try:
        return mem.decode_authorized_member(tree)
    except (RiverDecodeError, ValueError) as exc:
        raise CliError(f"its {what} cannot be read: {exc}") from None


def _token_for(stored: StoredRoom, state: ChatRoomState) -> IdentityToken:
    """riverctl's room as River's identity token, checked as River checks an import."""
    vk, me = stored.owner_vk, stored.identity
    info = canonical(state.member_info, me.member_id)
    info_obj = None if info is None else c.loads(info.encode())
    name = state.config.display.name.public_text()
    secrets = stored.invitation_secrets
    if me.verifying_key == vk:
        owner = IdentityToken.for_owner(me, member_info=info_obj, room_name=name, self_nickname=stored.self_nickname)
        token = replace(owner, invitation_secrets=secrets)
    else:
        if stored.self_authorized_member is not None:
            am = _decode_member(stored.self_authorized_member, "membership (self_authorized_member)")
        else:
            found = state.members_by_id().get(me.member_id)
            if found is None:
                raise CliError(
                    "it holds no membership for its signing key (not in the state, no self_authorized_member)"
                )
            am = found
        chain = tuple(_decode_member(m, "invite chain") for m in stored.invite_chain)
        if not chain:
            try:
                chain = ops.invite_chain_for(state, vk, am)
            except ops.RoomOpError as exc:
                raise CliError(str(exc)) from None
        token = IdentityToken(vk, me, am, chain, info_obj, name, stored.self_nickname, secrets)
    try:
        return IdentityToken.decode(token.encode())
    except IdentityTokenError as exc:
        raise CliError(str(exc)) from None


@dataclass(frozen=True, repr=False)
class CheckedRoom:
    """A riverctl room that passed every check that needs no profile: River's state, and a token for its key."""

    owner_vk: bytes
    state: ChatRoomState
    token: IdentityToken


def check_stored_room(stored: StoredRoom) -> CheckedRoom:
    """The state must be River's and valid by River's rules, and the key must belong to the room."""
    vk = stored.owner_vk
    try:
        state = ChatRoomState.from_obj(stored.state)
        state.verify(vk)
    except (RiverDecodeError, ValueError) as exc:
        raise CliError(f"its room state cannot be read: {exc}") from None
    except RiverRuleError as exc:
        raise CliError(f"River's contract would refuse its room state: {exc}") from None
    return CheckedRoom(vk, state, _token_for(stored, state))


def import_checked_room(ws: cli.Workspace, checked: CheckedRoom) -> ImportedRoom:
    """One checked riverctl room into the profile: added (then given its state), or merged into the copy held
    here. A room held here with another identity is refused (`identity import --force` replaces one on purpose)."""
    vk = checked.owner_vk
    existing = ws.rooms.rooms.get(vk)
    if existing is not None and existing.self_vk != checked.token.identity.verifying_key:
        raise CliError("this profile holds another identity for the room; use `identity import --force` to replace it")
    outcome = "merged" if existing is not None else ("rejoined" if vk in ws.rooms.removed else "added")
    before = ws.rooms.copy()
    try:
        if existing is None:
            ws.rooms.import_identity(checked.token)
        room = ws.rooms.receive_state(vk, checked.state)
    except (RoomsError, RiverRuleError) as exc:
        ws.rooms = before  # a room that cannot take its state is not added half-way
        raise CliError(str(exc)) from None
    if existing is None:
        ws.ctl.mark_room_rejoined(ws.session, vk)
    return ImportedRoom(vk, room.name, outcome)


def _instance_b58(room: RoomData) -> str:
    key = room.contract_key
    assert key is not None  # RoomData derives one for every room
    return base58.b58encode(key.instance).decode("ascii")


def stored_room(room: RoomData) -> StoredRoom:
    """riverctl's ``StoredRoomInfo`` for a room of this profile."""
    previous = room.previous_contract_key
    return StoredRoom(
        owner_vk=room.owner_vk,
        identity=room.self_identity,
        state=c.loads(room.room_state.encode()),
        contract_key=_instance_b58(room),
        self_authorized_member=None if room.self_authorized_member is None else _tree(room.self_authorized_member),
        invite_chain=tuple(_tree(m) for m in room.invite_chain),
        previous_contract_key=None if previous is None else base58.b58encode(previous.instance).decode("ascii"),
        invitation_secrets=tuple(sorted(room.invitation_secrets.items())),
        self_nickname=room.self_nickname,
    )


def stored_rooms(rooms: Rooms) -> tuple[list[StoredRoom], list[tuple[bytes, str]]]:
    """Every room riverctl can open, and why each other one was left out."""
    out: list[StoredRoom] = []
    skipped: list[tuple[bytes, str]] = []
    for vk in rooms.ordered_keys():
        room = rooms.rooms[vk]
        if room.waiting:
            skipped.append((vk, "its state has not arrived yet, and riverctl needs a room's state"))
            continue
        out.append(stored_room(room))
    return out, skipped
