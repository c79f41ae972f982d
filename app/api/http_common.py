"""What the XML-RPC and REST clients share: sessions, failure mapping, retry timing, stats.

Both protocols talk HTTPS to the same gateway with the same key, so they share the
rules that keep that safe: one ``requests.Session`` per thread (requests does not
promise a session is thread-safe), TLS always verified against certifi or a CA
bundle the user chose (there is deliberately no switch to turn verification off),
no environment proxies or netrc, no redirects (a redirect would carry the key's
header to wherever it points), and one typed error per requests/urllib3 failure that
says whether the request can have reached the server.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import certifi
import requests
from requests import exceptions as rex

from app.api import errors as e
from app.core.cancel import Cancellable


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


class ThreadSessions:
    """One configured ``requests.Session`` per thread; :meth:`close` closes them all."""

    def __init__(self, headers: Mapping[str, str], *, ca_bundle: str | None = None) -> None:
        self.verify: str = ca_bundle or certifi.where()
        self._headers = dict(headers)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxy or netrc surprises; the URL is the URL
            session.verify = self.verify
            session.headers.update(self._headers)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
        self._local = threading.local()


def map_request_exception(exc: rex.RequestException, method: str, detail: str) -> e.ApiError:
    """The typed error for a requests failure; ``detail`` is the already-scrubbed description."""
    if isinstance(exc, rex.SSLError):
        return e.TlsError(detail=detail, method=method)
    if isinstance(exc, rex.ConnectTimeout):
        return e.ConnectError("Could not connect to Keap in time.", detail=detail, method=method)
    if isinstance(exc, rex.ReadTimeout):
        return e.RequestTimeoutError(detail=detail, method=method)
    if isinstance(exc, rex.ConnectionError):
        if never_connected(exc):
            return e.ConnectError(detail=detail, method=method)
        return e.ConnectionDroppedError(detail=detail, method=method)
    if isinstance(exc, rex.ChunkedEncodingError | rex.ContentDecodingError):
        return e.ConnectionDroppedError(detail=detail, method=method)
    return e.TransportError(detail=detail, method=method)


def never_connected(exc: BaseException) -> bool:
    """True when the TCP connection was never established (refused, unreachable, DNS)."""
    text = repr(exc)
    markers = ("NewConnectionError", "Failed to establish a new connection", "NameResolutionError",
               "Connection refused", "ConnectTimeoutError")
    return any(m in text for m in markers)


def describe(exc: BaseException) -> str:
    """A short, key-free description of a requests exception for the log."""
    text = str(exc)
    return text[:300]


# --- retry timing and bookkeeping ---------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped in attempts and total time."""

    max_attempts: int = 6
    max_total_seconds: float = 90.0
    base_seconds: float = 0.5
    max_wait_seconds: float = 20.0

    def wait_for(self, attempt: int, err: BaseException, rng: random.Random | None = None) -> float:
        """Seconds to wait before try ``attempt + 1`` (attempt counts from 1)."""
        uniform = rng.uniform if rng is not None else random.uniform
        ceiling = min(self.max_wait_seconds, self.base_seconds * (2 ** (attempt - 1)))
        wait = uniform(ceiling / 2, ceiling)
        retry_after = getattr(err, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > 0:
            wait = max(wait, min(float(retry_after), self.max_wait_seconds * 3))
        return wait


@dataclass(frozen=True)
class CallEvent:
    """One finished attempt, for the status bar and the logs (no values, no key)."""

    method: str
    attempt: int
    seconds: float
    error: str | None


class CallStats:
    """Thread-safe counters of calls in flight and attempts made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.attempts: Counter[str] = Counter()
        self.retries = 0
        self.errors: Counter[str] = Counter()

    def started(self) -> None:
        with self._lock:
            self.in_flight += 1

    def finished(self, event: CallEvent) -> None:
        with self._lock:
            self.in_flight -= 1
            self.attempts[event.method] += 1
            if event.attempt > 1:
                self.retries += 1
            if event.error:
                self.errors[event.error] += 1

    @property
    def total_attempts(self) -> int:
        with self._lock:
            return sum(self.attempts.values())


def sleep_cancellable(cancel: Cancellable, seconds: float) -> bool:
    """Sleep in short steps; True if cancelled meanwhile."""
    sleeper = getattr(cancel, "sleep", None)
    if callable(sleeper):
        return bool(sleeper(seconds))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cancel.is_cancelled():
            return True
        time.sleep(min(0.05, deadline - time.monotonic()))
    return cancel.is_cancelled()
