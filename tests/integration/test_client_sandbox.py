"""The XML-RPC client against the sandbox over real HTTP on loopback: every gotcha it handles."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from app.api import errors as e
from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc import query as q
from app.api.xmlrpc.fields import LockedFieldError
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.core.cancel import CancelToken
from app.core.dates import EASTERN
from app.core.schema import CustomFieldType
from app.sandbox import Sandbox, SandboxConfig

FAST_RETRY = RetryPolicy(max_attempts=8, max_total_seconds=30, base_seconds=0.01, max_wait_seconds=0.05)
NO_LIMITS = Limits(None, None, None)


def make_client(sb: Any, **kw: Any) -> XmlRpcClient:
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("limits", NO_LIMITS)
    return XmlRpcClient(sb.url, sb.key, **kw)


@pytest.fixture
def client(sandbox: Any) -> Iterator[XmlRpcClient]:
    with make_client(sandbox) as c:
        yield c


@pytest.fixture
def demo_client(demo_sandbox: Any) -> Iterator[XmlRpcClient]:
    with make_client(demo_sandbox) as c:
        yield c


def test_pages_through_every_contact(demo_client: XmlRpcClient) -> None:
    total = q.count(demo_client, "Contact", {"Id": "%"})
    rows = q.query_all(demo_client, "Contact", {"Id": "%"}, ["Id", "FirstName"])
    assert total > 1000 and len(rows) == total
    ids = [r["Id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == total


def test_wrong_case_field_names_are_corrected_before_sending(demo_client: XmlRpcClient) -> None:
    rows = demo_client.call("DataService.query", "contact", 5, 0, {"firstname": "%"}, ["id", "companyid"])
    assert isinstance(rows, list) and rows
    assert all("Id" in r for r in rows)


def test_unknown_field_is_refused_without_a_call(demo_client: XmlRpcClient) -> None:
    before = demo_client.stats.total_attempts
    with pytest.raises(e.InvalidFieldError, match="FirstName"):
        demo_client.call("DataService.query", "Contact", 5, 0, {"FirstNam": "%"}, ["Id"])
    assert demo_client.stats.total_attempts == before


def test_custom_fields_by_label_and_ssn_locked(demo_client: XmlRpcClient) -> None:
    fields = demo_client.load_custom_fields()
    contact_fields = [f for f in fields if f.table == "Contact"]
    assert len(contact_fields) >= 10
    ssn = next(f for f in contact_fields if f.data_type is CustomFieldType.SSN)
    with pytest.raises(LockedFieldError):
        demo_client.call("ContactService.load", 1, ["Id", ssn.api_name])
    text_field = next(f for f in contact_fields if f.data_type is CustomFieldType.TEXT)
    rows = demo_client.call("DataService.query", "Contact", 3, 0, {"Id": "%"},
                            ["Id", text_field.api_name.lower()])
    assert isinstance(rows, list)


def test_blank_means_null_or_empty(demo_client: XmlRpcClient) -> None:
    nulls = q.count(demo_client, "Contact", {"Phone1": q.NULL})
    empties = q.count(demo_client, "Contact", {"Phone1": ""})
    assert nulls > 0 and empties > 0, "the demo data must hold both kinds of blank"
    blank = q.query_blank(demo_client, "Contact", "Phone1", ["Id"])
    assert len(blank) == nulls + empties


def test_dates_come_back_aware_in_eastern_time(demo_client: XmlRpcClient) -> None:
    rows = demo_client.call("DataService.query", "Contact", 20, 0, {"Id": "%"}, ["Id", "DateCreated"])
    assert isinstance(rows, list)
    stamps = [r["DateCreated"] for r in rows if "DateCreated" in r]
    assert stamps and all(isinstance(s, datetime) and s.tzinfo is EASTERN for s in stamps)


def test_date_range_query(demo_client: XmlRpcClient) -> None:
    since = datetime(2024, 1, 1, tzinfo=EASTERN)
    newer = q.count(demo_client, "Contact", {"DateCreated": q.compare(">=", since)})
    older = q.count(demo_client, "Contact", {"DateCreated": q.compare("<", since)})
    total = q.count(demo_client, "Contact", {"Id": "%"})
    assert newer + older == total and newer > 0 and older > 0


def test_text_outside_latin1_is_a_collation_fault(client: XmlRpcClient) -> None:
    with pytest.raises(e.CollationFault):
        client.call("ContactService.add", {"FirstName": "Jūratė", "Email": "jurate@example.lt"})


def test_invalid_characters_in_replies_are_removed(sandbox: Any, client: XmlRpcClient) -> None:
    sandbox.set_faults("badchars=1.0", seed=3)
    rows = client.call("DataService.query", "Contact", 200, 0, {"Id": "%"}, ["Id", "FirstName", "City"])
    assert isinstance(rows, list) and len(rows) == 200
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value)
                assert "&#" not in value
    assert sandbox.stats()["faults"].get("badchars", 0) > 0


def test_stored_control_characters_do_not_break_a_full_scan(demo_client: XmlRpcClient) -> None:
    fields = ["Id", "StreetAddress1", "StreetAddress2", "City", "Company", "ContactNotes"]
    rows = q.query_all(demo_client, "Contact", {"Id": "%"}, fields)
    assert rows


@pytest.mark.parametrize("kind", ["empty", "session", "drop_before", "drop_after", "throttle", "http503",
                                  "http429", "cancelled"])
def test_reads_survive_each_transient_fault(sandbox: Any, client: XmlRpcClient, kind: str) -> None:
    sandbox.set_faults(f"{kind}=0.4", seed=11)
    for page in range(6):
        rows = client.call("DataService.query", "Contact", 100, page, {"Id": "%"}, ["Id"], "Id", True)
        assert isinstance(rows, list) and len(rows) == 100
    assert sandbox.stats()["faults"].get(kind, 0) > 0
    assert client.stats.retries > 0


@pytest.mark.parametrize("kind", ["empty", "drop_before", "drop_after", "http503"])
def test_a_create_is_never_sent_twice(sandbox: Any, client: XmlRpcClient, kind: str) -> None:
    sandbox.set_faults(f"{kind}=1.0", seed=1)
    before = sandbox.stats()["calls"].get("ContactService.add", 0)
    with pytest.raises(e.OutcomeUnknownError) as info:
        client.call("ContactService.add", {"FirstName": "Once", "Email": f"once-{kind}@example.com"})
    assert info.value.cause is not None
    assert sandbox.stats()["calls"].get("ContactService.add", 0) == before + 1
    sandbox.set_faults("")
    found = client.call("ContactService.findByEmail", f"once-{kind}@example.com", ["Id"])
    assert len(found) == (1 if kind == "drop_after" else 0)  # type: ignore[arg-type]


def test_updates_are_retried_and_applied_once(sandbox: Any, client: XmlRpcClient) -> None:
    ids = [r["Id"] for r in sandbox.store.rows("Contact", fields=["Id"])[:7]]
    sandbox.set_faults("drop_after=0.5,empty=0.2", seed=5)
    for n, cid in enumerate(ids):
        client.call("ContactService.update", cid, {"City": f"Town {n}"})
    sandbox.set_faults("")
    for n, cid in enumerate(ids):
        row = client.call("ContactService.load", cid, ["City"])
        assert row == {"City": f"Town {n}"}
    assert client.stats.retries > 0


def test_wrong_key_is_an_auth_error_and_not_retried(sandbox: Any) -> None:
    with XmlRpcClient(sandbox.url, "KeapAK-wrong-key-000000", retry=FAST_RETRY, limits=NO_LIMITS) as c:
        with pytest.raises(e.AuthError) as info:
            c.call("DataService.count", "Contact", {"Id": "%"})
        assert c.stats.total_attempts == 1
        assert "wrong-key" not in str(info.value)


def test_legacy_and_oauth_modes(demo_sandbox: Any) -> None:
    with XmlRpcClient(demo_sandbox.legacy_url, demo_sandbox.key, limits=NO_LIMITS) as legacy:
        assert legacy.auth_mode.value == "legacy"
        assert legacy.call("DataService.count", "ContactGroup", {"Id": "%"}) == 60
    with XmlRpcClient(demo_sandbox.url, demo_sandbox.key, auth_mode="oauth", limits=NO_LIMITS) as oauth:
        assert oauth.call("DataService.count", "ContactGroup", {"Id": "%"}) == 60


def test_untrusted_certificate_is_refused_and_a_ca_bundle_fixes_it() -> None:
    with Sandbox(SandboxConfig(seed="empty", tls=True)) as sb:
        assert sb.url.startswith("https://")
        with XmlRpcClient(sb.url, sb.key, retry=FAST_RETRY, limits=NO_LIMITS) as c:
            with pytest.raises(e.TlsError, match="CA bundle"):
                c.echo("hi")
            assert c.stats.total_attempts == 1
        with XmlRpcClient(sb.url, sb.key, ca_bundle=sb.ca_path, limits=NO_LIMITS) as c:
            assert c.echo("hi") == "hi"


def test_client_rate_limit_keeps_under_the_server_quota() -> None:
    with Sandbox(SandboxConfig(seed="empty", quota="pat", quota_scale=0.5)) as sb:
        limits = Limits.for_mode("pat").scaled(0.5)
        with XmlRpcClient(sb.url, sb.key, limits=limits, retry=FAST_RETRY) as c:
            for _ in range(12):
                c.call("DataService.count", "Contact", {"Id": "%"})
        stats = sb.stats()
        assert stats["faults"].get("http429", 0) == 0
        assert stats["calls"]["DataService.count"] == 12


def test_http_429_is_honoured_and_retried(sandbox: Any) -> None:
    sandbox.set_faults("http429=0.5", seed=2)
    with make_client(sandbox) as c:
        for _ in range(5):
            c.call("DataService.count", "Contact", {"Id": "%"})
        assert c.stats.errors["HttpThrottledError"] > 0


def test_cancel_stops_retries_promptly(sandbox: Any) -> None:
    sandbox.set_faults("empty=1.0")
    slow_retry = RetryPolicy(max_attempts=50, max_total_seconds=120, base_seconds=1.0, max_wait_seconds=5)
    token = CancelToken()
    with make_client(sandbox, retry=slow_retry) as c:
        result: list[BaseException] = []

        def work() -> None:
            try:
                c.call("DataService.count", "Contact", {"Id": "%"}, cancel=token)
            except BaseException as exc:
                result.append(exc)

        t = threading.Thread(target=work)
        t.start()
        deadline = time.monotonic() + 10
        while c.stats.total_attempts < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        token.cancel()
        t.join(timeout=5)
        assert not t.is_alive()
        assert isinstance(result[0], e.CancelledError)


def test_connection_refused_is_a_connect_error_retried(sandbox: Any) -> None:
    url = sandbox.url
    sandbox.stop()
    retry = RetryPolicy(max_attempts=3, max_total_seconds=5, base_seconds=0.01, max_wait_seconds=0.02)
    with XmlRpcClient(url, sandbox.key, retry=retry, limits=NO_LIMITS) as c:
        with pytest.raises(e.ConnectError):
            c.call("ContactService.add", {"FirstName": "Never"})
        assert c.stats.total_attempts == 3  # even a create: it never reached the server


def test_key_is_never_in_a_request_body_in_header_mode(demo_client: XmlRpcClient) -> None:
    from app.api.xmlrpc.client import PLACEHOLDER_KEY

    params = demo_client._with_key("DataService.count", ["Contact", {"Id": "%"}])
    assert params[0] == PLACEHOLDER_KEY
    assert "XmlRpcClient(" in repr(demo_client) and demo_client._key not in repr(demo_client)
