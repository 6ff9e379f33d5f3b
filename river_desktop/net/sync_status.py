"""What the sync engine reports (a phase and a reason, per room and overall) and how it paces reconnects."""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass


class Phase(enum.Enum):
    LOCAL_ONLY = "Local only"
    CONNECTING = "Connecting"
    CONNECTED = "Connected"
    SYNCED = "Synced"
    FAILED = "Failed"


@dataclass(frozen=True)
class SyncStatus:
    phase: Phase
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.phase.value}: {self.reason}" if self.reason else self.phase.value


Observer = Callable[[bytes | None, SyncStatus], None]
"""Called with a room's owner key (None: the whole engine) whenever that status changes."""


@dataclass(frozen=True)
class Backoff:
    """Delay before reconnect attempt ``n`` (0-based): ``initial * factor**n`` capped at ``maximum``, then
    reduced by up to ``jitter`` of itself so processes that lost the same node do not retry in step."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.25

    def delay(self, attempt: int, rng: random.Random) -> float:
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1.0 - self.jitter * rng.random())
