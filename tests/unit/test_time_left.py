"""One estimator for the dry run and the countdown: they agree and the countdown only falls."""

from __future__ import annotations

from itertools import pairwise
from types import SimpleNamespace

from app.api.ratelimit import Limits, RateLimiter
from app.jobs.bulk_tags import BulkTagPlan, Change, format_duration, seconds_left


def plan_of(changes: int, limits: Limits, bulk_size: int = 1) -> BulkTagPlan:
    limiter = RateLimiter(limits)
    service = SimpleNamespace(estimate_seconds=limiter.estimate_seconds, bulk_size=bulk_size)
    rows = tuple(Change(i, 1, "apply") for i in range(changes))
    calls = -(-changes // bulk_size)
    plan = BulkTagPlan(service, "Apply", "everyone", changes, rows, (), (),  # type: ignore[arg-type]
                       limiter.estimate_seconds(calls))
    assert plan.calls == calls
    return plan


def test_the_countdown_starts_at_the_dry_runs_estimate_and_only_falls() -> None:
    plan = plan_of(1094, Limits(10, 240, 30_000))  # the reported case: 1,094 changes at 240 a minute
    assert seconds_left(plan, 0) == plan.estimated_seconds
    assert format_duration(plan.estimated_seconds) == "about 4 minutes"
    lefts = [seconds_left(plan, done) for done in range(0, 1095, 7)]
    assert all(a >= b for a, b in pairwise(lefts))  # never goes up
    assert seconds_left(plan, 1094) == 0.0
    # the burst at the start does not make the countdown promise 2 minutes for 4
    assert format_duration(seconds_left(plan, 20)) == "about 4 minutes"
