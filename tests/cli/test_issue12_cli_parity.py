"""Issue 12's CLI parity list, audited through real subprocesses: every command answers ``--json`` and has its
section (with its JSON) in docs/cli.md; ``messages list`` never prints a deleted or replaced text and its
``--limit`` counts the messages it lists (an edit, a delete or a reaction is not one); ``rooms list`` in text
puts favourites first and leaves the Archive out unless ``--all``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import REPO, cli, cli_json
from tests.cli.test_cli_actions import add_members, create_room, send

pytestmark = pytest.mark.slow

DOCS = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    """The text of docs/cli.md from the ``###`` heading naming ``heading`` to the next one that names a command
    of its own (sections that share a body, as reply/edit/delete and react/unreact do, are read together)."""
    lines = DOCS.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("### ") and f"`{heading}" in line]
    assert starts, f"docs/cli.md has no section for `{heading}`"
    body: list[str] = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("## ") or (line.startswith("### ") and body and any(b.strip() for b in body)):
            break
        body.append(line)
    return "\n".join(body)


@pytest.mark.parametrize(
    "heading",
    [
        "messages reply ROOM MESSAGE_ID TEXT",
        "messages edit ROOM MESSAGE_ID TEXT",
        "messages delete ROOM MESSAGE_ID",
        "messages react ROOM MESSAGE_ID EMOJI",
        "messages unreact ROOM MESSAGE_ID EMOJI",
        "search TEXT [--room ROOM] [--limit N]",
        "rooms pin ROOM",
        "rooms unpin ROOM",
        "rooms archive ROOM",
        "rooms unarchive ROOM",
        "members list ROOM",
        "members ban ROOM MEMBER",
        "rooms list [--all]",
    ],
)
def test_each_parity_command_is_documented_with_its_json(heading: str) -> None:
    assert "JSON" in _section(heading), f"the section of `{heading}` does not say what --json prints"


def test_rooms_list_documents_pinned_and_archived() -> None:
    body = _section("rooms list [--all]")
    assert re.search(r"`pinned` \| boolean", body) and re.search(r"`archived` \| boolean", body)
    assert "--all" in body


def test_every_parity_command_answers_json(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile, "Book Club", "ann")
    other = create_room(profile, "Garden", "ann")
    add_members(profile, key, ["bob"], {"bob": "bob says hi"})
    target = send(profile, key, "Dune on Thursday?")
    runs = {
        "messages reply": ("messages", "reply", key, str(target), "yes"),
        "messages edit": ("messages", "edit", key, str(target), "Dune on Friday?"),
        "messages react": ("messages", "react", key, str(target), "👍"),
        "messages unreact": ("messages", "unreact", key, str(target), "👍"),
        "search": ("search", "friday", "--room", key, "--limit", "5"),
        "rooms pin": ("rooms", "pin", other),
        "rooms unpin": ("rooms", "unpin", other),
        "rooms archive": ("rooms", "archive", other),
        "rooms unarchive": ("rooms", "unarchive", other),
        "members list": ("members", "list", key),
        "members ban": ("members", "ban", key, "bob"),
        "messages delete": ("messages", "delete", key, str(target)),
        "rooms list": ("rooms", "list", "--all"),
    }
    answers = {name: cli_json(profile, *args) for name, args in runs.items()}
    for name in ("messages reply", "messages edit", "messages react", "messages unreact", "messages delete"):
        assert answers[name]["target"] == target and answers[name]["room"] == key, name
    assert [hit["text"] for hit in answers["search"]] == ["Dune on Friday?"]
    assert answers["rooms pin"]["pinned"] and not answers["rooms unpin"]["pinned"]
    assert answers["rooms archive"]["archived"] and not answers["rooms unarchive"]["archived"]
    assert [m["nickname"] for m in answers["members list"]] == ["ann", "bob"]
    assert answers["members ban"]["room"] == key and len(answers["members ban"]["removed"]) == 1
    assert all(isinstance(r["pinned"], bool) and isinstance(r["archived"], bool) for r in answers["rooms list"])


def test_rooms_list_in_text_puts_favourites_first_and_archived_rooms_only_with_all(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    alpha, _beta, gamma = (create_room(profile, name, "ann") for name in ("Alpha", "Beta", "Gamma"))
    cli_json(profile, "rooms", "pin", gamma)
    cli_json(profile, "rooms", "archive", alpha)
    table = cli(profile, "rooms", "list").out.splitlines()
    assert table[0].split()[:2] == ["KEY", "NAME"]
    assert [line.split()[1] for line in table[1:]] == ["Gamma", "Beta"]
    assert table[1].split()[-1] == "favourite"
    everything = cli(profile, "rooms", "list", "--all").out
    assert "Alpha" in everything and "archived" in everything


def test_messages_list_never_prints_deleted_or_replaced_text(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    lunch = send(profile, key, "lunch at noon")
    regret = send(profile, key, "a regrettable remark")
    cli_json(profile, "messages", "edit", key, str(lunch), "dinner at eight")
    cli_json(profile, "messages", "delete", key, str(regret))
    for as_json in (False, True):
        out = cli(profile, "messages", "list", key, as_json=as_json).out
        assert "dinner at eight" in out
        assert "noon" not in out and "regrettable" not in out
    listed = {m["id"]: m for m in cli_json(profile, "messages", "list", key)}
    assert (listed[lunch]["text"], listed[lunch]["edited"]) == ("dinner at eight", True)
    assert (listed[regret]["text"], listed[regret]["deleted"]) == ("", True)
    assert cli_json(profile, "search", "noon") == [] and cli_json(profile, "search", "regrettable") == []


def test_messages_list_limit_counts_listed_messages_not_actions(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    gone = send(profile, key, "soon deleted")
    kept = send(profile, key, "the newest message")
    cli_json(profile, "messages", "edit", key, str(kept), "the newest message, edited")
    cli_json(profile, "messages", "react", key, str(kept), "👍")
    cli_json(profile, "messages", "delete", key, str(gone))  # three actions are now the newest keys
    newest = cli_json(profile, "messages", "list", key, "--limit", "1")
    me = cli_json(profile, "rooms", "list")[0]["member_id"]
    assert [(m["id"], m["text"], m["reactions"]) for m in newest] == [
        (kept, "the newest message, edited", {"👍": [me]})
    ]
    two = cli_json(profile, "messages", "list", key, "--limit", "2")
    assert [(m["id"], m["deleted"]) for m in two] == [(gone, True), (kept, False)]
    assert cli(profile, "messages", "list", key, "--limit", "1").out.strip().endswith("ann: the newest message, edited")
