"""River's room contract state (``ChatRoomStateV1``) in pure Python: bytes, rules and sync.

Start at :mod:`.state` (the state, ``decode`` / ``encode`` / ``verify`` / ``genesis``) and :mod:`.sync`
(``summarize`` / ``delta`` / ``apply_delta`` / ``merge`` / ``update_state``). Leaf records live in one
module per River file: configuration, members, member_info, bans, secrets, messages, direct_messages,
upgrade; :mod:`.codec` holds the CBOR rules and :mod:`.summary` the sync wire types.
"""
