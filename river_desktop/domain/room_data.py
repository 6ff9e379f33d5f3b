"""One room as this user holds it, in River's ``RoomData`` shape, and the room slot codec.

River's UI stores ``room:<b58>`` as ``RoomSlot`` (``ui/src/room_data.rs``): ``{"Present": RoomData}`` with 12 keys in
River's order, or the bare ``"Tombstone"``. We write the 12 keys exactly as ciborium does, then append ours
(``membership_epoch``, ``identity_generation``, ``last_read``, ``legacy_0_1``), which River's serde ignores; our
Tombstone is ``{"Tombstone": {"epoch": n}}`` and River's bare one reads as epoch 0.

The room state is decoded lazily: the room list needs only the configuration (the first item of the state), so
a slot is parsed into a CBOR tree and its :class:`ChatRoomState` is built on first use.

Public API::

    RoomData(...)                       # fields below; .room_state / .with_state(state) / .name / .waiting
    merge_room_data(local, remote) -> RoomData
    PresentSlot(room) | TombstoneSlot(epoch);  encode_slot(slot) -> bytes;  decode_slot(bytes) -> RoomSlot
    ReadMarker(secs, nanos, message_id)  # ordered like River's messages: (time, id)
    placeholder_state() -> ChatRoomState # River's default state, for a room joined and not yet fetched
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river import views as v
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import AuthorizedConfiguration, Configuration, PrivacyMode
from river_desktop.domain.river.contract_key import ContractKey
from river_desktop.domain.river.member_info import AuthorizedMemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.state import ChatRoomState

if TYPE_CHECKING:
    from river_desktop.domain.river.room_ops import Me
    from river_desktop.domain.river.summary import Delta

MAX_COUNTER = 2**64 - 1
"""Epochs and generations are CBOR unsigned 64-bit integers (River's u64): never go past this."""
ROOM_SECRET_LEN = 32

RIVER_ROOM_DATA_KEYS = (
    "owner_vk",
    "room_state",
    "self_sk",
    "self_vk",
    "contract_key",
    "last_read_message_id",
    "self_authorized_member",
    "invite_chain",
    "self_member_info",
    "self_nickname",
    "previous_contract_key",
    "invitation_secrets",
)
OUR_ROOM_DATA_KEYS = ("membership_epoch", "identity_generation", "last_read", "legacy_0_1")

PLACEHOLDER_SIGNER = SigningIdentity(b"\0" * 32)
PLACEHOLDER_OWNER_ID = 0
"""River's ``AuthorizedConfigurationV1::default()`` signs the default configuration with the all-zero key."""


def room_label(owner_vk: bytes) -> str:
    """A short, non-secret label for logs and reprs: the start of the room's base58 key."""
    import base58  # here: it loads OpenSSL (hashlib), which a listing of a public room never needs

    return base58.b58encode(owner_vk).decode("ascii")[:8]


def placeholder_state() -> ChatRoomState:
    """River's ``ChatRoomStateV1::default()``: what a room joined by invitation holds until it is fetched."""
    return _PLACEHOLDER


_PLACEHOLDER = ChatRoomState(AuthorizedConfiguration.create(Configuration(), PLACEHOLDER_SIGNER))


@dataclass(frozen=True, order=True)
class ReadMarker:
    """The newest message the user has seen, ordered like River's messages: (time, message id)."""

    secs: int
    nanos: int
    message_id: int

    @classmethod
    def of(cls, message: AuthorizedMessage) -> ReadMarker:
        t = message.message.time
        return cls(t.secs, t.nanos, message.id)

    @property
    def time(self) -> SystemTime:
        return SystemTime(self.secs, self.nanos)

    def sort_key(self) -> tuple[int, int, int]:
        return (self.secs, self.nanos, self.message_id)


@dataclass(frozen=True)
class Pending:
    """A change made here and not yet confirmed by the network: its River delta and the messages it posts.

    Kept with the room until the storage controller has written it to the outbox and the history in the
    transaction that saves the change (never part of the slot).
    """

    made_at: SystemTime
    delta: bytes
    messages: tuple[AuthorizedMessage, ...] = ()


class _StateSource:
    """A room state: an object, a decoded CBOR tree, or the slot bytes it came from (decoded on first use).

    A loaded room keeps only its slot's bytes and its configuration: the tree of a whole state (signatures are
    arrays of 64 integers) would hold many times the memory, and most rooms are only listed."""

    __slots__ = ("_config", "_raw", "_state", "_tree")

    def __init__(self, state: ChatRoomState | None = None, tree: Any = None, raw: bytes | None = None) -> None:
        self._state = state
        self._tree = tree
        self._raw = raw
        self._config: AuthorizedConfiguration | None = None if state is None else state.configuration

    def _state_tree(self) -> Any:
        if self._tree is not None:
            return self._tree
        assert self._raw is not None
        _, body = c.variant(c.loads(self._raw), "room slot")
        return c.req(c.fields(body, "room data"), "room_state", "room data")

    @property
    def state(self) -> ChatRoomState:
        if self._state is None:
            self._state = ChatRoomState.from_obj(self._state_tree())
            self._tree = self._raw = None
        return self._state

    @property
    def configuration(self) -> AuthorizedConfiguration:
        if self._config is None:
            if self._state is not None:
                self._config = self._state.configuration
            else:
                tree = c.fields(self._state_tree(), "room state")
                self._config = AuthorizedConfiguration.from_obj(c.req(tree, "configuration", "room state"))
        return self._config

    def forget_tree(self, raw: bytes) -> None:
        """Keep ``raw`` (the slot bytes) instead of the decoded tree, once the configuration is known."""
        if self._state is None:
            _ = self.configuration
            self._tree, self._raw = None, raw

    def encode(self) -> bytes:
        if self._state is not None:
            return self._state.encode()
        return c.dumps(self._state_tree())


@dataclass(frozen=True, repr=False, eq=False)
class RoomData:
    """River's ``RoomData`` plus ours. ``self_identity`` is unrecoverable: never dropped, never logged.

    ``pending``: changes made in this copy not yet written to the outbox (see :class:`Pending`).
    """

    owner_vk: bytes
    self_identity: SigningIdentity
    source: _StateSource = field(default_factory=lambda: _StateSource(_PLACEHOLDER))
    contract_key: ContractKey | None = None
    last_read_message_id: int | None = None
    self_authorized_member: AuthorizedMember | None = None
    invite_chain: tuple[AuthorizedMember, ...] = ()
    self_member_info: AuthorizedMemberInfo | None = None
    self_nickname: str | None = None
    previous_contract_key: ContractKey | None = None
    invitation_secrets: Mapping[int, bytes] = field(default_factory=dict)
    membership_epoch: int = 0
    identity_generation: int = 0
    last_read: ReadMarker | None = None
    legacy_0_1: Any = None
    """What a 0.1.0 profile held that cannot be re-signed (a CBOR tree), or None."""
    pending: tuple[Pending, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "invitation_secrets", dict(sorted(self.invitation_secrets.items())))
        if self.contract_key is None:
            object.__setattr__(self, "contract_key", ContractKey.for_room(self.owner_vk))

    @classmethod
    def new(cls, owner_vk: bytes, identity: SigningIdentity, state: ChatRoomState, **fields: Any) -> RoomData:
        return cls(owner_vk, identity, _StateSource(state), **fields)

    # -- state

    @property
    def room_state(self) -> ChatRoomState:
        return self.source.state

    def with_state(self, state: ChatRoomState, **changes: Any) -> RoomData:
        fresh = replace(self, source=_StateSource(state), **changes)
        return fresh

    @property
    def configuration(self) -> AuthorizedConfiguration:
        """The owner-signed configuration (decodes only that part of a freshly loaded state)."""
        return self.source.configuration

    @property
    def waiting(self) -> bool:
        """Joined by invitation (or identity import) but the room's own state is not known yet."""
        return self.configuration.configuration.owner_member_id == PLACEHOLDER_OWNER_ID

    @property
    def epoch(self) -> int:
        """The membership epoch (the name the storage layer uses)."""
        return self.membership_epoch

    @property
    def self_vk(self) -> bytes:
        return self.self_identity.verifying_key

    @property
    def self_member_id(self) -> int:
        return self.self_identity.member_id

    @property
    def is_owner(self) -> bool:
        return self.self_vk == self.owner_vk

    @property
    def is_private(self) -> bool:
        return self.configuration.configuration.privacy_mode is PrivacyMode.PRIVATE

    @cached_property
    def keyring(self) -> v.Keyring:
        if not self.is_private:
            return v.NO_SECRETS
        return v.keyring_for(self.room_state, self.self_identity, self.invitation_secrets.items())

    @property
    def me(self) -> Me:
        from river_desktop.domain.river.room_ops import Me  # River's operations: not needed to read a slot

        return Me(self.self_identity, self.self_authorized_member, self.invite_chain, self.self_nickname)

    @property
    def legacy(self) -> dict[str, Any]:
        """What 0.1.0 held that River cannot verify (empty for rooms that never were 0.1.0's)."""
        return self.legacy_0_1 if isinstance(self.legacy_0_1, dict) else {}

    def legacy_members(self) -> tuple[AuthorizedMember, ...]:
        """0.1.0's membership records (River's bytes), kept even where River's state pruned them."""
        return tuple(mem.decode_authorized_member(m) for m in self.legacy.get("members", ()))

    def legacy_nicknames(self) -> dict[bytes, str]:
        """Other people's 0.1.0 nicknames by verifying key: shown, not verifiable by River."""
        nicks = self.legacy.get("nicknames", {})
        return {bytes(k): str(n) for k, n in nicks.items()} if isinstance(nicks, dict) else {}

    @property
    def name(self) -> str:
        """The room's name as shown (unsealed where we can); empty (or 0.1.0's name) while waiting for it."""
        if self.waiting:
            return str(self.legacy.get("name") or "")
        name = self.configuration.configuration.display.name
        public = name.public_text()
        if public is not None:
            return public
        return v.unseal(name, self.keyring).display

    @property
    def description(self) -> str:
        if self.waiting:
            return str(self.legacy.get("description") or "")
        desc = self.configuration.configuration.display.description
        if desc is None:
            return ""
        public = desc.public_text()
        return public if public is not None else v.unseal(desc, self.keyring).display

    def messages(self) -> tuple[v.MessageItem, ...]:
        """River's displayed messages of the retained window (edits, deletes, reactions resolved)."""
        return v.messages(self.room_state, self.keyring)

    @cached_property
    def banned_authors(self) -> frozenset[int]:
        """Authors banned in the current state, whose history is not shown (:func:`views.banned_authors`)."""
        return frozenset() if self.waiting else v.banned_authors(self.room_state, self.owner_vk)

    def shown_history(self, messages: Iterable[AuthorizedMessage]) -> list[AuthorizedMessage]:
        """``messages`` without those of banned authors, in their order: what the app may show of them."""
        banned = self.banned_authors
        return [m for m in messages if m.author not in banned]

    def members(self) -> tuple[v.MemberRow, ...]:
        """The owner and every member, your row first."""
        return v.members(self.room_state, self.owner_vk, self.self_member_id, self.keyring)

    def nickname_of(self, member_id: int) -> str:
        """The member's River nickname, else the one 0.1.0 held for them, else the member id."""
        if not self.waiting:
            nick = v.nickname_of(self.room_state, member_id, self.keyring)
            if nick is not None:
                return nick.display
        if member_id == self.self_member_id and self.self_nickname:
            return self.self_nickname
        legacy = self.legacy_nicknames()
        if legacy:
            for am in self.legacy_members():
                if am.member.id == member_id and am.member.member_vk in legacy:
                    return legacy[am.member.member_vk]
            if c.fast_hash(self.owner_vk) == member_id and self.owner_vk in legacy:
                return legacy[self.owner_vk]
        return member_id_display(member_id)

    def verifies(self, message: AuthorizedMessage) -> bool:
        """Whether River would accept this history message's signature: False for the other people's 0.1.0
        messages a migration kept (shown, marked as not verifiable by River) and for unknown authors."""
        author = message.author
        vk = self.owner_vk if author == c.fast_hash(self.owner_vk) else None
        if vk is None and author == self.self_member_id:
            vk = self.self_vk
        if vk is None and not self.waiting:
            vk = self.room_state.member_vk(self.owner_vk, author)
        if vk is None:
            vk = next((m.member.member_vk for m in self.legacy_members() if m.member.id == author), None)
        return vk is not None and message.verify(vk)

    def is_member(self, member_id: int) -> bool:
        return member_id == c.fast_hash(self.owner_vk) or member_id in self.room_state.members_by_id()

    def __repr__(self) -> str:
        return (
            f"RoomData(room={room_label(self.owner_vk)}, me={member_id_display(self.self_member_id)}, "
            f"epoch={self.membership_epoch}, identity_generation={self.identity_generation})"
        )

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RoomData):
            return NotImplemented
        return self is other or self.slot_bytes == other.slot_bytes

    def __hash__(self) -> int:
        return hash(self.slot_bytes)

    # -- codec

    @cached_property
    def slot_bytes(self) -> bytes:
        """This room's Present slot, computed once: saves diff 1,000 rooms by it cheaply."""
        return c.enc_map((("Present", self.encode()),))

    def encode(self) -> bytes:
        """River's 12 RoomData keys in River's order, then ours."""
        ck = self.contract_key
        assert ck is not None
        secrets = c.enc_int_map((k, c.enc_uint_array(s)) for k, s in self.invitation_secrets.items())
        marker = self.last_read
        last_read = (
            c.enc_opt(None)
            if marker is None
            else c.enc_array((c.enc_int(marker.secs), c.enc_int(marker.nanos), c.enc_int(marker.message_id)))
        )
        return c.enc_map(
            (
                ("owner_vk", c.enc_bstr(self.owner_vk)),
                ("room_state", self.source.encode()),
                ("self_sk", c.enc_bstr(self.self_identity.seed)),
                ("self_vk", c.enc_bstr(self.self_vk)),
                ("contract_key", ck.encode()),
                ("last_read_message_id", c.enc_opt(_opt_int(self.last_read_message_id))),
                (
                    "self_authorized_member",
                    c.enc_opt(
                        None
                        if self.self_authorized_member is None
                        else mem.encode_authorized_member(self.self_authorized_member)
                    ),
                ),
                ("invite_chain", c.enc_array(mem.encode_authorized_member(m) for m in self.invite_chain)),
                (
                    "self_member_info",
                    c.enc_opt(None if self.self_member_info is None else self.self_member_info.encode()),
                ),
                ("self_nickname", c.enc_opt(None if self.self_nickname is None else c.enc_text(self.self_nickname))),
                (
                    "previous_contract_key",
                    c.enc_opt(None if self.previous_contract_key is None else self.previous_contract_key.encode()),
                ),
                ("invitation_secrets", secrets),
                ("membership_epoch", c.enc_int(self.membership_epoch)),
                ("identity_generation", c.enc_int(self.identity_generation)),
                ("last_read", last_read),
                ("legacy_0_1", c.enc_opt(None if self.legacy_0_1 is None else c.dumps(self.legacy_0_1))),
            )
        )

    @classmethod
    def from_obj(cls, value: object) -> RoomData:
        """River's lenient reading: absent ``#[serde(default)]`` fields default, unknown keys are ignored."""
        w = "room data"
        m = c.fields(value, w)
        owner_vk = c.byte_field(c.req(m, "owner_vk", w), "owner_vk", 32)
        seed = c.opt(m, "self_sk")
        if seed is None:
            raise RiverDecodeError("room data has no signing key (self_sk)")
        identity = SigningIdentity(c.byte_field(seed, "self_sk", 32))
        am = c.opt(m, "self_authorized_member")
        info = c.opt(m, "self_member_info")
        nick = c.opt(m, "self_nickname")
        prev = c.opt(m, "previous_contract_key")
        ck = c.opt(m, "contract_key")
        secrets_obj = c.opt(m, "invitation_secrets") or {}
        if not isinstance(secrets_obj, dict):
            raise RiverDecodeError("invitation_secrets must be a map")
        secrets = {
            c.uint(k, "secret version", 32): c.byte_field(s, "room secret", ROOM_SECRET_LEN)
            for k, s in secrets_obj.items()
        }
        last_read = c.opt(m, "last_read")
        marker = None
        if last_read is not None:
            if not (isinstance(last_read, list) and len(last_read) == 3):
                raise RiverDecodeError("last_read must be [secs, nanos, message id]")
            marker = ReadMarker(
                c.uint(last_read[0], "last_read secs"),
                c.uint(last_read[1], "last_read nanos", 32),
                c.i64(last_read[2], "last_read message id"),
            )
        lrm = c.opt(m, "last_read_message_id")
        legacy = c.opt(m, "legacy_0_1")
        return cls(
            owner_vk=owner_vk,
            self_identity=identity,
            source=_StateSource(tree=c.req(m, "room_state", w)),
            contract_key=None if ck is None else ContractKey.from_obj(ck),
            last_read_message_id=None if lrm is None else c.i64(lrm, "last_read_message_id"),
            self_authorized_member=None if am is None else mem.decode_authorized_member(am),
            invite_chain=c.opt_seq(c.opt(m, "invite_chain"), "invite_chain", mem.decode_authorized_member),
            self_member_info=None if info is None else AuthorizedMemberInfo.from_obj(info),
            self_nickname=None if nick is None else c.text(nick, "self_nickname"),
            previous_contract_key=None if prev is None else ContractKey.from_obj(prev),
            invitation_secrets=secrets,
            membership_epoch=_uint_or_zero(m, "membership_epoch"),
            identity_generation=_uint_or_zero(m, "identity_generation"),
            last_read=marker,
            legacy_0_1=legacy,
        )


def _opt_int(value: int | None) -> bytes | None:
    return None if value is None else c.enc_int(value)


def _uint_or_zero(m: Mapping[Any, Any], key: str) -> int:
    value = c.opt(m, key)
    return 0 if value is None else c.uint(value, key)


def hist_sort_key(message: AuthorizedMessage) -> tuple[int, int, int]:
    t = message.message.time
    return (t.secs, t.nanos, message.id)


# --------------------------------------------------------------------------------------------- merge


def _rank(room: RoomData) -> tuple[int, int, bytes]:
    return (room.membership_epoch, room.identity_generation, room.self_vk)


def merge_states(owner_vk: bytes, a: RoomData, b: RoomData) -> ChatRoomState:
    """River's merge of ``b`` into ``a`` (``sync.merge(a, owner, b)``); a copy still waiting adds nothing.

    River's merge is a union except for two owner configurations of one version, where the state merged
    into keeps its own: the stored copy is always ``a``, so every writer settles on the stored one."""
    if a.source is b.source:
        return a.room_state
    if b.waiting:
        return a.room_state
    if a.waiting:
        return b.room_state
    from river_desktop.domain.river import sync  # River's merge: not needed to read a slot

    try:
        return sync.merge(a.room_state, owner_vk, b.room_state)
    except RiverRuleError:
        return a.room_state


def merge_room_data(local: RoomData, remote: RoomData) -> RoomData:
    """Combine two present copies of one room; commutative in everything that is saved.

    The identity comes from the copy ranked higher by (membership epoch, identity generation, verifying
    key): a rejoin or an identity import beats a stale copy (River's open #420, fixed here). ``local`` is
    merged into ``remote`` (the stored copy) with River's merge, the read marker only moves forward, and
    per-identity records union when both copies hold the same identity. ``pending`` stays the local copy's.
    """
    if local.owner_vk != remote.owner_vk:
        raise ValueError("cannot merge two different rooms")
    winner, loser = (local, remote) if _rank(local) >= _rank(remote) else (remote, local)
    state = merge_states(local.owner_vk, remote, local)
    markers = [m for m in (local.last_read, remote.last_read) if m is not None]
    marker = max(markers) if markers else None
    same = winner.self_vk == loser.self_vk
    secrets = {**loser.invitation_secrets, **winner.invitation_secrets} if same else dict(winner.invitation_secrets)
    if same:
        nickname = winner.self_nickname if winner.self_nickname is not None else loser.self_nickname
        authorized = winner.self_authorized_member or loser.self_authorized_member
        chain = winner.invite_chain or loser.invite_chain
        info = _newer_info(winner.self_member_info, loser.self_member_info)
        if _rank(local) == _rank(remote):
            # Equal rank: every field settles by content, never by argument order.
            nickname = _tie(local.self_nickname, remote.self_nickname, _signed_nickname(state, winner))
            secrets = {
                k: max(s for s in (local.invitation_secrets.get(k), remote.invitation_secrets.get(k)) if s is not None)
                for k in {*local.invitation_secrets, *remote.invitation_secrets}
            }
            records = [r for r in (local.self_authorized_member, remote.self_authorized_member) if r is not None]
            authorized = min(records, key=mem.encode_authorized_member) if records else None
            chain = max((local.invite_chain, remote.invite_chain), key=_chain_key)
    else:
        nickname, authorized = winner.self_nickname, winner.self_authorized_member
        chain, info = winner.invite_chain, winner.self_member_info
    legacy = [x for x in (winner.legacy_0_1, loser.legacy_0_1) if x is not None]
    return replace(
        winner,
        source=_StateSource(state),
        last_read=marker,
        last_read_message_id=None if marker is None else marker.message_id,
        invitation_secrets=secrets,
        self_nickname=nickname,
        self_authorized_member=authorized,
        invite_chain=chain,
        self_member_info=info,
        previous_contract_key=winner.previous_contract_key or loser.previous_contract_key,
        legacy_0_1=max(legacy, key=c.dumps) if legacy else None,
        pending=local.pending,
    )


def _newer_info(a: AuthorizedMemberInfo | None, b: AuthorizedMemberInfo | None) -> AuthorizedMemberInfo | None:
    if a is None or b is None:
        return a if b is None else b
    return max((a, b), key=lambda i: (i.member_info.version, i.encode()))


def _chain_key(chain: tuple[AuthorizedMember, ...]) -> tuple[int, bytes]:
    return (len(chain), b"".join(mem.encode_authorized_member(m) for m in chain))


def _signed_nickname(state: ChatRoomState, room: RoomData) -> str | None:
    if room.waiting and state is room.room_state:
        return None
    nick = v.nickname_of(state, room.self_member_id, room.keyring)
    return None if nick is None else nick.text


def _tie(a: str | None, b: str | None, signed: str | None) -> str | None:
    """Two nicknames of one identity at one rank: the one its newest signed record names, else the larger."""
    if a is None or b is None:
        return a if b is None else b
    if a != b and signed in (a, b):
        return signed
    return max(a, b)


# --------------------------------------------------------------------------------------------- slots


@dataclass(frozen=True, repr=False)
class PresentSlot:
    room: RoomData

    @property
    def epoch(self) -> int:
        return self.room.membership_epoch

    def __repr__(self) -> str:
        return f"PresentSlot({self.room!r})"


@dataclass(frozen=True)
class TombstoneSlot:
    epoch: int = 0


RoomSlot = PresentSlot | TombstoneSlot


def encode_slot(slot: RoomSlot) -> bytes:
    if isinstance(slot, PresentSlot):
        return slot.room.slot_bytes
    return c.enc_map((("Tombstone", c.enc_map((("epoch", c.enc_int(slot.epoch)),))),))


def decode_slot(data: bytes, *, trusted: bool = False) -> RoomSlot:
    """Decode a room slot; River's bare ``"Tombstone"`` reads as epoch 0. ``trusted`` is kept for callers."""
    del trusted
    name, body = c.variant(c.loads(data), "room slot")
    if name == "Tombstone":
        if body is None:
            return TombstoneSlot(0)
        return TombstoneSlot(_uint_or_zero(c.fields(body, "tombstone"), "epoch"))
    if name == "Present":
        room = RoomData.from_obj(body)
        state_tree = c.fields(c.req(c.fields(body, "room data"), "room_state", "room data"), "room state")
        for key in _STATE_KEYS:
            c.req(state_tree, key, "room state")  # the shape, cheaply; the items decode on first use
        owner_id = room.configuration.configuration.owner_member_id
        if owner_id not in (PLACEHOLDER_OWNER_ID, c.fast_hash(room.owner_vk)):
            raise RiverDecodeError("the room state belongs to another room")
        room.__dict__["slot_bytes"] = bytes(data)
        room.source.forget_tree(room.__dict__["slot_bytes"])
        return PresentSlot(room)
    raise RiverDecodeError("a room slot must be Present or Tombstone")


_STATE_KEYS = ("configuration", "bans", "members", "member_info", "secrets", "recent_messages", "upgrade")


def delta_bytes(delta: Delta) -> bytes:
    return delta.encode()


__all__ = [
    "MAX_COUNTER",
    "OUR_ROOM_DATA_KEYS",
    "RIVER_ROOM_DATA_KEYS",
    "Pending",
    "PresentSlot",
    "ReadMarker",
    "RoomData",
    "RoomSlot",
    "TombstoneSlot",
    "decode_slot",
    "encode_slot",
    "merge_room_data",
    "placeholder_state",
    "room_label",
]
