"""A save in one window reaches another window's room list as the rows that changed, never as a rebuilt list.

Two windows of one profile show the same few hundred rooms (more than ``list_rows.BULK_BADGES``, so new badges
take the path that builds their rows on the storage thread). Every signal of window B's room-list model is
counted while window A renames two rooms, and while another member's messages arrive in three rooms: no reset,
no row inserted, moved or removed, and ``dataChanged`` for exactly the rows whose room changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.ui.list_rows import BULK_BADGES
from river_desktop.ui.main_window import MainWindow
from river_desktop.ui.room_list_model import RoomListModel
from river_desktop.ui.window_merge import SYNC_CHUNK
from tests.gui.conftest import WAIT_MS, DesktopFactory, open_window, run, wait_saved

ROOMS = BULK_BADGES + 44
assert ROOMS > SYNC_CHUNK


@dataclass
class Signals:
    """What a model told its views: structural signals by name, and every row a dataChanged covered."""

    structural: list[str] = field(default_factory=list)
    changed_rows: list[int] = field(default_factory=list)
    roles: set[int] = field(default_factory=set)

    def watch(self, model: RoomListModel) -> None:
        for name in ("modelAboutToBeReset", "modelReset", "rowsInserted", "rowsRemoved", "rowsMoved",
                     "layoutChanged"):
            getattr(model, name).connect(lambda *_args, name=name: self.structural.append(name))
        model.dataChanged.connect(self._changed)

    def _changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int]) -> None:
        self.changed_rows.extend(range(top.row(), bottom.row() + 1))
        self.roles.update(roles)


@pytest.fixture
def windows(qtbot: QtBot, make_desktop: DesktopFactory) -> tuple[MainWindow, MainWindow]:
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    for i in range(ROOMS):
        a.rooms.create_room(f"Room {i:03d}", "me")
    a.refresh()
    a.schedule_save()
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: b.model.rowCount() == ROOMS and len(b.unread) == ROOMS, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: b.state.syncing_idle(), timeout=WAIT_MS)
    return a, b


def test_renames_in_one_window_change_only_their_rows_in_the_other(
    qtbot: QtBot, windows: tuple[MainWindow, MainWindow]
) -> None:
    a, b = windows
    keys = b.model.keys()
    renamed = {keys[7]: "Seventh, renamed", keys[ROOMS - 3]: "Near the end, renamed"}
    seen = Signals()
    seen.watch(b.model)
    for key, name in renamed.items():
        assert a.rename_room(key, name)
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: all(b.model.room_row(k).name == n for k, n in renamed.items()), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: b.state.syncing_idle(), timeout=WAIT_MS)

    assert seen.structural == []
    assert sorted(set(seen.changed_rows)) == sorted(b.model.row_of(k) for k in renamed)
    assert b.model.keys() == keys


def test_messages_in_three_rooms_change_only_those_badges(
    qtbot: QtBot, windows: tuple[MainWindow, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new badges' rows are made on the storage thread and swapped in: the GUI thread walks no other row."""
    a, b = windows
    keys = b.model.keys()
    busy = [keys[0], keys[100], keys[ROOMS - 1]]
    other = SigningIdentity.generate()
    seen = Signals()
    seen.watch(b.model)
    applied: list[bool] = []
    apply_badges = b.model.apply_badges
    monkeypatch.setattr(b.model, "apply_badges", lambda rows: applied.append(apply_badges(rows)) or applied[-1])

    async def post() -> None:
        for n, key in enumerate(busy):
            message = AuthorizedMessage.create(key, other, SystemTime(10_000 + n), RoomMessageBody.text("hello"))
            await a.controller.append_messages(a.state.session, key, [message])

    run(qtbot, post())
    qtbot.waitUntil(lambda: all(b.model.room_row(k).unread == 1 for k in busy), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: b.state.syncing_idle(), timeout=WAIT_MS)

    assert seen.structural == []
    assert sorted(set(seen.changed_rows)) == sorted(b.model.row_of(k) for k in busy)
    assert RoomListModel.UnreadRole in seen.roles
    assert True in applied  # the rows made off the GUI thread, not a walk of every row
    assert [row.unread for row in b.model.rows()].count(0) == ROOMS - len(busy)


def test_rooms_saved_elsewhere_are_read_a_chunk_at_a_time(
    qtbot: QtBot, make_desktop: DesktopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Window B reads A's new rooms in storage-thread calls of at most SYNC_CHUNK rooms, and shows them all."""
    desktop = make_desktop()
    a, b = open_window(qtbot, desktop), open_window(qtbot, desktop)
    sizes: list[int] = []
    read_slots = desktop.controller.read_slots

    async def counted(keys: object) -> object:
        wanted = list(keys)  # type: ignore[call-overload]
        sizes.append(len(wanted))
        return await read_slots(wanted)

    monkeypatch.setattr(desktop.controller, "read_slots", counted)
    for i in range(ROOMS):
        a.rooms.create_room(f"Room {i:03d}", "me")
    a.refresh()
    a.schedule_save()
    wait_saved(qtbot, a)
    qtbot.waitUntil(lambda: b.model.rowCount() == ROOMS and b.state.syncing_idle(), timeout=WAIT_MS)

    # each window that applies the change (the saving one re-reads what it stored) reads every room once
    assert sum(sizes) % ROOMS == 0 and sum(sizes) >= ROOMS
    assert max(sizes) <= SYNC_CHUNK and len(sizes) == (sum(sizes) // ROOMS) * -(-ROOMS // SYNC_CHUNK)
    assert b.model.keys() == a.model.keys()
