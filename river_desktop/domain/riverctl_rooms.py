"""riverctl's rooms (``StoredRoomInfo`` of its ``rooms.json``) to and from this profile's :class:`Rooms`.

Shared by the CLI (``import riverctl`` / ``export riverctl``) and the app's File > Import from riverctl, so both
check a room the same way: its state must be River's and valid by River's rules, and its signing key must
belong to the room (made into River's identity token, checked as River checks an import). A checked room then
goes through the room list's own operations (``Rooms.import_identity``, ``Rooms.receive_state``).

Errors are :class:`InterchangeError` with a one-line reason that names no secret; each front end words the
refusal of a room held with another identity (:class:`HeldWithAnotherIdentity`) its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import base58

from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError
from river_desktop.domain.river.identity_token import IdentityToken, IdentityTokenError
from river_desktop.domain.river.member_info import canonical
from river_desktop.domain.river.riverctl_json import StoredRoom
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.room_data import RoomData
from river_desktop.domain.rooms import Rooms, RoomsError


class InterchangeError(ValueError):
    """A riverctl room that cannot be imported; the message says why in one line."""


class HeldWithAnotherIdentity(InterchangeError):
    """This profile holds the room with a different signing key (replacing it is Import Identity's job)."""


@dataclass(frozen=True)
class ImportedRoom:
    owner_vk: bytes
    name: str
    state: str
    """``"added"``, ``"rejoined"`` (a room you had left) or ``"merged"`` (already here: River's merge)."""


@dataclass(frozen=True, repr=False)
class CheckedRoom:
    """A riverctl room that passed every check that needs no profile: River's state, and a token for its key."""

    owner_vk: bytes
    state: ChatRoomState
    token: IdentityToken


def _tree(am: AuthorizedMember) -> object:
    return c.loads(mem.encode_authorized_member(am))


def _decode_member(tree: object, what: str) -> AuthorizedMember:
    try:
        return mem.decode_authorized_member(tree)
    except (RiverDecodeError, ValueError) as exc:
        raise InterchangeError(f"its {what} cannot be read: {exc}") from None


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
                raise InterchangeError(
                    "it holds no membership for its signing key (not in the state, no self_authorized_member)"
                )
            am = found
        chain = tuple(_decode_member(m, "invite chain") for m in stored.invite_chain)
        if not chain:
            try:
                chain = ops.invite_chain_for(state, vk, am)
            except ops.RoomOpError as exc:
                raise InterchangeError(str(exc)) from None
        token = IdentityToken(vk, me, am, chain, info_obj, name, stored.self_nickname, secrets)
    try:
        return IdentityToken.decode(token.encode())
    except IdentityTokenError as exc:
        raise InterchangeError(str(exc)) from None


def check_stored_room(stored: StoredRoom) -> CheckedRoom:
    """The state must be River's and valid by River's rules, and the key must belong to the room."""
    vk = stored.owner_vk
    try:
        state = ChatRoomState.from_obj(stored.state)
        state.verify(vk)
    except (RiverDecodeError, ValueError) as exc:
        raise InterchangeError(f"its room state cannot be read: {exc}") from None
    except RiverRuleError as exc:
        raise InterchangeError(f"River's contract would refuse its room state: {exc}") from None
    return CheckedRoom(vk, state, _token_for(stored, state))


def import_checked_room(rooms: Rooms, checked: CheckedRoom) -> ImportedRoom:
    """One checked room into ``rooms`` (which it changes): added (then given its state), or merged into the
    copy held here. On any refusal ``rooms`` is left as it was: a room is never added half-way."""
    vk = checked.owner_vk
    existing = rooms.rooms.get(vk)
    if existing is not None and existing.self_vk != checked.token.identity.verifying_key:
        raise HeldWithAnotherIdentity("this profile holds another identity for the room")
    outcome = "merged" if existing is not None else ("rejoined" if vk in rooms.removed else "added")
    before = rooms.copy()
    try:
        if existing is None:
            rooms.import_identity(checked.token)
        room = rooms.receive_state(vk, checked.state)
    except (RoomsError, RiverRuleError) as exc:
        for f in fields(Rooms):
            setattr(rooms, f.name, getattr(before, f.name))
        raise InterchangeError(str(exc)) from None
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


__all__ = [
    "CheckedRoom",
    "HeldWithAnotherIdentity",
    "ImportedRoom",
    "InterchangeError",
    "check_stored_room",
    "import_checked_room",
    "stored_room",
    "stored_rooms",
]
