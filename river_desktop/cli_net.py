"""The CLI's ``net`` commands: talk to a Freenet node for one profile (docs/cli.md, "net").

``net status`` only connects; ``net publish`` PUTs one room's local state; ``net sync`` runs one round of the
sync engine (push the outbox, GET and merge, reconcile) and exits. Every command that sends takes the
profile's sender lease first (storage/net_store.py), so a running app window and the CLI never both send.
Imported by ``cli.py`` only when a ``net`` command runs.
"""

from __future__ import annotations

import argparse
import configparser
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from river_desktop.cli_base import CliError, Json, Output, OutputFailed
from river_desktop.cli_workspace import resolve_room, workspace
from river_desktop.net.client import DEFAULT_NODE_URL, FreenetClient, node_url, redacted_url
from river_desktop.net.errors import ContractNotFoundError, NetError, RoomContractError
from river_desktop.net.room_contract import RoomContract, load_contract_code
from river_desktop.net.sync_engine import SyncEngine
from river_desktop.net.sync_status import Phase, SyncStatus
from river_desktop.net.types import ContractCode
from river_desktop.storage.net_store import NetStore
from river_desktop.storage.slots import b58

NODE_ENV = "RIVER_DESKTOP_NODE"
APP_SETTINGS = "desktop.ini"
"""The app's per-profile settings (ui/settings.py); ``[preferences] node_address`` is Preferences' node."""
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 60.0


def app_node_address(profile: Path | None) -> str | None:
    """The node address the app's Preferences saved for this profile, read without Qt (None: none saved).

    QSettings writes an INI value with special characters in double quotes, with ``\\`` and ``\"`` escaped."""
    if profile is None:
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(profile / APP_SETTINGS, encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None
    value = parser.get("preferences", "node_address", fallback="").strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value or None


def node_address(args: argparse.Namespace) -> str:
    """``--node``, else the environment's ``RIVER_DESKTOP_NODE``, else the app's setting for this profile, else
    the default local node; checked."""
    address = args.node or os.environ.get(NODE_ENV) or app_node_address(args.profile) or DEFAULT_NODE_URL
    try:
        return node_url(address)
    except NetError as exc:
        raise CliError(str(exc)) from None


def _holder() -> str:
    """A lease holder name unique to this run (the pid alone can be reused)."""
    return f"cli-{os.getpid()}-{uuid.uuid4().hex[:8]}"


async def cmd_net_status(args: argparse.Namespace) -> Output:
    url = node_address(args)
    shown = redacted_url(url)
    client = FreenetClient(url, connect_timeout=CONNECT_TIMEOUT_S, request_timeout=REQUEST_TIMEOUT_S)
    try:
        await client.connect()
    except NetError as exc:
        data: dict[str, Json] = {"node": shown, "reachable": False, "reason": str(exc)}
        raise OutputFailed(Output(data, f"not reachable: {exc}"), str(exc)) from None
    finally:
        await client.close()
    return Output({"node": shown, "reachable": True, "reason": ""}, f"reachable: {shown}")


async def _code_from_node(
    client: FreenetClient, contract: RoomContract, owners: Sequence[bytes]
) -> ContractCode | None:
    """River's contract code borrowed from the node: a GET with ``return_contract_code`` of a room it holds."""
    for owner in owners:
        try:
            got = await client.get(contract.instance_id(owner), return_contract_code=True)
        except (ContractNotFoundError, NetError):
            continue
        if got.contract is not None and got.contract.contract.code.code_hash == contract.code_hash:
            return got.contract.contract.code
    return None


async def cmd_net_publish(args: argparse.Namespace) -> Output:
    url = node_address(args)
    async with workspace(args.profile, "cli-net") as ws:
        vk = resolve_room(ws.rooms, args.room)
        room = ws.rooms.rooms[vk]
        if room.waiting:
            raise CliError(f"room {b58(vk)} is waiting for its data (joined by invitation): nothing to publish")
        code_hash = room.contract_key.code if room.contract_key is not None else RoomContract().code_hash
        contract = RoomContract(code_hash)
        state = room.room_state.encode()
        others = [v for v in ws.rooms.ordered_keys() if v != vk]
        store = NetStore(ws.ctl)
        holder = _holder()
        client = FreenetClient(url, connect_timeout=CONNECT_TIMEOUT_S, request_timeout=REQUEST_TIMEOUT_S)
        try:
            code = _code_from_file(args.room_contract, code_hash)
            await client.connect()
            if code is None:
                code = await _code_from_node(client, contract, [vk, *others])
            if code is None:
                raise CliError(
                    "the room contract's code is needed to publish and the node has none to lend: "
                    "give River's room_contract.wasm with --room-contract FILE"
                )
            if not store.try_lease(holder, REQUEST_TIMEOUT_S * 2):
                raise CliError("another process on this profile is sending; try again when it is done")
            try:
                reply = await client.put(contract.container(vk, code), state, subscribe=True)
            finally:
                store.release_lease(holder)
        except RoomContractError as exc:
            raise CliError(str(exc)) from None
        except NetError as exc:
            raise CliError(f"publishing failed: {exc}") from None
        finally:
            await client.close()
        data: dict[str, Json] = {
            "room": b58(vk),
            "node": redacted_url(url),
            "contract": str(reply.key.instance),
            "code_hash": code_hash.hex(),
        }
        return Output(data, f"published {b58(vk)} as contract {reply.key.instance}", ws.notes())


def _code_from_file(path: Path | None, code_hash: bytes) -> ContractCode | None:
    return None if path is None else load_contract_code(path, code_hash)


class _OneRoom:
    """A :class:`NetStore` that lists only one room (``net sync ROOM``)."""

    def __init__(self, store: NetStore, owner_vk: bytes) -> None:
        self._store = store
        self._owner = owner_vk

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def rooms_to_sync(self) -> list[tuple[bytes, bytes | None, bool]]:
        return [r for r in self._store.rooms_to_sync() if r[0] == self._owner]


def _status_json(owner: bytes, status: SyncStatus) -> dict[str, Json]:
    return {"room": b58(owner), "status": status.phase.value, "reason": status.reason}


async def cmd_net_sync(args: argparse.Namespace) -> Output:
    url = node_address(args)
    async with workspace(args.profile, "cli-net") as ws:
        store = NetStore(ws.ctl)
        target = store if args.room is None else _OneRoom(store, resolve_room(ws.rooms, args.room))
        engine = SyncEngine(
            target,  # type: ignore[arg-type]  # _OneRoom forwards the rest of the protocol
            url,
            holder=_holder(),
            connect_timeout=CONNECT_TIMEOUT_S,
            request_timeout=REQUEST_TIMEOUT_S,
        )
        try:
            statuses = await engine.sync_once()
        except NetError as exc:
            raise CliError(str(exc)) from None
        rooms = [_status_json(owner, status) for owner, status in statuses.items()]
        behind = [(owner, s) for owner, s in statuses.items() if s.phase is not Phase.SYNCED]
        data: dict[str, Json] = {"node": redacted_url(url), "in_step": not behind, "sent": engine.sent, "rooms": rooms}
        lines = [f"{b58(owner)}: {status}" for owner, status in statuses.items()] or ["no rooms to sync"]
        output = Output(data, "\n".join(lines), ws.notes())
        if behind:
            owner, status = behind[0]
            why = status.reason or status.phase.value
            raise OutputFailed(output, f"{len(behind)} room(s) not in step; first: {b58(owner)}: {why}")
        return output
