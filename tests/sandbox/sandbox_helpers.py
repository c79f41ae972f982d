"""Client-side helpers for the sandbox suite: stdlib ServerProxy and http.client only."""

from __future__ import annotations

import http.client
import ssl
import xmlrpc.client
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.sandbox import Sandbox

TIMEOUT = 15.0


class KeyTransport(xmlrpc.client.Transport):
    """Plain-HTTP transport with a timeout and an optional auth header."""

    def __init__(self, headers: dict[str, str] | None = None, timeout: float = TIMEOUT) -> None:
        super().__init__()
        self.extra = headers or {}
        self.timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn

    def send_headers(self, connection: Any, headers: Any) -> None:
        super().send_headers(connection, headers)
        for name, value in self.extra.items():
            connection.putheader(name, value)


class SafeKeyTransport(xmlrpc.client.SafeTransport):
    """HTTPS transport with a timeout and an optional auth header."""

    def __init__(self, context: ssl.SSLContext, headers: dict[str, str] | None = None) -> None:
        super().__init__(context=context)
        self.extra = headers or {}

    def make_connection(self, host: Any) -> http.client.HTTPSConnection:
        conn = super().make_connection(host)
        conn.timeout = TIMEOUT
        return conn

    def send_headers(self, connection: Any, headers: Any) -> None:
        super().send_headers(connection, headers)
        for name, value in self.extra.items():
            connection.putheader(name, value)


def proxy(
    sb: Sandbox,
    *,
    legacy: bool = False,
    key: str | None = None,
    header: str = "X-Keap-API-Key",
    url: str | None = None,
) -> Any:
    """A ServerProxy on the shared endpoint (key in a header) or the legacy one (no header).

    Typed Any: typeshed types every ServerProxy result as a union the tests would have to narrow.
    """
    if legacy:
        return xmlrpc.client.ServerProxy(url or sb.legacy_url, transport=KeyTransport())
    headers = {} if key == "" else {header: key if key is not None else sb.key}
    return xmlrpc.client.ServerProxy(url or sb.url, transport=KeyTransport(headers))


def raw_post(
    sb: Sandbox,
    path: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """POST with http.client: status, headers (lower-case names) and the raw body."""
    parts = urlsplit(sb.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body, {"Content-Type": "text/xml", **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def raw_get(sb: Sandbox, path: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(sb.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def rpc_body(method: str, *params: Any) -> bytes:
    return xmlrpc.client.dumps(params, method).encode("utf-8")


def raw_call(sb: Sandbox, method: str, *params: Any) -> tuple[int, dict[str, str], bytes]:
    """A shared-endpoint call through http.client (no ServerProxy retry on a dropped connection)."""
    return raw_post(
        sb, "/crm/xmlrpc/v1", rpc_body(method, "placeholder", *params), {"X-Keap-API-Key": sb.key}
    )


def fault_of(call: Any, *args: Any) -> xmlrpc.client.Fault:
    """Run a ServerProxy call that must fail with a Fault; return the Fault."""
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(*args)
    return info.value
