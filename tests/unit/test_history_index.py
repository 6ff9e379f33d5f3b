"""The KV range read and the message order index, held alike on MemoryKV and SqliteKV.

The indexer here is a toy (``time|author`` payloads), on purpose: the store must not know any message format.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.storage.history_index import (
    AddressedQuery,
    HistoryIndexKV,
    Indexer,
    IndexIncompleteError,
    IndexRow,
    Ref,
    RefKind,
    UnreadQuery,
)
from river_desktop.storage.kv import KVStore, MemoryKV
from river_desktop.storage.sqlite_kv import SCHEMA_VERSION, SqliteKV

ROOM_A, ROOM_B = b"A" * 32, b"B" * 32
ME, YOU = b"m" * 32, b"y" * 32


def toy_row(key: str, payload: bytes) -> IndexRow | None:
    """``t:<room letter>:<name>`` -> payload ``<time>|<author letter>``; ``bad`` is refused."""
    if payload == b"bad":
        return None
    _, room, name = key.split(":")
    time_text, author = payload.decode().split("|")
    return IndexRow(room.encode() * 32, int(time_text), name, author.encode() * 32)


TOY = Indexer("toy-v1", "t:", toy_row)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KVStore]:
    kv: KVStore = MemoryKV() if request.param == "memory" else SqliteKV(tmp_path / "kv.sqlite3")
    yield kv
    kv.close()


def indexed(kv: KVStore) -> HistoryIndexKV:
    assert isinstance(kv, HistoryIndexKV)
    kv.attach_indexer(TOY)
    while not kv.index_step():
        pass
    return kv


def put(kv: KVStore, room: str, name: str, time: int, author: str = "y") -> None:
    kv.store(f"t:{room}:{name}", f"{time}|{author}".encode())


# -- scan_range ---------------------------------------------------------------------------------------


def test_scan_range_bounds_limit_and_direction(store: KVStore) -> None:
    for key in ["p:a", "p:b", "p:c", "p:d", "q:a"]:
        store.store(key, key.encode())
    store.delete("p:c")
    keys = lambda rows: [k for k, _g, _v in rows]  # noqa: E731
    assert keys(store.scan_range("p:")) == ["p:a", "p:b", "p:d"]
    assert keys(store.scan_range("p:", after="p:a")) == ["p:b", "p:d"]
    assert keys(store.scan_range("p:", before="p:d")) == ["p:a", "p:b"]
    assert keys(store.scan_range("p:", after="p:a", before="p:d")) == ["p:b"]
    assert keys(store.scan_range("p:", reverse=True, limit=2)) == ["p:d", "p:b"]
    assert keys(store.scan_range("p:", limit=0)) == []
    assert store.scan_range("p:", limit=1) == [("p:a", 1, b"p:a")]
    with pytest.raises(ValueError):
        store.scan_range("p:", limit=-1)


@given(
    keys=st.sets(st.text(alphabet="ab:", max_size=4), max_size=12),
    after=st.none() | st.text(alphabet="ab:", max_size=4),
    before=st.none() | st.text(alphabet="ab:", max_size=4),
    reverse=st.booleans(),
    limit=st.none() | st.integers(0, 5),
)
def test_scan_range_is_a_filtered_slice_of_scan(
    keys: set[str], after: str | None, before: str | None, reverse: bool, limit: int | None
) -> None:
    with MemoryKV() as kv:
        for key in keys:
            kv.store(key, b"v")
        expected = [r for r in kv.scan("a") if (after is None or r[0] > after) and (before is None or r[0] < before)]
        if reverse:
            expected.reverse()
        if limit is not None:
            expected = expected[:limit]
        assert kv.scan_range("a", after=after, before=before, reverse=reverse, limit=limit) == expected


def test_sqlite_scan_range_agrees_with_memory(tmp_path: Path) -> None:
    mem, disk = MemoryKV(), SqliteKV(tmp_path / "kv.sqlite3")
    for i in range(40):
        for kv in (mem, disk):
            kv.store(f"r:{i:03d}", bytes([i]))
            if i % 7 == 0:
                kv.delete(f"r:{i:03d}")
    cases = [
        {},
        {"after": "r:010"},
        {"after": "a"},  # below the prefix: the prefix bounds the range
        {"after": "s"},  # above it: nothing
        {"before": "r:020", "reverse": True, "limit": 5},
        {"before": "z", "limit": 3},
        {"after": "r:005", "before": "r:030", "reverse": True},
    ]
    for args in cases:
        assert disk.scan_range("r:", **args) == mem.scan_range("r:", **args)  # type: ignore[arg-type]
    disk.close()


# -- the index ----------------------------------------------------------------------------------------


def test_index_reads_refuse_until_an_indexer_is_attached(store: KVStore) -> None:
    assert isinstance(store, HistoryIndexKV)
    with pytest.raises(IndexIncompleteError):
        store.index_page(ROOM_A, limit=5)


def test_page_is_the_newest_rows_before_the_point_oldest_first(store: KVStore) -> None:
    kv = indexed(store)
    for i in range(10):
        put(store, "A", f"m{i}", 100 + i)
    put(store, "A", "tie-b", 105)  # same time as m5: the id breaks the tie
    put(store, "B", "other", 200)
    page = kv.index_page(ROOM_A, limit=3)
    assert [e.id for e in page] == ["m7", "m8", "m9"]
    older = kv.index_page(ROOM_A, before=page[0].point, limit=3)
    assert [e.id for e in older] == ["m5", "tie-b", "m6"]
    assert kv.index_count(ROOM_A) == 11 and kv.index_count(ROOM_B) == 1
    assert kv.index_page(ROOM_A, limit=0) == []


def test_rejected_and_deleted_keys_do_not_count(store: KVStore) -> None:
    kv = indexed(store)
    put(store, "A", "good", 1)
    store.store("t:A:bad", b"bad")
    put(store, "A", "gone", 2)
    store.delete("t:A:gone")
    store.store("other:key", b"1|y")
    assert [e.id for e in kv.index_page(ROOM_A, limit=10)] == ["good"]
    assert set(kv.index_lookup(["t:A:good", "t:A:bad", "t:A:gone", "t:A:never"])) == {"t:A:good"}


def test_counts_after_a_point_leave_out_the_given_authors(store: KVStore) -> None:
    kv = indexed(store)
    for i in range(6):
        put(store, "A", f"m{i}", i, "m" if i % 3 == 0 else "y")
    put(store, "B", "b0", 0, "y")
    queries = [
        UnreadQuery(ROOM_A, None, frozenset({ME})),
        UnreadQuery(ROOM_A, (2, "m2"), frozenset({ME})),
        UnreadQuery(ROOM_A, (2, "m2"), frozenset({YOU})),
        UnreadQuery(ROOM_A, (2, "m2"), frozenset({ME, YOU})),
        UnreadQuery(ROOM_A, (2, "m2"), frozenset()),
        UnreadQuery(ROOM_B, (0, "b0"), frozenset({ME})),
    ]
    assert kv.index_count_after(queries) == [4, 2, 1, 0, 3, 0]
    assert [e.id for e in kv.index_rows_after(queries[1])] == ["m4", "m5"]
    assert kv.index_authors([ROOM_A, ROOM_B, b"C" * 32]) == {
        ROOM_A: frozenset({ME, YOU}),
        ROOM_B: frozenset({YOU}),
        b"C" * 32: frozenset(),
    }


def test_counts_for_many_rooms_in_statements_of_500_agree_with_the_memory_store(tmp_path: Path) -> None:
    """SQLite counts rooms that leave out two authors 500 to a statement; every answer is in the query's place."""
    rooms = [bytes([i % 256, i // 256]) * 16 for i in range(1_203)]
    authors = [b"m" * 32, b"y" * 32, b"z" * 32]
    stores: list[KVStore] = [MemoryKV(), SqliteKV(tmp_path / "kv.sqlite3")]
    queries = []
    for i, room in enumerate(rooms):
        left_out = frozenset(authors[: 2 if i % 5 else i % 4])  # mostly two; sometimes none, one or three
        queries.append(UnreadQuery(room, None if i % 7 == 0 else (i % 4, f"n{i % 3}"), left_out))
    answers = []
    for kv in stores:
        assert isinstance(kv, HistoryIndexKV)
        index = kv
        rows = [(f"t:{i}:n{n}", f"{n}|{'myz'[(i + n) % 3]}".encode()) for i in range(len(rooms)) for n in range(i % 6)]
        index.attach_indexer(Indexer("many-v1", "t:", _many_row(rooms)))
        while not index.index_step():
            pass
        kv.cas_store_many([(key, value, 0) for key, value in rows])
        answers.append(index.index_count_after(queries))
        kv.close()
    assert answers[0] == answers[1] and len(answers[1]) == len(queries)
    assert sum(answers[1]) > 500 and max(answers[1]) == 4  # rooms of 5 rows always leave one author out


def _many_row(rooms: list[bytes]) -> Callable[[str, bytes], IndexRow | None]:
    def row(key: str, payload: bytes) -> IndexRow | None:
        _, number, name = key.split(":")
        time_text, author = payload.decode().split("|")
        return IndexRow(rooms[int(number)], int(time_text), name, author.encode() * 32)

    return row


def test_cas_store_many_indexes_only_what_it_stored(store: KVStore) -> None:
    kv = indexed(store)
    results = store.cas_store_many([("t:A:x", b"1|y", 0), ("t:A:x", b"2|y", 0), ("t:A:z", b"3|y", 0)])
    assert [type(r).__name__ for r in results] == ["Stored", "Conflict", "Stored"]
    assert [(e.id, e.time) for e in kv.index_page(ROOM_A, limit=5)] == [("x", 1), ("z", 3)]


# -- SqliteKV: building, checking, rebuilding ---------------------------------------------------------


def test_a_store_written_without_an_indexer_is_built_resumably(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        kv.cas_store_many([(f"t:A:{i:04d}", f"{i}|y".encode(), 0) for i in range(100)])
    with SqliteKV(db) as kv:
        kv.attach_indexer(TOY)
        assert [kv.index_step(batch=30) for _ in range(2)] == [False, False]
    with SqliteKV(db) as kv:  # the progress marker survived the close: two more batches finish it
        kv.attach_indexer(TOY)
        assert [kv.index_step(batch=30) for _ in range(2)] == [False, True]
        assert kv.index_count(ROOM_A) == 100


def test_an_indexed_store_is_trusted_by_the_next_opener_after_one_check(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        indexed(kv)
        kv.cas_store_many([(f"t:A:{i:04d}", f"{i}|y".encode(), 0) for i in range(50)])
    with SqliteKV(db) as kv:
        kv.attach_indexer(TOY)
        assert kv.index_step(batch=1) is True  # no rebuild: a rebuild of 50 keys in batches of 1 is not done yet
        assert kv.index_count(ROOM_A) == 50


@pytest.mark.parametrize(
    "damage",
    [
        "DROP TABLE msg_index",
        "DROP TABLE msg_authors",
        "DELETE FROM msg_index WHERE key LIKE '%7'",
        "DELETE FROM kv WHERE key = 't:A:0003'",
        "UPDATE msg_index_state SET value = 'another-indexer' WHERE name = 'indexer'",
    ],
)
def test_a_damaged_index_is_rebuilt_from_the_keys_on_open(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        indexed(kv)
        kv.cas_store_many([(f"t:A:{i:04d}", f"{i}|y".encode(), 0) for i in range(30)])
        expected = len(kv.list("t:"))
    with sqlite3.connect(db) as conn:
        conn.execute(damage)
    conn.close()
    with SqliteKV(db) as kv:
        kv.attach_indexer(TOY)
        assert kv.index_step(batch=1) is False  # the check failed: a rebuild started
        while not kv.index_step():
            pass
        assert kv.index_count(ROOM_A) == len(kv.list("t:")) == expected - ("kv" in damage)


def test_a_writer_without_the_indexer_makes_indexed_readers_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as reader, SqliteKV(db) as plain:
        indexed(reader)
        put(reader, "A", "one", 1)
        put(plain, "A", "two", 2)  # this handle has no indexer: it cannot write the row, so it marks a rebuild
        with pytest.raises(IndexIncompleteError):
            reader.index_count(ROOM_A)
        while not reader.index_step():
            pass
        assert [e.id for e in reader.index_page(ROOM_A, limit=5)] == ["one", "two"]


def test_schema_one_files_gain_the_index_tables(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        put(kv, "A", "old", 1)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE msg_index")
        conn.execute("DROP TABLE msg_index_state")
        conn.execute("DROP TABLE msg_authors")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with SqliteKV(db) as kv:
        assert kv.schema_version() == SCHEMA_VERSION
        assert [e.id for e in indexed(kv).index_page(ROOM_A, limit=5)] == ["old"]


def test_page_and_unread_queries_read_only_the_covering_index(tmp_path: Path) -> None:
    from river_desktop.storage import history_index as hi

    with SqliteKV(tmp_path / "kv.sqlite3") as kv:
        indexed(kv)
        conn = sqlite3.connect(kv.path)
        statements = [
            (hi.PAGE_NEWEST, (ROOM_A, 5)),
            (hi.PAGE_BEFORE, (ROOM_A, 1, "x", 5)),
            (hi.count_after_sql(1), (ROOM_A, 1, "x", ME)),
            (hi.count_after_sql(2), (ROOM_A, 1, "x", ME, YOU)),
            (hi.rows_after_sql(1), (ROOM_A, 1, "x", ME)),
        ]
        for sql, params in statements:
            plan = " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "USING COVERING INDEX msg_index_order" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        conn.close()


# -- refs: what "Mentions & replies" counts, on both stores ---------------------------------------------


def ref_row(key: str, payload: bytes) -> IndexRow | None:
    """``r:<room letter>:<name>`` -> ``<time>|<author letter>|<refs>``, refs ``kind=ref[=who]`` joined by ``,``."""
    _, room, name = key.split(":")
    time_text, author, refs = payload.decode().split("|")
    parsed = []
    for item in filter(None, refs.split(",")):
        kind, ref, *who = item.split("=")
        parsed.append(Ref(RefKind[kind], ref, (who[0].encode() * 32) if who else b""))
    return IndexRow(room.encode() * 32, int(time_text), name, author.encode() * 32, tuple(parsed))


REFS = Indexer("refs-v1", "r:", ref_row)
NAMES_ME = frozenset({(RefKind.NAMES, "ME")})


def say(kv: KVStore, name: str, time: int, author: str, refs: str = "") -> None:
    kv.store(f"r:A:{name}", f"{time}|{author}|IS={name}={author},{refs}".encode())


def addressed(kv: KVStore, after: int, after_id: str = "") -> int:
    assert isinstance(kv, HistoryIndexKV)
    query = AddressedQuery(ROOM_A, (after, after_id), frozenset({ME}), NAMES_ME, ME)
    return kv.index_count_addressed([query])[0]


@pytest.mark.parametrize(
    ("refs", "author", "counts"),
    [
        ("NAMES=ME", "y", True),
        ("NAMES=SOMEONE", "y", False),
        ("NAMES=ME", "m", False),  # your own
        ("ANSWERS=mine", "y", True),
        ("ANSWERS=theirs", "y", False),
        ("ANSWERS=nowhere", "y", False),
        ("NAMES=ME,ANSWERS=mine", "y", True),  # counted once
        ("OPAQUE=", "y", False),  # the caller opens these itself
    ],
)
def test_addressed_counts(store: KVStore, refs: str, author: str, counts: bool) -> None:
    assert isinstance(store, HistoryIndexKV)
    store.attach_indexer(REFS)
    while not store.index_step():
        pass
    say(store, "mine", 1, "m")
    say(store, "theirs", 2, "y")
    say(store, "new", 10, author, refs)
    assert addressed(store, after=5) == int(counts)
    assert addressed(store, after=10, after_id="new") == 0  # the marker is on it
    opaque = store.index_opaque_after([UnreadQuery(ROOM_A, (5, ""), frozenset({ME}))])
    assert [e.id for e in opaque[0]] == (["new"] if refs.startswith("OPAQUE") and author != "m" else [])


def test_an_old_message_arriving_later_makes_its_reply_count(store: KVStore) -> None:
    assert isinstance(store, HistoryIndexKV)
    store.attach_indexer(REFS)
    while not store.index_step():
        pass
    say(store, "answer", 10, "y", "ANSWERS=mine")
    assert addressed(store, after=5) == 0
    say(store, "mine", 1, "m")  # a merge brings the message it answers, from before the marker
    assert addressed(store, after=5) == 1
    store.delete("r:A:answer")
    assert addressed(store, after=5) == 0


def test_an_index_from_before_refs_is_rebuilt_with_them(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        kv.attach_indexer(REFS)
        while not kv.index_step():
            pass
        say(kv, "mine", 1, "m")
        say(kv, "hi", 10, "y", "NAMES=ME")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE msg_refs")  # as the previous release left it
    conn.close()
    with SqliteKV(db) as plain:  # a handle without an indexer writes and deletes keys in that file
        say(plain, "reply", 11, "y", "ANSWERS=mine")
        plain.delete("r:A:hi")
    with SqliteKV(db) as kv:
        kv.attach_indexer(REFS)
        while not kv.index_step():
            pass
        assert addressed(kv, after=5) == 1
