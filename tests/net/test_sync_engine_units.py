"""The sync engine's decisions without a node: backoff, what counts as already applied, the lease."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.configuration import AuthorizedConfiguration
from river_desktop.domain.river.summary import Delta
from river_desktop.net.sync_engine import Backoff, Phase, SyncStatus, already_applied
from river_desktop.net.sync_store import InMemoryRoomStore
from tests.net.sync_harness import ALICE, ALICE_ME, OVK, at


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 0.5), (1, 1.0), (2, 2.0), (5, 16.0), (6, 30.0), (500, 30.0)])
def test_backoff_grows_to_its_bound_and_jitters_below_it(attempt: int, ceiling: float) -> None:
    b = Backoff(initial=0.5, factor=2.0, maximum=30.0, jitter=0.25)
    delays = {b.delay(attempt, random.Random(seed)) for seed in range(20)}
    assert all(ceiling * 0.75 <= d <= ceiling for d in delays)
    assert len(delays) > 1  # jittered: processes that lost one node do not retry in step


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_never_exceeds_its_maximum(attempt: int, jitter: float) -> None:
    d = Backoff(initial=0.1, factor=3.0, maximum=5.0, jitter=jitter).delay(attempt, random.Random(attempt))
    assert 0 <= d <= 5.0


def _room() -> tuple[ops.Change, ops.Change, ops.Change]:
    state = ops.create_room(ALICE, "Room", now=at(0)).state
    post = ops.post_text(state, OVK, ALICE_ME, "hi", now=at(1))
    rename = ops.rename(post.state, OVK, ALICE, "New name")
    later = ops.post_text(rename.state, OVK, ALICE_ME, "later", now=at(2))
    return post, rename, later


def test_already_applied_decides_what_must_not_be_resent() -> None:
    post, rename, later = _room()
    before = ops.create_room(ALICE, "Room", now=at(0)).state
    assert rename.delta.configuration is not None
    forged = Delta(configuration=AuthorizedConfiguration.create(rename.delta.configuration.configuration,
                                                                SigningIdentity(bytes([9]) * 32)))
    table = [
        ("a message the node holds", later.state, post.delta, True),
        ("a message the node lacks", before, post.delta, False),
        ("the same configuration, held", later.state, rename.delta, True),
        ("a configuration the node lacks", post.state, rename.delta, False),
        ("a different configuration at the held version", rename.state, forged, False),
        ("a delta for a member the node does not know", before, later.delta, False),
    ]
    for what, network, delta, expected in table:
        assert already_applied(network, OVK, delta.encode()) is expected, what
    assert already_applied(before, OVK, b"\xff not cbor") is False


def test_the_lease_is_one_holder_at_a_time_and_expires() -> None:
    now = [0.0]
    store = InMemoryRoomStore(clock=lambda: now[0])
    assert store.try_lease("app", 10)
    assert not store.try_lease("cli", 10)
    assert store.try_lease("app", 10)  # ours already: taken again
    assert not store.renew_lease("cli", 10)
    now[0] = 9.0
    assert store.renew_lease("app", 10)
    now[0] = 18.0
    assert store.lease_holder == "app" and not store.try_lease("cli", 10)
    now[0] = 19.5  # not renewed within ttl: free
    assert store.lease_holder is None and not store.renew_lease("app", 10)
    assert store.try_lease("cli", 10)
    store.release_lease("app")  # not its lease: no effect
    assert store.lease_holder == "cli"
    store.release_lease("cli")
    assert store.lease_holder is None


def test_the_store_keeps_the_outbox_in_order_and_acks_only_what_it_is_told() -> None:
    post, rename, later = _room()
    store = InMemoryRoomStore()
    store.add_room(OVK, ops.create_room(ALICE, "Room", now=at(0)).state)
    for change in (post, rename, later):
        store.apply(OVK, change)
    assert [Delta.decode(d) for _, d in store.outbox(OVK)] == [post.delta, rename.delta, later.delta]
    store.ack(OVK, [2])
    assert [seq for seq, _ in store.outbox(OVK)] == [1, 3]
    assert store.state(OVK) == later.state
    # A network state merges in; what only we hold is kept.
    merged = store.merge_from_network(OVK, post.state.encode())
    assert merged == later.state.encode()


def test_status_text_names_the_phase_and_the_reason() -> None:
    assert str(SyncStatus(Phase.LOCAL_ONLY)) == "Local only"
    assert str(SyncStatus(Phase.FAILED, "no node")) == "Failed: no node"
