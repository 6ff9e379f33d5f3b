"""River's message content payloads: the CBOR inside a message body's ``data`` (or its ciphertext).

River's contract sees only ``(content_type, content_version, bytes)``; clients give the bytes meaning
(``common/src/room_state/content.rs``). Each payload is its own ciborium document: a map whose keys are the
field names in declaration order. Decoding is as lenient as serde + ciborium: keys in any order, unknown keys
ignored, trailing bytes ignored, and ``ActionContentV1.payload`` read both as a byte string (written since
freenet/river#443) and as the legacy array of byte values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError

CONTENT_TYPE_TEXT = 1
CONTENT_TYPE_ACTION = 2
CONTENT_TYPE_REPLY = 3
CONTENT_TYPE_EVENT = 4

TEXT_CONTENT_VERSION = 1
ACTION_CONTENT_VERSION = 1
REPLY_CONTENT_VERSION = 1
EVENT_CONTENT_VERSION = 1

EVENT_TYPE_JOIN = 1

ACTION_TYPE_EDIT = 1
ACTION_TYPE_DELETE = 2
ACTION_TYPE_REACTION = 3
ACTION_TYPE_REMOVE_REACTION = 4

_U32_MAX = (1 << 32) - 1
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class ContentError(DecodeError):
    """A payload of a known content type does not decode; River shows such a message as undecodable."""


def _fields(obj: object, names: tuple[str, ...], what: str) -> Mapping[str, Any]:
    """Serde's struct rule: every declared field present, extra keys ignored, order free."""
    if not isinstance(obj, dict):
        raise ContentError(f"{what} must be a CBOR map")
    missing = [name for name in names if name not in obj]
    if missing:
        raise ContentError(f"{what} is missing {missing}")
    return obj


def _u32(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _U32_MAX:
        raise ContentError(f"{what} must be an unsigned 32-bit integer")
    return value


def _i64(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not _I64_MIN <= value <= _I64_MAX:
        raise ContentError(f"{what} must be a signed 64-bit integer")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ContentError(f"{what} must be text")
    return value


def _payload_bytes(value: object) -> bytes:
    """A byte string, or the pre-#443 array whose every element is a byte value."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, list):
        if all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value):
            return bytes(value)
        raise ContentError("action payload element is not a byte value")
    raise ContentError("action payload must be a byte string or an array of bytes")


def _load(data: bytes, what: str) -> CborObj:
    try:
        return cbor.loads(data)
    except DecodeError:
        raise ContentError(f"{what} is not valid CBOR") from None


@dataclass(frozen=True)
class TextContent:
    """``TextContentV1 {text}``, content type 1."""

    text: str

    content_type: ClassVar[int] = CONTENT_TYPE_TEXT
    content_version: ClassVar[int] = TEXT_CONTENT_VERSION

    def to_obj(self) -> dict[str, CborObj]:
        return {"text": self.text}

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> TextContent:
        m = _fields(obj, ("text",), "text content")
        return cls(_text(m["text"], "text"))

    @classmethod
    def decode(cls, data: bytes) -> TextContent:
        return cls.from_obj(_load(data, "text content"))


@dataclass(frozen=True)
class ActionContent:
    """``ActionContentV1 {action_type, target, payload}``, content type 2.

    ``payload`` is itself CBOR: ``{new_text}`` for an edit, ``{emoji}`` for (remove-)reaction, empty for
    a delete. It is written as a byte string; see :mod:`content` for the legacy array form.
    """

    action_type: int
    target: int
    payload: bytes = b""

    content_type: ClassVar[int] = CONTENT_TYPE_ACTION
    content_version: ClassVar[int] = ACTION_CONTENT_VERSION

    @classmethod
    def edit(cls, target: int, new_text: str) -> ActionContent:
        return cls(ACTION_TYPE_EDIT, target, cbor.dumps({"new_text": new_text}))

    @classmethod
    def delete(cls, target: int) -> ActionContent:
        return cls(ACTION_TYPE_DELETE, target, b"")

    @classmethod
    def reaction(cls, target: int, emoji: str) -> ActionContent:
        return cls(ACTION_TYPE_REACTION, target, cbor.dumps({"emoji": emoji}))

    @classmethod
    def remove_reaction(cls, target: int, emoji: str) -> ActionContent:
        return cls(ACTION_TYPE_REMOVE_REACTION, target, cbor.dumps({"emoji": emoji}))

    @property
    def new_text(self) -> str | None:
        """The edit's text, or ``None`` when this is no edit or its payload does not decode (River skips it)."""
        if self.action_type != ACTION_TYPE_EDIT:
            return None
        return self._payload_field("new_text")

    @property
    def emoji(self) -> str | None:
        """The (remove-)reaction's emoji, or ``None`` when this is neither or the payload does not decode."""
        if self.action_type not in (ACTION_TYPE_REACTION, ACTION_TYPE_REMOVE_REACTION):
            return None
        return self._payload_field("emoji")

    def _payload_field(self, name: str) -> str | None:
        try:
            obj = cbor.loads(self.payload)
        except DecodeError:
            return None
        if isinstance(obj, dict) and isinstance(obj.get(name), str):
            value: str = obj[name]
            return value
        return None

    def to_obj(self) -> dict[str, CborObj]:
        return {"action_type": self.action_type, "target": self.target, "payload": bytes(self.payload)}

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> ActionContent:
        m = _fields(obj, ("action_type", "target", "payload"), "action content")
        return cls(
            _u32(m["action_type"], "action_type"),
            _i64(m["target"], "target"),
            _payload_bytes(m["payload"]),
        )

    @classmethod
    def decode(cls, data: bytes) -> ActionContent:
        return cls.from_obj(_load(data, "action content"))


@dataclass(frozen=True)
class ReplyContent:
    """``ReplyContentV1``, content type 3.

    The author name and preview are the replier's unverified snapshot (freenet/river#482): keep them for
    round trips, never render them; resolve the quote from ``target_message_id`` instead.
    """

    text: str
    target_message_id: int
    target_author_name: str = ""
    target_content_preview: str = ""

    content_type: ClassVar[int] = CONTENT_TYPE_REPLY
    content_version: ClassVar[int] = REPLY_CONTENT_VERSION

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "text": self.text,
            "target_message_id": self.target_message_id,
            "target_author_name": self.target_author_name,
            "target_content_preview": self.target_content_preview,
        }

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> ReplyContent:
        names = ("text", "target_message_id", "target_author_name", "target_content_preview")
        m = _fields(obj, names, "reply content")
        return cls(
            _text(m["text"], "text"),
            _i64(m["target_message_id"], "target_message_id"),
            _text(m["target_author_name"], "target_author_name"),
            _text(m["target_content_preview"], "target_content_preview"),
        )

    @classmethod
    def decode(cls, data: bytes) -> ReplyContent:
        return cls.from_obj(_load(data, "reply content"))


@dataclass(frozen=True)
class EventContent:
    """``EventContentV1 {event_type}``, content type 4; the only body River accepts in clear in a private room."""

    event_type: int = EVENT_TYPE_JOIN

    content_type: ClassVar[int] = CONTENT_TYPE_EVENT
    content_version: ClassVar[int] = EVENT_CONTENT_VERSION

    @classmethod
    def join(cls) -> EventContent:
        return cls(EVENT_TYPE_JOIN)

    def to_obj(self) -> dict[str, CborObj]:
        return {"event_type": self.event_type}

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> EventContent:
        m = _fields(obj, ("event_type",), "event content")
        return cls(_u32(m["event_type"], "event_type"))

    @classmethod
    def decode(cls, data: bytes) -> EventContent:
        return cls.from_obj(_load(data, "event content"))


@dataclass(frozen=True)
class UnknownContent:
    """A content type this client does not know: kept byte for byte so it survives a round trip."""

    content_type: int
    content_version: int
    data: bytes

    def encode(self) -> bytes:
        return self.data


Content = TextContent | ActionContent | ReplyContent | EventContent | UnknownContent

_DECODERS: dict[int, Any] = {
    CONTENT_TYPE_TEXT: TextContent,
    CONTENT_TYPE_ACTION: ActionContent,
    CONTENT_TYPE_REPLY: ReplyContent,
    CONTENT_TYPE_EVENT: EventContent,
}


def decode_content(content_type: int, content_version: int, data: bytes) -> Content:
    """River's ``decode_content``: dispatch on the type alone (the version is not checked).

    Raises :class:`ContentError` when a known type's bytes do not decode.
    """
    decoder = _DECODERS.get(content_type)
    if decoder is None:
        return UnknownContent(content_type, content_version, bytes(data))
    result: Content = decoder.decode(bytes(data))
    return result


def display_text(content: Content) -> str | None:
    """The text a reader sees for a text or reply message; ``None`` for actions, events and unknown types."""
    if isinstance(content, TextContent | ReplyContent):
        return content.text
    return None


__all__ = [
    "ACTION_CONTENT_VERSION",
    "ACTION_TYPE_DELETE",
    "ACTION_TYPE_EDIT",
    "ACTION_TYPE_REACTION",
    "ACTION_TYPE_REMOVE_REACTION",
    "CONTENT_TYPE_ACTION",
    "CONTENT_TYPE_EVENT",
    "CONTENT_TYPE_REPLY",
    "CONTENT_TYPE_TEXT",
    "EVENT_CONTENT_VERSION",
    "EVENT_TYPE_JOIN",
    "REPLY_CONTENT_VERSION",
    "TEXT_CONTENT_VERSION",
    "ActionContent",
    "Content",
    "ContentError",
    "EventContent",
    "ReplyContent",
    "TextContent",
    "UnknownContent",
    "decode_content",
    "display_text",
]
