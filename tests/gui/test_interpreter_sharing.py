"""The app shortens the interpreter's switch interval, so a busy storage thread hands the GUI thread the lock
within 1 ms; it never lengthens one that is already shorter."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from river_desktop.ui import interpreter


@pytest.fixture
def restore_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize(("before", "after"), [(0.005, 0.001), (0.002, 0.001), (0.001, 0.001), (0.0005, 0.0005)])
def test_share_with_gui_shortens_never_lengthens(restore_interval: None, before: float, after: float) -> None:
    sys.setswitchinterval(before)
    interpreter.share_with_gui()
    assert sys.getswitchinterval() == pytest.approx(after)


def test_the_application_shares_the_interpreter(restore_interval: None, qapp: object, tmp_path: Path) -> None:
    from river_desktop.ui.desktop import RiverDesktop

    sys.setswitchinterval(0.005)
    desktop = RiverDesktop(tmp_path, log_dir=tmp_path)
    try:
        assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_S)
    finally:
        desktop.deleteLater()
