"""Realistic demo data for screenshots, manual testing and benchmarks (no Qt, no network).

``populate`` builds every room in memory first — owner, several members authorised by the owner or
by an earlier member, signed nicknames, signed messages from several members with increasing
timestamps, a read marker somewhere in the history — and then persists it through the storage
controller in as few transactions as the controller allows. With ``seed`` the names, keys and
texts are reproducible; without it the keys come from the operating system's CSPRNG.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from river_desktop.domain.identity import SEED_LEN, SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import room_ops, sync
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.configuration import SealedBytes
from river_desktop.domain.river.content import ActionContent, Content, ReplyContent, TextContent
from river_desktop.domain.river.member_info import AuthorizedMemberInfo, MemberInfo, canonical
from river_desktop.domain.river.mention import build_token
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.state import ChatRoomState
from river_desktop.domain.river.summary import Delta
from river_desktop.domain.rooms import NotificationMode, ReadMarker, RoomData, Rooms
from river_desktop.storage.controller import SaveSession, StorageController

MESSAGE_BATCH = 5_000
BULK_ROOMS = 200
"""Rooms built before their first save is handed to the storage thread (one transaction each)."""
_DAY_MS = 86_400_000
_EMOJI = ("👍", "❤️", "😂", "🎉", "👀", "🙏")
_MARKUP = ("**{}**", "_{}_", "`{}`", "~~{}~~", "[{}](https://freenet.org)")
"""River's markdown in some demo texts (the subject in bold, italics, code, struck out or linked)."""

_TOPICS = (
    "Rust",
    "Python",
    "Freenet",
    "Gardening",
    "Astronomy",
    "Chess",
    "Cycling",
    "Photography",
    "Jazz",
    "Linux",
    "Cooking",
    "Climbing",
    "Sourdough",
    "Retro Gaming",
    "Privacy",
    "Ham Radio",
    "Knitting",
    "Birdwatching",
    "Typography",
    "Mechanical Keyboards",
    "Board Games",
    "Sci-Fi Books",
    "Woodworking",
    "Beekeeping",
    "Running",
    "Coffee",
    "Open Hardware",
    "Kotlin",
    "Haskell",
    "Film Club",
    "Urban Sketching",
    "Home Lab",
    "Synthesizers",
    "Permaculture",
    "Tea",
    "Marathon Training",
    "Philosophy",
    "Origami",
)
_KINDS = (
    "Hackers",
    "Club",
    "Circle",
    "Lounge",
    "Collective",
    "Guild",
    "Meetup",
    "Society",
    "Corner",
    "Workshop",
    "Crew",
    "Den",
    "Study Group",
    "Fans",
    "Night",
    "Support",
    "Exchange",
    "Lab",
)
_PLACES = (
    "Berlin",
    "Lisbon",
    "Oslo",
    "Austin",
    "Kyoto",
    "Nairobi",
    "Montreal",
    "Porto",
    "Tallinn",
    "Seoul",
    "Wellington",
    "Cape Town",
    "Lyon",
    "Boulder",
    "Ghent",
    "Valparaíso",
)
_NAMES = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "yuki",
    "zoe",
    "amara",
    "bao",
    "chiara",
    "dmitri",
    "elif",
    "farid",
    "greta",
    "hiro",
    "ines",
    "jonas",
    "kemal",
    "lena",
    "mateo",
    "noor",
    "oskar",
    "priya",
    "quinn",
    "rosa",
    "sami",
    "tariq",
    "uma",
    "vera",
    "wen",
    "ximena",
    "yara",
)
_OPENERS = (
    "Has anyone tried",
    "I just finished",
    "Quick question about",
    "Loving the new",
    "Reminder:",
    "Thoughts on",
    "Found a great article on",
    "Can someone explain",
    "Weekly update on",
    "Heads up about",
    "Just pushed a fix for",
    "Who is coming to",
    "Any recommendations for",
    "Finally got around to",
)
_SUBJECTS = (
    "the meetup next Thursday",
    "release 0.4",
    "the CRDT merge rules",
    "our reading list",
    "the new logo",
    "the sync bug from yesterday",
    "winter gear",
    "the shared calendar",
    "that conference talk",
    "the beginner guide",
    "our invite links",
    "the backup script",
    "the project roadmap",
    "the photo contest",
    "the build on ARM",
    "key rotation",
    "the spring workshop",
    "the wiki page",
    "the benchmark numbers",
)
_CLOSERS = (
    "",
    "",
    "",
    " :)",
    "!",
    "?",
    " — thanks in advance.",
    " Let me know what you think.",
    " 🎉",
    " Details in the doc.",
    " I can help if needed.",
    " (no rush)",
)
_REPLIES = (
    "Agreed!",
    "Good point.",
    "I'll take a look tonight.",
    "+1",
    "Not sure, let me check.",
    "That worked for me, thanks!",
    "Same here.",
    "Could you share a link?",
    "Count me in.",
)


class _CachedSigner(SigningIdentity):
    """A demo identity; rooms store it as a plain :class:`SigningIdentity` (``plain``). The base class keeps
    its libsodium key once derived, so each demo member's key pair is derived once."""

    def plain(self) -> SigningIdentity:
        return SigningIdentity(self.seed)


@dataclass(frozen=True)
class DemoStats:
    rooms: int
    members: int
    messages: int
    build_seconds: float
    save_seconds: float
    message_seconds: float

    @property
    def seconds(self) -> float:
        return self.build_seconds + self.save_seconds + self.message_seconds

    def to_json(self) -> dict[str, object]:
        return {
            "rooms": self.rooms,
            "members": self.members,
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "save_seconds": round(self.save_seconds, 3),
            "message_seconds": round(self.message_seconds, 3),
        }

    def summary(self) -> str:
        return (
            f"added {self.rooms} rooms, {self.members} members and {self.messages} messages in {self.seconds:.1f} s "
            f"(build {self.build_seconds:.1f} s, rooms {self.save_seconds:.1f} s, "
            f"messages {self.message_seconds:.1f} s)"
        )


class DemoBuilder:
    """Builds rooms and their messages in memory; deterministic for a given seed."""

    def __init__(self, seed: int | None, now_ms: int | None = None, *, reactions: bool = False) -> None:
        self.rng = random.Random(seed)
        self.reactions = reactions
        """Whether some messages are reactions (action messages: River shows them on their target)."""
        self.reproducible = seed is not None
        self.now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        self.members = 0

    def identity(self) -> _CachedSigner:
        seed = self.rng.randbytes(SEED_LEN) if self.reproducible else os.urandom(SEED_LEN)
        return _CachedSigner(seed)

    def room_names(self, count: int, taken: set[str]) -> list[str]:
        names: list[str] = []
        used = set(taken)
        while len(names) < count:
            rng = self.rng
            topic, kind = rng.choice(_TOPICS), rng.choice(_KINDS)
            name = f"{topic} {kind}" if rng.random() < 0.6 else f"{topic} {kind} {rng.choice(_PLACES)}"
            if name in used:
                name = f"{name} {rng.randint(2, 999)}"
            if name in used:
                continue
            used.add(name)
            names.append(name)
        return names

    def room(self, name: str, messages: int) -> tuple[RoomData, list[AuthorizedMessage]]:
        """One River room: owner-signed configuration, members, signed nicknames and messages; River's state
        keeps its window (the newest ``max_recent_messages``), every message goes to the history."""
        rng = self.rng
        owner = self.identity()
        vk = owner.verifying_key
        nicks = rng.sample(_NAMES, rng.randint(4, 9))
        state = ChatRoomState.genesis(owner, name, f"A place for {name.lower()}.", nickname=nicks[0])
        people: list[_CachedSigner] = [owner]
        memberships: dict[bytes, AuthorizedMember] = {}
        infos = []
        for nick in nicks[1:]:
            person = self.identity()
            inviter = owner if len(people) < 3 else rng.choice(people)
            am = AuthorizedMember.create(vk, inviter, person.verifying_key)
            infos.append(AuthorizedMemberInfo.create(MemberInfo(person.member_id, 0, SealedBytes.public(nick)), person))
            memberships[person.verifying_key] = am
            people.append(person)
        self.members += len(people)
        me = owner if rng.random() < 0.4 else rng.choice(people[1:])
        msgs = self.messages(vk, people, nicks, messages)
        window = msgs[-state.config.max_recent_messages :]
        delta = Delta(members=tuple(memberships.values()), member_info=tuple(infos), recent_messages=tuple(window))
        state = sync.apply_delta(state, vk, delta)
        marker = None
        if msgs:
            behind = 0 if rng.random() < 0.5 else rng.randint(1, min(len(msgs), 12))
            read_upto = len(msgs) - behind
            if read_upto > 0:
                marker = ReadMarker.of(msgs[read_upto - 1])
        am_me = memberships.get(me.verifying_key)
        chain: tuple[AuthorizedMember, ...] = ()
        if am_me is not None and am_me.member.id in state.members_by_id():
            chain = room_ops.invite_chain_for(state, vk, am_me)
        room = RoomData.new(
            vk,
            me.plain(),
            state,
            self_authorized_member=am_me,
            invite_chain=chain,
            self_member_info=canonical(state.member_info, me.member_id),
            last_read=marker,
            last_read_message_id=None if marker is None else marker.message_id,
            self_nickname=nicks[people.index(me)],
        )
        return room, msgs

    def messages(
        self, owner_vk: bytes, people: Sequence[SigningIdentity], nicks: Sequence[str], count: int
    ) -> list[AuthorizedMessage]:
        """Texts (some in markdown, some mentioning a member), replies and (when asked for) reactions, over
        two local days: the newest eight (or half, in a short room) come a day after the rest."""
        rng = self.rng
        ts = self.now_ms - count * 600_000 - _DAY_MS - rng.randint(0, 86_400_000)
        out: list[AuthorizedMessage] = []
        texts: list[tuple[AuthorizedMessage, str]] = []  # what a reply or a reaction can point at
        reacted: set[tuple[int, str, int]] = set()
        for number in range(count):
            ts += rng.randint(5_000, 900_000) + (_DAY_MS if number == max(count - 8, count // 2) else 0)
            ts = min(ts, self.now_ms - (count - number) * 1_000)
            author = rng.randrange(len(people))
            roll = rng.random()
            text: str | None = None
            if texts and roll < 0.15:
                back = rng.randint(1, min(len(texts), 5))
                target, target_text = texts[-back]
                text = rng.choice(_REPLIES)
                content: Content = ReplyContent(
                    text, target.id, nicks[_author_index(people, target.author)], target_text[:100]
                )
            elif (
                self.reactions
                and texts
                and roll < 0.27
                and (key := self._reaction(texts, people[author].member_id)) not in reacted
            ):
                reacted.add(key)
                content = ActionContent.reaction(key[0], key[1])
            else:
                subject = rng.choice(_SUBJECTS)
                if roll > 0.85:
                    subject = rng.choice(_MARKUP).format(subject)
                text = f"{rng.choice(_OPENERS)} {subject}{rng.choice(_CLOSERS)}"
                if rng.random() < 0.1:
                    who = rng.randrange(len(nicks))
                    text = f"{build_token(people[who].member_id, nicks[who])} {text}"
                content = TextContent(text)
            body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
            when = SystemTime(ts // 1000, (ts % 1000) * 1_000_000)
            message = AuthorizedMessage.create(owner_vk, people[author], when, body)
            out.append(message)
            if text is not None:
                texts.append((message, text))
        return out

    def _reaction(self, texts: Sequence[tuple[AuthorizedMessage, str]], member: int) -> tuple[int, str, int]:
        """(message, emoji, member) of a reaction to one of the last few texts."""
        target = texts[-self.rng.randint(1, min(len(texts), 4))][0]
        return target.id, self.rng.choice(_EMOJI), member

    def notification_mode(self) -> NotificationMode | None:
        roll = self.rng.random()
        if roll < 0.1:
            return NotificationMode.MUTED
        if roll < 0.2:
            return NotificationMode.MENTIONS_AND_REPLIES
        return None


async def populate(
    ctl: StorageController,
    session: SaveSession,
    rooms: Rooms,
    room_count: int,
    messages_per_room: int,
    seed: int | None = None,
    *,
    reactions: bool = False,
    bulk: bool = True,
    now_ms: int | None = None,
) -> DemoStats:
    """Add ``room_count`` demo rooms with ``messages_per_room`` messages each to ``rooms`` and persist them.

    ``bulk``: the new rooms are saved as they are built, ``BULK_ROOMS`` per transaction
    (``StorageController.save_new_rooms``, the same store contents); without it the normal save stores them
    afterwards, one transaction per room. ``now_ms``: the clock the message times are drawn back from.
    """
    started = time.perf_counter()
    builder = DemoBuilder(seed, now_ms, reactions=reactions)
    taken = {room.name for room in rooms.rooms.values()}
    all_messages: list[tuple[bytes, AuthorizedMessage]] = []
    messages_made = 0
    batch: dict[bytes, RoomData] = {}
    saving: asyncio.Task[None] | None = None
    for name in builder.room_names(room_count, taken):
        room, msgs = builder.room(name, messages_per_room)
        rooms.rooms[room.owner_vk] = room
        batch[room.owner_vk] = room
        mode = builder.notification_mode()
        if mode is not None:
            rooms.notification_modes[room.owner_vk] = mode
        # The save writes the window's messages with the slot; only the older ones need a history append.
        in_window = {m.id for m in room.room_state.recent_messages}
        all_messages.extend((room.owner_vk, m) for m in msgs if m.id not in in_window)
        messages_made += len(msgs)
        if bulk and len(batch) >= BULK_ROOMS:
            # The storage thread writes this batch while the next one is built (signing, SQLite and the disk
            # leave the GIL), one batch in flight at a time.
            if saving is not None:
                await saving
            saving = asyncio.ensure_future(ctl.save_new_rooms(session, batch))
            batch = {}
    built = time.perf_counter()
    if saving is not None:
        await saving
    if bulk and batch:
        await ctl.save_new_rooms(session, batch)
    report = await ctl.save(session, rooms)
    if not report.ok:
        from river_desktop.storage.errors import StorageError

        raise StorageError(f"the demo rooms could not all be saved: {report.summary()}")
    saved = time.perf_counter()
    await _append_all(ctl, session, all_messages)
    done = time.perf_counter()
    return DemoStats(
        rooms=room_count,
        members=builder.members,
        messages=messages_made,
        build_seconds=built - started,
        save_seconds=saved - built,
        message_seconds=done - saved,
    )


async def _append_all(
    ctl: StorageController, session: SaveSession, messages: list[tuple[bytes, AuthorizedMessage]]
) -> None:
    """Persist the whole history (the window is already stored with each slot) in large batches."""
    for start in range(0, len(messages), MESSAGE_BATCH):
        await ctl.append_history(session, messages[start : start + MESSAGE_BATCH])


def _author_index(people: Sequence[SigningIdentity], member_id: int) -> int:
    return next(i for i, p in enumerate(people) if p.member_id == member_id)
