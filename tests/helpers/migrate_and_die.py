"""Open a 0.1.0 profile and SIGKILL this very process after ``--after`` write transactions of its upgrade.

Used by the crash test of the 0.1.0 migration: a real kill at a known point of a real upgrade.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from river_desktop.storage.controller import StorageController
from river_desktop.storage.sqlite_kv import SqliteKV


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--after", type=int, required=True)
    args = parser.parse_args()
    original = SqliteKV.cas_store_many
    seen = 0

    def dying(self: SqliteKV, items):  # type: ignore[no-untyped-def]
        nonlocal seen
        result = original(self, items)
        seen += 1
        if seen >= args.after:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    SqliteKV.cas_store_many = dying  # type: ignore[method-assign]

    async def run() -> None:
        ctl = await StorageController.open(args.profile)
        await ctl.load()
        await ctl.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()
