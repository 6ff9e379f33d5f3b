"""The error side of a node's answer: stdlib 0.8.5's ``ErrorKind`` (``ClientError``; the Box is transparent on the
wire), ``RequestError``, ``client_api::ContractError`` and ``DelegateError`` (river-model.md §5.2 item 1).

Each is one frozen class with an Enum code and the payload fields that code carries, checked on construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from river_desktop.net.bincode import Reader, Writer
from river_desktop.net.types import ContractInstanceId, ContractKey, DelegateKey, SecretsId


class ErrorCode(IntEnum):
    CHANNEL_CLOSED = 0
    DESERIALIZATION_ERROR = 1
    DISCONNECT = 2
    INCORRECT_STATE = 3
    NODE_UNAVAILABLE = 4
    TRANSPORT_PROTOCOL_DISCONNECT = 5
    UNHANDLED = 6
    UNKNOWN_CLIENT = 7
    REQUEST_ERROR = 8
    OPERATION_ERROR = 9
    FAILED_OPERATION = 10
    SHUTDOWN = 11
    EMPTY_RING = 12
    PEER_NOT_JOINED = 13


_WITH_CAUSE = {ErrorCode.DESERIALIZATION_ERROR, ErrorCode.UNHANDLED, ErrorCode.OPERATION_ERROR}


class RequestErrorCode(IntEnum):
    CONTRACT = 0
    DELEGATE = 1
    DISCONNECT = 2
    TIMEOUT = 3


class ContractErrorCode(IntEnum):
    GET = 0
    PUT = 1
    UPDATE = 2
    SUBSCRIBE = 3
    STACK_OVERFLOW = 4
    MISSING_RELATED = 5
    MISSING_CONTRACT = 6


_KEYED_CONTRACT_ERRORS = {ContractErrorCode.GET, ContractErrorCode.PUT, ContractErrorCode.UPDATE,
                          ContractErrorCode.SUBSCRIBE}


class DelegateErrorCode(IntEnum):
    REGISTER_ERROR = 0
    EXECUTION_ERROR = 1
    MISSING = 2
    MISSING_SECRET = 3
    FORBIDDEN_SECRET_ACCESS = 4


@dataclass(frozen=True)
class ContractError:
    """``client_api::ContractError``: Get/Put/Update/Subscribe carry a ContractKey and a cause, the rest an id."""

    code: ContractErrorCode
    key: ContractKey | None = None
    instance_id: ContractInstanceId | None = None
    cause: str = ""

    def __post_init__(self) -> None:
        if (self.key is not None) != (self.code in _KEYED_CONTRACT_ERRORS) or (
            (self.instance_id is not None) == (self.code in _KEYED_CONTRACT_ERRORS)
        ):
            raise ValueError(f"{self.code.name} takes {'a key' if self.code in _KEYED_CONTRACT_ERRORS else 'an id'}")

    @property
    def contract(self) -> ContractInstanceId:
        if self.key is not None:
            return self.key.instance
        assert self.instance_id is not None
        return self.instance_id

    def describe(self) -> str:
        what = self.code.name.lower().replace("_", " ")
        text = f"contract {self.contract}: {what}"
        return f"{text}: {self.cause}" if self.cause else text


@dataclass(frozen=True)
class DelegateError:
    """``DelegateError``: RegisterError/Missing carry a key, ExecutionError a cause, the secret ones a SecretsId."""

    code: DelegateErrorCode
    key: DelegateKey | None = None
    cause: str = ""
    secret: SecretsId | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RequestError:
    code: RequestErrorCode
    contract: ContractError | None = None
    delegate: DelegateError | None = None

    def __post_init__(self) -> None:
        if (self.contract is not None) != (self.code is RequestErrorCode.CONTRACT) or (
            (self.delegate is not None) != (self.code is RequestErrorCode.DELEGATE)
        ):
            raise ValueError(f"RequestError {self.code.name} has the wrong payload")


@dataclass(frozen=True)
class ClientError:
    """The ``Err`` side of a node's answer; ``describe()`` is what a user may read."""

    code: ErrorCode
    cause: str = ""
    key: ContractKey | None = None
    client_id: int | None = None
    request: RequestError | None = None

    def __post_init__(self) -> None:
        wrong = (
            (self.cause != "" and self.code not in _WITH_CAUSE)
            or ((self.key is not None) != (self.code is ErrorCode.INCORRECT_STATE))
            or ((self.client_id is not None) != (self.code is ErrorCode.UNKNOWN_CLIENT))
            or ((self.request is not None) != (self.code is ErrorCode.REQUEST_ERROR))
        )
        if wrong:
            raise ValueError(f"ErrorKind {self.code.name} has the wrong payload")

    @property
    def contract_error(self) -> ContractError | None:
        return self.request.contract if self.request is not None else None

    def describe(self) -> str:
        if self.request is not None:
            if self.request.contract is not None:
                return self.request.contract.describe()
            if self.request.delegate is not None:
                return f"delegate error: {self.request.delegate.code.name.lower()} {self.request.delegate.cause}"
            return f"request error: {self.request.code.name.lower()}"
        text = self.code.name.lower().replace("_", " ")
        if self.key is not None:
            text = f"{text} for contract {self.key}"
        return f"{text}: {self.cause}" if self.cause else text


def _write_contract_error(w: Writer, err: ContractError) -> None:
    w.variant(int(err.code))
    if err.key is not None:
        err.key.write(w)
        w.string(err.cause)
    else:
        err.contract.write(w)


def _read_contract_error(r: Reader) -> ContractError:
    code = ContractErrorCode(r.variant(7))
    if code in _KEYED_CONTRACT_ERRORS:
        return ContractError(code, key=ContractKey.read(r), cause=r.string())
    return ContractError(code, instance_id=ContractInstanceId.read(r))


def _write_delegate_error(w: Writer, err: DelegateError) -> None:
    w.variant(int(err.code))
    if err.code is DelegateErrorCode.EXECUTION_ERROR:
        w.string(err.cause)
        return
    if err.key is not None:
        err.key.write(w)
    if err.secret is not None:
        err.secret.write(w)


def _read_delegate_error(r: Reader) -> DelegateError:
    code = DelegateErrorCode(r.variant(5))
    if code is DelegateErrorCode.EXECUTION_ERROR:
        return DelegateError(code, cause=r.string())
    if code is DelegateErrorCode.FORBIDDEN_SECRET_ACCESS:
        return DelegateError(code, secret=SecretsId.read(r))
    key = DelegateKey.read(r)
    if code is DelegateErrorCode.MISSING_SECRET:
        return DelegateError(code, key=key, secret=SecretsId.read(r))
    return DelegateError(code, key=key)


def write_client_error(w: Writer, err: ClientError) -> None:
    w.variant(int(err.code))
    if err.code in _WITH_CAUSE:
        w.string(err.cause)
    elif err.key is not None:
        err.key.write(w)
    elif err.client_id is not None:
        w.u64(err.client_id)
    elif err.request is not None:
        w.variant(int(err.request.code))
        if err.request.contract is not None:
            _write_contract_error(w, err.request.contract)
        elif err.request.delegate is not None:
            _write_delegate_error(w, err.request.delegate)


def read_client_error(r: Reader) -> ClientError:
    code = ErrorCode(r.variant(14))
    if code in _WITH_CAUSE:
        return ClientError(code, cause=r.string())
    if code is ErrorCode.INCORRECT_STATE:
        return ClientError(code, key=ContractKey.read(r))
    if code is ErrorCode.UNKNOWN_CLIENT:
        return ClientError(code, client_id=r.u64())
    if code is ErrorCode.REQUEST_ERROR:
        rcode = RequestErrorCode(r.variant(4))
        if rcode is RequestErrorCode.CONTRACT:
            return ClientError(code, request=RequestError(rcode, contract=_read_contract_error(r)))
        if rcode is RequestErrorCode.DELEGATE:
            return ClientError(code, request=RequestError(rcode, delegate=_read_delegate_error(r)))
        return ClientError(code, request=RequestError(rcode))
    return ClientError(code)
