"""One window's state over the shared store, without a widget: its rooms, save session, live sync and badges.

A window is an independent "tab": :class:`WindowState` owns its own :class:`Rooms` copy and its own
``SaveSession``. Every change made here updates the copy, tells the window (:class:`WindowHooks`) and
schedules a save (the controller coalesces bursts). Other writers' changes arrive through
:class:`WindowSync` and are merged into the copy by membership epoch (``Rooms.apply_slot``), so a room
left elsewhere disappears here and a room rejoined elsewhere comes back.

The window builds one of these, passes itself as the hooks and only draws what it is told; tests
drive the same object with a recording hooks object and a real controller, no window at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TypeVar

from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import (
    NotificationMode,
    ReadMarker,
    RoomData,
    Rooms,
    RoomsError,
    RoomsMeta,
    room_label,
)
from river_desktop.storage import reconcile
from river_desktop.storage.controller import LoadIssue, RoomOutcome, SaveReport, StorageController
from river_desktop.storage.errors import StorageError
from river_desktop.storage.progressive_load import LoadChunk, LoadStart, absorb, rebase
from river_desktop.storage.slots import LEGACY_BLOB_KEY, MIGRATION_DONE_KEY
from river_desktop.ui import room_order, window_fill
from river_desktop.ui.list_rows import BULK_BADGES, Badges, ListRows, badge_rows
from river_desktop.ui.room_rows import RoomRow
from river_desktop.ui.unread_wanted import UnreadWanted, merged_counts
from river_desktop.ui.window_hooks import LoadState, SaveState, TaskTracker, WindowHooks
from river_desktop.ui.window_merge import SYNC_CHUNK, prepare_rows, read_and_merge
from river_desktop.ui.window_sync import PendingChanges, WindowSync

log = logging.getLogger(__name__)

T = TypeVar("T")

PAGE_SIZE = 50


class WindowState:
    """The rooms, save session, live sync, unread counts and load / save state of one window."""

    def __init__(
        self,
        controller: StorageController,
        window_id: int,
        track: TaskTracker,
        hooks: WindowHooks,
        *,
        initial_room: bytes | None = None,
    ) -> None:
        self.controller = controller
        self.window_id = window_id
        self._track = track
        self._hooks = hooks
        self.session = controller.open_session(f"window-{window_id}")
        self.rooms = Rooms()
        self._initial_room = initial_room
        self._current: bytes | None = None
        self._unread: dict[bytes, int] = {}
        self._list_rows = ListRows()
        self._row_cache = self._list_rows.base
        self.badge_rows: Badges | None = None
        """While ``unread_changed`` runs: the rows its counts changed, made off the GUI thread (many badges)."""
        self._alive = True
        self._load_state = LoadState.LOADING
        self.load_error = ""
        self._save_state = SaveState.IDLE
        self._save_error = ""
        self._saves_in_flight = 0
        self._meta_deferred = False
        self._save_tasks: set[asyncio.Task[None]] = set()
        self._unsent: dict[int, tuple[bytes, AuthorizedMessage]] = {}
        """Posted here (room, message) but not yet in the store: every save carries them with their room, in one
        transaction."""
        self._unread_wanted = UnreadWanted()
        self._unread_task: asyncio.Task[None] | None = None
        self.room_token = 0
        """Bumped whenever the current room is (re)chosen: a page read for an older choice is dropped."""
        self._load_issues: tuple[LoadIssue, ...] = ()
        self._sync = WindowSync(controller, self._apply_changes, self.start_task)
        self._filling = False
        self._first_shown: asyncio.Task[None] | None = None
        self.fill_listeners: list[Callable[[LoadChunk], None]] = []
        """Called after each chunk of a progressive load is shown (tests and the window's signal)."""

    # ------------------------------------------------------------------ state properties

    @property
    def load_state(self) -> LoadState:
        return self._load_state

    @property
    def save_state(self) -> SaveState:
        return self._save_state

    @property
    def save_error(self) -> str:
        return self._save_error

    @property
    def is_loaded(self) -> bool:
        return self._load_state is LoadState.READY

    @property
    def is_alive(self) -> bool:
        return self._alive

    @property
    def current_room(self) -> bytes | None:
        return self._current

    def current_room_data(self) -> RoomData | None:
        return self.rooms.rooms.get(self._current) if self._current is not None else None

    @property
    def unread(self) -> dict[bytes, int]:
        return dict(self._unread)

    @property
    def live_sync(self) -> WindowSync:
        """The live-sync helper (``pause()`` / ``resume()`` hold back and release other writers' changes)."""
        return self._sync

    @property
    def load_issues(self) -> tuple[LoadIssue, ...]:
        return self._load_issues

    def saving_idle(self) -> bool:
        return not self._save_tasks

    def syncing_idle(self) -> bool:
        """Other writers' changes are all applied and the badges are counted."""
        return self._sync.idle and (self._unread_task is None or self._unread_task.done())

    def start_task(self, coro: Awaitable[T]) -> asyncio.Task[T]:
        return self._track(coro)

    def report_error(self, message: str) -> None:
        """A user-facing error that is not a save failure: logged and shown by the window."""
        log.warning("window %d: %s", self.window_id, message)
        if self._alive:
            self._hooks.notice(message, 10000)

    def close(self) -> None:
        """The window closed: nothing reaches it any more; saves already started still finish."""
        self._alive = False
        self._sync.stop()

    # ------------------------------------------------------------------ load

    def start(self) -> None:
        """Begin (or retry) loading this window's copy of the rooms."""
        self._sync.start()
        self.start_task(self.load())

    async def load(self) -> None:
        self._set_load_state(LoadState.LOADING)
        try:
            store = self.controller.store

            def will_migrate() -> bool:
                # only the migration markers decide it (listing every key would list every message)
                markers = [k for k in (LEGACY_BLOB_KEY, MIGRATION_DONE_KEY) if store.get(k) is not None]
                return reconcile.plan_load(markers).kind is reconcile.LoadKind.MIGRATE

            if await self.controller.run(will_migrate):
                if not self._alive:
                    return
                self._set_load_state(LoadState.MIGRATING)
            elif await window_fill.fill(self):
                return
            if not self._alive:
                return
            result = await self.controller.load_with_report(self.session)
        except Exception as exc:  # shown on the failed page with Retry; unexpected ones logged with a traceback
            if isinstance(exc, StorageError | OSError):
                log.warning("window %d: loading failed: %s", self.window_id, exc)
            else:
                log.exception("window %d: loading failed unexpectedly", self.window_id)
            if self._alive:
                self.load_error = f"Your rooms could not be loaded.\n\n{exc}"
                self._set_load_state(LoadState.FAILED)
            return
        if not self._alive:
            return
        # the list's rows need every identity's public key: derive them here, not on the GUI thread
        rows = await self.controller.run(lambda: prepare_rows(result.rooms, result.rooms.rooms))
        if not self._alive:
            return
        self._row_cache.update(rows)
        self.rooms = result.rooms
        self._load_issues = result.issues
        self._hooks.issues_changed()
        if result.migrated:
            self._hooks.notice("Your rooms were moved to the new storage format.", 8000)
        initial = self._initial_room if self._initial_room in self.rooms.rooms else self.rooms.current_room
        if initial not in self.rooms.rooms:
            keys = self.rooms.ordered_keys()
            initial = keys[0] if keys else None
        self._set_load_state(LoadState.READY)
        self.wake_archived()
        shown = self._hooks.loaded(initial)
        self._sync.resume()
        if shown is not None:
            # The first room's messages before the badges: counting every room's unread messages keeps
            # the storage thread busy (in Python) for a while, and the GUI thread shares the interpreter.
            await asyncio.wait([shown])
            if not self._alive:
                return
        self.request_unread()

    # ------------------------------------------------------------------ progressive load (window_fill)

    @property
    def initial_room(self) -> bytes | None:
        return self._initial_room

    @property
    def filling(self) -> bool:
        """Shown and usable, while later chunks of the room list are still arriving."""
        return self._filling

    def begin_fill(self, start: LoadStart) -> None:
        self.rooms = Rooms()
        if start.meta is not None:
            self.rooms.apply_meta(start.meta)
        self._load_issues = start.issues
        self._filling = True

    def absorb_chunk(
        self, chunk: LoadChunk, rows: dict[bytes, tuple[RoomData, RoomRow]], meta: RoomsMeta | None
    ) -> None:
        """One chunk into the copy: the first makes the window ready, the last lets other writers' changes in."""
        self._row_cache.update(rows)
        # Arriving rooms take their entries from ``meta``: while it is still the merge base, the two agree.
        moved_on = meta is None or self.session.meta_base is not meta
        known = set(self.rooms.rooms) | set(self.rooms.removed) if moved_on else set()
        before = self.rooms.to_meta() if moved_on else None
        absorb(self.rooms, chunk, meta)
        first = self._load_state is not LoadState.READY
        if before is not None:
            base = before if self.session.meta_base is None and first else self.session.meta_base
            if base is not None:  # set by the first chunk at the latest
                self.session.meta_base = rebase(base, before, self.rooms.to_meta(), known)
        if chunk.issues or (first and self._load_issues):
            self._load_issues += chunk.issues
            self._hooks.issues_changed()
        if first:
            self.session.meta_saved = self.rooms.to_meta()
            initial = self._initial_room if self._initial_room in self.rooms.rooms else self.rooms.current_room
            if initial not in self.rooms.rooms:
                keys = self.rooms.ordered_keys()
                initial = keys[0] if keys else None
            self._set_load_state(LoadState.READY)
            self._first_shown = self._hooks.loaded(initial)
        else:
            self._hooks.rooms_changed()
        if chunk.last:
            self._filling = False
            self.wake_archived()
            self._sync.resume()
            self.start_task(self._after_fill(self._first_shown))
        for listener in list(self.fill_listeners):
            listener(chunk)

    async def _after_fill(self, shown: asyncio.Task[None] | None) -> None:
        if shown is not None:
            await asyncio.wait([shown])
        self.request_unread()

    def note_full_load(self, reason: str) -> None:
        log.info("window %d: loading every room at once (%s)", self.window_id, reason)
        self._filling = False

    def _set_load_state(self, state: LoadState) -> None:
        self._load_state = state
        self._hooks.load_state_changed(state)

    # ------------------------------------------------------------------ the list's rows and the current room

    def rows(self) -> list[RoomRow]:
        """The list's rows for ``self.rooms``; a room whose row did not change keeps its row object."""
        return self._list_rows.rows(self.rooms, self._unread)

    def adopt_rows(self, rows: dict[bytes, tuple[RoomData, RoomRow]]) -> None:
        """Rows :func:`prepare_rows` made off the GUI thread for rooms about to enter the copy (as load and merge)."""
        self._row_cache.update(rows)

    def select(self, key: bytes | None, *, save: bool = True) -> bool:
        """Make ``key`` current (None when it is not here); True when the current room changed."""
        if key is not None and key not in self.rooms.rooms:
            key = None
        changed = key != self._current
        self._current = key
        self.room_token += 1
        if changed and self.rooms.current_room != key:
            self.rooms.current_room = key
            if save:
                self.schedule_save()
        return changed

    def drop_current(self) -> None:
        """The current room is gone (left here or elsewhere)."""
        self._current = None
        self.room_token += 1

    def wake_archived(self) -> bool:
        """Rooms a new message brings back from the Archive (each room's choice); saved like a user's unarchive."""
        woken = bool(self.rooms.wake_archived())
        if woken and self.controller.health.writable:
            self.schedule_save()
        return woken

    def mark_read(self, key: bytes, marker: ReadMarker) -> None:
        """A message was seen: move the room's read marker (saved, badges recounted) when it advances."""
        if key not in self.rooms.rooms:
            return
        before = self.rooms.rooms[key]
        if self.rooms.mark_read(key, marker) is not before:
            self.schedule_save()
            self.request_unread([key])

    def mark_current_read(self) -> asyncio.Task[None] | None:
        """Everything in the current room is read, up to its newest stored message (in every window)."""
        key = self._current
        if key is None or key not in self.rooms.rooms or not self.controller.health.writable:
            return None
        return self.start_task(self._mark_read(key))

    async def _mark_read(self, key: bytes) -> None:
        try:
            newest = await self.controller.read_messages(key, limit=1)
        except StorageError as exc:
            self.report_error(f"Messages could not be read: {exc}")
            return
        room = self.rooms.rooms.get(key)
        if room is None:
            return
        known = [*newest, *room.room_state.recent_messages]
        if known and self.rooms.mark_read(key, max(known, key=lambda m: m.order_key)) is not room:
            self.schedule_save()
            self.request_unread([key])

    # ------------------------------------------------------------------ changes

    def create_room(self, name: str, nickname: str, *, private: bool = False) -> RoomData | None:
        try:
            room = self.rooms.create_room(name, nickname, private=private)
        except RoomsError as exc:
            self.report_error(str(exc))
            return None
        self.rooms.move_room_to_end(room.owner_vk)  # a new room goes to the bottom of the list
        self._hooks.room_added(room.owner_vk)
        self.request_unread([room.owner_vk])
        self.schedule_save()
        return room

    def accept_invitation(self, invitation: Invitation, nickname: str) -> RoomData | None:
        """Join (or explicitly rejoin) the invitation's room; the rejoin mark is set before the save."""
        try:
            room = self.rooms.accept_invitation(invitation, nickname)
        except RoomsError as exc:
            self.report_error(str(exc))
            return None
        self.controller.mark_room_rejoined(self.session, room.owner_vk)
        self.rooms.move_room_to_end(room.owner_vk)
        self._hooks.room_added(room.owner_vk)
        self.request_unread([room.owner_vk])
        self.schedule_save()
        return room

    def mutate(self, change: Callable[[], object], *, unread: bool = False) -> bool:
        """Apply one change to the copy; report a refusal, else show it and queue a save."""
        try:
            change()
        except RoomsError as exc:
            self.report_error(str(exc))
            return False
        self._hooks.rooms_changed()
        if unread:
            self.request_unread()
        self.schedule_save()
        return True

    def rename_room(self, key: bytes, name: str, description: str | None = None) -> bool:
        return self.mutate(lambda: self.rooms.rename(key, name, description))

    def set_nickname(self, key: bytes, nickname: str) -> bool:
        return self.mutate(lambda: self.rooms.set_nickname(key, nickname))

    def set_notification_mode(self, key: bytes, mode: NotificationMode) -> bool:
        if not self.mutate(lambda: self.rooms.set_notification_mode(key, mode)):
            return False
        self.request_unread([key])
        return True

    def leave_room(self, key: bytes) -> bool:
        return self.mutate(lambda: self.controller.leave_room(self.session, self.rooms, key))

    def move_room(self, key: bytes, before: bytes | None) -> None:
        """Put ``key`` before ``before`` (None: at the end), as a drop does."""
        room_order.place(self.rooms, key, before)
        self._hooks.rooms_changed()
        self.schedule_save()

    def post(self, op: Callable[[bytes], AuthorizedMessage]) -> AuthorizedMessage | None:
        """One River message (a text, a reply or an action) into the current room, shown and saved."""
        key = self._current
        if key is None:
            return None
        if not self.controller.health.writable:
            self.report_error(f"Not posted: {self.controller.health.problem}")
            return None
        try:
            message = op(key)
        except RoomsError as exc:
            self.report_error(str(exc))
            return None
        self._hooks.rooms_changed()
        self._unsent[message.id] = (key, message)
        self.schedule_save()
        return message

    # ------------------------------------------------------------------ saving

    def schedule_save(self) -> None:
        """Persist this window's copy (coalesced by the controller) and show the outcome."""
        self._saves_in_flight += 1
        self.set_save_state(SaveState.SAVING)
        task = self._track(self._save(), save=True)
        self._save_tasks.add(task)
        task.add_done_callback(self._save_tasks.discard)

    async def flush(self) -> None:
        """Wait until every save this window started has finished."""
        while self._save_tasks:
            await asyncio.gather(*list(self._save_tasks), return_exceptions=True)

    @property
    def unsent_messages(self) -> list[AuthorizedMessage]:
        """Messages posted in this window that no save has stored yet (Retry stores them, once each)."""
        return [message for _room, message in self._unsent.values()]

    def _drop_unsent_of_left_rooms(self) -> None:
        """A room left here or elsewhere takes no posts: its unsent messages would be carried forever."""
        for message_id, (room, _message) in list(self._unsent.items()):
            if room not in self.rooms.rooms:
                del self._unsent[message_id]
                log.info("window %d: an unsent message was dropped with its left room", self.window_id)

    async def _save(self) -> None:
        report: SaveReport | None = None
        error = ""
        try:
            # A post and the room it changes are saved together or not at all; a message that did not land
            # stays unsent and goes with the next save under the same id, so a retry can never post it twice.
            report = await self.controller.save(self.session, self.rooms, messages=self.unsent_messages)
            for message_id in report.messages_stored:
                self._unsent.pop(message_id, None)
            self._drop_unsent_of_left_rooms()
        except (StorageError, OSError, RuntimeError) as exc:
            error = str(exc) or type(exc).__name__
            log.warning("window %d: save failed: %s", self.window_id, error)
        finally:
            self._saves_in_flight -= 1
        if not self._alive:
            return
        if report is not None:
            self._apply_report(report)
            if not report.ok:
                error = report.summary()
        if error:
            self._save_error = error
            self.set_save_state(SaveState.FAILED)
        elif self._saves_in_flight == 0:
            self._save_error = ""
            self.set_save_state(SaveState.SAVED)
            if self._meta_deferred:
                self._meta_deferred = False
                self._sync.mark(meta=True)

    def _local_changes_pending(self) -> bool:
        """This window has changes that are not in the store yet (a save running, or a failed one)."""
        return self._saves_in_flight > 0 or self._save_state is SaveState.FAILED

    def _apply_report(self, report: SaveReport) -> None:
        changed = False
        for key, result in report.rooms.items():
            if result.outcome is RoomOutcome.ADOPTED_LEAVE and result.slot is not None:
                name = self.rooms.rooms[key].name if key in self.rooms.rooms else room_label(key)
                if self.rooms.apply_slot(key, result.slot):
                    changed = True
                    self._hooks.notice(f"“{name}” was left in another window.", 6000)
            elif result.outcome is RoomOutcome.REJOINED_ELSEWHERE and result.slot is not None:
                changed = self.rooms.apply_slot(key, result.slot) or changed
        if changed:
            self._hooks.rooms_changed()
            self.request_unread()

    def set_save_state(self, state: SaveState) -> None:
        previous = self._save_state
        self._save_state = state
        self._hooks.save_state_changed(state, previous)

    # ------------------------------------------------------------------ live sync

    async def _apply_changes(self, batch: PendingChanges) -> None:
        if not self._alive or self._load_state is not LoadState.READY:
            return
        changed = False
        modes_changed = False
        merged_rooms: set[bytes] = set()
        keys_before = self.rooms.rooms.keys_token
        issues: list[LoadIssue] = []
        try:
            while batch.keys:  # a few hundred keys per call: each is a base58 decode and a point check
                await self.controller.run(partial(batch.resolve, SYNC_CHUNK * 4))
                if not self._alive:
                    return
            if batch.rooms:
                read = await read_and_merge(
                    self.controller, lambda: self.rooms, batch.rooms, self._row_cache, lambda: self._alive
                )
                if read is None:
                    return
                merged, issues = read
                changed = bool(merged.changed)
                merged_rooms = merged.changed
                if merged.added:
                    batch.meta = True  # place a room that just arrived where the stored order puts it
            if batch.meta and self._local_changes_pending():
                # Our own unsaved order / modes would be overwritten by the stored (older) preferences;
                # re-read them once our saves are done (the save merges ours into the store first).
                self._meta_deferred = True
            elif batch.meta:
                meta = await self.controller.read_meta()
                if not self._alive:
                    return
                if self._local_changes_pending():
                    self._meta_deferred = True
                elif meta is not None:
                    before = (dict(self.rooms.notification_modes), self.rooms.ordered_keys(), self.rooms.sections())
                    self.rooms.apply_meta(meta, keep_current_room=True)
                    self.controller.note_meta_adopted(self.session, meta)
                    after = (dict(self.rooms.notification_modes), self.rooms.ordered_keys(), self.rooms.sections())
                    if before != after:
                        changed = True
                        modes_changed = before[0] != after[0]
            if batch.rooms and self.rooms.archived:
                changed = self.wake_archived() or changed
            if changed:
                self._hooks.rooms_changed()
            if self._current is not None and self._current in batch.message_rooms:
                await self._load_newest_messages(self._current)
        except StorageError as exc:
            log.warning("window %d: live update failed: %s", self.window_id, exc)
            self.report_error(f"Live update failed: {exc}")
            return
        if issues and self._alive:
            known = {issue.key for issue in self._load_issues}
            self._load_issues = self._load_issues + tuple(i for i in issues if i.key not in known)
            self._hooks.issues_changed()
        if self._alive and (changed or modes_changed or batch.message_rooms):
            # Only the rooms whose data or history changed, unless rooms came or went or the modes changed.
            same_rooms = not modes_changed and self.rooms.rooms.keys_token is keys_before
            self.request_unread(merged_rooms | batch.message_rooms if same_rooms else None)

    async def _load_newest_messages(self, key: bytes) -> None:
        token = self.room_token
        messages = await self.controller.read_messages(key, limit=PAGE_SIZE)
        if not self._alive or token != self.room_token or key != self._current or key not in self.rooms.rooms:
            return
        self._hooks.newest_messages(key, messages)

    # ------------------------------------------------------------------ unread badges

    def request_unread(self, rooms: Iterable[bytes] | None = None) -> None:
        """Recompute the unread counts of ``rooms`` (``None``: every room) off the GUI thread (coalesced)."""
        if not self._alive or self._load_state is not LoadState.READY:
            return
        self._unread_wanted.ask(rooms)
        if self._unread_task is None or self._unread_task.done():
            self._unread_task = self.start_task(self._unread_loop())

    async def _unread_loop(self) -> None:
        while self._unread_wanted.asked and self._alive:
            asked = self._unread_wanted.take()
            if asked is not None and len(self._unread) < len(self.rooms.rooms):  # rooms never counted: now
                asked.update(key for key in self.rooms.rooms if key not in self._unread)
            try:
                counts = await self.controller.unread_counts(self.rooms, asked)
            except StorageError as exc:
                log.warning("window %d: unread counts failed: %s", self.window_id, exc)
                return
            if not self._alive:
                return
            if len(counts) > BULK_BADGES:  # the rows of many new badges are made on the storage thread
                prepared = await self.controller.run(partial(badge_rows, self._list_rows.snapshot(), counts))
                if not self._alive:
                    return
                self.badge_rows = self._list_rows.adopt_badges(prepared, counts)
            elif asked is not None:  # a few rooms: their rows here, the others' rows as they are
                self.badge_rows = self._list_rows.few_badges(counts)
            self._unread = merged_counts(self._unread, counts, asked, self.rooms.rooms)
            try:
                self._hooks.unread_changed(dict(self._unread))
            finally:
                self.badge_rows = None


__all__ = ["PAGE_SIZE", "LoadState", "SaveState", "TaskTracker", "WindowHooks", "WindowState", "prepare_rows"]
