"""Laws of River's state that hold for any history (no oracle needed; tests/interop checks the bytes)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.river import sync
from river_desktop.domain.river.cleanup import post_apply_cleanup
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, Summary

from .histories import OVK, OWNER, Op, grow, op_strategy

GENESIS = ChatRoomState.genesis(OWNER, "Laws", None, nickname="owner")
histories = st.lists(op_strategy, max_size=10)


@settings(max_examples=40)
@given(ops=histories)
def test_every_state_we_produce_is_valid_and_round_trips(ops: list[Op]) -> None:
    state = grow(GENESIS, ops)
    state.verify(OVK)
    data = state.encode()
    assert ChatRoomState.decode(data) == state
    assert ChatRoomState.decode(data).encode() == data


@settings(max_examples=40)
@given(ops=histories)
def test_cleanup_is_idempotent(ops: list[Op]) -> None:
    """River's own convergence invariant: peers run cleanup a varying number of times."""
    once = grow(GENESIS, ops)
    assert post_apply_cleanup(once, OVK) == once


@settings(max_examples=30)
@given(shared=histories, left=histories, right=histories)
def test_merging_a_state_with_itself_is_a_no_op(shared: list[Op], left: list[Op], right: list[Op]) -> None:
    """Only self-merge is a law. Re-merging ``b`` into ``merge(a, b)`` is not: when max_members trims,
    the trimmed member is news again and comes back (River's contract does the same; the oracle
    comparisons in tests/interop pin the bytes)."""
    base = grow(GENESIS, shared)
    a, b = grow(base, left), grow(base, right)
    try:
        ab = sync.merge(a, OVK, b)
    except RiverRuleError:
        return
    assert sync.merge(ab, OVK, ab) is ab
    ab.verify(OVK)


@settings(max_examples=30)
@given(ops=histories)
def test_summary_and_delta_codecs_round_trip(ops: list[Op]) -> None:
    state = grow(GENESIS, ops)
    summary = sync.summarize(state, OVK)
    assert Summary.decode(summary.encode()) == summary
    d = sync.delta(state, OVK, sync.summarize(GENESIS, OVK))
    if d is not None:
        assert Delta.decode(d.encode()) == d
