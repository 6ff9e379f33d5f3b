"""Interchange with River's other clients: room state bytes, identity tokens and riverctl's ``rooms.json``.

- ``rooms export-state ROOM --out FILE``: the room's ``ChatRoomStateV1`` bytes as River's contract holds them
  (``riverctl debug room-state`` is the peer).
- ``identity export ROOM`` / ``identity import [FILE|-] [--force]``: River's armored identity token
  (``common/src/room_state/identity.rs``), with River's checks. An import raises the room's identity
  generation, so no stale window or process can write the old key back (River's open #420).
- ``import riverctl FILE`` / ``export riverctl FILE``: riverctl's ``rooms.json`` (``cli/src/storage.rs``).

Input is read and checked before the profile is opened, so a bad token or file writes nothing. Every
change is saved through :func:`cli.workspace`, like every other command. ``cli.py`` imports this module
lazily (it imports ``cli``). Tokens and files carry signing keys: they are written 0600 through a temporary
file and a rename, and never appear in an error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from river_desktop import cli_room_access as access
from river_desktop import cli_workspace as cli
from river_desktop.cli_base import PROG, CliError, Json, Output, one_line
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.identity_token import IdentityToken, IdentityTokenError
from river_desktop.domain.river.riverctl_json import RiverctlJsonError, dump_rooms_json, parse_rooms_json
from river_desktop.storage.slots import b58

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""A rooms.json or a token longer than this is not one (riverctl's own files are a few MiB)."""

TOKEN_WARNING = (
    f"{PROG}: warning: this identity token is a secret: it holds your signing key for the room, and anyone "
    "who has it can act as you there. Keep it like a password and move it only over a private channel."
)
RIVERCTL_WARNING = (
    f"{PROG}: warning: {{path}} holds the signing keys and room secrets of every room in it; "
    "it was written readable by you only (0600)."
)


# --- files ---------------------------------------------------------------------------------------------


def write_private(path: Path, data: bytes, *, replace_existing: bool) -> None:
    """Write ``data`` to ``path`` as a whole or not at all: a 0600 temporary file in the same folder, then a
    rename. An existing file is only replaced when asked (a rooms.json may be riverctl's only copy)."""
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not replace_existing:
        raise CliError(f"{path} already exists; give --force to replace it")
    if path.is_dir():
        raise CliError(f"{path} is a folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(source: str | None, what: str) -> bytes:
    """A file's bytes, or standard input's for ``-`` (and for no argument); at most :data:`MAX_INPUT_BYTES`."""
    if source is None or source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        where = "standard input"
    else:
        path = Path(source).expanduser()
        if path.is_dir():
            raise CliError(f"{path} is a folder, not {what}")
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
        where = str(path)
    if len(data) > MAX_INPUT_BYTES:
        raise CliError(f"{where} is over {MAX_INPUT_BYTES // (1024 * 1024)} MiB; that is not {what}")
    return data


# --- rooms export-state --------------------------------------------------------------------------------


async def cmd_export_state(args: argparse.Namespace) -> Output:
    async with cli.read_workspace(args.profile) as ws:
        if ws is None:
            raise CliError(f"no profile at {args.profile}")
        vk = cli.resolve_room(ws.rooms, args.room)
        state = access.exportable_state(ws.rooms, vk)
        data = state.encode()
        write_private(Path(args.out), data, replace_existing=True)
        summary: dict[str, Json] = {
            "room": b58(vk),
            "out": str(Path(args.out).expanduser()),
            "bytes": len(data),
            "members": len(state.members),
            "messages": len(state.recent_messages),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        text = (
            f"wrote {len(data)} bytes of {access.describe(ws.rooms, vk)}'s room state to {summary['out']} "
            f"({summary['members']} member(s), {summary['messages']} message(s), sha256 {summary['sha256']})"
        )
        return Output(summary, text, ws.notes())


# --- identity ------------------------------------------------------------------------------------------


async def cmd_identity_export(args: argparse.Namespace) -> Output:
    async with cli.read_workspace(args.profile) as ws:
        if ws is None:
            raise CliError(f"no profile at {args.profile}")
        vk = cli.resolve_room(ws.rooms, args.room)
        token = access.identity_token(ws.rooms, vk)
        armored = token.encode()
        data: dict[str, Json] = {"room": b58(vk), "member_id": token.identity.member_id, "token": armored}
        return Output(data, armored, [*ws.notes(), TOKEN_WARNING])


def decode_token(raw: bytes) -> IdentityToken:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("invalid identity token: it is not UTF-8 text") from None
    try:
        return IdentityToken.decode(text)
    except IdentityTokenError as exc:
        raise CliError(f"invalid identity token: {exc}") from None


async def cmd_identity_import(args: argparse.Namespace) -> Output:
    token = decode_token(read_input(args.file, "an identity token"))  # before the profile: a bad token writes nothing
    async with cli.workspace(args.profile) as ws:
        result = access.import_identity(ws, token, force=args.force)
        await ws.save(token.room_owner)
        notes = ws.notes()
        key = b58(token.room_owner)
        if result.replaced:
            notes.append(
                f"{PROG}: warning: the previous identity for room {key} was replaced; its signing key is kept "
                "nowhere (not in this profile, not in a backup) unless you exported it before"
            )
        data: dict[str, Json] = {
            "room": key,
            "member_id": token.identity.member_id,
            "owner": token.is_owner,
            "state": result.state,
            "replaced": result.replaced,
            "rejoined": result.rejoined,
            "identity_generation": result.identity_generation,
        }
        verb = "replaced the identity of" if result.replaced else ("rejoined" if result.rejoined else "imported")
        wait = " (waiting for the room's data)" if result.state == "waiting" else ""
        text = f"{verb} {key} as member {member_id_display(token.identity.member_id)}{wait}"
        return Output(data, text, notes)


# --- riverctl ------------------------------------------------------------------------------------------


async def cmd_import_riverctl(args: argparse.Namespace) -> Output:
    path = Path(args.file).expanduser()
    try:
        parsed = parse_rooms_json(read_input(str(path), "a riverctl rooms.json"))
    except RiverctlJsonError as exc:  # before the profile: a bad file writes nothing
        raise CliError(f"cannot import {path}: {exc}") from None
    if not parsed.rooms and not parsed.problems:
        raise CliError(f"{path} holds no rooms; nothing was imported")
    problems = [{"room": p.room_key, "problem": p.message} for p in parsed.problems]
    checked = []
    for stored in parsed.rooms:
        try:
            checked.append(access.check_stored_room(stored))
        except CliError as exc:
            problems.append({"room": stored.room_key, "problem": str(exc)})
    if not checked:  # before the profile: a file with nothing importable writes nothing
        first = problems[0]
        raise CliError(f"no room of {path} could be imported; {first['room']}: {first['problem']}")
    async with cli.workspace(args.profile) as ws:
        imported = []
        for room in checked:
            try:
                imported.append(access.import_checked_room(ws, room))
            except CliError as exc:
                problems.append({"room": b58(room.owner_vk), "problem": str(exc)})
        if not imported:
            first = problems[-1]
            raise CliError(f"no room of {path} could be imported; {first['room']}: {first['problem']}")
        await ws.save(*(o.owner_vk for o in imported))
        notes = ws.notes() + [
            f"{PROG}: warning: room {p['room']} was not imported: {one_line(str(p['problem']), 300)}" for p in problems
        ]
        rooms = [{"room": b58(o.owner_vk), "name": o.name, "state": o.state} for o in imported]
        data: dict[str, Json] = {"imported": rooms, "problems": problems}
        lines = [f"{o.state}: {one_line(o.name) or '(waiting for room data)'} ({b58(o.owner_vk)})" for o in imported]
        lines.append(f"imported {len(imported)} room(s) from {path}" + (f"; {len(problems)} not" if problems else ""))
        return Output(data, "\n".join(lines), notes)


async def cmd_export_riverctl(args: argparse.Namespace) -> Output:
    path = Path(args.file).expanduser()
    async with cli.read_workspace(args.profile) as ws:
        if ws is None:
            raise CliError(f"no profile at {args.profile}")
        stored, skipped = access.stored_rooms(ws.rooms)
        if not stored:
            raise CliError("this profile has no room riverctl could open" + (f" ({skipped[0][1]})" if skipped else ""))
        text_out = dump_rooms_json(stored)
        write_private(path, text_out.encode("utf-8"), replace_existing=args.force)
        notes = [*ws.notes(), RIVERCTL_WARNING.format(path=path)]
        notes += [f"{PROG}: warning: room {b58(vk)} was left out: {why}" for vk, why in skipped]
        data: dict[str, Json] = {
            "file": str(path),
            "rooms": [s.room_key for s in stored],
            "skipped": [{"room": b58(vk), "reason": why} for vk, why in skipped],
        }
        return Output(data, f"wrote {len(stored)} room(s) to {path}", notes)
