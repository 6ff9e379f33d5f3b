"""Full-text search over local history (SQLite FTS5), kept in step with the history keys in their own transactions.

Like the order index (``history_index.py``), the store knows nothing of the message format: an ``Extractor`` the
controller supplies turns each key under its prefix into a ``SearchSource`` (a text message, an edit, a delete, or
``None``), and ``SqliteKV`` writes that source row in the same transaction as the key. Each write then recomputes the
searchable document of the message it concerns, exactly as River's ``actions_state`` would read it now: the original
text, replaced by its author's newest edit, and no document at all once its author deleted it (River's
``resolve_actions``). So an edit arriving before its target, or a delete before the message, still ends right.

Every key under the prefix keeps a source row (a NULL room for keys that add nothing), so a cheap count tells
whether the index agrees with the keys. A store whose search tables are missing, belong to another extractor, were
left behind by a writer without one, or disagree with that count is rebuilt in bounded, resumable batches
(``search_step``); until then ``search`` raises ``SearchIncompleteError``.

User text never reaches MATCH as syntax: ``match_expression`` keeps only word characters, quotes each word as an
FTS5 string and ANDs them (the last one as a prefix, for search as you type). Text with no words gives no query.

The index holds message text in the clear, private rooms' too when this profile holds their secret: it is as
private as the rest of the profile on this computer (the history keys hold the same text, sealed or not).
"""

from __future__ import annotations

import enum
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from river_desktop.domain.cbor import DecodeError
from river_desktop.domain.river import codec as river_codec
from river_desktop.domain.river import views
from river_desktop.domain.river.codec import fast_hash
from river_desktop.domain.river.content import (
    ACTION_TYPE_DELETE,
    ACTION_TYPE_EDIT,
    ActionContent,
    ReplyContent,
    TextContent,
)
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.views import NO_SECRETS, Keyring
from river_desktop.storage.errors import StorageError
from river_desktop.storage.slots import HIST_PREFIX, parse_hist_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from river_desktop.domain.room_data import RoomData

SEARCH_BATCH: Final = 256
"""Keys indexed per ``search_step``: one short write transaction."""

MATCH_START: Final = "\x02"
"""Marks where a match begins in ``SearchHit.snippet`` (front ends turn it into emphasis)."""
MATCH_END: Final = "\x03"

log = logging.getLogger(__name__)

_WORD: Final = re.compile(r"[^\W_]+", re.UNICODE)
_SNIPPET_TOKENS: Final = 16


class SourceKind(enum.IntEnum):
    TEXT = 0
    EDIT = 1
    DELETE = 2


@dataclass(frozen=True)
class SearchSource:
    """What one history key contributes: ``target`` is the message it concerns (its own id for ``TEXT``)."""

    room: bytes
    kind: SourceKind
    target: int
    message_id: int
    author: int
    secs: int
    nanos: int
    text: str = ""


@dataclass(frozen=True)
class Extractor:
    """Turns a stored key under ``prefix`` into its search source; ``name`` identifies the rule (another rebuilds)."""

    name: str
    prefix: str
    row: Callable[[str, bytes], SearchSource | None]

    def __repr__(self) -> str:
        return f"Extractor({self.name!r}, prefix={self.prefix!r})"


@dataclass(frozen=True)
class SearchHit:
    """One message as it reads now; ``snippet`` has ``MATCH_START``/``MATCH_END`` around the matched words."""

    room: bytes
    message_id: int
    author: int
    secs: int
    nanos: int
    key: str
    text: str
    snippet: str

    @property
    def plain_snippet(self) -> str:
        return self.snippet.replace(MATCH_START, "").replace(MATCH_END, "")


class SearchIncompleteError(StorageError):
    """The search index is being built or rebuilt; run ``search_step`` until it reports done."""


@runtime_checkable
class SearchKV(Protocol):
    """What a store with a search index offers beyond ``KVStore`` (``SqliteKV``)."""

    def attach_extractor(self, extractor: Extractor) -> None: ...

    def search_pending(self) -> bool: ...

    def search_step(self, batch: int = SEARCH_BATCH) -> bool: ...

    def search(self, expression: str, *, room: bytes | None = None, limit: int = 50) -> list[SearchHit]: ...


def match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression for what a user typed: every word quoted, ANDed, the last as a prefix.

    ``None`` when the text has no words (only punctuation or space), which searches for nothing.
    """
    words = _WORD.findall(text)
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


# -- schema and state ------------------------------------------------------------------------------------

_TABLES: Final = ("search_src", "search_doc", "search_fts", "search_state")


def create_tables(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS search_src (key TEXT PRIMARY KEY NOT NULL, room BLOB, kind INTEGER,"
        " target INTEGER, mid INTEGER, author INTEGER, secs INTEGER, nanos INTEGER, text TEXT) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS search_src_target ON search_src (room, target, kind, author)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS search_doc (docid INTEGER PRIMARY KEY, room BLOB NOT NULL, mid INTEGER NOT NULL,"
        " author INTEGER NOT NULL, secs INTEGER NOT NULL, nanos INTEGER NOT NULL, key TEXT NOT NULL,"
        " UNIQUE (room, mid))"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS search_state (name TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID")


def tables_exist(conn: sqlite3.Connection) -> bool:
    marks = ", ".join("?" * len(_TABLES))
    found = conn.execute(f"SELECT COUNT(*) FROM sqlite_master WHERE name IN ({marks})", _TABLES).fetchone()
    return int(found[0]) == len(_TABLES)


def _state(conn: sqlite3.Connection, name: str) -> object:
    row = conn.execute("SELECT value FROM search_state WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


def _set_state(conn: sqlite3.Connection, name: str, value: object) -> None:
    conn.execute("INSERT OR REPLACE INTO search_state (name, value) VALUES (?, ?)", (name, value))


def reset(conn: sqlite3.Connection, extractor: Extractor | None = None) -> None:
    """Forget everything and start the rebuild from the first key."""
    for table in ("search_src", "search_doc", "search_fts"):
        conn.execute(f"DELETE FROM {table}")
    _set_state(conn, "progress", "")
    if extractor is not None:
        _set_state(conn, "extractor", extractor.name)
        _set_state(conn, "prefix", extractor.prefix)


def needs_attach(conn: sqlite3.Connection, extractor: Extractor) -> bool:
    if not tables_exist(conn):
        return True
    return _state(conn, "extractor") != extractor.name or _state(conn, "prefix") != extractor.prefix


def attach(conn: sqlite3.Connection, extractor: Extractor) -> None:
    """Inside a write transaction: the tables exist and belong to ``extractor`` (else they start over)."""
    if not tables_exist(conn):
        for table in _TABLES:  # a half-dropped set (say, the FTS table alone) is rebuilt whole
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        create_tables(conn)
        reset(conn, extractor)
    elif needs_attach(conn, extractor):
        reset(conn, extractor)


def is_complete(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT value FROM search_state WHERE name = 'progress'").fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row[0] is None


def progress(conn: sqlite3.Connection) -> str:
    value = _state(conn, "progress")
    return value if isinstance(value, str) else ""


def set_progress(conn: sqlite3.Connection, value: str | None) -> None:
    _set_state(conn, "progress", value)


def source_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM search_src").fetchone()[0])


def mark_stale_if_indexed(conn: sqlite3.Connection, key: str) -> None:
    """A writer without an extractor wrote ``key``: under the indexed prefix, the index must be rebuilt."""
    try:
        prefix = _state(conn, "prefix")
    except sqlite3.OperationalError:
        return
    if isinstance(prefix, str) and key.startswith(prefix):
        reset(conn)


# -- keeping documents in step ----------------------------------------------------------------------------


def _old_target(conn: sqlite3.Connection, key: str) -> tuple[bytes, int] | None:
    row = conn.execute("SELECT room, target FROM search_src WHERE key = ? AND room IS NOT NULL", (key,)).fetchone()
    return None if row is None else (bytes(row[0]), int(row[1]))


def put_source(conn: sqlite3.Connection, key: str, source: SearchSource | None) -> None:
    """Record what ``key`` contributes (``None``: nothing) and recompute the documents it touches."""
    old = _old_target(conn, key)
    if source is None:
        params: tuple[object, ...] = (key, None, None, None, None, None, None, None, None)
    else:
        params = (
            key,
            source.room,
            int(source.kind),
            source.target,
            source.message_id,
            source.author,
            source.secs,
            source.nanos,
            source.text,
        )
    conn.execute("INSERT OR REPLACE INTO search_src VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", params)
    if old is not None:
        recompute(conn, *old)
    if source is not None and (source.room, source.target) != old:
        recompute(conn, source.room, source.target)


def deleted(conn: sqlite3.Connection, key: str, extractor: Extractor | None) -> None:
    """``key`` now holds a deleted marker: it keeps a source row that contributes nothing."""
    try:
        prefix = extractor.prefix if extractor is not None else _state(conn, "prefix")
    except sqlite3.OperationalError:
        return
    if isinstance(prefix, str) and key.startswith(prefix):
        put_source(conn, key, None)


_ORIGINAL: Final = (
    "SELECT mid, author, secs, nanos, text, key FROM search_src WHERE room = ? AND target = ? AND kind = 0"
    " ORDER BY secs, nanos, mid LIMIT 1"
)
_DELETED: Final = "SELECT 1 FROM search_src WHERE room = ? AND target = ? AND kind = 2 AND author = ? LIMIT 1"
_NEWEST_EDIT: Final = (
    "SELECT text FROM search_src WHERE room = ? AND target = ? AND kind = 1 AND author = ?"
    " ORDER BY secs DESC, nanos DESC, mid DESC LIMIT 1"
)


def recompute(conn: sqlite3.Connection, room: bytes, target: int) -> None:
    """The document of message ``target`` as it reads now (River's ``resolve_actions``: the author's own newest
    edit, none once the author deleted it); removed when there is nothing to find."""
    doc = conn.execute("SELECT docid FROM search_doc WHERE room = ? AND mid = ?", (room, target)).fetchone()
    original = conn.execute(_ORIGINAL, (room, target)).fetchone()
    text: str | None = None
    if original is not None:
        mid, author, secs, nanos, text, key = original
        if conn.execute(_DELETED, (room, target, author)).fetchone() is not None:
            text = None
        else:
            edit = conn.execute(_NEWEST_EDIT, (room, target, author)).fetchone()
            if edit is not None:
                text = edit[0]
    if doc is not None:
        conn.execute("DELETE FROM search_fts WHERE rowid = ?", (doc[0],))
    if original is None or text is None:
        if doc is not None:
            conn.execute("DELETE FROM search_doc WHERE docid = ?", (doc[0],))
        return
    if doc is None:
        cursor = conn.execute(
            "INSERT INTO search_doc (room, mid, author, secs, nanos, key) VALUES (?, ?, ?, ?, ?, ?)",
            (room, mid, author, secs, nanos, key),
        )
        docid = cursor.lastrowid
    else:
        docid = doc[0]
        conn.execute(
            "UPDATE search_doc SET author = ?, secs = ?, nanos = ?, key = ? WHERE docid = ?",
            (author, secs, nanos, key, docid),
        )
    conn.execute("INSERT INTO search_fts (rowid, text) VALUES (?, ?)", (docid, text))


# -- reading ----------------------------------------------------------------------------------------------

_SELECT: Final = (
    "SELECT d.room, d.mid, d.author, d.secs, d.nanos, d.key, f.text,"
    f" snippet(search_fts, 0, '{MATCH_START}', '{MATCH_END}', '…', {_SNIPPET_TOKENS})"
    " FROM search_fts AS f JOIN search_doc AS d ON d.docid = f.rowid WHERE search_fts MATCH ?"
)
SEARCH_ALL: Final = _SELECT + " ORDER BY d.secs DESC, d.nanos DESC, d.mid DESC LIMIT ?"
SEARCH_ROOM: Final = _SELECT + " AND d.room = ? ORDER BY d.secs DESC, d.nanos DESC, d.mid DESC LIMIT ?"


def search(conn: sqlite3.Connection, expression: str, room: bytes | None, limit: int) -> list[SearchHit]:
    """Newest first. ``expression`` comes from ``match_expression``, never from a user directly."""
    if limit < 0:
        raise ValueError("limit must not be negative")
    if room is None:
        rows = conn.execute(SEARCH_ALL, (expression, limit))
    else:
        rows = conn.execute(SEARCH_ROOM, (expression, room, limit))
    return [SearchHit(bytes(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5], r[6], r[7]) for r in rows]


# -- River's history keys ---------------------------------------------------------------------------------


def river_source(key: str, payload: bytes, keyring_of: Callable[[bytes], Keyring]) -> SearchSource | None:
    """What a ``hist:`` key adds to search: only values the history reads show (the message its key names, of
    the room its key names), opened with the room's keyring (a sealed body without its secret adds nothing)."""
    parsed = parse_hist_key(key)
    if parsed is None:
        return None
    room, (secs, nanos, message_id) = parsed
    try:
        message = AuthorizedMessage.from_obj(river_codec.loads(payload))
    except (DecodeError, ValueError, TypeError, KeyError):
        return None
    t = message.message.time
    if message.message.room_owner != fast_hash(room) or (t.secs, t.nanos, message.id) != (secs, nanos, message_id):
        return None
    content = views.open_body(message.message.content, keyring_of(room)).content
    kind, target, text = SourceKind.TEXT, message_id, ""
    if isinstance(content, TextContent | ReplyContent):
        text = content.text
    elif isinstance(content, ActionContent) and content.action_type == ACTION_TYPE_EDIT:
        if content.new_text is None:
            return None
        kind, target, text = SourceKind.EDIT, content.target, content.new_text
    elif isinstance(content, ActionContent) and content.action_type == ACTION_TYPE_DELETE:
        kind, target = SourceKind.DELETE, content.target
    else:
        return None
    return SearchSource(room, kind, target, message_id, message.author, secs, nanos, text)


def river_extractor(keyring_of: Callable[[bytes], Keyring]) -> Extractor:
    """The extractor of ``hist:`` keys; ``keyring_of(owner key)`` gives the secrets this profile holds for a room.

    A private room's message written before its secret was known adds nothing until the index is rebuilt.
    """
    return Extractor("river-search-v1", HIST_PREFIX, lambda key, payload: river_source(key, payload, keyring_of))


class SearchKeeper:
    """The controller's side of search, run only on its storage thread.

    It knows the rooms' keyrings (from every load and save) so the extractor can open private rooms' messages,
    and waits for the first rooms before a build, so a build never indexes a private room as unreadable.
    """

    def __init__(self, store: object) -> None:
        self._store = store if isinstance(store, SearchKV) else None
        self._rooms: dict[bytes, RoomData] = {}
        self._attached = False
        self._rooms_known = False

    def _keyring(self, owner_vk: bytes) -> Keyring:
        room = self._rooms.get(owner_vk)
        return NO_SECRETS if room is None else room.keyring

    def note_rooms(self, rooms: Mapping[bytes, RoomData]) -> None:
        self._rooms.update(rooms)
        self._rooms_known = True
        try:
            self._attach()
        except StorageError as exc:  # read-only or damaged: search says so when asked
            log.info("search index not attached: %s", exc)

    def _attach(self) -> SearchKV | None:
        if self._store is not None and not self._attached:
            self._store.attach_extractor(river_extractor(self._keyring))
            self._attached = True
        return self._store

    def step(self) -> bool:
        """One bounded batch of a build once rooms are known; ``True`` when there is nothing more to do now."""
        store = self._store if self._rooms_known else None
        if store is None:
            return True
        self._attach()
        return not store.search_pending() or store.search_step()

    def search(self, text: str, room: bytes | None, limit: int) -> list[SearchHit] | None:
        """The hits, finishing any build first; ``None`` when this store has no search index."""
        store = self._attach()
        if store is None:
            return None
        expression = match_expression(text)
        if expression is None or limit == 0:
            return []
        for _attempt in range(3):
            try:
                return store.search(expression, room=room, limit=limit)
            except SearchIncompleteError:
                while not store.search_step():
                    pass
        return store.search(expression, room=room, limit=limit)
