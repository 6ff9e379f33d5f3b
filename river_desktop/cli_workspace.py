"""The profile session of a CLI command: the room list loaded in a save session of its own, and room lookup.

Every command that changes something is a full writer, exactly like a desktop window: it opens the profile
through the :class:`StorageController`, loads its own copy of the room list in its own :class:`SaveSession`,
changes it, and saves with the same read-merge-write CAS loop, so CLI processes and app windows can work on one
profile at once without losing anything.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from river_desktop.cli_base import PROG, CliError, Json, SaveFailed, one_line, profile_exists
from river_desktop.cli_base import int_between as int_between
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
from river_desktop.storage.controller import (
    CAS_MAX_ATTEMPTS,
    LoadIssue,
    RoomOutcome,
    SaveReport,
    SaveSession,
    StorageController,
)
from river_desktop.storage.errors import StorageError
from river_desktop.storage.slots import RIVER_MIGRATION_DONE_KEY, b58, parse_b58_room

MIN_PREFIX = 6
MAX_CANDIDATES = 10
SAVE_RETRIES = 4

NOTIFY_NAMES: dict[NotificationMode, str] = {
    NotificationMode.ALL: "all",
    NotificationMode.MENTIONS_AND_REPLIES: "mentions",
    NotificationMode.MUTED: "muted",
}
NOTIFY_BY_NAME = {name: mode for mode, name in NOTIFY_NAMES.items()}

SECRET_WARNING = (
    f"{PROG}: warning: this invitation code is a secret bearer credential: anyone who has it can join "
    "the room as the invited member. Send it only to that person, over a private channel."
)


def room_json_base(room: RoomData) -> dict[str, Json]:
    return {
        "key": b58(room.owner_vk),
        "name": room.name,
        "nickname": room.self_nickname or "",
        "member_id": room.self_identity.member_id,
    }


def describe(room: RoomData) -> str:
    name = one_line(room.name) if room.name else "(waiting for room data)"
    return f"{name} ({b58(room.owner_vk)})"


def resolve_room(rooms: Rooms, text: str) -> bytes:
    """A room of this list by full key, unique key prefix (>= 6 characters) or unique exact name."""
    vk = parse_b58_room(text)
    if vk is not None and vk in rooms.rooms:
        return vk
    by_prefix = [k for k in rooms.rooms if len(text) >= MIN_PREFIX and b58(k).startswith(text)]
    by_name = [k for k, room in rooms.rooms.items() if room.name and room.name == text]
    candidates = list(dict.fromkeys(by_prefix + by_name))
    if len(candidates) == 1:
        return candidates[0]
    shown = repr(one_line(text, 60))
    if candidates:
        raise CliError(f"room {shown} is ambiguous; candidates: {_list_rooms(rooms, candidates)}")
    left = [k for k in rooms.removed if k not in rooms.rooms and (k == vk or _is_prefix(text, k))]
    if len(left) == 1:
        raise CliError(f"you left room {b58(left[0])}; accept a new invitation to rejoin it")
    near = [k for k, room in rooms.rooms.items() if text.casefold() in room.name.casefold() or b58(k).startswith(text)]
    short = len(text) < MIN_PREFIX and any(b58(k).startswith(text) for k in rooms.rooms)
    hint = f" (a key prefix needs at least {MIN_PREFIX} characters)" if short else ""
    if near:
        raise CliError(f"no room matches {shown}{hint}; candidates: {_list_rooms(rooms, near)}")
    gone = sorted(k for k in rooms.removed if k not in rooms.rooms)
    if gone:  # a tombstone keeps no name: name the left rooms, so "Book Club" after leaving it is explained
        keys = ", ".join(b58(k) for k in gone[:MAX_CANDIDATES]) + (", ..." if len(gone) > MAX_CANDIDATES else "")
        hint += f" (if it is a room you left: you left {keys}; accept a new invitation to rejoin)"
    if not rooms.rooms:
        raise CliError(f"no room matches {shown}{hint}: this profile has no rooms")
    raise CliError(f"no room matches {shown}{hint}; rooms: {_list_rooms(rooms, rooms.ordered_keys())}")


def _is_prefix(text: str, vk: bytes) -> bool:
    return len(text) >= MIN_PREFIX and b58(vk).startswith(text)


def _list_rooms(rooms: Rooms, keys: Sequence[bytes]) -> str:
    shown = ", ".join(describe(rooms.rooms[k]) for k in keys[:MAX_CANDIDATES])
    more = len(keys) - MAX_CANDIDATES
    return shown + (f", and {more} more" if more > 0 else "")



def decode_invitation(code: str) -> Invitation:
    """Decode a code; an ``InvitationError`` message never contains the code itself."""
    try:
        return Invitation.decode(code)
    except InvitationError as exc:
        raise CliError(f"invalid invitation: {exc}") from None


# --- the profile session ------------------------------------------------------------------------


@dataclass
class Workspace:
    ctl: StorageController
    session: SaveSession
    rooms: Rooms
    issues: tuple[LoadIssue, ...]
    upgrade_note: str = ""

    async def save(self, *focus: bytes, messages: Sequence[AuthorizedMessage] = ()) -> SaveReport:
        """Save; a failed room (or preferences) is an error, as is a focus room lost to a remote leave.

        A room whose CAS loop gave up under heavy contention (many writers on one slot) is saved
        again, a few times: the session re-reads and re-merges, and rooms already saved are skipped.
        ``messages`` go into the store in one transaction with their room (see ``StorageController.save``);
        the error raised is a :class:`SaveFailed` that says which of them are stored all the same.
        """
        report = await self.ctl.save(self.session, self.rooms, messages=messages)
        results = dict(report.rooms)
        stored = set(report.messages_stored)
        for _ in range(SAVE_RETRIES):
            contended = any(r.attempts >= CAS_MAX_ATTEMPTS for r in report.failures) or report.meta_error
            if not contended:
                break
            report = await self.ctl.save(self.session, self.rooms, messages=messages)
            results.update(report.rooms)
            stored.update(report.messages_stored)
        report = SaveReport(results, report.meta, report.meta_error, frozenset(stored))
        try:
            self._check(report, focus)
        except CliError as exc:
            raise SaveFailed(str(exc), report.messages_stored) from None
        return report

    def _check(self, report: SaveReport, focus: Sequence[bytes]) -> None:
        for vk in focus:
            result = report.rooms.get(vk)
            if result is not None and result.outcome is RoomOutcome.ADOPTED_LEAVE:
                raise CliError(f"room {b58(vk)} was left in another window or process; the change was not saved")
        if report.failures:
            first = report.failures[0]
            raise CliError(f"could not save room {b58(first.owner_vk)}: {first.reason}")
        if report.meta_error:
            raise CliError(f"could not save the room list preferences: {report.meta_error}")

    def notes(self) -> list[str]:
        upgrade = [self.upgrade_note] if self.upgrade_note else []
        return upgrade + [
            f"{PROG}: warning: {issue.key}: {issue.reason}; it was skipped (see `store check`)" for issue in self.issues
        ]


def controller_class() -> type[StorageController]:
    """The controller the CLI opens profiles with: ``river_desktop.cli.StorageController`` when one was put there
    (the name lived in ``cli.py`` before its split, and tests replace it there to inject store faults)."""
    cli = sys.modules.get("river_desktop.cli")
    found = None if cli is None else vars(cli).get("StorageController")
    return found if isinstance(found, type) and issubclass(found, StorageController) else StorageController


async def open_for_reading(profile: Path) -> StorageController:
    """The store of an existing profile, opened read-only: nothing created, tightened or written (read commands)."""
    return await controller_class().open(profile, read_only=True)


@asynccontextmanager
async def workspace(profile: Path, name: str = "cli", *, reading: bool = False) -> AsyncIterator[Workspace]:
    """The profile loaded in a session of its own. A read command that meets a 0.1.0 profile not yet upgraded
    opens it for writing once, so the upgrade runs (the only write a read command makes); a profile that takes
    no writes is read as it is, with a warning."""
    ctl = await (open_for_reading(profile) if reading else controller_class().open(profile))
    try:
        session = ctl.open_session(name)
        result = await ctl.load_with_report(session)
        if reading and any(issue.key == RIVER_MIGRATION_DONE_KEY for issue in result.issues):
            with contextlib.suppress(StorageError):
                writable = await controller_class().open(profile)
                await ctl.close()
                ctl = writable
                session = ctl.open_session(name)
                result = await ctl.load_with_report(session)
        ws = Workspace(ctl, session, result.rooms, result.issues)
        if result.upgrade:
            ws.upgrade_note = f"{PROG}: note: {result.upgrade}"
        yield ws
    finally:
        await ctl.close()


@asynccontextmanager
async def read_workspace(profile: Path, *, writes: bool = False) -> AsyncIterator[Workspace | None]:
    """Like :func:`workspace` for read commands, but ``None`` (nothing created) when there is no profile.

    The profile is opened as it is (no folder created, no permission changed) unless the command
    may write (``writes``: ``messages list --mark-read``).
    """
    if not profile_exists(profile):
        yield None
        return
    async with workspace(profile, reading=not writes) as ws:
        yield ws


def millis(msg: AuthorizedMessage) -> int:
    t = msg.message.time
    return t.secs * 1000 + t.nanos // 1_000_000

