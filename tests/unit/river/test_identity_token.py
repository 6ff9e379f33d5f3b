"""River's armored identity token: exact layout, River's checks, tolerant reading."""

from __future__ import annotations

import base58
import cbor2
import pytest

from river_desktop.domain.identity import SigningIdentity
from river_desktop.domain.member import AuthorizedMember
from river_desktop.domain.river import identity_token as it

OWNER = SigningIdentity(bytes([3] * 32))
INVITER = SigningIdentity(bytes([1] * 32))
ME = SigningIdentity(bytes([2] * 32))
OWNER_VK = OWNER.verifying_key
SECRETS = ((0, bytes([0x11] * 32)), (3, bytes([0x22] * 32)))
MEMBER_INFO = {
    "member_info": {"member_id": ME.member_id, "version": 1, "preferred_nickname": {"Public": {"value": [77]}}},
    "signature": [0] * 64,
}


def _chain_token(**kw: object) -> it.IdentityToken:
    link = AuthorizedMember.create(OWNER_VK, OWNER, INVITER.verifying_key)
    me = AuthorizedMember.create(OWNER_VK, INVITER, ME.verifying_key)
    args: dict[str, object] = {
        "member_info": MEMBER_INFO,
        "room_name": "Test Room",
        "self_nickname": "Me",
        "invitation_secrets": SECRETS,
    }
    args.update(kw)
    return it.IdentityToken(OWNER_VK, ME, me, (link,), **args)  # type: ignore[arg-type]


def _armor(payload: bytes) -> str:
    return f"{it.ARMOR_BEGIN}\n{base58.b58encode(payload).decode()}\n{it.ARMOR_END}"


def test_layout_is_rivers() -> None:
    text = _chain_token().encode()
    lines = text.split("\n")
    assert lines[0] == it.ARMOR_BEGIN and lines[-1] == it.ARMOR_END and not text.endswith("\n")
    body = lines[1:-1]
    assert all(len(line) == 64 for line in body[:-1]) and 0 < len(body[-1]) <= 64
    raw = base58.b58decode("".join(body))
    assert raw[0] == 0xA8  # a map of exactly 8 keys
    obj = cbor2.loads(raw)
    assert list(obj) == [
        "room_owner",
        "signing_key",
        "authorized_member",
        "invite_chain",
        "member_info",
        "room_name",
        "self_nickname",
        "invitation_secrets",
    ]
    assert obj["room_owner"] == OWNER_VK and obj["signing_key"] == ME.seed  # bstr(32), not arrays
    assert obj["invitation_secrets"] == {0: [0x11] * 32, 3: [0x22] * 32}
    assert obj["member_info"] == MEMBER_INFO


def test_round_trip() -> None:
    token = _chain_token()
    back = it.IdentityToken.decode(token.encode())
    assert back == token
    assert back.identity.seed == ME.seed and back.member_info == MEMBER_INFO and not back.is_owner


def test_minimal_token_encodes_nulls_and_empty_map() -> None:
    token = _chain_token(member_info=None, room_name=None, self_nickname=None, invitation_secrets=())
    obj = cbor2.loads(base58.b58decode("".join(token.encode().split("\n")[1:-1])))
    assert obj["member_info"] is None and obj["room_name"] is None and obj["invitation_secrets"] == {}
    assert it.IdentityToken.decode(token.encode()) == token


def test_owner_self_signed_form() -> None:
    token = it.IdentityToken.for_owner(OWNER, room_name="My Room")
    assert token.is_owner
    m = token.authorized_member.member
    assert m.invited_by == OWNER.member_id == m.owner_member_id and m.member_vk == OWNER_VK
    assert it.IdentityToken.decode(token.encode()) == token


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\n  " + t.replace("\n", "\n    ") + "  \n\n",
        lambda t: "\t" + t.replace("\n", " \n\n") + "\r\n",
    ],
    ids=["crlf", "indented", "blank-lines"],
)
def test_tolerant_decode(mangle: object) -> None:
    token = _chain_token()
    assert it.IdentityToken.decode(mangle(token.encode())) == token  # type: ignore[operator]


def test_old_token_without_later_fields() -> None:
    old = {
        "room_owner": OWNER_VK,
        "signing_key": ME.seed,
        "authorized_member": AuthorizedMember.create(OWNER_VK, OWNER, ME.verifying_key).to_obj(),
        "invite_chain": [],
        "member_info": None,
    }
    token = it.IdentityToken.decode(_armor(cbor2.dumps(old)))
    assert token.room_name is None and token.self_nickname is None and token.invitation_secrets == ()


def test_tampered_signature_is_rejected() -> None:
    obj = _chain_token().to_obj()
    obj["authorized_member"]["signature"] = [0] * 64
    with pytest.raises(it.IdentityTokenError) as info:
        it.IdentityToken.decode(_armor(cbor2.dumps(obj)))
    assert info.value.problem is it.TokenProblem.BAD_SIGNATURE
    assert "membership" in str(info.value)


def test_tampered_chain_link_is_rejected() -> None:
    obj = _chain_token().to_obj()
    obj["invite_chain"][0]["signature"][5] ^= 1
    with pytest.raises(it.IdentityTokenError) as info:
        it.IdentityToken.decode(_armor(cbor2.dumps(obj)))
    assert info.value.problem is it.TokenProblem.BAD_SIGNATURE and "invite chain" in str(info.value)


def test_unknown_inviter_is_not_checked() -> None:
    # River checks only signatures whose inviter it can find (owner or chain member).
    stranger = SigningIdentity(bytes([9] * 32))
    me = AuthorizedMember.create(OWNER_VK, stranger, ME.verifying_key)
    token = it.IdentityToken(OWNER_VK, ME, me, ())
    assert it.IdentityToken.decode(token.encode()) == token


def test_mismatched_key_is_rejected_without_showing_it() -> None:
    wrong = SigningIdentity(bytes([7] * 32))
    token = it.IdentityToken(OWNER_VK, wrong, AuthorizedMember.create(OWNER_VK, OWNER, ME.verifying_key))
    with pytest.raises(it.IdentityTokenError) as info:
        it.IdentityToken.decode(token.encode())
    assert info.value.problem is it.TokenProblem.KEY_MISMATCH
    assert "0707" not in str(info.value) and wrong.seed.hex() not in str(info.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", it.TokenProblem.EMPTY),
        (f"{it.ARMOR_BEGIN}\n{it.ARMOR_END}", it.TokenProblem.EMPTY),
        (f"{it.ARMOR_BEGIN}\n0OIl\n{it.ARMOR_END}", it.TokenProblem.NOT_BASE58),
        (_armor(b"\xff\xff"), it.TokenProblem.NOT_CBOR),
        (_armor(cbor2.dumps([1, 2])), it.TokenProblem.BAD_SHAPE),
        (_armor(cbor2.dumps({"room_owner": b"x"})), it.TokenProblem.BAD_SHAPE),
    ],
)
def test_bad_tokens(text: str, problem: it.TokenProblem) -> None:
    with pytest.raises(it.IdentityTokenError) as info:
        it.IdentityToken.decode(text)
    assert info.value.problem is problem


def test_truncated_token_is_rejected() -> None:
    lines = _chain_token().encode().split("\n")
    cut = "\n".join([lines[0], lines[1][:30], lines[-1]])
    with pytest.raises(it.IdentityTokenError):
        it.IdentityToken.decode(cut)


def test_repr_hides_the_seed_and_secrets() -> None:
    token = _chain_token()
    text = repr(token) + str(token)
    assert ME.seed.hex() not in text and "2222" not in text and token.encode()[40:60] not in text
    assert "redacted" in text and "secrets=[0, 3]" in text
