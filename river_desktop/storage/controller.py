"""The storage controller: one per process, shared by every window and the CLI.

All store calls run on one worker thread (``_io``), so the event loop never waits on disk or
crypto; SQLite's ``BEGIN IMMEDIATE`` serialises writers across threads and processes, and the
CAS loop makes every save a read–merge–write that cannot clobber another writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

from river_desktop.domain import cbor
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import (
    PresentSlot,
    RoomData,
    Rooms,
    RoomSlot,
    RoomsMeta,
    TombstoneSlot,
    room_label,
)
from river_desktop.storage import bulk_save, migrate_0_1
from river_desktop.storage import reconcile as rc
from river_desktop.storage.change_feed import POLL_INTERVAL_S, ChangeFeed
from river_desktop.storage.decoded_messages import DecodedMessages
from river_desktop.storage.errors import StorageError
from river_desktop.storage.history_index import HistoryIndexKV
from river_desktop.storage.kv import (
    CasResult,
    Expected,
    KVStore,
    Stored,
    StoreHealth,
    health_of,
    scan_reporting,
)
from river_desktop.storage.legacy_blob import decode_legacy_blob
from river_desktop.storage.load_events import ChangeEvent, LoadIssue, LoadResult, Subscriber
from river_desktop.storage.profile import Profile
from river_desktop.storage.room_rows import start_summary
from river_desktop.storage.save_session import (
    _TOMBSTONE_MARK,
    Intent,
    IntentKind,
    RoomOutcome,
    RoomSaveResult,
    SaveReport,
    SaveSession,
    _digest,
    _digest_is,
    _pending_entries,
    _save_entries,
    _window_entries,
    _window_ids,
    hist_key_of,
)
from river_desktop.storage.search_index import SearchKeeper
from river_desktop.storage.slots import (
    LEGACY_BLOB_KEY,
    META_KEY,
    MIGRATION_DONE_KEY,
    RIVER_MIGRATION_DONE_KEY,
    ROOM_PREFIX,
    decode_slot,
    parse_hist_key,
    parse_room_key,
    room_key,
)

log = logging.getLogger(__name__)

CAS_MAX_ATTEMPTS = 8
SLOT_HOLDS_ANOTHER_ROOM = "the slot holds another room's data (written by a faulty program); it is left untouched"


def decode_room_slot(
    key: str, vk: bytes, payload: bytes, issues: list[LoadIssue]
) -> PresentSlot | TombstoneSlot | None:
    """The slot under ``key``, or None with the reason in ``issues``: a load (full or chunked) leaves an
    undecodable slot, or one holding another room, untouched and says so."""
    try:
        slot = decode_slot(payload, trusted=True)
    except (DecodeError, ValueError) as exc:
        issues.append(LoadIssue(key, f"undecodable room slot ({exc})"))
        log.warning("room %s: undecodable slot left untouched", room_label(vk))
        return None
    if isinstance(slot, PresentSlot) and slot.room.owner_vk != vk:
        issues.append(LoadIssue(key, SLOT_HOLDS_ANOTHER_ROOM))
        log.warning("room %s: a slot holding another room left untouched", room_label(vk))
        return None
    return slot


T = TypeVar("T")


def _stored_message_ids(messages: Sequence[AuthorizedMessage], landed: set[str]) -> frozenset[int]:
    """The ids of ``messages`` whose history key landed in this save.

    Only the rooms with a history key among ``landed`` can hold one, so a post costs the keys written, not a
    history key per room of the list (at 10,000 rooms that walk made a post 8x slower).
    """
    rooms_written = {parsed[0] for key in landed if (parsed := parse_hist_key(key)) is not None}
    return frozenset(m.id for m in messages if any(hist_key_of(vk, m) in landed for vk in rooms_written))


class StorageController(ChangeFeed):
    """Async façade over the KV store; every method is awaited from the event loop thread."""

    def __init__(self, store: KVStore, profile: Profile | None = None) -> None:
        self._store = store
        self.profile = profile
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="river-storage")
        self._subscribers: list[Subscriber] = []
        self._poller: asyncio.Task[None] | None = None
        self._cursor = store.current_cursor()
        self._closed = False
        self._message_index: dict[bytes, list[str]] = {}
        self._decoded = DecodedMessages()
        self._health = health_of(store)
        self._health_subscribers: list[Callable[[StoreHealth], None]] = []
        self._history = store if isinstance(store, HistoryIndexKV) else None
        self._history_attached = False
        self._search = SearchKeeper(store)
        self._start_history_index()
        start_summary(store, self._io.submit)

    # -- lifecycle

    @classmethod
    async def open(cls, profile_dir: str | Path | None = None, *, read_only: bool = False) -> StorageController:
        opener = partial(Profile.open, profile_dir, read_only=read_only)
        profile = await asyncio.get_running_loop().run_in_executor(None, opener)
        return cls(profile.store, profile)

    @classmethod
    def open_sync(cls, profile_dir: str | Path | None = None) -> StorageController:
        profile = Profile.open(profile_dir)
        return cls(profile.store, profile)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self._call(self._store.close)
        self._io.shutdown(wait=True)

    def open_session(self, name: str = "") -> SaveSession:
        return SaveSession(name)

    # -- intents

    def mark_room_rejoined(self, session: SaveSession, owner_vk: bytes) -> None:
        """The user explicitly rejoined (invitation accept, identity import): the next save may overwrite a leave."""
        session._set_intent(owner_vk, IntentKind.REJOIN)

    def clear_room_rejoined(self, session: SaveSession, owner_vk: bytes) -> None:
        with session._lock:
            intent = session.intents.get(owner_vk)
            if intent is not None and intent.kind is IntentKind.REJOIN:
                del session.intents[owner_vk]

    def mark_room_left(self, session: SaveSession, owner_vk: bytes, seen_epoch: int) -> None:
        session._set_intent(owner_vk, IntentKind.LEAVE, seen_epoch)

    def leave_room(self, session: SaveSession, rooms: Rooms, owner_vk: bytes) -> None:
        """Leave in ``rooms`` and record the intent, so the next save writes the tombstone."""
        epoch = rooms.get(owner_vk).epoch
        rooms.leave(owner_vk)
        self.mark_room_left(session, owner_vk, epoch)

    # -- load

    async def load(self, session: SaveSession | None = None) -> Rooms:
        return (await self.load_with_report(session)).rooms

    async def load_with_report(self, session: SaveSession | None = None) -> LoadResult:
        try:
            result, written = await self._call(self._load_sync, session)
        finally:
            self._note_health()
        self._announce(written, external=False)
        if session is not None:
            session.watch(result.rooms)
        return result

    def _planning_keys(self, room_keys: Iterable[str]) -> list[str]:
        """The keys the load plan looks at: the room keys already scanned, and the few special ones."""
        keys = list(room_keys)
        special = self._store.get_many((META_KEY, LEGACY_BLOB_KEY, MIGRATION_DONE_KEY))
        keys.extend(k for k, (value, _gen) in special.items() if value is not None)
        return keys

    def _load_sync(self, session: SaveSession | None) -> tuple[LoadResult, list[str]]:
        # Read once: it is both the plan's input and the load itself. Rows a damaged page (or a foreign writer)
        # made unreadable are load issues, and the other rooms load.
        rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        migrated = False
        upgraded = ""
        written: list[str] = []
        issues: list[LoadIssue] = []
        needs_upgrade = migrate_0_1.needs_migration(self._store, rows)
        if needs_upgrade and not health_of(self._store).writable:
            issues.append(LoadIssue(RIVER_MIGRATION_DONE_KEY, migrate_0_1.NEEDS_WRITABLE))
        elif needs_upgrade:
            try:
                report = migrate_0_1.migrate(self._store, SystemTime.from_unix(time.time()))
            except StorageError as exc:
                issues.append(LoadIssue(RIVER_MIGRATION_DONE_KEY, f"the 0.1.0 profile could not be upgraded ({exc})"))
            else:
                migrated = report.rooms > 0
                upgraded = report.summary()
                issues.extend(LoadIssue(k, reason) for k, reason in report.problems)
                written.extend(k for k, _g, _p in scan_reporting(self._store, ROOM_PREFIX)[0])
            rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        plan = rc.plan_load(self._planning_keys(key for key, _gen, _payload in rows))
        if plan.kind is rc.LoadKind.MIGRATE and health_of(self._store).writable:
            try:
                migrated, written, mig_issues = self._migrate_sync()
            except StorageError as exc:
                mig_issues = [LoadIssue(LEGACY_BLOB_KEY, f"the legacy room list could not be migrated ({exc})")]
            issues.extend(mig_issues)
            rows, skipped = scan_reporting(self._store, ROOM_PREFIX)
        issues.extend(LoadIssue(row.key, row.reason) for row in skipped)
        rooms = Rooms()
        for key, _gen, payload in rows:
            vk = parse_room_key(key, check_point=False)
            if vk is None:
                continue
            slot = decode_room_slot(key, vk, payload, issues)
            if slot is None:
                continue
            if isinstance(slot, PresentSlot):
                rooms.rooms[vk] = slot.room
                if session is not None:
                    session.persisted_rooms[vk] = slot.room
            else:
                rooms.removed[vk] = slot.epoch
            if session is not None:
                session.persisted[vk] = _TOMBSTONE_MARK if isinstance(slot, TombstoneSlot) else _digest(payload)
        try:
            meta_raw = self._store.get(META_KEY)
        except StorageError as exc:
            issues.append(LoadIssue(META_KEY, f"the room preferences cannot be read ({exc})"))
            meta_raw = None
        if meta_raw is not None:
            try:
                meta = RoomsMeta.decode(meta_raw)
            except (DecodeError, ValueError) as exc:
                issues.append(LoadIssue(META_KEY, f"undecodable room preferences ({exc})"))
            else:
                rooms.apply_meta(meta)
                if session is not None:
                    session.meta_saved = rooms.to_meta()
                    session.meta_base = meta
        self._search.note_rooms(rooms.rooms)
        with contextlib.suppress(RuntimeError):  # closing
            self._io.submit(self._search_job)
        return LoadResult(rooms, tuple(issues), migrated, upgraded), written

    def _migrate_sync(self) -> tuple[bool, list[str], list[LoadIssue]]:
        """River's legacy single blob (``rooms_data``) into per-room keys; the blob stays as a rollback copy."""
        raw = self._store.get(LEGACY_BLOB_KEY)
        if raw is None:
            return False, [], []
        try:
            legacy = decode_legacy_blob(raw)
        except (DecodeError, ValueError) as exc:
            return False, [], [LoadIssue(LEGACY_BLOB_KEY, f"the legacy room list cannot be decoded ({exc})")]
        log.info("migrating %d rooms from the legacy blob", len(legacy.rooms))
        issues: list[LoadIssue] = []
        written: list[str] = []
        for vk, room in legacy.rooms.items():
            key = room_key(vk)
            try:
                extra = partial(_window_entries, vk, frozenset())
                _, decision = self._cas_loop(key, partial(rc.reconcile_present, local=room, rejoined=False), extra)
                if isinstance(decision, rc.Write):
                    written.append(key)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                issues.append(LoadIssue(key, f"migration failed ({exc})"))
        for vk, epoch in legacy.removed.items():
            key = room_key(vk)
            try:
                _, decision = self._cas_loop(key, partial(rc.reconcile_migrated_tombstone, epoch=epoch, owner_vk=vk))
                if isinstance(decision, rc.Write):
                    written.append(key)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                issues.append(LoadIssue(key, f"migration failed ({exc})"))
        if self._store.get_versioned(META_KEY)[0] is None:
            meta = legacy.to_meta()
            if isinstance(self._store.cas_store(META_KEY, meta.encode(), 0), Stored):
                written.append(META_KEY)
        if issues:
            return False, written, issues
        self._store.store(MIGRATION_DONE_KEY, cbor.dumps({"rooms": len(legacy.rooms), "left": len(legacy.removed)}))
        written.append(MIGRATION_DONE_KEY)
        return True, written, issues

    # -- save

    async def save(
        self, session: SaveSession, rooms: Rooms, *, messages: Sequence[AuthorizedMessage] = ()
    ) -> SaveReport:
        """Persist this writer's copy. Bursts coalesce: one running save plus one catch-up for all queued.

        Every room's pending changes (``RoomData.pending``: River deltas and the messages they post) are written
        in the same transaction as the room's slot: the outbox entry and the new history keys land together with
        the state that holds them, or not at all. ``messages`` (just posted) make the save run on its own, not
        coalesced; ``SaveReport.messages_stored`` says which of them are stored.
        """
        changed = session.take_changes(rooms)
        if messages:
            try:
                report, written = await self._call(self._save_sync, session, rooms.copy(), tuple(messages), changed)
            except BaseException:
                session.forget_changes()
                raise
            finally:
                self._note_health()
            session.saves_run += 1
            self._announce(written, external=False, session=session)
            return report
        loop = asyncio.get_running_loop()
        session._pending = rooms.copy()
        pending = session._pending_changed
        session._pending_changed = None if pending is None or changed is None else pending | changed
        if session._pending_future is None:
            session._pending_future = loop.create_future()
        future = session._pending_future
        if session._running:
            return await asyncio.shield(future)
        session._running = True
        try:
            while session._pending is not None:
                snapshot, waiting, changed = session._pending, session._pending_future, session._pending_changed
                session._pending, session._pending_future, session._pending_changed = None, None, set()
                assert waiting is not None
                try:
                    report, written = await self._call(self._save_sync, session, snapshot, (), changed)
                    self._note_health()
                except BaseException as exc:
                    session.forget_changes()
                    if not waiting.done():
                        waiting.set_exception(exc)
                    if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
                        raise
                    continue
                session.saves_run += 1
                self._announce(written, external=False, session=session)
                if not waiting.done():
                    waiting.set_result(report)
        finally:
            session._running = False
        return await future

    def _save_sync(
        self,
        session: SaveSession,
        rooms: Rooms,
        messages: tuple[AuthorizedMessage, ...] = (),
        changed: Iterable[bytes] | None = None,
    ) -> tuple[SaveReport, list[str]]:
        """``changed``: the rooms set in ``rooms`` since this writer's last save (``None``: look at them all)."""
        intents = session._snapshot_intents()
        if changed is None:
            candidates: Iterable[tuple[bytes, RoomData]] = rooms.rooms.items()
            self._search.note_rooms(rooms.rooms)
        else:
            wanted = {*changed, *session.retry, *intents}
            candidates = [(vk, rooms.rooms[vk]) for vk in wanted if vk in rooms.rooms]
            self._search.note_rooms(dict(candidates))
        results: dict[bytes, RoomSaveResult] = {}
        written: list[str] = []
        landed: set[str] = set()
        for vk, room in candidates:
            intent = intents.get(vk)
            rejoin = intent is not None and intent.kind is IntentKind.REJOIN
            if not rejoin and session.persisted_rooms.get(vk) is room:
                continue  # untouched since the last load or save (its pending changes were written with it)
            pending = _pending_entries(session, room)
            digest = _digest(room.slot_bytes)
            if not rejoin and not pending and session.persisted.get(vk) == digest:
                session.persisted_rooms[vk] = room
                continue
            last = session.persisted.get(vk)
            ours = None if last is None or last == _TOMBSTONE_MARK else partial(_digest_is, last)
            decide = partial(rc.reconcile_present, local=room, rejoined=rejoin, ours=ours)
            extra = partial(_save_entries, vk, pending, session.known_history(vk))
            result = self._save_room(vk, decide, extra, landed, None if ours is None or rejoin else last)
            results[vk] = result
            if result.outcome is RoomOutcome.FAILED:
                session.retry.add(vk)
                continue
            session.retry.discard(vk)
            if result.outcome is RoomOutcome.STORED:
                written.append(room_key(vk))
                if isinstance(result.slot, PresentSlot):
                    session.history[vk] = _window_ids(result.slot.room)
            session.settled.update(k for k, _ in pending if k in landed)
            session.persisted[vk] = digest if result.outcome is not RoomOutcome.ADOPTED_LEAVE else _TOMBSTONE_MARK
            session.persisted_rooms[vk] = room
            if rejoin and intent is not None and result.outcome in (RoomOutcome.STORED, RoomOutcome.UNCHANGED):
                session._consume(vk, intent)
        for vk, intent in intents.items():
            if intent.kind is not IntentKind.LEAVE or vk in rooms.rooms:
                continue
            result = self._save_room(vk, partial(rc.reconcile_tombstone, seen_epoch=intent.seen_epoch, owner_vk=vk))
            results[vk] = result
            if result.outcome is RoomOutcome.FAILED:
                continue
            if result.outcome is RoomOutcome.STORED:
                written.append(room_key(vk))
            session.persisted[vk] = _TOMBSTONE_MARK
            session.persisted_rooms.pop(vk, None)
            session._consume(vk, intent)
        meta = session.meta_of(rooms)
        meta_outcome: RoomOutcome | None = None
        meta_error = ""
        if session.meta_saved != meta:
            known = set(rooms.rooms) | set(rooms.removed)
            try:
                decide_meta = partial(
                    rc.reconcile_meta,
                    local=meta,
                    known_rooms=known,
                    base=session.meta_base,
                    left_rooms=set(rooms.removed) - set(rooms.rooms),
                )
                _, decision = self._cas_loop(META_KEY, decide_meta)
            except (rc.ReconcileError, StorageError, _CasExhausted) as exc:
                meta_outcome, meta_error = RoomOutcome.FAILED, str(exc)
            else:
                session.meta_saved = meta
                session.meta_base = meta
                meta_outcome = RoomOutcome.STORED if isinstance(decision, rc.Write) else RoomOutcome.UNCHANGED
                if isinstance(decision, rc.Write):
                    written.append(META_KEY)
        written.extend(sorted(landed))
        stored_ids = _stored_message_ids(messages, landed)
        for msg in messages:
            if msg.id in stored_ids:
                log.info("message %s stored by %s", msg.id_display, session.name)
        report = SaveReport(results, meta_outcome, meta_error, stored_ids)
        if not report.ok:
            log.warning("save by %s: %s", session.name, report.summary())
        elif written:
            shown = ", ".join(written[:5]) + (f" and {len(written) - 5} more" if len(written) > 5 else "")
            log.info("save by %s: wrote %s", session.name, shown)
        return report, written

    async def save_new_rooms(self, session: SaveSession, rooms: Mapping[bytes, RoomData]) -> None:
        """The first save of many new rooms, a batch per transaction (storage/bulk_save.py); the ``save`` that
        must follow stores the preferences and whatever this left (a room another writer stored meanwhile)."""
        written = await self._call(self._save_new_sync, session, dict(rooms))
        self._note_health()
        self._announce(written, external=False, session=session)

    def _save_new_sync(self, session: SaveSession, rooms: dict[bytes, RoomData]) -> list[str]:
        self._search.note_rooms(rooms)
        return bulk_save.first_saves(self._store, session, rooms)

    def _save_room(
        self,
        vk: bytes,
        decide: Callable[[bytes | None], rc.Decision],
        extra: Extra | None = None,
        landed: set[str] | None = None,
        guess: bytes | None = None,
    ) -> RoomSaveResult:
        try:
            attempts, decision = self._cas_loop(room_key(vk), decide, extra, landed, guess)
        except rc.ReconcileError as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc))
        except _CasExhausted as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc), attempts=CAS_MAX_ATTEMPTS)
        except StorageError as exc:
            return RoomSaveResult(vk, RoomOutcome.FAILED, str(exc))
        if isinstance(decision, rc.Write):
            return RoomSaveResult(vk, RoomOutcome.STORED, slot=decision.slot, attempts=attempts)
        if isinstance(decision, rc.AdoptLeave):
            return RoomSaveResult(vk, RoomOutcome.ADOPTED_LEAVE, slot=TombstoneSlot(decision.epoch), attempts=attempts)
        if isinstance(decision, rc.RejoinedElsewhere):
            return RoomSaveResult(vk, RoomOutcome.REJOINED_ELSEWHERE, slot=decision.slot, attempts=attempts)
        return RoomSaveResult(vk, RoomOutcome.UNCHANGED, attempts=attempts)

    def _cas_loop(
        self,
        key: str,
        decide: Callable[[bytes | None], rc.Decision],
        extra: Extra | None = None,
        landed: set[str] | None = None,
        guess: bytes | None = None,
    ) -> tuple[int, rc.Decision]:
        """Read, decide, compare-and-swap; on a conflict read again. Bounded, like River's.

        ``extra(decision)``: write-once keys (outbox entries, new history) written in the same transaction as
        ``key``, or alone when ``key`` needs no change; the ones in the store afterwards are added to ``landed``.
        ``guess``: the payload this writer believes is stored (what it last loaded or stored). When deciding on
        it gives a write, the write itself checks the guess, inside its transaction, so the slot is read once
        instead of before and again inside the write; a wrong guess is a conflict that hands back what is
        stored, and the loop goes on from there, as after any lost swap.
        """
        read: tuple[bytes | None, int] | None = None
        first = 1
        if guess is not None:
            decision = decide(guess)
            if isinstance(decision, rc.Write):
                outcome = self._swap(key, decision, guess, extra, landed)
                if isinstance(outcome, Stored):
                    return 1, decision
                read, first = (outcome.current_value, outcome.current_generation), 2
        for attempt in range(first, CAS_MAX_ATTEMPTS + 1):
            current, generation = self._store.get_versioned(key) if read is None else read
            read = None
            decision = decide(current)
            if not isinstance(decision, rc.Write):
                if extra is not None and isinstance(decision, rc.Unchanged):
                    entries = extra(None)
                    if entries:
                        self._write_once(entries, landed)
                return attempt, decision
            outcome = self._swap(key, decision, generation, extra, landed)
            if isinstance(outcome, Stored):
                return attempt, decision
            # Back off a random moment (on this worker thread, never the event loop) so that writers
            # racing on one slot stop colliding in lockstep.
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise _CasExhausted(f"gave up after {CAS_MAX_ATTEMPTS} attempts under concurrent writers")

    def _swap(
        self, key: str, decision: rc.Write, expected: Expected, extra: Extra | None, landed: set[str] | None
    ) -> CasResult:
        entries = [] if extra is None else extra(decision)
        if entries:
            return self._write_once(entries, landed, (key, decision.data, expected))
        if isinstance(expected, bytes):
            return self._store.cas_store_many([(key, decision.data, expected)])[0]
        return self._store.cas_store(key, decision.data, expected)

    def _write_once(
        self,
        extra: Sequence[tuple[str, bytes]],
        landed: set[str] | None,
        first: tuple[str, bytes, Expected] | None = None,
    ) -> CasResult:
        """One transaction: ``first`` (a CAS) and every write-once key in ``extra``; ``first``'s result."""
        items = ([first] if first is not None else []) + [(k, v, 0) for k, v in extra]
        results = self._store.cas_store_many(items)
        tail = results[1:] if first is not None else results
        for (k, _v), res in zip(extra, tail, strict=True):
            if landed is not None and (isinstance(res, Stored) or res.current_value is not None):
                landed.add(k)
        return results[0] if first is not None else Stored(0)

    # -- reading changed keys (live sync)

    async def read_slots(self, owner_vks: Iterable[bytes]) -> dict[bytes, RoomSlot | LoadIssue | None]:
        return await self._call(self._read_slots_sync, list(owner_vks))

    def _read_slots_sync(self, owner_vks: list[bytes]) -> dict[bytes, RoomSlot | LoadIssue | None]:
        keys = {room_key(vk): vk for vk in owner_vks}
        found = self._store.get_many(keys)
        out: dict[bytes, RoomSlot | LoadIssue | None] = {}
        for key, vk in keys.items():
            payload, _ = found.get(key, (None, 0))
            if payload is None:
                out[vk] = None
                continue
            try:
                slot = decode_slot(payload, trusted=True)
                if isinstance(slot, PresentSlot):
                    slot.room.room_state  # noqa: B018
            except (DecodeError, ValueError) as exc:
                out[vk] = LoadIssue(key, f"undecodable room slot ({exc})")
                continue
            if isinstance(slot, PresentSlot) and slot.room.owner_vk != vk:
                out[vk] = LoadIssue(key, SLOT_HOLDS_ANOTHER_ROOM)
                continue
            out[vk] = slot
        return out

    def note_meta_adopted(self, session: SaveSession, meta: RoomsMeta) -> None:
        """A writer applied the stored preferences to its copy: its next save must not count the
        differences from its older copy as its own changes (and so revert another writer's drag)."""
        session.meta_base = meta

    async def read_meta(self) -> RoomsMeta | None:
        raw = await self._call(self._store.get, META_KEY)
        if raw is None:
            return None
        try:
            meta = RoomsMeta.decode(raw)
        except (DecodeError, ValueError):
            return None
        return meta

    # -- history (write-once ``hist:`` keys in message order)

    async def append_messages(
        self, session: SaveSession, owner_vk: bytes, messages: Iterable[AuthorizedMessage]
    ) -> int:
        """Add messages to a room's history in one transaction (imports, demo data); returns how many were new."""
        batch = [(hist_key_of(owner_vk, m), m.encode(), 0) for m in messages]
        written = await self._call(self._put_once_sync, batch)
        self._announce(written, external=False, session=session)
        return len(written)

    async def append_history(self, session: SaveSession, items: Iterable[tuple[bytes, AuthorizedMessage]]) -> int:
        """``append_messages`` for messages of many rooms, ``(owner_vk, message)`` pairs, in one transaction."""
        batch = [(hist_key_of(vk, m), m.encode(), 0) for vk, m in items]
        written = await self._call(self._put_once_sync, batch)
        self._announce(written, external=False, session=session)
        return len(written)

    def _put_once_sync(self, items: list[tuple[str, bytes, int]]) -> list[str]:
        results = self._store.cas_store_many(items)
        return [key for (key, _, _), res in zip(items, results, strict=True) if isinstance(res, Stored)]

    async def run(self, fn: Callable[[], T]) -> T:
        """Run other blocking work (crypto, decoding) on the storage thread, off the event loop."""
        return await self._call(fn)

    # -- blocking entry points for the sync engine's store (storage/net_store.py)

    def run_blocking(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn`` on the storage thread and wait for it, from a thread that is not the storage thread.

        The sync engine's store interface is synchronous; this keeps its reads and writes on the one thread
        every other store call runs on. Windows learn of what it writes from the change poll.
        """
        return self._io.submit(fn, *args).result()

    def save_blocking(self, session: SaveSession, rooms: Rooms) -> SaveReport:
        """:meth:`save`'s read-merge-write for ``rooms`` (the same CAS path), waited for on this thread."""
        report, _written = self.run_blocking(self._save_sync, session, rooms.copy())
        return report

    def read_slot_blocking(self, owner_vk: bytes) -> RoomSlot | LoadIssue | None:
        return self.run_blocking(self._read_slots_sync, [owner_vk])[owner_vk]


Extra = Callable[[rc.Decision | None], list[tuple[str, bytes]]]


class _CasExhausted(Exception):
    pass


async def gather_reports(calls: Iterable[Awaitable[SaveReport]]) -> list[SaveReport]:
    return list(await asyncio.gather(*calls))


__all__ = [
    "CAS_MAX_ATTEMPTS",
    "POLL_INTERVAL_S",
    "ChangeEvent",
    "Intent",
    "IntentKind",
    "LoadIssue",
    "LoadResult",
    "RoomOutcome",
    "RoomSaveResult",
    "SaveReport",
    "SaveSession",
    "StorageController",
    "decode_legacy_blob",
    "gather_reports",
    "hist_key_of",
]
