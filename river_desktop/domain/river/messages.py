"""River's room messages: ``MessageV1`` signed by its author (``message.rs``).

Wire shapes::

    MessagesV1          = {"messages": [AuthorizedMessageV1]}
    AuthorizedMessageV1 = {"message": MessageV1, "signature": [64 uints]}
    MessageV1           = {"room_owner": i64, "author": i64, "time": SystemTime, "content": RoomMessageBody}
    RoomMessageBody     = {"Public": {"content_type", "content_version", "data": [uints]}}
                        | {"Private": {"content_type", "content_version", "ciphertext": [uints], "nonce": [12],
                                       "secret_version"}}

``data`` is the separately encoded content struct (text, action, reply, event); it stays an array of
uints, not a bstr, or every existing signature would break. A message's id is ``fast_hash`` of its
signature; stored messages are ordered by ``(time, id)``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity, member_id_display
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.codec import RiverDecodeError, SystemTime
from river_desktop.domain.river.kept_bytes import canonical_public_or_private

CONTENT_TYPE_TEXT = 1
CONTENT_TYPE_ACTION = 2
CONTENT_TYPE_REPLY = 3
CONTENT_TYPE_EVENT = 4
EVENT_TYPE_JOIN = 1


@dataclass(frozen=True)
class RoomMessageBody(c.Record):
    content_type: int
    content_version: int
    data: bytes
    """The encoded content (public) or its ciphertext (private, when :attr:`nonce` is set)."""
    nonce: bytes | None = None
    secret_version: int = 0

    @classmethod
    def public(cls, content_type: int, content_version: int, data: bytes) -> RoomMessageBody:
        return cls(content_type, content_version, data)

    @classmethod
    def private(
        cls, content_type: int, content_version: int, ciphertext: bytes, nonce: bytes, secret_version: int
    ) -> RoomMessageBody:
        return cls(content_type, content_version, ciphertext, nonce, secret_version)

    @classmethod
    def text(cls, text: str) -> RoomMessageBody:
        """A public ``TextContentV1``."""
        return cls(CONTENT_TYPE_TEXT, 1, bytes(cbor2.dumps({"text": text})))

    @classmethod
    def join_event(cls) -> RoomMessageBody:
        """The join event River posts so a new member survives the inactivity prune."""
        return cls(CONTENT_TYPE_EVENT, 1, bytes(cbor2.dumps({"event_type": EVENT_TYPE_JOIN})))

    @property
    def is_public(self) -> bool:
        return self.nonce is None

    @property
    def is_event(self) -> bool:
        return self.content_type == CONTENT_TYPE_EVENT

    def content_len(self) -> int:
        return len(self.data)

    @functools.cached_property
    def encoded(self) -> bytes:
        if self.nonce is None:
            return c.enc_variant(
                "Public",
                c.enc_map(
                    (
                        ("content_type", c.enc_int(self.content_type)),
                        ("content_version", c.enc_int(self.content_version)),
                        ("data", c.enc_uint_array(self.data)),
                    )
                ),
            )
        return c.enc_variant(
            "Private",
            c.enc_map(
                (
                    ("content_type", c.enc_int(self.content_type)),
                    ("content_version", c.enc_int(self.content_version)),
                    ("ciphertext", c.enc_uint_array(self.data)),
                    ("nonce", c.enc_uint_array(self.nonce)),
                    ("secret_version", c.enc_int(self.secret_version)),
                )
            ),
        )

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> RoomMessageBody:
        w = "message content"
        name, body = c.variant(value, w)
        m = c.fields(body, w)
        ct = c.uint(c.req(m, "content_type", w), "content_type", 32)
        cv = c.uint(c.req(m, "content_version", w), "content_version", 32)
        if name == "Public":
            return cls(ct, cv, c.byte_field(c.req(m, "data", w), "data"))
        if name == "Private":
            return cls(
                ct,
                cv,
                c.byte_field(c.req(m, "ciphertext", w), "ciphertext"),
                c.byte_field(c.req(m, "nonce", w), "nonce", 12),
                c.uint(c.req(m, "secret_version", w), "secret_version", 32),
            )
        raise RiverDecodeError(f"{w} has an unknown variant")

    def __repr__(self) -> str:
        kind = "Public" if self.nonce is None else f"Private(v{self.secret_version})"
        return f"RoomMessageBody({kind}, type={self.content_type}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class MessageV1(c.Record):
    room_owner: int
    author: int
    time: SystemTime
    content: RoomMessageBody

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map(
            (
                ("room_owner", c.enc_int(self.room_owner)),
                ("author", c.enc_int(self.author)),
                ("time", self.time.encode()),
                ("content", self.content.encode()),
            )
        )

    def encode(self) -> bytes:
        """The bytes the author signs."""
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> MessageV1:
        w = "message"
        m = c.fields(value, w)
        return cls(
            c.i64(c.req(m, "room_owner", w), "room_owner"),
            c.i64(c.req(m, "author", w), "author"),
            SystemTime.from_obj(c.req(m, "time", w)),
            RoomMessageBody.from_obj(c.req(m, "content", w)),
        )


@dataclass(frozen=True)
class AuthorizedMessage(c.Record):
    message: MessageV1
    signature: bytes

    @classmethod
    def create(
        cls, owner_vk: bytes, author: SigningIdentity, time: SystemTime, content: RoomMessageBody
    ) -> AuthorizedMessage:
        msg = MessageV1(c.fast_hash(owner_vk), author.member_id, time, content)
        return cls(msg, author.sign(msg.encode()))

    @functools.cached_property
    def id(self) -> int:
        """River's ``MessageId``: ``fast_hash`` of the 64 signature bytes."""
        return c.fast_hash(self.signature)

    @property
    def id_display(self) -> str:
        return member_id_display(self.id)

    @property
    def order_key(self) -> tuple[SystemTime, int]:
        return (self.message.time, self.id)

    @property
    def author(self) -> int:
        return self.message.author

    def verify(self, author_vk: bytes) -> bool:
        return c.verify_cached(author_vk, self.message.encode(), self.signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map((("message", self.message.encode()), ("signature", c.enc_uint_array(self.signature))))

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedMessage:
        w = "authorized message"
        m = c.fields(value, w)
        return cls(
            MessageV1.from_obj(c.req(m, "message", w)),
            c.byte_field(c.req(m, "signature", w), "signature", SIGNATURE_LEN),
        )

    @classmethod
    def from_obj_keeping_bytes(cls, value: object) -> AuthorizedMessage:
        """:meth:`from_obj`; a tree already in canonical shape also gives the message its canonical bytes.

        Such a tree (every key in River's order, nothing extra, byte fields as arrays, time normalised)
        re-encodes to exactly what :meth:`encode` would build, so cbor2's C encoder makes those bytes now (about
        5 us) and a room state that still holds this message re-encodes by concatenation: a save after one
        change does not rebuild every message of the window (benchmark B2). For states, whose messages are
        encoded again on every save; a history page, read to be shown, does without.
        """
        msg = cls.from_obj(value)
        if _canonical_tree(c.fields(value, "authorized message"), msg):
            msg.__dict__["encoded"] = cbor2.dumps(value)
        return msg


_AUTH_KEYS = ["message", "signature"]
_MESSAGE_KEYS = ["room_owner", "author", "time", "content"]
_TIME_KEYS = ["secs_since_epoch", "nanos_since_epoch"]
_PUBLIC_KEYS = ["content_type", "content_version", "data"]
_PRIVATE_KEYS = ["content_type", "content_version", "ciphertext", "nonce", "secret_version"]


def _canonical_tree(tree: Mapping[Any, Any], msg: AuthorizedMessage) -> bool:
    """Whether ``tree`` (already accepted by ``from_obj`` as ``msg``) is the tree of ``msg``'s canonical bytes.

    ``from_obj`` checked every value's type and range; what it forgives is checked here: key order, extra keys,
    byte strings where River writes arrays, and a time whose nanoseconds carry into the seconds.
    """
    if list(tree) != _AUTH_KEYS or type(tree["signature"]) is not list:
        return False
    m = tree["message"]
    if list(m) != _MESSAGE_KEYS or list(m["time"]) != _TIME_KEYS:
        return False
    if m["time"]["nanos_since_epoch"] != msg.message.time.nanos:
        return False
    return canonical_public_or_private(m["content"], _PUBLIC_KEYS, "data", _PRIVATE_KEYS)


_ENCODED = operator.attrgetter("encoded")


def encode_messages(messages: tuple[AuthorizedMessage, ...]) -> bytes:
    """``MessagesV1``; each message's bytes are its cached ``encoded``, gathered without a Python loop."""
    return c.enc_map((("messages", c.head(4, len(messages)) + b"".join(map(_ENCODED, messages))),))


__all__ = [
    "CONTENT_TYPE_ACTION",
    "CONTENT_TYPE_EVENT",
    "CONTENT_TYPE_REPLY",
    "CONTENT_TYPE_TEXT",
    "AuthorizedMessage",
    "MessageV1",
    "RoomMessageBody",
    "encode_messages",
]
