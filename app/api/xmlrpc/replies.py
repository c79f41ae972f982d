"""Read an HTTP reply: status, quota headers and body kind, then decode or raise.

Keap's gateway answers with HTML (``Developer Inactive``, 503 pages) or JSON (429
quota bodies) where XML-RPC was expected; each becomes a typed error. Quota headers
(``x-keap-product-quota-*``, ``x-keap-product-throttle-*``, ``Retry-After``) are read
so the rate limiter and the status bar know what is left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from app.api import errors as e
from app.api.xmlrpc.codec import RemoteFault, body_kind, decode_response
from app.api.xmlrpc.faults import map_fault
from app.api.xmlrpc.transport import HttpReply


@dataclass(frozen=True)
class QuotaInfo:
    """What the reply's headers say about the key's quota (None where absent)."""

    quota_available: int | None = None
    quota_used: int | None = None
    quota_limit: int | None = None
    throttle_available: int | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> QuotaInfo:
        return cls(
            quota_available=_int(headers.get("x-keap-product-quota-available")),
            quota_used=_int(headers.get("x-keap-product-quota-used")),
            quota_limit=_int(headers.get("x-keap-product-quota-limit")),
            throttle_available=_int(headers.get("x-keap-product-throttle-available")),
            retry_after=_retry_after(headers),
        )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


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
