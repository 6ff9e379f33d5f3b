"""Our sync agrees with River's contract byte for byte on random concurrent room histories.

Two copies grow from one genesis. Each step is a delta a River client could send (an invitation
with its nickname and join event, a nickname change, a message or a reply, a ban, an owner config
change); the contract applies it to build the copy, and at every step our ``apply_delta`` must
produce the same bytes, or abort exactly when the contract does. Then ``merge`` must match the
contract's ``update_state(a, [State(b)])`` in both orders, and the result must validate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, Summary
from tests.unit.river.histories import OVK, OWNER, Op, op_delta, op_strategy


def _step(oracle: Any, p: bytes, data: bytes, d: Delta) -> bytes:
    """Apply ``d`` with the contract and with us; they must agree on the bytes or both abort."""
    from river_contract import ContractError

    ours_state = ChatRoomState.decode(data)
    try:
        theirs = oracle.update_state(p, data, [("delta", d.encode())]).new_state
    except ContractError as refused:
        try:
            sync.apply_delta(ours_state, OVK, d)
        except RiverRuleError as ours_refused:
            assert str(ours_refused) in str(refused)  # the same reason, word for word
            return data
        raise AssertionError("the contract aborted this delta but we applied it") from None
    ours = sync.apply_delta(ours_state, OVK, d).encode()
    assert ours == theirs
    return theirs


def _grow(oracle: Any, p: bytes, data: bytes, ops: list[Op]) -> bytes:
    for op in ops:
        d = op_delta(ChatRoomState.decode(data), op)
        if d is not None:
            data = _step(oracle, p, data, d)
    return data


@settings(max_examples=60)
@given(
    shared=st.lists(op_strategy, max_size=5),
    left=st.lists(op_strategy, max_size=7),
    right=st.lists(op_strategy, max_size=7),
)
def test_merge_matches_the_contract(
    oracle: Any,
    params: Callable[[bytes], bytes],
    shared: list[Op],
    left: list[Op],
    right: list[Op],
) -> None:
    p = params(OVK)
    genesis = ChatRoomState.genesis(OWNER, "Race", "two copies", nickname="owner").encode()
    base = _grow(oracle, p, genesis, shared)
    a = _grow(oracle, p, base, left)
    b = _grow(oracle, p, base, right)
    for x, y in ((a, b), (b, a)):
        _check_merge(oracle, p, x, y)


def _check_merge(oracle: Any, p: bytes, x: bytes, y: bytes) -> None:
    from river_contract import ContractError

    sx, sy = ChatRoomState.decode(x), ChatRoomState.decode(y)
    try:
        theirs = oracle.update_state(p, x, [("state", y)]).new_state
    except ContractError:
        # e.g. more new bans than the receiver's max_user_bans: River refuses the whole merge.
        with pytest.raises(RiverRuleError):
            sync.merge(sx, OVK, sy)
        return
    ours = sync.merge(sx, OVK, sy).encode()
    assert ours == theirs
    assert sync.update_state(OVK, x, [("state", y)]) == theirs
    assert oracle.validate_state(p, theirs).valid
    ChatRoomState.decode(ours).verify(OVK)


@settings(max_examples=40)
@given(shared=st.lists(op_strategy, max_size=6), extra=st.lists(op_strategy, max_size=6))
def test_summary_and_delta_bytes_match_the_contract(
    oracle: Any,
    params: Callable[[bytes], bytes],
    shared: list[Op],
    extra: list[Op],
) -> None:
    p = params(OVK)
    genesis = ChatRoomState.genesis(OWNER, "Sync", None, nickname="owner").encode()
    old = _grow(oracle, p, genesis, shared)
    new = _grow(oracle, p, old, extra)
    summary = oracle.summarize_state(p, old)
    assert sync.summarize(ChatRoomState.decode(old), OVK).encode() == summary
    theirs = oracle.get_state_delta(p, new, summary)
    ours = sync.delta(ChatRoomState.decode(new), OVK, Summary.decode(summary))
    assert (b"" if ours is None else ours.encode()) == theirs
