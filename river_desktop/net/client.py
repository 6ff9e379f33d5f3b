"""An asyncio client for a Freenet node's WebSocket API, native (bincode) encoding, contract operations only.

There are no request ids on the wire, a node may interleave notifications with replies, and ``OperationError``
carries no key (river-model.md §5.3), so a connection has at most one request outstanding; a reply is matched
to it by variant and key, and every ``UpdateNotification`` in between goes to the notification handler.
``freenet local`` and ``freenet network`` answer differently (§5.1); both are accepted: a re-PUT answered with
``UpdateResponse``, a GET miss as ``NotFound`` or ``MissingContract``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from river_desktop.net import streaming
from river_desktop.net.bincode import DecodeError
from river_desktop.net.client_api import (
    ClientError,
    ContractErrorCode,
    ContractOp,
    ContractRequest,
    ContractResponse,
    Disconnect,
    ErrorCode,
    Get,
    GetResponse,
    HostResult,
    NotFound,
    Put,
    PutResponse,
    StreamChunk,
    StreamHeader,
    Subscribe,
    SubscribeResponse,
    Update,
    UpdateNotification,
    UpdateResponse,
    decode_result,
    encode_request,
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
from river_desktop.net.types import ContractContainer, ContractInstanceId, ContractKey, UpdateData

log = logging.getLogger(__name__)

DEFAULT_NODE_URL = "ws://127.0.0.1:7509"
COMMAND_PATH = "/v1/contract/command?encodingProtocol=native"
# The node accepts frames of up to 100 MiB (freenet-core ws.rs:1237); so do we.
MAX_FRAME = 100 * 1024 * 1024

NotificationHandler = Callable[[UpdateNotification], None]


def node_url(address: str) -> str:
    """A bare ``ws://host:port`` gets the native command path; a URL with a path or query is used as given."""
    parts = urlsplit(address)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise NetError(f"{address!r} is not a node address; expected something like {DEFAULT_NODE_URL}")
    if parts.path in ("", "/") and not parts.query:
        return f"{parts.scheme}://{parts.netloc}{COMMAND_PATH}"
    return address


def redacted_url(url: str) -> str:
    """The address with any ``authToken`` value hidden, for messages and logs."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = "&".join(
        "authToken=…" if item.partition("=")[0] == "authToken" else item for item in parts.query.split("&")
    )
    return urlunsplit(parts._replace(query=query))


Matcher = Callable[[ContractResponse], bool]


@dataclass
class _Pending:
    what: str
    instance: ContractInstanceId
    accepts: Matcher
    future: asyncio.Future[ContractResponse]


class FreenetClient:
    """One WebSocket connection to a node; reusable: ``connect()`` again after it drops (subscriptions must then be
    renewed, they belong to the connection)."""

    def __init__(
        self,
        address: str = DEFAULT_NODE_URL,
        *,
        connect_timeout: float = 5.0,
        request_timeout: float = 60.0,
        on_notification: NotificationHandler | None = None,
    ) -> None:
        self.url = node_url(address)
        self.display_url = redacted_url(self.url)
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.notifications: asyncio.Queue[UpdateNotification] = asyncio.Queue()
        self._on_notification = on_notification or self.notifications.put_nowait
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._stream_id = 0
        self._closed = asyncio.Event()
        self._closed.set()
        self._close_reason = "not connected"
        self._closing = False

    # ---- connection ----

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._closed.is_set()

    @property
    def close_reason(self) -> str:
        """Why the last connection ended (or that there never was one), for a status line."""
        return self._close_reason

    async def connect(self) -> None:
        if self.connected:
            return
        where = self.display_url
        try:
            ws = await asyncio.wait_for(
                connect(self.url, max_size=MAX_FRAME, compression=None, open_timeout=None, proxy=None),
                self.connect_timeout,
            )
        except TimeoutError:
            raise NetTimeoutError(f"the node at {where} did not answer within {self.connect_timeout:g} s") from None
        except InvalidStatus as exc:
            status = exc.response.status_code
            raise ConnectionRefusedByNodeError(
                f"the node at {where} refused the connection (HTTP {status}); check the address"
            ) from None
        except InvalidURI:
            raise NetError(f"{where} is not a valid WebSocket address") from None
        except (InvalidHandshake, ConnectionClosed) as exc:
            raise ConnectionRefusedByNodeError(f"{where} is not speaking the Freenet WebSocket API: {exc}") from None
        except OSError as exc:
            raise NodeUnreachableError(f"no Freenet node is reachable at {where}: {_why_unreachable(exc)}") from None
        self._ws = ws
        self._stream_id = 0
        self._closed.clear()
        self._close_reason = ""
        self._reader = asyncio.create_task(self._read_loop(ws), name="freenet-client-reader")

    async def close(self) -> None:
        """Say goodbye and close; safe to call twice."""
        ws = self._ws
        if ws is not None and not self._closed.is_set():
            self._closing = True
            with contextlib.suppress(ConnectionClosed, OSError):
                await ws.send(encode_request(Disconnect()))
            await ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._mark_closed("closed by us")
        self._closing = False

    async def wait_closed(self) -> str:
        """Wait for the connection to end, and say why."""
        await self._closed.wait()
        return self._close_reason

    async def __aenter__(self) -> FreenetClient:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ---- contract operations ----

    async def put(
        self, contract: ContractContainer, state: bytes, *, subscribe: bool = False, blocking_subscribe: bool = False
    ) -> PutResponse | UpdateResponse:
        """Store ``state`` under ``contract``; a node in local mode answers a re-PUT with ``UpdateResponse``."""
        key = contract.key
        reply = await self._call(
            Put(contract, state, subscribe=subscribe, blocking_subscribe=blocking_subscribe),
            "put",
            key.instance,
            lambda r: isinstance(r, PutResponse | UpdateResponse) and r.key.instance == key.instance,
        )
        assert isinstance(reply, PutResponse | UpdateResponse)
        return reply

    async def get(
        self, instance_id: ContractInstanceId, *, return_contract_code: bool = False, subscribe: bool = False
    ) -> GetResponse:
        """Raises ``ContractNotFoundError`` when the node does not have (or cannot find) the contract."""
        reply = await self._call(
            Get(instance_id, return_contract_code, subscribe, False),
            "get",
            instance_id,
            lambda r: isinstance(r, GetResponse | NotFound) and _instance_of(r) == instance_id,
        )
        if isinstance(reply, NotFound):
            raise ContractNotFoundError(f"the node has no contract {instance_id}")
        assert isinstance(reply, GetResponse)
        return reply

    async def update(self, key: ContractKey, data: UpdateData) -> UpdateResponse:
        """``key`` must carry the right code hash (take it from a Get or Put reply)."""
        reply = await self._call(
            Update(key, data),
            "update",
            key.instance,
            lambda r: isinstance(r, UpdateResponse) and r.key.instance == key.instance,
        )
        assert isinstance(reply, UpdateResponse)
        return reply

    async def subscribe(self, instance_id: ContractInstanceId, summary: bytes | None = None) -> SubscribeResponse:
        """The node must hold the contract first (Put or Get it)."""
        reply = await self._call(
            Subscribe(instance_id, summary),
            "subscribe",
            instance_id,
            lambda r: isinstance(r, SubscribeResponse) and r.key.instance == instance_id,
        )
        assert isinstance(reply, SubscribeResponse)
        return reply

    # ---- request/reply ----

    async def _call(
        self, request: ContractRequest, what: str, instance: ContractInstanceId, accepts: Matcher
    ) -> ContractResponse:
        async with self._lock:
            ws = self._ws
            if ws is None or self._closed.is_set():
                raise NodeUnreachableError(f"not connected to the node at {self.display_url} ({self._close_reason})")
            future: asyncio.Future[ContractResponse] = asyncio.get_running_loop().create_future()
            self._pending = _Pending(what, instance, accepts, future)
            try:
                await self._send(ws, encode_request(ContractOp(request)))
                return await asyncio.wait_for(future, self.request_timeout)
            except TimeoutError:
                raise NetTimeoutError(
                    f"the node did not answer the {what} of {instance} within {self.request_timeout:g} s"
                ) from None
            except ConnectionClosed:
                raise NodeUnreachableError(f"the connection to the node was lost during the {what}") from None
            finally:
                self._pending = None

    async def _send(self, ws: ClientConnection, frame: bytes) -> None:
        if not streaming.needs_chunking(len(frame)):
            await ws.send(frame)
            return
        try:
            chunks = streaming.split(frame)
        except streaming.StreamError:
            raise RequestTooLargeError(
                f"the request is {len(frame):,} bytes; the node takes at most "
                f"{streaming.MAX_TOTAL_CHUNKS * streaming.CHUNK_SIZE:,} bytes in one request"
            ) from None
        stream_id = self._stream_id
        self._stream_id += 1
        for index, total, data in chunks:
            await ws.send(encode_request(StreamChunk(stream_id, index, total, data)))

    # ---- receiving ----

    async def _read_loop(self, ws: ClientConnection) -> None:
        reassembler = streaming.Reassembler()
        announced: dict[int, int] = {}
        reason = "the node closed the connection"
        try:
            async for message in ws:
                frame = message.encode("utf-8") if isinstance(message, str) else bytes(message)
                self._on_frame(frame, reassembler, announced)
        except ConnectionClosed as exc:
            reason = f"the connection to the node was lost ({exc})"
        except Exception:  # a bug here must not leave requests hanging; it is logged with its traceback
            log.exception("freenet client reader failed")
            reason = "internal error while reading from the node"
        finally:
            self._mark_closed("closed by us" if self._closing else reason)

    def _on_frame(self, frame: bytes, reassembler: streaming.Reassembler, announced: dict[int, int]) -> None:
        """``announced`` holds the length each StreamHeader promised, by stream id."""
        try:
            result = decode_result(frame)
            if isinstance(result, StreamHeader):
                announced[result.stream_id] = result.total_bytes
                return
            if isinstance(result, StreamChunk):
                whole = reassembler.receive(result.stream_id, result.index, result.total, result.data)
                if whole is None:
                    return
                promised = announced.pop(result.stream_id, len(whole))
                if promised != len(whole):
                    raise streaming.StreamError(
                        f"stream {result.stream_id} announced {promised} bytes, got {len(whole)}"
                    )
                result = decode_result(whole)
        except (DecodeError, streaming.StreamError) as exc:
            self._fail_pending(ProtocolError(f"the node sent a frame we cannot read: {exc}"))
            return
        self._dispatch(result)

    def _dispatch(self, result: HostResult) -> None:
        if isinstance(result, UpdateNotification):
            try:
                self._on_notification(result)
            except Exception:
                log.exception("notification handler failed")
            return
        pending = self._pending
        if isinstance(result, ClientError):
            if pending is None:
                log.warning("the node reported an error with no request outstanding: %s", result.describe())
                return
            self._fail_pending(_error_for(result, pending))
            return
        if pending is not None and isinstance(result, _CONTRACT_RESPONSES) and pending.accepts(result):
            if not pending.future.done():
                pending.future.set_result(result)
            return
        log.info("ignoring a reply that answers no outstanding request: %s", type(result).__name__)

    def _fail_pending(self, error: NetError) -> None:
        pending = self._pending
        if pending is None:
            log.warning("%s", error)
        elif not pending.future.done():
            pending.future.set_exception(error)

    def _mark_closed(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self._close_reason = reason
        self._closed.set()
        if self._pending is not None:
            self._fail_pending(NodeUnreachableError(f"{reason}; the request was not answered"))


def _why_unreachable(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError) or "Connect call failed" in str(exc):
        return "connection refused (is the node running, on this port?)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    return exc.strerror or str(exc) or exc.__class__.__name__


def _instance_of(response: GetResponse | NotFound) -> ContractInstanceId:
    return response.instance_id if isinstance(response, NotFound) else response.key.instance


_CONTRACT_RESPONSES = (GetResponse, PutResponse, UpdateResponse, SubscribeResponse, NotFound)


def _error_for(error: ClientError, pending: _Pending) -> NetError:
    text = error.describe()
    if error.code is ErrorCode.DESERIALIZATION_ERROR:
        return NodeDeserializationError(f"the node could not read our {pending.what}: {error.cause}", error)
    contract_error = error.contract_error
    if contract_error is not None and contract_error.code is ContractErrorCode.MISSING_CONTRACT:
        return ContractNotFoundError(f"the node has no contract {contract_error.contract}")
    return NodeError(f"the node refused the {pending.what} of {pending.instance}: {text}", error)

