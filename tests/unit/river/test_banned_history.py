"""The one rule that hides a banned member's history (``views.banned_authors``, ``RoomData.shown_history``).

River's contract drops a banned member's messages with the member; the app's older history must follow it,
and show them again once the state no longer holds the ban. Each case builds a real state with room_ops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import sync
from river_desktop.domain.river import views as v
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.room_data import RoomData, placeholder_state
from tests.unit.river.test_room_ops import OVK, OWNER, OWNER_ME, Room, at, new_room, post


@dataclass
class Story:
    """Owner, A (invited by the owner), B (invited by A) and D (invited by the owner), each posting once."""

    room: Room
    people: dict[str, ops.Me]
    history: list[AuthorizedMessage]
    """Every message ever seen (joins and texts), as the app's ``hist:`` keys keep them."""

    def author(self, name: str) -> int:
        return self.people[name].member_id


def story() -> Story:
    room = new_room()
    people = {"owner": OWNER_ME}
    for name, inviter, n in [("A", "owner", 2), ("B", "A", 3), ("D", "owner", 4)]:
        people[name] = room.invite(people[inviter].identity, n, name)
    for name in people:
        post(room, people[name], f"hello from {name}")
    return Story(room, people, list(room.state.recent_messages))


def ban(s: Story, banner: str, target: str) -> ChatRoomState:
    return ops.ban(s.room.state, OVK, s.people[banner].identity, s.author(target), now=at(500)).state


def inert_ban(s: Story) -> ChatRoomState:
    """D bans A without the authority to: River keeps the ban and enforces nothing, A stays a member."""
    record = AuthorizedUserBan.create(UserBan(OWNER.member_id, at(400), s.author("A")), s.people["D"].identity)
    state = sync.apply_delta(s.room.state, OVK, Delta(bans=(record,)))
    assert s.author("A") in state.members_by_id()
    return state


def lifted(s: Story) -> ChatRoomState:
    """The owner's ban on D, then gone from the state (River evicts bans over ``max_user_bans``)."""
    return replace(ban(s, "owner", "D"), bans=())


def pruned(s: Story) -> ChatRoomState:
    """D is no longer a member (pruned, as River prunes members without retained messages), not banned."""
    state = s.room.state
    d = s.author("D")
    return replace(
        state,
        members=tuple(m for m in state.members if m.member.id != d),
        recent_messages=tuple(m for m in state.recent_messages if m.author != d),
    )


CASES: list[tuple[str, Callable[[Story], ChatRoomState], set[str]]] = [
    ("nobody banned", lambda s: s.room.state, set()),
    ("owner bans D", lambda s: ban(s, "owner", "D"), {"D"}),
    ("A bans B, who A invited", lambda s: ban(s, "A", "B"), {"B"}),
    ("inert ban: the target is still a member", inert_ban, set()),
    ("the ban left the state", lifted, set()),
    ("gone without a ban", pruned, set()),
]


@pytest.mark.parametrize(("case", "make", "hidden"), CASES, ids=[c[0] for c in CASES])
def test_banned_authors_and_shown_history(case: str, make: Callable[[Story], ChatRoomState], hidden: set[str]) -> None:
    s = story()
    state = make(s)
    hidden_ids = {s.author(n) for n in hidden}
    assert v.banned_authors(state, OVK) == hidden_ids, case
    room = RoomData.new(OVK, OWNER, state)
    assert room.banned_authors == hidden_ids
    shown = room.shown_history(s.history)
    assert shown == [m for m in s.history if m.author not in hidden_ids]  # order kept, nothing else dropped
    assert {m.author for m in shown} == {s.author(n) for n in s.people} - hidden_ids


def test_the_owner_is_never_hidden_even_by_a_ban_record_naming_them() -> None:
    s = story()
    record = AuthorizedUserBan.create(UserBan(OWNER.member_id, at(400), OWNER.member_id), OWNER)
    state = replace(s.room.state, bans=(record,))
    assert v.banned_authors(state, OVK) == frozenset()


def test_a_room_waiting_for_its_state_hides_nothing() -> None:
    s = story()
    room = RoomData.new(OVK, s.people["A"].identity, placeholder_state())
    assert room.waiting
    assert room.shown_history(s.history) == s.history


def test_the_rule_agrees_with_rivers_window_after_a_ban() -> None:
    """What River's state still holds after the ban is exactly the history the rule shows of its window."""
    s = story()
    state = ban(s, "owner", "D")
    room = RoomData.new(OVK, OWNER, state)
    assert len(state.recent_messages) < len(s.history)
    assert {m.id for m in room.shown_history(s.history)} == {m.id for m in state.recent_messages}
