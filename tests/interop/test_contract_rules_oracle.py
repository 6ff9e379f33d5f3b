"""The oracle README's observed rules 6 and 8, held by us too: trimming only on update, duplicates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from river_desktop.domain.river import sync
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from tests.unit.river.helpers import build_room


def test_over_limit_state_validates_and_is_trimmed_only_by_an_update(
    oracle: Any, params: Callable[[bytes], bytes]
) -> None:
    owner, room = build_room(n_members=2, n_messages=150)
    ovk = owner.verifying_key
    p = params(ovk)
    data = room.encode()
    assert oracle.validate_state(p, data).valid
    room.verify(ovk)
    for updates in ([("state", data)], [("delta", b"")]):
        assert oracle.update_state(p, data, updates).new_state == data
        assert sync.update_state(ovk, data, updates) == data
    trimmed = oracle.update_state(p, data, [("delta", b"\xa0")]).new_state  # an all-null delta
    assert sync.update_state(ovk, data, [("delta", b"\xa0")]) == trimmed
    assert len(ChatRoomState.decode(trimmed).recent_messages) == 100


def test_a_message_twice_in_one_delta_is_stored_twice(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, room = build_room(n_members=1, n_messages=2)
    ovk = owner.verifying_key
    p = params(ovk)
    extra = build_room(n_members=1, n_messages=3)[1].recent_messages[-1]
    d = Delta(recent_messages=(extra, extra, room.recent_messages[0]))
    theirs = oracle.update_state(p, room.encode(), [("delta", d.encode())]).new_state
    ours = sync.apply_delta(room, ovk, d)
    assert ours.encode() == theirs
    assert [m.id for m in ours.recent_messages].count(extra.id) == 2
    assert [m.id for m in ours.recent_messages].count(room.recent_messages[0].id) == 1


def test_re_merging_after_a_max_members_trim_is_not_idempotent(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    """Found by tests/unit/river/test_laws.py: River's merge is not idempotent once max_members trims."""
    from tests.unit.river.histories import OVK, OWNER, grow, op_delta

    shared = [
        ("invite", 0, 0, 0, 0),
        ("invite", 0, 1, 0, 0),
        ("message", 0, 0, 0, 1),
        ("ban", 0, 0, 0, 0),
        ("invite", 1, 0, 0, 0),
        ("invite", 0, 0, 0, 0),
        ("invite", 0, 0, 0, 0),
        ("invite", 0, 0, 0, 0),
        ("invite", 0, 1, 0, 0),
        ("config", 0, 0, 1, 0),
    ]
    state = grow(ChatRoomState.genesis(OWNER, "Laws", None, nickname="owner"), shared)  # type: ignore[arg-type]
    d = op_delta(state, ("invite", 0, 0, 0, 0))
    assert d is not None
    a, b = state, sync.apply_delta(state, OVK, d)
    p = params(OVK)
    ab = oracle.update_state(p, a.encode(), [("state", b.encode())]).new_state
    abb = oracle.update_state(p, ab, [("state", b.encode())]).new_state
    assert ab != abb
    assert sync.update_state(OVK, a.encode(), [("state", b.encode())]) == ab
    assert sync.update_state(OVK, ab, [("state", b.encode())]) == abb
