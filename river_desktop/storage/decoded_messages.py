"""History messages already decoded, by key and the exact bytes they were decoded from.

Decoding a message is a pure function of its bytes, so a page read again (scrolling back, reopening a room)
reuses the messages whose stored bytes are the very bytes they came from; every value is still read from the
store and compared, so a key rewritten, damaged or deleted since is decoded (or skipped) afresh, as before.
Bounded: the least recently used go first. Used on the storage thread only.
"""

from __future__ import annotations

from collections import OrderedDict

from river_desktop.domain.river.messages import AuthorizedMessage

DECODED_MESSAGES_KEPT = 4_000
"""About 80 pages of 50; a few MiB."""


class DecodedMessages:
    def __init__(self, limit: int = DECODED_MESSAGES_KEPT) -> None:
        self._limit = limit
        self._kept: OrderedDict[str, tuple[bytes, AuthorizedMessage]] = OrderedDict()

    def get(self, key: str, payload: bytes) -> AuthorizedMessage | None:
        """The message decoded from exactly ``payload`` under ``key`` (and accepted there), if still kept."""
        found = self._kept.get(key)
        if found is None or found[0] != payload:
            return None
        self._kept.move_to_end(key)
        return found[1]

    def put(self, key: str, payload: bytes, message: AuthorizedMessage) -> None:
        self._kept[key] = (payload, message)
        self._kept.move_to_end(key)
        while len(self._kept) > self._limit:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
