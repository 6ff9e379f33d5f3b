"""``rooms create --private``: River's private mode, whose name and messages River's bytes carry sealed,
and which the owner still reads."""

from __future__ import annotations

from pathlib import Path

from river_desktop.domain.river.configuration import PrivacyMode
from river_desktop.domain.river.state import ChatRoomState
from tests.cli.conftest import cli, cli_json


def exported(profile: Path, key: str, out: Path) -> ChatRoomState:
    run = cli(profile, "rooms", "export-state", key, "--out", str(out))
    assert run.rc == 0, run.describe()
    return ChatRoomState.decode(out.read_bytes())


def test_rooms_create_private_makes_a_sealed_room_its_owner_reads(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = cli_json(ann, "rooms", "create", "Secret club", "--nickname", "ann", "--private")["key"]
    sent = cli(ann, "messages", "send", key, "page 42")
    assert sent.rc == 0, sent.describe()
    state = exported(ann, key, tmp_path / "state.cbor")
    assert state.config.privacy_mode is PrivacyMode.PRIVATE
    assert b"page 42" not in state.encode()
    assert b"Secret club" not in state.encode()  # the name is sealed too
    texts = [m["text"] for m in cli_json(ann, "messages", "list", key)]
    assert "page 42" in texts


def test_rooms_create_without_private_stays_public(tmp_path: Path) -> None:
    ann = tmp_path / "ann"
    key = cli_json(ann, "rooms", "create", "Lobby", "--nickname", "ann")["key"]
    state = exported(ann, key, tmp_path / "state.cbor")
    assert state.config.privacy_mode is PrivacyMode.PUBLIC
