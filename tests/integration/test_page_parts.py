"""``benchmarks/page_parts.py`` times each part of B8's page read and says which part is which."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers.damage import REPO


def test_the_parts_of_a_page_read_are_timed_and_the_awaited_page_includes_the_hop() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.page_parts", "--messages", "120", "--reads", "15"],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    parts = json.loads(out.strip().splitlines()[-1])
    assert set(parts) == {"bare", "statement", "page_on_storage_thread", "hop", "awaited", "ratio_awaited_over_bare"}
    assert all(value > 0 for value in parts.values())
    assert parts["awaited"] > parts["bare"]
