"""Private-room sealing, the keyring and rotation, on River's object-tree shapes."""

from __future__ import annotations

import cbor2
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from river_desktop.domain.identity import SigningIdentity, member_id, verify
from river_desktop.domain.river import content as c
from river_desktop.domain.river import crypto
from river_desktop.domain.river import privacy as p

SECRET = bytes([0x5C] * 32)
OWNER = SigningIdentity(bytes([1] * 32))
ALICE = SigningIdentity(bytes([2] * 32))
BOB = SigningIdentity(bytes([3] * 32))
T0 = (1_700_000_000, 5)


def test_sealed_bytes_shapes_follow_river_field_order() -> None:
    assert p.public_sealed(b"ab") == {"Public": {"value": [97, 98]}}
    sealed = p.seal_bytes("Zoë".encode(), SECRET, 4)
    inner = sealed["Private"]
    assert list(inner) == ["ciphertext", "nonce", "secret_version", "declared_len_bytes"]
    assert inner["secret_version"] == 4 and inner["declared_len_bytes"] == 4
    assert all(isinstance(b, int) for b in inner["ciphertext"]) and len(inner["nonce"]) == 12
    # Plaintext is the raw UTF-8: open with AES-GCM directly, no AAD.
    assert AESGCM(SECRET).decrypt(bytes(inner["nonce"]), bytes(inner["ciphertext"]), None) == "Zoë".encode()
    assert p.sealed_declared_len(sealed) == 4 and p.sealed_secret_version(sealed) == 4
    assert p.sealed_declared_len(p.public_sealed(b"abc")) == 3 and p.sealed_secret_version(p.public_sealed(b"")) is None


@given(st.text(max_size=60), st.integers(0, (1 << 32) - 1))
def test_seal_unseal_round_trip(text: str, version: int) -> None:
    secrets = p.RoomSecrets(((version, SECRET),))
    sealed = p.seal_bytes(text.encode(), SECRET, version)
    assert p.unseal_bytes(sealed, secrets) == text.encode()
    # What a peer decodes from the wire (bytes may arrive as bstr too) opens the same.
    assert p.unseal_bytes(cbor2.loads(cbor2.dumps(sealed)), secrets) == text.encode()
    assert p.unseal_text(sealed, secrets).text == text


@pytest.mark.parametrize(
    ("held", "sealed_version", "status", "display"),
    [
        ({0: SECRET}, 0, p.UnsealStatus.DECRYPTED, "Room"),
        ({}, 3, p.UnsealStatus.SECRET_NOT_HELD, "[encrypted: secret version 3 not held]"),
        ({3: bytes(32)}, 3, p.UnsealStatus.UNREADABLE, "[encrypted: cannot be read]"),
        ({1: SECRET}, 3, p.UnsealStatus.SECRET_NOT_HELD, "[encrypted: secret version 3 not held]"),
    ],
)
def test_unseal_text_outcomes(
    held: dict[int, bytes], sealed_version: int, status: p.UnsealStatus, display: str
) -> None:
    sealed = p.seal_bytes(b"Room", SECRET, sealed_version)
    got = p.unseal_text(sealed, p.RoomSecrets(tuple(held.items())))
    assert got.status is status
    assert got.display == display


def test_secret_not_held_error_names_only_the_version() -> None:
    sealed = p.seal_bytes(b"secret name", SECRET, 7)
    with pytest.raises(p.SecretNotHeld) as info:
        p.unseal_bytes(sealed, p.RoomSecrets())
    assert str(info.value) == "secret version 7 not held" and info.value.version == 7


def test_public_value_unseals_without_secrets() -> None:
    got = p.unseal_text(p.public_sealed(b"Lobby"), p.RoomSecrets())
    assert got.status is p.UnsealStatus.PUBLIC and got.text == "Lobby"
    assert p.unseal_text({"Nope": {}}, p.RoomSecrets()).status is p.UnsealStatus.UNREADABLE


def test_seal_for_room_refuses_plaintext_into_a_private_room() -> None:
    assert p.seal_for_room(b"n", None, 0) == p.public_sealed(b"n")
    with pytest.raises(p.SecretNotHeld):
        p.seal_for_room(b"n", p.RoomSecrets(), 2)
    sealed = p.seal_for_room(b"n", p.RoomSecrets(((2, SECRET),)), 2)
    assert p.sealed_secret_version(sealed) == 2


@pytest.mark.parametrize(
    "content",
    [
        c.TextContent("hello"),
        c.ActionContent.edit(-42, "fixed"),
        c.ActionContent.reaction(9, "👍"),
        c.ReplyContent("yes", 5, "", ""),
    ],
)
def test_private_message_body(content: c.Content) -> None:
    body = p.encrypt_message_body(content, SECRET, 1)
    inner = body["Private"]
    assert list(inner) == ["content_type", "content_version", "ciphertext", "nonce", "secret_version"]
    assert inner["content_type"] == content.content_type and inner["content_version"] == 1
    plain = AESGCM(SECRET).decrypt(bytes(inner["nonce"]), bytes(inner["ciphertext"]), None)
    assert plain == content.encode()  # the plaintext is the content struct's CBOR
    secrets = p.RoomSecrets(((1, SECRET),))
    assert p.decrypt_message_body(body, secrets) == content
    header = p.body_header(body)
    assert header.private and header.secret_version == 1
    assert header.content_len == len(content.encode()) + crypto.TAG_LEN
    assert header.is_action == isinstance(content, c.ActionContent)


def test_public_message_body_is_rivers_shape() -> None:
    body = p.public_message_body(c.EventContent.join())
    assert body == {"Public": {"content_type": 4, "content_version": 1, "data": list(c.EventContent.join().encode())}}
    assert p.decrypt_message_body(body, p.RoomSecrets()) == c.EventContent.join()


def test_open_message_body_placeholders() -> None:
    body = p.encrypt_message_body(c.TextContent("hidden words"), SECRET, 2)
    missing = p.open_message_body(body, p.RoomSecrets())
    assert missing.status is p.BodyStatus.SECRET_NOT_HELD and missing.content is None
    assert missing.placeholder == "[encrypted message: secret version 2 not held]"
    wrong = p.open_message_body(body, p.RoomSecrets(((2, bytes(32)),)))
    assert wrong.status is p.BodyStatus.UNREADABLE and wrong.placeholder == "[message cannot be read]"
    ok = p.open_message_body(body, p.RoomSecrets(((2, SECRET),)))
    assert ok.content == c.TextContent("hidden words") and ok.placeholder is None
    garbage = p.encrypt_message_body(c.UnknownContent(1, 1, b"\xff"), SECRET, 2)
    assert p.open_message_body(garbage, p.RoomSecrets(((2, SECRET),))).status is p.BodyStatus.UNREADABLE
    unknown = p.open_message_body(p.public_message_body(c.UnknownContent(9, 2, b"")), p.RoomSecrets())
    assert unknown.placeholder == "[unsupported message type 9.2]"
    for opened in (missing, wrong):
        assert "hidden" not in repr(opened)


def test_keyring_repr_and_lookup() -> None:
    ring = p.RoomSecrets.from_invitation([(3, bytes([0xB2] * 32)), (0, bytes([0xA1] * 32))])
    assert ring.versions == (0, 3) and ring.latest_version == 3 and 3 in ring and 1 not in ring
    assert next(iter(ring)) == (0, bytes([0xA1] * 32))
    assert repr(ring) == "RoomSecrets(versions=[0, 3])" and "a1a1" not in repr(ring).lower()
    assert ring.merged([(3, SECRET)]).get(3) == SECRET
    with pytest.raises(p.PrivacyError):
        p.RoomSecrets(((0, b"short"),))


def _secrets_tree(blobs: list[dict[str, object]], current: int = 0) -> dict[str, object]:
    return {"current_version": current, "versions": [], "encrypted_secrets": blobs}


def test_collect_opens_only_our_blobs_and_blob_beats_invitation() -> None:
    alice_v0 = p.encrypted_secret_for_member(OWNER, ALICE.verifying_key, 0, SECRET)
    bob_v0 = p.encrypted_secret_for_member(OWNER, BOB.verifying_key, 0, bytes([9] * 32))
    tree = _secrets_tree([bob_v0, alice_v0])
    ring = p.RoomSecrets.collect(tree, ALICE.seed, [(0, bytes([0xDE] * 32)), (5, bytes([5] * 32))])
    assert ring.get(0) == SECRET  # owner-signed blob wins
    assert ring.get(5) == bytes([5] * 32)  # invitation fills the gap
    assert p.RoomSecrets.collect(tree, OWNER.seed).versions == ()
    # The same tree after a trip through CBOR (arrays of ints) still works.
    assert p.RoomSecrets.collect(cbor2.loads(cbor2.dumps(tree)), ALICE.seed).get(0) == SECRET


def test_collect_skips_a_blob_that_does_not_open() -> None:
    blob = p.encrypted_secret_for_member(OWNER, ALICE.verifying_key, 0, SECRET)
    blob["secret"]["ciphertext"][0] ^= 1  # type: ignore[index]
    assert p.RoomSecrets.collect(_secrets_tree([blob]), ALICE.seed).versions == ()


def test_records_are_owner_signed_over_their_canonical_cbor() -> None:
    record = p.secret_version_record(OWNER, 2, T0)
    assert list(record) == ["record", "owner_signature"]
    assert record["record"] == {
        "version": 2,
        "cipher_spec": "Aes256Gcm",
        "created_at": {"secs_since_epoch": T0[0], "nanos_since_epoch": T0[1]},
    }
    assert verify(OWNER.verifying_key, cbor2.dumps(record["record"]), bytes(record["owner_signature"]))
    blob = p.encrypted_secret_for_member(OWNER, ALICE.verifying_key, 2, SECRET)
    inner = blob["secret"]
    assert list(inner) == [
        "member_id",
        "secret_version",
        "ciphertext",
        "nonce",
        "sender_ephemeral_public_key",
        "provider",
    ]
    assert inner["member_id"] == ALICE.member_id and inner["provider"] == OWNER.member_id
    assert inner["nonce"] == [0] * 12
    assert verify(OWNER.verifying_key, cbor2.dumps(inner), bytes(blob["owner_signature"]))


def test_initial_secrets_give_the_owner_v0() -> None:
    tree, v0 = p.initial_room_secrets(OWNER, T0)
    assert tree["current_version"] == 0 and len(tree["versions"]) == 1
    assert p.RoomSecrets.collect(tree, OWNER.seed).get(0) == v0
    assert p.initial_room_secrets(OWNER, T0)[1] != v0  # random, never derived


def test_rotation_derives_next_version_and_backfills() -> None:
    tree, v0 = p.initial_room_secrets(OWNER, T0)
    tree["encrypted_secrets"].append(p.encrypted_secret_for_member(OWNER, ALICE.verifying_key, 0, v0))
    rotation = p.rotate_secrets(OWNER, tree, [ALICE.verifying_key, BOB.verifying_key], T0)
    assert rotation.version == 1
    assert rotation.secret == crypto.derive_room_secret(OWNER.seed, OWNER.verifying_key, 1)
    delta = rotation.delta
    assert list(delta) == ["current_version", "new_versions", "new_encrypted_secrets"]
    assert delta["current_version"] == 1 and delta["new_versions"][0]["record"]["version"] == 1
    pairs = [(b["secret"]["member_id"], b["secret"]["secret_version"]) for b in delta["new_encrypted_secrets"]]
    # Owner first, then members; every version we hold; nothing the state already has.
    assert pairs == [
        (OWNER.member_id, 1),
        (ALICE.member_id, 1),
        (BOB.member_id, 0),
        (BOB.member_id, 1),
    ]
    merged = _secrets_tree(tree["encrypted_secrets"] + delta["new_encrypted_secrets"], 1)
    bob = p.RoomSecrets.collect(merged, BOB.seed)
    assert bob.get(0) == v0 and bob.get(1) == rotation.secret
    assert "secret" not in repr(rotation).lower().replace("rotation", "")


def test_rotation_is_deterministic_across_replicas() -> None:
    tree, _ = p.initial_room_secrets(OWNER, T0, secret=SECRET)
    a = p.rotate_secrets(OWNER, tree, [ALICE.verifying_key], T0)
    b = p.rotate_secrets(OWNER, tree, [ALICE.verifying_key], T0)
    assert cbor2.dumps(a.delta) == cbor2.dumps(b.delta)


def test_rotation_refuses_to_wrap() -> None:
    with pytest.raises(p.PrivacyError):
        p.rotate_secrets(OWNER, _secrets_tree([], (1 << 32) - 1), [], T0)


def test_member_ids_in_blobs_match_identity() -> None:
    blob = p.encrypted_secret_for_member(OWNER, BOB.verifying_key, 0, SECRET)
    assert blob["secret"]["member_id"] == member_id(BOB.verifying_key)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"\x00\xff", b"\x00\xff"),
        ([0, 97, 255], b"\x00a\xff"),
        ([], b""),
        ([1, True], "must be a byte array"),
        ([False], "must be a byte array"),
        ([1, 256], "must hold byte values"),
        ([-1], "must hold byte values"),
        ([1, "a", 300], "must be a byte array"),
        ([1.0], "must be a byte array"),
        ("ab", "must be a byte array"),
        (None, "must be a byte array"),
    ],
)
def test_byte_vectors_accept_byte_strings_and_arrays_of_byte_values(value: object, expected: bytes | str) -> None:
    """The fast check of an all-int array and the item-by-item one agree: bools and other types are refused."""
    if isinstance(expected, bytes):
        assert p._byte_vec(value, None, "data") == expected
    else:
        with pytest.raises(p.PrivacyError, match=expected):
            p._byte_vec(value, None, "data")


@given(st.lists(st.integers(min_value=-3, max_value=260) | st.booleans(), max_size=20))
def test_byte_vector_check_matches_its_definition(items: list[int]) -> None:
    ok = all(type(b) is int and 0 <= b <= 255 for b in items)
    if ok:
        assert p._byte_vec(items, None, "data") == bytes(items)
    else:
        with pytest.raises(p.PrivacyError):
            p._byte_vec(items, None, "data")
