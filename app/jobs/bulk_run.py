"""Running a plan as bulk calls: one call per tag, action and chunk of contacts (REST v2).

The plan's changes are grouped into phases, one per (tag, action), in an order that
keeps every contact's own order (:func:`app.jobs.bulk_tags.phases`); a phase's chunks of
``bulk_size`` contacts run on the worker pool, and a phase ends before the next starts.
So a merge applies A to everyone first and then removes B only from contacts whose
apply succeeded, exactly the per-contact guarantee of the one-call-per-change runner.

Each row still ends as done, failed with Keap's reason, or not started. A call's
``results`` say per contact what happened. A call that fails as a whole after the
client's retries (or is stopped by a cancel while in flight) may or may not have been
applied: its rows are settled with one read of the assignments per phase, never one per
row, before the next phase relies on them. Cancel is checked before each chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from app.api.errors import ApiError, CancelledError
from app.core.cancel import Cancellable
from app.jobs.bulk_tags import BulkTagPlan, Change, phases
from app.jobs.tally import Status, Tally, reason

log = logging.getLogger("app.jobs")

NOT_TRIED = "Not tried: the change before it for this contact failed."
NOT_REPORTED = "Keap's reply did not mention this contact; retry to be sure."

#: A row whose call did not answer: None = stopped by a cancel, else the call's error in words.
Unsettled = tuple[Change, str | None]


def run_batches(plan: BulkTagPlan, cancel: Cancellable, tally: Tally, workers: int) -> None:
    """Make the plan's bulk calls, phase by phase; every row ends recorded in ``tally``."""
    size = plan.bulk_size
    blocked: set[int] = set()  # contacts with a failed change, when later ones must not run
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bulk-tags") as pool:
        for rows in phases(plan.changes):
            ready: list[Change] = []
            held: list[tuple[Change, Status, str]] = []
            for change in rows:
                if cancel.is_cancelled():
                    held.append((change, "not_started", ""))
                elif plan.stop_contact_on_failure and change.contact_id in blocked:
                    held.append((change, "failed", NOT_TRIED))
                else:
                    ready.append(change)
            tally.record_many(held)
            chunks = [ready[i:i + size] for i in range(0, len(ready), size)]
            unsettled: list[Unsettled] = []
            for future in [pool.submit(_send, plan, chunk, cancel, tally) for chunk in chunks]:
                unsettled += future.result()
            settle(plan, tally, unsettled)
            blocked |= {c.contact_id for c in rows if tally.status_of(c) == "failed"}


def _send(plan: BulkTagPlan, chunk: Sequence[Change], cancel: Cancellable, tally: Tally) -> list[Unsettled]:
    """One bulk call for a chunk; records what its reply says, returns the rows it could not tell."""
    if cancel.is_cancelled():
        tally.record_many((c, "not_started", "") for c in chunk)
        return []
    first = chunk[0]
    ids = [c.contact_id for c in chunk]
    try:
        if first.action == "apply":
            results = plan.service.apply_tag_bulk(first.tag_id, ids, cancel)
        else:
            results = plan.service.remove_tag_bulk(first.tag_id, ids, cancel)
    except CancelledError:
        return [(c, None) for c in chunk]
    except ApiError as err:
        why = reason(err)
        return [(c, why) for c in chunk]
    except Exception as err:  # a bug: settle the rows by reading, keep the job going
        log.exception("bulk tag call for %d contacts failed unexpectedly", len(chunk))
        why = f"Unexpected error inside TagDesk ({type(err).__name__})."
        return [(c, why) for c in chunk]
    recorded: list[tuple[Change, Status, str]] = []
    for change in chunk:
        why_not = results.get(change.contact_id, NOT_REPORTED)
        recorded.append((change, "done", "") if why_not is None else (change, "failed", why_not))
    tally.record_many(recorded)
    return []


def settle(plan: BulkTagPlan, tally: Tally, rows: Sequence[Unsettled]) -> None:
    """Rows whose call gave no answer: one read says which Keap made (done) and which not.

    Not made: "not started" when a cancel stopped the call, else "failed" with the call's
    error. If the read fails too, every such row is "failed", saying to retry.
    """
    if not rows:
        return
    changes = [c for c, _ in rows]
    try:
        present = plan.service.assignments({c.tag_id for c in changes}, {c.contact_id for c in changes}, None)
    except ApiError as err:
        tally.record_many(
            (c, "failed", (f"{why} " if why else "Cancelled while waiting for Keap; ")
             + f"could not check the result ({err.message}). Retry to be sure.")
            for c, why in rows)
        return
    out: list[tuple[Change, Status, str]] = []
    for change, why in rows:
        if ((change.contact_id, change.tag_id) in present) == (change.action == "apply"):
            out.append((change, "done", ""))
        else:
            out.append((change, "not_started", "") if why is None else (change, "failed", why))
    tally.record_many(out)
