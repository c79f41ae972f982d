"""Read an HTTP reply: status, quota headers and body kind, then decode or raise.

Keap's gateway answers with HTML (``Developer Inactive``, 503 pages) or JSON (429
quota bodies) where XML-RPC was expected; each becomes a typed error. Quota headers
(``x-keap-product-quota-*``, ``x-keap-product-throttle-*``, ``Retry-After``) are read
so the rate limiter and the status bar know what is left (parsing: :mod:`app.api.quota`).
"""

from __future__ import annotations

import json

from app.api import errors as e
from app.api.quota import QuotaInfo
from app.api.xmlrpc.codec import RemoteFault, body_kind, decode_response
from app.api.xmlrpc.faults import map_fault
from app.api.xmlrpc.transport import HttpReply

__all__ = ["QuotaInfo", "interpret"]


def interpret(reply: HttpReply, method: str) -> object:
    """Return the decoded result of a reply or raise the matching error."""
    kind = body_kind(reply.body, reply.headers.get("content-type"))
    status = reply.status
    quota = QuotaInfo.from_headers(reply.headers)
    if status == 429:
        raise _throttled(reply, quota, method)
    if status in (401, 403):
        raise e.HttpAuthError(status=status, detail=f"HTTP {status}", method=method)
    if status in (502, 503, 504):
        raise e.ServerUnavailableError(status=status, detail=f"HTTP {status} ({kind} body)", method=method)
    if kind == "html":
        text = reply.body[:2000].decode("utf-8", "replace")
        if "developer inactive" in text.lower():
            raise e.HttpAuthError(
                "Keap says the developer account behind this OAuth app is inactive. "
                "Use a personal access token or service account key instead.",
                status=status, detail="Developer Inactive", method=method,
            )
        raise e.UnexpectedBodyError(status=status, detail=f"HTTP {status} with an HTML body", method=method)
    if kind == "json":
        raise e.UnexpectedBodyError(status=status, detail=f"HTTP {status} with a JSON body", method=method)
    if status != 200 and kind != "xml":
        raise e.HttpStatusError(f"Keap answered with HTTP {status}.", status=status,
                                detail=f"HTTP {status}", method=method)
    try:
        return decode_response(reply.body)
    except RemoteFault as fault:
        raise map_fault(fault.code, fault.string, method) from None
    except e.ApiError as err:
        err.method = method
        raise


def _throttled(reply: HttpReply, quota: QuotaInfo, method: str) -> e.HttpThrottledError:
    spent = quota.quota_available == 0
    message = None
    try:
        payload = json.loads(reply.body.decode("utf-8", "replace") or "{}")
        detail = f"HTTP 429: {payload.get('message', '')} / {payload.get('status', '')}"
    except ValueError:
        detail = "HTTP 429"
    if spent:
        message = "This key has used its daily quota of Keap calls. It resets at midnight UTC."
    return e.HttpThrottledError(message, retry_after=quota.retry_after, daily_quota_spent=spent,
                                detail=detail, method=method)
