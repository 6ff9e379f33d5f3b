"""River's action rules: a table of cases from message.rs, and the law that input order does not matter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.river import actions as a
from river_desktop.domain.river import content as c

ALICE, BOB, CAROL = 11, 22, 33
TARGET = 1000


def _msg(mid: int, author: int, t: int, content: c.Content | a.UnreadableContent) -> a.MessageRecord:
    return a.MessageRecord(mid, author, a.time_key(t), content)


ORIGINAL = _msg(TARGET, ALICE, 1, c.TextContent("original"))


def _edit(mid: int, author: int, t: int, text: str) -> a.MessageRecord:
    return _msg(mid, author, t, c.ActionContent.edit(TARGET, text))


def _delete(mid: int, author: int, t: int) -> a.MessageRecord:
    return _msg(mid, author, t, c.ActionContent.delete(TARGET))


def _react(mid: int, author: int, t: int, emoji: str, remove: bool = False) -> a.MessageRecord:
    make = c.ActionContent.remove_reaction if remove else c.ActionContent.reaction
    return _msg(mid, author, t, make(TARGET, emoji))


CASES = [
    ("author edits", [_edit(1, ALICE, 2, "fixed")], "fixed", False, {}),
    ("non-author edit ignored", [_edit(1, BOB, 2, "hacked")], "original", False, {}),
    ("newest edit wins", [_edit(1, ALICE, 3, "second"), _edit(2, ALICE, 2, "first")], "second", False, {}),
    ("same time: higher id wins", [_edit(9, ALICE, 2, "nine"), _edit(4, ALICE, 2, "four")], "nine", False, {}),
    ("author deletes", [_delete(1, ALICE, 2)], None, True, {}),
    ("non-author delete ignored", [_delete(1, BOB, 2)], "original", False, {}),
    ("edit after delete ignored", [_delete(1, ALICE, 2), _edit(2, ALICE, 3, "zombie")], None, True, {}),
    ("delete drops earlier edit", [_edit(1, ALICE, 2, "x"), _delete(2, ALICE, 3)], None, True, {}),
    ("anyone reacts", [_react(1, BOB, 2, "👍"), _react(2, CAROL, 3, "👍")], "original", False, {"👍": (BOB, CAROL)}),
    ("reaction is idempotent", [_react(1, BOB, 2, "👍"), _react(2, BOB, 3, "👍")], "original", False, {"👍": (BOB,)}),
    ("remove own reaction", [_react(1, BOB, 2, "👍"), _react(2, BOB, 3, "👍", True)], "original", False, {}),
    (
        "cannot remove another's reaction",
        [_react(1, BOB, 2, "👍"), _react(2, CAROL, 3, "👍", True)],
        "original",
        False,
        {"👍": (BOB,)},
    ),
    (
        "remove is per emoji (swap at the same instant)",
        [_react(1, BOB, 2, "👍"), _react(7, BOB, 3, "❤️"), _react(3, BOB, 3, "👍", True)],
        "original",
        False,
        {"❤️": (BOB,)},
    ),
    ("no reaction to a deleted message", [_delete(1, ALICE, 2), _react(2, BOB, 3, "👍")], None, True, {}),
    (
        "remove before add does nothing",
        [_react(1, BOB, 2, "👍", True), _react(2, BOB, 3, "👍")],
        "original",
        False,
        {"👍": (BOB,)},
    ),
    (
        "undecodable edit payload skipped",
        [_msg(1, ALICE, 2, c.ActionContent(1, TARGET, b"\xff"))],
        "original",
        False,
        {},
    ),
    ("unknown action type ignored", [_msg(1, ALICE, 2, c.ActionContent(77, TARGET, b""))], "original", False, {}),
    ("unreadable private action skipped", [_msg(1, ALICE, 2, a.UnreadableContent(2))], "original", False, {}),
]


@pytest.mark.parametrize(("label", "acts", "text", "deleted", "reactions"), CASES, ids=[case[0] for case in CASES])
def test_rules(
    label: str, acts: list[a.MessageRecord], text: str | None, deleted: bool, reactions: dict[str, tuple[int, ...]]
) -> None:
    state = a.resolve_actions([ORIGINAL, *acts])
    assert (TARGET in state.deleted) is deleted
    assert dict(state.reactions_on(TARGET)) == reactions
    views = {v.record.message_id: v for v in a.visible_messages([ORIGINAL, *acts])}
    if deleted:
        assert TARGET not in views
    else:
        assert views[TARGET].text == text
        assert views[TARGET].edited is (text != "original")
    assert all(not v.record.is_action for v in views.values())


def test_actions_on_actions_and_unknown_targets_are_ignored() -> None:
    reaction = _react(5, BOB, 2, "👍")
    on_action = _msg(6, BOB, 3, c.ActionContent.delete(5))
    stray = _msg(7, BOB, 4, c.ActionContent.reaction(424242, "👍"))
    state = a.resolve_actions([ORIGINAL, reaction, on_action, stray])
    assert state.deleted == frozenset() and set(state.reactions) == {TARGET}


def test_unreadable_message_is_still_a_target() -> None:
    hidden = _msg(TARGET, ALICE, 1, a.UnreadableContent(1))
    views = a.visible_messages([hidden, _react(1, BOB, 2, "🎉"), _edit(2, ALICE, 3, "now readable")])
    assert views[0].text == "now readable" and dict(views[0].reactions) == {"🎉": (BOB,)}


def test_visible_messages_order_and_texts() -> None:
    event = _msg(5, BOB, 0, c.EventContent.join())
    reply = _msg(6, CAROL, 3, c.ReplyContent("agreed", TARGET, "", ""))
    views = a.visible_messages([reply, ORIGINAL, event])
    assert [v.record.message_id for v in views] == [5, TARGET, 6]
    assert [v.text for v in views] == [None, "original", "agreed"]


def test_time_key_orders_nanos_within_a_second() -> None:
    assert a.time_key(1, 999_999_999) < a.time_key(2, 0)


_members = st.sampled_from([ALICE, BOB, CAROL])
_targets = st.sampled_from([100, 101, 102])
_emoji = st.sampled_from(["👍", "❤️", "🎉"])
_action = st.one_of(
    st.builds(c.ActionContent.edit, _targets, st.sampled_from(["a", "b", "c"])),
    st.builds(c.ActionContent.delete, _targets),
    st.builds(c.ActionContent.reaction, _targets, _emoji),
    st.builds(c.ActionContent.remove_reaction, _targets, _emoji),
)


@st.composite
def _histories(draw: st.DrawFn) -> list[a.MessageRecord]:
    base = [a.MessageRecord(t, draw(_members), a.time_key(0, t), c.TextContent(f"m{t}")) for t in (100, 101, 102)]
    acts = draw(st.lists(st.tuples(_members, st.integers(0, 5), _action), max_size=25))
    return base + [a.MessageRecord(200 + i, who, a.time_key(t), act) for i, (who, t, act) in enumerate(acts)]


@given(_histories(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(history: list[a.MessageRecord], rnd: object) -> None:
    shuffled = list(history)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert a.resolve_actions(shuffled) == a.resolve_actions(history)
    assert a.visible_messages(shuffled) == a.visible_messages(history)


@given(_histories())
def test_invariants(history: list[a.MessageRecord]) -> None:
    state = a.resolve_actions(history)
    authors = {r.message_id: r.author_id for r in history if not r.is_action}
    assert not set(state.edited) & state.deleted
    assert set(state.edited) | state.deleted <= set(authors)
    for by_emoji in state.reactions.values():
        for reactors in by_emoji.values():
            assert reactors and len(set(reactors)) == len(reactors)
