"""Which failures are retried for which calls."""

import random

import pytest

from app.api import errors as e
from app.api.xmlrpc.faults import map_fault
from app.api.xmlrpc.policy import RetryPolicy, is_safe_to_repeat, should_retry

SAFE = ["DataService.query", "DataService.count", "DataService.load", "DataService.update",
        "DataService.delete", "ContactService.addToGroup", "ContactService.removeFromGroup",
        "APIEmailService.optIn", "APIEmailService.optOut", "APIEmailService.getOptStatus",
        "DataService.echo", "DataService.findByField"]
CREATES = ["DataService.add", "ContactService.add", "ContactService.addWithDupCheck",
           "ContactService.merge", "FunnelService.achieveGoal", "InvoiceService.createBlankOrder",
           "InvoiceService.addOrderItem", "ContactService.linkContacts"]

TRANSIENT = [
    e.EmptyResponseError(), e.MalformedResponseError(), e.ServerUnavailableError(status=503),
    map_fault(0, "could not create session", "m"), map_fault(500, "ThrottlingException", "m"),
    e.ConnectionDroppedError(), e.RequestTimeoutError(),
]


@pytest.mark.parametrize("method", SAFE)
@pytest.mark.parametrize("err", TRANSIENT, ids=lambda x: type(x).__name__)
def test_safe_calls_retry_transient_errors(method: str, err: e.ApiError) -> None:
    assert is_safe_to_repeat(method)
    assert should_retry(err, method)


@pytest.mark.parametrize("method", CREATES)
@pytest.mark.parametrize("err", TRANSIENT, ids=lambda x: type(x).__name__)
def test_creates_are_never_resent_blindly(method: str, err: e.ApiError) -> None:
    assert not should_retry(err, method)


@pytest.mark.parametrize("method", SAFE + CREATES)
def test_never_connected_is_retried_for_every_call(method: str) -> None:
    assert should_retry(e.ConnectError(), method)
    assert should_retry(e.HttpThrottledError(retry_after=1), method)


@pytest.mark.parametrize("err", [e.InvalidKeyFault(), e.TlsError(), e.CancelledError(), e.UnsafeXmlError(),
                                 e.QuotaExhaustedError(), e.HttpThrottledError(daily_quota_spent=True),
                                 map_fault(10, "[NoFieldFound]x", "m"), ValueError("x")])
def test_final_errors_are_not_retried(err: BaseException) -> None:
    assert not should_retry(err, "DataService.query")


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_seconds=0.5, max_wait_seconds=8)
    rng = random.Random(1)
    waits = [policy.wait_for(n, e.EmptyResponseError(), rng) for n in range(1, 8)]
    assert all(0.25 <= w <= 8 for w in waits)
    assert waits[-1] > waits[0]
    assert policy.wait_for(1, e.HttpThrottledError(retry_after=5.0), rng) >= 5.0
