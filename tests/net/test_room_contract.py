"""Room contract keys: River's parameters, BLAKE3 derivation, and the wasm file checks."""

from __future__ import annotations

import os
from pathlib import Path

import blake3
import cbor2
import pytest

from river_desktop.net.errors import RoomContractError
from river_desktop.net.room_contract import (
    RIVER_ROOM_CODE_HASH,
    RoomContract,
    load_contract_code,
    owner_from_params,
    room_params,
)
from river_desktop.net.types import ContractCode

REPO = Path(__file__).resolve().parents[2]
VK = bytes(range(32))


def oracle_wasm() -> Path:
    folder = Path(os.environ.get("RIVER_ORACLE_DIR", REPO.parent / "shared" / "river-oracle"))
    return folder / "room_contract.wasm"


def test_params_are_river_cbor() -> None:
    params = room_params(VK)
    assert params == bytes.fromhex("a1656f776e65725820") + VK
    assert cbor2.loads(params) == {"owner": VK}
    assert owner_from_params(params) == VK


def test_instance_id_is_blake3_of_hash_then_params() -> None:
    rc = RoomContract(b"\x07" * 32)
    assert rc.instance_id(VK).raw == blake3.blake3(b"\x07" * 32 + room_params(VK)).digest()
    assert rc.key(VK).code_hash == b"\x07" * 32
    assert RoomContract().instance_id(VK) != rc.instance_id(VK)


def test_default_hash_is_blake3_of_rivers_wasm() -> None:
    path = oracle_wasm()
    if not path.exists():
        pytest.skip("../shared/river-oracle/room_contract.wasm is not here")
    code = load_contract_code(path, RIVER_ROOM_CODE_HASH)
    assert code.code_hash == RIVER_ROOM_CODE_HASH
    container = RoomContract().container(VK, code)
    assert container.key == RoomContract().key(VK)


def test_container_refuses_code_of_another_version() -> None:
    wasm = b"\x00asm\x01\x00\x00\x00"
    code = ContractCode(wasm, blake3.blake3(wasm).digest())
    with pytest.raises(RoomContractError, match="rooms use"):
        RoomContract().container(VK, code)
    assert RoomContract(code.code_hash).container(VK, code).contract.params == room_params(VK)


def test_wasm_file_checks(tmp_path: Path) -> None:
    wasm = b"\x00asm\x01\x00\x00\x00"
    raw = tmp_path / "raw.wasm"
    raw.write_bytes(wasm)
    assert load_contract_code(raw).code_hash == blake3.blake3(wasm).digest()
    with pytest.raises(RoomContractError, match="different version"):
        load_contract_code(raw, RIVER_ROOM_CODE_HASH)
    versioned = tmp_path / "versioned.wasm"
    versioned.write_bytes(b"\x00" * 8 + b"\x01" * 32 + wasm)
    with pytest.raises(RoomContractError, match="versioned"):
        load_contract_code(versioned)
    with pytest.raises(RoomContractError, match="cannot read"):
        load_contract_code(tmp_path / "missing.wasm")
