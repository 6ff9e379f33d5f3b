"""The stored size of a value (storage/in_place.py): the decision table, and the record size SQLite itself reports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.storage import in_place as ip
from river_desktop.storage.envelope import HEADER_SIZE, PADDED_HEADER_SIZE

KEY = "room:" + "x" * 44
KEY_LEN = len(KEY)
BIG = 20_000
ROOM = ip.room_to_grow(BIG)


@pytest.mark.parametrize(
    ("payload", "old", "new_seq", "expected"),
    [
        (100, None, 5, None),  # small: stays in its leaf page, stored as it is
        (ip.PAD_FROM - HEADER_SIZE - 1, None, 5, None),
        (ip.PAD_FROM - HEADER_SIZE, None, 5, PADDED_HEADER_SIZE + ip.PAD_FROM - HEADER_SIZE + ip.MIN_ROOM),
        (BIG, None, 5, PADDED_HEADER_SIZE + BIG + ROOM),  # first write: room to grow
        (BIG, (PADDED_HEADER_SIZE + BIG + ROOM, 5000), 5001, PADDED_HEADER_SIZE + BIG + ROOM),  # fits: kept
        (BIG + 3, (PADDED_HEADER_SIZE + BIG + ROOM, 5000), 5001, PADDED_HEADER_SIZE + BIG + ROOM),  # a longer name
        (BIG - 300, (PADDED_HEADER_SIZE + BIG + ROOM, 5000), 5001, PADDED_HEADER_SIZE + BIG + ROOM),  # shorter
        # The counter grows a byte (32,767 -> 32,768): the value gives the byte back, the record keeps its size.
        (BIG, (PADDED_HEADER_SIZE + BIG + ROOM, 32767), 32768, PADDED_HEADER_SIZE + BIG + ROOM - 1),
        # Outgrew its room: a fresh allocation with fresh room.
        (BIG + ROOM + 1, (PADDED_HEADER_SIZE + BIG + ROOM, 5000), 5001, None),
        # Shrank far below its size: reallocated rather than keeping more than twice its room as padding.
        (BIG // 2, (PADDED_HEADER_SIZE + BIG + ROOM, 5000), 5001, None),
        # An unpadded row (written before padding) of another size: reallocated with room.
        (BIG, (HEADER_SIZE + BIG - 10, 5000), 5001, None),
    ],
)
def test_stored_size_table(payload: int, old: tuple[int, int] | None, new_seq: int, expected: int | None) -> None:
    old_len, old_seq = old if old is not None else (None, None)
    got = ip.stored_size(payload, KEY_LEN, new_seq, old_len, old_seq)
    if expected is None and payload + HEADER_SIZE >= ip.PAD_FROM:
        expected = PADDED_HEADER_SIZE + payload + ip.room_to_grow(payload)  # the "fresh allocation" rows
    assert got == expected
    if got is not None:
        assert got >= PADDED_HEADER_SIZE + payload


@pytest.mark.parametrize(
    ("value", "size"),
    [(0, 0), (1, 0), (2, 1), (127, 1), (128, 2), (32767, 2), (32768, 3), (2**23 - 1, 3), (2**23, 4),
     (2**31, 6), (2**47 - 1, 6), (2**47, 8), (2**63 - 1, 8), (-1, 1), (-129, 2)],
)  # fmt: skip
def test_int_size_follows_sqlites_serial_types(value: int, size: int) -> None:
    assert ip.int_size(value) == size


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=70_000),
                  st.sampled_from([1, 2, 127, 128, 32767, 32768, 2**23, 2**31, 2**47, 2**62])),
        min_size=1, max_size=8,
    )
)  # fmt: skip
def test_record_size_is_what_sqlite_stores(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[int, int, int]]
) -> None:
    """SQLite's dbstat reports the payload bytes of every page (leaf cells and overflow pages): the records
    ``record_size`` computes for the ``kv`` table."""
    db = Path(tmp_path_factory.mktemp("rec")) / "r.sqlite3"
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL, seq INTEGER NOT NULL)")
        wanted: list[int] = []
        for i, (key_len, value_len, seq) in enumerate(rows):
            key = f"{i:02d}" + "k" * key_len
            conn.execute("INSERT INTO kv VALUES (?, ?, ?)", (key, bytes(value_len), seq + i))
            wanted.append(ip.record_size(len(key), value_len, seq + i))
        conn.commit()
        if not conn.execute("SELECT 1 FROM pragma_module_list WHERE name = 'dbstat'").fetchone():
            pytest.skip("this SQLite has no dbstat")
        found = conn.execute("SELECT sum(payload) FROM dbstat WHERE name = 'kv'").fetchone()[0]
    finally:
        conn.close()
    assert found == sum(wanted)


@given(
    st.integers(min_value=4_000, max_value=500_000) | st.integers(min_value=8_170, max_value=8_200),
    st.integers(min_value=2, max_value=2**40),
    st.integers(min_value=1, max_value=1000),
)
def test_a_kept_size_keeps_the_record_size(old_len: int, old_seq: int, step: int) -> None:
    kept = ip.same_record_value_len(KEY_LEN, old_len, old_seq, old_seq + step)
    if kept is not None:
        assert ip.record_size(KEY_LEN, kept, old_seq + step) == ip.record_size(KEY_LEN, old_len, old_seq)
    else:  # only next to 8,186 bytes, where the value's length takes a third varint byte
        assert abs(old_len - 8186) <= 9
