"""Per-key quotas: 429 with Keap's body and headers over HTTP, windows and day reset with a fake clock."""

from __future__ import annotations

import datetime as dt
import json
import xmlrpc.client

import pytest
from sandbox_helpers import proxy, raw_call, raw_post, rpc_body

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.quotas import QuotaTracker


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_over_the_spike_limit_is_a_429_with_headers() -> None:
    with Sandbox(SandboxConfig(seed="empty", quota="pat", quota_scale=0.001)) as sb:
        status, headers, _ = raw_call(sb, "DataService.count", "Contact", {})
        assert status == 200
        assert headers["x-keap-product-quota-limit"] == "30" and headers["x-keap-product-quota-used"] == "1"
        assert headers["x-keap-product-quota-available"] == "29"
        assert headers["x-keap-product-throttle-available"] == "0"
        assert int(headers["x-keap-product-quota-expiry-time"]) > 0
        status, headers, body = raw_call(sb, "DataService.count", "Contact", {})
        assert status == 429 and headers["content-type"] == "application/json"
        assert json.loads(body)["message"] == "Quota Exceeded"
        # the 1/s spike limit, or the 1/min limit on a machine slow enough to take a second
        assert headers["x-keap-product-throttle-time-unit"] in ("second", "minute")
        assert 1 <= int(headers["retry-after"]) <= 60
        assert headers["x-keap-product-throttle-limit"] == "1"
        assert headers["x-keap-product-throttle-available"] == "0"
        with proxy(sb) as p, pytest.raises(xmlrpc.client.ProtocolError) as info:
            p.DataService.echo("x")
        assert info.value.errcode == 429
        stats = sb.stats()["quota"]
        assert stats["mode"] == "pat" and stats["limits"] == {"second": 1, "minute": 1, "day": 30}
        assert sum(stats["rejected"].values()) == 2
        # calls without the account's key are not counted against it
        assert raw_post(sb, "/api/xmlrpc", rpc_body("DataService.echo", "free"))[0] == 200


def test_pat_and_oauth_limits_scale_with_a_floor_of_one() -> None:
    assert QuotaTracker("pat").limits == {"second": 10, "minute": 240, "day": 30_000}
    assert QuotaTracker("oauth").limits == {"second": 25, "minute": 1_500, "day": 150_000}
    assert QuotaTracker("pat", 0.5).limits == {"second": 5, "minute": 120, "day": 15_000}
    assert QuotaTracker("oauth", 0.00001).limits == {"second": 1, "minute": 1, "day": 1}
    assert not QuotaTracker("off").check("k").headers
    with pytest.raises(ValueError):
        QuotaTracker("gold")


def test_minute_window_slides_and_says_when_it_frees() -> None:
    clock = Clock(dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC).timestamp())
    quotas = QuotaTracker("pat", 0.05, clock=clock)  # 1/s, 12/min, 1500/day
    for _ in range(12):
        assert quotas.check("k").allowed
        clock.now += 1.0
    verdict = quotas.check("k")
    assert not verdict.allowed and verdict.window == "minute" and verdict.retry_after == 48
    assert verdict.headers["x-keap-product-throttle-time-unit"] == "minute"
    assert verdict.headers["x-keap-product-throttle-used"] == "12"
    clock.now += 48.0
    assert quotas.check("k").allowed
    assert quotas.check("other-key").allowed  # per key


def test_daily_quota_resets_at_midnight_utc() -> None:
    clock = Clock(dt.datetime(2026, 5, 1, 23, 0, 0, tzinfo=dt.UTC).timestamp())
    quotas = QuotaTracker("pat", 0.0001, clock=clock)  # 1/s, 1/min, 3/day
    for _ in range(3):
        assert quotas.check("k").allowed
        clock.now += 61
    verdict = quotas.check("k")
    assert not verdict.allowed and verdict.window == "day"
    midnight = dt.datetime(2026, 5, 2, tzinfo=dt.UTC).timestamp()
    assert verdict.retry_after == int(midnight - clock.now)
    assert verdict.headers["x-keap-product-quota-available"] == "0"
    assert verdict.headers["x-keap-product-quota-expiry-time"] == str(int(midnight * 1000))
    clock.now = midnight + 1
    ok = quotas.check("k")
    assert ok.allowed and ok.headers["x-keap-product-quota-used"] == "1"
    assert quotas.stats()["rejected"] == {"day": 1}
