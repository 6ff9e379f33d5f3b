"""``rooms``, ``invite``, ``messages send|list`` and ``demo``: the commands on the room list itself.

``cli.py`` imports this module only when one of its commands runs (``rooms list`` first tries the room-list
summary, ``cli_rooms_list.py``, and comes here only when the summary cannot answer).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from river_desktop import cli_messages_items
from river_desktop.cli_base import (
    MAX_DEMO_MESSAGES,
    PROG,
    CliError,
    Json,
    Output,
    SaveFailed,
    one_line,
    profile_exists,
)
from river_desktop.cli_messages_items import page_output
from river_desktop.cli_rooms_list import left_item, rooms_table
from river_desktop.cli_workspace import (
    NOTIFY_BY_NAME,
    NOTIFY_NAMES,
    SECRET_WARNING,
    decode_invitation,
    describe,
    millis,
    open_for_reading,
    read_workspace,
    resolve_room,
    room_json_base,
    workspace,
)
from river_desktop.domain.identity import member_id, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import ReadMarker
from river_desktop.domain.rooms import RoomData, Rooms
from river_desktop.storage.controller import RoomOutcome, StorageController
from river_desktop.storage.slots import b58


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
            items.extend(
                left_item(b58(vk), NOTIFY_NAMES[rooms.notification_mode(vk)]) for vk in sorted(rooms.removed)
            )
        return Output(items, lambda: rooms_table(items), ws.notes())


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
            "timestamp": millis(msg),
            "author_member_id": msg.author,
        }
        return Output(data, str(msg.id), notes)


async def cmd_messages_list(args: argparse.Namespace) -> Output:
    async with read_workspace(args.profile, writes=args.mark_read) as ws:
        rooms = Rooms() if ws is None else ws.rooms
        vk = resolve_room(rooms, args.room)
        assert ws is not None  # resolve_room found a room, so there is a profile
        room = rooms.rooms[vk]
        page = await listed_page(ws.ctl, room, args.limit)
        if args.mark_read and page:
            ws.rooms.mark_read(vk, max(page, key=lambda m: m.order_key))
            await ws.save(vk)
        return page_output(room, page, ws.notes())


async def listed_page(ctl: StorageController, room: RoomData, limit: int) -> list[AuthorizedMessage]:
    """``cli_messages_items.listed_page`` read through the controller."""
    walk = cli_messages_items.listed_page(room, limit)
    oldest = next(walk)
    try:
        while True:
            before = None if oldest is None else ReadMarker.of(oldest)
            oldest = walk.send(await ctl.read_messages(room.owner_vk, before=before, limit=limit))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


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
        stats = await populate(
            ws.ctl, ws.session, ws.rooms, args.rooms, args.messages_per_room, args.seed, reactions=args.reactions
        )
        data = stats.to_json()
        return Output(data, stats.summary(), ws.notes())

