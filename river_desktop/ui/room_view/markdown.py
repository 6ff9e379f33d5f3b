"""River's markdown, rendered as styled plain text: never HTML, never anything fetched.

River's web UI renders a message body as GitHub-flavoured markdown with every newline a hard break, raw HTML
escaped and dangerous link schemes dropped (``ui/src/components/conversation.rs``, ``message_to_html``). We
parse the same subset with markdown-it-py (CommonMark with strikethrough and tables, HTML off) and walk its
tokens into one string plus style spans and links, which the delegate lays out with ``QTextLayout``. No HTML
engine is in the path, so nothing a message says can become markup, run a script or load a remote resource:

- emphasis, strong, strikethrough, inline and block code, headings, block quotes (a bar before each line),
  bullet and numbered lists (nested by indentation), tables (aligned monospace rows), thematic breaks;
- links and bare http(s) addresses: clickable only for http, https and mailto (the view shows the target
  before anything opens); any other scheme stays text, and markdown-it already refuses ``javascript:``,
  ``vbscript:``, ``file:`` and ``data:`` targets, which then show as the literal source;
- images: never loaded; their description becomes a link to the address;
- River's mention token ``@[name](rv:…)``: the ``@name`` text with the :attr:`Style.MENTION` style (resolving
  the name to the member's current nickname is done on the text before it is rendered).

Rendering is cached per text: a room's rows are laid out again on every resize and scroll.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from river_desktop.ui.room_view.links import Link, find_links, is_clickable

MENTION_SCHEME = "rv:"
MAX_MARKDOWN_CHARS = 20_000
"""Longer texts are shown as plain text (with their addresses linked): far beyond any message River sends."""
MAX_NESTING = 20
QUOTE_BAR = "▍ "
RULE = "─" * 12
_BULLETS = ("• ", "◦ ", "▪ ")
CACHE_SIZE = 4096


class Style(enum.Flag):
    """How a span of the shown text looks (combined freely)."""

    NONE = 0
    BOLD = enum.auto()
    ITALIC = enum.auto()
    STRIKE = enum.auto()
    CODE = enum.auto()
    LINK = enum.auto()
    MENTION = enum.auto()
    QUOTE = enum.auto()
    HEADING = enum.auto()
    DIM = enum.auto()


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    style: Style


@dataclass(frozen=True)
class Rendered:
    """A message as shown: its text (``\\n`` between lines), styled spans and clickable links (character
    offsets into ``text``)."""

    text: str
    spans: tuple[Span, ...] = ()
    links: tuple[Link, ...] = ()

    def style_at(self, position: int) -> Style:
        """The style of the character at ``position`` (for tests and accessibility)."""
        for span in self.spans:
            if span.start <= position < span.end:
                return span.style
        return Style.NONE

    def styled(self, style: Style) -> list[str]:
        """The pieces of text that carry ``style`` (among others)."""
        return [self.text[s.start : s.end] for s in self.spans if style in s.style]


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "maxNesting": MAX_NESTING})
    md.enable(["strikethrough", "table"])
    return md


_MD = _parser()


# What can make markdown of a text; one without any of it renders as itself (most chat messages), so it
# skips the parser. A law test holds this to the parser's own answer.
_MAY_BE_MARKUP = re.compile(r"[*_~`\[\]<&\\|\r\x00]|^[ \t]*(?:[-+=#>:]|\d+[.)])|^\s|\s$", re.MULTILINE)


@functools.lru_cache(maxsize=CACHE_SIZE)
def render(source: str) -> Rendered:
    """``source`` (a message's text) as shown; plain text with linked addresses when it is too long."""
    if len(source) > MAX_MARKDOWN_CHARS or not _MAY_BE_MARKUP.search(source):
        return plain(source)
    return render_markdown(source)


def render_markdown(source: str) -> Rendered:
    """:func:`render` through the parser, whatever the text (uncached)."""
    tokens = _MD.parse(source.replace("\r\n", "\n"))
    if any(token.level >= MAX_NESTING - 1 for token in tokens):
        return plain(source)  # markdown-it drops what lies deeper than its nesting limit: show it all instead
    writer = _Writer()
    writer.blocks(tokens)
    return writer.result()


def plain(source: str) -> Rendered:
    """``source`` unformatted, its http(s) addresses linked."""
    text = source.replace("\r\n", "\n")
    links = find_links(text)
    return Rendered(text, tuple(Span(link.start, link.end, Style.LINK) for link in links), links)


def plain_text(source: str) -> str:
    """What a reader sees of ``source``, on one line (reply quotes, previews): markup gone."""
    return " ".join(render(source).text.replace(QUOTE_BAR, "").split())


class _Writer:
    """Walks markdown-it's flat token stream, writing text, style spans and links."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self._spans: list[Span] = []
        self._links: list[Link] = []
        self._prefixes: list[str] = []  # written before each line: quote bars, list indentation
        self._marker: tuple[int, str] | None = None  # a list item's bullet, replacing its indentation once
        self._lists: list[list[int]] = []  # per open list: [next number] (-1 for bullets)
        self._block = Style.NONE
        self._at_line_start = True
        self._started = False
        self._breaks = 0
        self._paragraph_end = -1  # the source line after the last paragraph (a list right under it stays tight)

    def result(self) -> Rendered:
        return Rendered("".join(self._parts), tuple(self._spans), tuple(self._links))

    # -- low level

    def _raw(self, text: str, style: Style = Style.NONE, href: str | None = None) -> None:
        if not text:
            return
        start = self._pos
        self._parts.append(text)
        self._pos += len(text)
        if style:
            last = self._spans[-1] if self._spans else None
            if last is not None and last.end == start and last.style == style:
                self._spans[-1] = Span(last.start, self._pos, style)
            else:
                self._spans.append(Span(start, self._pos, style))
        if href is not None:
            prev = self._links[-1] if self._links else None
            if prev is not None and prev.end == start and prev.url == href:
                self._links[-1] = Link(prev.start, self._pos, href)
            else:
                self._links.append(Link(start, self._pos, href))

    def _prefix(self, *, blank: bool = False) -> None:
        for number, prefix in enumerate(self._prefixes):
            if blank:
                if prefix == QUOTE_BAR:
                    self._raw(QUOTE_BAR.rstrip(), Style.DIM)
                continue
            if self._marker is not None and self._marker[0] == number:
                self._raw(self._marker[1], Style.DIM)
                self._marker = None
            else:
                self._raw(prefix, Style.DIM if prefix == QUOTE_BAR else Style.NONE)

    def _flush(self) -> None:
        """The line breaks owed by the blocks that ended (blank lines with the prefixes in force now)."""
        if self._started and self._breaks:
            if not self._at_line_start:
                self._raw("\n")
            for _ in range(self._breaks - 1):
                self._prefix(blank=True)
                self._raw("\n")
            self._at_line_start = True
        self._breaks = 0

    def _ensure_line(self) -> None:
        """Before content: the owed line breaks, then the new line's prefix."""
        self._flush()
        if self._at_line_start:
            self._prefix()
            self._at_line_start = False
            self._started = True

    def _end_line(self) -> None:
        self._ensure_line()
        self._raw("\n")
        self._at_line_start = True

    def _owe(self, breaks: int) -> None:
        if self._started:
            self._breaks = max(self._breaks, breaks)

    def write(self, text: str, style: Style = Style.NONE, href: str | None = None) -> None:
        for number, piece in enumerate(text.split("\n")):
            if number:
                self._end_line()
            if piece:
                self._ensure_line()
                self._raw(piece, style | self._block, href)

    # -- blocks

    def blocks(self, tokens: Sequence[Token]) -> None:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "inline":
                _Inline(self).walk(token.children or [])
            elif kind == "paragraph_open":
                self._paragraph_end = token.map[1] if token.map else -1
            elif kind == "paragraph_close":
                self._owe(1 if token.hidden else 2)
            elif kind == "heading_open":
                self._block |= Style.HEADING | Style.BOLD
            elif kind == "heading_close":
                self._block &= ~(Style.HEADING | Style.BOLD)
                self._owe(1)
            elif kind == "blockquote_open":
                self._owe(1)
                self._flush()  # the gap before the quote has no bar of its own
                self._prefixes.append(QUOTE_BAR)
                self._block |= Style.QUOTE
            elif kind == "blockquote_close":
                self._prefixes.pop()
                if QUOTE_BAR not in self._prefixes:
                    self._block &= ~Style.QUOTE
                self._owe(2)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self._owe(1)
                if token.map and token.map[0] == self._paragraph_end and not self._lists:
                    self._breaks = min(self._breaks, 1)  # a list right under its lead-in line, as it was typed
                start = token.attrGet("start") if kind == "ordered_list_open" else None
                self._lists.append([int(start) if isinstance(start, int | str) and str(start).isdigit() else 1])
                if kind == "bullet_list_open":
                    self._lists[-1][0] = -1
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self._lists.pop()
                self._owe(1 if self._lists else 2)
            elif kind == "list_item_open":
                self._list_item()
            elif kind == "list_item_close":
                if self._marker is not None:  # an empty item still shows its bullet
                    self._ensure_line()
                self._prefixes.pop()
                self._marker = None
                self._owe(1)
            elif kind in ("fence", "code_block"):
                self._code(token.content)
            elif kind == "hr":
                self.write(RULE, Style.DIM)
                self._owe(2)
            elif kind == "table_open":
                i = self._table(tokens, i)
            elif kind in ("html_block", "html_inline"):  # never produced with HTML off; shown as text anyway
                self.write(token.content)
                self._owe(2)
            i += 1

    def _list_item(self) -> None:
        self._owe(1)
        counter = self._lists[-1] if self._lists else [-1]
        if counter[0] < 0:
            marker = _BULLETS[(len(self._lists) - 1) % len(_BULLETS)]
        else:
            marker = f"{counter[0]}. "
            counter[0] += 1
        self._prefixes.append(" " * len(marker))
        self._marker = (len(self._prefixes) - 1, marker)

    def _code(self, content: str) -> None:
        self._owe(1)
        lines = content.rstrip("\n").split("\n")
        for number, line in enumerate(lines):
            if number:
                self._end_line()
            self._ensure_line()
            self._raw(line, Style.CODE | (self._block & Style.QUOTE))
        self._owe(2)

    def _table(self, tokens: Sequence[Token], i: int) -> int:
        """A table as aligned monospace rows (header bold); returns the index of ``table_close``."""
        rows: list[list[str]] = []
        header_rows = 0
        in_head = False
        while i < len(tokens) and tokens[i].type != "table_close":
            token = tokens[i]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                rows.append([])
                header_rows += in_head
            elif token.type == "inline" and rows:
                rows[-1].append(_inline_text(token.children or []))
            i += 1
        columns = max((len(r) for r in rows), default=0)
        widths = [max((len(r[c]) for r in rows if c < len(r)), default=0) for c in range(columns)]
        self._owe(1)
        lines: list[tuple[str, Style]] = []
        for number, row in enumerate(rows):
            cells = [(row[c] if c < len(row) else "").ljust(widths[c]) for c in range(columns)]
            weight = Style.BOLD if number < header_rows else Style.NONE
            lines.append((" │ ".join(cells).rstrip(), Style.CODE | weight))
            if number == header_rows - 1:
                lines.append(("─┼─".join("─" * w for w in widths), Style.CODE | Style.DIM))
        for number, (line, style) in enumerate(lines):
            if number:
                self._end_line()
            self.write(line, style)
        self._owe(2)
        return i


def _inline_text(children: Sequence[Token]) -> str:
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


class _Inline:
    """One paragraph's (or heading's, or cell's) inline tokens."""

    def __init__(self, writer: _Writer) -> None:
        self._w = writer
        self._bold = self._italic = self._strike = 0
        self._links: list[tuple[str | None, Style]] = []  # (clickable target, style) per open link

    def _style(self) -> Style:
        style = Style.NONE
        if self._bold:
            style |= Style.BOLD
        if self._italic:
            style |= Style.ITALIC
        if self._strike:
            style |= Style.STRIKE
        for _, link_style in self._links:
            style |= link_style
        return style

    def _href(self) -> str | None:
        return self._links[-1][0] if self._links else None

    def walk(self, children: Sequence[Token]) -> None:
        for number, child in enumerate(children):
            kind = child.type
            if kind == "text":
                following = children[number + 1] if number + 1 < len(children) else None
                if child.content.endswith("@") and following is not None and _is_mention(following):
                    self._text(child.content[:-1])
                    self._w.write("@", self._style() | Style.MENTION | Style.BOLD)
                else:
                    self._text(child.content)
            elif kind in ("softbreak", "hardbreak"):
                self._w.write("\n")
            elif kind == "code_inline":
                self._w.write(child.content, self._style() | Style.CODE, self._href())
            elif kind in ("strong_open", "strong_close"):
                self._bold += 1 if kind.endswith("open") else -1
            elif kind in ("em_open", "em_close"):
                self._italic += 1 if kind.endswith("open") else -1
            elif kind in ("s_open", "s_close"):
                self._strike += 1 if kind.endswith("open") else -1
            elif kind == "link_open":
                self._links.append(_link_kind(str(child.attrGet("href") or "")))
            elif kind == "link_close":
                if self._links:
                    self._links.pop()
            elif kind == "image":
                self._image(child)
            elif kind == "html_inline":
                self._w.write(child.content, self._style())

    def _text(self, text: str) -> None:
        style, href = self._style(), self._href()
        if self._links:  # a link's label is not searched for addresses of its own
            self._w.write(text, style, href)
            return
        at = 0
        for link in find_links(text):
            self._w.write(text[at : link.start], style)
            self._w.write(link.url, style | Style.LINK, link.url)
            at = link.end
        self._w.write(text[at:], style)

    def _image(self, token: Token) -> None:
        src = str(token.attrGet("src") or "")
        label = f"Image: {token.content or src or 'untitled'}"
        if is_clickable(src):
            self._w.write(label, self._style() | Style.LINK | Style.ITALIC, src)
        else:
            self._w.write(label, self._style() | Style.ITALIC, self._href())


def _is_mention(token: Token) -> bool:
    return token.type == "link_open" and str(token.attrGet("href") or "").startswith(MENTION_SCHEME)


def _link_kind(href: str) -> tuple[str | None, Style]:
    if href.startswith(MENTION_SCHEME):
        return None, Style.MENTION | Style.BOLD
    if is_clickable(href):
        return href, Style.LINK
    return None, Style.NONE


__all__ = ["MAX_MARKDOWN_CHARS", "Rendered", "Span", "Style", "plain", "plain_text", "render"]
