"""Benchmark: import a CSV file of 10,000 rows, a third matching existing contacts, over XML-RPC and REST v2.

Issue 14's target: the import "prints calls, time and share of quota: target >= 90% of the
quota, calls <= rows + paged reads", with no HTTP 429.

Each run starts a fresh sandbox in a child process (as Keap runs on another machine; in-process
its work would compete with the client for the GIL) seeded with ``--contacts`` plain contacts,
so every run imports into the same account. The bench writes a real CSV file to a temporary
folder: ``--rows`` rows, a third of them the e-mails of existing contacts (each with a new
Company, so an update) and the rest new people (e-mail, first and last name, company, city,
a birthday as MM/DD/YYYY), in a shuffled order. It then runs the code path users run:
``read_table`` -> ``ImportService.setup/suggest/dry_run(on_match="overwrite")`` ->
``ImportJobs.start/run`` (journaled, ``--workers`` threads), all calls through the client's
rate limiter.

Calls are counted by the sandbox (``stats()`` in the child, asked over a pipe), phase by phase:
set-up reads (custom fields, users), the dry run's reads (the paged pass over the account),
the job's calls (split into writes and reads). "Share of the quota" is as in bulk_tag.py: the
shortest time the quota allows for the calls the job made (the k-th call cannot start
before ``k // per_second`` seconds nor before ``60 * (k // per_minute)``), divided by the
job's elapsed time.

The strongest simple alternative runs in the same invocation, on its own fresh sandbox: a
script that looks each row up by e-mail (one ``find_contacts_by_email`` call per row) and
then creates or updates it, with the same worker count, the same limiter and the same checked
values (so only the matching differs, and it has no journal to keep).

The sandbox answers after 50 ms and enforces the personal-key quota (10/s, 240/min,
30,000/day) scaled by ``--scale``; the client's limiter uses the same scaled limits. At the
default x40 (400/s, 9,600/min) the job's ~10,000 calls are a little more than one minute's
allowance, so the quota allows 60 s: like a real import with a personal key (240 a minute,
~42 minutes for 10,000 rows) it is bound by the minute window, and the share says whether the
client spends each minute's allowance before the minute is over (>= 160 calls/s here) and
resumes as soon as the window frees. 16 workers at 50 ms and x40 correspond to the app's
4 workers at 500 ms against the real quota. With fewer ``--rows`` the calls fit in one minute's
allowance and the per-second limit (400/s) binds instead: that measures the client's raw
throughput, not the target's regime. A default run takes about 12-14 minutes: six imports of
about 60 s each (bound by the quota) and two look-up scripts of about 125 s (twice the calls);
``--runs 1 --naive-runs 0`` takes about 2.5 minutes. Run: ``.venv/bin/python bench/import_csv.py
[--protocol rest|xmlrpc|both] [--runs 3] [--naive-runs 1] [--scale 40] [--workers 16]
[--rows 10000] [--contacts 6000]``.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import ideal_seconds, machine

LATENCY_MS = 50
NAMES = {"xmlrpc": "XML-RPC", "rest": "REST v2"}
#: The sandbox's labels of the calls that write a contact (all others read).
WRITE_LABELS = {"xmlrpc": ("ContactService.add", "DataService.update", "ContactService.update"),
                "rest": ("POST /rest/v2/contacts", "PATCH /rest/v2/contacts/{contact_id}")}
HEADERS = ["Email", "First Name", "Last Name", "Company", "City", "Birthday"]
#: The reads beyond the paged pass, per protocol: what the import needs before it can map and
#: match (custom-field definitions, users) and, over XML-RPC, the count the paged pass starts with.
SETUP_READS = {"xmlrpc": "DataService.query on DataFormField (custom fields), DataService.query on User "
                         "(users), DataService.count (the paged pass's total)",
               "rest": "GET /rest/v2/contacts/model (custom fields), GET /rest/v2/users (users)"}
SETUP_COUNT = {"xmlrpc": 3, "rest": 2}


# -- the sandbox child --------------------------------------------------------------------------------


def serve(conn: Connection, contacts: int, matched: int, scale: float) -> None:
    """The child: a freshly seeded sandbox; sends its address and ``matched`` existing contacts
    with an e-mail no other contact has, then answers "stats" until told to stop."""
    from app.sandbox import Sandbox, SandboxConfig

    config = SandboxConfig(seed=contacts, latency_ms=LATENCY_MS, quota="pat", quota_scale=scale)
    with Sandbox(config) as sb:
        rows = sb.store.rows("Contact", fields=["Id", "Email", "FirstName", "LastName", "Company", "City"])
        seen: dict[str, int] = {}
        for r in rows:
            key = str(r.get("Email") or "").strip().casefold()
            seen[key] = seen.get(key, 0) + 1
        unique = [r for r in rows if r.get("Email") and seen[str(r["Email"]).strip().casefold()] == 1]
        conn.send((sb.url, sb.rest_host, sb.key, len(rows), unique[:matched]))
        while True:
            command = conn.recv()
            if command == "stats":
                stats = sb.stats()
                stats["contacts"] = sb.store.count("Contact")
                conn.send(stats)
            else:
                break


class Child:
    """A sandbox child process for one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.parent, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(
            target=serve, args=(child, args.contacts, args.rows // 3, args.scale), daemon=True)
        self.proc.start()
        self.url, self.rest_host, self.key, self.contacts, self.people = self.parent.recv()

    def stats(self) -> dict[str, Any]:
        self.parent.send("stats")
        result: dict[str, Any] = self.parent.recv()
        return result

    def stop(self) -> None:
        self.parent.send("stop")
        self.proc.join(10)


# -- the file -----------------------------------------------------------------------------------------


def write_file(path: Path, rows: int, people: list[dict[str, Any]]) -> tuple[int, int]:
    """The CSV file: ``len(people)`` rows updating existing contacts (a new Company), the rest new
    people; shuffled with a fixed seed. Returns (matching rows, new rows)."""
    rng = random.Random(14)
    lines: list[list[str]] = []
    for p in people:
        lines.append([str(p["Email"]).upper() if rng.random() < 0.2 else str(p["Email"]),
                      str(p.get("FirstName") or ""), str(p.get("LastName") or ""),
                      f"Bench Imports {rng.randint(1, 400)}", "", ""])
    surnames = ["Ng", "Smith", "Okafor", "Weiß"]
    cities = ["Springfield", "Lyon", "Porto", "Graz", "Dundee", "Malmö", "Toledo", "Ghent"]
    for i in range(rows - len(people)):
        lines.append([f"bench.new{i}@import.example", f"New{i}", rng.choice(surnames),
                      f"Newco {i % 250}", rng.choice(cities),
                      f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2005)}"])
    rng.shuffle(lines)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(lines)
    return len(people), rows - len(people)


# -- figures ------------------------------------------------------------------------------------------



def exact_seconds(calls: int, per_second: int | None, per_minute: int | None) -> float:
    """The shortest time exactly: the earliest schedule, ``t(k) = max(t(k - per_second) + 1,
    t(k - per_minute) + 60)``, i.e. whole minutes plus the per-second bursts of the rest (for
    information: :func:`ideal_seconds`, bulk_tag.py's bound, is lower or equal, so stricter)."""
    if calls <= 0:
        return 0.0
    k = calls - 1
    if not per_minute:
        return float(k // per_second) if per_second else 0.0
    minutes, rest = divmod(k, per_minute)
    return 60.0 * minutes + (float(rest // per_second) if per_second else 0.0)


def diff(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    """Calls by label made between two sandbox stats."""
    out = {k: int(v) - int(before["calls"].get(k, 0)) for k, v in after["calls"].items()}
    return {k: v for k, v in sorted(out.items()) if v}


def split(calls: dict[str, int], protocol: str) -> tuple[int, int]:
    """(writes, reads) of a calls-by-label dict."""
    writes = sum(v for k, v in calls.items() if k in WRITE_LABELS[protocol])
    return writes, sum(calls.values()) - writes


def rejected(stats: dict[str, Any]) -> int:
    value = stats["quota"]["rejected"]
    return sum(value.values()) if isinstance(value, dict) else int(value or 0)


def in_words(calls: dict[str, int]) -> str:
    return ", ".join(f"{label} x{n:,}" for label, n in calls.items()) or "none"


class PauseWatch:
    """Samples ``limiter.paused_for()`` (read only) while the job runs: how long the limiter held
    every thread back on the server's word (its minute headers or a 429's Retry-After)."""

    def __init__(self, limiter: Any) -> None:
        self.limiter = limiter
        self.seconds = 0.0
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="pause-watch", daemon=True)

    def _watch(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(0.1):
            now = time.monotonic()
            left = self.limiter.paused_for()
            if left > 0:
                self.seconds += now - last
                self.longest = max(self.longest, left)
            last = now

    def __enter__(self) -> PauseWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- one run ------------------------------------------------------------------------------------------


def make_contacts(protocol: str, child: Child, args: argparse.Namespace) -> tuple[Any, Any]:
    """(ContactsService, client) over the child's sandbox, the client limited like the sandbox."""
    from app.api.ratelimit import Limits
    from app.api.rest import RestClient
    from app.api.rest.backend import RestBackend
    from app.api.xmlrpc import XmlRpcClient
    from app.api.xmlrpc.backend import XmlRpcBackend
    from app.services.contacts import ContactsService

    limits = Limits.for_mode("pat").scaled(args.scale)
    backend: RestBackend | XmlRpcBackend
    if protocol == "rest":
        backend = RestBackend(RestClient(child.rest_host, child.key, limits=limits))
    else:
        backend = XmlRpcBackend(XmlRpcClient(child.url, child.key, limits=limits))
    return ContactsService(backend), backend.client


def ours(protocol: str, args: argparse.Namespace, tmp: Path, run: int) -> dict[str, Any]:
    """TagDesk's import, the code path users run, on a fresh sandbox."""
    from app.api.ratelimit import Limits
    from app.core.cancel import CancelToken
    from app.imports.reading import read_table
    from app.journal import Journal
    from app.journal.import_job import ImportJobs
    from app.services.imports import ImportService

    folder = tmp / f"{protocol}-{run}"
    folder.mkdir()
    path = folder / "bench.csv"
    child = Child(args)
    contacts, client = make_contacts(protocol, child, args)
    journal = Journal.open(folder / "data", "bench")
    try:
        matching, new = write_file(path, args.rows, child.people)
        jobs = ImportJobs(journal)
        service = ImportService(contacts, client.limiter.estimate_seconds)
        cancel = CancelToken()
        s0 = child.stats()
        t0 = time.monotonic()
        table = read_table(path)
        setup = service.setup(cancel)
        mapping = service.suggest(table, setup)
        s1 = child.stats()
        dry = service.dry_run(table, mapping, setup, cancel, on_match="overwrite")
        dry_s = time.monotonic() - t0
        s2 = child.stats()
        t1 = time.monotonic()
        job_id = jobs.start(dry.plan, "bench.csv", contacts.protocol)
        start_s = time.monotonic() - t1
        t2 = time.monotonic()
        with PauseWatch(client.limiter) as paused:
            report = jobs.run(job_id, contacts, cancel, progress=None, workers=args.workers)
        run_s = time.monotonic() - t2
        s3 = child.stats()
    finally:
        child.stop()
        journal.close()
        client.close()
    figures = dry.figures()
    setup_calls, dry_calls, job_calls = diff(s1, s0), diff(s2, s1), diff(s3, s2)
    writes, job_reads = split(job_calls, protocol)
    limits = Limits.for_mode("pat").scaled(args.scale)  # the key's quota, as the sandbox enforces it
    ideal = ideal_seconds(sum(job_calls.values()), limits.per_second, limits.per_minute)
    exact = exact_seconds(sum(job_calls.values()), limits.per_second, limits.per_minute)
    return {
        "protocol": protocol, "limits": limits, "account": child.contacts, "mapping": mapping,
        "headers": table.headers, "file_matching": matching, "file_new": new,
        "rows": figures["rows"], "invalid": figures["invalid"], "create": figures["create"],
        "update": figures["update"], "unchanged": figures["unchanged"], "planned_calls": figures["calls"],
        "paged_reads": dry.plan.reads, "estimate_s": dry.estimated_seconds,
        "setup_calls": setup_calls, "dry_calls": dry_calls, "job_calls": job_calls,
        "writes": writes, "job_reads": job_reads,
        "reads": sum(setup_calls.values()) + sum(dry_calls.values()) + job_reads,
        "total": int(s3["total_calls"]) - int(s0["total_calls"]),
        "dry_s": dry_s, "start_s": start_s, "run_s": run_s, "ideal_s": ideal, "exact_s": exact,
        "quota_share": ideal / run_s if run_s > 0 else 0.0,
        "rejected": rejected(s3), "http429": client.stats.errors.get("HttpThrottledError", 0),
        "contacts_after": int(s3["contacts"]), "complete": report.complete, "summary": report.summary(),
        "done": report.count("done"), "paused_s": paused.seconds, "longest_pause_s": paused.longest,
        "client_errors": dict(client.stats.errors), "retries": client.stats.retries,
        "client_limits": client.limiter.limits,
    }


def naive(protocol: str, args: argparse.Namespace, tmp: Path, run: int) -> dict[str, Any]:
    """What a simple script does: per row, look the e-mail up, then create or update (all mapped
    cells); ``--workers`` threads, the same limiter, the same checked values, no journal."""
    from app.api.ratelimit import Limits
    from app.core.cancel import CancelToken
    from app.imports.checking import check_rows
    from app.imports.reading import read_table
    from app.services.imports import ImportService

    folder = tmp / f"naive-{protocol}-{run}"
    folder.mkdir()
    path = folder / "bench.csv"
    child = Child(args)
    contacts, client = make_contacts(protocol, child, args)
    backend = contacts.backend
    cancel = CancelToken()
    counts = {"create": 0, "update": 0, "failed": 0}
    try:
        write_file(path, args.rows, child.people)
        s0 = child.stats()
        t0 = time.monotonic()
        table = read_table(path)
        service = ImportService(contacts, client.limiter.estimate_seconds)
        setup = service.setup(cancel)
        checked = [r for r in check_rows(table.rows, service.suggest(table, setup), setup.fields, setup.users)
                   if r.valid]

        def one(values: dict[str, object]) -> str:
            found = backend.find_contacts_by_email(str(values["Email"]), ["Id"], cancel)
            if found:  # every cell but the e-mail it was found by (over REST that would cost a read)
                backend.update_contact(int(found[0]["Id"]), {k: v for k, v in values.items() if k != "Email"},
                                       cancel)
                return "update"
            backend.create_contact(values, cancel, dup_check_email=False, lookalikes=frozenset())
            return "create"

        def guarded(values: dict[str, object]) -> str:
            try:
                return one(values)
            except Exception:  # a simple script counts failures and goes on
                return "failed"

        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for outcome in pool.map(guarded, [dict(r.values) for r in checked]):
                counts[outcome] += 1
        run_s = time.monotonic() - t0
        s1 = child.stats()
    finally:
        child.stop()
        client.close()
    calls = diff(s1, s0)
    writes, reads = split(calls, protocol)
    limits = Limits.for_mode("pat").scaled(args.scale)
    ideal = ideal_seconds(sum(calls.values()), limits.per_second, limits.per_minute)
    return {"protocol": protocol, "calls": calls, "writes": writes, "reads": reads,
            "total": sum(calls.values()), "run_s": run_s, "ideal_s": ideal,
            "quota_share": ideal / run_s if run_s > 0 else 0.0, **counts,
            "rejected": rejected(s1), "http429": client.stats.errors.get("HttpThrottledError", 0),
            "contacts_after": int(s1["contacts"])}


# -- printing -----------------------------------------------------------------------------------------


def med(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))


def spread(runs: list[dict[str, Any]], key: str, fmt: Callable[[float], str]) -> str:
    """The median, with the lowest and highest when there are several runs."""
    values = sorted(float(r[key]) for r in runs)
    text = fmt(statistics.median(values))
    return text if len(values) == 1 else f"{text} ({fmt(values[0])}-{fmt(values[-1])})"


def same(runs: list[dict[str, Any]], key: str) -> str:
    values = sorted({int(r[key]) for r in runs})
    return f"{values[0]:,}" if len(values) == 1 else "/".join(f"{v:,}" for v in values) + " (differ!)"


def secs(v: float) -> str:
    return f"{v:.1f} s"


def pct(v: float) -> str:
    return f"{v:.0%}"


def table(results: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> list[str]:
    rows: list[tuple[str, list[str]]] = [
        ("rows (invalid)", [f"{same(o, 'rows')} ({same(o, 'invalid')})" for o, _ in results]),
        ("to create / update / unchanged",
         [f"{same(o, 'create')} / {same(o, 'update')} / {same(o, 'unchanged')}" for o, _ in results]),
        ("set-up reads", [same([{"n": sum(r["setup_calls"].values())} for r in o], "n") for o, _ in results]),
        ("dry-run reads (paged)",
         [f"{same([{'n': sum(r['dry_calls'].values())} for r in o], 'n')} ({same(o, 'paged_reads')})"
          for o, _ in results]),
        ("job: write calls (planned)",
         [f"{same(o, 'writes')} ({same(o, 'planned_calls')})" for o, _ in results]),
        ("job: reads", [same(o, "job_reads") for o, _ in results]),
        ("calls in all", [same(o, "total") for o, _ in results]),
        ("rows + paged reads (+ set-up)",
         [f"{int(o[0]['rows']) + int(o[0]['paged_reads']):,} (+{SETUP_COUNT[o[0]['protocol']]})"
          for o, _ in results]),
        ("dry run (read, set-up, pass)", [spread(o, "dry_s", secs) for o, _ in results]),
        ("estimated at the quota", [spread(o, "estimate_s", secs) for o, _ in results]),
        ("job: storing the plan", [spread(o, "start_s", secs) for o, _ in results]),
        ("job: run", [spread(o, "run_s", secs) for o, _ in results]),
        ("quota allows (job's calls)", [spread(o, "ideal_s", secs) for o, _ in results]),
        ("  exactly (earliest schedule)", [spread(o, "exact_s", secs) for o, _ in results]),
        ("share of the quota", [spread(o, "quota_share", pct) for o, _ in results]),
        ("limiter paused on server's word",
         [f"{spread(o, 'paused_s', secs)}" for o, _ in results]),
        ("429 replies (client saw)",
         [f"{sum(r['rejected'] for r in o)} ({sum(r['http429'] for r in o)})" for o, _ in results]),
        ("client errors (retries)",
         [f"{sum(sum(r['client_errors'].values()) for r in o)} ({sum(r['retries'] for r in o)})"
          for o, _ in results]),
        ("contacts after (account)",
         [f"{same(o, 'contacts_after')} ({same(o, 'account')})" for o, _ in results]),
    ]
    if any(n for _, n in results):
        rows += [
            ("naive: calls (lookups+writes)",
             [f"{same(n, 'total')} ({same(n, 'reads')}+{same(n, 'writes')})" if n else "-"
              for _, n in results]),
            ("naive: created / updated", [f"{same(n, 'create')} / {same(n, 'update')}" if n else "-"
                                          for _, n in results]),
            ("naive: failed rows", [same(n, "failed") if n else "-" for _, n in results]),
            ("naive: time", [spread(n, "run_s", secs) if n else "-" for _, n in results]),
            ("naive: share of the quota", [spread(n, "quota_share", pct) if n else "-" for _, n in results]),
            ("naive: 429 replies", [f"{sum(r['rejected'] for r in n)}" if n else "-" for _, n in results]),
            ("ours vs naive (end to end)",
             [f"{(med(n, 'run_s')) / (med(o, 'dry_s') + med(o, 'start_s') + med(o, 'run_s')):.2f}x faster"
              if n else "-" for o, n in results]),
        ]
    width = max(len(v) for _, vals in rows for v in vals) + 2
    out = [f"{'':32}" + "".join(f"{NAMES[o[0]['protocol']]:>{width}}" for o, _ in results)]
    out += [f"{label:32}" + "".join(f"{v:>{width}}" for v in vals) for label, vals in rows]
    return out


def checks(o: list[dict[str, Any]], n: list[dict[str, Any]]) -> dict[str, bool]:
    setup = SETUP_COUNT[o[0]["protocol"]]
    result = {
        "write calls = creates + updates <= rows (one call per row sent)":
            all(r["writes"] == r["planned_calls"] <= r["rows"] for r in o),
        f"reads <= paged reads + {setup} set-up reads (none per row)":
            all(r["reads"] <= r["paged_reads"] + setup for r in o),
        f"calls <= rows + paged reads + {setup} set-up reads":
            all(r["total"] <= r["rows"] + r["paged_reads"] + setup for r in o),
        "share of the quota >= 90% (median)": med(o, "quota_share") >= 0.90,
        "no 429": all(r["rejected"] == 0 and r["http429"] == 0 for r in o),
        "every row imported": all(r["complete"] and r["done"] == r["planned_calls"]
                                  and r["contacts_after"] == r["account"] + r["create"] for r in o),
    }
    if n:
        result["naive: no 429"] = all(r["rejected"] == 0 and r["http429"] == 0 for r in n)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--protocol", choices=["rest", "xmlrpc", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs of TagDesk's import per protocol (medians)")
    parser.add_argument("--naive-runs", type=int, default=1, help="runs of the per-row look-up script")
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file (a third match)")
    parser.add_argument("--contacts", type=int, default=6_000, help="contacts in the account")
    parser.add_argument("--scale", type=float, default=40.0, help="quota scale for sandbox and client")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)

    from app.api.ratelimit import Limits

    protocols = ["xmlrpc", "rest"] if args.protocol == "both" else [args.protocol]
    lim = limits = Limits.for_mode("pat").scaled(args.scale)
    print(machine())
    print(f"{args.rows:,} rows ({args.rows // 3:,} matching) into {args.contacts:,} contacts; "
          f"latency {LATENCY_MS} ms; quota pat x{args.scale:g} ({lim.per_second}/s, {lim.per_minute}/min, "
          f"{lim.per_day:,}/day); {args.workers} workers; {args.runs} run(s), naive {args.naive_runs} run(s)")
    results: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        tmp = Path(folder)
        for p in protocols:
            o, n = [], []
            for i in range(args.runs):
                o.append(ours(p, args, tmp, i))
                r = o[-1]
                print(f"  {NAMES[p]} run {i + 1}: job {r['run_s']:.1f} s, {r['quota_share']:.0%} of quota, "
                      f"{r['total']:,} calls, {r['rejected']} 429s; limiter paused on the server's word "
                      f"{r['paused_s']:.1f} s (longest {r['longest_pause_s']:.1f} s)", flush=True)
            for i in range(args.naive_runs):
                n.append(naive(p, args, tmp, i))
                r = n[-1]
                print(f"  {NAMES[p]} naive run {i + 1}: {r['run_s']:.1f} s, {r['total']:,} calls, "
                      f"{r['rejected']} 429s", flush=True)
            results.append((o, n))
    first = results[0][0][0]
    mapped = ", ".join(f"{first['headers'][c]}={f}" for c, f in sorted(first["mapping"].items()))
    print(f"file: {first['file_matching']:,} rows matching, {first['file_new']:,} new; mapped {mapped}")
    print("\n".join(table(results)))
    ok = True
    for o, n in results:
        r = o[0]
        name = NAMES[r["protocol"]]
        print(f"{name} (run 1's report): {r['summary']}")
        print(f"  set-up reads: {in_words(r['setup_calls'])}")
        print(f"  dry-run reads: {in_words(r['dry_calls'])} ({r['paged_reads']} counted as paged reads)")
        print(f"  job calls: {in_words(r['job_calls'])}")
        beyond = r["total"] - r["rows"] - r["paged_reads"]
        print(f"  literally calls <= rows + paged reads: {r['total']:,} vs {r['rows'] + r['paged_reads']:,} "
              f"({beyond:+,}): set-up {sum(r['setup_calls'].values())}, dry-run reads beyond its "
              f"{r['paged_reads']} paged reads {sum(r['dry_calls'].values()) - r['paged_reads']:+}, "
              f"job reads {r['job_reads']}, rows not sent {r['writes'] - r['rows']:+,}")
        print(f"  the set-up reads: {SETUP_READS[r['protocol']]}")
        errors = {k: sum(x["client_errors"].get(k, 0) for x in o) for x in o for k in x["client_errors"]}
        if errors:
            print(f"  client errors over all runs: {errors}")
        lim = r["client_limits"]
        if (lim.per_second, lim.per_minute) != (limits.per_second, limits.per_minute):
            print(f"  note: the client's limiter ended at {lim.per_second}/s, {lim.per_minute}/min "
                  "(tightened by the server's headers)")
        if n:
            print(f"  naive calls: {in_words(n[0]['calls'])}")
        for check, passed in checks(o, n).items():
            ok = ok and passed
            print(f"  {'PASS' if passed else 'FAIL'}  {check}")
    print(f"bench took {(time.monotonic() - began) / 60:.1f} min")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
