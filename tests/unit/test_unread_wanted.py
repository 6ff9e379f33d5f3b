"""Which rooms a window counts again, and how a count of a few rooms joins the others' badges."""

from __future__ import annotations

import pytest

from river_desktop.ui.unread_wanted import UnreadWanted, merged_counts

A, B, C, D = b"a", b"b", b"c", b"d"


@pytest.mark.parametrize(
    ("asks", "taken"),
    [
        ([], set()),
        ([[A]], {A}),
        ([[A], [B, C]], {A, B, C}),
        ([[A], None], None),
        ([None, [A]], None),
        ([[]], set()),
    ],
)
def test_asks_coalesce_until_taken(asks: list[list[bytes] | None], taken: set[bytes] | None) -> None:
    wanted = UnreadWanted()
    for rooms in asks:
        wanted.ask(rooms)
    assert wanted.asked is bool(asks)
    assert wanted.take() == taken
    assert not wanted.asked and wanted.take() == set()


@pytest.mark.parametrize(
    ("before", "counted", "asked", "present", "after"),
    [
        # every room counted: the count is the answer, for rooms still present
        ({A: 1, B: 2}, {A: 0, C: 4}, None, {A, B, C}, {A: 0, C: 4}),
        ({A: 1}, {A: 3, B: 1}, None, {A}, {A: 3}),
        # a few counted: they change, the others keep theirs
        ({A: 1, B: 2}, {B: 0}, {B}, {A, B}, {A: 1, B: 0}),
        ({A: 1, B: 2}, {C: 7}, {C}, {A, B, C}, {A: 1, B: 2, C: 7}),
        # asked but not counted (gone when counted), or gone since: no badge
        ({A: 1, B: 2}, {}, {B}, {A, B}, {A: 1}),
        ({A: 1, B: 2}, {B: 5}, {B}, {A}, {A: 1}),
        # a room gone that was not asked for loses its badge too
        ({A: 1, B: 2, D: 9}, {A: 0}, {A}, {A, B}, {A: 0, B: 2}),
    ],
)
def test_merged_counts(
    before: dict[bytes, int],
    counted: dict[bytes, int],
    asked: set[bytes] | None,
    present: set[bytes],
    after: dict[bytes, int],
) -> None:
    assert merged_counts(before, counted, asked, present) == after
