"""Ed25519 identities and River's member ids.

A member id is River's ``fast_hash`` of the verifying key: a 64-bit polynomial hash, *not*
cryptographic. It is only a display and wire label; every internal map is keyed by the full
verifying key.
"""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.signing

SEED_LEN = 32
VERIFYING_KEY_LEN = 32
SIGNATURE_LEN = 64

_MASK64 = (1 << 64) - 1


@functools.lru_cache(maxsize=65_536)
def member_id(verifying_key: bytes) -> int:
    """River's member id of a verifying key: ``h = h * 31 + b`` wrapping as a signed 64-bit int."""
    h = 0
    for b in verifying_key:
        h = (h * 31 + b) & _MASK64
    return h - (1 << 64) if h >= 1 << 63 else h


@functools.lru_cache(maxsize=65_536)
def member_id_display(mid: int) -> str:
    """River's 8-character display form: base32 of the id as 8 little-endian bytes."""
    raw = (mid & _MASK64).to_bytes(8, "little")
    return base64.b32encode(raw).decode("ascii")[:8]


@functools.lru_cache(maxsize=65_536)
def is_valid_verifying_key(data: bytes) -> bool:
    """True when ``data`` is 32 bytes encoding a usable ed25519 point."""
    if len(data) != VERIFYING_KEY_LEN:
        return False
    return bool(nacl.bindings.crypto_core_ed25519_is_valid_point(data))


def verify(verifying_key: bytes, message: bytes, signature: bytes) -> bool:
    """Check an ed25519 signature; any malformed input is simply ``False``."""
    if len(verifying_key) != VERIFYING_KEY_LEN or len(signature) != SIGNATURE_LEN:
        return False
    try:
        nacl.signing.VerifyKey(verifying_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True, eq=True, repr=False)
class SigningIdentity:
    """An ed25519 key pair. The seed is a secret: it never appears in ``repr``/``str``."""

    seed: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.seed, bytes | bytearray) or len(self.seed) != SEED_LEN:
            raise ValueError("a signing key seed must be exactly 32 bytes")
        object.__setattr__(self, "seed", bytes(self.seed))

    @functools.cached_property
    def verifying_key(self) -> bytes:
        """Derived on first use: loading many rooms need not derive every key up front."""
        return bytes(self._signing_key.verify_key)

    @classmethod
    def generate(cls) -> SigningIdentity:
        return cls(os.urandom(SEED_LEN))

    @property
    def member_id(self) -> int:
        return member_id(self.verifying_key)

    @functools.cached_property
    def _signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.seed)

    def sign(self, message: bytes) -> bytes:
        """Deterministic ed25519 signature (64 bytes) over ``message``."""
        return bytes(self._signing_key.sign(message).signature)

    def __repr__(self) -> str:
        return f"SigningIdentity(member={member_id_display(self.member_id)}, seed=<redacted>)"

    __str__ = __repr__

    def __copy__(self) -> SigningIdentity:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> SigningIdentity:
        return self
