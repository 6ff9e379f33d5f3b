"""Private-room sealing over CBOR object trees, with River's field names and order.

River seals three kinds of value (``common/src/room_state/privacy.rs``, ``cli/src/private_room.rs``):

* ``SealedBytes`` (room name, description, nicknames): plaintext is the raw UTF-8 bytes;
* ``RoomMessageBody::Private``: plaintext is the CBOR of the content struct, ``content_type`` and
  ``content_version`` stay in clear;
* per-member secret blobs in ``RoomSecretsV1``, signed by the owner.

Shapes, as ciborium writes them (byte vectors are arrays of uints)::

    SealedBytes  = {"Public": {"value": [..]}}
                 | {"Private": {"ciphertext": [..], "nonce": [12], "secret_version": u32, "declared_len_bytes": u32}}
    Body         = {"Public": {"content_type", "content_version", "data": [..]}}
                 | {"Private": {"content_type", "content_version", "ciphertext": [..], "nonce": [12], "secret_version"}}
    RoomSecretsV1 = {"current_version", "versions": [Record], "encrypted_secrets": [Blob]}
    Record = {"record": {"version", "cipher_spec": "Aes256Gcm", "created_at": SystemTime}, "owner_signature": [64]}
    Blob   = {"secret": {"member_id", "secret_version", "ciphertext", "nonce", "sender_ephemeral_public_key",
                         "provider"}, "owner_signature": [64]}
    SecretsDelta = {"current_version": u32 | null, "new_versions": [Record], "new_encrypted_secrets": [Blob]}

Nothing here shows a secret, a plaintext or a ciphertext as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import SigningIdentity, member_id
from river_desktop.domain.river import content as contents
from river_desktop.domain.river import crypto
from river_desktop.domain.river.content import Content, UnknownContent

if TYPE_CHECKING:
    import logging


def _log() -> logging.Logger:
    """Made when a warning is first logged: importing ``logging`` would cost every CLI start a few milliseconds
    (``messages list`` on a public room opens nothing)."""
    import logging

    return logging.getLogger(__name__)

CIPHER_SPEC = "Aes256Gcm"


class PrivacyError(ValueError):
    """A sealed value cannot be read or built; the message never holds secret or ciphertext bytes."""


class SecretNotHeld(PrivacyError):
    """We have no room secret for the version a value was sealed under."""

    def __init__(self, version: int) -> None:
        super().__init__(f"secret version {version} not held")
        self.version = version


def _u32(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= crypto.MAX_SECRET_VERSION:
        raise PrivacyError(f"{what} must be an unsigned 32-bit integer")
    return value


def _byte_vec(value: object, length: int | None, what: str) -> bytes:
    """A serde byte vector: an array of byte values, or (as ciborium also reads it) a byte string."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, list) and set(map(type, value)) <= {int}:
        # The common case, checked in C: a per-item generator was a fifth of every message index write.
        try:
            raw = bytes(value)
        except ValueError:
            raise PrivacyError(f"{what} must hold byte values") from None
    elif isinstance(value, list) and all(isinstance(b, int) and not isinstance(b, bool) for b in value):
        try:
            raw = bytes(value)
        except ValueError:
            raise PrivacyError(f"{what} must hold byte values") from None
    else:
        raise PrivacyError(f"{what} must be a byte array")
    if length is not None and len(raw) != length:
        raise PrivacyError(f"{what} must be {length} bytes")
    return raw


def _variant(obj: object, what: str) -> tuple[str, Mapping[str, Any]]:
    """An externally tagged struct variant: a one-entry map ``{"Name": {...}}``."""
    if not isinstance(obj, dict) or len(obj) != 1:
        raise PrivacyError(f"{what} must be a one-entry map naming its variant")
    ((name, inner),) = obj.items()
    if name not in ("Public", "Private") or not isinstance(inner, dict):
        raise PrivacyError(f"{what} has an unknown variant")
    return name, inner


def _secret32(secret: bytes) -> bytes:
    if not isinstance(secret, bytes) or len(secret) != crypto.ROOM_SECRET_LEN:
        raise PrivacyError("a room secret must be 32 bytes")
    return secret


def _field(m: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in m:
        raise PrivacyError(f"{what} is missing {name}")
    return m[name]


# --- the keyring -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RoomSecrets:
    """The room secrets we hold, by version. Immutable; every change returns a new keyring."""

    items: tuple[tuple[int, bytes], ...] = ()

    def __post_init__(self) -> None:
        seen: dict[int, bytes] = {}
        for version, secret in self.items:
            _u32(version, "secret version")
            if not isinstance(secret, bytes) or len(secret) != crypto.ROOM_SECRET_LEN:
                raise PrivacyError(f"the secret for version {version} must be 32 bytes")
            seen[version] = secret
        object.__setattr__(self, "items", tuple(sorted(seen.items())))

    @classmethod
    def from_invitation(cls, room_secrets: Iterable[tuple[int, bytes]]) -> RoomSecrets:
        """From ``Invitation.room_secrets`` or a persisted ``invitation_secrets`` map's items."""
        return cls(tuple((int(v), bytes(s)) for v, s in room_secrets))

    @classmethod
    def collect(
        cls,
        secrets_obj: object,
        member_seed: bytes,
        invitation_secrets: Iterable[tuple[int, bytes]] = (),
    ) -> RoomSecrets:
        """River's ``collect_secrets_for_room``: open every blob addressed to us, then fill gaps from invitations.

        An owner-signed blob wins over an invitation-carried secret of the same version. Blobs that do not
        open are skipped (and logged by version only). Signatures are the room state's business, not ours.
        """
        own_id = member_id(SigningIdentity(member_seed).verifying_key)
        found: dict[int, bytes] = {}
        for blob in _blobs(secrets_obj):
            if blob.member_id != own_id:
                continue
            try:
                found[blob.secret_version] = crypto.decrypt_secret_for_member(
                    blob.ciphertext, blob.nonce, blob.sender_ephemeral_public_key, member_seed
                )
            except crypto.CryptoError as exc:
                _log().warning("secret blob for version %d does not open: %s", blob.secret_version, exc)
        for version, secret in invitation_secrets:
            found.setdefault(int(version), bytes(secret))
        return cls(tuple(found.items()))

    def get(self, version: int) -> bytes:
        for v, secret in self.items:
            if v == version:
                return secret
        raise SecretNotHeld(version)

    def with_secret(self, version: int, secret: bytes) -> RoomSecrets:
        """A keyring where ``version`` maps to ``secret`` (replacing any previous one)."""
        return RoomSecrets((*((v, s) for v, s in self.items if v != version), (version, bytes(secret))))

    def merged(self, newer: Iterable[tuple[int, bytes]]) -> RoomSecrets:
        """River's ``merge_invitation_secrets``: the incoming secrets win on a version collision."""
        result = self
        for version, secret in newer:
            result = result.with_secret(int(version), bytes(secret))
        return result

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(v for v, _ in self.items)

    @property
    def latest_version(self) -> int | None:
        return self.items[-1][0] if self.items else None

    def __contains__(self, version: object) -> bool:
        return any(v == version for v, _ in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        """``(version, secret)`` ascending: the order ``Invitation.room_secrets`` is written in."""
        return iter(self.items)

    def __repr__(self) -> str:
        return f"RoomSecrets(versions={list(self.versions)})"

    __str__ = __repr__


# --- SealedBytes -------------------------------------------------------------------------------


def public_sealed(value: bytes) -> dict[str, CborObj]:
    return {"Public": {"value": cbor.int_array(bytes(value))}}


def seal_bytes(plaintext: bytes, secret: bytes, secret_version: int) -> dict[str, CborObj]:
    """River's ``seal_bytes``: AES-256-GCM with a fresh nonce; ``declared_len_bytes`` is the plaintext length."""
    _u32(secret_version, "secret version")
    ciphertext, nonce = crypto.aes_gcm_seal(secret, plaintext)
    return {
        "Private": {
            "ciphertext": cbor.int_array(ciphertext),
            "nonce": cbor.int_array(nonce),
            "secret_version": secret_version,
            "declared_len_bytes": len(plaintext),
        }
    }


def seal_for_room(plaintext: bytes, secrets: RoomSecrets | None, current_version: int) -> dict[str, CborObj]:
    """Public bytes for a public room (``secrets is None``); sealed under ``current_version`` otherwise.

    Like riverctl, this refuses rather than write plaintext into a private room when that secret is missing.
    """
    if secrets is None:
        return public_sealed(plaintext)
    return seal_bytes(plaintext, secrets.get(current_version), current_version)


def sealed_secret_version(sealed: object) -> int | None:
    name, inner = _variant(sealed, "sealed value")
    return None if name == "Public" else _u32(_field(inner, "secret_version", "sealed value"), "secret_version")


def sealed_declared_len(sealed: object) -> int:
    """River's ``declared_len``: what the contract checks against the name/nickname limits."""
    name, inner = _variant(sealed, "sealed value")
    if name == "Public":
        return len(_byte_vec(_field(inner, "value", "sealed value"), None, "value"))
    return _u32(_field(inner, "declared_len_bytes", "sealed value"), "declared_len_bytes")


def unseal_bytes(sealed: object, secrets: RoomSecrets) -> bytes:
    """The plaintext of a ``SealedBytes`` tree; raises :class:`SecretNotHeld` or :class:`PrivacyError`."""
    name, inner = _variant(sealed, "sealed value")
    if name == "Public":
        return _byte_vec(_field(inner, "value", "sealed value"), None, "value")
    version = _u32(_field(inner, "secret_version", "sealed value"), "secret_version")
    nonce = _byte_vec(_field(inner, "nonce", "sealed value"), crypto.NONCE_LEN, "nonce")
    ciphertext = _byte_vec(_field(inner, "ciphertext", "sealed value"), None, "ciphertext")
    try:
        return crypto.aes_gcm_open(secrets.get(version), ciphertext, nonce)
    except crypto.CryptoError as exc:
        raise PrivacyError(f"sealed value (secret version {version}) does not open: {exc}") from None


class UnsealStatus(Enum):
    PUBLIC = "public"
    DECRYPTED = "decrypted"
    SECRET_NOT_HELD = "secret not held"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class UnsealedText:
    """A name or nickname as a reader may see it: the text, or a placeholder that says why not."""

    status: UnsealStatus
    text: str | None
    secret_version: int | None = None

    @property
    def display(self) -> str:
        if self.text is not None:
            return self.text
        if self.status is UnsealStatus.SECRET_NOT_HELD:
            return f"[encrypted: secret version {self.secret_version} not held]"
        return "[encrypted: cannot be read]"


def unseal_text(sealed: object, secrets: RoomSecrets) -> UnsealedText:
    """Never raises: decode failures become a placeholder. UTF-8 is decoded lossily, as River does."""
    try:
        version = sealed_secret_version(sealed)
    except PrivacyError:
        return UnsealedText(UnsealStatus.UNREADABLE, None)
    try:
        plain = unseal_bytes(sealed, secrets)
    except SecretNotHeld:
        return UnsealedText(UnsealStatus.SECRET_NOT_HELD, None, version)
    except PrivacyError:
        return UnsealedText(UnsealStatus.UNREADABLE, None, version)
    status = UnsealStatus.PUBLIC if version is None else UnsealStatus.DECRYPTED
    return UnsealedText(status, plain.decode("utf-8", errors="replace"), version)


# --- message bodies ----------------------------------------------------------------------------


def _type_and_version(content: Content) -> tuple[int, int]:
    return content.content_type, content.content_version


def public_message_body(content: Content) -> dict[str, CborObj]:
    content_type, content_version = _type_and_version(content)
    return {
        "Public": {
            "content_type": content_type,
            "content_version": content_version,
            "data": cbor.int_array(content.encode()),
        }
    }


def encrypt_message_body(content: Content, secret: bytes, secret_version: int) -> dict[str, CborObj]:
    """``RoomMessageBody::Private``: the content's CBOR under AES-256-GCM, type and version in clear."""
    _u32(secret_version, "secret version")
    content_type, content_version = _type_and_version(content)
    ciphertext, nonce = crypto.aes_gcm_seal(secret, content.encode())
    return {
        "Private": {
            "content_type": content_type,
            "content_version": content_version,
            "ciphertext": cbor.int_array(ciphertext),
            "nonce": cbor.int_array(nonce),
            "secret_version": secret_version,
        }
    }


@dataclass(frozen=True)
class BodyHeader:
    """What anyone can read of a body without a secret."""

    private: bool
    content_type: int
    content_version: int
    secret_version: int | None
    content_len: int

    @property
    def is_action(self) -> bool:
        return self.content_type == contents.CONTENT_TYPE_ACTION


def body_header(body: object) -> BodyHeader:
    name, inner = _variant(body, "message body")
    content_type = _u32(_field(inner, "content_type", "message body"), "content_type")
    content_version = _u32(_field(inner, "content_version", "message body"), "content_version")
    if name == "Public":
        data = _byte_vec(_field(inner, "data", "message body"), None, "data")
        return BodyHeader(False, content_type, content_version, None, len(data))
    version = _u32(_field(inner, "secret_version", "message body"), "secret_version")
    ciphertext = _byte_vec(_field(inner, "ciphertext", "message body"), None, "ciphertext")
    return BodyHeader(True, content_type, content_version, version, len(ciphertext))


def decrypt_message_body(body: object, secrets: RoomSecrets) -> Content:
    """The content of a public or private body.

    Raises :class:`SecretNotHeld`, :class:`PrivacyError` (does not open) or ``ContentError`` (opens but is
    not the content its type says).
    """
    name, inner = _variant(body, "message body")
    header = body_header(body)
    if name == "Public" or header.secret_version is None:
        plain = _byte_vec(inner["data"], None, "data")
    else:
        nonce = _byte_vec(_field(inner, "nonce", "message body"), crypto.NONCE_LEN, "nonce")
        ciphertext = _byte_vec(inner["ciphertext"], None, "ciphertext")
        try:
            plain = crypto.aes_gcm_open(secrets.get(header.secret_version), ciphertext, nonce)
        except crypto.CryptoError as exc:
            raise PrivacyError(f"message (secret version {header.secret_version}) does not open: {exc}") from None
    return contents.decode_content(header.content_type, header.content_version, plain)


class BodyStatus(Enum):
    READ = "read"
    SECRET_NOT_HELD = "secret not held"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class OpenedBody:
    """A body as the conversation view shows it: its content, or a reason it has none."""

    status: BodyStatus
    content: Content | None
    secret_version: int | None = None

    @property
    def placeholder(self) -> str | None:
        if self.status is BodyStatus.SECRET_NOT_HELD:
            return f"[encrypted message: secret version {self.secret_version} not held]"
        if self.status is BodyStatus.UNREADABLE:
            return "[message cannot be read]"
        if isinstance(self.content, UnknownContent):
            return f"[unsupported message type {self.content.content_type}.{self.content.content_version}]"
        return None


def open_message_body(body: object, secrets: RoomSecrets) -> OpenedBody:
    """Never raises: every failure becomes a status with a placeholder."""
    try:
        version = body_header(body).secret_version
    except PrivacyError:
        return OpenedBody(BodyStatus.UNREADABLE, None)
    try:
        return OpenedBody(BodyStatus.READ, decrypt_message_body(body, secrets), version)
    except SecretNotHeld:
        return OpenedBody(BodyStatus.SECRET_NOT_HELD, None, version)
    except (PrivacyError, DecodeError):
        return OpenedBody(BodyStatus.UNREADABLE, None, version)


# --- secrets records and rotation -----------------------------------------------------------


@dataclass(frozen=True, repr=False)
class _Blob:
    member_id: int
    secret_version: int
    ciphertext: bytes
    nonce: bytes
    sender_ephemeral_public_key: bytes


def _blobs(secrets_obj: object) -> list[_Blob]:
    """The ``encrypted_secrets`` of a ``RoomSecretsV1`` tree, or of a bare list of blobs."""
    entries = secrets_obj.get("encrypted_secrets", []) if isinstance(secrets_obj, dict) else secrets_obj
    if not isinstance(entries, list):
        raise PrivacyError("encrypted_secrets must be an array")
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("secret"), dict):
            raise PrivacyError("an encrypted secret must be a map with a secret")
        s = entry["secret"]
        mid = _field(s, "member_id", "encrypted secret")
        if not isinstance(mid, int) or isinstance(mid, bool):
            raise PrivacyError("member_id must be an integer")
        out.append(
            _Blob(
                mid,
                _u32(_field(s, "secret_version", "encrypted secret"), "secret_version"),
                _byte_vec(_field(s, "ciphertext", "encrypted secret"), None, "ciphertext"),
                _byte_vec(_field(s, "nonce", "encrypted secret"), crypto.NONCE_LEN, "nonce"),
                _byte_vec(
                    _field(s, "sender_ephemeral_public_key", "encrypted secret"),
                    crypto.X25519_KEY_LEN,
                    "sender_ephemeral_public_key",
                ),
            )
        )
    return out


def system_time(secs: int, nanos: int = 0) -> dict[str, CborObj]:
    """serde's ``SystemTime``."""
    return {"secs_since_epoch": secs, "nanos_since_epoch": nanos}


def secret_version_record(owner: SigningIdentity, version: int, created_at: tuple[int, int]) -> dict[str, CborObj]:
    """An owner-signed ``AuthorizedSecretVersionRecord``."""
    record = {
        "version": _u32(version, "secret version"),
        "cipher_spec": CIPHER_SPEC,
        "created_at": system_time(*created_at),
    }
    return {"record": record, "owner_signature": cbor.int_array(owner.sign(cbor.dumps(record)))}


def encrypted_secret_for_member(
    owner: SigningIdentity, member_vk: bytes, version: int, secret: bytes
) -> dict[str, CborObj]:
    """An owner-signed ``AuthorizedEncryptedSecretForMember`` carrying ``secret`` to ``member_vk``."""
    blob = crypto.encrypt_secret_for_member(secret, member_vk)
    inner = {
        "member_id": member_id(member_vk),
        "secret_version": _u32(version, "secret version"),
        "ciphertext": cbor.int_array(blob.ciphertext),
        "nonce": cbor.int_array(blob.nonce),
        "sender_ephemeral_public_key": cbor.int_array(blob.sender_ephemeral_public_key),
        "provider": owner.member_id,
    }
    return {"secret": inner, "owner_signature": cbor.int_array(owner.sign(cbor.dumps(inner)))}


def initial_room_secrets(
    owner: SigningIdentity, created_at: tuple[int, int], secret: bytes | None = None
) -> tuple[dict[str, CborObj], bytes]:
    """Version 0 of a new private room as River's UI and riverctl make it: a random secret, sent to the owner."""
    v0 = crypto.generate_room_secret() if secret is None else _secret32(secret)
    tree = {
        "current_version": 0,
        "versions": [secret_version_record(owner, 0, created_at)],
        "encrypted_secrets": [encrypted_secret_for_member(owner, owner.verifying_key, 0, v0)],
    }
    return tree, v0


def build_rotation_encrypted_secrets(
    owner: SigningIdentity,
    new_version: int,
    new_secret: bytes,
    member_vks: Sequence[bytes],
    existing_blobs: object,
) -> list[dict[str, CborObj]]:
    """River's ``build_rotation_encrypted_secrets``: blobs for the owner and each member, for every version held.

    Older secrets are recovered from the owner's own blobs (never re-derived: v0 is random). A
    ``(member, version)`` pair already present is skipped, as the contract refuses duplicates.
    """
    owner_id = owner.member_id
    blobs = _blobs(existing_blobs)
    existing = {(b.member_id, b.secret_version) for b in blobs}
    by_version: dict[int, bytes] = {}
    for b in blobs:
        if b.member_id != owner_id or b.secret_version >= new_version or b.secret_version in by_version:
            continue
        try:
            by_version[b.secret_version] = crypto.decrypt_secret_for_member(
                b.ciphertext, b.nonce, b.sender_ephemeral_public_key, owner.seed
            )
        except crypto.CryptoError:
            _log().warning("owner's secret blob for version %d does not open; it is not re-sent", b.secret_version)
    by_version[new_version] = _secret32(new_secret)
    recipients = [owner.verifying_key, *(vk for vk in member_vks if vk != owner.verifying_key)]
    out = []
    for vk in recipients:
        mid = member_id(vk)
        for version in sorted(by_version):
            if (mid, version) not in existing:
                out.append(encrypted_secret_for_member(owner, vk, version, by_version[version]))
    return out


@dataclass(frozen=True, repr=False)
class Rotation:
    """A rotation ready to send: the ``SecretsDelta`` tree and the new secret for our own keyring."""

    delta: dict[str, CborObj]
    version: int
    secret: bytes

    def __repr__(self) -> str:
        return f"Rotation(version={self.version}, blobs={len(self.delta['new_encrypted_secrets'])})"


def rotate_secrets(
    owner: SigningIdentity, secrets_obj: object, member_vks: Sequence[bytes], created_at: tuple[int, int]
) -> Rotation:
    """River's owner rotation: version ``current + 1`` from :func:`crypto.derive_room_secret`, signed and sent.

    ``member_vks`` are the members who keep access (the caller leaves out the banned ones).
    """
    if not isinstance(secrets_obj, dict):
        raise PrivacyError("room secrets must be a map")
    current = _u32(secrets_obj.get("current_version", 0), "current_version")
    if current == crypto.MAX_SECRET_VERSION:
        raise PrivacyError("the secret version cannot go past 2^32-1")
    version = current + 1
    secret = crypto.derive_room_secret(owner.seed, owner.verifying_key, version)
    blobs = build_rotation_encrypted_secrets(
        owner, version, secret, member_vks, secrets_obj.get("encrypted_secrets", [])
    )
    delta = {
        "current_version": version,
        "new_versions": [secret_version_record(owner, version, created_at)],
        "new_encrypted_secrets": blobs,
    }
    return Rotation(delta, version, secret)


__all__ = [
    "CIPHER_SPEC",
    "BodyHeader",
    "BodyStatus",
    "OpenedBody",
    "PrivacyError",
    "RoomSecrets",
    "Rotation",
    "SecretNotHeld",
    "UnsealStatus",
    "UnsealedText",
    "body_header",
    "build_rotation_encrypted_secrets",
    "decrypt_message_body",
    "encrypt_message_body",
    "encrypted_secret_for_member",
    "initial_room_secrets",
    "open_message_body",
    "public_message_body",
    "public_sealed",
    "rotate_secrets",
    "seal_bytes",
    "seal_for_room",
    "sealed_declared_len",
    "sealed_secret_version",
    "secret_version_record",
    "system_time",
    "unseal_bytes",
    "unseal_text",
]
