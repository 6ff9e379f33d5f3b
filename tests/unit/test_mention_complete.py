"""``@`` completion's decisions: where a query starts, which members match and in what order, how rows read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.mention_complete import MAX_SHOWN, Candidate, Query, matches, query_at, row_labels
from river_desktop.domain.river.mention import build_token, parse_segments, token_spans

BOB = Candidate(1, "bob", "AAAAAAAA")
BOBBY = Candidate(2, "Bobby Tables", "BBBBBBBB")
ROBERT = Candidate(3, "Robert Bobson", "CCCCCCCC")
CAROL = Candidate(4, "carol", "BOBBXYZ2")
JACOB = Candidate(5, "jacob", "DDDDDDDD")
EVERYONE = [JACOB, CAROL, ROBERT, BOBBY, BOB]


@pytest.mark.parametrize(
    ("text", "caret", "expected"),
    [
        ("@", 1, Query(0, "")),
        ("hi @bo", 6, Query(3, "bo")),
        ("hi @bo there", 6, Query(3, "bo")),
        ("hi @bo there", 5, Query(3, "b")),
        ("hi @bo there", 12, None),  # white space since the @
        ("mail a@b", 8, None),  # not at a word start
        ("line\n@x", 7, Query(5, "x")),
        ("hi @", 3, None),  # caret before the @
        ("@" + "x" * 65, 66, None),  # too long to be a name being typed
        ("", 0, None),
        ("abc", 9, None),
    ],
)
def test_query_at(text: str, caret: int, expected: Query | None) -> None:
    assert query_at(text, caret) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [BOB, BOBBY, CAROL, JACOB, ROBERT]),  # everyone, by name
        ("b", [BOB, BOBBY, ROBERT, JACOB]),  # prefix, then a word, then inside; no id match for one letter
        ("BOB", [BOB, BOBBY, ROBERT]),  # case does not matter; three letters match no id
        ("bobb", [BOBBY, CAROL]),  # four characters also match ids (carol's starts BOBB)
        ("tab", [BOBBY]),
        ("cccc", [ROBERT]),
        ("zed", []),
    ],
)
def test_matches_rank_prefix_word_inside_then_id(query: str, expected: list[Candidate]) -> None:
    assert matches(EVERYONE, query) == expected


def test_matches_shows_at_most_max_shown() -> None:
    many = [Candidate(i, f"member {i:02d}", f"{i:08d}") for i in range(20)]
    assert [c.member_id for c in matches(many, "mem")] == list(range(MAX_SHOWN))


def test_rows_with_the_same_name_show_their_ids() -> None:
    twins = [Candidate(1, "Sam", "AAAAAAAA"), Candidate(2, "sam", "BBBBBBBB"), Candidate(3, "Samantha", "CCCCCCCC")]
    assert row_labels(twins) == ["Sam  (AAAAAAAA)", "sam  (BBBBBBBB)", "Samantha"]


@given(st.text(max_size=40), st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), st.text(max_size=12)), max_size=3))
def test_token_spans_cover_each_built_token_exactly(filler: str, members: list[tuple[int, str]]) -> None:
    """Whatever text surrounds them, each token built for a member is found where it was put, whole."""
    filler = filler.replace("@", "")
    tokens = [build_token(mid, name) for mid, name in members]
    text = filler + filler.join(tokens) + filler
    spans = token_spans(text)
    assert [text[start:end] for start, end, _ in spans] == tokens
    assert len([s for s in parse_segments(text) if not isinstance(s, str)]) == len(tokens)
