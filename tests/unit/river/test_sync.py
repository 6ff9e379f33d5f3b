"""River's per-field update rules, cleanup and merge, checked without the oracle (tests/interop has it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import sync
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import AuthorizedConfiguration
from river_desktop.domain.river.member_info import AuthorizedMemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, Summary

from .helpers import build_room, ident

OWNER, ROOM = build_room(n_members=3, n_messages=6)
OVK = OWNER.verifying_key
M1, M2, M3 = ident(10), ident(11), ident(12)  # chain: owner -> M1 -> M2 -> M3
STRANGER = ident(50)
T = SystemTime(1_800_000_000)


def _msg(author: object, text: str = "x", when: SystemTime = T) -> AuthorizedMessage:
    return AuthorizedMessage.create(OVK, author, when, RoomMessageBody.text(text))  # type: ignore[arg-type]


def _join(inviter: object, invitee: object) -> Delta:
    am = AuthorizedMember.create(OVK, inviter, invitee.verifying_key)  # type: ignore[arg-type, attr-defined]
    return Delta(
        members=(am,),
        member_info=(AuthorizedMemberInfo.nickname(invitee, "new"),),  # type: ignore[arg-type]
        recent_messages=(_msg(invitee, "hello"),),
    )


def _ids(state: ChatRoomState) -> set[int]:
    return {m.member.id for m in state.members}


ABORTS: list[tuple[str, Callable[[], Delta], str]] = [
    ("config by a non-owner", lambda: Delta(configuration=ROOM.configuration.with_changes(M1)), "Invalid signature"),
    ("config not newer", lambda: Delta(configuration=ROOM.configuration), "must be greater than the current version"),
    (
        "config changes the owner id",
        lambda: Delta(configuration=ROOM.configuration.with_changes(OWNER, owner_member_id=7)),
        "Cannot change the owner_member_id",
    ),
    (
        "config with a zero limit",
        lambda: Delta(configuration=ROOM.configuration.with_changes(OWNER, max_members=0)),
        "Invalid configuration values",
    ),
    (
        "member with an unknown inviter",
        lambda: Delta(members=(AuthorizedMember.create(OVK, STRANGER, ident(51).verifying_key),)),
        "not found",
    ),
    (
        "member with a bad signature",
        lambda: Delta(
            members=(replace(AuthorizedMember.create(OVK, OWNER, ident(52).verifying_key), signature=bytes(64)),)
        ),
        "Invalid signature",
    ),
    (
        "member info signed by the wrong key",
        lambda: Delta(
            member_info=(
                replace(
                    AuthorizedMemberInfo.nickname(M1, "x", version=9),
                    signature=AuthorizedMemberInfo.nickname(M2, "x").signature,
                ),
            )
        ),
        "Invalid signature",
    ),
    (
        "nickname over max_nickname_size",
        lambda: Delta(member_info=(AuthorizedMemberInfo.nickname(M1, "n" * 51, version=9),)),
        "Nickname declared length",
    ),
    (
        "more new bans than max_user_bans",
        lambda: Delta(
            bans=tuple(
                AuthorizedUserBan.create(UserBan(OWNER.member_id, SystemTime(i), M3.member_id), OWNER)
                for i in range(11)
            )
        ),
        "refusing to process a flood",
    ),
]


@pytest.mark.parametrize(("name", "make", "reason"), ABORTS, ids=[a[0] for a in ABORTS])
def test_updates_the_contract_refuses_abort(name: str, make: Callable[[], Delta], reason: str) -> None:
    with pytest.raises(RiverRuleError, match=reason):
        sync.apply_delta(ROOM, OVK, make())


def test_duplicate_ban_aborts() -> None:
    ban = AuthorizedUserBan.create(UserBan(OWNER.member_id, T, M3.member_id), OWNER)
    banned = sync.apply_delta(ROOM, OVK, Delta(bans=(ban,)))
    with pytest.raises(RiverRuleError, match="Duplicate ban"):
        sync.apply_delta(banned, OVK, Delta(bans=(ban,)))


def test_no_delta_changes_nothing_but_an_empty_one_runs_cleanup() -> None:
    small = replace(
        ROOM, configuration=AuthorizedConfiguration.create(replace(ROOM.config, max_recent_messages=2), OWNER)
    )
    assert sync.apply_delta(small, OVK, None) is small
    trimmed = sync.apply_delta(small, OVK, Delta())
    assert [m.id for m in trimmed.recent_messages] == [m.id for m in ROOM.recent_messages[-2:]]


def test_join_needs_a_message_or_the_member_is_pruned() -> None:
    newcomer = ident(60)
    joined = sync.apply_delta(ROOM, OVK, _join(M3, newcomer))
    assert newcomer.member_id in _ids(joined)
    silent = replace(_join(M3, ident(61)), recent_messages=None)
    assert ident(61).member_id not in _ids(sync.apply_delta(ROOM, OVK, silent))


def test_non_member_messages_and_oversized_messages_are_dropped() -> None:
    big = AuthorizedMessage.create(OVK, M1, T, RoomMessageBody.public(1, 1, bytes(1001)))
    out = sync.apply_delta(ROOM, OVK, Delta(recent_messages=(_msg(STRANGER), big, _msg(M1, "ok"))))
    new = {m.id for m in out.recent_messages} - {m.id for m in ROOM.recent_messages}
    assert new == {_msg(M1, "ok").id}


def test_member_info_for_a_non_member_is_dropped() -> None:
    out = sync.apply_delta(ROOM, OVK, Delta(member_info=(AuthorizedMemberInfo.nickname(STRANGER, "ghost"),)))
    assert STRANGER.member_id not in {i.member_id for i in out.member_info}


def test_newest_messages_are_kept_by_time_then_id() -> None:
    cfg = AuthorizedConfiguration.create(replace(ROOM.config, max_recent_messages=3, configuration_version=2), OWNER)
    early, late = SystemTime(1), SystemTime(2_000_000_000)
    out = sync.apply_delta(
        ROOM, OVK, Delta(configuration=cfg, recent_messages=(_msg(M1, "old", early), _msg(M2, "new", late)))
    )
    assert len(out.recent_messages) == 3
    assert out.recent_messages[-1].message.time == late
    assert all(m.message.time != early for m in out.recent_messages)
    keys = [m.order_key for m in out.recent_messages]
    assert keys == sorted(keys)


def test_resending_a_stored_message_is_a_no_op() -> None:
    again = sync.apply_delta(ROOM, OVK, Delta(recent_messages=(ROOM.recent_messages[0],)))
    assert again.recent_messages == ROOM.recent_messages


def test_a_ban_removes_the_target_and_its_invite_subtree() -> None:
    ban = AuthorizedUserBan.create(UserBan(OWNER.member_id, T, M2.member_id), M1)
    out = sync.apply_delta(ROOM, OVK, Delta(bans=(ban,)))
    assert _ids(out) == {M1.member_id}
    assert {m.message.author for m in out.recent_messages} <= {OWNER.member_id, M1.member_id}
    assert out.bans == (ban,)
    out.verify(OVK)


def test_a_ban_by_someone_outside_the_chain_is_inert() -> None:
    # M3 is below M2: M3 may not ban M2, so M2 stays.
    ban = AuthorizedUserBan.create(UserBan(OWNER.member_id, T, M2.member_id), M3)
    assert M2.member_id in _ids(sync.apply_delta(ROOM, OVK, Delta(bans=(ban,))))


def test_a_deputy_of_the_owner_may_ban_anyone() -> None:
    grant = AuthorizedMemberInfo.nickname(OWNER, "boss", version=5, deputies=(M3.member_id,))
    ban = AuthorizedUserBan.create(UserBan(OWNER.member_id, T, M1.member_id), M3)
    out = sync.apply_delta(ROOM, OVK, Delta(member_info=(grant,), bans=(ban,)))
    # M3 sits in M1's subtree, so the cascade removes the banner too and its ban is then swept
    # (the contract does exactly this; refusing such a ban is left to clients, River #484).
    assert _ids(out) == set()
    assert out.bans == ()


def test_merge_takes_the_other_sides_news_and_is_idempotent() -> None:
    a = sync.apply_delta(ROOM, OVK, Delta(recent_messages=(_msg(M1, "from a"),)))
    b = sync.apply_delta(ROOM, OVK, _join(M2, ident(70)))
    ab, ba = sync.merge(a, OVK, b), sync.merge(b, OVK, a)
    assert ab == ba
    assert sync.merge(ab, OVK, ab) is ab
    ab.verify(OVK)


def test_update_state_runs_deltas_and_states_in_order() -> None:
    d = Delta(recent_messages=(_msg(M1, "via delta"),))
    out = sync.update_state(OVK, ROOM.encode(), [("delta", b""), ("delta", d.encode()), ("state", ROOM.encode())])
    assert out == sync.apply_delta(ROOM, OVK, d).encode()


def test_summary_and_delta_survive_their_own_encoding() -> None:
    summary = sync.summarize(ROOM, OVK)
    assert Summary.decode(summary.encode()) == summary
    d = sync.delta(ROOM, OVK, sync.summarize(ChatRoomState.genesis(OWNER, "Room"), OVK))
    assert d is not None
    assert Delta.decode(d.encode()) == d
    assert sync.delta(ROOM, OVK, summary) is None


def test_delta_adds_the_members_a_peer_lacks_for_its_messages() -> None:
    peer = replace(ROOM, recent_messages=ROOM.recent_messages[:1])
    pruned = sync.apply_delta(peer, OVK, Delta())  # the peer pruned everyone without a message
    d = sync.delta(ROOM, OVK, sync.summarize(pruned, OVK))
    assert d is not None and d.members is not None
    authors = {m.message.author for m in d.recent_messages or ()} - {OWNER.member_id}
    assert authors <= {m.member.id for m in d.members} | set(sync.summarize(pruned, OVK).members)
    caught_up = sync.apply_delta(pruned, OVK, d)
    assert caught_up.recent_messages == ROOM.recent_messages
