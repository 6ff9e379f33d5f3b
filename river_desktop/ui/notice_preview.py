"""The tray's ``preview``: one new message in a room, read from the store, as ``notice.arrival_text`` says it."""

from __future__ import annotations

import logging

from river_desktop.domain import notice
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.errors import StorageError
from river_desktop.ui.room_view import markdown

log = logging.getLogger(__name__)

PAGE = 20
"""Newest messages read to find the one the badge went up for (others' chatter under "Mentions & replies")."""


async def preview(controller: StorageController, rooms: Rooms, key: bytes, room_name: str) -> str | None:
    """``Alice in Garden: first line…``; None (the count is shown) when it cannot be read. Never logs a body."""
    try:
        messages = await controller.read_messages(key, limit=PAGE)
    except StorageError as exc:
        log.info("notification preview not read: %s", type(exc).__name__)
        return None
    room = rooms.rooms.get(key)
    if room is None:
        return None
    arrival = notice.newest_counted(room, rooms.notification_mode(key), messages)
    if arrival is None:
        return None
    shown = notice.Arrival(arrival.author, markdown.plain_text(arrival.line))
    return notice.arrival_text(shown, room_name)


__all__ = ["PAGE", "preview"]
