"""The windows' network wording as decisions: which phase is shown, with which reason, for the bar and a room."""

from __future__ import annotations

import pytest

from river_desktop.net.status_view import Waiting, overall_line, room_line, waiting_for
from river_desktop.net.sync_status import Phase, SyncStatus

ADDR = "ws://127.0.0.1:7509/v1/contract/command?encodingProtocol=native"
DOWN = "no Freenet node is reachable at ws://127.0.0.1:7509: connection refused; retrying in 0.4 s"

L, C, CD, S, F = Phase.LOCAL_ONLY, Phase.CONNECTING, Phase.CONNECTED, Phase.SYNCED, Phase.FAILED


@pytest.mark.parametrize(
    ("enabled", "status", "text", "in_detail"),
    [
        (False, None, "Local only", "Preferences"),
        (False, SyncStatus(S), "Local only", "nothing you write is sent"),  # off wins over a stale engine
        (True, None, "Connecting", ADDR),  # turned on, engine not started yet
        (True, SyncStatus(L), "Connecting", ADDR),
        (True, SyncStatus(C), "Connecting", ADDR),
        (True, SyncStatus(C, "the node closed the connection"), "Connecting", "the node closed the connection"),
        (True, SyncStatus(CD), "Connected", "being brought in step"),
        (True, SyncStatus(CD, "another process on this profile is sending"), "Connected", "Another process"),
        (True, SyncStatus(S), "Synced", "Every room is in step"),
        (True, SyncStatus(F, DOWN), f"Failed: {DOWN}", DOWN),
        (True, SyncStatus(F), "Failed", "no reason given"),
    ],
)
def test_the_status_bar_line(enabled: bool, status: SyncStatus | None, text: str, in_detail: str) -> None:
    line = overall_line(enabled, status, ADDR)
    assert line.text == text
    assert line.accessible == f"Network: {text}"
    assert in_detail in line.detail


@pytest.mark.parametrize(
    ("enabled", "overall", "room", "text"),
    [
        (False, None, None, None),  # sync off: a room with data says nothing, the bar says Local only
        (True, SyncStatus(C), None, "Connecting"),
        (True, SyncStatus(F, DOWN), SyncStatus(S), f"Failed: {DOWN}"),  # the connection's failure is every room's
        (True, SyncStatus(CD), None, "Connecting"),  # the engine has not reached this room yet
        (True, SyncStatus(CD), SyncStatus(L), "Connecting"),
        (True, SyncStatus(CD), SyncStatus(CD), "Connected"),
        (True, SyncStatus(S), SyncStatus(S), "Synced"),
        (True, SyncStatus(CD), SyncStatus(F, "the node refused a change"), "Failed: the node refused a change"),
    ],
)
def test_a_rooms_line(enabled: bool, overall: SyncStatus | None, room: SyncStatus | None, text: str | None) -> None:
    line = room_line(enabled, overall, room, waiting=False)
    if text is None:
        assert line is None
        return
    assert line is not None and line.waiting is None and line.empty_text == ""
    assert line.line.text == text
    assert line.line.accessible == f"Room network status: {text}"


NOT_THERE = "waiting for the room's data: the node does not have this room"


@pytest.mark.parametrize(
    ("enabled", "overall", "room", "waits", "starts", "phase"),
    [
        (False, None, None, Waiting.NETWORK, "Waiting for the network: network sync is off", L),
        (True, None, None, Waiting.CONNECTION, "Waiting for a connection: connecting to the Freenet node", C),
        (True, SyncStatus(C), None, Waiting.CONNECTION, "Waiting for a connection: connecting", C),
        (True, SyncStatus(F, DOWN), None, Waiting.CONNECTION, f"Waiting for a connection: {DOWN}", F),
        (True, SyncStatus(CD), None, Waiting.NETWORK, "Waiting for the network: the node has not got this room", CD),
        (True, SyncStatus(CD), SyncStatus(CD, NOT_THERE), Waiting.NETWORK, f"Waiting for the network: {NOT_THERE}", CD),
        (True, SyncStatus(S), SyncStatus(F, "boom"), Waiting.NETWORK, "Waiting for the network: boom", F),
    ],
)
def test_a_room_joined_by_invitation_says_what_it_waits_for(
    enabled: bool, overall: SyncStatus | None, room: SyncStatus | None, waits: Waiting, starts: str, phase: Phase
) -> None:
    assert waiting_for(enabled, overall) is waits
    line = room_line(enabled, overall, room, waiting=True)
    assert line is not None and line.waiting is waits
    assert line.line.text.startswith(starts)
    assert line.line.phase is phase
    assert line.empty_text.startswith("Waiting for room data.")
    assert ("Preferences" in line.empty_text) is (not enabled)
