"""River's ``MembersV1`` / ``MembersDelta`` over the project's byte-exact ``Member`` / ``AuthorizedMember``.

``domain/member.py`` decodes strictly (exact keys, bstr key); River's contract reads leniently, so the
state codec decodes members here: any key order, unknown keys ignored, the verifying key and the
signature as bstr or array of uints. Encoding is the canonical one (``member_vk`` bstr(32), signature
array(64)), cached per member.

Wire shapes::

    MembersV1    = {"members": [AuthorizedMember]}
    MembersDelta = {"added": [AuthorizedMember]}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from river_desktop.domain.identity import SIGNATURE_LEN, VERIFYING_KEY_LEN
from river_desktop.domain.member import AuthorizedMember, Member
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import kept_bytes as kb
from river_desktop.domain.river.codec import RiverRuleError


def decode_member(value: object) -> Member:
    m = c.fields(value, "member")
    vk = c.byte_field(c.req(m, "member_vk", "member"), "member_vk", VERIFYING_KEY_LEN)
    if not c.is_edwards_point(vk):
        raise c.RiverDecodeError("member_vk is not an ed25519 point")
    return Member(
        c.i64(c.req(m, "owner_member_id", "member"), "owner_member_id"),
        c.i64(c.req(m, "invited_by", "member"), "invited_by"),
        vk,
    )


def decode_authorized_member(value: object) -> AuthorizedMember:
    m = c.fields(value, "authorized member")
    return AuthorizedMember(
        decode_member(c.req(m, "member", "authorized member")),
        c.byte_field(c.req(m, "signature", "authorized member"), "signature", SIGNATURE_LEN),
    )


@functools.lru_cache(maxsize=65_536)
def member_bytes(member: Member) -> bytes:
    """The canonical bytes of ``Member``: what the inviter signs."""
    return c.enc_map(
        (
            ("owner_member_id", c.enc_int(member.owner_member_id)),
            ("invited_by", c.enc_int(member.invited_by)),
            ("member_vk", c.enc_bstr(member.member_vk)),
        )
    )


def decode_authorized_member_keeping_bytes(value: object) -> AuthorizedMember:
    """:func:`decode_authorized_member`; a tree in canonical shape also gives the member its canonical bytes
    (``kept_bytes.py``), so a state holding it re-encodes without rebuilding them."""
    am = decode_authorized_member(value)
    if kb.canonical_member_tree(value):
        am.__dict__[_KEPT] = kb.tree_bytes(value)  # type: ignore[arg-type]
    return am


_KEPT = "kept_encoding"


def encode_authorized_member(am: AuthorizedMember) -> bytes:
    kept: bytes | None = am.__dict__.get(_KEPT)
    return _encode_authorized_member(am) if kept is None else kept


@functools.lru_cache(maxsize=65_536)
def _encode_authorized_member(am: AuthorizedMember) -> bytes:
    return c.enc_map((("member", member_bytes(am.member)), ("signature", c.enc_uint_array(am.signature))))


def encode_members(members: Iterable[AuthorizedMember]) -> bytes:
    return c.enc_map((("members", c.enc_array(encode_authorized_member(m) for m in members)),))


def encode_members_delta(added: Iterable[AuthorizedMember]) -> bytes:
    return c.enc_map((("added", c.enc_array(encode_authorized_member(m) for m in added)),))


def member_signed_by(am: AuthorizedMember, inviter_vk: bytes) -> bool:
    return c.verify_cached(inviter_vk, member_bytes(am.member), am.signature)


def by_id(members: Iterable[AuthorizedMember]) -> dict[int, AuthorizedMember]:
    """``members_by_member_id``: on a duplicate id the later entry wins, as Rust's ``collect`` does."""
    return {m.member.id: m for m in members}


def dbg(member_id: int) -> str:
    """River's ``{:?}`` of a ``MemberId``."""
    from river_desktop.domain.identity import member_id_display

    return f"MemberId({member_id_display(member_id)})"


def invite_chain(
    am: AuthorizedMember, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]
) -> list[AuthorizedMember]:
    """Walk and check ``am``'s invite chain up to the owner (``get_invite_chain_with_lookup``)."""
    chain: list[AuthorizedMember] = []
    current = am
    visited: set[int] = set()
    while True:
        cid = current.member.id
        if cid in visited:
            raise RiverRuleError(f"Circular invite chain detected for member {dbg(cid)}")
        visited.add(cid)
        if current.member.invited_by == cid:
            raise RiverRuleError(f"Self-invitation detected for member {dbg(cid)}")
        if current.member.invited_by == owner_id:
            if not member_signed_by(current, owner_vk):
                raise RiverRuleError(
                    f"Invalid signature for member {dbg(cid)} invited by owner: Invalid signature: signature error"
                )
            return chain
        inviter = lookup.get(current.member.invited_by)
        if inviter is None:
            raise RiverRuleError(f"Inviter {dbg(current.member.invited_by)} not found for member {dbg(cid)}")
        if not member_signed_by(current, inviter.member.member_vk):
            raise RiverRuleError(f"Invalid signature for member {dbg(cid)}: Invalid signature: signature error")
        chain.append(inviter)
        current = inviter


def invite_chain_length(am: AuthorizedMember, owner_id: int, lookup: dict[int, AuthorizedMember]) -> int:
    length = 0
    current = am.member.invited_by
    visited = {am.member.id}
    while current != owner_id:
        if current in visited:
            break
        visited.add(current)
        length += 1
        inviter = lookup.get(current)
        if inviter is None:
            break
        current = inviter.member.invited_by
    return length


def downstream(members: Iterable[AuthorizedMember], member_id: int) -> set[int]:
    """Everyone ``member_id`` invited, directly or through others."""
    children: dict[int, list[int]] = {}
    for m in members:
        children.setdefault(m.member.invited_by, []).append(m.member.id)
    out: set[int] = set()
    todo = [member_id]
    while todo:
        current = todo.pop()
        for child in children.get(current, ()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def remove_excess(members: list[AuthorizedMember], owner_id: int, max_members: int) -> list[AuthorizedMember]:
    """Over ``max_members``, drop the members with the longest invite chains first (ties: larger id)."""
    if len(members) <= max_members:
        return members
    lookup = by_id(members)
    ranked = sorted(
        ((m.member.id, invite_chain_length(m, owner_id, lookup)) for m in members),
        key=lambda t: (t[1], t[0]),
        reverse=True,
    )
    drop = {mid for mid, _ in ranked[: len(members) - max_members]}
    return [m for m in members if m.member.id not in drop]


__all__ = [
    "AuthorizedMember",
    "Member",
    "by_id",
    "decode_authorized_member",
    "decode_member",
    "downstream",
    "encode_authorized_member",
    "encode_members",
    "encode_members_delta",
    "invite_chain",
    "member_bytes",
    "member_signed_by",
    "remove_excess",
]
