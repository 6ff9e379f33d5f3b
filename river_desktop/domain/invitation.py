"""River-compatible invitation codes: ``base58(CBOR(Invitation))`` (formats.md §6).

A code is a bearer credential: it carries the invitee's signing key seed and the room secrets. No
message, ``repr`` or ``str`` produced here ever contains the code, the seed or a secret.

Wire shape, keys in exactly this order::

    Invitation = {"room": bstr(32), "invitee_signing_key": bstr(32), "invitee": AuthorizedMember,
                  "room_secrets": [[uint32 version, [32 uints]], ...]}

Decoding follows River (serde + ciborium) where that is lenient: ``room_secrets`` may be absent
(older codes), unknown top-level fields are ignored, and secrets arrive in any order. It is stricter
where leniency would hide a broken code: trailing bytes, keys that are not ed25519 points, a seed that
does not match the invited member, a member of another room, duplicate secret versions.
"""

from __future__ import annotations

import io
import math
import os
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import base58
import cbor2

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import (
    SEED_LEN,
    SIGNATURE_LEN,
    VERIFYING_KEY_LEN,
    SigningIdentity,
    is_valid_verifying_key,
    member_id,
    member_id_display,
    verify,
)
from river_desktop.domain.member import AuthorizedMember

ROOM_SECRET_LEN = 32
MAX_SECRET_VERSION = (1 << 32) - 1
MAX_CODE_CHARS = 200_000
"""Far above any real code (~470 characters plus ~90 per room secret); bounds work on hostile input."""

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(_B58_ALPHABET)}
_B58_LOOKALIKES = frozenset("0OIl")
_B58_CHUNK = 10  # 58**10 < 2**64: one machine-sized word per chunk

_LINK_PARAM = re.compile(r"[?&]invitation=([^&#\s]*)")
_FIELDS = ("room", "invitee_signing_key", "invitee", "room_secrets")
# Every River code starts with a map header, the text key "room" and a 32-byte bstr header.
_CODE_PREFIXES = (b"\xa4\x64room\x58\x20", b"\xa3\x64room\x58\x20")
_LENGTH_CHECK_MIN_CHARS = 20
_LENGTH_CHECK_MAX_CHARS = 50_000
_MAX_MISSING_CHARS = 4096
_MAX_EXTRA_CHARS = 4096
_LN256 = math.log(256)
_BYTES_PER_B58_CHAR = math.log(58) / _LN256
_FLOAT_SLACK = 1e-9
# (k * log_256(58)) mod 1 for every shift we try, sorted: candidate shifts are then a bisection away.
_SHIFT_PHASES = sorted(
    ((k * _BYTES_PER_B58_CHAR) % 1.0, k) for k in range(-_MAX_EXTRA_CHARS, _MAX_MISSING_CHARS + 1) if k
)
_SHIFT_PHASE_KEYS = [phase for phase, _ in _SHIFT_PHASES]


class InvitationError(ValueError):
    """An invitation code (or the parts given to build one) is unusable; the message says why."""


@dataclass(frozen=True, repr=False)
class Invitation:
    """A decoded, self-consistent invitation. Construction validates everything but the signature
    by a non-owner inviter, whose key only the room state knows (see :meth:`verify`).

    ``room_secrets`` is a list (River's shape, sorted by version); treat it as read-only, since the
    hash covers it."""

    room: bytes
    invitee_signing_key: bytes
    invitee: AuthorizedMember
    room_secrets: list[tuple[int, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        room = _key_bytes(self.room, "room key")
        seed = _seed_bytes(self.invitee_signing_key, "invitee signing key")
        if not isinstance(self.invitee, AuthorizedMember):
            raise InvitationError("invitee must be an authorized member")
        member = self.invitee.member
        if len(self.invitee.signature) != SIGNATURE_LEN:
            raise InvitationError(f"invitee signature must be {SIGNATURE_LEN} bytes, got {len(self.invitee.signature)}")
        member_vk = _key_bytes(member.member_vk, "invited member key")
        if SigningIdentity(seed).verifying_key != member_vk:
            raise InvitationError("the invitee signing key does not match the invited member's key")
        if member_vk == room:
            raise InvitationError("the invited member is the room owner")
        if member.owner_member_id != member_id(room):
            raise InvitationError("the invited member belongs to another room (owner member id mismatch)")
        if member.invited_by == member.owner_member_id and not verify(room, member.encode(), self.invitee.signature):
            raise InvitationError("the owner's signature on the invited member is not valid")
        object.__setattr__(self, "room", room)
        object.__setattr__(self, "invitee_signing_key", seed)
        object.__setattr__(self, "room_secrets", _normalized_secrets(self.room_secrets))

    @classmethod
    def create(
        cls,
        room: bytes,
        inviter_signing_key: bytes,
        invitee_signing_key: bytes | None = None,
        room_secrets: Iterable[tuple[int, bytes]] = (),
    ) -> Invitation:
        """Invite a member: the inviter signs it; a fresh invitee key is made unless one is given."""
        room = _key_bytes(room, "room key")
        inviter = _identity(inviter_signing_key, "inviter signing key")
        seed = os.urandom(SEED_LEN) if invitee_signing_key is None else invitee_signing_key
        invitee = _identity(seed, "invitee signing key")
        member = AuthorizedMember.create(room, inviter, invitee.verifying_key)
        return cls(room, invitee.seed, member, list(room_secrets))

    @classmethod
    def decode(cls, code: str) -> Invitation:
        """Parse a code or a pasted link; every failure is an :class:`InvitationError`."""
        text = _extract_code(code)
        data = _b58decode(text)
        starts_like_code = data.startswith(_CODE_PREFIXES)
        if not starts_like_code and (problem := _length_problem(data, len(text))) is not None:
            raise InvitationError(problem)
        return cls._from_obj(_load_cbor(data, starts_like_code))

    def encode(self) -> str:
        return str(base58.b58encode(cbor.dumps(self.to_obj())), "ascii")

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "room": self.room,
            "invitee_signing_key": self.invitee_signing_key,
            "invitee": self.invitee.to_obj(),
            "room_secrets": [[version, cbor.int_array(secret)] for version, secret in self.room_secrets],
        }

    def verify(self, inviter_verifying_key: bytes) -> bool:
        """True when this key is the inviter named in the code and it signed the invited member."""
        return self.invitee.verify(bytes(inviter_verifying_key))

    @property
    def invitee_identity(self) -> SigningIdentity:
        return SigningIdentity(self.invitee_signing_key)

    @property
    def invitee_member_id(self) -> int:
        return member_id(self.invitee.member.member_vk)

    @property
    def inviter_member_id(self) -> int:
        return self.invitee.member.invited_by

    @property
    def room_secret_versions(self) -> list[int]:
        return [version for version, _ in self.room_secrets]

    def __hash__(self) -> int:
        return hash((self.room, self.invitee_signing_key, self.invitee, tuple(self.room_secrets)))

    def __repr__(self) -> str:
        room = str(base58.b58encode(self.room), "ascii")[:8]
        return (
            f"Invitation(room={room}..., invitee={member_id_display(self.invitee_member_id)}, "
            f"inviter={member_id_display(self.inviter_member_id)}, "
            f"secret_versions={self.room_secret_versions})"
        )

    __str__ = __repr__

    @classmethod
    def _from_obj(cls, obj: object) -> Invitation:
        if not isinstance(obj, dict):
            raise InvitationError("not an invitation: expected a map")
        for name in _FIELDS[:3]:
            if name not in obj:
                raise InvitationError(f"not an invitation: the field {name!r} is missing")
        try:
            room = cbor.expect_bytes(obj["room"], None, "room key")
            seed = cbor.expect_bytes(obj["invitee_signing_key"], None, "invitee signing key")
            invitee = AuthorizedMember.from_obj(obj["invitee"])
        except DecodeError as exc:
            raise InvitationError(f"malformed invitation: {exc}") from None
        return cls(room, seed, invitee, _parse_secrets(obj.get("room_secrets", [])))


def _extract_code(value: object) -> str:
    if not isinstance(value, str):
        raise InvitationError("an invitation code must be text")
    match = _LINK_PARAM.search(value)
    if match is not None:
        code = match.group(1)
        if not code:
            raise InvitationError("the link's invitation parameter is empty")
    elif "://" in value:
        raise InvitationError("the link has no invitation parameter")
    else:
        code = "".join(value.split())
        if not code:
            raise InvitationError("the invitation code is empty")
    if len(code) > MAX_CODE_CHARS:
        raise InvitationError(f"the invitation code is too long ({len(code)} characters)")
    for position, ch in enumerate(code, start=1):
        if ch not in _B58_INDEX:
            hint = " (codes never contain 0, O, I or l)" if ch in _B58_LOOKALIKES else ""
            raise InvitationError(
                f"not an invitation code: character {position} of {len(code)} never appears in one{hint}"
            )
    return code


def _b58int(code: str) -> int:
    """Base58 digits to an int in about Karatsuba time; the naive loop is quadratic on hostile input."""
    digits = [_B58_INDEX[ch] for ch in code]
    digits[:0] = [0] * (-len(digits) % _B58_CHUNK)
    words = []
    for start in range(0, len(digits), _B58_CHUNK):
        word = 0
        for digit in digits[start : start + _B58_CHUNK]:
            word = word * 58 + digit
        words.append(word)
    base = 58**_B58_CHUNK
    while len(words) > 1:
        if len(words) % 2:
            words.insert(0, 0)
        words = [high * base + low for high, low in zip(words[0::2], words[1::2], strict=True)]
        if len(words) > 1:
            base *= base
    return words[0] if words else 0


def _b58decode(code: str) -> bytes:
    """Bitcoin-alphabet base58, identical to ``base58.b58decode`` (leading '1's are zero bytes)."""
    zeros = len(code) - len(code.lstrip("1"))
    value = _b58int(code[zeros:])
    return b"\x00" * zeros + value.to_bytes((value.bit_length() + 7) // 8, "big")


def _length_problem(data: bytes, chars: int) -> str | None:
    """Say whether the code looks like a real one with characters cut off or added, else ``None``.

    Base58 is positional: a code missing its last ``k`` characters decodes to the value ``v`` with the
    original somewhere in ``[v * 58**k, (v + 1) * 58**k)``, and ``k`` stray characters scale it the other
    way; either way the leading bytes no longer read as an invitation. A float test on logarithms
    (does ``v * 58**k`` start with a known prefix, modulo whole bytes?) finds candidate ``k`` by
    bisection; exact integer arithmetic confirms them."""
    if not _LENGTH_CHECK_MIN_CHARS <= chars <= _LENGTH_CHECK_MAX_CHARS or not data or data[0] == 0:
        return None
    value = int.from_bytes(data, "big")
    log_value = math.log(value) / _LN256
    for prefix in _CODE_PREFIXES:
        phase = log_value - math.log(int.from_bytes(prefix, "big")) / _LN256 + _FLOAT_SLACK
        width = math.log1p(1 / int.from_bytes(prefix, "big")) / _LN256 + 2 * _FLOAT_SLACK
        for shift in _candidate_shifts(phase, width):
            if -shift > chars - _LENGTH_CHECK_MIN_CHARS:
                continue
            if shift > 0:
                scale = 58**shift
                low, high = value * scale, (value + 1) * scale - 1
            else:
                low = high = value // 58**-shift
            if _prefix_in_range(low, high, prefix):
                if shift > 0:
                    return "the invitation code is incomplete (characters are missing; was it cut off when copied?)"
                return "the invitation code has extra characters (was something else pasted with it?)"
    return None


def _candidate_shifts(phase: float, width: float) -> list[int]:
    """The shifts ``k`` with ``(phase + k * log_256(58)) mod 1`` below ``width``, smallest first."""
    start = -phase % 1.0
    end = start + width
    found = _SHIFT_PHASES[bisect_left(_SHIFT_PHASE_KEYS, start) : bisect_left(_SHIFT_PHASE_KEYS, end)]
    if end > 1.0:
        found += _SHIFT_PHASES[: bisect_left(_SHIFT_PHASE_KEYS, end - 1.0)]
    return sorted((k for _, k in found), key=abs)


def _prefix_in_range(low: int, high: int, prefix_bytes: bytes) -> bool:
    """Does some integer in ``[low, high]`` have a big-endian form starting with ``prefix_bytes``?"""
    prefix = int.from_bytes(prefix_bytes, "big")
    for length in range((low.bit_length() + 7) // 8, (high.bit_length() + 7) // 8 + 1):
        shift = 8 * (length - len(prefix_bytes))
        if shift >= 0 and low >> shift <= prefix <= high >> shift:
            return True
    return False


def _load_cbor(data: bytes, starts_like_code: bool) -> object:
    """Decode exactly one CBOR item; a broken item that starts like a code is called damaged."""
    lead = "the invitation code is damaged" if starts_like_code else "not an invitation code"
    stream = io.BytesIO(data)
    try:
        obj = cbor2.CBORDecoder(stream).decode()
    except cbor2.CBORDecodeEOF:
        if starts_like_code:
            raise InvitationError("the invitation code is damaged or incomplete (its data ends early)") from None
        raise InvitationError(f"{lead}: its contents cannot be read") from None
    except Exception:  # cbor2 raises many types on hostile input; none of them is informative here
        raise InvitationError(f"{lead}: its contents cannot be read") from None
    if not isinstance(obj, dict):
        raise InvitationError("not an invitation code: it decodes to something other than an invitation")
    if stream.tell() != len(data):
        raise InvitationError(f"{lead}: unexpected data after the invitation")
    return obj


def _parse_secrets(value: object) -> list[tuple[int, bytes]]:
    if not isinstance(value, list):
        raise InvitationError("malformed invitation: room_secrets must be an array")
    secrets = []
    for index, entry in enumerate(value):
        if not isinstance(entry, list) or len(entry) != 2:
            raise InvitationError(f"malformed invitation: room secret {index} must be a [version, key] pair")
        try:
            secret = cbor.bytes_from_int_array(entry[1], ROOM_SECRET_LEN, f"room secret {index}")
        except DecodeError as exc:
            raise InvitationError(f"malformed invitation: {exc}") from None
        secrets.append((entry[0], secret))
    return secrets


def _normalized_secrets(secrets: object) -> list[tuple[int, bytes]]:
    if not isinstance(secrets, list | tuple):
        raise InvitationError("room secrets must be a list of (version, secret) pairs")
    result: list[tuple[int, bytes]] = []
    for index, entry in enumerate(secrets):
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            raise InvitationError(f"room secret {index} must be a (version, secret) pair")
        version, secret = entry
        if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_SECRET_VERSION:
            raise InvitationError(f"room secret {index}: the version must be an unsigned 32-bit integer")
        if not isinstance(secret, bytes | bytearray) or len(secret) != ROOM_SECRET_LEN:
            raise InvitationError(f"room secret {index} (version {version}) must be {ROOM_SECRET_LEN} bytes")
        result.append((version, bytes(secret)))
    result.sort(key=lambda entry: entry[0])
    for (earlier, _), (later, _) in pairwise(result):
        if earlier == later:
            raise InvitationError(f"room secret version {later} appears more than once")
    return result


def _key_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise InvitationError(f"{what} must be bytes")
    if len(value) != VERIFYING_KEY_LEN:
        raise InvitationError(f"{what} must be {VERIFYING_KEY_LEN} bytes, got {len(value)}")
    if not is_valid_verifying_key(bytes(value)):
        raise InvitationError(f"{what} is not a valid ed25519 public key")
    return bytes(value)


def _seed_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise InvitationError(f"{what} must be bytes")
    if len(value) != SEED_LEN:
        raise InvitationError(f"{what} must be {SEED_LEN} bytes, got {len(value)}")
    return bytes(value)


def _identity(seed: object, what: str) -> SigningIdentity:
    return SigningIdentity(_seed_bytes(seed, what))


__all__ = ["MAX_CODE_CHARS", "Invitation", "InvitationError"]
