"""What a River room looks like to one reader: its name, members and messages, unsealed where we can.

Pure reads over :class:`ChatRoomState`; nothing here signs or changes a state (:mod:`.room_ops` does).
Private values are opened with the reader's keyring (:class:`privacy.RoomSecrets`); a value sealed
under a secret we do not hold comes back as a placeholder that says so, never as ciphertext.

Public API::

    keyring_for(state, identity, invitation_secrets=()) -> Keyring
    room_info(state, keyring=NO_SECRETS) -> RoomInfo
    members(state, owner_vk, you=None, keyring=NO_SECRETS) -> tuple[MemberRow, ...]   # your row first
    messages(state, keyring=NO_SECRETS) -> tuple[MessageItem, ...]                    # display order
    message_records(state, keyring=NO_SECRETS) -> list[MessageRecord]                 # for actions.py
    nickname_of(state, member_id, keyring=NO_SECRETS) -> UnsealedText | None
    plain_text(state, text, keyring=NO_SECRETS) -> str                              # mentions as @Name
    banned_authors(state, owner_vk) -> frozenset[int]                               # their history is hidden
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from river_desktop.domain.identity import SigningIdentity, member_id_display
from river_desktop.domain.river import codec as c
from river_desktop.domain.river import privacy
from river_desktop.domain.river.actions import (
    MessageRecord,
    UnreadableContent,
    resolve_actions,
    time_key,
    visible_messages,
)
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.configuration import PrivacyMode, SealedBytes
from river_desktop.domain.river.content import (
    EVENT_TYPE_JOIN,
    EventContent,
    ReplyContent,
    TextContent,
)
from river_desktop.domain.river.member_info import canonical
from river_desktop.domain.river.mention import MemberRef, render_plaintext, resolve_ref
from river_desktop.domain.river.mention_snippet import render_snippet
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.privacy import OpenedBody, UnsealedText
from river_desktop.domain.river.state import ChatRoomState

Keyring = privacy.RoomSecrets
NO_SECRETS = Keyring()


def keyring_for(
    state: ChatRoomState, identity: SigningIdentity, invitation_secrets: Iterable[tuple[int, bytes]] = ()
) -> Keyring:
    """River's ``collect_secrets_for_room``: our owner-signed blobs in the state, then invitation secrets."""
    return Keyring.collect(c.loads(state.secrets.encode()), identity.seed, invitation_secrets)


def unseal(sealed: SealedBytes, keyring: Keyring = NO_SECRETS) -> UnsealedText:
    return privacy.unseal_text(c.loads(sealed.encode()), keyring)


def open_body(body: RoomMessageBody, keyring: Keyring = NO_SECRETS) -> OpenedBody:
    return privacy.open_message_body(c.loads(body.encode()), keyring)


# --------------------------------------------------------------------------------------------- room


@dataclass(frozen=True)
class RoomInfo:
    name: UnsealedText
    description: UnsealedText | None
    private: bool
    secret_version: int
    """The room's current secret version (meaningful in private rooms only)."""
    secret_held: bool
    """Whether the keyring holds the current secret (always True in a public room)."""


def room_info(state: ChatRoomState, keyring: Keyring = NO_SECRETS) -> RoomInfo:
    display = state.config.display
    private = state.config.privacy_mode is PrivacyMode.PRIVATE
    current = state.secrets.current_version
    return RoomInfo(
        name=unseal(display.name, keyring),
        description=None if display.description is None else unseal(display.description, keyring),
        private=private,
        secret_version=current,
        secret_held=not private or current in keyring,
    )


# --------------------------------------------------------------------------------------------- members


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    verifying_key: bytes
    invited_by: int | None
    """The inviter's member id; ``None`` for the owner."""
    nickname: UnsealedText | None
    """``None`` when the member has no member info in the state."""
    is_owner: bool
    is_deputy: bool
    is_you: bool

    @property
    def display_name(self) -> str:
        return member_id_display(self.member_id) if self.nickname is None else self.nickname.display

    @property
    def id_display(self) -> str:
        return member_id_display(self.member_id)


def nickname_of(state: ChatRoomState, member_id: int, keyring: Keyring = NO_SECRETS) -> UnsealedText | None:
    info = canonical(state.member_info, member_id)
    return None if info is None else unseal(info.member_info.preferred_nickname, keyring)


def plain_text(state: ChatRoomState, text: str, keyring: Keyring = NO_SECRETS) -> str:
    """River's ``render_mentions_for_terminal``: each mention token as ``@`` and the member's current
    nickname (unsealed where we can), else the name the token carries."""
    return render_plaintext(text, mention_names(state, keyring))


def plain_snippet(
    state: ChatRoomState | None, snippet: str, text: str, marks: tuple[str, str], keyring: Keyring = NO_SECRETS
) -> str:
    """A search snippet of ``text`` as :func:`plain_text` shows the message (no state: the tokens' names)."""
    return render_snippet(snippet, text, (lambda _ref: None) if state is None else mention_names(state, keyring), marks)


def mention_names(state: ChatRoomState, keyring: Keyring = NO_SECRETS) -> Callable[[MemberRef], str | None]:
    """A mention's member's current nickname (unsealed where we can), or ``None``."""
    ids = [info.member_id for info in state.member_info]

    def name(ref: MemberRef) -> str | None:
        mid = resolve_ref(ref, ids)
        nick = None if mid is None else nickname_of(state, mid, keyring)
        return None if nick is None else nick.text

    return name


def deputy_ids(state: ChatRoomState) -> frozenset[int]:
    """Everyone named a deputy by someone (the owner's deputies act room-wide, a member's in their subtree)."""
    return frozenset(d for info in state.member_info for d in info.member_info.deputies)


def members(
    state: ChatRoomState, owner_vk: bytes, you: int | None = None, keyring: Keyring = NO_SECRETS
) -> tuple[MemberRow, ...]:
    """The owner and every current member: your row first, then the owner, then by name and id."""
    owner_id = c.fast_hash(owner_vk)
    deputies = deputy_ids(state)
    rows = [MemberRow(owner_id, owner_vk, None, nickname_of(state, owner_id, keyring), True, False, you == owner_id)]
    for am in state.members:
        mid = am.member.id
        rows.append(
            MemberRow(
                mid,
                am.member.member_vk,
                am.member.invited_by,
                nickname_of(state, mid, keyring),
                False,
                mid in deputies,
                you == mid,
            )
        )
    return tuple(sorted(rows, key=lambda r: (not r.is_you, not r.is_owner, r.display_name.casefold(), r.member_id)))


# --------------------------------------------------------------------------------------------- bans


def banned_authors(state: ChatRoomState, owner_vk: bytes) -> frozenset[int]:
    """Authors whose messages the app hides because the room's current state bans them.

    River's contract drops a banned member's messages with the member (``post_apply_cleanup`` in River's
    ``common/src/room_state.rs``: members an enforced ban removes are dropped, then every message whose
    author is neither the owner nor a current member), so River's UI never shows them again. The app keeps
    older history than River's window; this is the one rule that hides it for the UI, the CLI and search.

    A ban the state keeps (its banner checked by River's cleanup) on someone who is not a current member is
    enforced. A ban whose target is still a member is inert (for example a revoked deputy's, after the
    target rejoined): River shows that member's messages, and so does the app. The owner is never banned.
    Nothing is deleted: once the state no longer holds the ban, the messages show again.
    """
    if not state.bans:
        return frozenset()
    owner_id = c.fast_hash(owner_vk)
    current = state.members_by_id()
    return frozenset(
        b.ban.banned_user for b in state.bans if b.ban.banned_user != owner_id and b.ban.banned_user not in current
    )


# --------------------------------------------------------------------------------------------- messages


class MessageKind(enum.Enum):
    TEXT = "text"
    REPLY = "reply"
    EVENT = "event"
    UNKNOWN = "unknown"
    """A content type this client does not know."""
    UNREADABLE = "unreadable"
    """Sealed under a secret we lack, or bytes that do not decode."""


class ReplyStatus(enum.Enum):
    SHOWN = "shown"
    DELETED = "deleted"
    NOT_RETAINED = "not retained"
    """Outside River's window (or never seen): only the id is known."""


@dataclass(frozen=True)
class ReplyTarget:
    """The quoted message, resolved from the live state as River does (never from the reply's snapshot)."""

    message_id: int
    status: ReplyStatus
    author_id: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class MessageItem:
    message_id: int
    author_id: int
    time: SystemTime
    kind: MessageKind
    content_type: int
    text: str | None
    """The text (the newest edit if edited) of a text or reply message."""
    placeholder: str | None
    """What to show instead of text: an event, an unknown type, a body we cannot read."""
    edited: bool
    reactions: Mapping[str, tuple[int, ...]]
    """Emoji -> member ids, in the order River lists them."""
    reply_to: ReplyTarget | None
    private: bool

    @property
    def display(self) -> str:
        return self.text if self.text is not None else (self.placeholder or "")

    @property
    def id_display(self) -> str:
        return member_id_display(self.message_id)


def _record(msg: AuthorizedMessage, keyring: Keyring) -> tuple[MessageRecord, OpenedBody]:
    body = msg.message.content
    opened = open_body(body, keyring)
    content = opened.content if opened.content is not None else UnreadableContent(body.content_type)
    t = msg.message.time
    return MessageRecord(msg.id, msg.author, time_key(t.secs, t.nanos), content), opened


def message_records(state: ChatRoomState, keyring: Keyring = NO_SECRETS) -> list[MessageRecord]:
    """Every retained message, bodies opened where we can (the input :mod:`.actions` expects)."""
    return [_record(m, keyring)[0] for m in state.recent_messages]


def _kind_and_placeholder(opened: OpenedBody) -> tuple[MessageKind, str | None]:
    content = opened.content
    if content is None:
        return MessageKind.UNREADABLE, opened.placeholder
    if isinstance(content, ReplyContent):
        return MessageKind.REPLY, None
    if isinstance(content, TextContent):
        return MessageKind.TEXT, None
    if isinstance(content, EventContent):
        if content.event_type == EVENT_TYPE_JOIN:
            return MessageKind.EVENT, "joined the room"
        return MessageKind.EVENT, f"[room event {content.event_type}]"
    return MessageKind.UNKNOWN, opened.placeholder


def messages(state: ChatRoomState, keyring: Keyring = NO_SECRETS) -> tuple[MessageItem, ...]:
    """River's displayed messages: actions applied, deleted ones gone, replies resolved against the window."""
    by_id = {m.id: m for m in state.recent_messages}
    opened: dict[int, OpenedBody] = {}
    records = []
    for m in state.recent_messages:
        record, body = _record(m, keyring)
        records.append(record)
        opened[m.id] = body
    resolved = resolve_actions(records)
    views = visible_messages(records)
    shown = {v.record.message_id: v for v in views}
    out = []
    for v in views:
        mid = v.record.message_id
        msg = by_id[mid]
        kind, placeholder = _kind_and_placeholder(opened[mid])
        reply_to = None
        content = v.record.content
        if isinstance(content, ReplyContent):
            target = content.target_message_id
            if target in shown:
                tv = shown[target]
                reply_to = ReplyTarget(target, ReplyStatus.SHOWN, tv.record.author_id, tv.text)
            elif target in resolved.deleted:
                reply_to = ReplyTarget(target, ReplyStatus.DELETED, by_id[target].author)
            else:
                reply_to = ReplyTarget(target, ReplyStatus.NOT_RETAINED)
        out.append(
            MessageItem(
                message_id=mid,
                author_id=msg.author,
                time=msg.message.time,
                kind=kind,
                content_type=msg.message.content.content_type,
                text=v.text,
                placeholder=placeholder,
                edited=v.edited,
                reactions=v.reactions,
                reply_to=reply_to,
                private=not msg.message.content.is_public,
            )
        )
    return tuple(out)


__all__ = [
    "NO_SECRETS",
    "Keyring",
    "MemberRow",
    "MessageItem",
    "MessageKind",
    "ReplyStatus",
    "ReplyTarget",
    "RoomInfo",
    "banned_authors",
    "deputy_ids",
    "keyring_for",
    "members",
    "mention_names",
    "message_records",
    "messages",
    "nickname_of",
    "open_body",
    "plain_snippet",
    "plain_text",
    "room_info",
    "unseal",
]
