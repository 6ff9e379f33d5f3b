"""The bincode 1 codec, rule by rule (river-model.md §5, §5.2 item 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.net.bincode import DecodeError, Reader, Writer, decode, encode

ENCODINGS: list[tuple[str, Callable[[Writer], object], str]] = [
    ("u8", lambda w: w.u8(0xAB), "ab"),
    ("u32 little-endian", lambda w: w.u32(0x01020304), "04030201"),
    ("u64 little-endian", lambda w: w.u64(0x0102030405060708), "0807060504030201"),
    ("variant is u32", lambda w: w.variant(6), "06000000"),
    ("bool false", lambda w: w.boolean(False), "00"),
    ("bool true", lambda w: w.boolean(True), "01"),
    ("fixed array has no length", lambda w: w.fixed(b"\x11\x22", 2), "1122"),
    ("bytes get a u64 length", lambda w: w.blob(b"ab"), "02000000000000006162"),
    ("empty bytes", lambda w: w.blob(b""), "0000000000000000"),
    ("string is utf-8 bytes", lambda w: w.string("é"), "0200000000000000c3a9"),
    ("None", lambda w: w.option(None, Writer.u8), "00"),
    ("Some", lambda w: w.option(7, Writer.u8), "0107"),
    ("seq gets a u64 count", lambda w: w.seq([1, 2], Writer.u32), "02000000000000000100000002000000"),
]


@pytest.mark.parametrize(("name", "write", "hex_bytes"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_encoding_table(name: str, write: Callable[[Writer], object], hex_bytes: str) -> None:
    writer = Writer()
    write(writer)
    assert writer.getvalue().hex() == hex_bytes


DECODE_ERRORS: list[tuple[str, str, Callable[[Reader], object], str]] = [
    ("empty u32", "", Reader.u32, "io error: unexpected end of file"),
    ("short u64", "01020304", Reader.u64, "io error: unexpected end of file"),
    ("short fixed", "1111", lambda r: r.fixed(32), "io error: unexpected end of file"),
    ("short length-prefixed", "0900000000000000" + "01", Reader.blob, "io error: "),
    ("bool 2", "02", Reader.boolean, "invalid u8 while decoding bool, expected 0 or 1, found 2"),
    ("option tag 5", "05", lambda r: r.option(Reader.u8), "tag for enum is not valid, found 5"),
    ("variant out of range", "07000000", lambda r: r.variant(7),
     "invalid value: integer `7`, expected variant index 0 <= i < 7"),
    ("bad utf-8", "0200000000000000fffe", Reader.string,
     "string is not valid utf8: invalid utf-8 sequence of 1 bytes from index 0"),
    ("truncated utf-8", "0200000000000000 41c3".replace(" ", ""), Reader.string,
     "string is not valid utf8: incomplete utf-8 byte sequence from index 1"),
]


@pytest.mark.parametrize(("name", "hex_bytes", "read", "message"), DECODE_ERRORS, ids=[e[0] for e in DECODE_ERRORS])
def test_decode_error_table(name: str, hex_bytes: str, read: Callable[[Reader], object], message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(bytes.fromhex(hex_bytes), read)
    assert str(caught.value) == message


def test_trailing_bytes_are_ignored() -> None:
    assert decode(bytes.fromhex("05000000ffff"), Reader.u32) == 5


def test_map_pairs_keep_wire_order() -> None:
    data = bytes.fromhex("0200000000000000" "0201" "0102")
    assert decode(data, lambda r: r.pairs(Reader.u8, Reader.u8)) == [(2, 1), (1, 2)]


def test_fixed_refuses_wrong_length() -> None:
    with pytest.raises(ValueError):
        Writer().fixed(b"\x00", 32)


@given(st.lists(st.binary(max_size=40), max_size=5), st.one_of(st.none(), st.text(max_size=20)), st.booleans())
def test_round_trip(blobs: list[bytes], text: str | None, flag: bool) -> None:
    def write(w: Writer, value: tuple[list[bytes], str | None, bool]) -> None:
        w.seq(value[0], Writer.blob).option(value[1], Writer.string).boolean(value[2])

    def read(r: Reader) -> tuple[list[bytes], str | None, bool]:
        return r.seq(Reader.blob), r.option(Reader.string), r.boolean()

    assert decode(encode((blobs, text, flag), write), read) == (blobs, text, flag)
