"""River's Member / AuthorizedMember: exact CBOR shape, round trips, and the inviter's signature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cbor2
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain import cbor
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import SigningIdentity, member_id
from river_desktop.domain.member import AuthorizedMember, Member

OWNER = SigningIdentity(bytes([3] * 32))
INVITER = SigningIdentity(bytes([1] * 32))
INVITEE = SigningIdentity(bytes([2] * 32))

seeds = st.binary(min_size=32, max_size=32)


def _vector_member() -> AuthorizedMember:
    return AuthorizedMember.create(OWNER.verifying_key, INVITER, INVITEE.verifying_key)


def _decode(data: bytes) -> AuthorizedMember:
    return AuthorizedMember.from_obj(cbor.loads(data))


def test_member_cbor_shape_and_ids() -> None:
    authorized = _vector_member()
    raw = cbor2.loads(authorized.encode())
    assert list(raw) == ["member", "signature"]
    assert list(raw["member"]) == ["owner_member_id", "invited_by", "member_vk"]
    assert raw["member"]["owner_member_id"] == -5496218248904147483
    assert raw["member"]["invited_by"] == 2320490862205064288
    assert raw["member"]["member_vk"] == INVITEE.verifying_key
    assert isinstance(raw["member"]["member_vk"], bytes)
    assert isinstance(raw["signature"], list)
    assert len(raw["signature"]) == 64
    assert all(isinstance(v, int) and 0 <= v <= 255 for v in raw["signature"])
    assert member_id(raw["member"]["member_vk"]) == -7897887384652584304
    assert authorized.member.id == -7897887384652584304


def test_signature_is_over_the_member_cbor_alone() -> None:
    authorized = _vector_member()
    member_cbor = cbor2.dumps(
        {
            "owner_member_id": member_id(OWNER.verifying_key),
            "invited_by": member_id(INVITER.verifying_key),
            "member_vk": INVITEE.verifying_key,
        }
    )
    assert authorized.member.encode() == member_cbor
    nacl.signing.VerifyKey(INVITER.verifying_key).verify(member_cbor, authorized.signature)
    assert authorized.signature == bytes(nacl.signing.SigningKey(INVITER.seed).sign(member_cbor).signature)


def test_round_trip_of_the_vector() -> None:
    authorized = _vector_member()
    encoded = authorized.encode()
    decoded = _decode(encoded)
    assert decoded == authorized
    assert decoded.encode() == encoded
    assert Member.from_obj(cbor.loads(authorized.member.encode())) == authorized.member


@settings(max_examples=40)
@given(seeds, seeds, seeds)
def test_round_trip_and_verification(owner_seed: bytes, inviter_seed: bytes, invitee_seed: bytes) -> None:
    owner, inviter, invitee = (SigningIdentity(s) for s in (owner_seed, inviter_seed, invitee_seed))
    authorized = AuthorizedMember.create(owner.verifying_key, inviter, invitee.verifying_key)
    decoded = _decode(authorized.encode())
    assert decoded == authorized
    assert decoded.encode() == authorized.encode()
    assert decoded.verify(inviter.verifying_key)
    assert decoded.member.owner_member_id == member_id(owner.verifying_key)
    assert decoded.member.invited_by == member_id(inviter.verifying_key)
    assert decoded.member_vk == invitee.verifying_key
    if inviter.verifying_key != owner.verifying_key:
        assert not decoded.verify(owner.verifying_key)
    if inviter.verifying_key != invitee.verifying_key:
        assert not decoded.verify(invitee.verifying_key)


def test_verifies_with_inviter_only() -> None:
    authorized = _vector_member()
    assert authorized.verify(INVITER.verifying_key)
    assert not authorized.verify(OWNER.verifying_key)
    assert not authorized.verify(INVITEE.verifying_key)
    assert not authorized.verify(SigningIdentity(bytes([9] * 32)).verifying_key)


def test_owner_as_inviter_verifies_against_the_room_key() -> None:
    authorized = AuthorizedMember.create(OWNER.verifying_key, OWNER, INVITEE.verifying_key)
    assert authorized.member.invited_by == authorized.member.owner_member_id
    assert authorized.verify(OWNER.verifying_key)
    assert not authorized.verify(INVITER.verifying_key)


def test_signature_from_a_key_with_a_different_id_is_rejected() -> None:
    """A genuine signature by someone other than ``invited_by`` must not count."""
    authorized = _vector_member()
    forged = AuthorizedMember(authorized.member, OWNER.sign(authorized.member.encode()))
    assert not forged.verify(OWNER.verifying_key)
    assert not forged.verify(INVITER.verifying_key)


def test_tampering_any_byte_rejects() -> None:
    authorized = _vector_member()
    encoded = authorized.encode()
    for position in range(len(encoded)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(encoded)
            tampered[position] ^= mask
            try:
                decoded = _decode(bytes(tampered))
            except DecodeError:
                continue
            assert decoded != authorized, position
            assert not decoded.verify(INVITER.verifying_key), (position, mask)


@settings(max_examples=150)
@given(st.data())
def test_arbitrary_byte_edits_raise_only_decode_error(data: st.DataObject) -> None:
    encoded = bytearray(_vector_member().encode())
    position = data.draw(st.integers(0, len(encoded)))
    kind = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
    if kind == "replace" and position < len(encoded):
        encoded[position] = data.draw(st.integers(0, 255))
    elif kind == "insert":
        encoded[position:position] = data.draw(st.binary(min_size=1, max_size=4))
    elif kind == "delete":
        del encoded[position : position + data.draw(st.integers(1, 8))]
    else:
        del encoded[position:]
    try:
        decoded = _decode(bytes(encoded))
    except DecodeError:
        return
    assert decoded.verify(INVITER.verifying_key) == (decoded == _vector_member())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda o: o.pop("signature"), "wrong fields"),
        (lambda o: o.__setitem__("signature", o["signature"][:63]), "signature must be 64 bytes, got 63"),
        (lambda o: o.__setitem__("signature", [*o["signature"][:63], 256]), "signature must be an array"),
        (lambda o: o.__setitem__("signature", [True] * 64), "signature must be an array"),
        (lambda o: o["member"].__setitem__("member_vk", b"\x01" * 31), "member_vk must be 32 bytes, got 31"),
        (lambda o: o["member"].__setitem__("member_vk", list(b"\x01" * 32)), "member_vk must be a byte string"),
        (lambda o: o["member"].__setitem__("invited_by", 1 << 63), "invited_by is out of the signed 64-bit range"),
        (lambda o: o["member"].__setitem__("owner_member_id", "x"), "owner_member_id must be an integer"),
        (lambda o: o.__setitem__("member", []), "member must be a map"),
    ],
)
def test_malformed_shapes_have_specific_messages(mutate: Callable[[dict[str, Any]], object], message: str) -> None:
    obj = _vector_member().to_obj()
    mutate(obj)
    with pytest.raises(DecodeError, match=message):
        AuthorizedMember.from_obj(cbor.loads(cbor.dumps(obj)))


def test_signature_as_byte_string_is_accepted_like_ciborium() -> None:
    authorized = _vector_member()
    obj = authorized.to_obj()
    obj["signature"] = authorized.signature
    assert AuthorizedMember.from_obj(cbor.loads(cbor.dumps(obj))) == authorized


def test_unexpected_keys_are_not_echoed() -> None:
    secret_like = "S3cr3tValueThatMustNotBeEchoedBackToTheUserEver" * 2
    obj: dict[Any, Any] = _vector_member().to_obj()
    obj[secret_like] = 1
    obj[b"\x00raw-bytes-key"] = 2
    obj["extra_field"] = 3
    with pytest.raises(DecodeError) as info:
        AuthorizedMember.from_obj(cbor.loads(cbor.dumps(obj)))
    message = str(info.value)
    assert secret_like not in message
    assert "raw-bytes-key" not in message
    assert "extra_field" in message
