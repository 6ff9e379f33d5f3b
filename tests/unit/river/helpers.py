"""Small builders shared by the River model tests (deterministic keys, so failures reproduce)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.member_info import AuthorizedMemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "river"


def ident(n: int) -> SigningIdentity:
    return SigningIdentity(bytes([n]) * 32)


def fixture_bytes(name: str) -> bytes:
    lines = (FIXTURES / name).read_text().split()
    return bytes.fromhex("".join(line for line in lines if not line.startswith("#")))


def build_room(n_members: int = 3, n_messages: int = 4) -> tuple[SigningIdentity, ChatRoomState]:
    """An owner, a chain owner -> m1 -> m2 ..., a nickname each and messages from everyone."""
    owner = ident(1)
    ovk = owner.verifying_key
    people = [ident(10 + i) for i in range(n_members)]
    members = []
    inviter = owner
    for p in people:
        members.append(AuthorizedMember.create(ovk, inviter, p.verifying_key))
        inviter = p
    infos = [AuthorizedMemberInfo.nickname(p, f"nick{i}") for i, p in enumerate([owner, *people])]
    authors = [owner, *people]
    msgs = [
        AuthorizedMessage.create(
            ovk, authors[i % len(authors)], SystemTime(1_700_000_000 + i), RoomMessageBody.text(f"m{i}")
        )
        for i in range(n_messages)
    ]
    base = ChatRoomState.genesis(owner, "Room", "About")
    state = replace(
        base,
        members=tuple(sorted(members, key=lambda m: m.member.id)),
        member_info=tuple(sorted(infos, key=lambda i: i.member_id)),
        recent_messages=tuple(sorted(msgs, key=lambda m: m.order_key)),
    )
    return owner, state
