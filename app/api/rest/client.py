"""The retrying Keap REST v2 client.

``client.request("GET", "/rest/v2/contacts", params={"page_size": 100})`` waits for a
slot under the key's rate limit, sends, reads the quota headers, decodes the JSON and
retries what is safe to retry (:mod:`app.api.rest.policy`). Every failure is an
:class:`app.api.errors.ApiError`. Thread-safe: each worker thread gets its own HTTP
session; the rate limiter, statistics and quota view are shared. It mirrors the
XML-RPC client (:class:`app.api.xmlrpc.XmlRpcClient`) and shares its limiter, retry
timing and call statistics, so a backend can switch protocols without changing how
calls are paced, counted or reported.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

from app.api import errors as e
from app.api.http_common import CallEvent, CallStats, HttpReply, RetryPolicy, sleep_cancellable
from app.api.quota import QuotaInfo, follow_server
from app.api.ratelimit import Limits, RateLimiter
from app.api.rest.labels import method_label, scrub
from app.api.rest.policy import is_idempotent, maybe_applied, should_retry
from app.api.rest.replies import interpret
from app.api.rest.transport import (
    ParamValue,
    RestAuth,
    RestTransport,
    check_path,
    encode_body,
    encode_params,
)
from app.core.cancel import Cancellable

log = logging.getLogger("app.api.rest")

#: The longest a server's Retry-After may hold every thread back.
MAX_SERVER_PAUSE = 900.0


class RestClient:
    """Talks to one Keap account over REST v2.

    Attributes:
        limiter: the shared :class:`RateLimiter` (pass ``limiter=`` to share one with an
            XML-RPC client on the same key).
        stats: attempts, retries and errors per request label.
        last_quota: what the most recent reply's quota headers said.
    """

    def __init__(self, base_url: str, api_key: str, *, ca_bundle: str | None = None, timeout: float = 30.0,
                 connect_timeout: float = 10.0, auth_mode: RestAuth | str = RestAuth.HEADER,
                 limits: Limits | None = None, limiter: RateLimiter | None = None,
                 retry: RetryPolicy | None = None, on_call: Callable[[CallEvent], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.auth_mode = RestAuth.parse(auth_mode)
        self.transport = RestTransport(base_url, api_key, auth=self.auth_mode, ca_bundle=ca_bundle,
                                       connect_timeout=connect_timeout, read_timeout=timeout)
        if limiter is None:
            default = Limits.for_mode("oauth") if self.auth_mode is RestAuth.BEARER else Limits()
            limiter = RateLimiter(limits if limits is not None else default)
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.stats = CallStats()
        self.on_call = on_call
        self.last_quota = QuotaInfo()
        self._rng = rng or random.Random()

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def __repr__(self) -> str:  # never show the key
        return f"RestClient({self.base_url!r}, auth_mode={self.auth_mode.value!r})"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one entry point ---------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, ParamValue] | None = None,
                json: object = None, idempotent: bool | None = None,
                cancel: Cancellable | None = None) -> object:
        """Send one request with retries; return the decoded JSON (None for 204) or raise an ApiError.

        ``path`` is relative to the base URL (``/rest/v2/contacts``), with ids and e-mail
        addresses already percent-encoded; query parameters go in ``params``.
        ``idempotent`` overrides the built-in judgement of whether the request may be
        repeated (:func:`app.api.rest.policy.is_idempotent`).
        """
        verb = method.upper()
        check_path(path)
        label = method_label(verb, path)
        query = encode_params(params)
        body = encode_body(json)
        safe = is_idempotent(verb, path) if idempotent is None else idempotent
        started = time.monotonic()

        def sleep(seconds: float) -> None:
            if cancel is not None and sleep_cancellable(cancel, seconds):
                raise e.CancelledError(method=label)
            if cancel is None:
                time.sleep(seconds)

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts) | stop_after_delay(self.retry.max_total_seconds),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: should_retry(exc, safe, self.retry)),
            sleep=sleep,
            reraise=True,
        )
        attempts = [0]
        try:
            return retrying(self._attempt, verb, path, query, body, label, cancel, attempts)
        except e.ApiError as err:
            err.method = label
            if not safe and maybe_applied(err):
                log.warning("%s: reply lost after %.1fs (%s); not resent (outcome unknown)", label,
                            time.monotonic() - started, type(err).__name__)
                raise e.OutcomeUnknownError(_unknown_message(label), cause=err, method=label) from err
            raise

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        wait = self.retry.wait_for(state.attempt_number, exc or Exception(), self._rng)
        log.info("retrying after %s (attempt %d, waiting %.2fs)", type(exc).__name__,
                 state.attempt_number, wait)
        return wait

    def _attempt(self, verb: str, path: str, query: list[tuple[str, str]], body: bytes | None, label: str,
                 cancel: Cancellable | None, attempts: list[int]) -> object:
        if cancel is not None and cancel.is_cancelled():
            raise e.CancelledError(method=label)
        self.limiter.acquire(cancel)
        attempts[0] += 1
        self.stats.started()
        t0 = time.monotonic()
        error: str | None = None
        try:
            reply: HttpReply = self.transport.send(verb, path, query, body, label)
            quota = self._note_quota(reply)
            return interpret(reply, label, http_method=verb, quota=quota)
        except e.ApiError as err:
            error = type(err).__name__
            if isinstance(err, e.HttpThrottledError) and err.retry_after:
                # Hold every thread back, not only this one: the key's budget is shared.
                self.limiter.pause(min(err.retry_after, MAX_SERVER_PAUSE))
            log.info("%s failed: %s (%s)", label, error, scrub(err.detail or err.message, label))
            raise
        finally:
            event = CallEvent(label, attempts[0], time.monotonic() - t0, error)
            self.stats.finished(event)
            if self.on_call is not None:
                self.on_call(event)

    def _note_quota(self, reply: HttpReply) -> QuotaInfo:
        quota = QuotaInfo.from_headers(reply.headers)
        if quota.present:
            self.last_quota = quota
            follow_server(self.limiter, quota)
        return quota


def _unknown_message(label: str) -> str:
    return (f"The reply to {label} was lost, so TagDesk cannot tell whether Keap applied it. "
            "It was not sent again, to avoid a duplicate: look the record up in Keap before "
            "sending it again.")
