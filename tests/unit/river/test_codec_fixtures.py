"""River's frozen test vectors, reproduced by our encoder and read back by our decoder."""

from __future__ import annotations

from river_desktop.domain.river import codec
from river_desktop.domain.river.configuration import Configuration
from river_desktop.domain.river.direct_messages import (
    AuthorizedDirectMessage,
    AuthorizedRecipientPurges,
    DirectMessages,
)

from .helpers import fixture_bytes, ident


def test_legacy_default_configuration_is_reproduced_byte_for_byte() -> None:
    legacy = fixture_bytes("legacy_default_config.cbor.hex")
    assert len(legacy) == 269
    assert Configuration().encode() == legacy


def test_legacy_default_configuration_decodes_without_max_direct_messages() -> None:
    cfg = Configuration.from_obj(codec.loads(fixture_bytes("legacy_default_config.cbor.hex")))
    assert cfg == Configuration()
    assert cfg.max_direct_messages is None
    assert cfg.effective_max_direct_messages == 300


def test_max_direct_messages_is_appended_only_when_set() -> None:
    with_cap = Configuration(max_direct_messages=42).encode()
    assert with_cap[0] == 0xAC  # 12 keys
    assert Configuration.from_obj(codec.loads(with_cap)).max_direct_messages == 42
    assert Configuration().encode()[0] == 0xAB  # 11 keys


def _wire_inputs() -> tuple[DirectMessages, bytes]:
    sender, recipient, owner = ident(7), ident(11), ident(42)
    dm = AuthorizedDirectMessage.create(
        sender, recipient.member_id, owner.verifying_key, 1_700_000_000, b"deterministic ciphertext"
    )
    purges = AuthorizedRecipientPurges.create(recipient, owner.verifying_key, 5, (b"\xbb" * 16, b"\xaa" * 16))
    return DirectMessages((dm,), (purges,)), owner.verifying_key


def test_direct_messages_wire_format_is_reproduced_byte_for_byte() -> None:
    dms, _ = _wire_inputs()
    assert dms.encode() == fixture_bytes("direct_messages_wire_format.hex")


def test_direct_messages_wire_format_decodes_and_its_signatures_verify() -> None:
    dms = DirectMessages.from_obj(codec.loads(fixture_bytes("direct_messages_wire_format.hex")))
    expected, owner_vk = _wire_inputs()
    assert dms == expected
    assert dms.messages[0].verify(ident(7).verifying_key, owner_vk)
    assert dms.purges[0].verify(ident(11).verifying_key, owner_vk)
    assert not dms.messages[0].verify(ident(8).verifying_key, owner_vk)
