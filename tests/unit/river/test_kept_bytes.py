"""Bytes kept from a decode and reused by identity (``kept_bytes.py``) always equal a fresh encode.

A member or member-info record decoded from a canonical tree keeps cbor2's bytes of that tree; any other tree
(keys out of order, extra keys, byte strings where River writes arrays, an explicit empty ``deputies``) decodes
to the same record, whose bytes are then built by the encoder. A state's fields are encoded once per object:
an edit that replaces one field re-encodes only that one. Each is compared with a plain encode of the same
values rebuilt from scratch, over random River histories.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import sync
from river_desktop.domain.river.configuration import AuthorizedConfiguration, RoomDisplayMetadata, SealedBytes
from river_desktop.domain.river.kept_bytes import FIELD_BYTES
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage, MessageV1
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta

from .helpers import build_room, ident
from .histories import OWNER, grow, op_strategy

_KEPT = "kept_encoding"


def _fresh_member(am: AuthorizedMember) -> AuthorizedMember:
    return AuthorizedMember(replace(am.member), am.signature)


def _fresh_info(info: AuthorizedMemberInfo) -> AuthorizedMemberInfo:
    mi = info.member_info
    nick = mi.preferred_nickname
    sealed = SealedBytes(nick.value, nick.nonce, nick.secret_version, nick.declared_len_bytes)
    return AuthorizedMemberInfo(MemberInfo(mi.member_id, mi.version, sealed, mi.deputies), info.signature)


def _fresh_message(msg: AuthorizedMessage) -> AuthorizedMessage:
    m = msg.message
    return AuthorizedMessage(MessageV1(m.room_owner, m.author, m.time, m.content), msg.signature)


def plain(state: ChatRoomState) -> bytes:
    """The encoder's bytes for the same values: every record rebuilt (no kept bytes), the field memo empty."""
    FIELD_BYTES.clear()
    rebuilt = replace(
        state,
        members=tuple(_fresh_member(m) for m in state.members),
        member_info=tuple(_fresh_info(i) for i in state.member_info),
        recent_messages=tuple(_fresh_message(m) for m in state.recent_messages),
    )
    data = rebuilt.encode()
    FIELD_BYTES.clear()
    return data


def test_a_decoded_state_keeps_its_members_and_member_info_bytes() -> None:
    _owner, state = build_room(n_members=3, n_messages=2)
    decoded = ChatRoomState.decode(state.encode())
    assert decoded.members and all(_KEPT in m.__dict__ for m in decoded.members)
    assert decoded.member_info and all("encoded" in i.__dict__ for i in decoded.member_info)
    assert [mem.encode_authorized_member(m) for m in decoded.members] == [
        mem.encode_authorized_member(_fresh_member(m)) for m in decoded.members
    ]
    assert [i.encode() for i in decoded.member_info] == [_fresh_info(i).encode() for i in decoded.member_info]
    assert decoded.encode() == plain(decoded) == state.encode()


def _member_tree() -> dict[str, Any]:
    _owner, state = build_room(n_members=1, n_messages=0)
    tree: dict[str, Any] = cbor2.loads(mem.encode_authorized_member(state.members[0]))
    return tree


def _info_tree(deputies: tuple[int, ...] = (), private: bool = False) -> dict[str, Any]:
    nick = SealedBytes.private(b"sealed!", bytes(12), 1, 7) if private else SealedBytes.public("nick")
    info = AuthorizedMemberInfo.create(MemberInfo(ident(5).member_id, 2, nick, deputies), ident(5))
    tree: dict[str, Any] = cbor2.loads(info.encode())
    return tree


def _swap(tree: dict[str, Any]) -> dict[str, Any]:
    return dict(reversed(list(tree.items())))


def _inner(key: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    return lambda tree: {**tree, key: change(dict(tree[key]))}


MEMBER_SHAPES: list[tuple[str, Callable[[dict[str, Any]], Any], bool]] = [
    ("canonical", lambda t: t, True),
    ("keys swapped", _swap, False),
    ("extra key", lambda t: {**t, "extra": 1}, False),
    ("signature as bstr", lambda t: {**t, "signature": bytes(t["signature"])}, False),
    ("member keys swapped", _inner("member", _swap), False),
    ("member_vk as array", _inner("member", lambda m: {**m, "member_vk": list(m["member_vk"])}), False),
    ("member extra key", _inner("member", lambda m: {**m, "x": 0}), False),
]


@pytest.mark.parametrize(("shape", "change", "kept"), MEMBER_SHAPES, ids=[s[0] for s in MEMBER_SHAPES])
def test_member_trees_keep_bytes_only_when_canonical(
    shape: str, change: Callable[[dict[str, Any]], Any], kept: bool
) -> None:
    original = mem.decode_authorized_member(_member_tree())
    decoded = mem.decode_authorized_member_keeping_bytes(change(_member_tree()))
    assert decoded == original
    assert (_KEPT in decoded.__dict__) is kept
    assert mem.encode_authorized_member(decoded) == mem.encode_authorized_member(_fresh_member(original))


def _nick(change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    return _inner("member_info", lambda mi: {**mi, "preferred_nickname": change(mi["preferred_nickname"])})


INFO_SHAPES: list[tuple[str, Callable[[dict[str, Any]], Any], bool, bool]] = [
    ("canonical", lambda t: t, True, False),
    ("canonical private", lambda t: t, True, True),
    ("keys swapped", _swap, False, False),
    ("extra key", lambda t: {**t, "extra": 1}, False, False),
    ("signature as bstr", lambda t: {**t, "signature": bytes(t["signature"])}, False, False),
    ("empty deputies written", _inner("member_info", lambda mi: {**mi, "deputies": []}), False, False),
    ("info keys swapped", _inner("member_info", _swap), False, False),
    ("nickname as bstr", _nick(lambda n: {"Public": {"value": bytes(n["Public"]["value"])}}), False, False),
    ("private nonce as bstr", _nick(lambda n: {"Private": {**n["Private"], "nonce": bytes(12)}}), False, True),
    ("private keys swapped", _nick(lambda n: {"Private": _swap(n["Private"])}), False, True),
]


INFO_CASES = [
    pytest.param(*case, deputies, id=f"{case[0]}-{'deputies' if deputies else 'none'}")
    for case in INFO_SHAPES
    for deputies in ((), (7, -3))
    if not (case[0] == "empty deputies written" and deputies)  # a record with deputies writes them anyway
]


@pytest.mark.parametrize(("shape", "change", "kept", "private", "deputies"), INFO_CASES)
def test_member_info_trees_keep_bytes_only_when_canonical(
    shape: str, change: Callable[[dict[str, Any]], Any], kept: bool, private: bool, deputies: tuple[int, ...]
) -> None:
    original = AuthorizedMemberInfo.from_obj(_info_tree(deputies, private))
    decoded = AuthorizedMemberInfo.from_obj_keeping_bytes(change(_info_tree(deputies, private)))
    assert decoded == original
    assert ("encoded" in decoded.__dict__) is kept
    assert decoded.encode() == _fresh_info(original).encode()


def test_an_edit_re_encodes_only_the_field_it_replaced() -> None:
    owner, state = build_room(n_members=3, n_messages=5)
    decoded = ChatRoomState.decode(state.encode())
    decoded.encode()
    before = FIELD_BYTES.misses
    renamed = sync.apply_delta(decoded, owner.verifying_key, _rename_delta(decoded, owner))
    assert all(map(operator.is_, renamed.recent_messages, decoded.recent_messages))  # new tuples, same records
    data = renamed.encode()
    assert FIELD_BYTES.misses == before  # members, member info, window, bans: by lookup
    assert data == plain(renamed)


def _rename_delta(state: ChatRoomState, owner: SigningIdentity) -> Delta:
    config = replace(
        state.config,
        configuration_version=state.config.configuration_version + 1,
        display=RoomDisplayMetadata.public("Renamed", None),
    )
    return Delta(configuration=AuthorizedConfiguration.create(config, owner))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op_strategy, max_size=14), st.lists(op_strategy, max_size=8))
def test_memoised_encode_equals_the_plain_encode_after_random_edits(first: list[Any], then: list[Any]) -> None:
    grown = grow(ChatRoomState.genesis(OWNER, "Room", "About"), first)
    decoded = ChatRoomState.decode(grown.encode())
    assert decoded.encode() == plain(decoded) == grown.encode()
    decoded.encode()  # the memo now holds its fields, as after a save
    edited = grow(decoded, then)
    assert edited.encode() == plain(edited)
    again = ChatRoomState.decode(edited.encode())
    assert again.encode() == plain(again) == edited.encode()


def test_one_value_under_two_encoders_keeps_two_entries() -> None:
    FIELD_BYTES.clear()
    assert FIELD_BYTES.encode((), mem.encode_members) == mem.encode_members(())
    assert FIELD_BYTES.encode((), lambda bans: b"\x80") == b"\x80"  # the empty tuple again, another field
    assert FIELD_BYTES.encode((), mem.encode_members) == mem.encode_members(())
    FIELD_BYTES.clear()
