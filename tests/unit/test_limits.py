"""River's limits, measured as River's contract measures them (encoded bytes)."""

from __future__ import annotations

import pytest

from river_desktop.domain import limits


@pytest.mark.parametrize(
    ("check", "ok", "too_long", "excess"),
    [
        (limits.check_room_name, "n" * 100, "n" * 101, 1),
        (limits.check_room_name, "é" * 50, "é" * 51, 2),  # two bytes each
        (limits.check_room_description, "d" * 500, "d" * 501, 1),
        (limits.check_nickname, "k" * 50, "k" * 51, 1),
        (limits.check_nickname, "🎉" * 12, "🎉" * 13, 2),  # four bytes each: 52 bytes
        (limits.check_message, "m" * 991, "m" * 992, 1),  # CBOR map header, key and text header take 9 bytes
    ],
)
def test_limit_edges(check, ok, too_long, excess) -> None:
    assert check(ok) == ok
    with pytest.raises(limits.LimitError) as info:
        check(too_long)
    assert f"({excess} too many)" in str(info.value)
    assert too_long not in str(info.value)


def test_message_size_is_the_encoded_text_content() -> None:
    import cbor2

    for text in ("", "hi", "x" * 23, "x" * 24, "x" * 255, "x" * 256, "ü" * 300):
        assert limits.message_content_len(text) == len(cbor2.dumps({"text": text}))
    assert limits.measure_message("m" * 991) == limits.Measure(1000, 1000)
