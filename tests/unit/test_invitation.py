"""River-compatible invitation codes (formats.md §6): the byte-exact vector, validation, and fuzzing."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import base58
import cbor2
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity, member_id, member_id_display
from river_desktop.domain.invitation import MAX_CODE_CHARS, Invitation, InvitationError, _b58decode

OWNER = SigningIdentity(bytes([3] * 32))
INVITER = SigningIdentity(bytes([1] * 32))
INVITEE_SEED = bytes([2] * 32)
SECRETS = [(0, bytes([0xA1] * 32)), (3, bytes([0xB2] * 32))]
OWNER_ID = -5496218248904147483
INVITER_ID = 2320490862205064288
INVITEE_ID = -7897887384652584304

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _vector() -> Invitation:
    return Invitation.create(OWNER.verifying_key, INVITER.seed, INVITEE_SEED, SECRETS)


VECTOR_CODE = _vector().encode()
OWNER_INVITED_CODE = Invitation.create(OWNER.verifying_key, OWNER.seed, bytes([4] * 32)).encode()
BASE_CODES = [VECTOR_CODE, OWNER_INVITED_CODE]


def _reference_cbor() -> bytes:
    """The vector built the way River builds it, from cbor2 and PyNaCl alone."""
    owner_vk = bytes(nacl.signing.SigningKey(bytes([3] * 32)).verify_key)
    invitee_vk = bytes(nacl.signing.SigningKey(bytes([2] * 32)).verify_key)
    member = {"owner_member_id": OWNER_ID, "invited_by": INVITER_ID, "member_vk": invitee_vk}
    signature = nacl.signing.SigningKey(bytes([1] * 32)).sign(cbor2.dumps(member)).signature
    return bytes(
        cbor2.dumps(
            {
                "room": owner_vk,
                "invitee_signing_key": bytes([2] * 32),
                "invitee": {"member": member, "signature": list(signature)},
                "room_secrets": [[0, [0xA1] * 32], [3, [0xB2] * 32]],
            }
        )
    )


def _vector_obj() -> dict[Any, Any]:
    obj = cbor2.loads(base58.b58decode(VECTOR_CODE))
    assert isinstance(obj, dict)
    return obj


def _code_of(obj: object) -> str:
    return str(base58.b58encode(cbor2.dumps(obj)), "ascii")


def _forbidden(inv: Invitation, code: str) -> list[str]:
    seed = inv.invitee_signing_key
    texts = [code, seed.hex(), seed.hex().upper(), str(base58.b58encode(seed), "ascii"), repr(seed), str(list(seed))]
    for _, secret in inv.room_secrets:
        texts += [secret.hex(), secret.hex().upper(), repr(secret), str(list(secret))]
    return texts


VECTOR_FORBIDDEN = _forbidden(_vector(), VECTOR_CODE)
OWNER_INVITED_FORBIDDEN = _forbidden(Invitation.decode(OWNER_INVITED_CODE), OWNER_INVITED_CODE)


def _assert_safe(exc: InvitationError, given_text: str, forbidden: list[str]) -> None:
    message = str(exc)
    assert message
    shown = [message, repr(exc), "".join(traceback.format_exception(exc))]
    for text in shown:
        for secret in forbidden:
            assert secret not in text
        # Long input must never be echoed. Input of letters and spaces alone can spell our own wording
        # ("n invitation code"); an echoed code would carry base58 digits, so such input is not checked.
        if len(given_text) >= 16 and not given_text.replace(" ", "").isalpha():
            assert given_text not in text


def _decode_outcome(text: str, forbidden: list[str]) -> Invitation | None:
    """Decode; an error must be an InvitationError with a safe message, success must be consistent."""
    try:
        inv = Invitation.decode(text)
    except InvitationError as exc:
        _assert_safe(exc, text, forbidden)
        return None
    assert inv.invitee_identity.verifying_key == inv.invitee.member.member_vk
    assert inv.invitee.member.owner_member_id == member_id(inv.room)
    assert inv.room_secret_versions == sorted(set(inv.room_secret_versions))
    assert Invitation.decode(inv.encode()) == inv
    return inv


# --- the formats.md §6 vector -------------------------------------------------------------------


def test_vector_member_ids() -> None:
    inv = _vector()
    assert member_id(inv.room) == OWNER_ID
    assert inv.invitee.member.owner_member_id == OWNER_ID
    assert inv.inviter_member_id == INVITER_ID
    assert inv.invitee.member.invited_by == INVITER_ID
    assert inv.invitee_member_id == INVITEE_ID
    assert inv.invitee_identity.member_id == INVITEE_ID


def test_vector_bytes_and_code() -> None:
    raw = base58.b58decode(VECTOR_CODE)
    assert len(raw) == 480
    assert raw[:6] == bytes.fromhex("a464726f6f6d")
    assert len(VECTOR_CODE) == 656
    assert raw == _reference_cbor()
    assert str(base58.b58encode(_reference_cbor()), "ascii") == VECTOR_CODE


def test_vector_structure_read_independently() -> None:
    obj = _vector_obj()
    assert list(obj) == ["room", "invitee_signing_key", "invitee", "room_secrets"]
    assert obj["room"] == OWNER.verifying_key
    assert isinstance(obj["room"], bytes)
    assert obj["invitee_signing_key"] == INVITEE_SEED
    assert isinstance(obj["invitee_signing_key"], bytes)
    assert list(obj["invitee"]) == ["member", "signature"]
    member = obj["invitee"]["member"]
    assert list(member) == ["owner_member_id", "invited_by", "member_vk"]
    assert (member["owner_member_id"], member["invited_by"]) == (OWNER_ID, INVITER_ID)
    assert isinstance(member["member_vk"], bytes)
    assert member["member_vk"] == SigningIdentity(INVITEE_SEED).verifying_key
    signature = obj["invitee"]["signature"]
    assert isinstance(signature, list)
    assert len(signature) == 64
    assert all(isinstance(b, int) and 0 <= b <= 255 for b in signature)
    assert obj["room_secrets"] == [[0, [0xA1] * 32], [3, [0xB2] * 32]]
    nacl.signing.VerifyKey(INVITER.verifying_key).verify(cbor2.dumps(member), bytes(signature))
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(OWNER.verifying_key).verify(cbor2.dumps(member), bytes(signature))


def test_vector_decode_encode_round_trip() -> None:
    inv = Invitation.decode(VECTOR_CODE)
    assert inv.encode() == VECTOR_CODE
    assert inv == _vector()
    assert hash(inv) == hash(_vector())
    assert inv.room == OWNER.verifying_key
    assert inv.invitee_signing_key == INVITEE_SEED
    assert inv.invitee.member.member_vk == SigningIdentity(INVITEE_SEED).verifying_key
    assert len(inv.invitee.signature) == 64
    assert inv.room_secrets == SECRETS
    assert all(isinstance(entry, tuple) for entry in inv.room_secrets)
    assert inv.room_secret_versions == [0, 3]


def test_vector_signature_verifies_with_inviter_not_owner() -> None:
    inv = Invitation.decode(VECTOR_CODE)
    assert inv.verify(INVITER.verifying_key)
    assert not inv.verify(OWNER.verifying_key)
    assert not inv.verify(SigningIdentity(INVITEE_SEED).verifying_key)


def test_create_sorts_secrets_and_reproduces_the_code() -> None:
    shuffled = Invitation.create(OWNER.verifying_key, INVITER.seed, INVITEE_SEED, iter(reversed(SECRETS)))
    assert shuffled.room_secrets == SECRETS
    assert shuffled.encode() == VECTOR_CODE


# --- create / verify ------------------------------------------------------------------------------


def test_create_without_invitee_key_makes_a_fresh_one() -> None:
    a = Invitation.create(OWNER.verifying_key, OWNER.seed)
    b = Invitation.create(OWNER.verifying_key, OWNER.seed)
    assert a.invitee_signing_key != b.invitee_signing_key
    assert a != b
    assert a.room_secrets == []
    assert a.verify(OWNER.verifying_key)
    assert a.inviter_member_id == OWNER_ID
    assert Invitation.decode(a.encode()) == a
    assert cbor2.loads(base58.b58decode(a.encode()))["room_secrets"] == []


seeds = st.binary(min_size=32, max_size=32)
secret_maps = st.dictionaries(st.integers(0, 2**32 - 1), st.binary(min_size=32, max_size=32), max_size=4)


@settings(max_examples=40)
@given(seeds, seeds, seeds, secret_maps)
def test_create_round_trips(
    owner_seed: bytes, inviter_seed: bytes, invitee_seed: bytes, secrets: dict[int, bytes]
) -> None:
    owner = SigningIdentity(owner_seed)
    invitee = SigningIdentity(invitee_seed)
    if invitee.verifying_key == owner.verifying_key:
        return
    inv = Invitation.create(owner.verifying_key, inviter_seed, invitee_seed, secrets.items())
    code = inv.encode()
    decoded = Invitation.decode(code)
    assert decoded == inv
    assert decoded.encode() == code
    assert decoded.room_secrets == sorted(secrets.items())
    assert decoded.verify(SigningIdentity(inviter_seed).verifying_key)
    assert decoded.invitee_member_id == invitee.member_id
    assert decoded.inviter_member_id == member_id(SigningIdentity(inviter_seed).verifying_key)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"room": bytes(31)}, "room key must be 32 bytes, got 31"),
        ({"room": bytes([2]) + bytes(31)}, "room key is not a valid ed25519 public key"),
        ({"inviter_signing_key": bytes(31)}, "inviter signing key must be 32 bytes, got 31"),
        ({"invitee_signing_key": bytes(33)}, "invitee signing key must be 32 bytes, got 33"),
        ({"invitee_signing_key": OWNER.seed}, "the invited member is the room owner"),
        ({"room_secrets": [(1, bytes(32)), (1, bytes(32))]}, "version 1 appears more than once"),
        ({"room_secrets": [(2**32, bytes(32))]}, "unsigned 32-bit"),
        ({"room_secrets": [(-1, bytes(32))]}, "unsigned 32-bit"),
        ({"room_secrets": [(True, bytes(32))]}, "unsigned 32-bit"),
        ({"room_secrets": [(1, bytes(31))]}, "must be 32 bytes"),
    ],
)
def test_create_rejects_bad_parts(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"room": OWNER.verifying_key, "inviter_signing_key": INVITER.seed} | kwargs
    with pytest.raises(InvitationError, match=message):
        Invitation.create(**args)


def test_equal_invitations_hash_alike() -> None:
    a, b = Invitation.decode(VECTOR_CODE), Invitation.decode(VECTOR_CODE)
    assert a == b
    assert len({a, b, Invitation.decode(OWNER_INVITED_CODE)}) == 2


# --- accepted input forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"  {VECTOR_CODE}\n",
        f"\t\r\n{VECTOR_CODE} ",
        "\n".join(VECTOR_CODE[i : i + 76] for i in range(0, len(VECTOR_CODE), 76)),
        f"https://river.example/?invitation={VECTOR_CODE}",
        f"https://river.example/app?lang=en&invitation={VECTOR_CODE}&theme=dark",
        f"https://river.example/?invitation={VECTOR_CODE}#top",
        f"  Join us: https://river.example/?invitation={VECTOR_CODE} see you there\n",
        f"?invitation={VECTOR_CODE}",
    ],
)
def test_whitespace_and_link_forms(text: str) -> None:
    assert Invitation.decode(text).encode() == VECTOR_CODE


def test_room_secrets_may_be_absent_like_older_codes() -> None:
    obj = _vector_obj()
    del obj["room_secrets"]
    inv = Invitation.decode(_code_of(obj))
    assert inv.room_secrets == []
    assert inv.verify(INVITER.verifying_key)


def test_unknown_fields_are_ignored_and_secrets_sorted() -> None:
    obj = _vector_obj()
    obj["room_secrets"].reverse()
    obj["some_future_field"] = [1, 2, 3]
    assert Invitation.decode(_code_of(obj)).encode() == VECTOR_CODE


def test_byte_strings_for_int_arrays_are_accepted() -> None:
    obj = _vector_obj()
    obj["invitee"]["signature"] = bytes(obj["invitee"]["signature"])
    obj["room_secrets"] = [[v, bytes(s)] for v, s in obj["room_secrets"]]
    assert Invitation.decode(_code_of(obj)).encode() == VECTOR_CODE


# --- specific error messages ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_empty_input(text: str) -> None:
    with pytest.raises(InvitationError, match="empty"):
        Invitation.decode(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello, world!", "character 3 of 12 never appears in one"),
        ("0x1234abcd", "codes never contain 0, O, I or l"),
        ("héllo", "character 2 of 5 never appears in one"),
        (str(base58.b58encode(bytes(range(1, 71))), "ascii"), "^not an invitation code"),
        (str(base58.b58encode(b"\x5f" + bytes(300)), "ascii"), "^not an invitation code"),
        ("https://river.example/?invitation=", "parameter is empty"),
        ("https://river.example/room/abc", "no invitation parameter"),
        ("1" * 40, "^not an invitation code"),
    ],
)
def test_garbage(text: str, message: str) -> None:
    with pytest.raises(InvitationError, match=message):
        Invitation.decode(text)


@pytest.mark.parametrize("missing", [1, 2, 7, 50, 200, 400, 600, 630])
def test_truncated_code(missing: int) -> None:
    with pytest.raises(InvitationError, match="incomplete"):
        Invitation.decode(VECTOR_CODE[:-missing])


@pytest.mark.parametrize("position", [20, 100, 328, 654, 655])
def test_deleted_character(position: int) -> None:
    with pytest.raises(InvitationError, match="incomplete"):
        Invitation.decode(VECTOR_CODE[:position] + VECTOR_CODE[position + 1 :])


@pytest.mark.parametrize(
    "text",
    [VECTOR_CODE + "abc", VECTOR_CODE + VECTOR_CODE, VECTOR_CODE[:300] + "xyz" + VECTOR_CODE[300:]],
)
def test_extra_characters(text: str) -> None:
    with pytest.raises(InvitationError, match="extra characters"):
        Invitation.decode(text)


def test_typos_are_reported_as_damage() -> None:
    messages = []
    for position in range(0, len(VECTOR_CODE), 3):
        typo = "2" if VECTOR_CODE[position] != "2" else "3"
        try:
            Invitation.decode(VECTOR_CODE[:position] + typo + VECTOR_CODE[position + 1 :])
        except InvitationError as exc:
            messages.append(str(exc))
    assert sum("damaged" in m for m in messages) > len(messages) // 2
    assert not any("extra characters" in m or "cut off" in m for m in messages)


@pytest.mark.parametrize("length", [8, 40, 200, 479])
def test_truncated_cbor(length: int) -> None:
    with pytest.raises(InvitationError, match="incomplete"):
        Invitation.decode(_code_of_bytes(base58.b58decode(VECTOR_CODE)[:length]))


def _code_of_bytes(data: bytes) -> str:
    return str(base58.b58encode(data), "ascii")


def test_non_text_and_oversized_input() -> None:
    with pytest.raises(InvitationError, match="must be text"):
        Invitation.decode(VECTOR_CODE.encode())  # type: ignore[arg-type]
    with pytest.raises(InvitationError, match="too long"):
        Invitation.decode("2" * (MAX_CODE_CHARS + 1))


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[Any, Any]], None]:
    def mutate(obj: dict[Any, Any]) -> None:
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(key: str) -> Callable[[dict[Any, Any]], None]:
    return lambda obj: obj.pop(key)


OTHER_ROOM = SigningIdentity(bytes([5] * 32)).verifying_key
INVALID_POINT = bytes([2]) + bytes(31)
MEMBER = ("invitee", "member")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set(("room",), OWNER.verifying_key[:31]), "room key must be 32 bytes, got 31"),
        (_set(("room",), OWNER.verifying_key + b"\x00"), "room key must be 32 bytes, got 33"),
        (_set(("room",), INVALID_POINT), "room key is not a valid ed25519 public key"),
        (_set(("room",), list(OWNER.verifying_key)), "room key must be a byte string"),
        (_set(("room",), OTHER_ROOM), r"another room \(owner member id mismatch\)"),
        (_set(("invitee_signing_key",), bytes(31)), "invitee signing key must be 32 bytes, got 31"),
        (_set(("invitee_signing_key",), bytes([9] * 32)), "does not match the invited member"),
        (_set((*MEMBER, "member_vk"), bytes(33)), "member_vk must be 32 bytes, got 33"),
        (_set((*MEMBER, "member_vk"), INVALID_POINT), "invited member key is not a valid ed25519 public key"),
        (_set((*MEMBER, "owner_member_id"), "owner"), "owner_member_id must be an integer"),
        (_set(("invitee", "signature"), [7] * 63), "signature must be 64 bytes, got 63"),
        (_set(("invitee", "signature"), [7] * 65), "signature must be 64 bytes, got 65"),
        (_set(("invitee", "signature"), "sig"), "signature must be an array of bytes"),
        (_set(("invitee",), [1, 2]), "authorized member must be a map"),
        (_set(("room_secrets",), {"0": "x"}), "room_secrets must be an array"),
        (_set(("room_secrets",), [[0, [1] * 32], [0, [2] * 32]]), "version 0 appears more than once"),
        (_set(("room_secrets",), [[2**32, [1] * 32]]), "room secret 0: the version must be an unsigned 32-bit"),
        (_set(("room_secrets",), [[-1, [1] * 32]]), "unsigned 32-bit"),
        (_set(("room_secrets",), [[0, [1] * 32], [1, [1] * 31]]), "room secret 1 must be 32 bytes, got 31"),
        (_set(("room_secrets",), [[0, [1] * 32, 5]]), r"room secret 0 must be a \[version, key\] pair"),
        (_delete("room"), "'room' is missing"),
        (_delete("invitee"), "'invitee' is missing"),
        (_delete("invitee_signing_key"), "'invitee_signing_key' is missing"),
    ],
)
def test_malformed_fields(mutate: Callable[[dict[Any, Any]], None], message: str) -> None:
    obj = _vector_obj()
    mutate(obj)
    code = _code_of(obj)
    with pytest.raises(InvitationError, match=message) as info:
        Invitation.decode(code)
    _assert_safe(info.value, code, VECTOR_FORBIDDEN)


def test_not_a_map_and_trailing_data() -> None:
    with pytest.raises(InvitationError, match="other than an invitation"):
        Invitation.decode(_code_of([1, 2, 3]))
    with pytest.raises(InvitationError, match="unexpected data after the invitation"):
        Invitation.decode(_code_of_bytes(base58.b58decode(VECTOR_CODE) + b"\x00"))


def test_owner_signature_is_checked_when_the_owner_invited() -> None:
    obj = cbor2.loads(base58.b58decode(OWNER_INVITED_CODE))
    assert Invitation.decode(OWNER_INVITED_CODE).verify(OWNER.verifying_key)
    obj["invitee"]["signature"][10] ^= 1
    with pytest.raises(InvitationError, match="signature on the invited member is not valid"):
        Invitation.decode(_code_of(obj))


# --- secrets never leak ---------------------------------------------------------------------------


def test_repr_and_str_show_only_public_labels() -> None:
    inv = _vector()
    for text in (repr(inv), str(inv), f"{inv}", repr([inv])):
        for secret in VECTOR_FORBIDDEN:
            assert secret not in text
    assert str(base58.b58encode(OWNER.verifying_key), "ascii")[:8] in repr(inv)
    assert member_id_display(INVITEE_ID) in repr(inv)
    assert member_id_display(INVITER_ID) in repr(inv)
    assert "[0, 3]" in repr(inv)


def _mutations(code: str) -> list[str]:
    out = [code[:n] for n in range(1, len(code), 9)] + [code[n:] for n in range(1, len(code), 23)]
    for position in range(0, len(code), 5):
        replacement = "2" if code[position] != "2" else "3"
        out.append(code[:position] + replacement + code[position + 1 :])
    raw = base58.b58decode(code)
    for position in range(0, len(raw), 3):
        out.append(_code_of_bytes(raw[:position] + bytes([raw[position] ^ 0x41]) + raw[position + 1 :]))
    return out


@pytest.mark.parametrize("seed_byte", [2, 0xC7])
def test_error_messages_never_contain_secrets_or_the_code(seed_byte: int) -> None:
    inv = Invitation.create(OWNER.verifying_key, INVITER.seed, bytes([seed_byte] * 32), SECRETS)
    code = inv.encode()
    forbidden = _forbidden(inv, code)
    errors = 0
    for mutated in _mutations(code):
        try:
            Invitation.decode(mutated)
        except InvitationError as exc:
            errors += 1
            _assert_safe(exc, mutated, forbidden)
            assert exc.__cause__ is None
    assert errors > 300


# --- fuzzing: nothing but InvitationError ---------------------------------------------------------

link_texts = st.builds(
    lambda prefix, body, suffix: f"{prefix}invitation={body}{suffix}",
    st.sampled_from(["https://r.example/?", "?", "x&", "https://r.example/?a=1&", ""]),
    st.text(alphabet=B58 + "0OIl&#=% ", max_size=120),
    st.sampled_from(["", "&b=2", "#x", " tail", "\n"]),
)


@settings(max_examples=700)
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text(text: str) -> None:
    _decode_outcome(text, VECTOR_FORBIDDEN)


@settings(max_examples=800)
@given(st.text(alphabet=B58, max_size=800))
def test_fuzz_base58_text(text: str) -> None:
    _decode_outcome(text, VECTOR_FORBIDDEN)


@settings(max_examples=500)
@given(link_texts | st.text(alphabet=B58 + " \t\n?&#=:/", max_size=300))
def test_fuzz_link_like_text(text: str) -> None:
    _decode_outcome(text, VECTOR_FORBIDDEN)


base_codes = st.sampled_from(list(zip(BASE_CODES, [VECTOR_FORBIDDEN, OWNER_INVITED_FORBIDDEN], strict=True)))


@settings(max_examples=500)
@given(base_codes, st.lists(st.tuples(st.integers(0, 655), st.sampled_from(B58)), min_size=1, max_size=3))
def test_fuzz_substituted_characters(base: tuple[str, list[str]], edits: list[tuple[int, str]]) -> None:
    code, forbidden = base
    chars = list(code)
    for position, ch in edits:
        chars[position % len(chars)] = ch
    _decode_outcome("".join(chars), forbidden)


@settings(max_examples=400)
@given(base_codes, st.integers(0, 700), st.integers(0, 700), st.text(alphabet=B58, max_size=30))
def test_fuzz_truncated_and_spliced(base: tuple[str, list[str]], start: int, end: int, insert: str) -> None:
    code, forbidden = base
    _decode_outcome(code[: min(start, end)] + insert + code[max(start, end) :], forbidden)
    _decode_outcome(code[:start], forbidden)


@settings(max_examples=300)
@given(base_codes, st.integers(0, 656), st.text(min_size=1, max_size=5))
def test_fuzz_inserted_characters(base: tuple[str, list[str]], position: int, insert: str) -> None:
    code, forbidden = base
    _decode_outcome(code[:position] + insert + code[position:], forbidden)


@settings(max_examples=500)
@given(base_codes, st.data())
def test_fuzz_cbor_byte_mutations(base: tuple[str, list[str]], data: st.DataObject) -> None:
    code, forbidden = base
    raw = bytearray(base58.b58decode(code))
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(raw)))
        kind = data.draw(st.sampled_from(["replace", "xor", "insert", "delete", "truncate"]))
        if kind == "replace" and position < len(raw):
            raw[position] = data.draw(st.integers(0, 255))
        elif kind == "xor" and position < len(raw):
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del raw[position : position + data.draw(st.integers(1, 40))]
        elif kind == "truncate":
            del raw[position:]
    _decode_outcome(_code_of_bytes(bytes(raw)), forbidden)


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELD_PATHS: list[tuple[Any, ...]] = [
    (),
    ("room",),
    ("invitee_signing_key",),
    ("invitee",),
    ("room_secrets",),
    ("invitee", "member"),
    ("invitee", "signature"),
    ("invitee", "signature", 0),
    (*MEMBER, "owner_member_id"),
    (*MEMBER, "invited_by"),
    (*MEMBER, "member_vk"),
    ("room_secrets", 0),
    ("room_secrets", 1, 0),
    ("room_secrets", 1, 1),
    ("room_secrets", 1, 1, 5),
]


@settings(max_examples=400)
@given(st.sampled_from(FIELD_PATHS), cbor_values, st.booleans())
def test_fuzz_structural_mutations(path: tuple[Any, ...], value: object, delete: bool) -> None:
    obj: Any = _vector_obj()
    if not path:
        obj = value
    else:
        target = obj
        for key in path[:-1]:
            target = target[key]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    _decode_outcome(_code_of(obj), VECTOR_FORBIDDEN)


@settings(max_examples=150)
@given(st.binary(max_size=120))
def test_own_base58_decoder_matches_the_package(data: bytes) -> None:
    assert _b58decode(str(base58.b58encode(data), "ascii")) == data
