"""Every change a user makes to a River room, built as River's clients build it and applied by River's rules.

Each operation is pure: it takes the room's :class:`ChatRoomState`, the owner's verifying key, the
acting identity, a time and (private rooms) the reader's keyring, checks River's rules locally with a
clear :class:`RoomOpError` (or :class:`~river_desktop.domain.limits.LimitError` for a size), and returns
a :class:`Change`: the ``ChatRoomStateV1Delta`` to keep in the outbox and send, and the state that
delta produces through :func:`sync.apply_delta` (so it is exactly what River's contract stores).

What is River's (freenet/river ``cli/src/api.rs``, ``cli/src/private_room.rs``, ``cli/src/deputies.rs``,
``common/src/room_state/*.rs``, read for behaviour): the shape of each delta (a message alone; a join as
member + member info + join event; a nickname as member info version + 1 keeping the deputies; a
configuration as version + 1; a ban as one owner-or-member-signed ``AuthorizedUserBan``), the rejoin of
a member River pruned for inactivity (``build_rejoin_delta``: its ``AuthorizedMember``, the missing part
of its invite chain and its member info, sent with the message), who may ban whom, the refusal of a
ban that would remove the banner, and sealing under the room's *current* secret.

Public API::

    create_room(owner, name, description=None, nickname=None, *, private=False, now) -> Created
    join(state | None, invitation, nickname, *, now, keyring=None) -> Joined
    invite_chain_for(state, owner_vk, member) -> tuple[AuthorizedMember, ...]
    post_text(state, owner_vk, me, text, *, now, keyring=NO_SECRETS) -> Change
    reply(state, owner_vk, me, target, text, *, now, keyring=NO_SECRETS) -> Change
    edit(state, owner_vk, me, target, new_text, *, now, keyring=NO_SECRETS) -> Change
    delete(state, owner_vk, me, target, *, now, keyring=NO_SECRETS) -> Change
    react(state, owner_vk, me, target, emoji, *, now, keyring=NO_SECRETS) -> Change
    unreact(state, owner_vk, me, target, emoji, *, now, keyring=NO_SECRETS) -> Change
    mention(state, member_id, keyring=NO_SECRETS) -> str
    set_nickname(state, owner_vk, me, nickname, *, keyring=NO_SECRETS) -> Change
    rename(state, owner_vk, owner, name, *, keyring=NO_SECRETS) -> Change
    set_description(state, owner_vk, owner, description | None, *, keyring=NO_SECRETS) -> Change
    ban(state, owner_vk, me, target, *, now) -> Change
    ban_removes(state, target) -> frozenset[int]
    ban_refusal(state, owner_vk, banner_id, target) -> str | None
    rotate_secret(state, owner_vk, owner, *, now, keyring=NO_SECRETS) -> Rotated
    share_current_secret(state, owner_vk, owner, *, keyring) -> Change | None

``me`` is a :class:`Me`: the signing identity plus what RoomData keeps for a rejoin. The modules:
:mod:`.base` (results, errors, sealing, rejoin), :mod:`.rooms` (create, join, nickname, name),
:mod:`.posting` (messages and actions), :mod:`.moderation` (bans, the private room's secret).
"""

from river_desktop.domain.river.room_ops.base import (
    REJOIN_FALLBACK_NICKNAME,
    Change,
    Created,
    Joined,
    Me,
    RoomOpError,
    Rotated,
)
from river_desktop.domain.river.room_ops.moderation import (
    ban,
    ban_refusal,
    ban_removes,
    rotate_secret,
    share_current_secret,
)
from river_desktop.domain.river.room_ops.posting import delete, edit, mention, post_text, react, reply, unreact
from river_desktop.domain.river.room_ops.rooms import (
    create_room,
    invite_chain_for,
    join,
    rename,
    set_description,
    set_nickname,
)

__all__ = [
    "REJOIN_FALLBACK_NICKNAME",
    "Change",
    "Created",
    "Joined",
    "Me",
    "RoomOpError",
    "Rotated",
    "ban",
    "ban_refusal",
    "ban_removes",
    "create_room",
    "delete",
    "edit",
    "invite_chain_for",
    "join",
    "mention",
    "post_text",
    "react",
    "rename",
    "reply",
    "rotate_secret",
    "set_description",
    "set_nickname",
    "share_current_secret",
    "unreact",
]
