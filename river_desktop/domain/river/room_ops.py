"""Every change a user makes to a River room, built as River's clients build it and applied by River's rules.

Each operation is pure: it takes the room's :class:`ChatRoomState`, the owner's verifying key, the
acting identity, a time and (private rooms) the reader's keyring, checks River's rules locally with a
clear :class:`RoomOpError` (or :class:`~river_desktop.domain.limits.LimitError` for a size), and returns
a :class:`Change`: the ``ChatRoomStateV1Delta`` to keep in the outbox and send, and the state that
delta produces through :func:`sync.apply_delta` (so it is exactly what River's contract stores).

What is River's (freenet/river ``cli/src/api.rs``, ``cli/src/private_room.rs``, ``cli/src/deputies.rs``,
``common/src/room_state/*.rs``, read for behaviour): the shape of each delta (a message alone; a join as
member + member info + join event; a nickname as member info version + 1 keeping the deputies; a
configuration as version + 1; a ban as one owner-or-member-signed ``AuthorizedUserBan``), the rejoin of
a member River pruned for inactivity (``build_rejoin_delta``: its ``AuthorizedMember``, the missing part
of its invite chain and its member info, sent with the message), who may ban whom, the refusal of a
ban that would remove the banner, and sealing under the room's *current* secret.

Public API::

    create_room(owner, name, description=None, nickname=None, *, private=False, now) -> Created
    join(state | None, invitation, nickname, *, now, keyring=None) -> Joined
    post_text(state, owner_vk, me, text, *, now, keyring=NO_SECRETS) -> Change
    reply(state, owner_vk, me, target, text, *, now, keyring=NO_SECRETS) -> Change
    edit(state, owner_vk, me, target, new_text, *, now, keyring=NO_SECRETS) -> Change
    delete(state, owner_vk, me, target, *, now, keyring=NO_SECRETS) -> Change
    react(state, owner_vk, me, target, emoji, *, now, keyring=NO_SECRETS) -> Change
    unreact(state, owner_vk, me, target, emoji, *, now, keyring=NO_SECRETS) -> Change
    mention(state, member_id, keyring=NO_SECRETS) -> str
    set_nickname(state, owner_vk, me, nickname, *, keyring=NO_SECRETS) -> Change
    rename(state, owner_vk, owner, name, *, keyring=NO_SECRETS) -> Change
    set_description(state, owner_vk, owner, description | None, *, keyring=NO_SECRETS) -> Change
    ban(state, owner_vk, me, target, *, now) -> Change
    ban_removes(state, target) -> frozenset[int]
    rotate_secret(state, owner_vk, owner, *, now, keyring=NO_SECRETS) -> Rotated

``me`` is a :class:`Me`: the signing identity plus what RoomData keeps for a rejoin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.limits import LimitError, utf8_len
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import privacy, sync
from river_desktop.domain.river import views as v
from river_desktop.domain.river.actions import resolve_actions, visible_messages
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import (
    AuthorizedConfiguration,
    Configuration,
    PrivacyMode,
    RoomDisplayMetadata,
    SealedBytes,
)
from river_desktop.domain.river.content import ActionContent, Content, ReplyContent, TextContent
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo, canonical
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.secrets import (
    AuthorizedEncryptedSecret,
    AuthorizedSecretVersionRecord,
    RoomSecrets,
)
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, SecretsDelta
from river_desktop.domain.river.views import NO_SECRETS, Keyring

REJOIN_FALLBACK_NICKNAME = "Member"
"""What River's rejoin publishes when the stored nickname cannot be used."""
REPLY_PREVIEW_CHARS = 100

ReactionsByTarget = Mapping[int, Mapping[str, tuple[int, ...]]]


class RoomOpError(ValueError):
    """River (or River's clients) would refuse this change; the text says why, never a secret."""


@dataclass(frozen=True, repr=False)
class Me:
    """The acting member, with what ``RoomData`` keeps so River's rejoin can re-add it after a prune."""

    identity: SigningIdentity
    authorized_member: AuthorizedMember | None = None
    """``self_authorized_member``: our membership as the inviter signed it (None for the owner)."""
    invite_chain: tuple[AuthorizedMember, ...] = ()
    """Our inviters up to (not including) the owner, nearest first."""
    nickname: str | None = None
    """The nickname to restore on a rejoin."""

    @property
    def member_id(self) -> int:
        return self.identity.member_id

    def __repr__(self) -> str:
        return f"Me({member_id_display(self.member_id)})"


@dataclass(frozen=True)
class Change:
    state: ChatRoomState
    """What the contract holds after ``delta``."""
    delta: Delta
    message_id: int | None = None
    """The new message's id, for operations that post one."""


@dataclass(frozen=True)
class Created:
    state: ChatRoomState
    keyring: Keyring = field(default_factory=Keyring)
    """Secret v0 for a private room (keep it: it is also in the state, sealed to the owner)."""


@dataclass(frozen=True)
class Joined:
    state: ChatRoomState | None
    """``None`` when the room's state was not known: send :attr:`delta` once it is."""
    delta: Delta
    message_id: int
    invite_chain: tuple[AuthorizedMember, ...]
    keyring: Keyring


@dataclass(frozen=True)
class Rotated:
    change: Change
    keyring: Keyring
    version: int


# --------------------------------------------------------------------------------------------- helpers


def _limit(what: str, used: int, limit: int) -> None:
    """The wording of :mod:`domain.limits`, against this room's own configured limit."""
    if used > limit:
        raise LimitError(f"{what} is {used} bytes long; River allows at most {limit} ({used - limit} too many)")


def _is_private(state: ChatRoomState) -> bool:
    return state.config.privacy_mode is PrivacyMode.PRIVATE


def _current_secret(state: ChatRoomState, keyring: Keyring) -> tuple[bytes, int]:
    version = state.secrets.current_version
    if version not in keyring:
        raise RoomOpError(
            f"this private room's current secret (version {version}) is not held here, so nothing can be "
            "sealed for it; it arrives with an invitation that carries it or when the owner shares it"
        )
    return keyring.get(version), version


def _seal(state: ChatRoomState, keyring: Keyring, text: str) -> SealedBytes:
    """River's ``seal_field_for_room``: public bytes, or sealed under the current secret (never plaintext)."""
    if not _is_private(state):
        return SealedBytes.public(text)
    secret, version = _current_secret(state, keyring)
    return SealedBytes.from_obj(privacy.seal_bytes(text.encode("utf-8"), secret, version))


def _body(state: ChatRoomState, keyring: Keyring, content: Content) -> RoomMessageBody:
    if _is_private(state):
        secret, version = _current_secret(state, keyring)
        body = RoomMessageBody.from_obj(privacy.encrypt_message_body(content, secret, version))
    else:
        body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    limit = state.config.max_message_size
    if body.content_len() > limit:
        sealed = " (sealing adds 16 bytes)" if not body.is_public else ""
        _limit(f"the message{sealed}", body.content_len(), limit)
    return body


def _apply(state: ChatRoomState, owner_vk: bytes, delta: Delta) -> ChatRoomState:
    try:
        return sync.apply_delta(state, owner_vk, delta)
    except RiverRuleError as exc:
        raise RoomOpError(f"River's contract would refuse this change: {exc}") from None


def _owner_id(owner_vk: bytes) -> int:
    return c.fast_hash(owner_vk)


def _is_banned(state: ChatRoomState, owner_vk: bytes, member_id: int, extra: Iterable[AuthorizedMember] = ()) -> bool:
    people = (*state.members, *extra)
    banned = sync.banned_member_ids(people, state.bans, state.member_info, _owner_id(owner_vk), owner_vk)
    return member_id in banned


def _rejoin_nickname(state: ChatRoomState, keyring: Keyring, nickname: str | None) -> SealedBytes:
    """River's ``rejoin_preferred_nickname``: the stored nickname if it fits and can be sealed, else "Member"."""
    if nickname is not None and utf8_len(nickname) <= state.config.max_nickname_size:
        try:
            return _seal(state, keyring, nickname)
        except RoomOpError:
            pass
    return SealedBytes.public(REJOIN_FALLBACK_NICKNAME)


def _rejoin(
    state: ChatRoomState, owner_vk: bytes, me: Me, keyring: Keyring, *, with_info: bool = True
) -> tuple[tuple[AuthorizedMember, ...] | None, tuple[AuthorizedMemberInfo, ...] | None]:
    """River's ``build_rejoin_delta``: nothing for the owner or a listed member; else our membership,
    the missing inviters and our member info (at its current version, no deputies)."""
    if me.identity.verifying_key == owner_vk or me.member_id in state.members_by_id():
        return None, None
    if me.authorized_member is None:
        raise RoomOpError(
            "you are not a current member of this room and no stored membership is held to rejoin with; "
            "accept an invitation first"
        )
    if me.authorized_member.member.member_vk != me.identity.verifying_key:
        raise RoomOpError("the stored membership is for another key than this identity")
    present = set(state.members_by_id())
    added = (me.authorized_member, *(m for m in me.invite_chain if m.member.id not in present))
    if _is_banned(state, owner_vk, me.member_id, added):
        raise RoomOpError("you are banned from this room")
    if not with_info:
        return added, None
    existing = canonical(state.member_info, me.member_id)
    info = MemberInfo(
        me.member_id,
        0 if existing is None else existing.member_info.version,
        _rejoin_nickname(state, keyring, me.nickname),
    )
    return added, (AuthorizedMemberInfo.create(info, me.identity),)


def _post(state: ChatRoomState, owner_vk: bytes, me: Me, content: Content, now: SystemTime, keyring: Keyring) -> Change:
    body = _body(state, keyring, content)
    msg = AuthorizedMessage.create(owner_vk, me.identity, now, body)
    added, infos = _rejoin(state, owner_vk, me, keyring)
    delta = Delta(members=added, member_info=infos, recent_messages=(msg,))
    new = _apply(state, owner_vk, delta)
    if all(m.id != msg.id for m in new.recent_messages):
        raise RoomOpError(
            "River would not keep this message (its time is older than the oldest message the room still holds)"
        )
    return Change(new, delta, msg.id)


def _target(state: ChatRoomState, keyring: Keyring, target: int) -> tuple[int, frozenset[int], ReactionsByTarget]:
    """The target's author, the deleted messages and the reactions, as River resolves the retained window."""
    records = v.message_records(state, keyring)
    author = next((r.author_id for r in records if r.message_id == target and not r.is_action), None)
    if author is None:
        raise RoomOpError(f"message {member_id_display(target)} is not among the messages this room still holds")
    resolved = resolve_actions(records)
    return author, resolved.deleted, resolved.reactions


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
    _limit("the room name", utf8_len(name), defaults.max_room_name)
    if description is not None:
        _limit("the room description", utf8_len(description), defaults.max_room_description)
    if nickname is not None:
        _limit("the nickname", utf8_len(nickname), defaults.max_nickname_size)
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
        sealed: SealedBytes | None = SealedBytes.public(nickname)
        if ring.latest_version is not None:
            version = ring.latest_version
            sealed = SealedBytes.from_obj(privacy.seal_bytes(nickname.encode("utf-8"), ring.get(version), version))
        info = AuthorizedMemberInfo.create(MemberInfo(me.member_id, 0, sealed), me) if sealed else None
        delta = Delta(
            members=(invitation.invitee,),
            member_info=None if info is None else (info,),
            recent_messages=(msg,),
        )
        return Joined(None, delta, msg.id, (), ring)
    _limit("the nickname", utf8_len(nickname), state.config.max_nickname_size)
    owner_id = _owner_id(owner_vk)
    lookup = state.members_by_id()
    try:
        chain = tuple(mem.invite_chain(invitation.invitee, owner_vk, owner_id, lookup))
    except RiverRuleError as exc:
        raise RoomOpError(f"this invitation cannot be used with the room as it is now: {exc}") from None
    added = (invitation.invitee, *(m for m in chain if m.member.id not in lookup))
    if _is_banned(state, owner_vk, me.member_id, added):
        raise RoomOpError("the invited member is banned from this room")
    try:
        sealed_nick: SealedBytes | None = _seal(state, ring, nickname)
    except RoomOpError:
        sealed_nick = None
    infos = None
    if sealed_nick is not None:
        infos = (AuthorizedMemberInfo.create(MemberInfo(me.member_id, 0, sealed_nick), me),)
    delta = Delta(members=added, member_info=infos, recent_messages=(msg,))
    new = _apply(state, owner_vk, delta)
    if me.member_id not in new.members_by_id():
        raise RoomOpError("River would not keep this membership (the room may be full)")
    return Joined(new, delta, msg.id, chain, ring)


# --------------------------------------------------------------------------------------------- messages


def mention(state: ChatRoomState, member_id: int, keyring: Keyring = NO_SECRETS) -> str:
    """River's mention token for a member, named by its (unsealed) nickname or its id."""
    nick = v.nickname_of(state, member_id, keyring)
    name = member_id_display(member_id) if nick is None or nick.text is None else nick.text
    return build_token(member_id, name)


def post_text(
    state: ChatRoomState, owner_vk: bytes, me: Me, text: str, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Change:
    return _post(state, owner_vk, me, TextContent(text), now, keyring)


def reply(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    text: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    """A reply to a displayed message, with River's snapshot of its author's name and first 100 characters."""
    shown = {view.record.message_id: view for view in visible_messages(v.message_records(state, keyring))}
    view = shown.get(target)
    if view is None:
        raise RoomOpError(f"message {member_id_display(target)} is not shown in this room, so it cannot be replied to")
    author = view.record.author_id
    nick = v.nickname_of(state, author, keyring)
    name = member_id_display(author) if nick is None or nick.text is None else nick.text
    preview = (view.text or "")[:REPLY_PREVIEW_CHARS]
    return _post(state, owner_vk, me, ReplyContent(text, target, name, preview), now, keyring)


def edit(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    new_text: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    author, deleted, _ = _target(state, keyring, target)
    if author != me.member_id:
        raise RoomOpError("only the author of a message can edit it")
    if target in deleted:
        raise RoomOpError("a deleted message cannot be edited")
    return _post(state, owner_vk, me, ActionContent.edit(target, new_text), now, keyring)


def delete(
    state: ChatRoomState, owner_vk: bytes, me: Me, target: int, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Change:
    author, deleted, _ = _target(state, keyring, target)
    if author != me.member_id:
        raise RoomOpError("only the author of a message can delete it")
    if target in deleted:
        raise RoomOpError("this message is already deleted")
    return _post(state, owner_vk, me, ActionContent.delete(target), now, keyring)


def react(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    emoji: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    _, deleted, reactions = _target(state, keyring, target)
    if not emoji:
        raise RoomOpError("a reaction needs an emoji")
    if target in deleted:
        raise RoomOpError("a deleted message cannot be reacted to")
    if me.member_id in reactions.get(target, {}).get(emoji, ()):
        raise RoomOpError("you already reacted with this emoji")
    return _post(state, owner_vk, me, ActionContent.reaction(target, emoji), now, keyring)


def unreact(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    emoji: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    _, deleted, reactions = _target(state, keyring, target)
    if target in deleted:
        raise RoomOpError("this message is deleted; its reactions are no longer shown")
    if me.member_id not in reactions.get(target, {}).get(emoji, ()):
        raise RoomOpError("you have no reaction with this emoji on this message to remove")
    return _post(state, owner_vk, me, ActionContent.remove_reaction(target, emoji), now, keyring)


# --------------------------------------------------------------------------------------------- member info, config


def set_nickname(
    state: ChatRoomState, owner_vk: bytes, me: Me, nickname: str, *, keyring: Keyring = NO_SECRETS
) -> Change:
    """River's ``set_nickname``: version + 1, deputies kept, sealed in a private room. A member River pruned
    is re-added (without a message, as River does), so the new nickname only sticks once it posts again."""
    _limit("the nickname", utf8_len(nickname), state.config.max_nickname_size)
    sealed = _seal(state, keyring, nickname)
    current = canonical(state.member_info, me.member_id)
    version = 0 if current is None else current.member_info.version
    deputies = () if current is None else current.member_info.deputies
    info = AuthorizedMemberInfo.create(MemberInfo(me.member_id, version + 1, sealed, deputies), me.identity)
    added, _ = _rejoin(state, owner_vk, me, keyring, with_info=False)
    delta = Delta(members=added, member_info=(info,))
    return Change(_apply(state, owner_vk, delta), delta)


def _require_owner(owner_vk: bytes, owner: SigningIdentity, what: str) -> None:
    if owner.verifying_key != owner_vk:
        raise RoomOpError(f"only the room owner can {what}")


def _configure(state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, display: RoomDisplayMetadata) -> Change:
    config = state.configuration.with_changes(owner, display=display)
    delta = Delta(configuration=config)
    return Change(_apply(state, owner_vk, delta), delta)


def rename(
    state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, name: str, *, keyring: Keyring = NO_SECRETS
) -> Change:
    _require_owner(owner_vk, owner, "rename the room")
    _limit("the room name", utf8_len(name), state.config.max_room_name)
    display = replace(state.config.display, name=_seal(state, keyring, name))
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
    _require_owner(owner_vk, owner, "change the room description")
    sealed = None
    if description is not None:
        _limit("the room description", utf8_len(description), state.config.max_room_description)
        sealed = _seal(state, keyring, description)
    display = replace(state.config.display, description=sealed)
    return _configure(state, owner_vk, owner, display)


# --------------------------------------------------------------------------------------------- bans, secrets


def ban_removes(state: ChatRoomState, target: int) -> frozenset[int]:
    """Who a ban of ``target`` removes: the target and everyone it invited, directly or not (River's
    ``ban_removal_set``), for the confirmation dialog."""
    return frozenset({target, *mem.downstream(state.members, target)})


def ban(state: ChatRoomState, owner_vk: bytes, me: SigningIdentity, target: int, *, now: SystemTime) -> Change:
    """River's ban rules: never the owner; the owner bans anyone, a member its invite subtree, a deputy
    within its deputizer's subtree; never a ban whose cascade would remove the banner."""
    owner_id = _owner_id(owner_vk)
    banner = me.member_id
    lookup = state.members_by_id()
    if target == owner_id:
        raise RoomOpError("the room owner cannot be banned")
    if target not in lookup and canonical(state.member_info, target) is None:
        raise RoomOpError(f"{member_id_display(target)} is not a member of this room")
    if banner != owner_id and banner not in lookup:
        raise RoomOpError("you must be a current member of this room to ban (post a message to rejoin first)")
    if banner in ban_removes(state, target):
        if banner == target:
            raise RoomOpError("you cannot ban yourself: the ban would remove you and everyone you invited")
        raise RoomOpError(
            "you cannot ban a member you joined through: the ban removes everyone they invited, you included"
        )
    if not sync.is_ban_authorized(banner, target, lookup, state.member_info, owner_id):
        raise RoomOpError(
            "you may ban only members you invited (directly or through others) or, as a deputy, members "
            "in the part of the room you were made deputy over"
        )
    if any(b.ban.banned_user == target for b in state.bans):
        raise RoomOpError(f"{member_id_display(target)} is already banned")
    record = AuthorizedUserBan.create(UserBan(owner_id, now, target), me)
    delta = Delta(bans=(record,))
    return Change(_apply(state, owner_vk, delta), delta)


def rotate_secret(
    state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Rotated:
    """River's owner rotation: version current + 1, derived from the owner's key, sealed to the owner and
    every current member (banned members are no longer members), older versions re-sent where missing."""
    _require_owner(owner_vk, owner, "rotate the room secret")
    if not _is_private(state):
        raise RoomOpError("only a private room has a secret to rotate")
    member_vks = [am.member.member_vk for am in state.members]
    try:
        rotation = privacy.rotate_secrets(owner, c.loads(state.secrets.encode()), member_vks, (now.secs, now.nanos))
    except privacy.PrivacyError as exc:
        raise RoomOpError(f"the secret cannot be rotated: {exc}") from None
    tree = rotation.delta
    secrets_delta = SecretsDelta(
        tree["current_version"],
        tuple(AuthorizedSecretVersionRecord.from_obj(r) for r in tree["new_versions"]),
        tuple(AuthorizedEncryptedSecret.from_obj(b) for b in tree["new_encrypted_secrets"]),
    )
    delta = Delta(secrets=secrets_delta)
    new = _apply(state, owner_vk, delta)
    ring = keyring.merged(v.keyring_for(new, owner)).with_secret(rotation.version, rotation.secret)
    return Rotated(Change(new, delta), ring, rotation.version)


__all__ = [
    "REJOIN_FALLBACK_NICKNAME",
    "Change",
    "Created",
    "Joined",
    "Me",
    "RoomOpError",
    "Rotated",
    "ban",
    "ban_removes",
    "create_room",
    "delete",
    "edit",
    "join",
    "mention",
    "post_text",
    "react",
    "rename",
    "rotate_secret",
    "set_description",
    "set_nickname",
    "unreact",
]
