"""The demo profiles of one benchmark run: each populated once, shared by every figure of the same definition.

A profile is named by what ``river-desktop-cli demo populate`` makes of it (rooms, messages per room, reactions,
seed 7). Figures that only read it (cold load, ``rooms list``, search, memory) use it as it is; figures that write
(a save, the GUI's save phase) get a copy of the closed folder, so the next figure still measures the profile as
populated. Every populate's time is kept for the run's summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")

WARM_UP_ROOMS = 3
"""Rooms of the small profile the GUI benchmarks open first (benchmarks/gui_stall.py's warm-up window)."""


@dataclass(frozen=True)
class Spec:
    rooms: int
    messages: int
    reactions: bool = True

    @property
    def name(self) -> str:
        return f"{self.rooms}x{self.messages}{'r' if self.reactions else ''}"

    def label(self) -> str:
        flags = " --reactions" if self.reactions else ""
        return f"demo populate --rooms {self.rooms} --messages-per-room {self.messages}{flags}"


def populate(profile: Path, spec: Spec) -> None:
    """``river-desktop-cli demo populate`` in a process of its own, as a user would run it."""
    subprocess.run(
        [sys.executable, "-m", "river_desktop.cli", "--profile", str(profile), "demo", "populate", "--rooms",
         str(spec.rooms), "--messages-per-room", str(spec.messages), "--seed", "7",
         *(["--reactions"] if spec.reactions else [])],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip


@dataclass
class Profiles:
    root: Path
    made: dict[Spec, Path] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    copies: int = 0

    def read(self, rooms: int, messages: int, *, reactions: bool = True) -> Path:
        """The profile, populated on first use; only for figures that do not write to it."""
        spec = Spec(rooms, messages, reactions)
        path = self.made.get(spec)
        if path is None:
            path = self.root / f"profile-{spec.name}"
            self.timed(spec.label(), lambda: populate(path, spec))
            self.made[spec] = path
        return path

    def copy(self, rooms: int, messages: int, *, reactions: bool = True) -> Path:
        """A fresh copy of the profile (populated first if needed), for a figure that writes."""
        source = self.read(rooms, messages, reactions=reactions)
        self.copies += 1
        target = self.root / f"copy-{self.copies}-{source.name}"
        copy_profile(source, target)
        os.sync()  # the copy's dirty pages are written back now, not during the figure that writes to it
        return target

    def timed(self, label: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` (a populate or another fixture build), print and keep how long it took."""
        start = time.perf_counter()
        out = fn()
        took = time.perf_counter() - start
        self.timings.append((label, took))
        print(f"{label}: {took:.1f} s", flush=True)
        return out

    def summary(self) -> str:
        total = sum(t for _, t in self.timings)
        lines = [f"  {label}: {took:.1f} s" for label, took in self.timings]
        return "\n".join([f"profiles built: {len(self.timings)}, {total:.1f} s in all", *lines])


def copy_profile(source: Path, target: Path) -> None:
    """Copy a closed profile folder with all its files (the database, and its ``-wal`` if SQLite left one),
    keeping their modes (0700 folder, 0600 files), as the README says a profile must be copied."""
    shutil.copytree(source, target, copy_function=shutil.copy2)
