"""KV store wrappers for fault injection and write counting around a real store."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from river_desktop.storage.errors import StorageIOError
from river_desktop.storage.kv import CasResult, Conflict, KVStore


class CountingKV:
    """Delegates to a real store and records every write (key, stored payload size)."""

    def __init__(self, inner: KVStore) -> None:
        self.inner = inner
        self.writes: list[tuple[str, int]] = []

    def reset(self) -> None:
        self.writes.clear()

    def get(self, key: str) -> bytes | None:
        return self.inner.get(key)

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        return self.inner.get_versioned(key)

    def store(self, key: str, value: bytes) -> int:
        self.writes.append((key, len(value)))
        return self.inner.store(key, value)

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        result = self.inner.cas_store(key, value, expected_generation)
        if not isinstance(result, Conflict):
            self.writes.append((key, len(value)))
        return result

    def cas_store_many(self, items: Sequence[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        results = self.inner.cas_store_many(items)
        for (key, value, _), result in zip(items, results, strict=True):
            if not isinstance(result, Conflict):
                self.writes.append((key, len(value)))
        return results

    def delete(self, key: str) -> int:
        self.writes.append((key, 0))
        return self.inner.delete(key)

    def list(self, prefix: str = "") -> builtins.list[str]:
        return self.inner.list(prefix)

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        return self.inner.get_many(keys)

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        return self.inner.scan(prefix)

    def changes_since(self, cursor: int) -> tuple[int, builtins.list[str]]:
        return self.inner.changes_since(cursor)

    def current_cursor(self) -> int:
        return self.inner.current_cursor()

    def close(self) -> None:
        self.inner.close()


class AlwaysConflictKV(CountingKV):
    """Every compare-and-swap on one key loses, as if another writer always got there first."""

    def __init__(self, inner: KVStore, hostile_key: str) -> None:
        super().__init__(inner)
        self.hostile_key = hostile_key

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        if key == self.hostile_key:
            current, generation = self.inner.get_versioned(key)
            return Conflict(generation + 1, current)
        return super().cas_store(key, value, expected_generation)


class RoomWritesFailWhileArmedKV(CountingKV):
    """While ``armed``, every write that touches a room slot fails with an I/O error and writes nothing at all."""

    def __init__(self, inner: KVStore) -> None:
        super().__init__(inner)
        self.armed = False

    def _refuse(self, keys: Iterable[str]) -> None:
        if self.armed and any(k.startswith("room:") for k in keys):
            raise StorageIOError("injected I/O error")

    def cas_store(self, key: str, value: bytes, expected_generation: int) -> CasResult:
        self._refuse([key])
        return super().cas_store(key, value, expected_generation)

    def cas_store_many(self, items: Sequence[tuple[str, bytes, int]]) -> builtins.list[CasResult]:
        items = list(items)
        self._refuse(k for k, _, _ in items)
        return super().cas_store_many(items)


class KeyCountingKV(CountingKV):
    """Also records every key read, and every prefix listed or scanned (a whole-prefix read)."""

    def __init__(self, inner: KVStore) -> None:
        super().__init__(inner)
        self.reads: list[str] = []
        self.prefix_reads: list[str] = []

    def reset(self) -> None:
        super().reset()
        self.reads.clear()
        self.prefix_reads.clear()

    def get(self, key: str) -> bytes | None:
        self.reads.append(key)
        return self.inner.get(key)

    def get_versioned(self, key: str) -> tuple[bytes | None, int]:
        self.reads.append(key)
        return self.inner.get_versioned(key)

    def get_many(self, keys: Iterable[str]) -> dict[str, tuple[bytes | None, int]]:
        wanted = builtins.list(keys)
        self.reads.extend(wanted)
        return self.inner.get_many(wanted)

    def list(self, prefix: str = "") -> builtins.list[str]:
        self.prefix_reads.append(prefix)
        return self.inner.list(prefix)

    def scan(self, prefix: str) -> builtins.list[tuple[str, int, bytes]]:
        self.prefix_reads.append(prefix)
        return self.inner.scan(prefix)
