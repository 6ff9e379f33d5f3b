"""The room list: rooms by owner key, leave tombstones, manual order, view preferences.

Each window (and each CLI run) holds its own :class:`Rooms` copy and mutates it freely; the
storage controller reconciles copies through per-room slots. Membership changes carry a
*membership epoch* (design.md §4): every leave or rejoin moves a room to a higher epoch, so
two copies of one room always compare by a total order — the higher epoch wins, equal epochs
of two present copies merge.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from typing import TypeVar

import base58

from river_desktop.domain import cbor, limits
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import (
    SEED_LEN,
    VERIFYING_KEY_LEN,
    SigningIdentity,
    member_id_display,
)
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.room_state import Configuration, MemberInfo, Message, MessageSummary, RoomState, merge

ROOM_SECRET_LEN = 32
MAX_COUNTER = 2**64 - 1
"""Epochs, versions and generations are CBOR unsigned 64-bit integers (River's u64): never go past this."""


class RoomsError(ValueError):
    """A room-list operation the user asked for cannot be done (the message says why)."""


class RoomLimitError(RoomsError, limits.LimitError):
    """Input over one of River's limits: a :class:`RoomsError` for front ends, a ``LimitError`` by kind."""


def _within(check: Callable[[str], str], text: str) -> str:
    """Apply one of River's limits (``limits.check_*``), raising it as a :class:`RoomLimitError`."""
    try:
        return check(text)
    except limits.LimitError as exc:
        raise RoomLimitError(str(exc)) from None


def next_counter(value: int, what: str) -> int:
    """``value + 1`` for an epoch or version, refused at the end of the encodable range."""
    if value >= MAX_COUNTER:
        raise RoomsError(f"the {what} has reached its largest possible value; it cannot be advanced")
    return value + 1


class NotificationMode(Enum):
    ALL = "All"
    MENTIONS_AND_REPLIES = "MentionsAndReplies"
    MUTED = "Muted"

    @classmethod
    def parse(cls, value: object) -> NotificationMode:
        for mode in cls:
            if mode.value == value:
                return mode
        raise DecodeError(f"unknown notification mode {value!r}")


def room_label(owner_vk: bytes) -> str:
    """A short, non-secret label for logs and reprs: the start of the room's base58 key."""
    return base58.b58encode(owner_vk).decode("ascii")[:8]


@dataclass(frozen=True, order=True)
class ReadMarker:
    """The newest message the user has seen, ordered like messages: (timestamp, id)."""

    timestamp: int
    message_id: str

    @classmethod
    def of(cls, message: Message | MessageSummary) -> ReadMarker:
        return cls(message.timestamp, message.id)


@dataclass(frozen=True, repr=False)
class RoomData:
    """One room as this user holds it. ``self_identity`` is unrecoverable: never dropped, never logged."""

    owner_vk: bytes
    self_identity: SigningIdentity
    room_state: RoomState
    self_authorized_member: AuthorizedMember | None = None
    last_read: ReadMarker | None = None
    invitation_secrets: Mapping[int, bytes] = field(default_factory=dict)
    self_nickname: str = ""
    identity_generation: int = 0
    epoch: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "invitation_secrets", dict(sorted(self.invitation_secrets.items())))

    @property
    def self_vk(self) -> bytes:
        return self.self_identity.verifying_key

    @property
    def is_owner(self) -> bool:
        return self.self_vk == self.owner_vk

    @property
    def waiting(self) -> bool:
        """Joined by invitation, but the room's own data (configuration) is not known yet."""
        return self.room_state.configuration is None

    @property
    def name(self) -> str:
        return self.room_state.name or ""

    def __repr__(self) -> str:
        return (
            f"RoomData(room={room_label(self.owner_vk)}, me={member_id_display(self.self_identity.member_id)}, "
            f"epoch={self.epoch}, identity_generation={self.identity_generation})"
        )

    __str__ = __repr__

    def to_obj(self, *, include_messages: bool = False) -> dict[str, CborObj]:
        return {
            "owner_vk": self.owner_vk,
            "self_sk": self.self_identity.seed,
            "room_state": self.room_state.to_obj(include_messages=include_messages),
            "self_authorized_member": (
                None if self.self_authorized_member is None else self.self_authorized_member.to_obj()
            ),
            "last_read": None if self.last_read is None else [self.last_read.timestamp, self.last_read.message_id],
            "invitation_secrets": dict(self.invitation_secrets),
            "self_nickname": self.self_nickname,
            "identity_generation": self.identity_generation,
            "epoch": self.epoch,
        }

    @classmethod
    def from_obj(cls, obj: object, *, trusted: bool = False) -> RoomData:
        m = cbor.expect_map(obj, tuple(_ROOM_DATA_FIELDS), "room data")
        owner_vk = cbor.expect_bytes(m["owner_vk"], VERIFYING_KEY_LEN, "owner_vk")
        seed = cbor.expect_bytes(m["self_sk"], SEED_LEN, "self_sk")
        state = RoomState.from_obj(m["room_state"], trusted=trusted)
        if state.owner_vk != owner_vk:
            raise DecodeError("room state belongs to another room")
        am = m["self_authorized_member"]
        last_read = m["last_read"]
        if last_read is not None:
            if not (isinstance(last_read, list) and len(last_read) == 2):
                raise DecodeError("last_read must be [timestamp, message id]")
            marker: ReadMarker | None = ReadMarker(
                cbor.expect_int(last_read[0], "last_read timestamp"),
                cbor.expect_str(last_read[1], "last_read message id"),
            )
        else:
            marker = None
        secrets_obj = m["invitation_secrets"]
        if not isinstance(secrets_obj, dict):
            raise DecodeError("invitation_secrets must be a map")
        secrets = {
            cbor.expect_int(k, "secret version", unsigned=True): cbor.expect_bytes(v, ROOM_SECRET_LEN, "room secret")
            for k, v in secrets_obj.items()
        }
        return cls(
            owner_vk=owner_vk,
            self_identity=SigningIdentity(seed),
            room_state=state,
            self_authorized_member=None if am is None else AuthorizedMember.from_obj(am),
            last_read=marker,
            invitation_secrets=secrets,
            self_nickname=cbor.expect_str(m["self_nickname"], "self_nickname"),
            identity_generation=cbor.expect_int(m["identity_generation"], "identity_generation", unsigned=True),
            epoch=cbor.expect_int(m["epoch"], "epoch", unsigned=True),
        )

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @cached_property
    def slot_bytes(self) -> bytes:
        """This room's Present slot encoding, computed once: saves diff 1,000 rooms by it cheaply."""
        return cbor.dumps({"Present": self.to_obj(include_messages=False)})

    @classmethod
    def decode(cls, data: bytes) -> RoomData:
        return cls.from_obj(cbor.loads(data))


_ROOM_DATA_FIELDS = (
    "owner_vk",
    "self_sk",
    "room_state",
    "self_authorized_member",
    "last_read",
    "invitation_secrets",
    "self_nickname",
    "identity_generation",
    "epoch",
)


def merge_room_data(local: RoomData, remote: RoomData, *, trusted: bool = False) -> RoomData:
    """Combine two present copies of one room; commutative, so every writer gets the same answer.

    The identity comes from the copy ranked higher by (membership epoch, identity generation,
    verifying key): a newer membership (a rejoin) or an identity import beats a stale copy, and
    the key is an arbitrary but shared tie-break. Room state is a CRDT union, the read marker only
    moves forward, and invitation secrets union when both copies hold the same identity. Copies of
    equal rank (one identity) settle the remaining fields by content, never by argument order.
    """
    if local.owner_vk != remote.owner_vk:
        raise RoomsError("cannot merge two different rooms")
    lk = (local.epoch, local.identity_generation, local.self_vk)
    rk = (remote.epoch, remote.identity_generation, remote.self_vk)
    winner, loser = (local, remote) if lk >= rk else (remote, local)
    state = merge(local.room_state, remote.room_state, trusted=trusted)
    markers = [m for m in (local.last_read, remote.last_read) if m is not None]
    if lk == rk:
        secrets: Mapping[int, bytes] = {
            v: max(s for s in (local.invitation_secrets.get(v), remote.invitation_secrets.get(v)) if s is not None)
            for v in {*local.invitation_secrets, *remote.invitation_secrets}
        }
        nickname = _tied_nickname(local.self_nickname, remote.self_nickname, state.nickname(local.self_vk))
        records = [am for am in (local.self_authorized_member, remote.self_authorized_member) if am is not None]
        authorized = min(records, key=AuthorizedMember.encode) if records else None
    else:
        same_identity = winner.self_vk == loser.self_vk
        secrets = (
            {**loser.invitation_secrets, **winner.invitation_secrets} if same_identity else winner.invitation_secrets
        )
        nickname = winner.self_nickname or (loser.self_nickname if same_identity else "")
        authorized = winner.self_authorized_member or (loser.self_authorized_member if same_identity else None)
    return replace(
        winner,
        room_state=state,
        last_read=max(markers) if markers else None,
        invitation_secrets=secrets,
        self_nickname=nickname,
        self_authorized_member=authorized,
    )


def _tied_nickname(a: str, b: str, signed: str | None) -> str:
    """Two nicknames of one identity at one rank: the one its newest signed nickname record names, else the larger."""
    if a == b:
        return a
    if signed and signed in (a, b):
        return signed
    return max(a, b)


# --- slots and meta (formats.md §3) -------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class PresentSlot:
    room: RoomData

    @property
    def epoch(self) -> int:
        return self.room.epoch

    def __repr__(self) -> str:
        return f"PresentSlot({self.room!r})"


@dataclass(frozen=True)
class TombstoneSlot:
    epoch: int = 0


RoomSlot = PresentSlot | TombstoneSlot


def encode_slot(slot: RoomSlot) -> bytes:
    if isinstance(slot, PresentSlot):
        return slot.room.slot_bytes
    return cbor.dumps({"Tombstone": {"epoch": slot.epoch}})


def decode_slot(data: bytes, *, trusted: bool = False) -> RoomSlot:
    """Decode a room slot; River's bare ``"Tombstone"`` reads as epoch 0.

    ``trusted``: the bytes come from this profile's own store, whose every write was verified.
    """
    obj = cbor.loads(data)
    if obj == "Tombstone":
        return TombstoneSlot(0)
    if not isinstance(obj, dict) or len(obj) != 1:
        raise DecodeError("a room slot must be Present or Tombstone")
    ((tag, value),) = obj.items()
    if tag == "Present":
        return PresentSlot(RoomData.from_obj(value, trusted=trusted))
    if tag == "Tombstone":
        m = cbor.expect_map(value, ("epoch",), "tombstone")
        return TombstoneSlot(cbor.expect_int(m["epoch"], "tombstone epoch", unsigned=True))
    raise DecodeError(f"unknown room slot variant {tag!r}")


@dataclass(frozen=True)
class RoomsMeta:
    current_room_key: bytes | None = None
    notification_modes: Mapping[bytes, NotificationMode] = field(default_factory=dict)
    room_order: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "notification_modes", dict(sorted(self.notification_modes.items())))
        object.__setattr__(self, "room_order", tuple(self.room_order))

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "current_room_key": self.current_room_key,
            "notification_modes": {k: v.value for k, v in self.notification_modes.items()},
            "room_order": list(self.room_order),
        }

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> RoomsMeta:
        if not isinstance(obj, dict):
            raise DecodeError("rooms_meta must be a map")
        current = obj.get("current_room_key")
        if current is not None:
            current = cbor.expect_bytes(current, VERIFYING_KEY_LEN, "current_room_key")
        modes_obj = obj.get("notification_modes", {})
        if not isinstance(modes_obj, dict):
            raise DecodeError("notification_modes must be a map")
        modes = {
            cbor.expect_bytes(k, VERIFYING_KEY_LEN, "room key"): NotificationMode.parse(v) for k, v in modes_obj.items()
        }
        order_obj = obj.get("room_order", [])
        if not isinstance(order_obj, list):
            raise DecodeError("room_order must be an array")
        order = tuple(cbor.expect_bytes(k, VERIFYING_KEY_LEN, "room key") for k in order_obj)
        return cls(current, modes, order)

    @classmethod
    def decode(cls, data: bytes) -> RoomsMeta:
        return cls.from_obj(cbor.loads(data))


# --- the room list ------------------------------------------------------------------------------

_MENTION_CHARS = re.compile(r"[\w-]", re.UNICODE)


def mentions(text: str, nickname: str) -> bool:
    """True when ``text`` names ``nickname`` as a whole word (with or without a leading @)."""
    if not nickname:
        return False
    low, nick = text.casefold(), nickname.casefold()
    start = low.find(nick)
    while start >= 0:
        end = start + len(nick)
        before_ok = start == 0 or not _MENTION_CHARS.match(low[start - 1])
        after_ok = end == len(low) or not _MENTION_CHARS.match(low[end])
        if before_ok and after_ok:
            return True
        start = low.find(nick, start + 1)
    return False


@dataclass
class Rooms:
    """One writer's copy of the room list. Mutable; hand out :meth:`copy` for snapshots."""

    rooms: dict[bytes, RoomData] = field(default_factory=dict)
    removed: dict[bytes, int] = field(default_factory=dict)
    room_order: list[bytes] = field(default_factory=list)
    current_room: bytes | None = None
    notification_modes: dict[bytes, NotificationMode] = field(default_factory=dict)

    def copy(self) -> Rooms:
        return Rooms(
            dict(self.rooms),
            dict(self.removed),
            list(self.room_order),
            self.current_room,
            dict(self.notification_modes),
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

    # -- operations

    def create_room(self, name: str, nickname: str, description: str = "") -> RoomData:
        """A new room owned by a new key; it goes to the end of the manual order (every writer's rule)."""
        name = _within(limits.check_room_name, name.strip())
        if not name:
            raise RoomsError("a room needs a name")
        description = _within(limits.check_room_description, description)
        nickname = _within(limits.check_nickname, nickname.strip())
        owner = SigningIdentity.generate()
        state = RoomState.genesis(owner, name, description, nickname=nickname or None)
        room = RoomData(owner.verifying_key, owner, state, self_nickname=nickname)
        self.rooms[room.owner_vk] = room
        self.removed.pop(room.owner_vk, None)
        self._append_to_order(room.owner_vk)
        return room

    def rename(self, owner_vk: bytes, name: str, description: str | None = None) -> RoomData:
        room = self.get(owner_vk)
        if not room.is_owner:
            raise RoomsError("only the room owner can rename a room")
        name = _within(limits.check_room_name, name.strip())
        if not name:
            raise RoomsError("a room needs a name")
        old = room.room_state.configuration
        version = 1 if old is None else next_counter(old.version, "room configuration version")
        desc = (old.description if old else "") if description is None else description
        desc = _within(limits.check_room_description, desc)
        cfg = Configuration.create(room.self_identity, name, desc, version)
        return self._put(replace(room, room_state=room.room_state.with_configuration(cfg)))

    def set_nickname(self, owner_vk: bytes, nickname: str) -> RoomData:
        room = self.get(owner_vk)
        nickname = _within(limits.check_nickname, nickname.strip())
        if not nickname:
            raise RoomsError("a nickname cannot be empty")
        current = room.room_state.member_info.get(room.self_vk)
        version = 1 if current is None else next_counter(current.version, "nickname version")
        info = MemberInfo.create(room.self_identity, nickname, version)
        return self._put(replace(room, room_state=room.room_state.with_member_info(info), self_nickname=nickname))

    def post_message(
        self, owner_vk: bytes, text: str, *, reply_to: str | None = None, timestamp: int | None = None
    ) -> Message:
        room = self.get(owner_vk)
        if not text.strip():
            raise RoomsError("a message cannot be empty")
        _within(limits.check_message, text)
        ts = int(time.time() * 1000) if timestamp is None else timestamp
        msg = Message.create(owner_vk, room.self_identity, text, timestamp=ts, reply_to=reply_to)
        self._put(replace(room, room_state=room.room_state.with_message(msg), last_read=_later(room.last_read, msg)))
        return msg

    def add_messages(self, owner_vk: bytes, messages: Iterable[Message]) -> None:
        """Merge messages read from storage into this copy (invalid ones are dropped by the CRDT)."""
        room = self.rooms.get(owner_vk)
        if room is None:
            return
        state = room.room_state
        for msg in messages:
            if msg.id not in state.messages and msg.room == owner_vk and msg.verify():
                state = state.with_message(msg)
        self.rooms[owner_vk] = replace(room, room_state=state)

    def mark_read(self, owner_vk: bytes, upto: Message | None = None) -> RoomData:
        room = self.get(owner_vk)
        if upto is None:
            msgs = room.room_state.ordered_messages()
            if not msgs:
                return room
            upto = msgs[-1]
        marker = ReadMarker.of(upto)
        if room.last_read is not None and room.last_read >= marker:
            return room
        return self._put(replace(room, last_read=marker))

    def unread_count(self, owner_vk: bytes, messages: Iterable[Message | MessageSummary] | None = None) -> int:
        """Others' messages after the read marker, filtered by the room's notification mode."""
        room = self.get(owner_vk)
        mode = self.notification_mode(owner_vk)
        if mode is NotificationMode.MUTED:
            return 0
        msgs = room.room_state.ordered_messages() if messages is None else list(messages)
        return count_unread(room, mode, msgs)

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

    def leave(self, owner_vk: bytes) -> None:
        """Leave a room here; the storage controller turns the recorded intent into a tombstone."""
        room = self.get(owner_vk)
        left_at = next_counter(room.epoch, "room's membership epoch")
        del self.rooms[owner_vk]
        self.removed[owner_vk] = left_at
        self.room_order = [vk for vk in self.room_order if vk != owner_vk]
        if self.current_room == owner_vk:
            self.current_room = None

    def accept_invitation(self, invitation: Invitation, nickname: str) -> RoomData:
        """Add the room an invitation grants; an explicit rejoin when the room was left."""
        owner_vk = invitation.room
        existing = self.rooms.get(owner_vk)
        invitee = invitation.invitee_identity
        if existing is not None:
            if existing.self_vk == invitee.verifying_key:
                return existing
            raise RoomsError("you are already a member of this room with another identity")
        nickname = _within(limits.check_nickname, nickname.strip())
        nickname = nickname or f"member-{member_id_display(invitee.member_id)[:4].lower()}"
        left_at = self.removed.get(owner_vk)
        epoch = 0 if left_at is None else next_counter(left_at, "room's membership epoch")
        state = RoomState.placeholder(owner_vk).with_member(invitation.invitee)
        state = state.with_member_info(MemberInfo.create(invitee, nickname, 1))
        self.removed.pop(owner_vk, None)
        room = RoomData(
            owner_vk=owner_vk,
            self_identity=invitee,
            room_state=state,
            self_authorized_member=invitation.invitee,
            invitation_secrets=dict(invitation.room_secrets),
            self_nickname=nickname,
            epoch=epoch,
        )
        self.rooms[owner_vk] = room
        self._append_to_order(owner_vk)
        return room

    # -- merging remote state

    def apply_slot(self, owner_vk: bytes, slot: RoomSlot | None) -> bool:
        """Merge one stored slot into this copy by membership epoch; True when anything changed."""
        if slot is None:
            return False
        local = self.rooms.get(owner_vk)
        left_at = self.removed.get(owner_vk)
        if isinstance(slot, TombstoneSlot):
            if local is not None:
                if slot.epoch < local.epoch:
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
            if left_at is not None and remote.epoch <= left_at:
                return False
            self.removed.pop(owner_vk, None)
            self.rooms[owner_vk] = remote
            return True
        merged = merge_room_data(local, remote, trusted=True)
        if merged == local:
            return False
        self.rooms[owner_vk] = merged
        return True

    def apply_meta(self, meta: RoomsMeta, *, keep_current_room: bool = False) -> None:
        if not keep_current_room:
            self.current_room = meta.current_room_key if meta.current_room_key in self.rooms else None
        self.notification_modes = dict(meta.notification_modes)
        self.room_order = [vk for vk in meta.room_order if vk in self.rooms]

    def to_meta(self) -> RoomsMeta:
        return RoomsMeta(self.current_room, dict(self.notification_modes), tuple(self.ordered_keys_manual()))

    def ordered_keys_manual(self) -> list[bytes]:
        return [vk for vk in self.room_order if vk in self.rooms]

    # -- whole-list codec (the legacy ``rooms_data`` blob and tests)

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "map": {vk: self.rooms[vk].to_obj(include_messages=True) for vk in sorted(self.rooms)},
            "current_room_key": self.current_room,
            "removed_rooms": dict(sorted(self.removed.items())),
            "notification_modes": {k: v.value for k, v in sorted(self.notification_modes.items())},
            "room_order": list(self.room_order),
        }

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> Rooms:
        m = cbor.expect_map(
            obj, ("map", "current_room_key", "removed_rooms", "notification_modes", "room_order"), "rooms"
        )
        if not isinstance(m["map"], dict) or not isinstance(m["removed_rooms"], dict):
            raise DecodeError("rooms map and removed_rooms must be maps")
        rooms: dict[bytes, RoomData] = {}
        for vk, value in m["map"].items():
            room = RoomData.from_obj(value)
            if room.owner_vk != vk:
                raise DecodeError("a room is filed under another room's key")
            rooms[vk] = room
        removed = {
            cbor.expect_bytes(k, VERIFYING_KEY_LEN, "room key"): cbor.expect_int(v, "epoch", unsigned=True)
            for k, v in m["removed_rooms"].items()
        }
        meta = RoomsMeta.from_obj(
            {
                "current_room_key": m["current_room_key"],
                "notification_modes": m["notification_modes"],
                "room_order": m["room_order"],
            }
        )
        return cls(rooms, removed, list(meta.room_order), meta.current_room_key, dict(meta.notification_modes))

    @classmethod
    def decode(cls, data: bytes) -> Rooms:
        return cls.from_obj(cbor.loads(data))

    def _append_to_order(self, owner_vk: bytes) -> None:
        """A new room goes to the end of the order, from every writer; the rooms shown keep their places.

        When the manual order does not cover every room yet, the order shown (manual, then by key)
        becomes the manual order first.
        """
        if len(self.room_order) == len(self.rooms) - 1 and owner_vk not in self.room_order:
            self.room_order.append(owner_vk)
            return
        self.room_order = [vk for vk in self.ordered_keys() if vk != owner_vk] + [owner_vk]

    def _put(self, room: RoomData) -> RoomData:
        self.rooms[room.owner_vk] = room
        return room


def _later(marker: ReadMarker | None, own: Message) -> ReadMarker | None:
    """Posting reads the room up to one's own message."""
    mine = ReadMarker.of(own)
    return mine if marker is None or mine > marker else marker


M = TypeVar("M", bound=Message | MessageSummary)


def is_shown(room: RoomData, msg: Message) -> bool:
    """What every front end shows of a room's history: its own messages, validly signed, by a member."""
    return msg.room == room.owner_vk and room.room_state.is_member(msg.author_vk) and msg.verify()


def count_unread(room: RoomData, mode: NotificationMode, messages: Iterable[Message | MessageSummary]) -> int:
    return len(unread_messages(room, mode, list(messages)))


def unread_messages(room: RoomData, mode: NotificationMode, messages: Sequence[M]) -> list[M]:
    """Others' messages after the read marker that the mode lets through (the caller checks they are shown)."""
    if mode is NotificationMode.MUTED:
        return []
    me = room.self_vk
    mine = {m.id for m in messages if m.author_vk == me} if mode is NotificationMode.MENTIONS_AND_REPLIES else set()
    seen = None if room.last_read is None else (room.last_read.timestamp, room.last_read.message_id)
    out: list[M] = []
    for msg in messages:
        if msg.author_vk == me:
            continue
        if seen is not None and (msg.timestamp, msg.id) <= seen:  # ReadMarker's order, without one per message
            continue
        if mode is NotificationMode.MENTIONS_AND_REPLIES and not (
            mentions(msg.text, room.self_nickname) or (msg.reply_to is not None and msg.reply_to in mine)
        ):
            continue
        out.append(msg)
    return out
