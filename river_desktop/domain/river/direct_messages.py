"""River's in-room direct messages (``direct_messages.rs``): carried byte for byte, signed over explicit layouts.

Wire shapes::

    DirectMessagesV1          = {"messages": [AuthorizedDirectMessage], "purges": [AuthorizedRecipientPurges]}
    AuthorizedDirectMessage   = {"message": {"sender", "recipient", "timestamp": u64, "ciphertext": [uints]},
                                 "sender_signature": [64 uints]}
    AuthorizedRecipientPurges = {"recipient_id", "state": {"version": u64, "purged": [bstr16]},
                                 "recipient_signature": [64 uints]}

Unlike every other record, these are not signed over their CBOR but over fixed layouts
(river-model.md §2.5)::

    DM:    b"M" | sender i64 LE | recipient i64 LE | owner_vk[32] | timestamp u64 LE | len u32 LE | ciphertext
    purge: b"P" | recipient i64 LE | owner_vk[32] | version u64 LE | count u32 LE | 16-byte tokens
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

import blake3

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import RiverRuleError

MAX_DM_MESSAGES_PER_PAIR = 100
MAX_DM_CIPHERTEXT_BYTES = 32_768
MAX_PURGED_TOMBSTONES_PER_RECIPIENT = 1000
PURGE_TOKEN_LEN = 16


def purge_token(signature: bytes) -> bytes:
    """``PurgeToken``: the first 16 bytes of BLAKE3 of a DM's signature."""
    return blake3.blake3(signature).digest()[:PURGE_TOKEN_LEN]


def dm_signed_bytes(sender: int, recipient: int, owner_vk: bytes, timestamp: int, ciphertext: bytes) -> bytes:
    return (
        b"M"
        + struct.pack("<qq", sender, recipient)
        + owner_vk
        + struct.pack("<QI", timestamp, len(ciphertext))
        + (ciphertext)
    )


def purges_signed_bytes(recipient: int, owner_vk: bytes, version: int, purged: tuple[bytes, ...]) -> bytes:
    return b"P" + struct.pack("<q", recipient) + owner_vk + struct.pack("<QI", version, len(purged)) + b"".join(purged)


@dataclass(frozen=True)
class DirectMessage(c.Record):
    sender: int
    recipient: int
    timestamp: int
    ciphertext: bytes

    def encode(self) -> bytes:
        return c.enc_map(
            (
                ("sender", c.enc_int(self.sender)),
                ("recipient", c.enc_int(self.recipient)),
                ("timestamp", c.enc_int(self.timestamp)),
                ("ciphertext", c.enc_uint_array(self.ciphertext)),
            )
        )

    @classmethod
    def from_obj(cls, value: object) -> DirectMessage:
        w = "direct message"
        m = c.fields(value, w)
        return cls(
            c.i64(c.req(m, "sender", w), "sender"),
            c.i64(c.req(m, "recipient", w), "recipient"),
            c.uint(c.req(m, "timestamp", w), "timestamp"),
            c.byte_field(c.req(m, "ciphertext", w), "ciphertext"),
        )


@dataclass(frozen=True)
class AuthorizedDirectMessage(c.Record):
    message: DirectMessage
    sender_signature: bytes

    @classmethod
    def create(
        cls, sender: SigningIdentity, recipient_id: int, owner_vk: bytes, timestamp: int, ciphertext: bytes
    ) -> AuthorizedDirectMessage:
        if sender.member_id == recipient_id:
            raise RiverRuleError("DM sender and recipient must differ")
        msg = DirectMessage(sender.member_id, recipient_id, timestamp, ciphertext)
        return cls(msg, sender.sign(dm_signed_bytes(msg.sender, msg.recipient, owner_vk, timestamp, ciphertext)))

    def verify(self, sender_vk: bytes, owner_vk: bytes) -> bool:
        m = self.message
        payload = dm_signed_bytes(m.sender, m.recipient, owner_vk, m.timestamp, m.ciphertext)
        return c.verify_cached(sender_vk, payload, self.sender_signature)

    @functools.cached_property
    def purge_token(self) -> bytes:
        return purge_token(self.sender_signature)

    @property
    def order_key(self) -> tuple[int, bytes]:
        return (self.message.timestamp, self.sender_signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (("message", self.message.encode()), ("sender_signature", c.enc_uint_array(self.sender_signature)))
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedDirectMessage:
        w = "authorized direct message"
        m = c.fields(value, w)
        return cls(
            DirectMessage.from_obj(c.req(m, "message", w)),
            c.byte_field(c.req(m, "sender_signature", w), "sender_signature", SIGNATURE_LEN),
        )


@dataclass(frozen=True)
class AuthorizedRecipientPurges(c.Record):
    recipient_id: int
    version: int
    purged: tuple[bytes, ...]
    recipient_signature: bytes

    @classmethod
    def create(
        cls, recipient: SigningIdentity, owner_vk: bytes, version: int, purged: tuple[bytes, ...]
    ) -> AuthorizedRecipientPurges:
        tokens = tuple(sorted(set(purged)))
        rid = recipient.member_id
        return cls(rid, version, tokens, recipient.sign(purges_signed_bytes(rid, owner_vk, version, tokens)))

    def verify(self, recipient_vk: bytes, owner_vk: bytes) -> bool:
        payload = purges_signed_bytes(self.recipient_id, owner_vk, self.version, self.purged)
        return c.verify_cached(recipient_vk, payload, self.recipient_signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        state = c.enc_map(
            (("version", c.enc_int(self.version)), ("purged", c.enc_array(c.enc_bstr(t) for t in self.purged)))
        )
        return c.enc_map(
            (
                ("recipient_id", c.enc_int(self.recipient_id)),
                ("state", state),
                ("recipient_signature", c.enc_uint_array(self.recipient_signature)),
            )
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedRecipientPurges:
        w = "recipient purges"
        m = c.fields(value, w)
        state = c.fields(c.req(m, "state", w), "purge state")
        version = c.opt(state, "version")
        return cls(
            c.i64(c.req(m, "recipient_id", w), "recipient_id"),
            0 if version is None else c.uint(version, "purge version"),
            c.opt_seq(c.opt(state, "purged"), "purged", lambda v: c.byte_field(v, "purge token", PURGE_TOKEN_LEN)),
            c.byte_field(c.req(m, "recipient_signature", w), "recipient_signature", SIGNATURE_LEN),
        )


@dataclass(frozen=True)
class DirectMessages(c.Record):
    messages: tuple[AuthorizedDirectMessage, ...] = ()
    purges: tuple[AuthorizedRecipientPurges, ...] = ()

    def encode(self) -> bytes:
        return c.enc_map(
            (
                ("messages", c.enc_array(m.encode() for m in self.messages)),
                ("purges", c.enc_array(p.encode() for p in self.purges)),
            )
        )

    @classmethod
    def from_obj(cls, value: object) -> DirectMessages:
        m = c.fields(value, "direct messages")
        return cls(
            c.opt_seq(c.opt(m, "messages"), "messages", AuthorizedDirectMessage.from_obj),
            c.opt_seq(c.opt(m, "purges"), "purges", AuthorizedRecipientPurges.from_obj),
        )

    def active_participants(self) -> set[int]:
        out: set[int] = set()
        for dm in self.messages:
            out.add(dm.message.sender)
            out.add(dm.message.recipient)
        out.update(p.recipient_id for p in self.purges)
        return out


__all__ = [
    "MAX_DM_CIPHERTEXT_BYTES",
    "MAX_DM_MESSAGES_PER_PAIR",
    "MAX_PURGED_TOMBSTONES_PER_RECIPIENT",
    "AuthorizedDirectMessage",
    "AuthorizedRecipientPurges",
    "DirectMessage",
    "DirectMessages",
    "dm_signed_bytes",
    "purge_token",
    "purges_signed_bytes",
]
