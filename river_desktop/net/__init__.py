"""The Freenet node's client API: bincode frames over a WebSocket (no Qt, no storage)."""
