"""SqliteKV under real contention: many threads on one store, many OS processes on one file.

Start lines are barriers (threading.Barrier, or a child that waits for "go" on stdin), never sleeps.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import river_desktop
from river_desktop.storage.errors import StoreBusyError
from river_desktop.storage.kv import KVStore, MemoryKV, Stored
from river_desktop.storage.sqlite_kv import SCHEMA_VERSION, SqliteKV

pytestmark = pytest.mark.slow

_REPO = Path(river_desktop.__file__).resolve().parents[1]
_TIMEOUT_S = 120

_CHILD_PRELUDE = textwrap.dedent(
    """
    import sys
    from river_desktop.storage.kv import Stored
    from river_desktop.storage.sqlite_kv import SqliteKV

    def increment(kv, key):
        conflicts = 0
        while True:
            value, generation = kv.get_versioned(key)
            if isinstance(kv.cas_store(key, str(int(value or b"0") + 1).encode(), generation), Stored):
                return conflicts
            conflicts += 1

    def wait_for_go():
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)
    """
)

_INCREMENTER = _CHILD_PRELUDE + textwrap.dedent(
    """
    path, count, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    kv = SqliteKV(path)
    wait_for_go()
    conflicts = sum(increment(kv, "counter") for _ in range(count))
    kv.store("done:" + name, str(conflicts).encode())
    kv.close()
    print("done", conflicts, flush=True)
    """
)

_FIRST_OPENER = _CHILD_PRELUDE + textwrap.dedent(
    """
    path, name = sys.argv[1], sys.argv[2]
    wait_for_go()
    with SqliteKV(path) as kv:
        kv.store("opened:" + name, b"1")
        increment(kv, "counter")
    print("done", flush=True)
    """
)

_WRITER = _CHILD_PRELUDE + textwrap.dedent(
    """
    with SqliteKV(sys.argv[1]) as kv:
        kv.store("b:1", b"one")
        kv.store("b:2", b"two")
        kv.delete("b:1")
        kv.cas_store("b:3", b"three", 0)
    print("done", flush=True)
    """
)

_LOCK_HOLDER = _CHILD_PRELUDE + textwrap.dedent(
    """
    import sqlite3
    path = sys.argv[1]
    with SqliteKV(path) as kv:
        kv.store("committed", b"yes")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO kv (key, value, seq) VALUES ('uncommitted', x'01010000000000000000', 999)")
    print("holding", flush=True)
    sys.stdin.readline()
    """
)


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=_REPO,
    )


def _expect_line(proc: subprocess.Popen[str], expected: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != expected:
        proc.kill()
        _, err = proc.communicate(timeout=_TIMEOUT_S)
        pytest.fail(f"child said {line!r}, expected {expected!r}; stderr:\n{err}")


def _start_together(procs: list[subprocess.Popen[str]]) -> list[str]:
    """Release every child at once (each waits for "go" after it is ready), then collect their output."""
    for proc in procs:
        _expect_line(proc, "ready")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=_TIMEOUT_S)
        assert proc.returncode == 0, err
        outputs.append(out)
    return outputs


def _counter(kv: KVStore) -> tuple[int, int]:
    value, generation = kv.get_versioned("counter")
    return int(value or b"0"), generation


@pytest.fixture(params=["memory", "sqlite"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> KVStore:
    return MemoryKV() if request.param == "memory" else SqliteKV(tmp_path / "kv.sqlite3")


def test_threads_cas_increments_lose_no_update(shared_store: KVStore) -> None:
    threads, rounds = 8, 200
    start = threading.Barrier(threads)
    wins = [0] * threads
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                while True:
                    value, generation = shared_store.get_versioned("counter")
                    result = shared_store.cas_store("counter", str(int(value or b"0") + 1).encode(), generation)
                    if isinstance(result, Stored):
                        assert result.generation == generation + 1
                        wins[index] += 1
                        break
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=_TIMEOUT_S)
    try:
        assert errors == []
        assert wins == [rounds] * threads
        assert _counter(shared_store) == (threads * rounds, threads * rounds)
        assert shared_store.changes_since(0)[1] == ["counter"]
        if isinstance(shared_store, SqliteKV):
            assert shared_store.integrity_check() == "ok"
    finally:
        shared_store.close()


def test_processes_cas_increments_lose_no_update(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    SqliteKV(db).close()
    processes, rounds = 4, 100
    outputs = _start_together([_spawn(_INCREMENTER, str(db), str(rounds), f"p{i}") for i in range(processes)])
    assert all(out.startswith("done ") for out in outputs)
    with SqliteKV(db) as kv:
        assert _counter(kv) == (processes * rounds, processes * rounds)
        assert kv.list("done:") == [f"done:p{i}" for i in range(processes)]
        reported = sum(int(out.split()[1]) for out in outputs)
        assert reported == sum(int(kv.get(f"done:p{i}") or b"-1") for i in range(processes))
        assert kv.integrity_check() == "ok"


def test_processes_opening_a_new_file_at_once_initialise_it_once(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    processes = 4
    _start_together([_spawn(_FIRST_OPENER, str(db), f"p{i}") for i in range(processes)])
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with SqliteKV(db) as kv:
        assert kv.schema_version() == SCHEMA_VERSION
        assert kv.list("opened:") == [f"opened:p{i}" for i in range(processes)]
        assert _counter(kv) == (processes, processes)
        assert kv.integrity_check() == "ok"


def test_changes_since_sees_another_processes_writes(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    with SqliteKV(db) as kv:
        kv.store("a:mine", b"x")
        cursor = kv.current_cursor()
        version = kv.data_version()
        proc = _spawn(_WRITER, str(db))
        out, err = proc.communicate(timeout=_TIMEOUT_S)
        assert proc.returncode == 0, err
        assert out.strip() == "done"
        assert kv.data_version() != version
        new_cursor, keys = kv.changes_since(cursor)
        assert keys == ["b:2", "b:1", "b:3"]
        assert new_cursor == kv.current_cursor() == cursor + 4
        assert kv.get_versioned("b:1") == (None, 2)
        assert kv.scan("b:") == [("b:2", 1, b"two"), ("b:3", 1, b"three")]
        assert kv.integrity_check() == "ok"


def test_a_killed_writer_releases_its_lock_and_loses_only_its_open_transaction(tmp_path: Path) -> None:
    db = tmp_path / "kv.sqlite3"
    SqliteKV(db).close()
    proc = _spawn(_LOCK_HOLDER, str(db))
    try:
        _expect_line(proc, "holding")
        with SqliteKV(db, busy_timeout_ms=50) as kv:
            with pytest.raises(StoreBusyError):
                kv.store("blocked", b"x")
            assert kv.get("committed") == b"yes"
    finally:
        proc.kill()
        proc.communicate(timeout=_TIMEOUT_S)
    with SqliteKV(db) as kv:
        assert kv.store("after", b"x") == 1
        assert kv.list() == ["after", "committed"]
        assert kv.raw("uncommitted") is None
        assert kv.integrity_check() == "ok"


def test_close_while_threads_read_and_write_never_crashes() -> None:
    """Closing mid-call once crashed the process (a connection freed under a running statement)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.helpers.close_hammer", "30"],
        cwd=_REPO,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, f"the child died (return code {proc.returncode}): {proc.stderr[-2000:]}"
    lines = proc.stdout.splitlines()
    assert [line for line in lines if line.startswith("BAD")] == []
    assert lines[-1].startswith("OK ") and int(lines[-1].split()[1]) > 0
