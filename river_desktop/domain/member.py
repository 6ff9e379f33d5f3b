"""River's ``Member`` / ``AuthorizedMember``: a membership granted and signed by the inviter.

Wire shape (formats.md §6), keys in exactly this order::

    Member           = {"owner_member_id": int, "invited_by": int, "member_vk": bstr(32)}
    AuthorizedMember = {"member": Member, "signature": [64 uints]}
"""

from __future__ import annotations

from dataclasses import dataclass

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import (
    SIGNATURE_LEN,
    VERIFYING_KEY_LEN,
    SigningIdentity,
    member_id,
    member_id_display,
    verify,
)


@dataclass(frozen=True)
class Member:
    owner_member_id: int
    invited_by: int
    member_vk: bytes

    @classmethod
    def for_room(cls, owner_vk: bytes, inviter_vk: bytes, member_vk: bytes) -> Member:
        return cls(member_id(owner_vk), member_id(inviter_vk), member_vk)

    @property
    def id(self) -> int:
        return member_id(self.member_vk)

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "owner_member_id": self.owner_member_id,
            "invited_by": self.invited_by,
            "member_vk": self.member_vk,
        }

    def encode(self) -> bytes:
        """The exact bytes the inviter signs."""
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> Member:
        m = cbor.expect_map(obj, ("owner_member_id", "invited_by", "member_vk"), "member")
        return cls(
            cbor.expect_int(m["owner_member_id"], "owner_member_id", signed64=True),
            cbor.expect_int(m["invited_by"], "invited_by", signed64=True),
            cbor.expect_bytes(m["member_vk"], VERIFYING_KEY_LEN, "member_vk"),
        )

    def __repr__(self) -> str:
        return (
            f"Member(id={member_id_display(self.id)}, invited_by={member_id_display(self.invited_by)}, "
            f"owner={member_id_display(self.owner_member_id)})"
        )


@dataclass(frozen=True)
class AuthorizedMember:
    member: Member
    signature: bytes

    @classmethod
    def create(cls, owner_vk: bytes, inviter: SigningIdentity, member_vk: bytes) -> AuthorizedMember:
        member = Member.for_room(owner_vk, inviter.verifying_key, member_vk)
        return cls(member, inviter.sign(member.encode()))

    @property
    def member_vk(self) -> bytes:
        return self.member.member_vk

    def verify(self, inviter_vk: bytes) -> bool:
        """True when ``inviter_vk`` is the key named by ``invited_by`` and it signed this member."""
        if member_id(inviter_vk) != self.member.invited_by:
            return False
        return verify(inviter_vk, self.member.encode(), self.signature)

    def to_obj(self) -> dict[str, CborObj]:
        return {"member": self.member.to_obj(), "signature": cbor.int_array(self.signature)}

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> AuthorizedMember:
        m = cbor.expect_map(obj, ("member", "signature"), "authorized member")
        member = Member.from_obj(m["member"])
        signature = cbor.bytes_from_int_array(m["signature"], SIGNATURE_LEN, "signature")
        return cls(member, signature)


__all__ = ["AuthorizedMember", "DecodeError", "Member"]
