"""``river-desktop-cli``: headless commands on a River Desktop profile (no Qt).

Every command that changes something is a full writer, exactly like a desktop window (``cli_workspace.py``), so
several CLI processes and app windows can work on one profile at once without losing anything.

Output: human-readable text by default, ``--json`` for scripts (schemas in ``docs/cli.md``).
Errors: one line on stderr, ``river-desktop-cli: error: ...``; exit 1 for operational errors,
2 for usage errors. Invitation codes and signing keys never appear in errors or logs.

This module is the dispatcher and stays light: the parser (``cli_parser.py``) names each command's handler as
``"module:function"``, and only the module of the command that runs is imported, so ``rooms list`` never loads
the network, the cryptography or River's state decoding it does not use.
"""

from __future__ import annotations

import importlib
import io
import json
import locale
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from river_desktop import cli_rooms_list
from river_desktop.cli_base import (
    PROG,
    CheckFailed,
    CliError,
    Output,
    OutputFailed,
    check_profile_path,
    check_text_arguments,
    one_line,
)
from river_desktop.cli_parser import build_parser as build_parser
from river_desktop.storage.errors import StorageError
from river_desktop.storage.profile_paths import DefaultProfile

_EAGER = (locale, shutil, cli_rooms_list)
"""Imported with the dispatcher although only some runs use them: argparse imports ``shutil`` and (through gettext)
``locale`` on first use, and ``rooms list`` is answered by ``cli_rooms_list``. A process that imports this module and
then gives up its privileges (tests/cli/test_cli_input.py) can still run ``rooms list`` without reading more of
Python's installation. All three are light."""

Handler = Callable[[Any], Output | Coroutine[Any, Any, Output]]
"""A command: a coroutine function, or a function that answers at once or returns the coroutine to run."""

_EXPECTED_ELSEWHERE = (
    ("river_desktop.domain.rooms", "RoomsError"),
    ("river_desktop.domain.invitation", "InvitationError"),
)
"""Expected failures of modules this one does not import: matched only when the command loaded them."""

_COMPAT = {
    "CliError": "river_desktop.cli_base",
    "Output": "river_desktop.cli_base",
    "Json": "river_desktop.cli_base",
    "PROG": "river_desktop.cli_base",
    "one_line": "river_desktop.cli_base",
    "int_between": "river_desktop.cli_base",
    "SaveFailed": "river_desktop.cli_base",
    "OutputFailed": "river_desktop.cli_base",
    "Workspace": "river_desktop.cli_workspace",
    "workspace": "river_desktop.cli_workspace",
    "read_workspace": "river_desktop.cli_workspace",
    "resolve_room": "river_desktop.cli_workspace",
    "describe": "river_desktop.cli_workspace",
    "MAX_CANDIDATES": "river_desktop.cli_workspace",
    "parse_b58_room": "river_desktop.storage.slots",
    "StorageController": "river_desktop.storage.controller",
}


def __getattr__(name: str) -> Any:
    """The names this module held before its split, found where they live now (imported on first use)."""
    module = _COMPAT.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def resolve_handler(ref: str) -> Handler:
    """``"module:function"`` of ``river_desktop`` to the function, importing that module now."""
    module, _, function = ref.partition(":")
    handler: Handler = getattr(importlib.import_module(f"river_desktop.{module}"), function)
    return handler


def _run(result: Output | Coroutine[Any, Any, Output]) -> Output:
    """A command's answer; the event loop (and ``asyncio``'s import) only for a command that needs one."""
    if isinstance(result, Output):
        return result
    import asyncio

    _configure_logging(verbose=False)

    return asyncio.run(result)


def _configure_logging(*, verbose: bool) -> None:
    """Storage activity on stderr with ``-v``, else errors only. A command that answers without an event loop
    (``rooms list`` from its summary) logs nothing, so it need not import ``logging``."""
    import logging

    if verbose or not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO if verbose else logging.ERROR,
            format=f"{PROG}: %(levelname)s: %(name)s: %(message)s",
        )


def _expected(exc: BaseException) -> bool:
    if isinstance(exc, CliError | StorageError):
        return True
    for module, name in _EXPECTED_ELSEWHERE:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


def _emit(output: Output, as_json: bool) -> None:
    if as_json:
        text = output.encoded() if output.encoded is not None else json.dumps(output.data, indent=None)
        sys.stdout.write(text + "\n")
    elif text := output.render():
        sys.stdout.write(text + "\n")
    sys.stdout.flush()
    for note in output.notes:
        sys.stderr.write(note + "\n")


def _tolerant_stdout() -> None:
    """Text the terminal's encoding cannot show (an emoji on Latin-1) is replaced, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def _error(message: str) -> int:
    sys.stderr.write(f"{PROG}: error: {one_line(message, 2000)}\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    if isinstance(args.profile, DefaultProfile):
        args.profile = args.profile.path()
    if args.verbose:
        _configure_logging(verbose=True)
    _tolerant_stdout()
    try:
        check_text_arguments(args)
        check_profile_path(args.profile)
        output = _run(resolve_handler(args.handler)(args))
    except OutputFailed as failed:
        _emit(failed.output, args.json)
        return _error(str(failed))
    except CheckFailed as failed:
        _emit(failed.output, args.json)
        return _error(f"store check found {failed.count} problem(s)")
    except sqlite3.Error as exc:
        return _error(f"database error: {exc}")
    except OSError as exc:
        return _error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc.strerror or exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if _expected(exc):
            return _error(str(exc))
        raise
    try:
        _emit(output, args.json)
    except BrokenPipeError:  # e.g. `river-desktop-cli store keys | head`: the reader left, not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


if __name__ == "__main__":
    # Run the one `river_desktop.cli` the command modules import, so `except CliError` sees their errors.
    from river_desktop.cli import main as cli_main

    raise SystemExit(cli_main())
