"""``river-desktop-cli`` end to end: every command through real subprocesses on temporary profiles."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import (
    DB_NAME,
    cli,
    cli_json,
    cli_parallel,
    kv_rows,
    overwrite_value,
    spawn,
    stale_writer,
)

pytestmark = pytest.mark.slow

ROOM_FIELDS = {"key", "name", "nickname", "member_id", "notifications", "unread", "state"}
MESSAGE_FIELDS = {
    "id",
    "author_member_id",
    "author",
    "timestamp",
    "text",
    "content_type",
    "reply_to",
    "reactions",
    "edited",
    "deleted",
}


def listed(profile: Path, *extra: str) -> dict[str, dict[str, object]]:
    return {room["key"]: room for room in cli_json(profile, "rooms", "list", *extra)}


def create(profile: Path, name: str, nickname: str = "") -> str:
    args = ["rooms", "create", name] + (["--nickname", nickname] if nickname else [])
    key = cli_json(profile, *args)["key"]
    assert isinstance(key, str)
    return key


# --- process hygiene and usage ------------------------------------------------------------------


def test_the_cli_never_imports_qt(tmp_path: Path) -> None:
    proc = spawn(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "river_desktop.cli",
            "--profile",
            str(tmp_path / "p"),
            "rooms",
            "create",
            "No Qt here",
        ]
    )
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    imported = {line.split("|")[-1].strip().split(".")[0] for line in err.splitlines() if "|" in line}
    assert "river_desktop" in imported
    assert not imported & {"PySide6", "shiboken6", "qasync"}


def test_help_and_usage_errors_exit_2(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    runs = cli_parallel(
        [
            (profile, ["--help"], False),
            (profile, [], False),
            (profile, ["rooms"], False),
            (profile, ["rooms", "notify", "x", "loud"], False),
            (profile, ["rooms", "move", "x"], False),
            (profile, ["rooms", "move", "x", "--before", "y", "--to-end"], False),
            (profile, ["messages", "list", "x", "--limit", "0"], False),
            (profile, ["demo", "populate", "--rooms", "-1", "--messages-per-room", "2"], False),
            (profile, ["frobnicate"], False),
        ]
    )
    assert runs[0].rc == 0 and "rooms" in runs[0].out
    for run in runs[1:]:
        assert run.rc == 2, run.describe()
        assert "usage:" in run.err and "Traceback" not in run.err
    assert not profile.exists()


# --- rooms --------------------------------------------------------------------------------------


def test_rooms_commands_with_and_without_json(tmp_path: Path) -> None:
    p = tmp_path / "p"
    empty_h, empty_j = cli_parallel([(p, ["rooms", "list"], False), (p, ["rooms", "list"], True)])
    assert empty_h.out.strip() == "no rooms" and empty_j.json() == []
    assert not p.exists(), "listing must not create a profile"

    created = cli(p, "rooms", "create", "Alpha Club", "--nickname", "ann")
    assert created.rc == 0 and created.err == ""
    alpha = created.out.strip()
    beta = create(p, "Beta Lounge")
    gamma_obj = cli_json(p, "rooms", "create", "Gamma", "--nickname", "gus")
    gamma = gamma_obj["key"]
    assert set(gamma_obj) >= {"key"} and gamma_obj["name"] == "Gamma" and gamma_obj["nickname"] == "gus"

    rooms = cli_json(p, "rooms", "list")
    assert {r["key"] for r in rooms} == {alpha, beta, gamma}
    for room in rooms:
        assert set(room) >= ROOM_FIELDS
        assert room["state"] == "ok" and room["unread"] == 0 and room["notifications"] == "all"
        assert isinstance(room["member_id"], int)
    by_key = {r["key"]: r for r in rooms}
    assert by_key[alpha]["name"] == "Alpha Club" and by_key[alpha]["nickname"] == "ann"

    # rename by full key, nickname by unique prefix, notify by exact name
    rename_h = cli(p, "rooms", "rename", alpha, "Alpha Society")
    assert rename_h.rc == 0 and "Alpha Society" in rename_h.out
    assert cli_json(p, "rooms", "nickname", beta[:8], "bea") == {"key": beta, "nickname": "bea"}
    assert cli_json(p, "rooms", "notify", "Gamma", "muted") == {"key": gamma, "notifications": "muted"}
    notify_h = cli(p, "rooms", "notify", "Alpha Society", "mentions")
    assert notify_h.rc == 0 and "mentions" in notify_h.out
    nick_h = cli(p, "rooms", "nickname", "Gamma", "gustav")
    assert nick_h.rc == 0 and "gustav" in nick_h.out
    rename_j = cli_json(p, "rooms", "rename", "Gamma", "Gamma Ray")
    assert rename_j == {"key": gamma, "name": "Gamma Ray"}

    # move: gamma before alpha, then alpha to the end
    order = cli_json(p, "rooms", "move", "Gamma Ray", "--before", alpha)["order"]
    assert order.index(gamma) == order.index(alpha) - 1
    move_h = cli(p, "rooms", "move", alpha[:6], "--to-end")
    assert move_h.rc == 0 and move_h.out.strip().splitlines()[-1].startswith("Alpha Society")
    human, rooms = cli_parallel([(p, ["rooms", "list"], False), (p, ["rooms", "list"], True)])
    rooms = rooms.json()
    keys = [r["key"] for r in rooms]
    assert keys[-1] == alpha and keys.index(gamma) < keys.index(alpha)
    by_key = {r["key"]: r for r in rooms}
    assert by_key[alpha]["name"] == "Alpha Society" and by_key[alpha]["notifications"] == "mentions"
    assert by_key[beta]["nickname"] == "bea"
    assert by_key[gamma]["notifications"] == "muted" and by_key[gamma]["nickname"] == "gustav"
    lines = human.out.splitlines()
    assert lines[0].split()[:3] == ["KEY", "NAME", "NICKNAME"]
    assert lines[-1].startswith(alpha) and "Alpha Society" in lines[-1] and "mentions" in lines[-1]

    # leave: gone from the list, present as `left` with --all
    left_h = cli(p, "rooms", "leave", "Beta Lounge")
    assert left_h.rc == 0 and beta in left_h.out
    assert cli_json(p, "rooms", "leave", gamma) == {"key": gamma, "state": "left"}
    assert set(listed(p)) == {alpha}
    everything = listed(p, "--all")
    assert everything[beta]["state"] == "left" and everything[gamma]["state"] == "left"
    assert set(everything[beta]) >= ROOM_FIELDS
    all_h = cli(p, "rooms", "list", "--all")
    assert all_h.rc == 0 and sum("left" in line for line in all_h.out.splitlines()) == 2


def test_room_resolution_errors_list_candidates(tmp_path: Path) -> None:
    p = tmp_path / "p"
    twin1, twin2, solo = create(p, "Twin"), create(p, "Twin"), create(p, "Solo")
    left = create(p, "Gone")
    assert cli(p, "rooms", "leave", left).rc == 0
    runs = cli_parallel(
        [
            (p, ["rooms", "rename", "Twin", "X"], False),
            (p, ["rooms", "rename", "Nowhere", "X"], False),
            (p, ["rooms", "rename", solo[:5], "X"], False),
            (p, ["messages", "send", left, "hello?"], False),
            (p, ["rooms", "move", "Solo", "--before", "Solo"], False),
            (p, ["rooms", "rename", "Solo", "   "], False),
            (p, ["rooms", "nickname", "Solo", " "], False),
            (p, ["messages", "send", "Solo", "  "], True),
            (p, ["rooms", "create", " "], True),
            (p, ["rooms", "notify", "olo", "all"], True),
        ]
    )
    ambiguous, unknown, short, gone, itself, noname, nonick, nomsg, nocreate, near = (r.error_line for r in runs)
    assert "ambiguous" in ambiguous and twin1 in ambiguous and twin2 in ambiguous and solo not in ambiguous
    assert "no room matches 'Nowhere'" in unknown and solo in unknown and twin1 in unknown
    assert "no room matches" in short and "6" in short
    assert "you left room" in gone
    assert "before itself" in itself
    assert "needs a name" in noname and "needs a name" in nocreate
    assert "nickname" in nonick
    assert "message" in nomsg
    assert "candidates" in near and solo in near and twin1 not in near
    assert set(listed(p)) == {twin1, twin2, solo}


def test_profile_errors_are_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    garbage_profile = tmp_path / "garbage"
    garbage_profile.mkdir()
    (garbage_profile / DB_NAME).write_bytes(b"this is not sqlite" * 10)
    runs = cli_parallel(
        [
            (a_file, ["rooms", "create", "X"], False),
            (garbage_profile, ["rooms", "list"], True),
            (tmp_path / "missing", ["store", "check"], False),
            (tmp_path / "missing", ["invite", "create", "abcdef"], False),
            (tmp_path / "missing", ["messages", "list", "abcdef"], False),
        ]
    )
    file_err, garbage_err, check_err, invite_err, msgs_err = (r.error_line for r in runs)
    assert "is a file" in file_err
    assert "not a River Desktop database" in garbage_err
    assert "no profile database" in check_err
    assert "no profile" in invite_err
    assert "no room matches" in msgs_err
    assert (garbage_profile / DB_NAME).read_bytes() == b"this is not sqlite" * 10
    assert not (tmp_path / "missing").exists()


def test_only_the_owner_can_rename(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    key = create(a, "Owned")
    code = cli(a, "invite", "create", key).out.strip()
    assert cli(b, "invite", "accept", code).rc == 0
    assert "only the room owner" in cli(b, "rooms", "rename", key, "Mine now").error_line
    # accepting an invitation to a room you already hold with another identity is refused
    assert "another identity" in cli(a, "invite", "accept", code).error_line


# --- invitations --------------------------------------------------------------------------------


def test_invitation_round_trip_between_two_profiles(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    room = create(a, "Garden Club", "owner")
    made = cli(a, "invite", "create", "Garden Club")
    assert made.rc == 0
    code = made.out.strip()
    assert "secret" in made.err and code not in made.err
    made_json = cli_json(a, "invite", "create", room[:7])
    assert set(made_json) >= {"code"} and made_json["code"] != code

    inspect_h, inspect_j = cli_parallel(
        [(b, ["invite", "inspect", code], False), (b, ["invite", "inspect", code], True)]
    )
    info = inspect_j.json()
    assert info["room"] == room
    assert info["signature_valid"] is True and info["inviter_is_owner"] is True
    assert info["room_secret_versions"] == []
    assert isinstance(info["invitee_member_id"], int) and isinstance(info["inviter_member_id"], int)
    owner_id = {r["key"]: r for r in cli_json(a, "rooms", "list")}[room]["member_id"]
    assert info["inviter_member_id"] == owner_id
    assert room in inspect_h.out and "valid" in inspect_h.out and code not in inspect_h.out + inspect_h.err
    assert not b.exists(), "inspect must not create a profile"

    accepted = cli_json(b, "invite", "accept", code, "--nickname", "bee")
    assert accepted["key"] == room and accepted["rejoined"] is False and accepted["state"] == "waiting"
    mine = listed(b)[room]
    assert mine["state"] == "waiting"
    assert mine["member_id"] == info["invitee_member_id"] == accepted["member_id"]
    assert mine["nickname"] == "bee"

    # B, a member but not the owner, invites C: unknown inviter on a fresh profile, verified on B's.
    relay = cli(b, "invite", "create", room).out.strip()
    fresh, on_b = cli_parallel([(c, ["invite", "inspect", relay], True), (b, ["invite", "inspect", relay], True)])
    assert fresh.json()["signature_valid"] is None and fresh.json()["inviter_is_owner"] is False
    assert fresh.json()["inviter_member_id"] == info["invitee_member_id"]
    assert on_b.json()["signature_valid"] is True
    joined = cli(c, "invite", "accept", relay)
    assert joined.rc == 0 and "joined" in joined.out and code not in joined.out + joined.err
    assert listed(c)[room]["state"] == "waiting"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("this is certainly not an invitation", "never appears in one"),
        ("", "empty"),
        (None, "incomplete"),  # a real code cut short
    ],
)
def test_invite_accept_with_a_bad_code_writes_nothing(tmp_path: Path, code: str | None, expected: str) -> None:
    fresh, existing = tmp_path / "fresh", tmp_path / "existing"
    create(existing, "Keep me")
    if code is None:
        full = cli(existing, "invite", "create", "Keep me").out.strip()
        code = full[: len(full) * 2 // 3]
    before = {p.name: p.read_bytes() for p in existing.iterdir()}
    runs = cli_parallel(
        [
            (fresh, ["invite", "accept", code], False),
            (existing, ["invite", "accept", code, "--nickname", "x"], True),
            (existing, ["invite", "inspect", code], True),
        ]
    )
    for run in runs:
        line = run.error_line
        assert line.startswith("invalid invitation: ") and expected in line
        if code:
            assert code not in line
    assert not fresh.exists()
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == before, "not a byte changed"


def test_leave_then_accept_again_is_an_explicit_rejoin(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    room = create(a, "Comeback")
    first = cli(a, "invite", "create", room).out.strip()
    assert cli(b, "invite", "accept", first).rc == 0
    assert cli(b, "rooms", "leave", room).rc == 0
    assert room not in listed(b) and listed(b, "--all")[room]["state"] == "left"
    second = cli(a, "invite", "create", room).out.strip()
    again = cli_json(b, "invite", "accept", second)
    assert again["rejoined"] is True and again["key"] == room
    back = listed(b)[room]
    assert back["state"] == "waiting" and back["member_id"] == again["member_id"]
    # an old code accepted again also counts as an explicit rejoin
    assert cli(b, "rooms", "leave", room).rc == 0
    human = cli(b, "invite", "accept", first)
    assert human.rc == 0 and "rejoined" in human.out
    assert room in listed(b)


def test_a_leave_survives_a_stale_writer(tmp_path: Path) -> None:
    p = tmp_path / "p"
    room, other = create(p, "Leave me"), create(p, "Stay")
    stale = stale_writer(p, room)
    assert stale.stdout is not None and stale.stdin is not None
    assert stale.stdout.readline().strip() == "LOADED"
    assert cli(p, "rooms", "leave", room).rc == 0
    stale.stdin.write("go\n")
    stale.stdin.flush()
    out, err = stale.communicate(timeout=60)
    assert stale.returncode == 0, err
    assert out.split() == ["OUTCOME", "ADOPTED_LEAVE", "True"]
    rooms, everything = cli_parallel([(p, ["rooms", "list"], True), (p, ["rooms", "list", "--all"], True)])
    assert {r["key"] for r in rooms.json()} == {other}
    assert {r["key"]: r["state"] for r in everything.json()} == {other: "ok", room: "left"}


# --- concurrency --------------------------------------------------------------------------------


def _eight_workers(job: Callable[[int], list[str]]) -> list[str]:
    results: list[list[str]] = [[] for _ in range(8)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = job(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return [item for chunk in results for item in chunk]


def test_eight_processes_creating_ten_rooms_each_lose_nothing(tmp_path: Path) -> None:
    p = tmp_path / "p"
    create(p, "Seed")  # the profile exists before the race starts

    def job(i: int) -> list[str]:
        keys = []
        for j in range(10):
            run = cli(p, "rooms", "create", f"w{i} room {j}")
            assert run.rc == 0, run.describe()
            keys.append(run.out.strip())
        return keys

    made = _eight_workers(job)
    assert len(set(made)) == 80
    rooms = listed(p)
    assert set(made) <= set(rooms) and len(rooms) == 81


def test_eight_processes_sending_ten_messages_each_lose_nothing(tmp_path: Path) -> None:
    p = tmp_path / "p"
    room = create(p, "Busy", "host")

    def job(i: int) -> list[str]:
        ids = []
        for j in range(10):
            run = cli(p, "messages", "send", room[:10], f"message {j} from worker {i}")
            assert run.rc == 0, run.describe()
            ids.append(int(run.out.strip()))
        return ids

    sent = _eight_workers(job)
    msgs = cli_json(p, "messages", "list", room, "--limit", "500")
    assert len(msgs) == 80 and {m["id"] for m in msgs} == set(sent)
    assert {m["text"] for m in msgs} == {f"message {j} from worker {i}" for i in range(8) for j in range(10)}
    assert [m["timestamp"] for m in msgs] == sorted(m["timestamp"] for m in msgs)  # River's (time, id) order
    assert listed(p)[room]["unread"] == 0  # own messages are never unread


# --- messages -----------------------------------------------------------------------------------


def test_messages_send_and_list(tmp_path: Path) -> None:
    p = tmp_path / "p"
    room = create(p, "Chat", "me")
    sent = cli_json(p, "messages", "send", "Chat", "first\x1b[31m line")
    assert set(sent) >= {"id", "timestamp"} and sent["room"] == room
    plain = cli(p, "messages", "send", room, "second")
    assert plain.rc == 0 and isinstance(int(plain.out.strip()), int)  # River's MessageId, an i64
    h, j, limited = cli_parallel(
        [
            (p, ["messages", "list", "Chat"], False),
            (p, ["messages", "list", "Chat"], True),
            (p, ["messages", "list", "Chat", "--limit", "1"], True),
        ]
    )
    msgs = j.json()
    assert [m["text"] for m in msgs] == ["first\x1b[31m line", "second"]
    for m in msgs:
        assert set(m) >= MESSAGE_FIELDS
        assert m["author"] == "me" and m["author_member_id"] == listed(p)[room]["member_id"]
    assert msgs[0]["id"] == sent["id"] and msgs[1]["id"] == int(plain.out)
    assert all(m["content_type"] == 1 and m["reply_to"] is None and m["reactions"] == {} for m in msgs)
    assert not any(m["edited"] or m["deleted"] for m in msgs)
    assert [m["text"] for m in limited.json()] == ["second"]
    lines = h.out.splitlines()
    assert len(lines) == 2 and "me: first" in lines[0] and "\x1b" not in h.out
    empty = create(p, "Quiet")
    assert cli(p, "messages", "list", empty).out.strip() == "no messages"


def test_demo_populate_and_unread_marking(tmp_path: Path) -> None:
    p, q = tmp_path / "p", tmp_path / "q"
    human, same = cli_parallel(
        [
            (p, ["demo", "populate", "--rooms", "6", "--messages-per-room", "12", "--seed", "7"], False),
            (q, ["demo", "populate", "--rooms", "6", "--messages-per-room", "12", "--seed", "7"], True),
        ]
    )
    assert human.rc == 0 and "6 rooms" in human.out
    stats = same.json()
    assert stats["rooms"] == 6 and stats["messages"] == 72 and stats["members"] >= 6 * 4
    rooms, rooms_q = cli_parallel([(p, ["rooms", "list"], True), (q, ["rooms", "list"], True)])
    rooms = rooms.json()
    assert [r["key"] for r in rooms] == [r["key"] for r in rooms_q.json()], "a seed reproduces the keys"
    assert len(rooms) == 6 and len({r["name"] for r in rooms}) == 6
    assert all(r["state"] == "ok" and r["name"] and r["nickname"] for r in rooms)
    unread = [r for r in rooms if r["unread"] > 0]
    assert unread, "a seeded demo has some unread messages"
    target = unread[0]["key"]
    msgs = cli_json(p, "messages", "list", target)
    assert len(msgs) == 12 and len({m["author_member_id"] for m in msgs}) >= 2
    assert all(m["author"] for m in msgs)
    assert [m["timestamp"] for m in msgs] == sorted(m["timestamp"] for m in msgs)
    assert len({m["timestamp"] for m in msgs}) == 12
    assert cli(p, "messages", "list", target, "--mark-read", "--limit", "3").rc == 0
    assert listed(p)[target]["unread"] == 0
    check = cli_json(p, "store", "check")
    assert check["ok"] is True and check["checked"]["messages"] == 72


# --- store --------------------------------------------------------------------------------------


def test_store_keys(tmp_path: Path) -> None:
    p = tmp_path / "p"
    assert cli_json(p, "store", "keys") == [] and not p.exists()
    room = create(p, "Keys")
    cli(p, "messages", "send", room, "hello")
    cli(p, "rooms", "notify", room, "muted")
    h, j = cli_parallel([(p, ["store", "keys"], False), (p, ["store", "keys"], True)])
    entries = {e["key"]: e for e in j.json()}
    assert {"key", "generation", "size"} <= set(entries[f"room:{room}"])
    assert entries[f"room:{room}"]["generation"] >= 2
    assert "rooms_meta" in entries
    msg_keys = [k for k in entries if k.startswith(f"hist:{room}:")]
    assert len(msg_keys) == 1 and entries[msg_keys[0]]["generation"] == 1
    assert len([k for k in entries if k.startswith(f"outbox:{room}:")]) == 1
    assert all(isinstance(e["size"], int) and e["size"] > 0 for e in entries.values())
    assert len(h.out.splitlines()) == len(entries) and f"room:{room}" in h.out


def test_store_check_reports_a_corrupted_slot_and_nothing_overwrites_it(tmp_path: Path) -> None:
    p = tmp_path / "p"
    victim, healthy = create(p, "Victim"), create(p, "Healthy")
    cli(p, "messages", "send", healthy, "still here")
    ok_h, ok_j = cli_parallel([(p, ["store", "check"], False), (p, ["store", "check"], True)])
    assert ok_h.rc == 0 and ok_h.out.startswith("ok") and ok_j.json()["ok"] is True

    garbage = b"\x01" + (5).to_bytes(8, "little") + b"\xff\x00garbage, not a room slot"
    overwrite_value(p, f"room:{victim}", garbage)
    before = kv_rows(p)
    bad_h, bad_j = cli_parallel([(p, ["store", "check"], False), (p, ["store", "check"], True)])
    assert bad_h.rc == 1 and bad_j.rc == 1
    report = json.loads(bad_j.out)
    assert report["ok"] is False
    assert [prob["key"] for prob in report["problems"]] == [f"room:{victim}"]
    assert f"room:{victim}" in bad_h.out and "undecodable" in bad_h.out
    assert bad_h.err.strip() == "river-desktop-cli: error: store check found 1 problem(s)"
    assert kv_rows(p) == before, "store check must not write"

    listing = cli(p, "rooms", "list", as_json=True)
    assert listing.rc == 0
    assert [r["key"] for r in listing.json()] == [healthy]
    assert f"room:{victim}" in listing.err and "warning" in listing.err
    # a save by this profile (another room, then preferences) never touches the corrupted slot
    assert cli(p, "messages", "send", healthy, "and again").rc == 0
    assert cli(p, "rooms", "notify", healthy, "muted").rc == 0
    assert kv_rows(p)[f"room:{victim}"] == garbage
    with sqlite3.connect(p / DB_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
