"""A client-side rate limiter that keeps every worker thread under the key's quota.

Shared by the XML-RPC and REST clients (a key's quota is one budget whichever
protocol spends it; give both clients the same :class:`RateLimiter` to share it).
Keap counts calls per key: personal and service keys may make 10 a second, 240 a
minute and 30,000 a day (reset at 00:00 UTC); OAuth clients 1,500 a minute. Staying
under the limits is cheaper than being refused with HTTP 429, so every call waits for
a slot here first. Windows slide; the daily window is a counter reset at midnight UTC,
and a spent day raises :class:`QuotaExhaustedError` instead of blocking for hours.

Our own count is only a floor: another program using the same key spends the same
quota. The ``note_server_*`` methods let the server's quota headers tighten it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.api.errors import CancelledError, QuotaExhaustedError
from app.core.cancel import Cancellable

# The server counts a call when it arrives, we count it when we send it; a call that
# waits for a new connection arrives late and can land in the next window. A small
# margin keeps us under the server's count, not just our own.
SECOND = 1.05
MINUTE = 61.0


@dataclass(frozen=True)
class Limits:
    """Calls allowed per second, per minute and per UTC day (None: unlimited)."""

    per_second: int | None = 10
    per_minute: int | None = 240
    per_day: int | None = 30_000

    @classmethod
    def for_mode(cls, mode: str) -> Limits:
        if mode == "oauth":
            return cls(per_second=25, per_minute=1_500, per_day=150_000)
        if mode == "off":
            return cls(None, None, None)
        return cls()

    def scaled(self, factor: float) -> Limits:
        def s(v: int | None) -> int | None:
            return None if v is None else max(1, round(v * factor))

        return Limits(s(self.per_second), s(self.per_minute), s(self.per_day))


def _lower(ours: int | None, theirs: int | None) -> int | None:
    """The stricter of two limits; a missing or nonsensical server value changes nothing."""
    if theirs is None or theirs <= 0:
        return ours
    return theirs if ours is None else min(ours, theirs)


class RateLimiter:
    """Thread-safe sliding-window limiter with a server-imposed pause."""

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic,
                 utc_now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._utc_now = utc_now
        self._cond = threading.Condition()
        self._second: deque[float] = deque()
        self._minute: deque[float] = deque()
        self._day_count = 0
        self._day = utc_now().date()
        self._paused_until = 0.0
        self._server_day_spent: date | None = None
        self.calls_today = 0
        self.server_available: int | None = None

    def _trim(self, now: float) -> None:
        while self._second and now - self._second[0] >= SECOND:
            self._second.popleft()
        while self._minute and now - self._minute[0] >= MINUTE:
            self._minute.popleft()
        today = self._utc_now().date()
        if today != self._day:
            self._day, self._day_count = today, 0

    def _wait_needed(self, now: float) -> float:
        waits = [self._paused_until - now]
        lim = self.limits
        if lim.per_second is not None and len(self._second) >= lim.per_second:
            waits.append(self._second[0] + SECOND - now)
        if lim.per_minute is not None and len(self._minute) >= lim.per_minute:
            waits.append(self._minute[0] + MINUTE - now)
        return max(waits)

    def acquire(self, cancel: Cancellable | None = None) -> None:
        """Block until a call may be sent; raise if cancelled or the day's quota is spent."""
        with self._cond:
            while True:
                if cancel is not None and cancel.is_cancelled():
                    raise CancelledError()
                now = self._clock()
                self._trim(now)
                if self.limits.per_day is not None and self._day_count >= self.limits.per_day:
                    raise QuotaExhaustedError()
                if self._server_day_spent == self._day:
                    raise QuotaExhaustedError()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._second.append(now)
                    self._minute.append(now)
                    self._day_count += 1
                    self.calls_today = self._day_count
                    return
                # Wake at least every 0.25 s so a cancel is noticed promptly.
                self._cond.wait(timeout=min(wait, 0.25))

    def pause(self, seconds: float) -> None:
        """Hold every thread back, e.g. after a 429 with Retry-After."""
        with self._cond:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))
            self._cond.notify_all()

    def paused_for(self) -> float:
        """Seconds left of a server-imposed pause (0.0 when none)."""
        with self._cond:
            return max(0.0, self._paused_until - self._clock())

    def note_server_quota(self, available: int | None, used: int | None = None) -> None:
        """Record what the server's quota headers say is left today."""
        with self._cond:
            if available is not None:
                self.server_available = available
            if used is not None and used > self._day_count:
                self._day_count = used
                self.calls_today = used

    def note_server_day(self, available: int | None, used: int | None = None,
                        limit: int | None = None) -> None:
        """Follow the server's daily count: it also sees calls other programs made with the key.

        A lower server limit replaces ours; fewer calls left than we think raises our count
        to match; none left makes every later :meth:`acquire` raise until the UTC day ends,
        even when no daily limit is configured here.
        """
        with self._cond:
            self._trim(self._clock())
            self.limits = dataclasses.replace(self.limits, per_day=_lower(self.limits.per_day, limit))
            if available is not None:
                self.server_available = available
            target = used or 0
            if available is not None and self.limits.per_day is not None:
                target = max(target, self.limits.per_day - available)
            if target > self._day_count:
                self._day_count = target
                self.calls_today = target
            if available is not None and available <= 0:
                self._server_day_spent = self._day

    def note_server_minute(self, available: int | None, used: int | None = None,
                           limit: int | None = None) -> None:
        """Follow the server's per-minute count so the next :meth:`acquire` waits when it must.

        Calls the server counted but we did not (another client on the same key) are added
        to our minute window as if made now, which is the cautious guess. When the server
        says nothing is left this minute and counts calls we did not make, every thread
        pauses until the next minute starts. When it counted only our calls, our own window
        (the last 60 s) already holds them all and keeps the next call until the oldest is a
        minute old, which is safe whether Keap's minute is fixed or sliding; pausing to the
        wall clock's next minute as well would stall a job for up to a minute for nothing.
        """
        with self._cond:
            now = self._clock()
            self._trim(now)
            self.limits = dataclasses.replace(self.limits, per_minute=_lower(self.limits.per_minute, limit))
            per_minute = self.limits.per_minute
            ours = len(self._minute)
            if per_minute is not None:
                missing = (used or 0) - ours
                if available is not None:
                    missing = max(missing, per_minute - ours - available)
                for _ in range(max(0, min(missing, per_minute - ours))):
                    self._minute.append(now)
            only_ours = used is not None and per_minute is not None and used <= ours
            if available is not None and available <= 0 and not only_ours:
                wall = self._utc_now()
                to_next_minute = 60.0 - wall.second - wall.microsecond / 1e6 + (MINUTE - 60.0)
                self._paused_until = max(self._paused_until, now + min(MINUTE, to_next_minute))

    def seconds_until_reset(self) -> float:
        now = self._utc_now()
        tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
        return (tomorrow - now).total_seconds()

    def estimate_seconds(self, calls: int) -> float:
        """How long ``calls`` calls take at the limits (for dry runs).

        A key may burst at its per-second rate until the minute's allowance is spent,
        then waits for the minute window to slide: whole minutes plus the burst left over.
        """
        if calls <= 0:
            return 0.0
        lim = self.limits
        burst = (lim.per_second and SECOND / lim.per_second) or 0.0
        if not lim.per_minute:
            return (calls - 1) * burst
        full_minutes, rest = divmod(calls - 1, lim.per_minute)
        return full_minutes * MINUTE + rest * burst


def limits_in_words(limits: Limits) -> str:
    """The limits as a dry run states them, e.g. "10 calls a second, 240 a minute, 30,000 a day"."""
    parts = [f"{n:,} a {unit}" for n, unit in ((limits.per_second, "second"), (limits.per_minute, "minute"),
                                               (limits.per_day, "day")) if n]
    if not parts:
        return ""
    parts[0] = parts[0].replace(" a ", " calls a ", 1)
    return ", ".join(parts)


def calls_left_today(limiter: RateLimiter) -> int | None:
    """Calls the key may still make today: our own count, tightened by what the server said."""
    per_day = limiter.limits.per_day
    left = None if per_day is None else max(0, per_day - limiter.calls_today)
    if limiter.server_available is not None:
        left = limiter.server_available if left is None else min(left, limiter.server_available)
    return left
