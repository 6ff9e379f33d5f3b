"""Stream chunking both ways, with freenet-stdlib 0.8.5's limits and checks (``client_api/streaming.rs``).

A frame longer than 512 KiB travels as ``StreamChunk``s of 256 KiB, each carrying a slice of the whole frame's
bincode (river-model.md §5.2 items 2-3). Error texts follow stdlib's ``StreamError`` so that what the stand-in
node says matches what a node says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

CHUNK_SIZE = 256 * 1024
CHUNK_THRESHOLD = 512 * 1024
MAX_TOTAL_CHUNKS = 256
MAX_CONCURRENT_STREAMS = 8
STREAM_TTL_SECONDS = 60.0


class StreamError(ValueError):
    """A chunk that cannot be reassembled."""


def needs_chunking(length: int) -> bool:
    return length > CHUNK_THRESHOLD


def split(data: bytes) -> list[tuple[int, int, bytes]]:
    """``(index, total, slice)`` for each chunk; refuses a frame that would need more than 256 chunks."""
    total = max(1, -(-len(data) // CHUNK_SIZE))
    if total > MAX_TOTAL_CHUNKS:
        raise StreamError(f"total_chunks {total} exceeds maximum {MAX_TOTAL_CHUNKS}")
    return [(i, total, data[i * CHUNK_SIZE : (i + 1) * CHUNK_SIZE]) for i in range(total)]


@dataclass
class _Stream:
    total: int
    created: float
    chunks: dict[int, bytes] = field(default_factory=dict)


class Reassembler:
    """Collects chunks per stream id; a stream untouched for 60 s is dropped, as stdlib does."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._streams: dict[int, _Stream] = {}
        self._clock = clock

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def receive(self, stream_id: int, index: int, total: int, data: bytes) -> bytes | None:
        """The whole frame once its last chunk arrives, else ``None``."""
        if total == 0:
            raise StreamError("total_chunks is zero")
        if total > MAX_TOTAL_CHUNKS:
            raise StreamError(f"total_chunks {total} exceeds maximum {MAX_TOTAL_CHUNKS}")
        if index >= total:
            raise StreamError(f"chunk index {index} out of range for stream {stream_id} (total {total})")
        now = self._clock()
        for sid in [s for s, st in self._streams.items() if now - st.created > STREAM_TTL_SECONDS]:
            del self._streams[sid]
        stream = self._streams.get(stream_id)
        if stream is None:
            if len(self._streams) >= MAX_CONCURRENT_STREAMS:
                raise StreamError(
                    f"too many concurrent streams ({len(self._streams)}), maximum is {MAX_CONCURRENT_STREAMS}"
                )
            stream = self._streams[stream_id] = _Stream(total, now)
        if stream.total != total:
            raise StreamError(
                f"total_chunks mismatch for stream {stream_id} (expected {stream.total}, got {total})"
            )
        if index in stream.chunks:
            raise StreamError(f"duplicate chunk index {index} for stream {stream_id}")
        stream.chunks[index] = bytes(data)
        if len(stream.chunks) < total:
            return None
        del self._streams[stream_id]
        return b"".join(stream.chunks[i] for i in range(total))

    def discard(self, stream_id: int) -> None:
        self._streams.pop(stream_id, None)
