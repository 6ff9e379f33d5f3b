"""River's summary-delta sync over :class:`ChatRoomState`, mirroring the room contract's entry points.

* :func:`summarize` / :func:`delta` are the contract's ``summarize_state`` / ``get_state_delta``
  (the latter adds the members a peer needs for the messages it is sent, ``ensure_members_for_message_authors``).
* :func:`apply_delta` is ``#[composable]``'s ``apply_delta``: each field's rule in state order, every
  field seeing the fields already applied, then ``post_apply_cleanup``. A missing delta (``None``)
  changes nothing and runs no cleanup.
* :func:`merge` is freenet-scaffold's ``merge``: summarize ours, take the other state's delta against
  it (without the member injection), apply it.
* :func:`update_state` is the contract's ``update_state`` over raw bytes.

Where River's contract aborts the whole update, these raise :class:`RiverRuleError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from river_desktop.domain.river import codec as c
from river_desktop.domain.river import members as mem
from river_desktop.domain.river.bans import AuthorizedUserBan
from river_desktop.domain.river.cleanup import banned_member_ids, post_apply_cleanup
from river_desktop.domain.river.codec import RiverDecodeError, RiverRuleError
from river_desktop.domain.river.configuration import PrivacyMode
from river_desktop.domain.river.direct_messages import (
    MAX_DM_CIPHERTEXT_BYTES,
    MAX_DM_MESSAGES_PER_PAIR,
    MAX_PURGED_TOMBSTONES_PER_RECIPIENT,
    AuthorizedDirectMessage,
    AuthorizedRecipientPurges,
    DirectMessages,
)
from river_desktop.domain.river.member_info import (
    MAX_DEPUTIES,
    dedup_to_canonical,
)
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.secrets import RoomSecrets
from river_desktop.domain.river.state import SIG_ERR, ChatRoomState, ban_dbg, verify_bans_excluding_cap
from river_desktop.domain.river.summary import (
    Delta,
    DirectMessagesDelta,
    DmPairHorizon,
    Horizon,
    SecretsDelta,
    Summary,
)

# --------------------------------------------------------------------------------------------- summarize


def _message_horizon(messages: Sequence[AuthorizedMessage], max_recent: int) -> Horizon:
    if max_recent == 0:
        return Horizon("Closed")
    if len(messages) < max_recent or not messages:
        return Horizon("Open")
    return Horizon("OldestRetained", min(m.order_key for m in messages))


def _dm_pair_horizons(dms: DirectMessages) -> tuple[DmPairHorizon, ...]:
    by_pair: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
    for dm in dms.messages:
        by_pair.setdefault((dm.message.sender, dm.message.recipient), []).append(dm.order_key)
    out = [DmPairHorizon(s, r, min(keys)) for (s, r), keys in by_pair.items() if len(keys) >= MAX_DM_MESSAGES_PER_PAIR]
    return tuple(sorted(out, key=lambda h: (h.sender, h.recipient, h.oldest)))


def _dm_global_horizon(dms: DirectMessages, cap: int) -> Horizon:
    if cap == 0:
        return Horizon("Closed")
    if len(dms.messages) < cap or not dms.messages:
        return Horizon("Open")
    return Horizon("OldestRetained", min(m.order_key for m in dms.messages))


def summarize(state: ChatRoomState, owner_vk: bytes) -> Summary:
    """``summarize_state``: what a peer holds, for :func:`delta` to diff against."""
    del owner_vk  # River's summaries do not depend on the parameters.
    infos: dict[int, tuple[int, bytes]] = {}
    for info in state.member_info:
        cur = infos.get(info.member_id)
        if cur is None or info.rank > cur:
            infos[info.member_id] = info.rank
    s = state.secrets
    return Summary(
        configuration=state.config.configuration_version,
        bans=tuple(sorted({b.id for b in state.bans})),
        members=tuple(sorted({m.member.id for m in state.members})),
        member_info=dict(sorted(infos.items())),
        secrets_current_version=s.current_version,
        secrets_version_ids=tuple(sorted({v.record.version for v in s.versions})),
        secrets_member_secrets=tuple(sorted({b.key for b in s.encrypted_secrets})),
        message_ids=tuple(sorted({m.id for m in state.recent_messages})),
        message_horizon=_message_horizon(state.recent_messages, state.config.max_recent_messages),
        dm_signatures=tuple(sorted({m.sender_signature for m in state.direct_messages.messages})),
        dm_purge_versions=tuple(
            sorted(((p.recipient_id, p.version) for p in state.direct_messages.purges), key=lambda t: t[0])
        ),
        dm_pair_horizons=_dm_pair_horizons(state.direct_messages),
        dm_global_horizon=_dm_global_horizon(state.direct_messages, state.config.effective_max_direct_messages),
        upgrade=None if state.upgrade is None else state.upgrade.upgrade.version,
        version=state.version,
    )


# --------------------------------------------------------------------------------------------- delta


def raw_delta(state: ChatRoomState, summary: Summary) -> Delta | None:
    """The composable delta: each field's news against ``summary``; None when there is none."""
    cfg = state.configuration if state.config.configuration_version > summary.configuration else None
    known_bans = set(summary.bans)
    bans = tuple(b for b in state.bans if b.id not in known_bans)
    known_members = set(summary.members)
    added = tuple(m for m in state.members if m.member.id not in known_members)
    infos = tuple(i for i in state.member_info if (old := summary.member_info.get(i.member_id)) is None or i.rank > old)
    known_versions = set(summary.secrets_version_ids)
    known_blobs = set(summary.secrets_member_secrets)
    sec = state.secrets
    new_versions = tuple(v for v in sec.versions if v.record.version not in known_versions)
    new_blobs = tuple(b for b in sec.encrypted_secrets if b.key not in known_blobs)
    secrets: SecretsDelta | None = None
    if new_versions or new_blobs or sec.current_version != summary.secrets_current_version:
        cv = sec.current_version if sec.current_version > summary.secrets_current_version else None
        secrets = SecretsDelta(cv, new_versions, new_blobs)
    known_ids = set(summary.message_ids)
    msgs = tuple(
        m for m in state.recent_messages if m.id not in known_ids and summary.message_horizon.admits(m.order_key)
    )
    upgrade = None
    if state.upgrade is not None and (summary.upgrade is None or state.upgrade.upgrade.version > summary.upgrade):
        upgrade = state.upgrade
    d = Delta(
        configuration=cfg,
        bans=bans or None,
        members=added or None,
        member_info=infos or None,
        secrets=secrets,
        recent_messages=msgs or None,
        direct_messages=_dm_delta(state.direct_messages, summary),
        upgrade=upgrade,
    )
    return None if d.is_empty() else d


def _dm_delta(dms: DirectMessages, summary: Summary) -> DirectMessagesDelta | None:
    prior = dict(summary.dm_purge_versions)
    horizons = {(h.sender, h.recipient): h.oldest for h in summary.dm_pair_horizons}
    known = set(summary.dm_signatures)
    new: list[AuthorizedDirectMessage] = []
    for m in dms.messages:
        if m.sender_signature in known:
            continue
        oldest = horizons.get((m.message.sender, m.message.recipient))
        if oldest is not None and not m.order_key > oldest:
            continue
        if summary.dm_global_horizon.admits(m.order_key):
            new.append(m)
    advanced = tuple(p for p in dms.purges if p.version > prior.get(p.recipient_id, 0))
    if not new and not advanced:
        return None
    return DirectMessagesDelta(tuple(new), advanced)


def delta(state: ChatRoomState, owner_vk: bytes, summary: Summary) -> Delta | None:
    """``get_state_delta``: :func:`raw_delta` plus the members (and their inviters) the peer lacks for the
    messages it is sent. River collects those from a hash set, so with several the order is River's secret."""
    d = raw_delta(state, summary)
    if d is None or d.recent_messages is None:
        return d
    owner_id = c.fast_hash(owner_vk)
    known = set(summary.members)
    in_delta = {m.member.id for m in d.members or ()}
    missing = [
        a
        for a in dict.fromkeys(m.message.author for m in d.recent_messages)
        if a != owner_id and a not in known and a not in in_delta
    ]
    if not missing:
        return d
    lookup = state.members_by_id()
    to_add: dict[int, None] = {}
    queue = list(missing)
    while queue:
        mid = queue.pop()
        if mid in to_add or mid not in lookup:
            continue
        to_add[mid] = None
        inviter = lookup[mid].member.invited_by
        if inviter != owner_id and inviter not in known and inviter not in in_delta and inviter not in to_add:
            queue.append(inviter)
    if not to_add:
        return d
    return replace(d, members=(*(d.members or ()), *(lookup[mid] for mid in to_add)))


# --------------------------------------------------------------------------------------------- apply


def apply_delta(state: ChatRoomState, owner_vk: bytes, d: Delta | None) -> ChatRoomState:
    """River's ``apply_delta`` then ``post_apply_cleanup``; ``None`` is a no-op (no cleanup either)."""
    if d is None:
        return state
    owner_id = c.fast_hash(owner_vk)
    s = _apply_configuration(state, owner_vk, d)
    s = _apply_bans(s, owner_vk, owner_id, d)
    s = _apply_members(s, owner_vk, owner_id, d)
    s = _apply_member_info(s, owner_vk, owner_id, d)
    s = _apply_secrets(s, owner_vk, owner_id, d)
    s = _apply_messages(s, owner_id, d)
    s = _apply_direct_messages(s, owner_vk, owner_id, d)
    if d.upgrade is not None:
        if not d.upgrade.verify(owner_vk):
            raise RiverRuleError(f"Invalid upgrade signature: {SIG_ERR}")
        s = replace(s, upgrade=d.upgrade)
    return post_apply_cleanup(s, owner_vk)


def _apply_configuration(s: ChatRoomState, owner_vk: bytes, d: Delta) -> ChatRoomState:
    new = d.configuration
    if new is None:
        return s
    if not new.verify(owner_vk):
        raise RiverRuleError(f"Invalid signature: {SIG_ERR}")
    cfg = new.configuration
    if cfg.configuration_version <= s.config.configuration_version:
        raise RiverRuleError("New configuration version must be greater than the current version")
    if cfg.owner_member_id != s.config.owner_member_id:
        raise RiverRuleError("Cannot change the owner_member_id")
    cfg.check_update_values()
    return replace(s, configuration=new)


def _sorted_bans(bans: Iterable[AuthorizedUserBan]) -> tuple[AuthorizedUserBan, ...]:
    return tuple(sorted(bans, key=lambda b: b.order_key))


def _apply_bans(s: ChatRoomState, owner_vk: bytes, owner_id: int, d: Delta) -> ChatRoomState:
    bans = list(s.bans)
    if d.bans is not None:
        cap = s.config.max_user_bans
        if len(d.bans) > cap:
            raise RiverRuleError(
                f"Ban delta of {len(d.bans)} exceeds max_user_bans ({cap}); refusing to process a flood"
            )
        existing = {b.id for b in bans}
        for b in d.bans:
            if b.id in existing:
                raise RiverRuleError(f"Duplicate ban detected: {ban_dbg(b.id)}")
        merged = [*bans, *d.bans]
        try:
            verify_bans_excluding_cap(merged, owner_vk, owner_id, s.members_by_id())
        except RiverRuleError as exc:
            raise RiverRuleError(f"Invalid delta: {exc}") from None
        bans = merged
    return replace(s, bans=_sorted_bans(bans))


def _apply_members(s: ChatRoomState, owner_vk: bytes, owner_id: int, d: Delta) -> ChatRoomState:
    members = list(s.members)
    if d.members is not None:
        combined = mem.by_id(members)
        for am in d.members:
            combined.setdefault(am.member.id, am)
        for am in d.members:
            if am.member.invited_by == owner_id:
                if not mem.member_signed_by(am, owner_vk):
                    raise RiverRuleError(f"Invalid signature for member invited by owner: Invalid signature: {SIG_ERR}")
            else:
                mem.invite_chain(am, owner_vk, owner_id, combined)
        present = {m.member.id for m in members}
        for am in d.members:
            if am.member.id not in present:
                present.add(am.member.id)
                members.append(am)
    banned = banned_member_ids(members, s.bans, (), owner_id, owner_vk)
    members = [m for m in members if m.member.id not in banned]
    members = mem.remove_excess(members, owner_id, s.config.max_members)
    return replace(s, members=tuple(sorted(members, key=lambda m: m.member.id)))


def _apply_member_info(s: ChatRoomState, owner_vk: bytes, owner_id: int, d: Delta) -> ChatRoomState:
    infos = list(s.member_info)
    lookup = s.members_by_id()
    if d.member_info is not None:
        max_nick = s.config.max_nickname_size
        for info in d.member_info:
            nick_len = info.member_info.preferred_nickname.declared_len()
            if nick_len > max_nick:
                raise RiverRuleError(f"Nickname declared length {nick_len} exceeds max_nickname_size {max_nick}")
            if len(info.member_info.deputies) > MAX_DEPUTIES:
                continue
            if info.member_id == owner_id:
                vk = owner_vk
            else:
                am = lookup.get(info.member_id)
                if am is None:
                    continue
                vk = am.member.member_vk
            if not info.verify(vk):
                raise RiverRuleError(f"Invalid signature: {SIG_ERR}")
            for i, existing in enumerate(infos):
                if existing.member_id == info.member_id:
                    if info.rank > existing.rank:
                        infos[i] = info
                    break
            else:
                infos.append(info)
    infos = [i for i in infos if i.member_id == owner_id or i.member_id in lookup]
    return replace(s, member_info=tuple(dedup_to_canonical(infos)))


def _apply_secrets(s: ChatRoomState, owner_vk: bytes, owner_id: int, d: Delta) -> ChatRoomState:
    sec = s.secrets
    versions = list(sec.versions)
    blobs = list(sec.encrypted_secrets)
    current = sec.current_version
    if d.secrets is not None:
        for record in d.secrets.new_versions:
            if not record.verify(owner_vk):
                raise RiverRuleError(f"Invalid version record signature in delta: Invalid signature: {SIG_ERR}")
            if any(v.record.version == record.record.version for v in versions):
                raise RiverRuleError(f"Duplicate secret version: {record.record.version}")
            versions.append(record)
        lookup = s.members_by_id()
        for blob in d.secrets.new_encrypted_secrets:
            if not blob.verify(owner_vk):
                raise RiverRuleError(f"Invalid encrypted secret signature in delta: Invalid signature: {SIG_ERR}")
            mid = blob.secret.member_id
            if mid != owner_id and mid not in lookup:
                continue
            if not any(v.record.version == blob.secret.secret_version for v in versions):
                raise RiverRuleError(f"Encrypted secret references non-existent version: {blob.secret.secret_version}")
            if any(b.key == blob.key for b in blobs):
                raise RiverRuleError(
                    f"Duplicate encrypted secret for member {mem.dbg(mid)} version {blob.secret.secret_version}"
                )
            blobs.append(blob)
        new_version = d.secrets.current_version
        if new_version is not None:
            if new_version <= current:
                raise RiverRuleError(
                    f"New current version {new_version} must be greater than existing version {current}"
                )
            if not any(v.record.version == new_version for v in versions):
                raise RiverRuleError(f"Cannot set current version to non-existent version: {new_version}")
            current = new_version
        blobs = [b for b in blobs if b.secret.member_id == owner_id or b.secret.member_id in lookup]
    versions.sort(key=lambda v: v.record.version)
    blobs.sort(key=lambda b: b.key)
    return replace(s, secrets=RoomSecrets(current, tuple(versions), tuple(blobs)))


def _apply_messages(s: ChatRoomState, owner_id: int, d: Delta) -> ChatRoomState:
    cfg = s.config
    msgs = list(s.recent_messages)
    if d.recent_messages is not None:
        private = cfg.privacy_mode is PrivacyMode.PRIVATE
        known_versions = {v.record.version for v in s.secrets.versions}
        for m in d.recent_messages:
            body = m.message.content
            if not body.is_public:
                if private and body.secret_version not in known_versions:
                    raise RiverRuleError(f"Private message references unknown secret version {body.secret_version}")
            elif private and not body.is_event:
                raise RiverRuleError("Cannot send public messages in private room")
        existing = {m.id for m in msgs}
        msgs.extend(m for m in d.recent_messages if m.id not in existing)
    lookup = s.members_by_id()
    msgs = [
        m
        for m in msgs
        if m.message.content.content_len() <= cfg.max_message_size
        and (m.message.author in lookup or m.message.author == owner_id)
    ]
    msgs.sort(key=lambda m: m.order_key)
    if len(msgs) > cfg.max_recent_messages:
        msgs = msgs[len(msgs) - cfg.max_recent_messages :]
    return replace(s, recent_messages=tuple(msgs))


def _apply_direct_messages(s: ChatRoomState, owner_vk: bytes, owner_id: int, d: Delta) -> ChatRoomState:
    dms = s.direct_messages
    cap = s.config.effective_max_direct_messages
    if d.direct_messages is None:
        return replace(s, direct_messages=_dm_caps_and_sort(list(dms.messages), list(dms.purges), cap))
    lookup = s.members_by_id()

    def vk_of(mid: int) -> bytes | None:
        if mid == owner_id:
            return owner_vk
        am = lookup.get(mid)
        return None if am is None else am.member.member_vk

    purges = list(dms.purges)
    for adv in d.direct_messages.advanced_purges:
        rid = adv.recipient_id
        if adv.version == 0:
            raise RiverRuleError(f"DM purges for {mem.dbg(rid)}: version 0 is reserved as the absent sentinel")
        if len(adv.purged) > MAX_PURGED_TOMBSTONES_PER_RECIPIENT:
            raise RiverRuleError(
                f"DM purges for {mem.dbg(rid)} exceed cap: {len(adv.purged)} > {MAX_PURGED_TOMBSTONES_PER_RECIPIENT}"
            )
        rvk = vk_of(rid)
        if rvk is None:
            continue
        if not adv.verify(rvk, owner_vk):
            raise RiverRuleError(f"Invalid recipient purges signature: {SIG_ERR}")
        idx = next((i for i, p in enumerate(purges) if p.recipient_id == rid), None)
        if idx is None:
            purges.append(adv)
        elif adv.version > purges[idx].version and set(purges[idx].purged) <= set(adv.purged):
            purges[idx] = adv
    messages = list(dms.messages)
    seen = {m.sender_signature for m in messages}
    tombstones = {p.recipient_id: set(p.purged) for p in purges}
    for dm in d.direct_messages.new_messages:
        m = dm.message
        if len(m.ciphertext) > MAX_DM_CIPHERTEXT_BYTES or m.sender == m.recipient or dm.sender_signature in seen:
            continue
        svk = vk_of(m.sender)
        if svk is None or vk_of(m.recipient) is None or not dm.verify(svk, owner_vk):
            continue
        if dm.purge_token in tombstones.get(m.recipient, ()):
            continue
        seen.add(dm.sender_signature)
        messages.append(dm)
    messages = [m for m in messages if m.purge_token not in tombstones.get(m.message.recipient, ())]
    return replace(s, direct_messages=_dm_caps_and_sort(messages, purges, cap))


def _dm_caps_and_sort(
    messages: list[AuthorizedDirectMessage], purges: list[AuthorizedRecipientPurges], cap: int
) -> DirectMessages:
    seen: set[bytes] = set()
    deduped = []
    for m in messages:
        if m.sender_signature not in seen:
            seen.add(m.sender_signature)
            deduped.append(m)
    messages = deduped
    if len(messages) > MAX_DM_MESSAGES_PER_PAIR:
        by_pair: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
        for m in messages:
            by_pair.setdefault((m.message.sender, m.message.recipient), []).append(m.order_key)
        dropped: set[bytes] = set()
        for keys in by_pair.values():
            if len(keys) > MAX_DM_MESSAGES_PER_PAIR:
                keys.sort()
                dropped.update(sig for _, sig in keys[: len(keys) - MAX_DM_MESSAGES_PER_PAIR])
        messages = [m for m in messages if m.sender_signature not in dropped]
    if len(messages) > cap:
        if cap == 0:
            messages = []
        else:
            cutoff = sorted(m.order_key for m in messages)[len(messages) - cap]
            messages = [m for m in messages if m.order_key >= cutoff]
    messages.sort(key=lambda m: (m.message.sender, m.message.recipient, m.message.timestamp, m.sender_signature))
    purges = sorted(purges, key=lambda p: p.recipient_id)
    return DirectMessages(tuple(messages), tuple(purges))


# --------------------------------------------------------------------------------------------- merge


def merge(state: ChatRoomState, owner_vk: bytes, other: ChatRoomState) -> ChatRoomState:
    """freenet-scaffold's ``merge``: what the contract's ``update_state(state, [State(other)])`` stores."""
    return apply_delta(state, owner_vk, raw_delta(other, summarize(state, owner_vk)))


def update_state(owner_vk: bytes, state_bytes: bytes, updates: Sequence[tuple[str, bytes]]) -> bytes:
    """The contract's ``update_state``: merge each full state, apply each (non-empty) delta, re-encode.

    Raises RiverDecodeError for bytes the contract cannot decode and RiverRuleError where it aborts."""
    state = ChatRoomState.decode(state_bytes)
    for kind, data in updates:
        if kind == "state":
            state = merge(state, owner_vk, ChatRoomState.decode(data))
        elif kind == "delta":
            if data:
                state = apply_delta(state, owner_vk, Delta.decode(data))
        else:
            raise RiverDecodeError(f"unknown update kind {kind!r}")
    return state.encode()


__all__ = [
    "apply_delta",
    "delta",
    "merge",
    "raw_delta",
    "summarize",
    "update_state",
]
