"""River's room-secret records, all signed by the owner (``secret.rs``).

Wire shapes::

    RoomSecretsV1 = {"current_version": u32, "versions": [AuthorizedSecretVersionRecord],
                     "encrypted_secrets": [AuthorizedEncryptedSecretForMember]}
    AuthorizedSecretVersionRecord = {"record": {"version", "cipher_spec": "Aes256Gcm", "created_at": SystemTime},
                                     "owner_signature": [64 uints]}
    AuthorizedEncryptedSecretForMember = {"secret": {"member_id", "secret_version", "ciphertext": [uints],
                                          "nonce": [12], "sender_ephemeral_public_key": [32], "provider"},
                                          "owner_signature": [64 uints]}

The ciphertext is an ECIES blob (another module opens it); here it is carried byte for byte.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import RiverDecodeError, SystemTime

CIPHER_AES256GCM = "Aes256Gcm"


@dataclass(frozen=True)
class SecretVersionRecord:
    version: int
    created_at: SystemTime
    cipher_spec: str = CIPHER_AES256GCM

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("version", c.enc_int(self.version)),
                ("cipher_spec", c.enc_text(self.cipher_spec)),
                ("created_at", self.created_at.encode()),
            )
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> SecretVersionRecord:
        w = "secret version record"
        m = c.fields(value, w)
        spec, _ = c.variant(c.req(m, "cipher_spec", w), "cipher_spec")
        if spec != CIPHER_AES256GCM:
            raise RiverDecodeError("cipher_spec has an unknown variant")
        return cls(
            c.uint(c.req(m, "version", w), "version", 32),
            SystemTime.from_obj(c.req(m, "created_at", w), "created_at"),
            spec,
        )


@dataclass(frozen=True)
class AuthorizedSecretVersionRecord:
    record: SecretVersionRecord
    owner_signature: bytes

    @classmethod
    def create(cls, record: SecretVersionRecord, owner: SigningIdentity) -> AuthorizedSecretVersionRecord:
        return cls(record, owner.sign(record.encode()))

    def verify(self, owner_vk: bytes) -> bool:
        return c.verify_cached(owner_vk, self.record.encode(), self.owner_signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (("record", self.record.encode()), ("owner_signature", c.enc_uint_array(self.owner_signature)))
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedSecretVersionRecord:
        w = "authorized secret version record"
        m = c.fields(value, w)
        return cls(
            SecretVersionRecord.from_obj(c.req(m, "record", w)),
            c.byte_field(c.req(m, "owner_signature", w), "owner_signature", SIGNATURE_LEN),
        )


@dataclass(frozen=True)
class EncryptedSecretForMember:
    member_id: int
    secret_version: int
    ciphertext: bytes
    nonce: bytes
    sender_ephemeral_public_key: bytes
    provider: int

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("member_id", c.enc_int(self.member_id)),
                ("secret_version", c.enc_int(self.secret_version)),
                ("ciphertext", c.enc_uint_array(self.ciphertext)),
                ("nonce", c.enc_uint_array(self.nonce)),
                ("sender_ephemeral_public_key", c.enc_uint_array(self.sender_ephemeral_public_key)),
                ("provider", c.enc_int(self.provider)),
            )
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> EncryptedSecretForMember:
        w = "encrypted secret"
        m = c.fields(value, w)
        return cls(
            c.i64(c.req(m, "member_id", w), "member_id"),
            c.uint(c.req(m, "secret_version", w), "secret_version", 32),
            c.byte_field(c.req(m, "ciphertext", w), "ciphertext"),
            c.byte_field(c.req(m, "nonce", w), "nonce", 12),
            c.byte_field(c.req(m, "sender_ephemeral_public_key", w), "sender_ephemeral_public_key", 32),
            c.i64(c.req(m, "provider", w), "provider"),
        )

    def __repr__(self) -> str:
        return f"EncryptedSecretForMember(member_id={self.member_id}, v{self.secret_version}, <sealed>)"


@dataclass(frozen=True)
class AuthorizedEncryptedSecret:
    secret: EncryptedSecretForMember
    owner_signature: bytes

    @classmethod
    def create(cls, secret: EncryptedSecretForMember, owner: SigningIdentity) -> AuthorizedEncryptedSecret:
        return cls(secret, owner.sign(secret.encode()))

    @property
    def key(self) -> tuple[int, int]:
        return (self.secret.secret_version, self.secret.member_id)

    def verify(self, owner_vk: bytes) -> bool:
        return c.verify_cached(owner_vk, self.secret.encode(), self.owner_signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (("secret", self.secret.encode()), ("owner_signature", c.enc_uint_array(self.owner_signature)))
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedEncryptedSecret:
        w = "authorized encrypted secret"
        m = c.fields(value, w)
        return cls(
            EncryptedSecretForMember.from_obj(c.req(m, "secret", w)),
            c.byte_field(c.req(m, "owner_signature", w), "owner_signature", SIGNATURE_LEN),
        )


@dataclass(frozen=True)
class RoomSecrets:
    current_version: int = 0
    versions: tuple[AuthorizedSecretVersionRecord, ...] = ()
    encrypted_secrets: tuple[AuthorizedEncryptedSecret, ...] = ()

    def encode(self) -> bytes:
        return c.enc_map(
            (
                ("current_version", c.enc_int(self.current_version)),
                ("versions", c.enc_array(v.encode() for v in self.versions)),
                ("encrypted_secrets", c.enc_array(s.encode() for s in self.encrypted_secrets)),
            )
        )

    @classmethod
    def from_obj(cls, value: object) -> RoomSecrets:
        w = "secrets"
        m = c.fields(value, w)
        return cls(
            c.uint(c.req(m, "current_version", w), "current_version", 32),
            c.seq(c.req(m, "versions", w), "versions", AuthorizedSecretVersionRecord.from_obj),
            c.seq(c.req(m, "encrypted_secrets", w), "encrypted_secrets", AuthorizedEncryptedSecret.from_obj),
        )


__all__ = [
    "AuthorizedEncryptedSecret",
    "AuthorizedSecretVersionRecord",
    "EncryptedSecretForMember",
    "RoomSecrets",
    "SecretVersionRecord",
]
