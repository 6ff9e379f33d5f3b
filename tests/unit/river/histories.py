"""Random River room histories: each step a delta a River client could send.

Shared by the unit laws (tests/unit/river/test_laws.py) and the oracle comparisons
(tests/interop/test_merge_oracle.py). An op is ``(kind, actor, target, time offset, knob)``; the
indices pick among who is present, so most ops do something.
"""

from __future__ import annotations

import cbor2
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import sync
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import RiverRuleError, SystemTime
from river_desktop.domain.river.configuration import PrivacyMode, RoomDisplayMetadata, SealedBytes
from river_desktop.domain.river.direct_messages import AuthorizedDirectMessage, AuthorizedRecipientPurges
from river_desktop.domain.river.member_info import AuthorizedMemberInfo
from river_desktop.domain.river.messages import CONTENT_TYPE_REPLY, AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.secrets import (
    AuthorizedEncryptedSecret,
    AuthorizedSecretVersionRecord,
    EncryptedSecretForMember,
    SecretVersionRecord,
)
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta, DirectMessagesDelta, SecretsDelta
from river_desktop.domain.river.upgrade import AuthorizedUpgrade, Upgrade

from .helpers import ident

Op = tuple[str, int, int, int, int]

OWNER = ident(1)
OVK = OWNER.verifying_key
PEOPLE = [ident(20 + i) for i in range(8)]
T0 = 1_700_000_000

op_strategy = st.tuples(
    st.sampled_from(
        [
            "invite",
            "invite",
            "message",
            "message",
            "reply",
            "nick",
            "ban",
            "config",
            "deputize",
            "secret",
            "dm",
            "dm",
            "purge",
            "upgrade",
            "privatize",
            "sealed",
        ]
    ),
    st.integers(0, 8),  # actor, an index into who is present
    st.integers(0, 8),  # target, likewise
    st.integers(0, 40),  # time offset, small so ties on time happen
    st.integers(0, 3),  # nanos / version / limit knob
)


BY_ID = {p.member_id: p for p in [OWNER, *PEOPLE]}


def _present(state: ChatRoomState) -> list[SigningIdentity]:
    """The owner first, then current members in River's (id) order."""
    return [OWNER, *(BY_ID[m.member.id] for m in state.members)]


def op_delta(state: ChatRoomState, op: Op) -> Delta | None:
    """Knobs pick among those who can act, so most steps do something."""
    kind, a, t, dt, knob = op
    present = _present(state)
    actor = present[a % len(present)]
    when = SystemTime(T0 + dt, knob * 7)
    if kind == "invite":
        absent = [p for p in PEOPLE if p not in present]
        if not absent:
            return None
        target = absent[t % len(absent)]
        am = AuthorizedMember.create(OVK, actor, target.verifying_key)
        join = AuthorizedMessage.create(OVK, target, when, RoomMessageBody.join_event())
        nick = AuthorizedMemberInfo.nickname(target, f"p{t}")
        return Delta(members=(am,), member_info=(nick,), recent_messages=(join,))
    if kind == "message":
        return Delta(recent_messages=(AuthorizedMessage.create(OVK, actor, when, RoomMessageBody.text(f"hi {dt}")),))
    if kind == "reply":
        if not state.recent_messages:
            return None
        target_msg = state.recent_messages[t % len(state.recent_messages)]
        data = bytes(
            cbor2.dumps(
                {
                    "text": "re",
                    "target_message_id": target_msg.id,
                    "target_author_name": "x",
                    "target_content_preview": "y",
                }
            )
        )
        body = RoomMessageBody.public(CONTENT_TYPE_REPLY, 1, data)
        return Delta(recent_messages=(AuthorizedMessage.create(OVK, actor, when, body),))
    if kind == "nick":
        return Delta(member_info=(AuthorizedMemberInfo.nickname(actor, f"n{dt}", version=1 + knob + dt % 3),))
    if kind == "ban":
        if len(present) < 2:
            return None
        target = present[1 + t % (len(present) - 1)]
        ban = AuthorizedUserBan.create(UserBan(OWNER.member_id, when, target.member_id), actor)
        return Delta(bans=(ban,))
    if kind == "deputize":
        deputy = present[t % len(present)]
        info = AuthorizedMemberInfo.nickname(actor, f"d{dt}", version=2 + dt % 4, deputies=(deputy.member_id,))
        return Delta(member_info=(info,))
    if kind == "secret":
        return _rotate(state, present, when)
    if kind == "dm":
        to = present[t % len(present)]
        if to == actor:
            return None
        dm = AuthorizedDirectMessage.create(actor, to.member_id, OVK, T0 + dt, bytes([knob]) * (10 + dt))
        return Delta(direct_messages=DirectMessagesDelta(new_messages=(dm,)))
    if kind == "purge":
        inbox = [m for m in state.direct_messages.messages if m.message.recipient == actor.member_id]
        if not inbox:
            return None
        prior = next((x for x in state.direct_messages.purges if x.recipient_id == actor.member_id), None)
        tokens = (*(prior.purged if prior else ()), inbox[t % len(inbox)].purge_token)
        version = (prior.version if prior else 0) + 1
        purges = AuthorizedRecipientPurges.create(actor, OVK, version, tokens)
        return Delta(direct_messages=DirectMessagesDelta(advanced_purges=(purges,)))
    if kind == "privatize":
        name = SealedBytes.private(bytes([dt]) * 20, bytes(12), state.secrets.current_version, 4)
        display = RoomDisplayMetadata(name)
        new = state.configuration.with_changes(OWNER, privacy_mode=PrivacyMode.PRIVATE, display=display)
        return Delta(configuration=new)
    if kind == "sealed":
        version = state.secrets.current_version + knob % 2  # sometimes a version nobody announced
        body = RoomMessageBody.private(1, 1, bytes([dt]) * 30, bytes(12), version)
        return Delta(recent_messages=(AuthorizedMessage.create(OVK, actor, when, body),))
    if kind == "upgrade":
        up = Upgrade(OWNER.member_id, 1 + knob + dt % 3, bytes([dt]) * 32)
        return Delta(upgrade=AuthorizedUpgrade.create(up, OWNER))
    cfg = state.configuration
    new = cfg.with_changes(
        OWNER,
        max_recent_messages=2 + knob * 3 + dt % 2,
        max_user_bans=1 + knob,
        max_members=2 + knob * 2,
        max_direct_messages=dt % 5,  # 0 is refused, the rest cap DMs hard
    )
    return Delta(configuration=new)


def _rotate(state: ChatRoomState, present: list[SigningIdentity], when: SystemTime) -> Delta:
    """An owner key rotation: a new version record and a (fake, never opened) blob for everyone present."""
    version = state.secrets.current_version + (1 if state.secrets.versions else 0)
    record = AuthorizedSecretVersionRecord.create(SecretVersionRecord(version, when), OWNER)
    blobs = tuple(
        AuthorizedEncryptedSecret.create(
            EncryptedSecretForMember(
                p.member_id, version, bytes([version]) * 48, bytes(12), bytes(32), OWNER.member_id
            ),
            OWNER,
        )
        for p in present
    )
    current = version if version > state.secrets.current_version else None
    return Delta(secrets=SecretsDelta(current, (record,), blobs))


def grow(state: ChatRoomState, ops: list[Op]) -> ChatRoomState:
    """Apply each op with our own rules, skipping those River would refuse."""
    for op in ops:
        d = op_delta(state, op)
        if d is None:
            continue
        try:
            state = sync.apply_delta(state, OVK, d)
        except RiverRuleError:
            continue
    return state
