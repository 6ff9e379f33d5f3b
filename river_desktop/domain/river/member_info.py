"""River's ``MemberInfo``: a member's nickname and deputies, signed by that member (``member_info.rs``).

Wire shapes::

    MemberInfoV1         = {"member_info": [AuthorizedMemberInfo]}
    AuthorizedMemberInfo = {"member_info": MemberInfo, "signature": [64 uints]}
    MemberInfo           = {"member_id", "version", "preferred_nickname": SealedBytes[, "deputies": [i64]]}

``deputies`` is written only when non-empty, so a record without deputies keeps the bytes (and the
signature) it had before River added the field. Several records for one member are ranked by
``(version, BLAKE3(signature)[..16])``; the highest is canonical.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import blake3

from river_desktop.domain.identity import SIGNATURE_LEN, SigningIdentity
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import kept_bytes as kb
from river_desktop.domain.river.configuration import SealedBytes

MAX_DEPUTIES = 64


@functools.lru_cache(maxsize=65_536)
def sig_digest(signature: bytes) -> bytes:
    """River's ``SigDigest``: the first 16 bytes of BLAKE3 of the signature."""
    return blake3.blake3(signature).digest()[:16]


@dataclass(frozen=True)
class MemberInfo(c.Record):
    member_id: int
    version: int
    preferred_nickname: SealedBytes
    deputies: tuple[int, ...] = ()

    @functools.cached_property
    def encoded(self) -> bytes:
        pairs = [
            ("member_id", c.enc_int(self.member_id)),
            ("version", c.enc_int(self.version)),
            ("preferred_nickname", self.preferred_nickname.encode()),
        ]
        if self.deputies:
            pairs.append(("deputies", c.enc_array(c.enc_int(d) for d in self.deputies)))
        return c.enc_map(pairs)

    def encode(self) -> bytes:
        """The bytes the member signs."""
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> MemberInfo:
        w = "member info"
        m = c.fields(value, w)
        return cls(
            c.i64(c.req(m, "member_id", w), "member_id"),
            c.uint(c.req(m, "version", w), "version", 32),
            SealedBytes.from_obj(c.req(m, "preferred_nickname", w), "preferred_nickname"),
            c.opt_seq(c.opt(m, "deputies"), "deputies", lambda v: c.i64(v, "deputy")),
        )


@dataclass(frozen=True)
class AuthorizedMemberInfo(c.Record):
    member_info: MemberInfo
    signature: bytes

    @classmethod
    def create(cls, info: MemberInfo, signer: SigningIdentity) -> AuthorizedMemberInfo:
        """Signed by the member itself (the owner signs its own record)."""
        return cls(info, signer.sign(info.encode()))

    @classmethod
    def nickname(
        cls, signer: SigningIdentity, nickname: str, version: int = 1, deputies: tuple[int, ...] = ()
    ) -> AuthorizedMemberInfo:
        info = MemberInfo(signer.member_id, version, SealedBytes.public(nickname), deputies)
        return cls.create(info, signer)

    @property
    def member_id(self) -> int:
        return self.member_info.member_id

    @property
    def rank(self) -> tuple[int, bytes]:
        return (self.member_info.version, sig_digest(self.signature))

    def verify(self, vk: bytes) -> bool:
        return c.verify_cached(vk, self.member_info.encode(), self.signature)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map((("member_info", self.member_info.encode()), ("signature", c.enc_uint_array(self.signature))))

    def encode(self) -> bytes:
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> AuthorizedMemberInfo:
        w = "authorized member info"
        m = c.fields(value, w)
        return cls(
            MemberInfo.from_obj(c.req(m, "member_info", w)),
            c.byte_field(c.req(m, "signature", w), "signature", SIGNATURE_LEN),
        )

    @classmethod
    def from_obj_keeping_bytes(cls, value: object) -> AuthorizedMemberInfo:
        """:meth:`from_obj`; a tree in canonical shape also gives the record its canonical bytes
        (``kept_bytes.py``), so a state holding it re-encodes without rebuilding them."""
        info = cls.from_obj(value)
        if kb.canonical_member_info_tree(value):
            info.__dict__["encoded"] = kb.tree_bytes(value)  # type: ignore[arg-type]
        return info


def canonical(infos: Iterable[AuthorizedMemberInfo], member_id: int) -> AuthorizedMemberInfo | None:
    best: AuthorizedMemberInfo | None = None
    for info in infos:
        if info.member_id == member_id and (best is None or info.rank > best.rank):
            best = info
    return best


def deputies_of(infos: Iterable[AuthorizedMemberInfo], member_id: int) -> tuple[int, ...]:
    info = canonical(infos, member_id)
    return () if info is None else info.member_info.deputies


def dedup_to_canonical(infos: list[AuthorizedMemberInfo]) -> list[AuthorizedMemberInfo]:
    """One record per member, the highest-ranked, sorted by member id (a no-op below two records)."""
    if len(infos) < 2:
        return infos
    best: dict[int, AuthorizedMemberInfo] = {}
    for info in infos:
        cur = best.get(info.member_id)
        if cur is None or info.rank > cur.rank:
            best[info.member_id] = info
    return sorted(best.values(), key=lambda i: i.member_id)


def encode_member_info(infos: Iterable[AuthorizedMemberInfo]) -> bytes:
    return c.enc_map((("member_info", c.enc_array(i.encode() for i in infos)),))


__all__ = [
    "MAX_DEPUTIES",
    "AuthorizedMemberInfo",
    "MemberInfo",
    "canonical",
    "dedup_to_canonical",
    "deputies_of",
    "encode_member_info",
    "sig_digest",
]
