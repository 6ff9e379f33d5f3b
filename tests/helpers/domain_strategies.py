"""Hypothesis strategies for room-state tests, built from a small precomputed pool of signed items.

Signing costs ~50 us, so every identity and every signed item is made once (lazily, per owner) and
strategies only pick subsets. Seeds are fixed, so failures reproduce byte for byte.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity, member_id
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.room_state import Configuration, MemberInfo, Message, RoomState

T = TypeVar("T")

IDENTITIES: tuple[SigningIdentity, ...] = tuple(SigningIdentity(bytes([i]) * 32) for i in range(1, 13))
OWNERS: tuple[SigningIdentity, ...] = IDENTITIES[:2]
MEMBERS: tuple[SigningIdentity, ...] = IDENTITIES[2:8]
OUTSIDERS: tuple[SigningIdentity, ...] = IDENTITIES[8:10]

# (member index, inviter index) into MEMBERS; None = invited by the owner. Includes alternative
# records for one member, so the "pick one record deterministically" path is exercised.
_INVITES: tuple[tuple[int, int | None], ...] = (
    (0, None),
    (1, None),
    (2, 0),
    (3, 1),
    (4, 2),
    (5, None),
    (3, 0),
    (4, None),
    (5, 4),
)
_TIMESTAMPS = (1_000, 1_000, 2_000, 3_000)


@dataclass(frozen=True)
class RoomUniverse:
    """Every signed item the strategies may put into one owner's room."""

    owner: SigningIdentity
    configurations: tuple[Configuration, ...]
    records: tuple[AuthorizedMember, ...]
    orphan_records: tuple[AuthorizedMember, ...]
    infos: tuple[MemberInfo, ...]
    messages: tuple[Message, ...]

    @property
    def owner_vk(self) -> bytes:
        return self.owner.verifying_key


@functools.cache
def universe(owner: SigningIdentity) -> RoomUniverse:
    """All items for ``owner``'s room: config versions with equal-version ties, a member tree, ..."""
    vk = owner.verifying_key
    configs = tuple(
        Configuration.create(owner, name, f"{name} v{version}", version)
        for version in (1, 2, 3)
        for name in ("Alpha", "Beta")
    )
    records = tuple(
        AuthorizedMember.create(vk, owner if inviter is None else MEMBERS[inviter], MEMBERS[member].verifying_key)
        for member, inviter in _INVITES
    )
    # Intrinsically fine, but the inviter never becomes a member: a broken chain.
    orphans = (AuthorizedMember.create(vk, OUTSIDERS[1], OUTSIDERS[0].verifying_key),)
    people = (owner, *MEMBERS, *OUTSIDERS)
    infos = tuple(
        MemberInfo.create(person, f"{nick}{i}", version)
        for i, person in enumerate(people)
        for version in (1, 2, 3)
        for nick in ("ann", "bob")
    )
    messages: list[Message] = []
    for i, person in enumerate(people):
        for j, ts in enumerate(_TIMESTAMPS[: 2 + i % 3]):
            reply_to = messages[-1].id if messages and j == 1 else None
            messages.append(Message.create(vk, person, f"m{i}.{j}", timestamp=ts, reply_to=reply_to))
    return RoomUniverse(owner, configs, records, orphans, infos, tuple(messages))


def subsets(items: Sequence[T]) -> st.SearchStrategy[frozenset[T]]:
    """Random subsets of ``items`` that shrink toward the empty set."""
    if not items:
        return st.just(frozenset())
    return st.lists(st.booleans(), min_size=len(items), max_size=len(items)).map(
        lambda keep: frozenset(item for item, k in zip(items, keep, strict=True) if k)
    )


def identities() -> st.SearchStrategy[SigningIdentity]:
    return st.sampled_from(IDENTITIES)


def owners() -> st.SearchStrategy[SigningIdentity]:
    return st.sampled_from(OWNERS)


def admitted(owner_vk: bytes, records: Iterable[AuthorizedMember]) -> set[bytes]:
    """Keys reachable from the owner through ``records`` (the pool has no member-id collisions)."""
    pool = list(records)
    members: set[bytes] = set()
    inviters = {member_id(owner_vk): owner_vk}
    changed = True
    while changed:
        changed = False
        for r in pool:
            inviter = inviters.get(r.member.invited_by)
            if r.member_vk not in members and inviter is not None and r.verify(inviter):
                members.add(r.member_vk)
                inviters[member_id(r.member_vk)] = r.member_vk
                changed = True
    return members


def winners(infos: Iterable[MemberInfo]) -> dict[bytes, MemberInfo]:
    """Per key, the highest version; equal versions go to the larger encoding (the merge rule)."""
    best: dict[bytes, MemberInfo] = {}
    for mi in infos:
        cur = best.get(mi.member_vk)
        if cur is None or (mi.version, mi.encode()) > (cur.version, cur.encode()):
            best[mi.member_vk] = mi
    return best


@st.composite
def room_states(draw: st.DrawFn, owner: SigningIdentity | None = None) -> RoomState:
    """A well-formed state (every item intrinsically valid) whose chains may be broken."""
    u = universe(draw(owners()) if owner is None else owner)
    cfg = draw(st.sampled_from((None, *u.configurations)))
    records = draw(subsets(u.records + u.orphan_records))
    infos = draw(subsets(u.infos))
    messages = draw(subsets(u.messages))
    return RoomState(u.owner_vk, cfg, records, winners(infos), {m.id: m for m in messages})


@st.composite
def valid_room_states(draw: st.DrawFn, owner: SigningIdentity | None = None) -> RoomState:
    """A state that passes ``validate()``: chains closed, nicknames and messages only from members."""
    u = universe(draw(owners()) if owner is None else owner)
    cfg = draw(st.sampled_from(u.configurations))
    drawn = draw(subsets(u.records))
    members = admitted(u.owner_vk, drawn) | {u.owner_vk}
    records = frozenset(r for r in drawn if r.member_vk in members)
    infos = [mi for mi in draw(subsets(u.infos)) if mi.member_vk in members]
    messages = [m for m in draw(subsets(u.messages)) if m.author_vk in members]
    return RoomState(u.owner_vk, cfg, records, winners(infos), {m.id: m for m in messages})


@st.composite
def same_room_states(draw: st.DrawFn, count: int, valid: bool = False) -> tuple[RoomState, ...]:
    """``count`` independent states of one room (one owner)."""
    owner = draw(owners())
    strategy = valid_room_states(owner) if valid else room_states(owner)
    return tuple(draw(strategy) for _ in range(count))


def tamper(data: bytes, index: int, mask: int = 0x01) -> bytes:
    """``data`` with one byte changed (xor ``mask``) at ``index``."""
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)
