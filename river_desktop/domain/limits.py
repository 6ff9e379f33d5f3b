"""River's size limits, one set for every front end (GUI, CLI, imports).

River's ``Configuration::default()`` sets them, and its contract measures them in encoded bytes:
a room name, description or nickname by the UTF-8 length of its (public) value, a message by the
length of its encoded content (``data``: the CBOR of ``TextContentV1 {text}`` for a text message).
Anything longer is refused here with a message that says by how much, before it reaches a
signature, the store or the layout code.
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

MAX_ROOM_NAME_BYTES = 100
MAX_ROOM_DESCRIPTION_BYTES = 500
MAX_NICKNAME_BYTES = 50
MAX_MESSAGE_BYTES = 1000
MAX_INVITATION_CODE_CHARS = 4096
"""An invitation code is base58 of a few hundred CBOR bytes (656 characters with two room secrets);
anything this long is not one, and is refused before it is decoded or laid out."""


class LimitError(ValueError):
    """Input over one of River's limits; the message says which and by how much (never the text)."""


@dataclass(frozen=True)
class Measure:
    """How much of a limit a text uses, for counters ("87 / 100") and errors."""

    used: int
    limit: int

    @property
    def over(self) -> bool:
        return self.used > self.limit


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def message_content_len(text: str) -> int:
    """River's encoded size of a text message: the CBOR of ``{"text": text}``."""
    return len(cbor2.dumps({"text": text}))


def measure_room_name(text: str) -> Measure:
    return Measure(utf8_len(text), MAX_ROOM_NAME_BYTES)


def measure_room_description(text: str) -> Measure:
    return Measure(utf8_len(text), MAX_ROOM_DESCRIPTION_BYTES)


def measure_nickname(text: str) -> Measure:
    return Measure(utf8_len(text), MAX_NICKNAME_BYTES)


def measure_message(text: str) -> Measure:
    return Measure(message_content_len(text), MAX_MESSAGE_BYTES)


def _check(what: str, measure: Measure) -> None:
    if measure.over:
        raise LimitError(
            f"{what} is {measure.used} bytes long; River allows at most {measure.limit} "
            f"({measure.used - measure.limit} too many)"
        )


def check_room_name(text: str) -> str:
    _check("the room name", measure_room_name(text))
    return text


def check_room_description(text: str) -> str:
    _check("the room description", measure_room_description(text))
    return text


def check_nickname(text: str) -> str:
    _check("the nickname", measure_nickname(text))
    return text


def check_message(text: str) -> str:
    _check("the message", measure_message(text))
    return text
