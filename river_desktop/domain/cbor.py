"""Small helpers for River's CBOR conventions (cbor2 defaults match ciborium for our shapes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cbor2

CborObj = Any


class DecodeError(ValueError):
    """A persisted or received value does not have the shape we expect."""


def dumps(obj: CborObj) -> bytes:
    return bytes(cbor2.dumps(obj))


def loads(data: bytes) -> CborObj:
    """Decode CBOR, turning every decoder failure into :class:`DecodeError`."""
    try:
        return cbor2.loads(data)
    except Exception as exc:  # cbor2 raises a zoo of types on hostile input
        raise DecodeError(f"not valid CBOR ({type(exc).__name__})") from None


def int_array(data: bytes) -> list[int]:
    """River writes ``[u8; N]`` as an array of unsigned ints, not a byte string."""
    return list(data)


def bytes_from_int_array(value: object, length: int, what: str) -> bytes:
    """Inverse of :func:`int_array`; also accepts a byte string, as ciborium does."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, list) and set(map(type, value)) <= {int}:
        try:
            raw = bytes(value)
        except ValueError:
            raise DecodeError(f"{what} must be an array of bytes") from None
    else:
        raise DecodeError(f"{what} must be an array of bytes")
    if len(raw) != length:
        raise DecodeError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


_KEYSETS: dict[tuple[str, ...], frozenset[str]] = {}


def expect_map(value: object, keys: tuple[str, ...], what: str) -> Mapping[str, Any]:
    """A CBOR map with exactly ``keys`` (order not checked here)."""
    if not isinstance(value, dict):
        raise DecodeError(f"{what} must be a map")
    expected = _KEYSETS.get(keys)
    if expected is None:
        expected = _KEYSETS.setdefault(keys, frozenset(keys))
    if value.keys() != expected:
        missing = sorted(set(keys) - set(value))
        extra = sorted(_describe_key(k) for k in set(value) - set(keys))
        detail = ", ".join(
            part for part in (f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else "") if part
        )
        raise DecodeError(f"{what} has the wrong fields ({detail})")
    return value


def _describe_key(key: object) -> str:
    """Name an unexpected map key without echoing arbitrary (possibly secret-bearing) input."""
    if isinstance(key, str) and len(key) <= 32 and key.isascii() and key.isidentifier():
        return key
    return f"<{type(key).__name__} key>"


def expect_bytes(value: object, length: int | None, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise DecodeError(f"{what} must be a byte string")
    if length is not None and len(value) != length:
        raise DecodeError(f"{what} must be {length} bytes, got {len(value)}")
    return value


def expect_int(value: object, what: str, *, signed64: bool = False, unsigned: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DecodeError(f"{what} must be an integer")
    if signed64 and not -(1 << 63) <= value < (1 << 63):
        raise DecodeError(f"{what} is out of the signed 64-bit range")
    if unsigned and not 0 <= value < (1 << 64):
        raise DecodeError(f"{what} must be an unsigned 64-bit integer")
    return value


def expect_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(f"{what} must be text")
    return value
