"""The argument parser of ``river-desktop-cli``: every group, command and option, without importing any command.

A command's handler is named as ``"module:function"`` (a module of ``river_desktop``), imported only when that
command runs: building the parser must cost the same for ``rooms list`` as for ``net sync``. Given the command
line, only the named group's actions are built (the others are listed by name and help, which is all a run of
another group can show of them); when the group cannot be told for sure, everything is built.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from river_desktop.cli_base import (
    MAX_DEMO_MESSAGES_PER_ROOM,
    MAX_DEMO_ROOMS,
    MAX_LIST_LIMIT,
    MAX_SEARCH_LIMIT,
    MAX_SEED,
    NOTIFY_CHOICES,
    PROG,
    int_between,
)
from river_desktop.storage.profile_paths import DefaultProfile

GROUPS = frozenset(
    {"rooms", "invite", "messages", "store", "net", "demo", "identity", "import", "export", "members", "search"}
)
_VALUED = ("--profile", "--node")


def named_group(argv: Sequence[str] | None) -> str | None:
    """The group ``argv`` runs, read as argparse reads it (options before it, ``--``); ``None`` when unsure."""
    if argv is None:
        return None
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            return tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1] in GROUPS else None
        if not token.startswith("-") or token == "-":
            return token if token in GROUPS else None
        if token.startswith("--") and "=" not in token and len(token) > 2:
            if any(option.startswith(token) for option in _VALUED):
                i += 1  # the option's value
        elif not token.startswith("--") and token not in ("-v", "-h"):
            return None  # combined or unknown short options: let argparse read the whole line
        i += 1
    return None


class _Unbuilt:
    """The actions of a group this run does not name: every call is accepted and builds nothing."""

    def add_parser(self, *_args: Any, **_kwargs: Any) -> _Unbuilt:
        return self

    def add_argument(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def add_mutually_exclusive_group(self, *_args: Any, **_kwargs: Any) -> _Unbuilt:
        return self

    def set_defaults(self, **_kwargs: Any) -> None:
        return None


_UNBUILT = _Unbuilt()


def _group(groups: Any, name: str, helptext: str, only: str | None, metavar: str = "ACTION") -> Any:
    """The group's parser listed under ``groups``; its actions' subparsers, or nothing when another group runs."""
    parser = groups.add_parser(name, help=helptext)
    if only is not None and only != name:
        return _UNBUILT
    return parser.add_subparsers(dest="command", metavar=metavar, required=True)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``argv``, only the actions of the group it names (see the module's text)."""
    only = named_group(argv)
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Headless commands on a River Desktop profile (safe alongside running app windows).",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=DefaultProfile(),
        metavar="DIR",
        help="profile directory (default: %(default)s)",
    )
    parser.add_argument(
        "--node",
        metavar="URL",
        help="the Freenet node for `net` commands (default: $RIVER_DESKTOP_NODE, else ws://127.0.0.1:7509)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output (see docs/cli.md)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log storage activity on stderr")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)

    rooms = _group(groups, "rooms", "list and manage rooms", only)
    p = rooms.add_parser("list", help="rooms in your order, favourites first")
    p.add_argument("--all", action="store_true", help="also archived rooms and the rooms you left (state `left`)")
    p.set_defaults(handler="cli_rooms_list:cmd_rooms_list")
    p = rooms.add_parser("create", help="create a room you own; prints its key")
    p.add_argument("name")
    p.add_argument("--nickname", default="", help="your nickname in the room")
    p.add_argument("--private", action="store_true", help="encrypt the room's messages with a room secret")
    p.set_defaults(handler="cli_rooms:cmd_rooms_create")
    p = rooms.add_parser("rename", help="rename a room you own")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler="cli_rooms:cmd_rooms_rename")
    p = rooms.add_parser("nickname", help="set your nickname in a room")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("nick", metavar="NICK")
    p.set_defaults(handler="cli_rooms:cmd_rooms_nickname")
    p = rooms.add_parser("notify", help="set a room's notification mode")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("mode", choices=list(NOTIFY_CHOICES))
    p.set_defaults(handler="cli_rooms:cmd_rooms_notify")
    p = rooms.add_parser("move", help="reorder the room list")
    p.add_argument("room", metavar="ROOM")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--before", metavar="ROOM2")
    where.add_argument("--to-end", action="store_true")
    p.set_defaults(handler="cli_rooms:cmd_rooms_move")
    p = rooms.add_parser("leave", help="leave a room (only an invitation brings it back)")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler="cli_rooms:cmd_rooms_leave")

    invite = _group(groups, "invite", "create, inspect and accept invitation codes", only)
    p = invite.add_parser("create", help="print an invitation code (a secret!)")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler="cli_rooms:cmd_invite_create")
    p = invite.add_parser("inspect", help="decode a code without showing its secrets")
    p.add_argument("code", metavar="CODE")
    p.set_defaults(handler="cli_rooms:cmd_invite_inspect")
    p = invite.add_parser("accept", help="join (or explicitly rejoin) the room of a code")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--nickname", default="", help="your nickname in the room")
    p.set_defaults(handler="cli_rooms:cmd_invite_accept")

    messages = _group(groups, "messages", "send and read messages", only)
    p = messages.add_parser("send", help="post a signed message")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("text", metavar="TEXT")
    p.set_defaults(handler="cli_rooms:cmd_messages_send")
    p = messages.add_parser("list", help="the newest messages, oldest first")
    p.add_argument("room", metavar="ROOM")
    p.add_argument(
        "--limit",
        type=int_between(1, MAX_LIST_LIMIT),
        default=50,
        metavar="N",
        help=f"at most N messages (default 50, at most {MAX_LIST_LIMIT:,})",
    )
    p.add_argument("--mark-read", action="store_true", help="mark the room read up to the newest listed message")
    p.set_defaults(handler="cli_messages_list:cmd_messages_list")

    store = _group(groups, "store", "inspect the profile's key-value store", only)
    p = store.add_parser("keys", help="every live key with its generation and size")
    p.set_defaults(handler="cli_store:cmd_store_keys")
    p = store.add_parser("check", help="integrity and decodability check, key by key (read-only)")
    p.set_defaults(handler="cli_store:cmd_store_check")
    p = store.add_parser("salvage", help="copy every readable key into a new profile; the original is not changed")
    p.add_argument("--to", required=True, metavar="DIR", help="a new or empty folder for the new profile")
    p.set_defaults(handler="cli_store:cmd_store_salvage")

    net = _group(groups, "net", "talk to a Freenet node (see --node)", only)
    p = net.add_parser("status", help="whether the node answers, and why not; exit 1 when it does not")
    p.set_defaults(handler="cli_net:cmd_net_status")
    p = net.add_parser("publish", help="PUT a room's current local state on the node and subscribe")
    p.add_argument("room", metavar="ROOM")
    p.add_argument(
        "--room-contract", type=Path, metavar="FILE", help="River's room_contract.wasm, when the node cannot lend it"
    )
    p.set_defaults(handler="cli_net:cmd_net_publish")
    p = net.add_parser("sync", help="one round: send queued changes, fetch and merge; exit 1 unless all in step")
    p.add_argument("room", metavar="ROOM", nargs="?")
    p.set_defaults(handler="cli_net:cmd_net_sync")

    demo = _group(groups, "demo", "demo data", only)
    p = demo.add_parser("populate", help="add realistic demo rooms, members and messages")
    p.add_argument("--rooms", type=int_between(0, MAX_DEMO_ROOMS), required=True, metavar="N")
    p.add_argument("--messages-per-room", type=int_between(0, MAX_DEMO_MESSAGES_PER_ROOM), required=True, metavar="M")
    p.add_argument(
        "--seed", type=int_between(0, MAX_SEED), default=None, metavar="S", help="reproducible names, keys and texts"
    )
    p.add_argument(
        "--reactions",
        action="store_true",
        help="some of the M messages are reactions to earlier ones (shown as chips, not rows)",
    )
    p.set_defaults(handler="cli_rooms:cmd_demo_populate")

    _interchange_commands(groups, rooms, only)
    _rooms_meta_commands(rooms)
    _message_commands(groups, messages, only)
    _search_commands(groups)
    return parser


def _interchange_commands(groups: Any, rooms: Any, only: str | None) -> None:
    """``rooms export-state`` and the ``identity``, ``import`` and ``export`` groups."""
    p = rooms.add_parser("export-state", help="write the room's River state bytes (ChatRoomStateV1) to a file")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write (replaced if it exists)")
    p.set_defaults(handler="cli_interchange:cmd_export_state")

    identity = _group(groups, "identity", "move your identity in a room between clients", only)
    p = identity.add_parser("export", help="print River's identity token for a room (a secret!)")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler="cli_interchange:cmd_identity_export")
    p = identity.add_parser("import", help="take over an identity from River's token (file, or - for stdin)")
    p.add_argument("file", nargs="?", default=None, metavar="FILE", help="the token file; - or nothing: stdin")
    p.add_argument("--force", action="store_true", help="replace the identity this profile holds for the room")
    p.set_defaults(handler="cli_interchange:cmd_identity_import")

    imp = _group(groups, "import", "import rooms from another River client", only, "SOURCE")
    p = imp.add_parser("riverctl", help="riverctl's rooms.json: rooms, states, keys, invite chains, nicknames")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler="cli_interchange:cmd_import_riverctl")
    exp = _group(groups, "export", "export rooms for another River client", only, "TARGET")
    p = exp.add_parser("riverctl", help="write a rooms.json riverctl reads (holds your keys!)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(handler="cli_interchange:cmd_export_riverctl")


def _rooms_meta_commands(rooms: Any) -> None:
    """The four actions, on the ``rooms`` subparsers."""
    for name, helptext, handler in (
        ("pin", "add a room to the favourites (shown first; unarchives it)", "cli_rooms_meta:cmd_pin"),
        ("unpin", "take a room out of the favourites", "cli_rooms_meta:cmd_unpin"),
        ("archive", "move a room out of the main list (see `rooms list --all`)", "cli_rooms_meta:cmd_archive"),
        ("unarchive", "bring an archived room back to the main list", "cli_rooms_meta:cmd_unarchive"),
    ):
        p = rooms.add_parser(name, help=helptext)
        p.add_argument("room", metavar="ROOM")
        if name == "archive":
            p.add_argument("--stay", action="store_true", help="a new message does not bring the room back")
        p.set_defaults(handler=handler)


def _message_commands(groups: Any, messages: Any, only: str | None) -> None:
    """The new ``messages`` actions and the ``members`` group, on the ``messages`` subparsers."""
    for name, helptext, handler, extra in (
        ("reply", "reply to a message", "cli_messages:cmd_reply", "text"),
        ("edit", "edit a message you wrote", "cli_messages:cmd_edit", "text"),
        ("delete", "delete a message you wrote", "cli_messages:cmd_delete", None),
        ("react", "add your reaction to a message", "cli_messages:cmd_react", "emoji"),
        ("unreact", "remove your reaction from a message", "cli_messages:cmd_unreact", "emoji"),
    ):
        p = messages.add_parser(name, help=helptext)
        p.add_argument("room", metavar="ROOM")
        p.add_argument(
            "message_id", metavar="MESSAGE_ID", help="the id `messages list --json` prints, or its display form"
        )
        if extra is not None:
            p.add_argument(extra, metavar=extra.upper())
        p.set_defaults(handler=handler)

    members = _group(groups, "members", "the members of a room", only)
    p = members.add_parser("list", help="every member, your row first")
    p.add_argument("room", metavar="ROOM")
    p.set_defaults(handler="cli_messages:cmd_members_list")
    p = members.add_parser("ban", help="ban a member (and everyone they invited)")
    p.add_argument("room", metavar="ROOM")
    p.add_argument("member", metavar="MEMBER", help="a member id, its display form or an exact nickname")
    p.set_defaults(handler="cli_messages:cmd_members_ban")


def _search_commands(groups: Any) -> None:
    """The ``search`` command, on the top-level subparsers."""
    p = groups.add_parser("search", help="search every message this profile has seen")
    p.add_argument("text", metavar="TEXT", help="words to find (punctuation is ignored)")
    p.add_argument("--room", metavar="ROOM", default=None, help="only this room (key, key prefix or exact name)")
    p.add_argument(
        "--limit",
        type=int_between(1, MAX_SEARCH_LIMIT),
        default=50,
        metavar="N",
        help=f"at most N results, newest first (default 50, at most {MAX_SEARCH_LIMIT:,})",
    )
    p.set_defaults(handler="cli_search:cmd_search")
