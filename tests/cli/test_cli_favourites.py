"""``rooms pin|unpin|archive|unarchive`` and the favourites and Archive in ``rooms list`` (real processes)."""

from __future__ import annotations

from pathlib import Path

import cbor2

from river_desktop.storage.envelope import decode_versioned, encode_versioned
from tests.cli.conftest import cli, cli_json, cli_parallel, kv_rows, overwrite_value


def _three(profile: Path) -> list[str]:
    return [cli_json(profile, "rooms", "create", name)["key"] for name in ("Alpha", "Beta", "Gamma")]


def _listed(profile: Path, *extra: str) -> list[tuple[str, bool, bool]]:
    return [(r["key"], r["pinned"], r["archived"]) for r in cli_json(profile, "rooms", "list", *extra)]


def test_pinned_rooms_come_first_in_pin_order_and_archived_rooms_only_with_all(tmp_path: Path) -> None:
    a, b, c = _three(tmp_path)
    assert cli_json(tmp_path, "rooms", "pin", c) == {"key": c, "pinned": True, "archived": False}
    cli_json(tmp_path, "rooms", "pin", b)
    assert cli_json(tmp_path, "rooms", "archive", a) == {"key": a, "pinned": False, "archived": True}
    assert _listed(tmp_path) == [(c, True, False), (b, True, False)]
    assert _listed(tmp_path, "--all") == [(c, True, False), (b, True, False), (a, False, True)]
    text = cli(tmp_path, "rooms", "list", "--all").out
    assert "favourite" in text and "archived" in text
    cli_json(tmp_path, "rooms", "unarchive", a)
    cli_json(tmp_path, "rooms", "unpin", c)
    assert _listed(tmp_path) == [(b, True, False), (a, False, False), (c, False, False)]


def test_pinning_an_archived_room_brings_it_back(tmp_path: Path) -> None:
    a, _, _ = _three(tmp_path)
    cli_json(tmp_path, "rooms", "archive", a, "--stay")
    assert cli_json(tmp_path, "rooms", "pin", a) == {"key": a, "pinned": True, "archived": False}
    assert _listed(tmp_path)[0] == (a, True, False)


def test_parallel_processes_keep_each_others_marks(tmp_path: Path) -> None:
    a, b, c = _three(tmp_path)
    runs = cli_parallel(
        [
            (tmp_path, ["rooms", "pin", a], True),
            (tmp_path, ["rooms", "pin", b], True),
            (tmp_path, ["rooms", "archive", c], True),
        ]
    )
    assert all(r.rc == 0 for r in runs), [r.describe() for r in runs]
    listed = {key: (pinned, archived) for key, pinned, archived in _listed(tmp_path, "--all")}
    assert listed == {a: (True, False), b: (True, False), c: (False, True)}


def test_a_river_written_rooms_meta_without_our_fields_loads_and_keeps_river_keys(tmp_path: Path) -> None:
    a, b, _ = _three(tmp_path)
    cli_json(tmp_path, "rooms", "pin", a)
    raw = kv_rows(tmp_path)["rooms_meta"]
    generation, payload = decode_versioned(raw)
    assert payload is not None
    meta = cbor2.loads(payload)
    assert list(meta)[:3] == ["current_room_key", "notification_modes", "room_order"]
    assert "pinned_rooms" in meta
    river = {k: meta[k] for k in ("current_room_key", "notification_modes", "room_order")}
    overwrite_value(tmp_path, "rooms_meta", encode_versioned(generation + 1, cbor2.dumps(river)))
    assert all(not pinned and not archived for _, pinned, archived in _listed(tmp_path))
    cli_json(tmp_path, "rooms", "archive", b)
    assert _listed(tmp_path, "--all")[-1] == (b, False, True)


def test_unknown_room_is_a_one_line_error(tmp_path: Path) -> None:
    _three(tmp_path)
    assert "no room matches" in cli(tmp_path, "rooms", "pin", "Nope").error_line
