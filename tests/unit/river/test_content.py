"""River's content payloads: exact bytes out, River's lenient decoding in."""

from __future__ import annotations

from pathlib import Path

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.river import content as c

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "river"
# River's test_message_id(): fast_hash([1, 2, 3, 4]) = 31810.
TARGET = 31810


def _fixture(name: str) -> bytes:
    return bytes.fromhex((FIXTURES / name).read_text().strip())


def test_frozen_pre_443_edit_still_decodes() -> None:
    data = _fixture("legacy_edit_action_pre_443.hex")
    assert isinstance(cbor2.loads(data)["payload"], list), "the fixture must carry the legacy array form"
    action = c.decode_content(c.CONTENT_TYPE_ACTION, 1, data)
    assert isinstance(action, c.ActionContent)
    assert action.action_type == c.ACTION_TYPE_EDIT
    assert action.target == TARGET
    assert action.new_text == "café 🎉 ok"
    assert action == c.ActionContent.edit(TARGET, "café 🎉 ok")


def test_legacy_fixture_is_the_array_form_of_what_we_write() -> None:
    action = c.ActionContent.edit(TARGET, "café 🎉 ok")
    legacy = cbor2.dumps({"action_type": 1, "target": TARGET, "payload": list(action.payload)})
    assert legacy == _fixture("legacy_edit_action_pre_443.hex")
    new = action.encode()
    assert new == bytes.fromhex("a36b616374696f6e5f747970650166746172676574197c42677061796c6f616458") + bytes(
        [len(action.payload)]
    ) + action.payload
    assert len(new) < len(legacy)


@pytest.mark.parametrize(
    ("value", "hex_"),
    [
        (c.TextContent("hi"), "a1647465787462" + "6869"),
        (c.EventContent.join(), "a16a6576656e745f7479706501"),
        (c.ActionContent.delete(TARGET), "a36b616374696f6e5f747970650266746172676574197c42677061796c6f616440"),
        (
            c.ReplyContent("ok", -1, "A", "p"),
            "a4647465787462" + "6f6b" + "717461726765745f6d6573736167655f696420"
            "72746172676574" + "5f617574686f725f6e616d65" + "6141"
            "76746172676574" + "5f636f6e74656e745f70726576696577" + "6170",
        ),
    ],
)
def test_exact_encoding(value: c.TextContent | c.EventContent | c.ActionContent | c.ReplyContent, hex_: str) -> None:
    assert value.encode().hex() == hex_
    assert c.decode_content(value.content_type, value.content_version, value.encode()) == value


def test_reaction_payloads() -> None:
    r = c.ActionContent.reaction(5, "👍")
    assert cbor2.loads(r.payload) == {"emoji": "👍"}
    assert r.emoji == "👍" and r.new_text is None
    rr = c.ActionContent.remove_reaction(5, "❤️")
    assert rr.action_type == c.ACTION_TYPE_REMOVE_REACTION and rr.emoji == "❤️"
    assert c.ActionContent.delete(5).emoji is None
    assert c.ActionContent(c.ACTION_TYPE_EDIT, 5, b"\xff").new_text is None


def test_decoding_is_lenient_like_serde() -> None:
    reordered = cbor2.dumps({"extra": [1, 2], "payload": b"", "target": -3, "action_type": 2})
    assert c.ActionContent.decode(reordered) == c.ActionContent.delete(-3)
    assert c.TextContent.decode(cbor2.dumps({"text": "x"}) + b"\x00trailing") == c.TextContent("x")
    assert c.TextContent.decode(cbor2.dumps({"future": 1, "text": "y"})) == c.TextContent("y")


@pytest.mark.parametrize(
    "obj",
    [
        {"action_type": 1, "target": 1},  # missing payload
        {"action_type": 1, "target": 1, "payload": [300]},
        {"action_type": 1, "target": 1, "payload": [1, 300]},
        {"action_type": 1, "target": 1, "payload": [-1]},
        {"action_type": -1, "target": 1, "payload": b""},
        {"action_type": 1, "target": 1 << 63, "payload": b""},
        {"action_type": 1, "target": "1", "payload": b""},
        [1, 1, b""],
    ],
)
def test_bad_action_is_rejected(obj: object) -> None:
    with pytest.raises(c.ContentError):
        c.decode_content(c.CONTENT_TYPE_ACTION, 1, cbor2.dumps(obj))


def test_lying_array_header_is_an_error_not_an_allocation() -> None:
    head = bytes.fromhex("a36b616374696f6e5f747970650166746172676574197c42677061796c6f6164")
    for header in (b"\x9b" + b"\xff" * 8, b"\x9a\xff\xff\xff\xff", b"\x9a\x00\x0f\x42\x40"):
        with pytest.raises(c.ContentError):
            c.ActionContent.decode(head + header)


def test_unknown_type_keeps_its_bytes() -> None:
    raw = b"\x01\x02\x03"
    got = c.decode_content(9, 7, raw)
    assert got == c.UnknownContent(9, 7, raw)
    assert got.encode() == raw
    assert c.display_text(got) is None


def test_known_type_with_garbage_is_a_content_error() -> None:
    with pytest.raises(c.ContentError):
        c.decode_content(c.CONTENT_TYPE_TEXT, 1, b"\xff\xff")
    with pytest.raises(c.ContentError):
        c.decode_content(c.CONTENT_TYPE_TEXT, 1, cbor2.dumps({"text": b"bytes"}))


def test_display_text() -> None:
    assert c.display_text(c.TextContent("a")) == "a"
    assert c.display_text(c.ReplyContent("b", 1, "n", "p")) == "b"
    assert c.display_text(c.EventContent.join()) is None


_i64 = st.integers(-(1 << 63), (1 << 63) - 1)


@given(st.one_of(
    st.builds(c.TextContent, st.text()),
    st.builds(c.ActionContent.edit, _i64, st.text()),
    st.builds(c.ActionContent.reaction, _i64, st.text()),
    st.builds(c.ActionContent.delete, _i64),
    st.builds(c.ReplyContent, st.text(), _i64, st.text(), st.text()),
    st.builds(c.EventContent, st.integers(0, (1 << 32) - 1)),
))
def test_round_trip(value: c.TextContent | c.ActionContent | c.ReplyContent | c.EventContent) -> None:
    data = value.encode()
    assert c.decode_content(value.content_type, value.content_version, data) == value
    if isinstance(value, c.ActionContent):
        legacy = cbor2.dumps({**value.to_obj(), "payload": list(value.payload)})
        assert c.ActionContent.decode(legacy) == value
