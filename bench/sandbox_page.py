"""Benchmark: how fast the sandbox serves one full page of contacts, and how fast it seeds.

Run: ``.venv/bin/python bench/sandbox_page.py [--reps 40] [--skip-100k]``

Starts a sandbox with 5,000 plain contacts and times ``DataService.query`` for one
1,000-row, 20-field Contact page over loopback HTTP: request parsing, the SQL query,
XML serialisation and transfer (raw ``http.client`` POST, the number the target is
about), plus the same call through ``xmlrpc.client.ServerProxy`` (adds the client's
XML parsing; informational), and one 1,000-contact REST v2 page (``GET
/crm/rest/v2/contacts?page_size=1000`` with Keap's default properties, raw ``http.client``:
routing, SQL, mapping to REST JSON, serialisation; rendered afresh each time, and, informational,
as the sandbox answers it again, from the contacts' kept JSON). Targets: each median <= 100 ms. Then
times building
``seed=100000`` (target: under a minute). Not a test: prints numbers and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import time
import xmlrpc.client
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.rest.contact_cache import rendered_contacts

TARGET_MEDIAN_MS = 100.0
TARGET_SEED_S = 60.0
FIELDS = [
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "EmailAddress2",
    "Phone1",
    "Phone1Type",
    "StreetAddress1",
    "City",
    "State",
    "PostalCode",
    "Country",
    "JobTitle",
    "ContactType",
    "Company",
    "OwnerID",
    "Groups",
    "DateCreated",
    "LastUpdated",
    "CreatedBy",
]


class HeaderTransport(xmlrpc.client.Transport):
    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def send_headers(self, connection: Any, headers: Any) -> None:
        super().send_headers(connection, headers)
        connection.putheader("X-Keap-API-Key", self.key)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def time_raw(sb: Sandbox, reps: int) -> tuple[list[float], int]:
    body = xmlrpc.client.dumps(
        ("x", "Contact", 1000, 0, {"Id": "%"}, FIELDS, "Id", True), "DataService.query"
    )
    payload = body.encode("utf-8")
    parts = urlsplit(sb.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Content-Type": "text/xml", "X-Keap-API-Key": sb.key}
    times: list[float] = []
    size = 0
    try:
        for i in range(reps + 3):
            started = time.perf_counter()
            conn.request("POST", "/crm/xmlrpc/v1", payload, headers)
            resp = conn.getresponse()
            data = resp.read()
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status != 200 or b"<fault>" in data:
                raise SystemExit(f"unexpected reply: {resp.status} {data[:200]!r}")
            size = len(data)
            if i >= 3:  # warm-up
                times.append(elapsed)
    finally:
        conn.close()
    return times, size


def time_proxy(sb: Sandbox, reps: int) -> tuple[list[float], int]:
    times: list[float] = []
    rows = 0
    with xmlrpc.client.ServerProxy(sb.url, transport=HeaderTransport(sb.key)) as proxy:
        for i in range(reps + 3):
            started = time.perf_counter()
            page = proxy.DataService.query("x", "Contact", 1000, 0, {"Id": "%"}, FIELDS, "Id", True)
            elapsed = (time.perf_counter() - started) * 1000
            rows = len(page)  # type: ignore[arg-type]
            if i >= 3:
                times.append(elapsed)
    return times, rows


def time_rest(sb: Sandbox, reps: int, kept: bool) -> tuple[list[float], int, int]:
    """The REST page; ``kept``: as the sandbox answers it again (each contact's JSON kept since
    its first rendering, app/sandbox/rest/contact_cache.py), else rendered afresh every time."""
    parts = urlsplit(sb.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"X-Keap-API-Key": sb.key}
    times: list[float] = []
    size = rows = 0
    try:
        for i in range(reps + 3):
            if not kept:
                with sb.store.lock:
                    rendered_contacts(sb.store).forget()
            started = time.perf_counter()
            conn.request("GET", "/crm/rest/v2/contacts?page_size=1000&order_by=id%20asc", headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status != 200:
                raise SystemExit(f"unexpected reply: {resp.status} {data[:200]!r}")
            size = len(data)
            if i >= 3:
                times.append(elapsed)
        rows = len(json.loads(data)["contacts"])
    finally:
        conn.close()
    return times, size, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=40, help="timed repetitions (default 40, min 30)")
    parser.add_argument("--skip-100k", action="store_true", help="do not time the 100,000-contact seed")
    args = parser.parse_args()
    reps = max(30, args.reps)

    started = time.perf_counter()
    with Sandbox(SandboxConfig(seed=5000)) as sb:
        print(f"seed=5000 built and started in {(time.perf_counter() - started) * 1000:.0f} ms")
        raw, size = time_raw(sb, reps)
        via_proxy, rows = time_proxy(sb, reps)
        rest, rest_size, rest_rows = time_rest(sb, reps, kept=False)
        rest_kept, _, _ = time_rest(sb, reps, kept=True)
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}")
    raw_median = statistics.median(raw)
    print(f"page: 1000 rows x {len(FIELDS)} fields, {size / 1024:.0f} KiB of XML, {reps} repetitions")
    print(
        f"raw HTTP POST   median {raw_median:6.1f} ms   p95 {percentile(raw, 95):6.1f} ms   "
        f"min {min(raw):6.1f} ms"
    )
    print(
        f"ServerProxy     median {statistics.median(via_proxy):6.1f} ms   "
        f"p95 {percentile(via_proxy, 95):6.1f} ms   ({rows} rows parsed by the client; informational)"
    )
    rest_median = statistics.median(rest)
    print(
        f"REST v2 GET     median {rest_median:6.1f} ms   p95 {percentile(rest, 95):6.1f} ms   "
        f"min {min(rest):6.1f} ms   ({rest_rows} contacts, {rest_size / 1024:.0f} KiB of JSON, "
        "rendered afresh)"
    )
    print(
        f"REST v2 again   median {statistics.median(rest_kept):6.1f} ms   "
        f"p95 {percentile(rest_kept, 95):6.1f} ms   (the same page, each contact's JSON kept since its "
        "first rendering; informational)"
    )
    ok = raw_median <= TARGET_MEDIAN_MS
    print(
        f"{'PASS' if ok else 'FAIL'}: XML-RPC median {raw_median:.1f} ms "
        f"vs target <= {TARGET_MEDIAN_MS:.0f} ms"
    )
    rest_ok = rest_median <= TARGET_MEDIAN_MS and rest_rows == 1000
    ok = ok and rest_ok
    print(
        f"{'PASS' if rest_ok else 'FAIL'}: REST median {rest_median:.1f} ms "
        f"vs target <= {TARGET_MEDIAN_MS:.0f} ms"
    )

    if not args.skip_100k:
        started = time.perf_counter()
        big = Sandbox(SandboxConfig(seed=100_000))
        seconds = time.perf_counter() - started
        contacts = big.store.count("Contact")
        big.stop()
        seed_ok = seconds < TARGET_SEED_S
        ok = ok and seed_ok
        print(
            f"{'PASS' if seed_ok else 'FAIL'}: seed=100000 built {contacts} contacts in {seconds:.1f} s "
            f"(target < {TARGET_SEED_S:.0f} s)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
