"""Leaf records: River's golden digest, compatibility of optional fields, and the secret rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from river_desktop.domain.river import codec, sync
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import SealedBytes
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo, sig_digest
from river_desktop.domain.river.secrets import (
    AuthorizedEncryptedSecret,
    AuthorizedSecretVersionRecord,
    EncryptedSecretForMember,
    SecretVersionRecord,
)
from river_desktop.domain.river.summary import Delta, SecretsDelta
from river_desktop.domain.river.upgrade import AuthorizedUpgrade, Upgrade

from .helpers import build_room, ident

OWNER, ROOM = build_room(n_members=2, n_messages=3)
OVK = OWNER.verifying_key


def test_sig_digest_matches_rivers_golden_vector() -> None:
    assert sig_digest(bytes(range(64))).hex() == "4eed7141ea4a5cd4b788606bd23f46e2"


def test_member_info_without_deputies_keeps_the_three_key_layout() -> None:
    info = MemberInfo(5, 1, SealedBytes.public("n"))
    assert info.encode()[0] == 0xA3
    assert MemberInfo(5, 1, SealedBytes.public("n"), (7, -8)).encode()[0] == 0xA4
    legacy = codec.loads(info.encode())
    assert "deputies" not in legacy
    assert MemberInfo.from_obj(legacy) == info


def test_sealed_private_bytes_round_trip_and_declare_their_length() -> None:
    sealed = SealedBytes.private(b"\x01" * 40, b"\x02" * 12, 3, 24)
    assert SealedBytes.from_obj(codec.loads(sealed.encode())) == sealed
    assert sealed.declared_len() == 24 and not sealed.is_public
    assert "\x01" not in repr(sealed)


def test_upgrade_round_trips_and_is_owner_signed() -> None:
    up = AuthorizedUpgrade.create(Upgrade(OWNER.member_id, 2, bytes(range(32))), OWNER)
    assert AuthorizedUpgrade.from_obj(codec.loads(up.encode())) == up
    assert up.verify(OVK) and not up.verify(ident(2).verifying_key)
    with pytest.raises(RiverRuleError, match="Invalid upgrade signature"):
        sync.apply_delta(ROOM, OVK, Delta(upgrade=AuthorizedUpgrade.create(up.upgrade, ident(2))))


def _record(v: int, signer: object = OWNER) -> AuthorizedSecretVersionRecord:
    return AuthorizedSecretVersionRecord.create(SecretVersionRecord(v, SystemTime(v)), signer)  # type: ignore[arg-type]


def _blob(v: int, member_id: int) -> AuthorizedEncryptedSecret:
    secret = EncryptedSecretForMember(member_id, v, b"c" * 48, bytes(12), bytes(32), OWNER.member_id)
    return AuthorizedEncryptedSecret.create(secret, OWNER)


ROTATED = sync.apply_delta(ROOM, OVK, Delta(secrets=SecretsDelta(None, (_record(0),), (_blob(0, OWNER.member_id),))))

SECRET_ABORTS: list[tuple[str, Callable[[], SecretsDelta], str]] = [
    ("record signed by a member", lambda: SecretsDelta(1, (_record(1, ident(10)),)), "Invalid version record"),
    ("version announced twice", lambda: SecretsDelta(None, (_record(0),)), "Duplicate secret version: 0"),
    (
        "blob for an unknown version",
        lambda: SecretsDelta(None, (), (_blob(5, OWNER.member_id),)),
        "non-existent version: 5",
    ),
    ("blob twice", lambda: SecretsDelta(None, (), (_blob(0, OWNER.member_id),)), "Duplicate encrypted secret"),
    ("current version not newer", lambda: SecretsDelta(0, ()), "must be greater than existing version 0"),
    ("current version never announced", lambda: SecretsDelta(3, ()), "non-existent version: 3"),
]


@pytest.mark.parametrize(("name", "make", "reason"), SECRET_ABORTS, ids=[a[0] for a in SECRET_ABORTS])
def test_secret_updates_river_refuses(name: str, make: Callable[[], SecretsDelta], reason: str) -> None:
    with pytest.raises(RiverRuleError, match=reason):
        sync.apply_delta(ROTATED, OVK, Delta(secrets=make()))


def test_a_rotation_is_accepted_and_blobs_for_strangers_are_dropped() -> None:
    d = SecretsDelta(1, (_record(1),), (_blob(1, OWNER.member_id), _blob(1, ident(77).member_id)))
    out = sync.apply_delta(ROTATED, OVK, Delta(secrets=d))
    assert out.secrets.current_version == 1
    assert [b.key for b in out.secrets.encrypted_secrets] == [(0, OWNER.member_id), (1, OWNER.member_id)]
    out.verify(OVK)


def test_member_info_only_replaces_a_lower_ranked_record() -> None:
    m1 = ident(10)
    newer = AuthorizedMemberInfo.nickname(m1, "newer", version=7)
    out = sync.apply_delta(ROOM, OVK, Delta(member_info=(newer,)))
    assert newer in out.member_info
    older = AuthorizedMemberInfo.nickname(m1, "older", version=2)
    assert sync.apply_delta(out, OVK, Delta(member_info=(older,))).member_info == out.member_info


def test_member_keys_must_be_curve_points_as_dalek_requires() -> None:
    from river_desktop.domain.river.codec import RiverDecodeError, is_edwards_point
    from river_desktop.domain.river.state import ChatRoomState

    assert is_edwards_point(ident(10).verifying_key)
    assert not is_edwards_point(bytes([2]) * 32)  # y = 0x0202..: x² is not a square
    tree = codec.loads(ROOM.encode())
    tree["members"]["members"][0]["member"]["member_vk"] = bytes([2]) * 32
    with pytest.raises(RiverDecodeError, match="not an ed25519 point"):
        ChatRoomState.from_obj(tree)
