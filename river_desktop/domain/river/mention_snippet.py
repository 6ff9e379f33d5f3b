"""A search snippet with River's mention tokens shown as ``@Name``, as the message itself is shown.

SQLite's FTS5 ``snippet()`` cuts the message text at word boundaries and puts markers around the matched
words, so a token in a snippet can be cut in two (``…Bob](rv:AB12CD34) hi``) or carry a marker inside
(``@[\\x02Bob\\x03](rv:…)``). The snippet is found again in the message's full text, widened to whole tokens,
and each token is rendered with its member's current name (else the name it carries); a marker that fell
inside a token highlights the whole ``@Name``.
"""

from __future__ import annotations

from collections.abc import Callable

from river_desktop.domain.river.mention import MemberRef, render_plaintext, token_spans

ELLIPSIS = "…"


def render_snippet(
    snippet: str, text: str, resolve: Callable[[MemberRef], str | None], marks: tuple[str, str]
) -> str:
    """``snippet`` of ``text`` with its tokens as ``@Name``; ``marks`` are the (start, end) highlight markers."""
    if "@[" not in text:
        return snippet
    opening, closing = marks
    head = snippet.startswith(ELLIPSIS)
    tail = snippet.endswith(ELLIPSIS) and len(snippet) > len(ELLIPSIS) * head
    body = snippet[len(ELLIPSIS) if head else 0 : len(snippet) - len(ELLIPSIS) if tail else len(snippet)]
    plain: list[str] = []
    at_marks: list[tuple[int, str]] = []
    for ch in body:
        if ch in marks:
            at_marks.append((len(plain), ch))
        else:
            plain.append(ch)
    found = text.find("".join(plain))
    if found < 0:  # not a piece of this text: its whole tokens at least
        return render_plaintext(snippet, resolve)
    lo, hi = found, found + len(plain)
    spans = [(s, e, m) for s, e, m in token_spans(text) if s < hi and e > lo]
    if spans:
        lo, hi = min(lo, spans[0][0]), max(hi, spans[-1][1])
    inserts: dict[int, list[str]] = {}
    for pos, mark in at_marks:
        inserts.setdefault(found + pos, []).append(mark)
    out: list[str] = [ELLIPSIS] if head and lo > 0 else []
    highlighted = False
    i = lo
    for start, end, mention in [*spans, (hi, hi, None)]:
        for j in range(i, start):
            for mark in inserts.get(j, ()):
                out.append(mark)
                highlighted = mark == opening
            out.append(text[j])
        if mention is None:
            break
        inside = [mark for j in range(start, end) for mark in inserts.get(j, ())]
        was = highlighted
        if inside:
            highlighted = inside[-1] == opening
        name = resolve(mention.member_ref)
        shown = "@" + (mention.display_name if name is None else name)
        lead = "" if was or not inside else opening
        trail = "" if highlighted or not inside else closing
        out.append(f"{lead}{shown}{trail}")
        i = end
    out.extend(inserts.get(hi, ()))
    if tail and hi < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


__all__ = ["ELLIPSIS", "render_snippet"]
