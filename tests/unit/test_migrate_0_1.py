"""Which slots the 0.1.0 upgrade converts: only 0.1.0 Present slots, never River's shapes or tombstones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cbor2
import pytest

from river_desktop.domain.rooms import PresentSlot, Rooms, TombstoneSlot, encode_slot
from river_desktop.storage import legacy_0_1
from river_desktop.storage.migrate_0_1 import looks_legacy

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "profile-0.1.0" / "river.sqlite3"


def _fixture_slots() -> list[bytes]:
    with sqlite3.connect(f"file:{FIXTURE}?mode=ro&immutable=1", uri=True) as conn:
        rows = [bytes(v)[9:] for k, v in conn.execute("SELECT key, value FROM kv WHERE key LIKE 'room:%'")]
    conn.close()
    return rows


def test_every_0_1_0_present_slot_is_recognised_and_read() -> None:
    present = [p for p in _fixture_slots() if "Present" in cbor2.loads(p)]
    assert len(present) == 9
    for payload in present:
        assert looks_legacy(payload) and legacy_0_1.is_legacy_slot(cbor2.loads(payload))
        assert len(legacy_0_1.read_room(cbor2.loads(payload)).owner_vk) == 32


@pytest.mark.parametrize(
    "payload",
    [
        encode_slot(TombstoneSlot(3)),
        cbor2.dumps("Tombstone"),
        encode_slot(PresentSlot(Rooms().create_room("River's shape", "me"))),
    ],
    ids=["our tombstone", "River's tombstone", "River's RoomData"],
)
def test_rivers_shapes_are_never_converted(payload: bytes) -> None:
    assert not looks_legacy(payload)
    assert not legacy_0_1.is_legacy_slot(cbor2.loads(payload))
