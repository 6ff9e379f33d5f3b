"""Bans with River's authority rules, and the private room's secret (rotation, sharing with new members)."""

from __future__ import annotations

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.river import cleanup, privacy
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import views as v
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.member_info import canonical
from river_desktop.domain.river.room_ops.base import (
    Change,
    RoomOpError,
    Rotated,
    apply_checked,
    current_secret,
    is_private,
    owner_id_of,
    require_owner,
)
from river_desktop.domain.river.secrets import (
    AuthorizedEncryptedSecret,
    AuthorizedSecretVersionRecord,
)
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, SecretsDelta
from river_desktop.domain.river.views import NO_SECRETS, Keyring


def ban_removes(state: ChatRoomState, target: int) -> frozenset[int]:
    """Who a ban of ``target`` removes: the target and everyone it invited, directly or not (River's
    ``ban_removal_set``), for the confirmation dialog."""
    return frozenset({target, *mem.downstream(state.members, target)})


def ban_refusal(state: ChatRoomState, owner_vk: bytes, banner: int, target: int) -> str | None:
    """Why ``banner`` may not ban ``target`` (River's rules, worded for the user), or ``None`` if it may:
    never the owner; the owner bans anyone, a member its invite subtree, a deputy within its deputizer's
    subtree; never a ban whose cascade would remove the banner. For menus and the CLI alike."""
    owner_id = owner_id_of(owner_vk)
    lookup = state.members_by_id()
    if target == owner_id:
        return "the room owner cannot be banned"
    if target not in lookup:
        if any(b.ban.banned_user == target for b in state.bans):
            return f"{member_id_display(target)} is already banned"
        if canonical(state.member_info, target) is None:
            return f"{member_id_display(target)} is not a member of this room"
    if banner != owner_id and banner not in lookup:
        return "you must be a current member of this room to ban (post a message to rejoin first)"
    if banner in ban_removes(state, target):
        if banner == target:
            return "you cannot ban yourself: the ban would remove you and everyone you invited"
        return "you cannot ban a member you joined through: the ban removes everyone they invited, you included"
    if not cleanup.is_ban_authorized(banner, target, lookup, state.member_info, owner_id):
        return (
            "you may ban only members you invited (directly or through others) or, as a deputy, members "
            "in the part of the room you were made deputy over"
        )
    return None


def ban(state: ChatRoomState, owner_vk: bytes, me: SigningIdentity, target: int, *, now: SystemTime) -> Change:
    """One ban signed by ``me``, if :func:`ban_refusal` finds no reason against it."""
    reason = ban_refusal(state, owner_vk, me.member_id, target)
    if reason is not None:
        raise RoomOpError(reason)
    owner_id = owner_id_of(owner_vk)
    record = AuthorizedUserBan.create(UserBan(owner_id, now, target), me)
    delta = Delta(bans=(record,))
    new = apply_checked(state, owner_vk, delta)
    if all(b.id != record.id for b in new.bans):
        raise RoomOpError("River would not keep this ban (the room's ban list is full)")
    return Change(new, delta)


def rotate_secret(
    state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Rotated:
    """River's owner rotation: version current + 1, derived from the owner's key, sealed to the owner and
    every current member (banned members are no longer members), older versions re-sent where missing."""
    require_owner(owner_vk, owner, "rotate the room secret")
    if not is_private(state):
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
    new = apply_checked(state, owner_vk, delta)
    ring = keyring.merged(v.keyring_for(new, owner)).with_secret(rotation.version, rotation.secret)
    return Rotated(Change(new, delta), ring, rotation.version)


def share_current_secret(
    state: ChatRoomState, owner_vk: bytes, owner: SigningIdentity, *, keyring: Keyring
) -> Change | None:
    """River's ``generate_missing_member_secrets``: the owner seals the current secret to every member who
    has no blob for it yet (someone who joined since the last rotation); ``None`` when nobody lacks one."""
    require_owner(owner_vk, owner, "share the room secret")
    if not is_private(state):
        return None
    secret, version = current_secret(state, keyring)
    have = {b.secret.member_id for b in state.secrets.encrypted_secrets if b.secret.secret_version == version}
    blobs = tuple(
        AuthorizedEncryptedSecret.from_obj(
            privacy.encrypted_secret_for_member(owner, am.member.member_vk, version, secret)
        )
        for am in state.members
        if am.member.id not in have
    )
    if not blobs:
        return None
    delta = Delta(secrets=SecretsDelta(None, (), blobs))
    return Change(apply_checked(state, owner_vk, delta), delta)
