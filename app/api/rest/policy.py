"""Which REST requests may be sent again, and what a lost reply means for the rest.

Repeating a read, a PATCH that sets the same values, a DELETE, or a set operation
such as ``:applyTags`` leaves Keap as one successful request would, so these are
retried after a garbled, empty or missing reply, a timeout, a dropped connection or a
5xx. Every other POST creates something or sets off automation (``POST /contacts``,
``:merge``, ``:link``, ``/automations/goals/achieve``); Keap has no idempotency keys,
so it is never resent once it may have reached the server, and a lost reply becomes
:class:`~app.api.errors.OutcomeUnknownError`: look the record up before sending again.

Two failures are retried whatever the request: a connection that never opened, and a
429, which the gateway answers before the API sees the request.
"""

from __future__ import annotations

from app.api import errors as e
from app.api.http_common import RetryPolicy

#: Methods whose repetition leaves the same state as one success.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})

#: POST custom verbs with set semantics: applying a tag twice leaves it applied once.
IDEMPOTENT_POST_VERBS = (":applyTags", ":removeTags", ":unlink")


def is_idempotent(method: str, path: str) -> bool:
    """True when sending ``method path`` twice leaves the same state as sending it once."""
    verb = method.upper()
    if verb in IDEMPOTENT_METHODS:
        return True
    bare = path.split("?", 1)[0].rstrip("/")
    return verb == "POST" and bare.endswith(IDEMPOTENT_POST_VERBS)


def never_reached_api(err: BaseException) -> bool:
    """True when the request certainly was not applied, so even a create may be resent."""
    return isinstance(err, e.ConnectError | e.HttpThrottledError)


def should_retry(err: BaseException, idempotent: bool, policy: RetryPolicy) -> bool:
    """Whether another attempt may help and cannot do harm."""
    if not isinstance(err, e.ApiError) or isinstance(err, e.CancelledError | e.QuotaExhaustedError):
        return False
    if isinstance(err, e.HttpThrottledError):
        if err.daily_quota_spent:
            return False
        # A wait longer than the whole retry budget is the caller's decision, not ours.
        return err.retry_after is None or err.retry_after <= policy.max_total_seconds
    if never_reached_api(err):
        return True
    return err.retryable and idempotent


def maybe_applied(err: e.ApiError) -> bool:
    """True when the request may have been applied although no usable reply came back."""
    if isinstance(err, e.ConnectError | e.TlsError | e.HttpThrottledError | e.AuthError | e.RestApiError
                  | e.CancelledError | e.QuotaExhaustedError):
        return False
    if isinstance(err, e.UnexpectedBodyError) and 300 <= err.status < 500:
        return False  # a redirect or an error page: the API refused or never saw it
    if err.outcome_unknown:
        return True
    return isinstance(err, e.TransportError | e.ResponseError | e.ServerUnavailableError
                      | e.UnexpectedBodyError)
