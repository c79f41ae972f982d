"""The retrying Keap XML-RPC client.

``client.call("DataService.query", "Contact", 1000, 0, {"Id": "%"}, ["Id"])`` inserts
the key parameter itself, checks field names against the schema, waits for a slot
under the key's rate limit, sends, sanitises and decodes the reply, and retries what
is safe to retry. Every failure is an :class:`app.api.errors.ApiError`. Thread-safe:
each worker thread gets its own HTTP session.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

from app.api import errors as e
from app.api.http_common import CallEvent, CallStats
from app.api.http_common import sleep_cancellable as _sleep_cancellable
from app.api.ratelimit import Limits, RateLimiter
from app.api.xmlrpc.codec import encode_call
from app.api.xmlrpc.fields import FieldGuard, guard_params
from app.api.xmlrpc.policy import KEYLESS_METHODS, RetryPolicy, is_safe_to_repeat, should_retry
from app.api.xmlrpc.replies import QuotaInfo, interpret
from app.api.xmlrpc.transport import AuthMode, HttpReply, Transport
from app.core.cancel import Cancellable
from app.core.schema import CustomField

__all__ = ["PLACEHOLDER_KEY", "CallEvent", "CallStats", "XmlRpcClient"]

log = logging.getLogger("app.api")

#: What header-authenticated calls send as the (ignored) first parameter. Not the key:
#: the key then never appears in a request body.
PLACEHOLDER_KEY = "tagdesk"

class XmlRpcClient:
    """Talks to one Keap account over XML-RPC."""

    def __init__(self, url: str, api_key: str, *, ca_bundle: str | None = None, timeout: float = 30.0,
                 connect_timeout: float = 10.0, auth_mode: AuthMode | str | None = None,
                 limits: Limits | None = None, retry: RetryPolicy | None = None,
                 check_fields: bool = True, on_call: Callable[[CallEvent], None] | None = None,
                 rng: random.Random | None = None) -> None:
        mode = AuthMode(auth_mode) if auth_mode is not None else AuthMode.guess(url, api_key)
        self.auth_mode = mode
        self._key = api_key
        self.transport = Transport(url, api_key, auth_mode=mode, ca_bundle=ca_bundle,
                                   connect_timeout=connect_timeout, read_timeout=timeout)
        self.limiter = RateLimiter(limits if limits is not None else Limits())
        self.retry = retry or RetryPolicy()
        self.fields = FieldGuard()
        self.check_fields = check_fields
        self.stats = CallStats()
        self.on_call = on_call
        self.last_quota = QuotaInfo()
        self._rng = rng or random.Random()

    @property
    def url(self) -> str:
        return self.transport.url

    def __repr__(self) -> str:  # never show the key
        return f"XmlRpcClient({self.url!r}, auth_mode={self.auth_mode.value!r})"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> XmlRpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ---------------------------------------------------------------

    def call(self, method: str, *params: object, cancel: Cancellable | None = None) -> object:
        """Send one call with retries; return the decoded result or raise an ApiError."""
        checked = guard_params(self.fields, method, list(params)) if self.check_fields else list(params)
        body = encode_call(method, self._with_key(method, checked))
        started = time.monotonic()

        def sleep(seconds: float) -> None:
            if cancel is not None and _sleep_cancellable(cancel, seconds):
                raise e.CancelledError(method=method)
            if cancel is None:
                time.sleep(seconds)

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts) | stop_after_delay(self.retry.max_total_seconds),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: should_retry(exc, method)),
            sleep=sleep,
            reraise=True,
        )
        attempts = [0]
        try:
            return retrying(self._attempt, method, body, cancel, attempts)
        except e.ApiError as err:
            err.method = method
            if not is_safe_to_repeat(method) and _maybe_applied(err):
                log.warning("%s: reply lost after %.1fs; not resent (outcome unknown)", method,
                            time.monotonic() - started)
                raise e.OutcomeUnknownError(cause=err, method=method) from err
            raise

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        wait = self.retry.wait_for(state.attempt_number, exc or Exception(), self._rng)
        if isinstance(exc, e.ThrottledError) and exc.retry_after:
            self.limiter.pause(exc.retry_after)
        log.info("retrying after %s (attempt %d, waiting %.2fs)", type(exc).__name__,
                 state.attempt_number, wait)
        return wait

    def _with_key(self, method: str, params: list[object]) -> list[object]:
        if method in KEYLESS_METHODS:
            return params
        first = self._key if self.auth_mode is AuthMode.LEGACY else PLACEHOLDER_KEY
        return [first, *params]

    def _attempt(self, method: str, body: bytes, cancel: Cancellable | None, attempts: list[int]) -> object:
        if cancel is not None and cancel.is_cancelled():
            raise e.CancelledError(method=method)
        self.limiter.acquire(cancel)
        attempts[0] += 1
        self.stats.started()
        t0 = time.monotonic()
        error: str | None = None
        try:
            reply: HttpReply = self.transport.post(body, method)
            self._note_quota(reply)
            # decoded in turn with every other decoder (app/core/gui_priority.py cpu_turn, taken in
            # decode_response once the reply has fully arrived: network waits stay parallel)
            return interpret(reply, method)
        except e.ApiError as err:
            error = type(err).__name__
            log.info("%s failed: %s (%s)", method, error, err.detail or err.message)
            raise
        finally:
            event = CallEvent(method, attempts[0], time.monotonic() - t0, error)
            self.stats.finished(event)
            if self.on_call is not None:
                self.on_call(event)

    def _note_quota(self, reply: HttpReply) -> None:
        quota = QuotaInfo.from_headers(reply.headers)
        if quota.quota_available is not None or quota.quota_used is not None:
            self.last_quota = quota
            self.limiter.note_server_quota(quota.quota_available, quota.quota_used)

    # -- small conveniences used everywhere -------------------------------------------------

    def echo(self, text: str = "ping", cancel: Cancellable | None = None) -> str:
        return str(self.call("DataService.echo", text, cancel=cancel))

    def load_custom_fields(self, cancel: Cancellable | None = None) -> list[CustomField]:
        """Read the account's custom field definitions from DataFormField and remember them."""
        fields = ["Id", "Name", "Label", "DataType", "FormId", "GroupId", "Values", "DefaultValue"]
        rows: list[CustomField] = []
        page = 0
        while True:
            chunk = self.call("DataService.query", "DataFormField", 1000, page, {"Id": "%"}, fields,
                              "Id", True, cancel=cancel)
            assert isinstance(chunk, list)
            rows.extend(CustomField.from_row(r) for r in chunk if isinstance(r, dict))
            if len(chunk) < 1000:
                break
            page += 1
        self.fields.set_custom_fields(rows)
        return rows


def _maybe_applied(err: e.ApiError) -> bool:
    """True when the server may have applied the call although no usable reply came."""
    return err.outcome_unknown or isinstance(
        err, e.ResponseError | e.ServerUnavailableError | e.UnexpectedBodyError
    )
