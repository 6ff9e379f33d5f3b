"""Mentions as the room view shows them: tokens rendered as ``@nickname``, mentions of you picked out.

A token is shown with the member's current nickname from the live state (River resolves it the same way,
``views.plain_text``), else the name the token carries; the facts of one ``RoomData`` give both.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor, QPalette

from river_desktop.domain.mention_complete import Candidate
from river_desktop.domain.river.mention import (
    MemberRef,
    contains_mention_of,
    render_plaintext,
    resolve_ref,
    sanitize_name,
    token_spans,
)
from river_desktop.ui.room_facts import RoomFacts

NameOf = Callable[[MemberRef], "str | None"]


def name_resolver(facts: RoomFacts | None) -> NameOf:
    """A token's member's current nickname, or ``None`` (show the token's own name)."""
    if facts is None:
        return lambda _ref: None
    known = list(facts.names)

    def name_of(ref: MemberRef) -> str | None:
        mid = resolve_ref(ref, known)
        return None if mid is None else facts.names.get(mid)

    return name_of


def shown_text(text: str, facts: RoomFacts | None) -> str:
    """``text`` with each mention token as ``@nickname``; text without a token is returned as it is."""
    if "@[" not in text:
        return text
    return render_plaintext(text, name_resolver(facts))


def tokened_text(text: str, facts: RoomFacts | None) -> str:
    """``text`` with each token's name replaced by the member's current nickname, still as River's token, so
    the markdown renderer styles the mention (``markdown.py``); the letters shown equal :func:`shown_text`'s."""
    if "@[" not in text:
        return text
    name_of = name_resolver(facts)
    parts: list[str] = []
    last = 0
    for start, end, mention in token_spans(text):
        name = name_of(mention.member_ref)
        parts.append(text[last:start])
        parts.append(text[start:end] if name is None else retoken(text[start:end], name))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def retoken(token: str, name: str) -> str:
    """``@[old](rv:ID)`` as ``@[name](rv:ID)``, the name sanitized as River's composer writes it."""
    ref = token[token.index("](") :]
    return f"@[{sanitize_name(name)}{ref}"


def mentions_you(text: str | None, facts: RoomFacts | None) -> bool:
    if not text or facts is None or "@[" not in text:
        return False
    return contains_mention_of(text, facts.self_id)


def candidates(facts: RoomFacts | None) -> list[Candidate]:
    """Everyone in the room but you, as completion offers them."""
    if facts is None:
        return []
    return [Candidate(row.member_id, row.display_name, row.id_display) for row in facts.members if not row.is_you]


def mention_fill(palette: QPalette) -> QColor:
    """The bubble of a message that mentions you: the highlight colour, stronger than your own bubbles'."""
    fill = QColor(palette.color(QPalette.ColorRole.Highlight))
    fill.setAlpha(110)
    return fill


__all__ = ["NameOf", "candidates", "mention_fill", "mentions_you", "name_resolver", "shown_text"]
