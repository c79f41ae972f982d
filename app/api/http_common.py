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

import itertools
import random
import threading
import time
import weakref
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import certifi
import requests
from requests import exceptions as rex

from app.api import errors as e
from app.core.cancel import Cancellable
from app.core.redact import clip


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


class _Holder:
    """Kept only in the owning thread's ``threading.local``: freed when that thread ends."""

    __slots__ = ("__weakref__", "key")

    def __init__(self, key: int) -> None:
        self.key = key


class ThreadSessions:
    """One configured ``requests.Session`` per thread; :meth:`close` closes them all.

    A session (and its pooled sockets) is closed when its thread ends: the thread-local
    holder's finalizer closes it as the thread's locals are freed, and every new session
    first closes those of threads that are no longer alive (a thread object kept alive
    elsewhere, or a finalizer that has not run). A long day of short-lived worker threads
    therefore keeps at most one session per live thread.
    """

    def __init__(self, headers: Mapping[str, str], *, ca_bundle: str | None = None) -> None:
        self.verify: str = ca_bundle or certifi.where()
        self._headers = dict(headers)
        self._local = threading.local()
        self._open: dict[int, tuple[weakref.ref[threading.Thread], requests.Session]] = {}
        self._keys = itertools.count(1)
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        holder: _Holder | None = getattr(self._local, "holder", None)
        if holder is not None:
            with self._lock:
                entry = self._open.get(holder.key)
            if entry is not None:
                return entry[1]
        self.close_finished()
        session = requests.Session()
        session.trust_env = False  # no proxy or netrc surprises; the URL is the URL
        session.verify = self.verify
        session.headers.update(self._headers)
        key = next(self._keys)
        holder = _Holder(key)
        with self._lock:
            self._open[key] = (weakref.ref(threading.current_thread()), session)
        weakref.finalize(holder, _close_entry, self._open, self._lock, key)
        self._local.holder = holder
        return session

    @property
    def open_count(self) -> int:
        """How many sessions are open (one per thread that called and has not ended)."""
        with self._lock:
            return len(self._open)

    def close_finished(self) -> int:
        """Close the sessions of threads that have ended; returns how many."""
        with self._lock:
            dead = [k for k, (ref, _) in self._open.items() if not _alive(ref())]
        for key in dead:
            _close_entry(self._open, self._lock, key)
        return len(dead)

    def close(self) -> None:
        with self._lock:
            sessions = [s for _, s in self._open.values()]
            self._open.clear()
        for s in sessions:
            s.close()
        self._local = threading.local()


def _alive(thread: threading.Thread | None) -> bool:
    return thread is not None and thread.is_alive()


def _close_entry(open_: dict[int, tuple[weakref.ref[threading.Thread], requests.Session]],
                 lock: threading.Lock, key: int) -> None:
    with lock:
        entry = open_.pop(key, None)
    if entry is not None:
        entry[1].close()


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
    return clip(str(exc), 300)


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
