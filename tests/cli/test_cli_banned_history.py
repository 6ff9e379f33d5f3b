"""After ``members ban``, ``messages list`` (text and --json) and ``search`` no longer show the banned member's
messages, as River no longer does; the history keys stay in the store."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import cli, cli_json, kv_rows
from tests.cli.test_cli_actions import add_members, create_room, send


def hist_keys(profile: Path) -> set[str]:
    return {k for k in kv_rows(profile) if k.startswith("hist:")}


def test_a_banned_members_messages_leave_the_list_and_search(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    guests = add_members(profile, key, ["alice", "bob"], {"alice": "alice likes mango", "bob": "bob likes mango"})
    send(profile, key, "ann likes mango")
    bob = guests["bob"].identity.member_id
    before = cli_json(profile, "messages", "list", key)
    assert bob in {m["author_member_id"] for m in before}  # bob's join event and text
    assert "bob likes mango" in cli(profile, "messages", "list", key).out
    assert sorted(h["text"] for h in cli_json(profile, "search", "mango")) == [
        "alice likes mango",
        "ann likes mango",
        "bob likes mango",
    ]
    stored = hist_keys(profile)

    assert cli(profile, "members", "ban", key, "bob").rc == 0

    after = cli_json(profile, "messages", "list", key)
    assert bob not in {m["author_member_id"] for m in after}
    assert [m["id"] for m in after] == [m["id"] for m in before if m["author_member_id"] != bob]
    text = cli(profile, "messages", "list", key)
    assert text.rc == 0 and "bob likes mango" not in text.out and "alice likes mango" in text.out
    assert sorted(h["text"] for h in cli_json(profile, "search", "mango")) == ["alice likes mango", "ann likes mango"]
    # bob's is the newest hit: one is asked for, the next shown one comes back
    assert cli_json(profile, "search", "mango", "--room", key, "--limit", "1")[0]["text"] == "alice likes mango"
    assert hist_keys(profile) >= stored  # nothing was deleted


def test_the_limit_counts_only_shown_messages(tmp_path: Path) -> None:
    """``--limit N`` lists N shown messages: a banned member's messages do not use up the page."""
    profile = tmp_path / "ann"
    key = create_room(profile)
    add_members(profile, key, ["bob"], {"bob": "bob's last word"})
    for n in range(3):
        send(profile, key, f"ann {n}")
    assert cli(profile, "members", "ban", key, "bob").rc == 0
    send(profile, key, "ann after the ban")
    listed = cli_json(profile, "messages", "list", key, "--limit", "4")
    assert [m["text"] for m in listed] == ["ann 0", "ann 1", "ann 2", "ann after the ban"]
