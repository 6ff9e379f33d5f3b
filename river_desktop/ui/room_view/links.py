"""Web addresses in message text: where they are and what they point to (no Qt, nothing fetched)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"https?://[^\s<>\"'\u2028]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}>"
CLICKABLE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Link:
    """A link in shown text: its span (start inclusive, end exclusive) and the address itself."""

    start: int
    end: int
    url: str


def find_links(text: str) -> tuple[Link, ...]:
    """http(s) addresses in ``text``, without the punctuation that usually follows one in a sentence
    (a closing parenthesis stays when the address opened one, as Wikipedia's do)."""
    found = []
    for match in _URL.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        if len(url) > len("https://"):
            found.append(Link(match.start(), match.start() + len(url), url))
    return tuple(found)


def is_clickable(url: str) -> bool:
    """Only web and mail addresses open (after the user saw them); ``javascript:``, ``data:``, ``file:``
    and anything else stay text."""
    if not url.lower().startswith(CLICKABLE_SCHEMES):
        return False
    rest = url.split(":", 1)[1].lstrip("/")
    return bool(rest) and not any(c.isspace() or ord(c) < 32 for c in url)


__all__ = ["CLICKABLE_SCHEMES", "Link", "find_links", "is_clickable"]
