"""Keap's per-key call quotas (``keap-xmlrpc.md`` 1.3) with the headers its gateway sends.

PAT/SAK keys: 10 calls/s, 240/min, 30,000/day; OAuth: a 25/s spike limit, 1,500/min,
150,000/day [V:keap-quota-page]. Second and minute windows slide (a call counts for
exactly one second/minute after it was made), so a test is not at the mercy of where a
clock tick falls; the day resets at 00:00 UTC. Calls refused with 429 do not count.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

BASE_LIMITS = {"pat": (10, 240, 30_000), "oauth": (25, 1_500, 150_000)}
WINDOWS = (("second", 1.0), ("minute", 60.0))
BODY_429 = json.dumps(
    {"code": "429", "message": "Quota Exceeded", "status": "Request Throttled", "details": None}
)
TENANT_LIMITS = (10_000, 250_000)  # per application instance, any key, since 2026-06-08 [V]
TENANT = "x-keap-tenant-"
THROTTLE = "x-keap-product-throttle-"
QUOTA = "x-keap-product-quota-"


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: int = 0
    window: str = ""


def _next_midnight_utc(now: float) -> float:
    day = _dt.datetime.fromtimestamp(now, _dt.UTC).date() + _dt.timedelta(days=1)
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC).timestamp()


def mask(key: str) -> str:
    return key[:7] + "..." + key[-4:] if len(key) > 12 else "***"


class QuotaTracker:
    """Counts calls per key and says whether the next one is allowed."""

    def __init__(self, mode: str = "off", scale: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        if mode not in ("off", "pat", "oauth"):
            raise ValueError(f"quota must be pat, oauth or off (got {mode!r})")
        if scale <= 0:
            raise ValueError("quota scale must be positive")
        self.mode = mode
        self.scale = scale
        self.clock = clock
        base = BASE_LIMITS.get(mode, (0, 0, 0))
        self.limits = {
            name: max(1, math.floor(n * scale + 1e-9))
            for name, n in zip(("second", "minute", "day"), base, strict=True)
        }
        self._lock = threading.Lock()
        self._recent: dict[str, dict[str, deque[float]]] = {}
        self._day: dict[str, tuple[_dt.date, int]] = {}
        self.rejected: dict[str, int] = {}
        self._refusals = 0
        self._tenant_minute: deque[float] = deque()
        self._tenant_day: tuple[_dt.date, int] = (_dt.date.min, 0)

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def check(self, key: str) -> Verdict:
        """Record the call if allowed; otherwise say which window refused it and for how long."""
        if not self.enabled:
            return Verdict(True)
        with self._lock:
            now = self.clock()
            today = _dt.datetime.fromtimestamp(now, _dt.UTC).date()
            recent = self._recent.setdefault(key, {"second": deque(), "minute": deque()})
            for name, span in WINDOWS:
                q = recent[name]
                while q and q[0] <= now - span:
                    q.popleft()
            day, used_day = self._day.get(key, (today, 0))
            if day != today:
                used_day = 0
            expiry = _next_midnight_utc(now)
            if used_day >= self.limits["day"]:
                return self._refuse("day", math.ceil(expiry - now), used_day, expiry)
            for name, span in WINDOWS:
                q = recent[name]
                if len(q) >= self.limits[name]:
                    return self._refuse(name, math.ceil(q[0] + span - now), len(q), expiry)
            for name, _ in WINDOWS:
                recent[name].append(now)
            used_day += 1
            self._day[key] = (today, used_day)
            headers = self.throttle_headers("minute", len(recent["minute"]))
            headers.update(self.quota_headers(used_day, expiry))
            return Verdict(True, headers)

    def _refuse(self, window: str, retry: int, used: int, expiry: float) -> Verdict:
        self.rejected[window] = self.rejected.get(window, 0) + 1
        self._refusals += 1
        headers = self.quota_headers(used, expiry) if window == "day" else self.throttle_headers(window, used)
        return Verdict(False, headers, max(1, retry), window)

    def retry_after_sent(self, verdict: Verdict) -> bool:
        """REST 429s carry ``Retry-After`` on some refusals only (every other one), as
        third parties observe it sometimes present and sometimes not [V3, conflicting]."""
        return verdict.window == "day" or self._refusals % 2 == 1

    def tenant_headers(self) -> dict[str, str]:
        """Count a call against the tenant and describe it in the ``minute|day`` pair form [V3].

        Reported, not enforced: the per-key limits are lower than the tenant's.
        """
        with self._lock:
            now = self.clock()
            today = _dt.datetime.fromtimestamp(now, _dt.UTC).date()
            while self._tenant_minute and self._tenant_minute[0] <= now - 60.0:
                self._tenant_minute.popleft()
            self._tenant_minute.append(now)
            day, used_day = self._tenant_day
            used_day = used_day + 1 if day == today else 1
            self._tenant_day = (today, used_day)
            used_minute = len(self._tenant_minute)
        minute_limit, day_limit = TENANT_LIMITS
        return {
            TENANT + "id": "sandbox.infusionsoft.com",
            TENANT + "throttle-limit": f"{minute_limit}|{day_limit}",
            TENANT + "throttle-time-unit": "minute|day",
            TENANT + "throttle-interval": "1|1",
            TENANT + "throttle-available": (
                f"{max(0, minute_limit - used_minute)}|{max(0, day_limit - used_day)}"
            ),
            TENANT + "throttle-used": f"{used_minute}|{used_day}",
        }

    def throttle_headers(self, window: str, used: int) -> dict[str, str]:
        limit = self.limits.get(window, 0)
        return {
            THROTTLE + "limit": str(limit),
            THROTTLE + "time-unit": window,
            THROTTLE + "interval": "1",
            THROTTLE + "available": str(max(0, limit - used)),
            THROTTLE + "used": str(used),
        }

    def injected_headers(self) -> dict[str, str]:
        """Throttle headers for an injected 429: the minute window shown as used up."""
        limit = self.limits["minute"] if self.enabled else BASE_LIMITS["pat"][1]
        return {
            THROTTLE + "limit": str(limit),
            THROTTLE + "time-unit": "minute",
            THROTTLE + "interval": "1",
            THROTTLE + "available": "0",
            THROTTLE + "used": str(limit),
        }

    def quota_headers(self, used: int, expiry: float) -> dict[str, str]:
        limit = self.limits["day"]
        return {
            QUOTA + "limit": str(limit),
            QUOTA + "time-unit": "day",
            QUOTA + "interval": "1",
            QUOTA + "available": str(max(0, limit - used)),
            QUOTA + "used": str(used),
            QUOTA + "expiry-time": str(int(expiry * 1000)),
        }

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._day.clear()
            self.rejected = {}
            self._refusals = 0
            self._tenant_minute.clear()
            self._tenant_day = (_dt.date.min, 0)

    def stats(self) -> dict[str, object]:
        with self._lock:
            now = self.clock()
            keys: dict[str, dict[str, int]] = {}
            for key, recent in self._recent.items():
                day_used = self._day.get(key, (None, 0))[1]
                keys[mask(key)] = {
                    "second": sum(1 for t in recent["second"] if t > now - 1.0),
                    "minute": sum(1 for t in recent["minute"] if t > now - 60.0),
                    "day": day_used,
                }
            return {
                "mode": self.mode,
                "scale": self.scale,
                "limits": dict(self.limits) if self.enabled else {},
                "rejected": dict(self.rejected),
                "keys": keys,
            }
