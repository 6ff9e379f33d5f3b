"""What every ``river-desktop-cli`` module shares and the start of every run needs: light on purpose.

This module imports nothing of the domain, the storage engine or the network, so a command pays only for what
it uses (``cli.py`` imports the command modules lazily; see docs/architecture.md).
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from river_desktop.storage.profile_paths import DB_FILENAME

PROG = "river-desktop-cli"

MAX_LIST_LIMIT = 100_000
MAX_SEARCH_LIMIT = 10_000
MAX_DEMO_ROOMS = 100_000
MAX_DEMO_MESSAGES_PER_ROOM = 100_000
MAX_DEMO_MESSAGES = 10_000_000
MAX_SEED = 2**64 - 1
MAX_NAME_COMPONENT_BYTES = 255
MAX_PATH_BYTES = 4096

NOTIFY_CHOICES = ("all", "mentions", "muted")
"""The names of the notification modes on the command line (``cli_workspace.NOTIFY_NAMES`` maps them)."""

Json = object


class CliError(Exception):
    """An expected failure: printed as one line on stderr, exit status 1."""


class SaveFailed(CliError):
    """A save that did not go through; ``messages_stored``: the ids of the messages in the store all the same."""

    def __init__(self, message: str, messages_stored: frozenset[int] = frozenset()) -> None:
        super().__init__(message)
        self.messages_stored = messages_stored


class Output(NamedTuple):
    """What a command produced: ``data`` for ``--json``, ``text`` for people, ``notes`` for stderr.

    ``encoded``, when given, writes the ``--json`` text itself (``json.dumps(data)`` exactly), for a command that
    can encode its answer more cheaply than building ``data``; ``data`` may then be ``None``. A named tuple, not a
    dataclass: ``dataclasses`` (with ``inspect``) was a tenth of ``rooms list``'s imports."""

    data: Json
    text: str | Callable[[], str] = ""
    notes: Sequence[str] = ()
    encoded: Callable[[], str] | None = None

    def render(self) -> str:
        """The text form; a callable is only rendered when text is wanted (``--json`` skips it)."""
        return self.text() if callable(self.text) else self.text


class OutputFailed(Exception):
    """A command that reports and fails (``net status``, ``net sync``): print ``output``, then exit 1."""

    def __init__(self, output: Output, message: str) -> None:
        super().__init__(message)
        self.output = output


class CheckFailed(Exception):
    """``store check`` found problems: print the report, exit 1."""

    def __init__(self, output: Output, count: int) -> None:
        super().__init__("problems found")
        self.output = output
        self.count = count


def one_line(text: str, limit: int = 200) -> str:
    """Make untrusted text (names, nicknames, messages) safe for one terminal line."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def db_path(profile: Path) -> Path:
    return profile.expanduser() / DB_FILENAME


def profile_exists(profile: Path) -> bool:
    return db_path(profile).is_file()


def int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[minimum, maximum]`` (every integer argument is bounded)."""

    def parse(text: str) -> int:
        if len(text) > 40:
            raise argparse.ArgumentTypeError(f"{one_line(text, 20)!r} is not a whole number up to {maximum:,}")
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{one_line(text, 40)!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: at least {minimum:,}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{value} is too large: at most {maximum:,}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its complaint
    return parse


TEXT_ARGUMENTS = {
    "name": "the room name",
    "nickname": "the nickname",
    "nick": "the nickname",
    "text": "the message",
    "room": "the room",
    "before": "the room",
    "code": "the invitation code",
    "message_id": "the message id",
    "emoji": "the emoji",
    "member": "the member",
}


def check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse arguments that are not text: bytes that are not UTF-8 arrive as lone surrogates."""
    for attr, what in TEXT_ARGUMENTS.items():
        value = getattr(args, attr, None)
        if isinstance(value, str) and not _is_utf8(value):
            raise CliError(f"{what} is not valid UTF-8 text (check the terminal's or the script's encoding)")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_profile_path(path: Path) -> None:
    """A path the file system cannot hold is refused in one line, before anything opens it."""
    raw = os.fsencode(path.expanduser())
    if len(raw) > MAX_PATH_BYTES:
        raise CliError(f"the profile path is {len(raw)} bytes long; at most {MAX_PATH_BYTES} are possible")
    for part in raw.split(b"/"):
        if len(part) > MAX_NAME_COMPONENT_BYTES:
            raise CliError(
                f"a folder name in the profile path is {len(part)} bytes long; "
                f"file systems allow at most {MAX_NAME_COMPONENT_BYTES}"
            )


def format_time(ms: int) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(ms)
