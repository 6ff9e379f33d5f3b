"""River's CBOR, as serde + ciborium 0.2.2 write and read it (river-model.md §2.1).

Writing is canonical: definite lengths, minimal integer heads, struct fields as text keys in
declaration order, ``Vec<u8>``/``[u8; N]``/signatures/blake3 hashes as arrays of uints, verifying keys
as bstr(32). Values are built from already-encoded parts (:func:`enc_map`, :func:`enc_array`) so every
item's bytes can be cached and a whole state re-encodes by concatenation.

Reading is lenient the way ciborium is: a byte field may be a bstr *or* an array of uints (also how
serde_json trees from riverctl's ``rooms.json`` look), map keys come in any order, unknown keys are
ignored, and absent ``Option`` / ``#[serde(default)]`` fields take their default. Shape errors raise
:class:`RiverDecodeError`, whose text names the field but never echoes a value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import cbor2

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import verify

T = TypeVar("T")

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


class RiverDecodeError(DecodeError):
    """Bytes or a tree that River's serde would refuse (or that we cannot represent)."""


class RiverRuleError(ValueError):
    """River's contract would refuse this state or abort this whole update; the text is River's reason."""


# --------------------------------------------------------------------------------------------- writing


def head(major: int, n: int) -> bytes:
    """A CBOR item head with the minimal argument encoding."""
    if 0 <= n < 256:
        return _SMALL_HEADS[major][n]
    return _head(major, n)


def _head(major: int, n: int) -> bytes:
    mt = major << 5
    if n < 24:
        return bytes((mt | n,))
    if n < 0x100:
        return bytes((mt | 24, n))
    if n < 0x10000:
        return bytes((mt | 25,)) + n.to_bytes(2, "big")
    if n < 0x1_0000_0000:
        return bytes((mt | 26,)) + n.to_bytes(4, "big")
    return bytes((mt | 27,)) + n.to_bytes(8, "big")


_SMALL_HEADS = tuple(tuple(_head(major, n) for n in range(256)) for major in range(8))
"""Every head with an argument below 256, made once: a state's encode asks for dozens (lengths, small ints)."""


def enc_int(n: int) -> bytes:
    return head(0, n) if n >= 0 else head(1, -1 - n)


@functools.lru_cache(maxsize=512)
def enc_text(s: str) -> bytes:
    raw = s.encode("utf-8")
    return head(3, len(raw)) + raw


def enc_str(s: str) -> bytes:
    raw = s.encode("utf-8", "surrogatepass")
    return head(3, len(raw)) + raw


def enc_bstr(b: bytes) -> bytes:
    return head(2, len(b)) + b


_UINT_BYTE = tuple(bytes((i,)) if i < 24 else bytes((0x18, i)) for i in range(256))


def enc_uint_array(b: bytes) -> bytes:
    """serde's ``Vec<u8>`` / ``[u8; N]`` / ed25519 ``Signature``: an array of small uints."""
    return head(4, len(b)) + b"".join([_UINT_BYTE[x] for x in b])


NULL = b"\xf6"


def enc_array(items: Iterable[bytes]) -> bytes:
    parts = list(items)
    return head(4, len(parts)) + b"".join(parts)


def enc_map(pairs: Iterable[tuple[str, bytes]]) -> bytes:
    """A struct: text keys in declaration order, values already encoded."""
    items = list(pairs)
    return head(5, len(items)) + b"".join(enc_text(k) + v for k, v in items)


def enc_int_map(pairs: Iterable[tuple[int, bytes]]) -> bytes:
    items = list(pairs)
    return head(5, len(items)) + b"".join(enc_int(k) + v for k, v in items)


def enc_variant(name: str, value: bytes) -> bytes:
    """An externally tagged newtype/struct variant: ``{name: value}``."""
    return b"\xa1" + enc_text(name) + value


def enc_opt(value: bytes | None) -> bytes:
    return NULL if value is None else value


# --------------------------------------------------------------------------------------------- reading


def loads(data: bytes) -> Any:
    """Decode one CBOR item (ciborium refuses nothing we need; trailing bytes are ignored like it does)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise RiverDecodeError("expected bytes")
    try:
        return cbor2.loads(bytes(data))
    except Exception as exc:  # cbor2 raises many types on hostile input
        raise RiverDecodeError(f"not valid CBOR ({type(exc).__name__})") from None


def dumps(obj: Any) -> bytes:
    return bytes(cbor2.dumps(obj))


_MISSING = object()


def fields(value: object, what: str) -> Mapping[Any, Any]:
    """A struct as a map. Key order is free and unknown keys are ignored, as serde does."""
    if not isinstance(value, dict):
        raise RiverDecodeError(f"{what} must be a map")
    return value


def req(m: Mapping[Any, Any], key: str, what: str) -> Any:
    value = m.get(key, _MISSING)
    if value is _MISSING:
        raise RiverDecodeError(f"{what} is missing field {key!r}")
    return value


def opt(m: Mapping[Any, Any], key: str) -> Any:
    """An ``Option`` or ``#[serde(default)]`` field: absent and null both read as None."""
    return m.get(key)


def uint(value: object, what: str, bits: int = 64) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < (1 << bits):
        raise RiverDecodeError(f"{what} must be an unsigned {bits}-bit integer")
    return value


def i64(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not I64_MIN <= value <= I64_MAX:
        raise RiverDecodeError(f"{what} must be a signed 64-bit integer")
    return value


def text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise RiverDecodeError(f"{what} must be text")
    return value


_INT_ONLY = {int}


def byte_field(value: object, what: str, length: int | None = None) -> bytes:
    """Any byte field: a bstr or an array of uints (ciborium's ``deserialize_seq`` takes both)."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, list):
        # bytes() alone would also take True/False; serde's u8 does not.
        if value and set(map(type, value)) != _INT_ONLY:
            raise RiverDecodeError(f"{what} must be an array of bytes")
        try:
            raw = bytes(value)
        except ValueError:
            raise RiverDecodeError(f"{what} must be an array of bytes") from None
    else:
        raise RiverDecodeError(f"{what} must be bytes")
    if length is not None and len(raw) != length:
        raise RiverDecodeError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def seq(value: object, what: str, item: Callable[[object], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise RiverDecodeError(f"{what} must be an array")
    return tuple(item(v) for v in value)


def opt_seq(value: object, what: str, item: Callable[[object], T]) -> tuple[T, ...]:
    return () if value is None else seq(value, what, item)


def variant(value: object, what: str) -> tuple[str, Any]:
    """An externally tagged enum: ``"Name"`` for a unit variant, ``{"Name": body}`` otherwise."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        ((name, body),) = value.items()
        if isinstance(name, str):
            return name, body
    raise RiverDecodeError(f"{what} must be an externally tagged enum")


# --------------------------------------------------------------------------------------------- values


class Record:
    """Mixin for River records: ``to_obj`` is the decoded CBOR tree of the canonical ``encode()``."""

    def encode(self) -> bytes:
        raise NotImplementedError

    def to_obj(self) -> Any:
        return loads(self.encode())


_TIME_KEYS = frozenset({"secs_since_epoch", "nanos_since_epoch"})


@dataclass(frozen=True, order=True)
class SystemTime(Record):
    """serde's ``SystemTime``: seconds and nanoseconds since the Unix epoch (orders like Rust's)."""

    secs: int
    nanos: int = 0

    def encode(self) -> bytes:
        return enc_map((("secs_since_epoch", enc_int(self.secs)), ("nanos_since_epoch", enc_int(self.nanos))))

    @classmethod
    def from_obj(cls, value: object, what: str = "time") -> SystemTime:
        m = fields(value, what)
        if not m.keys() <= _TIME_KEYS:
            raise RiverDecodeError(f"{what} has an unknown field")  # serde's SystemTime is strict
        secs = uint(req(m, "secs_since_epoch", what), f"{what}.secs_since_epoch")
        nanos = uint(req(m, "nanos_since_epoch", what), f"{what}.nanos_since_epoch", 32)
        # Duration::new carries whole seconds out of the nanosecond part.
        secs, nanos = secs + nanos // 1_000_000_000, nanos % 1_000_000_000
        if secs >= 1 << 64:
            raise RiverDecodeError(f"{what} overflows")
        return cls(secs, nanos)

    @classmethod
    def from_millis(cls, ms: int) -> SystemTime:
        return cls(ms // 1000, (ms % 1000) * 1_000_000)

    @property
    def millis(self) -> int:
        return self.secs * 1000 + self.nanos // 1_000_000

    @classmethod
    def from_unix(cls, seconds: float) -> SystemTime:
        whole = int(seconds)
        return cls(whole, round((seconds - whole) * 1e9) % 1_000_000_000)


def fast_hash(data: bytes) -> int:
    """freenet-scaffold's ``fast_hash`` (also River's member id): ``h*31 + b`` wrapping as i64."""
    h = 0
    for b in data:
        h = (h * 31 + b) & 0xFFFF_FFFF_FFFF_FFFF
    return h - (1 << 64) if h >= 1 << 63 else h


_P = (1 << 255) - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P


@functools.lru_cache(maxsize=65_536)
def is_edwards_point(vk: bytes) -> bool:
    """Whether ed25519-dalek's ``VerifyingKey::from_bytes`` accepts these 32 bytes: y (top bit masked,
    not required canonical) must give a square x² = (y² - 1) / (d·y² + 1). River fails to decode a state
    holding any other key, so we refuse it at decode too."""
    y = int.from_bytes(vk, "little") & ((1 << 255) - 1)
    yy = y * y % _P
    x2 = (yy - 1) * pow(_D * yy + 1, _P - 2, _P) % _P
    return x2 == 0 or pow(x2, (_P - 1) // 2, _P) == 1


@functools.lru_cache(maxsize=131_072)
def verify_cached(verifying_key: bytes, payload: bytes, signature: bytes) -> bool:
    """Ed25519 check, remembered: a state is verified on load, merge and apply without re-paying."""
    return verify(verifying_key, payload, signature)


__all__ = [
    "NULL",
    "Record",
    "RiverDecodeError",
    "RiverRuleError",
    "SystemTime",
    "byte_field",
    "enc_array",
    "enc_bstr",
    "enc_int",
    "enc_int_map",
    "enc_map",
    "enc_opt",
    "enc_str",
    "enc_text",
    "enc_uint_array",
    "enc_variant",
    "fast_hash",
    "fields",
    "head",
    "i64",
    "is_edwards_point",
    "loads",
    "opt",
    "opt_seq",
    "req",
    "seq",
    "text",
    "uint",
    "variant",
    "verify_cached",
]
