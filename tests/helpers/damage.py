"""Real damage to real profile files: a populated profile, one trashed B-tree page, foreign rows."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "river.sqlite3"


def populate(profile: Path, rooms: int = 20, messages: int = 20, seed: int = 7) -> None:
    """``river-desktop-cli demo populate`` in a real process (the way a user fills a profile)."""
    subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "demo", "populate",
         "--rooms", str(rooms), "--messages-per-room", str(messages), "--seed", str(seed)],
        cwd=REPO, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def rows(db: Path) -> dict[str, bytes]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {str(k): bytes(v) for k, v in conn.execute("SELECT key, value FROM kv")}
    finally:
        conn.close()


def _kv_pages(db: Path) -> tuple[list[tuple[str, int, str, int]], list[str]]:
    """dbstat's pages of ``kv`` in tree order (path, page, type, cells) and the keys in rowid order: leaves in tree
    order hold the rows in rowid order, ``ncell`` each."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        pages = conn.execute("SELECT path, pageno, pagetype, ncell FROM dbstat WHERE name = 'kv' ORDER BY path")
        found = [(str(path), int(page), str(kind), int(ncell)) for path, page, kind, ncell in pages]
        keys = [str(k) for (k,) in conn.execute("SELECT key FROM kv ORDER BY rowid")]
    finally:
        conn.close()
    assert sum(ncell for _path, _page, kind, ncell in found if kind == "leaf") == len(keys)
    return found, keys


def leaf_page_in_the_middle(db: Path, prefix: str = "hist:") -> tuple[int, set[str]]:
    """A table leaf page near the middle of ``kv`` whose rows all start with ``prefix``, and the keys on it."""
    pages, keys = _kv_pages(db)
    start = 0
    spans: list[tuple[int, set[str]]] = []
    for _path, page, kind, ncell in pages:
        if kind == "leaf":
            spans.append((page, set(keys[start : start + ncell])))
            start += ncell
    candidates = [(page, held) for page, held in spans if held and all(k.startswith(prefix) for k in held)]
    return candidates[len(candidates) // 2]


def overflow_page_of_a_row(db: Path, prefix: str = "room:") -> tuple[int, set[str]]:
    """The first overflow page of a ``kv`` row near the middle whose key starts with ``prefix`` and whose value
    spills over more than one page, and that row's key: trashing the page's next-page pointer loses that row.

    dbstat names an overflow page by its cell: ``/<leaf path><cell index>+<sequence>``.
    """
    pages, keys = _kv_pages(db)
    first_cell: dict[str, int] = {}
    start = 0
    for path, _page, kind, ncell in pages:
        if kind == "leaf":
            first_cell[path] = start
            start += ncell
    chains: dict[str, list[int]] = {}
    for path, page, kind, _ncell in pages:
        if kind == "overflow":
            leaf, _, rest = path.rpartition("/")
            key = keys[first_cell[leaf + "/"] + int(rest.split("+")[0], 16)]
            chains.setdefault(key, []).append(page)
    candidates = [(chain[0], {key}) for key, chain in chains.items() if key.startswith(prefix) and len(chain) > 1]
    return candidates[len(candidates) // 2]


def trash_page(db: Path, page: int, length: int = 512) -> None:
    """Overwrite ``length`` bytes at the start of ``page`` (its B-tree header and cell pointers)."""
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    start = (page - 1) * page_size
    data[start : start + length] = b"\xa5" * length
    db.write_bytes(bytes(data))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return "\n".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall())
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
