"""``search TEXT [--room ROOM] [--limit N]``: every message this profile ever saw, as it reads now.

The words of TEXT are matched (the last one as a prefix); punctuation is ignored and never read as query syntax,
so text with no words finds nothing. Results are newest first. The search index is derived data kept in the
profile: when it is missing or stale, this command rebuilds it (the only thing it writes). ``cli.py`` imports
this module lazily (it imports ``cli``).
"""

from __future__ import annotations

import argparse

from river_desktop import cli_workspace as cli
from river_desktop.cli_base import Json, Output, format_time, one_line
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import views
from river_desktop.domain.river.mention import render_plaintext
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.search_index import SearchHit
from river_desktop.storage.slots import b58


def _millis(hit: SearchHit) -> int:
    return hit.secs * 1000 + hit.nanos // 1_000_000


def hit_json(rooms: Rooms, hit: SearchHit) -> dict[str, Json]:
    """One hit as ``--json`` prints it; a room no longer in the list (left) has an empty name."""
    room = rooms.rooms.get(hit.room)
    readable = room is not None and not room.waiting
    author = room.nickname_of(hit.author) if room is not None and readable else member_id_display(hit.author)
    if room is not None and readable:
        text = views.plain_text(room.room_state, hit.text, room.keyring)
    else:  # a left room's members are gone: each mention with the name it carries
        text = render_plaintext(hit.text, lambda _ref: None)
    return {
        "room": b58(hit.room),
        "room_name": "" if room is None else room.name,
        "id": hit.message_id,
        "author": author,
        "author_member_id": hit.author,
        "time": _millis(hit),
        "text": text,
    }


def _line(hit: SearchHit, item: dict[str, Json]) -> str:
    where = one_line(str(item["room_name"]) or str(item["room"])[:8], 24)
    who, text = one_line(str(item["author"]), 24), one_line(str(item["text"]), 300)
    return f"{format_time(_millis(hit))}  {where}  {who}: {text}"


async def cmd_search(args: argparse.Namespace) -> Output:
    async with cli.read_workspace(args.profile, writes=True) as ws:
        rooms = Rooms() if ws is None else ws.rooms
        room = None if args.room is None else cli.resolve_room(rooms, args.room)
        if ws is None:
            return Output([], "no messages found")
        hits = await ws.ctl.search(args.text, room, args.limit, rooms=rooms)
        items = [hit_json(rooms, hit) for hit in hits]
        lines = [_line(hit, item) for hit, item in zip(hits, items, strict=True)]
        return Output(items, "\n".join(lines) if lines else "no messages found", ws.notes())
