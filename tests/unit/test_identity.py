"""Member ids (River's ``fast_hash``), their display form, and ed25519 identities."""

from __future__ import annotations

import base64
import string

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import (
    SigningIdentity,
    is_valid_verifying_key,
    member_id,
    member_id_display,
    verify,
)

seeds = st.binary(min_size=32, max_size=32)

# formats.md §6 test vector
OWNER_SEED = bytes([3] * 32)
INVITER_SEED = bytes([1] * 32)
INVITEE_SEED = bytes([2] * 32)

INVALID_POINTS = [
    bytes(32),  # y = 0: a point of order 4
    bytes([1]) + bytes(31),  # the identity element
    bytes([2]) + bytes(31),  # not on the curve
    b"\xff" * 32,  # non-canonical encoding
]


def _reference_member_id(vk: bytes) -> int:
    """The polynomial written out as a sum, then wrapped once: independent of the running loop."""
    n = len(vk)
    total: int = sum(b * 31 ** (n - 1 - i) for i, b in enumerate(vk)) % (1 << 64)
    return total - (1 << 64) if total >= 1 << 63 else total


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (OWNER_SEED, -5496218248904147483),
        (INVITER_SEED, 2320490862205064288),
        (INVITEE_SEED, -7897887384652584304),
    ],
)
def test_member_id_vectors(seed: bytes, expected: int) -> None:
    identity = SigningIdentity(seed)
    assert member_id(identity.verifying_key) == expected
    assert identity.member_id == expected


def test_member_id_of_known_bytes() -> None:
    assert member_id(b"") == 0
    assert member_id(b"\x01\x02") == 31 + 2
    assert member_id(b"\xff" * 32) == _reference_member_id(b"\xff" * 32)


@given(st.binary(max_size=64))
def test_member_id_matches_wrapped_polynomial(data: bytes) -> None:
    mid = member_id(data)
    assert -(1 << 63) <= mid < (1 << 63)
    assert mid == _reference_member_id(data)


@given(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1))
def test_member_id_display_is_base32_of_little_endian_bytes(mid: int) -> None:
    shown = member_id_display(mid)
    assert len(shown) == 8
    assert set(shown) <= set(string.ascii_uppercase + "234567")
    # 8 base32 characters carry exactly the first 5 bytes
    assert base64.b32decode(shown) == mid.to_bytes(8, "little", signed=True)[:5]


def test_member_id_display_distinguishes_vector_ids() -> None:
    shown = {member_id_display(SigningIdentity(s).member_id) for s in (OWNER_SEED, INVITER_SEED, INVITEE_SEED)}
    assert len(shown) == 3


@settings(max_examples=50)
@given(seeds, st.binary(max_size=200))
def test_sign_and_verify(seed: bytes, message: bytes) -> None:
    identity = SigningIdentity(seed)
    signature = identity.sign(message)
    assert len(signature) == 64
    assert signature == identity.sign(message)  # deterministic
    assert is_valid_verifying_key(identity.verifying_key)
    assert verify(identity.verifying_key, message, signature)
    assert not verify(identity.verifying_key, message + b"x", signature)
    other = SigningIdentity(bytes(b ^ 0x5A for b in seed))
    assert not verify(other.verifying_key, message, signature)
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify(identity.verifying_key, message, tampered)


def test_verify_is_false_on_malformed_input() -> None:
    identity = SigningIdentity(INVITER_SEED)
    signature = identity.sign(b"m")
    assert not verify(identity.verifying_key[:31], b"m", signature)
    assert not verify(identity.verifying_key, b"m", signature[:63])
    assert not verify(identity.verifying_key, b"m", signature + b"\x00")
    for point in INVALID_POINTS:
        assert not verify(point, b"m", signature)


@pytest.mark.parametrize("point", INVALID_POINTS)
def test_invalid_points_are_rejected(point: bytes) -> None:
    assert not is_valid_verifying_key(point)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_wrong_length_keys_are_rejected(length: int) -> None:
    vk = SigningIdentity(INVITER_SEED).verifying_key
    assert not is_valid_verifying_key((vk * 3)[:length])


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_seed_must_be_32_bytes(length: int) -> None:
    seed = bytes(range(1, length + 1))
    with pytest.raises(ValueError, match="32 bytes") as info:
        SigningIdentity(seed)
    assert seed.hex() not in str(info.value) or not seed


def test_generate_gives_fresh_valid_identities() -> None:
    a, b = SigningIdentity.generate(), SigningIdentity.generate()
    assert a != b
    assert a.verifying_key != b.verifying_key
    assert is_valid_verifying_key(a.verifying_key)


def test_equality_follows_the_seed() -> None:
    copy = bytes(bytearray(INVITER_SEED))
    assert SigningIdentity(INVITER_SEED) == SigningIdentity(copy)
    assert hash(SigningIdentity(INVITER_SEED)) == hash(SigningIdentity(copy))
    assert SigningIdentity(INVITER_SEED) != SigningIdentity(INVITEE_SEED)


@settings(max_examples=50)
@given(seeds)
def test_repr_and_str_never_show_the_seed(seed: bytes) -> None:
    identity = SigningIdentity(seed)
    forbidden = [
        seed.hex(),
        seed.hex().upper(),
        base58.b58encode(seed).decode(),
        repr(seed),
        str(list(seed)),
        base64.b64encode(seed).decode(),
    ]
    for text in (repr(identity), str(identity), f"{identity}", repr([identity])):
        for secret in forbidden:
            assert secret not in text
    assert member_id_display(identity.member_id) in repr(identity)
