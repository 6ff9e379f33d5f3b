"""A stand-in Freenet node for tests: a WebSocket server on 127.0.0.1 that speaks the same bincode frames.

It answers contract operations as ``freenet network`` does (river-model.md §5.1 table), or as ``freenet local``
for the few answers that differ (re-PUT -> UpdateResponse, GET miss -> MissingContract). It is our reading of
freenet-core, not freenet-core: docs/network.md lists what only this stand-in has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import blake3
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from river_desktop.net import streaming
from river_desktop.net.bincode import DecodeError
from river_desktop.net.client_api import (
    ClientError,
    ClientRequest,
    Close,
    ContractError,
    ContractErrorCode,
    ContractOp,
    Disconnect,
    ErrorCode,
    Get,
    GetResponse,
    HostResult,
    NotFound,
    Put,
    PutResponse,
    RequestError,
    RequestErrorCode,
    StreamChunk,
    StreamContentGet,
    StreamHeader,
    Subscribe,
    SubscribeResponse,
    Update,
    UpdateNotification,
    UpdateResponse,
    decode_request,
    encode_result,
)
from river_desktop.net.types import (
    ContractContainer,
    ContractInstanceId,
    ContractKey,
    DeltaUpdate,
    StateAndDeltaUpdate,
    StateUpdate,
)

Merge = Callable[[bytes, bytes, tuple[str, bytes]], bytes]
Summarize = Callable[[bytes, bytes], bytes]
Validate = Callable[[bytes, bytes], None]
StateDelta = Callable[[bytes, bytes, bytes], bytes]
"""(params, state, summary) -> the delta from ``summary`` to ``state``, as a contract's get_state_delta."""
RequestHook = Callable[["StandinNode", ClientRequest], Awaitable[None]]
UpdateHook = Callable[["StandinNode", Update], Awaitable[None]]


class Mode(enum.Enum):
    NETWORK = "network"
    LOCAL = "local"


class MergeRejected(ValueError):
    """Raised by a merge function to refuse an update, as a contract's validate_state would."""


def union_merge(params: bytes, state: bytes, update: tuple[str, bytes]) -> bytes:
    """A deterministic merge for tests: the state is a set of newline-separated lines, kept sorted.

    Commutative, associative and idempotent, like River's merge, so order of arrival does not matter.
    A line ``REJECT`` makes the update invalid.
    """
    lines = set(state.split(b"\n")) | set(update[1].split(b"\n"))
    lines.discard(b"")
    if b"REJECT" in lines:
        raise MergeRejected("State verification failed: REJECT is not allowed")
    return b"\n".join(sorted(lines))


def digest_summary(params: bytes, state: bytes) -> bytes:
    return hashlib.sha256(state).digest()


def accept_any(params: bytes, state: bytes) -> None:
    """The default check of a new contract's first state: everything is valid."""


@dataclass
class StoredContract:
    container: ContractContainer
    state: bytes


@dataclass(eq=False)
class _Conn:
    ws: ServerConnection
    subscriptions: set[ContractInstanceId] = field(default_factory=set)
    reassembler: streaming.Reassembler = field(default_factory=streaming.Reassembler)
    number: int = 0
    next_stream: int = 0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class StandinNode:
    """Start with ``await node.start()``; ``node.url`` is the bare ``ws://127.0.0.1:PORT`` a user would type."""

    def __init__(
        self,
        merge: Merge = union_merge,
        summarize: Summarize = digest_summary,
        mode: Mode = Mode.NETWORK,
        validate: Validate = accept_any,
        state_delta: StateDelta | None = None,
    ) -> None:
        self.merge = merge
        self.state_delta = state_delta
        """When set, subscribers are notified of an update with the delta from the state before it."""
        self.summarize = summarize
        self.validate = validate
        self.mode = mode
        self.contracts: dict[ContractInstanceId, StoredContract] = {}
        self.received: list[ClientRequest] = []
        self.raw_frames_received = 0
        self.streams_sent: list[tuple[str, int, int]] = []  # (what, whole frame length, chunk count)
        self.before_reply: RequestHook | None = None
        self.after_update: UpdateHook | None = None
        """Called after an UPDATE changed the state, before its reply (a node that dies mid-reply)."""
        self.received_by: list[tuple[int, ClientRequest]] = []
        """Every decoded request with the number of the connection that sent it."""
        self._next_conn = 0
        self.port = 0
        self._server: Server | None = None
        self._conns: set[_Conn] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Listen on ``port`` (0: a free one, remembered so a restart can reuse it)."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            port or self.port,
            max_size=100 * 1024 * 1024,
            compression=None,
            process_request=self._check_path,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        """Drop every connection (their subscriptions die with them) and stop listening; states are kept."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._conns.clear()

    async def __aenter__(self) -> StandinNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @staticmethod
    def _check_path(conn: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path not in ("/v1/contract/command", "/v2/contract/command"):
            return conn.respond(404, "not found\n")
        if "encodingProtocol=native" not in query.split("&"):
            # freenet-core would talk flatbuffers here; the stand-in only speaks bincode.
            return conn.respond(400, "the stand-in speaks only encodingProtocol=native\n")
        return None

    # ---- connections ----

    async def _handle(self, ws: ServerConnection) -> None:
        self._next_conn += 1
        conn = _Conn(ws, number=self._next_conn)
        self._conns.add(conn)
        try:
            async for message in ws:
                self.raw_frames_received += 1
                frame = message.encode("utf-8") if isinstance(message, str) else bytes(message)
                if not await self._on_frame(conn, frame):
                    break
        except ConnectionClosed:
            pass
        finally:
            self._conns.discard(conn)

    async def _on_frame(self, conn: _Conn, frame: bytes) -> bool:
        """Answer one frame; ``False`` ends the connection."""
        try:
            request = decode_request(frame)
        except DecodeError as exc:
            await self._send(conn, ClientError(ErrorCode.DESERIALIZATION_ERROR, cause=str(exc)))
            return True
        if isinstance(request, StreamChunk):
            try:
                whole = conn.reassembler.receive(request.stream_id, request.index, request.total, request.data)
            except streaming.StreamError as exc:
                await self._send(conn, ClientError(ErrorCode.UNHANDLED, cause=f"stream reassembly error: {exc}"))
                return True
            return True if whole is None else await self._on_frame(conn, whole)
        self.received.append(request)
        self.received_by.append((conn.number, request))
        if isinstance(request, Disconnect):
            await conn.ws.close()
            return False
        if self.before_reply is not None:
            await self.before_reply(self, request)
        if isinstance(request, Close):
            await self._send(conn, ClientError(ErrorCode.DISCONNECT))
        elif isinstance(request, ContractOp):
            await self._contract_op(conn, request)
        else:
            await self._send(conn, ClientError(ErrorCode.UNHANDLED, cause="not supported by the stand-in node"))
        return True

    # ---- contract operations (river-model.md §5.1) ----

    async def _contract_op(self, conn: _Conn, op: ContractOp) -> None:
        req = op.request
        if isinstance(req, Put):
            await self._put(conn, req)
        elif isinstance(req, Get):
            await self._get(conn, req)
        elif isinstance(req, Update):
            await self._update(conn, req)
        elif isinstance(req, Subscribe):
            await self._subscribe(conn, req)

    async def _put(self, conn: _Conn, req: Put) -> None:
        wrapped = req.contract.contract
        key = wrapped.key
        actual = blake3.blake3(wrapped.code.data).digest()
        expected_instance = blake3.blake3(wrapped.code.code_hash + wrapped.params).digest()
        if actual != wrapped.code.code_hash or actual != key.code_hash or key.instance.raw != expected_instance:
            await self._fail(conn, f"contract key mismatch for {key}", ContractErrorCode.PUT, key)
            return
        stored = self.contracts.get(key.instance)
        if stored is None:
            try:
                self.validate(wrapped.params, req.state)
            except MergeRejected as exc:
                reason = (
                    f"update error for contract {key}, reason: execution error: invalid contract update, reason: {exc}"
                )
                await self._fail(conn, reason, ContractErrorCode.PUT, key, f"execution error: {exc}")
                return
            self.contracts[key.instance] = StoredContract(req.contract, req.state)
            if req.subscribe and self.mode is Mode.NETWORK:
                conn.subscriptions.add(key.instance)
                await self._send(conn, UpdateNotification(key, StateUpdate(req.state)))
            await self._send(conn, PutResponse(key))
            return
        changed = await self._apply(conn, stored, key, ("state", req.state), ContractErrorCode.PUT)
        if changed is None:
            return
        if self.mode is Mode.LOCAL:
            await self._send(conn, UpdateResponse(key, self.summarize(wrapped.params, stored.state)))
            return
        if req.subscribe:
            conn.subscriptions.add(key.instance)
        await self._send(conn, PutResponse(key))

    async def _get(self, conn: _Conn, req: Get) -> None:
        stored = self.contracts.get(req.key)
        if stored is None:
            if self.mode is Mode.LOCAL:
                await self._send(conn, _missing(req.key))
            else:
                await self._send(conn, NotFound(req.key))
            return
        if req.subscribe and self.mode is Mode.NETWORK:
            conn.subscriptions.add(req.key)
        contract = stored.container if req.return_contract_code else None
        await self._send(conn, GetResponse(stored.container.key, contract, stored.state))

    async def _update(self, conn: _Conn, req: Update) -> None:
        stored = self.contracts.get(req.key.instance)
        if stored is None or stored.container.key.code_hash != req.key.code_hash:
            cause = (
                f"UPDATE failed: Ran out of, or haven't found any, hosting peers for contract {req.key}"
                if stored is None
                else f"UPDATE failed: missing contract: {req.key}"
            )
            await self._fail(conn, cause, ContractErrorCode.UPDATE, req.key, "missing contract parameters")
            return
        data = req.data
        if isinstance(data, StateUpdate):
            update = ("state", data.state)
        elif isinstance(data, DeltaUpdate | StateAndDeltaUpdate):
            update = ("delta", data.delta)
        else:
            await self._send(conn, ClientError(ErrorCode.UNHANDLED, cause="related contracts are not supported"))
            return
        changed = await self._apply(conn, stored, req.key, update, ContractErrorCode.UPDATE)
        if changed is None:
            return
        if changed and self.after_update is not None:
            await self.after_update(self, req)
        params = stored.container.contract.params
        await self._send(conn, UpdateResponse(stored.container.key, self.summarize(params, stored.state)))

    async def _subscribe(self, conn: _Conn, req: Subscribe) -> None:
        stored = self.contracts.get(req.key)
        if stored is None:
            if self.mode is Mode.LOCAL:
                conn.subscriptions.add(req.key)
                await self._send(conn, _missing(req.key))
            else:
                await self._send(
                    conn,
                    ClientError(
                        ErrorCode.OPERATION_ERROR,
                        cause=(
                            f"Node error: Cannot subscribe to contract {req.key}: contract WASM/parameters not cached "
                            "locally. PUT the contract or GET the contract before subscribing."
                        ),
                    ),
                )
            return
        # The stand-in always notifies with full states, even when a summary was given.
        conn.subscriptions.add(req.key)
        await self._send(conn, SubscribeResponse(stored.container.key, True))

    async def _apply(
        self, conn: _Conn, stored: StoredContract, key: ContractKey, update: tuple[str, bytes], code: ContractErrorCode
    ) -> bool | None:
        """Merge, commit and notify; ``None`` when the merge refused (the error has been sent)."""
        try:
            new_state = self.merge(stored.container.contract.params, stored.state, update)
        except MergeRejected as exc:
            reason = f"update error for contract {key}, reason: execution error: invalid contract update, reason: {exc}"
            await self._fail(
                conn,
                f"UPDATE failed: {reason}" if code is ContractErrorCode.UPDATE else reason,
                code,
                key,
                f"execution error: {exc}",
            )
            return None
        if new_state == stored.state:
            return False
        before, stored.state = stored.state, new_state
        await self.notify(key.instance, before)
        return True

    async def notify(self, instance: ContractInstanceId, before: bytes | None = None) -> None:
        """Send the current state (or, with ``state_delta``, the change since ``before``) to every subscriber."""
        stored = self.contracts[instance]
        update: StateUpdate | DeltaUpdate = StateUpdate(stored.state)
        if self.state_delta is not None and before is not None:
            params = stored.container.contract.params
            update = DeltaUpdate(self.state_delta(params, stored.state, self.summarize(params, before)))
        note = UpdateNotification(stored.container.key, update)
        for conn in list(self._conns):
            if instance in conn.subscriptions:
                with contextlib.suppress(ConnectionClosed):
                    await self._send(conn, note)

    async def _fail(
        self, conn: _Conn, network_cause: str, code: ContractErrorCode, key: ContractKey, local_cause: str | None = None
    ) -> None:
        if self.mode is Mode.NETWORK:
            await self._send(conn, ClientError(ErrorCode.OPERATION_ERROR, cause=network_cause))
            return
        error = ContractError(code, key=key, cause=local_cause or network_cause)
        await self._send(
            conn, ClientError(ErrorCode.REQUEST_ERROR, request=RequestError(RequestErrorCode.CONTRACT, contract=error))
        )

    # ---- sending, streamed above 512 KiB as freenet-core's ws.rs:1597-1700 does ----

    async def _send(self, conn: _Conn, result: HostResult) -> None:
        frame = encode_result(result)
        async with conn.send_lock:
            if not streaming.needs_chunking(len(frame)):
                await conn.ws.send(frame)
                return
            stream_id = conn.next_stream
            conn.next_stream += 1
            if isinstance(result, GetResponse):
                content = StreamContentGet(result.key, result.contract is not None)
                await conn.ws.send(encode_result(StreamHeader(stream_id, len(frame), content)))
            chunks = streaming.split(frame)
            self.streams_sent.append((type(result).__name__, len(frame), len(chunks)))
            for index, total, data in chunks:
                await conn.ws.send(encode_result(StreamChunk(stream_id, index, total, data)))

    async def crash(self) -> None:
        """Stop listening and drop every connection at once; safe inside a hook (a node dying mid-reply).
        Call :meth:`stop` afterwards, outside the hook, to finish; states are kept for a restart."""
        if self._server is not None:
            self._server.server.close()
        await self.drop_connections()

    async def drop_connections(self) -> None:
        """Close every open connection but keep listening (a node that drops its clients)."""
        for conn in list(self._conns):
            await conn.ws.close(1011, "stand-in dropped the connection")

    async def send_raw(self, frame: bytes) -> None:
        """Send arbitrary bytes to every connection (for tests of what a client does with garbage)."""
        for conn in list(self._conns):
            async with conn.send_lock:
                await conn.ws.send(frame)


def _missing(instance: ContractInstanceId) -> ClientError:
    error = ContractError(ContractErrorCode.MISSING_CONTRACT, instance_id=instance)
    return ClientError(ErrorCode.REQUEST_ERROR, request=RequestError(RequestErrorCode.CONTRACT, contract=error))
