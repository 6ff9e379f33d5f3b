"""What the room-list summary (``room_summary.py``) records of a slot or of ``rooms_meta``: River's decoding.

A row (``room_summary.SummaryRow``) is decided with the same decoders and the same rules as a full load
(``StorageController._load_sync``), so a list built from rows equals the list built from the slots:

- ``room``: the name and nickname as the load shows them (already unsealed: the slot holds the room secrets
  anyway), this user's member id (and as the order index's author column), the flags waiting / owner / private,
  the read marker as the index's sort point, the owner key and the member id's display form;
- ``gone`` for a Tombstone; ``skip`` for a key the load ignores (not a room key);
- ``problem`` for anything the load would report (an undecodable slot, another room's slot, a 0.1.0 slot still
  to upgrade): the reader then falls back to the full load, which reports it;
- ``meta`` for ``rooms_meta``, its CBOR ``[current, {room: mode}, order, pinned, archived]`` in ``data``
  (``problem`` when undecodable).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Final

import cbor2

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.rooms import PresentSlot, RoomData, RoomsMeta, decode_slot
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import health_of
from river_desktop.storage.message_rows import member_bytes, sort_point
from river_desktop.storage.migrate_0_1 import looks_legacy
from river_desktop.storage.room_summary import LOWEST_TIME, META, OWNER, PRIVATE, WAITING, Summarizer, SummaryRow
from river_desktop.storage.slots import parse_room_key
from river_desktop.storage.summary_cache import BytesMemo

PROBLEM: Final = SummaryRow("problem")

ENCODED_ROOMS: Final[BytesMemo[RoomData]] = BytesMemo()
"""Slots this process encoded from a ``RoomData`` and is about to store (``reconcile``): their row is built from
that ``RoomData``, not from a decode of the bytes (``summary_cache.py``)."""

log = logging.getLogger(__name__)


def summary_row(key: str, payload: bytes) -> SummaryRow:
    if key == META:
        return _meta_row(payload)
    vk = parse_room_key(key, check_point=False)
    if vk is None:
        return SummaryRow("skip")
    known = ENCODED_ROOMS.take(payload)  # encoded here from a RoomData: River's layout, never 0.1.0's
    if known is None and looks_legacy(payload):
        return PROBLEM
    try:
        if known is not None:
            room = known
        else:
            slot = decode_slot(payload, trusted=True)
            if not isinstance(slot, PresentSlot):
                return SummaryRow("gone")
            room = slot.room
        if room.owner_vk != vk:
            return PROBLEM
        marker = room.last_read
        read = (LOWEST_TIME, "") if marker is None else sort_point(marker.secs, marker.nanos, marker.message_id)
        me = room.self_identity.member_id
        flags = (WAITING if room.waiting else 0) | (OWNER if room.is_owner else 0) | (PRIVATE if room.is_private else 0)
        return SummaryRow(
            "room",
            name=room.name,
            nickname=room.self_nickname or "",
            member_id=me,
            member=member_bytes(me),
            flags=flags,
            read_time=read[0],
            read_id=read[1],
            vk=vk,
            label=member_id_display(me),
        )
    except Exception:
        return PROBLEM


def _meta_row(payload: bytes) -> SummaryRow:
    try:
        meta = RoomsMeta.decode(payload)
    except (DecodeError, ValueError):
        return PROBLEM
    modes = {vk: mode.value for vk, mode in meta.notification_modes.items()}
    data = [meta.current_room_key, modes, list(meta.room_order), list(meta.pinned), list(meta.archived)]
    return SummaryRow("meta", cbor2.dumps(data))


ROOM_SUMMARIZER: Final = Summarizer("river-room-list-v3", summary_row)


def start_summary(store: object, submit: Callable[[Callable[[], None]], object]) -> None:
    """Keep the summary on a writable store from now on, and queue its bounded fill-in on the storage thread.

    ``submit`` is the storage thread's queue: the attach runs before any write this controller makes.
    """
    attach = getattr(store, "attach_summarizer", None)
    step = getattr(store, "summary_step", None)
    if attach is None or step is None:
        return

    def job(first: bool) -> None:
        if not health_of(store).writable:  # type: ignore[arg-type]
            return
        try:
            if first:
                attach(ROOM_SUMMARIZER)
            done = step()
        except StorageError as exc:
            log.warning("room-list summary: %s", exc)
            return
        if not done:
            with contextlib.suppress(RuntimeError):  # the controller closed meanwhile
                submit(partial(job, False))

    submit(partial(job, True))
