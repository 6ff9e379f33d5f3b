"""get_state_delta for a peer that pruned members: both add the message authors it lacks, with their inviters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import cbor2

from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, Summary
from tests.unit.river.helpers import build_room, ident


def _normalized(delta_bytes: bytes) -> Any:
    """River gathers injected members from a hash set, so compare them as a set."""
    tree = cbor2.loads(delta_bytes)
    if tree["members"] is not None:
        tree["members"]["added"].sort(key=lambda m: bytes(m["member"]["member_vk"]))
    return tree


def test_delta_injects_pruned_authors_like_the_contract(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    owner, room = build_room(n_members=5, n_messages=13)
    ovk = owner.verifying_key
    p = params(ovk)
    # The peer keeps only its newest message (the owner's), so River prunes every member.
    small = room.configuration.with_changes(owner, max_recent_messages=1)
    peer = oracle.update_state(p, room.encode(), [("delta", Delta(configuration=small).encode())]).new_state
    assert ChatRoomState.decode(peer).members == ()
    # Meanwhile the full copy hears from the deepest member of the invite chain.
    deepest = ident(14)
    late = AuthorizedMessage.create(ovk, deepest, SystemTime(1_900_000_000), RoomMessageBody.text("late"))
    full = replace(room, recent_messages=(*room.recent_messages, late))
    summary = oracle.summarize_state(p, peer)
    theirs = oracle.get_state_delta(p, full.encode(), summary)
    ours = sync.delta(full, ovk, Summary.decode(summary))
    assert ours is not None
    assert _normalized(ours.encode()) == _normalized(theirs)
    assert ours.members is not None
    assert {m.member.id for m in ours.members} == {m.member.id for m in room.members}  # the whole chain
