"""The upgrade of a River Desktop 0.1.0 profile to River's model: resumable, non-destructive, marker last.

Steps, each safe to repeat after a crash:

1. every 0.1.0 ``room:*`` slot and ``rooms_meta`` is copied to ``v010:<key>`` (write-once: the first copy stays);
2. each 0.1.0 room slot becomes River's ``RoomData``, written (CAS at the generation read) in one transaction with
   the room's whole history as ``hist:`` keys; a slot already in River's shape is left alone;
3. ``migration:river:done`` is written last, with what was done.

What this profile's keys signed is re-signed in River's format: the owner's configuration (name, description,
version), this member's nickname and messages (replies keep their targets). River-format records are carried
unchanged (``AuthorizedMember`` was already River's bytes). What cannot be re-signed (other people's messages and
nicknames, the configuration of a room owned by someone else) is kept and shown, marked as not verifiable by
River: other people's messages go to the history in River's shape with their 0.1.0 signatures (River would refuse
them, so they are never sent), the rest under the slot's ``legacy_0_1``. 0.1.0's ``msg:`` keys are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from river_desktop.domain import cbor
from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import room_ops, sync
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import (
    AuthorizedConfiguration,
    Configuration,
    RoomDisplayMetadata,
    SealedBytes,
)
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo
from river_desktop.domain.river.messages import AuthorizedMessage, MessageV1, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.room_data import Pending, PresentSlot, ReadMarker, RoomData, encode_slot, placeholder_state
from river_desktop.storage import legacy_0_1 as legacy
from river_desktop.storage.kv import KVStore, Stored
from river_desktop.storage.slots import (
    META_KEY,
    MSG_PREFIX,
    RIVER_MIGRATION_DONE_KEY,
    ROLLBACK_PREFIX,
    ROOM_PREFIX,
    hist_key,
    outbox_key,
    parse_b58_room,
)

log = logging.getLogger(__name__)

NOT_VERIFIABLE = "kept from River Desktop 0.1.0; not verifiable by River"
NEEDS_WRITABLE = (
    "this profile was written by River Desktop 0.1.0 and is upgraded to River's format on the first start that can "
    "write to it; until then its 0.1.0 rooms cannot be shown"
)


@dataclass
class MigrationReport:
    rooms: int = 0
    resigned_messages: int = 0
    kept_messages: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        if not self.rooms:
            return ""
        return (
            f"upgraded {self.rooms} room(s) from River Desktop 0.1.0 to River's format: {self.resigned_messages} of "
            f"your messages re-signed, {self.kept_messages} of other people's kept and marked not verifiable by "
            f"River; the 0.1.0 data stays in the profile as a rollback copy (v010: keys)"
        )

    def to_obj(self) -> dict[str, cbor.CborObj]:
        return {
            "rooms": self.rooms,
            "resigned_messages": self.resigned_messages,
            "not_verifiable_messages": self.kept_messages,
        }


def looks_legacy(payload: bytes) -> bool:
    """A cheap byte test for a 0.1.0 Present slot (0.1.0's ``epoch`` key, no River ``contract_key``; a Tombstone,
    whose shape 0.1.0 and River Desktop share, never needs converting); decoding decides."""
    return b"\x67Present" in payload and b"\x65epoch" in payload and b"\x6ccontract_key" not in payload


def needs_migration(store: KVStore, room_rows: list[tuple[str, int, bytes]]) -> bool:
    """A profile whose room slots or messages are 0.1.0's and whose upgrade has not finished."""
    if not any(looks_legacy(p) for _k, _g, p in room_rows) and not store.list(MSG_PREFIX):
        return False
    return store.get(RIVER_MIGRATION_DONE_KEY) is None


def migrate(store: KVStore, now: SystemTime) -> MigrationReport:
    """Run (or finish) the upgrade. Rooms that cannot be read are reported and left as they are."""
    report = MigrationReport()
    rows = store.scan(ROOM_PREFIX)
    meta = store.get_versioned(META_KEY)
    backups = [(ROLLBACK_PREFIX + key, payload, 0) for key, _gen, payload in rows]
    if meta[0] is not None:
        backups.append((ROLLBACK_PREFIX + META_KEY, meta[0], 0))
    for start in range(0, len(backups), 500):
        store.cas_store_many(backups[start : start + 500])  # write-once: an earlier run's copy stays
    by_room: dict[bytes, list[legacy.LegacyMessage]] = {}
    for key, _gen, payload in store.scan(MSG_PREFIX):
        room_text, _, mid = key[len(MSG_PREFIX) :].partition(":")
        vk = parse_b58_room(room_text, check_point=False)
        if vk is None:
            continue
        try:
            msg = legacy.read_message(mid, payload)
        except (cbor.DecodeError, ValueError) as exc:
            report.problems.append((key, f"a 0.1.0 message cannot be read ({exc}); it stays in place"))
            continue
        if msg.room == vk:
            by_room.setdefault(vk, []).append(msg)
    for key, generation, payload in rows:
        vk = parse_b58_room(key[len(ROOM_PREFIX) :], check_point=False)
        try:
            tree = cbor.loads(payload)
            if vk is None or not legacy.is_legacy_slot(tree):
                continue
            old = legacy.read_room(tree)
            if old.owner_vk != vk:
                raise ValueError("the slot holds another room")
            room, history = convert(old, by_room.get(vk, []), now, report)
        except (cbor.DecodeError, ValueError, RiverRuleError) as exc:
            report.problems.append((key, f"the 0.1.0 room cannot be converted ({exc}); it was left as it is"))
            continue
        items = [(key, encode_slot(PresentSlot(room)), generation)]
        items += [(hist_key(vk, *_sort_point(m)), m.encode(), 0) for m in history]
        if room.pending:
            p = room.pending[0]
            items.append((outbox_key(vk, p.made_at.secs, p.made_at.nanos, p.delta), p.delta, 0))
        result = store.cas_store_many(items)[0]
        if not isinstance(result, Stored):
            report.problems.append((key, "the room changed while it was converted; the next start converts it"))
            continue
        report.rooms += 1
    if not report.problems:
        store.store(RIVER_MIGRATION_DONE_KEY, cbor.dumps(report.to_obj()))
    log.info("0.1.0 profile upgraded: %s", report.to_obj())
    return report


def _sort_point(m: AuthorizedMessage) -> tuple[int, int, int]:
    t = m.message.time
    return (t.secs, t.nanos, m.id)


def _time(ms: int) -> SystemTime:
    return SystemTime.from_millis(ms)


def convert(
    old: legacy.LegacyRoom, messages: list[legacy.LegacyMessage], now: SystemTime, report: MigrationReport
) -> tuple[RoomData, list[AuthorizedMessage]]:
    """One 0.1.0 room as River's RoomData plus its whole history (River-shaped messages)."""
    owner_vk = old.owner_vk
    me = SigningIdentity(old.seed)
    owner_id = c.fast_hash(owner_vk)
    owned = me.verifying_key == owner_vk
    new_ids: dict[str, int] = {}
    history: list[AuthorizedMessage] = []
    mine: list[AuthorizedMessage] = []
    kept = 0
    nick_of = {n.member_vk: n.nickname for n in old.nicknames}
    for msg in sorted(messages, key=lambda m: (m.timestamp_ms, m.message_id)):
        content: TextContent | ReplyContent = TextContent(msg.text)
        target = None if msg.reply_to is None else new_ids.get(msg.reply_to)
        if target is not None:
            target_msg = next(h for h in history if h.id == target)
            author_name = nick_of.get(_vk_of(old, target_msg.author) or b"", member_id_display(target_msg.author))
            preview = next((m.text for m in messages if m.message_id == msg.reply_to), "")[:100]
            content = ReplyContent(msg.text, target, author_name, preview)
        body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
        if msg.author_vk == me.verifying_key:
            new = AuthorizedMessage.create(owner_vk, me, _time(msg.timestamp_ms), body)
            mine.append(new)
            report.resigned_messages += 1
        else:
            new = AuthorizedMessage(
                MessageV1(owner_id, c.fast_hash(msg.author_vk), _time(msg.timestamp_ms), body), msg.signature
            )
            kept += 1
            report.kept_messages += 1
        new_ids[msg.message_id] = new.id
        history.append(new)
    my_nick = next((n for n in old.nicknames if n.member_vk == me.verifying_key), None)
    info = None
    if my_nick is not None:
        info = AuthorizedMemberInfo.create(
            MemberInfo(me.member_id, my_nick.version, SealedBytes.public(my_nick.nickname)), me
        )
    kept_tree: dict[str, cbor.CborObj] = {
        "note": NOT_VERIFIABLE,
        "members": [m.to_obj() for m in old.members],
        "nicknames": {n.member_vk: n.nickname for n in old.nicknames if n.member_vk != me.verifying_key},
        "not_verifiable_messages": kept,
    }
    pending: tuple[Pending, ...] = ()
    if owned:
        cfg = old.configuration or legacy.LegacyConfiguration("", "", 1)
        display = RoomDisplayMetadata.public(cfg.name, cfg.description or None)
        config = Configuration(owner_member_id=owner_id, configuration_version=max(1, cfg.version), display=display)
        state = ChatRoomState(AuthorizedConfiguration.create(config, me))
        delta = Delta(member_info=None if info is None else (info,), recent_messages=tuple(mine) or None)
        state = sync.apply_delta(state, owner_vk, delta)
    else:
        state = placeholder_state()
        if old.configuration is not None:
            kept_tree.update(
                name=old.configuration.name,
                description=old.configuration.description,
                config_version=old.configuration.version,
            )
        records = () if old.self_authorized_member is None else (old.self_authorized_member,)
        delta = Delta(
            members=records or None, member_info=None if info is None else (info,), recent_messages=tuple(mine) or None
        )
        if records:
            pending = (Pending(now, delta.encode(), tuple(mine)),)
    chain: tuple[AuthorizedMember, ...] = ()
    if old.self_authorized_member is not None and not owned:
        chain = _chain(old, owner_vk)
    marker = None
    if old.last_read is not None and old.last_read[1] in new_ids:
        t = _time(old.last_read[0])
        marker = ReadMarker(t.secs, t.nanos, new_ids[old.last_read[1]])
    room = RoomData.new(
        owner_vk,
        me,
        state,
        last_read_message_id=None if marker is None else marker.message_id,
        self_authorized_member=old.self_authorized_member,
        invite_chain=chain,
        self_member_info=info,
        self_nickname=old.self_nickname or None,
        invitation_secrets=old.invitation_secrets,
        membership_epoch=old.epoch,
        identity_generation=old.identity_generation,
        last_read=marker,
        legacy_0_1=kept_tree,
        pending=pending,
    )
    return room, history


def _vk_of(old: legacy.LegacyRoom, member_id: int) -> bytes | None:
    if c.fast_hash(old.owner_vk) == member_id:
        return old.owner_vk
    return next((m.member.member_vk for m in old.members if m.member.id == member_id), None)


def _chain(old: legacy.LegacyRoom, owner_vk: bytes) -> tuple[AuthorizedMember, ...]:
    """This member's inviters from 0.1.0's records, nearest first, up to (not including) the owner."""
    assert old.self_authorized_member is not None
    lookup = {m.member.id: m for m in old.members}
    state = ChatRoomState(placeholder_state().configuration, members=tuple(lookup.values()))
    try:
        return room_ops.invite_chain_for(state, owner_vk, old.self_authorized_member)
    except room_ops.RoomOpError:
        return ()


__all__ = ["NOT_VERIFIABLE", "MigrationReport", "convert", "migrate", "needs_migration"]
