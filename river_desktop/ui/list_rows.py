"""The room list's rows for one window, rebuilt without re-creating the rows that did not change.

A refresh walks every room (the order may have changed anywhere), but a room whose data, mode, badge
and place are what they were gets the very :class:`RoomRow` object it had, so the model compares rows
by identity and tells the view only about the rows that changed. Badges for many rooms at once (the
first count after a load, or 10,000 rooms arriving) are turned into rows on the storage thread with
:func:`badge_rows`, and only adopted here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from river_desktop.domain.rooms import NotificationMode, RoomData, Rooms
from river_desktop.ui import room_order
from river_desktop.ui.room_rows import RoomRow

RowCache = dict[bytes, tuple[RoomData, RoomRow]]
Shown = dict[bytes, tuple[RoomRow, RoomRow]]
"""Per room: (the row derived from its data alone, the row last shown for it)."""
Badges = dict[bytes, tuple[RoomRow, RoomRow]]
"""Per room: (the row shown, the same row with its new unread count)."""

BULK_BADGES = 256
"""Counts for more rooms than this are turned into rows off the GUI thread."""


class ListRows:
    """The row caches of one window: ``base`` (per ``RoomData``, prepared off the GUI thread) and ``shown``."""

    def __init__(self) -> None:
        self.base: RowCache = {}
        self.shown: Shown = {}
        self._touched: set[bytes] | None = None
        """Rooms whose shown row was written or dropped since :meth:`snapshot` (None: no snapshot out)."""

    def rows(self, rooms: Rooms, unread: Mapping[bytes, int]) -> list[RoomRow]:
        """The list's rows for ``rooms`` in list order; unchanged rooms keep their row objects."""
        base, shown, data = self.base, self.shown, rooms.rooms
        modes = rooms.notification_modes
        all_ = NotificationMode.ALL
        out: list[RoomRow] = []
        append = out.append
        touched = self._touched
        for key, section, header in room_order.section_rows(rooms):
            room = data[key]
            hit = base.get(key)
            if hit is None or hit[0] is not room:
                hit = (room, RoomRow.of(room, all_))
                base[key] = hit
            row = hit[1]
            mode, count = modes.get(key, all_), unread.get(key, 0)
            last = shown.get(key)
            if last is not None and last[0] is row:
                prev = last[1]
                if prev.mode is mode and prev.unread == count and prev.section is section and prev.header == header:
                    append(prev)
                    continue
            same = row.mode is mode and row.unread == count and row.section is section and row.header == header
            out_row = row if same else replace(row, mode=mode, unread=count, section=section, header=header)
            shown[key] = (row, out_row)
            if touched is not None:
                touched.add(key)
            append(out_row)
        for cache in (base, shown):
            if len(cache) > len(data):
                gone = [k for k in cache if k not in data]
                for key in gone:
                    del cache[key]
                if touched is not None:
                    touched.update(gone)
        return out

    def snapshot(self) -> Shown:
        """A copy of ``shown`` for :func:`badge_rows` on another thread; rows written from now on are noted."""
        self._touched = set()
        return dict(self.shown)

    def adopt_badges(self, prepared: Badges, counts: Mapping[bytes, int]) -> Badges:
        """Rows :func:`badge_rows` made from the last :meth:`snapshot`, adopted; returns every row ``counts``
        changes. A room whose row was written since the snapshot (a refresh, with the older counts) is redone
        here: those are few, and every other room's row is as it was in the snapshot."""
        touched, self._touched = self._touched or set(), None
        shown = self.shown
        out = {k: v for k, v in prepared.items() if k not in touched}
        for key in touched:
            last = shown.get(key)
            count = counts.get(key)
            if last is not None and count is not None and last[1].unread != count:
                out[key] = (last[1], replace(last[1], unread=count))
        return self._adopt(out)

    def few_badges(self, counts: Mapping[bytes, int]) -> Badges | None:
        """:func:`badge_rows` for the few rooms of ``counts``, made and adopted here on the GUI thread; ``None``
        (nothing adopted) when one of them has no row shown yet: the caller then sets every row."""
        shown = self.shown
        if any(key not in shown for key in counts):
            return None
        return self._adopt(badge_rows(shown, counts))

    def _adopt(self, badges: Badges) -> Badges:
        """Each new badge row becomes the row shown for its room (its data-derived row stays)."""
        shown = self.shown
        shown.update((key, (shown[key][0], new)) for key, (_old, new) in badges.items())
        return badges


def badge_rows(shown: Shown, counts: Mapping[bytes, int]) -> Badges:
    """(the row shown, that row with its new count) for each room whose badge in ``counts`` differs (any thread).

    ``shown`` is a :meth:`ListRows.snapshot`, which the GUI thread no longer changes."""
    out: Badges = {}
    for key, count in counts.items():
        last = shown.get(key)
        if last is not None and last[1].unread != count:
            out[key] = (last[1], replace(last[1], unread=count))
    return out


__all__ = ["BULK_BADGES", "Badges", "ListRows", "RowCache", "Shown", "badge_rows"]
