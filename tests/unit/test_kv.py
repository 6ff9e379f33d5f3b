"""The KV store contract, run against MemoryKV and SqliteKV, plus what only the SQLite file can promise."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from river_desktop.storage import sqlite_kv
from river_desktop.storage.envelope import decode_versioned, encode_deleted, encode_versioned
from river_desktop.storage.errors import (
    NotADatabaseError,
    SchemaTooNewError,
    StorageCorruptError,
    StorageError,
    StorageIOError,
    StoreBusyError,
    StoreClosedError,
)
from river_desktop.storage.kv import CasResult, Conflict, KVStore, MemoryKV, Stored, prefix_upper_bound
from river_desktop.storage.sqlite_kv import SCHEMA_VERSION, SqliteKV

Opener = Callable[[], KVStore]


@pytest.fixture(params=["memory", "sqlite"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens handles onto one store: for SQLite each is a new SqliteKV on one file, i.e. another connection."""
    opened: list[KVStore] = []
    shared = MemoryKV()

    def open_handle() -> KVStore:
        handle: KVStore = shared if request.param == "memory" else SqliteKV(tmp_path / "kv.sqlite3")
        opened.append(handle)
        return handle

    yield open_handle
    for handle in opened:
        handle.close()


@pytest.fixture
def kv(opener: Opener) -> KVStore:
    return opener()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "river.sqlite3"


@pytest.fixture
def sqlite_store(db: Path) -> Iterator[SqliteKV]:
    db.parent.mkdir(mode=0o700)
    with SqliteKV(db) as store:
        yield store


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _raw_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- the contract: both implementations


def test_missing_key_reads_none_at_generation_zero(kv: KVStore) -> None:
    assert kv.get_versioned("nothing") == (None, 0)
    assert kv.get("nothing") is None


def test_store_counts_up_from_one(kv: KVStore) -> None:
    assert [kv.store("k", bytes([i])) for i in range(3)] == [1, 2, 3]
    assert kv.get_versioned("k") == (b"\x02", 3)
    assert kv.get("k") == b"\x02"


def test_empty_payload_is_a_live_value(kv: KVStore) -> None:
    kv.store("k", b"")
    assert kv.get_versioned("k") == (b"", 1)
    assert kv.list() == ["k"]


def test_cas_on_missing_key_needs_generation_zero(kv: KVStore) -> None:
    assert kv.cas_store("k", b"late", 1) == Conflict(0, None)
    assert kv.get_versioned("k") == (None, 0)
    assert kv.cas_store("k", b"first", 0) == Stored(1)
    assert kv.get_versioned("k") == (b"first", 1)


def test_cas_success_writes_at_current_plus_one(kv: KVStore) -> None:
    kv.store("k", b"a")
    kv.store("k", b"b")
    assert kv.cas_store("k", b"c", 2) == Stored(3)
    assert kv.get_versioned("k") == (b"c", 3)


@pytest.mark.parametrize("expected", [0, 1, 3, -1])
def test_cas_conflict_reports_current_state_and_writes_nothing(kv: KVStore, expected: int) -> None:
    kv.store("k", b"a")
    kv.store("k", b"theirs")
    cursor = kv.current_cursor()
    assert kv.cas_store("k", b"mine", expected) == Conflict(2, b"theirs")
    assert kv.get_versioned("k") == (b"theirs", 2)
    assert kv.changes_since(cursor) == (cursor, [])


def test_cas_store_many_decides_each_item_in_order_in_one_write(kv: KVStore) -> None:
    kv.store("taken", b"theirs")
    kv.delete("gone")
    start = kv.current_cursor()
    results = kv.cas_store_many(
        [("new", b"1", 0), ("taken", b"mine", 0), ("gone", b"back", 1), ("new", b"2", 1), ("new", b"3", 1)]
    )
    assert results == [Stored(1), Conflict(1, b"theirs"), Stored(2), Stored(2), Conflict(2, b"2")]
    assert kv.get_many(["new", "taken", "gone"]) == {"new": (b"2", 2), "taken": (b"theirs", 1), "gone": (b"back", 2)}
    assert kv.changes_since(start)[1] == ["gone", "new"]
    assert kv.cas_store_many([]) == []


@pytest.mark.parametrize(
    ("setup", "expected", "result", "after"),
    [
        (["ours"], b"ours", Stored(2), (b"mine", 2)),
        (["ours", "theirs"], b"ours", Conflict(2, b"theirs"), (b"theirs", 2)),
        ([], b"ours", Conflict(0, None), (None, 0)),
        (["ours", None], b"ours", Conflict(2, None), (None, 2)),
        ([""], b"", Stored(2), (b"mine", 2)),
        ([], b"", Conflict(0, None), (None, 0)),
    ],
)
def test_cas_store_many_can_expect_the_payload_itself(
    kv: KVStore, setup: list[str | None], expected: bytes, result: Stored | Conflict, after: tuple[bytes | None, int]
) -> None:
    """A payload expectation matches only a live key holding exactly those bytes; a conflict says what is there."""
    for value in setup:
        if value is None:
            kv.delete("k")
        else:
            kv.store("k", value.encode())
    cursor = kv.current_cursor()
    assert kv.cas_store_many([("k", b"mine", expected), ("other", b"1", 0)]) == [result, Stored(1)]
    assert kv.get_versioned("k") == after
    assert kv.changes_since(cursor)[1] == (["k", "other"] if isinstance(result, Stored) else ["other"])


def test_delete_writes_a_marker_that_keeps_counting(kv: KVStore) -> None:
    kv.store("k", b"a")
    assert kv.delete("k") == 2
    assert kv.get_versioned("k") == (None, 2)
    assert kv.get("k") is None
    assert kv.delete("k") == 3
    assert kv.store("k", b"again") == 4


def test_deleting_a_missing_key_leaves_a_marker_at_one(kv: KVStore) -> None:
    assert kv.delete("ghost") == 1
    assert kv.get_versioned("ghost") == (None, 1)
    assert kv.cas_store("ghost", b"x", 0) == Conflict(1, None)


def test_cas_on_a_deleted_key_needs_the_marker_generation(kv: KVStore) -> None:
    kv.store("k", b"a")
    kv.delete("k")
    assert kv.cas_store("k", b"b", 0) == Conflict(2, None)
    assert kv.cas_store("k", b"b", 2) == Stored(3)


def test_stale_cas_never_matches_a_recreated_key(kv: KVStore) -> None:
    """River's ABA: a read at generation 1, a delete, a re-create; the stale writer must lose."""
    kv.store("room:x", b"original")
    _, stale = kv.get_versioned("room:x")
    kv.delete("room:x")
    kv.store("room:x", b"recreated")
    assert stale == 1
    assert kv.cas_store("room:x", b"stale write", stale) == Conflict(3, b"recreated")
    assert kv.get("room:x") == b"recreated"


def test_list_is_sorted_live_and_filtered_by_prefix(kv: KVStore) -> None:
    for key in ["room:b", "room:a", "rooms_meta", "msg:a:1", "room", "room:gone"]:
        kv.store(key, b"v")
    kv.delete("room:gone")
    kv.delete("room:never-stored")
    assert kv.list() == ["msg:a:1", "room", "room:a", "room:b", "rooms_meta"]
    assert kv.list("room:") == ["room:a", "room:b"]
    assert kv.list("room") == ["room", "room:a", "room:b", "rooms_meta"]
    assert kv.list("zzz") == []


def test_prefix_filter_handles_the_top_of_unicode(kv: KVStore) -> None:
    keys = ["a\U0010ffff", "a\U0010ffff\U0010ffff", "a\ud7ff", "a\ud7ffz", "a\ue000", "b", "a"]
    for key in keys:
        kv.store(key, b"v")
    assert kv.list("a\U0010ffff") == ["a\U0010ffff", "a\U0010ffff\U0010ffff"]
    assert kv.list("a\ud7ff") == ["a\ud7ff", "a\ud7ffz"]
    assert kv.list("a") == sorted(k for k in keys if k.startswith("a"))


def test_get_many_reads_live_deleted_and_missing_keys(kv: KVStore) -> None:
    kv.store("a", b"1")
    kv.store("b", b"2")
    kv.store("b", b"3")
    kv.delete("c")
    assert kv.get_many(["a", "b", "c", "d", "a"]) == {"a": (b"1", 1), "b": (b"3", 2), "c": (None, 1), "d": (None, 0)}
    assert kv.get_many([]) == {}
    assert kv.get_many(iter(["a"])) == {"a": (b"1", 1)}


def test_get_many_beyond_one_sql_statement(kv: KVStore) -> None:
    for i in range(0, 1200, 7):
        kv.store(f"k{i:04}", str(i).encode())
    found = kv.get_many(f"k{i:04}" for i in range(1200))
    assert len(found) == 1200
    assert all(found[f"k{i:04}"] == ((str(i).encode(), 1) if i % 7 == 0 else (None, 0)) for i in range(1200))


def test_scan_returns_live_keys_with_generation_and_payload(kv: KVStore) -> None:
    kv.store("msg:r:2", b"two")
    kv.store("msg:r:1", b"one")
    kv.store("msg:r:1", b"one again")
    kv.store("msg:r:3", b"three")
    kv.delete("msg:r:3")
    kv.store("msg:s:1", b"other room")
    assert kv.scan("msg:r:") == [("msg:r:1", 2, b"one again"), ("msg:r:2", 1, b"two")]
    assert [key for key, _, _ in kv.scan("")] == kv.list()


def test_changes_since_reports_each_written_key_once_in_write_order(kv: KVStore) -> None:
    kv.store("before", b"x")
    start = kv.current_cursor()
    kv.store("a", b"1")
    kv.cas_store("b", b"2", 0)
    kv.cas_store("b", b"lost", 0)
    kv.delete("c")
    kv.store("a", b"3")
    cursor, keys = kv.changes_since(start)
    assert keys == ["b", "c", "a"]
    assert cursor == kv.current_cursor() > start
    assert kv.changes_since(cursor) == (cursor, [])
    assert kv.changes_since(0)[1] == ["before", "b", "c", "a"]


def test_current_cursor_starts_at_zero_and_only_grows(kv: KVStore) -> None:
    assert kv.current_cursor() == 0
    seen = [kv.current_cursor()]
    for i in range(5):
        if i % 2:
            kv.store("k", bytes([i]))
        else:
            kv.delete("k")
        seen.append(kv.current_cursor())
    assert seen == sorted(set(seen))


def test_changes_since_sees_another_connections_writes(opener: Opener) -> None:
    mine, theirs = opener(), opener()
    start = mine.current_cursor()
    theirs.store("room:theirs", b"x")
    theirs.delete("room:gone")
    cursor, keys = mine.changes_since(start)
    assert keys == ["room:theirs", "room:gone"]
    assert cursor == theirs.current_cursor()
    assert mine.get_versioned("room:theirs") == (b"x", 1)


def test_cas_sees_another_connections_write(opener: Opener) -> None:
    mine, theirs = opener(), opener()
    mine.store("k", b"mine")
    theirs.store("k", b"theirs")
    assert mine.cas_store("k", b"stale", 1) == Conflict(2, b"theirs")


def test_a_closed_store_refuses_every_call(kv: KVStore) -> None:
    kv.store("k", b"v")
    kv.close()
    kv.close()
    calls: list[Callable[[], object]] = [
        lambda: kv.get("k"),
        lambda: kv.get_versioned("k"),
        lambda: kv.store("k", b"v"),
        lambda: kv.cas_store("k", b"v", 1),
        lambda: kv.cas_store_many([("k", b"v", 1)]),
        lambda: kv.cas_store_many([]),
        lambda: kv.delete("k"),
        lambda: kv.list(),
        lambda: kv.get_many(["k"]),
        lambda: kv.scan(""),
        lambda: kv.changes_since(0),
        kv.current_cursor,
    ]
    for call in calls:
        with pytest.raises(StoreClosedError):
            call()


def test_keys_and_values_are_type_checked(kv: KVStore) -> None:
    with pytest.raises(TypeError):
        kv.store(b"k", b"v")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kv.store("k", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kv.store("k", "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="surrogate"):
        kv.store("bad\ud800", b"v")
    assert kv.current_cursor() == 0


def test_bytes_like_values_are_stored_as_bytes(kv: KVStore) -> None:
    kv.store("k", bytearray(b"ab"))  # type: ignore[arg-type]
    assert kv.get("k") == b"ab"
    assert type(kv.get("k")) is bytes


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [("", None), ("a", "b"), ("room:", "room;"), ("\U0010ffff", None), ("a\U0010ffff", "b"), ("\ud7ff", "\ue000")],
)
def test_prefix_upper_bound(prefix: str, bound: str | None) -> None:
    assert prefix_upper_bound(prefix) == bound


@given(st.text(max_size=4), st.text(max_size=6))
def test_prefix_upper_bound_separates_exactly_the_prefixed_strings(prefix: str, other: str) -> None:
    bound = prefix_upper_bound(prefix)
    inside = prefix <= other and (bound is None or other < bound)
    assert inside == other.startswith(prefix)


# -- a model-based check of the whole contract


class _Model:
    """The contract, stated as plainly as possible."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[bytes | None, int]] = {}
        self.written_at: dict[str, int] = {}
        self.writes = 0

    def write(self, key: str, payload: bytes | None) -> int:
        generation = self.values.get(key, (None, 0))[1] + 1
        self.values[key] = (payload, generation)
        self.writes += 1
        self.written_at[key] = self.writes
        return generation

    def changed_after(self, writes: int) -> list[str]:
        return sorted((k for k, at in self.written_at.items() if at > writes), key=self.written_at.__getitem__)


_KEYS = st.sampled_from(["room:a", "room:b", "room:", "rooms_meta", "msg:a:1", "msg:a:2", "r", "é", "\U0010ffff"])
_PREFIXES = st.sampled_from(["", "r", "room", "room:", "msg:", "msg:a:", "é", "\U0010ffff", "zz"])


def _contract_machine(make: Callable[[], tuple[KVStore, Callable[[], None]]]) -> type[RuleBasedStateMachine]:
    class Contract(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.store, self._cleanup = make()
            self.model = _Model()
            self.cursor = 0
            self.writes_at_cursor = 0

        @initialize()
        def start(self) -> None:
            assert self.store.current_cursor() == 0

        @rule(key=_KEYS, value=st.binary(max_size=12))
        def store_value(self, key: str, value: bytes) -> None:
            assert self.store.store(key, value) == self.model.write(key, value)

        @rule(key=_KEYS, value=st.binary(max_size=12), slack=st.sampled_from([0, 0, 0, -1, 1]))
        def cas(self, key: str, value: bytes, slack: int) -> None:
            payload, generation = self.model.values.get(key, (None, 0))
            result = self.store.cas_store(key, value, generation + slack)
            if slack == 0:
                assert result == Stored(self.model.write(key, value))
            else:
                assert result == Conflict(generation, payload)

        @rule(batch=st.lists(st.tuples(_KEYS, st.binary(max_size=4), st.sampled_from([0, 0, -1, 1])), max_size=4))
        def cas_many(self, batch: list[tuple[str, bytes, int]]) -> None:
            items: list[tuple[str, bytes, int]] = []
            expected: list[CasResult] = []
            for key, value, slack in batch:
                payload, generation = self.model.values.get(key, (None, 0))
                items.append((key, value, generation + slack))
                if slack == 0:
                    expected.append(Stored(self.model.write(key, value)))
                else:
                    expected.append(Conflict(generation, payload))
            assert self.store.cas_store_many(items) == expected

        @rule(key=_KEYS)
        def delete(self, key: str) -> None:
            assert self.store.delete(key) == self.model.write(key, None)

        @rule(prefix=_PREFIXES)
        def listing(self, prefix: str) -> None:
            live = sorted(
                (k, g, p) for k, (p, g) in self.model.values.items() if p is not None and k.startswith(prefix)
            )
            assert self.store.scan(prefix) == live
            assert self.store.list(prefix) == [k for k, _, _ in live]

        @rule(keys=st.lists(_KEYS, max_size=4))
        def many(self, keys: list[str]) -> None:
            assert self.store.get_many(keys) == {k: self.model.values.get(k, (None, 0)) for k in keys}

        @rule()
        def changes(self) -> None:
            cursor, keys = self.store.changes_since(self.cursor)
            assert keys == self.model.changed_after(self.writes_at_cursor)
            assert cursor == self.store.current_cursor() >= self.cursor
            assert (cursor > self.cursor) == bool(keys)
            self.cursor = cursor
            self.writes_at_cursor = self.model.writes

        @invariant()
        def every_key_reads_as_modelled(self) -> None:
            for key in ["room:a", "rooms_meta", "\U0010ffff"]:
                assert self.store.get_versioned(key) == self.model.values.get(key, (None, 0))

        def teardown(self) -> None:
            self._cleanup()

    return Contract


def _memory() -> tuple[KVStore, Callable[[], None]]:
    store = MemoryKV()
    return store, store.close


def _sqlite() -> tuple[KVStore, Callable[[], None]]:
    import shutil
    import tempfile

    directory = tempfile.mkdtemp(prefix="kv-contract-")
    store = SqliteKV(Path(directory) / "kv.sqlite3")

    def cleanup() -> None:
        store.close()
        shutil.rmtree(directory)

    return store, cleanup


TestMemoryContract = _contract_machine(_memory).TestCase
TestMemoryContract.settings = settings(max_examples=60, stateful_step_count=30)
TestSqliteContract = _contract_machine(_sqlite).TestCase
TestSqliteContract.settings = settings(max_examples=50, stateful_step_count=30)


# -- SQLite only: the file


def test_values_on_disk_are_envelopes(sqlite_store: SqliteKV, db: Path) -> None:
    sqlite_store.store("room:a", b"one")
    sqlite_store.store("room:a", b"two")
    sqlite_store.store("rooms_meta", b"")
    sqlite_store.delete("gone")
    conn = _raw_connect(db)
    try:
        rows = dict(conn.execute("SELECT key, value FROM kv").fetchall())
    finally:
        conn.close()
    assert rows == {
        "room:a": encode_versioned(2, b"two"),
        "rooms_meta": encode_versioned(1, b""),
        "gone": encode_deleted(1),
    }
    assert {key: decode_versioned(value) for key, value in rows.items()} == {
        "room:a": (2, b"two"),
        "rooms_meta": (1, b""),
        "gone": (1, None),
    }
    assert sqlite_store.raw("room:a") == rows["room:a"]
    assert sqlite_store.raw("gone") == encode_deleted(1)
    assert sqlite_store.raw("never") is None


def test_the_write_counter_is_an_indexed_column(sqlite_store: SqliteKV, db: Path) -> None:
    for key in ["a", "b", "a"]:
        sqlite_store.store(key, b"v")
    conn = _raw_connect(db)
    try:
        seqs = dict(conn.execute("SELECT key, seq FROM kv").fetchall())
        plan = " ".join(str(row) for row in conn.execute("EXPLAIN QUERY PLAN SELECT key FROM kv WHERE seq > 1"))
    finally:
        conn.close()
    assert seqs == {"b": 2, "a": 3}
    assert "kv_seq" in plan


def test_rows_written_by_others_follow_the_decoding_rule(sqlite_store: SqliteKV, db: Path) -> None:
    """Raw (River-style) values read at generation 0; only a well-formed 0x02 header means deleted."""
    odd = {
        "raw": b"\xa1cbor",
        "short-tag": b"\x02\x01",
        "tag-nine": encode_deleted(4),
        "tag-long": encode_deleted(6) + b"tail",
        "v-short": b"\x01abc",
    }
    conn = _raw_connect(db)
    try:
        for seq, (key, value) in enumerate(odd.items(), start=1):
            conn.execute("INSERT INTO kv (key, value, seq) VALUES (?, ?, ?)", (key, value, seq))
    finally:
        conn.close()
    assert sqlite_store.list() == ["raw", "short-tag", "v-short"]
    assert sqlite_store.get_versioned("raw") == (b"\xa1cbor", 0)
    assert sqlite_store.get_versioned("tag-long") == (None, 6)
    assert sqlite_store.cas_store("raw", b"new", 0) == Stored(1)
    assert sqlite_store.entries() == [("raw", 1, 12), ("short-tag", 0, 2), ("v-short", 0, 4)]
    assert sqlite_store.deleted_keys() == [("tag-long", 6), ("tag-nine", 4)]


@given(st.binary(max_size=24))
def test_sql_liveness_filter_agrees_with_the_envelope(tmp_path_factory: pytest.TempPathFactory, value: bytes) -> None:
    path = tmp_path_factory.mktemp("live") / "kv.sqlite3"
    with SqliteKV(path) as store:
        conn = _raw_connect(path)
        try:
            conn.execute("INSERT INTO kv (key, value, seq) VALUES ('k', ?, 1)", (value,))
        finally:
            conn.close()
        live = decode_versioned(value)[1] is not None
        assert store.list() == (["k"] if live else [])
        assert [k for k, _, _ in store.entries()] == (["k"] if live else [])
        assert [k for k, _ in store.deleted_keys()] == ([] if live else ["k"])


def test_entries_and_deleted_keys_describe_the_stored_rows(sqlite_store: SqliteKV) -> None:
    sqlite_store.store("b", b"12345")
    sqlite_store.store("a", b"")
    sqlite_store.store("c", b"x")
    sqlite_store.delete("c")
    assert sqlite_store.entries() == [("a", 1, 9), ("b", 1, 14)]
    assert sqlite_store.deleted_keys() == [("c", 2)]


def test_new_file_is_private_and_nothing_else_is_created(tmp_path: Path) -> None:
    parent = tmp_path / "profile"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)
    (parent / "unrelated.txt").write_text("keep")
    db = parent / "river.sqlite3"
    with SqliteKV(db) as store:
        store.store("k", b"v")
        names = sorted(p.name for p in parent.iterdir())
        assert names == ["river.sqlite3", "river.sqlite3-shm", "river.sqlite3-wal", "unrelated.txt"]
        for name in names[:3]:
            assert stat.S_IMODE((parent / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(parent.stat().st_mode) == 0o755
    assert (parent / "unrelated.txt").read_text() == "keep"
    assert sorted(p.name for p in parent.iterdir()) == ["river.sqlite3", "unrelated.txt"]


def test_new_file_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with SqliteKV(tmp_path / "kv.sqlite3") as store:
            store.store("k", b"v")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "kv.sqlite3").stat().st_mode) == 0o600


def test_an_existing_files_mode_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    SqliteKV(db).close()
    os.chmod(db, 0o640)
    with SqliteKV(db) as store:
        store.store("k", b"v")
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_a_missing_folder_is_a_storage_error_and_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(StorageIOError, match="folder exists"):
        SqliteKV(tmp_path / "nowhere" / "kv.sqlite3")
    assert not (tmp_path / "nowhere").exists()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageIOError, match="folder"):
        SqliteKV(tmp_path)


def test_an_empty_file_left_by_an_earlier_start_is_refused_untouched(tmp_path: Path) -> None:
    """Issue 10: only the file this very open created gets a schema; a stray empty one is not ours to fill."""
    db = tmp_path / "kv.sqlite3"
    db.touch(mode=0o600)
    old = time.time() - 3600
    os.utime(db, (old, old))
    with pytest.raises(NotADatabaseError, match=r"empty \(0 bytes\).*full disk"):
        SqliteKV(db)
    assert db.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kv.sqlite3"]


def test_a_file_this_open_creates_gets_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as store:
        assert store.store("k", b"v") == 1
        assert store.schema_version() == SCHEMA_VERSION


def test_journal_mode_and_schema_version_are_set(sqlite_store: SqliteKV, db: Path) -> None:
    conn = _raw_connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        conn.close()
    assert sqlite_store.integrity_check() == "ok"


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), b"not a database at all\n", b"SQLite format 2\x00" + bytes(84), b"\x00"],
    ids=["random", "text", "wrong-magic", "one-byte"],
)
def test_not_a_database_is_refused_and_left_byte_identical(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "kv.sqlite3"
    db.write_bytes(content)
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError) as caught:
        SqliteKV(db)
    assert isinstance(caught.value, StorageError)
    assert str(db) in str(caught.value)
    assert "untouched" in str(caught.value)
    assert _snapshot(tmp_path) == before


def test_another_programs_sqlite_database_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    conn = _raw_connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('hello')")
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(NotADatabaseError, match="another program"):
        SqliteKV(db)
    assert _snapshot(tmp_path) == before


def test_a_newer_schema_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    conn = _raw_connect(db)
    conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB, seq INTEGER, extra TEXT)")
    conn.execute("INSERT INTO kv VALUES ('k', x'0101000000000000000041', 1, 'new')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = _snapshot(tmp_path)
    with pytest.raises(SchemaTooNewError) as caught:
        SqliteKV(db)
    assert (caught.value.found, caught.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert "Update River Desktop" in str(caught.value)
    assert _snapshot(tmp_path) == before


def test_an_older_schema_is_migrated_forward_in_one_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as store:
        store.store("k", b"kept")

    def add_notes(conn: sqlite3.Connection) -> None:
        assert conn.in_transaction
        conn.execute("CREATE TABLE notes (body TEXT)")

    monkeypatch.setattr(sqlite_kv, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(sqlite_kv.MIGRATIONS, SCHEMA_VERSION, add_notes)
    with SqliteKV(db) as store:
        assert store.schema_version() == SCHEMA_VERSION + 1
        assert store.get_versioned("k") == (b"kept", 1)
    conn = _raw_connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)
    finally:
        conn.close()


def test_a_failed_migration_leaves_the_old_schema_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as store:
        store.store("k", b"kept")

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(sqlite_kv, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(sqlite_kv.MIGRATIONS, SCHEMA_VERSION, half_then_fail)
    with pytest.raises(StorageError):
        SqliteKV(db)
    monkeypatch.undo()
    with SqliteKV(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.get_versioned("k") == (b"kept", 1)
    conn = _raw_connect(db)
    try:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'notes'").fetchall() == []
    finally:
        conn.close()


def test_a_missing_migration_step_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "kv.sqlite3"
    SqliteKV(db).close()
    monkeypatch.setattr(sqlite_kv, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StorageError, match="cannot upgrade"):
        SqliteKV(db)


def test_a_held_write_lock_is_a_busy_error_and_reads_continue(sqlite_store: SqliteKV, db: Path) -> None:
    sqlite_store.store("k", b"v")
    blocker = _raw_connect(db)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with SqliteKV(db, busy_timeout_ms=50) as impatient:
            with pytest.raises(StoreBusyError, match="locked") as caught:
                impatient.store("k", b"secret payload")
            assert b"secret payload".decode() not in str(caught.value)
            with pytest.raises(StoreBusyError):
                impatient.cas_store("k", b"v", 1)
            assert impatient.get_versioned("k") == (b"v", 1)
            with pytest.raises(StoreBusyError):
                impatient.delete("k")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert sqlite_store.store("k", b"after") == 2


def test_a_damaged_file_raises_a_corruption_error(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as store:
        for i in range(300):
            store.store(f"k{i:03}", bytes(500))
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size:] = b"\xa5" * (len(data) - page_size)
    db.write_bytes(bytes(data))
    with SqliteKV(db) as store:
        assert store.integrity_check() != "ok"
        rows, skipped = store.scan_report("")
        assert rows == [] and skipped
        assert store.health.damaged is not None
        with pytest.raises(StorageCorruptError, match="damaged"):
            store.store("k000", b"new")


def test_data_version_moves_only_for_other_connections_commits(sqlite_store: SqliteKV, db: Path) -> None:
    before = sqlite_store.data_version()
    sqlite_store.store("mine", b"v")
    assert sqlite_store.data_version() == before
    with SqliteKV(db) as other:
        other.store("theirs", b"v")
    assert sqlite_store.data_version() != before


def test_each_thread_gets_its_own_connection_and_close_closes_all(sqlite_store: SqliteKV, db: Path) -> None:
    sqlite_store.store("k", b"v")
    ready = threading.Barrier(4)
    release = threading.Event()
    after_close: list[BaseException | None] = []

    def worker() -> None:
        assert sqlite_store.get("k") == b"v"
        ready.wait()
        release.wait()
        try:
            sqlite_store.get("k")
        except BaseException as exc:
            after_close.append(exc)
        else:
            after_close.append(None)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    ready.wait()
    assert (db.parent / "river.sqlite3-wal").exists()
    sqlite_store.close()
    # The last connection to close checkpoints and removes the WAL: proof that none stayed open.
    assert not (db.parent / "river.sqlite3-wal").exists()
    release.set()
    for t in threads:
        t.join()
    assert len(after_close) == 3
    assert all(isinstance(exc, StoreClosedError) for exc in after_close)


def test_repr_and_path(sqlite_store: SqliteKV, db: Path) -> None:
    assert sqlite_store.path == db
    assert repr(sqlite_store) == f"SqliteKV({str(db)!r})"
