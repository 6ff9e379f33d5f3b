"""The shared part of room operations: results, errors, the acting member, sealing, rejoin and posting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.limits import LimitError, utf8_len
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import cleanup, privacy, sync
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import views as v
from river_desktop.domain.river.actions import resolve_actions
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import (
    PrivacyMode,
    SealedBytes,
)
from river_desktop.domain.river.content import Content
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo, canonical
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.river.views import Keyring

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


def check_limit(what: str, used: int, limit: int) -> None:
    """The wording of :mod:`domain.limits`, against this room's own configured limit."""
    if used > limit:
        raise LimitError(f"{what} is {used} bytes long; River allows at most {limit} ({used - limit} too many)")


def is_private(state: ChatRoomState) -> bool:
    return state.config.privacy_mode is PrivacyMode.PRIVATE


def current_secret(state: ChatRoomState, keyring: Keyring) -> tuple[bytes, int]:
    version = state.secrets.current_version
    if version not in keyring:
        raise RoomOpError(
            f"this private room's current secret (version {version}) is not held here, so nothing can be "
            "sealed for it; it arrives with an invitation that carries it or when the owner shares it"
        )
    return keyring.get(version), version


def seal_text(state: ChatRoomState, keyring: Keyring, text: str) -> SealedBytes:
    """River's ``seal_field_for_room``: public bytes, or sealed under the current secret (never plaintext)."""
    if not is_private(state):
        return SealedBytes.public(text)
    secret, version = current_secret(state, keyring)
    return SealedBytes.from_obj(privacy.seal_bytes(text.encode("utf-8"), secret, version))


def _body(state: ChatRoomState, keyring: Keyring, content: Content) -> RoomMessageBody:
    if is_private(state):
        secret, version = current_secret(state, keyring)
        body = RoomMessageBody.from_obj(privacy.encrypt_message_body(content, secret, version))
    else:
        body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    limit = state.config.max_message_size
    if body.content_len() > limit:
        sealed = " (sealing adds 16 bytes)" if not body.is_public else ""
        check_limit(f"the message{sealed}", body.content_len(), limit)
    return body


def apply_checked(state: ChatRoomState, owner_vk: bytes, delta: Delta) -> ChatRoomState:
    try:
        return sync.apply_delta(state, owner_vk, delta)
    except RiverRuleError as exc:
        raise RoomOpError(f"River's contract would refuse this change: {exc}") from None


def owner_id_of(owner_vk: bytes) -> int:
    return c.fast_hash(owner_vk)


def is_banned(state: ChatRoomState, owner_vk: bytes, member_id: int, extra: Iterable[AuthorizedMember] = ()) -> bool:
    people = (*state.members, *extra)
    banned = cleanup.banned_member_ids(people, state.bans, state.member_info, owner_id_of(owner_vk), owner_vk)
    return member_id in banned


def _rejoin_nickname(state: ChatRoomState, keyring: Keyring, nickname: str | None) -> SealedBytes:
    """River's ``rejoin_preferred_nickname``: the stored nickname if it fits and can be sealed, else "Member"."""
    if nickname is not None and utf8_len(nickname) <= state.config.max_nickname_size:
        try:
            return seal_text(state, keyring, nickname)
        except RoomOpError:
            pass
    return SealedBytes.public(REJOIN_FALLBACK_NICKNAME)


def rejoin_records(
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
    if is_banned(state, owner_vk, me.member_id, added):
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


def post_content(
    state: ChatRoomState, owner_vk: bytes, me: Me, content: Content, now: SystemTime, keyring: Keyring
) -> Change:
    body = _body(state, keyring, content)
    msg = AuthorizedMessage.create(owner_vk, me.identity, now, body)
    added, infos = rejoin_records(state, owner_vk, me, keyring)
    delta = Delta(members=added, member_info=infos, recent_messages=(msg,))
    new = apply_checked(state, owner_vk, delta)
    if all(m.id != msg.id for m in new.recent_messages):
        raise RoomOpError(
            "River would not keep this message (its time is older than the oldest message the room still holds)"
        )
    return Change(new, delta, msg.id)


def resolve_target(
    state: ChatRoomState, keyring: Keyring, target: int
) -> tuple[int, frozenset[int], ReactionsByTarget]:
    """The target's author, the deleted messages and the reactions, as River resolves the retained window."""
    records = v.message_records(state, keyring)
    author = next((r.author_id for r in records if r.message_id == target and not r.is_action), None)
    if author is None:
        raise RoomOpError(f"message {member_id_display(target)} is not among the messages this room still holds")
    resolved = resolve_actions(records)
    return author, resolved.deleted, resolved.reactions


def require_owner(owner_vk: bytes, owner: SigningIdentity, what: str) -> None:
    if owner.verifying_key != owner_vk:
        raise RoomOpError(f"only the room owner can {what}")
