"""``benchmarks/save_pairs.py`` runs each build's own code: two workers, saves in turn, a parseable verdict."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.damage import REPO, populate


def test_two_builds_save_in_turn_and_report_their_ratio(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    populate(profile, rooms=2, messages=3)
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.save_pairs", "--a", str(REPO), str(profile), "--b", str(REPO),
         str(profile), "--pairs", "4"],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert out.count(f"code from {REPO / 'river_desktop'}") == 2
    medians = re.search(r"a: median ([\d.]+) ms; b: median ([\d.]+) ms", out)
    ratios = re.search(r"ratio of medians ([\d.]+), median of pair ratios ([\d.]+)", out)
    assert medians is not None and ratios is not None, out
    assert all(float(v) > 0 for v in (*medians.groups(), *ratios.groups()))
