"""What can go wrong talking to a Freenet node, in words a user can act on (never a secret, never a traceback)."""

from __future__ import annotations


class NetError(Exception):
    """Base of every error the net layer raises for an expected failure."""


class NodeUnreachableError(NetError):
    """Nothing answered at the node address (no node running, wrong port, or the connection dropped)."""


class ConnectionRefusedByNodeError(NetError):
    """Something answered but refused the WebSocket (wrong path, bad query parameter, not a Freenet node)."""


class RequestTooLargeError(NetError):
    """A request larger than the node accepts (256 chunks of 256 KiB); nothing was sent."""


class NetTimeoutError(NetError):
    """The node did not answer in time."""


class ProtocolError(NetError):
    """The node sent bytes we cannot decode, or an answer that does not fit the request."""


class NodeError(NetError):
    """The node answered the request with ``Err(ClientError)``; ``error`` is the decoded ClientError."""

    def __init__(self, message: str, error: object) -> None:
        super().__init__(message)
        self.error = error


class NodeDeserializationError(NodeError):
    """The node could not decode what we sent (its ``DeserializationError``)."""


class ContractNotFoundError(NetError):
    """The node does not have the contract: ``NotFound`` (network mode) or ``MissingContract`` (local mode)."""


class RoomContractError(NetError):
    """The room contract's code is missing, unreadable or not the code the room's key names."""
