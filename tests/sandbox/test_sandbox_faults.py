"""Injected faults: each kind, whether the call was applied, repeatability, and stats."""

from __future__ import annotations

import http.client
import json
import time
import xml.parsers.expat
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_helpers import fault_of, proxy, raw_call, raw_get, raw_post, rpc_body

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.faults import parse_spec

P = Any  # typeshed types every ServerProxy result as a union; tests index them freely


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed="empty")) as box:
        yield box


def add_contact(box: Sandbox, name: str) -> tuple[int, dict[str, str], bytes]:
    return raw_call(box, "ContactService.add", {"FirstName": name})


def added(box: Sandbox, name: str) -> int:
    return box.store.count("Contact", {"FirstName": name})


def test_empty_reply_is_not_applied(sb: Sandbox) -> None:
    sb.set_faults("empty=1")
    status, headers, body = add_contact(sb, "Empty")
    assert (status, body) == (200, b"") and headers["content-type"].startswith("text/xml")
    assert added(sb, "Empty") == 0
    with proxy(sb) as p, pytest.raises(xml.parsers.expat.ExpatError):
        p.DataService.count("x", "Contact", {})
    assert sb.stats()["faults"]["empty"] == 2


def test_session_fault_is_not_applied(sb: Sandbox) -> None:
    sb.set_faults("session=1")
    with proxy(sb) as p:
        fault = fault_of(p.ContactService.add, "x", {"FirstName": "Session"})
    assert fault.faultCode == 0 and "could not create session" in fault.faultString
    assert fault.faultString.startswith(
        "Failed to invoke method add in class com.infusionsoft.api.xmlrpc.XmlRpcContactService: "
    )
    assert added(sb, "Session") == 0


@pytest.mark.parametrize(("kind", "applied"), [("drop_before", 0), ("drop_after", 1)])
def test_dropped_connections(sb: Sandbox, kind: str, applied: int) -> None:
    sb.set_faults(f"{kind}=1")
    with pytest.raises(http.client.RemoteDisconnected):
        add_contact(sb, kind)
    assert added(sb, kind) == applied
    stats = sb.stats()
    assert stats["faults"][kind] == 1 and stats["applied"].get("ContactService.add", 0) == applied


def test_throttle_fault(sb: Sandbox) -> None:
    sb.set_faults("throttle=1")
    with proxy(sb) as p:
        fault = fault_of(p.ContactService.add, "x", {"FirstName": "T"})
    assert fault.faultCode == 500
    assert fault.faultString == (
        "Server encountered exception: com.infusionsoft.throttle.ThrottlingException: "
        "Maximum number of threads throttled"
    )
    assert added(sb, "T") == 0


def test_http_503(sb: Sandbox) -> None:
    sb.set_faults("http503=1")
    status, headers, body = add_contact(sb, "U")
    assert status == 503 and headers["content-type"] == "text/html" and b"<html>" in body
    with proxy(sb) as p, pytest.raises(xmlrpc.client.ProtocolError) as info:
        p.DataService.count("x", "Contact", {})
    assert info.value.errcode == 503
    assert added(sb, "U") == 0


def test_http_429(sb: Sandbox) -> None:
    sb.set_faults("http429=1")
    status, headers, body = add_contact(sb, "Q")
    assert status == 429 and headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "code": "429",
        "message": "Quota Exceeded",
        "status": "Request Throttled",
        "details": None,
    }
    assert int(headers["retry-after"]) >= 1
    for name in ("limit", "time-unit", "interval", "available", "used"):
        assert f"x-keap-product-throttle-{name}" in headers
    assert added(sb, "Q") == 0


def test_badchars_reach_the_bytes_and_strip_back_to_the_value(sb: Sandbox) -> None:
    with proxy(sb) as p:
        cid = p.ContactService.add("x", {"FirstName": "Zoë", "LastName": "Müller"})
    sb.set_faults("badchars=1")
    status, _, body = raw_call(sb, "ContactService.load", cid, ["FirstName", "LastName"])
    assert status == 200 and b"\x0b" in body and b"\x19" in body and b"&#11;" in body
    with proxy(sb) as p, pytest.raises(xml.parsers.expat.ExpatError):
        p.ContactService.load("x", cid, ["FirstName"])
    cleaned = body.replace(b"\x0b", b"").replace(b"\x19", b"").replace(b"&#11;", b"")
    (row,), _ = xmlrpc.client.loads(cleaned)
    assert row == {"FirstName": "Zoë", "LastName": "Müller"}
    assert sb.stats()["faults"]["badchars"] >= 2


def test_slow_delays_the_call(sb: Sandbox) -> None:
    sb.set_faults("slow=1:300")
    started = time.perf_counter()
    with proxy(sb) as p:
        assert p.DataService.echo("slow") == "slow"
    assert time.perf_counter() - started >= 0.3
    assert sb.stats()["faults"]["slow"] == 1


def test_latency_delays_every_call() -> None:
    with Sandbox(SandboxConfig(seed="empty", latency_ms=150)) as box, proxy(box) as p:
        started = time.perf_counter()
        p.DataService.echo("late")
        assert time.perf_counter() - started >= 0.15
        assert box.stats()["faults"] == {}


def test_cancelled_hits_queries_only(sb: Sandbox) -> None:
    sb.set_faults("cancelled=1")
    with proxy(sb) as p:
        fault = fault_of(p.DataService.query, "x", "ContactGroup", 10, 0, {}, ["Id"])
        assert fault.faultString == (
            "Failed to invoke method query in class "
            "com.infusionsoft.api.xmlrpc.XmlRpcDataService: "
            "Statement cancelled due to client request"
        )
        assert p.DataService.count("x", "ContactGroup", {}) == 0
    assert sb.stats()["faults"] == {"cancelled": 1}


def outcomes(box: Sandbox, n: int) -> list[str]:
    out = []
    for i in range(n):
        try:
            status, _, body = add_contact(box, f"R{i}")
            out.append(f"{status}:{len(body) > 0}")
        except http.client.RemoteDisconnected:
            out.append("dropped")
    return out


def test_faults_repeat_with_the_same_seed(sb: Sandbox) -> None:
    spec = "empty=0.2,drop_before=0.1,session=0.1,http503=0.1"
    sb.set_faults(spec, seed=42)
    first = outcomes(sb, 40)
    sb.set_faults(spec, seed=42)
    assert outcomes(sb, 40) == first
    assert len(set(first)) >= 3
    sb.set_faults(spec, seed=43)
    assert outcomes(sb, 40) != first
    sb.set_faults("")
    assert outcomes(sb, 5) == ["200:True"] * 5


def test_adding_a_rule_does_not_move_the_others(sb: Sandbox) -> None:
    sb.set_faults("session=0.3", seed=9)
    alone = outcomes(sb, 30)
    sb.set_faults("slow=0.5:1,session=0.3", seed=9)
    assert outcomes(sb, 30) == alone


def test_faults_from_config_and_seed() -> None:
    config = SandboxConfig(seed="empty", faults="session=0.5", fault_seed=7)
    runs = []
    for _ in range(2):
        with Sandbox(config) as box:
            outcomes(box, 20)
            applied = [box.store.count("Contact", {"FirstName": f"R{i}"}) for i in range(20)]
            assert box.stats()["faults"]["session"] == 20 - sum(applied)
            runs.append(applied)
    assert runs[0] == runs[1] and 0 < sum(runs[0]) < 20


def test_side_endpoints_are_never_faulted(sb: Sandbox) -> None:
    sb.set_faults("drop_before=1,http503=1")
    status, _, body = raw_get(sb, "/_sandbox/stats")
    assert status == 200 and json.loads(body)["fault_spec"] == "drop_before=1,http503=1"
    status, _, body = raw_post(sb, "/_sandbox/faults?seed=3", b"empty=0.5")
    assert status == 200 and json.loads(body) == {"ok": True, "faults": "empty=0.5"}
    status, _, body = raw_post(sb, "/_sandbox/faults", b"nonsense=1")
    assert status == 400 and "nonsense" in json.loads(body)["error"]
    assert raw_post(sb, "/_sandbox/faults", b"")[0] == 200
    assert raw_post(sb, "/api/xmlrpc", rpc_body("DataService.echo", "ok"))[0] == 200


def test_fault_spec_parsing() -> None:
    rules = parse_spec("empty=0.1, drop_after=0.05,slow=0.2:500")
    assert [(r.kind, r.rate, r.ms) for r in rules] == [
        ("empty", 0.1, 0),
        ("drop_after", 0.05, 0),
        ("slow", 0.2, 500),
    ]
    for bad in ("empty", "empty=2", "slow=0.1", "boom=0.1", "empty=x"):
        with pytest.raises(ValueError):
            parse_spec(bad)
    with pytest.raises(ValueError):
        Sandbox(SandboxConfig(seed="empty", faults="boom=1"))
