"""Round-trip laws for the client API codec: decode(encode(x)) == x for every value we can build."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from river_desktop.net import client_api as api
from river_desktop.net import types as t

h32 = st.binary(min_size=32, max_size=32)
blob = st.binary(max_size=64)
text = st.text(max_size=30)
ids = h32.map(t.ContractInstanceId)
keys = st.builds(t.ContractKey, ids, h32)
code = st.builds(t.ContractCode, blob, h32)
containers = st.builds(t.ContractContainer, st.builds(t.WrappedContract, code, blob, keys))
related = st.builds(t.RelatedContracts, st.lists(st.tuples(ids, st.none() | blob), max_size=3).map(tuple))
update_data = st.one_of(
    st.builds(t.StateUpdate, blob),
    st.builds(t.DeltaUpdate, blob),
    st.builds(t.StateAndDeltaUpdate, blob, blob),
    st.builds(t.RelatedStateUpdate, ids, blob),
    st.builds(t.RelatedDeltaUpdate, ids, blob),
    st.builds(t.RelatedStateAndDeltaUpdate, ids, blob, blob),
)
u32 = st.integers(0, 2**32 - 1)
contract_requests = st.one_of(
    st.builds(api.Put, containers, blob, related, st.booleans(), st.booleans()),
    st.builds(api.Update, keys, update_data),
    st.builds(api.Get, ids, st.booleans(), st.booleans(), st.booleans()),
    st.builds(api.Subscribe, ids, st.none() | blob),
)
requests = st.one_of(
    st.builds(api.ContractOp, contract_requests),
    st.builds(api.Disconnect, st.none() | text),
    st.builds(api.Authenticate, text),
    st.just(api.Close()),
    st.builds(api.StreamChunk, u32, u32, u32, blob),
)
responses = st.one_of(
    st.builds(api.GetResponse, keys, st.none() | containers, blob),
    st.builds(api.PutResponse, keys),
    st.builds(api.UpdateNotification, keys, update_data),
    st.builds(api.UpdateResponse, keys, blob),
    st.builds(api.SubscribeResponse, keys, st.booleans()),
    st.builds(api.NotFound, ids),
    st.just(api.OkResponse()),
    st.builds(api.StreamChunk, u32, u32, u32, blob),
    st.builds(api.StreamHeader, u32, st.integers(0, 2**64 - 1),
              st.one_of(st.builds(api.StreamContentGet, keys, st.booleans()), st.just(api.StreamContentRaw()))),
)
keyed = [api.ContractErrorCode.GET, api.ContractErrorCode.PUT, api.ContractErrorCode.UPDATE,
         api.ContractErrorCode.SUBSCRIBE]
unkeyed = [c for c in api.ContractErrorCode if c not in keyed]
contract_errors = st.one_of(
    st.builds(lambda c, k, s: api.ContractError(c, key=k, cause=s), st.sampled_from(keyed), keys, text),
    st.builds(lambda c, i: api.ContractError(c, instance_id=i), st.sampled_from(unkeyed), ids),
)
simple_codes = [c for c in api.ErrorCode if c not in (
    api.ErrorCode.DESERIALIZATION_ERROR, api.ErrorCode.UNHANDLED, api.ErrorCode.OPERATION_ERROR,
    api.ErrorCode.INCORRECT_STATE, api.ErrorCode.UNKNOWN_CLIENT, api.ErrorCode.REQUEST_ERROR)]
errors = st.one_of(
    st.builds(api.ClientError, st.sampled_from(simple_codes)),
    st.builds(lambda c, s: api.ClientError(c, cause=s), st.sampled_from(
        [api.ErrorCode.DESERIALIZATION_ERROR, api.ErrorCode.UNHANDLED, api.ErrorCode.OPERATION_ERROR]), text),
    st.builds(lambda k: api.ClientError(api.ErrorCode.INCORRECT_STATE, key=k), keys),
    st.builds(lambda n: api.ClientError(api.ErrorCode.UNKNOWN_CLIENT, client_id=n), st.integers(0, 2**64 - 1)),
    st.builds(lambda e: api.ClientError(api.ErrorCode.REQUEST_ERROR, request=api.RequestError(
        api.RequestErrorCode.CONTRACT, contract=e)), contract_errors),
    st.builds(lambda c: api.ClientError(api.ErrorCode.REQUEST_ERROR, request=api.RequestError(c)),
              st.sampled_from([api.RequestErrorCode.DISCONNECT, api.RequestErrorCode.TIMEOUT])),
)


@given(requests, st.binary(max_size=8))
def test_requests_round_trip_even_with_trailing_bytes(request: api.ClientRequest, trailing: bytes) -> None:
    assert api.decode_request(api.encode_request(request) + trailing) == request


@given(st.one_of(responses, errors))
def test_results_round_trip(result: api.HostResult) -> None:
    assert api.decode_result(api.encode_result(result)) == result

