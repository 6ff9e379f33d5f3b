"""River's ``ChatRoomStateV1``: the room contract's state, byte for byte, judged by River's rules.

What is River's (``common/src/room_state.rs`` and ``room_state/*.rs`` at freenet/river 7e6f951f, read
for behaviour, not copied): the 9 fields and their order, every leaf layout, ``verify`` (the
contract's ``validate_state``) and, in :mod:`.sync`, ``summarize`` / ``delta`` / ``apply_delta`` with
``post_apply_cleanup`` and freenet-scaffold's ``merge``. The contract parameters are CBOR
``{"owner": bstr32}``; here they are just the owner's verifying key.

Public API::

    ChatRoomState.decode(data: bytes) -> ChatRoomState       # shape only; RiverDecodeError on bad bytes
    ChatRoomState.from_obj(tree) -> ChatRoomState            # a decoded CBOR / serde_json tree
    ChatRoomState.encode() -> bytes                          # canonical ciborium bytes, in stored order
    ChatRoomState.verify(owner_vk: bytes) -> None            # validate_state; RiverRuleError(reason)
    ChatRoomState.genesis(owner, name, description=None, nickname=None) -> ChatRoomState
    sync.summarize / delta / apply_delta / merge / update_state   # see sync.py

``encode`` keeps the order the state holds, exactly as the contract re-serializes what it decoded;
states built by :meth:`genesis` and by ``sync.apply_delta`` are already in River's sorted order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river.bans import AuthorizedUserBan
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError
from river_desktop.domain.river.configuration import (
    AuthorizedConfiguration,
    Configuration,
    RoomDisplayMetadata,
    SealedBytes,
)
from river_desktop.domain.river.direct_messages import (
    MAX_DM_CIPHERTEXT_BYTES,
    MAX_DM_MESSAGES_PER_PAIR,
    MAX_PURGED_TOMBSTONES_PER_RECIPIENT,
    DirectMessages,
)
from river_desktop.domain.river.kept_bytes import FIELD_BYTES
from river_desktop.domain.river.member_info import (
    MAX_DEPUTIES,
    AuthorizedMemberInfo,
    MemberInfo,
    encode_member_info,
)
from river_desktop.domain.river.messages import AuthorizedMessage, encode_messages
from river_desktop.domain.river.secrets import RoomSecrets
from river_desktop.domain.river.upgrade import CURRENT_STATE_VERSION, AuthorizedUpgrade

SIG_ERR = "signature error"


def _encode_bans(bans: tuple[AuthorizedUserBan, ...]) -> bytes:
    return c.enc_array(b.encode() for b in bans)


def ban_dbg(ban_id: int) -> str:
    return f"BanId(FastHash({ban_id}))"


@dataclass(frozen=True)
class ChatRoomState(c.Record):
    configuration: AuthorizedConfiguration
    bans: tuple[AuthorizedUserBan, ...] = ()
    members: tuple[AuthorizedMember, ...] = ()
    member_info: tuple[AuthorizedMemberInfo, ...] = ()
    secrets: RoomSecrets = field(default_factory=RoomSecrets)
    recent_messages: tuple[AuthorizedMessage, ...] = ()
    direct_messages: DirectMessages = field(default_factory=DirectMessages)
    upgrade: AuthorizedUpgrade | None = None
    version: int = 0

    # ----------------------------------------------------------------------------------- codec

    def encode(self) -> bytes:
        """Canonical bytes; fields this state shares with one encoded before are not rebuilt (``kept_bytes``)."""
        memo = FIELD_BYTES.encode
        return c.enc_map(
            (
                ("configuration", self.configuration.encode()),
                ("bans", memo(self.bans, _encode_bans)),
                ("members", memo(self.members, mem.encode_members)),
                ("member_info", memo(self.member_info, encode_member_info)),
                ("secrets", self.secrets.encode()),
                ("recent_messages", memo(self.recent_messages, encode_messages)),
                ("direct_messages", self.direct_messages.encode()),
                ("upgrade", c.enc_opt(None if self.upgrade is None else self.upgrade.encode())),
                ("version", c.enc_int(self.version)),
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> ChatRoomState:
        return cls.from_obj(c.loads(data))

    @classmethod
    def from_obj(cls, value: object) -> ChatRoomState:
        w = "room state"
        m = c.fields(value, w)
        members = c.fields(c.req(m, "members", w), "members")
        infos = c.fields(c.req(m, "member_info", w), "member_info")
        msgs = c.fields(c.req(m, "recent_messages", w), "recent_messages")
        dms = c.opt(m, "direct_messages")
        upgrade = c.req(m, "upgrade", w)
        version = c.opt(m, "version")
        return cls(
            configuration=AuthorizedConfiguration.from_obj(c.req(m, "configuration", w)),
            bans=c.seq(c.req(m, "bans", w), "bans", AuthorizedUserBan.from_obj),
            members=c.seq(
                c.req(members, "members", "members"), "members", mem.decode_authorized_member_keeping_bytes
            ),
            member_info=c.seq(
                c.req(infos, "member_info", "member_info"), "member_info", AuthorizedMemberInfo.from_obj_keeping_bytes
            ),
            secrets=RoomSecrets.from_obj(c.req(m, "secrets", w)),
            recent_messages=c.seq(
                c.req(msgs, "messages", "recent_messages"), "messages", AuthorizedMessage.from_obj_keeping_bytes
            ),
            direct_messages=DirectMessages() if dms is None else DirectMessages.from_obj(dms),
            upgrade=None if upgrade is None else AuthorizedUpgrade.from_obj(upgrade),
            version=0 if version is None else c.uint(version, "version", 32),
        )

    # ----------------------------------------------------------------------------------- building

    @classmethod
    def genesis(
        cls,
        owner: SigningIdentity,
        name: str,
        description: str | None = None,
        nickname: str | None = None,
    ) -> ChatRoomState:
        """A new public room as River's CLI creates it: default limits, state version 0."""
        config = Configuration(owner_member_id=owner.member_id, display=RoomDisplayMetadata.public(name, description))
        infos: tuple[AuthorizedMemberInfo, ...] = ()
        if nickname is not None:
            info = MemberInfo(owner.member_id, 0, SealedBytes.public(nickname))
            infos = (AuthorizedMemberInfo.create(info, owner),)
        return cls(AuthorizedConfiguration.create(config, owner), member_info=infos)

    @property
    def config(self) -> Configuration:
        return self.configuration.configuration

    def members_by_id(self) -> dict[int, AuthorizedMember]:
        return mem.by_id(self.members)

    def member_vk(self, owner_vk: bytes, member_id: int) -> bytes | None:
        """The key for ``member_id``: the owner's, or a current member's."""
        if member_id == c.fast_hash(owner_vk):
            return owner_vk
        am = self.members_by_id().get(member_id)
        return None if am is None else am.member.member_vk

    # ----------------------------------------------------------------------------------- validate_state

    def verify(self, owner_vk: bytes) -> None:
        """River's ``validate_state``: every field's ``verify`` in field order; raises with River's reason."""
        owner_id = c.fast_hash(owner_vk)
        lookup = self.members_by_id()
        if not self.configuration.verify(owner_vk):
            raise RiverRuleError(f"Invalid signature: {SIG_ERR}")
        self._verify_bans(owner_vk, owner_id, lookup)
        self._verify_members(owner_vk, owner_id, lookup)
        self._verify_member_info(owner_vk, owner_id, lookup)
        self._verify_secrets(owner_vk)
        self._verify_messages(owner_vk, owner_id, lookup)
        self._verify_direct_messages(owner_vk, owner_id, lookup)
        if self.upgrade is not None and not self.upgrade.verify(owner_vk):
            raise RiverRuleError(f"Invalid signature: {SIG_ERR}")
        if self.version > CURRENT_STATE_VERSION:
            raise RiverRuleError(
                f"Unknown state version {self.version}. This contract supports versions 0-{CURRENT_STATE_VERSION}. "
                "Please upgrade your client."
            )

    def _verify_bans(self, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]) -> None:
        verify_bans_excluding_cap(self.bans, owner_vk, owner_id, lookup)
        if len(self.bans) > self.config.max_user_bans:
            raise RiverRuleError(
                f"Number of bans ({len(self.bans)}) exceeds the maximum allowed ({self.config.max_user_bans})"
            )

    def _verify_members(self, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]) -> None:
        if not self.members:
            return
        if len(self.members) > self.config.max_members:
            raise RiverRuleError(f"Too many members: {len(self.members)} > {self.config.max_members}")
        for am in self.members:
            if am.member.id == owner_id:
                raise RiverRuleError("Owner should not be included in the members list")
            if am.member.member_vk == owner_vk:
                raise RiverRuleError("Member cannot have the same verifying key as the room owner")
            if am.member.invited_by == am.member.id:
                raise RiverRuleError("Self-invitation detected")
            mem.invite_chain(am, owner_vk, owner_id, lookup)

    def _verify_member_info(self, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]) -> None:
        for info in self.member_info:
            mid = info.member_id
            if len(info.member_info.deputies) > MAX_DEPUTIES:
                raise RiverRuleError(
                    f"Member {mem.dbg(mid)} lists {len(info.member_info.deputies)} deputies, exceeding the "
                    f"maximum of {MAX_DEPUTIES}"
                )
            if mid == owner_id:
                vk = owner_vk
            else:
                am = lookup.get(mid)
                if am is None:
                    raise RiverRuleError(f"MemberInfo exists for non-existent member: {mem.dbg(mid)}")
                vk = am.member.member_vk
            if not info.verify(vk):
                raise RiverRuleError(f"Invalid signature: {SIG_ERR}")

    def _verify_secrets(self, owner_vk: bytes) -> None:
        s = self.secrets
        for record in s.versions:
            if not record.verify(owner_vk):
                raise RiverRuleError(f"Invalid version record signature: Invalid signature: {SIG_ERR}")
        for blob in s.encrypted_secrets:
            if not blob.verify(owner_vk):
                raise RiverRuleError(f"Invalid encrypted secret signature: Invalid signature: {SIG_ERR}")
        if s.versions:
            top = max(v.record.version for v in s.versions)
            if s.current_version != top:
                raise RiverRuleError(f"Current version {s.current_version} does not match maximum version {top}")
        elif s.current_version != 0:
            raise RiverRuleError("Current version is non-zero but no version records exist")

    def _verify_messages(self, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]) -> None:
        for msg in self.recent_messages:
            author = msg.message.author
            if author == owner_id:
                vk = owner_vk
            else:
                am = lookup.get(author)
                if am is None:
                    raise RiverRuleError(f"Message author not found: {mem.dbg(author)}")
                vk = am.member.member_vk
            if not msg.verify(vk):
                raise RiverRuleError(f"Invalid message signature: id:MessageId(FastHash({msg.id}))")

    def _verify_direct_messages(self, owner_vk: bytes, owner_id: int, lookup: dict[int, AuthorizedMember]) -> None:
        def vk_of(mid: int) -> bytes | None:
            if mid == owner_id:
                return owner_vk
            am = lookup.get(mid)
            return None if am is None else am.member.member_vk

        seen: set[int] = set()
        for p in self.direct_messages.purges:
            rid = p.recipient_id
            if rid in seen:
                raise RiverRuleError(f"DM purges: duplicate envelope for recipient {mem.dbg(rid)}")
            seen.add(rid)
            if p.version == 0:
                raise RiverRuleError(f"DM purges for {mem.dbg(rid)}: version 0 is reserved as the absent sentinel")
            if len(p.purged) > MAX_PURGED_TOMBSTONES_PER_RECIPIENT:
                raise RiverRuleError(
                    f"DM purges for {mem.dbg(rid)} exceed cap: {len(p.purged)} > {MAX_PURGED_TOMBSTONES_PER_RECIPIENT}"
                )
            rvk = vk_of(rid)
            if rvk is None:
                raise RiverRuleError(f"DM purges: recipient {mem.dbg(rid)} is not a current member")
            if not p.verify(rvk, owner_vk):
                raise RiverRuleError(f"Invalid recipient purges signature: {SIG_ERR}")
        tombstones = {p.recipient_id: set(p.purged) for p in self.direct_messages.purges}
        per_pair: dict[tuple[int, int], int] = {}
        for dm in self.direct_messages.messages:
            m = dm.message
            if len(m.ciphertext) > MAX_DM_CIPHERTEXT_BYTES:
                raise RiverRuleError(f"DM ciphertext too large: {len(m.ciphertext)} > {MAX_DM_CIPHERTEXT_BYTES}")
            if m.sender == m.recipient:
                raise RiverRuleError(f"DM sender and recipient must differ ({mem.dbg(m.sender)})")
            svk = vk_of(m.sender)
            if svk is None:
                raise RiverRuleError(f"DM sender {mem.dbg(m.sender)} is not a current member")
            if vk_of(m.recipient) is None:
                raise RiverRuleError(f"DM recipient {mem.dbg(m.recipient)} is not a current member")
            if not dm.verify(svk, owner_vk):
                raise RiverRuleError(f"Invalid DM sender signature: {SIG_ERR}")
            if dm.purge_token in tombstones.get(m.recipient, ()):
                raise RiverRuleError(
                    f"DM from {mem.dbg(m.sender)} to {mem.dbg(m.recipient)} is present despite being purged"
                )
            key = (m.sender, m.recipient)
            per_pair[key] = per_pair.get(key, 0) + 1
            if per_pair[key] > MAX_DM_MESSAGES_PER_PAIR:
                raise RiverRuleError(
                    f"DM pair ({mem.dbg(m.sender)} -> {mem.dbg(m.recipient)}) exceeds cap: {per_pair[key]} > "
                    f"{MAX_DM_MESSAGES_PER_PAIR}"
                )


def verify_bans_excluding_cap(
    bans: tuple[AuthorizedUserBan, ...] | list[AuthorizedUserBan],
    owner_vk: bytes,
    owner_id: int,
    lookup: dict[int, AuthorizedMember],
) -> None:
    """``BansV1::verify_excluding_cap``: banners that were themselves banned away, then signatures."""
    banned_users = {b.ban.banned_user for b in bans}
    invalid = [
        b
        for b in bans
        if b.ban.banned_user in lookup
        and b.banned_by != owner_id
        and b.banned_by not in lookup
        and b.banned_by in banned_users
    ]
    if invalid:
        parts = ", ".join(
            f"{ban_dbg(b.id)}: Banning member not found in member list: {mem.dbg(b.banned_by)}" for b in invalid
        )
        raise RiverRuleError(f"Invalid bans: {parts}")
    for b in bans:
        if b.banned_by == owner_id:
            vk: bytes | None = owner_vk
        else:
            am = lookup.get(b.banned_by)
            vk = None if am is None else am.member.member_vk
        if vk is not None and not b.verify(vk):
            raise RiverRuleError(f"Invalid ban signature: Invalid ban signature: {SIG_ERR}")


__all__ = ["ChatRoomState", "RiverDecodeError", "RiverRuleError", "verify_bans_excluding_cap"]
