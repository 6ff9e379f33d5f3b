"""Creating and joining a room, and the records each member or the owner keeps about it (nickname, name)."""

from __future__ import annotations

from dataclasses import replace

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.limits import utf8_len
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import privacy
from river_desktop.domain.river import views as v
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import (
    AuthorizedConfiguration,
    Configuration,
    PrivacyMode,
    RoomDisplayMetadata,
    SealedBytes,
)
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo, canonical
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.room_ops.base import (
    Change,
    Created,
    Joined,
    Me,
    RoomOpError,
    apply_checked,
    check_limit,
    is_banned,
    owner_id_of,
    rejoin_records,
    require_owner,
    seal_text,
)
from river_desktop.domain.river.secrets import (
    RoomSecrets,
)
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.river.views import NO_SECRETS, Keyring

# --------------------------------------------------------------------------------------------- create, join


def create_room(
    owner: SigningIdentity,
    name: str,
    description: str | None = None,
    nickname: str | None = None,
    *,
    private: bool = False,
    now: SystemTime,
) -> Created:
    """River's ``build_new_room_state``: owner-signed configuration and member info (version 0); for a
    private room a random secret v0 with its owner-signed record and blob, everything display sealed."""
    defaults = Configuration()
    check_limit("the room name", utf8_len(name), defaults.max_room_name)
    if description is not None:
        check_limit("the room description", utf8_len(description), defaults.max_room_description)
    if nickname is not None:
        check_limit("the nickname", utf8_len(nickname), defaults.max_nickname_size)
    secrets = RoomSecrets()
    keyring = Keyring()

    def seal(text: str) -> SealedBytes:
        if not private:
            return SealedBytes.public(text)
        return SealedBytes.from_obj(privacy.seal_bytes(text.encode("utf-8"), keyring.get(0), 0))

    if private:
        tree, v0 = privacy.initial_room_secrets(owner, (now.secs, now.nanos))
        secrets = RoomSecrets.from_obj(tree)
        keyring = keyring.with_secret(0, v0)
    display = RoomDisplayMetadata(seal(name), None if description is None else seal(description))
    config = Configuration(
        owner_member_id=owner.member_id,
        privacy_mode=PrivacyMode.PRIVATE if private else PrivacyMode.PUBLIC,
        display=display,
    )
    infos: tuple[AuthorizedMemberInfo, ...] = ()
    if nickname is not None:
        infos = (AuthorizedMemberInfo.create(MemberInfo(owner.member_id, 0, seal(nickname)), owner),)
    state = ChatRoomState(AuthorizedConfiguration.create(config, owner), member_info=infos, secrets=secrets)
    state.verify(owner.verifying_key)
    return Created(state, keyring)


def invite_chain_for(state: ChatRoomState, owner_vk: bytes, member: AuthorizedMember) -> tuple[AuthorizedMember, ...]:
    """River's ``get_invite_chain``: ``member``'s inviters in ``state``, nearest first, up to (not including)
    the owner, each signature checked. What ``RoomData.invite_chain`` keeps for a rejoin; call it again
    once the state of a room joined offline is known."""
    try:
        return tuple(mem.invite_chain(member, owner_vk, owner_id_of(owner_vk), state.members_by_id()))
    except RiverRuleError as exc:
        raise RoomOpError(f"this membership cannot be traced to the owner in the room as it is now: {exc}") from None


def join(
    state: ChatRoomState | None,
    invitation: Invitation,
    nickname: str,
    *,
    now: SystemTime,
    keyring: Keyring | None = None,
) -> Joined:
    """River's invitation accept: our member record (plus any inviter the state lacks), our member info
    and a join event in one delta, since River prunes a member with no message.

    With ``state`` None (not fetched yet) the delta carries only our own record; the nickname is sealed
    under the newest secret the invitation carries, or public when it carries none. In a private room
    whose current secret we lack, River defers the member info rather than leak the nickname; so do we.
    """
    owner_vk = invitation.room
    me = invitation.invitee_identity
    ring = Keyring.from_invitation(invitation.room_secrets) if keyring is None else keyring
    if state is not None:
        ring = ring.merged(v.keyring_for(state, me))
    msg = AuthorizedMessage.create(owner_vk, me, now, RoomMessageBody.join_event())
    if state is None:
        check_limit("the nickname", utf8_len(nickname), Configuration().max_nickname_size)
        sealed = SealedBytes.public(nickname)
        if ring.latest_version is not None:
            version = ring.latest_version
            sealed = SealedBytes.from_obj(privacy.seal_bytes(nickname.encode("utf-8"), ring.get(version), version))
        info = AuthorizedMemberInfo.create(MemberInfo(me.member_id, 0, sealed), me)
        delta = Delta(members=(invitation.invitee,), member_info=(info,), recent_messages=(msg,))
        return Joined(None, delta, msg.id, (), ring)
    owner_id = owner_id_of(owner_vk)
    if state.config.owner_member_id != owner_id:
        raise RoomOpError("this invitation is for another room")
    check_limit("the nickname", utf8_len(nickname), state.config.max_nickname_size)
    lookup = state.members_by_id()
    chain = invite_chain_for(state, owner_vk, invitation.invitee)
    added = (invitation.invitee, *(m for m in chain if m.member.id not in lookup))
    if is_banned(state, owner_vk, me.member_id, added):
        raise RoomOpError("the invited member is banned from this room")
    try:
        sealed_nick: SealedBytes | None = seal_text(state, ring, nickname)
    except RoomOpError:
        sealed_nick = None
    infos = None
    if sealed_nick is not None:
        infos = (AuthorizedMemberInfo.create(MemberInfo(me.member_id, 0, sealed_nick), me),)
    delta = Delta(members=added, member_info=infos, recent_messages=(msg,))
    new = apply_checked(state, owner_vk, delta)
    if me.member_id not in new.members_by_id():
        raise RoomOpError("River would not keep this membership (the room may be full)")
    return Joined(new, delta, msg.id, chain, ring)


# --------------------------------------------------------------------------------------------- member info, config


def set_nickname(
    state: ChatRoomState, owner_vk: bytes, me: Me, nickname: str, *, keyring: Keyring = NO_SECRETS
) -> Change:
    """River's ``set_nickname``: version + 1, deputies kept, sealed in a private room. A member River pruned
    is re-added (without a message, as River does), so the new nickname only sticks once it posts again."""
    check_limit("the nickname", utf8_len(nickname), state.config.max_nickname_size)
    sealed = seal_text(state, keyring, nickname)
    current = canonical(state.member_info, me.member_id)
    version = 0 if current is None else current.member_info.version
    deputies = () if current is None else current.member_info.deputies
    info = AuthorizedMemberInfo.create(MemberInfo(me.member_id, version + 1, sealed, deputies), me.identity)
    added, _ = rejoin_records(state, owner_vk, me, keyring, with_info=False)
    delta = Delta(members=added, member_info=(info,))
    return Change(apply_checked(state, owner_vk, delta), delta)


def _configure(state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, display: RoomDisplayMetadata) -> Change:
    config = state.configuration.with_changes(owner, display=display)
    delta = Delta(configuration=config)
    return Change(apply_checked(state, owner_vk, delta), delta)


def rename(
    state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, name: str, *, keyring: Keyring = NO_SECRETS
) -> Change:
    require_owner(owner_vk, owner, "rename the room")
    check_limit("the room name", utf8_len(name), state.config.max_room_name)
    display = replace(state.config.display, name=seal_text(state, keyring, name))
    return _configure(state, owner_vk, owner, display)


def set_description(
    state: ChatRoomState,
    owner_vk: bytes,
    owner: SigningIdentity,
    description: str | None,
    *,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    """A new description, or ``None`` to remove it."""
    require_owner(owner_vk, owner, "change the room description")
    sealed = None
    if description is not None:
        check_limit("the room description", utf8_len(description), state.config.max_room_description)
        sealed = seal_text(state, keyring, description)
    display = replace(state.config.display, description=sealed)
    return _configure(state, owner_vk, owner, display)
