"""River's DM caps at their edges: 100 per ordered pair and the global cap, with their summary horizons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from river_desktop.domain.river import sync
from river_desktop.domain.river.configuration import AuthorizedConfiguration
from river_desktop.domain.river.direct_messages import AuthorizedDirectMessage
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, DirectMessagesDelta, Summary
from tests.unit.river.helpers import build_room, ident

T0 = 1_750_000_000


def _dms(sender: Any, recipient_id: int, owner_vk: bytes, times: range) -> tuple[AuthorizedDirectMessage, ...]:
    return tuple(
        AuthorizedDirectMessage.create(sender, recipient_id, owner_vk, T0 + t, f"ct{t}".encode()) for t in times
    )


def _agree(oracle: Any, p: bytes, state: ChatRoomState, d: Delta, owner_vk: bytes) -> ChatRoomState:
    theirs = oracle.update_state(p, state.encode(), [("delta", d.encode())]).new_state
    ours = sync.apply_delta(state, owner_vk, d)
    assert ours.encode() == theirs
    assert sync.summarize(ours, owner_vk).encode() == oracle.summarize_state(p, theirs)
    return ours


def test_pair_cap_keeps_the_newest_hundred(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, room = build_room(n_members=2, n_messages=3)
    ovk = owner.verifying_key
    p = params(ovk)
    m1 = ident(10)
    first = Delta(direct_messages=DirectMessagesDelta(_dms(m1, owner.member_id, ovk, range(0, 200, 2))))
    full = _agree(oracle, p, room, first, ovk)
    assert len(full.direct_messages.messages) == 100
    summary = sync.summarize(full, ovk)
    assert len(summary.dm_pair_horizons) == 1
    # Older than the horizon: not even sent. Newer: sent, and the oldest stored ones make room.
    more = _dms(m1, owner.member_id, ovk, range(-49, 300, 50))  # 7 DMs, the first older than all 100
    newer = replace(full, direct_messages=replace(full.direct_messages, messages=full.direct_messages.messages + more))
    d_theirs = oracle.get_state_delta(p, newer.encode(), summary.encode())
    d_ours = sync.delta(newer, ovk, Summary.decode(summary.encode()))
    assert d_ours is not None and d_ours.encode() == d_theirs
    assert d_ours.direct_messages is not None and len(d_ours.direct_messages.new_messages) == 6
    after = _agree(oracle, p, full, d_ours, ovk)
    assert len(after.direct_messages.messages) == 100
    assert oracle.validate_state(p, after.encode()).valid


def test_global_cap_and_its_horizon(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, room = build_room(n_members=2, n_messages=3)
    ovk = owner.verifying_key
    p = params(ovk)
    cfg = AuthorizedConfiguration.create(replace(room.config, configuration_version=2, max_direct_messages=5), owner)
    m1, m2 = ident(10), ident(11)
    d = Delta(
        configuration=cfg,
        direct_messages=DirectMessagesDelta(
            _dms(m1, owner.member_id, ovk, range(0, 8)) + _dms(m2, m1.member_id, ovk, range(3, 9))
        ),
    )
    capped = _agree(oracle, p, room, d, ovk)
    assert len(capped.direct_messages.messages) == 5
    assert sync.summarize(capped, ovk).dm_global_horizon.kind == "OldestRetained"
