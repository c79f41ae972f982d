"""Read a REST reply: status and body kind, then decode the JSON or raise the matching error.

Two kinds of error body arrive. Keap's gateway (Apigee) answers auth failures and
throttles itself with ``{"fault": {"faultstring": ..., "detail": {"errorcode": ...}}}``;
the API answers everything else with ``{"code", "message", "status", "details"}``.
Gateways and proxies also send HTML pages, empty bodies and truncated JSON. Each case
becomes one typed error whose message the user can act on; Keap's own ``message``
is kept, because it usually names exactly what was wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from app.api import errors as e
from app.api.http_common import HttpReply
from app.api.quota import QuotaInfo
from app.core.gui_priority import cpu_turn, step_aside
from app.core.redact import clip, redact

#: Statuses whose reply has no body by definition.
NO_CONTENT = frozenset({204, 205})

_STATUS_MESSAGES = {
    400: "Keap refused the request",
    404: "Keap could not find it (it may have been deleted or merged)",
    405: "Keap does not allow this operation here",
    409: "Keap refused the change because it conflicts with data already there",
    501: "Keap does not offer this operation",
}


@dataclass(frozen=True)
class ErrorBody:
    """The useful parts of either error body shape (empty strings where absent)."""

    message: str = ""
    status: str = ""
    errorcode: str = ""
    details: str = ""


def interpret(reply: HttpReply, label: str, *, http_method: str, quota: QuotaInfo) -> object:
    """Return the decoded JSON of a reply (None when there is none) or raise the matching error."""
    status = reply.status
    ctype = reply.headers.get("content-type", "").lower()
    html = _looks_like_html(reply.body, ctype)
    if status == 429:
        raise _throttled(reply, quota, label)
    if status in (401, 403):
        raise _auth(status, parse_error_body(reply.body), label)
    if status in (502, 503, 504):
        kind = "an HTML" if html else "a"
        raise e.ServerUnavailableError(status=status, detail=f"HTTP {status} with {kind} body", method=label)
    if html:
        raise _html_page(status, label)
    if 200 <= status < 300:
        return _decode_success(reply, ctype, label, http_method)
    if 300 <= status < 400:
        err = e.UnexpectedBodyError(
            f"Keap answered with a redirect (HTTP {status}), which TagDesk does not follow. "
            "Check the connection's URL.", status=status, detail=f"HTTP {status}", method=label)
        err.retryable = False
        raise err
    raise _status_error(status, parse_error_body(reply.body), label)


def parse_error_body(body: bytes) -> ErrorBody:
    """Pick message, status word and gateway errorcode out of either error body shape."""
    try:
        payload = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):
        return ErrorBody()
    if not isinstance(payload, dict):
        return ErrorBody()
    fault = payload.get("fault")
    if isinstance(fault, dict):
        detail = fault.get("detail")
        code = detail.get("errorcode") if isinstance(detail, dict) else None
        return ErrorBody(message=_clean(fault.get("faultstring")), errorcode=_clean(code))
    details = payload.get("details")
    return ErrorBody(message=_clean(payload.get("message")), status=_clean(payload.get("status")),
                     details=clip(_clean(json.dumps(details)), 300) if details else "")


def _decode_success(reply: HttpReply, ctype: str, label: str, http_method: str) -> object:
    if reply.status in NO_CONTENT:
        return None
    if not reply.body.strip():
        if http_method == "DELETE":
            return None  # nothing to say about a deleted record
        raise e.EmptyResponseError(detail=f"HTTP {reply.status} with an empty body", method=label)
    try:
        with cpu_turn():
            step_aside()  # one C call holds the GIL for the whole body: not while the GUI paints
            return json.loads(reply.body)
    except (ValueError, RecursionError):
        if ctype and "json" not in ctype:
            raise e.UnexpectedBodyError(status=reply.status, detail=f"HTTP {reply.status} with a "
                                        f"{ctype.split(';')[0]} body", method=label) from None
        raise e.MalformedResponseError(detail=f"HTTP {reply.status}: the JSON could not be parsed "
                                       f"({len(reply.body)} bytes)", method=label) from None


def _throttled(reply: HttpReply, quota: QuotaInfo, label: str) -> e.HttpThrottledError:
    body = parse_error_body(reply.body)
    key_spent = quota.quota_available == 0
    account_spent = quota.tenant_day.available == 0
    message = None
    if key_spent:
        message = "This key has used its daily quota of Keap calls. It resets at midnight UTC."
    elif account_spent:
        message = ("This Keap account has used its daily allowance of API calls, which every app "
                   "connected to it shares. It resets at midnight UTC.")
    detail = f"HTTP 429 {body.errorcode or body.status} {body.message}".strip()
    return e.HttpThrottledError(message, retry_after=quota.retry_after,
                                daily_quota_spent=key_spent or account_spent, detail=detail, method=label)


def _auth(status: int, body: ErrorBody, label: str) -> e.HttpAuthError:
    if status == 401:
        expired = "expired" in body.errorcode.lower() or "expired" in body.message.lower()
        message = ("Keap refused the key (HTTP 401): " + (
            "the token has expired. Sign in again or refresh the token." if expired else
            "it may be mistyped, revoked or of the wrong kind for the authentication type. "
            "Check the connection's key and test the connection again."))
    else:
        message = ("Keap refused the key for this request (HTTP 403): the key works but is not allowed "
                   "to do this." + (f" Keap said: {body.message}" if body.message else ""))
    detail = "; ".join(p for p in (f"HTTP {status}", body.errorcode and f"errorcode {body.errorcode}",
                                   body.status, body.message) if p)
    return e.HttpAuthError(message, status=status, detail=detail, method=label)


def _html_page(status: int, label: str) -> e.UnexpectedBodyError:
    err = e.UnexpectedBodyError(status=status, detail=f"HTTP {status} with an HTML body", method=label)
    if 300 <= status < 500:
        err.retryable = False  # a client error page stays the same when asked again
    return err


def _status_error(status: int, body: ErrorBody, label: str) -> e.ApiError:
    detail = "; ".join(p for p in (f"HTTP {status}", body.status, body.message, body.details) if p)
    if status >= 500 and status != 501:
        message = f"Keap reported an internal error (HTTP {status}). TagDesk will try again where it is safe."
        return e.ServerUnavailableError(message, status=status, detail=detail, method=label)
    lead = _STATUS_MESSAGES.get(status, f"Keap refused the request (HTTP {status})")
    message = f"{lead}: {body.message}" if body.message else f"{lead}."
    cls = e.NotFoundError if status == 404 else e.RestApiError
    return cls(message, status=status, api_message=body.message, api_status=body.status, detail=detail,
               method=label)


def _looks_like_html(body: bytes, ctype: str) -> bool:
    if "html" in ctype:
        return True
    return body.lstrip()[:1] == b"<"


def _clean(value: object) -> str:
    """One line of at most 500 characters from a server-supplied value."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", redact(str(value))).strip()
    return clip(text, 500)
