"""The commands of ``tagdesk-cli``: dry run, run through the journal, jobs, resume, undo, history.

Every command gets a :class:`Context` (the open session, the journal, the streams and the
cancel token) and returns the exit status. Output is line-oriented for scripts: a job's
first line on stdout is ``job=<id>``, flushed at once.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TextIO, TypeVar

from app.cli.args import UsageError, read_contact_ids
from app.core.cancel import Cancellable, CancelToken
from app.core.records import ContactQuery
from app.jobs.bulk_tags import BulkTagPlan, Scope, plan_bulk
from app.jobs.run import BulkTagReport, JobProgress
from app.journal import JobSummary, Journal
from app.services.session import Session

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ROWS_FAILED = 3

#: At most one progress line this often (plus the last one).
PROGRESS_EVERY = 0.2


@dataclass
class Context:
    args: argparse.Namespace
    session: Session
    journal: Journal
    out: TextIO
    err: TextIO
    stdin: TextIO
    cancel: CancelToken

    out_closed: bool = False

    def say(self, line: str = "") -> None:
        """A line on stdout, flushed; a reader that went away (``| head``) never stops a job."""
        if self.out_closed:
            return
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.out_closed = True

    def warn(self, line: str) -> None:
        try:
            self.err.write(line + "\n")
            self.err.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass


def report_unfinished(ctx: Context, skip: str | None = None) -> None:
    """On start: every interrupted job on stderr, with the command that finishes it."""
    for job in ctx.journal.unfinished():
        if job.id == skip:
            continue
        left = job.unfinished_rows
        noun = "change" if left == 1 else "changes"
        if left:
            ctx.warn(f"{left:,} {noun} of job {job.id} did not finish; run `tagdesk-cli resume {job.id}`")
        else:
            ctx.warn(f"job {job.id} was interrupted after its last change; run `tagdesk-cli resume {job.id}` "
                     "to check it and mark it finished")


# -- tag apply|remove ---------------------------------------------------------------------------


def cmd_tag(ctx: Context) -> int:
    args = ctx.args
    if args.contact_ids is not None:
        scope = Scope.selected(read_contact_ids(args.contact_ids, ctx.stdin))
    else:
        text = str(args.search)
        if not text.strip():
            raise UsageError("--search needs some text (TagDesk's search box finds nothing for blanks)")
        described = f"contacts matching \u201c{text.strip()}\u201d"
        scope = Scope.matching(_search_source(ctx.session, text), described)
    try:
        plan = plan_bulk(ctx.session.tags, scope, [args.tag_id], args.action, ctx.cancel)
    except ValueError as err:
        raise UsageError(str(err)) from None
    return _dry_run_or_run(ctx, plan)


def _search_source(session: Session, text: str) -> Callable[[Cancellable], list[int]]:
    def source(cancel: Cancellable) -> list[int]:
        query = ContactQuery(text=text)
        return [int(str(row["Id"])) for row in session.contacts.iter_rows(query, ["Id"], cancel)]

    return source


def _dry_run_or_run(ctx: Context, plan: BulkTagPlan, *, noun: str = "job") -> int:
    if not ctx.args.yes:
        for line in plan.summary():
            ctx.say(line)
        if not getattr(ctx.args, "dry_run", False):
            ctx.say("")
            ctx.say(f"Dry run only: nothing was changed. Add --yes to run this {noun}.")
        return EXIT_OK
    job_id = ctx.journal.start_job(plan)
    ctx.say(f"job={job_id}")
    for line in plan.summary():
        ctx.say(line)
    return run_journalled(ctx, job_id, plan)


def run_journalled(ctx: Context, job_id: str, plan: BulkTagPlan) -> int:
    """Run a started job on a worker thread (the main thread stays free for Ctrl+C / SIGTERM)."""
    progress = ProgressPrinter(ctx)
    workers = int(getattr(ctx.args, "workers", 4))
    report = in_worker(lambda: ctx.journal.run_job(job_id, plan, ctx.cancel, progress_callback=progress,
                                                   workers=workers), "tagdesk-cli-job")
    progress.final()
    print_report(ctx, job_id, report)
    return EXIT_OK if report.complete else EXIT_ROWS_FAILED


def in_worker(fn: Callable[[], T], name: str) -> T:
    """``fn()`` on a worker thread, its result returned and its error raised here: the main thread
    keeps waking up, so Ctrl+C and SIGTERM reach the job's cancel token while it runs."""
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = fn()
        except BaseException as err:  # re-raised on the main thread
            outcome["error"] = err

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return outcome["result"]  # type: ignore[return-value]


class ProgressPrinter:
    """``progress: 120/342 (118 done, 2 failed)`` lines, at most every :data:`PROGRESS_EVERY` s."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._last_time = 0.0
        self._last: JobProgress | None = None
        self._printed: JobProgress | None = None

    def __call__(self, p: JobProgress) -> None:
        with self._lock:
            self._last = p
            now = time.monotonic()
            if now - self._last_time >= PROGRESS_EVERY or p.finished >= p.total:
                self._last_time = now
                self._print(p)

    def final(self) -> None:
        with self._lock:
            if self._last is not None and self._last != self._printed:
                self._print(self._last)

    def _print(self, p: JobProgress) -> None:
        self._printed = p
        self.ctx.say(f"progress: {p.finished:,}/{p.total:,} ({p.done:,} done, {p.failed:,} failed)")


def print_report(ctx: Context, job_id: str, report: BulkTagReport) -> None:
    ctx.say(report.summary())
    for row in sorted(report.failed, key=lambda r: (r.change.contact_id, r.change.tag_id)):
        c = row.change
        ctx.say(f"failed: contact {c.contact_id}, {c.action} \u201c{report.plan.tag_name(c.tag_id)}\u201d: "
                f"{row.reason}")
    if report.not_started:
        ctx.say(f"not started: {len(report.not_started):,} changes; run `tagdesk-cli resume {job_id}` "
                "to finish them")
    elif report.failed:
        ctx.say(f"Run `tagdesk-cli resume {job_id}` to try the failed rows again.")


# -- jobs, resume, undo, history ----------------------------------------------------------------


def find_job(ctx: Context, job_id: str) -> JobSummary:
    job = ctx.journal.job(job_id)
    if job is not None:
        return job
    raise UsageError(f"there is no job {job_id} in the journal of this connection "
                     "(`tagdesk-cli jobs` lists them)")


def cmd_jobs(ctx: Context) -> int:
    jobs = ctx.journal.jobs()
    if ctx.args.json:
        ctx.say(json.dumps([_jsonable(asdict(j)) for j in jobs], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not jobs:
        ctx.say("No jobs in the journal of this connection.")
        return EXIT_OK
    for j in jobs:
        ctx.say(f"{j.id}\t{j.state}\t{j.kind}\t{_when(j.created)}\ttotal={j.total} done={j.done} "
                f"failed={j.failed} unknown={j.unknown} not_started={j.not_started} skipped={j.skipped}\t"
                f"{j.title}")
    return EXIT_OK


def cmd_resume(ctx: Context) -> int:
    job = find_job(ctx, ctx.args.job)
    seen = {job.id}
    while job.state == "resumed" and job.resumed_by and job.resumed_by not in seen:
        ctx.warn(f"Job {job.id} was resumed by job {job.resumed_by}; resuming that one.")
        job = find_job(ctx, job.resumed_by)
        seen.add(job.id)
    if job.state == "running":
        raise UsageError(f"job {job.id} is still running in another process; resume it when it has ended")
    if job.state == "discarded":
        raise UsageError(f"job {job.id} was discarded; start a new job instead")
    if not job.unfinished_rows and job.state != "interrupted":
        ctx.say(f"Job {job.id} is {job.state}: every change was made; nothing to resume.")
        return EXIT_OK
    plan = ctx.journal.resume_plan(job.id, ctx.session.tags, ctx.cancel)
    if not plan.changes:
        ctx.say(f"Keap already has every change of job {job.id} (verified by reading); nothing to send.")
        return EXIT_OK
    return _dry_run_or_run(ctx, plan, noun="resume")


def cmd_undo(ctx: Context) -> int:
    job = find_job(ctx, ctx.args.job)
    if job.state == "running":
        raise UsageError(f"job {job.id} is still running; undo it when it has ended")
    plan = ctx.journal.undo_plan(job.id, ctx.session.tags, ctx.cancel)
    if not plan.changes:
        ctx.say(f"Nothing to undo: every change of job {job.id} is already back as it was before.")
        return EXIT_OK
    return _dry_run_or_run(ctx, plan, noun="undo")


def cmd_history(ctx: Context) -> int:
    if ctx.args.job:
        find_job(ctx, ctx.args.job)
    rows = ctx.journal.history(contact_id=ctx.args.contact, job_id=ctx.args.job, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.say(json.dumps([_jsonable(asdict(r)) for r in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        ctx.say("No changes recorded for that.")
        return EXIT_OK
    for r in rows:
        extra = f"\t{r.reason}" if r.reason else ""
        undo = "" if r.reversible else f"\tnot reversible: {r.why_not}"
        ctx.say(f"{_when(r.created)}\t{r.job_id or '-'}\t{r.kind}\t{r.target}\t{r.state}\t"
                f"{_values(r.before)} -> {_values(r.after)}{extra}{undo}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[Context], int]] = {
    "tag": cmd_tag, "jobs": cmd_jobs, "resume": cmd_resume, "undo": cmd_undo, "history": cmd_history,
}


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def _values(values: dict[str, object]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str) if values else "{}"


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
