"""River's mention tokens: building, parsing, rendering (table-driven, after River's mention.rs tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.identity import member_id_display
from river_desktop.domain.river import mention as m

ALICE = 0xA11CE
BIG = 0x8F3A_2B1C_0000_D4E5 - (1 << 64)  # high bit set: a negative i64


def test_token_uses_the_display_id() -> None:
    token = m.build_token(BIG, "Alice")
    assert token == f"@[Alice](rv:{member_id_display(BIG)})"
    assert m.member_id_to_hex(BIG) not in token
    assert m.parse_mentions(token) == [m.Mention(m.ShortRef(member_id_display(BIG)), "Alice")]


@pytest.mark.parametrize(
    ("raw", "hex_"),
    [(0, "0000000000000000"), (1, "0000000000000001"), (-1, "ffffffffffffffff"), (BIG, "8f3a2b1c0000d4e5")],
)
def test_hex_round_trip(raw: int, hex_: str) -> None:
    assert m.member_id_to_hex(raw) == hex_
    assert m.member_id_from_hex(hex_) == raw


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("FPVN6PUN", m.ShortRef("FPVN6PUN")),
        ("23456723", m.ShortRef("23456723")),  # base32 digits only: still the current form
        ("8f3a2b1c0000d4e5", m.LegacyRef(BIG)),
        ("FF", m.LegacyRef(0xFF)),  # uppercase hex accepted
        ("", None),
        ("zz", None),
        ("00000000000000000", None),  # 17 digits
        ("fpvn6pun", None),  # lowercase is not base32 here, and not hex
    ],
)
def test_member_ref_from_str(body: str, expected: m.MemberRef | None) -> None:
    assert m.member_ref_from_str(body) == expected


@pytest.mark.parametrize(
    "text",
    [
        "just @ a mention symbol",
        "see @[docs](http:01) for details",
        "mail a@[b].c please",
        "@[unterminated",
        "@[name](rv:)",
        "@[name](rv:zz)",
        "@[name](xx:01)",
        "@[name](rv:0123",
    ],
)
def test_non_tokens_stay_text(text: str) -> None:
    assert m.parse_mentions(text) == []
    assert "".join(s for s in m.parse_segments(text) if isinstance(s, str)) == text


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("a]b)c(d[e", "abcde"),
        ("  spaced  ", "spaced"),
        ("tab\tname\n", "tabname"),
        ("\u3000wide\u00a0", "wide"),
        ("x" * 100, "x" * 64),
        ("名前🎉", "名前🎉"),
    ],
)
def test_sanitize_name(name: str, clean: str) -> None:
    assert m.sanitize_name(name) == clean


def test_hostile_name_cannot_forge_a_second_mention() -> None:
    token = m.build_token(7, "ev)il](rv:dead)")
    parsed = m.parse_mentions(token)
    assert len(parsed) == 1 and parsed[0].member_ref.matches(7)
    assert not set(parsed[0].display_name) & set("[]()")


def test_mixed_legacy_and_current_segments() -> None:
    text = f"x @[A](rv:{m.member_id_to_hex(10)}) y {m.build_token(11, 'B')} z"
    assert m.parse_segments(text) == [
        "x ",
        m.Mention(m.LegacyRef(10), "A"),
        " y ",
        m.Mention(m.ShortRef(member_id_display(11)), "B"),
        " z",
    ]


def test_render_uses_current_name_then_snapshot() -> None:
    text = f"hey {m.build_token(1, 'OldName')} and {m.build_token(2, 'Ghost')}"
    rendered = m.render_plaintext(text, lambda r: "NewName" if r.matches(1) else None)
    assert rendered == "hey @NewName and @Ghost"
    assert m.render_plaintext(f"(see {m.build_token(5, 'Cat')}, thanks)", lambda r: None) == "(see @Cat, thanks)"


def test_mentioned_ids_and_contains() -> None:
    low, high = 0x42, 0x42 + (1 << 40)  # share the 40-bit display label
    assert member_id_display(low) == member_id_display(high)
    text = f"{m.build_token(high, 'H')} {m.build_token(ALICE, 'A')} {m.build_token(ALICE, 'A again')}"
    assert m.mentioned_ids(text, [high, low, ALICE]) == [low, ALICE]  # lowest id wins, each once
    assert m.mentioned_ids(text, [ALICE]) == [ALICE]
    legacy = f"ping @[Me](rv:{m.member_id_to_hex(BIG)})"
    assert m.contains_mention_of(legacy, BIG) and not m.contains_mention_of(legacy, 7)
    assert m.mentioned_ids(legacy, []) == [BIG]


def test_resolve_typed_mentions() -> None:
    def resolve(name: str) -> tuple[int, str] | None:
        return (ALICE, "Alice") if name.lower() == "alice" else None

    out = m.resolve_typed_mentions("hi @alice, ping @bob and a@b.com", resolve)
    assert out == f"hi {m.build_token(ALICE, 'Alice')}, ping @bob and a@b.com"
    existing = m.build_token(ALICE, "Alice")
    assert m.resolve_typed_mentions(existing, resolve) == existing
    assert m.resolve_typed_mentions("@alice!!", resolve) == m.build_token(ALICE, "Alice") + "!!"


def test_multibyte_text_around_a_token() -> None:
    token = m.build_token(0x1234_5678_9ABC_DEF0, "名前🎉")
    segs = m.parse_segments(f"こんにちは {token}!")
    assert segs[0] == "こんにちは " and segs[2] == "!"
    assert isinstance(segs[1], m.Mention) and segs[1].display_name == "名前🎉"


_plain = st.text(st.characters(blacklist_characters="@[]()"), max_size=20)


@given(st.integers(-(1 << 63), (1 << 63) - 1), st.text(max_size=80), _plain, _plain)
def test_built_token_always_parses_back(mid: int, name: str, before: str, after: str) -> None:
    token = m.build_token(mid, name)
    found = m.parse_mentions(token)
    assert len(found) == 1 and found[0].member_ref.matches(mid)
    assert found[0].display_name == m.sanitize_name(name)
    segs = m.parse_segments(before + token + after)
    assert [s for s in segs if isinstance(s, m.Mention)] == found
    assert "".join(s for s in segs if isinstance(s, str)) == before + after
