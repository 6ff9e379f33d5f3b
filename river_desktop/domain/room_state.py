"""A room's shared state as a CRDT: configuration, membership records, nicknames, messages.

Every item is signed, so each copy can check it on its own ("intrinsic" validity: the signature
verifies, the item belongs to this room). Items that fail that check never enter a state built by
:func:`merge`, the ``with_*`` methods or :meth:`RoomState.decode`.

Relational validity (invite chains reaching the owner, message authors being members, member-id
collisions) depends on which other items are present, so it is a *view* computed on demand
(:attr:`RoomState.members`, :meth:`RoomState.ordered_messages`, :meth:`RoomState.validate`).
Filtering relationally inside ``merge`` would make the result depend on merge order.

Our wire shapes (canonical CBOR, keys in exactly this order)::

    Configuration = {"configuration": {"name": tstr, "description": tstr, "version": uint},
                     "signature": bstr(64)}
    MemberInfo    = {"member_info": {"member_vk": bstr(32), "nickname": tstr, "version": uint},
                     "signature": bstr(64)}
    Message       = {"message": {"room": bstr(32), "author_vk": bstr(32), "timestamp": uint,
                                 "text": tstr, "reply_to": tstr(32 hex) / null},
                     "signature": bstr(64)}
    RoomState     = {"owner_vk": bstr(32), "configuration": Configuration / null,
                     "members": [AuthorizedMember...],    # sorted by encoded bytes
                     "member_info": [MemberInfo...],      # sorted by member_vk
                     "messages": [Message...]}            # sorted by (timestamp, id)

Each signature covers the CBOR of the inner map.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple, TypeVar

from river_desktop.domain import cbor
from river_desktop.domain.cbor import CborObj, DecodeError
from river_desktop.domain.identity import (
    SIGNATURE_LEN,
    VERIFYING_KEY_LEN,
    SigningIdentity,
    member_id,
    member_id_display,
    verify,
)
from river_desktop.domain.member import AuthorizedMember

MESSAGE_ID_LEN = 16
_MESSAGE_ID_RE = re.compile(r"[0-9a-f]{32}")
_UINT64_MAX = (1 << 64) - 1

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class RoomStateError(ValueError):
    """A room-state item or operation is invalid (the message never contains key material)."""


@functools.lru_cache(maxsize=16384)
def _verified(verifying_key: bytes, payload: bytes, signature: bytes) -> bool:
    """Signature checks repeat on every merge of the same items; ed25519 verify is the hot cost."""
    return verify(verifying_key, payload, signature)


def _member_signed_by(record: AuthorizedMember, inviter_vk: bytes) -> bool:
    if member_id(inviter_vk) != record.member.invited_by:
        return False
    return _verified(inviter_vk, record.member.encode(), record.signature)


def _check_uint(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64_MAX:
        raise RoomStateError(f"{what} must be an unsigned 64-bit integer")


def _check_key(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != VERIFYING_KEY_LEN:
        raise RoomStateError(f"{what} must be a {VERIFYING_KEY_LEN}-byte verifying key")


def _expect_list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise DecodeError(f"{what} must be an array")
    return value


def _decode_canonical(data: bytes, from_obj: Callable[[object], T], encode: Callable[[T], bytes], what: str) -> T:
    """Reject non-canonical bytes so that one value has exactly one encoding (and one message id)."""
    if not isinstance(data, bytes):
        raise DecodeError(f"{what} must be bytes")
    value = from_obj(cbor.loads(data))
    if encode(value) != data:
        raise RoomStateError(f"{what} is not in canonical encoding")
    return value


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable, picklable mapping, so frozen room states really are immutable."""

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(items)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (FrozenMap, (self._data,))


def _empty_info() -> FrozenMap[bytes, MemberInfo]:
    return FrozenMap()


def _empty_messages() -> FrozenMap[str, Message]:
    return FrozenMap()


# --------------------------------------------------------------------------------------------------
# Signed items


@dataclass(frozen=True)
class Configuration:
    """Room name and description, signed by the owner; a higher version supersedes a lower one."""

    name: str
    description: str
    version: int
    signature: bytes

    @classmethod
    def create(cls, owner: SigningIdentity, name: str, description: str = "", version: int = 1) -> Configuration:
        if not isinstance(name, str) or not isinstance(description, str):
            raise RoomStateError("a room name and description must be text")
        _check_uint(version, "configuration version")
        payload = cls._payload(name, description, version)
        return cls(name, description, version, owner.sign(cbor.dumps(payload)))

    @staticmethod
    def _payload(name: str, description: str, version: int) -> dict[str, CborObj]:
        return {"name": name, "description": description, "version": version}

    def signed_bytes(self) -> bytes:
        return cbor.dumps(self._payload(self.name, self.description, self.version))

    def verify(self, owner_vk: bytes) -> bool:
        return _verified(owner_vk, self.signed_bytes(), self.signature)

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "configuration": self._payload(self.name, self.description, self.version),
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: object) -> Configuration:
        m = cbor.expect_map(obj, ("configuration", "signature"), "configuration")
        p = cbor.expect_map(m["configuration"], ("name", "description", "version"), "configuration body")
        return cls(
            cbor.expect_str(p["name"], "room name"),
            cbor.expect_str(p["description"], "room description"),
            cbor.expect_int(p["version"], "configuration version", unsigned=True),
            cbor.expect_bytes(m["signature"], SIGNATURE_LEN, "configuration signature"),
        )

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def decode(cls, data: bytes) -> Configuration:
        return _decode_canonical(data, cls.from_obj, Configuration.encode, "configuration")

    def __repr__(self) -> str:
        return f"Configuration(name={self.name!r}, version={self.version})"


@dataclass(frozen=True)
class MemberInfo:
    """A member's nickname, signed by the member themself; a higher version supersedes."""

    member_vk: bytes
    nickname: str
    version: int
    signature: bytes

    @classmethod
    def create(cls, member: SigningIdentity, nickname: str, version: int) -> MemberInfo:
        if not isinstance(nickname, str):
            raise RoomStateError("a nickname must be text")
        _check_uint(version, "nickname version")
        vk = member.verifying_key
        return cls(vk, nickname, version, member.sign(cbor.dumps(cls._payload(vk, nickname, version))))

    @staticmethod
    def _payload(member_vk: bytes, nickname: str, version: int) -> dict[str, CborObj]:
        return {"member_vk": member_vk, "nickname": nickname, "version": version}

    def signed_bytes(self) -> bytes:
        return cbor.dumps(self._payload(self.member_vk, self.nickname, self.version))

    def verify(self) -> bool:
        return _verified(self.member_vk, self.signed_bytes(), self.signature)

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "member_info": self._payload(self.member_vk, self.nickname, self.version),
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: object) -> MemberInfo:
        m = cbor.expect_map(obj, ("member_info", "signature"), "member info")
        p = cbor.expect_map(m["member_info"], ("member_vk", "nickname", "version"), "member info body")
        return cls(
            cbor.expect_bytes(p["member_vk"], VERIFYING_KEY_LEN, "member_vk"),
            cbor.expect_str(p["nickname"], "nickname"),
            cbor.expect_int(p["version"], "nickname version", unsigned=True),
            cbor.expect_bytes(m["signature"], SIGNATURE_LEN, "member info signature"),
        )

    def encode(self) -> bytes:
        return cbor.dumps(self.to_obj())

    @classmethod
    def decode(cls, data: bytes) -> MemberInfo:
        return _decode_canonical(data, cls.from_obj, MemberInfo.encode, "member info")

    def __repr__(self) -> str:
        return (
            f"MemberInfo(member={member_id_display(member_id(self.member_vk))}, "
            f"nickname={self.nickname!r}, version={self.version})"
        )


class MessageSummary(NamedTuple):
    """What unread counting needs of a stored message, read without building or verifying a Message."""

    timestamp: int
    id: str
    author_vk: bytes
    text: str
    reply_to: str | None


def summarize_message(data: bytes, message_id: str) -> MessageSummary:
    """Peek at a stored message (our own store's bytes); raises DecodeError when it has the wrong shape."""
    obj = cbor.loads(data)
    try:
        body = obj["message"]
        ts, author, text, reply = body["timestamp"], body["author_vk"], body["text"], body["reply_to"]
    except (KeyError, TypeError):
        raise DecodeError("not a stored message") from None
    if not (isinstance(ts, int) and isinstance(author, bytes) and isinstance(text, str)):
        raise DecodeError("not a stored message")
    return MessageSummary(ts, message_id, author, text, reply if isinstance(reply, str) else None)


@dataclass(frozen=True)
class Message:
    """One chat message, signed by its author and bound to its room; immutable and content-addressed."""

    room: bytes
    author_vk: bytes
    timestamp: int
    text: str
    reply_to: str | None
    signature: bytes

    @classmethod
    def create(
        cls,
        room: bytes,
        author: SigningIdentity,
        text: str,
        timestamp: int | None = None,
        reply_to: str | None = None,
    ) -> Message:
        _check_key(room, "a message's room")
        if not isinstance(text, str):
            raise RoomStateError("message text must be text")
        ts = time.time_ns() // 1_000_000 if timestamp is None else timestamp
        _check_uint(ts, "message timestamp")
        if reply_to is not None and not (isinstance(reply_to, str) and _MESSAGE_ID_RE.fullmatch(reply_to)):
            raise RoomStateError("reply_to must be a message id (32 lowercase hex characters)")
        vk = author.verifying_key
        payload = cls._payload(room, vk, ts, text, reply_to)
        return cls(room, vk, ts, text, reply_to, author.sign(cbor.dumps(payload)))

    @staticmethod
    def _payload(room: bytes, author_vk: bytes, timestamp: int, text: str, reply_to: str | None) -> dict[str, CborObj]:
        return {"room": room, "author_vk": author_vk, "timestamp": timestamp, "text": text, "reply_to": reply_to}

    def signed_bytes(self) -> bytes:
        return cbor.dumps(self._payload(self.room, self.author_vk, self.timestamp, self.text, self.reply_to))

    def verify(self) -> bool:
        return _verified(self.author_vk, self.signed_bytes(), self.signature)

    def to_obj(self) -> dict[str, CborObj]:
        return {
            "message": self._payload(self.room, self.author_vk, self.timestamp, self.text, self.reply_to),
            "signature": self.signature,
        }

    @classmethod
    def from_obj(cls, obj: object) -> Message:
        m = cbor.expect_map(obj, ("message", "signature"), "message")
        p = cbor.expect_map(m["message"], ("room", "author_vk", "timestamp", "text", "reply_to"), "message body")
        reply_to = p["reply_to"]
        if reply_to is not None and not (isinstance(reply_to, str) and _MESSAGE_ID_RE.fullmatch(reply_to)):
            raise DecodeError("reply_to must be null or a message id")
        return cls(
            cbor.expect_bytes(p["room"], VERIFYING_KEY_LEN, "message room"),
            cbor.expect_bytes(p["author_vk"], VERIFYING_KEY_LEN, "message author"),
            cbor.expect_int(p["timestamp"], "message timestamp", unsigned=True),
            cbor.expect_str(p["text"], "message text"),
            reply_to,
            cbor.expect_bytes(m["signature"], SIGNATURE_LEN, "message signature"),
        )

    @functools.cached_property
    def _encoded(self) -> bytes:
        return cbor.dumps(self.to_obj())

    def encode(self) -> bytes:
        """The signed message's CBOR: the value stored under its write-once ``msg:`` key."""
        return self._encoded

    @classmethod
    def decode(cls, data: bytes) -> Message:
        return _decode_canonical(data, cls.from_obj, Message.encode, "message")

    @functools.cached_property
    def id(self) -> str:
        """Content address (formats.md §2): hex of a 16-byte BLAKE2b digest of :meth:`encode`."""
        return hashlib.blake2b(self.encode(), digest_size=MESSAGE_ID_LEN).hexdigest()

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.timestamp, self.id)

    def __repr__(self) -> str:
        return (
            f"Message(id={self.id}, author={member_id_display(member_id(self.author_vk))}, "
            f"timestamp={self.timestamp}, chars={len(self.text)})"
        )


# --------------------------------------------------------------------------------------------------
# Intrinsic checks and deterministic winners (shared by merge, with_* and decode)


def _record_problem(owner_vk: bytes, record: AuthorizedMember) -> str | None:
    """Why a membership record can never be valid in this room, whatever else is present."""
    who = member_id_display(member_id(record.member_vk))
    owner_id = member_id(owner_vk)
    if record.member.owner_member_id != owner_id:
        return f"member {who}: membership record is for a different room owner"
    if record.member_vk == owner_vk:
        return "a membership record names the room owner, who is implicitly a member"
    if len(record.member_vk) != VERIFYING_KEY_LEN:
        return f"member {who}: membership record has a malformed key"
    if record.member.invited_by == owner_id and not _member_signed_by(record, owner_vk):
        return f"member {who}: the owner's invitation signature does not verify"
    return None


def _better(a: T | None, b: T, version: Callable[[T], int], encoded: Callable[[T], bytes]) -> T:
    """Higher version wins; equal versions break the tie by the larger encoding (total, so merge commutes)."""
    if a is None:
        return b
    ka, kb = (version(a), encoded(a)), (version(b), encoded(b))
    return b if kb > ka else a


def _build(
    owner_vk: bytes,
    configurations: Iterable[Configuration | None],
    records: Iterable[AuthorizedMember],
    infos: Iterable[MemberInfo],
    messages: Iterable[Message],
    *,
    verify: bool = True,
) -> RoomState:
    """The canonical state holding the intrinsically valid winners among the given items.

    ``verify=False`` is for items that were all verified when they entered this program.
    """
    cfg: Configuration | None = None
    for c in configurations:
        if c is not None and (not verify or c.verify(owner_vk)):
            cfg = _better(cfg, c, lambda x: x.version, Configuration.encode)
    info: dict[bytes, MemberInfo] = {}
    for mi in infos:
        if not verify or mi.verify():
            info[mi.member_vk] = _better(info.get(mi.member_vk), mi, lambda x: x.version, MemberInfo.encode)
    msgs: dict[str, Message] = {}
    for msg in messages:
        if msg.id not in msgs and msg.room == owner_vk and (not verify or msg.verify()):
            msgs[msg.id] = msg
    kept = frozenset(records) if not verify else frozenset(r for r in records if _record_problem(owner_vk, r) is None)
    return RoomState(owner_vk, cfg, kept, FrozenMap(info), FrozenMap(msgs))


# --------------------------------------------------------------------------------------------------
# The membership view


@dataclass(frozen=True)
class _Membership:
    valid: dict[bytes, AuthorizedMember]
    key_of_id: dict[int, bytes]
    excluded: frozenset[bytes]
    candidates: dict[bytes, tuple[AuthorizedMember, ...]]


def _compute_membership(state: RoomState) -> _Membership:
    """Valid members: breadth-first from the owner, so every chosen chain is acyclic and shortest.

    Within a round a member's record is the smallest encoding among those signed by a member
    validated in an earlier round; the result depends only on the set of records.
    """
    owner_vk = state.owner_vk
    owner_id = member_id(owner_vk)
    records = [r for r in state.member_records if _record_problem(owner_vk, r) is None]

    keys_by_id: dict[int, set[bytes]] = {owner_id: {owner_vk}}
    for r in records:
        keys_by_id.setdefault(member_id(r.member_vk), set()).add(r.member_vk)
    excluded = frozenset(vk for keys in keys_by_id.values() if len(keys) > 1 for vk in keys if vk != owner_vk)

    candidates: dict[bytes, list[AuthorizedMember]] = {}
    by_inviter: dict[int, list[AuthorizedMember]] = {}
    for r in records:
        if r.member_vk not in excluded:
            candidates.setdefault(r.member_vk, []).append(r)
            by_inviter.setdefault(r.member.invited_by, []).append(r)

    valid: dict[bytes, AuthorizedMember] = {}
    key_of_id: dict[int, bytes] = {owner_id: owner_vk}
    frontier = [owner_id]
    while frontier:
        found: dict[bytes, list[AuthorizedMember]] = {}
        for inviter_id in frontier:
            inviter_vk = key_of_id[inviter_id]
            for r in by_inviter.get(inviter_id, ()):
                if r.member_vk not in valid and _member_signed_by(r, inviter_vk):
                    found.setdefault(r.member_vk, []).append(r)
        frontier = []
        for vk, options in found.items():
            valid[vk] = min(options, key=AuthorizedMember.encode)
            key_of_id[member_id(vk)] = vk
            frontier.append(member_id(vk))
    return _Membership(
        valid,
        key_of_id,
        excluded,
        {vk: tuple(sorted(rs, key=AuthorizedMember.encode)) for vk, rs in candidates.items()},
    )


# --------------------------------------------------------------------------------------------------
# Room state


@dataclass(frozen=True)
class RoomState:
    """Everything known about one room; items are trusted only as far as their signatures go."""

    owner_vk: bytes
    configuration: Configuration | None = None
    member_records: frozenset[AuthorizedMember] = frozenset()
    member_info: Mapping[bytes, MemberInfo] = field(default_factory=_empty_info)
    messages: Mapping[str, Message] = field(default_factory=_empty_messages)

    def __post_init__(self) -> None:
        if isinstance(self.owner_vk, bytearray):
            object.__setattr__(self, "owner_vk", bytes(self.owner_vk))
        _check_key(self.owner_vk, "a room owner key")
        if not isinstance(self.member_records, frozenset):
            object.__setattr__(self, "member_records", frozenset(self.member_records))
        if not isinstance(self.member_info, FrozenMap):
            object.__setattr__(self, "member_info", FrozenMap(self.member_info))
        if not isinstance(self.messages, FrozenMap):
            object.__setattr__(self, "messages", FrozenMap(self.messages))

    @classmethod
    def genesis(
        cls, owner: SigningIdentity, name: str, description: str = "", nickname: str | None = None
    ) -> RoomState:
        vk = owner.verifying_key
        info = {} if nickname is None else {vk: MemberInfo.create(owner, nickname, 1)}
        return cls(vk, Configuration.create(owner, name, description, 1), frozenset(), info)

    @classmethod
    def placeholder(cls, owner_vk: bytes) -> RoomState:
        """A room known only from an invitation, waiting for its data."""
        return cls(owner_vk)

    # ---- simple views

    @property
    def name(self) -> str | None:
        return None if self.configuration is None else self.configuration.name

    @property
    def description(self) -> str | None:
        return None if self.configuration is None else self.configuration.description

    @functools.cached_property
    def _membership(self) -> _Membership:
        return _compute_membership(self)

    @property
    def members(self) -> dict[bytes, AuthorizedMember]:
        """Valid members other than the owner, each with the record that admits them."""
        return dict(self._membership.valid)

    def is_member(self, vk: bytes) -> bool:
        return vk == self.owner_vk or vk in self._membership.valid

    def inviter_of(self, vk: bytes) -> bytes | None:
        """The inviter's key for a valid member; ``None`` for the owner and for non-members."""
        record = self._membership.valid.get(vk)
        return None if record is None else self._membership.key_of_id[record.member.invited_by]

    def invite_chain(self, vk: bytes) -> list[bytes]:
        """``[vk, its inviter, ...]`` up to but excluding the owner; ``[]`` for the owner and non-members."""
        chain: list[bytes] = []
        current: bytes | None = vk if vk in self._membership.valid else None
        while current is not None and current != self.owner_vk:
            chain.append(current)
            current = self.inviter_of(current)
        return chain

    def nickname(self, vk: bytes) -> str | None:
        info = self.member_info.get(vk)
        return None if info is None else info.nickname

    def display_name(self, vk: bytes) -> str:
        """The nickname, or River's 8-character member id when there is none."""
        nick = self.nickname(vk)
        return nick if nick else member_id_display(member_id(vk))

    def ordered_messages(self) -> list[Message]:
        """Messages by the owner or a valid member, oldest first by ``(timestamp, id)``."""
        visible = [m for m in self.messages.values() if m.room == self.owner_vk and self.is_member(m.author_vk)]
        return sorted(visible, key=lambda m: m.sort_key)

    # ---- validation

    def validate(self) -> list[str]:
        """Human-readable problems; ``[]`` means every item is valid and every member is admitted."""
        problems: list[str] = []
        owner_vk = self.owner_vk
        if self.configuration is not None and not self.configuration.verify(owner_vk):
            problems.append("room configuration: signature does not verify against the owner's key")
        problems.extend(self._member_problems())
        for vk, info in sorted(self.member_info.items()):
            who = member_id_display(member_id(info.member_vk))
            if vk != info.member_vk:
                problems.append(f"nickname for {who} is stored under another member's key")
            if not info.verify():
                problems.append(f"nickname for {who}: signature does not verify")
            elif not self.is_member(info.member_vk):
                problems.append(f"nickname for {who}, who is not a member")
        for mid, msg in sorted(self.messages.items(), key=lambda kv: (kv[1].timestamp, kv[0])):
            author = member_id_display(member_id(msg.author_vk))
            if mid != msg.id:
                problems.append(f"message {msg.id} is stored under a different id")
            if msg.room != owner_vk:
                problems.append(f"message {msg.id} belongs to another room")
            elif not msg.verify():
                problems.append(f"message {msg.id}: signature does not verify")
            elif not self.is_member(msg.author_vk):
                problems.append(f"message {msg.id} from {author}, who is not a member")
        return list(dict.fromkeys(problems))

    def _member_problems(self) -> list[str]:
        owner_vk = self.owner_vk
        view = self._membership
        problems: list[str] = []
        colliding: dict[int, int] = {}
        for vk in view.excluded:
            colliding[member_id(vk)] = colliding.get(member_id(vk), 0) + 1
        for mid, count in sorted(colliding.items()):
            keys = count + (1 if mid == member_id(owner_vk) else 0)
            problems.append(
                f"member id {member_id_display(mid)} is shared by {keys} different keys "
                "(possible collision attack); those members are excluded"
            )
        for record in sorted(self.member_records, key=AuthorizedMember.encode):
            intrinsic = _record_problem(owner_vk, record)
            if intrinsic is not None:
                problems.append(intrinsic)
                continue
            vk = record.member_vk
            if vk in view.excluded:
                continue
            who = member_id_display(member_id(vk))
            inviter_id = record.member.invited_by
            inviter_vk = view.key_of_id.get(inviter_id)
            if inviter_vk is not None:
                if not _member_signed_by(record, inviter_vk):
                    problems.append(f"member {who}: invitation signature does not verify")
            elif vk in view.valid:
                continue
            elif any(member_id(x) == inviter_id for x in view.excluded):
                problems.append(f"member {who}: invited by a key excluded for a member-id collision")
            elif inviter_id in {member_id(x) for x in view.candidates}:
                if self._on_invite_cycle(vk):
                    problems.append(f"member {who}: invite chain is a cycle that never reaches the owner")
                else:
                    problems.append(f"member {who}: inviter {member_id_display(inviter_id)} is not a valid member")
            else:
                problems.append(f"member {who}: inviter {member_id_display(inviter_id)} is not a member")
        return problems

    def _on_invite_cycle(self, start: bytes) -> bool:
        candidates = self._membership.candidates
        key_of = {member_id(vk): vk for vk in candidates}
        seen: set[bytes] = set()
        stack = [key_of[r.member.invited_by] for r in candidates.get(start, ()) if r.member.invited_by in key_of]
        while stack:
            vk = stack.pop()
            if vk == start:
                return True
            if vk in seen:
                continue
            seen.add(vk)
            stack.extend(key_of[r.member.invited_by] for r in candidates.get(vk, ()) if r.member.invited_by in key_of)
        return False

    # ---- updates (each equals merging a state holding just that item)

    def with_configuration(self, cfg: Configuration) -> RoomState:
        if not cfg.verify(self.owner_vk):
            raise RoomStateError("the configuration is not signed by this room's owner")
        best = _better(self.configuration, cfg, lambda x: x.version, Configuration.encode)
        return self if best is self.configuration else replace(self, configuration=best)

    def with_member(self, am: AuthorizedMember) -> RoomState:
        problem = _record_problem(self.owner_vk, am)
        if problem is not None:
            raise RoomStateError(problem)
        if am in self.member_records:
            return self
        return replace(self, member_records=self.member_records | {am})

    def with_member_info(self, mi: MemberInfo) -> RoomState:
        if not mi.verify():
            raise RoomStateError("the nickname is not signed by its member")
        current = self.member_info.get(mi.member_vk)
        best = _better(current, mi, lambda x: x.version, MemberInfo.encode)
        if best is current:
            return self
        return replace(self, member_info=FrozenMap({**self.member_info, mi.member_vk: best}))

    def with_message(self, msg: Message) -> RoomState:
        return self.with_messages((msg,))

    def with_messages(self, messages: Iterable[Message]) -> RoomState:
        """Add several messages at once (one copy of the map); all-or-nothing on an invalid one."""
        added: dict[str, Message] = {}
        for msg in messages:
            if msg.room != self.owner_vk:
                raise RoomStateError(f"message {msg.id} belongs to another room")
            if not msg.verify():
                raise RoomStateError(f"message {msg.id}: signature does not verify")
            if msg.id not in self.messages:
                added[msg.id] = msg
        if not added:
            return self
        return replace(self, messages=FrozenMap({**self.messages, **added}))

    def without_messages(self) -> RoomState:
        return replace(self, messages=FrozenMap())

    # ---- codec

    def to_obj(self, include_messages: bool = True) -> dict[str, CborObj]:
        messages = sorted(self.messages.values(), key=lambda m: m.sort_key) if include_messages else []
        return {
            "owner_vk": self.owner_vk,
            "configuration": None if self.configuration is None else self.configuration.to_obj(),
            "members": [r.to_obj() for r in sorted(self.member_records, key=AuthorizedMember.encode)],
            "member_info": [mi.to_obj() for _, mi in sorted(self.member_info.items())],
            "messages": [m.to_obj() for m in messages],
        }

    @classmethod
    def from_obj(cls, obj: object, *, trusted: bool = False) -> RoomState:
        """Strict about shape; items whose signatures fail are dropped, as merge would drop them.

        ``trusted`` skips signature checks for bytes this program verified before writing them
        (its own profile's slots): loading 1,000 rooms must not re-verify thousands of signatures.
        Merging still verifies everything it combines.
        """
        m = cbor.expect_map(obj, ("owner_vk", "configuration", "members", "member_info", "messages"), "room state")
        owner_vk = cbor.expect_bytes(m["owner_vk"], VERIFYING_KEY_LEN, "room owner key")
        cfg = None if m["configuration"] is None else Configuration.from_obj(m["configuration"])
        records = [AuthorizedMember.from_obj(x) for x in _expect_list(m["members"], "members")]
        infos = [MemberInfo.from_obj(x) for x in _expect_list(m["member_info"], "member_info")]
        msgs = [Message.from_obj(x) for x in _expect_list(m["messages"], "messages")]
        if trusted:
            info: dict[bytes, MemberInfo] = {}
            for mi in infos:
                info[mi.member_vk] = _better(info.get(mi.member_vk), mi, lambda x: x.version, MemberInfo.encode)
            return RoomState(
                owner_vk, cfg, frozenset(records), FrozenMap(info), FrozenMap({msg.id: msg for msg in msgs})
            )
        return _build(owner_vk, (cfg,), records, infos, msgs)

    def encode(self, include_messages: bool = True) -> bytes:
        return cbor.dumps(self.to_obj(include_messages))

    @classmethod
    def decode(cls, data: bytes) -> RoomState:
        return cls.from_obj(cbor.loads(data))

    def __repr__(self) -> str:
        return (
            f"RoomState(owner={member_id_display(member_id(self.owner_vk))}, name={self.name!r}, "
            f"records={len(self.member_records)}, nicknames={len(self.member_info)}, "
            f"messages={len(self.messages)})"
        )


def merge(a: RoomState, b: RoomState, *, trusted: bool = False) -> RoomState:
    """Join two copies of one room: commutative, associative and idempotent on well-formed states.

    ``trusted``: both copies hold only items this program verified when they entered it (its own
    store's slots and its own in-memory copies), so signatures need not be checked again.
    """
    if a.owner_vk != b.owner_vk:
        raise RoomStateError("cannot merge the states of two different rooms")
    if trusted and a == b:
        return a
    return _build(
        a.owner_vk,
        (a.configuration, b.configuration),
        a.member_records | b.member_records,
        (*a.member_info.values(), *b.member_info.values()),
        (*a.messages.values(), *b.messages.values()),
        verify=not trusted,
    )


__all__ = [
    "MESSAGE_ID_LEN",
    "Configuration",
    "DecodeError",
    "FrozenMap",
    "MemberInfo",
    "Message",
    "RoomState",
    "RoomStateError",
    "merge",
]
