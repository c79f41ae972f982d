"""What Keap's gateway says about the key's quota, read from reply headers.

Every reply (XML-RPC or REST, success or error) carries counters: the key's day
(``x-keap-product-quota-*``), the key's minute (``x-keap-product-throttle-*``) and,
since the per-account limit arrived, the account's minute and day
(``x-keap-tenant-throttle-*``, either one value or ``minute|day`` pairs such as
``10000|250000``). They count calls other programs made with the same key or
account, which our own limiter cannot see, so :func:`follow_server` lets them
tighten the limiter. ``Retry-After`` comes as seconds or as an HTTP date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from app.api.ratelimit import RateLimiter

PRODUCT_QUOTA = "x-keap-product-quota-"
PRODUCT_THROTTLE = "x-keap-product-throttle-"
TENANT_THROTTLE = "x-keap-tenant-throttle-"


@dataclass(frozen=True)
class Window:
    """One counted window: its limit, what is left and what is used (None where not sent)."""

    limit: int | None = None
    available: int | None = None
    used: int | None = None


@dataclass(frozen=True)
class QuotaInfo:
    """What the reply's headers say about the key's quota (None where absent).

    The first five fields are the ones the XML-RPC client has always read; the rest
    were added for REST and default to "not sent".
    """

    quota_available: int | None = None
    quota_used: int | None = None
    quota_limit: int | None = None
    throttle_available: int | None = None
    retry_after: float | None = None
    throttle_used: int | None = None
    throttle_limit: int | None = None
    tenant_minute: Window = field(default_factory=Window)
    tenant_day: Window = field(default_factory=Window)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], *,
                     now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> QuotaInfo:
        """Parse lower-cased header names; unreadable or empty values become None."""
        day = _product(headers, PRODUCT_QUOTA, "day")
        minute = _product(headers, PRODUCT_THROTTLE, "minute")
        tenant_minute, tenant_day = _tenant(headers)
        return cls(
            quota_available=day.available, quota_used=day.used, quota_limit=day.limit,
            throttle_available=minute.available,
            retry_after=parse_retry_after(headers.get("retry-after"), now=now),
            throttle_used=minute.used, throttle_limit=minute.limit,
            tenant_minute=tenant_minute, tenant_day=tenant_day,
        )

    @property
    def present(self) -> bool:
        """True when the reply carried any quota counter at all."""
        values = (self.quota_available, self.quota_used, self.quota_limit, self.throttle_available,
                  self.throttle_used, self.throttle_limit)
        windows = (self.tenant_minute, self.tenant_day)
        return any(v is not None for v in values) or any(w != Window() for w in windows)

    @property
    def minute_available(self) -> int | None:
        """Calls left this minute: the tighter of the key's and the account's counters."""
        return _least(self.throttle_available, self.tenant_minute.available)

    @property
    def day_available(self) -> int | None:
        """Calls left today: the tighter of the key's and the account's counters."""
        return _least(self.quota_available, self.tenant_day.available)


def follow_server(limiter: RateLimiter, quota: QuotaInfo) -> None:
    """Let the server's counters tighten the limiter (they never loosen it)."""
    if not quota.present:
        return
    limiter.note_server_day(quota.day_available, quota.quota_used,
                            _least(quota.quota_limit, quota.tenant_day.limit))
    limiter.note_server_minute(quota.minute_available, quota.throttle_used,
                               _least(quota.throttle_limit, quota.tenant_minute.limit))


def parse_retry_after(value: str | None, *,
                      now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None


def _least(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def _product(headers: Mapping[str, str], prefix: str, unit: str) -> Window:
    """A single-valued window; ignored when its time unit is not the one we expect."""
    sent_unit = (headers.get(prefix + "time-unit") or unit).strip().lower()
    if sent_unit != unit:
        return Window()
    return Window(_int(headers.get(prefix + "limit")), _int(headers.get(prefix + "available")),
                  _int(headers.get(prefix + "used")))


def _tenant(headers: Mapping[str, str]) -> tuple[Window, Window]:
    """(minute, day) from the account headers, in single-value or ``minute|day`` form."""

    def parts(name: str) -> list[str]:
        value = headers.get(TENANT_THROTTLE + name)
        return value.split("|") if value else []

    limits, available, used = parts("limit"), parts("available"), parts("used")
    units = [u.strip().lower() for u in parts("time-unit")]
    if not units:  # no unit sent: a pair is minute|day, a single value the minute
        units = ["minute", "day"][: max(1, len(limits), len(available), len(used))]

    def at(values: list[str], i: int) -> int | None:
        return _int(values[i]) if i < len(values) else None

    windows = {unit: Window(at(limits, i), at(available, i), at(used, i)) for i, unit in enumerate(units)}
    return windows.get("minute", Window()), windows.get("day", Window())
