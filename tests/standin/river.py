"""The stand-in node running River's room contract as the project models it (domain/river/sync.py).

``river_merge`` is the contract's ``update_state`` (merge a full state, apply a delta) followed by its
``validate_state`` (``ChatRoomState.verify``); anything the contract would refuse becomes ``MergeRejected``,
which the node turns into its own error answer. ``river_summarize`` is ``summarize_state``. So a stand-in
built with :func:`river_node` answers as a node hosting River's contract would, without wasm.
"""

from __future__ import annotations

from typing import Any

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import RiverRuleError
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Summary
from river_desktop.net.room_contract import owner_from_params
from tests.standin.node import MergeRejected, StandinNode


def _owner(params: bytes) -> bytes:
    try:
        return owner_from_params(params)
    except ValueError as exc:
        raise MergeRejected(f"Failed to deserialize parameters: {exc}") from None


def river_validate(params: bytes, state: bytes) -> None:
    """``validate_state``: the state decodes and every field verifies."""
    owner = _owner(params)
    try:
        ChatRoomState.decode(state).verify(owner)
    except (DecodeError, RiverRuleError) as exc:
        raise MergeRejected(f"State verification failed: {exc}") from None


def river_merge(params: bytes, state: bytes, update: tuple[str, bytes]) -> bytes:
    """``update_state`` then ``validate_state`` of the result, as River's contract does for one update."""
    owner = _owner(params)
    try:
        merged = sync.update_state(owner, state, [update])
        ChatRoomState.decode(merged).verify(owner)
    except (DecodeError, RiverRuleError) as exc:
        raise MergeRejected(f"State verification failed: {exc}") from None
    return merged


def river_summarize(params: bytes, state: bytes) -> bytes:
    return sync.summarize(ChatRoomState.decode(state), _owner(params)).encode()


def river_delta(params: bytes, state: bytes, summary: bytes) -> bytes:
    """``get_state_delta``: what a peer holding ``summary`` lacks (empty bytes for nothing)."""
    d = sync.delta(ChatRoomState.decode(state), _owner(params), Summary.decode(summary))
    return b"" if d is None else d.encode()


def river_node(*, delta_notifications: bool = False, **kwargs: Any) -> StandinNode:
    """A stand-in whose contracts all behave as River's room contract; with ``delta_notifications`` it tells
    subscribers of an update with River's delta rather than the whole state."""
    return StandinNode(merge=river_merge, summarize=river_summarize, validate=river_validate,
                       state_delta=river_delta if delta_notifications else None, **kwargs)
