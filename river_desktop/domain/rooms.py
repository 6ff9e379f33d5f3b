"""The room list on River's model: rooms by owner key, leave tombstones, manual order, view preferences.

Each window (and each CLI run) holds its own :class:`Rooms` copy and changes it freely; the storage controller
reconciles copies through per-room slots. Every change to a room is built by :mod:`river.room_ops`, so the new
state is exactly what River's contract would store, and the change's River delta is kept with the room
(``RoomData.pending``) until the controller writes it to the outbox with the change.

Membership changes carry a *membership epoch* (design.md §4): every leave or rejoin moves a room to a higher
epoch, so two copies of one room compare by a total order — the higher epoch wins, equal epochs merge.

Public API (every method that changes a room returns the new :class:`RoomData`)::

    create_room(name, nickname, description="", *, private=False) -> RoomData
    rename(vk, name, description=None) / set_description(vk, text | None) / set_nickname(vk, nickname)
    post_message(vk, text, reply_to=None) -> AuthorizedMessage
    edit_message(vk, message_id, text) / delete_message(vk, message_id) -> AuthorizedMessage
    react(vk, message_id, emoji) / unreact(vk, message_id, emoji) -> AuthorizedMessage
    ban(vk, member_id) / rotate_secret(vk)
    accept_invitation(invitation, nickname) -> RoomData      # waiting for the room's state
    receive_state(vk, state) -> RoomData                    # a state fetched or arrived: River's merge
    import_identity(token) -> RoomData / export_identity(vk) -> IdentityToken
    mark_read(vk, upto=None) / unread_count(vk, messages=None)
    move_room / move_room_to_end / set_notification_mode / leave
    pin / unpin / move_pinned / archive(vk, wake_on_message=True) / unarchive / wake_archived / sections()
    apply_slot(vk, slot) / apply_meta(meta) / to_meta()
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from river_desktop.domain import limits
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import sync
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.identity_token import IdentityToken
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, canonical
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.room_changes import RoomMap
from river_desktop.domain.room_data import (
    MAX_COUNTER,
    Pending,
    PresentSlot,
    ReadMarker,
    RoomData,
    RoomSlot,
    TombstoneSlot,
    decode_slot,
    encode_slot,
    merge_room_data,
    placeholder_state,
    room_label,
)
from river_desktop.domain.rooms_meta import Archived, NotificationMode, RoomsMeta
from river_desktop.domain.unread import counts_as_message, unread_messages

Now = SystemTime | None


class RoomsError(ValueError):
    """A room-list operation the user asked for cannot be done (the message says why)."""


class RoomLimitError(RoomsError, limits.LimitError):
    """Input over one of River's limits: a :class:`RoomsError` for front ends, a ``LimitError`` by kind."""


def _within(check: Callable[[str], str], text: str) -> str:
    try:
        return check(text)
    except limits.LimitError as exc:
        raise RoomLimitError(str(exc)) from None


def next_counter(value: int, what: str) -> int:
    """``value + 1`` for an epoch or generation, refused at the end of the encodable range."""
    if value >= MAX_COUNTER:
        raise RoomsError(f"the {what} has reached its largest possible value; it cannot be advanced")
    return value + 1


def now_time() -> SystemTime:
    return SystemTime.from_unix(time.time())


# --------------------------------------------------------------------------------------------- the room list


@dataclass
class Rooms:
    """One writer's copy of the room list. Mutable; hand out :meth:`copy` for snapshots."""

    rooms: RoomMap[bytes, RoomData] = field(default_factory=RoomMap)
    removed: dict[bytes, int] = field(default_factory=dict)
    room_order: list[bytes] = field(default_factory=list)
    current_room: bytes | None = None
    notification_modes: dict[bytes, NotificationMode] = field(default_factory=dict)
    pinned: list[bytes] = field(default_factory=list)
    archived: dict[bytes, Archived] = field(default_factory=dict)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "rooms" and type(value) is not RoomMap:
            value = RoomMap(value)  # writes to it are recorded for saves (room_changes.py)
        object.__setattr__(self, name, value)

    def copy(self) -> Rooms:
        return Rooms(
            RoomMap(self.rooms),
            dict(self.removed),
            list(self.room_order),
            self.current_room,
            dict(self.notification_modes),
            list(self.pinned),
            dict(self.archived),
        )

    def __repr__(self) -> str:
        return f"Rooms({len(self.rooms)} rooms, {len(self.removed)} left)"

    # -- lookups

    def get(self, owner_vk: bytes) -> RoomData:
        try:
            return self.rooms[owner_vk]
        except KeyError:
            raise RoomsError(f"no room {room_label(owner_vk)} in this room list") from None

    def ordered_keys(self) -> list[bytes]:
        """Manually ordered rooms first, then the rest by raw key bytes (River's rule)."""
        seen: set[bytes] = set()
        ordered = []
        for vk in self.room_order:
            if vk in self.rooms and vk not in seen:
                ordered.append(vk)
                seen.add(vk)
        ordered.extend(sorted(vk for vk in self.rooms if vk not in seen))
        return ordered

    def notification_mode(self, owner_vk: bytes) -> NotificationMode:
        return self.notification_modes.get(owner_vk, NotificationMode.ALL)

    # -- applying River changes

    def _known(self, owner_vk: bytes) -> RoomData:
        room = self.get(owner_vk)
        if room.waiting:
            raise RoomsError("this room's data has not arrived yet; it can be changed once it has")
        return room

    def _apply(self, room: RoomData, change: ops.Change, now: SystemTime, **fields: Any) -> RoomData:
        """Keep ``change``'s state and record its delta (with the messages it posts) as pending."""
        pending = Pending(now, change.delta.encode(), tuple(change.delta.recent_messages or ()))
        info = _own_info(change.delta, room.self_member_id)
        if info is not None:
            fields.setdefault("self_member_info", info)
        new = room.with_state(change.state, pending=(*room.pending, pending), **fields)
        self.rooms[new.owner_vk] = new
        return new

    def _run(self, owner_vk: bytes, op: Callable[[RoomData], ops.Change], now: SystemTime, **fields: Any) -> RoomData:
        room = self._known(owner_vk)
        try:
            change = op(room)
        except limits.LimitError as exc:
            raise RoomLimitError(str(exc)) from None
        except ops.RoomOpError as exc:
            raise RoomsError(str(exc)) from None
        return self._apply(room, change, now, **fields)

    def _post(self, owner_vk: bytes, op: Callable[[RoomData, SystemTime], ops.Change], now: Now) -> AuthorizedMessage:
        """Run a posting op; posting reads the room up to one's own message."""
        t = now_time() if now is None else now
        room = self._known(owner_vk)
        try:
            change = op(room, t)
        except limits.LimitError as exc:
            raise RoomLimitError(str(exc)) from None
        except ops.RoomOpError as exc:
            raise RoomsError(str(exc)) from None
        msg = next(m for m in (change.delta.recent_messages or ()) if m.id == change.message_id)
        marker = ReadMarker.of(msg)
        if room.last_read is not None and room.last_read > marker:
            marker = room.last_read
        self._apply(room, change, t, last_read=marker, last_read_message_id=marker.message_id)
        return msg

    # -- operations

    def create_room(
        self, name: str, nickname: str, description: str = "", *, private: bool = False, now: Now = None
    ) -> RoomData:
        """A new room owned by a new key; it goes to the end of the manual order (every writer's rule)."""
        name = _within(limits.check_room_name, name.strip())
        if not name:
            raise RoomsError("a room needs a name")
        description = _within(limits.check_room_description, description)
        nickname = _within(limits.check_nickname, nickname.strip())
        owner = SigningIdentity.generate()
        t = now_time() if now is None else now
        created = ops.create_room(owner, name, description or None, nickname or None, private=private, now=t)
        vk = owner.verifying_key
        secrets = dict(created.keyring)
        room = RoomData.new(
            vk,
            owner,
            created.state,
            self_nickname=nickname or None,
            self_member_info=canonical(created.state.member_info, owner.member_id),
            invitation_secrets=secrets,
        )
        self.rooms[vk] = room
        self.removed.pop(vk, None)
        self._append_to_order(vk)
        return room

    def rename(self, owner_vk: bytes, name: str, description: str | None = None, *, now: Now = None) -> RoomData:
        room = self.get(owner_vk)
        if not room.is_owner:
            raise RoomsError("only the room owner can rename a room")
        name = _within(limits.check_room_name, name.strip())
        if not name:
            raise RoomsError("a room needs a name")
        if description is not None:
            description = _within(limits.check_room_description, description)
        t = now_time() if now is None else now
        room = self._run(
            owner_vk, lambda r: ops.rename(r.room_state, owner_vk, r.self_identity, name, keyring=r.keyring), t
        )
        if description is not None and description != room.description:
            room = self.set_description(owner_vk, description, now=t)
        return room

    def set_description(self, owner_vk: bytes, description: str | None, *, now: Now = None) -> RoomData:
        if description is not None:
            description = _within(limits.check_room_description, description) or None
        t = now_time() if now is None else now
        return self._run(
            owner_vk,
            lambda r: ops.set_description(r.room_state, owner_vk, r.self_identity, description, keyring=r.keyring),
            t,
        )

    def set_nickname(self, owner_vk: bytes, nickname: str, *, now: Now = None) -> RoomData:
        nickname = _within(limits.check_nickname, nickname.strip())
        if not nickname:
            raise RoomsError("a nickname cannot be empty")
        t = now_time() if now is None else now
        return self._run(
            owner_vk,
            lambda r: ops.set_nickname(r.room_state, owner_vk, r.me, nickname, keyring=r.keyring),
            t,
            self_nickname=nickname,
        )

    def post_message(
        self, owner_vk: bytes, text: str, reply_to: int | None = None, *, now: Now = None
    ) -> AuthorizedMessage:
        if not text.strip():
            raise RoomsError("a message cannot be empty")
        _within(limits.check_message, text)
        if reply_to is None:
            return self._post(
                owner_vk, lambda r, t: ops.post_text(r.room_state, owner_vk, r.me, text, now=t, keyring=r.keyring), now
            )
        return self._post(
            owner_vk,
            lambda r, t: ops.reply(r.room_state, owner_vk, r.me, reply_to, text, now=t, keyring=r.keyring),
            now,
        )

    def edit_message(self, owner_vk: bytes, message_id: int, text: str, *, now: Now = None) -> AuthorizedMessage:
        if not text.strip():
            raise RoomsError("a message cannot be empty")
        _within(limits.check_message, text)
        return self._post(
            owner_vk,
            lambda r, t: ops.edit(r.room_state, owner_vk, r.me, message_id, text, now=t, keyring=r.keyring),
            now,
        )

    def delete_message(self, owner_vk: bytes, message_id: int, *, now: Now = None) -> AuthorizedMessage:
        return self._post(
            owner_vk, lambda r, t: ops.delete(r.room_state, owner_vk, r.me, message_id, now=t, keyring=r.keyring), now
        )

    def react(self, owner_vk: bytes, message_id: int, emoji: str, *, now: Now = None) -> AuthorizedMessage:
        return self._post(
            owner_vk,
            lambda r, t: ops.react(r.room_state, owner_vk, r.me, message_id, emoji, now=t, keyring=r.keyring),
            now,
        )

    def unreact(self, owner_vk: bytes, message_id: int, emoji: str, *, now: Now = None) -> AuthorizedMessage:
        return self._post(
            owner_vk,
            lambda r, t: ops.unreact(r.room_state, owner_vk, r.me, message_id, emoji, now=t, keyring=r.keyring),
            now,
        )

    def ban(self, owner_vk: bytes, member_id: int, *, now: Now = None) -> RoomData:
        t = now_time() if now is None else now
        return self._run(owner_vk, lambda r: ops.ban(r.room_state, owner_vk, r.self_identity, member_id, now=t), t)

    def rotate_secret(self, owner_vk: bytes, *, now: Now = None) -> RoomData:
        room = self._known(owner_vk)
        t = now_time() if now is None else now
        try:
            rotated = ops.rotate_secret(room.room_state, owner_vk, room.self_identity, now=t, keyring=room.keyring)
        except ops.RoomOpError as exc:
            raise RoomsError(str(exc)) from None
        secrets = {**room.invitation_secrets, rotated.version: rotated.keyring.get(rotated.version)}
        return self._apply(room, rotated.change, t, invitation_secrets=secrets)

    def mark_read(self, owner_vk: bytes, upto: AuthorizedMessage | ReadMarker | None = None) -> RoomData:
        room = self.get(owner_vk)
        if upto is None:
            msgs = room.room_state.recent_messages
            if not msgs:
                return room
            upto = max(msgs, key=lambda m: m.order_key)
        marker = upto if isinstance(upto, ReadMarker) else ReadMarker.of(upto)
        if room.last_read is not None and room.last_read >= marker:
            return room
        new = replace(room, last_read=marker, last_read_message_id=marker.message_id)
        self.rooms[owner_vk] = new
        return new

    def unread_count(self, owner_vk: bytes, messages: Iterable[AuthorizedMessage] | None = None) -> int:
        """Others' messages after the read marker, filtered by the room's notification mode."""
        room = self.get(owner_vk)
        mode = self.notification_mode(owner_vk)
        msgs = list(room.room_state.recent_messages if messages is None else messages)
        return len(unread_messages(room, mode, msgs))

    def move_room(self, dragged: bytes, target: bytes | None) -> None:
        """River's move: take ``dragged`` out, insert it before ``target`` (unknown target: the end)."""
        order = self.ordered_keys()
        if dragged not in order or dragged == target:
            return
        order.remove(dragged)
        if target is None or target not in order:
            order.append(dragged)
        else:
            order.insert(order.index(target), dragged)
        self.room_order = order

    def move_room_to_end(self, owner_vk: bytes) -> None:
        self.move_room(owner_vk, None)

    def set_notification_mode(self, owner_vk: bytes, mode: NotificationMode) -> None:
        self.get(owner_vk)
        self.notification_modes[owner_vk] = mode

    # -- favourites and the Archive (ours, in rooms_meta)

    def sections(self) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """(favourites in their own order, the main list in the manual order, the Archive in the manual order)."""
        favourites = [vk for vk in dict.fromkeys(self.pinned) if vk in self.rooms]
        pinned = set(favourites)
        rest = [vk for vk in self.ordered_keys() if vk not in pinned]
        return (
            favourites,
            [vk for vk in rest if vk not in self.archived],
            [vk for vk in rest if vk in self.archived],
        )

    def pin(self, owner_vk: bytes) -> None:
        """Pin to the end of the favourites; a pinned room is never in the Archive."""
        self.get(owner_vk)
        self.archived.pop(owner_vk, None)
        if owner_vk not in self.pinned:
            self.pinned.append(owner_vk)

    def unpin(self, owner_vk: bytes) -> None:
        self.get(owner_vk)
        self.pinned = [vk for vk in self.pinned if vk != owner_vk]

    def move_pinned(self, dragged: bytes, target: bytes | None) -> None:
        """Reorder the favourites like :meth:`move_room`: before ``target``, or last when it is not pinned."""
        if dragged not in self.pinned or dragged == target:
            return
        order = [vk for vk in self.pinned if vk != dragged]
        order.insert(order.index(target) if target in order else len(order), dragged)
        self.pinned = order

    def archive(self, owner_vk: bytes, *, wake_on_message: bool = True) -> None:
        """Move a room to the Archive (and out of the favourites).

        ``wake_on_message`` is per room: a message from someone else, newer than the room's newest message now and
        let through by the room's notification mode, brings it back (:meth:`wake_archived`).
        """
        room = self.get(owner_vk)
        times = [(m.message.time.secs, m.message.time.nanos) for m in room.room_state.recent_messages]
        self.pinned = [vk for vk in self.pinned if vk != owner_vk]
        self.archived[owner_vk] = Archived(max(times, default=(0, 0)), wake_on_message)

    def unarchive(self, owner_vk: bytes) -> None:
        self.get(owner_vk)
        self.archived.pop(owner_vk, None)

    def wake_archived(self) -> list[bytes]:
        """Unarchive every room whose new message asks for it; returns them (the caller saves)."""
        woken = []
        for vk, mark in list(self.archived.items()):
            room = self.rooms.get(vk)
            if room is None or not mark.wake_on_message:
                continue
            newer = [
                m for m in room.room_state.recent_messages if (m.message.time.secs, m.message.time.nanos) > mark.since
            ]
            if unread_messages(room, self.notification_mode(vk), newer):
                del self.archived[vk]
                woken.append(vk)
        return woken

    def leave(self, owner_vk: bytes) -> None:
        """Leave a room here; the storage controller turns the recorded intent into a tombstone."""
        room = self.get(owner_vk)
        left_at = next_counter(room.membership_epoch, "room's membership epoch")
        del self.rooms[owner_vk]
        self.removed[owner_vk] = left_at
        self.room_order = [vk for vk in self.room_order if vk != owner_vk]
        self.pinned = [vk for vk in self.pinned if vk != owner_vk]
        self.archived.pop(owner_vk, None)
        if self.current_room == owner_vk:
            self.current_room = None

    def _rejoin_epoch(self, owner_vk: bytes) -> int:
        left_at = self.removed.get(owner_vk)
        return 0 if left_at is None else next_counter(left_at, "room's membership epoch")

    def accept_invitation(self, invitation: Invitation, nickname: str, *, now: Now = None) -> RoomData:
        """River's join, for a room whose state is not known yet (it waits for it); an explicit rejoin when left."""
        owner_vk = invitation.room
        existing = self.rooms.get(owner_vk)
        invitee = invitation.invitee_identity
        if existing is not None:
            if existing.self_vk == invitee.verifying_key:
                return existing
            raise RoomsError("you are already a member of this room with another identity")
        nickname = _within(limits.check_nickname, nickname.strip())
        nickname = nickname or f"member-{member_id_display(invitee.member_id)[:4].lower()}"
        t = now_time() if now is None else now
        try:
            joined = ops.join(None, invitation, nickname, now=t)
        except (ops.RoomOpError, limits.LimitError) as exc:
            raise RoomsError(str(exc)) from None
        messages = tuple(joined.delta.recent_messages or ())
        room = RoomData.new(
            owner_vk,
            invitee,
            placeholder_state(),
            self_authorized_member=invitation.invitee,
            self_member_info=_own_info(joined.delta, invitee.member_id),
            self_nickname=nickname,
            invitation_secrets=dict(invitation.room_secrets),
            membership_epoch=self._rejoin_epoch(owner_vk),
            pending=(Pending(t, joined.delta.encode(), messages),),
        )
        self.removed.pop(owner_vk, None)
        self.rooms[owner_vk] = room
        self._append_to_order(owner_vk)
        return room

    def receive_state(self, owner_vk: bytes, state: ChatRoomState) -> RoomData:
        """A room state fetched or arrived (the network, another profile): River's merge into ours.

        A room still waiting takes it, then replays the changes made here meanwhile (its join) on it, and
        learns its invite chain for rejoins.
        """
        room = self.get(owner_vk)
        try:
            state.verify(owner_vk)
        except RiverRuleError as exc:
            raise RoomsError(f"River's contract would refuse this room state: {exc}") from None
        if room.waiting:
            merged = state
            for p in room.pending:
                try:
                    merged = sync.apply_delta(merged, owner_vk, Delta.decode(p.delta))
                except (RiverRuleError, DecodeError):
                    continue
        else:
            merged = sync.merge(room.room_state, owner_vk, state)
        chain = room.invite_chain
        if not chain and room.self_authorized_member is not None and not room.is_owner:
            try:
                chain = ops.invite_chain_for(merged, owner_vk, room.self_authorized_member)
            except ops.RoomOpError:
                chain = ()
        new = room.with_state(merged, invite_chain=chain)
        self.rooms[owner_vk] = new
        return new

    def import_identity(self, token: IdentityToken) -> RoomData:
        """River's identity import, with River's open #420 fixed: the identity generation rises, so a stale
        copy can never write the old key back. A room not held here is added, waiting for its state."""
        owner_vk = token.room_owner
        info = None if token.member_info is None else AuthorizedMemberInfo.from_obj(token.member_info)
        existing = self.rooms.get(owner_vk)
        secrets = dict(token.invitation_secrets)
        if existing is None:
            room = RoomData.new(
                owner_vk,
                token.identity,
                placeholder_state(),
                self_authorized_member=None if token.is_owner else token.authorized_member,
                invite_chain=token.invite_chain,
                self_member_info=info,
                self_nickname=token.self_nickname,
                invitation_secrets=secrets,
                membership_epoch=self._rejoin_epoch(owner_vk),
            )
            self.removed.pop(owner_vk, None)
            self.rooms[owner_vk] = room
            self._append_to_order(owner_vk)
            return room
        room = replace(
            existing,
            self_identity=token.identity,
            self_authorized_member=None if token.is_owner else token.authorized_member,
            invite_chain=token.invite_chain,
            self_member_info=info,
            self_nickname=token.self_nickname if token.self_nickname is not None else existing.self_nickname,
            invitation_secrets={**existing.invitation_secrets, **secrets}
            if existing.self_vk == token.identity.verifying_key
            else secrets,
            identity_generation=next_counter(existing.identity_generation, "identity generation"),
        )
        self.rooms[owner_vk] = room
        return room

    def export_identity(self, owner_vk: bytes) -> IdentityToken:
        """River's identity export for this room (the armored token's contents)."""
        room = self.get(owner_vk)
        info = room.self_member_info
        if not room.waiting:
            info = canonical(room.room_state.member_info, room.self_member_id) or info
        info_obj = None if info is None else info.to_obj()
        name = room.name or None
        if room.is_owner:
            return IdentityToken.for_owner(
                room.self_identity, member_info=info_obj, room_name=name, self_nickname=room.self_nickname
            )
        if room.self_authorized_member is None:
            raise RoomsError("this room holds no membership record for your identity to export")
        return IdentityToken(
            owner_vk,
            room.self_identity,
            room.self_authorized_member,
            room.invite_chain,
            info_obj,
            name,
            room.self_nickname,
            tuple(sorted(room.invitation_secrets.items())),
        )

    def settle_pending(self, owner_vk: bytes, count: int) -> None:
        """Forget the first ``count`` pending changes of a room (the controller wrote them to the outbox)."""
        room = self.rooms.get(owner_vk)
        if room is not None and room.pending:
            self.rooms[owner_vk] = replace(room, pending=room.pending[count:])

    # -- merging stored state

    def apply_slot(self, owner_vk: bytes, slot: RoomSlot | None) -> bool:
        """Merge one stored slot into this copy by membership epoch; True when anything changed."""
        if slot is None:
            return False
        local = self.rooms.get(owner_vk)
        left_at = self.removed.get(owner_vk)
        if isinstance(slot, TombstoneSlot):
            if local is not None:
                if slot.epoch < local.membership_epoch:
                    return False
                self.leave(owner_vk)
                self.removed[owner_vk] = slot.epoch
                return True
            if left_at is None or slot.epoch > left_at:
                self.removed[owner_vk] = slot.epoch
                return True
            return False
        remote = slot.room
        if local is None:
            if left_at is not None and remote.membership_epoch <= left_at:
                return False
            self.removed.pop(owner_vk, None)
            self.rooms[owner_vk] = remote
            return True
        if local.slot_bytes == remote.slot_bytes:
            return False
        merged = merge_room_data(local, remote)
        if merged == local:
            return False
        self.rooms[owner_vk] = merged
        return True

    def apply_meta(self, meta: RoomsMeta, *, keep_current_room: bool = False) -> None:
        if not keep_current_room:
            self.current_room = meta.current_room_key if meta.current_room_key in self.rooms else None
        self.notification_modes = dict(meta.notification_modes)
        self.room_order = [vk for vk in meta.room_order if vk in self.rooms]
        self.pinned = [vk for vk in meta.pinned if vk in self.rooms]
        self.archived = {vk: a for vk, a in meta.archived.items() if vk in self.rooms}

    def to_meta(self) -> RoomsMeta:
        return RoomsMeta(
            self.current_room,
            dict(self.notification_modes),
            tuple(self.ordered_keys_manual()),
            tuple(vk for vk in self.pinned if vk in self.rooms),
            {vk: a for vk, a in self.archived.items() if vk in self.rooms},
        )

    def ordered_keys_manual(self) -> list[bytes]:
        return [vk for vk in self.room_order if vk in self.rooms]

    def _append_to_order(self, owner_vk: bytes) -> None:
        """A new room goes to the end of the order, from every writer; the rooms shown keep their places."""
        if len(self.room_order) == len(self.rooms) - 1 and owner_vk not in self.room_order:
            self.room_order.append(owner_vk)
            return
        self.room_order = [vk for vk in self.ordered_keys() if vk != owner_vk] + [owner_vk]


def _own_info(delta: Delta, member_id: int) -> AuthorizedMemberInfo | None:
    return next((i for i in (delta.member_info or ()) if i.member_id == member_id), None)


__all__ = [
    "MAX_COUNTER",
    "Archived",
    "NotificationMode",
    "Pending",
    "PresentSlot",
    "ReadMarker",
    "RoomData",
    "RoomLimitError",
    "RoomSlot",
    "Rooms",
    "RoomsError",
    "RoomsMeta",
    "TombstoneSlot",
    "counts_as_message",
    "decode_slot",
    "encode_slot",
    "merge_room_data",
    "next_counter",
    "now_time",
    "room_label",
    "unread_messages",
]
