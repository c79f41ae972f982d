"""The rate limiter keeps to every window and can be cancelled."""

import threading
from datetime import UTC, datetime

import pytest

from app.api.errors import CancelledError, QuotaExhaustedError
from app.api.xmlrpc.ratelimit import Limits, RateLimiter
from app.core.cancel import CancelToken


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_per_second_window_admits_limit_then_waits() -> None:
    clock = FakeClock()
    rl = RateLimiter(Limits(per_second=3, per_minute=None, per_day=None), clock=clock)
    for _ in range(3):
        rl.acquire()
    assert rl._wait_needed(clock.now) == pytest.approx(1.05)
    clock.now += 1.05
    rl.acquire()  # window moved on: admitted without waiting


def test_minute_window() -> None:
    clock = FakeClock()
    rl = RateLimiter(Limits(per_second=None, per_minute=2, per_day=None), clock=clock)
    rl.acquire()
    clock.now += 10
    rl.acquire()
    assert rl._wait_needed(clock.now) == pytest.approx(51.0)


def test_daily_quota_raises_instead_of_blocking() -> None:
    rl = RateLimiter(Limits(per_second=None, per_minute=None, per_day=2))
    rl.acquire()
    rl.acquire()
    with pytest.raises(QuotaExhaustedError):
        rl.acquire()


def test_day_resets_at_utc_midnight() -> None:
    day = [datetime(2026, 11, 27, 23, 59, tzinfo=UTC)]
    rl = RateLimiter(Limits(per_second=None, per_minute=None, per_day=1), utc_now=lambda: day[0])
    rl.acquire()
    day[0] = datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC)
    rl.acquire()


def test_server_quota_headers_count_against_the_day() -> None:
    rl = RateLimiter(Limits(per_second=None, per_minute=None, per_day=10))
    rl.note_server_quota(available=0, used=10)
    with pytest.raises(QuotaExhaustedError):
        rl.acquire()


def test_cancel_interrupts_a_wait() -> None:
    rl = RateLimiter(Limits(per_second=1, per_minute=None, per_day=None))
    rl.acquire()
    rl.pause(60)
    token = CancelToken()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            rl.acquire(token)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    token.cancel()
    t.join(timeout=5)
    assert not t.is_alive()
    assert isinstance(errors[0], CancelledError)


def test_scaled_limits_and_estimate() -> None:
    assert Limits.for_mode("pat").scaled(0.1) == Limits(1, 24, 3000)
    assert Limits.for_mode("oauth").per_minute == 1500
    rl = RateLimiter(Limits.for_mode("pat"))
    # 240 calls burst at 10/s; every further 240 wait for the minute window to slide
    assert rl.estimate_seconds(240) == pytest.approx(239 * 0.105)
    assert rl.estimate_seconds(2400) == pytest.approx(9 * 61.0 + 239 * 0.105)
    assert rl.estimate_seconds(0) == 0.0
    assert RateLimiter(Limits(None, None, None)).estimate_seconds(100) == 0.0
