"""Which rooms' unread badges a window counts again, and how a count of a few rooms joins the rest.

A room's badge depends on that room alone (its read marker, its notification mode, its history), so a message
arriving in one room, or one room read, needs that room counted, not all of them: at 10,000 rooms a full count
kept the storage thread busy for about 95 ms per arriving message. Loads, merges that add or drop rooms and
changes of the list's preferences still count every room. No Qt here: the window state uses it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping


class UnreadWanted:
    """The rooms asked for since the last :meth:`take`; ``None`` once every room was asked for."""

    def __init__(self) -> None:
        self._rooms: set[bytes] | None = set()
        self._asked = False

    def ask(self, rooms: Iterable[bytes] | None) -> None:
        """Count ``rooms`` again (``None``: every room)."""
        self._asked = True
        if rooms is None:
            self._rooms = None
        elif self._rooms is not None:
            self._rooms.update(rooms)

    @property
    def asked(self) -> bool:
        return self._asked

    def take(self) -> set[bytes] | None:
        """What was asked (``None``: every room), and nothing asked from now on."""
        rooms, self._rooms, self._asked = self._rooms, set(), False
        return rooms


def merged_counts(
    before: Mapping[bytes, int], counted: Mapping[bytes, int], asked: set[bytes] | None, present: Collection[bytes]
) -> dict[bytes, int]:
    """The window's badges after counting ``asked`` (``None``: every room) gave ``counted``.

    Only rooms in ``present`` (the window's rooms now) keep a badge: a room asked for and not counted, or gone
    while it was counted, loses its badge; every other room keeps the count it had.
    """
    if asked is None:
        return {key: count for key, count in counted.items() if key in present}
    out = {key: count for key, count in before.items() if key in present}
    for key in asked:
        count = counted.get(key)
        if count is None or key not in present:
            out.pop(key, None)
        else:
            out[key] = count
    return out


__all__ = ["UnreadWanted", "merged_counts"]
