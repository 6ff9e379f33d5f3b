"""The tray reads a room's name only for the notification that names it, not for every room of each report."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QObject

from river_desktop.domain.rooms import RoomData
from river_desktop.ui.tray import RoomNames, Tray


class CountedRoom:
    """Stands in for a RoomData: counts how often its name is read."""

    reads = 0

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        CountedRoom.reads += 1
        return self._name


def test_a_report_over_many_rooms_reads_only_the_notified_rooms_name(qapp: QObject) -> None:
    rooms = {i.to_bytes(32, "big"): CountedRoom(f"Room {i}") for i in range(1_000)}
    names = RoomNames(cast(dict[bytes, RoomData], rooms))
    tray = Tray(qapp)
    tray.notifications_enabled = True
    raised: list[tuple[str, str]] = []
    tray.notified.connect(lambda title, body: raised.append((title, body)))
    counts = dict.fromkeys(rooms, 0)
    tray.update_counts(counts, names)
    busy = (7).to_bytes(32, "big")
    tray.update_counts({**counts, busy: 2}, names)
    assert raised == [("Room 7", "2 new messages in Room 7")]
    assert CountedRoom.reads == 1
    assert len(names) == 1_000 and names[busy] == "Room 7" and list(names)[:1] == [(0).to_bytes(32, "big")]
