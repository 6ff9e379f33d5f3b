"""Copy what can still be read from a (damaged) profile into a fresh one, leaving the original as it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from river_desktop.storage.errors import StorageError
from river_desktop.storage.kv import SkippedRow
from river_desktop.storage.profile import DB_FILENAME, ensure_private_dir
from river_desktop.storage.sqlite_kv import SqliteKV


@dataclass(frozen=True)
class SalvageReport:
    target: Path
    copied: int
    lost: tuple[SkippedRow, ...]


def salvage(source: SqliteKV, target_dir: Path) -> SalvageReport:
    """Every readable row of ``source`` as its exact envelope bytes (generations and deleted markers kept).

    The target must not hold a database yet: salvage never merges into, or overwrites, anything. ``source`` is
    only read (open it read-only); rows it cannot read are returned as lost.
    """
    target = target_dir / DB_FILENAME
    for path in (target, Path(f"{target}-wal")):
        if path.exists():
            raise StorageError(
                f"{target_dir} already holds a database ({path.name}); salvage only into a new or empty folder"
            )
    read = source.read_all()
    ensure_private_dir(target_dir)
    with SqliteKV(target) as fresh:
        copied = fresh.restore_raw((key, value) for key, value, _seq in read.rows)
    return SalvageReport(target, copied, tuple(read.skipped))
