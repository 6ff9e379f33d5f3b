"""``river-desktop-cli search`` through real subprocesses: what it finds, its --json schema and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import cli, cli_json
from tests.cli.test_cli_actions import create_private_room, create_room, send

pytestmark = pytest.mark.slow


def test_search_one_room_and_all_rooms_as_they_read_now(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    club, garden = create_room(profile, "Book Club"), create_room(profile, "Garden")
    first = send(profile, club, "Dune is long")
    send(profile, garden, "Dune grass grows here")
    gone = send(profile, club, "Dune spoilers inside")
    assert cli(profile, "messages", "edit", club, str(first), "Dune is wonderful").rc == 0
    assert cli(profile, "messages", "delete", club, str(gone)).rc == 0

    everywhere = cli_json(profile, "search", "dune")
    assert [(h["room_name"], h["text"]) for h in everywhere] == [
        ("Garden", "Dune grass grows here"),
        ("Book Club", "Dune is wonderful"),
    ]
    hit = everywhere[1]
    assert set(hit) == {"room", "room_name", "id", "author", "author_member_id", "time", "text"}
    assert (hit["room"], hit["id"], hit["author"]) == (club, first, "ann")
    assert isinstance(hit["time"], int) and hit["time"] > 0
    assert cli_json(profile, "search", "long") == []
    assert cli_json(profile, "search", "spoilers") == []
    only = cli_json(profile, "search", "dune", "--room", "Garden", "--limit", "5")
    assert [h["text"] for h in only] == ["Dune grass grows here"]
    assert len(cli_json(profile, "search", "dune", "--limit", "1")) == 1

    text = cli(profile, "search", "wonderful")
    assert text.rc == 0 and "Book Club" in text.out and "ann: Dune is wonderful" in text.out
    assert cli(profile, "search", "nothing-like-this").out.strip() == "no messages found"


def test_private_rooms_are_searched_with_their_secret(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_private_room(profile)
    send(profile, key, "the password is swordfish")
    assert [h["text"] for h in cli_json(profile, "search", "swordfish")] == ["the password is swordfish"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("search", "x", "--room", "No Such Room"), "no room"),
        (("search", "x", "--limit", "0"), None),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], expected: str | None) -> None:
    profile = tmp_path / "ann"
    create_room(profile)
    run = cli(profile, *args)
    if expected is None:
        assert run.rc == 2 and "Traceback" not in run.err
    else:
        assert expected in run.error_line.lower()


def test_punctuation_and_query_syntax_are_just_text(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    send(profile, key, 'NEAR the "end" OR not')
    for typed in ["?!", '"', "*", "(", "-"]:
        assert cli_json(profile, "search", typed) == [], typed
    assert len(cli_json(profile, "search", 'NEAR("end"')) == 1
    assert len(cli_json(profile, "search", "OR")) == 1


def test_a_missing_profile_finds_nothing_and_creates_nothing(tmp_path: Path) -> None:
    profile = tmp_path / "nobody"
    assert cli_json(profile, "search", "hello") == []
    assert not profile.exists()


def test_mentions_read_as_at_name_in_rooms_kept_and_left(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    club, garden = create_room(profile, "Book Club"), create_room(profile, "Garden")
    send(profile, club, "ask @[Bob](rv:ZZZZZZZZ) about dune")
    send(profile, garden, "dune seeds for @[Cy](rv:YYYYYYYY)")
    assert cli(profile, "rooms", "leave", garden).rc == 0
    texts = {h["room"]: h["text"] for h in cli_json(profile, "search", "dune")}
    assert texts == {club: "ask @Bob about dune", garden: "dune seeds for @Cy"}
    out = cli(profile, "search", "dune").out
    assert "rv:" not in out and "@Cy" in out and "@Bob" in out
