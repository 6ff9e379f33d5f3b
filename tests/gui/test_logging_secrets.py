"""The logs of a scripted session hold no secret (issue 6).

Two sessions, each through the real code paths with logging at DEBUG:

- the desktop app: ``configure_logging`` (the rotating file in the platformdirs log directory, which the
  test configuration points into a temporary ``XDG_STATE_HOME``) and two ``RiverDesktop`` instances on
  two profiles, driven through their windows, dialogs and composers: create a room, create an invitation,
  accept it in the other profile, post; then the same with a private room whose invitation carries a
  room secret, re-invited by a member who is not the owner;
- ``river-desktop-cli``: the same story once in-process (the CLI's code with the root logger at DEBUG,
  into a file) and once as real ``river-desktop-cli -v`` processes (their stderr is their log).

Every log produced is then searched for every signing key seed (hex, base58, base64, Python bytes and list
forms, and any 20 characters of the text forms), every room secret, and every invitation code (any 20
characters of it). Each log must also contain lines that show the session really ran, so an empty log
cannot pass. ``test_the_search_finds_each_form`` proves the search itself catches each form.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import logging.handlers
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from river_desktop import cli
from river_desktop.__main__ import LOG_FILENAME, configure_logging
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.rooms import Rooms
from river_desktop.storage.controller import StorageController
from river_desktop.storage.profile import default_log_dir
from river_desktop.storage.slots import b58, parse_b58_room, room_key
from river_desktop.ui.main_window import MainWindow
from tests.gui.conftest import (
    DesktopFactory,
    accept_via_dialog,
    child,
    create_room_via_dialog,
    open_window,
    run,
    wait_saved,
)

REPO = Path(__file__).resolve().parents[2]
WINDOW = 20  # a leak of this many characters of a secret's text form counts


# ---------------------------------------------------------------------------- the search


@dataclass
class Secrets:
    """Everything a session must never log, with the name it is reported under."""

    needles: list[tuple[str, str, bool]] = field(default_factory=list)  # (label, text, windowed)

    def key(self, label: str, raw: bytes) -> None:
        """A signing key seed or room secret: every textual form a careless log line could give it."""
        b64 = base64.b64encode(raw).decode("ascii")
        b64url = base64.urlsafe_b64encode(raw).decode("ascii")
        for form, text in (
            ("hex", raw.hex()),
            ("HEX", raw.hex().upper()),
            ("base58", b58(raw)),
            ("base64", b64),
            ("base64", b64.rstrip("=")),
            ("base64url", b64url.rstrip("=")),
        ):
            self.needles.append((f"{label} ({form})", text, True))
        self.needles.append((f"{label} (bytes repr)", repr(raw)[2:-1], False))
        self.needles.append((f"{label} (list of ints)", str(list(raw)), False))
        self.needles.append((f"{label} (ints)", ", ".join(map(str, raw)), False))

    def code(self, label: str, code: str) -> None:
        self.needles.append((label, code, True))

    def found_in(self, text: str) -> list[str]:
        """The labels of the secrets that occur in ``text`` (any WINDOW characters of a windowed one)."""
        windows = {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}
        found = []
        for label, needle, windowed in self.needles:
            if windowed and len(needle) >= WINDOW:
                hit = any(needle[i : i + WINDOW] in windows for i in range(len(needle) - WINDOW + 1))
            else:
                hit = needle in text
            if hit:
                found.append(label)
        return found


def assert_clean(secrets: Secrets, name: str, text: str, expected: list[str]) -> None:
    assert secrets.needles, "no secrets collected: the session did not run"
    missing = [line for line in expected if line not in text]
    assert not missing, f"{name} lacks {missing}: the session was not logged ({len(text)} characters)"
    leaked = secrets.found_in(text)
    assert not leaked, f"{name} contains secrets: {leaked}"


@pytest.mark.parametrize("form", ["hex", "HEX", "base58", "base64", "base64url", "bytes repr", "list of ints", "part"])
def test_the_search_finds_each_form(form: str) -> None:
    seed = os.urandom(32)
    secrets = Secrets()
    secrets.key("seed", seed)
    texts = {
        "hex": seed.hex(),
        "HEX": seed.hex().upper(),
        "base58": b58(seed),
        "base64": base64.b64encode(seed).decode(),
        "base64url": base64.urlsafe_b64encode(seed).decode().rstrip("="),
        "bytes repr": repr(b"prefix" + seed),
        "list of ints": repr({"seed": list(seed)}),
        "part": seed.hex()[10 : 10 + WINDOW],
    }
    line = f"2026-01-01 00:00:00,000 DEBUG river_desktop.x: value {texts[form]} in a line"
    assert secrets.found_in(line), form
    assert not secrets.found_in("2026-01-01 00:00:00,000 DEBUG river_desktop.x: nothing here")


# ---------------------------------------------------------------------------- logging set-up


@pytest.fixture
def debug_logging() -> Iterator[Path]:
    """The app's own logging set-up at DEBUG; yields the log directory. Restores the root logger afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    log_dir = default_log_dir()
    home = Path(os.environ["XDG_STATE_HOME"])
    assert log_dir.is_relative_to(home), f"the log directory {log_dir} is not under the test's XDG_STATE_HOME"
    path = configure_logging("DEBUG", log_dir)
    assert path == log_dir / LOG_FILENAME
    try:
        yield log_dir
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(level)


def read_logs(log_dir: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(p for p in log_dir.iterdir() if p.is_file())
    assert files, f"no log file in {log_dir}"
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_the_log_file_rotates_in_the_platform_log_directory(debug_logging: Path) -> None:
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(handlers) == 1
    handler = handlers[0]
    assert Path(handler.baseFilename) == debug_logging / LOG_FILENAME
    assert handler.maxBytes > 0 and handler.backupCount > 0
    log = logging.getLogger("river_desktop.test")
    filler = "x" * 1000
    for i in range(handler.maxBytes // 1000 + 50):
        log.debug("filler %d %s", i, filler)
    handler.flush()
    rotated = debug_logging / f"{LOG_FILENAME}.1"
    assert rotated.is_file(), sorted(p.name for p in debug_logging.iterdir())
    assert rotated.stat().st_size <= handler.maxBytes
    assert (debug_logging / LOG_FILENAME).stat().st_size <= handler.maxBytes


# ---------------------------------------------------------------------------- the desktop session


def invite(qtbot: QtBot, window: MainWindow, room: bytes) -> str:
    window.select_room(room)
    window.actionInviteMember.trigger()
    qtbot.waitUntil(lambda: window.dialog("InviteMemberDialog") is not None)
    dialog = window.dialog("InviteMemberDialog")
    assert dialog is not None
    code = child(dialog, QPlainTextEdit, "inviteCodeOutput").toPlainText().strip()
    dialog.close()
    qtbot.waitUntil(lambda: window.dialog("InviteMemberDialog") is None)
    return code


def accept(qtbot: QtBot, window: MainWindow, code: str, nickname: str) -> bytes:
    accept_via_dialog(qtbot, window, code, nickname)
    room = Invitation.decode(code).room
    assert room in window.rooms.rooms
    return room


def post(qtbot: QtBot, window: MainWindow, room: bytes, text: str) -> str:
    window.select_room(room)
    qtbot.waitUntil(lambda: window.current_room == room)
    composer = child(window, QPlainTextEdit, "composer")
    composer.setPlainText(text)
    QTest.keyClick(composer, Qt.Key.Key_Return)
    wait_saved(qtbot, window)
    (message,) = [m for m in window.roomView.model.messages() if m.text == text]
    return member_id_display(message.id)


def deliver(qtbot: QtBot, window: MainWindow, room: bytes, state: ChatRoomState) -> None:
    """What a network sync would do: the room's state as another profile holds it arrives here."""
    window.rooms.receive_state(room, state)
    window.refresh()
    window.schedule_save()
    wait_saved(qtbot, window)


def test_desktop_session_logs_no_secret(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path, debug_logging: Path
) -> None:
    secrets = Secrets()
    owner_desktop = make_desktop(tmp_path / "owner")
    guest_desktop = make_desktop(tmp_path / "guest")
    a = open_window(qtbot, owner_desktop)
    b = open_window(qtbot, guest_desktop)

    # A public room: created in A, an invitation made in A and accepted in B; both post.
    lobby = create_room_via_dialog(qtbot, a, "Lobby", "olive")
    wait_saved(qtbot, a)
    secrets.key("owner seed", a.rooms.get(lobby).self_identity.seed)
    code = invite(qtbot, a, lobby)
    secrets.code("invitation code", code)
    accept(qtbot, b, code, "bruno")
    wait_saved(qtbot, b)
    secrets.key("invitee seed", b.rooms.get(lobby).self_identity.seed)
    deliver(qtbot, b, lobby, a.rooms.get(lobby).room_state)
    posted = [post(qtbot, a, lobby, "welcome, bruno"), post(qtbot, b, lobby, "hello olive")]

    # A private room owned elsewhere, with a room secret: A joins it, invites B (A is not the owner,
    # so A's own seed signs B's invitation, which carries the secret), B joins and posts.
    elsewhere = Rooms()
    vault_room = elsewhere.create_room("Vault", "keeper")
    room_secret = os.urandom(32)
    secrets.key("vault owner seed", vault_room.self_identity.seed)
    secrets.key("room secret", room_secret)
    vault_code = Invitation.create(
        vault_room.owner_vk, vault_room.self_identity.seed, room_secrets=[(1, room_secret)]
    ).encode()
    secrets.code("vault invitation code", vault_code)
    vault = accept(qtbot, a, vault_code, "olive")
    wait_saved(qtbot, a)
    deliver(qtbot, a, vault, vault_room.room_state)
    assert a.rooms.get(vault).invitation_secrets == {1: room_secret}
    secrets.key("vault member seed (A)", a.rooms.get(vault).self_identity.seed)
    second_code = invite(qtbot, a, vault)
    assert Invitation.decode(second_code).room_secrets == [(1, room_secret)]
    secrets.code("second vault invitation code", second_code)
    accept(qtbot, b, second_code, "bruno")
    wait_saved(qtbot, b)
    deliver(qtbot, b, vault, a.rooms.get(vault).room_state)
    secrets.key("vault member seed (B)", b.rooms.get(vault).self_identity.seed)
    posted.append(post(qtbot, b, vault, "anyone in the vault?"))
    assert len(set(posted)) == 3

    for desktop in (owner_desktop, guest_desktop):
        desktop.request_quit()
    run(qtbot, owner_desktop.shutdown())
    run(qtbot, guest_desktop.shutdown())

    text = read_logs(debug_logging)
    expected = [
        f"profile {tmp_path / 'owner'} opened",
        f"profile {tmp_path / 'guest'} opened",
        "DEBUG river_desktop.ui.app: window 1 opened",
        f"save by window-1: wrote {room_key(lobby)}",
        f"save by window-1: wrote {room_key(vault)}",
        *(f"hist:{b58(r)}:" for r in (lobby, vault)),  # the posts' history keys (ids only, never text)
        "INFO river_desktop.ui.app: shut down",
    ]
    assert_clean(secrets, f"the log files in {debug_logging}", text, expected)


# ---------------------------------------------------------------------------- the CLI sessions


def cli_session(run_cli: Callable[..., str], profiles: Path, secrets: Secrets) -> list[str]:
    """Create, invite, accept and post through ``run_cli(profile, *args) -> stdout``; returns expected log lines."""
    a, b = profiles / "a", profiles / "b"
    room = run_cli(a, "rooms", "create", "Lobby", "--nickname", "olive").strip()
    code = run_cli(a, "invite", "create", room).strip()
    secrets.code("invitation code", code)
    secrets.key("invitee seed", Invitation.decode(code).invitee_signing_key)
    run_cli(b, "invite", "accept", code, "--nickname", "bruno")
    deliver_between(a, b, room)
    run_cli(a, "messages", "send", room, "welcome, bruno")
    run_cli(b, "messages", "send", room, "hello olive")

    elsewhere = Rooms().create_room("Vault", "keeper")
    room_secret = os.urandom(32)
    secrets.key("vault owner seed", elsewhere.self_identity.seed)
    secrets.key("room secret", room_secret)
    vault_code = Invitation.create(elsewhere.owner_vk, elsewhere.self_identity.seed, room_secrets=[(7, room_secret)])
    secrets.code("vault invitation code", vault_code.encode())
    secrets.key("vault member seed (A)", vault_code.invitee_signing_key)
    run_cli(a, "invite", "accept", vault_code.encode())
    # the network brings A the vault's state with A's join in it (as the owner's node would hold it)
    joined = ops.join(elsewhere.room_state, vault_code, "a", now=SystemTime.from_unix(time.time()))
    assert joined.state is not None
    deliver_state(a, elsewhere.owner_vk, joined.state)
    second = run_cli(a, "invite", "create", b58(elsewhere.owner_vk)).strip()
    assert Invitation.decode(second).room_secrets == [(7, room_secret)]
    secrets.code("second vault invitation code", second)
    secrets.key("vault member seed (B)", Invitation.decode(second).invitee_signing_key)
    run_cli(b, "invite", "accept", second)
    deliver_between(a, b, b58(elsewhere.owner_vk))
    run_cli(b, "messages", "send", b58(elsewhere.owner_vk), "anyone in the vault?")

    # The owner's seed is only in the profile: read it the way the app does.
    owner_seed = read_own_seed(a, room)
    secrets.key("owner seed", owner_seed)
    return [
        f"save by cli: wrote {room_key(elsewhere.owner_vk)}",
        f"save by cli: wrote {cli_room_key(room)}",
        "stored by cli",
    ]


def deliver_state(profile: Path, vk: bytes, state: ChatRoomState) -> None:
    """What a network sync would do between CLI runs: a room state arrives in ``profile`` (River's merge)."""

    async def go() -> None:
        ctl = await StorageController.open(profile)
        try:
            session = ctl.open_session("network")
            rooms = await ctl.load(session)
            rooms.receive_state(vk, state)
            report = await ctl.save(session, rooms)
            assert report.ok, report.summary()
        finally:
            await ctl.close()

    asyncio.run(go())


def deliver_between(source: Path, target: Path, room: str) -> None:
    vk = parse_b58_room(room)
    assert vk is not None

    async def read() -> ChatRoomState:
        ctl = await StorageController.open(source)
        try:
            return (await ctl.load()).get(vk).room_state
        finally:
            await ctl.close()

    deliver_state(target, vk, asyncio.run(read()))


def cli_room_key(room: str) -> str:
    vk = parse_b58_room(room)
    assert vk is not None
    return room_key(vk)


def read_own_seed(profile: Path, room: str) -> bytes:
    async def load() -> bytes:
        ctl = await StorageController.open(profile)
        try:
            rooms = await ctl.load()
        finally:
            await ctl.close()
        vk = parse_b58_room(room)
        assert vk is not None
        return rooms.get(vk).self_identity.seed

    return asyncio.run(load())


def test_cli_session_in_process_logs_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = tmp_path / "cli-debug.log"
    root = logging.getLogger()
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)  # the CLI's basicConfig then leaves the root logger to us
    root.setLevel(logging.DEBUG)
    errors: list[str] = []

    def run_cli(profile: Path, *args: str) -> str:
        rc = cli.main(["--profile", str(profile), "-v", *args])
        out, err = capsys.readouterr()
        errors.append(err)
        assert rc == 0, f"{args}: rc={rc} {err}"
        return out

    try:
        secrets = Secrets()
        expected = cli_session(run_cli, tmp_path, secrets)
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)
    assert_clean(secrets, "the CLI's DEBUG log", log_file.read_text(encoding="utf-8"), expected)
    assert_clean(secrets, "the CLI's stderr", "\n".join(errors), ["this invitation code is a secret"])


def test_cli_processes_log_no_secret(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    errors: list[str] = []

    def run_cli(profile: Path, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "-v", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=REPO,
        )
        errors.append(done.stderr)
        assert done.returncode == 0, f"{args}: rc={done.returncode} {done.stderr}"
        return done.stdout

    secrets = Secrets()
    expected = cli_session(run_cli, tmp_path, secrets)
    assert_clean(secrets, "the stderr of river-desktop-cli -v", "\n".join(errors), expected)
