"""The window fills its room list chunk by chunk (storage/progressive_load.py, ui/window_fill.py).

The storage thread is held after the first chunk (a job that waits on an event, queued like any other
storage call), so what the window does mid-load is observed at a known point, never by timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import TextContent
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.rooms import NotificationMode, Rooms, RoomsMeta
from river_desktop.storage import history_index as hi
from river_desktop.storage import progressive_load as pl
from river_desktop.storage.controller import StorageController
from river_desktop.storage.message_rows import MESSAGE_INDEXER
from river_desktop.storage.profile import DB_FILENAME
from river_desktop.storage.slots import META_KEY, ROOM_PREFIX
from river_desktop.storage.sqlite_kv import SqliteKV
from river_desktop.ui.desktop import RiverDesktop
from river_desktop.ui.main_window import LoadState, MainWindow, SaveState
from river_desktop.ui.room_view.composer import Composer
from tests.gui.conftest import WAIT_MS, DesktopFactory, child, run, wait_saved
from tests.gui.room_steps import shown_texts
from tests.helpers.many_rooms import build_rooms, seed

COUNT = 24


@pytest.fixture(scope="module")
def stored() -> Rooms:
    return build_rooms(COUNT, seed=21)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pl, "CHUNK", 4)


Event = tuple[str, int, bool]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.Event]:
    """Every window's load stops after its first chunk until the event is set (the storage thread stays free)."""
    release = asyncio.Event()
    real = pl.ProgressiveLoad.chunks

    async def held(self: pl.ProgressiveLoad, first: Sequence[bytes]) -> AsyncIterator[pl.LoadChunk]:
        chunks = real(self, first)
        yield await anext(chunks)
        await release.wait()
        async for chunk in chunks:
            yield chunk

    monkeypatch.setattr(pl.ProgressiveLoad, "chunks", held)
    yield release
    release.set()


def record(window: MainWindow, events: list[Event]) -> None:
    window.roomsFilled.connect(lambda loaded, last: events.append(("chunk", window.model.rowCount(), last)))


def open_mid_fill(qtbot: QtBot, desktop: RiverDesktop) -> tuple[MainWindow, list[Event]]:
    """A window opened on the seeded profile, once its first chunk of rooms is shown (the rest still coming)."""
    events: list[Event] = []
    window = desktop.open_window()
    record(window, events)
    qtbot.waitUntil(lambda: bool(events), timeout=WAIT_MS)
    return window, events


def test_the_first_rooms_are_shown_before_the_last_chunk_is_read(
    qtbot: QtBot, make_desktop: DesktopFactory, stored: Rooms
) -> None:
    desktop = make_desktop()
    seed(desktop.controller, stored)
    events: list[Event] = []
    window = desktop.open_window()
    record(window, events)
    window.loadStateChanged.connect(lambda state: events.append(("state", window.model.rowCount(), state)))
    qtbot.waitUntil(lambda: bool(events) and events[-1] == ("chunk", COUNT, True), timeout=WAIT_MS)
    chunks = [e for e in events if e[0] == "chunk"]
    assert len(chunks) >= 3
    first = chunks[0]
    assert 0 < first[1] < COUNT and first[2] is False, "the first chunk is shown while others are still to come"
    assert [c[1] for c in chunks] == sorted(c[1] for c in chunks), "rows only ever arrive"
    ready = events.index(("state", 0, LoadState.READY))
    assert ready < events.index(first), "the window is ready (its list shown) from the first chunk on"
    assert window.load_state is LoadState.READY and not window.state.filling
    assert window.rooms.ordered_keys() == stored.ordered_keys()
    assert window.current_room == stored.current_room


def test_mid_load_a_shown_room_opens_takes_typing_and_a_save_loses_nothing(
    qtbot: QtBot, make_desktop: DesktopFactory, stored: Rooms, gate: asyncio.Event
) -> None:
    desktop = make_desktop()
    seed(desktop.controller, stored)
    events: list[Event] = []
    window = desktop.open_window()
    record(window, events)
    window.saveStateChanged.connect(
        lambda state: events.append(("saved", window.model.rowCount(), True)) if state is SaveState.SAVED else None
    )
    qtbot.waitUntil(lambda: bool(events), timeout=WAIT_MS)
    assert window.state.filling
    qtbot.waitUntil(lambda: window.roomView.current_room_key() == window.current_room, timeout=WAIT_MS)
    shown = window.model.rowCount()
    assert shown < COUNT
    listed = window.model.keys()
    target = next(k for k in listed if k != window.current_room and k not in window.rooms.archived)
    view = window.roomList
    index = window.proxy.index_of(target)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: window.roomView.current_room_key() == target, timeout=WAIT_MS)
    composer = child(window, Composer, "composer")
    composer.setFocus()
    QTest.keyClicks(composer, "typed while loading")
    assert composer.toPlainText() == "typed while loading"
    window.state.set_notification_mode(target, NotificationMode.MUTED)
    wait_saved(qtbot, window)
    assert window.state.filling and window.model.rowCount() == shown, "the save ran while the list was partial"
    gate.set()
    qtbot.waitUntil(lambda: ("chunk", COUNT, True) in events, timeout=WAIT_MS)
    wait_saved(qtbot, window)
    saved = next(i for i, e in enumerate(events) if e[0] == "saved")
    assert saved < events.index(("chunk", COUNT, True)), "the save ran while the list was still filling"
    assert window.current_room == target and composer.toPlainText() == "typed while loading"
    store = desktop.controller.store
    assert len(store.list(ROOM_PREFIX)) == COUNT
    raw = store.get(META_KEY)
    assert raw is not None
    meta = RoomsMeta.decode(raw)
    assert set(meta.room_order) == set(stored.rooms), "the save mid-load dropped rooms it had not loaded"
    assert meta.notification_modes[target] is NotificationMode.MUTED
    assert set(meta.pinned) == set(stored.pinned) and set(meta.archived) == set(stored.archived)
    assert window.model.rowCount() == COUNT


def test_a_second_window_opened_mid_load_fills_too(
    qtbot: QtBot, make_desktop: DesktopFactory, stored: Rooms, gate: asyncio.Event
) -> None:
    desktop = make_desktop()
    seed(desktop.controller, stored)
    first, first_events = open_mid_fill(qtbot, desktop)
    late = stored.ordered_keys()[COUNT - 4]
    second = desktop.open_window(late)
    second_events: list[Event] = []
    record(second, second_events)
    assert first.state.filling
    gate.set()
    for window, events in ((first, first_events), (second, second_events)):
        qtbot.waitUntil(lambda events=events: ("chunk", COUNT, True) in events, timeout=WAIT_MS)
        assert window.rooms.ordered_keys() == stored.ordered_keys()
        assert not window.state.filling
    assert second.current_room == late, "the room a window opens with is read in its first chunk"
    assert len(second_events) >= 2 and second_events[0][1] < COUNT


def test_a_store_from_before_the_order_index_is_indexed_off_the_gui_thread_resuming_a_partial_build(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "profile"
    rooms = Rooms()
    room = rooms.create_room("Indexed later", "me")
    me = room.self_identity
    total = 4 * hi.INDEX_BATCH + 100

    def line(i: int) -> AuthorizedMessage:
        text = TextContent(f"line {i}")
        body = RoomMessageBody.public(text.content_type, text.content_version, text.encode())
        return AuthorizedMessage.create(room.owner_vk, me, SystemTime(1_000 + i), body)

    messages = [line(i) for i in range(total)]

    async def write_before_the_index() -> None:
        controller = await StorageController.open(profile)
        seed(controller, rooms)
        await controller.append_messages(controller.open_session("old"), room.owner_vk, messages)
        await controller.close()

    run(qtbot, write_before_the_index())
    db = profile / DB_FILENAME
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TABLE msg_index")  # as a store written before the index existed
        conn.commit()
    with SqliteKV(db) as kv:  # a build interrupted after two batches (the app was closed)
        kv.attach_indexer(MESSAGE_INDEXER)
        assert not kv.index_step() and not kv.index_step()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        (kept,) = conn.execute("SELECT COUNT(*) FROM msg_index").fetchone()
    assert 0 < kept < total

    steps: list[tuple[str, int]] = []
    real_step = SqliteKV.index_step

    def recording_step(self: SqliteKV, batch: int = hi.INDEX_BATCH) -> bool:
        done = real_step(self, batch)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            (rows,) = conn.execute("SELECT COUNT(*) FROM msg_index").fetchone()
        steps.append((threading.current_thread().name, rows))
        return done

    monkeypatch.setattr(SqliteKV, "index_step", recording_step)
    desktop = make_desktop(profile)
    window = desktop.open_window()
    qtbot.waitUntil(lambda: window.load_state is LoadState.READY, timeout=WAIT_MS)
    newest = f"line {total - 1}"
    qtbot.waitUntil(lambda: newest in shown_texts(window), timeout=WAIT_MS)

    def indexed() -> int:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM msg_index").fetchone()[0])

    qtbot.waitUntil(lambda: indexed() == total, timeout=WAIT_MS)
    assert steps, "the app built the index"
    assert all(name != threading.main_thread().name for name, _rows in steps), "no index batch on the GUI thread"
    assert min(rows for _name, rows in steps) > kept, "the build resumed from the rows an earlier run left"


def test_preferences_another_writer_changes_mid_load_survive_this_windows_saves(
    qtbot: QtBot, make_desktop: DesktopFactory, gate: asyncio.Event
) -> None:
    """A room not loaded yet takes its pin, archive mark and place from the stored preferences read at the start;
    another writer's change to them meanwhile must not be reverted by this window's next save."""
    stored = build_rooms(COUNT, seed=21)
    keys = stored.ordered_keys_manual()
    for key in keys[:12:2]:  # more favourites than the first chunk holds
        stored.pin(key)
    for key in keys[1:12:3]:
        stored.archive(key)
    desktop = make_desktop()
    seed(desktop.controller, stored)
    window, events = open_mid_fill(qtbot, desktop)
    assert window.state.filling
    loaded = list(window.rooms.rooms)
    window.state.set_notification_mode(loaded[0], NotificationMode.MUTED)
    wait_saved(qtbot, window)  # a save mid-load: its merge base no longer holds the rooms not loaded yet
    unloaded = [k for k in keys if k not in window.rooms.rooms]
    plain = [k for k in unloaded if k not in stored.pinned and k not in stored.archived]
    pin, archive, moved = plain[0], plain[1], plain[-1]
    unpin = next(k for k in unloaded if k in stored.pinned)
    unarchive = next(k for k in unloaded if k in stored.archived)
    controller = desktop.controller
    other = controller.open_session("cli")
    theirs = run(qtbot, controller.load(other))
    theirs.pin(pin)
    theirs.archive(archive)
    theirs.unpin(unpin)
    theirs.unarchive(unarchive)
    theirs.move_room(moved, theirs.ordered_keys_manual()[0])
    assert run(qtbot, controller.save(other, theirs)).ok
    expected_order = theirs.ordered_keys_manual()

    def change_on_last(_loaded: int, last: bool) -> None:
        if last:  # before the live sync can bring the other writer's change in
            window.state.set_notification_mode(loaded[1], NotificationMode.MUTED)

    window.roomsFilled.connect(change_on_last)
    gate.set()
    qtbot.waitUntil(lambda: ("chunk", COUNT, True) in events, timeout=WAIT_MS)
    wait_saved(qtbot, window)
    raw = controller.store.get(META_KEY)
    assert raw is not None
    meta = RoomsMeta.decode(raw)
    assert meta.notification_modes[loaded[1]] is NotificationMode.MUTED
    assert pin in meta.pinned, "the other writer's pin was reverted"
    assert archive in meta.archived, "the other writer's archive mark was reverted"
    assert unpin not in meta.pinned, "the other writer's unpin was reverted"
    assert unarchive not in meta.archived, "the other writer's unarchive was reverted"
    assert list(meta.room_order) == expected_order, "the other writer's drag was reverted"
    qtbot.waitUntil(lambda: window.rooms.to_meta().pinned == meta.pinned, timeout=WAIT_MS)
    assert window.rooms.to_meta().archived == meta.archived
