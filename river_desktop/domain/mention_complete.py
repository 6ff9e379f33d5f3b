"""What ``@`` completion in the composer offers: where the query starts, and which members match it.

The query rule follows River's composer (``ui/src/components/conversation/mention.rs``): an ``@`` that begins a
word (start of text or after white space) with no white space between it and the caret; ``name@host`` is no query.
Matching is ours: nickname prefix first, then a word of the nickname, then anywhere in it, then the
8-character member id (from four characters on); case-insensitive, by name within each rank. Members whose
names look alike are told apart by their id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

MAX_SHOWN: Final = 8
"""Rows the completion list shows (more typing narrows it)."""
MAX_QUERY: Final = 64
"""A longer run after ``@`` is not a name being typed."""
MIN_ID_QUERY: Final = 4
"""Ids are matched from this many characters on: shorter runs are names being typed, and a random id would
often share their first letter."""


@dataclass(frozen=True)
class Candidate:
    """A member completion can insert: its id, the name the token carries and the composer shows, its label."""

    member_id: int
    name: str
    label: str
    """The 8-character member id River shows and mention tokens carry."""


@dataclass(frozen=True)
class Query:
    """The ``@query`` the caret sits in: ``start`` is the index of the ``@``."""

    start: int
    text: str


def query_at(text: str, caret: int) -> Query | None:
    """The query ending at ``caret`` in ``text``, or ``None`` when the caret is not in one."""
    if not 0 <= caret <= len(text):
        return None
    i = caret
    while i > 0:
        ch = text[i - 1]
        if ch == "@":
            at = i - 1
            if at > 0 and not text[at - 1].isspace():
                return None
            query = text[i:caret]
            return None if len(query) > MAX_QUERY else Query(at, query)
        if ch.isspace():
            return None
        i -= 1
    return None


def _rank(candidate: Candidate, query: str) -> int | None:
    name = candidate.name.casefold()
    if name.startswith(query):
        return 0
    if any(word.startswith(query) for word in name.split()):
        return 1
    if query in name:
        return 2
    if len(query) >= MIN_ID_QUERY and candidate.label.casefold().startswith(query):
        return 3
    return None


def matches(candidates: Iterable[Candidate], query: str, limit: int = MAX_SHOWN) -> list[Candidate]:
    """The candidates ``query`` matches, best first; an empty query lists everyone by name."""
    q = query.casefold()
    ranked = []
    for c in candidates:
        rank = 0 if not q else _rank(c, q)
        if rank is not None:
            ranked.append((rank, c.name.casefold(), c.member_id, c))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]


def row_labels(shown: list[Candidate]) -> list[str]:
    """What each row of the list says: the name, and the id beside names that appear more than once."""
    counts = Counter(c.name.casefold() for c in shown)
    return [f"{c.name}  ({c.label})" if counts[c.name.casefold()] > 1 else c.name for c in shown]


__all__ = ["MAX_QUERY", "MAX_SHOWN", "MIN_ID_QUERY", "Candidate", "Query", "matches", "query_at", "row_labels"]
