"""The REST v2 client against a hostile loopback server: what is retried, what is not, what leaks."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.api import errors as e
from app.api.http_common import CallEvent, RetryPolicy
from app.api.quota import QuotaInfo, Window, parse_retry_after
from app.api.ratelimit import Limits, RateLimiter
from app.api.rest import RestClient
from app.api.rest.labels import method_label
from app.api.rest.policy import is_idempotent
from app.core.cancel import CancelToken
from app.sandbox.tls import make_certificates
from tests.unit.hostile_rest import (
    GATEWAY_502,
    GATEWAY_503,
    Action,
    Drop,
    HostileRestServer,
    Reply,
    Reset,
    Stall,
)

KEY = "KeapAK-rest-test-key-0123456789abcdef"
FAST = RetryPolicy(max_attempts=3, max_total_seconds=5, base_seconds=0.001, max_wait_seconds=0.005)
CONTACTS = "/rest/v2/contacts"
APPLY = "/rest/v2/tags/12/contacts:applyTags"
EMAIL_STATUS = "/rest/v2/emailAddresses/jane.doe+news@example.com/status"
API_400 = {"code": 400, "message": "Invalid filter: unknown field 'emial'", "status": "INVALID_ARGUMENT",
           "details": [{"domain": "contacts", "resource": "filter"}]}
APIGEE_401 = {"fault": {"faultstring": "Invalid access token",
                        "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def shared_server() -> Iterator[HostileRestServer]:
    with HostileRestServer() as srv:
        yield srv


@pytest.fixture
def server(shared_server: HostileRestServer) -> Iterator[HostileRestServer]:
    shared_server.reset()
    yield shared_server
    shared_server.reset()


def make_client(server: HostileRestServer, *, timeout: float = 5.0) -> RestClient:
    return RestClient(server.url, KEY, timeout=timeout, connect_timeout=2.0, retry=FAST,
                      limits=Limits(None, None, None))


@pytest.fixture
def client(server: HostileRestServer) -> Iterator[RestClient]:
    with make_client(server) as c:
        yield c


# --- the request that leaves the machine --------------------------------------------------------


def test_get_decodes_json_and_the_key_travels_only_in_a_header(server: HostileRestServer,
                                                               client: RestClient) -> None:
    server.script(Reply(200, {"contacts": [{"id": "1"}], "next_page_token": ""}))
    data = client.request("GET", CONTACTS, params={"update_mask": ["given_name", "family_name"],
                                                   "opted_in": True, "page_token": None, "page_size": 10})
    assert data == {"contacts": [{"id": "1"}], "next_page_token": ""}
    (req,) = server.received
    assert req.path == "/crm/rest/v2/contacts"
    assert req.query == [("update_mask", "given_name"), ("update_mask", "family_name"),
                         ("opted_in", "true"), ("page_size", "10")]
    assert req.headers["x-keap-api-key"] == KEY
    assert "authorization" not in req.headers
    assert KEY not in req.path + repr(req.query)
    assert KEY not in repr(client) and client.base_url == server.url


def test_bearer_mode_and_json_body(server: HostileRestServer) -> None:
    server.script(Reply(201, {"id": "77", "name": "VIP"}))
    with RestClient(server.url, KEY, auth_mode="bearer", retry=FAST) as c:
        assert c.request("POST", "/rest/v2/tags", json={"name": "VIP", "description": "é"}) == {
            "id": "77", "name": "VIP"}
    (req,) = server.received
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert "x-keap-api-key" not in req.headers
    assert req.headers["content-type"].startswith("application/json")
    assert req.body == '{"name":"VIP","description":"é"}'.encode()


def test_no_content_is_none(server: HostileRestServer, client: RestClient) -> None:
    server.script(Reply(204), Reply(200, b""))
    assert client.request("POST", "/rest/v2/tags/12/contacts:removeTags", json={"contact_ids": ["1"]}) is None
    assert client.request("DELETE", "/rest/v2/tags/12") is None


def test_paths_that_could_send_the_key_elsewhere_are_refused(client: RestClient) -> None:
    for bad in ("https://evil.example/rest", "//evil.example/x", "rest/v2/contacts", "/rest/v2/x?a=1"):
        with pytest.raises(ValueError):
            client.request("GET", bad)
    with pytest.raises(ValueError, match="Legacy"):
        RestClient("https://api.keap.com/crm", KEY, auth_mode="legacy")


# --- replies safe requests retry, and creates never repeat ----------------------------------------


@pytest.mark.parametrize("bad", [GATEWAY_502, GATEWAY_503, Reply(200, b""), Reply(200, b'{"contacts": [{"id'),
                                 Reply(500, {"code": 500, "message": "boom", "status": "INTERNAL"}),
                                 Drop(), Reset(), Stall()],
                         ids=["502-html", "503-html", "empty", "garbage", "500", "drop", "reset", "slow"])
def test_a_read_is_retried_after_a_bad_reply(server: HostileRestServer, bad: Action) -> None:
    server.script(bad, Reply(200, {"id": "5"}))
    with make_client(server, timeout=0.3 if isinstance(bad, Stall) else 5.0) as client:
        assert client.request("GET", f"{CONTACTS}/5") == {"id": "5"}
        assert client.stats.retries == 1
    assert server.hits("GET", "/crm/rest/v2/contacts/5") == 2


@pytest.mark.parametrize(("bad", "cause"), [
    (Drop(), e.ConnectionDroppedError), (Reset(), e.ConnectionDroppedError),
    (GATEWAY_503, e.ServerUnavailableError),
    (Reply(200, b""), e.EmptyResponseError), (Reply(201, b"{not json"), e.MalformedResponseError),
    (Stall(), e.RequestTimeoutError)], ids=["drop", "reset", "503", "empty", "garbage", "slow"])
def test_a_create_with_a_lost_reply_is_sent_once_and_outcome_unknown(server: HostileRestServer, bad: Action,
                                                                     cause: type[e.ApiError]) -> None:
    server.script(bad, Reply(201, {"id": "9"}))
    with make_client(server, timeout=0.3 if isinstance(bad, Stall) else 5.0) as client, \
            pytest.raises(e.OutcomeUnknownError) as info:
        client.request("POST", CONTACTS, json={"email_addresses": [{"email": "a@b.c", "field": "EMAIL1"}]})
    assert server.hits("POST") == 1
    assert isinstance(info.value.cause, cause)
    assert "look the record up" in str(info.value)
    assert info.value.method == "POST /rest/v2/contacts"


@pytest.mark.parametrize("path", [APPLY, "/rest/v2/tags/12/contacts:removeTags", "/rest/v2/contacts:unlink"])
def test_set_operations_posted_are_retried(server: HostileRestServer, client: RestClient, path: str) -> None:
    server.script(Drop(), GATEWAY_502, Reply(200, {"results": {"1": "SUCCESS"}}))
    assert client.request("POST", path, json={"contact_ids": ["1"]}) == {"results": {"1": "SUCCESS"}}
    assert server.hits("POST") == 3


def test_the_caller_can_force_the_classification(server: HostileRestServer, client: RestClient) -> None:
    server.script(Drop(), Drop(), Reply(200, {"id": "3"}))
    with pytest.raises(e.OutcomeUnknownError):
        client.request("POST", APPLY, json={"contact_ids": ["1"]}, idempotent=False)
    assert server.hits() == 1
    created = client.request("POST", CONTACTS, params={"duplicate_option": "Email"}, json={}, idempotent=True)
    assert created == {"id": "3"}
    assert server.hits() == 3


def test_retries_stop_at_the_policy_cap(server: HostileRestServer, client: RestClient) -> None:
    server.default = GATEWAY_503
    with pytest.raises(e.ServerUnavailableError):
        client.request("PATCH", EMAIL_STATUS, json={"opted_in": False, "reason": "asked"})
    assert server.hits() == FAST.max_attempts


def test_a_connection_that_never_opened_is_retried_even_for_a_create() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    events: list[CallEvent] = []
    with RestClient(f"http://127.0.0.1:{port}/crm", KEY, retry=FAST, on_call=events.append) as c, \
            pytest.raises(e.ConnectError) as info:
        c.request("POST", CONTACTS, params={"filter": "email==jane.doe+news@example.com"}, json={})
    assert [ev.attempt for ev in events] == [1, 2, 3]
    assert "url: /rest/v2/contacts " in info.value.detail  # the library's text, minus the query
    assert "jane.doe" not in info.value.detail


@pytest.mark.parametrize("reply", [Reply(200, b"<html><body>Sign in to the Wi-Fi</body></html>",
                                         content_type="text/html"),
                                   Reply(200, b"OK", content_type="text/plain")])
def test_non_json_success_is_an_unexpected_body(server: HostileRestServer, client: RestClient,
                                                reply: Reply) -> None:
    server.default = reply
    with pytest.raises(e.UnexpectedBodyError):
        client.request("GET", CONTACTS)


# --- refusals are final and say why --------------------------------------------------------------------


def test_401_is_not_retried_and_names_the_gateway_errorcode_not_the_key(server: HostileRestServer,
                                                                        client: RestClient) -> None:
    server.default = Reply(401, APIGEE_401)
    with pytest.raises(e.HttpAuthError) as info:
        client.request("GET", CONTACTS)
    assert server.hits() == 1
    err = info.value
    assert err.status == 401 and "Keap refused the key" in err.message
    assert "oauth.v2.InvalidAccessToken" in err.detail
    assert all(KEY not in text for text in (str(err), repr(err), err.detail, err.message))


def test_403_says_the_key_lacks_permission(server: HostileRestServer, client: RestClient) -> None:
    server.default = Reply(403, {"code": 403, "message": "No permission to delete tags",
                                 "status": "PERMISSION_DENIED"})
    with pytest.raises(e.HttpAuthError, match=r"not allowed.*No permission to delete tags"):
        client.request("DELETE", "/rest/v2/tags/4")
    assert server.hits() == 1


def test_400_message_reaches_the_user(server: HostileRestServer, client: RestClient) -> None:
    server.default = Reply(400, API_400)
    with pytest.raises(e.RestApiError) as info:
        client.request("GET", CONTACTS, params={"filter": "emial==x"})
    assert server.hits() == 1
    err = info.value
    assert "Invalid filter: unknown field 'emial'" in str(err)
    assert err.message == str(err) and err.api_status == "INVALID_ARGUMENT" and err.status == 400
    assert not isinstance(err, e.NotFoundError)


@pytest.mark.parametrize(("status", "cls"), [(404, e.NotFoundError), (409, e.RestApiError),
                                             (405, e.RestApiError)])
def test_other_client_errors_are_final(server: HostileRestServer, client: RestClient, status: int,
                                       cls: type[e.RestApiError]) -> None:
    server.default = Reply(status, {"code": status, "message": "Tag 99 not found", "status": "NOT_FOUND"})
    with pytest.raises(cls, match="Tag 99 not found") as info:
        client.request("DELETE", "/rest/v2/tags/99")
    assert info.value.status == status and server.hits() == 1
    assert isinstance(info.value, e.NotFoundError) == (status == 404)


def test_an_html_client_error_page_is_not_retried(server: HostileRestServer, client: RestClient) -> None:
    server.default = Reply(404, b"<html><body>Not Found</body></html>", content_type="text/html")
    with pytest.raises(e.UnexpectedBodyError):
        client.request("GET", CONTACTS)
    assert server.hits() == 1


# --- throttling and quota -----------------------------------------------------------------------


def test_429_is_retried_even_for_a_create(server: HostileRestServer, client: RestClient) -> None:
    server.script(Reply(429, {"fault": {"faultstring": "Rate limit quota violation",
                                        "detail": {"errorcode": "policies.ratelimit.QuotaViolation"}}}),
                  Reply(201, {"id": "1"}))
    assert client.request("POST", CONTACTS, json={"given_name": "x"}) == {"id": "1"}
    assert server.hits("POST") == 2


def test_retry_after_pauses_the_shared_limiter(server: HostileRestServer) -> None:
    clock = FakeClock()
    limiter = RateLimiter(Limits(None, None, None), clock=clock)
    paused: list[float] = []

    def on_call(event: CallEvent) -> None:
        paused.append(limiter.paused_for())
        clock.now += 31  # time passes in the fake clock, not in the test

    server.script(Reply(429, {}, headers={"Retry-After": "30"}), Reply(200, {"ok": 1}))
    policy = RetryPolicy(max_attempts=3, max_total_seconds=60, base_seconds=0.001, max_wait_seconds=0.005)
    with RestClient(server.url, KEY, retry=policy, limiter=limiter, on_call=on_call) as c:
        assert c.request("GET", CONTACTS) == {"ok": 1}
        assert c.limiter is limiter
    assert paused[0] == pytest.approx(30.0)
    assert server.hits() == 2


def test_retry_after_longer_than_the_budget_is_raised_at_once(server: HostileRestServer,
                                                              client: RestClient) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    server.default = Reply(429, {}, headers={"Retry-After": when})
    with pytest.raises(e.HttpThrottledError) as info:
        client.request("GET", CONTACTS)
    assert server.hits() == 1
    assert info.value.retry_after == pytest.approx(120, abs=3)
    assert client.limiter.paused_for() == pytest.approx(120, abs=3)


def test_spent_daily_quota_is_final_and_stops_later_calls(server: HostileRestServer,
                                                          client: RestClient) -> None:
    server.default = Reply(429, {}, headers={"x-keap-product-quota-available": "0",
                                             "x-keap-product-quota-used": "30000"})
    with pytest.raises(e.HttpThrottledError, match="daily quota") as info:
        client.request("POST", CONTACTS, json={})
    assert info.value.daily_quota_spent and server.hits() == 1
    with pytest.raises(e.QuotaExhaustedError):
        client.request("GET", CONTACTS)
    assert server.hits() == 1  # refused before it left the machine


TENANT_HEADERS = {
    "x-keap-product-quota-limit": "30000", "x-keap-product-quota-available": "29000",
    "x-keap-product-quota-used": "1000", "x-keap-product-quota-time-unit": "day",
    "x-keap-product-throttle-limit": "240", "x-keap-product-throttle-available": "5",
    "x-keap-product-throttle-used": "235", "x-keap-product-throttle-time-unit": "minute",
    "x-keap-tenant-throttle-limit": "10000|250000", "x-keap-tenant-throttle-available": "9000|240000",
    "x-keap-tenant-throttle-used": "1000|10000", "x-keap-tenant-throttle-time-unit": "minute|day",
}


def test_quota_headers_are_parsed_and_slow_the_limiter_down(server: HostileRestServer) -> None:
    clock = FakeClock()
    limiter = RateLimiter(Limits(per_second=None, per_minute=240, per_day=30_000), clock=clock)
    server.default = Reply(200, {}, headers=TENANT_HEADERS)
    with RestClient(server.url, KEY, retry=FAST, limiter=limiter) as c:
        c.request("GET", CONTACTS)
        q = c.last_quota
    assert (q.quota_limit, q.quota_available, q.quota_used) == (30000, 29000, 1000)
    assert (q.throttle_limit, q.throttle_available, q.throttle_used) == (240, 5, 235)
    assert q.tenant_minute == Window(10000, 9000, 1000) and q.tenant_day == Window(250000, 240000, 10000)
    assert limiter.calls_today == 1000  # another program spent them
    for _ in range(5):  # the server says five calls are left this minute, not 239
        limiter.acquire()
    assert limiter._wait_needed(clock.now) > 60


def test_no_calls_left_this_minute_pauses_until_the_next_minute() -> None:
    limiter = RateLimiter(Limits(None, None, None), clock=FakeClock(),
                          utc_now=lambda: datetime(2026, 9, 1, 12, 0, 45, tzinfo=UTC))
    limiter.note_server_minute(available=0, used=240, limit=240)
    assert limiter.paused_for() == pytest.approx(16.0)
    assert limiter.limits.per_minute == 240


def test_a_minute_spent_only_by_us_waits_for_our_own_window_not_the_wall_clock() -> None:
    """The server's "0 left" after our own 240th call of a 240/min key: our sliding window
    already holds the next call until our oldest is a minute old; no pause to the next wall
    minute on top (it stalled REST imports for up to a minute)."""
    clock = FakeClock()
    limiter = RateLimiter(Limits(None, 240, None), clock=clock,
                          utc_now=lambda: datetime(2026, 9, 1, 12, 0, 1, tzinfo=UTC))
    for _ in range(240):
        limiter.acquire()
    clock.now += 30.0
    limiter.note_server_minute(available=0, used=240, limit=240)
    assert limiter.paused_for() == 0.0
    assert 29.0 < limiter._wait_needed(clock.now) <= 31.0  # our oldest call turns a minute old
    limiter.note_server_minute(available=0, used=250, limit=240)  # someone else spent ten
    assert limiter.paused_for() == pytest.approx(60.0)  # wall second 1: to the next minute


@pytest.mark.parametrize(("headers", "minute", "day"), [
    ({"x-keap-tenant-throttle-limit": "10000", "x-keap-tenant-throttle-available": "42",
      "x-keap-tenant-throttle-time-unit": "minute"}, Window(10000, 42, None), Window()),
    ({"x-keap-tenant-throttle-limit": "250000", "x-keap-tenant-throttle-time-unit": "day"},
     Window(), Window(250000, None, None)),
    ({"x-keap-tenant-throttle-limit": "10000|250000", "x-keap-tenant-throttle-available": "1|0"},
     Window(10000, 1, None), Window(250000, 0, None)),
    ({"x-keap-tenant-throttle-limit": "", "x-keap-tenant-throttle-time-unit": ""}, Window(), Window()),
])
def test_tenant_headers_single_and_pipe_forms(headers: dict[str, str], minute: Window, day: Window) -> None:
    q = QuotaInfo.from_headers(headers)
    assert (q.tenant_minute, q.tenant_day) == (minute, day)


def test_retry_after_forms() -> None:
    now = datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=lambda: now) == 7.0
    assert parse_retry_after("Tue, 01 Sep 2026 12:01:00 GMT", now=lambda: now) == 60.0
    assert parse_retry_after("soon", now=lambda: now) is None


# --- TLS -------------------------------------------------------------------------------------------------


def test_tls_untrusted_fails_and_a_ca_bundle_makes_it_pass(tmp_path: Path) -> None:
    files = make_certificates(tmp_path)
    with HostileRestServer(tls=files) as srv:
        srv.default = Reply(200, {"secure": True})
        with RestClient(srv.url, KEY, retry=FAST) as c, pytest.raises(e.TlsError) as info:
            c.request("GET", CONTACTS)
        assert "certificate" in str(info.value) and srv.hits() == 0
        with RestClient(srv.url, KEY, retry=FAST, ca_bundle=str(files.ca_path)) as c:
            assert c.request("GET", CONTACTS) == {"secure": True}
        assert srv.hits() == 1


# --- what reaches logs, stats and the status bar ------------------------------------------------


def test_nothing_logged_or_counted_carries_the_key_or_an_email(server: HostileRestServer,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="app")
    events: list[CallEvent] = []
    server.script(GATEWAY_503, Drop(), Reply(401, APIGEE_401), Reply(400, API_400), Drop())
    errors: list[e.ApiError] = []
    with RestClient(server.url, KEY, retry=FAST, on_call=events.append) as c:
        for method, path in [("GET", EMAIL_STATUS), ("GET", CONTACTS), ("POST", CONTACTS)]:
            try:
                c.request(method, path, params={"filter": "email==jane.doe+news@example.com"}, json=None)
            except e.ApiError as err:
                errors.append(err)
        stats = dict(c.stats.attempts)
    assert {ev.method for ev in events} == {
        "GET /rest/v2/emailAddresses/{email}/status", "GET /rest/v2/contacts", "POST /rest/v2/contacts"}
    assert set(stats) == {ev.method for ev in events}
    texts = [r.getMessage() for r in caplog.records]
    texts += [t for err in errors for t in (str(err), repr(err), err.detail, err.method)]
    assert texts and all(KEY not in t and "jane.doe" not in t for t in texts)


@pytest.mark.parametrize(("method", "path", "label"), [
    ("get", "/rest/v2/contacts/42", "GET /rest/v2/contacts/{id}"),
    ("POST", "/rest/v2/tags/12/contacts:applyTags", "POST /rest/v2/tags/{id}/contacts:applyTags"),
    ("PATCH", "/rest/v2/emailAddresses/a%40b.com/status", "PATCH /rest/v2/emailAddresses/{email}/status"),
    ("GET", "/rest/v2/emailAddresses/not-an-address/status", "GET /rest/v2/emailAddresses/{email}/status"),
    ("GET", "/rest/v2/tags/-/contacts", "GET /rest/v2/tags/-/contacts"),
    ("POST", "/rest/v2/contacts:merge", "POST /rest/v2/contacts:merge"),
    ("GET", "/rest/v2/orders/7/items/abc123", "GET /rest/v2/orders/{id}/items/{id}"),
    ("GET", "/rest/v2/contacts?filter=email==x@y.z", "GET /rest/v2/contacts"),
])
def test_method_labels_hide_ids_and_addresses(method: str, path: str, label: str) -> None:
    assert method_label(method, path) == label


@pytest.mark.parametrize(("method", "path", "safe"), [
    ("GET", CONTACTS, True), ("PATCH", "/rest/v2/contacts/1", True), ("DELETE", "/rest/v2/tags/1", True),
    ("PUT", "/rest/v2/x/1", True), ("PATCH", EMAIL_STATUS, True), ("POST", APPLY, True),
    ("POST", "/rest/v2/tags/1/contacts:removeTags", True), ("POST", "/rest/v2/contacts:unlink", True),
    ("POST", CONTACTS, False), ("POST", "/rest/v2/tags", False), ("POST", "/rest/v2/contacts:merge", False),
    ("POST", "/rest/v2/contacts:link", False), ("POST", "/rest/v2/automations/goals/achieve", False),
    ("POST", "/rest/v2/campaigns/1/sequences/2:addContacts", False),
])
def test_which_requests_are_safe_to_repeat(method: str, path: str, safe: bool) -> None:
    assert is_idempotent(method, path) is safe


def test_a_cancelled_request_is_not_sent(server: HostileRestServer, client: RestClient) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(e.CancelledError):
        client.request("GET", CONTACTS, cancel=token)
    assert server.hits() == 0
