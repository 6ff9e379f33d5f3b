"""River's room contract on Freenet: parameters, instance id and key, and its wasm code.

Parameters are CBOR ``{"owner": bstr32}`` (River ``common/src/room_state.rs`` ChatRoomParametersV1); the instance
id is BLAKE3(code hash ‖ parameters) (stdlib ``contract_interface/key.rs:371-386``), so a new contract version
moves every room: the code hash is configurable, defaulting to the one River's ``pointer-records.toml`` names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import blake3

from river_desktop.net.errors import RoomContractError
from river_desktop.net.types import (
    HASH_LEN,
    ContractCode,
    ContractContainer,
    ContractInstanceId,
    ContractKey,
    WrappedContract,
)

RIVER_ROOM_CODE_HASH = bytes.fromhex("e765339ba3039f937256f4b6f7e8683d43f90e158f5d80f0dd45afdca69911e5")

# a1: map of 1; 65 "owner": text of 5; 58 20: bytes of 32.
_PARAMS_PREFIX = bytes.fromhex("a1") + b"\x65owner" + bytes.fromhex("5820")
_VERSIONED_HEADER = 8 + HASH_LEN


def room_params(owner_vk: bytes) -> bytes:
    if len(owner_vk) != 32:
        raise ValueError("an owner verifying key is 32 bytes")
    return _PARAMS_PREFIX + owner_vk


def owner_from_params(params: bytes) -> bytes:
    if len(params) != len(_PARAMS_PREFIX) + 32 or not params.startswith(_PARAMS_PREFIX):
        raise ValueError("not River room parameters")
    return params[len(_PARAMS_PREFIX) :]


def instance_id_for(code_hash: bytes, params: bytes) -> ContractInstanceId:
    return ContractInstanceId(blake3.blake3(code_hash + params).digest())


def code_hash_of(wasm: bytes) -> bytes:
    return bytes(blake3.blake3(wasm).digest())


@dataclass(frozen=True)
class RoomContract:
    """One version of the room contract, named by its code hash."""

    code_hash: bytes = RIVER_ROOM_CODE_HASH

    def __post_init__(self) -> None:
        if len(self.code_hash) != HASH_LEN:
            raise ValueError("a code hash is 32 bytes")

    def instance_id(self, owner_vk: bytes) -> ContractInstanceId:
        return instance_id_for(self.code_hash, room_params(owner_vk))

    def key(self, owner_vk: bytes) -> ContractKey:
        return ContractKey(self.instance_id(owner_vk), self.code_hash)

    def container(self, owner_vk: bytes, code: ContractCode) -> ContractContainer:
        """What a PUT carries; refuses code whose BLAKE3 is not this contract's hash, as the node would."""
        if code.code_hash != self.code_hash or code_hash_of(code.data) != self.code_hash:
            raise RoomContractError(
                f"the contract code has hash {code_hash_of(code.data).hex()[:16]}…, "
                f"but rooms use {self.code_hash.hex()[:16]}…"
            )
        return ContractContainer(WrappedContract(code, room_params(owner_vk), self.key(owner_vk)))


def load_contract_code(path: Path, expected_hash: bytes | None = None) -> ContractCode:
    """Read a raw contract wasm file (River's ``room_contract.wasm``) and check its BLAKE3 against ``expected_hash``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RoomContractError(f"cannot read the contract file {path}: {exc.strerror or exc}") from None
    if not data.startswith(b"\x00asm"):
        hint = ""
        if data[_VERSIONED_HEADER : _VERSIONED_HEADER + 4] == b"\x00asm":
            hint = " (it looks like fdev's versioned file; the node needs the raw .wasm)"
        raise RoomContractError(f"{path} is not a WebAssembly module{hint}")
    actual = code_hash_of(data)
    if expected_hash is not None and actual != expected_hash:
        raise RoomContractError(
            f"{path} has code hash {actual.hex()[:16]}…, expected {expected_hash.hex()[:16]}…; "
            "it is a different version of the contract"
        )
    return ContractCode(data, actual)
