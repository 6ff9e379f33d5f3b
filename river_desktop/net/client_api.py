"""freenet-stdlib 0.8.5's ``ClientRequest`` and ``Result<HostResponse, ClientError>`` as bincode frames.

Variant numbers: stdlib ``client_events.rs`` (river-model.md §5 and §5.2 item 1). Only what a contract-ops
client needs is modelled in full; the delegate and node-query parts are there so that stdlib's frozen vectors
and the vector file can be reproduced, and decoding a part we do not model is a ``DecodeError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from river_desktop.net.api_errors import ClientError as ClientError
from river_desktop.net.api_errors import ContractError as ContractError
from river_desktop.net.api_errors import ContractErrorCode as ContractErrorCode
from river_desktop.net.api_errors import DelegateError as DelegateError
from river_desktop.net.api_errors import DelegateErrorCode as DelegateErrorCode
from river_desktop.net.api_errors import ErrorCode as ErrorCode
from river_desktop.net.api_errors import RequestError as RequestError
from river_desktop.net.api_errors import RequestErrorCode as RequestErrorCode
from river_desktop.net.api_errors import read_client_error, write_client_error
from river_desktop.net.bincode import DecodeError, Reader, Writer
from river_desktop.net.types import (
    ApplicationMessage,
    ContractContainer,
    ContractInstanceId,
    ContractKey,
    DelegateContainer,
    DelegateKey,
    RelatedContracts,
    UpdateData,
    read_update_data,
    write_update_data,
)

# ---- ContractRequest (0 Put, 1 Update, 2 Get, 3 Subscribe) ----


@dataclass(frozen=True)
class Put:
    contract: ContractContainer
    state: bytes = field(repr=False)
    related_contracts: RelatedContracts = field(default_factory=RelatedContracts)
    subscribe: bool = False
    blocking_subscribe: bool = False


@dataclass(frozen=True)
class Update:
    key: ContractKey
    data: UpdateData


@dataclass(frozen=True)
class Get:
    key: ContractInstanceId
    return_contract_code: bool = False
    subscribe: bool = False
    blocking_subscribe: bool = False


@dataclass(frozen=True)
class Subscribe:
    key: ContractInstanceId
    summary: bytes | None = None


ContractRequest = Put | Update | Get | Subscribe


# ---- DelegateRequest (0 ApplicationMessages, 1 RegisterDelegate, 2 UnregisterDelegate,
#      3 RegisterDelegateWithPredecessors, 0.8.x only) ----


@dataclass(frozen=True)
class ApplicationMessages:
    key: DelegateKey
    params: bytes
    inbound: tuple[ApplicationMessage, ...]


@dataclass(frozen=True)
class RegisterDelegate:
    delegate: DelegateContainer
    cipher: bytes = field(repr=False)
    nonce: bytes = field(repr=False)


@dataclass(frozen=True)
class UnregisterDelegate:
    key: DelegateKey


@dataclass(frozen=True)
class RegisterDelegateWithPredecessors:
    delegate: DelegateContainer
    cipher: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    predecessors: tuple[DelegateKey, ...] = ()


DelegateRequest = ApplicationMessages | RegisterDelegate | UnregisterDelegate | RegisterDelegateWithPredecessors


# ---- NodeQuery (0 ConnectedPeers, 1 SubscriptionInfo, 2 NodeDiagnostics, 3 NeighborHostingInfo) ----


class SimpleQuery(IntEnum):
    CONNECTED_PEERS = 0
    SUBSCRIPTION_INFO = 1
    NEIGHBOR_HOSTING_INFO = 3


@dataclass(frozen=True)
class NodeDiagnostics:
    include_node_info: bool = False
    include_network_info: bool = False
    include_subscriptions: bool = False
    contract_keys: tuple[ContractKey, ...] = ()
    include_system_metrics: bool = False
    include_detailed_peer_info: bool = False
    include_subscriber_peer_ids: bool = False


NodeQuery = SimpleQuery | NodeDiagnostics


# ---- ClientRequest (0 DelegateOp 1 ContractOp 2 Disconnect 3 Authenticate 4 NodeQueries 5 Close 6 StreamChunk) ----


@dataclass(frozen=True)
class DelegateOp:
    request: DelegateRequest


@dataclass(frozen=True)
class ContractOp:
    request: ContractRequest


@dataclass(frozen=True)
class Disconnect:
    cause: str | None = None


@dataclass(frozen=True)
class Authenticate:
    token: str = field(repr=False)


@dataclass(frozen=True)
class NodeQueries:
    query: NodeQuery


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class StreamChunk:
    """A slice of a larger frame: ``ClientRequest::StreamChunk`` (6) and ``HostResponse::StreamChunk`` (4) alike."""

    stream_id: int
    index: int
    total: int
    data: bytes = field(repr=False)

    def write_fields(self, w: Writer) -> None:
        w.u32(self.stream_id).u32(self.index).u32(self.total).blob(self.data)

    @classmethod
    def read_fields(cls, r: Reader) -> StreamChunk:
        return cls(r.u32(), r.u32(), r.u32(), r.blob())


ClientRequest = DelegateOp | ContractOp | Disconnect | Authenticate | NodeQueries | Close | StreamChunk


def _write_contract_request(w: Writer, req: ContractRequest) -> None:
    match req:
        case Put():
            w.variant(0)
            req.contract.write(w)
            w.blob(req.state)
            req.related_contracts.write(w)
            w.boolean(req.subscribe).boolean(req.blocking_subscribe)
        case Update():
            w.variant(1)
            req.key.write(w)
            write_update_data(w, req.data)
        case Get():
            w.variant(2)
            req.key.write(w)
            w.boolean(req.return_contract_code).boolean(req.subscribe).boolean(req.blocking_subscribe)
        case Subscribe():
            w.variant(3)
            req.key.write(w)
            w.option(req.summary, Writer.blob)


def _read_contract_request(r: Reader) -> ContractRequest:
    tag = r.variant(4)
    if tag == 0:
        return Put(ContractContainer.read(r), r.blob(), RelatedContracts.read(r), r.boolean(), r.boolean())
    if tag == 1:
        return Update(ContractKey.read(r), read_update_data(r))
    if tag == 2:
        return Get(ContractInstanceId.read(r), r.boolean(), r.boolean(), r.boolean())
    return Subscribe(ContractInstanceId.read(r), r.option(Reader.blob))


def _write_delegate_request(w: Writer, req: DelegateRequest) -> None:
    match req:
        case ApplicationMessages():
            w.variant(0)
            req.key.write(w)
            w.blob(req.params)
            w.seq(req.inbound, lambda w, m: m.write(w))
        case RegisterDelegate():
            w.variant(1)
            req.delegate.write(w)
            w.fixed(req.cipher, 32).fixed(req.nonce, 24)
        case UnregisterDelegate():
            w.variant(2)
            req.key.write(w)
        case RegisterDelegateWithPredecessors():
            w.variant(3)
            req.delegate.write(w)
            w.fixed(req.cipher, 32).fixed(req.nonce, 24)
            w.seq(req.predecessors, lambda w, k: k.write(w))


def _read_delegate_request(r: Reader) -> DelegateRequest:
    tag = r.variant(4)
    if tag == 0:
        return ApplicationMessages(DelegateKey.read(r), r.blob(), tuple(r.seq(ApplicationMessage.read)))
    if tag == 2:
        return UnregisterDelegate(DelegateKey.read(r))
    delegate = DelegateContainer.read(r)
    cipher, nonce = r.fixed(32), r.fixed(24)
    if tag == 1:
        return RegisterDelegate(delegate, cipher, nonce)
    return RegisterDelegateWithPredecessors(delegate, cipher, nonce, tuple(r.seq(DelegateKey.read)))


def _write_node_query(w: Writer, query: NodeQuery) -> None:
    if isinstance(query, SimpleQuery):
        w.variant(int(query))
        return
    w.variant(2).boolean(query.include_node_info).boolean(query.include_network_info)
    w.boolean(query.include_subscriptions).seq(query.contract_keys, lambda w, k: k.write(w))
    w.boolean(query.include_system_metrics).boolean(query.include_detailed_peer_info)
    w.boolean(query.include_subscriber_peer_ids)


def _read_node_query(r: Reader) -> NodeQuery:
    tag = r.variant(4)
    if tag != 2:
        return SimpleQuery(tag)
    return NodeDiagnostics(
        r.boolean(), r.boolean(), r.boolean(), tuple(r.seq(ContractKey.read)), r.boolean(), r.boolean(), r.boolean()
    )


def write_request(w: Writer, req: ClientRequest) -> None:
    match req:
        case DelegateOp():
            w.variant(0)
            _write_delegate_request(w, req.request)
        case ContractOp():
            w.variant(1)
            _write_contract_request(w, req.request)
        case Disconnect():
            w.variant(2).option(req.cause, Writer.string)
        case Authenticate():
            w.variant(3).string(req.token)
        case NodeQueries():
            w.variant(4)
            _write_node_query(w, req.query)
        case Close():
            w.variant(5)
        case StreamChunk():
            w.variant(6)
            req.write_fields(w)


def read_request(r: Reader) -> ClientRequest:
    tag = r.variant(7)
    if tag == 0:
        return DelegateOp(_read_delegate_request(r))
    if tag == 1:
        return ContractOp(_read_contract_request(r))
    if tag == 2:
        return Disconnect(r.option(Reader.string))
    if tag == 3:
        return Authenticate(r.string())
    if tag == 4:
        return NodeQueries(_read_node_query(r))
    if tag == 5:
        return Close()
    return StreamChunk.read_fields(r)


def encode_request(req: ClientRequest) -> bytes:
    w = Writer()
    write_request(w, req)
    return w.getvalue()


def decode_request(data: bytes) -> ClientRequest:
    """As ``bincode::deserialize::<ClientRequest>``: trailing bytes are ignored."""
    return read_request(Reader(data))


# ---- ContractResponse (0 GetResponse 1 PutResponse 2 UpdateNotification 3 UpdateResponse
#      4 SubscribeResponse 5 NotFound) ----


@dataclass(frozen=True)
class GetResponse:
    key: ContractKey
    contract: ContractContainer | None
    state: bytes = field(repr=False)


@dataclass(frozen=True)
class PutResponse:
    key: ContractKey


@dataclass(frozen=True)
class UpdateNotification:
    key: ContractKey
    update: UpdateData


@dataclass(frozen=True)
class UpdateResponse:
    """``summary`` is the contract's summary of the current state, never the state (river-model.md §5.2 item 8)."""

    key: ContractKey
    summary: bytes = field(repr=False)


@dataclass(frozen=True)
class SubscribeResponse:
    key: ContractKey
    subscribed: bool


@dataclass(frozen=True)
class NotFound:
    instance_id: ContractInstanceId


ContractResponse = GetResponse | PutResponse | UpdateNotification | UpdateResponse | SubscribeResponse | NotFound


# ---- HostResponse (0 ContractResponse 1 DelegateResponse 2 QueryResponse 3 Ok 4 StreamChunk 5 StreamHeader) ----


@dataclass(frozen=True)
class DelegateResponse:
    """Only an empty ``values`` list is modelled (River Desktop sends no delegate requests yet)."""

    key: DelegateKey
    values: tuple[()] = ()


@dataclass(frozen=True)
class OkResponse:
    pass


@dataclass(frozen=True)
class StreamContentGet:
    key: ContractKey
    includes_contract: bool


@dataclass(frozen=True)
class StreamContentRaw:
    pass


StreamContent = StreamContentGet | StreamContentRaw


@dataclass(frozen=True)
class StreamHeader:
    stream_id: int
    total_bytes: int
    content: StreamContent


HostResponse = ContractResponse | DelegateResponse | OkResponse | StreamChunk | StreamHeader


def _write_contract_response(w: Writer, resp: ContractResponse) -> None:
    match resp:
        case GetResponse():
            w.variant(0)
            resp.key.write(w)
            w.option(resp.contract, lambda w, c: c.write(w))
            w.blob(resp.state)
        case PutResponse():
            w.variant(1)
            resp.key.write(w)
        case UpdateNotification():
            w.variant(2)
            resp.key.write(w)
            write_update_data(w, resp.update)
        case UpdateResponse():
            w.variant(3)
            resp.key.write(w)
            w.blob(resp.summary)
        case SubscribeResponse():
            w.variant(4)
            resp.key.write(w)
            w.boolean(resp.subscribed)
        case NotFound():
            w.variant(5)
            resp.instance_id.write(w)


def _read_contract_response(r: Reader) -> ContractResponse:
    tag = r.variant(6)
    if tag == 5:
        return NotFound(ContractInstanceId.read(r))
    key = ContractKey.read(r)
    if tag == 0:
        return GetResponse(key, r.option(ContractContainer.read), r.blob())
    if tag == 1:
        return PutResponse(key)
    if tag == 2:
        return UpdateNotification(key, read_update_data(r))
    if tag == 3:
        return UpdateResponse(key, r.blob())
    return SubscribeResponse(key, r.boolean())


def _write_host_response(w: Writer, resp: HostResponse) -> None:
    match resp:
        case DelegateResponse():
            w.variant(1)
            resp.key.write(w)
            w.u64(0)
        case OkResponse():
            w.variant(3)
        case StreamChunk():
            w.variant(4)
            resp.write_fields(w)
        case StreamHeader():
            w.variant(5).u32(resp.stream_id).u64(resp.total_bytes)
            if isinstance(resp.content, StreamContentGet):
                w.variant(0)
                resp.content.key.write(w)
                w.boolean(resp.content.includes_contract)
            else:
                w.variant(1)
        case _:
            w.variant(0)
            _write_contract_response(w, resp)


def _read_host_response(r: Reader) -> HostResponse:
    tag = r.variant(6)
    if tag == 0:
        return _read_contract_response(r)
    if tag == 1:
        key = DelegateKey.read(r)
        if r.u64() != 0:
            raise DecodeError("DelegateResponse values are not supported")
        return DelegateResponse(key)
    if tag == 2:
        raise DecodeError("QueryResponse is not supported")
    if tag == 3:
        return OkResponse()
    if tag == 4:
        return StreamChunk.read_fields(r)
    stream_id, total = r.u32(), r.u64()
    content: StreamContent = StreamContentRaw()
    if r.variant(2) == 0:
        content = StreamContentGet(ContractKey.read(r), r.boolean())
    return StreamHeader(stream_id, total, content)


# ---- Result<HostResponse, ClientError>: Ok = 0, Err = 1 ----

HostResult = HostResponse | ClientError


def write_result(w: Writer, result: HostResult) -> None:
    if isinstance(result, ClientError):
        w.variant(1)
        write_client_error(w, result)
    else:
        w.variant(0)
        _write_host_response(w, result)


def read_result(r: Reader) -> HostResult:
    if r.variant(2) == 1:
        return read_client_error(r)
    return _read_host_response(r)


def encode_result(result: HostResult) -> bytes:
    w = Writer()
    write_result(w, result)
    return w.getvalue()


def decode_result(data: bytes) -> HostResult:
    return read_result(Reader(data))

