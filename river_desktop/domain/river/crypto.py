"""River's cryptography for private rooms, on plain bytes (``common/src/ecies.rs``, ``key_derivation.rs``).

* Room content: AES-256-GCM under the 32-byte room secret, random 12-byte nonce, no associated data; the
  ciphertext is ``ct || 16-byte tag``.
* Secret blobs: ECIES to a member's ed25519 key. The recipient's X25519 key is the Montgomery form of the
  ed25519 key; the sender's ephemeral key is derived from ``(secret, member_vk)`` so the owner's replicas agree
  byte for byte, which is safe only because the plaintext is that very secret; the AES key is the SHA-256 of
  the shared point and the nonce is zero. Blobs from before that change used random nonces and still open.
* Rotation secrets: a two-step BLAKE3 KDF from the owner's seed.

Every secret stays out of ``repr`` and exception text; errors name the step that failed, nothing more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import blake3
import nacl.bindings
import nacl.exceptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

ROOM_SECRET_LEN = 32
NONCE_LEN = 12
TAG_LEN = 16
X25519_KEY_LEN = 32
SIG_DIGEST_LEN = 16
DM_ENVELOPE_OVERHEAD = X25519_KEY_LEN + NONCE_LEN + TAG_LEN
MAX_SECRET_VERSION = (1 << 32) - 1

ECIES_EPHEMERAL_DOMAIN = b"river-ecies-ephemeral-v1 2026-05"
ROOM_SECRET_ROOT_CONTEXT = "river-rotate v1 2026-04 room-secret-root"
_ZERO_NONCE = bytes(NONCE_LEN)


class CryptoError(ValueError):
    """A seal, open or key conversion failed. The message never carries key, secret or plaintext bytes."""


def _need(value: bytes, length: int, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != length:
        raise CryptoError(f"{what} must be {length} bytes")
    return bytes(value)


def generate_room_secret() -> bytes:
    """A fresh random room secret, as River's UI and riverctl make version 0."""
    return os.urandom(ROOM_SECRET_LEN)


def _seal(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """AES-256-GCM; ``cryptography`` is imported on first use (reading a public room never needs it)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key).encrypt(nonce, plaintext, None)


def _open(key: bytes, nonce: bytes, ciphertext: bytes, failure: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise CryptoError(failure) from None


def _x25519_private(raw: bytes | None) -> X25519PrivateKey:
    """The key of these 32 bytes, or a fresh one for ``None``."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.generate() if raw is None else X25519PrivateKey.from_private_bytes(raw)


def aes_gcm_seal(key: bytes, plaintext: bytes, nonce: bytes | None = None) -> tuple[bytes, bytes]:
    """``(ct || tag, nonce)`` under ``key``; a random nonce unless one is given (tests only)."""
    _need(key, ROOM_SECRET_LEN, "an AES-256 key")
    used = os.urandom(NONCE_LEN) if nonce is None else _need(nonce, NONCE_LEN, "a nonce")
    return _seal(bytes(key), used, bytes(plaintext)), used


def aes_gcm_open(key: bytes, ciphertext: bytes, nonce: bytes) -> bytes:
    """Inverse of :func:`aes_gcm_seal`; a wrong key or altered bytes raise :class:`CryptoError`."""
    _need(key, ROOM_SECRET_LEN, "an AES-256 key")
    _need(nonce, NONCE_LEN, "a nonce")
    if len(ciphertext) < TAG_LEN:
        raise CryptoError("ciphertext is shorter than its authentication tag")
    return _open(bytes(key), bytes(nonce), bytes(ciphertext), "decryption failed: wrong secret or altered ciphertext")


def x25519_public_from_ed25519(verifying_key: bytes) -> bytes:
    """The Montgomery u-coordinate of an ed25519 public key (River: ``ed25519_to_x25519_public_key``)."""
    _need(verifying_key, 32, "a verifying key")
    try:
        return bytes(nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(bytes(verifying_key)))
    except (nacl.exceptions.RuntimeError, nacl.exceptions.CryptoError, ValueError):
        raise CryptoError("the verifying key is not a usable ed25519 point") from None


def x25519_private_from_seed(seed: bytes) -> bytes:
    """River's recipient key: ``SHA-512(seed)[..32]``, clamped (libsodium's ``sk_to_curve25519`` agrees)."""
    import hashlib  # here, not at the top: OpenSSL's load would cost every CLI start, private room or not

    h = bytearray(hashlib.sha512(_need(seed, 32, "a signing key seed")).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return bytes(h)


def _shared_key(private: bytes, public: bytes) -> bytes:
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    try:
        shared = _x25519_private(private).exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError:
        raise CryptoError("key agreement failed: the peer key has small order") from None
    return hashlib.sha256(shared).digest()


@dataclass(frozen=True, repr=False)
class SecretBlob:
    """An ECIES envelope of one room secret: what ``EncryptedSecretForMemberV1`` carries."""

    ciphertext: bytes
    nonce: bytes
    sender_ephemeral_public_key: bytes

    def __repr__(self) -> str:
        return f"SecretBlob({len(self.ciphertext)} bytes)"


def encrypt_secret_for_member(secret: bytes, member_vk: bytes) -> SecretBlob:
    """River's deterministic ``encrypt_secret_for_member``: same inputs, same bytes, on every replica."""
    _need(secret, ROOM_SECRET_LEN, "a room secret")
    _need(member_vk, 32, "a verifying key")
    ephemeral = blake3.blake3(ECIES_EPHEMERAL_DOMAIN + bytes(secret) + bytes(member_vk)).digest()
    ephemeral_public = _x25519_private(ephemeral).public_key().public_bytes_raw()
    key = _shared_key(ephemeral, x25519_public_from_ed25519(member_vk))
    ciphertext = _seal(key, _ZERO_NONCE, bytes(secret))
    return SecretBlob(ciphertext, _ZERO_NONCE, ephemeral_public)


def decrypt_secret_for_member(
    ciphertext: bytes, nonce: bytes, sender_ephemeral_public_key: bytes, member_seed: bytes
) -> bytes:
    """Open a secret blob with the member's seed; any nonce is accepted, as old blobs used random ones."""
    _need(nonce, NONCE_LEN, "a nonce")
    _need(sender_ephemeral_public_key, X25519_KEY_LEN, "an ephemeral key")
    key = _shared_key(x25519_private_from_seed(member_seed), bytes(sender_ephemeral_public_key))
    plain = _open(key, bytes(nonce), bytes(ciphertext), "secret blob does not open with this member's key")
    if len(plain) != ROOM_SECRET_LEN:
        raise CryptoError(f"secret blob holds {len(plain)} bytes, not {ROOM_SECRET_LEN}")
    return plain


def derive_room_secret(owner_seed: bytes, owner_vk: bytes, version: int) -> bytes:
    """River's rotation secret: ``keyed_hash(derive_key(context, seed), owner_vk || version_le32)``."""
    _need(owner_seed, 32, "a signing key seed")
    _need(owner_vk, 32, "a verifying key")
    if not 0 <= version <= MAX_SECRET_VERSION:
        raise CryptoError("a secret version must fit in 32 bits")
    root = blake3.blake3(bytes(owner_seed), derive_key_context=ROOM_SECRET_ROOT_CONTEXT).digest()
    digest: bytes = blake3.blake3(bytes(owner_vk) + version.to_bytes(4, "little"), key=root).digest()
    return digest


def sig_digest(signature: bytes) -> bytes:
    """``BLAKE3(signature)[..16]``: River's member-info tiebreak and DM purge token."""
    digest: bytes = blake3.blake3(bytes(signature)).digest()
    return digest[:SIG_DIGEST_LEN]


def seal_dm(recipient_vk: bytes, plaintext: bytes) -> bytes:
    """River's DM envelope ``eph_pub || nonce || AES-GCM(...)`` with a fresh ephemeral key and nonce."""
    ephemeral = _x25519_private(None)
    key = _shared_key(ephemeral.private_bytes_raw(), x25519_public_from_ed25519(recipient_vk))
    nonce = os.urandom(NONCE_LEN)
    return ephemeral.public_key().public_bytes_raw() + nonce + _seal(key, nonce, bytes(plaintext))


def unseal_dm(recipient_seed: bytes, envelope: bytes) -> bytes:
    """Inverse of :func:`seal_dm` for the recipient."""
    if len(envelope) < X25519_KEY_LEN + NONCE_LEN:
        raise CryptoError("direct-message envelope is too short")
    ephemeral, nonce, ciphertext = envelope[:32], envelope[32:44], envelope[44:]
    key = _shared_key(x25519_private_from_seed(recipient_seed), bytes(ephemeral))
    return _open(key, bytes(nonce), bytes(ciphertext), "direct message does not open: wrong recipient or altered bytes")


__all__ = [
    "DM_ENVELOPE_OVERHEAD",
    "ECIES_EPHEMERAL_DOMAIN",
    "MAX_SECRET_VERSION",
    "NONCE_LEN",
    "ROOM_SECRET_LEN",
    "ROOM_SECRET_ROOT_CONTEXT",
    "SIG_DIGEST_LEN",
    "TAG_LEN",
    "CryptoError",
    "SecretBlob",
    "aes_gcm_open",
    "aes_gcm_seal",
    "decrypt_secret_for_member",
    "derive_room_secret",
    "encrypt_secret_for_member",
    "generate_room_secret",
    "seal_dm",
    "sig_digest",
    "unseal_dm",
    "x25519_private_from_seed",
    "x25519_public_from_ed25519",
]
