"""Every encoding in the bincode vector file and stdlib's frozen DelegateRequest bytes, reproduced byte for byte.

The inputs mirror ``freenet_stdlib_bincode_vectors.rs`` (../shared/river-oracle/fixtures, made by serde 1.0.152 +
bincode 1.3.3 over stdlib 0.8.5's types); each value is also decoded back from the file's bytes.
"""

from __future__ import annotations

from pathlib import Path

import blake3
import pytest

from river_desktop.net import client_api as api
from river_desktop.net.bincode import DecodeError
from river_desktop.net.types import (
    ApplicationMessage,
    ContractCode,
    ContractContainer,
    ContractInstanceId,
    ContractKey,
    DelegateContainer,
    DelegateKey,
    DeltaUpdate,
    RelatedContracts,
    RelatedStateAndDeltaUpdate,
    SecretsId,
    StateAndDeltaUpdate,
    StateUpdate,
    WrappedContract,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "freenet"


def _lines(name: str) -> list[list[str]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [line.split(" ", 2) for line in text.splitlines() if line and not line.startswith("#")]


ENCODED = {parts[1]: bytes.fromhex(parts[2]) for parts in _lines("freenet_stdlib_bincode_vectors.txt")
           if parts[0] == "enc"}
DECODED = {parts[1]: parts[2] for parts in _lines("freenet_stdlib_bincode_vectors.txt") if parts[0] == "dec"}
FROZEN = {parts[0]: bytes.fromhex(parts[1]) for parts in _lines("stdlib_wire_format_is_frozen.txt")}


def iid(b: int) -> ContractInstanceId:
    return ContractInstanceId(bytes([b]) * 32)


KEY = ContractKey(iid(0x11), b"\x22" * 32)
CONTAINER = ContractContainer(WrappedContract(ContractCode(b"\x00asm\x01\x00\x00\x00", b"\x33" * 32), b"\xa1\x65", KEY))
DKEY = DelegateKey(b"\x44" * 32, b"\x55" * 32)


def op(req: api.ContractRequest) -> api.ClientRequest:
    return api.ContractOp(req)


def err(code: api.ErrorCode, **kw: object) -> api.ClientError:
    return api.ClientError(code, **kw)  # type: ignore[arg-type]


def contract_err(code: api.ContractErrorCode, **kw: object) -> api.ClientError:
    ce = api.ContractError(code, **kw)  # type: ignore[arg-type]
    return api.ClientError(api.ErrorCode.REQUEST_ERROR,
                           request=api.RequestError(api.RequestErrorCode.CONTRACT, contract=ce))


def delegate_err(de: api.DelegateError) -> api.ClientError:
    return api.ClientError(api.ErrorCode.REQUEST_ERROR,
                           request=api.RequestError(api.RequestErrorCode.DELEGATE, delegate=de))


REQUESTS: dict[str, api.ClientRequest] = {
    "put": op(api.Put(CONTAINER, b"STATE", RelatedContracts(((iid(0x66), b"rs"),)), True, False)),
    "put_related_none": op(api.Put(CONTAINER, b"", RelatedContracts(((iid(0x67), None),)), False, True)),
    "get": op(api.Get(iid(0x11), return_contract_code=True, subscribe=False, blocking_subscribe=True)),
    "sub_none": op(api.Subscribe(iid(0x11))),
    "sub_some": op(api.Subscribe(iid(0x11), b"SUM")),
    "upd_delta": op(api.Update(KEY, DeltaUpdate(b"DD"))),
    "upd_state": op(api.Update(KEY, StateUpdate(b"SS"))),
    "upd_sd": op(api.Update(KEY, StateAndDeltaUpdate(b"S", b"D"))),
    "upd_rsd": op(api.Update(KEY, RelatedStateAndDeltaUpdate(iid(0x77), b"S", b"D"))),
    "disc_none": api.Disconnect(),
    "disc_some": api.Disconnect("bye"),
    "auth": api.Authenticate("tok"),
    "close": api.Close(),
    "chunk": api.StreamChunk(7, 1, 3, b"\x01\x02\x03"),
    "nq_diag": api.NodeQueries(api.NodeDiagnostics(True, False, True, (KEY,), False, True, False)),
    "nq_peers": api.NodeQueries(api.SimpleQuery.CONNECTED_PEERS),
}

RESULTS: dict[str, api.HostResult] = {
    "r_get_code": api.GetResponse(KEY, CONTAINER, b"ST"),
    "r_get": api.GetResponse(KEY, None, b"ST"),
    "r_put": api.PutResponse(KEY),
    "r_notif_state": api.UpdateNotification(KEY, StateUpdate(b"NEW")),
    "r_notif_delta": api.UpdateNotification(KEY, DeltaUpdate(b"DEL")),
    "r_upd": api.UpdateResponse(KEY, b"SUMM"),
    "r_sub": api.SubscribeResponse(KEY, True),
    "r_nf": api.NotFound(iid(0x99)),
    "r_ok": api.OkResponse(),
    "r_chunk": api.StreamChunk(2, 0, 4, b"\x09\x09"),
    "r_hdr_get": api.StreamHeader(2, 1048576, api.StreamContentGet(KEY, True)),
    "r_hdr_raw": api.StreamHeader(3, 5, api.StreamContentRaw()),
    "r_deleg": api.DelegateResponse(DelegateKey(b"\x44" * 32, b"\x55" * 32)),
    "e_deser": err(api.ErrorCode.DESERIALIZATION_ERROR, cause="oops"),
    "e_operr": err(api.ErrorCode.OPERATION_ERROR, cause="UPDATE failed: x"),
    "e_unh": err(api.ErrorCode.UNHANDLED, cause="not supported"),
    "e_upd": contract_err(api.ContractErrorCode.UPDATE, key=KEY, cause="execution error: y"),
    "e_put": contract_err(api.ContractErrorCode.PUT, key=KEY, cause="not valid"),
    "e_missing": contract_err(api.ContractErrorCode.MISSING_CONTRACT, instance_id=iid(0x12)),
    "e_dmissing": delegate_err(api.DelegateError(api.DelegateErrorCode.MISSING, key=DKEY)),
    "e_dsecret": delegate_err(api.DelegateError(api.DelegateErrorCode.MISSING_SECRET, key=DKEY,
                                                secret=SecretsId(b"\x01\x02", b"\x88" * 32))),
    "e_timeout": api.ClientError(api.ErrorCode.REQUEST_ERROR, request=api.RequestError(api.RequestErrorCode.TIMEOUT)),
    "e_unknown_client": err(api.ErrorCode.UNKNOWN_CLIENT, client_id=7),
    "e_incorrect": err(api.ErrorCode.INCORRECT_STATE, key=KEY),
    "e_disc": err(api.ErrorCode.DISCONNECT),
    "e_empty": err(api.ErrorCode.EMPTY_RING),
    "e_pnj": err(api.ErrorCode.PEER_NOT_JOINED),
}


def test_every_vector_in_the_file_is_covered() -> None:
    assert len(ENCODED) == 43
    assert set(ENCODED) == set(REQUESTS) | set(RESULTS)
    assert len(DECODED) == 10


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_request_encoding_matches_serde_bincode(name: str) -> None:
    assert api.encode_request(REQUESTS[name]).hex() == ENCODED[name].hex()
    assert api.decode_request(ENCODED[name]) == REQUESTS[name]


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_encoding_matches_serde_bincode(name: str) -> None:
    assert api.encode_result(RESULTS[name]).hex() == ENCODED[name].hex()
    assert api.decode_result(ENCODED[name]) == RESULTS[name]


_GET_OK = api.encode_request(op(api.Get(iid(0x11))))

DECODE_CASES: dict[str, bytes] = {
    "get_without_blocking_subscribe": _GET_OK[:-1],
    "get_trailing": _GET_OK + b"zz",
    "bad_bool": _GET_OK[:-1] + b"\x02",
    "bad_variant": bytes([9, 0, 0, 0]),
    "bad_contract_variant": bytes([1, 0, 0, 0, 4, 0, 0, 0]),
    "empty": b"",
    "bad_option": bytes([1, 0, 0, 0, 3, 0, 0, 0]) + b"\x11" * 32 + b"\x05",
    "bad_utf8": bytes([3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE]),
    "short_bytes": bytes([6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1]),
}


@pytest.mark.parametrize("name", sorted(DECODE_CASES))
def test_request_decode_outcomes_match_bincode(name: str) -> None:
    expected = DECODED[name]
    if expected.startswith("ERR "):
        with pytest.raises(DecodeError) as caught:
            api.decode_request(DECODE_CASES[name])
        assert str(caught.value) == expected[4:]
    else:
        assert expected.startswith("OK ContractOp(Get {")
        assert api.decode_request(DECODE_CASES[name]) == op(api.Get(iid(0x11)))


def test_error_kind_out_of_range_matches_bincode() -> None:
    with pytest.raises(DecodeError) as caught:
        api.decode_result(bytes([1, 0, 0, 0, 14, 0, 0, 0]))
    assert "ERR " + str(caught.value) == DECODED["bad_errorkind"]


def _sample_delegate() -> DelegateContainer:
    code, params = bytes([1, 2, 3, 4]), bytes([9, 8, 7])
    code_hash = blake3.blake3(code).digest()
    key = DelegateKey(blake3.blake3(code_hash + params).digest(), code_hash)
    return DelegateContainer(params, ContractCode(code, code_hash), key)


def _fill_key(fill: int) -> DelegateKey:
    return DelegateKey(bytes([fill]) * 32, bytes([fill + 1]) * 32)


FROZEN_VALUES: dict[str, api.DelegateRequest] = {
    "app_messages": api.ApplicationMessages(
        DelegateKey(b"\x11" * 32, b"\x22" * 32), bytes.fromhex("deadbeef"), (ApplicationMessage(b"\x01\x02\x03"),)
    ),
    "register": api.RegisterDelegate(_sample_delegate(), b"\x55" * 32, b"\x66" * 24),
    "unregister": api.UnregisterDelegate(DelegateKey(b"\x11" * 32, b"\x22" * 32)),
    "register_with_predecessors": api.RegisterDelegateWithPredecessors(
        _sample_delegate(), b"\x33" * 32, b"\x44" * 24, (_fill_key(0xA0), _fill_key(0xB0), _fill_key(0xC0))
    ),
}


@pytest.mark.parametrize("name", sorted(FROZEN_VALUES))
def test_stdlib_wire_format_is_frozen(name: str) -> None:
    """stdlib's test serializes a bare DelegateRequest; ours is inside DelegateOp, so strip its 4-byte tag."""
    framed = api.encode_request(api.DelegateOp(FROZEN_VALUES[name]))
    assert framed[:4] == b"\x00\x00\x00\x00"
    assert framed[4:].hex() == FROZEN[name].hex()
    assert api.decode_request(b"\x00\x00\x00\x00" + FROZEN[name]) == api.DelegateOp(FROZEN_VALUES[name])


ERROR_TEXTS: list[tuple[str, str]] = [
    ("e_operr", "operation error: UPDATE failed: x"),
    ("e_missing", f"contract {iid(0x12)}: missing contract"),
    ("e_upd", f"contract {iid(0x11)}: update: execution error: y"),
    ("e_disc", "disconnect"),
]


@pytest.mark.parametrize(("name", "text"), ERROR_TEXTS)
def test_errors_describe_themselves(name: str, text: str) -> None:
    result = api.decode_result(ENCODED[name])
    assert isinstance(result, api.ClientError)
    assert result.describe() == text


@pytest.mark.parametrize(
    "build",
    [
        lambda: api.ClientError(api.ErrorCode.OPERATION_ERROR, key=KEY),
        lambda: api.ClientError(api.ErrorCode.REQUEST_ERROR),
        lambda: api.ContractError(api.ContractErrorCode.MISSING_CONTRACT, key=KEY),
        lambda: api.ContractError(api.ContractErrorCode.GET, instance_id=iid(1)),
        lambda: api.RequestError(api.RequestErrorCode.TIMEOUT, contract=api.ContractError(
            api.ContractErrorCode.MISSING_CONTRACT, instance_id=iid(1))),
        lambda: ContractInstanceId(b"\x00" * 31),
    ],
)
def test_values_that_cannot_be_encoded_are_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]
