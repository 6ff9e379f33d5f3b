"""River's edit/delete/reaction rules as one pure function (``message.rs`` ``rebuild_actions_state``).

River replays the retained messages in ``(time, id)`` order and applies each action to the state so far:

======================  ==================================================================================
action                  effect
======================  ==================================================================================
edit {new_text}         by the target's author only, and only while the target is not deleted; later wins
delete                  by the target's author only; also drops any edit
reaction {emoji}        by anyone, while the target is not deleted; a member is listed once per emoji
remove-reaction {emoji} removes only the actor's own reaction with that emoji
======================  ==================================================================================

Targets are non-action messages in the same window; an action aimed at an action, at an unknown id, with an
unknown type or with a payload that does not decode is ignored. Private actions we cannot decrypt are skipped
(pass :class:`UnreadableContent`). We sort the input ourselves, so the result never depends on the order the
caller supplies messages in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from river_desktop.domain.river.content import (
    ACTION_TYPE_DELETE,
    ACTION_TYPE_EDIT,
    ACTION_TYPE_REACTION,
    ACTION_TYPE_REMOVE_REACTION,
    CONTENT_TYPE_ACTION,
    ActionContent,
    Content,
    display_text,
)

NANOS_PER_SEC = 1_000_000_000


def time_key(secs_since_epoch: int, nanos_since_epoch: int = 0) -> int:
    """One sortable integer for a serde ``SystemTime``: River orders by it, then by message id."""
    return secs_since_epoch * NANOS_PER_SEC + nanos_since_epoch


@dataclass(frozen=True)
class UnreadableContent:
    """A body we could not read (no secret, or it does not decode); its clear ``content_type`` still counts."""

    content_type: int


@dataclass(frozen=True)
class MessageRecord:
    message_id: int
    author_id: int
    time: int
    """A :func:`time_key` value."""
    content: Content | UnreadableContent

    @property
    def is_action(self) -> bool:
        return self.content.content_type == CONTENT_TYPE_ACTION


@dataclass(frozen=True)
class ActionsState:
    """What the actions did: edited text, deletions and reactions, by target message id."""

    edited: Mapping[int, str] = field(default_factory=dict)
    deleted: frozenset[int] = frozenset()
    reactions: Mapping[int, Mapping[str, tuple[int, ...]]] = field(default_factory=dict)

    def reactions_on(self, message_id: int) -> Mapping[str, tuple[int, ...]]:
        return self.reactions.get(message_id, {})


@dataclass(frozen=True)
class MessageView:
    """A displayable (non-action, non-deleted) message with the actions applied."""

    record: MessageRecord
    text: str | None
    """The newest valid edit, else the original text; ``None`` for events, unknown or unreadable bodies."""
    edited: bool
    reactions: Mapping[str, tuple[int, ...]]


def ordered(messages: Iterable[MessageRecord]) -> list[MessageRecord]:
    """River's retention order ``(time, id)``; a repeated id is kept once (the first in that order)."""
    seen: set[int] = set()
    out = []
    for record in sorted(messages, key=lambda r: (r.time, r.message_id)):
        if record.message_id not in seen:
            seen.add(record.message_id)
            out.append(record)
    return out


def resolve_actions(messages: Iterable[MessageRecord]) -> ActionsState:
    """Replay every action over the messages, exactly as River rebuilds its ``actions_state``."""
    records = ordered(messages)
    authors = {r.message_id: r.author_id for r in records if not r.is_action}
    edited: dict[int, str] = {}
    deleted: set[int] = set()
    reactions: dict[int, dict[str, list[int]]] = {}
    for r in records:
        action = r.content
        if not isinstance(action, ActionContent):
            continue
        target, actor = action.target, r.author_id
        if action.action_type == ACTION_TYPE_EDIT:
            new_text = action.new_text
            if authors.get(target) == actor and target not in deleted and new_text is not None:
                edited[target] = new_text
        elif action.action_type == ACTION_TYPE_DELETE:
            if authors.get(target) == actor:
                deleted.add(target)
                edited.pop(target, None)
        elif action.action_type == ACTION_TYPE_REACTION:
            emoji = action.emoji
            if target in authors and target not in deleted and emoji is not None:
                reactors = reactions.setdefault(target, {}).setdefault(emoji, [])
                if actor not in reactors:
                    reactors.append(actor)
        elif action.action_type == ACTION_TYPE_REMOVE_REACTION:
            emoji = action.emoji
            on_target = reactions.get(target)
            if emoji is not None and on_target is not None:
                if emoji in on_target:
                    on_target[emoji] = [m for m in on_target[emoji] if m != actor]
                    if not on_target[emoji]:
                        del on_target[emoji]
                if not on_target:
                    del reactions[target]
    return ActionsState(
        edited=edited,
        deleted=frozenset(deleted),
        reactions={t: {e: tuple(ms) for e, ms in by_emoji.items()} for t, by_emoji in reactions.items()},
    )


def visible_messages(messages: Iterable[MessageRecord]) -> list[MessageView]:
    """River's ``display_messages`` with edits and reactions applied, in display order."""
    records = ordered(messages)
    state = resolve_actions(records)
    views = []
    for r in records:
        if r.is_action or r.message_id in state.deleted:
            continue
        edit = state.edited.get(r.message_id)
        original = None if isinstance(r.content, UnreadableContent) else display_text(r.content)
        views.append(
            MessageView(r, original if edit is None else edit, edit is not None, state.reactions_on(r.message_id))
        )
    return views


__all__ = [
    "ActionsState",
    "MessageRecord",
    "MessageView",
    "UnreadableContent",
    "ordered",
    "resolve_actions",
    "time_key",
    "visible_messages",
]
