"""A window's state without a window: a real StorageController on a tmp profile, a recording hooks object.

:class:`WindowState` holds what used to live in the window class (its rooms, save session, live sync,
unread counts, load and save state); these tests drive it the way the window does and read what it
tells its hooks, with no widget and no Qt event loop.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import NotificationMode, Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.errors import StorageError
from river_desktop.storage.progressive_load import LoadStart, ProgressiveLoad
from river_desktop.ui.status import SAVED_TEXT, SAVING_TEXT, save_status_text
from river_desktop.ui.window_merge import adopt, unchanged_since
from river_desktop.ui.window_state import LoadState, SaveState, WindowState
from tests.gui.river_world import T0, World

T = TypeVar("T")

TIMEOUT = 20.0


class Tracker:
    """Keeps the tasks a state starts, as the application does; :meth:`settle` waits for all of them."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.saves: set[asyncio.Task[Any]] = set()

    def __call__(self, coro: Awaitable[T], *, save: bool = False) -> asyncio.Task[T]:
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        (self.saves if save else self.tasks).add(task)
        return task

    async def settle(self) -> None:
        """Every task done; a failure fails the test (a cancelled live sync, as on close, is no failure)."""
        while pending := [t for t in self.tasks | self.saves if not t.done()]:
            results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), TIMEOUT)
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    raise result


class Hooks:
    """Records every call the state makes on its window; ``changed`` wakes a test waiting for one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.unread: dict[bytes, int] | None = None
        self.notices: list[str] = []
        self.changed = asyncio.Event()

    def _note(self, name: str, value: object = None) -> None:
        self.calls.append((name, value))
        self.changed.set()

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def load_state_changed(self, state: LoadState) -> None:
        self._note("load", state)

    def save_state_changed(self, state: SaveState, previous: SaveState) -> None:
        self._note("save", (state, previous))

    def rooms_changed(self) -> None:
        self._note("rooms")

    def room_added(self, key: bytes) -> None:
        self._note("added", key)

    def loaded(self, initial: bytes | None) -> asyncio.Task[None] | None:
        self._note("loaded", initial)
        return None

    def unread_changed(self, counts: dict[bytes, int]) -> None:
        self.unread = counts
        self._note("unread", counts)

    def issues_changed(self) -> None:
        self._note("issues")

    def newest_messages(self, key: bytes, messages: list[AuthorizedMessage]) -> None:
        self._note("newest", (key, [m.id for m in messages]))

    def notice(self, text: str, timeout_ms: int) -> None:
        self.notices.append(text)
        self._note("notice", text)

    async def until(self, what: str, predicate: Callable[[], bool]) -> None:
        """Wait (on the state's own calls, never a sleep) until ``predicate`` holds."""

        async def wait() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"timed out waiting until {what}; calls: {self.names()}") from None


OPEN: list[Window] = []


class Window:
    """One state with its hooks and tracker (what a MainWindow would hold)."""

    def __init__(self, ctl: StorageController, window_id: int, initial_room: bytes | None = None) -> None:
        OPEN.append(self)
        self.hooks = Hooks()
        self.tracker = Tracker()
        self.state = WindowState(ctl, window_id, self.tracker, self.hooks, initial_room=initial_room)

    async def load(self) -> WindowState:
        self.state.start()
        await self.hooks.until("loaded", lambda: self.state.is_loaded)
        await self.tracker.settle()
        return self.state


def scenario(profile_dir: Path, body: Callable[[StorageController], Coroutine[Any, Any, None]]) -> None:
    async def main() -> None:
        ctl = await StorageController.open(profile_dir)
        try:
            await body(ctl)
        finally:
            windows, OPEN[:] = list(OPEN), []
            for window in windows:  # as windows close before the app's shutdown closes the store
                window.state.close()
                await window.tracker.settle()
            await ctl.close()

    asyncio.run(main())


async def fresh_rooms(profile_dir: Path) -> Rooms:
    ctl = await StorageController.open(profile_dir)
    try:
        return await ctl.load()
    finally:
        await ctl.close()


def test_loading_an_empty_profile_goes_ready_and_counts_badges(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        assert window.state.load_state is LoadState.LOADING
        state = await window.load()
        assert state.load_state is LoadState.READY and state.is_loaded
        loads = [value for name, value in window.hooks.calls if name == "load"]
        assert loads == [LoadState.LOADING, LoadState.READY]
        assert ("loaded", None) in window.hooks.calls
        assert window.hooks.names().index("loaded") > window.hooks.names().index("load")
        assert window.hooks.unread == {}
        assert state.save_state is SaveState.IDLE and state.saving_idle()

    scenario(profile_dir, body)


def test_a_failed_load_says_why_and_a_retry_loads(profile_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def body(ctl: StorageController) -> None:
        real = ctl.load_with_report
        failures = [StorageError("the database is locked by another program")]

        async def flaky(session: Any = None) -> Any:
            if failures:
                raise failures.pop()
            return await real(session)

        real_start = ProgressiveLoad._start_sync

        def flaky_start(self: ProgressiveLoad) -> LoadStart:
            if failures:
                raise failures.pop()
            return real_start(self)

        monkeypatch.setattr(ctl, "load_with_report", flaky)
        monkeypatch.setattr(ProgressiveLoad, "_start_sync", flaky_start)  # the window's own (chunked) load
        window = Window(ctl, 1)
        window.state.start()
        await window.hooks.until("failed", lambda: window.state.load_state is LoadState.FAILED)
        assert window.state.load_error.startswith("Your rooms could not be loaded.")
        assert "locked" in window.state.load_error
        assert not window.state.is_loaded
        await window.load()
        assert window.state.load_state is LoadState.READY

    scenario(profile_dir, body)


def test_a_created_room_is_shown_then_saved_and_survives_a_fresh_load(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        state = await window.load()
        room = state.create_room("Garden", "ann")
        assert room is not None
        assert ("added", room.owner_vk) in window.hooks.calls
        assert state.save_state is SaveState.SAVING
        await state.flush()
        assert state.save_state is SaveState.SAVED and state.save_error == ""
        saves = [value for name, value in window.hooks.calls if name == "save"]
        assert saves[0] == (SaveState.SAVING, SaveState.IDLE) and saves[-1][0] is SaveState.SAVED

    scenario(profile_dir, body)
    assert [r.name for r in asyncio.run(fresh_rooms(profile_dir)).rooms.values()] == ["Garden"]


def test_select_changes_the_current_room_and_saves_only_when_asked(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        state = await Window(ctl, 1).load()
        a = state.create_room("A", "ann")
        b = state.create_room("B", "ann")
        assert a is not None and b is not None
        await state.flush()
        token = state.room_token
        assert state.select(a.owner_vk, save=False) is True
        assert state.current_room == a.owner_vk and state.rooms.current_room == a.owner_vk
        assert state.room_token == token + 1
        assert state.saving_idle(), "save=False must not save"
        assert state.select(a.owner_vk) is False, "the same room again is no change"
        assert state.select(b"not a room") is True and state.current_room is None
        assert state.select(b.owner_vk) is True
        assert not state.saving_idle()
        await state.flush()

    scenario(profile_dir, body)
    assert asyncio.run(fresh_rooms(profile_dir)).current_room is not None


def test_a_post_is_unsent_until_its_save_stores_it_once(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        state = await Window(ctl, 1).load()
        assert state.post(lambda key: state.rooms.post_message(key, "nowhere")) is None, "no current room"
        room = state.create_room("Notes", "ann")
        assert room is not None
        state.select(room.owner_vk, save=False)
        message = state.post(lambda key: state.rooms.post_message(key, "hello"))
        assert message is not None
        assert [m.id for m in state.unsent_messages] == [message.id]
        await state.flush()
        assert state.unsent_messages == []
        stored = await ctl.read_messages(room.owner_vk, limit=10)
        assert [m.id for m in stored].count(message.id) == 1

    scenario(profile_dir, body)


def test_a_refused_change_is_reported_and_not_saved(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        state = await window.load()
        assert state.rename_room(b"\x01" * 32, "Nope") is False
        assert window.hooks.notices, "the refusal reaches the window"
        assert state.saving_idle() and state.save_state is SaveState.IDLE

    scenario(profile_dir, body)


def test_a_room_created_in_one_window_arrives_live_in_another_and_so_does_its_leave(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        one, two = Window(ctl, 1), Window(ctl, 2)
        first, second = await one.load(), await two.load()
        room = first.create_room("Shared", "ann")
        assert room is not None
        await first.flush()
        await two.hooks.until("the room arrives", lambda: room.owner_vk in second.rooms.rooms)
        assert "rooms" in two.hooks.names()
        assert second.rooms is not first.rooms and second.session is not first.session
        assert second.leave_room(room.owner_vk)
        assert room.owner_vk not in second.rooms.rooms
        await second.flush()
        await one.hooks.until("the leave arrives", lambda: room.owner_vk not in first.rooms.rooms)

    scenario(profile_dir, body)
    assert asyncio.run(fresh_rooms(profile_dir)).rooms == {}


def test_others_messages_count_as_unread_until_marked_read(profile_dir: Path) -> None:
    world = World()
    bob_says = [world.msg(f"bob {i}", T0 + i * 1000, by=world.bob) for i in range(3)]

    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        state = await window.load()
        elsewhere = ctl.open_session("cli")  # another writer, as the CLI is
        await ctl.load(elsewhere)
        assert (await ctl.save(elsewhere, world.rooms)).ok
        assert await ctl.append_history(elsewhere, [(world.key, m) for m in bob_says]) == 3
        await window.hooks.until(
            "the badge counts Bob's messages", lambda: (window.hooks.unread or {}).get(world.key) == 3
        )
        assert state.unread == {world.key: 3}
        state.select(world.key, save=False)
        task = state.mark_current_read()
        assert task is not None
        await task
        await window.hooks.until("the badge clears", lambda: (window.hooks.unread or {}).get(world.key) == 0)
        assert state.set_notification_mode(world.key, NotificationMode.MUTED)
        await state.flush()

    scenario(profile_dir, body)


def test_a_message_arriving_or_read_in_one_room_counts_that_room_again_and_a_new_room_counts_all(
    profile_dir: Path,
) -> None:
    """A badge depends on its room alone, so one room's news costs one room's count, not the list's."""
    world = World()
    for name in ("Two", "Three", "Four"):
        world.rooms.create_room(name, "ann")
    bob_says = [world.msg(f"bob {i}", T0 + i * 1000, by=world.bob) for i in range(3)]

    async def body(ctl: StorageController) -> None:
        asked: list[frozenset[bytes] | None] = []
        counting = ctl.unread_counts

        async def recording(rooms: Rooms, only: Any = None) -> dict[bytes, int]:
            asked.append(None if only is None else frozenset(only))
            return await counting(rooms, only)

        ctl.unread_counts = recording  # type: ignore[method-assign]
        elsewhere = ctl.open_session("cli")  # another writer, as the CLI is
        await ctl.load(elsewhere)
        assert (await ctl.save(elsewhere, world.rooms)).ok
        window = Window(ctl, 1)
        state = await window.load()
        await window.hooks.until("every room has a badge", lambda: len(window.hooks.unread or {}) == 4)
        assert asked[-1] is None  # the load counts every room
        asked.clear()
        assert await ctl.append_history(elsewhere, [(world.key, m) for m in bob_says]) == 3
        await window.hooks.until("Bob's messages are counted", lambda: (window.hooks.unread or {})[world.key] == 3)
        assert asked and set(asked) == {frozenset({world.key})}, asked
        assert set(state.unread.values()) == {0, 3} and len(state.unread) == 4  # the others kept theirs
        asked.clear()
        state.select(world.key, save=False)
        task = state.mark_current_read()
        assert task is not None
        await task
        await window.hooks.until("the badge clears", lambda: (window.hooks.unread or {})[world.key] == 0)
        assert set(asked) == {frozenset({world.key})}, asked
        asked.clear()
        world.rooms.create_room("Five", "ann")
        assert (await ctl.save(elsewhere, world.rooms)).ok
        await window.hooks.until("the new room has a badge", lambda: len(window.hooks.unread or {}) == 5)
        assert None in asked  # rooms came: every room is counted
        await state.flush()

    scenario(profile_dir, body)


def test_a_closed_state_tells_its_window_nothing_but_its_save_still_lands(profile_dir: Path) -> None:
    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        state = await window.load()
        room = state.create_room("Last words", "ann")
        assert room is not None
        state.close()
        before = len(window.hooks.calls)
        await state.flush()
        assert not state.is_alive
        assert len(window.hooks.calls) == before, "a closed window is not drawn to"
        state.request_unread()
        assert state.saving_idle()

    scenario(profile_dir, body)
    assert [r.name for r in asyncio.run(fresh_rooms(profile_dir)).rooms.values()] == ["Last words"]


def test_an_accepted_invitation_joins_and_is_saved(profile_dir: Path) -> None:
    owner = Rooms()
    hosted = owner.create_room("Their room", "them")
    invitation = Invitation.create(hosted.owner_vk, hosted.self_identity.seed)

    async def body(ctl: StorageController) -> None:
        window = Window(ctl, 1)
        state = await window.load()
        room = state.accept_invitation(invitation, "me")
        assert room is not None and room.owner_vk == hosted.owner_vk
        assert ("added", hosted.owner_vk) in window.hooks.calls
        await state.flush()
        assert state.save_state is SaveState.SAVED

    scenario(profile_dir, body)
    assert hosted.owner_vk in asyncio.run(fresh_rooms(profile_dir)).rooms


SAVE_TEXTS = [
    # state, previous, error, the status bar's words
    (SaveState.IDLE, SaveState.IDLE, "", ""),
    (SaveState.SAVING, SaveState.IDLE, "", SAVING_TEXT),
    (SaveState.SAVING, SaveState.SAVED, "", SAVING_TEXT),
    (SaveState.SAVING, SaveState.FAILED, "disk full", f"{SAVING_TEXT} (the last save failed: disk full)"),
    (SaveState.SAVED, SaveState.SAVING, "", SAVED_TEXT),
    (SaveState.FAILED, SaveState.SAVING, "disk full", "Save failed: disk full"),
]


@pytest.mark.parametrize(("state", "previous", "error", "text"), SAVE_TEXTS)
def test_save_status_text(state: SaveState, previous: SaveState, error: str, text: str) -> None:
    assert save_status_text(state, previous, error) == text


def _two_rooms() -> tuple[Rooms, bytes, bytes]:
    rooms = Rooms()
    a, b = rooms.create_room("A", "ann"), rooms.create_room("B", "ann")
    return rooms, a.owner_vk, b.owner_vk


CHANGES: list[tuple[str, Callable[[Rooms, bytes, bytes], object], bool]] = [
    # what happened to the window's copy meanwhile, whether a merge made on the earlier copy may be adopted
    ("nothing", lambda rooms, a, b: None, True),
    ("a room renamed", lambda rooms, a, b: rooms.rename(a, "A, renamed"), False),
    ("a room created", lambda rooms, a, b: rooms.create_room("C", "ann"), False),
    ("the order changed", lambda rooms, a, b: rooms.move_room_to_end(a), False),
    ("another room shown", lambda rooms, a, b: setattr(rooms, "current_room", b), False),
    ("a room muted", lambda rooms, a, b: rooms.set_notification_mode(a, NotificationMode.MUTED), False),
]


@pytest.mark.parametrize(("what", "change", "adoptable"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_merge_is_adopted_only_when_the_copy_did_not_change(
    what: str, change: Callable[[Rooms, bytes, bytes], object], adoptable: bool
) -> None:
    rooms, a, b = _two_rooms()
    rooms.current_room = a
    before = rooms.copy()
    change(rooms, a, b)
    assert unchanged_since(rooms, before) is adoptable


def test_adopting_a_merge_keeps_the_copy_object_that_others_hold() -> None:
    mine, a, _b = _two_rooms()
    work = mine.copy()
    work.rename(a, "Renamed elsewhere")
    held = mine
    adopt(mine, work)
    assert held is mine and mine.rooms[a].name == "Renamed elsewhere"
    assert unchanged_since(mine, work)


def test_the_window_state_imports_no_qt() -> None:
    """The state holds no widget by construction: importing it (and its slot merge) loads no Qt at all."""
    probe = (
        "import sys; import river_desktop.ui.window_state, river_desktop.ui.window_merge; "
        "print(','.join(sorted(m for m in sys.modules if m.startswith('PySide6'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""
