"""RoomListModel and its filter proxy: the Qt model contract (qtmodeltester), granular updates,
moveRows / dropMimeData, roles, and the view's drag switch while filtering."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.rooms import NotificationMode
from river_desktop.ui.room_list import (
    MIME_TYPE,
    ModelIndex,
    RoomFilterProxy,
    RoomListModel,
    RoomListView,
    RoomRow,
    key_text,
)

KEYS = [SigningIdentity(bytes([i]) * 32).verifying_key for i in range(1, 9)]
NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]


def rows(n: int = 5) -> list[RoomRow]:
    return [RoomRow(KEYS[i], NAMES[i]) for i in range(n)]


def names(model: RoomListModel | RoomFilterProxy) -> list[str]:
    return [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]


def mime_for(*keys: bytes) -> QMimeData:
    data = QMimeData()
    data.setData(MIME_TYPE, QByteArray(json.dumps([key_text(k) for k in keys]).encode()))
    return data


@pytest.fixture
def model() -> RoomListModel:
    return RoomListModel()


def test_qtmodeltester_with_inserts_moves_changes_and_removals(
    qtmodeltester: ModelTester, model: RoomListModel
) -> None:
    qtmodeltester.check(model, force_py=False)  # type: ignore[no-untyped-call]
    model.set_rows(rows(5))
    model.set_rows([RoomRow(KEYS[4], "Echo"), *rows(4)])  # move last to first
    model.set_rows([*rows(3), RoomRow(KEYS[5], "Foxtrot"), RoomRow(KEYS[3], "Delta renamed", unread=3)])
    model.set_unread({KEYS[0]: 2})
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)
    model.set_rows([RoomRow(KEYS[2], "Charlie")])  # removals
    model.set_rows([])
    assert model.rowCount() == 0


def test_qtmodeltester_on_the_filter_proxy(qtmodeltester: ModelTester, model: RoomListModel) -> None:
    proxy = RoomFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=False)  # type: ignore[no-untyped-call]
    model.set_rows(rows(6))
    proxy.set_filter_text("o")  # Bravo, Echo, Foxtrot
    assert names(proxy) == ["Bravo", "Echo", "Foxtrot"]
    model.set_rows([*reversed(rows(6))])
    assert names(proxy) == ["Foxtrot", "Echo", "Bravo"]
    model.set_rows(rows(3))
    assert names(proxy) == ["Bravo"]
    proxy.set_filter_text("")
    assert names(proxy) == NAMES[:3]
    assert proxy.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)
    assert names(proxy) == ["Bravo", "Charlie", "Alpha"]


def test_python_model_tester_too(model: RoomListModel) -> None:
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_rows(rows(8))
    model.set_rows(list(reversed(rows(8))))
    model.set_rows(rows(2))
    del tester


def test_set_rows_is_granular_and_keeps_persistent_indexes(model: RoomListModel) -> None:
    model.set_rows(rows(5))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    delta = QPersistentModelIndex(model.index(3, 0))
    moves: list[tuple[int, int]] = []
    model.rowsMoved.connect(lambda _p, start, _end, _d, dest: moves.append((start, dest)))
    model.set_rows([rows(5)[3], *rows(3), rows(5)[4]])
    assert names(model) == ["Delta", "Alpha", "Bravo", "Charlie", "Echo"]
    assert delta.row() == 0
    assert moves and not resets
    changed: list[list[int]] = []
    model.dataChanged.connect(lambda _a, _b, roles: changed.append(list(roles)))
    model.set_rows([RoomRow(KEYS[3], "Delta", unread=4), *rows(3), rows(5)[4]])
    assert RoomListModel.UnreadRole in changed[-1]
    assert not resets


def test_roles(model: RoomListModel) -> None:
    model.set_rows(
        [
            RoomRow(KEYS[0], "Alpha", unread=3, mode=NotificationMode.MUTED, is_owner=True),
            RoomRow(KEYS[1], "", waiting=True),
        ]
    )
    first, second = model.index(0, 0), model.index(1, 0)
    assert model.data(first, Qt.ItemDataRole.DisplayRole) == "Alpha"
    assert model.data(first, RoomListModel.RoomKeyRole) == key_text(KEYS[0])
    assert model.data(first, RoomListModel.UnreadRole) == 3
    assert model.data(first, RoomListModel.NotificationModeRole) == NotificationMode.MUTED.value
    assert model.data(first, RoomListModel.IsOwnerRole) is True
    assert model.data(second, RoomListModel.WaitingRole) is True
    assert "Waiting" in model.data(second, Qt.ItemDataRole.ToolTipRole) or "waiting" in model.data(
        second, Qt.ItemDataRole.ToolTipRole
    )
    assert b"roomKey" in [bytes(v.data()) for v in model.roleNames().values()]
    assert model.data(model.index(5, 0), Qt.ItemDataRole.DisplayRole) is None


def test_move_rows_contract_and_signal(model: RoomListModel) -> None:
    model.set_rows(rows(4))
    moved: list[tuple[bytes, bytes | None]] = []
    model.roomMoved.connect(lambda key, before: moved.append((key, before)))
    assert not model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 1)  # no-op
    assert not model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 2)  # no-op
    assert not model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 9)
    assert not model.moveRows(model.index(0, 0), 0, 1, QModelIndex(), 3)
    assert model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 3)  # Bravo down one
    assert names(model) == ["Alpha", "Charlie", "Bravo", "Delta"]
    assert moved == [(KEYS[1], KEYS[3])]
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 4)  # Alpha to the end
    assert names(model) == ["Charlie", "Bravo", "Delta", "Alpha"]
    assert moved[-1] == (KEYS[0], None)


def test_drop_mime_data_routes_through_move_rows(model: RoomListModel) -> None:
    model.set_rows(rows(5))
    calls: list[tuple[int, int]] = []
    original = model.moveRows

    def spy(sp: ModelIndex, src: int, count: int, dp: ModelIndex, dst: int) -> bool:
        calls.append((src, dst))
        return original(sp, src, count, dp, dst)

    model.moveRows = spy  # type: ignore[method-assign,assignment]
    assert model.canDropMimeData(mime_for(KEYS[0]), Qt.DropAction.MoveAction, 5, 0, QModelIndex())
    assert model.dropMimeData(mime_for(KEYS[0]), Qt.DropAction.MoveAction, 5, 0, QModelIndex())
    assert names(model) == ["Bravo", "Charlie", "Delta", "Echo", "Alpha"]
    assert calls == [(0, 5)]
    assert model.dropMimeData(mime_for(KEYS[0]), Qt.DropAction.MoveAction, -1, -1, QModelIndex()) is False
    assert model.dropMimeData(mime_for(KEYS[4]), Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert names(model) == ["Echo", "Bravo", "Charlie", "Delta", "Alpha"]
    # rows keep their identity: nothing was inserted or removed
    assert model.rowCount() == 5
    # foreign or malformed data and drops onto an item are refused
    junk = QMimeData()
    junk.setData(MIME_TYPE, QByteArray(b"{not json"))
    assert not model.canDropMimeData(junk, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert not model.canDropMimeData(mime_for(KEYS[1]), Qt.DropAction.MoveAction, -1, -1, model.index(0, 0))
    assert not model.canDropMimeData(mime_for(KEYS[1]), Qt.DropAction.CopyAction, 0, 0, QModelIndex())
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled


def test_mime_data_round_trip(model: RoomListModel) -> None:
    model.set_rows(rows(3))
    data = model.mimeData([model.index(2, 0)])
    assert data.hasFormat(MIME_TYPE)
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert names(model) == ["Charlie", "Alpha", "Bravo"]


def test_drop_through_the_proxy(model: RoomListModel) -> None:
    proxy = RoomFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(rows(4))
    assert proxy.dropMimeData(mime_for(KEYS[3]), Qt.DropAction.MoveAction, 1, 0, QModelIndex())
    assert names(model) == ["Alpha", "Delta", "Bravo", "Charlie"]
    proxy.set_filter_text("a")
    assert proxy.is_filtering
    assert not proxy.moveRows(QModelIndex(), 0, 1, QModelIndex(), 2)


def test_view_disables_drag_while_filtering(qtbot: QtBot, model: RoomListModel) -> None:
    view = RoomListView()
    qtbot.addWidget(view)
    proxy = RoomFilterProxy()
    proxy.setSourceModel(model)
    view.setModel(proxy)
    model.set_rows(rows(3))
    assert view.reorder_enabled and view.dragEnabled()
    view.set_reorder_enabled(False)
    assert not view.reorder_enabled and not view.dragEnabled()
    view.set_reorder_enabled(True)
    assert view.objectName() == "roomList"


def test_view_paints_every_state(qtbot: QtBot, model: RoomListModel) -> None:
    view = RoomListView()
    qtbot.addWidget(view)
    view.setModel(model)
    model.set_rows(
        [
            RoomRow(KEYS[0], "Alpha", unread=12, mode=NotificationMode.MENTIONS_AND_REPLIES),
            RoomRow(KEYS[1], "", waiting=True),
            RoomRow(KEYS[2], "Charlie", mode=NotificationMode.MUTED),
            RoomRow(KEYS[3], "Delta", unread=2000),
        ]
    )
    view.resize(260, 300)
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(0, 0))
    image = view.grab()
    assert not image.isNull()


def test_the_same_row_objects_send_no_signal_and_badges_swap_in_place(model: RoomListModel) -> None:
    shown = rows(5)
    model.set_rows(shown)
    signals: list[tuple[str, int, int]] = []
    model.dataChanged.connect(lambda top, bottom, _roles: signals.append(("changed", top.row(), bottom.row())))
    model.rowsInserted.connect(lambda _p, first, last: signals.append(("inserted", first, last)))
    model.modelReset.connect(lambda: signals.append(("reset", -1, -1)))
    model.set_rows(list(shown))
    assert signals == []

    new = {KEYS[1]: (shown[1], RoomRow(KEYS[1], NAMES[1], unread=2)),
           KEYS[2]: (shown[2], RoomRow(KEYS[2], NAMES[2], unread=5)),
           KEYS[4]: (shown[4], RoomRow(KEYS[4], NAMES[4], unread=1))}
    assert model.apply_badges(new)
    assert signals == [("changed", 1, 2), ("changed", 4, 4)]
    assert [r.unread for r in model.rows()] == [0, 2, 5, 0, 1]
    # a row that is not the one the badges were made from: nothing changes, the caller sets every row
    assert not model.apply_badges({KEYS[0]: (RoomRow(KEYS[0], "Other"), RoomRow(KEYS[0], "Other", unread=9))})
    assert model.rows()[0] is shown[0]


def test_many_badges_are_applied_a_chunk_per_turn_and_a_newer_row_wins(qtbot: QtBot, model: RoomListModel) -> None:
    keys = [SigningIdentity(i.to_bytes(2, "big") * 16).verifying_key for i in range(1_200)]
    shown = [RoomRow(key, f"Room {i}") for i, key in enumerate(keys)]
    model.set_rows(shown)
    qtbot.waitUntil(lambda: not model.inserting())
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, _roles: changed.extend(range(top.row(), bottom.row() + 1)))
    assert model.apply_badges({key: (shown[i], RoomRow(key, f"Room {i}", unread=1)) for i, key in enumerate(keys)})
    assert len(changed) == model.badge_chunk and model.badges_pending()
    newer = RoomRow(keys[-1], "Renamed meanwhile", unread=7)  # a refresh before the last chunk: its row wins
    model.set_rows([*model.rows()[:-1], newer])
    qtbot.waitUntil(lambda: not model.badges_pending())
    assert sorted(changed) == list(range(1_200))  # every row signalled once (the last by the refresh)
    assert [r.unread for r in model.rows()] == [1] * 1_199 + [7] and model.rows()[-1] is newer
