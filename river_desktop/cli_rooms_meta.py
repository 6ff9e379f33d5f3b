"""``rooms pin|unpin|archive|unarchive ROOM``: favourites and the Archive from the command line.

Both are our fields in ``rooms_meta`` (:class:`domain.rooms.RoomsMeta`); a save goes through the same
:func:`cli.workspace` path as ``rooms move``, so the reconcile rule keeps every other writer's marks for the
rooms this run did not change, and a running app shows the change through its change feed. ``cli.py`` imports
this module lazily (it imports ``cli``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from river_desktop import cli_workspace as cli
from river_desktop.cli_base import Json, Output
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.slots import b58


def _marks(rooms: Rooms, vk: bytes) -> dict[str, Json]:
    return {"key": b58(vk), "pinned": vk in rooms.pinned, "archived": vk in rooms.archived}


def _command(change: Callable[[Rooms, bytes, argparse.Namespace], None], done: str) -> Any:
    async def run(args: argparse.Namespace) -> Output:
        async with cli.workspace(args.profile) as ws:
            vk = cli.resolve_room(ws.rooms, args.room)
            change(ws.rooms, vk, args)
            await ws.save()
            return Output(_marks(ws.rooms, vk), f"{done} {cli.describe(ws.rooms.rooms[vk])}", ws.notes())

    return run


cmd_pin = _command(lambda rooms, vk, _: rooms.pin(vk), "pinned")
cmd_unpin = _command(lambda rooms, vk, _: rooms.unpin(vk), "unpinned")
cmd_archive = _command(lambda rooms, vk, a: rooms.archive(vk, wake_on_message=not a.stay), "archived")
cmd_unarchive = _command(lambda rooms, vk, _: rooms.unarchive(vk), "unarchived")
