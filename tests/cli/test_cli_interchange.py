"""``rooms export-state``, ``identity export|import`` and ``import|export riverctl`` through real subprocesses."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river.identity_token import ARMOR_BEGIN, ARMOR_END, IdentityToken
from river_desktop.domain.river.riverctl_json import parse_rooms_json
from river_desktop.domain.river.state import ChatRoomState
from tests.cli.conftest import DB_NAME, cli, cli_json, kv_rows, stale_writer
from tests.cli.test_cli_actions import add_members, create_private_room, create_room, give_state, send, state_of

pytestmark = pytest.mark.slow


def listed(profile: Path) -> dict[str, dict[str, object]]:
    return {r["key"]: r for r in cli_json(profile, "rooms", "list")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- rooms export-state ---------------------------------------------------------------------------------


def test_export_state_writes_rivers_bytes(tmp_path: Path) -> None:
    profile = tmp_path / "ann"
    key = create_room(profile)
    send(profile, key, "one")
    send(profile, key, "two")
    out = tmp_path / "state.cbor"
    run = cli(profile, "rooms", "export-state", key, "--out", str(out))
    assert run.rc == 0, run.describe()
    data = out.read_bytes()
    state = ChatRoomState.decode(data)
    assert state.encode() == data  # canonical: what River's contract re-serializes
    assert str(len(data)) in run.out and hashlib.sha256(data).hexdigest() in run.out
    summary = cli_json(profile, "rooms", "export-state", "Book Club", "--out", str(out))
    assert summary == {
        "room": key,
        "out": str(out),
        "bytes": len(data),
        "members": 0,
        "messages": 2,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert mode(out) == 0o600


def test_export_state_errors(tmp_path: Path) -> None:
    out = tmp_path / "state.cbor"
    nothing = tmp_path / "none"
    assert "no profile" in cli(nothing, "rooms", "export-state", "x", "--out", str(out)).error_line
    assert not nothing.exists()
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code, "--nickname", "bob").rc == 0
    assert "waiting for its data" in cli(bob, "rooms", "export-state", key, "--out", str(out)).error_line
    assert not out.exists()
    assert "no room matches" in cli(ann, "rooms", "export-state", "Nope", "--out", str(out)).error_line
    assert cli(ann, "rooms", "export-state", key).rc == 2  # --out is required


# --- identity -------------------------------------------------------------------------------------------


def test_identity_export_then_import_into_a_second_profile(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    send(ann, key, "hello")
    run = cli(ann, "identity", "export", key)
    assert run.rc == 0, run.describe()
    armored = run.out.rstrip("\n")
    assert armored.startswith(ARMOR_BEGIN + "\n") and armored.endswith(ARMOR_END)
    assert "secret" in run.err and armored not in run.err
    token = IdentityToken.decode(armored)
    me = listed(ann)[key]["member_id"]
    assert token.room_owner.hex() and token.identity.member_id == me and token.is_owner
    assert token.room_name == "Book Club" and token.self_nickname == "ann"
    data = cli_json(ann, "identity", "export", key)
    assert data == {"room": key, "member_id": me, "token": armored}

    laptop = tmp_path / "laptop"
    imported = cli(laptop, "identity", "import", "-", as_json=True, stdin=armored)
    assert imported.rc == 0, imported.describe()
    result = imported.json()
    assert result == {
        "room": key,
        "member_id": me,
        "owner": True,
        "state": "waiting",
        "replaced": False,
        "rejoined": False,
        "identity_generation": 0,
    }
    row = listed(laptop)[key]
    assert row["state"] == "waiting" and row["member_id"] == me
    # once the state arrives, the laptop acts as ann: it exports the same token
    give_state(ann, laptop, key)
    assert cli(laptop, "identity", "export", key).out == run.out


def test_identity_import_over_another_identity_needs_force(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code, "--nickname", "bob").rc == 0
    bob_id = listed(bob)[key]["member_id"]
    token_file = tmp_path / "ann.token"
    token_file.write_text(cli(ann, "identity", "export", key).out)
    before = kv_rows(bob)
    err = cli(bob, "identity", "import", str(token_file)).error_line
    assert "--force" in err and "kept nowhere" in err
    assert kv_rows(bob) == before
    run = cli(bob, "identity", "import", str(token_file), "--force", as_json=True)
    assert run.rc == 0, run.describe()
    assert run.json()["replaced"] is True and run.json()["identity_generation"] == 1
    assert "kept nowhere" in run.err
    assert listed(bob)[key]["member_id"] not in (None, bob_id)


def test_identity_import_beats_a_stale_writer(tmp_path: Path) -> None:
    """River's open #420: a process that loaded the old identity saves after the import; the import stays."""
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code, "--nickname", "bob").rc == 0
    bob_token = tmp_path / "bob.token"
    bob_token.write_text(cli(bob, "identity", "export", key).out)
    bob_id = listed(bob)[key]["member_id"]
    stale = stale_writer(ann, key)  # loads ann's identity as the room owner
    try:
        assert stale.stdout is not None and stale.stdin is not None
        assert stale.stdout.readline().strip() == "LOADED"
        run = cli(ann, "identity", "import", str(bob_token), "--force")
        assert run.rc == 0, run.describe()
        stale.stdin.write("go\n")
        stale.stdin.flush()
        outcome = stale.stdout.readline()
        assert outcome.startswith("OUTCOME"), outcome
    finally:
        stale.communicate(timeout=60)
    assert listed(ann)[key]["member_id"] == bob_id


ARMOR = "-----BEGIN RIVER IDENTITY-----\n{}\n-----END RIVER IDENTITY-----"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "empty"),
        (ARMOR.format("0OIl").encode(), "base58"),
        (ARMOR.format("2UzCt").encode(), "not CBOR"),
        (ARMOR.format("kfgV").encode(), "not a map"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_a_bad_token_writes_nothing(tmp_path: Path, raw: bytes, expected: str) -> None:
    profile = tmp_path / "fresh"
    source = tmp_path / "token"
    source.write_bytes(raw)
    for as_json in (False, True):
        run = cli(profile, "identity", "import", str(source), as_json=as_json)
        assert expected in run.error_line, run.describe()
    assert not (profile / DB_NAME).exists()


def test_a_tampered_token_is_refused(tmp_path: Path) -> None:
    """A token whose membership names another key than its signing key: River's KEY_MISMATCH check."""
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code).rc == 0
    good = IdentityToken.decode(cli(bob, "identity", "export", key).out)
    owner = IdentityToken.decode(cli(ann, "identity", "export", key).out)
    forged = IdentityToken(
        good.room_owner, owner.identity, good.authorized_member, good.invite_chain, None, None, None, ()
    )
    fresh = tmp_path / "fresh"
    err = cli(fresh, "identity", "import", "-", stdin=forged.encode()).error_line
    assert "does not belong to its member" in err
    assert not (fresh / DB_NAME).exists()


# --- riverctl -------------------------------------------------------------------------------------------


def test_riverctl_export_then_import_round_trips(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    club = create_room(ann, "Book Club", "ann")
    bees = create_room(ann, "Beekeeping", "annie")
    send(ann, club, "hello club")
    send(ann, bees, "hello bees")
    out = tmp_path / "rooms.json"
    run = cli(ann, "export", "riverctl", str(out))
    assert run.rc == 0, run.describe()
    assert "0600" in run.err and mode(out) == 0o600
    parsed = parse_rooms_json(out.read_text())
    assert {r.room_key for r in parsed.rooms} == {club, bees} and not parsed.problems
    assert set(json.loads(out.read_text())["rooms"][club]) == {
        "signing_key_bytes",
        "state",
        "contract_key",
        "self_authorized_member",
        "invite_chain",
        "previous_contract_key",
        "invitation_secrets",
        "self_nickname",
    }
    fresh = tmp_path / "fresh"
    data = cli_json(fresh, "import", "riverctl", str(out))
    assert sorted(r["room"] for r in data["imported"]) == sorted([club, bees])
    assert {r["state"] for r in data["imported"]} == {"added"} and data["problems"] == []
    before, after = listed(ann), listed(fresh)
    for key in (club, bees):
        for field in ("name", "nickname", "member_id", "state", "owner"):
            assert after[key][field] == before[key][field], field
        # keys, membership, nickname and secrets: the identity token is the same, byte for byte
        assert cli(fresh, "identity", "export", key).out == cli(ann, "identity", "export", key).out
        assert state_of(fresh, key, tmp_path).encode() == state_of(ann, key, tmp_path).encode()
    # importing again merges; the same file exported from the fresh profile is the same rooms
    again = cli_json(fresh, "import", "riverctl", str(out))
    assert {r["state"] for r in again["imported"]} == {"merged"}
    assert "exists" in cli(fresh, "export", "riverctl", str(out)).error_line
    assert cli(fresh, "export", "riverctl", str(out), "--force").rc == 0
    assert parse_rooms_json(out.read_text()) == parsed


def test_riverctl_import_of_a_member_room(tmp_path: Path) -> None:
    """A room where you are an invited member: the membership and invite chain travel with the key."""
    ann = tmp_path / "ann"
    key = create_room(ann)
    guests = add_members(ann, key, ["alice", "bob"], {"bob": "bob here"})  # bob was invited by alice
    bob = tmp_path / "bob"
    assert cli(bob, "identity", "import", "-", stdin=guests["bob"].token).rc == 0
    give_state(ann, bob, key)
    out = tmp_path / "rooms.json"
    assert cli(bob, "export", "riverctl", str(out)).rc == 0
    (stored,) = parse_rooms_json(out.read_text()).rooms
    assert len(stored.invite_chain) == 1 and stored.self_nickname == "bob"
    fresh = tmp_path / "fresh"
    assert cli_json(fresh, "import", "riverctl", str(out))["imported"][0]["state"] == "added"
    token = cli(fresh, "identity", "export", key).out
    assert token == cli(bob, "identity", "export", key).out
    decoded = IdentityToken.decode(token)
    assert decoded.identity.member_id == guests["bob"].identity.member_id
    assert [m.member.id for m in decoded.invite_chain] == [guests["alice"].identity.member_id]
    assert decoded.member_info is not None


def test_a_bad_riverctl_file_writes_nothing(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    cases = {
        "not json": ("{rooms", "not valid JSON"),
        "no rooms": ('{"room": {}}', '"rooms" object'),
        "empty": ('{"rooms": {}}', "holds no rooms"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(content)
        assert expected in cli(fresh, "import", "riverctl", str(path)).error_line, name
    assert "No such file" in cli(fresh, "import", "riverctl", str(tmp_path / "missing.json")).error_line
    assert not (fresh / DB_NAME).exists()


def test_a_bad_room_inside_a_good_file_is_reported(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    good = create_room(ann, "Good")
    bad = create_room(ann, "Bad")
    worse = create_room(ann, "Worse")
    out = tmp_path / "rooms.json"
    assert cli(ann, "export", "riverctl", str(out)).rc == 0
    doc = json.loads(out.read_text())
    doc["rooms"][bad]["signing_key_bytes"] = [1, 2, 3]
    doc["rooms"][worse]["state"]["configuration"]["signature"] = [0] * 64
    doc["rooms"]["not-a-key"] = {}
    out.write_text(json.dumps(doc))
    fresh = tmp_path / "fresh"
    run = cli(fresh, "import", "riverctl", str(out), as_json=True)
    assert run.rc == 0, run.describe()
    data = run.json()
    assert [r["room"] for r in data["imported"]] == [good]
    problems = {p["room"]: p["problem"] for p in data["problems"]}
    assert set(problems) == {bad, worse, "<unreadable room key>"} or set(problems) == {bad, worse, "not-a-key"}
    assert "signing_key_bytes" in problems[bad]
    assert "refuse" in problems[worse] or "signature" in problems[worse]
    assert run.err.count("warning: room") == 3
    secret = bytes(json.loads((tmp_path / "rooms.json").read_text())["rooms"][good]["signing_key_bytes"])
    assert secret.hex() not in run.err and secret.hex() not in run.out
    assert set(listed(fresh)) == {good}
    # nothing of the file importable: an error, nothing written
    only_bad = tmp_path / "bad.json"
    only_bad.write_text(json.dumps({"rooms": {bad: doc["rooms"][bad]}}))
    other = tmp_path / "other"
    assert "could be imported" in cli(other, "import", "riverctl", str(only_bad)).error_line
    assert not (other / DB_NAME).exists()


def test_riverctl_import_refuses_a_room_held_with_another_identity(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code).rc == 0
    out = tmp_path / "rooms.json"
    assert cli(ann, "export", "riverctl", str(out)).rc == 0
    run = cli(bob, "import", "riverctl", str(out))
    assert "another identity" in run.error_line
    assert member_id_display(listed(bob)[key]["member_id"])  # bob kept his identity


def test_identity_import_of_a_left_room_is_a_rejoin(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    token = cli(ann, "identity", "export", key).out
    assert cli(ann, "rooms", "leave", key).rc == 0
    run = cli(ann, "identity", "import", "-", stdin=token)
    assert run.rc == 0, run.describe()
    assert run.out.startswith(f"rejoined {key} as member ")
    row = listed(ann)[key]
    assert row["state"] == "waiting" and row["owner"] is True
    again = cli(ann, "identity", "import", "-", as_json=True, stdin=token).json()
    assert again["rejoined"] is False and again["replaced"] is False and again["identity_generation"] == 1


def test_text_output_of_import_and_export(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann, "Book Club")
    out = tmp_path / "rooms.json"
    data = cli_json(ann, "export", "riverctl", str(out))
    assert data == {"file": str(out), "rooms": [key], "skipped": []}
    fresh = tmp_path / "fresh"
    run = cli(fresh, "import", "riverctl", str(out))
    assert run.rc == 0, run.describe()
    assert run.out.splitlines() == [f"added: Book Club ({key})", f"imported 1 room(s) from {out}"]
    token = tmp_path / "token"
    token.write_text(cli(ann, "identity", "export", key).out)
    other = tmp_path / "other"
    run = cli(other, "identity", "import", str(token))
    assert run.rc == 0 and run.out.strip().endswith("(waiting for the room's data)"), run.describe()


def test_export_riverctl_leaves_out_rooms_still_waiting(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = create_room(ann)
    code = cli(ann, "invite", "create", key).out.strip()
    bob = tmp_path / "bob"
    assert cli(bob, "invite", "accept", code).rc == 0
    out = tmp_path / "rooms.json"
    assert "no room riverctl could open" in cli(bob, "export", "riverctl", str(out)).error_line
    assert not out.exists()
    mine = create_room(bob, "Bob's own")
    run = cli(bob, "export", "riverctl", str(out), as_json=True)
    data = run.json()
    assert data["rooms"] == [mine] and [s["room"] for s in data["skipped"]] == [key]
    assert f"room {key} was left out" in run.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("identity", "export", "Nope"), "no profile"),
        (("export", "riverctl", "{tmp}/out.json"), "no profile"),
        (("rooms", "export-state", "Nope", "--out", "{tmp}/s"), "no profile"),
        (("identity", "import", "{tmp}/missing.token"), "No such file"),
        (("identity", "import", "{tmp}"), "is a folder"),
    ],
)
def test_errors_without_a_profile_create_nothing(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    profile = tmp_path / "none"
    for as_json in (False, True):
        run = cli(profile, *(a.format(tmp=tmp_path) for a in args), as_json=as_json)
        assert expected in run.error_line, run.describe()
        assert run.out == ""
    assert not profile.exists()
    assert not (tmp_path / "out.json").exists()


def test_identity_errors_on_a_profile(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    create_room(ann)
    assert "no room matches" in cli(ann, "identity", "export", "Nope").error_line
    assert "no room matches" in cli(ann, "identity", "export", "Nope", as_json=True).error_line


def test_a_private_room_travels_with_its_secret(tmp_path: Path) -> None:
    """The room secret rides in riverctl's invitation_secrets and in the token: the new profile reads the room."""
    ann = tmp_path / "ann"
    key = create_private_room(ann, "Secret Club", "ann")
    mid = send(ann, key, "sealed hello")
    assert cli(ann, "messages", "react", key, str(mid), "🔒").rc == 0
    out = tmp_path / "rooms.json"
    assert cli(ann, "export", "riverctl", str(out)).rc == 0
    (stored,) = parse_rooms_json(out.read_text()).rooms
    assert [v for v, _ in stored.invitation_secrets] == [0]
    assert b"Secret Club" not in out.read_bytes() and "Secret Club" not in out.read_text()
    fresh = tmp_path / "fresh"
    assert cli_json(fresh, "import", "riverctl", str(out))["imported"] == [
        {"room": key, "name": "Secret Club", "state": "added"}
    ]
    assert cli(fresh, "identity", "export", key).out == cli(ann, "identity", "export", key).out
    assert [m["text"] for m in cli_json(fresh, "messages", "list", key)] == ["sealed hello"]
    assert cli_json(fresh, "members", "list", key)[0]["nickname"] == "ann"
    laptop = tmp_path / "laptop"
    assert cli(laptop, "identity", "import", "-", stdin=cli(ann, "identity", "export", key).out).rc == 0
    give_state(ann, laptop, key)
    assert [m["text"] for m in cli_json(laptop, "messages", "list", key)] == ["sealed hello"]
