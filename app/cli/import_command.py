"""``tagdesk-cli import FILE``: read, map and check a CSV file against the account, then import it.

Without ``--yes`` it is a dry run (reads only: the file, the account's fields and users,
one paged pass over its contacts): the mapping used, the figures (rows, invalid, to
create, to update, unchanged, calls and time at the key's quota) and every row that
cannot be imported with its line and reason; ``--json`` prints the figures as one object.
With ``--yes`` the plan is stored in the journal as an import job (its id printed first,
``job=<id>``) and run; ``tagdesk-cli resume`` finishes it after a crash without creating
anything twice, ``tagdesk-cli undo`` puts updated fields back. ``--tag-id`` then tags
every imported contact as a bulk tag job of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from app.cli import commands
from app.cli.args import UsageError
from app.cli.commands import EXIT_OK, EXIT_ROWS_FAILED, Context, find_job, in_worker, run_journalled
from app.imports.failed_rows import write_failed_rows
from app.imports.mapping import merged, parse_overrides
from app.imports.reading import CsvError, CsvTable
from app.jobs.bulk_tags import Scope, format_duration, plan_bulk
from app.journal.import_job import (
    UNDO_KIND,
    ImportJobs,
    ImportReport,
    Progress,
    is_import,
    lines_not_imported,
)
from app.services.imports import DryRun, ImportService
from app.services.session import Session

PROGRESS_EVERY = 0.2


def cmd_import(ctx: Context) -> int:
    args = ctx.args
    session = ctx.session
    service = ImportService(session.contacts, session.tags.estimate_seconds)
    try:
        table = service.read(Path(args.file).expanduser())
    except OSError as err:
        raise UsageError(f"cannot read {args.file}: {err.strerror or err}") from None
    except CsvError as err:
        raise UsageError(f"{args.file}: {err}") from None
    if args.tag_id is not None and args.yes:
        _check_tag(session, args.tag_id, ctx)
    setup = service.setup(ctx.cancel)
    try:
        overrides = parse_overrides(args.map, table.headers, setup.fields)
        mapping = merged(service.suggest(table, setup), overrides)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not mapping:
        raise UsageError(f"no column of {args.file} matches a contact field; name them with "
                         "--map \"Header=Field\"")
    order = args.date_order or service.date_order(table, mapping, setup) or "MDY"
    dry = service.dry_run(table, mapping, setup, ctx.cancel, mode=args.match, on_match=args.on_match,
                          date_order=order)
    if args.json and not args.yes:
        ctx.say(json.dumps(dry.figures()))
        return EXIT_OK
    if not args.yes:
        _print_dry_run(ctx, table, mapping, {f.name: f.label for f in setup.fields}, dry)
        _write_failed(ctx, table, lines_not_imported(dry.plan, None))
        ctx.say("")
        ctx.say("Dry run only: nothing was changed. Add --yes to import.")
        return EXIT_OK
    return _run(ctx, table, dry)


def _print_dry_run(ctx: Context, table: CsvTable, mapping: dict[int, str], labels: dict[str, str],
                   dry: DryRun) -> None:
    figures = dry.figures()
    ctx.say(f"{ctx.args.file}: {table.encoding_name}, {table.delimiter_name}-separated, "
            f"{len(table.rows):,} rows")
    for column, header in enumerate(table.headers):
        field = mapping.get(column)
        ctx.say(f"  {header} -> {labels.get(field, field) if field else '(not imported)'}")
    for problem in table.problems:
        ctx.say(f"  note: {problem}")
    ctx.say(f"Rows: {figures['rows']:,}; invalid {figures['invalid']:,}; to create {figures['create']:,}; "
            f"to update {figures['update']:,}; unchanged {figures['unchanged']:,}")
    ctx.say(f"Calls to make: {figures['calls']:,} (after {dry.plan.reads:,} paged reads); estimated time "
            f"{format_duration(dry.estimated_seconds)}")
    for row in dry.plan.rows:
        if row.action == "invalid":
            ctx.say(f"  line {row.line}: {'; '.join(row.problems)}")


def _run(ctx: Context, table: CsvTable, dry: DryRun) -> int:
    jobs = ImportJobs(ctx.journal)
    job_id = jobs.start(dry.plan, Path(ctx.args.file).name, ctx.session.protocol)
    ctx.say(f"job={job_id}")
    figures = dry.figures()
    ctx.say(f"Importing {Path(ctx.args.file).name}: {figures['create']:,} to create, "
            f"{figures['update']:,} to update, {figures['invalid']:,} invalid, "
            f"{figures['unchanged']:,} unchanged")
    report = run_import(ctx, lambda progress: jobs.run(job_id, ctx.session.contacts, ctx.cancel, progress,
                                                       workers=int(ctx.args.workers)))
    print_import_report(ctx, report)
    _write_failed(ctx, table, lines_not_imported(dry.plan, report))
    code = EXIT_OK if report.complete else EXIT_ROWS_FAILED
    if ctx.args.tag_id is not None and report.imported_ids and not ctx.cancel.is_cancelled():
        plan = plan_bulk(ctx.session.tags, Scope.selected(report.imported_ids), [ctx.args.tag_id], "apply",
                         ctx.cancel)
        tag_job = ctx.journal.start_job(plan)
        ctx.say(f"Tagging the {len(report.imported_ids):,} imported contacts: job={tag_job}")
        code = max(code, run_journalled(ctx, tag_job, plan))
    return code


def run_import(ctx: Context, work: Callable[[Progress], ImportReport]) -> ImportReport:
    """Run an import (or its resume or undo) on a worker thread, printing progress lines, so the
    main thread stays free for Ctrl+C / SIGTERM."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = now
            ctx.say(f"progress: {done:,}/{total:,}")

    return in_worker(lambda: work(progress), "tagdesk-cli-import")


def print_import_report(ctx: Context, report: ImportReport) -> None:
    ctx.say(("Cancelled: " if report.cancelled else "Finished: ") + report.summary())
    for row in report.unfinished:
        ctx.say(f"  {row.describe()}")
    if report.unfinished:
        ctx.say(f"Run `tagdesk-cli resume {report.job_id}` to check and finish them "
                "(nothing Keap already has is sent again).")


def _write_failed(ctx: Context, table: CsvTable, problems: dict[int, str]) -> None:
    target = ctx.args.failed_rows
    if not target:
        return
    count = write_failed_rows(Path(target).expanduser(), table, problems)
    ctx.say(f"Wrote {count:,} lines that were not imported to {target}")


def _check_tag(session: Session, tag_id: int, ctx: Context) -> None:
    if session.tags.catalog(ctx.cancel).tag(tag_id) is None:
        raise UsageError(f"there is no tag {tag_id} in this account")


# -- resume and undo of an import (other jobs: app.cli.commands) ---------------------------------


def cmd_resume(ctx: Context) -> int:
    job = find_job(ctx, ctx.args.job)
    if not is_import(job.kind):
        return commands.cmd_resume(ctx)
    if job.state == "running":
        raise UsageError(f"job {job.id} is still running in another process; resume it when it has ended")
    if job.state == "discarded":
        raise UsageError(f"job {job.id} was discarded; start a new import instead")
    if not job.unfinished_rows:
        ctx.say(f"Job {job.id} is {job.state}: every line was imported; nothing to resume.")
        if job.state == "interrupted":
            ctx.journal.store.execute("UPDATE jobs SET state = 'finished' WHERE id = ?", (job.id,))
        return EXIT_OK
    jobs = ImportJobs(ctx.journal)
    if not ctx.args.yes:
        ctx.say(f"Job {job.id} ({job.title}): {job.unknown:,} lines whose outcome is unknown are checked by "
                f"reading first; {job.failed + job.not_started:,} failed or not started are sent.")
        ctx.say("A create is never sent again unless it is not found in Keap and --create-missing is given.")
        ctx.say("")
        ctx.say("Dry run only: nothing was changed. Add --yes to resume.")
        return EXIT_OK
    ctx.say(f"job={job.id}")
    report = run_import(ctx, lambda progress: jobs.resume(
        job.id, ctx.session.contacts, ctx.cancel, progress, create_missing=bool(ctx.args.create_missing),
        workers=int(ctx.args.workers)))
    print_import_report(ctx, report)
    return EXIT_OK if report.complete else EXIT_ROWS_FAILED


def cmd_undo(ctx: Context) -> int:
    job = find_job(ctx, ctx.args.job)
    if not is_import(job.kind):
        return commands.cmd_undo(ctx)
    if job.state == "running":
        raise UsageError(f"job {job.id} is still running; undo it when it has ended")
    if job.kind == UNDO_KIND:
        raise UsageError(f"job {job.id} is itself an undo; run the import again to restore its values")
    jobs = ImportJobs(ctx.journal)
    rows = jobs.report(job.id).rows
    updated = {r.contact_id for r in rows if r.kind == "update" and r.state == "done"}
    created = [r.contact_id for r in rows if r.kind == "create" and r.state == "done" and r.contact_id]
    delete = bool(ctx.args.delete_created)
    if not ctx.args.yes:
        ctx.say(f"Undo {job.title}: {len(updated):,} updated contacts get their previous values back (only "
                "fields nobody changed since).")
        if created and delete:
            ctx.say(f"{len(created):,} contacts it created are deleted; anything added to them since is "
                    "lost, and a deleted contact cannot be brought back.")
        elif created:
            ctx.say(f"{len(created):,} contacts it created stay; add --delete-created to delete them.")
        ctx.say("")
        ctx.say("Dry run only: nothing was changed. Add --yes to undo.")
        return EXIT_OK
    undo_id = jobs.plan_undo(job.id, ctx.session.contacts, ctx.cancel, delete_created=delete)
    ctx.say(f"job={undo_id}")
    report = run_import(ctx, lambda progress: jobs.run_undo(undo_id, ctx.session.contacts, ctx.cancel,
                                                            progress, workers=int(ctx.args.workers)))
    print_import_report(ctx, report)
    if created and not delete:
        ctx.say(f"{len(created):,} contacts the import created were kept (--delete-created deletes them).")
    return EXIT_OK if report.complete else EXIT_ROWS_FAILED
