"""The words of a new-message notification (domain/notice.py): short, and no body in a repr."""

from __future__ import annotations

import pytest

from river_desktop.domain import notice


@pytest.mark.parametrize(
    ("fresh", "expected"),
    [(1, "1 new message in Garden"), (2, "2 new messages in Garden"), (12, "12 new messages in Garden")],
)
def test_a_count(fresh: int, expected: str) -> None:
    assert notice.count_text(fresh, "Garden") == expected


def test_one_message_says_who_where_and_its_line_cut_short() -> None:
    line = "word " * 40
    text = notice.arrival_text(notice.Arrival("Alice", line.strip()), "Garden")
    assert text.startswith("Alice in Garden: word word")
    assert text.endswith("…") and len(text) == len("Alice in Garden: ") + notice.MAX_LINE
    assert notice.arrival_text(notice.Arrival("Alice", "hi"), "R" * 50) == f"Alice in {'R' * 31}…: hi"


def test_an_arrival_never_shows_its_line_in_a_repr() -> None:
    arrival = notice.Arrival("Alice", "the vault code is 1234")
    assert "1234" not in repr(arrival) and "vault" not in str(arrival)
