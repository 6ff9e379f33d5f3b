"""What the node sends that the engine cannot use, answering an UPDATE: a clear error, a fresh connection, the
change found on the node (not sent twice), and the store untouched by the bad bytes.

The client's own handling of each frame is in test_client.py; here it is the whole engine, with River's rules.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from river_desktop.net import client as client_module
from river_desktop.net.client_api import ContractOp, Update, UpdateResponse, encode_result
from tests.net.sync_harness import ALICE_ME, CONTRACT, OVK, World
from tests.net.test_sync_engine import messages_sent, run
from tests.standin.river import river_node

SMALL_FRAME = 200_000


def _unknown_variant(_key: Any) -> bytes:
    return bytes([0, 0, 0, 0, 99, 0, 0, 0])  # Ok(HostResponse #99): no such variant


def _truncated(key: Any) -> bytes:
    return encode_result(UpdateResponse(key, b"\xa0" * 8))[:-5]


def _oversize(_key: Any) -> bytes:
    return b"\x00" * (SMALL_FRAME + 1)  # over what this client accepts in one frame


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (_unknown_variant, "cannot read"),
        (_truncated, "cannot read"),
        (_oversize, "message too big"),
    ],
    ids=["unknown-variant", "truncated", "oversize"],
)
def test_a_bad_reply_is_reported_the_engine_reconnects_and_the_store_is_untouched(
    build: Any, error: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_FRAME", SMALL_FRAME)

    async def scenario() -> None:
        async with river_node() as node:
            w = World(node.url)
            alice = w.profile("alice")
            w.alice_room(alice.store)
            sent_bad = asyncio.Event()

            async def bad_reply_to_first_update(n: Any, request: Any) -> None:
                if isinstance(request, ContractOp) and isinstance(request.request, Update) and not sent_bad.is_set():
                    sent_bad.set()
                    await n.send_raw(build(request.request.key))

            try:
                alice.start()
                await w.signal.until(alice.synced)
                connections = node._next_conn
                node.before_reply = bad_reply_to_first_update
                before = alice.store.writes
                mid = w.post(alice, ALICE_ME, "through the noise")
                await w.signal.until(lambda: sent_bad.is_set() and alice.synced())
                assert any(error in e for e in alice.engine.errors), list(alice.engine.errors)
                assert node._next_conn > connections, "a fresh connection after the bad frame"
                assert messages_sent(node).count(mid) == 1  # found on the node after reconnecting, not re-sent
                assert alice.texts() == ["through the noise"]
                assert alice.store.writes == before + 1  # our own post; nothing from the bad frame
                assert alice.store.outbox(OVK) == []
                assert node.contracts[CONTRACT.instance_id(OVK)].state == alice.state().encode()
                w.post(alice, ALICE_ME, "and after it")
                await w.signal.until(lambda: alice.synced() and not alice.store.outbox(OVK))
                assert messages_sent(node).count(mid) == 1
            finally:
                await w.close()

    run(scenario)
