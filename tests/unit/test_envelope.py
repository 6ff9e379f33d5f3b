"""The versioned envelope: formats.md §1 vectors, round trips and River's defensive raw decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.storage.envelope import (
    MAX_GENERATION,
    PADDED_HEADER_SIZE,
    decode_versioned,
    encode_deleted,
    encode_padded,
    encode_versioned,
    generation_of,
    is_deleted,
)

generations = st.integers(min_value=0, max_value=MAX_GENERATION)


def test_vector_empty_payload() -> None:
    assert encode_versioned(7, b"") == bytes.fromhex("01 07 00 00 00 00 00 00 00")


def test_vector_hello_world() -> None:
    encoded = encode_versioned(13, b"hello world")
    assert encoded.startswith(bytes.fromhex("01 0d 00 00 00 00 00 00 00 68 65"))
    assert encoded == bytes.fromhex("01 0d 00 00 00 00 00 00 00") + b"hello world"


def test_vector_short_input_is_raw_at_generation_zero() -> None:
    assert decode_versioned(b"\x01\x02\x03") == (0, b"\x01\x02\x03")


def test_vector_unknown_tag_is_raw_at_generation_zero() -> None:
    assert decode_versioned(b"\xff" * 20) == (0, b"\xff" * 20)


def test_generation_is_little_endian_u64() -> None:
    assert encode_versioned(0x0102030405060708, b"x") == bytes.fromhex("01 08 07 06 05 04 03 02 01") + b"x"
    assert encode_deleted(MAX_GENERATION) == b"\x02" + b"\xff" * 8


def test_deleted_marker_layout_and_decoding() -> None:
    assert encode_deleted(5) == bytes.fromhex("02 05 00 00 00 00 00 00 00")
    assert decode_versioned(encode_deleted(5)) == (5, None)


def test_deleted_tag_with_trailing_bytes_is_still_deleted() -> None:
    assert decode_versioned(encode_deleted(3) + b"junk") == (3, None)


@pytest.mark.parametrize("generation", [-1, MAX_GENERATION + 1])
def test_generation_out_of_range_is_refused(generation: int) -> None:
    with pytest.raises(ValueError, match="64-bit"):
        encode_versioned(generation, b"")
    with pytest.raises(ValueError, match="64-bit"):
        encode_deleted(generation)


@given(generations, st.binary())
def test_versioned_round_trip(generation: int, data: bytes) -> None:
    assert decode_versioned(encode_versioned(generation, data)) == (generation, data)


@given(generations)
def test_deleted_round_trip(generation: int) -> None:
    assert decode_versioned(encode_deleted(generation)) == (generation, None)


@given(st.binary(max_size=8))
def test_anything_shorter_than_the_header_is_raw(data: bytes) -> None:
    assert decode_versioned(data) == (0, data)


@given(st.integers(min_value=0, max_value=255).filter(lambda tag: tag not in (1, 2, 3)), st.binary(min_size=8))
def test_unknown_tags_are_raw(tag: int, rest: bytes) -> None:
    data = bytes((tag,)) + rest
    assert decode_versioned(data) == (0, data)


@given(st.binary())
def test_is_deleted_agrees_with_decoding(data: bytes) -> None:
    assert is_deleted(data) == (decode_versioned(data)[1] is None)


def test_decoding_accepts_any_bytes_like_and_returns_bytes() -> None:
    generation, payload = decode_versioned(memoryview(encode_versioned(2, b"abc")))  # type: ignore[arg-type]
    assert (generation, payload) == (2, b"abc")
    assert type(payload) is bytes


# -- padded values (tag 0x03, ours): room to grow, so a rewrite keeps the row's size (storage/in_place.py)


def test_vector_padded() -> None:
    encoded = encode_padded(5, b"abc", 20)
    assert encoded == bytes.fromhex("03 05 00 00 00 00 00 00 00 03 00 00 00") + b"abc" + bytes(4)
    assert decode_versioned(encoded) == (5, b"abc")


def test_padded_needs_room_for_its_header_and_payload() -> None:
    assert encode_padded(1, b"abc", PADDED_HEADER_SIZE + 3) == encode_padded(1, b"abc", 16)
    with pytest.raises(ValueError, match="needs 16 stored bytes"):
        encode_padded(1, b"abc", 15)


@given(generations, st.binary(), st.integers(min_value=0, max_value=64))
def test_padded_round_trip(generation: int, data: bytes, padding: int) -> None:
    encoded = encode_padded(generation, data, PADDED_HEADER_SIZE + len(data) + padding)
    assert decode_versioned(encoded) == (generation, data)
    assert generation_of(encoded[:PADDED_HEADER_SIZE], len(encoded)) == generation
    assert not is_deleted(encoded)


@pytest.mark.parametrize(
    "stored",
    [
        bytes.fromhex("03 05 00 00 00 00 00 00 00 04 00 00 00") + b"abc",  # says 4 payload bytes, holds 3
        bytes.fromhex("03 05 00 00 00 00 00 00 00 ff ff ff ff"),
        bytes.fromhex("03 05 00 00 00 00 00 00 00 00 00"),  # shorter than its header
    ],
)
def test_a_padded_value_whose_length_does_not_fit_is_raw_at_generation_zero(stored: bytes) -> None:
    assert decode_versioned(stored) == (0, stored)
    assert generation_of(stored[:PADDED_HEADER_SIZE], len(stored)) == 0


@given(st.binary(max_size=64))
def test_generation_of_the_head_agrees_with_decoding(data: bytes) -> None:
    assert generation_of(data[:PADDED_HEADER_SIZE], len(data)) == decode_versioned(data)[0]
