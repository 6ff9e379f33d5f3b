"""A writer process for multi-process and crash tests.

Runs the real StorageController on a profile: each round loads, creates one room and saves,
then prints ``SAVED <base58 key>`` (flushed) only after the save reported success.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from river_desktop.storage.controller import StorageController
from river_desktop.storage.slots import b58


async def main(profile: str, rounds: int, tag: str) -> int:
    ctl = await StorageController.open(profile)
    session = ctl.open_session(tag)
    max_attempts = 0
    try:
        for i in range(rounds):
            rooms = await ctl.load(session)
            room = rooms.create_room(f"{tag} room {i}", tag)
            report = await ctl.save(session, rooms)
            if not report.ok:
                print(f"FAILED {report.summary()}", flush=True)
                return 1
            max_attempts = max(max_attempts, report.max_attempts)
            print(f"SAVED {b58(room.owner_vk)}", flush=True)
    finally:
        await ctl.close()
    print(f"DONE max_attempts={max_attempts}", flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", required=True)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--tag", default="writer")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.profile, args.rounds, args.tag)))
