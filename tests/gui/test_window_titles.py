"""Window titles: long room names never widen the window; the profile shows when it is not the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from river_desktop.ui import main_window
from river_desktop.ui.titles import elide, profile_label, window_title
from tests.gui.conftest import DesktopFactory, create_room_via_dialog, open_window, run, wait_saved
from tests.gui.river_world import with_display

LONG_NAME = "W" * 10_000  # no spaces: nothing to wrap at
SMALL = 700  # px; the window's own minimum is far below this


def test_a_huge_room_name_changes_neither_the_minimum_width_nor_the_title_length(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path
) -> None:
    desktop = make_desktop()
    window = open_window(qtbot, desktop)
    window.show()
    assert window.minimumSizeHint().width() < SMALL
    room = create_room_via_dialog(qtbot, window, "short")
    # What a hostile or older writer may store: past River's limits, so not through Rooms.rename.
    window.rooms.rooms[room] = with_display(window.rooms.get(room), LONG_NAME, "D" * 10_000)
    window.refresh()
    window.schedule_save()
    wait_saved(qtbot, window)

    def check(w: main_window.MainWindow) -> None:
        assert w.current_room == room and w.rooms.rooms[room].name == LONG_NAME
        assert w.minimumSizeHint().width() < SMALL
        assert w.minimumSize().width() < SMALL
        title = w.windowTitle()
        assert len(title) < 120 and title.startswith("WWW") and "…" in title and "River Desktop" in title

    check(window)
    desktop.request_quit()
    run(qtbot, desktop.shutdown())
    again = make_desktop(tmp_path / "profile")
    (restored,) = again.restore_windows()
    restored.show()
    qtbot.waitUntil(lambda: restored.is_loaded and restored.roomView.current_room_key() == room)
    check(restored)


def test_the_title_names_a_profile_that_is_not_the_default(
    qtbot: QtBot, make_desktop: DesktopFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    monkeypatch.setattr(main_window, "default_profile_dir", lambda: tmp_path / "default")
    window = open_window(qtbot, make_desktop(work))
    assert window.windowTitle() == "River Desktop (work)"
    create_room_via_dialog(qtbot, window, "Planning")
    assert window.windowTitle() == "Planning — River Desktop (work)"

    default = open_window(qtbot, make_desktop(tmp_path / "default"))
    assert default.windowTitle() == "River Desktop"


@pytest.mark.parametrize(
    ("room", "waiting", "profile", "title"),
    [
        (None, False, "", "River Desktop"),
        (None, False, "work", "River Desktop (work)"),
        ("Planning", True, "", "Planning — River Desktop"),
        ("", True, "", "Waiting for room data — River Desktop"),
        ("two\nlines\there", True, "w", "two lines here — River Desktop (w)"),
        ("x" * 61, True, "", "x" * 59 + "… — River Desktop"),
        ("x" * 60, True, "", "x" * 60 + " — River Desktop"),
    ],
)
def test_window_title(room: str | None, waiting: bool, profile: str, title: str) -> None:
    assert window_title(room, waiting=waiting, profile=profile) == title


def test_profile_label(tmp_path: Path) -> None:
    assert profile_label(tmp_path / "a", tmp_path / "a") == ""
    assert profile_label(tmp_path / "a" / ".." / "a", tmp_path / "a") == ""
    assert profile_label(tmp_path / "work", tmp_path / "a") == "work"
    assert profile_label(tmp_path / ("p" * 300), tmp_path / "a") == elide("p" * 300, 40)
    assert len(profile_label(tmp_path / ("p" * 300), tmp_path / "a")) == 40
