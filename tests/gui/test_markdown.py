"""River's markdown subset, rendered to styled text: what each construct shows, and that hostile input stays
text (no markup, no script link, nothing fetched, no lost words, no crash)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from river_desktop.ui.room_view import markdown_layout
from river_desktop.ui.room_view.links import is_clickable
from river_desktop.ui.room_view.markdown import MAX_MARKDOWN_CHARS, Style, plain_text, render, render_markdown

S = Style

# (source, shown text, {style: pieces carrying it}, [(link label, target)])
CASES: list[tuple[str, str, dict[Style, list[str]], list[tuple[str, str]]]] = [
    ("plain words", "plain words", {}, []),
    ("**bold** and _it_ and *it2*", "bold and it and it2", {S.BOLD: ["bold"], S.ITALIC: ["it", "it2"]}, []),
    ("__strong__", "strong", {S.BOLD: ["strong"]}, []),
    ("~~gone~~ left", "gone left", {S.STRIKE: ["gone"]}, []),
    ("use `x < y` here", "use x < y here", {S.CODE: ["x < y"]}, []),
    ("line one\nline two", "line one\nline two", {}, []),  # River: every newline is a hard break
    ("para one\n\npara two", "para one\n\npara two", {}, []),
    ("# Title\nbody", "Title\nbody", {S.HEADING: ["Title"], S.BOLD: ["Title"]}, []),
    ("> quoted\n> more", "▍ quoted\n▍ more", {S.QUOTE: ["quoted", "more"], S.DIM: ["▍ ", "▍ "]}, []),
    ("- a\n- b", "• a\n• b", {}, []),
    ("- a\n  - b", "• a\n  ◦ b", {}, []),
    ("3. x\n4. y", "3. x\n4. y", {}, []),
    ("Agenda:\n- one\n- two", "Agenda:\n• one\n• two", {}, []),  # a list right under its lead-in stays tight
    ("Agenda:\n\n- one", "Agenda:\n\n• one", {}, []),
    ("```\n<b>code</b>\n  indented\n```", "<b>code</b>\n  indented", {S.CODE: ["<b>code</b>", "  indented"]}, []),
    ("before\n\n---\n\nafter", "before\n\n" + "─" * 12 + "\n\nafter", {S.DIM: ["─" * 12]}, []),
    ("|a|bb|\n|-|-|\n|1|2|", "a │ bb\n──┼───\n1 │ 2", {S.CODE: ["a │ bb", "──┼───", "1 │ 2"]}, []),
    ("[site](https://example.org)", "site", {S.LINK: ["site"]}, [("site", "https://example.org")]),
    ("**[bold link](https://x.example)**", "bold link", {S.LINK: ["bold link"]}, [("bold link", "https://x.example")]),
    ("<https://auto.example/a>", "https://auto.example/a", {}, [("https://auto.example/a", "https://auto.example/a")]),
    ("see https://example.org/a. ok", "see https://example.org/a. ok", {}, [
        ("https://example.org/a", "https://example.org/a")
    ]),
    ("[mail](mailto:ann@example.org)", "mail", {}, [("mail", "mailto:ann@example.org")]),
    ("`https://in.code`", "https://in.code", {S.CODE: ["https://in.code"]}, []),
    ("```\nhttps://in.block\n```", "https://in.block", {}, []),
    # an image is never loaded: its description links to the address
    ("![a cat](https://img.example/cat.png)", "Image: a cat", {S.ITALIC: ["Image: a cat"]}, [
        ("Image: a cat", "https://img.example/cat.png")
    ]),
    ("![x](ftp://host/x.png)", "Image: x", {}, []),
    ("![x](file:///etc/passwd)", "![x](file:///etc/passwd)", {}, []),
    # River's mention token: @name, styled, not a link
    ("@[Ann](rv:ABCDEFGH) hi", "@Ann hi", {S.MENTION: ["@Ann"]}, []),
    # hostile: HTML stays text, script schemes never become links
    ("<script>alert(1)</script>", "<script>alert(1)</script>", {}, []),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>", {}, []),
    ("<svg onload=alert(1)>", "<svg onload=alert(1)>", {}, []),
    ("a <b>bold?</b> b", "a <b>bold?</b> b", {}, []),
    ("[click](javascript:alert(1))", "[click](javascript:alert(1))", {}, []),
    ("[click](JaVaScRiPt:alert(1))", "[click](JaVaScRiPt:alert(1))", {}, []),
    ("[x](vbscript:msgbox(1))", "[x](vbscript:msgbox(1))", {}, []),
    ("[d](data:text/html,<script>alert(1)</script>)", "[d](data:text/html,<script>alert(1)</script>)", {}, []),
    ("<javascript:alert(1)>", "<javascript:alert(1)>", {}, []),
    ("[ftp](ftp://host/file)", "ftp", {}, []),  # shown, not opened: only web and mail addresses open
    ("[local](file:///etc/passwd)", "[local](file:///etc/passwd)", {}, []),
    ("[https://good.example](https://evil.example)", "https://good.example", {}, [
        ("https://good.example", "https://evil.example")  # the confirmation shows the real target
    ]),
]


@pytest.mark.parametrize(("source", "text", "styles", "links"), CASES, ids=[c[0][:40] for c in CASES])
def test_rendering(source: str, text: str, styles: dict[Style, list[str]], links: list[tuple[str, str]]) -> None:
    rendered = render(source)
    assert rendered.text == text
    for style, pieces in styles.items():
        assert rendered.styled(style) == pieces, style
    assert [(rendered.text[link.start : link.end], link.url) for link in rendered.links] == links


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("> " * 5000 + "deep", "deep"),
        ("- " * 3000 + "item", "item"),
        ("[" * 5000 + "x", "x"),
        ("*" * 10000 + "y", "y"),
        ("**a " * 3000 + "z", "z"),
        ("x " + "`" * 5000 + "w", "w"),
        ("[a](" * 3000 + "v", "v"),
        ("a" * (MAX_MARKDOWN_CHARS + 1) + " **q**", "**q**"),  # too long for markdown: shown as it is
    ],
    ids=["quotes", "lists", "brackets", "stars", "bold", "backticks", "links", "huge"],
)
def test_huge_nesting_keeps_every_word(source: str, kept: str) -> None:
    rendered = render(source)
    assert kept in rendered.text
    assert len(rendered.text) <= 2 * len(source)


@given(st.text(alphabet=st.sampled_from("*_~`#>-+[]()!<>:/\\\n |1.ahjtps@rv"), max_size=200))
def test_any_text_renders_within_bounds_and_links_only_to_safe_targets(source: str) -> None:
    rendered = render(source)
    for span in rendered.spans:
        assert 0 <= span.start < span.end <= len(rendered.text)
    for link in rendered.links:
        assert 0 <= link.start < link.end <= len(rendered.text)
        assert is_clickable(link.url)
        assert not link.url.lower().startswith(("javascript:", "data:", "vbscript:", "file:"))


@given(
    st.text(
        alphabet=st.sampled_from("ab1 .,:/-+=#>)\n\t\u00a0\u3000@hpst!?'\"é🎉") | st.characters(), max_size=120
    )
)
def test_the_fast_path_for_plain_text_agrees_with_the_parser(source: str) -> None:
    """Texts that skip the parser render exactly as the parser would render them."""
    assert render(source) == render_markdown(source)


@pytest.mark.parametrize(
    ("url", "clickable"),
    [
        ("https://example.org", True),
        ("http://example.org/x?y#z", True),
        ("mailto:a@b.example", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
        ("ftp://host", False),
        ("https://", False),
        ("https://a b", False),
        ("rv:ABCDEFGH", False),
    ],
)
def test_only_web_and_mail_addresses_open(url: str, clickable: bool) -> None:
    assert is_clickable(url) is clickable


def test_plain_text_drops_the_markup() -> None:
    assert plain_text("**Hi** _there_\n> quoted `x`") == "Hi there quoted x"


def test_layout_counts_links_in_utf16_like_qt(qapp: QGuiApplication) -> None:
    """An emoji before a link (two UTF-16 units) must not shift the link's click target."""
    rendered = render("🎉🎉 [x](https://a.example)")
    assert [(link.start, link.end) for link in rendered.links] == [(3, 4)]
    layout, height, width, links = markdown_layout.lay_out(rendered, QFont(), 400, QPalette())
    assert [(link.start, link.end, link.url) for link in links] == [(5, 6, "https://a.example")]
    assert height > 0 and width > 0
    underlined = [r for r in layout.formats() if r.format.fontUnderline()]
    assert [(r.start, r.length) for r in underlined] == [(5, 1)]
