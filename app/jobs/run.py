"""Running a bulk tag plan on a few worker threads, and the report it ends with.

The client's rate limiter already keeps every thread under the key's quota, so a
small pool only hides each call's round trip. Over a connection whose calls carry one
contact (XML-RPC), one contact's changes run in order on one thread, so they never
race (a merge applies A before it removes B). Over one whose calls carry many (REST
v2, ``bulk_size`` > 1) the plan runs as bulk calls, phase by phase
(:mod:`app.jobs.bulk_run`), with the same guarantees and the same report. Cancel is
cooperative: no new call starts after it, calls in flight finish or stop in their
wait; a call stopped between a lost reply and its retry may or may not have been
applied, so those rows are checked with one read before the report is made. The
report accounts for every row: done, skipped (already so), failed (with Keap's
reason) or not started.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from app.api.errors import ApiError, CancelledError
from app.core.cancel import Cancellable
from app.jobs.bulk_run import NOT_TRIED, run_batches, settle
from app.jobs.bulk_tags import BulkTagPlan, Change, format_duration, plan_of
from app.jobs.tally import JobProgress, ProgressCallback, RowResult, Status, Tally, reason

__all__ = ["DEFAULT_WORKERS", "BulkTagReport", "JobProgress", "ProgressCallback", "RowResult", "run"]

log = logging.getLogger("app.jobs")

DEFAULT_WORKERS = 4


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
        out = [self.plan.title, self.summary(), "", "Contact\tName\tTag\tAction\tResult\tReason"]
        for r in sorted(self.results, key=_report_order):
            c = r.change
            name = self.plan.contact_names.get(c.contact_id, "")
            out.append(f"{c.contact_id}\t{name}\t{self.plan.tag_name(c.tag_id)}\t{c.action}\t"
                       f"{r.status.replace('_', ' ')}\t{r.reason}")
        return "\n".join(out) + "\n"


def _report_order(r: RowResult) -> tuple[int, int, int]:
    rank = {"failed": 0, "not_started": 1, "done": 2, "skipped": 3}[r.status]
    return (rank, r.change.contact_id, r.change.tag_id)


def run(plan: BulkTagPlan, cancel: Cancellable, progress_callback: ProgressCallback | None = None, *,
        workers: int = DEFAULT_WORKERS) -> BulkTagReport:
    """Make the plan's calls within the rate limit; return the report (also when cancelled)."""
    started = time.monotonic()
    tally = Tally(len(plan.changes), started, progress_callback)
    if plan.bulk_size > 1:
        run_batches(plan, cancel, tally, workers)
    else:
        _run_each(plan, cancel, tally, workers)
    results = [RowResult(c, *tally.status[c]) for c in plan.changes]
    results += [RowResult(c, "skipped", "Already so.") for c in plan.skipped]
    report = BulkTagReport(plan, tuple(results), cancel.is_cancelled(), time.monotonic() - started)
    log.info("%s: %s", plan.title, report.summary())
    return report


def _run_each(plan: BulkTagPlan, cancel: Cancellable, tally: Tally, workers: int) -> None:
    """One call per change; a contact's changes in order on one thread."""
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
                tally.record(change, "failed", NOT_TRIED)
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
                tally.record(change, "failed", reason(err))
            except Exception as err:  # a bug: report the row, keep the job going
                log.exception("bulk tag row %s failed unexpectedly", change)
                failed_before = True
                tally.record(change, "failed", f"Unexpected error inside TagDesk ({type(err).__name__}).")
            else:
                tally.record(change, "done")

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bulk-tags") as pool:
        for future in [pool.submit(work, rows) for rows in units.values()]:
            future.result()
    # rows stopped inside a call: read whether Keap applied them (one read, not per row)
    settle(plan, tally, [(c, None) for c in tally.interrupted])
