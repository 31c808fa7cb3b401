"""The threaded loopback HTTP server both fakes (the fixture web, the Bot API) are built on:
it tracks open connections so `stop()` can wake handlers parked on slow answers, long polls
or idle keep-alives, and keeps unexpected handler errors for the tests to assert on."""

from __future__ import annotations

import contextlib
import http.server
import socket
import sys
import threading
from typing import Any


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for parked handlers; close_connections() wakes them instead.
    block_on_close = False

    def __init__(
        self,
        address: str,
        handler: type[http.server.BaseHTTPRequestHandler],
        errors: list[BaseException],
    ) -> None:
        self.errors = errors
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((address, 0), handler)

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(sock)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            # Already closed by its handler or the client: nothing left to wake.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        # Clients hanging up, timing out or being cut off by stop() are routine here.
        if exc is None or isinstance(exc, OSError):
            return
        self.errors.append(exc)
