"""A summary row built from the ``RoomData`` a save holds equals the row built by decoding the slot's bytes.

The save path (``reconcile``) remembers each slot it encodes; ``room_rows.summary_row`` then skips the decode.
Both ways must give the same row, or ``rooms list`` from the summary would differ from the full load.
"""

from __future__ import annotations

from pathlib import Path

from river_desktop.domain.rooms import PresentSlot, decode_slot
from river_desktop.storage import room_rows
from river_desktop.storage.room_rows import ENCODED_ROOMS, summary_row
from river_desktop.storage.slots import ROOM_PREFIX
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.cli.conftest import DB_NAME, cli, cli_json


def _profile(tmp_path: Path) -> Path:
    profile = tmp_path / "p"
    public = cli_json(profile, "rooms", "create", "Public room")["key"]
    private = cli_json(profile, "rooms", "create", "--private", "Sealed room")["key"]
    for key in (public, private):
        for m in range(3):
            assert cli(profile, "messages", "send", key, f"hello {m}").rc == 0
    return profile


def test_rows_from_the_writers_room_equal_rows_from_the_bytes(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    kv = SqliteKV(profile / DB_NAME)
    try:
        slots = [(k, v) for k, _g, v in kv.scan(ROOM_PREFIX)]
    finally:
        kv.close()
    assert len(slots) == 2
    for key, payload in slots:
        decoded = decode_slot(payload)
        assert isinstance(decoded, PresentSlot)
        from_bytes = summary_row(key, payload)
        ENCODED_ROOMS.remember(payload, decoded.room)
        from_room = summary_row(key, payload)
        assert from_room == from_bytes
        assert from_room != room_rows.PROBLEM
        assert ENCODED_ROOMS.take(payload) is None  # used once


def test_a_remembered_room_under_another_key_is_still_a_problem(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    kv = SqliteKV(profile / DB_NAME)
    try:
        (_key_a, payload_a), (key_b, _payload_b) = [(k, v) for k, _g, v in kv.scan(ROOM_PREFIX)]
    finally:
        kv.close()
    decoded = decode_slot(payload_a)
    assert isinstance(decoded, PresentSlot)
    ENCODED_ROOMS.remember(payload_a, decoded.room)
    assert summary_row(key_b, payload_a) == room_rows.PROBLEM


def test_the_memo_is_bounded_and_exact() -> None:
    from river_desktop.storage.summary_cache import BytesMemo

    memo: BytesMemo[int] = BytesMemo(limit=2)
    memo.remember(b"a", 1)
    memo.remember(b"b", 2)
    memo.remember(b"c", 3)
    assert len(memo) == 2
    assert memo.take(b"a") is None
    assert memo.take(b"b") == 2
    assert memo.take(b"b") is None
    assert memo.take(b"c ") is None
