"""``messages reply|edit|delete|react|unreact`` and ``members list|ban``: riverctl's conversation commands.

Each change is built by :mod:`domain.river.room_ops` exactly as River's clients build it (so the room
state is what River's contract would store) and saved through the same :func:`cli.workspace` CAS path
as every other command. ``cli.py`` imports this module lazily (it imports ``cli``).

Ids: a ``MESSAGE_ID`` is River's ``MessageId`` as ``messages list --json`` prints it (a signed 64-bit
integer) or its 8-character display form; a ``MEMBER`` is a member id, its display form or an exact
nickname. An id that matches nothing or more than one thing is a one-line error naming what it found.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence

from river_desktop import cli_room_access as access
from river_desktop import cli_workspace as cli
from river_desktop.cli_base import CliError, Json, Output, one_line
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import MemberRow
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import b58

_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1
DISPLAY_ID_LEN = 8

# --- ids ---------------------------------------------------------------------------------------------


def parse_i64(text: str) -> int | None:
    """A signed 64-bit integer written in decimal, or ``None`` when ``text`` is not one."""
    stripped = text.strip()
    if not stripped or len(stripped) > 20 or not stripped.lstrip("-+").isdigit():
        return None
    value = int(stripped)
    return value if _I64_MIN <= value <= _I64_MAX else None


def resolve_message_id(text: str, known: Iterable[int]) -> int:
    """The message meant by ``text``: an integer id of a message the room holds, or a unique display form."""
    ids = list(dict.fromkeys(known))
    value = parse_i64(text)
    if value is not None and value in ids:
        return value
    wanted = text.strip().upper()
    by_display = [mid for mid in ids if len(wanted) == DISPLAY_ID_LEN and member_id_display(mid) == wanted]
    if len(by_display) == 1:
        return by_display[0]
    shown = repr(one_line(text, 40))
    if len(by_display) > 1:
        listed = ", ".join(str(mid) for mid in by_display[: cli.MAX_CANDIDATES])
        raise CliError(f"message {shown} is ambiguous; give the full id: {listed}")
    if value is None and len(wanted) != DISPLAY_ID_LEN:
        raise CliError(
            f"{shown} is not a message id: give the integer id `messages list --json` prints "
            "or its 8-character display form"
        )
    raise CliError(f"message {shown} is not among the messages this room still holds")


def resolve_member(rows: Sequence[MemberRow], text: str) -> MemberRow:
    """A member by id, display id or exact nickname; ambiguity and no match are errors that list candidates."""
    value = parse_i64(text)
    if value is not None:
        found = [r for r in rows if r.member_id == value]
        if found:
            return found[0]
    by_display = [r for r in rows if r.id_display == text.strip().upper() and len(text.strip()) == DISPLAY_ID_LEN]
    if len(by_display) == 1:
        return by_display[0]
    by_name = [r for r in rows if r.nickname is not None and r.nickname.text == text]
    if len(by_name) == 1:
        return by_name[0]
    shown = repr(one_line(text, 40))
    candidates = by_display or by_name
    if candidates:
        raise CliError(f"member {shown} is ambiguous; give the id: {_list_members(candidates)}")
    if value is not None:  # an id no longer listed (banned, pruned): River's rules say what it is
        return MemberRow(value, b"", None, None, is_owner=False, is_deputy=False, is_you=False)
    raise CliError(f"no member of this room matches {shown}; members: {_list_members(rows)}")


def _list_members(rows: Sequence[MemberRow]) -> str:
    shown = ", ".join(f"{one_line(r.display_name, 40)} ({r.member_id})" for r in rows[: cli.MAX_CANDIDATES])
    more = len(rows) - cli.MAX_CANDIDATES
    return shown + (f", and {more} more" if more > 0 else "") if shown else "none"


def member_json(row: MemberRow) -> dict[str, Json]:
    return {
        "member_id": row.member_id,
        "id_display": row.id_display,
        "nickname": None if row.nickname is None else row.nickname.text,
        "display_name": row.display_name,
        "invited_by": row.invited_by,
        "owner": row.is_owner,
        "deputy": row.is_deputy,
        "you": row.is_you,
    }


def members_table(rows: Sequence[MemberRow]) -> str:
    header = ("ID", "MEMBER", "NICKNAME", "INVITED BY", "ROLE")
    lines = [header] + [
        (
            str(r.member_id),
            r.id_display,
            one_line(r.display_name, 32),
            "-" if r.invited_by is None else member_id_display(r.invited_by),
            ",".join(w for w, on in (("you", r.is_you), ("owner", r.is_owner), ("deputy", r.is_deputy)) if on) or "-",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


# --- commands ------------------------------------------------------------------------------------------


def millis(t: SystemTime) -> int:
    return t.secs * 1000 + t.nanos // 1_000_000


Action = Callable[[Rooms, bytes, int], AuthorizedMessage]


async def _message_action(args: argparse.Namespace, act: Action) -> Output:
    async with cli.workspace(args.profile) as ws:
        vk = cli.resolve_room(ws.rooms, args.room)
        room = access.known_room(ws.rooms, vk)
        target = resolve_message_id(args.message_id, (m.id for m in room.room_state.recent_messages))
        msg = act(ws.rooms, vk, target)
        notes = ws.notes()
        await access.save_posted(ws, vk, msg, notes)
        data: dict[str, Json] = {
            "id": msg.id,
            "room": b58(vk),
            "target": target,
            "timestamp": millis(msg.message.time),
            "author_member_id": msg.author,
        }
        return Output(data, str(msg.id), notes)


async def cmd_reply(args: argparse.Namespace) -> Output:
    text: str = args.text
    return await _message_action(args, lambda rooms, vk, t: rooms.post_message(vk, text, reply_to=t))


async def cmd_edit(args: argparse.Namespace) -> Output:
    text: str = args.text
    return await _message_action(args, lambda rooms, vk, t: rooms.edit_message(vk, t, text))


async def cmd_delete(args: argparse.Namespace) -> Output:
    return await _message_action(args, lambda rooms, vk, t: rooms.delete_message(vk, t))


async def cmd_react(args: argparse.Namespace) -> Output:
    emoji: str = args.emoji
    return await _message_action(args, lambda rooms, vk, t: rooms.react(vk, t, emoji))


async def cmd_unreact(args: argparse.Namespace) -> Output:
    emoji: str = args.emoji
    return await _message_action(args, lambda rooms, vk, t: rooms.unreact(vk, t, emoji))


async def cmd_members_list(args: argparse.Namespace) -> Output:
    async with cli.read_workspace(args.profile) as ws:
        rooms = Rooms() if ws is None else ws.rooms
        vk = cli.resolve_room(rooms, args.room)
        assert ws is not None  # resolve_room found a room, so there is a profile
        rows = access.known_room(rooms, vk).members()
        return Output([member_json(r) for r in rows], lambda: members_table(rows), ws.notes())


async def cmd_members_ban(args: argparse.Namespace) -> Output:
    async with cli.workspace(args.profile) as ws:
        vk = cli.resolve_room(ws.rooms, args.room)
        room = access.known_room(ws.rooms, vk)
        rows = room.members()
        target = resolve_member(rows, args.member)
        who = f"{one_line(target.display_name, 40)} ({target.id_display})"
        refusal = ops.ban_refusal(room.room_state, vk, room.self_member_id, target.member_id)
        if refusal is not None:
            raise CliError(f"cannot ban {who}: {refusal}")
        removed = sorted(ops.ban_removes(room.room_state, target.member_id))
        ws.rooms.ban(vk, target.member_id)
        await ws.save(vk)
        names = {r.member_id: r.display_name for r in rows}
        others = [one_line(names.get(mid, member_id_display(mid)), 40) for mid in removed if mid != target.member_id]
        text = f"banned {who} from {access.describe(ws.rooms, vk)}"
        if others:
            text += f"; the ban also removes everyone they invited: {', '.join(others)}"
        else:
            text += "; they invited nobody, so the ban removes only them"
        data: dict[str, Json] = {"room": b58(vk), "banned": target.member_id, "removed": removed}
        return Output(data, text, ws.notes())
