"""Close a SqliteKV while threads are mid-call; run as a child so a crash (SIGSEGV) is a return code.

Four threads read and write in loops; once each has made a few calls, the main thread closes the store.
Every call must either complete or raise ``StoreClosedError``; anything else is printed as ``BAD <error>``.
Prints ``OK <calls completed>`` at the end. Start lines are barriers and semaphores, never sleeps.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from pathlib import Path

from river_desktop.storage.errors import StoreClosedError
from river_desktop.storage.sqlite_kv import SqliteKV

KEYS = [f"k{i:03}" for i in range(50)]


def one_round() -> tuple[int, list[str]]:
    completed = 0
    bad: list[str] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteKV(Path(folder) / "river.sqlite3")
        for key in KEYS:
            store.store(key, b"v" * 2000)
        start = threading.Barrier(5)
        busy = threading.Semaphore(0)

        def work(n: int) -> None:
            nonlocal completed
            start.wait()
            i = 0
            while True:
                try:
                    if n % 2:
                        store.scan_range("k", limit=50)
                        store.get_many(KEYS)
                    elif i % 5:
                        store.get(KEYS[i % 50])
                    else:
                        store.store(KEYS[i % 50], b"w" * 2000)
                except StoreClosedError:
                    return
                except BaseException as exc:  # every other outcome is the defect
                    with lock:
                        bad.append(f"{type(exc).__name__}: {exc}")
                    return
                finally:
                    i += 1
                    if i == 3:
                        busy.release()
                with lock:
                    completed += 1

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        start.wait()
        for _ in threads:
            busy.acquire()
        store.close()
        for thread in threads:
            thread.join()
    return completed, bad


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", type=int)
    rounds = parser.parse_args().rounds
    total = 0
    for _ in range(rounds):
        completed, bad = one_round()
        total += completed
        for line in bad:
            print(f"BAD {line}", flush=True)
    print(f"OK {total}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
