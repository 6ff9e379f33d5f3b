"""The real program, several processes on one profile: one app per profile, and the layout survives kill -9.

Each app runs as ``python -m river_desktop`` on the offscreen platform; the tests read its log on
stderr (INFO) and wait for named lines with a deadline, never for a fixed time.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from river_desktop.ui.settings import DesktopSettings
from river_desktop.ui.single_instance import server_name

REPO = Path(__file__).resolve().parents[2]
DEADLINE_S = 60

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and local sockets")


def _env(tmp_path: Path) -> dict[str, str]:
    env = os.environ.copy()
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # the log file stays in the test's directory
    return env


class App:
    """One running app process, its stderr collected as it comes."""

    def __init__(self, profile: Path, tmp_path: Path, level: str = "INFO") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "river_desktop", "--profile", str(profile), "--log-level", level],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env=_env(tmp_path),
        )
        self.seen = b""

    @property
    def log(self) -> str:
        return self.seen.decode(errors="replace")

    def wait_for(self, marker: str, count: int = 1) -> None:
        """Until ``marker`` has appeared ``count`` times on stderr (fails after the deadline or if the app exits)."""
        assert self.proc.stderr is not None
        needle = marker.encode()
        deadline = time.monotonic() + DEADLINE_S
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stderr, selectors.EVENT_READ)
            while self.seen.count(needle) < count and time.monotonic() < deadline:
                if selector.select(timeout=1):
                    chunk = os.read(self.proc.stderr.fileno(), 65536)
                    if not chunk:
                        break
                    self.seen += chunk
        assert self.seen.count(needle) >= count, f"never saw {marker!r} x{count}:\n{self.log}"

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        _out, rest = self.proc.communicate(timeout=DEADLINE_S)
        self.seen += rest or b""
        return self.proc.returncode

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=DEADLINE_S)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        app.stop()


def start(apps: list[App], profile: Path, tmp_path: Path) -> App:
    app = App(profile, tmp_path)
    apps.append(app)
    return app


def launch_again(profile: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "river_desktop", "--profile", str(profile), "--log-level", "INFO"],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        cwd=REPO,
        env=_env(tmp_path),
    )


def test_a_second_launch_hands_over_to_the_first(apps: list[App], tmp_path: Path) -> None:
    profile = tmp_path / "p"
    first = start(apps, profile, tmp_path)
    first.wait_for(" ready")
    socket = Path(tempfile.gettempdir()) / server_name(profile)
    assert socket.is_socket() and socket.stat().st_mode & 0o077 == 0, "only this user may hand over"

    second = launch_again(profile, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already running on this profile" in second.stderr
    assert "opened" not in second.stderr, "the second launch must not open the store"
    first.wait_for("handed over to this process")

    assert first.terminate() == 0, first.log
    assert "shut down" in first.log
    assert len(DesktopSettings(profile).window_states()) == 2, "the first process opened a second window"


def test_another_profile_gets_its_own_process(apps: list[App], tmp_path: Path) -> None:
    first = start(apps, tmp_path / "p", tmp_path)
    first.wait_for(" ready")
    other = start(apps, tmp_path / "q", tmp_path)
    other.wait_for(" ready")
    assert other.proc.poll() is None
    assert first.terminate() == 0 and other.terminate() == 0


def test_the_last_layout_returns_after_kill_9(apps: list[App], tmp_path: Path) -> None:
    profile = tmp_path / "p"
    first = App(profile, tmp_path, "DEBUG")
    apps.append(first)
    first.wait_for(" ready")
    first.wait_for("window layout saved (1 windows)")
    assert launch_again(profile, tmp_path).returncode == 0  # the running app opens a second window
    first.wait_for("window layout saved (2 windows)")
    first.kill()

    again = start(apps, profile, tmp_path)  # also: the killed process's socket is stale, not in the way
    again.wait_for(" ready")
    assert again.terminate() == 0, again.log
    assert len(DesktopSettings(profile).window_states()) == 2, again.log
