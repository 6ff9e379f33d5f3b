"""What the room-list summary (``room_summary.py``) records of a slot or of ``rooms_meta``: River's decoding.

A row is a small CBOR array, decided with the same decoders and the same rules as a full load
(``StorageController._load_sync``), so a list built from rows equals the list built from the slots:

- ``["room", name, nickname, member_id, waiting, owner, last_read, private, own_window_ids, owner_vk, label]``
  (``last_read`` ``[secs, nanos, id]`` or null; the name and nickname already unsealed, as the load shows them:
  the slot holds the room secrets anyway; ``own_window_ids``: this user's messages in River's window, for reply
  badges; ``label``: the member id's display form);
- ``["gone", epoch]`` for a Tombstone; ``["skip"]`` for a key the load ignores (not a room key);
- ``["problem"]`` for anything the load would report (an undecodable slot, another room's slot, a 0.1.0 slot
  still to upgrade): the reader then falls back to the full load, which reports it;
- ``["meta", current, {room: mode}, order, pinned, archived]`` for ``rooms_meta`` (``["problem"]`` when
  undecodable).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import cbor2

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import codec as c
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import PresentSlot, RoomData, RoomsMeta, decode_slot
from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import health_of
from river_desktop.storage.migrate_0_1 import looks_legacy
from river_desktop.storage.room_summary import META, Summarizer
from river_desktop.storage.slots import parse_room_key
from river_desktop.storage.summary_cache import BytesMemo

PROBLEM: Final = cbor2.dumps(["problem"])

ENCODED_ROOMS: Final[BytesMemo[RoomData]] = BytesMemo()
"""Slots this process encoded from a ``RoomData`` and is about to store (``reconcile``): their row is built from
that ``RoomData``, not from a decode of the bytes (``summary_cache.py``)."""

log = logging.getLogger(__name__)


def summary_row(key: str, payload: bytes) -> bytes:
    if key == META:
        return _meta_row(payload)
    vk = parse_room_key(key, check_point=False)
    if vk is None:
        return cbor2.dumps(["skip"])
    if looks_legacy(payload):
        return PROBLEM
    known = ENCODED_ROOMS.take(payload)
    try:
        if known is not None:
            room = known
        else:
            slot = decode_slot(payload, trusted=True)
            if not isinstance(slot, PresentSlot):
                return cbor2.dumps(["gone", slot.epoch])
            room = slot.room
        if room.owner_vk != vk:
            return PROBLEM
        marker = room.last_read
        read = None if marker is None else [marker.secs, marker.nanos, marker.message_id]
        me = room.self_identity.member_id
        row: list[Any] = [
            "room",
            room.name,
            room.self_nickname or "",
            me,
            room.waiting,
            room.is_owner,
            read,
            room.is_private,
            [] if room.waiting else _own_ids_of(room, me) if known is not None else _own_window_ids(payload, me),
            vk,
            member_id_display(me),
        ]
    except Exception:
        return PROBLEM
    return cbor2.dumps(row)


def _own_window_ids(payload: bytes, me: int) -> list[int]:
    """The ids of this user's messages in the room's window (a reply to one counts in "Mentions & replies"):
    only those messages are decoded, found by their author in the CBOR tree."""
    _, body = c.variant(c.loads(payload), "room slot")
    state = c.fields(c.req(c.fields(body, "room data"), "room_state", "room data"), "room state")
    recent = c.fields(c.req(state, "recent_messages", "room state"), "recent_messages")
    ids = []
    for raw in c.req(recent, "messages", "recent_messages"):
        message = c.fields(c.req(c.fields(raw, "message"), "message", "message"), "message")
        if message.get("author") == me:
            ids.append(AuthorizedMessage.from_obj(raw).id)
    return sorted(ids)


def _own_ids_of(room: RoomData, me: int) -> list[int]:
    """What :func:`_own_window_ids` finds in the bytes, from the decoded window the writer already holds."""
    return sorted(m.id for m in room.room_state.recent_messages if m.message.author == me)


def _meta_row(payload: bytes) -> bytes:
    try:
        meta = RoomsMeta.decode(payload)
    except (DecodeError, ValueError):
        return PROBLEM
    modes = {vk: mode.value for vk, mode in meta.notification_modes.items()}
    return cbor2.dumps(
        ["meta", meta.current_room_key, modes, list(meta.room_order), list(meta.pinned), list(meta.archived)]
    )


ROOM_SUMMARIZER: Final = Summarizer("river-room-list-v2", summary_row)


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
