"""River's ``@mention`` token inside message text (``common/src/mention.rs``).

A mention is written inline as ``@[Display Name](rv:XXXXXXXX)``. The reference is the member's 8-character
display id (base32 of the little-endian i64, :func:`identity.member_id_display`), which is lossy, so it is
matched against the room's members; older messages carry the full id as 1 to 16 hex digits, still parsed.
The name is only a snapshot for when the member cannot be resolved; delimiters and control characters are
stripped from it when a token is built, so a name can never forge a second token.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from river_desktop.domain.identity import member_id_display

REF_SCHEME = "rv:"
MAX_SNAPSHOT_NAME_LEN = 64
_TRAILING_PUNCT = ".,!?;:)]}\"'"
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_HEX = frozenset("0123456789abcdefABCDEF")
# Unicode White_Space, which is what Rust's char::is_whitespace and str::trim use.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class ShortRef:
    """The current form: an 8-character display id, resolved against the room's members."""

    label: str

    def matches(self, mid: int) -> bool:
        return member_id_display(mid) == self.label


@dataclass(frozen=True)
class LegacyRef:
    """The old form: the full member id, written as hex."""

    member_id: int

    def matches(self, mid: int) -> bool:
        return mid == self.member_id


MemberRef = ShortRef | LegacyRef


def resolve_ref(ref: MemberRef, candidates: Iterable[int]) -> int | None:
    """The member a reference names; on a (2^-40) label collision the lowest id wins, as in River."""
    if isinstance(ref, LegacyRef):
        return ref.member_id
    return min((mid for mid in candidates if ref.matches(mid)), default=None)


@dataclass(frozen=True)
class Mention:
    member_ref: MemberRef
    display_name: str


Segment = str | Mention
"""A run of plain text, or one mention."""


def member_id_to_hex(mid: int) -> str:
    return f"{mid & _MASK64:016x}"


def member_id_from_hex(text: str) -> int | None:
    if not 1 <= len(text) <= 16 or not set(text) <= _HEX:
        return None
    raw = int(text, 16)
    return raw - (1 << 64) if raw >= 1 << 63 else raw


def member_ref_from_str(text: str) -> MemberRef | None:
    """Base32 first (exactly 8 characters), then the legacy hex form."""
    if len(text) == 8 and set(text) <= _BASE32:
        return ShortRef(text)
    mid = member_id_from_hex(text)
    return None if mid is None else LegacyRef(mid)


def _strip_white(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _WHITE_SPACE:
        start += 1
    while end > start and text[end - 1] in _WHITE_SPACE:
        end -= 1
    return text[start:end]


def sanitize_name(name: str) -> str:
    """Drop ``[ ] ( )`` and control characters, trim, keep at most 64 characters."""
    kept = "".join(ch for ch in name if ch not in "[]()" and unicodedata.category(ch) != "Cc")
    return _strip_white(kept)[:MAX_SNAPSHOT_NAME_LEN]


def build_token(mid: int, display_name: str) -> str:
    """The wire token for a mention of ``mid``."""
    return f"@[{sanitize_name(display_name)}]({REF_SCHEME}{member_id_display(mid)})"


def _token_at(text: str, at: int) -> tuple[Mention, int] | None:
    if not text.startswith("@[", at):
        return None
    close = text.find("]", at + 2)
    if close < 0:
        return None
    name = text[at + 2 : close]
    prefix = "(" + REF_SCHEME
    if not text.startswith(prefix, close + 1):
        return None
    ref_start = close + 1 + len(prefix)
    end = text.find(")", ref_start)
    if end < 0:
        return None
    ref = member_ref_from_str(text[ref_start:end])
    if ref is None:
        return None
    return Mention(ref, name), end + 1


def token_spans(text: str) -> list[tuple[int, int, Mention]]:
    """Where each token sits in ``text``: ``(start, end, mention)``, in order, never overlapping."""
    spans: list[tuple[int, int, Mention]] = []
    i = 0
    while i < len(text):
        if text[i] == "@":
            found = _token_at(text, i)
            if found is not None:
                spans.append((i, found[1], found[0]))
                i = found[1]
                continue
        i += 1
    return spans


def parse_segments(text: str) -> list[Segment]:
    """Split ``text`` into plain runs and mentions, in order; joining the plain runs loses nothing else."""
    segments: list[Segment] = []
    start = 0
    for begin, end, mention in token_spans(text):
        if start < begin:
            segments.append(text[start:begin])
        segments.append(mention)
        start = end
    if start < len(text):
        segments.append(text[start:])
    return segments


def parse_mentions(text: str) -> list[Mention]:
    return [s for s in parse_segments(text) if isinstance(s, Mention)]


def mentioned_ids(text: str, candidates: Iterable[int]) -> list[int]:
    """The members ``text`` mentions, resolved against ``candidates``, in order, each once."""
    pool = list(candidates)
    out: list[int] = []
    for mention in parse_mentions(text):
        mid = resolve_ref(mention.member_ref, pool)
        if mid is not None and mid not in out:
            out.append(mid)
    return out


def contains_mention_of(text: str, mid: int) -> bool:
    return any(m.member_ref.matches(mid) for m in parse_mentions(text))


def render_plaintext(text: str, resolve: Callable[[MemberRef], str | None]) -> str:
    """Each token becomes ``@Name``: the current name from ``resolve``, else the token's snapshot."""
    parts: list[str] = []
    for seg in parse_segments(text):
        if isinstance(seg, str):
            parts.append(seg)
        else:
            name = resolve(seg.member_ref)
            parts.append("@" + (seg.display_name if name is None else name))
    return "".join(parts)


def resolve_typed_mentions(text: str, resolve: Callable[[str], tuple[int, str] | None]) -> str:
    """Turn typed ``@name`` (at a word start, trailing punctuation excluded) into tokens where ``resolve`` knows it.

    Unknown names, ``a@b`` and existing tokens are left exactly as they are.
    """
    out: list[str] = []
    i = 0
    prev_white = True
    while i < len(text):
        ch = text[i]
        if ch == "@" and prev_white:
            j = i + 1
            while j < len(text) and text[j] not in _WHITE_SPACE:
                j += 1
            run = text[i + 1 : j]
            candidate = run.rstrip(_TRAILING_PUNCT)
            hit = resolve(candidate) if candidate else None
            if hit is not None:
                out.append(build_token(hit[0], hit[1]))
                out.append(run[len(candidate) :])
                i = j
            else:
                out.append("@")
                i += 1
            prev_white = False
            continue
        out.append(ch)
        prev_white = ch in _WHITE_SPACE
        i += 1
    return "".join(out)


__all__ = [
    "MAX_SNAPSHOT_NAME_LEN",
    "REF_SCHEME",
    "LegacyRef",
    "MemberRef",
    "Mention",
    "Segment",
    "ShortRef",
    "build_token",
    "contains_mention_of",
    "member_id_from_hex",
    "member_id_to_hex",
    "member_ref_from_str",
    "mentioned_ids",
    "parse_mentions",
    "parse_segments",
    "render_plaintext",
    "resolve_ref",
    "resolve_typed_mentions",
    "sanitize_name",
    "token_spans",
]
