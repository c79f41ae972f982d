"""HTTP front of the sandbox: Keap's two XML-RPC endpoints, the cart image URL, side endpoints.

Routes:
- ``POST /crm/xmlrpc/v1`` (also ``/crm/xmlrpc``): the shared endpoint; the key comes in
  ``X-Keap-API-Key``, ``Authorization: Bearer`` or ``?access_token=``.
- ``POST /api/xmlrpc``: the legacy per-app endpoint; the key is the first parameter.
- ``GET /cart/productImage?id=N``: a product's JPEG, with no Content-Type (as Keap's cart).
- ``GET /_sandbox/stats``, ``POST /_sandbox/reset``, ``POST /_sandbox/faults[?seed=N]``:
  loopback clients only (403 otherwise); never subject to faults or quotas.

Order of events for an XML-RPC call: parse, count, quota (429), fault roll, latency,
execute, serialise. Dropping a connection writes nothing and shuts the socket down.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import ssl
import threading
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from app.sandbox import errors, faults
from app.sandbox.quotas import BODY_429
from app.sandbox.rest import server as rest_server

if TYPE_CHECKING:
    from app.sandbox.sandbox import Sandbox

log = logging.getLogger("app.sandbox")

RPC_PATHS = {"/crm/xmlrpc/v1": False, "/crm/xmlrpc": False, "/api/xmlrpc": True}
MAX_BODY = 32 * 1024 * 1024
HTML_503 = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)
XML_TYPE = "text/xml;charset=UTF-8"


def is_loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host == "localhost"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def fault_body(code: int, text: str) -> bytes:
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, text), methodresponse=True).encode("utf-8")


class SandboxServer(ThreadingHTTPServer):
    """Threaded server that remembers open connections so stop() can end them at once."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, tls: ssl.SSLContext | None) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox: connection from %s ended with an error", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection (keep-alive, so a client can reuse it as Keap allows)."""

    protocol_version = "HTTP/1.1"
    server_version = "KeapSandbox/1.0"
    sys_version = ""
    timeout = 120
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: without this, Nagle + delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: %s " + format, self.client_address[0], *args)

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox

    # --- plumbing ---------------------------------------------------------------------------

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, b"request too large", "text/plain")
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, indent=1).encode("utf-8"), "application/json")

    def _drop(self) -> None:
        """Close the connection with no reply at all."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _credential(self, query: str | None) -> str | None:
        """The key from ``X-Keap-API-Key`` or ``Authorization: Bearer``; for XML-RPC also from
        ``?access_token=`` (REST passes None: its gateway reads headers only [I])."""
        key = self.headers.get("X-Keap-API-Key")
        if key:
            return key.strip()
        auth = self.headers.get("Authorization") or ""
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip()
        token = parse_qs(query).get("access_token") if query is not None else None
        return token[0] if token else None

    # --- routes ------------------------------------------------------------------------------

    def _rest(self, method: str) -> bool:
        """Serve ``/crm/rest/...`` (REST v2); False when the path is not a REST one."""
        parts = urlsplit(self.path)
        if not parts.path.startswith("/crm/rest/"):
            return False
        body = self._body()
        if body is not None:
            rest_server.serve(self, method, parts.path, parts.query, body)
        return True

    def do_PATCH(self) -> None:
        if not self._rest("PATCH"):
            self._send(404, b"Not Found", "text/plain")

    def do_DELETE(self) -> None:
        if not self._rest("DELETE"):
            self._send(404, b"Not Found", "text/plain")

    def do_PUT(self) -> None:
        if not self._rest("PUT"):
            self._send(404, b"Not Found", "text/plain")

    def do_POST(self) -> None:
        if self._rest("POST"):
            return
        parts = urlsplit(self.path)
        body = self._body()
        if body is None:
            return
        if parts.path in RPC_PATHS:
            self._rpc(body, RPC_PATHS[parts.path], parts.query)
        elif parts.path.startswith("/_sandbox/"):
            self._side_post(parts.path, parts.query, body)
        else:
            self._send(404, b"Not Found", "text/plain")

    def do_GET(self) -> None:
        if self._rest("GET"):
            return
        parts = urlsplit(self.path)
        if parts.path == "/_sandbox/stats":
            if not is_loopback(self.client_address[0]):
                self._send(403, b"Forbidden", "text/plain")
                return
            self._json(200, self.sandbox.stats())
        elif parts.path == "/cart/productImage":
            self._product_image(parts.query)
        elif parts.path in RPC_PATHS:
            self._send(405, b"XML-RPC needs POST", "text/plain", {"Allow": "POST"})
        else:
            self._send(404, b"Not Found", "text/plain")

    def _side_post(self, path: str, query: str, body: bytes) -> None:
        if not is_loopback(self.client_address[0]):
            self._send(403, b"Forbidden", "text/plain")
            return
        if path == "/_sandbox/reset":
            self.sandbox.reset()
            self._json(200, {"ok": True})
        elif path == "/_sandbox/faults":
            seed_text = parse_qs(query).get("seed", ["0"])[0]
            try:
                self.sandbox.set_faults(body.decode("utf-8").strip(), seed=int(seed_text))
            except ValueError as exc:
                self._json(400, {"ok": False, "error": str(exc)})
                return
            self._json(200, {"ok": True, "faults": self.sandbox.faults.spec})
        else:
            self._send(404, b"Not Found", "text/plain")

    def _product_image(self, query: str) -> None:
        try:
            product_id = int(parse_qs(query).get("id", [""])[0])
        except ValueError:
            product_id = 0
        data = self.sandbox.store.scalar('SELECT LargeImage FROM "Product" WHERE Id = ?', (product_id,))
        if not data:
            self._send(404, b"Not Found", "text/plain")
            return
        self._send(200, bytes(data), None)  # no Content-Type, as Keap's legacy cart sends it

    # --- XML-RPC ------------------------------------------------------------------------------

    def _rpc(self, body: bytes, legacy: bool, query: str) -> None:
        sb = self.sandbox
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        except Exception as exc:
            detail = "Premature end of file." if not body.strip() else str(exc)
            sb.note_call("(unparseable)")
            self._send(200, fault_body(0, f"Failed to parse XML-RPC request: {detail}"), XML_TYPE)
            return
        method = method or ""
        sb.note_call(method)
        credential = self._credential(query)
        key_used = (params[0] if params and isinstance(params[0], str) else None) if legacy else credential
        extra: dict[str, str] = {}
        if sb.quotas.enabled and key_used == sb.key:
            verdict = sb.quotas.check(key_used)
            if not verdict.allowed:
                self._send(
                    429,
                    BODY_429.encode(),
                    "application/json",
                    {"Retry-After": str(verdict.retry_after), **verdict.headers},
                )
                return
            extra = verdict.headers
        decision = sb.faults.begin(method, sb.config.latency_ms)
        if decision.early is not None:
            self._early_fault(decision.early, method)
            return
        ok = True
        try:
            result: Any = sb.engine.call(method, params, legacy=legacy, credential=credential)
        except errors.KeapFault as fault:
            ok, result = False, xmlrpc.client.Fault(fault.code, fault.text)
        if ok:
            sb.note_applied(method)
        if decision.terminal == "drop_after":
            sb.faults.record("drop_after")
            self._drop()
            return
        if ok and decision.badchars:
            sb.faults.record("badchars")
            result = faults.inject_badchars(result)
        try:
            text = xmlrpc.client.dumps(
                result if isinstance(result, xmlrpc.client.Fault) else (result,), methodresponse=True
            )
        except (OverflowError, TypeError) as exc:
            wrapped = errors.wrapped(method, str(exc))
            text = xmlrpc.client.dumps(xmlrpc.client.Fault(wrapped.code, wrapped.text), methodresponse=True)
        if decision.badchars:
            text = text.replace(faults.BADCHAR_MARK, "&#11;")
        self._send(200, text.encode("utf-8"), XML_TYPE, extra)

    def _early_fault(self, kind: str, method: str) -> None:
        """Faults that replace the call before it is applied."""
        sb = self.sandbox
        if kind == "drop_before":
            self._drop()
        elif kind == "empty":
            self._send(200, b"", XML_TYPE)
        elif kind == "session":
            self._send(200, fault_body(0, errors.wrapped(method, faults.SESSION_TEXT).text), XML_TYPE)
        elif kind == "throttle":
            self._send(200, fault_body(500, faults.THROTTLE_TEXT), XML_TYPE)
        elif kind == "cancelled":
            self._send(200, fault_body(0, errors.wrapped(method, faults.CANCELLED_TEXT).text), XML_TYPE)
        elif kind == "http503":
            self._send(503, HTML_503, "text/html")
        elif kind == "http502":
            self._send(502, rest_server.HTML_502, "text/html")
        elif kind == "http429":
            headers = sb.quotas.injected_headers()
            self._send(429, BODY_429.encode(), "application/json", {"Retry-After": "1", **headers})
