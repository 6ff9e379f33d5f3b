"""Search snippets show mentions as ``@Name``: real FTS5 snippets (cut tokens, markers inside tokens)."""

from __future__ import annotations

import sqlite3

import pytest

from river_desktop.domain.river.mention import MemberRef, ShortRef
from river_desktop.domain.river.mention_snippet import render_snippet
from river_desktop.storage.search_index import MATCH_END, MATCH_START, match_expression

S, E = MATCH_START, MATCH_END
XS = " ".join(f"x{i}" for i in range(1, 15))
XS13 = " ".join(f"x{i}" for i in range(1, 14))


def resolve(ref: MemberRef) -> str | None:
    return "Robert" if isinstance(ref, ShortRef) and ref.label == "ABCDEF23" else None


def fts_snippet(text: str, query: str) -> str:
    """What search_index's query gives for ``text`` (same snippet() call, same width)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    conn.execute("INSERT INTO t VALUES (?)", (text,))
    expression = match_expression(query)
    row = conn.execute(f"SELECT snippet(t, 0, '{S}', '{E}', '…', 16) FROM t WHERE t MATCH ?", (expression,)).fetchone()
    return str(row[0])


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("hello @[Bob](rv:ABCDEF23) how are you", "bob", f"hello {S}@Robert{E} how are you"),
        ("hello @[Bob](rv:ABCDEF23) how are you", "hello", f"{S}hello{E} @Robert how are you"),
        ("@[Bob](rv:ZZZZZZZZ) says hi", "says", f"@Bob {S}says{E} hi"),
        ("no tokens here", "tokens", f"no {S}tokens{E} here"),
        (f"lead words @[Bob](rv:ABCDEF23) {XS} target", "target", f"…@Robert {XS} {S}target{E}"),
        (f"lead words @[Bob Smith](rv:ABCDEF23) {XS13} target", "target", f"…@Robert {XS13} {S}target{E}"),
        (f"target {XS} @[Bob](rv:ABCDEF23) and more after", "target", f"{S}target{E} {XS} @Robert…"),
        (f"target {XS13} @[Bob Smith](rv:ZZZZZZZZ) more", "target", f"{S}target{E} {XS13} @Bob Smith…"),
        ("@[Bob](rv:ABCDEF23) @[Bob](rv:ABCDEF23) bob", "bob", f"{S}@Robert{E} {S}@Robert{E} {S}bob{E}"),
    ],
)
def test_tokens_in_a_snippet_read_as_the_message_does(text: str, query: str, expected: str) -> None:
    snippet = fts_snippet(text, query)
    assert (snippet != expected) == ("@[" in text), "only a text with a token has a snippet to change"
    assert render_snippet(snippet, text, resolve, (S, E)) == expected


def test_a_snippet_that_is_not_from_the_text_still_loses_its_whole_tokens() -> None:
    assert render_snippet("@[Bob](rv:ABCDEF23) x", "other @[A](rv:ZZZZZZZZ)", resolve, (S, E)) == "@Robert x"
