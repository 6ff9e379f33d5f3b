"""River's contract upgrade pointer, set only by the owner (``upgrade.rs``), and the state version.

Wire shapes::

    OptionalUpgradeV1   = null | AuthorizedUpgradeV1      (a newtype over Option)
    AuthorizedUpgradeV1 = {"upgrade": {"owner_member_id", "version": u8, "new_chatroom_address": [32 uints]},
                           "signature": [64 uints]}
    StateVersion        = u32     (a newtype; River's CLI and UI create rooms at the default, 0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c

CURRENT_STATE_VERSION = 1


@dataclass(frozen=True)
class Upgrade:
    owner_member_id: int
    version: int
    new_chatroom_address: bytes

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("owner_member_id", c.enc_int(self.owner_member_id)),
                ("version", c.enc_int(self.version)),
                ("new_chatroom_address", c.enc_uint_array(self.new_chatroom_address)),
            )
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> Upgrade:
        w = "upgrade"
        m = c.fields(value, w)
        return cls(
            c.i64(c.req(m, "owner_member_id", w), "owner_member_id"),
            c.uint(c.req(m, "version", w), "upgrade version", 8),
            c.byte_field(c.req(m, "new_chatroom_address", w), "new_chatroom_address", 32),
        )


@dataclass(frozen=True)
class AuthorizedUpgrade:
    upgrade: Upgrade
    signature: bytes

    @classmethod
    def create(cls, upgrade: Upgrade, owner: SigningIdentity) -> AuthorizedUpgrade:
        return cls(upgrade, owner.sign(upgrade.encode()))

    def verify(self, owner_vk: bytes) -> bool:
        return c.verify_cached(owner_vk, self.upgrade.encode(), self.signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map((("upgrade", self.upgrade.encode()), ("signature", c.enc_uint_array(self.signature))))

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedUpgrade:
        m = c.fields(value, "authorized upgrade")
        return cls(
            Upgrade.from_obj(c.req(m, "upgrade", "authorized upgrade")),
            c.byte_field(c.req(m, "signature", "authorized upgrade"), "signature", SIGNATURE_LEN),
        )


__all__ = ["CURRENT_STATE_VERSION", "AuthorizedUpgrade", "Upgrade"]
