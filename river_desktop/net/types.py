"""freenet-stdlib 0.8.5's contract and delegate value types, with their bincode encodings.

Field order and variant numbers follow stdlib ``rust/src/contract_interface/*.rs`` and
``delegate_interface.rs`` (river-model.md §5, §5.2); the byte layouts are pinned by
tests/fixtures/freenet/freenet_stdlib_bincode_vectors.txt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import base58

from river_desktop.net.bincode import DecodeError, Reader, Writer

HASH_LEN = 32


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_LEN:
        raise ValueError(f"{name} must be {HASH_LEN} bytes, got {len(value)}")


@dataclass(frozen=True)
class ContractInstanceId:
    """BLAKE3(code hash ‖ parameters): what GET and SUBSCRIBE name a contract by."""

    raw: bytes

    def __post_init__(self) -> None:
        _check_hash("ContractInstanceId", self.raw)

    def __str__(self) -> str:
        return str(base58.b58encode(self.raw).decode("ascii"))

    @classmethod
    def from_base58(cls, text: str) -> ContractInstanceId:
        return cls(bytes(base58.b58decode(text)))

    def write(self, w: Writer) -> None:
        w.fixed(self.raw, HASH_LEN)

    @classmethod
    def read(cls, r: Reader) -> ContractInstanceId:
        return cls(r.fixed(HASH_LEN))


@dataclass(frozen=True)
class ContractKey:
    """The instance id together with the code hash; UPDATE needs the right code hash (river-model.md §5.2 item 7)."""

    instance: ContractInstanceId
    code_hash: bytes

    def __post_init__(self) -> None:
        _check_hash("code hash", self.code_hash)

    def __str__(self) -> str:
        return str(self.instance)

    def write(self, w: Writer) -> None:
        self.instance.write(w)
        w.fixed(self.code_hash, HASH_LEN)

    @classmethod
    def read(cls, r: Reader) -> ContractKey:
        return cls(ContractInstanceId.read(r), r.fixed(HASH_LEN))


@dataclass(frozen=True)
class ContractCode:
    """Raw wasm and the hash sent beside it; the node recomputes the hash and refuses a mismatch."""

    data: bytes = field(repr=False)
    code_hash: bytes

    def __post_init__(self) -> None:
        _check_hash("code hash", self.code_hash)

    def write(self, w: Writer) -> None:
        w.blob(self.data).fixed(self.code_hash, HASH_LEN)

    @classmethod
    def read(cls, r: Reader) -> ContractCode:
        return cls(r.blob(), r.fixed(HASH_LEN))


@dataclass(frozen=True)
class WrappedContract:
    code: ContractCode
    params: bytes
    key: ContractKey

    def write(self, w: Writer) -> None:
        self.code.write(w)
        w.blob(self.params)
        self.key.write(w)

    @classmethod
    def read(cls, r: Reader) -> WrappedContract:
        return cls(ContractCode.read(r), r.blob(), ContractKey.read(r))


@dataclass(frozen=True)
class ContractContainer:
    """``ContractContainer::Wasm(ContractWasmAPIVersion::V1(..))``, the only kind stdlib 0.8.5 has."""

    contract: WrappedContract

    @property
    def key(self) -> ContractKey:
        return self.contract.key

    def write(self, w: Writer) -> None:
        w.variant(0).variant(0)
        self.contract.write(w)

    @classmethod
    def read(cls, r: Reader) -> ContractContainer:
        r.variant(1)
        r.variant(1)
        return cls(WrappedContract.read(r))


# UpdateData (stdlib contract_interface/update.rs): 0 State 1 Delta 2 StateAndDelta 3 RelatedState
# 4 RelatedDelta 5 RelatedStateAndDelta.


@dataclass(frozen=True)
class StateUpdate:
    state: bytes = field(repr=False)


@dataclass(frozen=True)
class DeltaUpdate:
    delta: bytes = field(repr=False)


@dataclass(frozen=True)
class StateAndDeltaUpdate:
    state: bytes = field(repr=False)
    delta: bytes = field(repr=False)


@dataclass(frozen=True)
class RelatedStateUpdate:
    related_to: ContractInstanceId
    state: bytes = field(repr=False)


@dataclass(frozen=True)
class RelatedDeltaUpdate:
    related_to: ContractInstanceId
    delta: bytes = field(repr=False)


@dataclass(frozen=True)
class RelatedStateAndDeltaUpdate:
    related_to: ContractInstanceId
    state: bytes = field(repr=False)
    delta: bytes = field(repr=False)


UpdateData = (
    StateUpdate | DeltaUpdate | StateAndDeltaUpdate | RelatedStateUpdate | RelatedDeltaUpdate
    | RelatedStateAndDeltaUpdate
)


def write_update_data(w: Writer, data: UpdateData) -> None:
    match data:
        case StateUpdate(state=s):
            w.variant(0).blob(s)
        case DeltaUpdate(delta=d):
            w.variant(1).blob(d)
        case StateAndDeltaUpdate(state=s, delta=d):
            w.variant(2).blob(s).blob(d)
        case RelatedStateUpdate(related_to=rel, state=s):
            w.variant(3)
            rel.write(w)
            w.blob(s)
        case RelatedDeltaUpdate(related_to=rel, delta=d):
            w.variant(4)
            rel.write(w)
            w.blob(d)
        case RelatedStateAndDeltaUpdate(related_to=rel, state=s, delta=d):
            w.variant(5)
            rel.write(w)
            w.blob(s).blob(d)


def read_update_data(r: Reader) -> UpdateData:
    tag = r.variant(6)
    if tag == 0:
        return StateUpdate(r.blob())
    if tag == 1:
        return DeltaUpdate(r.blob())
    if tag == 2:
        return StateAndDeltaUpdate(r.blob(), r.blob())
    rel = ContractInstanceId.read(r)
    if tag == 3:
        return RelatedStateUpdate(rel, r.blob())
    if tag == 4:
        return RelatedDeltaUpdate(rel, r.blob())
    return RelatedStateAndDeltaUpdate(rel, r.blob(), r.blob())


@dataclass(frozen=True)
class RelatedContracts:
    """``HashMap<ContractInstanceId, Option<State>>``, kept as ordered pairs so encodings are reproducible."""

    entries: tuple[tuple[ContractInstanceId, bytes | None], ...] = ()

    def write(self, w: Writer) -> None:
        def entry(w: Writer, item: tuple[ContractInstanceId, bytes | None]) -> None:
            item[0].write(w)
            w.option(item[1], Writer.blob)

        w.seq(self.entries, entry)

    @classmethod
    def read(cls, r: Reader) -> RelatedContracts:
        return cls(tuple(r.pairs(ContractInstanceId.read, lambda r: r.option(Reader.blob))))


# Delegates: only enough for stdlib's frozen DelegateRequest vectors and DelegateError; River Desktop does not
# talk to delegates yet (docs/network.md says why).


@dataclass(frozen=True)
class DelegateKey:
    key: bytes
    code_hash: bytes

    def __post_init__(self) -> None:
        _check_hash("delegate key", self.key)
        _check_hash("code hash", self.code_hash)

    def write(self, w: Writer) -> None:
        w.fixed(self.key, HASH_LEN).fixed(self.code_hash, HASH_LEN)

    @classmethod
    def read(cls, r: Reader) -> DelegateKey:
        return cls(r.fixed(HASH_LEN), r.fixed(HASH_LEN))


@dataclass(frozen=True)
class DelegateContainer:
    """``DelegateContainer::Wasm(DelegateWasmAPIVersion::V1(Delegate{parameters, data, key}))``."""

    params: bytes
    code: ContractCode
    key: DelegateKey

    def write(self, w: Writer) -> None:
        w.variant(0).variant(0).blob(self.params)
        self.code.write(w)
        self.key.write(w)

    @classmethod
    def read(cls, r: Reader) -> DelegateContainer:
        r.variant(1)
        r.variant(1)
        return cls(r.blob(), ContractCode.read(r), DelegateKey.read(r))


@dataclass(frozen=True)
class ApplicationMessage:
    """``InboundDelegateMsg::ApplicationMessage`` (variant 0 of 8; the others are not built)."""

    payload: bytes = field(repr=False)
    context: bytes = b""
    processed: bool = False

    def write(self, w: Writer) -> None:
        w.variant(0).blob(self.payload).blob(self.context).boolean(self.processed)

    @classmethod
    def read(cls, r: Reader) -> ApplicationMessage:
        tag = r.variant(8)
        if tag != 0:
            raise DecodeError(f"InboundDelegateMsg variant {tag} is not supported")
        return cls(r.blob(), r.blob(), r.boolean())


@dataclass(frozen=True)
class SecretsId:
    key: bytes
    hash: bytes

    def write(self, w: Writer) -> None:
        w.blob(self.key).fixed(self.hash, HASH_LEN)

    @classmethod
    def read(cls, r: Reader) -> SecretsId:
        return cls(r.blob(), r.fixed(HASH_LEN))
