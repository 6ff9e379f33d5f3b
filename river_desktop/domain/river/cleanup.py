"""River's ban authority and ``post_apply_cleanup`` (``room_state.rs``, ``member.rs``, ``ban.rs``).

Cleanup runs after every applied delta (never after a no-op merge, never in ``verify``): it caps the
bans, enforces the surviving ones down the invite tree (deputy-aware), prunes members nobody needs
(no retained message, DM, current secret blob or surviving ban of theirs, and not an inviter of such),
sweeps what they leave behind, and re-sorts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river.bans import AuthorizedUserBan
from river_desktop.domain.river.direct_messages import DirectMessages
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, dedup_to_canonical, deputies_of
from river_desktop.domain.river.state import ChatRoomState

Lookup = dict[int, AuthorizedMember]


# --------------------------------------------------------------------------------------------- bans


def ban_signature_matches_current_key(ban: AuthorizedUserBan, lookup: Lookup, owner_id: int, owner_vk: bytes) -> bool:
    if ban.banned_by == owner_id:
        return ban.verify(owner_vk)
    am = lookup.get(ban.banned_by)
    return am is not None and ban.verify(am.member.member_vk)


def is_ban_authorized(
    banner: int, target: int, lookup: Lookup, infos: Sequence[AuthorizedMemberInfo], owner_id: int
) -> bool:
    """Owner, any strict ancestor of the target, or a deputy of the owner or of such an ancestor."""
    if target == owner_id:
        return False
    if banner == owner_id:
        return True
    ancestors = {owner_id}
    visited = {target}
    am = lookup.get(target)
    current = None if am is None else am.member.invited_by
    while current is not None:
        if current in visited:
            break
        visited.add(current)
        ancestors.add(current)
        if current == owner_id:
            break
        am = lookup.get(current)
        current = None if am is None else am.member.invited_by
    if banner in ancestors:
        return True
    banner_is_member = banner in lookup
    if banner_is_member and banner in deputies_of(infos, owner_id):
        return True
    if banner in deputies_of(infos, target):
        return False
    if banner_is_member:
        for a in ancestors:
            if a != owner_id and banner in deputies_of(infos, a):
                return True
    return False


def banned_member_ids(
    members: Sequence[AuthorizedMember],
    bans: Iterable[AuthorizedUserBan],
    infos: Sequence[AuthorizedMemberInfo],
    owner_id: int,
    owner_vk: bytes,
) -> set[int]:
    """Targets of enforceable bans and everyone below them in the invite tree."""
    lookup = mem.by_id(members)
    out: set[int] = set()
    for ban in bans:
        if not ban_signature_matches_current_key(ban, lookup, owner_id, owner_vk):
            continue
        if is_ban_authorized(ban.banned_by, ban.ban.banned_user, lookup, infos, owner_id):
            out.add(ban.ban.banned_user)
            out |= mem.downstream(members, ban.ban.banned_user)
    return out


def ban_is_enforcing(
    ban: AuthorizedUserBan, lookup: Lookup, infos: Sequence[AuthorizedMemberInfo], owner_id: int, owner_vk: bytes
) -> bool:
    if ban.banned_by != owner_id and ban.banned_by not in lookup:
        return False
    if not ban_signature_matches_current_key(ban, lookup, owner_id, owner_vk):
        return False
    if ban.ban.banned_user in lookup:
        return is_ban_authorized(ban.banned_by, ban.ban.banned_user, lookup, infos, owner_id)
    return True


# --------------------------------------------------------------------------------------------- cleanup


def post_apply_cleanup(s: ChatRoomState, owner_vk: bytes) -> ChatRoomState:
    """River's ``post_apply_cleanup`` (``room_state.rs``): ban cap, ban enforcement, inactivity prune,
    orphan sweeps, then River's sort of members and member_info."""
    owner_id = c.fast_hash(owner_vk)
    bans = list(s.bans)
    infos = list(s.member_info)
    members = list(s.members)
    cap = s.config.max_user_bans
    if len(bans) > cap:
        lookup = mem.by_id(members)
        bans.sort(key=lambda b: (ban_is_enforcing(b, lookup, infos, owner_id, owner_vk), b.ban.banned_at, b.id))
        bans = sorted(bans[len(bans) - cap :], key=lambda b: b.order_key)

    enforced = banned_member_ids(members, bans, infos, owner_id, owner_vk)
    members = [m for m in members if m.member.id not in enforced]

    lookup = mem.by_id(members)
    current_secret = s.secrets.current_version
    wanted: list[int] = [m.message.author for m in s.recent_messages]
    wanted += s.direct_messages.active_participants()
    wanted += [b.secret.member_id for b in s.secrets.encrypted_secrets if b.secret.secret_version == current_secret]
    required = {mid for mid in wanted if mid != owner_id and mid in lookup}
    for ban in bans:
        if ban.banned_by != owner_id and ban_signature_matches_current_key(ban, lookup, owner_id, owner_vk):
            required.add(ban.banned_by)
    todo = list(required)
    while todo:
        am = lookup.get(todo.pop())
        if am is not None:
            inviter = am.member.invited_by
            if inviter != owner_id and inviter not in required:
                required.add(inviter)
                todo.append(inviter)

    members = [m for m in members if m.member.id in required]
    infos = [i for i in infos if i.member_id == owner_id or i.member_id in required]
    infos = dedup_to_canonical(infos)
    current_ids = {m.member.id for m in members}
    msgs = tuple(m for m in s.recent_messages if m.message.author == owner_id or m.message.author in current_ids)
    lookup = mem.by_id(members)
    bans = [b for b in bans if ban_signature_matches_current_key(b, lookup, owner_id, owner_vk)]

    def alive(mid: int) -> bool:
        return mid == owner_id or (mid in current_ids and mid not in enforced)

    dms = s.direct_messages
    dms = DirectMessages(
        tuple(m for m in dms.messages if alive(m.message.sender) and alive(m.message.recipient)),
        tuple(p for p in dms.purges if alive(p.recipient_id)),
    )
    return replace(
        s,
        bans=tuple(bans),
        members=tuple(sorted(members, key=lambda m: m.member.id)),
        member_info=tuple(sorted(infos, key=lambda i: i.member_id)),
        recent_messages=msgs,
        direct_messages=dms,
    )


__all__ = [
    "ban_is_enforcing",
    "ban_signature_matches_current_key",
    "banned_member_ids",
    "is_ban_authorized",
    "post_apply_cleanup",
]
