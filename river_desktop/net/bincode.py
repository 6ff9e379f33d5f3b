"""A small bincode 1 codec, as freenet-stdlib's native WebSocket encoding uses it.

bincode 1's legacy options (what ``bincode::serialize``/``deserialize`` use): fixed-width little-endian
integers, enum variants as u32, lengths of byte strings, strings, sequences and maps as u64, ``Option`` as a
u8 tag 0/1, ``bool`` as a u8 0/1; fixed arrays and tuples have no length. Decoding ignores trailing bytes.

Error texts follow bincode 1.3.3's ``Display`` wording, because a node sends them back verbatim inside
``DeserializationError`` and the vector file (tests/fixtures/freenet) pins them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_EOF = "io error: unexpected end of file"


class DecodeError(ValueError):
    """Bytes that are not a valid bincode encoding of the expected type."""


class Writer:
    """Appends bincode encodings to one growing buffer."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, value: int) -> Writer:
        self._parts.append(bytes((value,)))
        return self

    def u32(self, value: int) -> Writer:
        self._parts.append(_U32.pack(value))
        return self

    def u64(self, value: int) -> Writer:
        self._parts.append(_U64.pack(value))
        return self

    def variant(self, index: int) -> Writer:
        return self.u32(index)

    def boolean(self, value: bool) -> Writer:
        return self.u8(1 if value else 0)

    def fixed(self, data: bytes, length: int) -> Writer:
        """A ``[u8; N]`` array: exactly ``length`` bytes, no prefix."""
        if len(data) != length:
            raise ValueError(f"expected {length} bytes, got {len(data)}")
        self._parts.append(bytes(data))
        return self

    def blob(self, data: bytes) -> Writer:
        self.u64(len(data))
        self._parts.append(bytes(data))
        return self

    def string(self, text: str) -> Writer:
        return self.blob(text.encode("utf-8"))

    def option(self, value: T | None, write: Callable[[Writer, T], object]) -> Writer:
        if value is None:
            return self.u8(0)
        self.u8(1)
        write(self, value)
        return self

    def seq(self, items: Iterable[T], write: Callable[[Writer, T], object]) -> Writer:
        listed = list(items)
        self.u64(len(listed))
        for item in listed:
            write(self, item)
        return self

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Reads bincode values from a buffer, front to back; whatever is left over is never an error."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(bytes(data))
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def _take_each(self, count: int) -> bytes:
        # Fixed-size values are read byte by byte in bincode, so a short buffer is an "unexpected end of file".
        if self.remaining < count:
            raise DecodeError(_EOF)
        start = self._pos
        self._pos += count
        return bytes(self._data[start : self._pos])

    def u8(self) -> int:
        return self._take_each(1)[0]

    def u32(self) -> int:
        return int(_U32.unpack(self._take_each(4))[0])

    def u64(self) -> int:
        return int(_U64.unpack(self._take_each(8))[0])

    def variant(self, count: int) -> int:
        """An enum tag; ``count`` is how many variants the type has."""
        index = self.u32()
        if index >= count:
            raise DecodeError(f"invalid value: integer `{index}`, expected variant index 0 <= i < {count}")
        return index

    def boolean(self) -> bool:
        value = self.u8()
        if value > 1:
            raise DecodeError(f"invalid u8 while decoding bool, expected 0 or 1, found {value}")
        return value == 1

    def fixed(self, length: int) -> bytes:
        return self._take_each(length)

    def blob(self) -> bytes:
        length = self.u64()
        if self.remaining < length:
            # bincode's slice reader reports a short length-prefixed read with an empty io message.
            raise DecodeError("io error: ")
        start = self._pos
        self._pos += length
        return bytes(self._data[start : self._pos])

    def string(self) -> str:
        raw = self.blob()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"string is not valid utf8: {_utf8_error_text(exc)}") from None

    def option(self, read: Callable[[Reader], T]) -> T | None:
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return read(self)
        raise DecodeError(f"tag for enum is not valid, found {tag}")

    def seq(self, read: Callable[[Reader], T]) -> list[T]:
        count = self.u64()
        return [read(self) for _ in range(count)]

    def pairs(self, read_key: Callable[[Reader], K], read_value: Callable[[Reader], V]) -> list[tuple[K, V]]:
        """A HashMap, kept in wire order (the order a Rust HashMap has is arbitrary anyway)."""
        count = self.u64()
        out: list[tuple[K, V]] = []
        for _ in range(count):
            key = read_key(self)
            out.append((key, read_value(self)))
        return out


def _utf8_error_text(exc: UnicodeDecodeError) -> str:
    """Rust's ``Utf8Error`` wording for the same failure."""
    if exc.reason == "unexpected end of data":
        return f"incomplete utf-8 byte sequence from index {exc.start}"
    return f"invalid utf-8 sequence of {exc.end - exc.start} bytes from index {exc.start}"


def decode(data: bytes, read: Callable[[Reader], T]) -> T:
    """Decode one value from the front of ``data``, as ``bincode::deserialize`` does (trailing bytes ignored)."""
    return read(Reader(data))


def encode(value: T, write: Callable[[Writer, T], object]) -> bytes:
    writer = Writer()
    write(writer, value)
    return writer.getvalue()
