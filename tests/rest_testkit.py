"""Fast REST v2 clients for tests against a real sandbox on loopback (no mocks)."""

from __future__ import annotations

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
