"""The rows the room view shows: River's display rules over the loaded history and the live state.

River's own view (:func:`domain.river.views.messages`) reads only the state's retained window; the app also
shows older history from the store. :class:`HistoryView` keeps every message loaded for the shown room
(pages read from the store, plus whatever the live state holds) and derives the shown rows from all of
them with River's rules (:mod:`domain.river.actions`): an edit shows its new text and "edited", a deleted
message is never a row, reactions are counted, a reply's quote is resolved from what is loaded now (not
from the reply's own snapshot). A member the current state bans shows no messages at all, as in River.
Bodies are opened once per message and keyring.
"""

from __future__ import annotations

from collections.abc import Iterable

from river_desktop.domain.river import views
from river_desktop.domain.river.actions import (
    MessageRecord,
    UnreadableContent,
    resolve_actions,
    time_key,
    visible_messages,
)
from river_desktop.domain.river.content import EVENT_TYPE_JOIN, EventContent, ReplyContent, TextContent
from river_desktop.domain.river.messages import AuthorizedMessage
from river_desktop.domain.river.privacy import OpenedBody
from river_desktop.domain.rooms import RoomData
from river_desktop.ui.room_view.message_model import ShownMessage


def _kind(opened: OpenedBody) -> tuple[views.MessageKind, str | None]:
    content = opened.content
    if content is None:
        return views.MessageKind.UNREADABLE, opened.placeholder or "[message cannot be read]"
    if isinstance(content, ReplyContent):
        return views.MessageKind.REPLY, None
    if isinstance(content, TextContent):
        return views.MessageKind.TEXT, None
    if isinstance(content, EventContent):
        if content.event_type == EVENT_TYPE_JOIN:
            return views.MessageKind.EVENT, "joined the room"
        return views.MessageKind.EVENT, f"[room event {content.event_type}]"
    return views.MessageKind.UNKNOWN, opened.placeholder or "[unsupported message type]"


class HistoryView:
    """One room's loaded messages and the rows they make (pure; no Qt)."""

    def __init__(self, room: RoomData) -> None:
        self.room = room
        self._loaded: dict[int, AuthorizedMessage] = {}
        self._opened: dict[int, tuple[MessageRecord, OpenedBody]] = {}
        self._keyring = room.keyring

    @property
    def owner_vk(self) -> bytes:
        return self.room.owner_vk

    def set_room(self, room: RoomData) -> None:
        """A newer copy of the same room (its live state changed); bodies are reopened if the keyring did."""
        assert room.owner_vk == self.room.owner_vk
        self.room = room
        ring = room.keyring
        if ring is not self._keyring and ring != self._keyring:
            self._opened.clear()
        self._keyring = ring

    def add(self, messages: Iterable[AuthorizedMessage]) -> None:
        for msg in messages:
            self._loaded.setdefault(msg.id, msg)

    def loaded_count(self) -> int:
        return len(self._loaded)

    def oldest(self) -> AuthorizedMessage | None:
        """The oldest message read from the store: where the next older page ends. (The live window is
        not asked: it may reach further back than the pages read so far, and the gap must still be read.)"""
        loaded = self._loaded.values()
        return min(loaded, key=lambda m: m.order_key) if loaded else None

    def _all(self) -> dict[int, AuthorizedMessage]:
        """The loaded pages and the live window, less what a ban hides (``RoomData.shown_history``)."""
        every = dict(self._loaded)
        for msg in self.room.room_state.recent_messages:
            every.setdefault(msg.id, msg)
        return {m.id: m for m in self.room.shown_history(every.values())}

    def _open(self, msg: AuthorizedMessage) -> tuple[MessageRecord, OpenedBody]:
        hit = self._opened.get(msg.id)
        if hit is None:
            body = msg.message.content
            opened = views.open_body(body, self._keyring)
            content = opened.content if opened.content is not None else UnreadableContent(body.content_type)
            t = msg.message.time
            hit = self._opened[msg.id] = (MessageRecord(msg.id, msg.author, time_key(t.secs, t.nanos), content), opened)
        return hit

    def rows(self) -> list[ShownMessage]:
        """Every shown message, in River's display order."""
        every = self._all()
        if self.room.waiting:
            return []
        opened = {mid: self._open(m) for mid, m in every.items()}
        records = [record for record, _ in opened.values()]
        resolved = resolve_actions(records)
        shown = {v.record.message_id: v for v in visible_messages(records)}
        out = []
        for mid, view in shown.items():
            msg = every[mid]
            kind, placeholder = _kind(opened[mid][1])
            reply_to = None
            content = view.record.content
            if isinstance(content, ReplyContent):
                target = content.target_message_id
                if target in shown:
                    tv = shown[target]
                    reply_to = views.ReplyTarget(target, views.ReplyStatus.SHOWN, tv.record.author_id, tv.text)
                elif target in resolved.deleted:
                    reply_to = views.ReplyTarget(target, views.ReplyStatus.DELETED, every[target].author)
                else:
                    reply_to = views.ReplyTarget(target, views.ReplyStatus.NOT_RETAINED)
            item = views.MessageItem(
                message_id=mid,
                author_id=msg.author,
                time=msg.message.time,
                kind=kind,
                content_type=msg.message.content.content_type,
                text=view.text,
                placeholder=placeholder,
                edited=view.edited,
                reactions=view.reactions,
                reply_to=reply_to,
                private=not msg.message.content.is_public,
            )
            out.append(ShownMessage(self.room.owner_vk, item))
        return out


__all__ = ["HistoryView"]
