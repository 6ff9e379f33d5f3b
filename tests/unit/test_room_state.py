"""Room state: CRDT merge laws, canonical codecs, signature checks and the membership view."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain import cbor
from river_desktop.domain.identity import SigningIdentity, member_id, member_id_display
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.room_state import (
    Configuration,
    FrozenMap,
    MemberInfo,
    Message,
    RoomState,
    RoomStateError,
    merge,
)
from tests.helpers.domain_strategies import (
    IDENTITIES,
    MEMBERS,
    OUTSIDERS,
    admitted,
    room_states,
    same_room_states,
    subsets,
    tamper,
    universe,
    valid_room_states,
)

OWNER = IDENTITIES[0]
OTHER_OWNER = IDENTITIES[1]
A, B, C = MEMBERS[0], MEMBERS[1], MEMBERS[2]
STRANGER = OUTSIDERS[0]
O_VK = OWNER.verifying_key
U = universe(OWNER)


def invite(inviter: SigningIdentity, member: bytes, owner_vk: bytes = O_VK) -> AuthorizedMember:
    return AuthorizedMember.create(owner_vk, inviter, member)


def with_sig(record: AuthorizedMember, index: int) -> AuthorizedMember:
    return replace(record, signature=tamper(record.signature, index))


def colliding_key(vk: bytes) -> bytes:
    """A different 32-byte key with the same River member id (the hash is linear in the bytes)."""
    for i in range(len(vk) - 1):
        if vk[i] < 255 and vk[i + 1] >= 31:
            other = vk[:i] + bytes([vk[i] + 1, vk[i + 1] - 31]) + vk[i + 2 :]
            assert other != vk and member_id(other) == member_id(vk)
            return other
    raise AssertionError("no simple collision for this key")


def chain_state() -> RoomState:
    """owner -> A -> B, with a message from each."""
    state = RoomState.genesis(OWNER, "Room", "about", nickname="boss")
    state = state.with_member(invite(OWNER, A.verifying_key)).with_member(invite(A, B.verifying_key))
    for i, who in enumerate((OWNER, A, B)):
        state = state.with_message(Message.create(O_VK, who, f"hello {i}", timestamp=100 + i))
    return state


def only(state: RoomState, *, records: frozenset[AuthorizedMember] | None = None) -> RoomState:
    return RoomState(state.owner_vk, state.configuration, state.member_records if records is None else records)


# --------------------------------------------------------------------------------------------------
# Merge laws


@given(same_room_states(2))
def test_merge_is_commutative(states: tuple[RoomState, ...]) -> None:
    a, b = states
    assert merge(a, b) == merge(b, a)


@given(same_room_states(3))
def test_merge_is_associative(states: tuple[RoomState, ...]) -> None:
    a, b, c = states
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(same_room_states(2))
def test_merge_is_idempotent(states: tuple[RoomState, ...]) -> None:
    a, b = states
    assert merge(a, a) == a
    ab = merge(a, b)
    assert merge(ab, b) == ab
    assert merge(ab, a) == ab


@given(room_states())
def test_merge_with_an_empty_placeholder_changes_nothing(a: RoomState) -> None:
    empty = RoomState.placeholder(a.owner_vk)
    assert merge(a, empty) == a
    assert merge(empty, a) == a


@given(same_room_states(2))
def test_merge_loses_nothing(states: tuple[RoomState, ...]) -> None:
    a, b = states
    m = merge(a, b)
    assert m.member_records == a.member_records | b.member_records
    assert set(m.messages) == set(a.messages) | set(b.messages)
    for side in (a, b):
        for vk, info in side.member_info.items():
            assert m.member_info[vk].version >= info.version
        if side.configuration is not None:
            assert m.configuration is not None
            assert m.configuration.version >= side.configuration.version


@given(room_states(OWNER), st.sampled_from(U.messages), st.sampled_from(U.infos), st.sampled_from(U.configurations))
def test_with_methods_equal_merging_one_item(
    s: RoomState, msg: Message, info: MemberInfo, cfg: Configuration
) -> None:
    assert s.with_message(msg) == merge(s, RoomState(O_VK, messages={msg.id: msg}))
    assert s.with_member_info(info) == merge(s, RoomState(O_VK, member_info={info.member_vk: info}))
    assert s.with_configuration(cfg) == merge(s, RoomState(O_VK, configuration=cfg))
    record = U.records[len(s.messages) % len(U.records)]
    assert s.with_member(record) == merge(s, RoomState(O_VK, member_records=frozenset({record})))


def test_merge_refuses_two_different_rooms() -> None:
    with pytest.raises(RoomStateError):
        merge(RoomState.placeholder(O_VK), RoomState.placeholder(OTHER_OWNER.verifying_key))


# --------------------------------------------------------------------------------------------------
# Codecs


@given(room_states())
def test_room_state_codec_round_trips(s: RoomState) -> None:
    data = s.encode()
    decoded = RoomState.decode(data)
    assert decoded == s
    assert hash(decoded) == hash(s)
    assert decoded.encode() == data
    assert RoomState.from_obj(cbor.loads(data)) == s


@given(room_states())
def test_encoding_without_messages_drops_only_messages(s: RoomState) -> None:
    data = s.encode(include_messages=False)
    assert RoomState.decode(data) == s.without_messages()
    assert RoomState.decode(data).encode() == data


@given(same_room_states(2))
def test_encoding_is_canonical(states: tuple[RoomState, ...]) -> None:
    a, b = states
    rebuilt = RoomState(
        a.owner_vk,
        a.configuration,
        frozenset(reversed(sorted(a.member_records, key=AuthorizedMember.encode))),
        dict(reversed(list(a.member_info.items()))),
        dict(reversed(list(a.messages.items()))),
    )
    assert rebuilt.encode() == a.encode()
    assert (a.encode() == b.encode()) == (a == b)


@given(st.sampled_from(U.messages + universe(OTHER_OWNER).messages))
def test_message_codec_round_trips(m: Message) -> None:
    data = m.encode()
    assert Message.decode(data) == m
    assert Message.decode(data).encode() == data
    assert Message.from_obj(m.to_obj()) == m
    assert m.id == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert Message.decode(data).id == m.id
    assert len(m.id) == 32
    assert m.sort_key == (m.timestamp, m.id)


@given(st.sampled_from(U.configurations))
def test_configuration_codec_round_trips(c: Configuration) -> None:
    assert Configuration.decode(c.encode()) == c
    assert Configuration.decode(c.encode()).encode() == c.encode()
    assert Configuration.from_obj(c.to_obj()) == c
    assert c.signed_bytes() == cbor.dumps({"name": c.name, "description": c.description, "version": c.version})


@given(st.sampled_from(U.infos))
def test_member_info_codec_round_trips(mi: MemberInfo) -> None:
    assert MemberInfo.decode(mi.encode()) == mi
    assert MemberInfo.decode(mi.encode()).encode() == mi.encode()
    assert MemberInfo.from_obj(mi.to_obj()) == mi


def test_message_decode_rejects_non_canonical_bytes() -> None:
    m = U.messages[0]
    obj = m.to_obj()
    reordered = cbor.dumps({"signature": obj["signature"], "message": obj["message"]})
    assert Message.from_obj(cbor.loads(reordered)) == m
    with pytest.raises(RoomStateError):
        Message.decode(reordered)
    with pytest.raises(ValueError):
        Message.decode(m.encode() + b"\x00")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: {**o, "extra": 1},
        lambda o: {k: v for k, v in o.items() if k != "messages"},
        lambda o: {**o, "owner_vk": o["owner_vk"][:31]},
        lambda o: {**o, "members": {}},
        lambda o: {**o, "messages": [1]},
        lambda o: {**o, "member_info": [{"member_info": {}, "signature": b""}]},
        lambda o: {**o, "configuration": "Alpha"},
        lambda o: [o],
    ],
)
def test_room_state_decode_is_strict_about_shape(mutate: object) -> None:
    obj = chain_state().to_obj()
    assert callable(mutate)
    with pytest.raises(ValueError):
        RoomState.decode(cbor.dumps(mutate(obj)))


@pytest.mark.parametrize("data", [b"", b"\xff", b"\xa0", cbor.dumps([1, 2]), cbor.dumps({"message": 1})])
def test_item_decoders_reject_garbage(data: bytes) -> None:
    for decode in (Message.decode, Configuration.decode, MemberInfo.decode, RoomState.decode):
        with pytest.raises(ValueError):
            decode(data)


def test_decode_resolves_duplicate_nicknames_by_the_merge_rule() -> None:
    """Two infos for one key in one blob (not our encoder's output) resolve by the merge rule."""
    low, high = (mi for mi in U.infos if mi.member_vk == O_VK and mi.nickname == "ann0" and mi.version in (1, 2))
    obj = RoomState(O_VK).to_obj()
    obj["member_info"] = [high.to_obj(), low.to_obj()]
    assert RoomState.decode(cbor.dumps(obj)).member_info == {O_VK: high}
    obj["member_info"] = [low.to_obj(), high.to_obj()]
    assert RoomState.decode(cbor.dumps(obj)).member_info == {O_VK: high}


# --------------------------------------------------------------------------------------------------
# Tampering: every signature byte and every encoded byte


def _check_tampered_message(base: RoomState, original: Message, data: bytes) -> None:
    try:
        bad = Message.decode(data)
    except ValueError:
        return
    assert bad != original
    assert not (bad.room == O_VK and bad.verify())
    with pytest.raises(RoomStateError):
        base.with_message(bad)
    holder = RoomState(O_VK, messages={bad.id: bad})
    assert merge(base, holder) == base
    assert merge(holder, base) == base
    assert RoomState.decode(holder.encode()).messages == {}
    assert bad.id not in RoomState.decode(replace(base, messages={**base.messages, bad.id: bad}).encode()).messages


def test_tampered_messages_are_rejected_and_dropped() -> None:
    base = chain_state()
    original = Message.create(O_VK, A, "tamper me", timestamp=42, reply_to=U.messages[0].id)
    assert base.with_message(original).messages[original.id] == original
    for i in range(64):
        bad = replace(original, signature=tamper(original.signature, i))
        _check_tampered_message(base, original, bad.encode())
    data = original.encode()
    for i in range(len(data)):
        _check_tampered_message(base, original, tamper(data, i))
    for changed in (
        replace(original, text="tamper mE"),
        replace(original, timestamp=43),
        replace(original, reply_to=None),
        replace(original, author_vk=B.verifying_key),
        replace(original, room=OTHER_OWNER.verifying_key),
    ):
        _check_tampered_message(base, original, changed.encode())


def _check_tampered_info(base: RoomState, original: MemberInfo, data: bytes) -> None:
    try:
        bad = MemberInfo.decode(data)
    except ValueError:
        return
    assert bad != original
    assert not bad.verify()
    with pytest.raises(RoomStateError):
        base.with_member_info(bad)
    holder = RoomState(O_VK, member_info={bad.member_vk: bad})
    assert merge(base, holder) == base
    assert merge(holder, base) == base
    assert RoomState.decode(holder.encode()).member_info == {}


def test_tampered_nicknames_are_rejected_and_dropped() -> None:
    base = chain_state()
    original = MemberInfo.create(A, "alice", 7)
    assert base.with_member_info(original).nickname(A.verifying_key) == "alice"
    for i in range(64):
        _check_tampered_info(base, original, replace(original, signature=tamper(original.signature, i)).encode())
    data = original.encode()
    for i in range(len(data)):
        _check_tampered_info(base, original, tamper(data, i))
    for changed in (replace(original, nickname="alicE"), replace(original, version=8)):
        _check_tampered_info(base, original, changed.encode())


def _check_tampered_config(base: RoomState, original: Configuration, data: bytes) -> None:
    try:
        bad = Configuration.decode(data)
    except ValueError:
        return
    assert bad != original
    assert not bad.verify(O_VK)
    with pytest.raises(RoomStateError):
        base.with_configuration(bad)
    holder = RoomState(O_VK, configuration=bad)
    assert merge(base, holder) == base
    assert merge(holder, base) == base
    assert RoomState.decode(holder.encode()).configuration is None
    assert RoomState.decode(replace(base, configuration=bad).encode()).configuration is None


def test_tampered_configurations_are_rejected_and_dropped() -> None:
    base = chain_state()
    original = Configuration.create(OWNER, "Renamed", "new text", 9)
    assert base.with_configuration(original).name == "Renamed"
    for i in range(64):
        _check_tampered_config(base, original, replace(original, signature=tamper(original.signature, i)).encode())
    data = original.encode()
    for i in range(len(data)):
        _check_tampered_config(base, original, tamper(data, i))
    for changed in (replace(original, name="renamed"), replace(original, version=10)):
        _check_tampered_config(base, original, changed.encode())


def test_items_signed_by_the_wrong_key_are_rejected() -> None:
    base = chain_state()
    with pytest.raises(RoomStateError):
        base.with_configuration(Configuration.create(A, "Hijack", "", 99))
    forged = MemberInfo.create(A, "fake", 5)
    with pytest.raises(RoomStateError):
        base.with_member_info(replace(forged, member_vk=B.verifying_key))
    with pytest.raises(RoomStateError):
        base.with_message(Message.create(OTHER_OWNER.verifying_key, A, "other room"))
    assert base.name == "Room"


def test_validly_signed_message_for_another_room_is_dropped() -> None:
    base = chain_state()
    stray = Message.create(OTHER_OWNER.verifying_key, A, "wrong room", timestamp=7)
    assert stray.verify()
    holder = RoomState(O_VK, messages={stray.id: stray})
    assert merge(base, holder) == base
    assert merge(holder, base) == base
    assert RoomState.decode(holder.encode()).messages == {}
    assert stray not in holder.ordered_messages()
    assert any("another room" in p for p in holder.validate())


# --------------------------------------------------------------------------------------------------
# Membership view and validate()


def test_chain_owner_a_b_is_valid() -> None:
    s = chain_state()
    a_vk, b_vk = A.verifying_key, B.verifying_key
    assert s.validate() == []
    assert set(s.members) == {a_vk, b_vk}
    assert s.invite_chain(b_vk) == [b_vk, a_vk]
    assert s.invite_chain(a_vk) == [a_vk]
    assert s.invite_chain(O_VK) == []
    assert s.inviter_of(b_vk) == a_vk
    assert s.inviter_of(a_vk) == O_VK
    assert s.inviter_of(O_VK) is None
    assert s.is_member(O_VK) and s.is_member(a_vk) and s.is_member(b_vk)
    assert not s.is_member(STRANGER.verifying_key)
    assert [m.author_vk for m in s.ordered_messages()] == [O_VK, a_vk, b_vk]
    assert O_VK not in s.members


def test_bad_member_signature_is_reported_and_excluded() -> None:
    good = chain_state()
    b_vk = B.verifying_key
    b_record = good.members[b_vk]
    for index in (0, 31, 63):
        s = only(good, records=frozenset({invite(OWNER, A.verifying_key), with_sig(b_record, index)}))
        s = replace(s, messages=good.messages)
        problems = s.validate()
        assert any("signature" in p and member_id_display(member_id(b_vk)) in p for p in problems), problems
        assert not s.is_member(b_vk)
        assert s.invite_chain(b_vk) == []
        assert b_vk not in {m.author_vk for m in s.ordered_messages()}
        assert any("not a member" in p for p in problems)


def test_owner_signed_record_with_bad_signature_is_rejected_everywhere() -> None:
    base = chain_state()
    bad = with_sig(invite(OWNER, C.verifying_key), 5)
    with pytest.raises(RoomStateError):
        base.with_member(bad)
    direct = replace(base, member_records=base.member_records | {bad})
    assert any("signature" in p for p in direct.validate())
    assert not direct.is_member(C.verifying_key)
    assert bad not in merge(base, direct).member_records
    assert bad not in RoomState.decode(direct.encode()).member_records


def test_inviter_who_is_not_a_member_breaks_the_chain() -> None:
    s = RoomState.genesis(OWNER, "Room").with_member(invite(A, B.verifying_key))
    problems = s.validate()
    assert any("not a member" in p for p in problems), problems
    assert s.members == {}
    assert s.invite_chain(B.verifying_key) == []
    fixed = s.with_member(invite(OWNER, A.verifying_key))
    assert fixed.validate() == []
    assert fixed.invite_chain(B.verifying_key) == [B.verifying_key, A.verifying_key]


def test_invite_cycle_is_reported_and_never_admitted() -> None:
    s = RoomState.genesis(OWNER, "Room").with_member(invite(A, B.verifying_key)).with_member(
        invite(B, A.verifying_key)
    )
    problems = s.validate()
    assert any("cycle" in p for p in problems), problems
    assert s.members == {}
    downstream = s.with_member(invite(B, C.verifying_key))
    assert downstream.members == {}
    assert any("not a valid member" in p for p in downstream.validate())


def test_cycle_next_to_a_real_chain_keeps_chains_acyclic() -> None:
    a_vk, b_vk = A.verifying_key, B.verifying_key
    s = (
        RoomState.genesis(OWNER, "Room")
        .with_member(invite(B, a_vk))
        .with_member(invite(A, b_vk))
        .with_member(invite(OWNER, a_vk))
    )
    assert s.validate() == []
    assert s.invite_chain(a_vk) == [a_vk]
    assert s.invite_chain(b_vk) == [b_vk, a_vk]


def test_shortest_chain_wins_then_smallest_record() -> None:
    b_vk = B.verifying_key
    via_a, direct = invite(A, b_vk), invite(OWNER, b_vk)
    s = RoomState.genesis(OWNER, "Room").with_member(invite(OWNER, A.verifying_key))
    s = s.with_member(via_a).with_member(direct)
    assert s.members[b_vk] == direct
    assert s.invite_chain(b_vk) == [b_vk]
    via_c = invite(C, b_vk)
    same_depth = (
        RoomState.genesis(OWNER, "Room")
        .with_member(invite(OWNER, A.verifying_key))
        .with_member(invite(OWNER, C.verifying_key))
        .with_member(via_a)
        .with_member(via_c)
    )
    assert same_depth.members[b_vk] == min((via_a, via_c), key=AuthorizedMember.encode)
    assert same_depth.validate() == []


def test_wrong_owner_member_id_is_rejected() -> None:
    foreign = invite(OWNER, A.verifying_key, owner_vk=OTHER_OWNER.verifying_key)
    base = RoomState.genesis(OWNER, "Room")
    with pytest.raises(RoomStateError):
        base.with_member(foreign)
    direct = replace(base, member_records=frozenset({foreign}))
    assert any("different room owner" in p for p in direct.validate())
    assert direct.members == {}
    assert merge(base, direct).member_records == frozenset()
    assert RoomState.decode(direct.encode()).member_records == frozenset()


def test_record_for_the_owner_is_rejected() -> None:
    base = RoomState.genesis(OWNER, "Room")
    with pytest.raises(RoomStateError):
        base.with_member(invite(OWNER, O_VK))
    assert base.validate() == []


def test_member_id_collision_excludes_both_keys() -> None:
    a_vk = A.verifying_key
    twin = colliding_key(a_vk)
    s = chain_state().with_member(invite(OWNER, twin))
    problems = s.validate()
    assert any("collision" in p for p in problems), problems
    assert a_vk not in s.members and twin not in s.members
    assert B.verifying_key not in s.members
    assert [m.author_vk for m in s.ordered_messages()] == [O_VK]
    without = RoomState(O_VK, s.configuration, s.member_records - {invite(OWNER, twin)})
    assert set(without.members) == {a_vk, B.verifying_key}


def test_key_colliding_with_the_owner_is_excluded() -> None:
    twin = colliding_key(O_VK)
    s = chain_state().with_member(invite(OWNER, twin))
    assert twin not in s.members
    assert s.is_member(O_VK)
    assert set(s.members) == {A.verifying_key, B.verifying_key}
    assert any("collision" in p for p in s.validate())


def test_nickname_and_message_from_a_non_member_are_reported_and_hidden() -> None:
    s = chain_state()
    stranger = STRANGER.verifying_key
    note = Message.create(O_VK, STRANGER, "let me in", timestamp=1)
    s = s.with_message(note).with_member_info(MemberInfo.create(STRANGER, "lurker", 1))
    assert note.id in s.messages
    assert note not in s.ordered_messages()
    problems = s.validate()
    assert any(note.id in p and "not a member" in p for p in problems), problems
    assert any(p.startswith("nickname") and "not a member" in p for p in problems), problems
    assert s.nickname(stranger) == "lurker"


def test_bad_configuration_signature_is_reported() -> None:
    s = chain_state()
    assert s.configuration is not None
    bad = replace(s, configuration=replace(s.configuration, name="Forged"))
    assert any("configuration" in p for p in bad.validate())


@given(valid_room_states())
def test_generated_valid_states_validate(s: RoomState) -> None:
    assert s.validate() == []
    assert set(s.members) == admitted(s.owner_vk, s.member_records)
    for vk in s.members:
        chain = s.invite_chain(vk)
        assert chain[0] == vk
        assert len(set(chain)) == len(chain)
        assert s.inviter_of(chain[-1]) == s.owner_vk


@given(room_states())
def test_members_view_matches_an_independent_closure(s: RoomState) -> None:
    assert set(s.members) == admitted(s.owner_vk, s.member_records)
    everything_admitted = (
        all(r.member_vk in s.members for r in s.member_records)
        and all(s.is_member(vk) for vk in s.member_info)
        and all(s.is_member(m.author_vk) for m in s.messages.values())
    )
    assert (s.validate() == []) == everything_admitted


# --------------------------------------------------------------------------------------------------
# Versions and ordering


def test_higher_configuration_version_wins_in_any_order() -> None:
    v1, v2 = Configuration.create(OWNER, "Old", "", 1), Configuration.create(OWNER, "New", "", 2)
    base = RoomState.placeholder(O_VK)
    assert base.with_configuration(v1).with_configuration(v2).name == "New"
    assert base.with_configuration(v2).with_configuration(v1).name == "New"
    assert merge(RoomState(O_VK, v1), RoomState(O_VK, v2)).configuration == v2


def test_equal_configuration_versions_tie_break_deterministically() -> None:
    x, y = Configuration.create(OWNER, "Xeno", "", 4), Configuration.create(OWNER, "Yak", "", 4)
    winner = max((x, y), key=Configuration.encode)
    base = RoomState.placeholder(O_VK)
    assert base.with_configuration(x).with_configuration(y).configuration == winner
    assert base.with_configuration(y).with_configuration(x).configuration == winner


def test_higher_nickname_version_wins_in_any_order() -> None:
    v1, v2 = MemberInfo.create(A, "first", 1), MemberInfo.create(A, "second", 2)
    base = chain_state()
    assert base.with_member_info(v1).with_member_info(v2).nickname(A.verifying_key) == "second"
    assert base.with_member_info(v2).with_member_info(v1).nickname(A.verifying_key) == "second"
    assert merge(base.with_member_info(v1), base.with_member_info(v2)).member_info[A.verifying_key] == v2
    assert base.nickname(C.verifying_key) is None


@given(room_states())
def test_ordered_messages_are_sorted_and_only_from_members(s: RoomState) -> None:
    ordered = s.ordered_messages()
    assert [m.sort_key for m in ordered] == sorted(m.sort_key for m in ordered)
    expected = {mid for mid, m in s.messages.items() if s.is_member(m.author_vk)}
    assert {m.id for m in ordered} == expected


def test_messages_with_equal_timestamps_order_by_id() -> None:
    ms = [Message.create(O_VK, OWNER, f"same time {i}", timestamp=500) for i in range(6)]
    s = RoomState.genesis(OWNER, "Room").with_messages(reversed(ms))
    assert [m.id for m in s.ordered_messages()] == sorted(m.id for m in ms)
    later = Message.create(O_VK, OWNER, "0 later", timestamp=501)
    earlier = Message.create(O_VK, OWNER, "z earlier", timestamp=499)
    s = s.with_message(later).with_message(earlier)
    assert s.ordered_messages()[0] == earlier
    assert s.ordered_messages()[-1] == later


# --------------------------------------------------------------------------------------------------
# Construction, immutability, small API details


def test_genesis_and_placeholder() -> None:
    g = RoomState.genesis(OWNER, "Room", "desc", nickname="me")
    assert (g.name, g.description, g.nickname(O_VK)) == ("Room", "desc", "me")
    assert g.configuration is not None and g.configuration.version == 1
    assert g.member_info[O_VK].version == 1
    assert g.validate() == []
    assert RoomState.genesis(OWNER, "Room").member_info == {}
    p = RoomState.placeholder(O_VK)
    assert (p.configuration, p.name, p.description) == (None, None, None)
    assert p.validate() == []
    with pytest.raises(RoomStateError):
        RoomState.placeholder(O_VK[:31])


def test_state_is_immutable_and_hashable() -> None:
    info = {O_VK: MemberInfo.create(OWNER, "me", 1)}
    s = RoomState(O_VK, member_info=info)
    info[A.verifying_key] = MemberInfo.create(A, "sneaky", 1)
    assert A.verifying_key not in s.member_info
    with pytest.raises(TypeError):
        s.member_info[A.verifying_key] = info[A.verifying_key]  # type: ignore[index]
    members = s.members
    members[A.verifying_key] = invite(OWNER, A.verifying_key)
    assert s.members == {}
    assert hash(s) == hash(RoomState(O_VK, member_info={O_VK: info[O_VK]}))
    assert pickle.loads(pickle.dumps(chain_state())) == chain_state()
    assert FrozenMap({1: 2}) == {1: 2} and FrozenMap({1: 2}) != FrozenMap({1: 3})


def test_message_create_validates_its_inputs() -> None:
    with pytest.raises(RoomStateError):
        Message.create(O_VK, A, "hi", reply_to="not-an-id")
    with pytest.raises(RoomStateError):
        Message.create(O_VK[:16], A, "hi")
    with pytest.raises(RoomStateError):
        Message.create(O_VK, A, "hi", timestamp=-1)
    m = Message.create(O_VK, A, "hi", reply_to=U.messages[0].id)
    assert m.verify() and m.reply_to == U.messages[0].id
    assert m.timestamp > 1_600_000_000_000


def test_reprs_stay_short_and_omit_message_text() -> None:
    s = chain_state()
    msg = next(iter(s.messages.values()))
    assert msg.text not in repr(msg)
    assert "hello" not in repr(s)
    assert msg.signature.hex() not in repr(msg)


@given(subsets(U.messages))
def test_with_messages_is_all_or_nothing(chosen: frozenset[Message]) -> None:
    base = chain_state()
    bad = replace(U.messages[0], text="forged")
    with pytest.raises(RoomStateError):
        base.with_messages([*chosen, bad])
    assert base.with_messages(chosen).messages.keys() >= {m.id for m in chosen}
