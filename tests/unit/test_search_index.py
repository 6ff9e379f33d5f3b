"""The search index's own rules: safe query building, and documents that read as River's actions say, whatever
order the history keys arrive in (a law checked against ``actions.visible_messages``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.river.actions import MessageRecord, time_key, visible_messages
from river_desktop.domain.river.codec import SystemTime
from river_desktop.domain.river.content import ActionContent, Content, TextContent
from river_desktop.domain.river.messages import AuthorizedMessage, RoomMessageBody
from river_desktop.domain.river.views import NO_SECRETS
from river_desktop.storage import search_index as si
from river_desktop.storage.controller import hist_key_of
from river_desktop.storage.sqlite_kv import SqliteKV

ROOM_OWNER = SigningIdentity(bytes([3]) * 32)
ANN = SigningIdentity(bytes([4]) * 32)
BOB = SigningIdentity(bytes([5]) * 32)
ROOM = ROOM_OWNER.verifying_key


@pytest.mark.parametrize(
    ("typed", "expression"),
    [
        ("hello", '"hello"*'),
        ("hello world", '"hello" "world"*'),
        ('say "hi" OR NOT x', '"say" "hi" "OR" "NOT" "x"*'),
        ("col:value", '"col" "value"*'),
        ("a*b^c(d)", '"a" "b" "c" "d"*'),
        ("snake_case", '"snake" "case"*'),
        ("Grüße", '"Grüße"*'),
        ("...", None),
        ('"*()-:^', None),
        ("   ", None),
        ("", None),
    ],
)
def test_user_text_becomes_quoted_words_never_match_syntax(typed: str, expression: str | None) -> None:
    assert si.match_expression(typed) == expression


def signed(who: SigningIdentity, content: Content, secs: int) -> AuthorizedMessage:
    body = RoomMessageBody.public(content.content_type, content.content_version, content.encode())
    return AuthorizedMessage.create(ROOM, who, SystemTime(secs), body)


def open_store(path: Path) -> SqliteKV:
    kv = SqliteKV(path)
    kv.attach_extractor(si.river_extractor(lambda _room: NO_SECRETS))
    return kv


def found(kv: SqliteKV, text: str) -> set[str]:
    while not kv.search_step():
        pass
    expression = si.match_expression(text)
    assert expression is not None
    return {hit.text for hit in kv.search(expression)}


def put(kv: SqliteKV, *messages: AuthorizedMessage) -> None:
    kv.cas_store_many([(hist_key_of(ROOM, m), m.encode(), 0) for m in messages])


def test_punctuation_only_queries_give_no_hits_from_sqlite_either(tmp_path: Path) -> None:
    kv = open_store(tmp_path / "s.sqlite3")
    put(kv, signed(ANN, TextContent('quote " star * colon : paren ('), 10))
    for typed in ['"', "*", "((", ":", "-", "^"]:
        assert si.match_expression(typed) is None
    text = 'quote " star * colon : paren ('
    for typed, hits in [("NEAR(", set()), ("OR", set()), ("AND NOT", set()), ("colon:", {text}), ('"quote', {text})]:
        assert found(kv, typed) == hits, typed
    assert found(kv, 'star "* colon') == {'quote " star * colon : paren ('}


# Each scenario: messages by (label, author, content builder, secs); expected texts found for a word.
def test_edits_and_deletes_in_every_arrival_order(tmp_path: Path) -> None:
    original = signed(ANN, TextContent("alpha original"), 10)
    edit1 = signed(ANN, ActionContent.edit(original.id, "alpha first"), 20)
    edit2 = signed(ANN, ActionContent.edit(original.id, "alpha second"), 30)
    foreign_edit = signed(BOB, ActionContent.edit(original.id, "alpha hijack"), 40)
    foreign_delete = signed(BOB, ActionContent.delete(original.id), 41)
    orders = [
        [original, edit1, edit2],
        [edit2, edit1, original],
        [edit1, original, edit2],
    ]
    for i, order in enumerate(orders):
        kv = open_store(tmp_path / f"o{i}.sqlite3")
        for m in order:
            put(kv, m)
        put(kv, foreign_edit, foreign_delete)
        assert found(kv, "alpha") == {"alpha second"}, i
        assert found(kv, "original") == set()
        assert found(kv, "hijack") == set()
        put(kv, signed(ANN, ActionContent.delete(original.id), 50))
        assert found(kv, "alpha") == set()
        kv.close()


def test_a_delete_that_arrives_first_keeps_the_message_out(tmp_path: Path) -> None:
    kv = open_store(tmp_path / "d.sqlite3")
    original = signed(ANN, TextContent("bravo text"), 10)
    put(kv, signed(ANN, ActionContent.delete(original.id), 20))
    put(kv, original)
    assert found(kv, "bravo") == set()


def test_deleting_a_history_key_removes_what_it_contributed(tmp_path: Path) -> None:
    kv = open_store(tmp_path / "k.sqlite3")
    original = signed(ANN, TextContent("charlie text"), 10)
    edit = signed(ANN, ActionContent.edit(original.id, "charlie edited"), 20)
    put(kv, original, edit)
    assert found(kv, "charlie") == {"charlie edited"}
    kv.delete(hist_key_of(ROOM, edit))
    assert found(kv, "charlie") == {"charlie text"}
    kv.delete(hist_key_of(ROOM, original))
    assert found(kv, "charlie") == set()


_ACTION = st.sampled_from(["text", "edit", "delete", "react"])


@given(
    plan=st.lists(st.tuples(_ACTION, st.integers(0, 3), st.booleans(), st.integers(0, 5)), min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
)
def test_documents_read_as_river_resolves_actions_in_any_arrival_order(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[str, int, bool, int]], order: object
) -> None:
    """The law: whatever order keys are written in, search finds exactly River's visible texts."""
    texts: list[AuthorizedMessage] = []
    messages: list[AuthorizedMessage] = []
    for n, (kind, target, by_bob, secs) in enumerate(plan):
        who = BOB if by_bob else ANN
        if kind == "text" or not texts:
            m = signed(who, TextContent(f"word t{n}"), secs)
            texts.append(m)
        else:
            aim = texts[target % len(texts)].id
            content = {
                "edit": ActionContent.edit(aim, f"word e{n}"),
                "delete": ActionContent.delete(aim),
                "react": ActionContent.reaction(aim, "👍"),
            }[kind]
            m = signed(who, content, secs)
        messages.append(m)
    records = [MessageRecord(m.id, m.author, time_key(m.message.time.secs), _content(m)) for m in messages]
    expected = {v.text for v in visible_messages(records) if v.text is not None}
    shuffled = list(messages)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    kv = open_store(tmp_path_factory.mktemp("law") / "l.sqlite3")
    for m in shuffled:
        put(kv, m)
    assert found(kv, "word") == expected
    kv.close()


def _content(m: AuthorizedMessage) -> Content:
    from river_desktop.domain.river.views import open_body

    content = open_body(m.message.content).content
    assert content is not None
    return content


def test_a_dropped_fts_table_is_rebuilt_whole(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    kv = open_store(path)
    original = signed(ANN, TextContent("delta text"), 10)
    put(kv, original, signed(ANN, ActionContent.edit(original.id, "delta edited"), 11))
    assert found(kv, "delta") == {"delta edited"}
    kv.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE search_fts")
    kv = open_store(path)
    assert kv.search_pending()
    assert found(kv, "delta") == {"delta edited"}
    kv.close()
