"""River's rules for user changes, enforced by room_ops before anything is signed or sent (no oracle here;
tests/interop/test_room_ops_oracle.py has River's contract judge the same operations)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.limits import LimitError
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import sync
from river_desktop.domain.river import views as v
from river_desktop.domain.river.bans import AuthorizedUserBan, UserBan
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.configuration import PrivacyMode
from river_desktop.domain.river.content import ReplyContent, TextContent
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, canonical
from river_desktop.domain.river.mention import build_token, parse_mentions
from river_desktop.domain.river.privacy import UnsealStatus
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.river.views import Keyring, MessageKind, ReplyStatus

OWNER = SigningIdentity(bytes([1]) * 32)
OVK = OWNER.verifying_key
OWNER_ME = ops.Me(OWNER)
BASE = 1_750_000_000


def at(n: int) -> SystemTime:
    return SystemTime(BASE + n)


@dataclass
class Room:
    """A room under construction: its state, the owner's keyring and a clock."""

    state: ChatRoomState
    ring: Keyring
    clock: int = 10

    def tick(self) -> SystemTime:
        self.clock += 1
        return at(self.clock)

    def invite(self, inviter: SigningIdentity, n: int, nick: str) -> ops.Me:
        inv = Invitation.create(OVK, inviter.seed, bytes([n]) * 32, list(self.ring))
        joined = ops.join(self.state, inv, nick, now=self.tick())
        assert joined.state is not None
        self.state = joined.state
        return ops.Me(inv.invitee_identity, inv.invitee, joined.invite_chain, nick)

    def do(self, change: ops.Change) -> ops.Change:
        self.state = change.state
        return change


def new_room(private: bool = False) -> Room:
    created = ops.create_room(OWNER, "Room", "About", "Boss", private=private, now=at(0))
    return Room(created.state, created.keyring)


def post(room: Room, me: ops.Me, text: str) -> int:
    change = room.do(ops.post_text(room.state, OVK, me, text, now=room.tick(), keyring=room.ring))
    assert change.message_id is not None
    return change.message_id


# --------------------------------------------------------------------------------------------- create


@pytest.mark.parametrize("private", [False, True])
def test_create_room_is_valid_and_as_rivers_cli_makes_it(private: bool) -> None:
    created = ops.create_room(OWNER, "Room", "About", "Boss", private=private, now=at(0))
    s = created.state
    s.verify(OVK)
    assert s.config.owner_member_id == OWNER.member_id
    assert s.config.configuration_version == 1
    assert s.members == () and s.recent_messages == ()
    (info,) = s.member_info
    assert info.member_info.version == 0
    assert (s.config.privacy_mode is PrivacyMode.PRIVATE) is private
    assert s.config.display.name.is_public is not private
    assert info.member_info.preferred_nickname.is_public is not private
    room = v.room_info(s, created.keyring)
    assert (room.name.text, room.description and room.description.text) == ("Room", "About")
    if private:
        assert created.keyring.versions == (0,)
        assert s.secrets.current_version == 0
        assert [b.secret.member_id for b in s.secrets.encrypted_secrets] == [OWNER.member_id]
        # The owner recovers v0 from the state alone, as River's clients do.
        assert v.keyring_for(s, OWNER).get(0) == created.keyring.get(0)
        assert v.room_info(s).name.status is UnsealStatus.SECRET_NOT_HELD
    else:
        assert len(created.keyring) == 0 and s.secrets.versions == ()


@pytest.mark.parametrize(
    ("name", "description", "nickname", "what"),
    [
        ("n" * 101, None, None, "the room name is 101 bytes long; River allows at most 100 (1 too many)"),
        ("n", "d" * 501, None, "the room description is 501 bytes long"),
        ("n", None, "é" * 26, "the nickname is 52 bytes long; River allows at most 50 (2 too many)"),
    ],
)
def test_create_room_refuses_over_limits(name: str, description: str | None, nickname: str | None, what: str) -> None:
    with pytest.raises(LimitError, match=what.replace("(", r"\(").replace(")", r"\)")):
        ops.create_room(OWNER, name, description, nickname, now=at(0))


# --------------------------------------------------------------------------------------------- join


def test_join_is_member_info_and_join_event_in_one_delta() -> None:
    room = new_room()
    alice = room.invite(OWNER, 2, "Alice")
    d_state = room.state
    assert alice.member_id in d_state.members_by_id()
    nick = v.nickname_of(d_state, alice.member_id)
    assert nick is not None and nick.text == "Alice"
    (event,) = d_state.recent_messages
    assert event.author == alice.member_id and event.message.content.is_event
    d_state.verify(OVK)


def test_join_carries_the_missing_inviters_and_returns_the_chain() -> None:
    room = new_room()
    alice = room.invite(OWNER, 2, "Alice")
    bob = room.invite(alice.identity, 3, "Bob")
    assert [m.member.id for m in bob.invite_chain] == [alice.member_id]
    inv = Invitation.create(OVK, bob.identity.seed, bytes([4]) * 32)
    # A peer whose copy lost Alice and Bob still accepts Carol's join only with them (not known here: error).
    lean = ChatRoomState(room.state.configuration, member_info=room.state.member_info[:1])
    with pytest.raises(ops.RoomOpError, match="cannot be traced to the owner"):
        ops.join(lean, inv, "Carol", now=at(99))
    joined = ops.join(room.state, inv, "Carol", now=at(99))
    assert joined.delta.members is not None
    assert [m.member.id for m in joined.delta.members] == [inv.invitee_member_id]
    assert [m.member.id for m in joined.invite_chain] == [bob.member_id, alice.member_id]
    assert joined.state is not None
    assert ops.invite_chain_for(joined.state, OVK, inv.invitee) == joined.invite_chain
    assert ops.invite_chain_for(joined.state, OVK, alice.authorized_member) == ()  # type: ignore[arg-type]


def test_join_against_an_unknown_room_is_just_the_delta_to_send_later() -> None:
    room = new_room(private=True)
    inv = Invitation.create(OVK, OWNER.seed, bytes([2]) * 32, list(room.ring))
    joined = ops.join(None, inv, "Alice", now=at(50))
    assert joined.state is None and joined.invite_chain == ()
    assert joined.delta.members == (inv.invitee,)
    assert joined.delta.member_info is not None
    assert not joined.delta.member_info[0].member_info.preferred_nickname.is_public  # sealed: secrets came along
    later = sync.apply_delta(room.state, OVK, joined.delta)
    later.verify(OVK)
    assert inv.invitee_member_id in later.members_by_id()
    assert v.nickname_of(later, inv.invitee_member_id, room.ring).text == "Alice"  # type: ignore[union-attr]


def test_private_join_without_the_current_secret_defers_the_nickname() -> None:
    room = new_room(private=True)
    inv = Invitation.create(OVK, OWNER.seed, bytes([2]) * 32)  # carries no secret
    joined = ops.join(room.state, inv, "Alice", now=at(50))
    assert joined.delta.member_info is None
    assert joined.state is not None and inv.invitee_member_id in joined.state.members_by_id()


# --------------------------------------------------------------------------------------------- messages


@pytest.fixture
def chat() -> tuple[Room, ops.Me, ops.Me, int, int]:
    """Owner and Alice, one message each."""
    room = new_room()
    alice = room.invite(OWNER, 2, "Alice")
    m_owner = post(room, OWNER_ME, "from owner")
    m_alice = post(room, alice, "from alice")
    return room, alice, OWNER_ME, m_owner, m_alice


def _action(room: Room, kind: str, me: ops.Me, target: int, arg: str = "") -> ops.Change:
    s, t, r = room.state, room.tick(), room.ring
    if kind == "edit":
        return ops.edit(s, OVK, me, target, arg or "edited", now=t, keyring=r)
    if kind == "delete":
        return ops.delete(s, OVK, me, target, now=t, keyring=r)
    if kind == "react":
        return ops.react(s, OVK, me, target, arg or "👍", now=t, keyring=r)
    if kind == "unreact":
        return ops.unreact(s, OVK, me, target, arg or "👍", now=t, keyring=r)
    assert kind == "reply"
    return ops.reply(s, OVK, me, target, arg or "re", now=t, keyring=r)


# Each row: actions done first (who, kind, on whose message), then the action under test and what River allows.
MESSAGE_RULES = [
    ([], ("alice", "edit", "alice"), None),
    ([], ("owner", "edit", "alice"), "only the author of a message can edit it"),
    ([("alice", "delete", "alice")], ("alice", "edit", "alice"), "not among|deleted"),
    ([], ("owner", "delete", "alice"), "only the author of a message can delete it"),
    ([], ("alice", "delete", "alice"), None),
    ([], ("owner", "react", "alice"), None),
    ([], ("alice", "react", "alice"), None),
    ([("owner", "react", "alice")], ("owner", "react", "alice"), "already reacted"),
    ([("alice", "delete", "alice")], ("owner", "react", "alice"), "deleted message cannot be reacted to"),
    ([], ("owner", "unreact", "alice"), "no reaction with this emoji"),
    ([("alice", "react", "alice")], ("owner", "unreact", "alice"), "no reaction with this emoji"),
    ([("owner", "react", "alice")], ("owner", "unreact", "alice"), None),
    ([("owner", "react", "alice"), ("alice", "delete", "alice")], ("owner", "unreact", "alice"), "is deleted"),
    ([], ("alice", "reply", "owner"), None),
    ([("owner", "delete", "owner")], ("alice", "reply", "owner"), "not shown in this room"),
]


@pytest.mark.parametrize(("before", "under_test", "error"), MESSAGE_RULES)
def test_message_action_rules(
    chat: tuple[Room, ops.Me, ops.Me, int, int],
    before: list[tuple[str, str, str]],
    under_test: tuple[str, str, str],
    error: str | None,
) -> None:
    room, alice, owner, m_owner, m_alice = chat
    who = {"alice": alice, "owner": owner}
    target = {"alice": m_alice, "owner": m_owner}
    for actor, kind, on in before:
        room.do(_action(room, kind, who[actor], target[on]))
    actor, kind, on = under_test
    if error is not None:
        with pytest.raises(ops.RoomOpError, match=error):
            _action(room, kind, who[actor], target[on])
        return
    change = room.do(_action(room, kind, who[actor], target[on]))
    assert change.delta.recent_messages is not None and len(change.delta.recent_messages) == 1
    assert change.delta.configuration is None and change.delta.members is None
    room.state.verify(OVK)


def test_actions_on_unknown_or_action_targets_are_refused(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, _, _, m_alice = chat
    action = room.do(_action(room, "react", alice, m_alice))
    assert action.message_id is not None
    for target in (12345, action.message_id):
        with pytest.raises(ops.RoomOpError, match="not among the messages"):
            _action(room, "react", alice, target)


def test_views_show_edits_reactions_replies_and_hide_deletes(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, owner, m_owner, m_alice = chat
    room.do(_action(room, "edit", owner, m_owner, "owner, edited"))
    room.do(_action(room, "react", alice, m_owner, "🎉"))
    room.do(_action(room, "react", owner, m_owner, "🎉"))
    reply_id = room.do(_action(room, "reply", alice, m_owner, "agreed")).message_id
    room.do(_action(room, "delete", alice, m_alice))
    items = {m.message_id: m for m in v.messages(room.state)}
    assert m_alice not in items
    assert items[m_owner].text == "owner, edited" and items[m_owner].edited
    assert dict(items[m_owner].reactions) == {"🎉": (alice.member_id, owner.member_id)}
    assert reply_id is not None
    reply = items[reply_id]
    assert reply.kind is MessageKind.REPLY and reply.text == "agreed"
    assert reply.reply_to == v.ReplyTarget(m_owner, ReplyStatus.SHOWN, owner.member_id, "owner, edited")
    # River's reply snapshot is the target's author name and text at the time of the reply.
    content = ReplyContent.decode(room.state.recent_messages[-2].message.content.data)
    assert (content.target_author_name, content.target_content_preview) == ("Boss", "owner, edited")
    room.do(_action(room, "delete", owner, m_owner))
    reply = {m.message_id: m for m in v.messages(room.state)}[reply_id]
    assert reply.reply_to is not None and reply.reply_to.status is ReplyStatus.DELETED
    assert reply.reply_to.text is None


def test_message_size_is_measured_on_the_encoded_content() -> None:
    room = new_room()
    fits = "x" * (1000 - len(TextContent("").encode()))  # the CBOR header grows with the length
    while len(TextContent(fits).encode()) > 1000:
        fits = fits[:-1]
    assert len(TextContent(fits).encode()) == 1000
    post(room, OWNER_ME, fits)
    with pytest.raises(LimitError, match="the message is 1001 bytes long; River allows at most 1000"):
        post(room, OWNER_ME, fits + "x")
    private = new_room(private=True)
    with pytest.raises(LimitError, match=r"the message \(sealing adds 16 bytes\) is 1016 bytes long"):
        post(private, OWNER_ME, fits)


def test_mention_uses_the_nickname_token(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, *_ = chat
    token = ops.mention(room.state, alice.member_id)
    (parsed,) = parse_mentions(token)
    assert parsed.display_name == "Alice" and parsed.member_ref.matches(alice.member_id)


def test_reply_preview_shows_mentions_by_name_and_is_cut_at_100(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, owner, *_ = chat
    long_one = post(room, owner, "hey " + ops.mention(room.state, alice.member_id) + " " + "z" * 200)
    room.do(ops.set_nickname(room.state, OVK, alice, "Ally"))
    change = room.do(ops.reply(room.state, OVK, alice, long_one, "yes?", now=room.tick()))
    (msg,) = change.delta.recent_messages or ()
    content = ReplyContent.decode(msg.message.content.data)
    assert content.target_content_preview == ("hey @Ally " + "z" * 200)[:100]
    assert v.plain_text(room.state, "x " + build_token(12345, "Ghost")) == "x @Ghost"  # unknown: its own name


def test_a_message_older_than_the_window_is_refused() -> None:
    room = new_room()
    small = room.state.configuration.with_changes(OWNER, max_recent_messages=2)
    room.state = sync.apply_delta(room.state, OVK, Delta(configuration=small))
    post(room, OWNER_ME, "a")
    post(room, OWNER_ME, "b")
    with pytest.raises(ops.RoomOpError, match="would not keep this message"):
        ops.post_text(room.state, OVK, OWNER_ME, "late", now=at(0))


# --------------------------------------------------------------------------------------------- rejoin after prune


def _pruned_room() -> tuple[Room, ops.Me, ops.Me]:
    """Alice (invited by the owner) and Bob (invited by Alice), both pruned by River: no message left."""
    room = new_room()
    alice = room.invite(OWNER, 2, "Alice")
    bob = room.invite(alice.identity, 3, "Bob")
    small = room.state.configuration.with_changes(OWNER, max_recent_messages=1)
    room.state = sync.apply_delta(room.state, OVK, Delta(configuration=small))
    post(room, OWNER_ME, "only this one is kept")
    assert room.state.members == ()
    return room, alice, bob


def test_a_pruned_member_posts_with_itself_and_its_inviters_re_added() -> None:
    room, _alice, bob = _pruned_room()
    change = ops.post_text(room.state, OVK, bob, "I'm back", now=room.tick())
    assert change.delta.members is not None
    assert [m.member.id for m in change.delta.members] == [bob.member_id, bob.invite_chain[0].member.id]
    assert change.delta.member_info is not None
    (info,) = change.delta.member_info
    assert (info.member_info.version, info.member_info.preferred_nickname.public_text()) == (0, "Bob")
    assert bob.member_id in change.state.members_by_id()
    assert [m.id for m in change.state.recent_messages] == [change.message_id]
    change.state.verify(OVK)


def test_a_pruned_member_without_stored_membership_cannot_post() -> None:
    room, _, bob = _pruned_room()
    with pytest.raises(ops.RoomOpError, match="no stored membership"):
        ops.post_text(room.state, OVK, ops.Me(bob.identity), "hi", now=room.tick())


def test_rejoin_nickname_falls_back_to_member_when_it_does_not_fit() -> None:
    room, alice, _ = _pruned_room()
    long_nick = ops.Me(alice.identity, alice.authorized_member, alice.invite_chain, "x" * 60)
    change = ops.post_text(room.state, OVK, long_nick, "hi", now=room.tick())
    assert change.delta.member_info is not None
    assert change.delta.member_info[0].member_info.preferred_nickname.public_text() == ops.REJOIN_FALLBACK_NICKNAME


def test_a_listed_member_posts_without_rejoin_records(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, *_ = chat
    change = ops.post_text(room.state, OVK, alice, "again", now=room.tick())
    assert change.delta.members is None and change.delta.member_info is None


# --------------------------------------------------------------------------------------------- nickname, config


def test_set_nickname_bumps_the_version_and_keeps_deputies(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, *_ = chat
    deputized = AuthorizedMemberInfo.nickname(alice.identity, "Alice", 3, deputies=(OWNER.member_id + 1,))
    room.state = sync.apply_delta(room.state, OVK, Delta(member_info=(deputized,)))
    change = room.do(ops.set_nickname(room.state, OVK, alice, "Alicia"))
    (info,) = change.delta.member_info or ()
    assert info.member_info.version == 4 and info.member_info.deputies == (OWNER.member_id + 1,)
    assert change.delta.members is None and change.delta.recent_messages is None
    assert v.nickname_of(room.state, alice.member_id).text == "Alicia"  # type: ignore[union-attr]
    with pytest.raises(LimitError, match="the nickname is 51 bytes"):
        ops.set_nickname(room.state, OVK, alice, "n" * 51)


def test_rename_and_description_are_owner_only_and_bump_the_version(
    chat: tuple[Room, ops.Me, ops.Me, int, int],
) -> None:
    room, alice, *_ = chat
    with pytest.raises(ops.RoomOpError, match="only the room owner can rename the room"):
        ops.rename(room.state, OVK, alice.identity, "Mine")
    with pytest.raises(ops.RoomOpError, match="only the room owner can change the room description"):
        ops.set_description(room.state, OVK, alice.identity, "Mine")
    change = room.do(ops.rename(room.state, OVK, OWNER, "Renamed"))
    assert change.delta == Delta(configuration=change.state.configuration)
    assert room.state.config.configuration_version == 2
    room.do(ops.set_description(room.state, OVK, OWNER, None))
    info = v.room_info(room.state)
    assert (info.name.text, info.description, room.state.config.configuration_version) == ("Renamed", None, 3)
    with pytest.raises(LimitError, match="the room name is 101 bytes"):
        ops.rename(room.state, OVK, OWNER, "n" * 101)


# --------------------------------------------------------------------------------------------- bans


def build_tree() -> tuple[ChatRoomState, dict[str, ops.Me]]:
    """owner -> A -> B -> C; owner -> D; owner -> X (the owner's deputy); owner -> E (A's deputy).
    Everyone has posted (a join event), so River's inactivity prune keeps them all."""
    room = new_room()
    people: dict[str, ops.Me] = {"owner": OWNER_ME}
    for name, inviter, n in [("A", "owner", 2), ("B", "A", 3), ("C", "B", 4), ("D", "owner", 5)]:
        people[name] = room.invite(people[inviter].identity, n, name)
    for name, n in [("X", 6), ("E", 7)]:
        people[name] = room.invite(OWNER, n, name)
    owner_info = AuthorizedMemberInfo.nickname(OWNER, "Boss", 1, deputies=(people["X"].member_id,))
    a_info = AuthorizedMemberInfo.nickname(people["A"].identity, "A", 1, deputies=(people["E"].member_id,))
    room.state = sync.apply_delta(room.state, OVK, Delta(member_info=(owner_info, a_info)))
    assert len(room.state.members) == 6
    return room.state, people


@pytest.fixture(scope="module")
def tree() -> tuple[ChatRoomState, dict[str, ops.Me]]:
    return build_tree()


BAN_RULES = [
    ("owner", "A", None, {"A", "B", "C"}),
    ("owner", "D", None, {"D"}),
    ("owner", "owner", "owner cannot be banned", None),
    ("A", "B", None, {"B", "C"}),
    ("A", "C", None, {"C"}),
    ("B", "A", "a member you joined through", None),
    ("C", "A", "a member you joined through", None),
    ("B", "B", "cannot ban yourself", None),
    ("B", "D", "you may ban only members you invited", None),
    ("D", "C", "you may ban only members you invited", None),
    ("A", "owner", "owner cannot be banned", None),
    ("X", "D", None, {"D"}),  # the owner's deputy: anywhere
    ("X", "A", None, {"A", "B", "C"}),
    ("E", "B", None, {"B", "C"}),  # A's deputy: within A's subtree
    ("E", "A", "you may ban only members you invited", None),
    ("E", "D", "you may ban only members you invited", None),
]


@pytest.mark.parametrize(("banner", "target", "error", "removed"), BAN_RULES)
def test_ban_authority(
    tree: tuple[ChatRoomState, dict[str, ops.Me]],
    banner: str,
    target: str,
    error: str | None,
    removed: set[str] | None,
) -> None:
    state, people = tree
    ids = {name: me.member_id for name, me in people.items()}
    refusal = ops.ban_refusal(state, OVK, ids[banner], ids[target])
    if error is not None:
        assert refusal is not None and error in refusal
        with pytest.raises(ops.RoomOpError, match=error):
            ops.ban(state, OVK, people[banner].identity, ids[target], now=at(500))
        return
    assert refusal is None
    assert removed is not None
    assert ops.ban_removes(state, ids[target]) == {ids[n] for n in removed}
    change = ops.ban(state, OVK, people[banner].identity, ids[target], now=at(500))
    (record,) = change.delta.bans or ()
    assert record.banned_by == ids[banner] and record.ban.banned_user == ids[target]
    left = set(change.state.members_by_id())
    assert left == {ids[n] for n in people if n != "owner"} - {ids[n] for n in removed}
    change.state.verify(OVK)


def test_ban_refuses_strangers_repeats_and_pruned_banners(tree: tuple[ChatRoomState, dict[str, ops.Me]]) -> None:
    state, people = tree
    with pytest.raises(ops.RoomOpError, match="is not a member of this room"):
        ops.ban(state, OVK, OWNER, 424242, now=at(500))
    banned = ops.ban(state, OVK, OWNER, people["C"].member_id, now=at(500)).state
    with pytest.raises(ops.RoomOpError, match="is already banned"):
        ops.ban(banned, OVK, OWNER, people["C"].member_id, now=at(501))
    outsider = SigningIdentity(bytes([99]) * 32)
    with pytest.raises(ops.RoomOpError, match="must be a current member"):
        ops.ban(state, OVK, outsider, people["C"].member_id, now=at(500))


def test_an_inert_ban_does_not_stop_a_real_one(tree: tuple[ChatRoomState, dict[str, ops.Me]]) -> None:
    """D may not ban C; River keeps D's ban but does not enforce it, so the owner's ban must still go out."""
    state, people = tree
    c_id = people["C"].member_id
    inert = AuthorizedUserBan.create(UserBan(OWNER.member_id, at(400), c_id), people["D"].identity)
    state = sync.apply_delta(state, OVK, Delta(bans=(inert,)))
    assert c_id in state.members_by_id() and len(state.bans) == 1
    assert ops.ban_refusal(state, OVK, OWNER.member_id, c_id) is None
    change = ops.ban(state, OVK, OWNER, c_id, now=at(500))
    assert c_id not in change.state.members_by_id()


def test_a_banned_member_cannot_rejoin_by_posting(tree: tuple[ChatRoomState, dict[str, ops.Me]]) -> None:
    state, people = tree
    banned = ops.ban(state, OVK, OWNER, people["D"].member_id, now=at(500)).state
    with pytest.raises(ops.RoomOpError, match="banned"):
        ops.post_text(banned, OVK, people["D"], "let me in", now=at(501))


# --------------------------------------------------------------------------------------------- private rooms


def test_private_room_round_trip_with_rotation() -> None:
    room = new_room(private=True)
    alice = room.invite(OWNER, 2, "Alice")
    alice_ring = v.keyring_for(room.state, alice.identity, list(room.ring))
    before = post(room, alice, "sealed hello")
    body = next(m for m in room.state.recent_messages if m.id == before).message.content
    assert not body.is_public and body.secret_version == 0
    with pytest.raises(ops.RoomOpError, match="only the room owner can rotate"):
        ops.rotate_secret(room.state, OVK, alice.identity, now=room.tick())
    rotated = ops.rotate_secret(room.state, OVK, OWNER, now=room.tick(), keyring=room.ring)
    room.do(rotated.change)
    room.ring = rotated.keyring
    assert rotated.version == 1 and room.ring.versions == (0, 1)
    assert rotated.change.delta.secrets is not None and rotated.change.delta.secrets.current_version == 1
    after = post(room, OWNER_ME, "after rotation")
    assert next(m for m in room.state.recent_messages if m.id == after).message.content.secret_version == 1
    # Alice finds v1 in the blob the rotation sealed to her; a stranger reads nothing.
    alice_ring = v.keyring_for(room.state, alice.identity, list(alice_ring))
    texts = [m.display for m in v.messages(room.state, alice_ring)]
    assert texts == ["joined the room", "sealed hello", "after rotation"]
    blind = v.messages(room.state)
    assert [m.kind for m in blind] == [MessageKind.EVENT, MessageKind.UNREADABLE, MessageKind.UNREADABLE]
    assert "secret version 1 not held" in (blind[2].placeholder or "")
    assert v.room_info(room.state).name.display.startswith("[encrypted")
    # An edit and a reaction in a private room are sealed too, and resolved after decryption.
    room.do(ops.edit(room.state, OVK, alice, before, "sealed, edited", now=room.tick(), keyring=alice_ring))
    room.do(ops.react(room.state, OVK, OWNER_ME, before, "🔒", now=room.tick(), keyring=room.ring))
    item = {m.message_id: m for m in v.messages(room.state, alice_ring)}[before]
    assert (item.text, item.edited, dict(item.reactions)) == ("sealed, edited", True, {"🔒": (OWNER.member_id,)})
    assert all(not m.message.content.is_public for m in room.state.recent_messages[1:])
    room.state.verify(OVK)


def test_the_owner_shares_the_current_secret_with_members_who_lack_it() -> None:
    room = new_room(private=True)
    rotated = ops.rotate_secret(room.state, OVK, OWNER, now=room.tick(), keyring=room.ring)
    room.do(rotated.change)
    room.ring = rotated.keyring
    # Bob's invitation carries only v0 (an old code); after joining he cannot read v1 until the owner shares it.
    inv = Invitation.create(OVK, OWNER.seed, bytes([3]) * 32, [(0, room.ring.get(0))])
    joined = ops.join(room.state, inv, "Bob", now=room.tick())
    assert joined.state is not None and joined.delta.member_info is None  # v1 not held: nickname deferred
    room.state = joined.state
    assert 1 not in v.keyring_for(room.state, inv.invitee_identity, inv.room_secrets)
    inviter = ops.Me(OWNER)
    with pytest.raises(ops.RoomOpError, match="only the room owner can share"):
        ops.share_current_secret(room.state, OVK, inv.invitee_identity, keyring=room.ring)
    shared = ops.share_current_secret(room.state, OVK, OWNER, keyring=room.ring)
    assert shared is not None and shared.delta.secrets is not None
    assert shared.delta.secrets.current_version is None and shared.delta.secrets.new_versions == ()
    assert [b.key for b in shared.delta.secrets.new_encrypted_secrets] == [(1, inv.invitee_member_id)]
    room.do(shared)
    assert v.keyring_for(room.state, inv.invitee_identity).get(1) == room.ring.get(1)
    assert ops.share_current_secret(room.state, OVK, OWNER, keyring=room.ring) is None
    assert ops.share_current_secret(new_room().state, OVK, OWNER, keyring=Keyring()) is None
    post(room, inviter, "everyone reads this")


def test_an_invitation_for_another_room_is_refused() -> None:
    room = new_room()
    other = SigningIdentity(bytes([77]) * 32)
    inv = Invitation.create(other.verifying_key, other.seed, bytes([2]) * 32)
    with pytest.raises(ops.RoomOpError, match="for another room"):
        ops.join(room.state, inv, "Alice", now=at(5))


def test_private_room_refuses_to_seal_without_the_current_secret() -> None:
    room = new_room(private=True)
    with pytest.raises(ops.RoomOpError, match="current secret \\(version 0\\) is not held"):
        ops.post_text(room.state, OVK, OWNER_ME, "x", now=at(5))
    with pytest.raises(ops.RoomOpError, match="not held"):
        ops.rename(room.state, OVK, OWNER, "x")
    public = new_room()
    with pytest.raises(ops.RoomOpError, match="only a private room"):
        ops.rotate_secret(public.state, OVK, OWNER, now=at(5))


# --------------------------------------------------------------------------------------------- views


def test_members_view_puts_you_first_then_the_owner(tree: tuple[ChatRoomState, dict[str, ops.Me]]) -> None:
    state, people = tree
    rows = v.members(state, OVK, people["C"].member_id)
    assert [r.display_name for r in rows] == ["C", "Boss", "A", "B", "D", "E", "X"]
    assert rows[0].is_you and rows[1].is_owner and rows[1].invited_by is None
    by_name = {r.display_name: r for r in rows}
    assert by_name["C"].invited_by == people["B"].member_id
    assert {n for n, r in by_name.items() if r.is_deputy} == {"X", "E"}
    assert by_name["B"].verifying_key == people["B"].identity.verifying_key


def test_unknown_content_types_show_a_placeholder(chat: tuple[Room, ops.Me, ops.Me, int, int]) -> None:
    room, alice, *_ = chat
    from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody

    odd = AuthorizedMessage.create(OVK, alice.identity, room.tick(), RoomMessageBody.public(9, 1, b"\xa0"))
    room.state = sync.apply_delta(room.state, OVK, Delta(recent_messages=(odd,)))
    item = v.messages(room.state)[-1]
    assert item.kind is MessageKind.UNKNOWN and item.text is None
    assert item.placeholder == "[unsupported message type 9.1]"


# --------------------------------------------------------------------------------------------- a law

ACTORS = ("owner", "alice")
OPS = st.tuples(
    st.sampled_from(("post", "edit", "delete", "react", "unreact", "reply")),
    st.sampled_from(ACTORS),
    st.integers(0, 5),
    st.sampled_from(("👍", "🎉")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OPS, min_size=1, max_size=10))
def test_every_accepted_change_has_the_effect_river_gives_it(script: list[tuple[str, str, int, str]]) -> None:
    """Whatever we let through, River's own resolver shows; whatever we refuse, River would have ignored."""
    room = new_room()
    who = {"owner": OWNER_ME, "alice": room.invite(OWNER, 2, "Alice")}
    posted: list[int] = [post(room, OWNER_ME, "seed")]
    for kind, actor, pick, emoji in script:
        me = who[actor]
        target = posted[pick % len(posted)]
        before = {m.message_id: m for m in v.messages(room.state)}
        try:
            if kind == "post":
                change = room.do(ops.post_text(room.state, OVK, me, f"p{len(posted)}", now=room.tick()))
            else:
                change = room.do(_action(room, kind, me, target, emoji if kind in ("react", "unreact") else ""))
        except ops.RoomOpError:
            seen = before.get(target)
            mine = seen is not None and seen.author_id == me.member_id
            reacted = seen is not None and me.member_id in seen.reactions.get(emoji, ())
            allowed = {
                "edit": mine,
                "delete": mine,
                "react": seen is not None and not reacted,
                "unreact": reacted,
                "reply": seen is not None,
            }
            assert not allowed[kind], f"{kind} by {actor} was refused but River would apply it"
            continue
        after = {m.message_id: m for m in v.messages(room.state)}
        if kind in ("post", "reply"):
            assert change.message_id is not None
            posted.append(change.message_id)
            assert change.message_id in after
        elif kind == "edit":
            assert after[target].text == "edited" and after[target].edited
        elif kind == "delete":
            assert target not in after
        elif kind == "react":
            assert me.member_id in after[target].reactions[emoji]
        else:
            assert me.member_id not in after[target].reactions.get(emoji, ())
    room.state.verify(OVK)
    assert canonical(room.state.member_info, who["alice"].member_id) is not None
