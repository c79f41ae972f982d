"""Benchmark: a 250,000-contact account with 2,000,000 tag assignments, over XML-RPC and REST v2.

Issue 15's targets, on medians: first rows < 0.5 s; CSV export >= 90% of the quota; longest
GUI stall < 50 ms; resident memory <= 300 MB; no HTTP 429.

One sandbox child process serves the account for the whole run (as Keap runs on another
machine; in-process its XML/JSON work would compete with the client for the GIL): ``--contacts``
plain contacts, topped up to ``--assignments`` tag assignments over 150 extra tags
(``SandboxConfig(assignments=...)``), ``--latency`` ms per call, the personal-key (PAT) quota
scaled by ``--scale`` (the client's limiter uses the same scaled limits).

Each GUI run is a fresh process (as a user starting the app): the real main window, offscreen,
opens a session on the sandbox and then does what a user does:

- first rows: the time from the search's start (and from opening the session) to the first
  rows in the table;
- scroll to the end: the table's own view is scrolled to the bottom from the first rows on
  (a user dragging the scroll bar to the end and holding it there) until the last row is in
  and shown. Over XML-RPC the table has a row for every contact once counted, so this reads
  the last page; then every row is read into the table (``fetch_all``) for the memory
  figure. REST v2 cannot count: its table grows, the view calls ``fetchMore`` page after page.
  The tag pane counts tag members in the background meanwhile, as it does for a user;
- resident memory (VmRSS of the whole GUI process) with every row in: once the app is idle
  again (before the export; its own housekeeping, the collection and heap trim after a load,
  done), and the moment the last row arrived;
- CPU during the export: the app's process and the sandbox's (on a 2-core machine both
  decode/encode every page, so the export can be bound by the CPU, not the quota);
- CSV export: File > Export CSV's code path (``Workspace.export_csv``, on the task runner),
  started once the app is idle; its calls, time and share of the quota. The table holds every
  row by then, so a REST v2 export cuts its Id ranges at the table's Ids (``cut_ids``: every
  range at once, a call a page); an export from a table still loading guesses them from its
  first page (``tests/integration/test_full_reads.py`` covers both);
- the longest GUI stall: a 10 ms timer on the GUI thread runs throughout; the longest gap
  between its ticks, per phase.

Every measured phase that is scored against the quota (each export, each alternative, each
tag count) starts from fresh quota windows: the sandbox's counters are reset and the client's
limiter renewed, as after a minute's pause (the scroll's calls would otherwise fill the window).
"Share of the quota": the shortest time the quota allows for the calls that reading the rows needs
(one a 1,000-row page; the k-th call cannot start before ``k // per_second`` s nor before
``60 * (k // per_minute)`` s), divided by the elapsed time. Calls beyond those (a count, the
short last page of each Id range) are spent from the same quota and count against the share.
(Until 2026-12-02 this bench, like bulk_tag.py and import_csv.py still do, took the calls made:
a REST export's extra calls then raised its own ideal. The tag counts still do.)

The strongest simple alternatives run in the same invocation, in the bench's own (non-GUI)
process, against the same account: a sequential loop of ``backend.search_contacts`` pages
written with ``csv.writer``; and a naive parallel loop through the same kind of limited client:
over XML-RPC ``DataService.count``, then a ``ThreadPoolExecutor()`` over every page number at
once, results reordered, then written; over REST v2 (pages follow opaque tokens, there are no
page numbers) the lowest and highest Id, the span cut evenly into as many ranges as the pool
has workers, each range's token chain read whole on the pool, then written in order (what
TagDesk's export does with ranges sized from the first page's Ids, streamed in order).

Tag member counts: ``TagsService.member_counts()`` of a session (``session.tags``), first and
second pass (REST remembers the previous counts), calls and time; against counting every tag
in parallel (a ``ThreadPoolExecutor()`` of ``member_count`` calls: the strongest simple
alternative) and, computed rather than run, paging every assignment (a call per 1,000).

The default quota scale, x2 (20 calls/s, 480/min), lets the 251 calls of an XML-RPC export fit
in one minute's allowance, so the per-second limit binds and the export takes about 13 s; at
the real PAT quota (x1) 251 calls exceed one minute's 240 and every export, fast or slow,
would wait for the minute (about 61 s). The client's limiter keeps a 5% margin on the second
(``SECOND = 1.05`` in app/api/ratelimit.py), so a per-second-bound run can use at most ~95%.

Diagnosis printed with the figures: the model's memory per row (tuples, values, the Id index,
and what one object per distinct value would take), VmRSS after glibc's ``malloc_trim(0)``,
the longest garbage collections, and for the longest stall the GUI thread's Python stack
100 ms into it (a watchdog thread samples it).

A default run takes about 11-12 minutes on 2 cores (REST's sequential pages take most of it);
``--runs 1 --tag-runs 1`` about 6. Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python
bench/large_account.py [--protocol rest|xmlrpc|both] [--runs 3] [--alt-runs 1] [--tag-runs 1]
[--scale 2] [--contacts 250000] [--assignments 2000000] [--latency 100] [-v]``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import compile_app, ideal_seconds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = {"xmlrpc": "XML-RPC", "rest": "REST v2"}
#: The sandbox's labels of the contact reads an export makes.
EXPORT_LABELS = {"xmlrpc": ("DataService.query", "DataService.count"),
                 "rest": ("GET /rest/v2/contacts",)}
GUI_TIMEOUT_S = 600


# -- the sandbox child ----------------------------------------------------------------------------


def serve(conn: Connection, contacts: int, assignments: int, latency_ms: int, scale: float) -> None:
    """The child: one sandbox until told to stop. Answers "stats" (with the 429s of every
    window so far) and "fresh" (the same, then new quota windows)."""
    from app.sandbox import Sandbox, SandboxConfig

    started = time.perf_counter()
    config = SandboxConfig(seed=contacts, assignments=assignments, latency_ms=latency_ms,
                           quota="pat", quota_scale=scale)
    with Sandbox(config) as sb:
        seeded = time.perf_counter() - started
        store = sb.store
        conn.send({"url": sb.url, "rest_host": sb.rest_host, "key": sb.key, "seed_s": seeded,
                   "contacts": store.count("Contact"), "assignments": store.count("ContactGroupAssign"),
                   "tags": store.count("ContactGroup")})
        rejected: dict[str, int] = {}

        def stats() -> dict[str, Any]:
            from app.sandbox.rest.contact_cache import rendered_contacts

            result = sb.stats()
            result.pop("rows", None)  # counting 2,000,000 rows on every ask is not free
            with store.lock:
                result["rendered"] = rendered_contacts(store).rendered  # REST contacts' JSON made
            result["cpu_s"] = time.process_time()  # the sandbox's CPU (encoding replies)
            now = result["quota"]["rejected"]
            result["rejected_total"] = sum(rejected.values()) + sum(now.values())
            return result

        while True:
            command = conn.recv()
            if command == "stats":
                conn.send(stats())
            elif command == "keep":
                conn.send(keep_contacts(store))
            elif command == "fresh":
                result = stats()
                for window, n in result["quota"]["rejected"].items():
                    rejected[window] = rejected.get(window, 0) + n
                sb.quotas.reset()
                conn.send(result)
            else:
                break


def keep_contacts(store: Any) -> dict[str, Any]:
    """In the child: render every contact's REST JSON for the table's and the export's
    properties once, as the first read of each contact would (app/sandbox/rest/contact_cache.py),
    so every GUI run meets the same stage, not only the ones after the first."""
    from app.api.rest.contact_fields import properties_for
    from app.core.contact_fields import DEFAULT_COLUMNS
    from app.sandbox.rest.contact_cache import rendered_contacts
    from app.sandbox.rest.contact_json import ContactJson

    started = time.perf_counter()
    with store.lock:
        renderer = ContactJson(store, set(properties_for(DEFAULT_COLUMNS)))
        ids = [int(r[0]) for r in store.conn.execute('SELECT "Id" FROM "Contact" ORDER BY "Id"')]
        kept = rendered_contacts(store)
        for start in range(0, len(ids), 1000):
            kept.texts(renderer, ids[start:start + 1000])
    return {"contacts": len(ids), "seconds": time.perf_counter() - started}


class Account:
    """The sandbox child, and the relay the GUI processes reach it through."""

    def __init__(self, args: argparse.Namespace) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(child, args.contacts, args.assignments, args.latency,
                                                    args.scale), daemon=True)
        self.proc.start()
        self.info: dict[str, Any] = self.conn.recv()
        self.url, self.rest_host, self.key = self.info["url"], self.info["rest_host"], self.info["key"]

    def ask(self, command: str) -> dict[str, Any]:
        self.conn.send(command)
        result: dict[str, Any] = self.conn.recv()
        return result

    def stop(self) -> None:
        self.conn.send("stop")
        self.proc.join(30)



def pages_of(rows: int) -> int:
    """The calls that reading ``rows`` rows needs at the least: one a page of the export's size.
    An export's share of the quota is scored against these, not the calls it made (a count, a
    short last page per Id range spend the same quota, and must not raise the ideal)."""
    from app.services.contacts import EXPORT_PAGE_SIZE

    return -(-rows // EXPORT_PAGE_SIZE)


def diff(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    out = {k: int(v) - int(before["calls"].get(k, 0)) for k, v in after["calls"].items()}
    return {k: v for k, v in sorted(out.items()) if v}


def make_client(protocol: str, info: dict[str, Any], scale: float) -> Any:
    from app.api.ratelimit import Limits
    from app.api.rest import RestClient
    from app.api.xmlrpc import XmlRpcClient

    limits = Limits.for_mode("pat").scaled(scale)
    if protocol == "rest":
        return RestClient(info["rest_host"], info["key"], limits=limits)
    return XmlRpcClient(info["url"], info["key"], limits=limits)


def rss() -> dict[str, int]:
    """This process's resident memory (VmRSS) and its peak (VmHWM), in bytes."""
    found: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) * 1024
    return found


def trimmed_rss() -> int:
    """VmRSS after glibc's ``malloc_trim(0)`` hands freed memory back (a diagnosis of how much
    of the resident memory is the allocator's, kept after pages were decoded); 0 if unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return 0
    return rss()["VmRSS"]


# -- one GUI run (its own process) ----------------------------------------------------------------


def gui_main(conn: Connection, protocol: str, info: dict[str, Any], scale: float, folder: str) -> None:
    try:
        conn.send(("result", gui_run(conn, protocol, info, scale, Path(folder))))
    except BaseException as exc:  # report, do not hang the bench
        import traceback

        conn.send(("error", "".join(traceback.format_exception(exc))))


def gui_run(conn: Connection, protocol: str, info: dict[str, Any], scale: float,
            folder: Path) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler

    from app.api.ratelimit import Limits, RateLimiter
    from app.services.session import open_session
    from app.ui.app import create_application
    from app.ui.errors import ErrorPresenter
    from app.ui.main_window import MainWindow
    from app.ui.tasks import TaskRunner

    def relay(command: str) -> dict[str, Any]:
        conn.send(("ask", command))
        answer: dict[str, Any] = conn.recv()
        return answer

    def quiet(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if "propagateSizeHints" not in message:  # the offscreen platform's, on every window
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet)
    app = create_application(["bench"])
    runner = TaskRunner()
    window = MainWindow(runner, ErrorPresenter(interactive=False))
    window.show()
    app.processEvents()
    r: dict[str, Any] = {"protocol": protocol, "rss_empty": rss()["VmRSS"], "gaps": []}
    client = make_client(protocol, info, scale)
    session = open_session("Bench", client)
    r["at_start"] = relay("stats")
    model, view, workspace = window.contacts.model, window.contacts.view, window.workspace
    clock = QElapsedTimer()
    ticker, scroller, waiter = QTimer(), QTimer(), QTimer()
    ticker.setInterval(10)
    scroller.setInterval(50)
    waiter.setInterval(100)
    last = [0]
    path = folder / f"export-{protocol}-{os.getpid()}.csv"

    watch = StallWatch()

    def tick() -> None:
        now = clock.elapsed()
        r["gaps"].append((now, now - last[0]))
        last[0] = now
        watch.beat()

    def started() -> None:
        if model.columns and "query_start" not in r:
            r["query_start"] = clock.elapsed()

    def rows(count: int) -> None:
        if count and "first" not in r:
            r["first"] = clock.elapsed()
            view.scrollToBottom()
            scroller.start()
        elif "first" in r and "end" not in r:
            view.scrollToBottom()  # the user holds the scroll bar at its end

    def scroll_step() -> None:
        view.scrollToBottom()
        bar = view.verticalScrollBar()
        total = model.total
        rows = model.rowCount()
        at_end = bar.value() == bar.maximum()
        if "jump" not in r and model.sparse and rows and model.is_loaded(rows - 1) and at_end:
            # XML-RPC: the table has every row since the count; the drag to the end read the last
            # page. Then every row is read into the table (fetch_all), for the memory figure.
            r["jump"] = clock.elapsed()
            r["jump_loaded"] = model.loaded
            model.fetch_all()
        if total is not None and model.loaded >= total and not model.loading and bar.value() == bar.maximum():
            last_row = view.rowAt(view.viewport().height() - 1)
            r["end"] = clock.elapsed()
            r["last_visible_row"] = last_row
            r["loaded"], r["total"] = model.loaded, total
            scroller.stop()
            r["rss_rows"] = rss()["VmRSS"]
            r["idle_wait_start"] = clock.elapsed()
            waiter.start()

    def wait_idle() -> None:
        # the export starts once the app is idle: the tag pane's background counts are done
        if runner.in_flight and clock.elapsed() - r["idle_wait_start"] < 120_000:
            return
        waiter.stop()
        r["idle_at_export"] = runner.in_flight == 0
        # the app's housekeeping after a load (collection, heap trim) runs on its next tick
        QTimer.singleShot(1500, start_export)

    def start_export() -> None:
        r["rss_idle"] = rss()["VmRSS"]  # every row in, the app idle, its housekeeping done
        pause_start = clock.elapsed()
        r["before_export"] = relay("fresh")  # new quota windows for the export (see the docstring)
        client.limiter = RateLimiter(Limits.for_mode("pat").scaled(scale))
        r["relay_pause"] = (pause_start, clock.elapsed())
        last[0] = clock.elapsed()  # the relay is the bench's, not the app's
        r["export_start"] = clock.elapsed()
        r["export_cpu_start"] = time.process_time()
        workspace.export_csv(path)

    def exported(result: object) -> None:
        r["export_end"] = clock.elapsed()
        r["export_cpu_s"] = time.process_time() - r["export_cpu_start"]
        r["export_result"] = result if isinstance(result, int) else repr(result)
        QTimer.singleShot(0, app.quit)

    model.modelReset.connect(started)
    model.rows_loaded.connect(rows)
    workspace.export_finished.connect(exported)
    ticker.timeout.connect(tick)
    scroller.timeout.connect(scroll_step)
    waiter.timeout.connect(wait_idle)
    clock.start()
    ticker.start()
    watch.start()
    window.set_session(session)
    QTimer.singleShot(GUI_TIMEOUT_S * 1000, app.quit)
    app.exec()
    ticker.stop()
    watch.stop()
    r["stall_stacks"], r["gc_pauses"] = watch.stacks, watch.gc_pauses
    r["after_export"] = relay("stats")
    r["rss_end"], r["rss_peak"] = rss()["VmRSS"], rss()["VmHWM"]
    r["rss_trimmed"] = trimmed_rss()
    r["client_errors"] = dict(client.stats.errors)
    r["export_bytes"] = path.stat().st_size if path.exists() else 0
    r["export_lines"] = sum(1 for _ in path.open(encoding="utf-8-sig")) - 1 if path.exists() else 0
    r["store"] = store_size(model)
    r["names"] = list(model._store.names)
    runner.cancel_all()
    runner.wait_idle()
    window.set_session(None)
    session.close()
    window.close()
    if path.exists():
        path.unlink()
    return r


class StallWatch:
    """Diagnosis of the longest stalls: a watchdog thread samples the GUI thread's Python stack
    when the 10 ms timer has not ticked for 50 ms (once per stall, 50-70 ms into it), and
    ``gc.callbacks`` time every collection. The watchdog needs the GIL for a moment, so it sees
    a stall the GUI thread spends in Python (or in Qt, showing the Python frame that called it)."""

    def __init__(self) -> None:
        import threading

        self.main = threading.get_ident()
        self.last = time.monotonic()
        self.stacks: list[tuple[float, list[str]]] = []
        self.gc_pauses: list[tuple[int, float, str]] = []
        self._sampled = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="stall-watch", daemon=True)
        self._gc_start = 0.0

    def beat(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._sampled:
                self.stacks[-1] = (now - self.last, self.stacks[-1][1])
            self.last, self._sampled = now, False

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        import threading

        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            thread = "GUI" if threading.get_ident() == self.main else threading.current_thread().name
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_start, thread))

    def _run(self) -> None:
        import threading
        import traceback

        while not self._stop.wait(0.02):
            with self._lock:  # the GUI thread cannot beat while its stack is read
                if self._sampled or time.monotonic() - self.last <= 0.05:
                    continue
                frames = sys._current_frames()
                frame = frames.get(self.main)
                if frame is not None:
                    stack = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                             for f in traceback.extract_stack(frame)[-8:]]
                    # what the other threads were at (a GUI thread in Qt may be waiting for the GIL)
                    names = {t.ident: t.name for t in threading.enumerate()}
                    for ident, other in frames.items():
                        if ident not in (self.main, threading.get_ident()):
                            top = traceback.extract_stack(other)[-2:]
                            stack.append(f"[{names.get(ident, ident)}] " + " > ".join(
                                f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in top))
                    self.stacks.append((0.0, stack))
                    self._sampled = True

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._gc)
        self._thread.start()

    def stop(self) -> None:
        import gc

        self._stop.set()
        self._thread.join()
        gc.callbacks.remove(self._gc)


def store_size(model: Any) -> dict[str, int]:
    """Where the model's memory per row goes: bytes of the packed rows' tuples, of their values
    (shared objects counted once), of the Id index; and what the values would take if equal
    values were one object (interned)."""
    store = model._store
    seen: set[int] = set()
    unique: dict[Any, int] = {}
    out = {"tuples": sys.getsizeof(store._rows), "values": 0, "index": sys.getsizeof(store._index),
           "objects": 0}
    for row in store._rows:
        out["tuples"] += sys.getsizeof(row)
        for value in row[1:]:  # the Id is the index's key too
            if value is None or id(value) in seen:
                continue
            seen.add(id(value))
            size = sys.getsizeof(value)
            out["values"] += size
            out["objects"] += 1
            unique.setdefault(value, size)
    out["index"] += sum(sys.getsizeof(row[0]) for row in store._rows)
    out["interned"] = sum(unique.values())
    out["distinct"] = len(unique)
    out["total"] = out["tuples"] + out["values"] + out["index"]
    return out


def gui(account: Account, protocol: str, args: argparse.Namespace, folder: str) -> dict[str, Any]:
    """One GUI run in a fresh process; relays its questions to the sandbox."""
    account.ask("fresh")
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=gui_main, args=(child, protocol, account.info, args.scale, folder), daemon=True)
    proc.start()
    try:
        while True:
            if not parent.poll(GUI_TIMEOUT_S + 60):
                raise RuntimeError("the GUI process did not answer")
            kind, payload = parent.recv()
            if kind == "ask":
                parent.send(account.ask(payload))
            elif kind == "error":
                raise RuntimeError(f"the GUI run failed:\n{payload}")
            else:
                result: dict[str, Any] = payload
                break
    finally:
        proc.join(60)
    return figures(result, args)


def phase_stall(gaps: list[tuple[int, int]], start: float, end: float,
                skip: tuple[int, int]) -> tuple[int, float]:
    """The longest gap between ticks that ended within [start, end] (not across the bench's
    relay pause), and when it ended (s after ``start``)."""
    inside = [(at, gap) for at, gap in gaps
              if start < at <= end and not (skip[0] <= at - gap and at <= skip[1] + 10)]
    if not inside:
        return 0, 0.0
    at, gap = max(inside, key=lambda x: x[1])
    return gap, (at - start) / 1000


def server_cpu(r: dict[str, Any]) -> float:
    """The sandbox's CPU seconds during the export (its stats before and after)."""
    if "before_export" not in r or "after_export" not in r:
        return 0.0
    return float(r["after_export"].get("cpu_s", 0.0)) - float(r["before_export"].get("cpu_s", 0.0))


def figures(r: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from app.api.ratelimit import Limits

    limits = Limits.for_mode("pat").scaled(args.scale)
    start = r.get("query_start", 0)
    gaps = r["gaps"][1:]
    skip = r.get("relay_pause", (0, 0))
    end = r.get("end", 0)
    export_calls = diff(r["after_export"], r["before_export"]) if "before_export" in r else {}
    n_export = sum(export_calls.values())
    export_s = (r.get("export_end", 0) - r.get("export_start", 0)) / 1000 if "export_end" in r else 0.0
    ideal = ideal_seconds(pages_of(int(r.get("export_lines") or 0)), limits.per_second, limits.per_minute)
    load_stall, load_at = phase_stall(gaps, 0, end or 10**9, skip)
    idle_stall, idle_at = phase_stall(gaps, end, r.get("export_start", 10**9), skip) if end else (0, 0.0)
    export_stall, export_at = phase_stall(gaps, r.get("export_start", 0), r.get("export_end", 10**9), skip)
    all_stall = max(load_stall, idle_stall, export_stall)
    return {
        **{k: r.get(k) for k in ("protocol", "loaded", "total", "last_visible_row", "rss_empty", "rss_rows",
                                  "rss_idle",
                                  "rss_end", "rss_peak", "rss_trimmed", "client_errors", "export_result",
                                  "export_lines", "export_bytes", "store", "idle_at_export", "names")},
        "first_s": (r["first"] - start) / 1000 if "first" in r else float("nan"),
        "first_open_s": r["first"] / 1000 if "first" in r else float("nan"),
        "scroll_s": (end - r["first"]) / 1000 if end and "first" in r else float("nan"),
        "jump_s": (r["jump"] - r["first"]) / 1000 if "jump" in r and "first" in r else None,
        "jump_loaded": r.get("jump_loaded"),
        "end_s": (end - start) / 1000 if end else float("nan"),
        "load_calls": diff(r["before_export"], r["at_start"]) if "before_export" in r else {},
        "export_calls": export_calls, "export_n": n_export, "export_s": export_s, "export_ideal_s": ideal,
        "export_share": ideal / export_s if export_s else 0.0,
        "export_cpu_s": r.get("export_cpu_s", 0.0),
        "export_server_cpu_s": server_cpu(r),
        "export_rendered": int(r.get("after_export", {}).get("rendered", 0))
        - int(r.get("before_export", {}).get("rendered", 0)),
        # 429s during this run only (the sandbox's counter covers the whole bench)
        "rejected": int(r["after_export"]["rejected_total"]) - int(r["at_start"]["rejected_total"])
        if "after_export" in r else -1,
        "stall_ms": all_stall, "load_stall_ms": load_stall, "load_stall_at": load_at,
        "export_stall_ms": export_stall, "export_stall_at": export_at,
        "idle_stall_ms": idle_stall, "idle_stall_at": idle_at,
        "idle_s": (r.get("export_start", end) - end) / 1000 if end else 0.0,
        "long_gaps": [(round((at - start) / 1000, 2), gap) for at, gap in gaps if gap > 30],
        "ticks": len(gaps),
        "stall_stacks": sorted(r.get("stall_stacks", []), key=lambda x: -x[0])[:3],
        "stalls_sampled": len(r.get("stall_stacks", [])),
        "gc_pauses": sorted(r.get("gc_pauses", []), key=lambda x: -x[1])[:3],
        "gc_count": len(r.get("gc_pauses", [])),
    }


# -- the simple alternatives (in this process) ----------------------------------------------------


def alt_export(account: Account, protocol: str, args: argparse.Namespace, folder: str,
               parallel: bool) -> dict[str, Any]:
    """A script's export: pages of ``backend.search_contacts`` written with csv.writer, one after
    the other, or (``parallel``) a count and then every page at once on a ThreadPoolExecutor()
    (REST v2: the Id span cut into as many even ranges as the pool has workers)."""
    from app.api.rest.backend import RestBackend
    from app.api.xmlrpc.backend import XmlRpcBackend
    from app.core.cancel import CancelToken
    from app.core.contact_fields import DEFAULT_COLUMNS
    from app.core.records import Condition, ContactQuery, Op

    client = make_client(protocol, account.info, args.scale)
    backend: Any = RestBackend(client) if protocol == "rest" else XmlRpcBackend(client)
    fields, query, cancel = list(DEFAULT_COLUMNS), ContactQuery(), CancelToken()
    path = Path(folder) / f"alt-{protocol}-{'par' if parallel else 'seq'}.csv"
    before = account.ask("fresh")
    rows = 0
    workers = 0
    t0 = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(fields)
        if parallel and protocol == "rest":
            # No page numbers: the lowest and highest Id, the span cut evenly, one token chain a
            # range on a ThreadPoolExecutor(), every range read whole, then written in order.
            low = backend.id_at_end(ContactQuery(ascending=False), cancel)
            high = backend.id_at_end(query, cancel)
            with ThreadPoolExecutor() as pool:
                workers = pool._max_workers
                cuts = [low + round((high + 1 - low) * i / workers) for i in range(workers + 1)]
                ranges = [ContactQuery(conditions=(Condition("Id", Op.GE, a), Condition("Id", Op.LT, b)))
                          for a, b in itertools.pairwise(cuts) if b > a]
                chunks = list(pool.map(
                    lambda q: [r for page in backend.read_pages(q, fields, 1000, cancel) for r in page],
                    ranges))
            for chunk in chunks:
                writer.writerows([[row.get(c, "") for c in fields] for row in chunk])
                rows += len(chunk)
        elif parallel:
            total = backend.count_contacts(query, cancel)
            with ThreadPoolExecutor() as pool:
                workers = pool._max_workers
                pages = list(pool.map(lambda p: backend.search_contacts(query, fields, p, 1000, cancel),
                                      range(-(-total // 1000))))
            for page in pages:
                writer.writerows([[row.get(c, "") for c in fields] for row in page])
                rows += len(page)
        else:
            page_no = 0
            while True:
                page = backend.search_contacts(query, fields, page_no, 1000, cancel)
                writer.writerows([[row.get(c, "") for c in fields] for row in page])
                rows += len(page)
                if len(page) < 1000:
                    break
                page_no += 1
    elapsed = time.perf_counter() - t0
    after = account.ask("stats")
    client.close()
    path.unlink()
    from app.api.ratelimit import Limits

    limits = Limits.for_mode("pat").scaled(args.scale)
    calls = diff(after, before)
    n = sum(calls.values())
    ideal = ideal_seconds(pages_of(rows), limits.per_second, limits.per_minute)
    return {"rows": rows, "s": elapsed, "calls": n, "by_label": calls, "ideal_s": ideal,
            "share": ideal / elapsed if elapsed else 0.0, "workers": workers,
            "rejected": int(after["rejected_total"]) - int(before["rejected_total"]),
            "http429": client.stats.errors.get("HttpThrottledError", 0)}


def tag_counts(account: Account, protocol: str, args: argparse.Namespace,
               passes: int) -> list[dict[str, Any]]:
    """``session.tags.member_counts()`` on one session, ``passes`` times, each from fresh windows."""
    from app.api.ratelimit import Limits, RateLimiter
    from app.core.cancel import CancelToken
    from app.services.session import open_session

    client = make_client(protocol, account.info, args.scale)
    session = open_session("Bench", client)
    limits = Limits.for_mode("pat").scaled(args.scale)
    out = []
    for _ in range(passes):
        before = account.ask("fresh")
        client.limiter = RateLimiter(limits)
        t0 = time.perf_counter()
        first = None
        snapshots = 0
        last = None
        for snap in session.tags.member_counts(CancelToken()):
            snapshots += 1
            if first is None:
                first = time.perf_counter() - t0
            last = snap
        elapsed = time.perf_counter() - t0
        after = account.ask("stats")
        calls = diff(after, before)
        n = sum(calls.values())
        ideal = ideal_seconds(n, limits.per_second, limits.per_minute)
        out.append({"s": elapsed, "first_s": first or 0.0, "calls": n, "by_label": calls,
                    "snapshots": snapshots,
                    "sum": sum(last.counts.values()) if last else 0, "tags": len(last.counts) if last else 0,
                    "complete": bool(last and last.complete), "ideal_s": ideal,
                    "share": ideal / elapsed if elapsed else 0.0,
                    "rejected": int(after["rejected_total"]) - int(before["rejected_total"])})
    session.close()
    return out


def alt_tag_counts(account: Account, protocol: str, args: argparse.Namespace) -> dict[str, Any]:
    """The simple way: list the tags, then count every tag on a ThreadPoolExecutor()."""
    from app.api.ratelimit import Limits
    from app.core.cancel import CancelToken
    from app.services.session import open_session

    client = make_client(protocol, account.info, args.scale)
    session = open_session("Bench", client)
    backend = session.tags.backend
    cancel = CancelToken()
    before = account.ask("fresh")
    t0 = time.perf_counter()
    tags = backend.list_tags(cancel)
    with ThreadPoolExecutor() as pool:
        counts = list(pool.map(lambda t: backend.member_count(t.id, cancel), tags))
    elapsed = time.perf_counter() - t0
    after = account.ask("stats")
    session.close()
    limits = Limits.for_mode("pat").scaled(args.scale)
    calls = diff(after, before)
    n = sum(calls.values())
    ideal = ideal_seconds(n, limits.per_second, limits.per_minute)
    return {"s": elapsed, "calls": n, "by_label": calls, "sum": sum(counts), "ideal_s": ideal,
            "share": ideal / elapsed if elapsed else 0.0,
            "rejected": int(after["rejected_total"]) - int(before["rejected_total"])}


def warm_up(account: Account, args: argparse.Namespace) -> str:
    """A first call of each kind before anything is measured: the sandbox stamps every tag row
    for REST lazily on the first REST tag call (seconds on 2,000,000 assignments), which a
    real server does not do, so it must not land in the first run's figures. The sandbox keeps
    each contact's REST JSON once rendered, until a write (app/sandbox/rest/contact_cache.py):
    every contact is rendered here, so the first GUI run's scroll meets the stage the later runs
    and every export meet (rendering took ~30 ms of the sandbox's CPU a page, and with it the
    sandbox, not the app, set the pace of a REST export)."""
    timings = []
    for protocol, path in (("rest", "/rest/v2/tags/categories"), ("rest", "/rest/v2/users"),
                           ("xmlrpc", "DataService.echo")):
        client = make_client(protocol, account.info, args.scale)
        t0 = time.perf_counter()
        if protocol == "rest":
            client.request("GET", path)
        else:
            client.call(path, "warm")
        timings.append(f"{path} {time.perf_counter() - t0:.2f} s")
        client.close()
    if args.protocol in ("rest", "both"):
        kept = account.ask("keep")
        timings.append(f"the REST JSON of {kept['contacts']:,} contacts rendered and kept "
                       f"{kept['seconds']:.1f} s")
    account.ask("fresh")
    return ", ".join(timings)


# -- printing -------------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def spread(values: list[float], fmt: str) -> str:
    if not values:
        return "-"
    text = format(med(values), fmt)
    return text if len(values) == 1 else f"{text} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"


def in_words(calls: dict[str, int]) -> str:
    return ", ".join(f"{label} x{n:,}" for label, n in calls.items()) or "none"


def report(protocol: str, runs: list[dict[str, Any]], alts: dict[str, list[dict[str, Any]]],
           tags: list[list[dict[str, Any]]], alt_tags: list[dict[str, Any]], account: Account,
           args: argparse.Namespace, verbose: bool) -> dict[str, bool]:
    from app.api.ratelimit import Limits

    limits = Limits.for_mode("pat").scaled(args.scale)
    name = NAMES[protocol]
    rest = protocol == "rest"
    print(f"\n== {name}: {len(runs)} GUI run(s), medians (lowest-highest) ==")
    if rest:
        print("  (REST v2 has no count: the table's first pages follow page tokens one after the other,")
        print("   then it reads ahead by Id ranges side by side, as the export does (each a chain of")
        print("   token pages); the total is known only at the last page)")
    r0 = runs[0]
    shown = ", ".join(f"{r['loaded']:,}/{r['total']:,}" for r in runs)
    last_rows = ", ".join(str(r["last_visible_row"]) for r in runs)
    print(f"  rows in the table        {shown} (last row in the viewport: {last_rows}); fields {r0['names']}")
    print(f"  first rows               {spread([r['first_s'] for r in runs], '.3f')} s after the search "
          "started "
          f"({spread([r['first_open_s'] for r in runs], '.3f')} s after opening the session)")
    pages = max(1, -(-int(r0["total"] or 0) // 1000))
    if all(r["jump_s"] is not None for r in runs):
        print(f"  scroll to the end        {spread([r['jump_s'] for r in runs], '.2f')} s from the first "
              f"rows to the last row shown (the table has a row for every contact once counted: the drag "
              f"to the end read the last page; {r0['jump_loaded']:,} rows read by then)")
        print(f"  every row read           {spread([r['scroll_s'] for r in runs], '.1f')} s from the first "
              f"rows (fetch_all: every row into the table, after the jump; "
              f"{med([r['scroll_s'] for r in runs]) / pages * 1000:.0f} ms a page)")
    else:
        print(f"  scroll to the end        {spread([r['scroll_s'] for r in runs], '.1f')} s from the first "
              f"rows to the last row shown ({spread([r['end_s'] for r in runs], '.1f')} s after the search "
              f"started; {med([r['scroll_s'] for r in runs]) / pages * 1000:.0f} ms a page)")
    print(f"  calls until then         {in_words(r0['load_calls'])} (run 1; includes the tag pane's counts)")
    print(f"  memory (VmRSS)           {spread([r['rss_idle'] / 2**20 for r in runs], '.0f')} MB with every "
          f"row in, the app idle (before the export); "
          f"{spread([r['rss_rows'] / 2**20 for r in runs], '.0f')} MB the moment the last row arrived; "
          f"{spread([r['rss_empty'] / 2**20 for r in runs], '.0f')} MB for the "
          f"window before a session; after the export {spread([r['rss_end'] / 2**20 for r in runs], '.0f')} "
          f"MB, peak {spread([r['rss_peak'] / 2**20 for r in runs], '.0f')} MB; after the export and "
          f"malloc_trim(0) {spread([r['rss_trimmed'] / 2**20 for r in runs], '.0f')} MB")
    st, rows_n = r0["store"], max(1, r0["loaded"])
    print(f"  the model's rows (run 1) {mb(st['total'])} = {st['total'] / rows_n:.0f} bytes a row: tuples "
          f"{st['tuples'] / rows_n:.0f}, values {st['values'] / rows_n:.0f} ({st['objects']:,} objects, "
          f"{st['distinct']:,} distinct: one object per distinct value would take {mb(st['interned'])} "
          f"instead of {mb(st['values'])}), Id index {st['index'] / rows_n:.0f}")
    per_row = med([(r["rss_idle"] - r["rss_empty"]) / rows_n for r in runs])
    print(f"  VmRSS per row            {per_row:.0f} bytes "
          "((VmRSS with every row - the window's) / rows: the rest is the allocator's, freed pages kept)")
    where = "; ".join(f"{r['load_stall_ms']} ms at {r['load_stall_at']:.1f} / {r['idle_stall_ms']} ms at "
                      f"{r['idle_stall_at']:.1f} / {r['export_stall_ms']} ms at {r['export_stall_at']:.1f}"
                      for r in runs)
    print(f"  longest GUI stall        {spread([float(r['stall_ms']) for r in runs], '.0f')} ms: loading and "
          f"scrolling {spread([float(r['load_stall_ms']) for r in runs], '.0f')} ms, then until the app "
          f"was idle ({spread([r['idle_s'] for r in runs], '.1f')} s: the tag pane counting) "
          f"{spread([float(r['idle_stall_ms']) for r in runs], '.0f')} ms, export "
          f"{spread([float(r['export_stall_ms']) for r in runs], '.0f')} ms (10 ms timer; per run "
          f"{where} s into the phase)")
    for i, r in enumerate(runs, 1):
        pauses = ", ".join(f"gen {g} {d * 1000:.0f} ms ({t})" for g, d, t in r["gc_pauses"])
        print(f"    run {i}: {r['stalls_sampled']} stalls over 50 ms; longest garbage collections {pauses} "
              f"of {r['gc_count']}")
        for seconds, stack in r["stall_stacks"][:3 if verbose else 1]:
            own = [f for f in stack if not f.startswith("[")]
            print(f"    run {i}: a {seconds * 1000:.0f} ms stall, the GUI thread's stack 50-70 ms into it: "
                  f"{' > '.join(own)}")
            if verbose:
                for line in stack[len(own):]:
                    print(f"      {line}")
        if verbose:
            longest = sorted(sorted(r["long_gaps"], key=lambda x: -x[1])[:15])
            print(f"    run {i}: {len(r['long_gaps'])} gaps over 30 ms; the 15 longest (s after the search "
                  f"started, ms): {longest}")
    calls = ", ".join(str(r["export_n"]) for r in runs)
    written = ", ".join(f"{r['export_lines']:,}" for r in runs)
    print(f"  export (Export CSV)      {spread([r['export_s'] for r in runs], '.1f')} s, {calls} calls, "
          f"{spread([r['export_share'] * 100 for r in runs], '.1f')}% of the quota (it allows "
          f"{r0['export_ideal_s']:.0f} s for the {pages_of(int(r0['export_lines'] or 0))} pages the rows "
          f"need); rows written {written}; the app idle when it "
          f"started: {all(r['idle_at_export'] for r in runs)}")
    from app.api.ratelimit import MINUTE, SECOND

    app_cpu = med([r["export_cpu_s"] for r in runs])
    server_cpu = med([r["export_server_cpu_s"] for r in runs])
    cores = os.cpu_count() or 1
    print(f"  export CPU               the app {app_cpu:.1f} s, the sandbox {server_cpu:.1f} s (medians) in "
          f"{med([r['export_s'] for r in runs]):.1f} s on {cores} cores: "
          f"{(app_cpu + server_cpu) / (med([r['export_s'] for r in runs]) * cores):.0%} of the machine "
          "(the app's share is decoding, CSV writing and the GUI)")
    if rest:
        rendered = med([r["export_rendered"] for r in runs])
        print(f"                           the sandbox rendered {rendered:,.0f} contacts' JSON during "
              "the export (median; the others' it had kept: contact_cache.py)")
    busy = server_cpu / med([r["export_s"] for r in runs]) if runs else 0.0
    if busy >= 0.8:
        print(f"                           the sandbox's process was busy {busy:.0%} of the export "
              "(one Python process encodes every reply): the stage, not the app, bounds this export")
    k = max(0, r0["export_n"] - 1)
    own = max(float(k // limits.per_second) * SECOND if limits.per_second else 0.0,
              MINUTE * (k // limits.per_minute) if limits.per_minute else 0.0)
    print(f"  export calls (run 1)     {in_words(r0['export_calls'])}; the client's own limiter (a "
          f"{SECOND:g} s second) lets the last of them start at {own:.1f} s at the earliest (so at "
          f"most {r0['export_ideal_s'] / own if own else 0:.0%} of the quota)")
    for label, key in (("sequential loop", "seq"), ("naive parallel loop", "par")):
        got = alts.get(key) or []
        if not got:
            continue
        workers = f", {got[0]['workers']} workers" if key == "par" else ""
        print(f"  {label:24} {spread([a['s'] for a in got], '.1f')} s, {got[0]['calls']} calls, "
              f"{spread([a['share'] * 100 for a in got], '.0f')}% of the quota, "
              f"{sum(a['rejected'] for a in got)} 429s, {got[0]['rows']:,} rows{workers}")
    ours = med([r["export_s"] for r in runs])
    for key, label in (("seq", "sequential"), ("par", "naive parallel")):
        if alts.get(key):
            print(f"  speed-up vs {label:14} {med([a['s'] for a in alts[key]]) / ours:.2f}x "
                  "(the alternative's median time / the export's)")
    print(f"  tag counts ({account.info['assignments']:,} assignments, {account.info['tags']} tags; "
          f"session.tags.member_counts()):")
    for n, label in ((0, "first pass"), (1, "second pass")):
        got = [t[n] for t in tags if len(t) > n]
        if got:
            n_calls = ", ".join(str(g["calls"]) for g in got)
            print(f"    {label:22} {spread([g['s'] for g in got], '.1f')} s (first snapshot "
                  f"{spread([g['first_s'] for g in got], '.2f')} s), {n_calls} calls, "
                  f"{got[0]['snapshots']} snapshots, {got[0]['sum']:,} assignments over {got[0]['tags']} "
                  f"tags, complete {all(g['complete'] for g in got)}, "
                  f"{spread([g['share'] * 100 for g in got], '.0f')}% "
                  f"of the quota, {sum(g['rejected'] for g in got)} 429s")
            print(f"      calls: {in_words(got[0]['by_label'])}")
    if alt_tags:
        a = alt_tags[0]
        print(f"    count every tag        {spread([x['s'] for x in alt_tags], '.1f')} s, {a['calls']} calls "
              f"(a ThreadPoolExecutor() of member_count), {a['sum']:,} assignments, "
              f"{sum(x['rejected'] for x in alt_tags)} 429s")
    pages_all = -(-account.info["assignments"] // 1000)
    print(f"    page every assignment  {pages_all:,} calls (computed, not run): the quota allows it in "
          f"{ideal_seconds(pages_all, limits.per_second, limits.per_minute):.0f} s at this scale, "
          f"{ideal_seconds(pages_all, 10, 240) / 60:.1f} min at the real PAT quota")
    errors: dict[str, int] = {}
    for r in runs:
        for k, v in r["client_errors"].items():
            errors[k] = errors.get(k, 0) + v
    if errors:
        print(f"  client errors (all runs) {errors}")
    first_pass_ok = all(t[0]["complete"] and t[0]["sum"] == account.info["assignments"] for t in tags)
    rejected = sum(r["rejected"] for r in runs) + sum(g["rejected"] for t in tags for g in t)
    return {
        "first rows < 0.5 s (median)": med([r["first_s"] for r in runs]) < 0.5,
        "export >= 90% of quota (median)": med([r["export_share"] for r in runs]) >= 0.90,
        "GUI stall < 50 ms (median of each run's longest)": med([float(r["stall_ms"]) for r in runs]) < 50,
        "memory <= 300 MB with every row in, idle (median VmRSS)":
            med([r["rss_idle"] for r in runs]) <= 300 * 2**20,
        "no 429 (TagDesk's runs)": rejected == 0 and not errors.get("HttpThrottledError"),
        "every row loaded and exported": all(r["loaded"] == r["total"] == account.info["contacts"]
                                             == r["export_lines"] == r["export_result"] for r in runs),
        "tag counts complete and right": first_pass_ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--protocol", choices=["rest", "xmlrpc", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3,
                        help="GUI runs per protocol (medians)")
    parser.add_argument("--alt-runs", type=int, default=1, help="runs of each simple alternative")
    parser.add_argument("--tag-runs", type=int, default=1,
                        help="tag-count runs per protocol (each a first and a second pass)")
    parser.add_argument("--contacts", type=int, default=250_000)
    parser.add_argument("--assignments", type=int, default=2_000_000)
    parser.add_argument("--latency", type=int, default=100, help="sandbox latency per call, ms")
    parser.add_argument("--scale", type=float, default=2.0, help="PAT quota scale for sandbox and client")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="the 15 longest GUI gaps and 3 sampled stacks per run")
    args = parser.parse_args(argv)
    print(compile_app(), flush=True)

    import PySide6
    from PySide6.QtCore import qVersion

    from app.api.ratelimit import Limits

    protocols = ["xmlrpc", "rest"] if args.protocol == "both" else [args.protocol]
    lim = Limits.for_mode("pat").scaled(args.scale)
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, Qt {qVersion()} "
          f"(PySide6 {PySide6.__version__}), {platform.system()} {platform.machine()}; "
          f"load average {load[0]:.2f} at the start")
    print(f"quota: PAT x{args.scale:g} = {lim.per_second}/s, {lim.per_minute}/min, {lim.per_day:,}/day "
          f"(the real PAT quota is 10/s, 240/min, 30,000/day: scaled {'up' if args.scale > 1 else 'down'} "
          f"x{args.scale:g} so the run is short); latency {args.latency} ms; {args.runs} GUI run(s), "
          f"alternatives {args.alt_runs} run(s), tag counts {args.tag_runs} run(s)")
    began = time.monotonic()
    account = Account(args)
    info = account.info
    print(f"sandbox (child process): {info['contacts']:,} contacts, {info['assignments']:,} tag assignments, "
          f"{info['tags']} tags, seeded in {info['seed_s']:.1f} s", flush=True)
    warm = warm_up(account, args)
    print(f"warm-up (not measured): {warm}", flush=True)
    ok = True
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-large-") as folder:
            for protocol in protocols:
                runs = []
                for i in range(args.runs):
                    runs.append(gui(account, protocol, args, folder))
                    r = runs[-1]
                    print(f"  {NAMES[protocol]} GUI run {i + 1}: first rows {r['first_s']:.3f} s, scroll "
                          f"{r['scroll_s']:.1f} s, {r['rss_idle'] / 2**20:.0f} MB, export "
                          f"{r['export_s']:.1f} s ({r['export_share']:.0%} of quota), stall "
                          f"{r['stall_ms']} ms, {r['rejected']} 429s",
                          flush=True)
                alts: dict[str, list[dict[str, Any]]] = {"seq": [], "par": []}
                for i in range(args.alt_runs):
                    alts["seq"].append(alt_export(account, protocol, args, folder, parallel=False))
                    alts["par"].append(alt_export(account, protocol, args, folder, parallel=True))
                    par = f", naive parallel {alts['par'][-1]['s']:.1f} s" if alts["par"] else ""
                    print(f"  {NAMES[protocol]} alternatives run {i + 1}: sequential "
                          f"{alts['seq'][-1]['s']:.1f} s{par}", flush=True)
                tags = [tag_counts(account, protocol, args, passes=2) for _ in range(args.tag_runs)]
                alt_tags = [alt_tag_counts(account, protocol, args) for _ in range(args.alt_runs)]
                if tags:
                    firsts = ", ".join(f"{t[0]['s']:.1f}" for t in tags)
                    print(f"  {NAMES[protocol]} tag counts: first pass {firsts} s", flush=True)
                results.append((protocol, runs, alts, tags, alt_tags))
    finally:
        account.stop()
    for protocol, runs, alts, tags, alt_tags in results:
        checks = report(protocol, runs, alts, tags, alt_tags, account, args, args.verbose)
        for check, passed in checks.items():
            ok = ok and passed
            print(f"  {'PASS' if passed else 'FAIL'}  {check}")
    load = os.getloadavg()
    print(f"\nbench took {(time.monotonic() - began) / 60:.1f} min; load average {load[0]:.2f} at the end")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
