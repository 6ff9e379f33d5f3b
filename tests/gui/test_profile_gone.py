"""Issue 10: a profile folder deleted while the app runs is not recreated by the window settings at quit."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

from PySide6.QtWidgets import QApplication

from river_desktop.ui.settings import SETTINGS_FILENAME, DesktopSettings, WindowState


def test_window_settings_never_recreate_a_deleted_profile_folder(tmp_path: Path, qapp: QApplication) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    settings = DesktopSettings(profile)
    settings.set_window_states([WindowState(b"geometry", None)])
    assert (profile / SETTINGS_FILENAME).exists()
    shutil.rmtree(profile)
    settings.set_window_states([WindowState(b"other", None)])
    settings.sync()
    del settings
    gc.collect()
    assert not profile.exists()
