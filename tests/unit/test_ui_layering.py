"""The application and its window know each other only through ``window_host``: neither imports the other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "river_desktop" / "ui"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top, inside functions and under ``TYPE_CHECKING`` alike."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [("app.py", "river_desktop.ui.main_window"), ("main_window.py", "river_desktop.ui.app")],
)
def test_app_and_main_window_do_not_import_each_other(module: str, forbidden: str) -> None:
    assert forbidden not in imported_modules(UI / module)


def test_only_the_composition_root_names_both() -> None:
    both = imported_modules(UI / "desktop.py")
    assert "river_desktop.ui.app" in both and "river_desktop.ui.main_window" in both
