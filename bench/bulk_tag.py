"""Benchmark: apply one tag to 5,000 contacts, half of whom already have it, over XML-RPC and REST v2.

Both protocols run by default (``--protocol xmlrpc`` or ``rest`` picks one), each against a
fresh sandbox in a child process (as Keap runs on another machine; in-process its work
would compete with the client for the GIL), and the figures are printed side by side.

XML-RPC (issue 5): at most 2,500 ``addToGroup`` calls plus the paged reads of the dry run
(never one call per contact to learn who has the tag); throughput of at least 90% of what
the key's quota allows; no HTTP 429. "What the quota allows" is the shortest time a
perfect client could make the calls from fresh windows: the k-th call cannot start before
``k // per_second`` seconds nor before ``60 * (k // per_minute)``.

REST v2 (issue 11): the 2,500 changes in at most 10 write calls (``:applyTags`` with
``--bulk-size`` contacts each, 500 by default), no HTTP 429, every contact tagged.

The sandbox answers after 50 ms and enforces the personal-key quota (10/s, 240/min,
30,000/day) scaled by ``--scale`` so the run is short; the client's limiter uses the same
scaled limits. Run: ``.venv/bin/python bench/bulk_tag.py [--protocol rest|xmlrpc]
[--scale 10] [--workers 8] [--bulk-size 500]``.
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

from bench.benchkit import ideal_seconds, machine

CONTACTS = 5000
LATENCY_MS = 50
WRITE_LABEL = {"xmlrpc": "ContactService.addToGroup",
               "rest": "POST /rest/v2/tags/{tag_id}/contacts:applyTags"}
NAMES = {"xmlrpc": "XML-RPC", "rest": "REST v2"}


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
        conn.send((sb.url, sb.rest_host, sb.key, tag, len(ids)))
        while True:
            command = conn.recv()
            if command == "stats":
                stats = sb.stats()
                stats["has_tag"] = store.count("ContactGroupAssign", {"GroupId": tag})
                conn.send(stats)
            else:
                break



def bench(protocol: str, args: argparse.Namespace) -> dict[str, Any]:
    """One protocol against its own fresh sandbox: dry run, run, and the figures."""
    from app.api.ratelimit import Limits
    from app.api.rest import RestClient
    from app.api.rest.tag_reads import iter_pages
    from app.api.xmlrpc import query as q
    from app.api.xmlrpc.client import XmlRpcClient
    from app.core.cancel import Cancellable, CancelToken
    from app.jobs import Scope, plan_bulk, run
    from app.services.tags import make_tags_service

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=serve, args=(child, args.scale), daemon=True)
    proc.start()
    url, rest_host, key, tag, contacts = parent.recv()

    def stats() -> dict[str, Any]:
        parent.send("stats")
        result: dict[str, Any] = parent.recv()
        return result

    limits = Limits.for_mode("pat").scaled(args.scale)
    client: XmlRpcClient | RestClient
    if protocol == "rest":
        client = RestClient(rest_host, key, limits=limits)
    else:
        client = XmlRpcClient(url, key, limits=limits)
    service = make_tags_service(client, bulk_size=args.bulk_size)

    def scope_ids(cancel: Cancellable) -> list[int]:
        """Every contact, as the contacts search would yield them (paged reads)."""
        found: list[int] = []
        if isinstance(client, RestClient):
            for page in iter_pages(client, "/rest/v2/contacts", "contacts", {"fields": "id"}, cancel=cancel):
                found.extend(int(i["id"]) for i in page.items)
        else:
            for rows in q.iter_pages(client, "Contact", {"Id": "%"}, ["Id"], cancel=cancel):
                found.extend(int(r["Id"]) for r in rows)
        return found

    try:
        t0 = time.monotonic()
        plan = plan_bulk(service, Scope.matching(scope_ids, "every contact"), [tag], "apply")
        planned = time.monotonic() - t0
        reads = stats()["total_calls"]
        t1 = time.monotonic()
        report = run(plan, CancelToken(), workers=args.workers)
        elapsed = time.monotonic() - t1
        after = stats()
    finally:
        parent.send("stop")
        proc.join(10)
        client.close()

    writes = int(after["calls"].get(WRITE_LABEL[protocol], 0))
    ideal = ideal_seconds(writes, limits.per_second, limits.per_minute)
    return {
        "protocol": protocol, "limits": limits, "contacts": contacts, "dry_run_s": planned, "reads": reads,
        "changes": plan.change_count, "skipped": len(plan.skipped), "planned_calls": plan.calls,
        "estimate_s": plan.estimated_seconds, "bulk_size": plan.bulk_size, "run_s": elapsed, "writes": writes,
        "total": int(after["total_calls"]), "rejected": sum(after["quota"]["rejected"].values()),
        "http429": client.stats.errors.get("HttpThrottledError", 0), "has_tag": int(after["has_tag"]),
        "complete": report.complete, "summary": report.summary(),
        "quota_share": ideal / elapsed if elapsed > 0 else 0.0, "ideal_s": ideal,
    }


def checks(r: dict[str, Any]) -> dict[str, bool]:
    no_429 = r["rejected"] == 0 and r["http429"] == 0
    tagged = r["has_tag"] == r["contacts"] and r["complete"]
    if r["protocol"] == "rest":
        return {"<= 10 write calls for the 2,500 changes": r["writes"] <= 10 and r["changes"] == 2500,
                "no 429": no_429, "every contact tagged": tagged}
    return {"calls <= 2,500 changes + paged reads": r["writes"] <= 2500 and r["total"] - r["writes"] <= 12,
            "throughput >= 90% of quota": r["quota_share"] >= 0.90,
            "no 429": no_429, "every contact tagged": tagged}


def table(results: list[dict[str, Any]]) -> list[str]:
    rows: list[tuple[str, list[str]]] = [
        ("dry run", [f"{r['dry_run_s']:.1f} s, {r['reads']} reads" for r in results]),
        ("changes (already tagged)", [f"{r['changes']:,} ({r['skipped']:,})" for r in results]),
        ("contacts per write call", [f"{r['bulk_size']:,}" for r in results]),
        ("write calls planned / made", [f"{r['planned_calls']:,} / {r['writes']:,}" for r in results]),
        ("estimated at the quota", [f"{r['estimate_s']:.0f} s" for r in results]),
        ("run", [f"{r['run_s']:.1f} s" for r in results]),
        ("quota allows (those calls)",
         [f"{r['ideal_s']:.1f} s ({r['quota_share']:.0%} used)" if r["protocol"] == "xmlrpc" else "-"
          for r in results]),
        ("calls in all", [f"{r['total']:,}" for r in results]),
        ("429 replies (client saw)", [f"{r['rejected']} ({r['http429']})" for r in results]),
        ("contacts with the tag", [f"{r['has_tag']:,} of {r['contacts']:,}" for r in results]),
    ]
    width = max(len(v) for _, vals in rows for v in vals) + 2
    out = [f"{'':28}" + "".join(f"{NAMES[r['protocol']]:>{width}}" for r in results)]
    out += [f"{label:28}" + "".join(f"{v:>{width}}" for v in vals) for label, vals in rows]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=["rest", "xmlrpc", "both"], default="both")
    parser.add_argument("--scale", type=float, default=10.0, help="quota scale for sandbox and client")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--bulk-size", type=int, default=500, help="contacts per REST :applyTags call")
    args = parser.parse_args(argv)

    protocols = ["xmlrpc", "rest"] if args.protocol == "both" else [args.protocol]
    print(machine())
    results = [bench(p, args) for p in protocols]
    lim = results[0]["limits"]
    print(f"{CONTACTS:,} contacts, half tagged; latency {LATENCY_MS} ms; quota pat x{args.scale:g} "
          f"({lim.per_second}/s, {lim.per_minute}/min, {lim.per_day:,}/day); {args.workers} workers")
    print("\n".join(table(results)))
    ok = True
    for r in results:
        print(f"{NAMES[r['protocol']]}: {r['summary']}")
        for name, passed in checks(r).items():
            ok = ok and passed
            print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
