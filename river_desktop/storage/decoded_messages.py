"""History messages already decoded, by key and the exact stored row they were decoded and accepted from.

Decoding a message is a pure function of its bytes, so a page read again (scrolling back, reopening a room)
reuses the messages whose stored row is, compared byte for byte, the very row they came from (``proof``: the
payload for the two-step read, the whole index row and envelope for the one-statement read, history_page.py);
every row is still read from the store and compared, so a key rewritten, damaged or deleted since is decoded (or
skipped) afresh, as before. Bounded: the least recently used go first. Used on the storage thread only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence

from river_desktop.domain.river.messages import AuthorizedMessage

DECODED_MESSAGES_KEPT = 4_000
"""About 80 pages of 50; a few MiB."""


class DecodedMessages:
    def __init__(self, limit: int = DECODED_MESSAGES_KEPT) -> None:
        self._limit = limit
        self._kept: OrderedDict[Hashable, tuple[object, AuthorizedMessage]] = OrderedDict()

    def get(self, key: Hashable, proof: object) -> AuthorizedMessage | None:
        """The message accepted under ``key`` from a row equal to ``proof``, if still kept."""
        found = self._kept.get(key)
        if found is None or found[0] != proof:
            return None
        self._kept.move_to_end(key)
        return found[1]

    def get_rows(
        self, room: bytes, rows: Sequence[tuple[Hashable, ...]]
    ) -> tuple[list[AuthorizedMessage | None], int]:
        """``get(row[0], (room, row))`` of each row (its first item its key), in one loop: a page of 50 is read
        many times a second while scrolling. Also how many were not kept."""
        kept, bump = self._kept, self._kept.move_to_end
        out: list[AuthorizedMessage | None] = []
        missing = 0
        for row in rows:
            key = row[0]
            found = kept.get(key)
            if found is None or found[0] != (room, row):
                out.append(None)
                missing += 1
            else:
                bump(key)
                out.append(found[1])
        return out, missing

    def put(self, key: Hashable, proof: object, message: AuthorizedMessage) -> None:
        self._kept[key] = (proof, message)
        self._kept.move_to_end(key)
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
