"""Fill a window's room list chunk by chunk (``storage.progressive_load``) instead of behind a loading page.

The first chunk (the room to open, the stored current room, the pinned rooms and the top of the stored
order) makes the window ready: its rows are shown, a room can be opened and typed in, changes are saved.
Each later chunk adds its rows; the rows of a chunk are derived on the storage thread, so the GUI thread
only merges a few hundred rooms and redraws the list per chunk. Other writers' changes are held back
(the live sync stays paused) until the last chunk is in, then merged like after a full load.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from river_desktop.domain.room_changes import RoomMap
from river_desktop.domain.rooms import Rooms
from river_desktop.storage import progressive_load as pl
from river_desktop.ui.window_merge import prepare_rows

if TYPE_CHECKING:
    from river_desktop.ui.window_state import WindowState


async def fill(state: WindowState) -> bool:
    """Load ``state``'s copy progressively; False when this profile needs the full load instead."""
    controller = state.controller
    loader = pl.ProgressiveLoad(controller, state.session)
    try:
        start = await loader.start()
        if not state.is_alive:
            return True
        state.begin_fill(start)
        first = pl.first_keys(start.meta, [state.initial_room], pl.CHUNK)
        async for chunk in loader.chunks(first):
            rows = await controller.run(partial(prepare_rows, Rooms(RoomMap(chunk.rooms)), list(chunk.rooms)))
            if not state.is_alive:
                return True
            state.absorb_chunk(chunk, rows, start.meta)
    except pl.NeedsFullLoad as exc:
        state.note_full_load(str(exc))
        return False
    return True


__all__ = ["fill"]
