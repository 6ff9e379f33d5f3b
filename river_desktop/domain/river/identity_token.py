"""River's armored identity export (``common/src/room_state/identity.rs``), byte for byte.

::

    -----BEGIN RIVER IDENTITY-----
    <base58 of CBOR(IdentityExport), 64 characters a line>
    -----END RIVER IDENTITY-----          (no newline after the footer)

``IdentityExport`` is a map of 8 keys in this order: ``room_owner`` (bstr32), ``signing_key`` (bstr32 seed),
``authorized_member``, ``invite_chain``, ``member_info`` (an ``AuthorizedMemberInfo`` tree or null),
``room_name``, ``self_nickname`` and ``invitation_secrets`` (map u32 -> array of 32 uints). Reading accepts
what serde accepts: the last three may be missing (older tokens), and blank lines, indentation and CRLF are
ignored. A token carries a signing key, so it is a secret: neither its text nor the seed appears in a repr
or an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import base58

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import SigningIdentity, is_valid_verifying_key, member_id, member_id_display
from river_desktop.domain.member import AuthorizedMember

ARMOR_BEGIN = "-----BEGIN RIVER IDENTITY-----"
ARMOR_END = "-----END RIVER IDENTITY-----"
LINE_WIDTH = 64
MAX_TOKEN_CHARS = 1_000_000
_U32_MAX = (1 << 32) - 1
# Unicode White_Space: what Rust's str::trim removes.
_WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


class TokenProblem(Enum):
    EMPTY = "empty"
    NOT_BASE58 = "not base58"
    NOT_CBOR = "not CBOR"
    BAD_SHAPE = "bad shape"
    KEY_MISMATCH = "key mismatch"
    BAD_SIGNATURE = "bad signature"


class IdentityTokenError(ValueError):
    """The token cannot be imported; ``problem`` says which check failed."""

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def _key32(value: object, what: str) -> bytes:
    """ed25519-dalek reads a key from a byte string (what it writes) or an array of 32 bytes."""
    try:
        raw = cbor.bytes_from_int_array(value, 32, what)
    except DecodeError as exc:
        raise IdentityTokenError(TokenProblem.BAD_SHAPE, f"identity token: {exc}") from None
    return raw


def _opt_text(m: Mapping[str, Any], key: str) -> str | None:
    value = m.get(key)
    if value is None or isinstance(value, str):
        return value
    raise IdentityTokenError(TokenProblem.BAD_SHAPE, f"identity token: {key} must be text or null")


def _secrets(value: object) -> tuple[tuple[int, bytes], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: invitation_secrets must be a map")
    out = []
    for version, secret in value.items():
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= _U32_MAX:
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: secret versions must be u32")
        out.append((version, _key32(secret, f"invitation secret v{version}")))
    return tuple(sorted(out))


@dataclass(frozen=True, repr=False)
class IdentityToken:
    room_owner: bytes
    identity: SigningIdentity
    authorized_member: AuthorizedMember
    invite_chain: tuple[AuthorizedMember, ...] = ()
    member_info: CborObj | None = field(default=None, hash=False)
    """An ``AuthorizedMemberInfo`` object tree, passed through untouched."""
    room_name: str | None = None
    self_nickname: str | None = None
    invitation_secrets: tuple[tuple[int, bytes], ...] = ()
    """``(version, secret)`` pairs, ascending."""

    @classmethod
    def for_owner(
        cls,
        owner: SigningIdentity,
        *,
        member_info: CborObj | None = None,
        room_name: str | None = None,
        self_nickname: str | None = None,
    ) -> IdentityToken:
        """The owner's export: a self-signed membership with ``invited_by`` = the owner (River's UI does this)."""
        vk = owner.verifying_key
        return cls(vk, owner, AuthorizedMember.create(vk, owner, vk), (), member_info, room_name, self_nickname)

    @property
    def is_owner(self) -> bool:
        return self.identity.verifying_key == self.room_owner

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "room_owner": self.room_owner,
            "signing_key": self.identity.seed,
            "authorized_member": self.authorized_member.to_obj(),
            "invite_chain": [m.to_obj() for m in self.invite_chain],
            "member_info": self.member_info,
            "room_name": self.room_name,
            "self_nickname": self.self_nickname,
            "invitation_secrets": {v: cbor.int_array(s) for v, s in sorted(self.invitation_secrets)},
        }

    def encode(self) -> str:
        """The armored text, exactly as River's ``to_armored_string`` lays it out."""
        text = base58.b58encode(cbor.dumps(self.to_obj())).decode("ascii")
        lines = [text[i : i + LINE_WIDTH] for i in range(0, len(text), LINE_WIDTH)]
        return ARMOR_BEGIN + "\n" + "".join(line + "\n" for line in lines) + ARMOR_END

    @classmethod
    def decode(cls, text: str) -> IdentityToken:
        """Parse and check a token as River's ``from_armored_string`` does."""
        if len(text) > MAX_TOKEN_CHARS:
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token is far too long")
        payload = "".join(
            line
            for line in (raw.strip(_WHITE_SPACE) for raw in text.split("\n"))
            if line and not line.startswith("-----")
        )
        if not payload:
            raise IdentityTokenError(TokenProblem.EMPTY, "the identity token is empty")
        try:
            data = base58.b58decode(payload)
        except ValueError:
            raise IdentityTokenError(TokenProblem.NOT_BASE58, "the identity token is not valid base58") from None
        try:
            obj = cbor.loads(data)
        except DecodeError:
            raise IdentityTokenError(TokenProblem.NOT_CBOR, "the identity token is damaged (not CBOR)") from None
        token = cls._from_obj(obj)
        token._check()
        return token

    @classmethod
    def _from_obj(cls, obj: object) -> IdentityToken:
        if not isinstance(obj, dict):
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: not a map")
        missing = [k for k in ("room_owner", "signing_key", "authorized_member", "invite_chain") if k not in obj]
        if missing:
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, f"identity token: missing {missing}")
        room_owner = _key32(obj["room_owner"], "room_owner")
        if not is_valid_verifying_key(room_owner):
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: room_owner is not an ed25519 key")
        identity = SigningIdentity(_key32(obj["signing_key"], "signing_key"))
        chain = obj["invite_chain"]
        if not isinstance(chain, list):
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: invite_chain must be an array")
        try:
            member = AuthorizedMember.from_obj(obj["authorized_member"])
            invite_chain = tuple(AuthorizedMember.from_obj(m) for m in chain)
        except DecodeError as exc:
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, f"identity token: {exc}") from None
        member_info = obj.get("member_info")
        if member_info is not None and not isinstance(member_info, dict):
            raise IdentityTokenError(TokenProblem.BAD_SHAPE, "identity token: member_info must be a map or null")
        return cls(
            room_owner,
            identity,
            member,
            invite_chain,
            member_info,
            _opt_text(obj, "room_name"),
            _opt_text(obj, "self_nickname"),
            _secrets(obj.get("invitation_secrets")),
        )

    def _check(self) -> None:
        if self.identity.verifying_key != self.authorized_member.member_vk:
            raise IdentityTokenError(
                TokenProblem.KEY_MISMATCH, "the token's signing key does not belong to its member"
            )
        known = {member_id(self.room_owner): self.room_owner}
        known.update((m.member.id, m.member_vk) for m in self.invite_chain)
        for which, m in (("membership", self.authorized_member), *(("invite chain", c) for c in self.invite_chain)):
            inviter = known.get(m.member.invited_by)
            if inviter is not None and not m.verify(inviter):
                raise IdentityTokenError(
                    TokenProblem.BAD_SIGNATURE,
                    f"the token's {which} signature for {member_id_display(m.member.id)} is invalid",
                )

    def __repr__(self) -> str:
        return (
            f"IdentityToken(room={member_id_display(member_id(self.room_owner))}, "
            f"member={member_id_display(self.identity.member_id)}, chain={len(self.invite_chain)}, "
            f"secrets={[v for v, _ in self.invitation_secrets]}, seed=<redacted>)"
        )

    __str__ = __repr__


__all__ = [
    "ARMOR_BEGIN",
    "ARMOR_END",
    "LINE_WIDTH",
    "IdentityToken",
    "IdentityTokenError",
    "TokenProblem",
]
