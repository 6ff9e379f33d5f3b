"""Two profiles, each driven by its own CLI processes, and one stand-in node running River's rules.

The node (tests/standin/river.py ``river_node``) runs on an event loop in a thread of the test process, so
the CLI processes reach it over a real socket; ``stop``/``start`` take it down and bring it back on the same
port with its contracts kept, as a restarted node would.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.cli.conftest import Run, cli
from tests.standin.node import StandinNode
from tests.standin.river import river_node

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def room_contract_wasm() -> Path | None:
    """River's room_contract.wasm from the oracle folder (the only source of code matching River's hash)."""
    env = os.environ.get("RIVER_ORACLE_DIR")
    folder = Path(env) if env else REPO.parent / "shared" / "river-oracle"
    wasm = folder / "room_contract.wasm"
    return wasm if wasm.is_file() else None


class NodeThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="standin-node", daemon=True)
        self._thread.start()
        self.node: StandinNode = self.call(self._make())

    @staticmethod
    async def _make() -> StandinNode:
        return river_node()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    @property
    def url(self) -> str:
        return self.node.url

    def start(self) -> None:
        self.call(self.node.start())

    def stop(self) -> None:
        self.call(self.node.stop())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()

    def states(self) -> list[bytes]:
        async def read() -> list[bytes]:
            return [c.state for c in self.node.contracts.values()]

        return self.call(read())


@contextmanager
def running_node() -> Iterator[NodeThread]:
    node = NodeThread()
    node.start()
    try:
        yield node
    finally:
        node.close()


@dataclass
class Profiles:
    node: NodeThread
    alice: Path
    bob: Path

    def run(self, profile: Path, *args: str, as_json: bool = True) -> Run:
        return cli(profile, "--node", self.node.url, *args, as_json=as_json)

    def json(self, profile: Path, *args: str) -> Any:
        return self.run(profile, *args).json()

    def sync(self, profile: Path, *args: str) -> Any:
        result = self.run(profile, "net", "sync", *args)
        assert result.rc == 0, result.describe()
        data = result.json()
        assert data["in_step"] is True
        return data

    def texts(self, profile: Path, room: str) -> list[str]:
        return [m["text"] for m in self.json(profile, "messages", "list", room)]


def create_publish_invite_join(world: Profiles, wasm: Path) -> str:
    """Alice creates and publishes a room, invites Bob; Bob accepts with no node and syncs. Returns the room."""
    room = world.json(world.alice, "rooms", "create", "Garden", "--nickname", "alice")["key"]
    published = world.json(world.alice, "net", "publish", room, "--room-contract", str(wasm))
    assert published["room"] == room
    code = world.json(world.alice, "invite", "create", room)["code"]
    offline = cli(world.bob, "--node", "ws://127.0.0.1:1", "invite", "accept", code, "--nickname", "bob",
                  as_json=True).json()
    assert offline["state"] == "waiting"
    listed = world.json(world.bob, "rooms", "list")
    assert [(r["key"], r["state"]) for r in listed] == [(room, "waiting")]
    world.sync(world.bob)
    listed = world.json(world.bob, "rooms", "list")
    assert [(r["key"], r["name"], r["state"]) for r in listed] == [(room, "Garden", "ok")]
    return room
