"""``tagdesk-cli import FILE``: read, map and check a CSV file against the account (a dry run).

Reads only: the file, the account's fields and users, and one paged pass over its
contacts. Prints the mapping used, the figures (rows, invalid, to create, to update,
unchanged, calls and time at the key's quota) and every row that cannot be imported
with its line and reason; ``--json`` prints the figures as one object. Running the import
itself arrives with the import job (docs/design/import-job.md); until then ``--yes``
says so and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.cli.args import UsageError
from app.cli.commands import EXIT_OK, EXIT_USAGE, Context
from app.imports.mapping import merged, parse_overrides
from app.imports.reading import CsvError
from app.jobs.bulk_tags import format_duration
from app.services.imports import ImportService


def cmd_import(ctx: Context) -> int:
    args = ctx.args
    if args.yes:
        ctx.warn("tagdesk-cli: running an import is not available in this version yet; nothing was "
                 "changed. Without --yes the command checks the file and shows what an import would do.")
        return EXIT_USAGE
    session = ctx.session
    service = ImportService(session.contacts, session.tags.estimate_seconds)
    try:
        table = service.read(Path(args.file).expanduser())
    except OSError as err:
        raise UsageError(f"cannot read {args.file}: {err.strerror or err}") from None
    except CsvError as err:
        raise UsageError(f"{args.file}: {err}") from None
    setup = service.setup(ctx.cancel)
    try:
        overrides = parse_overrides(args.map, table.headers, setup.fields)
        mapping = merged(service.suggest(table, setup), overrides)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not mapping:
        raise UsageError(f"no column of {args.file} matches a contact field; name them with "
                         "--map \"Header=Field\"")
    dry = service.dry_run(table, mapping, setup, ctx.cancel, mode=args.match, on_match=args.on_match,
                          date_order=args.date_order)
    figures = dry.figures()
    if args.json:
        ctx.say(json.dumps(figures))
        return EXIT_OK
    labels = {f.name: f.label for f in setup.fields}
    ctx.say(f"{args.file}: {table.encoding_name}, {table.delimiter_name}-separated, {len(table.rows):,} rows")
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
    ctx.say("")
    ctx.say("Dry run only: nothing was changed.")
    return EXIT_OK
