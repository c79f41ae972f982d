"""Side endpoints (stats, reset, faults), product images, loopback-only access and persistence."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest
from sandbox_helpers import fault_of, proxy, raw_get, raw_post

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.xmlrpc_server import is_loopback


def test_stats_json(empty: Sandbox) -> None:
    with proxy(empty) as p:
        p.DataService.echo("a")
        p.ContactService.add("x", {"FirstName": "S"})
        fault_of(p.DataService.count, "x", "Nope", {})
    status, headers, body = raw_get(empty, "/_sandbox/stats")
    assert status == 200 and headers["content-type"] == "application/json"
    stats = json.loads(body)
    assert stats == empty.stats()
    assert set(stats) >= {"calls", "applied", "faults", "quota", "rows", "total_calls"}
    assert stats["calls"] == {"DataService.echo": 1, "ContactService.add": 1, "DataService.count": 1}
    assert stats["applied"] == {"DataService.echo": 1, "ContactService.add": 1}
    assert stats["total_calls"] == 3 and stats["faults"] == {}
    assert stats["rows"]["Contact"] == 1 and stats["rows"]["User"] == 1
    assert stats["quota"]["mode"] == "off"


def test_reset_reseeds_and_zeroes(fresh: Sandbox) -> None:
    before = fresh.store.table_counts()
    with proxy(fresh) as p:
        p.ContactService.add("x", {"FirstName": "Gone"})
    assert fresh.store.count("Contact") == before["Contact"] + 1
    status, _, body = raw_post(fresh, "/_sandbox/reset", b"")
    assert status == 200 and json.loads(body) == {"ok": True}
    assert fresh.store.table_counts() == before
    assert fresh.stats()["total_calls"] == 0
    fresh.reset()
    assert fresh.store.table_counts() == before
    with proxy(fresh) as p:  # custom fields still work after a re-seed
        assert p.DataService.query("x", "Contact", 1, 0, {}, ["_LeadScore", "Id"])


def test_product_images_have_no_content_type(demo: Sandbox) -> None:
    products = demo.store.rows("Product", fields=["Id", "LargeImage"])
    with_image = [p for p in products if p["LargeImage"]]
    without = [p for p in products if not p["LargeImage"]]
    assert len(with_image) == 4 and without
    status, headers, body = raw_get(demo, f"/cart/productImage?id={with_image[0]['Id']}")
    assert status == 200 and "content-type" not in headers
    assert body == with_image[0]["LargeImage"] and body[:3] == b"\xff\xd8\xff"
    assert raw_get(demo, f"/cart/productImage?id={without[0]['Id']}")[0] == 404
    assert raw_get(demo, "/cart/productImage?id=abc")[0] == 404


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.2") and not is_loopback("::ffff:10.0.0.1")


def test_remote_host_needs_allow_remote() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        Sandbox(SandboxConfig(seed="empty", host="0.0.0.0"))


def _outward_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 9))  # no packet is sent for a UDP connect
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if is_loopback(address) else address


def test_side_endpoints_refuse_non_loopback_clients() -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with Sandbox(SandboxConfig(seed="empty", host="0.0.0.0", allow_remote=True)) as sb:
        port = int(sb.base_url.rsplit(":", 1)[1])
        for method, path in (
            ("GET", "/_sandbox/stats"),
            ("POST", "/_sandbox/reset"),
            ("POST", "/_sandbox/faults"),
        ):
            conn = http.client.HTTPConnection(address, port, timeout=10)
            try:
                conn.request(method, path, b"" if method == "POST" else None)
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 403, path
            finally:
                conn.close()


def test_a_database_file_is_seeded_once_and_reused(tmp_path: Path) -> None:
    db = tmp_path / "account.sqlite"
    with Sandbox(SandboxConfig(seed="demo", db_path=db)) as sb, proxy(sb) as p:
        key = sb.key
        cid = p.ContactService.add("x", {"FirstName": "Persisted"})
        contacts = sb.store.count("Contact")
    with Sandbox(SandboxConfig(seed="demo", db_path=db)) as sb, proxy(sb) as p:
        assert sb.key == key  # the stored key is reused when none is given
        assert sb.store.count("Contact") == contacts
        assert p.ContactService.load("x", cid, ["FirstName"]) == {"FirstName": "Persisted"}
        new_id = p.ContactService.add("x", {"FirstName": "Second run"})
        assert new_id != cid and sb.store.count("Contact", {"Id": new_id}) == 1
        assert p.DataService.query("x", "Contact", 1, 0, {"_LeadScore": "~>~ 1"}, ["_LeadScore"])
