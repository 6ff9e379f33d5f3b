"""River's contract judges what the CLI writes: after each CLI action, ``rooms export-state`` is Valid.

Every command runs as a real subprocess; the bytes it leaves are the ones River's contract would hold,
and River's own ``validate_state`` (../shared/river-oracle) must accept them. Skips without the oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from river_desktop.domain.river import views
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.storage.slots import parse_b58_room
from tests.cli.conftest import cli, cli_json
from tests.cli.test_cli_actions import add_members, create_private_room, create_room, give_state, send

pytestmark = pytest.mark.slow


class Judge:
    """Exports the room after each action and has River's contract validate the bytes."""

    def __init__(self, oracle: Any, params: Callable[[bytes], bytes], tmp: Path) -> None:
        self.oracle = oracle
        self.params = params
        self.tmp = tmp
        self.judged: list[str] = []

    def run(self, profile: Path, *args: str) -> Any:
        run = cli(profile, *args, as_json=True)
        assert run.rc == 0, run.describe()
        return run.json()

    def valid(self, profile: Path, key: str, after: str) -> ChatRoomState:
        out = self.tmp / f"state-{len(self.judged)}.cbor"
        summary = self.run(profile, "rooms", "export-state", key, "--out", str(out))
        data = out.read_bytes()
        assert summary["bytes"] == len(data)
        vk = parse_b58_room(key)
        assert vk is not None
        verdict = self.oracle.validate_state(self.params(vk), data)
        assert verdict.valid, f"after {after}: {verdict.error}"
        self.judged.append(after)
        return ChatRoomState.decode(data)


def test_every_cli_action_leaves_a_valid_state(oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path) -> None:
    j = Judge(oracle, params, tmp_path)
    ann = tmp_path / "ann"
    key = create_room(ann, "Oracle Club", "ann")
    j.valid(ann, key, "rooms create")
    first = send(ann, key, "hello, River")
    j.valid(ann, key, "messages send")
    reply = j.run(ann, "messages", "reply", key, str(first), "replying to myself")["id"]
    j.valid(ann, key, "messages reply")
    j.run(ann, "messages", "edit", key, str(first), "hello, River (edited)")
    j.valid(ann, key, "messages edit")
    j.run(ann, "messages", "react", key, str(first), "👍")
    j.valid(ann, key, "messages react")
    j.run(ann, "messages", "unreact", key, str(first), "👍")
    j.valid(ann, key, "messages unreact")
    j.run(ann, "messages", "delete", key, str(reply))
    j.valid(ann, key, "messages delete")
    j.run(ann, "rooms", "nickname", key, "Ann")
    j.valid(ann, key, "rooms nickname")
    j.run(ann, "rooms", "rename", key, "Oracle Club (renamed)")
    j.valid(ann, key, "rooms rename")

    guests = add_members(ann, key, ["alice", "bob", "carol"], {n: f"{n} says hi" for n in ("alice", "bob", "carol")})
    j.valid(ann, key, "members joined")
    theirs = next(m.message_id for m in views.messages(j.valid(ann, key, "again")) if m.text == "alice says hi")
    j.run(ann, "messages", "react", key, str(theirs), "🎉")
    j.valid(ann, key, "a reaction to another member's message")
    j.run(ann, "messages", "reply", key, str(theirs), "welcome, alice")
    j.valid(ann, key, "a reply to another member's message")
    banned = j.run(ann, "members", "ban", key, "carol")
    assert banned["banned"] == guests["carol"].identity.member_id
    state = j.valid(ann, key, "members ban")
    assert guests["carol"].identity.member_id not in state.members_by_id()

    # alice on her own profile: identity import, the state as a fetch brings it, then her own actions
    alice = tmp_path / "alice"
    assert cli(alice, "identity", "import", "-", stdin=guests["alice"].token).rc == 0
    give_state(ann, alice, key)
    j.valid(alice, key, "identity import + fetched state")
    mine = send(alice, key, "alice, from her own profile")
    j.run(alice, "messages", "edit", key, str(mine), "alice, from her own laptop")
    j.valid(alice, key, "a member's send and edit")
    j.run(alice, "members", "ban", key, "bob")
    j.valid(alice, key, "a member's ban of her invitee")

    # riverctl: export from ann, import into a fresh profile, keep acting there
    rooms_json = tmp_path / "rooms.json"
    assert cli(ann, "export", "riverctl", str(rooms_json)).rc == 0
    fresh = tmp_path / "fresh"
    assert cli_json(fresh, "import", "riverctl", str(rooms_json))["imported"][0]["state"] == "added"
    j.valid(fresh, key, "import riverctl")
    send(fresh, key, "ann again, from the imported profile")
    j.valid(fresh, key, "messages send after import riverctl")
    assert len(j.judged) == 19


def test_a_private_room_stays_valid(oracle: Any, params: Callable[[bytes], bytes], tmp_path: Path) -> None:
    j = Judge(oracle, params, tmp_path)
    ann = tmp_path / "ann"
    key = create_private_room(ann, "Sealed Club", "ann")
    j.valid(ann, key, "private room created")
    first = send(ann, key, "sealed hello")
    j.valid(ann, key, "sealed send")
    reply = j.run(ann, "messages", "reply", key, str(first), "sealed reply")["id"]
    j.run(ann, "messages", "edit", key, str(first), "sealed hello, edited")
    j.run(ann, "messages", "react", key, str(reply), "🔒")
    j.valid(ann, key, "sealed reply, edit and reaction")
    j.run(ann, "messages", "delete", key, str(reply))
    j.run(ann, "rooms", "nickname", key, "Ann")
    j.valid(ann, key, "sealed delete and nickname")
    rooms_json = tmp_path / "rooms.json"
    assert cli(ann, "export", "riverctl", str(rooms_json)).rc == 0
    fresh = tmp_path / "fresh"
    assert cli(fresh, "import", "riverctl", str(rooms_json)).rc == 0
    send(fresh, key, "sealed, from the imported profile")
    state = j.valid(fresh, key, "sealed send after import riverctl")
    assert all(not m.message.content.is_public for m in state.recent_messages)
    assert j.judged[-1] == "sealed send after import riverctl" and len(j.judged) == 5
