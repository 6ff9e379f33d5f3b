"""River's ``ContractKey`` as ``RoomData`` stores it: the room contract's instance id and code hash.

The instance id is BLAKE3(code hash ‖ CBOR ``{"owner": bstr32}``) (freenet-stdlib ``contract_interface/key.rs``);
River's UI serializes the key as ``{"instance": [32 uints], "code": [32 uints]}`` (stdlib 0.8.5 ``key.rs:153``).
``net/room_contract.py`` holds the same hash for the network; a test keeps the two equal.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import blake3

from river_desktop.domain.river import codec as c

RIVER_ROOM_CODE_HASH = bytes.fromhex("e765339ba3039f937256f4b6f7e8683d43f90e158f5d80f0dd45afdca69911e5")
_PARAMS_PREFIX = bytes.fromhex("a1") + b"\x65owner" + bytes.fromhex("5820")


@dataclass(frozen=True)
class ContractKey(c.Record):
    instance: bytes
    code: bytes

    @classmethod
    def for_room(cls, owner_vk: bytes, code: bytes = RIVER_ROOM_CODE_HASH) -> ContractKey:
        return cls(bytes(blake3.blake3(code + _PARAMS_PREFIX + owner_vk).digest()), code)

    @functools.cached_property
    def encoded(self) -> bytes:
        return c.enc_map((("instance", c.enc_uint_array(self.instance)), ("code", c.enc_uint_array(self.code))))

    def encode(self) -> bytes:
        """Built once per key: every save of the room's slot writes it."""
        return self.encoded

    @classmethod
    def from_obj(cls, value: object) -> ContractKey:
        m = c.fields(value, "contract key")
        return cls(
            c.byte_field(c.req(m, "instance", "contract key"), "instance", 32),
            c.byte_field(c.req(m, "code", "contract key"), "code", 32),
        )
