"""B11: search over 100,000 messages in 1,000 rooms, ours end to end vs a bare FTS5 query for the same rows.

Ours is ``StorageController.search`` awaited on the event loop: the query built from the user's text, the hop to the
storage thread, the read and the hit objects. The baseline is the same FTS5 query written out by hand on its own
connection, returning the same rows (checked), measured in the same run with the runs interleaved.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from river_desktop.storage import search_index as si
from river_desktop.storage.controller import StorageController

_BARE_ALL = (
    "SELECT d.room, d.mid, d.author, d.secs, d.nanos, d.key, f.text, snippet(search_fts, 0, '[', ']', '…', 16)"
    " FROM search_fts AS f JOIN search_doc AS d ON d.docid = f.rowid WHERE search_fts MATCH ?"
    " ORDER BY d.secs DESC, d.nanos DESC, d.mid DESC LIMIT 50"
)
_BARE_ROOM = _BARE_ALL.replace(" ORDER BY", " AND d.room = ? ORDER BY")


def b11_search(profile: Path, runs: int, alternate: object) -> dict[str, tuple[float, float, int]]:
    """Median seconds (ours, bare, hits) per query, on a profile ``demo populate`` built."""

    async def go() -> dict[str, tuple[float, float, int]]:
        ctl = await StorageController.open(profile)
        rooms = await ctl.load()
        some_room = next(iter(rooms.rooms))
        await ctl.search("warm up the index")  # a build, if one is due, is not what is measured
        conn = sqlite3.connect(profile / "river.sqlite3", isolation_level=None)
        out: dict[str, tuple[float, float, int]] = {}
        for label, text, room in (
            ("all rooms, common words", "sync bug", None),
            ("all rooms, one word", "logo", None),
            ("one room", "reading list", some_room),
        ):
            expression = si.match_expression(text)
            assert expression is not None
            params: tuple[object, ...] = (expression,) if room is None else (expression, room)
            sql = _BARE_ALL if room is None else _BARE_ROOM
            expected = [(r[0], r[1]) for r in conn.execute(sql, params).fetchall()]
            got = [(h.room, h.message_id) for h in await ctl.search(text, room)]
            assert got == expected and got, label

            async def ours(text: str = text, room: bytes | None = room) -> None:
                await ctl.search(text, room)

            def bare(sql: str = sql, params: tuple[object, ...] = params) -> None:
                conn.execute(sql, params).fetchall()

            medians = await alternate(runs * 20, ours, bare)  # type: ignore[operator]
            out[label] = (medians[0], medians[1], len(got))
        conn.close()
        await ctl.close()
        return out

    return asyncio.run(go())
