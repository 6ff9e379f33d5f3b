"""The client against the stand-in node, over real sockets on 127.0.0.1.

Every wait is bounded (``run``'s overall timeout, ``wait_for`` on each queue read); ordering is forced with the
stand-in's ``before_reply`` hook and asyncio events, never with sleeps.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import blake3
import pytest
from websockets.asyncio.client import connect

from river_desktop.net import client as client_module
from river_desktop.net.client import FreenetClient, node_url
from river_desktop.net.client_api import (
    ClientError,
    ClientRequest,
    ContractOp,
    ErrorCode,
    Get,
    OkResponse,
    PutResponse,
    StreamChunk,
    StreamContentRaw,
    StreamHeader,
    UpdateNotification,
    UpdateResponse,
    decode_result,
    encode_result,
)
from river_desktop.net.errors import (
    ConnectionRefusedByNodeError,
    ContractNotFoundError,
    NetError,
    NetTimeoutError,
    NodeDeserializationError,
    NodeError,
    NodeUnreachableError,
    ProtocolError,
    RequestTooLargeError,
)
from river_desktop.net.room_contract import RoomContract
from river_desktop.net.types import ContractCode, ContractContainer, DeltaUpdate, StateUpdate
from tests.standin.node import Mode, StandinNode

WAIT = 10.0


def run(scenario: Callable[[], Coroutine[Any, Any, None]], timeout: float = 30.0) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout))


def room(owner_byte: int, wasm_size: int = 64) -> ContractContainer:
    """A room-shaped contract whose 'wasm' is filler of the given size; the stand-in checks only the hashes."""
    wasm = b"\x00asm\x01\x00\x00\x00" + bytes([owner_byte]) * wasm_size
    code_hash = blake3.blake3(wasm).digest()
    return RoomContract(code_hash).container(bytes([owner_byte]) * 32, ContractCode(wasm, code_hash))


async def next_note(c: FreenetClient) -> UpdateNotification:
    return await asyncio.wait_for(c.notifications.get(), WAIT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


URLS = [
    ("ws://127.0.0.1:7509", "ws://127.0.0.1:7509/v1/contract/command?encodingProtocol=native"),
    ("ws://localhost:9000/", "ws://localhost:9000/v1/contract/command?encodingProtocol=native"),
    ("ws://h:1/v2/contract/command?encodingProtocol=native", "ws://h:1/v2/contract/command?encodingProtocol=native"),
    ("ws://h:1/custom", "ws://h:1/custom"),
]


@pytest.mark.parametrize(("given", "expected"), URLS)
def test_node_url(given: str, expected: str) -> None:
    assert node_url(given) == expected


@pytest.mark.parametrize("bad", ["http://127.0.0.1:7509", "127.0.0.1:7509", "ws://"])
def test_node_url_refuses_what_is_not_a_ws_address(bad: str) -> None:
    with pytest.raises(NetError, match="not a node address"):
        node_url(bad)


def test_an_auth_token_never_reaches_an_error_message() -> None:
    async def scenario() -> None:
        port = free_port()
        c = FreenetClient(f"ws://127.0.0.1:{port}/v1/contract/command?encodingProtocol=native&authToken=SECRET")
        assert "SECRET" not in c.display_url and "encodingProtocol=native" in c.display_url
        with pytest.raises(NodeUnreachableError) as caught:
            await c.connect()
        assert "SECRET" not in str(caught.value) and str(port) in str(caught.value)

    run(scenario)


def test_put_get_update_subscribe_round_trip() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as alice, FreenetClient(node.url) as bob:
            contract = room(1)
            reply = await alice.put(contract, b"hello", subscribe=True)
            assert reply == PutResponse(contract.key)
            first = await next_note(alice)  # a subscribing PUT gets the initial state as a notification
            assert first.update == StateUpdate(b"hello")

            got = await bob.get(contract.key.instance, subscribe=False)
            assert (got.key, got.state, got.contract) == (contract.key, b"hello", None)
            sub = await bob.subscribe(contract.key.instance)
            assert sub.subscribed and sub.key == contract.key

            upd = await bob.update(got.key, DeltaUpdate(b"world"))
            assert isinstance(upd, UpdateResponse)
            assert upd.summary == node.summarize(contract.contract.params, b"hello\nworld")
            for c in (alice, bob):  # the updater gets its own change back when subscribed
                note = await next_note(c)
                assert note.key == contract.key and note.update == StateUpdate(b"hello\nworld")

            again = await alice.get(contract.key.instance, return_contract_code=True)
            assert again.contract == contract and again.state == b"hello\nworld"
            await alice.update(contract.key, DeltaUpdate(b"world"))  # no change: a reply, no notification
            assert alice.notifications.empty() and bob.notifications.empty()

    run(scenario)


def test_get_with_contract_code_of_river_size_is_streamed_and_reassembled() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(2, wasm_size=792_773)
            await c.put(contract, b"state")
            got = await c.get(contract.key.instance, return_contract_code=True)
            assert got.contract == contract and got.state == b"state"
            assert [(what, chunks) for what, _, chunks in node.streams_sent] == [("GetResponse", 4)]
            assert node.streams_sent[0][1] > 793_000

    run(scenario)


def test_a_put_over_512_kib_is_sent_in_chunks() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(3, wasm_size=700_000)
            await c.put(contract, b"s" * 100_000)
            assert node.raw_frames_received == 4  # (8+700,064+...+100,000) bytes in 256 KiB slices
            stored = node.contracts[contract.key.instance]
            assert stored.container == contract and stored.state == b"s" * 100_000

    run(scenario)


def test_large_notification_arrives_as_bare_chunks() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(4)
            await c.put(contract, b"a", subscribe=True)
            await next_note(c)
            big = b"b" * 600_000
            await c.update(contract.key, StateUpdate(big))
            note = await next_note(c)
            assert note.update == StateUpdate(b"a\n" + big)
            assert [what for what, _, _ in node.streams_sent] == ["UpdateNotification"]

    run(scenario)


def test_notifications_interleaved_with_a_request_reach_the_handler() -> None:
    async def scenario() -> None:
        async with StandinNode() as node:
            watched, other = room(5), room(6)
            seen: list[UpdateNotification] = []
            got_one = asyncio.Event()

            def handler(note: UpdateNotification) -> None:
                seen.append(note)
                got_one.set()

            async with FreenetClient(node.url, on_notification=handler) as c:
                await c.put(watched, b"w")
                await c.put(other, b"o")
                await c.subscribe(watched.key.instance)

                async def interleave(n: StandinNode, request: ClientRequest) -> None:
                    if isinstance(request, ContractOp) and isinstance(request.request, Get):
                        n.contracts[watched.key.instance].state = b"changed"
                        await n.notify(watched.key.instance)  # sent before the reply to the GET

                node.before_reply = interleave
                got = await c.get(other.key.instance)
                assert got.state == b"o" and got.key == other.key
                await asyncio.wait_for(got_one.wait(), WAIT)
                assert [(n.key, n.update) for n in seen] == [(watched.key, StateUpdate(b"changed"))]

    run(scenario)


def test_a_frame_the_node_cannot_read_is_a_clear_error_and_the_connection_recovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(7)
            await c.put(contract, b"x")
            real = client_module.encode_request
            monkeypatch.setattr(client_module, "encode_request", lambda req: real(req)[:-1])  # truncated
            with pytest.raises(NodeDeserializationError, match="could not read our get: io error: unexpected end"):
                await c.get(contract.key.instance)
            monkeypatch.setattr(client_module, "encode_request", real)
            assert c.connected
            assert (await c.get(contract.key.instance)).state == b"x"

    run(scenario)


@pytest.mark.parametrize(
    ("frame", "cause"),
    [
        (bytes([9, 0, 0, 0]), "invalid value: integer `9`, expected variant index 0 <= i < 7"),
        (bytes([1, 0, 0, 0, 2, 0, 0, 0]) + b"\x11" * 32 + b"\x00\x00", "io error: unexpected end of file"),
        (b"", "io error: unexpected end of file"),
    ],
)
def test_standin_answers_malformed_frames_and_keeps_the_socket(frame: bytes, cause: str) -> None:
    async def scenario() -> None:
        async with StandinNode() as node, connect(node_url(node.url)) as ws:
            for _ in range(2):
                await ws.send(frame)
                answer = decode_result(bytes(await asyncio.wait_for(ws.recv(), WAIT)))  # type: ignore[arg-type]
                assert answer == ClientError(ErrorCode.DESERIALIZATION_ERROR, cause=cause)

    run(scenario)


def test_standin_reports_a_bad_chunk() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, connect(node_url(node.url)) as ws:
            from river_desktop.net.client_api import encode_request

            await ws.send(encode_request(StreamChunk(0, 5, 2, b"x")))
            answer = decode_result(bytes(await asyncio.wait_for(ws.recv(), WAIT)))  # type: ignore[arg-type]
            assert isinstance(answer, ClientError) and answer.code is ErrorCode.UNHANDLED
            assert answer.cause == "stream reassembly error: chunk index 5 out of range for stream 0 (total 2)"

    run(scenario)


def test_garbage_from_the_node_fails_the_request_clearly_and_the_next_one_works() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(8)
            await c.put(contract, b"x")

            async def garbage(n: StandinNode, request: ClientRequest) -> None:
                n.before_reply = None
                await n.send_raw(b"\x00\x00\x00\x00\x09\x00\x00\x00")

            node.before_reply = garbage
            with pytest.raises(ProtocolError, match="cannot read"):
                await c.get(contract.key.instance)
            assert (await c.get(contract.key.instance)).state == b"x"

    run(scenario)


def test_no_node_is_a_clear_not_reachable_error() -> None:
    async def scenario() -> None:
        c = FreenetClient(f"ws://127.0.0.1:{free_port()}")
        expected = r"no Freenet node is reachable at ws://127\.0\.0\.1:\d+/v1/contract/command\?\S+: connection refused"
        with pytest.raises(NodeUnreachableError, match=expected):
            await c.connect()
        with pytest.raises(NodeUnreachableError, match="not connected"):
            await c.get(room(1).key.instance)

    run(scenario)


def test_a_wrong_path_is_refused_clearly() -> None:
    async def scenario() -> None:
        async with StandinNode() as node:
            with pytest.raises(ConnectionRefusedByNodeError, match="HTTP 404"):
                await FreenetClient(node.url + "/v1/other").connect()

    run(scenario)


def test_node_restart_then_reconnect() -> None:
    async def scenario() -> None:
        node = StandinNode()
        await node.start()
        c = FreenetClient(node.url)
        try:
            await c.connect()
            contract = room(9)
            await c.put(contract, b"kept", subscribe=True)
            await next_note(c)
            await node.stop()
            reason = await asyncio.wait_for(c.wait_closed(), WAIT)
            assert "lost" in reason or "closed" in reason
            with pytest.raises(NodeUnreachableError):
                await c.get(contract.key.instance)
            with pytest.raises(NodeUnreachableError):
                await c.connect()
            await node.start(node.port)
            await c.connect()
            assert (await c.get(contract.key.instance)).state == b"kept"
            await c.subscribe(contract.key.instance)  # subscriptions died with the old connection
            await c.update(contract.key, DeltaUpdate(b"more"))
            assert (await next_note(c)).update == StateUpdate(b"kept\nmore")
        finally:
            await c.close()
            await node.stop()

    run(scenario)


def test_connection_lost_during_a_request_fails_it_clearly() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(10)
            await c.put(contract, b"x")

            async def drop(n: StandinNode, request: ClientRequest) -> None:
                await n.drop_connections()

            node.before_reply = drop
            with pytest.raises(NodeUnreachableError, match="the request was not answered"):
                await c.get(contract.key.instance)
            node.before_reply = None
            await c.connect()
            assert (await c.get(contract.key.instance)).state == b"x"

    run(scenario)


def test_a_silent_node_times_out() -> None:
    async def scenario() -> None:
        release = asyncio.Event()

        async def hang(n: StandinNode, request: ClientRequest) -> None:
            await release.wait()

        async with StandinNode() as node, FreenetClient(node.url, request_timeout=0.2) as c:
            node.before_reply = hang
            try:
                with pytest.raises(NetTimeoutError, match="did not answer the get"):
                    await c.get(room(11).key.instance)
            finally:
                release.set()

    run(scenario)


def test_network_and_local_mode_answers() -> None:
    async def scenario() -> None:
        for mode in Mode:
            async with StandinNode(mode=mode) as node, FreenetClient(node.url) as c:
                contract = room(12)
                with pytest.raises(ContractNotFoundError, match="has no contract"):
                    await c.get(contract.key.instance)
                assert isinstance(await c.put(contract, b"a"), PutResponse)
                again = await c.put(contract, b"b")
                expected = UpdateResponse if mode is Mode.LOCAL else PutResponse
                assert type(again) is expected
                assert (await c.get(contract.key.instance)).state == b"a\nb"

    run(scenario)


REFUSALS: list[tuple[Mode, str, str]] = [
    (Mode.NETWORK, "reject", "UPDATE failed: update error for contract .*State verification failed"),
    (Mode.LOCAL, "reject", "update: execution error: State verification failed"),
    (Mode.NETWORK, "wrong code hash", "UPDATE failed: missing contract"),
    (Mode.NETWORK, "subscribe unknown", "Cannot subscribe to contract"),
]


@pytest.mark.parametrize(("mode", "case", "message"), REFUSALS)
def test_refusals_are_node_errors_with_the_cause(mode: Mode, case: str, message: str) -> None:
    async def scenario() -> None:
        async with StandinNode(mode=mode) as node, FreenetClient(node.url) as c:
            contract = room(13)
            await c.put(contract, b"a")
            action: Callable[[], Awaitable[object]]
            if case == "reject":
                action = lambda: c.update(contract.key, DeltaUpdate(b"REJECT"))  # noqa: E731
            elif case == "wrong code hash":
                wrong = type(contract.key)(contract.key.instance, b"\x00" * 32)
                action = lambda: c.update(wrong, DeltaUpdate(b"b"))  # noqa: E731
            else:
                action = lambda: c.subscribe(room(14).key.instance)  # noqa: E731
            with pytest.raises(NodeError, match=message):
                await action()
            assert node.contracts[contract.key.instance].state == b"a"
            assert (await c.get(contract.key.instance)).state == b"a"

    run(scenario)


def test_close_says_disconnect_and_is_idempotent() -> None:
    async def scenario() -> None:
        async with StandinNode() as node:
            c = FreenetClient(node.url)
            await c.connect()
            await c.close()
            await c.close()
            assert not c.connected and c.close_reason == "closed by us"
            assert type(node.received[-1]).__name__ == "Disconnect"

    run(scenario)


def test_put_with_a_bad_key_is_refused() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            good = room(15)
            bad = ContractContainer(type(good.contract)(good.contract.code, b"other params", good.key))
            with pytest.raises(NodeError, match="refused the put"):
                await c.put(bad, b"x")
            assert not node.contracts

    run(scenario)


def test_concurrent_calls_on_one_connection_take_turns() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contracts = [room(20 + i) for i in range(5)]
            for i, contract in enumerate(contracts):
                await c.put(contract, b"state %d" % i)
            got = await asyncio.gather(*(c.get(contract.key.instance) for contract in contracts))
            assert [g.state for g in got] == [b"state %d" % i for i in range(5)]
            assert [g.key for g in got] == [contract.key for contract in contracts]

    run(scenario)


def test_local_mode_subscribe_to_an_unknown_contract_is_not_found() -> None:
    async def scenario() -> None:
        async with StandinNode(mode=Mode.LOCAL) as node, FreenetClient(node.url) as c:
            with pytest.raises(ContractNotFoundError):
                await c.subscribe(room(30).key.instance)

    run(scenario)


def test_a_request_too_large_to_chunk_is_refused_before_sending(monkeypatch: pytest.MonkeyPatch) -> None:
    from river_desktop.net import streaming

    monkeypatch.setattr(streaming, "MAX_TOTAL_CHUNKS", 3)

    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            with pytest.raises(RequestTooLargeError, match="the node takes at most 786,432 bytes"):
                await c.put(room(31), b"x" * (4 * streaming.CHUNK_SIZE))
            assert node.raw_frames_received == 0
            assert isinstance(await c.put(room(32), b"small"), PutResponse)

    run(scenario)


def test_an_oversize_frame_from_the_node_drops_the_connection_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_FRAME", 100_000)

    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(33)
            await c.put(contract, b"y" * 300_000)
            with pytest.raises(NodeUnreachableError, match="message too big"):
                await c.get(contract.key.instance)
            await c.connect()
            assert (await c.put(room(34), b"ok")).key == room(34).key

    run(scenario)


def test_a_stream_shorter_than_its_header_is_a_protocol_error() -> None:
    async def scenario() -> None:
        async with StandinNode() as node, FreenetClient(node.url) as c:
            contract = room(35)
            await c.put(contract, b"x")

            async def lying_stream(n: StandinNode, request: ClientRequest) -> None:
                n.before_reply = None
                whole = encode_result(OkResponse())
                await n.send_raw(encode_result(StreamHeader(50, 999, StreamContentRaw())))
                await n.send_raw(encode_result(StreamChunk(50, 0, 1, whole)))

            node.before_reply = lying_stream
            with pytest.raises(ProtocolError, match="announced 999 bytes, got 8"):
                await c.get(contract.key.instance)
            assert (await c.get(contract.key.instance)).state == b"x"

    run(scenario)
