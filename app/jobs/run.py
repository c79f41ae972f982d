"""Running a bulk tag plan on a few worker threads, and the report it ends with.

The client's rate limiter already keeps every thread under the key's quota, so a
small pool only hides each call's round trip. One contact's changes run in order on
one thread, so they never race (a merge applies A before it removes B). Cancel is
cooperative: no new call starts after it, calls in flight finish or stop in their
wait; a call stopped between a lost reply and its retry may or may not have been
applied, so those rows are checked with one read before the report is made. The
report accounts for every row: done, skipped (already so), failed (with Keap's
reason) or not started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from app.api.errors import ApiError, CancelledError
from app.core.cancel import Cancellable
from app.jobs.bulk_tags import BulkTagPlan, Change, format_duration, plan_of

log = logging.getLogger("app.jobs")

Status = Literal["done", "skipped", "failed", "not_started"]
DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class RowResult:
    change: Change
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class JobProgress:
    """Where a running job is; sent after every row (from a worker thread)."""

    total: int
    done: int
    failed: int
    elapsed: float

    @property
    def finished(self) -> int:
        return self.done + self.failed


ProgressCallback = Callable[[JobProgress], None]


@dataclass(frozen=True)
class BulkTagReport:
    """Every row of the plan with what happened to it."""

    plan: BulkTagPlan
    results: tuple[RowResult, ...]
    cancelled: bool
    elapsed: float

    def _with(self, status: Status) -> list[RowResult]:
        return [r for r in self.results if r.status == status]

    @property
    def done(self) -> list[RowResult]:
        return self._with("done")

    @property
    def skipped(self) -> list[RowResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[RowResult]:
        return self._with("failed")

    @property
    def not_started(self) -> list[RowResult]:
        return self._with("not_started")

    @property
    def complete(self) -> bool:
        return not self.failed and not self.not_started

    def retry_failed(self) -> BulkTagPlan:
        """A plan of only the failed rows (every tag call is safe to repeat)."""
        return plan_of(self.plan, [r.change for r in self.failed], f"Retry failed: {self.plan.title}")

    def remaining(self) -> BulkTagPlan:
        """A plan of the failed and the not-started rows (to finish a cancelled job)."""
        rows = [r.change for r in self.results if r.status in ("failed", "not_started")]
        return plan_of(self.plan, rows, f"Resume: {self.plan.title}")

    def summary(self) -> str:
        parts = [f"{len(self.done):,} done", f"{len(self.skipped):,} skipped (already so)",
                 f"{len(self.failed):,} failed"]
        if self.not_started:
            parts.append(f"{len(self.not_started):,} not started")
        took = f"{self.elapsed:.0f} s" if self.elapsed < 90 else format_duration(self.elapsed)
        state = f"Cancelled after {took}" if self.cancelled else f"Finished in {took}"
        return f"{state}: " + ", ".join(parts) + "."

    def as_text(self) -> str:
        """The whole report as tab-separated text (for the clipboard)."""
        out = [self.plan.title, self.summary(), "", "Contact\tTag\tAction\tResult\tReason"]
        for r in sorted(self.results, key=_report_order):
            c = r.change
            out.append(f"{c.contact_id}\t{self.plan.tag_name(c.tag_id)}\t{c.action}\t"
                       f"{r.status.replace('_', ' ')}\t{r.reason}")
        return "\n".join(out) + "\n"


def _report_order(r: RowResult) -> tuple[int, int, int]:
    rank = {"failed": 0, "not_started": 1, "done": 2, "skipped": 3}[r.status]
    return (rank, r.change.contact_id, r.change.tag_id)


class _Tally:
    """Thread-safe results and counters."""

    def __init__(self, total: int, started: float, callback: ProgressCallback | None) -> None:
        self.lock = threading.Lock()
        self.status: dict[Change, tuple[Status, str]] = {}
        self.interrupted: list[Change] = []
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = started
        self.callback = callback

    def record(self, change: Change, status: Status, reason: str = "") -> None:
        with self.lock:
            self.status[change] = (status, reason)
            if status == "done":
                self.done += 1
            elif status == "failed":
                self.failed += 1
            progress = JobProgress(self.total, self.done, self.failed, time.monotonic() - self.started)
        if self.callback is not None and status in ("done", "failed"):
            self.callback(progress)

    def interrupt(self, change: Change) -> None:
        with self.lock:
            self.interrupted.append(change)


def run(plan: BulkTagPlan, cancel: Cancellable, progress_callback: ProgressCallback | None = None, *,
        workers: int = DEFAULT_WORKERS) -> BulkTagReport:
    """Make the plan's calls within the rate limit; return the report (also when cancelled)."""
    started = time.monotonic()
    tally = _Tally(len(plan.changes), started, progress_callback)
    units: dict[int, list[Change]] = {}
    for change in plan.changes:
        units.setdefault(change.contact_id, []).append(change)

    def work(rows: list[Change]) -> None:
        failed_before = False
        for change in rows:
            if cancel.is_cancelled():
                tally.record(change, "not_started")
                continue
            if failed_before and plan.stop_contact_on_failure:
                tally.record(change, "failed", "Not tried: the change before it for this contact failed.")
                continue
            try:
                if change.action == "apply":
                    plan.service.apply_tag(change.contact_id, change.tag_id, cancel)
                else:
                    plan.service.remove_tag(change.contact_id, change.tag_id, cancel)
            except CancelledError:
                tally.interrupt(change)
            except ApiError as err:
                failed_before = True
                tally.record(change, "failed", _reason(err))
            except Exception as err:  # a bug: report the row, keep the job going
                log.exception("bulk tag row %s failed unexpectedly", change)
                failed_before = True
                tally.record(change, "failed", f"Unexpected error inside TagDesk ({type(err).__name__}).")
            else:
                tally.record(change, "done")

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bulk-tags") as pool:
        for future in [pool.submit(work, rows) for rows in units.values()]:
            future.result()
    _settle_interrupted(plan, tally)
    results = [RowResult(c, *tally.status[c]) for c in plan.changes]
    results += [RowResult(c, "skipped", "Already so.") for c in plan.skipped]
    report = BulkTagReport(plan, tuple(results), cancel.is_cancelled(), time.monotonic() - started)
    log.info("%s: %s", plan.title, report.summary())
    return report


def _reason(err: ApiError) -> str:
    """Keap's reason for the report, without "TagDesk will try again" (its retries are spent)."""
    return err.message.replace(" TagDesk will try again.", "").replace(" TagDesk will slow down.", "")


def _settle_interrupted(plan: BulkTagPlan, tally: _Tally) -> None:
    """Rows stopped inside a call: read whether Keap applied them (one read, not per row)."""
    rows: Sequence[Change] = tally.interrupted
    if not rows:
        return
    try:
        present = plan.service.assignments({c.tag_id for c in rows}, {c.contact_id for c in rows}, None)
    except ApiError as err:
        for change in rows:
            tally.record(change, "failed", f"Cancelled while waiting for Keap; could not check the result "
                                           f"({err.message}). Retry to be sure.")
        return
    for change in rows:
        has = (change.contact_id, change.tag_id) in present
        tally.record(change, "done" if has == (change.action == "apply") else "not_started")
