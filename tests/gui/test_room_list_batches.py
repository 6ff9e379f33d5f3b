"""A large batch of new rooms reaches the room list a chunk per event-loop turn, never as one huge insert.

A model shown by a real list view (through the filter proxy) gets 2,000 new rows at once. Every
``rowsInserted`` is recorded with the keys it brought and replayed on a plain list: the batch must
arrive in several inserts of at most ``insert_chunk`` rows, the model must show a subsequence of
the latest target after each one, and at the end it must show exactly the latest target, row for
row. Renames and badges that arrive while the batch is still going in must not be lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from river_desktop.ui.room_list import RoomFilterProxy, RoomListModel, RoomListView, RoomRow
from tests.gui.conftest import DesktopFactory, open_window

BATCH = 2_000
WAIT_MS = 10_000


def key(i: int) -> bytes:
    return i.to_bytes(32, "big")


def batch(n: int = BATCH) -> list[RoomRow]:
    return [RoomRow(key(i), f"Room {i:04d}") for i in range(n)]


def is_subsequence(part: list[bytes], whole: list[bytes]) -> bool:
    rest = iter(whole)
    return all(k in rest for k in part)


@dataclass
class Inserts:
    """Every rowsInserted (first, last, keys) and whether the model was a subsequence of ``target`` each time."""

    model: RoomListModel
    target: list[RoomRow]
    seen: list[tuple[int, int, list[bytes]]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    consistent: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.model.rowsInserted.connect(self._inserted)
        for name in ("rowsRemoved", "rowsMoved", "modelReset", "layoutChanged"):
            getattr(self.model, name).connect(lambda *_a, name=name: self.other.append(name))

    def _inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        keys = self.model.keys()
        self.seen.append((first, last, keys[first : last + 1]))
        self.consistent.append(is_subsequence(keys, [row.key for row in self.target]))

    def replay(self, start: list[bytes]) -> list[bytes]:
        out = list(start)
        for first, last, keys in self.seen:
            assert len(keys) == last - first + 1
            out[first:first] = keys
        return out


@pytest.fixture
def shown(qtbot: QtBot) -> tuple[RoomListModel, RoomFilterProxy, RoomListView]:
    model = RoomListModel()
    proxy = RoomFilterProxy()
    proxy.setSourceModel(model)
    view = RoomListView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.show()
    return model, proxy, view


def assert_shows(model: RoomListModel, proxy: RoomFilterProxy, target: list[RoomRow]) -> None:
    assert model.rowCount() == proxy.rowCount() == len(target)
    for number, row in enumerate(target):
        index = model.index(number, 0)
        assert model.data(index, RoomListModel.RoomKeyBytesRole) == row.key
        assert model.data(index, Qt.ItemDataRole.DisplayRole) == row.display_name
        assert model.data(index, RoomListModel.UnreadRole) == row.unread


def test_a_big_batch_arrives_in_chunks_and_a_rename_mid_batch_is_kept(
    qtbot: QtBot, shown: tuple[RoomListModel, RoomFilterProxy, RoomListView]
) -> None:
    model, proxy, _view = shown
    first_rows = batch(3)
    model.set_rows(first_rows)
    target = [*first_rows, *[RoomRow(key(i), f"Room {i:04d}") for i in range(3, BATCH)]]
    inserts = Inserts(model, target)

    model.set_rows(target)
    assert model.inserting()
    assert 3 < model.rowCount() <= 3 + model.insert_chunk  # the first chunk at once, the rest later

    # a refresh while the batch goes in: one shown room and one not yet shown renamed, and a badge
    renamed = list(target)
    renamed[1] = replace(renamed[1], name="Shown, renamed")
    renamed[BATCH - 5] = replace(renamed[BATCH - 5], name="Not yet shown, renamed", unread=4)
    inserts.target = renamed
    model.set_rows(renamed)
    assert model.data(model.index(1, 0), Qt.ItemDataRole.DisplayRole) == "Shown, renamed"

    with qtbot.waitSignal(model.caughtUp, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: not model.inserting(), timeout=WAIT_MS)

    assert inserts.other == []
    assert len(inserts.seen) > 1
    assert all(last - first + 1 <= model.insert_chunk for first, last, _keys in inserts.seen)
    assert all(inserts.consistent)
    assert inserts.replay([row.key for row in first_rows]) == [row.key for row in renamed]
    assert_shows(model, proxy, renamed)


def test_badges_and_removals_during_a_batch_reach_the_rows_still_to_come(
    qtbot: QtBot, shown: tuple[RoomListModel, RoomFilterProxy, RoomListView]
) -> None:
    model, proxy, _view = shown
    target = batch()
    model.set_rows(target)
    assert model.inserting()
    late = target[BATCH - 1].key
    model.set_unread({late: 7, target[0].key: 2})
    assert model.data(model.index(0, 0), RoomListModel.UnreadRole) == 2
    assert not model.apply_badges({})  # badges prepared elsewhere wait for the whole list: the caller sets rows
    fewer = [replace(row, unread=7) if row.key == late else replace(row, unread=2) if row is target[0] else row
             for row in target if row.key != key(1)]
    model.set_rows(fewer)  # a later refresh merges with the pending batch: room 1 is gone at once
    assert model.row_of(key(1)) < 0

    qtbot.waitUntil(lambda: not model.inserting(), timeout=WAIT_MS)
    assert_shows(model, proxy, fewer)
    assert model.data(model.index(model.row_of(late), 0), RoomListModel.UnreadRole) == 7


def test_a_small_change_is_applied_at_once(shown: tuple[RoomListModel, RoomFilterProxy, RoomListView]) -> None:
    model, proxy, _view = shown
    rows = batch(RoomListModel.insert_chunk)
    model.set_rows(rows)
    assert not model.inserting()
    assert_shows(model, proxy, rows)


def test_a_window_selects_its_room_once_the_chunk_holding_it_is_in(
    qtbot: QtBot, make_desktop: DesktopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RoomListModel, "insert_chunk", 8)
    window = open_window(qtbot, make_desktop())
    for i in range(40):
        window.rooms.create_room(f"Room {i:02d}", "me")
    window.refresh()
    assert window.model.inserting()
    last = window.rooms.ordered_keys()[-1]
    window.select_room(last)  # not in the list yet
    assert window.model.row_of(last) < 0

    qtbot.waitUntil(lambda: not window.model.inserting(), timeout=WAIT_MS)
    assert window.model.keys() == window.rooms.ordered_keys()
    assert window.proxy.key_at(window.roomList.currentIndex()) == last
    assert window.roomList.selectionModel().isSelected(window.proxy.index_of(last))
