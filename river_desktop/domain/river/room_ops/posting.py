"""Messages and the actions on them (reply, edit, delete, react), with River's author and target rules."""

from __future__ import annotations

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import views as v
from river_desktop.domain.river.actions import visible_messages
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ActionContent, ReplyContent, TextContent
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.room_ops.base import (
    REPLY_PREVIEW_CHARS,
    Change,
    Me,
    RoomOpError,
    post_content,
    resolve_target,
)
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.views import NO_SECRETS, Keyring


def mention(state: ChatRoomState, member_id: int, keyring: Keyring = NO_SECRETS) -> str:
    """River's mention token for a member, named by its (unsealed) nickname or its id."""
    nick = v.nickname_of(state, member_id, keyring)
    name = member_id_display(member_id) if nick is None or nick.text is None else nick.text
    return build_token(member_id, name)


def post_text(
    state: ChatRoomState, owner_vk: bytes, me: Me, text: str, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Change:
    return post_content(state, owner_vk, me, TextContent(text), now, keyring)


def reply(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    text: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    """A reply to a displayed message, with River's snapshot of its author's name and the first 100
    characters of its current text, mentions shown as ``@Name``."""
    shown = {view.record.message_id: view for view in visible_messages(v.message_records(state, keyring))}
    view = shown.get(target)
    if view is None:
        raise RoomOpError(f"message {member_id_display(target)} is not shown in this room, so it cannot be replied to")
    author = view.record.author_id
    nick = v.nickname_of(state, author, keyring)
    name = member_id_display(author) if nick is None or nick.text is None else nick.text
    preview = v.plain_text(state, view.text or "", keyring)[:REPLY_PREVIEW_CHARS]
    return post_content(state, owner_vk, me, ReplyContent(text, target, name, preview), now, keyring)


def edit(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    new_text: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    author, deleted, _ = resolve_target(state, keyring, target)
    if author != me.member_id:
        raise RoomOpError("only the author of a message can edit it")
    if target in deleted:
        raise RoomOpError("a deleted message cannot be edited")
    return post_content(state, owner_vk, me, ActionContent.edit(target, new_text), now, keyring)


def delete(
    state: ChatRoomState, owner_vk: bytes, me: Me, target: int, *, now: SystemTime, keyring: Keyring = NO_SECRETS
) -> Change:
    author, deleted, _ = resolve_target(state, keyring, target)
    if author != me.member_id:
        raise RoomOpError("only the author of a message can delete it")
    if target in deleted:
        raise RoomOpError("this message is already deleted")
    return post_content(state, owner_vk, me, ActionContent.delete(target), now, keyring)


def react(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    emoji: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    _, deleted, reactions = resolve_target(state, keyring, target)
    if not emoji:
        raise RoomOpError("a reaction needs an emoji")
    if target in deleted:
        raise RoomOpError("a deleted message cannot be reacted to")
    if me.member_id in reactions.get(target, {}).get(emoji, ()):
        raise RoomOpError("you already reacted with this emoji")
    return post_content(state, owner_vk, me, ActionContent.reaction(target, emoji), now, keyring)


def unreact(
    state: ChatRoomState,
    owner_vk: bytes,
    me: Me,
    target: int,
    emoji: str,
    *,
    now: SystemTime,
    keyring: Keyring = NO_SECRETS,
) -> Change:
    _, deleted, reactions = resolve_target(state, keyring, target)
    if target in deleted:
        raise RoomOpError("this message is deleted; its reactions are no longer shown")
    if me.member_id not in reactions.get(target, {}).get(emoji, ()):
        raise RoomOpError("you have no reaction with this emoji on this message to remove")
    return post_content(state, owner_vk, me, ActionContent.remove_reaction(target, emoji), now, keyring)
