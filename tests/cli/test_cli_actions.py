"""``messages reply|edit|delete|react|unreact`` and ``members list|ban`` through real subprocesses.

What each command did is read back from River's own bytes (``rooms export-state``) through the River
model's views, so a test fails if the state is not what River would show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from river_desktop.cli import CliError
from river_desktop.cli_messages import parse_i64, resolve_message_id
from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river import views
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.identity_token import IdentityToken
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import b58, parse_b58_room
from tests.cli.conftest import cli, cli_json, kv_rows

pytestmark = pytest.mark.slow


# --- helpers (also used by test_cli_interchange and tests/interop/test_cli_oracle) -------------------


def create_room(profile: Path, name: str = "Book Club", nickname: str = "ann") -> str:
    key = cli_json(profile, "rooms", "create", name, "--nickname", nickname)["key"]
    assert isinstance(key, str)
    return key


def send(profile: Path, key: str, text: str) -> int:
    mid = cli_json(profile, "messages", "send", key, text)["id"]
    assert isinstance(mid, int)
    return mid


def state_of(profile: Path, key: str, tmp: Path) -> ChatRoomState:
    out = tmp / "state.cbor"
    cli(profile, "rooms", "export-state", key, "--out", str(out))
    return ChatRoomState.decode(out.read_bytes())


def shown(profile: Path, key: str, tmp: Path) -> dict[int, views.MessageItem]:
    return {m.message_id: m for m in views.messages(state_of(profile, key, tmp))}


@dataclass(frozen=True)
class Guest:
    name: str
    identity: SigningIdentity
    token: str
    """River's identity token for this member (to give the member a profile of its own)."""


async def _add_members(profile: Path, key: str, names: list[str], posts: dict[str, str]) -> dict[str, Guest]:
    """Members joined by invitation (each invited by the one before; the first by the owner), each posting."""
    vk = parse_b58_room(key)
    assert vk is not None
    ctl = await StorageController.open(profile)
    try:
        session = ctl.open_session("seed")
        rooms = await ctl.load(session)
        room = rooms.get(vk)
        state = room.room_state
        inviter, chain = room.self_identity, ()
        clock = 1_900_000_000
        guests: dict[str, Guest] = {}
        for name in names:
            clock += 1
            inv = Invitation.create(vk, inviter.seed, SigningIdentity.generate().seed)
            joined = ops.join(state, inv, name, now=SystemTime(clock))
            assert joined.state is not None
            state = joined.state
            me = ops.Me(inv.invitee_identity, inv.invitee, joined.invite_chain, name)
            if name in posts:
                clock += 1
                state = ops.post_text(state, vk, me, posts[name], now=SystemTime(clock)).state
            token = IdentityToken(vk, me.identity, inv.invitee, joined.invite_chain, None, "Book Club", name)
            guests[name] = Guest(name, me.identity, token.encode())
            inviter, chain = me.identity, joined.invite_chain
        del chain
        rooms.receive_state(vk, state)
        report = await ctl.save(session, rooms)
        assert report.ok
        return guests
    finally:
        await ctl.close()


def add_members(profile: Path, key: str, names: list[str], posts: dict[str, str] | None = None) -> dict[str, Guest]:
    return asyncio.run(_add_members(profile, key, names, posts or {}))


async def _create_private(profile: Path, name: str, nickname: str) -> str:
    ctl = await StorageController.open(profile)
    try:
        session = ctl.open_session("private")
        rooms = await ctl.load(session)
        room = rooms.create_room(name, nickname, private=True)
        assert (await ctl.save(session, rooms)).ok
        return b58(room.owner_vk)
    finally:
        await ctl.close()


def create_private_room(profile: Path, name: str = "Secret Club", nickname: str = "ann") -> str:
    """A private room (River's sealed name, nicknames and bodies), made as the app's Create Room makes it."""
    return asyncio.run(_create_private(profile, name, nickname))


@pytest.fixture
def room(tmp_path: Path) -> tuple[Path, str]:
    profile = tmp_path / "ann"
    return profile, create_room(profile)


# --- id parsing (pure) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("-42", -42),
        ("+7", 7),
        (str(2**63 - 1), 2**63 - 1),
        (str(-(2**63)), -(2**63)),
        (str(2**63), None),
        ("", None),
        ("12a", None),
        ("ABCDEFGH", None),
        ("1" * 25, None),
    ],
)
def test_parse_i64(text: str, expected: int | None) -> None:
    assert parse_i64(text) == expected


def test_message_ids_resolve_by_integer_or_display_form() -> None:
    ids = [-4_417_270_330_270_393_125, 12_345, 99]
    assert resolve_message_id("12345", ids) == 12_345
    assert resolve_message_id(member_id_display(ids[0]), ids) == ids[0]
    assert resolve_message_id(member_id_display(ids[0]).lower(), ids) == ids[0]
    with pytest.raises(CliError, match="not among the messages"):
        resolve_message_id("5", ids)
    with pytest.raises(CliError, match="is not a message id"):
        resolve_message_id("hello", ids)


# --- message actions ------------------------------------------------------------------------------------


def test_reply_text_and_json(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    target = send(profile, key, "Chapter 3 for Thursday?")
    run = cli(profile, "messages", "reply", key, str(target), "yes, chapter 3")
    assert run.rc == 0, run.describe()
    reply_id = int(run.out.strip())
    data = cli_json(profile, "messages", "reply", key, member_id_display(target), "and chapter 4")
    assert set(data) == {"id", "room", "target", "timestamp", "author_member_id"}
    assert data["target"] == target and data["room"] == key
    items = shown(profile, key, tmp_path)
    for mid, text in ((reply_id, "yes, chapter 3"), (data["id"], "and chapter 4")):
        assert items[mid].kind is views.MessageKind.REPLY
        assert items[mid].text == text
        assert items[mid].reply_to is not None and items[mid].reply_to.message_id == target
        assert items[mid].reply_to.status is views.ReplyStatus.SHOWN


def test_edit_then_delete(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    target = send(profile, key, "Chapter 3 for Thurdsay?")
    run = cli(profile, "messages", "edit", key, str(target), "Chapter 3 for Thursday?")
    assert run.rc == 0, run.describe()
    item = shown(profile, key, tmp_path)[target]
    assert item.text == "Chapter 3 for Thursday?" and item.edited
    data = cli_json(profile, "messages", "delete", key, str(target))
    assert data["target"] == target
    assert target not in shown(profile, key, tmp_path)
    err = cli(profile, "messages", "edit", key, str(target), "again").error_line
    assert "deleted message cannot be edited" in err


def test_react_and_unreact(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    target = send(profile, key, "cake on Thursday")
    me = cli_json(profile, "rooms", "list")[0]["member_id"]
    assert cli(profile, "messages", "react", key, str(target), "🎂").rc == 0
    data = cli_json(profile, "messages", "react", key, str(target), "👍")
    assert data["author_member_id"] == me
    assert dict(shown(profile, key, tmp_path)[target].reactions) == {"🎂": (me,), "👍": (me,)}
    assert "already reacted" in cli(profile, "messages", "react", key, str(target), "👍").error_line
    assert cli(profile, "messages", "unreact", key, str(target), "🎂").rc == 0
    assert dict(shown(profile, key, tmp_path)[target].reactions) == {"👍": (me,)}
    assert "no reaction with this emoji" in cli(profile, "messages", "unreact", key, str(target), "🎂").error_line
    assert cli_json(profile, "messages", "unreact", key, str(target), "👍")["target"] == target
    assert dict(shown(profile, key, tmp_path)[target].reactions) == {}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("messages", "reply", "{key}", "12345", "x"), "not among the messages"),
        (("messages", "edit", "{key}", "not-an-id", "x"), "is not a message id"),
        (("messages", "delete", "{key}", "ZZZZZZZZ"), "not among the messages"),
        (("messages", "react", "{key}", "{target}", ""), "needs an emoji"),
        (("messages", "edit", "{key}", "{target}", "x" * 2000), "bytes"),
        (("messages", "reply", "{key}", "{target}", "   "), "cannot be empty"),
        (("messages", "react", "No Such Room", "{target}", "👍"), "no room matches"),
        (("members", "list", "No Such Room"), "no room matches"),
        (("members", "ban", "{key}", "nobody"), "no member of this room matches"),
        (("members", "ban", "{key}", "ann"), "cannot ban ann"),
    ],
)
def test_errors_are_one_line_and_write_nothing(room: tuple[Path, str], args: tuple[str, ...], expected: str) -> None:
    profile, key = room
    target = send(profile, key, "hello")
    before = kv_rows(profile)
    filled = [a.format(key=key, target=target) for a in args]
    for as_json in (False, True):
        run = cli(profile, *filled, as_json=as_json)
        assert expected in run.error_line, run.describe()
        assert run.out == ""
    assert kv_rows(profile) == before


def test_actions_on_someone_elses_message(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    add_members(profile, key, ["alice"], {"alice": "alice was here"})
    theirs = next(m.message_id for m in shown(profile, key, tmp_path).values() if m.text == "alice was here")
    assert "only the author" in cli(profile, "messages", "edit", key, str(theirs), "mine now").error_line
    assert "only the author" in cli(profile, "messages", "delete", key, str(theirs)).error_line
    assert cli(profile, "messages", "react", key, str(theirs), "👋").rc == 0
    assert cli(profile, "messages", "reply", key, str(theirs), "hi alice").rc == 0


# --- members --------------------------------------------------------------------------------------------


def test_members_list_text_and_json(room: tuple[Path, str]) -> None:
    profile, key = room
    guests = add_members(profile, key, ["alice", "bob"], {"alice": "a", "bob": "b"})
    rows = cli_json(profile, "members", "list", key)
    assert set(rows[0]) == {
        "member_id",
        "id_display",
        "nickname",
        "display_name",
        "invited_by",
        "owner",
        "deputy",
        "you",
    }
    assert rows[0]["you"] and rows[0]["owner"] and rows[0]["nickname"] == "ann" and rows[0]["invited_by"] is None
    by_name = {r["nickname"]: r for r in rows}
    assert set(by_name) == {"ann", "alice", "bob"}
    assert by_name["alice"]["invited_by"] == rows[0]["member_id"]
    assert by_name["bob"]["invited_by"] == guests["alice"].identity.member_id
    assert by_name["bob"]["id_display"] == member_id_display(guests["bob"].identity.member_id)
    assert not any(r["you"] for r in rows[1:])
    text = cli(profile, "members", "list", key)
    assert text.rc == 0
    lines = text.out.splitlines()
    assert lines[0].split()[:3] == ["ID", "MEMBER", "NICKNAME"]
    assert "ann" in lines[1] and "you,owner" in lines[1]
    assert len(lines) == 4


def test_owner_bans_a_member_and_their_invitees(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    guests = add_members(
        profile, key, ["alice", "bob", "carol"], {n: f"{n} says hi" for n in ("alice", "bob", "carol")}
    )
    run = cli(profile, "members", "ban", key, "bob")
    assert run.rc == 0, run.describe()
    assert "banned bob" in run.out and "carol" in run.out
    state = state_of(profile, key, tmp_path)
    assert {am.member.id for am in state.members} == {guests["alice"].identity.member_id}
    assert [b.ban.banned_user for b in state.bans] == [guests["bob"].identity.member_id]
    # by display id, with --json
    data = cli_json(profile, "members", "ban", key, member_id_display(guests["alice"].identity.member_id))
    assert data == {
        "room": key,
        "banned": guests["alice"].identity.member_id,
        "removed": [guests["alice"].identity.member_id],
    }
    assert "not a member" in cli(profile, "members", "ban", key, str(guests["carol"].identity.member_id)).error_line


def test_a_member_may_ban_only_its_subtree(tmp_path: Path) -> None:
    owner = tmp_path / "ann"
    key = create_room(owner)
    guests = add_members(owner, key, ["alice", "bob", "dave"], {n: f"{n} here" for n in ("alice", "bob", "dave")})
    add_members(owner, key, ["erin"], {"erin": "erin here"})  # invited by the owner, not by alice
    # alice's own profile: her identity (River's token) and the room's state, as a fetch would bring it
    alice = tmp_path / "alice"
    token = tmp_path / "alice.token"
    token.write_text(guests["alice"].token)
    assert cli(alice, "identity", "import", str(token)).rc == 0
    give_state(owner, alice, key)
    before = kv_rows(alice)
    assert "the room owner cannot be banned" in cli(alice, "members", "ban", key, "ann").error_line
    assert "cannot ban yourself" in cli(alice, "members", "ban", key, "alice").error_line
    assert "only members you invited" in cli(alice, "members", "ban", key, "erin").error_line
    assert kv_rows(alice) == before
    run = cli(alice, "members", "ban", key, "bob")
    assert run.rc == 0, run.describe()
    assert "banned bob" in run.out and "dave" in run.out  # bob invited dave: the ban removes both
    state = state_of(alice, key, tmp_path)
    assert {am.member.id for am in state.members} == {guests["alice"].identity.member_id, _id(state, "erin")}


def _id(state: ChatRoomState, nickname: str) -> int:
    return next(i.member_id for i in state.member_info if views.nickname_of(state, i.member_id).text == nickname)


def give_state(source: Path, target: Path, key: str) -> None:
    """Hand ``target`` the room state ``source`` holds, as a network fetch would (River's merge into ours)."""
    asyncio.run(_receive(source, target, key))


async def _receive(source: Path, target: Path, key: str) -> None:
    vk = parse_b58_room(key)
    assert vk is not None
    src = await StorageController.open(source)
    try:
        state = (await src.load(src.open_session("read"))).get(vk).room_state
    finally:
        await src.close()
    ctl = await StorageController.open(target)
    try:
        session = ctl.open_session("fetch")
        rooms = await ctl.load(session)
        rooms.receive_state(vk, state)
        assert (await ctl.save(session, rooms)).ok
    finally:
        await ctl.close()


def test_edit_json_and_delete_text(room: tuple[Path, str], tmp_path: Path) -> None:
    profile, key = room
    target = send(profile, key, "typo")
    data = cli_json(profile, "messages", "edit", key, str(target), "no typo")
    assert data["target"] == target and data["id"] != target
    run = cli(profile, "messages", "delete", key, member_id_display(target))
    assert run.rc == 0 and int(run.out) == parse_i64(run.out), run.describe()
    assert "already deleted" in cli(profile, "messages", "delete", key, str(target)).error_line


def test_actions_on_a_room_still_waiting(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    target = send(ann, key, "hello")
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code).rc == 0
    before = kv_rows(bob)
    for args in (
        ("messages", "react", key, str(target), "👍"),
        ("messages", "reply", key, str(target), "hi"),
        ("members", "list", key),
        ("members", "ban", key, "ann"),
    ):
        assert "waiting for its data" in cli(bob, *args).error_line
    assert kv_rows(bob) == before


# --- mentions -------------------------------------------------------------------------------------------


def test_a_sent_mention_token_is_listed_with_its_member_and_shown_as_the_nickname(room: tuple[Path, str]) -> None:
    profile, key = room
    guests = add_members(profile, key, ["alice"], {"alice": "hello"})
    alice = guests["alice"].identity.member_id
    token = f"@[Al](rv:{member_id_display(alice)})"
    send(profile, key, f"thanks {token}!")
    send(profile, key, "no one in particular")
    listed = {m["text"]: m for m in cli_json(profile, "messages", "list", key)}
    assert listed[f"thanks {token}!"]["mentions"] == [alice]
    assert listed["no one in particular"]["mentions"] == []
    text = cli(profile, "messages", "list", key)
    assert "thanks @alice!" in text.out  # the current nickname, not the token's "Al"
