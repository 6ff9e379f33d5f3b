"""How the GUI thread shares the Python interpreter with the storage thread.

Decoding, verifying and merging rooms runs on the storage thread, in Python, so it holds the interpreter lock
while the GUI thread waits for it. CPython hands the lock to a waiting thread only after the switch interval
(5 ms by default), and the GUI thread needs it again for every Qt event it handles in Python (each timer,
paint or socket callback), so a busy storage thread turned one event-loop iteration into several waits of
5 ms each; on a loaded machine, each wait also waits for the scheduler. A 1 ms interval makes each of those
waits a fifth as long; a thread that holds the lock alone (the GUI thread idle in Qt's event loop) is not
interrupted by it.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL_S = 0.001


def share_with_gui() -> None:
    """Shorten the interpreter's switch interval to :data:`SWITCH_INTERVAL_S` (never lengthen a shorter one)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)


__all__ = ["SWITCH_INTERVAL_S", "share_with_gui"]
