"""HTTP side of the REST v2 emulation: gateway auth, quota, faults, latency, then routing.

Order of events for a REST call: count → gateway key check (401 with the Apigee ``fault``
body; quota headers present but empty [V3]) → quota (429, ``Retry-After`` on some refusals
only, as observed [V3]) → fault roll → latency → route (404/405) → handler → JSON.
The key comes in ``X-Keap-API-Key`` or ``Authorization: Bearer``; both count against one
budget with the XML-RPC side, because Keap counts per key, not per protocol.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from app.sandbox.quotas import BODY_429
from app.sandbox.rest import errors as rest_errors
from app.sandbox.rest.contact_cache import EncodedJson
from app.sandbox.rest.conventions import Reply, Request
from app.sandbox.rest.routes import RestContext, dispatch, label_of
from app.sandbox.services.base import Context

if TYPE_CHECKING:
    from app.sandbox.xmlrpc_server import Handler

JSON_TYPE = "application/json"
HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center></body></html>"
)
HTML_503 = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)
#: Header names a gateway sends even on refused calls (with empty values) [V3].
EMPTY_QUOTA_HEADERS = {
    "x-keap-product-quota-limit": "",
    "x-keap-product-quota-available": "",
    "x-keap-product-throttle-limit": "",
    "x-keap-product-throttle-available": "",
    "x-keap-tenant-throttle-limit": "",
    "x-keap-tenant-throttle-available": "",
}


def _json_bytes(data: Any) -> bytes:
    if isinstance(data, EncodedJson):  # a page of contacts, from their kept texts
        return data.text.encode("utf-8")
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def serve(handler: Handler, method: str, path: str, query: str, body: bytes) -> None:
    """Answer one REST call on ``handler``'s connection."""
    sb = handler.sandbox
    label = label_of(method, path)
    sb.note_call(label, protocol="rest")
    key = handler._credential(None)
    if key != sb.key:
        fault = rest_errors.MISSING_KEY if not key else rest_errors.INVALID_KEY
        handler._send(401, _json_bytes(fault), JSON_TYPE, dict(EMPTY_QUOTA_HEADERS))
        return
    headers: dict[str, str] = {}
    if sb.quotas.enabled:
        verdict = sb.quotas.check(key)
        if not verdict.allowed:
            extra = dict(verdict.headers)
            if sb.quotas.retry_after_sent(verdict):
                extra["Retry-After"] = str(verdict.retry_after)
            handler._send(429, BODY_429.encode(), JSON_TYPE, extra)
            return
        headers = verdict.headers
    headers.update(sb.quotas.tenant_headers())
    decision = sb.faults.begin(label, sb.config.latency_ms, protocol="rest")
    if decision.early is not None:
        _early_fault(handler, decision.early)
        return
    req = Request(method, path, parse_qs(query, keep_blank_values=True), body)
    ctx = RestContext(sb.store, sb.config.app_name, sb.config.linked_contacts,
                      Context(sb.store, sb.config.app_name, sb.config.linked_contacts, label),
                      sb.config.repeated_filter_fields)
    reply: Reply = dispatch(ctx, req)
    if reply.status < 400:
        sb.note_applied(label)
    if decision.terminal == "drop_after":
        sb.faults.record("drop_after")
        handler._drop()
        return
    if reply.body is None:
        handler._send(reply.status, b"", None, headers)
    else:
        handler._send(reply.status, _json_bytes(reply.body), JSON_TYPE, headers)


def _early_fault(handler: Handler, kind: str) -> None:
    """Faults that replace the call before it is applied."""
    if kind == "drop_before":
        handler._drop()
    elif kind == "empty":
        handler._send(200, b"", JSON_TYPE)
    elif kind == "http502":
        handler._send(502, HTML_502, "text/html")
    elif kind == "http503":
        handler._send(503, HTML_503, "text/html")
    elif kind == "http429":
        headers = handler.sandbox.quotas.injected_headers()
        handler._send(429, BODY_429.encode(), JSON_TYPE, {"Retry-After": "1", **headers})
