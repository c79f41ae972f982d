"""REST v2 test kit: fast clients against a real sandbox on loopback (no mocks), and a counter
of backend calls running side by side."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from app.api.http_common import RetryPolicy
from app.api.ratelimit import Limits
from app.api.rest import RestClient
from app.sandbox import Sandbox
from app.services.profiles import Profile


def fast_rest_client(sb: Sandbox, *, attempts: int = 6) -> RestClient:
    """Short back-offs and no client-side rate limit (the sandbox's quota is off)."""
    return RestClient(sb.rest_host, sb.key,
                      retry=RetryPolicy(max_attempts=attempts, base_seconds=0.01, max_wait_seconds=0.05),
                      limits=Limits(None, None, None))


def sandbox_profile(sb: Sandbox, protocol: str, name: str = "sandbox", **kwargs: object) -> Profile:
    """A connection profile for the sandbox over ``protocol`` ("rest" or "xmlrpc")."""
    url = sb.rest_host if protocol == "rest" else sb.url
    return Profile(name=name, url=url, protocol=protocol, **kwargs)  # type: ignore[arg-type]


class InFlight:
    """Counts calls of a backend method and how many run at the same moment (wrapping it);
    for a method returning an iterator (``read_pages``), a call lasts until it is used up."""

    def __init__(self, backend: Any, method: str = "search_contacts") -> None:
        self.now = self.most = self.calls = 0
        self._lock = threading.Lock()
        self._read = getattr(backend, method)
        setattr(backend, method, self._pages if method == "read_pages" else self)

    def _enter(self) -> None:
        with self._lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)

    def _leave(self) -> None:
        with self._lock:
            self.now -= 1

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._enter()
        try:
            return self._read(*args, **kwargs)
        finally:
            self._leave()

    def _pages(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self._enter()
        try:
            yield from self._read(*args, **kwargs)
        finally:
            self._leave()
