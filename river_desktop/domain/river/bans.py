"""River's bans: ``UserBan`` signed by the banner (``ban.rs``).

Wire shapes::

    BansV1            = [AuthorizedUserBan]          (a newtype: just the array)
    AuthorizedUserBan = {"ban": UserBan, "banned_by": i64, "signature": [64 uints]}
    UserBan           = {"owner_member_id": i64, "banned_at": SystemTime, "banned_user": i64}

A ban's id is ``fast_hash`` of its signature; stored bans are ordered by ``(banned_at, id)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import SystemTime


@dataclass(frozen=True)
class UserBan:
    owner_member_id: int
    banned_at: SystemTime
    banned_user: int

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("owner_member_id", c.enc_int(self.owner_member_id)),
                ("banned_at", self.banned_at.encode()),
                ("banned_user", c.enc_int(self.banned_user)),
            )
        )

    def encode(self) -> bytes:
        """The bytes the banner signs."""
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> UserBan:
        m = c.fields(value, "ban")
        return cls(
            c.i64(c.req(m, "owner_member_id", "ban"), "owner_member_id"),
            SystemTime.from_obj(c.req(m, "banned_at", "ban"), "banned_at"),
            c.i64(c.req(m, "banned_user", "ban"), "banned_user"),
        )


@dataclass(frozen=True)
class AuthorizedUserBan:
    ban: UserBan
    banned_by: int
    signature: bytes

    @classmethod
    def create(cls, ban: UserBan, banner: SigningIdentity) -> AuthorizedUserBan:
        return cls(ban, banner.member_id, banner.sign(ban.encode()))

    @functools.cached_property
    def id(self) -> int:
        return c.fast_hash(self.signature)

    @property
    def order_key(self) -> tuple[SystemTime, int]:
        return (self.ban.banned_at, self.id)

    def verify(self, banner_vk: bytes) -> bool:
        return c.verify_cached(banner_vk, self.ban.encode(), self.signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("ban", self.ban.encode()),
                ("banned_by", c.enc_int(self.banned_by)),
                ("signature", c.enc_uint_array(self.signature)),
            )
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedUserBan:
        w = "authorized ban"
        m = c.fields(value, w)
        return cls(
            UserBan.from_obj(c.req(m, "ban", w)),
            c.i64(c.req(m, "banned_by", w), "banned_by"),
            c.byte_field(c.req(m, "signature", w), "signature", SIGNATURE_LEN),
        )


__all__ = ["AuthorizedUserBan", "UserBan"]
