"""REST v2 gateway behaviour: keys, quotas shared with XML-RPC, headers, faults, routing, stats."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from rest_helpers import Rest
from sandbox_helpers import raw_call

from app.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed="empty")) as box:
        yield box


def _contact(box: Sandbox, name: str) -> dict[str, Any]:
    return {
        "given_name": name,
        "email_addresses": [{"email": f"{name.lower()}@example.com", "field": "EMAIL1"}],
    }


def _raw(
    box: Sandbox, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int | None, dict[str, str], bytes]:
    """One request on its own connection; (None, {}, b"") when the server drops it."""
    parts = urlsplit(box.rest_host)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request(
            method,
            "/crm/rest/v2" + path,
            body=body,
            headers={"X-Keap-API-Key": box.key, "Content-Type": "application/json", **(headers or {})},
        )
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return None, {}, b""
    finally:
        conn.close()


def test_no_key_and_a_wrong_key_get_the_gateway_fault(sb: Sandbox) -> None:
    for key, code in (
        (None, "steps.oauth.v2.FailedToResolveAPIKey"),
        ("KeapAK-wrong", "oauth.v2.InvalidAccessToken"),
    ):
        rest = Rest(sb, key="")
        if key is None:
            rest.session.headers.pop("X-Keap-API-Key")
        else:
            rest.session.headers["X-Keap-API-Key"] = key
        r = rest.get("/contacts")
        assert r.status_code == 401
        fault = r.json()["fault"]
        assert fault["detail"]["errorcode"] == code and fault["faultstring"]
        assert r.headers["x-keap-product-quota-available"] == ""  # names present, values empty
        rest.close()
    assert sb.store.count("Contact") == 0


def test_bearer_key_works_like_the_header(sb: Sandbox) -> None:
    rest = Rest(sb)
    rest.session.headers.pop("X-Keap-API-Key")
    rest.session.headers["Authorization"] = f"Bearer {sb.key}"
    assert rest.get("/contacts").status_code == 200
    rest.close()


def test_unknown_paths_and_verbs_answer_in_the_error_shape(sb: Sandbox) -> None:
    rest = Rest(sb)
    for method, path, status in (
        ("GET", "/nothing/here", 404),
        ("DELETE", "/contacts:merge", 405),
        ("PUT", "/contacts", 405),
        ("GET", "/contacts/abc", 400),
        ("GET", "/contacts/123456", 404),
    ):
        r = rest.call(method, path)
        assert r.status_code == status, (method, path)
        body = r.json()
        assert set(body) == {"code", "message", "status", "details"} and body["code"] == status
    r = rest.call("POST", "/contacts", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    rest.close()


def test_every_reply_carries_product_and_tenant_quota_headers() -> None:
    with Sandbox(SandboxConfig(seed="empty", quota="pat")) as box:
        status, headers, _ = _raw(box, "GET", "/contacts")
        assert status == 200
        assert (
            headers["x-keap-product-quota-limit"] == "30000" and headers["x-keap-product-quota-used"] == "1"
        )
        assert headers["x-keap-product-throttle-limit"] == "240"
        assert headers["x-keap-tenant-throttle-limit"] == "10000|250000"
        assert headers["x-keap-tenant-throttle-time-unit"] == "minute|day"
        minute, day = (int(v) for v in headers["x-keap-tenant-throttle-available"].split("|"))
        assert minute == 9999 and day == 249999


def test_one_budget_for_both_protocols_and_retry_after_only_sometimes() -> None:
    with Sandbox(SandboxConfig(seed="empty", quota="pat", quota_scale=0.001)) as box:
        assert raw_call(box, "DataService.count", "Contact", {})[0] == 200  # spends the 1/s budget
        refusals = [_raw(box, "GET", "/contacts") for _ in range(4)]
        assert [s for s, _, _ in refusals] == [429] * 4
        assert json.loads(refusals[0][2])["message"] == "Quota Exceeded"
        with_retry_after = ["retry-after" in h for _, h, _ in refusals]
        assert any(with_retry_after) and not all(with_retry_after)
        assert box.stats()["protocols"] == {"xmlrpc": 1, "rest": 4}


@pytest.mark.parametrize(
    ("kind", "status", "applied"),
    [
        ("empty", 200, False),
        ("http502", 502, False),
        ("http503", 503, False),
        ("http429", 429, False),
        ("drop_before", None, False),
        ("drop_after", None, True),
    ],
)
def test_faults_on_a_create(sb: Sandbox, kind: str, status: int | None, applied: bool) -> None:
    sb.set_faults(f"{kind}=1")
    got, headers, body = _raw(sb, "POST", "/contacts", json.dumps(_contact(sb, "Faulty")).encode())
    assert got == status
    if kind.startswith("http50"):
        assert headers["content-type"] == "text/html" and body.startswith(b"<html>")
    if kind == "empty":
        assert body == b""
    if kind == "http429":
        assert headers["retry-after"] == "1"
    assert sb.store.count("Contact", {"FirstName": "Faulty"}) == (1 if applied else 0)
    assert sb.stats()["faults"] == {kind: 1}


def test_xmlrpc_only_faults_do_not_touch_rest_and_the_seed_repeats(sb: Sandbox) -> None:
    sb.set_faults("session=1,throttle=1,badchars=1")
    assert _raw(sb, "GET", "/contacts")[0] == 200

    def run(seed: int) -> list[bool]:
        sb.set_faults("empty=0.5", seed=seed)
        return [bool(_raw(sb, "GET", "/contacts")[2]) for _ in range(12)]

    first = run(3)
    assert first == run(3) and True in first and False in first


def test_slow_and_latency_delay_but_apply(sb: Sandbox) -> None:
    sb.set_faults("slow=1:50")
    assert _raw(sb, "POST", "/contacts", json.dumps(_contact(sb, "Slow")).encode())[0] == 201
    assert sb.stats()["faults"] == {"slow": 1}


def test_stats_count_calls_per_protocol_with_labels_free_of_ids(sb: Sandbox) -> None:
    rest = Rest(sb)
    made = rest.ok("POST", "/contacts", json=_contact(sb, "Label"))
    rest.ok("GET", f"/contacts/{made['id']}")
    rest.call("GET", "/emailAddresses/label@example.com/status")
    stats = sb.stats()
    assert stats["calls"]["POST /rest/v2/contacts"] == 1
    assert stats["calls"]["GET /rest/v2/contacts/{contact_id}"] == 1
    assert not any("@" in name or made["id"] in name for name in stats["calls"])
    assert stats["protocols"]["rest"] == 3 and stats["applied"]["POST /rest/v2/contacts"] == 1
    rest.close()
