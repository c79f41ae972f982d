"""``tagdesk-cli duplicates`` and ``tagdesk-cli merge KEEP DUP``: duplicate contacts from a shell.

``duplicates`` reads the account (or the contacts a search finds) in pages of 1,000 and
prints the groups: confidence, ids, suggested survivor (the oldest contact) and reason;
``--json`` prints one JSON list of ``{"ids", "reason", "confidence", "keep"}``.
``--merge-high`` plans a batch merge of the high-confidence groups (a dry run without
``--yes``). ``merge`` shows the two contacts' differing fields and what moves, and merges
only with ``--yes``: Keap cannot undo a merge, so the dry run says so first. Merges pass the
session's observers (the journal keeps the duplicate's full values).
"""

from __future__ import annotations

import json

from app.api.errors import ApiError
from app.cli.args import UsageError
from app.cli.commands import EXIT_OK, EXIT_ROWS_FAILED, Context
from app.core.display import contact_name, display_text
from app.core.records import ContactQuery
from app.duplicates.batch import MERGE_WARNING, plan_batch
from app.duplicates.finding import DuplicateGroup

IRREVERSIBLE = MERGE_WARNING


def group_json(group: DuplicateGroup) -> dict[str, object]:
    """One group as ``--json`` prints it."""
    return {"ids": list(group.ids), "reason": group.reason, "confidence": group.confidence,
            "keep": group.keep}


def cmd_duplicates(ctx: Context) -> int:
    args = ctx.args
    query = ContactQuery(text=args.search or "")
    groups = ctx.session.duplicates.find(query, ctx.cancel, names=args.names)
    if args.json and not args.merge_high:
        ctx.say(json.dumps([group_json(g) for g in groups], ensure_ascii=False))
        return EXIT_OK
    scope = f"contacts matching \u201c{args.search}\u201d" if args.search else "the account"
    counts = {level: sum(1 for g in groups if g.confidence == level) for level in ("high", "medium", "low")}
    ctx.say(f"{len(groups):,} duplicate group{'s' if len(groups) != 1 else ''} in {scope} "
            f"(high {counts['high']:,}, medium {counts['medium']:,}, low {counts['low']:,})")
    for group in groups:
        names = " / ".join(contact_name(group.rows[i]) for i in group.ids) if group.rows else ""
        ctx.say(f"{group.confidence:<6} ids {','.join(map(str, group.ids))}  keep {group.keep}  "
                f"{group.reason}" + (f"  [{names}]" if names else ""))
    if not args.merge_high:
        return EXIT_OK
    plan = plan_batch(groups)
    ctx.say("")
    ctx.say(plan.describe())
    if not plan.pairs:
        return EXIT_OK
    if not args.yes:
        ctx.say("Dry run only: nothing was merged. Add --yes to merge these pairs.")
        return EXIT_OK

    def progress(done: int, total: int) -> None:
        ctx.say(f"progress: {done:,}/{total:,}")

    report = ctx.session.duplicates.run_batch(plan, ctx.cancel, progress)
    ctx.say(report.describe())
    for pair, reason in report.failed:
        ctx.say(f"failed: contact {pair.duplicate} into {pair.keep}: {reason}")
    for pair in report.not_started:
        ctx.say(f"not started: contact {pair.duplicate} into {pair.keep}")
    return EXIT_OK if not report.failed and not report.not_started else EXIT_ROWS_FAILED


def cmd_merge(ctx: Context) -> int:
    args = ctx.args
    if args.keep == args.duplicate:
        raise UsageError("KEEP and DUP are the same contact")
    service = ctx.session.duplicates
    try:
        preview = service.preview(args.keep, args.duplicate, ctx.cancel)
    except ApiError as err:
        raise UsageError(f"cannot read contacts {args.keep} and {args.duplicate}: {err.message}") from None
    ctx.say(f"keep:  {args.keep} {contact_name(preview.keep)}")
    ctx.say(f"merge: {args.duplicate} {contact_name(preview.duplicate)} (deleted by the merge)")
    winners = preview.default_winners()
    for info in preview.differing():
        kept = winners.get(info.name)
        ctx.say(f"  {info.label}: keep {_shown(preview.keep.get(info.name))} | "
                f"duplicate {_shown(preview.duplicate.get(info.name))} -> {_shown(kept)}")
    ctx.say(f"moves to {args.keep}: {preview.moves.describe()}")
    ctx.say(IRREVERSIBLE)
    if not args.yes:
        ctx.say("Dry run only: nothing was merged. Add --yes to merge.")
        return EXIT_OK
    event = service.merge(args.keep, args.duplicate, winners, ctx.cancel)
    ctx.say(f"merged {args.duplicate} into {args.keep} ({len(event.values)} field"
            f"{'s' if len(event.values) != 1 else ''} written first)")
    return EXIT_OK


def _shown(value: object) -> str:
    text = display_text(value)
    return f"\u201c{text}\u201d" if text else "(blank)"
