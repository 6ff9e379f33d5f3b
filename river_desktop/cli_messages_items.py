"""``messages list``'s items and text, made from a room and its listed page, for both paths that read the page.

The full path (``cli_rooms.cmd_messages_list``) and the light one (``cli_messages_list.py``) find the page in
different ways but must print the same bytes, so what they print is made here once. The light path imports this
module without the controller, so it imports only the domain and ``cli_base``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import replace

from river_desktop.cli_base import Json, Output, format_time, one_line
from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import views
from river_desktop.domain.river.content import CONTENT_TYPE_ACTION
from river_desktop.domain.river.mention import mentioned_ids
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.room_data import RoomData

PageWalk = Generator[AuthorizedMessage | None, list[AuthorizedMessage], list[AuthorizedMessage]]
"""Yields where to read next (the page before this message, or the newest for ``None``), is sent what was read,
returns the listed page; each path drives it with its own reader (the full path's is a coroutine)."""


def listed_page(room: RoomData, limit: int) -> PageWalk:
    """The newest history holding ``limit`` messages that are listed, or all there is: an edit, a delete or a
    reaction is stored as a message of its own but listed on its target, so it does not count; a banned
    member's messages are not shown at all (``RoomData.shown_history``)."""
    batch = yield None
    page = room.shown_history(batch)
    listed = [m for m in page if m.message.content.content_type != CONTENT_TYPE_ACTION]
    while len(listed) < limit and len(batch) >= limit:
        batch = yield batch[0]
        if not batch:
            break
        page = room.shown_history(batch) + page
        listed = [m for m in page if m.message.content.content_type != CONTENT_TYPE_ACTION]
    if len(listed) > limit:
        page = [m for m in page if m.order_key >= listed[-limit].order_key]
    return page


def history_view(room: RoomData, page: Sequence[AuthorizedMessage]) -> tuple[views.MessageItem, ...]:
    """River's display of a history page: edits, deletes and reactions resolved within the page and the
    room's window (actions come after their targets, so the newest page is always complete)."""
    state = room.room_state
    if room.waiting:
        merged: Sequence[AuthorizedMessage] = page
    else:
        by_id = {m.id: m for m in room.shown_history((*page, *state.recent_messages))}
        merged = sorted(by_id.values(), key=lambda m: m.order_key)
    wanted = {m.id for m in page}
    shown = views.messages(replace(state, recent_messages=tuple(merged)), room.keyring)
    return tuple(item for item in shown if item.message_id in wanted)


def mention_ids(room: RoomData, text: str) -> list[Json]:
    """The members ``text``'s mention tokens name, resolved as River resolves them for display (against the
    members with member info; a legacy full id is kept even when nobody has it)."""
    if "@[" not in text:
        return []
    return list(mentioned_ids(text, [info.member_id for info in room.room_state.member_info]))


def millis(msg: AuthorizedMessage) -> int:
    t = msg.message.time
    return t.secs * 1000 + t.nanos // 1_000_000


def page_output(room: RoomData, page: Sequence[AuthorizedMessage], notes: list[str] | None = None) -> Output:
    """The items of the listed page (an action is shown on its target, a deleted message as ``deleted``) and
    their text, rendered only when text is wanted."""
    shown = {item.message_id: item for item in history_view(room, page)}
    items: list[dict[str, Json]] = []
    texts: list[tuple[int, str, str, bool]] = []
    for msg in page:
        item = shown.get(msg.id)
        if item is None and msg.message.content.content_type == CONTENT_TYPE_ACTION:
            continue
        author = room.nickname_of(msg.author) if not room.waiting else member_id_display(msg.author)
        ms = millis(msg)
        text = "" if item is None else item.display
        items.append(
            {
                "id": msg.id,
                "author_member_id": msg.author,
                "author": author,
                "timestamp": ms,
                "text": text,
                "content_type": msg.message.content.content_type,
                "reply_to": None if item is None or item.reply_to is None else item.reply_to.message_id,
                "reactions": {} if item is None else {emoji: list(ids) for emoji, ids in item.reactions.items()},
                "edited": False if item is None else item.edited,
                "deleted": item is None,
                "own": msg.author == room.self_member_id,
                "mentions": mention_ids(room, text),
            }
        )
        texts.append((ms, author, text, item is not None))

    def render() -> str:
        lines = []
        for ms, author, text, present in texts:
            shown_text = views.plain_text(room.room_state, text, room.keyring) if "@[" in text else text
            body = one_line(shown_text, 500) if present else "(deleted)"
            lines.append(f"{format_time(ms)}  {one_line(author, 24)}: {body}")
        return "\n".join(lines) if lines else "no messages"

    return Output(items, render, [] if notes is None else notes)
