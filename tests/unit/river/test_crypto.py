"""River's private-room cryptography against River's own known-answer vectors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nacl.bindings
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river import crypto

KATS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "river" / "crypto_kats.json").read_text())


def _vk(seed: bytes) -> bytes:
    return SigningIdentity(seed).verifying_key


def test_ecies_known_answer_encrypts_byte_for_byte() -> None:
    kat = KATS["ecies"]
    seed = bytes([kat["member_seed_byte"]] * 32)
    blob = crypto.encrypt_secret_for_member(bytes([kat["secret_byte"]] * 32), _vk(seed))
    assert blob.ciphertext.hex() == kat["ciphertext"]
    assert blob.nonce.hex() == kat["nonce"]
    assert blob.sender_ephemeral_public_key.hex() == kat["ephemeral"]


def test_ecies_known_answer_decrypts() -> None:
    kat = KATS["ecies"]
    secret = crypto.decrypt_secret_for_member(
        bytes.fromhex(kat["ciphertext"]),
        bytes.fromhex(kat["nonce"]),
        bytes.fromhex(kat["ephemeral"]),
        bytes([kat["member_seed_byte"]] * 32),
    )
    assert secret == bytes([kat["secret_byte"]] * 32)


@pytest.mark.parametrize("kat", KATS["derive_room_secret"], ids=lambda k: f"seed{k['seed_byte']}-v{k['version']}")
def test_derive_room_secret_known_answers(kat: dict[str, object]) -> None:
    seed = bytes([int(str(kat["seed_byte"]))] * 32)
    owner_vk = _vk(bytes([int(str(kat["owner_seed_byte"]))] * 32))
    assert crypto.derive_room_secret(seed, owner_vk, int(str(kat["version"]))).hex() == kat["secret"]


def test_sig_digest_golden_vector() -> None:
    assert crypto.sig_digest(bytes(range(64))).hex() == KATS["sig_digest"]["digest"]


def test_private_key_conversion_agrees_with_libsodium() -> None:
    for seed in (bytes(32), bytes([3] * 32), bytes(range(32))):
        _pk, sk = nacl.bindings.crypto_sign_seed_keypair(seed)
        assert crypto.x25519_private_from_seed(seed) == nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(sk)
        public = X25519PrivateKey.from_private_bytes(crypto.x25519_private_from_seed(seed)).public_key()
        assert public.public_bytes_raw() == crypto.x25519_public_from_ed25519(_vk(seed))


def test_old_random_nonce_blob_still_opens() -> None:
    seed = bytes([7] * 32)
    secret = bytes([13] * 32)
    old_ephemeral = X25519PrivateKey.from_private_bytes(bytes([0x55] * 32))
    shared = old_ephemeral.exchange(X25519PublicKey.from_public_bytes(crypto.x25519_public_from_ed25519(_vk(seed))))
    nonce = bytes([0xAB] * 12)
    ct = AESGCM(hashlib.sha256(shared).digest()).encrypt(nonce, secret, None)
    got = crypto.decrypt_secret_for_member(ct, nonce, old_ephemeral.public_key().public_bytes_raw(), seed)
    assert got == secret


def test_blob_for_another_member_does_not_open() -> None:
    blob = crypto.encrypt_secret_for_member(bytes([9] * 32), _vk(bytes([1] * 32)))
    with pytest.raises(crypto.CryptoError, match="does not open"):
        crypto.decrypt_secret_for_member(blob.ciphertext, blob.nonce, blob.sender_ephemeral_public_key, bytes([2] * 32))


def test_deterministic_blob_differs_per_recipient_and_secret() -> None:
    a = crypto.encrypt_secret_for_member(bytes([1] * 32), _vk(bytes([1] * 32)))
    assert a == crypto.encrypt_secret_for_member(bytes([1] * 32), _vk(bytes([1] * 32)))
    assert a.ciphertext != crypto.encrypt_secret_for_member(bytes([1] * 32), _vk(bytes([2] * 32))).ciphertext
    assert a.ciphertext != crypto.encrypt_secret_for_member(bytes([2] * 32), _vk(bytes([1] * 32))).ciphertext


@given(st.binary(max_size=300), st.binary(min_size=32, max_size=32))
def test_aes_gcm_round_trip(plaintext: bytes, key: bytes) -> None:
    ct, nonce = crypto.aes_gcm_seal(key, plaintext)
    assert len(ct) == len(plaintext) + crypto.TAG_LEN and len(nonce) == crypto.NONCE_LEN
    assert crypto.aes_gcm_open(key, ct, nonce) == plaintext
    assert AESGCM(key).decrypt(nonce, ct, None) == plaintext  # no associated data


def test_aes_gcm_rejects_tampering_without_leaking() -> None:
    key = bytes([0x5A] * 32)
    ct, nonce = crypto.aes_gcm_seal(key, b"attack at dawn")
    bad = bytes([ct[0] ^ 1]) + ct[1:]
    with pytest.raises(crypto.CryptoError) as info:
        crypto.aes_gcm_open(key, bad, nonce)
    text = str(info.value)
    assert "attack" not in text and key.hex() not in text and "5a5a" not in text.lower()
    with pytest.raises(crypto.CryptoError):
        crypto.aes_gcm_open(bytes(32), ct, nonce)
    with pytest.raises(crypto.CryptoError):
        crypto.aes_gcm_open(key, ct[:5], nonce)


def test_nonces_are_fresh() -> None:
    key = crypto.generate_room_secret()
    assert crypto.aes_gcm_seal(key, b"x")[1] != crypto.aes_gcm_seal(key, b"x")[1]


def test_derive_separates_versions_and_rejects_out_of_range() -> None:
    seed, vk = bytes([7] * 32), _vk(bytes([1] * 32))
    assert crypto.derive_room_secret(seed, vk, 0) != crypto.derive_room_secret(seed, vk, 1)
    with pytest.raises(crypto.CryptoError):
        crypto.derive_room_secret(seed, vk, 1 << 32)


def test_dm_envelope_round_trip() -> None:
    seed = bytes([11] * 32)
    env = crypto.seal_dm(_vk(seed), b"hello")
    assert len(env) == 5 + crypto.DM_ENVELOPE_OVERHEAD
    assert env != crypto.seal_dm(_vk(seed), b"hello")
    assert crypto.unseal_dm(seed, env) == b"hello"
    with pytest.raises(crypto.CryptoError):
        crypto.unseal_dm(bytes([12] * 32), env)
    with pytest.raises(crypto.CryptoError):
        crypto.unseal_dm(seed, env[:43])


def test_bad_verifying_key_is_a_crypto_error() -> None:
    with pytest.raises(crypto.CryptoError):
        crypto.x25519_public_from_ed25519(bytes(32))  # identity point has small order


def test_blob_repr_hides_bytes() -> None:
    blob = crypto.encrypt_secret_for_member(bytes([42] * 32), _vk(bytes([3] * 32)))
    assert blob.ciphertext.hex()[:8] not in repr(blob)
