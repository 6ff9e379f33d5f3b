"""``store keys|check|salvage``: the profile's key-value store, opened read-only (``cli.py`` imports this lazily)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from river_desktop.cli_base import PROG, CheckFailed, CliError, Json, Output, db_path, one_line, profile_exists
from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.rooms import PresentSlot, RoomsMeta, decode_slot
from river_desktop.storage.controller import decode_legacy_blob
from river_desktop.storage.envelope import MAX_GENERATION, decode_versioned
from river_desktop.storage.errors import StorageError
from river_desktop.storage.profile import Profile
from river_desktop.storage.salvage import salvage
from river_desktop.storage.slots import (
    HIST_PREFIX,
    LEGACY_BLOB_KEY,
    META_KEY,
    MIGRATION_DONE_KEY,
    MSG_PREFIX,
    OUTBOX_PREFIX,
    ROOM_PREFIX,
    parse_hist_key,
    parse_room_key,
)
from river_desktop.storage.sqlite_kv import SqliteKV


async def cmd_store_keys(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        return Output([], "no keys")
    with _read_only_store(args.profile) as store:
        rows = store.entries()
        skipped = store.skipped_rows()
    items: list[dict[str, Json]] = [{"key": k, "generation": g, "size": n} for k, g, n in rows]

    def text() -> str:
        width = max((len(k) for k, _, _ in rows), default=3)
        return "\n".join(f"{k.ljust(width)}  {g:>6}  {n:>8}" for k, g, n in rows) or "no keys"

    notes = [f"{PROG}: warning: {row.key}: {row.reason}; it was skipped (see `store check`)" for row in skipped]
    return Output(items, text, notes)


@contextmanager
def _read_only_store(profile: Path) -> Iterator[SqliteKV]:
    """The profile's store opened read-only: the store commands never change the file they inspect."""
    store = Profile.open(profile, read_only=True).store
    try:
        yield store
    finally:
        store.close()


@dataclass(frozen=True)
class Problem:
    key: str
    problem: str


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    intact: int = 0

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def summary(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "empty store"

    def damaged_keys(self) -> list[str]:
        return sorted({p.key for p in self.problems if p.key != DATABASE})

    def to_json(self) -> dict[str, Json]:
        return {
            "ok": not self.problems,
            "problems": [{"key": p.key, "problem": p.problem} for p in self.problems],
            "checked": dict(sorted(self.counts.items())),
            "intact": self.intact,
            "damaged": self.damaged_keys(),
        }

    def render_problems(self) -> str:
        lines = [f"{p.key}: {p.problem}" for p in self.problems]
        lines.append(f"intact: {self.intact} key(s); damaged or unusable: {len(self.damaged_keys())} key(s)")
        return "\n".join(lines)


DATABASE = "(database)"


def check_store(store: SqliteKV) -> CheckResult:
    """Read every key, each on its own where a scan meets damage, and report what cannot be used. Reads only."""
    result = CheckResult()
    verdict = store.integrity_check()
    if verdict != "ok":
        for line in verdict.splitlines():
            result.problems.append(Problem(DATABASE, f"integrity check: {line}"))
    read = store.read_all()
    for row in read.skipped:
        result.problems.append(Problem(row.key, row.reason))
    keys: dict[str, bytes] = {}
    for key, value, _seq in read.rows:
        generation, payload = decode_versioned(value)
        if generation >= MAX_GENERATION:
            result.problems.append(
                Problem(key, "it is at the highest generation (2^64-1), so it can never be written again")
            )
        if payload is not None:
            keys[key] = payload
    for key, payload in keys.items():
        before = len(result.problems)
        if key.startswith(ROOM_PREFIX):
            _check_room(result, key, payload)
        elif key.startswith(HIST_PREFIX):
            _check_message(result, key, payload)
        elif key.startswith(MSG_PREFIX):
            result.count("0.1.0 messages")
        elif key.startswith(OUTBOX_PREFIX):
            result.count("outbox")
        elif key == META_KEY:
            result.count("meta")
            try:
                RoomsMeta.decode(payload)
            except (DecodeError, ValueError) as exc:
                result.problems.append(Problem(key, f"undecodable room preferences ({exc})"))
        elif key == LEGACY_BLOB_KEY:
            result.count("legacy")
            if MIGRATION_DONE_KEY not in keys:
                try:
                    decode_legacy_blob(payload)
                except (DecodeError, ValueError) as exc:
                    result.problems.append(Problem(key, f"the legacy room list cannot be migrated ({exc})"))
        else:
            result.count("other")
        if len(result.problems) == before:
            result.intact += 1
    return result


def _check_room(result: CheckResult, key: str, payload: bytes) -> None:
    result.count("rooms")
    vk = parse_room_key(key)
    if vk is None:
        result.problems.append(Problem(key, "not a valid room key (not base58 of an ed25519 key)"))
        return
    try:
        slot = decode_slot(payload)
        if isinstance(slot, PresentSlot):
            slot.room.room_state  # noqa: B018  (the whole state must decode)
    except (DecodeError, ValueError) as exc:
        result.problems.append(Problem(key, f"undecodable room slot ({exc})"))
        return
    if isinstance(slot, PresentSlot) and slot.room.owner_vk != vk:
        result.problems.append(Problem(key, "the slot holds another room"))


def _check_message(result: CheckResult, key: str, payload: bytes) -> None:
    result.count("messages")
    parsed = parse_hist_key(key)
    if parsed is None:
        result.problems.append(Problem(key, "not a valid history key"))
        return
    vk, (secs, nanos, mid) = parsed
    try:
        msg = AuthorizedMessage.from_obj(river_codec.loads(payload))
    except (DecodeError, ValueError) as exc:
        result.problems.append(Problem(key, f"undecodable message ({exc})"))
        return
    t = msg.message.time
    if msg.id != mid:
        result.problems.append(Problem(key, f"the message's id is {msg.id}, not its key's"))
    elif (t.secs, t.nanos) != (secs, nanos):
        result.problems.append(Problem(key, "the message's time is not its key's"))
    elif msg.message.room_owner != river_codec.fast_hash(vk):
        result.problems.append(Problem(key, "the message belongs to another room"))


async def cmd_store_check(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        raise CliError(f"no profile database at {db_path(args.profile)}")
    try:
        with _read_only_store(args.profile) as store:
            result = check_store(store)
    except StorageError as exc:  # not even openable: still a report on stdout, as --json promises
        result = CheckResult([Problem(DATABASE, one_line(str(exc), 2000))])
    data = result.to_json()
    if result.problems:
        raise CheckFailed(Output(data, result.render_problems()), len(result.problems))
    return Output(data, f"ok: {result.summary()}")


async def cmd_store_salvage(args: argparse.Namespace) -> Output:
    if not profile_exists(args.profile):
        raise CliError(f"no profile database at {db_path(args.profile)}")
    target = Path(args.to).expanduser()
    with _read_only_store(args.profile) as store:
        report = salvage(store, target)
    lost = [{"key": row.key, "problem": row.reason} for row in report.lost]
    data: dict[str, Json] = {"to": str(report.target), "copied": report.copied, "lost": lost}

    def text() -> str:
        lines = [f"copied {report.copied} key(s) into {report.target}; {db_path(args.profile)} was left as it is"]
        if lost:
            lines.append(f"lost {len(lost)} key(s) that could not be read:")
            lines.extend(f"  {row.key}: {row.reason}" for row in report.lost)
        else:
            lines.append("nothing was lost")
        return "\n".join(lines)

    return Output(data, text)
