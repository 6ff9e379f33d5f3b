"""Pure domain model: identities, room state, the room list and invitations (no I/O, no Qt)."""
