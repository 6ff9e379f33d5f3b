"""River's contract judges every room operation: the state stays Valid, and the contract's own
``update_state(previous, [delta])`` stores exactly the bytes room_ops says it will."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import sync
from river_desktop.domain.river import views as v
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.river.views import MessageKind
from tests.unit.river.test_room_ops import build_tree

OWNER = SigningIdentity(bytes([1]) * 32)
OVK = OWNER.verifying_key
OWNER_ME = ops.Me(OWNER)


class Judge:
    """Runs each change past the oracle and keeps the state it produced."""

    def __init__(self, oracle: Any, params: Callable[[bytes], bytes], state: ChatRoomState) -> None:
        self.oracle = oracle
        self.p = params(OVK)
        self.clock = 1_760_000_000
        self.checked = 0
        verdict = oracle.validate_state(self.p, state.encode())
        assert verdict.valid, verdict.error
        self.state = state

    def now(self) -> SystemTime:
        self.clock += 1
        return SystemTime(self.clock, 123_456_789)

    def apply(self, change: ops.Change) -> ops.Change:
        theirs = self.oracle.update_state(self.p, self.state.encode(), [("delta", change.delta.encode())]).new_state
        ours = change.state.encode()
        assert theirs == ours
        verdict = self.oracle.validate_state(self.p, ours)
        assert verdict.valid, verdict.error
        self.state = change.state
        self.checked += 1
        return change


def test_a_public_room_through_every_operation(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    created = ops.create_room(OWNER, "Oracle room", "judged by River", "Boss", now=SystemTime(1_760_000_000))
    j = Judge(oracle, params, created.state)
    # Join: Alice by the owner, Bob by Alice.
    inv_a = Invitation.create(OVK, OWNER.seed, bytes([2]) * 32)
    joined = ops.join(j.state, inv_a, "Alice", now=j.now())
    assert joined.state is not None
    j.apply(ops.Change(joined.state, joined.delta, joined.message_id))
    alice = ops.Me(inv_a.invitee_identity, inv_a.invitee, joined.invite_chain, "Alice")
    inv_b = Invitation.create(OVK, alice.identity.seed, bytes([3]) * 32)
    joined = ops.join(j.state, inv_b, "Bob", now=j.now())
    assert joined.state is not None
    j.apply(ops.Change(joined.state, joined.delta, joined.message_id))
    bob = ops.Me(inv_b.invitee_identity, inv_b.invitee, joined.invite_chain, "Bob")

    hello = j.apply(
        ops.post_text(j.state, OVK, OWNER_ME, "hello " + ops.mention(j.state, alice.member_id), now=j.now())
    )
    assert hello.message_id is not None
    mine = j.apply(ops.post_text(j.state, OVK, alice, "mine", now=j.now())).message_id
    assert mine is not None
    j.apply(ops.reply(j.state, OVK, bob, hello.message_id, "replying", now=j.now()))
    j.apply(ops.edit(j.state, OVK, alice, mine, "mine, edited", now=j.now()))
    j.apply(ops.react(j.state, OVK, bob, mine, "👍", now=j.now()))
    j.apply(ops.react(j.state, OVK, OWNER_ME, mine, "👍", now=j.now()))
    j.apply(ops.unreact(j.state, OVK, bob, mine, "👍", now=j.now()))
    j.apply(ops.delete(j.state, OVK, OWNER_ME, hello.message_id, now=j.now()))
    j.apply(ops.set_nickname(j.state, OVK, bob, "Robert"))
    j.apply(ops.set_nickname(j.state, OVK, OWNER_ME, "The boss"))
    j.apply(ops.rename(j.state, OVK, OWNER, "Renamed"))
    j.apply(ops.set_description(j.state, OVK, OWNER, "new words"))
    j.apply(ops.set_description(j.state, OVK, OWNER, None))

    items = {m.message_id: m for m in v.messages(j.state)}
    assert hello.message_id not in items
    assert items[mine].text == "mine, edited" and dict(items[mine].reactions) == {"👍": (OWNER.member_id,)}
    info = v.room_info(j.state)
    assert (info.name.text, info.description) == ("Renamed", None)

    # A member bans in its own subtree; the contract removes Bob and his messages, as we said it would.
    assert ops.ban_removes(j.state, bob.member_id) == {bob.member_id}
    j.apply(ops.ban(j.state, OVK, alice.identity, bob.member_id, now=j.now()))
    assert bob.member_id not in j.state.members_by_id()
    assert j.checked == 16


def test_rejoin_after_prune_and_a_join_sent_before_the_state_was_known(
    oracle: Any, params: Callable[[bytes], bytes]
) -> None:
    created = ops.create_room(OWNER, "Prune", nickname="Boss", now=SystemTime(1_760_000_000))
    j = Judge(oracle, params, created.state)
    inv_a = Invitation.create(OVK, OWNER.seed, bytes([2]) * 32)
    # Alice accepted offline: only the delta exists until the room is fetched.
    offline = ops.join(None, inv_a, "Alice", now=j.now())
    assert offline.state is None
    theirs = oracle.update_state(j.p, j.state.encode(), [("delta", offline.delta.encode())]).new_state
    assert theirs == sync.apply_delta(j.state, OVK, offline.delta).encode()
    assert oracle.validate_state(j.p, theirs).valid
    j.state = ChatRoomState.decode(theirs)
    alice = ops.Me(inv_a.invitee_identity, inv_a.invitee, (), "Alice")
    inv_b = Invitation.create(OVK, alice.identity.seed, bytes([3]) * 32)
    joined = ops.join(j.state, inv_b, "Bob", now=j.now())
    assert joined.state is not None
    j.apply(ops.Change(joined.state, joined.delta, joined.message_id))
    bob = ops.Me(inv_b.invitee_identity, inv_b.invitee, joined.invite_chain, "Bob")
    # The owner shrinks the window and talks; River prunes both members.
    small = j.state.configuration.with_changes(OWNER, max_recent_messages=2)
    j.apply(ops.Change(sync.apply_delta(j.state, OVK, Delta(configuration=small)), Delta(configuration=small)))
    j.apply(ops.post_text(j.state, OVK, OWNER_ME, "one", now=j.now()))
    j.apply(ops.post_text(j.state, OVK, OWNER_ME, "two", now=j.now()))
    assert j.state.members == ()
    # Bob posts: the delta re-adds him and Alice (his inviter), and the contract keeps them.
    back = j.apply(ops.post_text(j.state, OVK, bob, "back again", now=j.now()))
    assert back.delta.members is not None and len(back.delta.members) == 2
    assert set(j.state.members_by_id()) == {alice.member_id, bob.member_id}
    nick = v.nickname_of(j.state, bob.member_id)
    assert nick is not None and nick.text == "Bob"


def test_a_private_room_created_posted_rotated_and_read_by_an_invitee(
    oracle: Any, params: Callable[[bytes], bytes]
) -> None:
    created = ops.create_room(OWNER, "Secret", "hush", "Boss", private=True, now=SystemTime(1_760_000_000))
    j = Judge(oracle, params, created.state)
    ring = created.keyring
    inv = Invitation.create(OVK, OWNER.seed, bytes([2]) * 32, list(ring))
    joined = ops.join(j.state, inv, "Alice", now=j.now())
    assert joined.state is not None
    j.apply(ops.Change(joined.state, joined.delta, joined.message_id))
    alice = ops.Me(inv.invitee_identity, inv.invitee, joined.invite_chain, "Alice")
    first = j.apply(ops.post_text(j.state, OVK, OWNER_ME, "before rotation", now=j.now(), keyring=ring)).message_id
    assert first is not None
    j.apply(ops.react(j.state, OVK, alice, first, "🔒", now=j.now(), keyring=joined.keyring))
    j.apply(ops.set_nickname(j.state, OVK, alice, "Alicia", keyring=joined.keyring))
    rotated = ops.rotate_secret(j.state, OVK, OWNER, now=j.now(), keyring=ring)
    j.apply(rotated.change)
    ring = rotated.keyring
    j.apply(ops.post_text(j.state, OVK, OWNER_ME, "after rotation", now=j.now(), keyring=ring))
    j.apply(ops.rename(j.state, OVK, OWNER, "Still secret", keyring=ring))
    # Carol joins with an old code (v0 only) after the rotation; the owner shares v1 with her.
    inv_c = Invitation.create(OVK, OWNER.seed, bytes([4]) * 32, [(0, ring.get(0))])
    joined_c = ops.join(j.state, inv_c, "Carol", now=j.now())
    assert joined_c.state is not None
    j.apply(ops.Change(joined_c.state, joined_c.delta, joined_c.message_id))
    shared = ops.share_current_secret(j.state, OVK, OWNER, keyring=ring)
    assert shared is not None
    j.apply(shared)
    assert v.keyring_for(j.state, inv_c.invitee_identity).versions == (1,)
    # Alice reads the contract's own bytes with what she holds: the invitation's v0 and her v1 blob.
    stored = ChatRoomState.decode(j.state.encode())
    alice_ring = v.keyring_for(stored, alice.identity, inv.room_secrets)
    assert alice_ring.versions == (0, 1)
    texts = [(m.kind, m.display) for m in v.messages(stored, alice_ring)]
    assert texts == [
        (MessageKind.EVENT, "joined the room"),
        (MessageKind.TEXT, "before rotation"),
        (MessageKind.TEXT, "after rotation"),
        (MessageKind.EVENT, "joined the room"),
    ]
    assert v.room_info(stored, alice_ring).name.text == "Still secret"
    assert v.nickname_of(stored, alice.member_id, alice_ring).text == "Alicia"  # type: ignore[union-attr]
    reacted = {m.message_id: m for m in v.messages(stored, alice_ring)}[first]
    assert dict(reacted.reactions) == {"🔒": (alice.member_id,)}
    # Nothing a stranger holds opens any of it.
    assert all(m.kind in (MessageKind.EVENT, MessageKind.UNREADABLE) for m in v.messages(stored))
    assert j.checked == 9


@pytest.mark.parametrize("private", [False, True])
def test_a_created_room_is_what_the_contract_stores(
    oracle: Any, params: Callable[[bytes], bytes], private: bool
) -> None:
    created = ops.create_room(OWNER, "New", "desc", "Boss", private=private, now=SystemTime(1_760_000_000, 5))
    data = created.state.encode()
    p = params(OVK)
    assert oracle.validate_state(p, data).valid
    # The contract re-serializes what it decoded: a fresh room must come back byte for byte.
    assert oracle.update_state(p, data, [("state", data)]).new_state == data


def test_our_ban_rules_are_the_bans_rivers_contract_enforces(oracle: Any, params: Callable[[bytes], bytes]) -> None:
    """Every (banner, target) pair in a tree with deputies: sign the raw ban and let the contract decide.

    A ban we allow is one River enforces (the target is removed). A ban we refuse is one River would keep
    inert, except the two we refuse on purpose although River would carry them out: a ban whose cascade
    removes the banner (as River's clients refuse it)."""
    state, people = build_tree()
    p = params(OVK)
    ids = {name: me.member_id for name, me in people.items()}
    disagreements = []
    for banner, me in people.items():
        for target, tid in ids.items():
            if target == "owner":
                continue
            raw = AuthorizedUserBan.create(UserBan(OWNER.member_id, SystemTime(1_770_000_000), tid), me.identity)
            result = oracle.update_state(p, state.encode(), [("delta", Delta(bans=(raw,)).encode())]).new_state
            enforced = tid not in ChatRoomState.decode(result).members_by_id()
            refusal = ops.ban_refusal(state, OVK, ids[banner], tid)
            if refusal is None:
                assert enforced, f"{banner} may ban {target} here, but River does not enforce it"
                assert result == ops.ban(state, OVK, me.identity, tid, now=SystemTime(1_770_000_000)).state.encode()
            elif enforced:
                disagreements.append((banner, target, refusal))
    assert all("remove you" in r or "you included" in r for _, _, r in disagreements), disagreements
    assert ("B", "A") not in {(b, t) for b, t, _ in disagreements}  # River does not let B ban its inviter


OPS = st.tuples(
    st.sampled_from(("post", "reply", "edit", "delete", "react", "unreact", "nickname", "rename", "ban")),
    st.sampled_from(("owner", "alice", "bob")),
    st.integers(0, 7),
    st.sampled_from(("👍", "🎉")),
)


@settings(max_examples=12, deadline=None)
@given(private=st.booleans(), script=st.lists(OPS, min_size=1, max_size=12))
def test_random_sessions_are_judged_by_the_contract(
    oracle: Any, params: Callable[[bytes], bytes], private: bool, script: list[tuple[str, str, int, str]]
) -> None:
    """Whatever sequence of changes users make, each one we accept is Valid and byte-identical in River."""
    created = ops.create_room(OWNER, "Random", None, "Boss", private=private, now=SystemTime(1_760_000_000))
    j = Judge(oracle, params, created.state)
    ring = created.keyring
    people = {"owner": OWNER_ME}
    for name, inviter, n in (("alice", "owner", 2), ("bob", "alice", 3)):
        inv = Invitation.create(OVK, people[inviter].identity.seed, bytes([n]) * 32, list(ring))
        joined = ops.join(j.state, inv, name, now=j.now())
        assert joined.state is not None
        j.apply(ops.Change(joined.state, joined.delta, joined.message_id))
        people[name] = ops.Me(inv.invitee_identity, inv.invitee, joined.invite_chain, name)
    posted = [m.id for m in j.state.recent_messages]
    for kind, actor, pick, emoji in script:
        me, target = people[actor], posted[pick % len(posted)]
        s, t = j.state, j.now()
        try:
            if kind == "post":
                change = ops.post_text(s, OVK, me, f"text {pick}", now=t, keyring=ring)
            elif kind == "reply":
                change = ops.reply(s, OVK, me, target, f"re {pick}", now=t, keyring=ring)
            elif kind == "edit":
                change = ops.edit(s, OVK, me, target, f"edit {pick}", now=t, keyring=ring)
            elif kind == "delete":
                change = ops.delete(s, OVK, me, target, now=t, keyring=ring)
            elif kind == "react":
                change = ops.react(s, OVK, me, target, emoji, now=t, keyring=ring)
            elif kind == "unreact":
                change = ops.unreact(s, OVK, me, target, emoji, now=t, keyring=ring)
            elif kind == "nickname":
                change = ops.set_nickname(s, OVK, me, f"{actor} {pick}", keyring=ring)
            elif kind == "rename":
                change = ops.rename(s, OVK, me.identity, f"Room {pick}", keyring=ring)
            else:
                victim = people[("alice", "bob")[pick % 2]].member_id
                change = ops.ban(s, OVK, me.identity, victim, now=t)
        except ops.RoomOpError:
            continue
        j.apply(change)
        if change.message_id is not None:
            posted.append(change.message_id)
    v.messages(j.state, ring)  # every state we produce can be shown
