"""River-model rooms for GUI tests: an owned room with a second member and signed messages at chosen times.

Messages built by :meth:`World.msg` are River's ``AuthorizedMessage`` values as the store's history holds
them (not in the room's live state); :meth:`World.live` applies an operation to the live state instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.invitation import Invitation
from river_desktop.domain.river import room_ops as ops
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.configuration import RoomDisplayMetadata
from river_desktop.domain.river.content import ActionContent, Content, ReplyContent, TextContent
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.rooms import RoomData, Rooms

T0 = 1_700_000_000_000
"""Milliseconds since the epoch; every world's messages are placed around it."""


def at(ms: int) -> SystemTime:
    return SystemTime(ms // 1000, (ms % 1000) * 1_000_000)


class World:
    """Ann owns the room; Bob joined by Ann's invitation (his join event, at ``join_at``, is the one live
    message; put it after the history when a test needs the history's rows first)."""

    def __init__(
        self, name: str = "Book club", description: str = "a room about books", *, join_at: int = T0 - 30_000
    ) -> None:
        self.rooms = Rooms()
        room = self.rooms.create_room(name, "ann", description, now=at(T0 - 60_000))
        self.key = room.owner_vk
        self.ann = room.self_identity
        invitation = Invitation.create(self.key, self.ann.seed)
        self.invitation = invitation
        self.bob = invitation.invitee_identity
        self.bob_me = ops.Me(self.bob, invitation.invitee, (), "bob")
        joined = ops.join(room.room_state, invitation, "bob", now=at(join_at))
        assert joined.state is not None
        self.room: RoomData = self.rooms.receive_state(self.key, joined.state)

    @property
    def state(self) -> ChatRoomState:
        return self.room.room_state

    def msg(
        self, text: str, ts: int, *, by: SigningIdentity | None = None, reply_to: int | None = None
    ) -> AuthorizedMessage:
        content: Content = TextContent(text) if reply_to is None else ReplyContent(text, reply_to, "", "")
        return self.signed(content, ts, by=by)

    def action(self, content: ActionContent, ts: int, *, by: SigningIdentity | None = None) -> AuthorizedMessage:
        return self.signed(content, ts, by=by)

    def signed(self, content: Content, ts: int, *, by: SigningIdentity | None = None) -> AuthorizedMessage:
        author = by or self.ann
        body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
        return AuthorizedMessage.create(self.key, author, at(ts), body)

    def history(self, count: int, start: int = 0) -> list[AuthorizedMessage]:
        return [
            self.msg(f"message {i}: " + "words " * (i % 7), T0 + i * 1000, by=self.bob if i % 2 else None)
            for i in range(start, start + count)
        ]

    def live(self, op: Callable[[ChatRoomState], ops.Change]) -> RoomData:
        """Apply a River operation to the live state (as if it arrived from the network); the new copy."""
        self.room = self.rooms.receive_state(self.key, op(self.state).state)
        return self.room

    def bob_renames(self, nickname: str) -> RoomData:
        return self.live(lambda s: ops.set_nickname(s, self.key, self.bob_me, nickname))


def ids(messages: list[AuthorizedMessage]) -> list[int]:
    return [m.id for m in messages]


def in_order(messages: list[AuthorizedMessage]) -> list[AuthorizedMessage]:
    return sorted({m.id: m for m in messages}.values(), key=lambda m: m.order_key)


def text_message(room: RoomData, text: str, ms: int, author: SigningIdentity | None = None) -> AuthorizedMessage:
    """A signed text message in ``room`` at ``ms`` (by you unless ``author``), as the history holds it."""
    content = TextContent(text)
    body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    return AuthorizedMessage.create(room.owner_vk, author or room.self_identity, at(ms), body)


def with_display(room: RoomData, name: str, description: str) -> RoomData:
    """The room as its owner configured it, below the domain's input checks (a hostile peer's data)."""
    config = room.room_state.configuration.with_changes(
        room.self_identity, display=RoomDisplayMetadata.public(name, description or None)
    )
    return room.with_state(replace(room.room_state, configuration=config))


__all__ = ["T0", "World", "at", "ids", "in_order", "text_message", "with_display"]
