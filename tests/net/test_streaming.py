"""Chunking and reassembly with stdlib's limits (streaming.rs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.net import streaming
from river_desktop.net.streaming import CHUNK_SIZE, Reassembler, StreamError, split


def test_threshold_is_strictly_greater_than_512_kib() -> None:
    assert not streaming.needs_chunking(512 * 1024)
    assert streaming.needs_chunking(512 * 1024 + 1)


def test_split_sizes() -> None:
    data = bytes(range(256)) * (3 * CHUNK_SIZE // 256) + b"x"
    chunks = split(data)
    assert [(i, t, len(d)) for i, t, d in chunks] == [(0, 4, CHUNK_SIZE), (1, 4, CHUNK_SIZE), (2, 4, CHUNK_SIZE),
                                                      (3, 4, 1)]
    assert split(b"") == [(0, 1, b"")]
    with pytest.raises(StreamError, match="exceeds maximum 256"):
        split(b"\0" * (CHUNK_SIZE * 256 + 1))


@given(st.binary(max_size=3000), st.randoms())
def test_reassembly_in_any_order(data: bytes, rnd: object) -> None:
    chunks = [(i, t, data[i * 700 : (i + 1) * 700]) for i, t in ((i, max(1, -(-len(data) // 700)))
                                                                 for i in range(max(1, -(-len(data) // 700))))]
    rnd.shuffle(chunks)  # type: ignore[attr-defined]
    r = Reassembler()
    outs = [r.receive(5, i, t, d) for i, t, d in chunks]
    assert outs[-1] == data
    assert all(o is None for o in outs[:-1])
    assert r.open_streams == 0


ERRORS = [
    ("zero total", [(1, 0, 0)], "total_chunks is zero"),
    ("too many", [(1, 0, 257)], "total_chunks 257 exceeds maximum 256"),
    ("index out of range", [(1, 3, 3)], "chunk index 3 out of range for stream 1 (total 3)"),
    ("mismatch", [(1, 0, 3), (1, 1, 4)], "total_chunks mismatch for stream 1 (expected 3, got 4)"),
    ("duplicate", [(1, 0, 3), (1, 0, 3)], "duplicate chunk index 0 for stream 1"),
    ("concurrency", [(s, 0, 2) for s in range(9)], "too many concurrent streams (8), maximum is 8"),
]


@pytest.mark.parametrize(("name", "chunks", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_reassembly_errors(name: str, chunks: list[tuple[int, int, int]], message: str) -> None:
    r = Reassembler()
    with pytest.raises(StreamError) as caught:
        for sid, index, total in chunks:
            r.receive(sid, index, total, b"x")
    assert str(caught.value) == message


def test_stale_streams_are_dropped_after_60_s() -> None:
    now = [0.0]
    r = Reassembler(clock=lambda: now[0])
    r.receive(1, 0, 2, b"a")
    now[0] = 61.0
    assert r.receive(2, 0, 2, b"b") is None
    assert r.open_streams == 1
    assert r.receive(1, 1, 2, b"c") is None  # stream 1 started afresh, so it is not complete
