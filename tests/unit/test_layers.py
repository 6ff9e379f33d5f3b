"""Arrows point down: the UI never imports the CLI, and domain, storage and net import neither UI nor CLI.

Read with ``ast`` (every import: at the top, inside functions, under ``TYPE_CHECKING``), so a lazy import
inside a function is caught as well.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_ui_layering import imported_modules

PACKAGE = Path(__file__).resolve().parents[2] / "river_desktop"


def modules_under(folder: str) -> list[Path]:
    found = sorted((PACKAGE / folder).rglob("*.py"))
    assert found, folder
    return found


def is_cli(module: str) -> bool:
    return module == "river_desktop.cli" or module.startswith(("river_desktop.cli.", "river_desktop.cli_"))


def is_ui(module: str) -> bool:
    return module == "river_desktop.ui" or module.startswith("river_desktop.ui.")


def is_qt(module: str) -> bool:
    return module == "PySide6" or module.startswith("PySide6.")


RULES = [  # (layer, what it must not import, the test for it)
    ("ui", "the CLI", is_cli),
    ("domain", "the UI", is_ui),
    ("domain", "the CLI", is_cli),
    ("domain", "Qt", is_qt),
    ("storage", "the UI", is_ui),
    ("storage", "the CLI", is_cli),
    ("storage", "Qt", is_qt),
    ("net", "the UI", is_ui),
    ("net", "the CLI", is_cli),
    ("net", "Qt", is_qt),
]


@pytest.mark.parametrize(("layer", "what", "forbidden"), RULES, ids=[f"{r[0]}-no-{r[1]}" for r in RULES])
def test_layer_does_not_import(layer: str, what: str, forbidden: object) -> None:
    assert callable(forbidden)
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in imported_modules(path) if forbidden(m))
        for path in modules_under(layer)
    }
    assert {p: ms for p, ms in offenders.items() if ms} == {}, f"{layer} imports {what}"


@pytest.mark.parametrize(
    ("module", "cli", "ui"),
    [
        ("river_desktop.cli", True, False),
        ("river_desktop.cli_interchange", True, False),
        ("river_desktop.client", False, False),
        ("river_desktop.ui", False, True),
        ("river_desktop.ui.riverctl_import", False, True),
        ("river_desktop.uikit", False, False),
        ("river_desktop.domain.riverctl_rooms", False, False),
    ],
)
def test_the_names_the_rules_match(module: str, cli: bool, ui: bool) -> None:
    assert is_cli(module) is cli and is_ui(module) is ui


def test_a_lazy_import_inside_a_function_is_seen(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f() -> None:\n    from river_desktop import cli\n", encoding="utf-8")
    assert any(is_cli(m) for m in imported_modules(source))
