"""The versioned compare-and-swap key-value store protocol, and an in-memory implementation.

Semantics (formats.md §1): a missing key reads ``(None, 0)``, a deleted key ``(None, g)``; every write (store,
successful CAS, delete) sets the generation to current + 1, so a deleted key keeps counting and a CAS made against a
pre-delete read can never match a re-created key. Every write also takes the next value of one store-wide sequence,
which is what ``changes_since`` / ``current_cursor`` report: the sequence only grows, so a cursor is a point in the
store's history shared by every writer.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, TypeAlias, runtime_checkable

from river_desktop.storage import history_index as hi
from river_desktop.storage.errors import StoreClosedError


@dataclass(frozen=True)
class Stored:
    """A CAS that won: the value is now stored at ``generation``."""

    generation: int


@dataclass(frozen=True)
class Conflict:
    """A CAS that lost: nothing was written; this is what the store holds, so the caller can merge and retry."""

    current_generation: int
    current_value: bytes | None


CasResult: TypeAlias = Stored | Conflict

Expected: TypeAlias = int | bytes
"""What a compare-and-swap expects of a key: its generation (0: absent), or the exact payload it holds."""


def matches(expected: Expected, generation: int, payload: bytes | None) -> bool:
    """Whether a key at ``generation`` holding ``payload`` is what ``expected`` says."""
    if isinstance(expected, bytes):
        return payload is not None and payload == expected
    return generation == expected


@dataclass(frozen=True)
class StoreHealth:
    """Whether the store still accepts writes, and if not, why: what every window has to say plainly.

    ``damaged``: SQLite found the file damaged (nothing more is written; reads go on where they can).
    ``read_only``: the profile can only be viewed. ``gone``: the file was deleted or replaced while open.
    """

    damaged: str | None = None
    read_only: str | None = None
    gone: str | None = None

    @property
    def writable(self) -> bool:
        return self.damaged is None and self.read_only is None and self.gone is None

    @property
    def problem(self) -> str | None:
        """The one sentence to show, worst first; ``None`` when all is well."""
        return self.gone or self.damaged or self.read_only


@dataclass(frozen=True)
class SkippedRow:
    """A stored row a read could not use: ``key`` as printable text, ``reason`` in plain words."""

    key: str
    reason: str


@runtime_checkable
class KVStore(Protocol):
    """What the storage controller needs from a store; every method may raise ``StorageError``."""

    def get(self, key: str) -> bytes | None:
        """The payload, or ``None`` when missing or deleted."""
        ...

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        """``(payload or None, generation)``: ``(None, 0)`` missing, ``(None, g)`` deleted."""
        ...

    def store(self, key: str, value: bytes) -> int:
        """Unconditional write at current + 1; returns the new generation."""
        ...

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        """Write at current + 1 only if the current generation is ``expected_generation``."""
        ...

    def cas_store_many(self, items: Iterable[tuple[str, bytes, Expected]]) -> builtins.list[CasResult]:
        """``cas_store`` for each ``(key, value, expected)`` in order, as one atomic write.

        ``expected`` is a generation, or the payload the key must hold now (bytes): a writer that remembers the
        bytes it last loaded or stored checks them inside the write instead of reading the key first. Each item
        succeeds or conflicts on its own (a later item sees an earlier one's write); one lock and one sync for
        the whole batch, which is what makes appending many messages cheap.
        """
        ...

    def delete(self, key: str) -> int:
        """Write the deleted marker at current + 1 (1 for a missing key); returns that generation."""
        ...

    def list(self, prefix: str = "") -> builtins.list[str]:
        """Live keys starting with ``prefix``, sorted."""
        ...

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        """``get_versioned`` for every key, from one consistent read."""
        ...

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        """``(key, generation, payload)`` for live keys starting with ``prefix``, sorted by key."""
        ...

    def scan_range(
        self,
        prefix: str,
        *,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> builtins.list[tuple[str, int, bytes]]:
        """``scan`` narrowed to keys strictly between ``after`` and ``before``, the first ``limit`` of them in key
        order (descending when ``reverse``): a page costs the page, however many keys share the prefix."""
        ...

    def changes_since(self, cursor: int) -> tuple[int, builtins.list[str]]:
        """``(new cursor, distinct keys written after cursor by anyone)``, keys in write order."""
        ...

    def current_cursor(self) -> int:
        """The cursor to pass to ``changes_since`` to see only later writes."""
        ...

    def close(self) -> None:
        """Release resources; later calls raise ``StoreClosedError``. Idempotent."""
        ...


def scan_reporting(
    store: KVStore, prefix: str
) -> tuple[builtins.list[tuple[str, int, bytes]], builtins.list[SkippedRow]]:
    """``scan``, plus the rows it had to skip when the store can tell (``SqliteKV.scan_report``)."""
    report = getattr(store, "scan_report", None)
    if callable(report):
        rows, skipped = report(prefix)
        return rows, skipped
    return store.scan(prefix), []


def health_of(store: KVStore) -> StoreHealth:
    """The store's ``health`` when it has one (``SqliteKV``); an in-memory store is always writable."""
    health = getattr(store, "health", None)
    return health if isinstance(health, StoreHealth) else StoreHealth()


def check_key(key: str) -> str:
    """Keys are text that SQLite can store (UTF-8 encodable); reject anything else before it reaches disk."""
    if not isinstance(key, str):
        raise TypeError(f"a store key must be str, not {type(key).__name__}")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a store key must be valid Unicode text (it contains a lone surrogate)") from None
    return key


def check_value(value: bytes) -> bytes:
    """Values are bytes; ``bytes(5)`` style accidents (an int becoming five zero bytes) are refused."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"a stored value must be bytes, not {type(value).__name__}")
    return bytes(value)


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``; ``None`` if there is none.

    Code point order equals UTF-8 byte order (SQLite's BINARY collation), so this bounds an index range scan.
    """
    chars = builtins.list(prefix)
    while chars:
        last = ord(chars.pop())
        if last == 0x10FFFF:
            continue
        nxt = last + 1
        if 0xD800 <= nxt <= 0xDFFF:
            nxt = 0xE000
        chars.append(chr(nxt))
        return "".join(chars)
    return None


@dataclass(frozen=True)
class _Record:
    generation: int
    payload: bytes | None
    seq: int


class MemoryKV:
    """``KVStore`` in a dict behind one lock: the reference model for the contract, and fast unit tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._seq = 0
        self._closed = False
        self._index = hi.MemoryIndex()

    def __enter__(self) -> MemoryKV:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open(self) -> None:
        if self._closed:
            raise StoreClosedError("the in-memory store was used after it was closed")

    def _versioned(self, key: str) -> tuple[bytes | None, int]:
        record = self._records.get(key)
        return (None, 0) if record is None else (record.payload, record.generation)

    def _write(self, key: str, payload: bytes | None) -> int:
        generation = self._versioned(key)[1] + 1
        self._seq += 1
        self._records[key] = _Record(generation, payload, self._seq)
        self._index.on_write(key, payload)
        return generation

    def get(self, key: str) -> bytes | None:
        return self.get_versioned(key)[0]

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        check_key(key)
        with self._lock:
            self._open()
            return self._versioned(key)

    def store(self, key: str, value: bytes) -> int:
        check_key(key)
        data = check_value(value)
        with self._lock:
            self._open()
            return self._write(key, data)

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        check_key(key)
        data = check_value(value)
        with self._lock:
            self._open()
            payload, generation = self._versioned(key)
            if generation != expected_generation:
                return Conflict(generation, payload)
            return Stored(self._write(key, data))

    def cas_store_many(self, items: Iterable[tuple[str, bytes, Expected]]) -> builtins.list[CasResult]:
        batch = [(check_key(key), check_value(value), expected) for key, value, expected in items]
        results: builtins.list[CasResult] = []
        with self._lock:
            self._open()
            for key, data, expected in batch:
                payload, generation = self._versioned(key)
                results.append(
                    Stored(self._write(key, data))
                    if matches(expected, generation, payload)
                    else Conflict(generation, payload)
                )
        return results

    def delete(self, key: str) -> int:
        check_key(key)
        with self._lock:
            self._open()
            return self._write(key, None)

    def list(self, prefix: str = "") -> builtins.list[str]:
        return [key for key, _generation, _payload in self.scan(prefix)]

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        wanted = [check_key(key) for key in keys]
        with self._lock:
            self._open()
            return {key: self._versioned(key) for key in wanted}

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        check_key(prefix)
        with self._lock:
            self._open()
            return sorted(
                (key, record.generation, record.payload)
                for key, record in self._records.items()
                if record.payload is not None and key.startswith(prefix)
            )

    def scan_range(
        self,
        prefix: str,
        *,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> builtins.list[tuple[str, int, bytes]]:
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        rows = [
            row
            for row in self.scan(prefix)
            if (after is None or row[0] > after) and (before is None or row[0] < before)
        ]
        if reverse:
            rows.reverse()
        return rows if limit is None else rows[:limit]

    # -- history index (history_index.HistoryIndexKV)

    def attach_indexer(self, indexer: hi.Indexer) -> None:
        with self._lock:
            self._open()
            live = {k: r.payload for k, r in self._records.items() if r.payload is not None}
            self._index.rebuild(indexer, live)

    def index_step(self, batch: int = hi.INDEX_BATCH) -> bool:
        with self._lock:
            self._open()
            return self._index.indexer is not None

    def index_pending(self) -> bool:
        return False

    def _index_ready(self) -> hi.MemoryIndex:
        self._open()
        if self._index.indexer is None:
            raise hi.IndexIncompleteError("no indexer is attached to this store")
        return self._index

    def index_page(
        self, room: bytes, *, before: hi.SortPoint | None = None, limit: int
    ) -> builtins.list[hi.IndexEntry]:
        with self._lock:
            return self._index_ready().page(room, before, limit)

    def index_count(self, room: bytes) -> int:
        with self._lock:
            return self._index_ready().count(room)

    def index_count_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[int]:
        wanted = builtins.list(queries)
        with self._lock:
            index = self._index_ready()
            return [len(index.rows_after(q)) for q in wanted]

    def index_rows_after(self, query: hi.UnreadQuery) -> builtins.list[hi.IndexEntry]:
        with self._lock:
            return self._index_ready().rows_after(query)

    def index_lookup(self, keys: Iterable[str]) -> dict[str, hi.IndexEntry]:
        wanted = builtins.list(keys)
        with self._lock:
            return self._index_ready().lookup(wanted)

    def index_count_addressed(self, queries: Iterable[hi.AddressedQuery]) -> builtins.list[int]:
        wanted = builtins.list(queries)
        with self._lock:
            index = self._index_ready()
            return [index.count_addressed(q) for q in wanted]

    def index_opaque_after(self, queries: Iterable[hi.UnreadQuery]) -> builtins.list[builtins.list[hi.IndexEntry]]:
        wanted = builtins.list(queries)
        with self._lock:
            index = self._index_ready()
            return [index.opaque_after(q) for q in wanted]

    def index_authors(self, rooms: Iterable[bytes]) -> dict[bytes, frozenset[bytes]]:
        wanted = builtins.list(rooms)
        with self._lock:
            return self._index_ready().authors(wanted)

    def changes_since(self, cursor: int) -> tuple[int, builtins.list[str]]:
        with self._lock:
            self._open()
            changed = sorted((record.seq, key) for key, record in self._records.items() if record.seq > cursor)
            return self._seq, [key for _seq, key in changed]

    def current_cursor(self) -> int:
        with self._lock:
            self._open()
            return self._seq

    def close(self) -> None:
        with self._lock:
            self._closed = True
