"""One app process per profile: a second launch hands over to the first and exits.

Two processes on one profile would be safe for the data (every writer goes through the CAS loop)
but confusing: two tray icons, two sets of windows restored from the same layout. So, as Telegram
and Element do, the first process listens on a local socket (``QLocalServer``) whose name is derived
from a hash of the profile's path; a later launch connects, asks for a window, waits for the answer
and exits 0 before it opens the store. The socket is accessible to this user only.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

REQUEST = b"show\n"
ANSWER = b"ok\n"
CONNECT_MS = 1000
ANSWER_MS = 5000


def server_name(profile_dir: Path) -> str:
    """The socket name for this user and profile (a path would be too long for a Unix socket)."""
    path = os.fsencode(Path(profile_dir).expanduser().resolve())
    digest = hashlib.sha256(path).hexdigest()[:32]
    user = os.getuid() if hasattr(os, "getuid") else 0
    return f"river-desktop-{user}-{digest}"


def hand_over(name: str) -> bool:
    """Ask the process serving ``name`` to show a window. True when it answered (this launch may exit)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    try:
        socket.write(REQUEST)
        socket.flush()
        answer = b""
        while ANSWER not in answer and socket.waitForReadyRead(ANSWER_MS):
            answer += socket.readAll().data()
        if ANSWER not in answer:
            log.warning("another River Desktop process is serving this profile but did not answer")
            return False
        return True
    finally:
        socket.abort()


class InstanceServer(QObject):
    """Listens for later launches on the profile's socket; each one emits :attr:`launched`."""

    launched = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; False when another live process already does (then hand over to it)."""
        if self._server.listen(self.name):
            return True
        if self._server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
            log.warning("no single-instance socket: %s", self._server.errorString())
            return True  # run anyway, just without the hand-over
        if hand_over(self.name):
            return False
        QLocalServer.removeServer(self.name)  # left behind by a process that was killed
        if not self._server.listen(self.name):
            log.warning("no single-instance socket: %s", self._server.errorString())
        return True

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + socket.readAll().data()
        if REQUEST not in data:
            self._buffers[socket] = data[-len(REQUEST) :]
            return
        self._buffers.pop(socket, None)
        socket.write(ANSWER)
        socket.flush()
        socket.disconnectFromServer()
        log.info("another launch on this profile handed over to this process")
        self.launched.emit()

    def _drop(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


__all__ = ["InstanceServer", "hand_over", "server_name"]
