"""The parser built for one group reads every command line exactly as the whole parser does."""

from __future__ import annotations

import contextlib
import io

import pytest

from river_desktop.cli_parser import build_parser, named_group

CASES = [
    [], ["bogus"], ["rooms"], ["rooms", "bogus"], ["--profile"], ["--profile", "rooms"],
    ["--profile", "x", "rooms", "list", "--bad"], ["--json", "rooms"], ["net", "status", "extra"],
    ["--prof=x", "messages", "list"], ["-v", "store", "keys"], ["--", "rooms", "list"], ["-vh"], ["--js", "import"],
    ["import", "riverctl"], ["export"], ["search"], ["search", "words", "--limit", "0"], ["members", "ban", "r"],
    ["--node", "u", "demo", "populate"], ["rooms", "list", "--all"], ["messages", "react", "a", "b"],
    ["--p", "q", "identity", "import", "-"], ["-x", "rooms"], ["rooms", "-h"], ["-h", "rooms"], ["messages", "--help"],
    ["rooms", "notify", "r", "loud"], ["invite", "accept"], ["--no", "ws://x", "net", "sync"],
]


def _parse(argv: list[str], only: list[str] | None) -> tuple[str, str, object, object]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ns = vars(build_parser(only).parse_args(argv))
            ns["profile"] = str(ns["profile"])
            code: object = None
        except SystemExit as exc:
            ns, code = {}, exc.code
    return out.getvalue(), err.getvalue(), code, ns


@pytest.mark.parametrize("argv", CASES, ids=lambda a: " ".join(a) or "(nothing)")
def test_a_group_parser_answers_as_the_whole_parser(argv: list[str]) -> None:
    assert _parse(argv, argv) == _parse(argv, None)


@pytest.mark.parametrize(
    ("argv", "group"),
    [
        (["rooms", "list"], "rooms"),
        (["--profile", "rooms", "list"], None),
        (["--profile=p", "--json", "store", "keys"], "store"),
        (["-v", "--node", "u", "net", "status"], "net"),
        (["--", "search", "x"], "search"),
        (["-vh", "rooms"], None),
        (["bogus"], None),
    ],
)
def test_the_group_is_named_only_when_certain(argv: list[str], group: str | None) -> None:
    assert named_group(argv) == group
