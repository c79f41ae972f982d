"""What the journal hands out (:class:`JobSummary`, :class:`ChangeRecord`) and how each kind
of write is described: its target in words, and whether it can be reversed and why not.

The wording lives here, once, so the history pane, the CSV export and ``tagdesk-cli``
say the same thing about the same change.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from app.journal.store import from_json, parse_time

#: Row states. "planned": a job's row not sent yet; "pending": its intent is on disk and the
#: call may have left; "skipped": already so when planned (never sent).
ROW_STATES = ("planned", "pending", "done", "failed", "unknown", "skipped")
#: Job states as stored; "interrupted" is derived (state "running", owner gone).
JOB_STATES = ("running", "interrupted", "finished", "cancelled", "discarded", "resumed")

#: Kinds that cannot be reversed, and why (shown in the history).
IRREVERSIBLE = {
    "delete": "A deleted contact cannot be brought back: Keap keeps no copy of its data.",
    "create": "Undoing a create would delete the contact; delete it yourself if that is meant.",
    "delete_tag": "A deleted tag cannot be brought back: Keap removed it from every contact.",
    "delete_category": "A deleted tag category cannot be brought back with the same Id.",
    "create_tag": "Undoing a create would delete the tag; delete it yourself if that is meant.",
    "create_category": "Undoing a create would delete the category; delete it yourself if that is meant.",
    "achieve_goal": "An achieved goal cannot be undone: its campaign steps have already run.",
    "merge": "A merge cannot be undone: the duplicate contact is gone.",
    "create_opportunity": "Undoing a create would delete the opportunity; Keap's API cannot.",
    "delete_order_item": "A deleted order item cannot be brought back.",
    "opt_out": "An opt-out can only be reversed by the contact (Keap's rule for consent).",
    "opt_in": "An opt-in is not reversed automatically; opt the address out if that is meant.",
}
NO_BEFORE = "The values before this change were not known, so it cannot be put back."


@dataclass(frozen=True)
class JobSummary:
    """One job and how far it got (``state`` "interrupted": its owner died while running it).

    ``total`` counts every row of the plan, the skipped ones too; ``unknown`` includes rows
    whose call may have left when the owner died ("pending"); ``not_started`` the rows never sent.
    """

    id: str
    title: str
    kind: str
    state: str
    created: datetime
    protocol: str
    total: int
    done: int
    failed: int
    unknown: int
    not_started: int
    skipped: int
    ended: datetime | None = None
    undo_of: str | None = None
    resume_of: str | None = None
    resumed_by: str | None = None

    @property
    def unfinished_rows(self) -> int:
        """Rows that a resume would verify or send (the "N changes did not finish")."""
        return self.failed + self.unknown + self.not_started


@dataclass(frozen=True)
class ChangeRecord:
    """One journalled write (or one row of a job's plan); see docs/design/journal-api.md."""

    id: int
    job_id: str | None
    kind: str
    target: str
    contact_id: int | None
    tag_id: int | None
    before: dict[str, object]
    after: dict[str, object]
    state: str
    reason: str
    created: datetime
    finished: datetime | None
    reversible: bool
    why_not: str
    undo_of: int | None
    undone_by: int | None = None
    seq: int = 0  # the row's place in its job's plan; an import's file line


def record_of(row: sqlite3.Row) -> ChangeRecord:
    created = parse_time(row["created"])
    assert created is not None
    return ChangeRecord(
        id=int(row["id"]), job_id=row["job_id"], kind=row["kind"], target=row["target"],
        contact_id=row["contact_id"], tag_id=row["tag_id"], before=from_json(row["before"]),
        after=from_json(row["after"]), state=row["state"], reason=row["reason"], created=created,
        finished=parse_time(row["finished"]), reversible=bool(row["reversible"]), why_not=row["why_not"],
        undo_of=row["undo_of"], undone_by=row["undone_by"], seq=int(row["seq"] or 0))


def tag_target(tag_id: int | None, contact_id: int | None) -> str:
    return f"tag {tag_id} on contact {contact_id}"


def record_target(kind: str, contact_id: int | None, target: object, order_id: int | None) -> str:
    """A linked-record write's target in words."""
    if kind in ("create_opportunity", "achieve_goal"):
        noun = "opportunity" if kind == "create_opportunity" else "goal"
        return f"new {noun} for contact {contact_id}"
    if kind == "update_opportunity":
        return f"opportunity {target}"
    if kind in ("link", "unlink"):
        return f"link contact {contact_id} with contact {target}"
    if kind in ("opt_in", "opt_out"):
        return f"e-mail {target}"
    if kind in ("update_order_item", "delete_order_item"):
        return f"order item {target}" + (f" of order {order_id}" if order_id else "")
    return f"{kind.replace('_', ' ')} {target}"


def reversibility(kind: str, before: dict[str, object], after: dict[str, object]) -> tuple[bool, str]:
    """(reversible, why not) for a write of ``kind`` with these values."""
    if kind in IRREVERSIBLE:
        return False, IRREVERSIBLE[kind]
    if kind in ("apply", "remove", "link", "unlink"):
        return True, ""
    if kind in ("update", "update_tag", "update_category"):
        missing = [k for k in after if k not in before]
        if not after or missing:
            return False, NO_BEFORE
        return True, ""
    return False, NO_BEFORE
