"""River's room configuration: ``Configuration`` signed by the owner (``configuration.rs``, ``privacy.rs``).

Wire shapes (declaration order)::

    AuthorizedConfigurationV1 = {"configuration": Configuration, "signature": [64 uints]}
    Configuration = {owner_member_id, configuration_version, privacy_mode, display, max_recent_messages,
                     max_user_bans, max_message_size, max_nickname_size, max_members, max_room_name,
                     max_room_description[, max_direct_messages]}   # the last only when Some
    RoomDisplayMetadata = {"name": SealedBytes, "description": SealedBytes | null}
    SealedBytes = {"Public": {"value": [uints]}}
                | {"Private": {"ciphertext": [uints], "nonce": [12 uints], "secret_version", "declared_len_bytes"}}
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, replace

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError

DEFAULT_MAX_DIRECT_MESSAGES = 300
DEFAULT_ROOM_NAME = "Default Room Name"
NONCE_LEN = 12


class PrivacyMode(enum.Enum):
    PUBLIC = "Public"
    PRIVATE = "Private"


@dataclass(frozen=True)
class SealedBytes:
    """A room name, description or nickname: public UTF-8 bytes, or AES-GCM ciphertext under a room secret."""

    value: bytes
    """The public bytes, or the ciphertext when :attr:`nonce` is set."""
    nonce: bytes | None = None
    secret_version: int = 0
    declared_len_bytes: int = 0

    @classmethod
    def public(cls, text: str) -> SealedBytes:
        return cls(text.encode("utf-8"))

    @classmethod
    def private(cls, ciphertext: bytes, nonce: bytes, secret_version: int, declared_len_bytes: int) -> SealedBytes:
        return cls(ciphertext, nonce, secret_version, declared_len_bytes)

    @property
    def is_public(self) -> bool:
        return self.nonce is None

    def declared_len(self) -> int:
        """River's length check: the public byte length, or the length the sealer declared."""
        return len(self.value) if self.nonce is None else self.declared_len_bytes

    def public_text(self) -> str | None:
        return self.value.decode("utf-8", "replace") if self.nonce is None else None

    @functools.cached_property
    def encoded(self) -> bytes:
        if self.nonce is None:
            return c.enc_variant("Public", c.enc_map((("value", c.enc_uint_array(self.value)),)))
        body = c.enc_map(
            (
                ("ciphertext", c.enc_uint_array(self.value)),
                ("nonce", c.enc_uint_array(self.nonce)),
                ("secret_version", c.enc_int(self.secret_version)),
                ("declared_len_bytes", c.enc_int(self.declared_len_bytes)),
            )
        )
        return c.enc_variant("Private", body)

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object, what: str = "sealed bytes") -> SealedBytes:
        name, body = c.variant(value, what)
        m = c.fields(body, what)
        if name == "Public":
            return cls(c.byte_field(c.req(m, "value", what), f"{what}.value"))
        if name == "Private":
            return cls(
                c.byte_field(c.req(m, "ciphertext", what), f"{what}.ciphertext"),
                c.byte_field(c.req(m, "nonce", what), f"{what}.nonce", NONCE_LEN),
                c.uint(c.req(m, "secret_version", what), f"{what}.secret_version", 32),
                c.uint(c.req(m, "declared_len_bytes", what), f"{what}.declared_len_bytes", 32),
            )
        raise RiverDecodeError(f"{what} has an unknown variant")

    def __repr__(self) -> str:
        kind = "Public" if self.nonce is None else f"Private(v{self.secret_version})"
        return f"SealedBytes({kind}, {self.declared_len()} bytes)"


@dataclass(frozen=True)
class RoomDisplayMetadata:
    name: SealedBytes
    description: SealedBytes | None = None

    @classmethod
    def public(cls, name: str, description: str | None = None) -> RoomDisplayMetadata:
        return cls(SealedBytes.public(name), None if description is None else SealedBytes.public(description))

    def encode(self) -> bytes:
        desc = None if self.description is None else self.description.encode()
        return c.enc_map((("name", self.name.encode()), ("description", c.enc_opt(desc))))

    @classmethod
    def from_obj(cls, value: object) -> RoomDisplayMetadata:
        m = c.fields(value, "display")
        desc = c.opt(m, "description")
        return cls(
            SealedBytes.from_obj(c.req(m, "name", "display"), "room name"),
            None if desc is None else SealedBytes.from_obj(desc, "room description"),
        )


_DEFAULT_DISPLAY = RoomDisplayMetadata.public(DEFAULT_ROOM_NAME)


@dataclass(frozen=True)
class Configuration:
    """``Configuration`` with River's defaults (``Configuration::default()``)."""

    owner_member_id: int = 0
    configuration_version: int = 1
    privacy_mode: PrivacyMode = PrivacyMode.PUBLIC
    display: RoomDisplayMetadata = _DEFAULT_DISPLAY
    max_recent_messages: int = 100
    max_user_bans: int = 10
    max_message_size: int = 1000
    max_nickname_size: int = 50
    max_members: int = 200
    max_room_name: int = 100
    max_room_description: int = 500
    max_direct_messages: int | None = None

    @property
    def effective_max_direct_messages(self) -> int:
        return DEFAULT_MAX_DIRECT_MESSAGES if self.max_direct_messages is None else self.max_direct_messages

    @functools.cached_property
    def encoded(self) -> bytes:
        pairs = [
            ("owner_member_id", c.enc_int(self.owner_member_id)),
            ("configuration_version", c.enc_int(self.configuration_version)),
            ("privacy_mode", c.enc_text(self.privacy_mode.value)),
            ("display", self.display.encode()),
            ("max_recent_messages", c.enc_int(self.max_recent_messages)),
            ("max_user_bans", c.enc_int(self.max_user_bans)),
            ("max_message_size", c.enc_int(self.max_message_size)),
            ("max_nickname_size", c.enc_int(self.max_nickname_size)),
            ("max_members", c.enc_int(self.max_members)),
            ("max_room_name", c.enc_int(self.max_room_name)),
            ("max_room_description", c.enc_int(self.max_room_description)),
        ]
        if self.max_direct_messages is not None:
            pairs.append(("max_direct_messages", c.enc_int(self.max_direct_messages)))
        return c.enc_map(pairs)

    def encode(self) -> bytes:
        """The bytes the owner signs."""
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> Configuration:
        w = "configuration"
        m = c.fields(value, w)
        mode_name, _ = c.variant(c.req(m, "privacy_mode", w), "privacy_mode")
        try:
            mode = PrivacyMode(mode_name)
        except ValueError:
            raise RiverDecodeError("privacy_mode has an unknown variant") from None
        mdm = c.opt(m, "max_direct_messages")

        def usize(key: str) -> int:
            return c.uint(c.req(m, key, w), key)

        return cls(
            owner_member_id=c.i64(c.req(m, "owner_member_id", w), "owner_member_id"),
            configuration_version=c.uint(c.req(m, "configuration_version", w), "configuration_version", 32),
            privacy_mode=mode,
            display=RoomDisplayMetadata.from_obj(c.req(m, "display", w)),
            max_recent_messages=usize("max_recent_messages"),
            max_user_bans=usize("max_user_bans"),
            max_message_size=usize("max_message_size"),
            max_nickname_size=usize("max_nickname_size"),
            max_members=usize("max_members"),
            max_room_name=usize("max_room_name"),
            max_room_description=usize("max_room_description"),
            max_direct_messages=None if mdm is None else c.uint(mdm, "max_direct_messages"),
        )

    def check_update_values(self) -> None:
        """The value checks River applies to a configuration arriving in a delta (``configuration.rs``)."""
        limits = (
            self.max_recent_messages,
            self.max_user_bans,
            self.max_message_size,
            self.max_nickname_size,
            self.max_members,
            self.max_room_name,
            self.max_room_description,
        )
        if 0 in limits or self.max_direct_messages == 0:
            raise RiverRuleError("Invalid configuration values")
        if self.display.name.declared_len() > self.max_room_name:
            raise RiverRuleError(
                f"Room name declared length {self.display.name.declared_len()} exceeds max_room_name "
                f"{self.max_room_name}"
            )
        desc = self.display.description
        if desc is not None and desc.declared_len() > self.max_room_description:
            raise RiverRuleError(
                f"Room description declared length {desc.declared_len()} exceeds max_room_description "
                f"{self.max_room_description}"
            )
        if self.privacy_mode is PrivacyMode.PRIVATE and self.display.name.is_public:
            raise RiverRuleError("Private room must have encrypted display metadata")


@dataclass(frozen=True)
class AuthorizedConfiguration:
    configuration: Configuration
    signature: bytes

    @classmethod
    def create(cls, configuration: Configuration, owner: SigningIdentity) -> AuthorizedConfiguration:
        return cls(configuration, owner.sign(configuration.encode()))

    def with_changes(self, owner: SigningIdentity, **changes: object) -> AuthorizedConfiguration:
        """A re-signed copy with the given fields changed and the version bumped."""
        cfg = self.configuration
        new = replace(cfg, configuration_version=cfg.configuration_version + 1, **changes)  # type: ignore[arg-type]
        return AuthorizedConfiguration.create(new, owner)

    def verify(self, owner_vk: bytes) -> bool:
        return c.verify_cached(owner_vk, self.configuration.encode(), self.signature)

    @property
    def id(self) -> int:
        return c.fast_hash(self.signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (("configuration", self.configuration.encode()), ("signature", c.enc_uint_array(self.signature)))
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedConfiguration:
        m = c.fields(value, "authorized configuration")
        return cls(
            Configuration.from_obj(c.req(m, "configuration", "authorized configuration")),
            c.byte_field(c.req(m, "signature", "authorized configuration"), "signature", SIGNATURE_LEN),
        )


__all__ = [
    "DEFAULT_MAX_DIRECT_MESSAGES",
    "AuthorizedConfiguration",
    "Configuration",
    "PrivacyMode",
    "RoomDisplayMetadata",
    "SealedBytes",
]
