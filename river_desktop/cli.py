"""``river-desktop-cli``: headless commands on a River Desktop profile (no Qt).

Every command that changes something is a full writer, exactly like a desktop window: it opens
the profile through the :class:`StorageController`, loads its own copy of the room list in its own
:class:`SaveSession`, changes it, and saves with the same read–merge–write CAS loop. Several CLI
processes and app windows can therefore work on one profile at once without losing anything.

Output: human-readable text by default, ``--json`` for scripts (schemas in ``docs/cli.md``).
Errors: one line on stderr, ``river-desktop-cli: error: ...``; exit 1 for operational errors,
2 for usage errors. Invitation codes and signing keys never appear in errors or logs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import os
import sqlite3
import sys
import unicodedata
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.invitation import Invitation, InvitationError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river import views
from river_desktop.domain.river.content import CONTENT_TYPE_ACTION
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import ReadMarker
from river_desktop.domain.rooms import (
    NotificationMode,
    PresentSlot,
    RoomData,
    Rooms,
    RoomsError,
    RoomsMeta,
    decode_slot,
)
from river_desktop.storage.controller import (
    CAS_MAX_ATTEMPTS,
    LoadIssue,
    RoomOutcome,
    SaveReport,
    SaveSession,
    StorageController,
    decode_legacy_blob,
)
from river_desktop.storage.envelope import MAX_GENERATION, decode_versioned
from river_desktop.storage.errors import StorageError
from river_desktop.storage.profile import DB_FILENAME, Profile, default_profile_dir
from river_desktop.storage.salvage import salvage
from river_desktop.storage.slots import (
    HIST_PREFIX,
    LEGACY_BLOB_KEY,
    META_KEY,
    MIGRATION_DONE_KEY,
    MSG_PREFIX,
    OUTBOX_PREFIX,
    RIVER_MIGRATION_DONE_KEY,
    ROOM_PREFIX,
    b58,
    parse_b58_room,
    parse_hist_key,
    parse_room_key,
)
from river_desktop.storage.sqlite_kv import SqliteKV

PROG = "river-desktop-cli"
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

Json = object


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit status 1."""


class SaveFailed(CliError):
    """A save that did not go through; ``messages_stored``: the ids of the messages in the store all the same."""

    def __init__(self, message: str, messages_stored: frozenset[int] = frozenset()) -> None:
        super().__init__(message)
        self.messages_stored = messages_stored


@dataclass
class Output:
    """What a command produced: ``data`` for ``--json``, ``text`` for people, ``notes`` for stderr."""

    data: Json
    text: str | Callable[[], str] = ""
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        """The text form; a callable is only rendered when text is wanted (``--json`` skips it)."""
        return self.text() if callable(self.text) else self.text


# --- helpers ------------------------------------------------------------------------------------


def one_line(text: str, limit: int = 200) -> str:
    """Make untrusted text (names, nicknames, messages) safe for one terminal line."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def db_path(profile: Path) -> Path:
    return profile.expanduser() / DB_FILENAME


def profile_exists(profile: Path) -> bool:
    return db_path(profile).is_file()


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


MAX_LIST_LIMIT = 100_000
MAX_DEMO_ROOMS = 100_000
MAX_DEMO_MESSAGES_PER_ROOM = 100_000
MAX_DEMO_MESSAGES = 10_000_000
MAX_SEED = 2**64 - 1
MAX_NAME_COMPONENT_BYTES = 255
MAX_PATH_BYTES = 4096


def int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[minimum, maximum]`` (every integer argument is bounded)."""

    def parse(text: str) -> int:
        if len(text) > 40:
            raise argparse.ArgumentTypeError(f"{one_line(text, 20)!r} is not a whole number up to {maximum:,}")
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{one_line(text, 40)!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: at least {minimum:,}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{value} is too large: at most {maximum:,}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its complaint
    return parse


TEXT_ARGUMENTS = {
    "name": "the room name",
    "nickname": "the nickname",
    "nick": "the nickname",
    "text": "the message",
    "room": "the room",
    "before": "the room",
    "code": "the invitation code",
    "message_id": "the message id",
    "emoji": "the emoji",
    "member": "the member",
}


def check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse arguments that are not text: bytes that are not UTF-8 arrive as lone surrogates."""
    for attr, what in TEXT_ARGUMENTS.items():
        value = getattr(args, attr, None)
        if isinstance(value, str) and not _is_utf8(value):
            raise CliError(f"{what} is not valid UTF-8 text (check the terminal's or the script's encoding)")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_profile_path(path: Path) -> None:
    """A path the file system cannot hold is refused in one line, before anything opens it."""
    raw = os.fsencode(path.expanduser())
    if len(raw) > MAX_PATH_BYTES:
        raise CliError(f"the profile path is {len(raw)} bytes long; at most {MAX_PATH_BYTES} are possible")
    for part in raw.split(b"/"):
        if len(part) > MAX_NAME_COMPONENT_BYTES:
            raise CliError(
                f"a folder name in the profile path is {len(part)} bytes long; "
                f"file systems allow at most {MAX_NAME_COMPONENT_BYTES}"
            )


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


async def open_for_reading(profile: Path) -> StorageController:
    """The store of an existing profile, opened read-only: nothing created, tightened or written (read commands)."""
    return await StorageController.open(profile, read_only=True)


@asynccontextmanager
async def workspace(profile: Path, name: str = "cli", *, reading: bool = False) -> AsyncIterator[Workspace]:
    """The profile loaded in a session of its own. A read command that meets a 0.1.0 profile not yet upgraded
    opens it for writing once, so the upgrade runs (the only write a read command makes); a profile that takes
    no writes is read as it is, with a warning."""
    ctl = await (open_for_reading(profile) if reading else StorageController.open(profile))
    try:
        session = ctl.open_session(name)
        result = await ctl.load_with_report(session)
        if reading and any(issue.key == RIVER_MIGRATION_DONE_KEY for issue in result.issues):
            with contextlib.suppress(StorageError):
                writable = await StorageController.open(profile)
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


# --- rooms --------------------------------------------------------------------------------------


async def cmd_rooms_list(args: argparse.Namespace) -> Output:
    async with read_workspace(args.profile) as ws:
        if ws is None:
            return Output([], "no rooms")
        rooms = ws.rooms
        unread = await ws.ctl.unread_counts(rooms)
        items: list[dict[str, Json]] = []
        favourites, main, archive = rooms.sections()
        for vk in favourites + main + (archive if args.all else []):
            room = rooms.rooms[vk]
            item = room_json_base(room)
            item.update(
                notifications=NOTIFY_NAMES[rooms.notification_mode(vk)],
                unread=unread.get(vk, 0),
                state="waiting" if room.waiting else "ok",
                owner=room.is_owner,
                member_label=member_id_display(room.self_identity.member_id),
                current=rooms.current_room == vk,
                pinned=vk in favourites,
                archived=vk in rooms.archived and vk not in favourites,
            )
            items.append(item)
        if args.all:
            for vk in sorted(rooms.removed):
                items.append(
                    {
                        "key": b58(vk),
                        "name": "",
                        "nickname": "",
                        "member_id": None,
                        "notifications": NOTIFY_NAMES[rooms.notification_mode(vk)],
                        "unread": 0,
                        "state": "left",
                        "owner": False,
                        "member_label": "",
                        "current": False,
                        "pinned": False,
                        "archived": False,
                    }
                )
        return Output(items, lambda: _rooms_table(items), ws.notes())


def _rooms_table(items: list[dict[str, Json]]) -> str:
    if not items:
        return "no rooms"
    header = ("KEY", "NAME", "NICKNAME", "MEMBER", "NOTIFY", "UNREAD", "STATE", "LIST")
    rows = [header] + [
        (
            str(it["key"]),
            one_line(str(it["name"]), 40) or "-",
            one_line(str(it["nickname"]), 24) or "-",
            str(it["member_label"]) or "-",
            str(it["notifications"]),
            str(it["unread"]),
            str(it["state"]),
            "favourite" if it["pinned"] else "archived" if it["archived"] else "",
        )
        for it in items
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


async def cmd_rooms_create(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        room = ws.rooms.create_room(args.name, args.nickname, private=args.private)
        report = await ws.save(room.owner_vk)
        result = report.rooms.get(room.owner_vk)
        if result is None or result.outcome is not RoomOutcome.STORED:
            raise CliError(f"room {b58(room.owner_vk)} was not stored")
        data = room_json_base(room)
        return Output(data, str(data["key"]), ws.notes())


async def cmd_rooms_rename(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        room = ws.rooms.rename(vk, args.name)
        await ws.save(vk)
        return Output({"key": b58(vk), "name": room.name}, f"renamed {describe(room)}", ws.notes())


async def cmd_rooms_nickname(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        room = ws.rooms.set_nickname(vk, args.nick)
        await ws.save(vk)
        data = {"key": b58(vk), "nickname": room.self_nickname}
        nick = one_line(room.self_nickname or "")
        return Output(data, f"your nickname in {describe(room)} is now {nick!r}", ws.notes())


async def cmd_rooms_notify(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        ws.rooms.set_notification_mode(vk, NOTIFY_BY_NAME[args.mode])
        await ws.save()
        data = {"key": b58(vk), "notifications": args.mode}
        return Output(data, f"notifications for {describe(ws.rooms.rooms[vk])}: {args.mode}", ws.notes())


async def cmd_rooms_move(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        if args.to_end:
            ws.rooms.move_room_to_end(vk)
        else:
            target = resolve_room(ws.rooms, args.before)
            if target == vk:
                raise CliError("a room cannot be moved before itself")
            ws.rooms.move_room(vk, target)
        await ws.save()
        order = [b58(k) for k in ws.rooms.ordered_keys()]
        text = "\n".join(describe(ws.rooms.rooms[k]) for k in ws.rooms.ordered_keys())
        return Output({"key": b58(vk), "order": order}, text, ws.notes())


async def cmd_rooms_leave(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        label = describe(ws.rooms.rooms[vk])
        ws.ctl.leave_room(ws.session, ws.rooms, vk)
        report = await ws.save()
        result = report.rooms.get(vk)
        if result is not None and result.outcome is RoomOutcome.REJOINED_ELSEWHERE:
            raise CliError(f"room {b58(vk)} was rejoined elsewhere after this command read it; it was not left")
        return Output({"key": b58(vk), "state": "left"}, f"left {label}", ws.notes())


# --- invitations --------------------------------------------------------------------------------


async def cmd_invite_create(args: argparse.Namespace) -> Output:
    async with read_workspace(args.profile) as ws:
        if ws is None:
            raise CliError(f"no profile at {args.profile}")
        vk = resolve_room(ws.rooms, args.room)
        room = ws.rooms.rooms[vk]
        inv = Invitation.create(
            room=vk,
            inviter_signing_key=room.self_identity.seed,
            room_secrets=room.invitation_secrets.items(),
        )
        code = inv.encode()
        data = {"code": code, "room": b58(vk), "invitee_member_id": inv.invitee_member_id}
        return Output(data, code, [*ws.notes(), SECRET_WARNING])


async def cmd_invite_inspect(args: argparse.Namespace) -> Output:
    inv = decode_invitation(args.code)
    inviter = inv.inviter_member_id
    owner_id = member_id(inv.room)
    valid: bool | None = None
    if inviter == owner_id:
        valid = inv.verify(inv.room)
    else:
        inviter_vk = await _known_member(args.profile, inv.room, inviter)
        if inviter_vk is not None:
            valid = inv.verify(inviter_vk)
    data: dict[str, Json] = {
        "room": b58(inv.room),
        "owner_member_id": owner_id,
        "invitee_member_id": inv.invitee_member_id,
        "inviter_member_id": inviter,
        "inviter_is_owner": inviter == owner_id,
        "room_secret_versions": inv.room_secret_versions,
        "signature_valid": valid,
    }
    check = {True: "valid", False: "INVALID", None: "unknown (the inviter is not known here)"}[valid]
    text = "\n".join(
        [
            f"room:               {data['room']}",
            f"invitee member id:  {inv.invitee_member_id} ({member_id_display(inv.invitee_member_id)})",
            f"inviter member id:  {inviter} ({member_id_display(inviter)})"
            + (" (the room owner)" if inviter == owner_id else ""),
            f"room secrets:       {', '.join(map(str, inv.room_secret_versions)) or 'none'}",
            f"signature:          {check}",
        ]
    )
    return Output(data, text)


async def _known_member(profile: Path, room_vk: bytes, wanted: int) -> bytes | None:
    """The verifying key of member ``wanted`` in the profile's copy of the room, if any. Read-only."""
    if not profile_exists(profile):
        return None
    ctl = await open_for_reading(profile)
    try:
        slot = (await ctl.read_slots([room_vk])).get(room_vk)
    finally:
        await ctl.close()
    room = getattr(slot, "room", None)
    if not isinstance(room, RoomData):
        return None
    for vk in (room.owner_vk, room.self_vk):
        if member_id(vk) == wanted:
            return vk
    return None if room.waiting else room.room_state.member_vk(room.owner_vk, wanted)


async def cmd_invite_accept(args: argparse.Namespace) -> Output:
    inv = decode_invitation(args.code)  # before the profile is touched: a bad code writes nothing
    async with workspace(args.profile) as ws:
        rejoined = inv.room in ws.rooms.removed
        room = ws.rooms.accept_invitation(inv, args.nickname)
        ws.ctl.mark_room_rejoined(ws.session, room.owner_vk)
        await ws.save(room.owner_vk)
        room = ws.rooms.rooms.get(room.owner_vk, room)
        data = room_json_base(room)
        data.update(state="waiting" if room.waiting else "ok", rejoined=rejoined)
        verb = "rejoined" if rejoined else "joined"
        text = f"{verb} {b58(room.owner_vk)} as member {member_id_display(room.self_identity.member_id)}"
        return Output(data, text, ws.notes())


# --- messages -----------------------------------------------------------------------------------


async def cmd_messages_send(args: argparse.Namespace) -> Output:
    async with workspace(args.profile) as ws:
        vk = resolve_room(ws.rooms, args.room)
        msg = ws.rooms.post_message(vk, args.text)
        notes = ws.notes()
        try:
            await ws.save(vk, messages=[msg])
        except SaveFailed as exc:
            if msg.id not in exc.messages_stored:
                raise CliError(f"{exc}; the message was not posted") from None
            notes.append(f"{PROG}: warning: the message was posted, but {exc}; do not send it again")
        data = {
            "id": msg.id,
            "room": b58(vk),
            "timestamp": _millis(msg),
            "author_member_id": msg.author,
        }
        return Output(data, str(msg.id), notes)


async def cmd_messages_list(args: argparse.Namespace) -> Output:
    async with read_workspace(args.profile, writes=args.mark_read) as ws:
        rooms = Rooms() if ws is None else ws.rooms
        vk = resolve_room(rooms, args.room)
        assert ws is not None  # resolve_room found a room, so there is a profile
        room = rooms.rooms[vk]
        page = await listed_page(ws.ctl, vk, args.limit)
        shown = {item.message_id: item for item in history_view(room, page)}
        items: list[dict[str, Json]] = []
        lines = []
        for msg in page:
            item = shown.get(msg.id)
            if item is None and msg.message.content.content_type == CONTENT_TYPE_ACTION:
                continue  # an edit, delete or reaction: shown on its target
            author = room.nickname_of(msg.author) if not room.waiting else member_id_display(msg.author)
            ms = _millis(msg)
            text = "" if item is None else item.display
            entry: dict[str, Json] = {
                "id": msg.id,
                "author_member_id": msg.author,
                "author": author,
                "timestamp": ms,
                "text": text,
                "content_type": msg.message.content.content_type,
                "reply_to": None if item is None or item.reply_to is None else item.reply_to.message_id,
                "reactions": {} if item is None else {emoji: list(ids) for emoji, ids in item.reactions.items()},
                "edited": False if item is None else item.edited,
                "deleted": item is None,
                "own": msg.author == room.self_member_id,
            }
            items.append(entry)
            who = one_line(author, 24)
            lines.append(f"{_format_time(ms)}  {who}: {one_line(text, 500) if item else '(deleted)'}")
        if args.mark_read and page:
            ws.rooms.mark_read(vk, max(page, key=lambda m: m.order_key))
            await ws.save(vk)
        return Output(items, "\n".join(lines) if lines else "no messages", ws.notes())


async def listed_page(ctl: StorageController, vk: bytes, limit: int) -> list[AuthorizedMessage]:
    """The newest history holding ``limit`` messages that are listed, or all there is: an edit, a delete or a
    reaction is stored as a message of its own but listed on its target, so it does not count."""
    page = await ctl.read_messages(vk, limit=limit)
    listed = [m for m in page if m.message.content.content_type != CONTENT_TYPE_ACTION]
    while len(listed) < limit and len(page) >= limit:
        older = await ctl.read_messages(vk, before=ReadMarker.of(page[0]), limit=limit)
        if not older:
            break
        page = older + page
        listed = [m for m in page if m.message.content.content_type != CONTENT_TYPE_ACTION]
    if len(listed) > limit:
        page = [m for m in page if m.order_key >= listed[-limit].order_key]
    return page


def history_view(room: RoomData, page: Sequence[AuthorizedMessage]) -> tuple[views.MessageItem, ...]:
    """River's display of a history page: edits, deletes and reactions resolved within the page and the
    room's window (actions come after their targets, so the newest page is always complete)."""
    if room.waiting:
        state = room.room_state
        merged = page
    else:
        state = room.room_state
        by_id = {m.id: m for m in (*page, *state.recent_messages)}
        merged = sorted(by_id.values(), key=lambda m: m.order_key)
    wanted = {m.id for m in page}
    from dataclasses import replace as _replace

    shown = views.messages(_replace(state, recent_messages=tuple(merged)), room.keyring)
    return tuple(item for item in shown if item.message_id in wanted)


def _format_time(ms: int) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(ms)


def _millis(msg: AuthorizedMessage) -> int:
    t = msg.message.time
    return t.secs * 1000 + t.nanos // 1_000_000


# --- store --------------------------------------------------------------------------------------


async def cmd_store_keys(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        return Output([], "no keys")
    with _read_only_store(args.profile) as store:
        rows = store.entries()
        skipped = store.skipped_rows()
    items: list[dict[str, Json]] = [{"key": k, "generation": g, "size": n} for k, g, n in rows]

    def text() -> str:
        width = max((len(k) for k, _, _ in rows), default=3)
        return "\n".join(f"{k.ljust(width)}  {g:>6}  {n:>8}" for k, g, n in rows) or "no keys"

    notes = [f"{PROG}: warning: {row.key}: {row.reason}; it was skipped (see `store check`)" for row in skipped]
    return Output(items, text, notes)


@contextmanager
def _read_only_store(profile: Path) -> Iterator[SqliteKV]:
    """The profile's store opened read-only: the store commands never change the file they inspect."""
    store = Profile.open(profile, read_only=True).store
    try:
        yield store
    finally:
        store.close()


@dataclass(frozen=True)
class Problem:
    key: str
    problem: str


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    intact: int = 0

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def summary(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "empty store"

    def damaged_keys(self) -> list[str]:
        return sorted({p.key for p in self.problems if p.key != DATABASE})

    def to_json(self) -> dict[str, Json]:
        return {
            "ok": not self.problems,
            "problems": [{"key": p.key, "problem": p.problem} for p in self.problems],
            "checked": dict(sorted(self.counts.items())),
            "intact": self.intact,
            "damaged": self.damaged_keys(),
        }

    def render_problems(self) -> str:
        lines = [f"{p.key}: {p.problem}" for p in self.problems]
        lines.append(f"intact: {self.intact} key(s); damaged or unusable: {len(self.damaged_keys())} key(s)")
        return "\n".join(lines)


DATABASE = "(database)"


def check_store(store: SqliteKV) -> CheckResult:
    """Read every key, each on its own where a scan meets damage, and report what cannot be used. Reads only."""
    result = CheckResult()
    verdict = store.integrity_check()
    if verdict != "ok":
        for line in verdict.splitlines():
            result.problems.append(Problem(DATABASE, f"integrity check: {line}"))
    read = store.read_all()
    for row in read.skipped:
        result.problems.append(Problem(row.key, row.reason))
    keys: dict[str, bytes] = {}
    for key, value, _seq in read.rows:
        generation, payload = decode_versioned(value)
        if generation >= MAX_GENERATION:
            result.problems.append(
                Problem(key, "it is at the highest generation (2^64-1), so it can never be written again")
            )
        if payload is not None:
            keys[key] = payload
    for key, payload in keys.items():
        before = len(result.problems)
        if key.startswith(ROOM_PREFIX):
            _check_room(result, key, payload)
        elif key.startswith(HIST_PREFIX):
            _check_message(result, key, payload)
        elif key.startswith(MSG_PREFIX):
            result.count("0.1.0 messages")
        elif key.startswith(OUTBOX_PREFIX):
            result.count("outbox")
        elif key == META_KEY:
            result.count("meta")
            try:
                RoomsMeta.decode(payload)
            except (DecodeError, ValueError) as exc:
                result.problems.append(Problem(key, f"undecodable room preferences ({exc})"))
        elif key == LEGACY_BLOB_KEY:
            result.count("legacy")
            if MIGRATION_DONE_KEY not in keys:
                try:
                    decode_legacy_blob(payload)
                except (DecodeError, ValueError) as exc:
                    result.problems.append(Problem(key, f"the legacy room list cannot be migrated ({exc})"))
        else:
            result.count("other")
        if len(result.problems) == before:
            result.intact += 1
    return result


def _check_room(result: CheckResult, key: str, payload: bytes) -> None:
    result.count("rooms")
    vk = parse_room_key(key)
    if vk is None:
        result.problems.append(Problem(key, "not a valid room key (not base58 of an ed25519 key)"))
        return
    try:
        slot = decode_slot(payload)
        if isinstance(slot, PresentSlot):
            slot.room.room_state  # noqa: B018  (the whole state must decode)
    except (DecodeError, ValueError) as exc:
        result.problems.append(Problem(key, f"undecodable room slot ({exc})"))
        return
    if isinstance(slot, PresentSlot) and slot.room.owner_vk != vk:
        result.problems.append(Problem(key, "the slot holds another room"))


def _check_message(result: CheckResult, key: str, payload: bytes) -> None:
    result.count("messages")
    parsed = parse_hist_key(key)
    if parsed is None:
        result.problems.append(Problem(key, "not a valid history key"))
        return
    vk, (secs, nanos, mid) = parsed
    try:
        msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
    except (DecodeError, ValueError) as exc:
        result.problems.append(Problem(key, f"undecodable message ({exc})"))
        return
    t = msg.message.time
    if msg.id != mid:
        result.problems.append(Problem(key, f"the message's id is {msg.id}, not its key's"))
    elif (t.secs, t.nanos) != (secs, nanos):
        result.problems.append(Problem(key, "the message's time is not its key's"))
    elif msg.message.room_owner != river_codec.fast_hash(vk):
        result.problems.append(Problem(key, "the message belongs to another room"))


async def cmd_store_check(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        raise CliError(f"no profile database at {db_path(args.profile)}")
    try:
        with _read_only_store(args.profile) as store:
            result = check_store(store)
    except StorageError as exc:  # not even openable: still a report on stdout, as --json promises
        result = CheckResult([Problem(DATABASE, one_line(str(exc), 2000))])
    data = result.to_json()
    if result.problems:
        raise CheckFailed(Output(data, result.render_problems()), len(result.problems))
    return Output(data, f"ok: {result.summary()}")


async def cmd_store_salvage(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        raise CliError(f"no profile database at {db_path(args.profile)}")
    target = Path(args.to).expanduser()
    with _read_only_store(args.profile) as store:
        report = salvage(store, target)
    lost = [{"key": row.key, "problem": row.reason} for row in report.lost]
    data: dict[str, Json] = {"to": str(report.target), "copied": report.copied, "lost": lost}

    def text() -> str:
        lines = [f"copied {report.copied} key(s) into {report.target}; {db_path(args.profile)} was left as it is"]
        if lost:
            lines.append(f"lost {len(lost)} key(s) that could not be read:")
            lines.extend(f"  {row.key}: {row.reason}" for row in report.lost)
        else:
            lines.append("nothing was lost")
        return "\n".join(lines)

    return Output(data, text)


class OutputFailed(Exception):
    """A command that reports and fails (``net status``, ``net sync``): print ``output``, then exit 1."""

    def __init__(self, output: Output, message: str) -> None:
        super().__init__(message)
        self.output = output


class CheckFailed(Exception):
    """``store check`` found problems: print the report, exit 1."""

    def __init__(self, output: Output, count: int) -> None:
        super().__init__("problems found")
        self.output = output
        self.count = count


# --- net (river_desktop/cli_net.py, imported only when a net command runs) ----------------------


def _net_handler(name: str) -> Handler:
    async def run(args: argparse.Namespace) -> Output:
        from river_desktop import cli_net

        handler: Handler = getattr(cli_net, name)
        return await handler(args)

    return run


# --- demo ---------------------------------------------------------------------------------------


async def cmd_demo_populate(args: argparse.Namespace) -> Output:
    from river_desktop.demo import populate

    total = args.rooms * args.messages_per_room
    if total > MAX_DEMO_MESSAGES:
        raise CliError(
            f"{args.rooms:,} rooms x {args.messages_per_room:,} messages is {total:,} messages; "
            f"demo populate makes at most {MAX_DEMO_MESSAGES:,}"
        )
    async with workspace(args.profile, "demo") as ws:
        stats = await populate(ws.ctl, ws.session, ws.rooms, args.rooms, args.messages_per_room, args.seed)
        data = stats.to_json()
        return Output(data, stats.summary(), ws.notes())


# --- argument parsing ---------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, Output]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Headless commands on a River Desktop profile (safe alongside running app windows).",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=default_profile_dir(),
        metavar="DIR",
        help="profile directory (default: %(default)s)",
    )
    parser.add_argument(
        "--node",
        metavar="URL",
        help="the Freenet node for `net` commands (default: $RIVER_DESKTOP_NODE, else ws://127.0.0.1:7509)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output (see docs/cli.md)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log storage activity on stderr")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)

    rooms = groups.add_parser("rooms", help="list and manage rooms").add_subparsers(
        dest="command", metavar="ACTION", required=True
    )
    p = rooms.add_parser("list", help="rooms in your order, favourites first")
    p.add_argument("--all", action="store_true", help="also archived rooms and the rooms you left (state `left`)")
    p.set_defaults(handler=cmd_rooms_list)
    p = rooms.add_parser("create", help="create a room you own; prints its key")
    p.add_argument("name")
    p.add_argument("--nickname", default="", help="your nickname in the room")
    p.add_argument("--private", action="store_true", help="encrypt the room's messages with a room secret")
    p.set_defaults(handler=cmd_rooms_create)
    p = rooms.add_parser("rename", help="rename a room you own")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=cmd_rooms_rename)
    p = rooms.add_parser("nickname", help="set your nickname in a room")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("nick", metavar="NICK")
    p.set_defaults(handler=cmd_rooms_nickname)
    p = rooms.add_parser("notify", help="set a room's notification mode")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("mode", choices=list(NOTIFY_BY_NAME))
    p.set_defaults(handler=cmd_rooms_notify)
    p = rooms.add_parser("move", help="reorder the room list")
    p.add_argument("room", metavar="ROOM")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--before", metavar="ROOM2")
    where.add_argument("--to-end", action="store_true")
    p.set_defaults(handler=cmd_rooms_move)
    p = rooms.add_parser("leave", help="leave a room (only an invitation brings it back)")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler=cmd_rooms_leave)

    invite = groups.add_parser("invite", help="create, inspect and accept invitation codes").add_subparsers(
        dest="command", metavar="ACTION", required=True
    )
    p = invite.add_parser("create", help="print an invitation code (a secret!)")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler=cmd_invite_create)
    p = invite.add_parser("inspect", help="decode a code without showing its secrets")
    p.add_argument("code", metavar="CODE")
    p.set_defaults(handler=cmd_invite_inspect)
    p = invite.add_parser("accept", help="join (or explicitly rejoin) the room of a code")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--nickname", default="", help="your nickname in the room")
    p.set_defaults(handler=cmd_invite_accept)

    messages = groups.add_parser("messages", help="send and read messages").add_subparsers(
        dest="command", metavar="ACTION", required=True
    )
    p = messages.add_parser("send", help="post a signed message")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("text", metavar="TEXT")
    p.set_defaults(handler=cmd_messages_send)
    p = messages.add_parser("list", help="the newest messages, oldest first")
    p.add_argument("room", metavar="ROOM")
    p.add_argument(
        "--limit",
        type=int_between(1, MAX_LIST_LIMIT),
        default=50,
        metavar="N",
        help=f"at most N messages (default 50, at most {MAX_LIST_LIMIT:,})",
    )
    p.add_argument("--mark-read", action="store_true", help="mark the room read up to the newest listed message")
    p.set_defaults(handler=cmd_messages_list)

    store = groups.add_parser("store", help="inspect the profile's key-value store").add_subparsers(
        dest="command", metavar="ACTION", required=True
    )
    p = store.add_parser("keys", help="every live key with its generation and size")
    p.set_defaults(handler=cmd_store_keys)
    p = store.add_parser("check", help="integrity and decodability check, key by key (read-only)")
    p.set_defaults(handler=cmd_store_check)
    p = store.add_parser("salvage", help="copy every readable key into a new profile; the original is not changed")
    p.add_argument("--to", required=True, metavar="DIR", help="a new or empty folder for the new profile")
    p.set_defaults(handler=cmd_store_salvage)

    net = groups.add_parser("net", help="talk to a Freenet node (see --node)").add_subparsers(
        dest="command", metavar="ACTION", required=True
    )
    p = net.add_parser("status", help="whether the node answers, and why not; exit 1 when it does not")
    p.set_defaults(handler=_net_handler("cmd_net_status"))
    p = net.add_parser("publish", help="PUT a room's current local state on the node and subscribe")
    p.add_argument("room", metavar="ROOM")
    p.add_argument(
        "--room-contract", type=Path, metavar="FILE", help="River's room_contract.wasm, when the node cannot lend it"
    )
    p.set_defaults(handler=_net_handler("cmd_net_publish"))
    p = net.add_parser("sync", help="one round: send queued changes, fetch and merge; exit 1 unless all in step")
    p.add_argument("room", metavar="ROOM", nargs="?")
    p.set_defaults(handler=_net_handler("cmd_net_sync"))

    demo = groups.add_parser("demo", help="demo data").add_subparsers(dest="command", metavar="ACTION", required=True)
    p = demo.add_parser("populate", help="add realistic demo rooms, members and messages")
    p.add_argument("--rooms", type=int_between(0, MAX_DEMO_ROOMS), required=True, metavar="N")
    p.add_argument("--messages-per-room", type=int_between(0, MAX_DEMO_MESSAGES_PER_ROOM), required=True, metavar="M")
    p.add_argument(
        "--seed", type=int_between(0, MAX_SEED), default=None, metavar="S", help="reproducible names, keys and texts"
    )
    p.set_defaults(handler=cmd_demo_populate)

    from river_desktop import cli_interchange, cli_messages, cli_rooms_meta, cli_search  # they import this module

    cli_interchange.add_commands(groups, rooms)
    cli_rooms_meta.add_commands(rooms)
    cli_messages.add_commands(groups, messages)
    cli_search.add_commands(groups)
    return parser


# --- entry point --------------------------------------------------------------------------------


def _emit(output: Output, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(output.data, indent=None) + "\n")
    elif text := output.render():
        sys.stdout.write(text + "\n")
    sys.stdout.flush()
    for note in output.notes:
        sys.stderr.write(note + "\n")


def _tolerant_stdout() -> None:
    """Text the terminal's encoding cannot show (an emoji on Latin-1) is replaced, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def _error(message: str) -> int:
    sys.stderr.write(f"{PROG}: error: {one_line(message, 2000)}\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format=f"{PROG}: %(levelname)s: %(name)s: %(message)s",
    )
    _tolerant_stdout()
    handler: Handler = args.handler
    try:
        check_text_arguments(args)
        check_profile_path(args.profile)
        output = asyncio.run(handler(args))
    except OutputFailed as failed:
        _emit(failed.output, args.json)
        return _error(str(failed))
    except CheckFailed as failed:
        _emit(failed.output, args.json)
        return _error(f"store check found {failed.count} problem(s)")
    except (CliError, RoomsError, InvitationError, StorageError) as exc:
        return _error(str(exc))
    except sqlite3.Error as exc:
        return _error(f"database error: {exc}")
    except OSError as exc:
        return _error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc.strerror or exc))
    except KeyboardInterrupt:
        return 130
    try:
        _emit(output, args.json)
    except BrokenPipeError:  # e.g. `river-desktop-cli store keys | head`: the reader left, not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    # Run the one `river_desktop.cli` the command modules import, so `except CliError` sees their errors.
    from river_desktop.cli import main as cli_main

    raise SystemExit(cli_main())
