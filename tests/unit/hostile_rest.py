"""A scriptable, misbehaving Keap REST server on loopback, for the REST client's tests.

Each test queues the answers it wants (:class:`Reply`, :class:`Drop`, :class:`Reset`,
:class:`Stall`); once the queue is empty the server answers ``default``. Every request
that arrives is recorded before it is answered, so a test can count exactly what
reached the server. TLS is optional (``tls=`` files from ``app.sandbox.tls``).
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from app.sandbox.tls import TlsFiles, server_context


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; a non-bytes ``body`` is sent as JSON."""

    status: int = 200
    body: object = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without a word."""


@dataclass(frozen=True)
class Reset:
    """Read the request, then reset the connection (TCP RST)."""


@dataclass(frozen=True)
class Stall:
    """Read the request and hold the reply until the server is released (or 5 s pass)."""

    then: Reply = field(default_factory=lambda: Reply(200, {"late": True}))


Action = Reply | Drop | Reset | Stall


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


GATEWAY_502 = Reply(502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                    content_type="text/html")
GATEWAY_503 = Reply(503, b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
                    content_type="text/html; charset=utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        self.server.owner.record(Received(self.command, parts.path, parse_qsl(parts.query),
                                          {k.lower(): v for k, v in self.headers.items()}, body))
        action = self.server.owner.next_action()
        if isinstance(action, Drop):
            self.close_connection = True
            return
        if isinstance(action, Reset):
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # with linger 0 the last close sends RST, not FIN
            return
        if isinstance(action, Stall):
            self.server.owner.released.wait(5)
            action = action.then
        payload = action.payload()
        self.send_response(action.status)
        self.send_header("Content-Type", action.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in action.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    owner: HostileRestServer
    ssl_context: ssl.SSLContext | None = None

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        try:
            wrapped = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate, as it should
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that gave up (timeouts) make writes fail; that is the point


class HostileRestServer:
    """``with HostileRestServer() as srv: srv.script(Drop(), Reply(200, {...}))``."""

    def __init__(self, tls: TlsFiles | None = None) -> None:
        self.default: Action = Reply(200, {"ok": True})
        self.received: list[Received] = []
        self.released = threading.Event()
        self._queue: deque[Action] = deque()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        if tls is not None:
            self._httpd.ssl_context = server_context(tls)
        # A short poll keeps shutdown() quick; the default half second adds up over a test run.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}/crm"

    def reset(self) -> None:
        """Forget the script and what arrived; let stalled replies go (for a server shared by tests)."""
        with self._lock:
            self.released.set()
            self.released = threading.Event()
            self._queue.clear()
            self.received.clear()
            self.default = Reply(200, {"ok": True})

    def script(self, *actions: Action) -> None:
        with self._lock:
            self._queue.extend(actions)

    def next_action(self) -> Action:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def hits(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.received
                       if (method is None or r.method == method) and (path is None or r.path == path))

    def __enter__(self) -> HostileRestServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
