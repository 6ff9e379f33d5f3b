"""Issue 10, data safety: damaged, deleted, replaced and hostile profiles, on real files made by the real CLI."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from river_desktop.domain.rooms import Rooms
from river_desktop.storage import sqlite_kv
from river_desktop.storage.controller import StorageController
from river_desktop.storage.envelope import MAX_GENERATION, decode_versioned, encode_versioned
from river_desktop.storage.errors import (
    ForeignRowError,
    NotADatabaseError,
    StorageCorruptError,
    StorageGoneError,
    StorageIOError,
)
from river_desktop.storage.kv import Stored
from river_desktop.storage.salvage import salvage
from river_desktop.storage.sqlite_kv import SqliteKV
from tests.helpers.damage import (
    DB_NAME,
    digest,
    integrity,
    leaf_page_in_the_middle,
    overflow_page_of_a_row,
    populate,
    rows,
    trash_page,
)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = tmp_path_factory.mktemp("populated") / "profile"
    populate(profile)
    return profile


@pytest.fixture
def damaged(populated: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], set[str]]:
    """A copy of the populated profile with one page of message keys overwritten; (profile, rows before, lost)."""
    profile = tmp_path / "damaged"
    shutil.copytree(populated, profile)
    db = profile / DB_NAME
    before = rows(db)
    page, lost = leaf_page_in_the_middle(db)
    trash_page(db, page)
    return profile, before, lost


def _try_every_write(store: SqliteKV) -> list[BaseException]:
    attempts: list[Callable[[], object]] = [
        lambda: store.store("hist:new", b"x"),
        lambda: store.cas_store("room:new", b"x", 0),
        lambda: store.cas_store_many([("hist:a", b"x", 0), ("hist:b", b"y", 0)]),
        lambda: store.delete("rooms_meta"),
        lambda: store.restore_raw([("zzz", encode_versioned(1, b"x"))]),
    ]
    errors: list[BaseException] = []
    for attempt in attempts:
        with pytest.raises(StorageCorruptError) as caught:
            attempt()
        errors.append(caught.value)
    return errors


def test_a_damaged_database_is_marked_at_open_and_no_write_reaches_it(
    damaged: tuple[Path, dict[str, bytes], set[str]],
) -> None:
    profile, before, _lost = damaged
    db = profile / DB_NAME
    bytes_before, verdict_before = digest(db), integrity(db)
    assert verdict_before != "ok"
    with SqliteKV(db) as store:
        assert store.health.damaged is not None and "damaged" in store.health.damaged
        assert not store.health.writable
        for error in _try_every_write(store):
            assert "left as it is" in str(error) and "nothing more is saved" in str(error)
        intact = next(k for k in before if k.startswith("room:"))
        assert store.get_versioned(intact)[0] == decode_versioned(before[intact])[1]
    assert digest(db) == bytes_before
    assert integrity(db) == verdict_before


def test_corruption_met_after_open_stops_every_later_write(
    damaged: tuple[Path, dict[str, bytes], set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too big for the check at open (simulated): the first read that meets the damage marks it."""
    profile, _before, _lost = damaged
    db = profile / DB_NAME
    monkeypatch.setattr(SqliteKV, "_check_damage", lambda self, conn: None)
    bytes_before = digest(db)
    with SqliteKV(db) as store:
        assert store.health.writable
        store.scan("hist:")
        assert store.health.damaged is not None
        _try_every_write(store)
    assert digest(db) == bytes_before


def test_a_scan_over_a_damaged_page_returns_every_intact_key_and_names_the_damaged(
    damaged: tuple[Path, dict[str, bytes], set[str]],
) -> None:
    profile, before, lost = damaged
    with SqliteKV(profile / DB_NAME) as store:
        found, skipped = store.scan_report("hist:")
        got = {key for key, _gen, _payload in found}
        assert {row.key for row in skipped} == lost
        assert got == {k for k in before if k.startswith("hist:")} - lost
        for key, generation, payload in found:
            assert encode_versioned(generation, payload) == before[key]
        assert set(store.list("room:")) == {k for k in before if k.startswith("room:")}
        assert set(store.get_many(sorted(lost))) == lost  # asked-for damaged keys read as missing, no error
        entries = {key for key, _gen, _size in store.entries()}
        assert entries == set(before) - lost


def test_load_on_a_damaged_profile_serves_every_room_and_reports_the_damaged_keys(
    populated: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "rooms-damaged"
    shutil.copytree(populated, profile)
    db = profile / DB_NAME
    before = rows(db)
    page, lost = overflow_page_of_a_row(db, prefix="room:")  # a room slot spills over several pages
    trash_page(db, page)

    async def run() -> None:
        ctl = await StorageController.open(profile)
        try:
            result = await ctl.load_with_report(ctl.open_session("t"))
            assert {issue.key for issue in result.issues} >= lost
            rooms_before = {k for k in before if k.startswith("room:")}
            assert len(result.rooms.rooms) + len(result.rooms.removed) == len(rooms_before - lost)
            assert ctl.health.damaged is not None
            await ctl.unread_counts(result.rooms)
            report = await ctl.save(ctl.open_session("w"), _one_new_room())
            assert not report.ok and "damaged" in report.failures[0].reason
        finally:
            await ctl.close()

    bytes_before = digest(db)
    asyncio.run(run())
    assert digest(db) == bytes_before


def _one_new_room() -> Rooms:
    rooms = Rooms()
    rooms.create_room("Fresh", "me")
    return rooms


def test_salvage_copies_every_readable_key_into_a_new_profile_and_leaves_the_damaged_one(
    damaged: tuple[Path, dict[str, bytes], set[str]], tmp_path: Path
) -> None:
    profile, before, lost = damaged
    db = profile / DB_NAME
    bytes_before = digest(db)
    target = tmp_path / "saved"
    with SqliteKV(db, read_only="salvage") as store:
        report = salvage(store, target)
        with pytest.raises(Exception, match="already holds a database"):
            salvage(store, target)
    assert {row.key for row in report.lost} == lost
    assert rows(target / DB_NAME) == {k: v for k, v in before.items() if k not in lost}
    assert report.copied == len(before) - len(lost)
    assert integrity(target / DB_NAME) == "ok"
    assert digest(db) == bytes_before


# -- deleted or replaced while open


def test_a_profile_deleted_while_open_takes_no_writes_and_is_never_recreated(populated: Path, tmp_path: Path) -> None:
    profile = tmp_path / "doomed"
    shutil.copytree(populated, profile)

    async def run() -> None:
        ctl = await StorageController.open(profile)
        session = ctl.open_session("w")
        rooms = await ctl.load(session)
        seen: list[str | None] = []
        ctl.subscribe_health(lambda health: seen.append(health.gone))
        shutil.rmtree(profile)
        report = await ctl.save(session, rooms)  # nothing changed: no write needed
        rooms.create_room("After the delete", "me")
        report = await ctl.save(session, rooms)
        assert not report.ok
        assert "deleted or replaced while River Desktop was running" in report.failures[0].reason
        assert ctl.health.gone is not None and seen == [ctl.health.gone]
        with pytest.raises(StorageGoneError, match="nothing more is saved"):
            ctl.store.store("x", b"y")
        await ctl.close()

    asyncio.run(run())
    assert not profile.exists()


def test_a_database_replaced_while_open_is_left_alone(populated: Path, tmp_path: Path) -> None:
    profile = tmp_path / "replaced"
    shutil.copytree(populated, profile)
    other = tmp_path / "other.sqlite3"
    with SqliteKV(other) as theirs:
        theirs.store("theirs", b"1")
    with SqliteKV(profile / DB_NAME) as store:
        assert store.get("theirs") is None
        os.replace(other, profile / DB_NAME)
        after = digest(profile / DB_NAME)
        with pytest.raises(StorageGoneError, match="deleted or replaced"):
            store.store("mine", b"2")
        store.changes_since(0)
        assert store.health.gone is not None and "another file" in store.health.gone
    assert digest(profile / DB_NAME) == after
    assert rows(profile / DB_NAME).keys() == {"theirs"}


def _remove_tree(path: Path) -> None:
    """``rm -rf`` as a user repeats it: the storage thread may be writing one of the files as it goes."""
    for attempt in range(50):
        try:
            shutil.rmtree(path)
            return
        except OSError:
            if attempt == 49:
                raise


def test_the_change_poller_notices_a_deleted_profile(populated: Path, tmp_path: Path) -> None:
    profile = tmp_path / "polled"
    shutil.copytree(populated, profile)

    async def run() -> None:
        ctl = await StorageController.open(profile)
        noticed = asyncio.Event()
        ctl.subscribe(lambda event: None)  # starts the poller
        ctl.subscribe_health(lambda health: noticed.set())
        _remove_tree(profile)
        await asyncio.wait_for(noticed.wait(), 10)
        assert ctl.health.gone is not None
        await ctl.close()

    asyncio.run(run())
    assert not profile.exists()


# -- an empty file


def test_an_empty_database_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    db.touch()
    old = time.time() - 600
    os.utime(db, (old, old))
    with pytest.raises(NotADatabaseError, match=r"empty \(0 bytes\).*full disk"):
        SqliteKV(db)
    assert db.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_a_failed_first_creation_leaves_no_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / DB_NAME

    def fail(self: SqliteKV, conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqliteKV, "_enable_wal", fail)
    with pytest.raises(StorageIOError, match="full"):
        SqliteKV(db)
    assert not db.exists()
    monkeypatch.undo()
    with SqliteKV(db) as store:  # the next start simply creates the profile
        assert store.store("k", b"v") == 1


# -- rows this store did not write


def foreign_rows_db(path: Path) -> None:
    """A schema-1 kv table without the CHECK, holding one good row and one of each kind of foreign row."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL, seq INTEGER NOT NULL)")
    conn.execute("CREATE UNIQUE INDEX kv_seq ON kv (seq)")
    conn.execute("PRAGMA user_version = 1")
    good = encode_versioned(1, b"fine")
    top = b"\x01" + struct.pack("<Q", MAX_GENERATION) + b"last"
    conn.executemany(
        "INSERT INTO kv VALUES (?, ?, ?)",
        [("good", good, 1), ("k-maxseq", good, 2**63 - 1), ("k-textseq", good, "abc"), ("k-topgen", top, 3),
         ("k-textvalue", "not bytes", 4), ("k-intvalue", 5, 5)],
    )  # fmt: skip
    conn.execute("INSERT INTO kv VALUES (CAST(x'66ff6b' AS TEXT), ?, 6)", (good,))
    conn.close()


FOREIGN = {"k-maxseq", "k-textseq", "k-textvalue", "k-intvalue", "f\\xffk"}


def test_foreign_rows_are_skipped_by_every_read_and_no_read_raises(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    foreign_rows_db(db)
    with SqliteKV(db) as store:
        assert store.list() == ["good", "k-topgen"]
        assert [key for key, _g, _p in store.scan("")] == ["good", "k-topgen"]
        _found, skipped = store.scan_report("")
        assert {row.key for row in skipped} == FOREIGN
        many = store.get_many(["good", "k-maxseq", "k-textvalue", "k-intvalue"])
        assert many["good"] == (b"fine", 1) and many["k-intvalue"] == (None, 0)
        cursor, keys = store.changes_since(0)
        assert sorted(keys) == ["good", "k-topgen"] and cursor == 6  # past the foreign rows too
        assert [key for key, _g, _s in store.entries()] == ["good", "k-topgen"]
        with pytest.raises(ForeignRowError, match="not written by River Desktop"):
            store.get("k-textvalue")
        with pytest.raises(ForeignRowError, match="highest generation"):
            store.store("k-topgen", b"next")
        assert store.get_versioned("k-topgen") == (b"last", MAX_GENERATION)
        assert store.store("new", b"v") == 1  # the write counter skips the foreign seqs
        assert store.changes_since(cursor) == (7, ["new"])


# -- transient read errors


class _FlakyConnection(sqlite3.Connection):
    """Fails the next ``failures`` SELECTs on the kv table with SQLite's I/O error, as one EIO from the disk does."""

    failures = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if "FROM kv" in sql and type(self).failures > 0:
            type(self).failures -= 1
            error = sqlite3.OperationalError("disk I/O error")
            error.sqlite_errorcode = 266  # SQLITE_IOERR_READ
            raise error
        return super().execute(sql, *args)


def test_one_transient_read_error_is_retried_and_never_called_damage(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    with SqliteKV(db) as writer:
        writer.store("k", b"v")
    with SqliteKV(db, connection_factory=_FlakyConnection) as store:
        _FlakyConnection.failures = 1
        assert store.get("k") == b"v"
        _FlakyConnection.failures = 100
        with pytest.raises(StorageIOError, match=r"could not read .*input/output error.*check the disk") as caught:
            store.get("k")
        assert "damaged" not in str(caught.value) and "backup" not in str(caught.value)
        assert store.health.writable
        _FlakyConnection.failures = 0
        assert isinstance(store.cas_store("k", b"w", 1), Stored)


def test_the_check_at_open_is_bounded_by_the_file_size(
    damaged: tuple[Path, dict[str, bytes], set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the bound the cheaper quick_check runs; a damaged page header is found either way."""
    profile, _before, _lost = damaged
    monkeypatch.setattr(sqlite_kv, "FULL_CHECK_MAX_BYTES", 0)
    with SqliteKV(profile / DB_NAME) as store:
        assert store.health.damaged is not None
