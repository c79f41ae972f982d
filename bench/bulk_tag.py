"""Benchmark: apply one tag to 5,000 contacts, half of whom already have it (issue 5).

Targets: at most 2,500 changes plus the paged reads of the dry run (never one call per
contact to learn who has the tag); throughput of at least 90% of what the key's quota
allows; no HTTP 429. The sandbox answers after 50 ms and enforces the personal-key
quota (10/s, 240/min, 30,000/day) scaled by ``--scale`` so the run is short; the
client's limiter uses the same scaled limits. "What the quota allows" is the shortest
time a perfect client could make the calls from fresh windows: the k-th call cannot
start before ``k // per_second`` seconds nor before ``60 * (k // per_minute)``.

The sandbox runs in a child process, as Keap runs on another machine (in-process its
XML work would compete with the client for the GIL). Run:
``.venv/bin/python bench/bulk_tag.py [--scale 10] [--workers 8]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CONTACTS = 5000
LATENCY_MS = 50


def serve(conn: Connection, scale: float) -> None:
    """The child: a sandbox with a "Bench" tag on every other contact; answers "stats"."""
    from app.sandbox import Sandbox, SandboxConfig

    config = SandboxConfig(seed=CONTACTS, latency_ms=LATENCY_MS, quota="pat", quota_scale=scale)
    with Sandbox(config) as sb:
        store = sb.store
        with store.tx():
            tag = store.insert("ContactGroup", {"GroupName": "Bench", "GroupCategoryId": 0})
            ids = [int(r["Id"]) for r in store.rows("Contact", fields=["Id"])]
            store.insert_many("ContactGroupAssign", ("ContactId", "GroupId", "ContactGroup", "DateCreated"),
                              [(c, tag, "Bench", "2024-01-02 03:04:05") for c in ids[::2]])
        conn.send((sb.url, sb.key, tag, len(ids)))
        while True:
            command = conn.recv()
            if command == "stats":
                stats = sb.stats()
                stats["has_tag"] = store.count("ContactGroupAssign", {"GroupId": tag})
                conn.send(stats)
            else:
                break


def ideal_seconds(calls: int, per_second: int | None, per_minute: int | None) -> float:
    """The shortest time ``calls`` calls can take under sliding per-second and per-minute windows."""
    if calls <= 0:
        return 0.0
    k = calls - 1
    bounds = [0.0]
    if per_second:
        bounds.append(float(k // per_second))
    if per_minute:
        bounds.append(60.0 * (k // per_minute))
    return max(bounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="quota scale for sandbox and client")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)

    from app.api.xmlrpc import query as q
    from app.api.xmlrpc.client import XmlRpcClient
    from app.api.xmlrpc.ratelimit import Limits
    from app.core.cancel import Cancellable, CancelToken
    from app.jobs import Scope, plan_bulk, run
    from app.services.tags import make_tags_service

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=serve, args=(child, args.scale), daemon=True)
    proc.start()
    url, key, tag, contacts = parent.recv()

    def stats() -> dict[str, Any]:
        parent.send("stats")
        result: dict[str, Any] = parent.recv()
        return result

    limits = Limits.for_mode("pat").scaled(args.scale)
    client = XmlRpcClient(url, key, limits=limits)
    service = make_tags_service(client)
    print(f"{contacts:,} contacts, half tagged; latency {LATENCY_MS} ms; quota pat x{args.scale:g} "
          f"({limits.per_second}/s, {limits.per_minute}/min, {limits.per_day:,}/day); {args.workers} workers")
    try:
        t0 = time.monotonic()
        all_ids: list[int] = []

        def scope_ids(cancel: Cancellable) -> list[int]:
            """Every contact, as the contacts search would yield them (paged reads)."""
            for page in q.iter_pages(client, "Contact", {"Id": "%"}, ["Id"], cancel=cancel):
                all_ids.extend(int(r["Id"]) for r in page)
            return all_ids

        plan = plan_bulk(service, Scope.matching(scope_ids, "every contact"), [tag], "apply")
        planned = time.monotonic() - t0
        reads = stats()["total_calls"]
        print(f"dry run: {planned:.1f} s, {reads} read calls; {plan.calls:,} changes, "
              f"{len(plan.skipped):,} already tagged; estimate {plan.estimated_seconds:.0f} s")
        t1 = time.monotonic()
        report = run(plan, CancelToken(), workers=args.workers)
        elapsed = time.monotonic() - t1
        after = stats()
    finally:
        parent.send("stop")
        proc.join(10)
        client.close()

    add_calls = after["calls"].get("ContactService.addToGroup", 0)
    total = after["total_calls"]
    rejected = sum(after["quota"]["rejected"].values())
    http429 = client.stats.errors.get("HttpThrottledError", 0)
    ideal = ideal_seconds(add_calls, limits.per_second, limits.per_minute)
    share = ideal / elapsed if elapsed > 0 else 0.0
    print(f"run: {elapsed:.1f} s for {add_calls:,} addToGroup calls "
          f"({add_calls / elapsed:.1f}/s); quota allows {ideal:.1f} s -> {share:.0%} of the quota")
    print(f"report: {report.summary()}")
    print(f"calls made: {total:,} ({add_calls:,} changes + {total - add_calls} reads); "
          f"429 replies: {rejected} (client saw {http429}); contacts with the tag now: {after['has_tag']:,}")
    checks = {
        "calls <= 2,500 changes + paged reads": add_calls <= 2500 and total - add_calls <= 12,
        "throughput >= 90% of quota": share >= 0.90,
        "no 429": rejected == 0 and http429 == 0,
        "every contact tagged": after["has_tag"] == contacts and report.complete,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
