"""Import jobs: every line of a CSV file a journal row, each create sent once, resumable, undoable
where Keap allows.

A job of kind "import" stores its whole plan before the first call (``seq`` is the file
line): each create and update a "planned" row (create target "line N of <file>", update
target "contact ID (line N)", ``before`` what the dry run read, ``after`` what is sent);
invalid, unchanged, skipped and merged lines "skipped" rows with their reason, so the
history explains every line of the file. Each row is sent through
:class:`~app.services.contacts.ContactsService` naming its row (``WriteEvent.job_row``):
the recorder moves it planned -> pending -> done/failed/unknown as the call happens, and
the change feed refreshes the window as for any other write.

Creates are never sent twice. The duplicate check is off (the dry run matched already)
and the lost-create look-up is on, told the look-alikes the dry run read (no extra read
per create). A resume reads before it sends: an unknown update is compared with Keap's
values and sent again only if Keap does not have them; an unknown create is looked for
(same values, created after it was sent) and never re-created unless the user says it is
not in Keap (``create_missing``).

Undo (a job of kind "import-undo") writes back the ``before`` values of done updates,
only for fields still as the import left them; created contacts are deleted only when
asked (``delete_created``): that loses anything added to them since.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock
from typing import Any

from app.api.errors import ApiError, CancelledError, NotFoundError, RecordNotFoundFault
from app.api.lost_create import in_window
from app.core.cancel import Cancellable
from app.core.contact_fields import FieldInfo
from app.core.values import same_values
from app.imports.checking import revive
from app.imports.planning import ImportPlan, RowPlan
from app.journal import owner
from app.journal.journal import Journal, new_job_id
from app.journal.model import IRREVERSIBLE, ChangeRecord
from app.journal.recorder import outcome_of
from app.journal.store import now_iso, to_json
from app.services.contacts import ContactsService

log = logging.getLogger("app.journal.import")

IMPORT_KIND = "import"
UNDO_KIND = "import-undo"
JOB_KINDS = (IMPORT_KIND, UNDO_KIND)
#: The row kinds an import job sends.
SENT_KINDS = ("create", "update", "delete")
UNFINISHED = ("planned", "pending", "unknown", "failed")
DEFAULT_WORKERS = 4
#: A found contact counts as an unknown create's only if created this close to its send.
CREATE_WINDOW = 600.0
Progress = Callable[[int, int], None]
NOT_FOUND = ("Not found in Keap when resumed. Not created again automatically, to avoid a duplicate: "
             "choose \u201ccreate anyway\u201d if you are sure it is not there.")


@dataclass(frozen=True)
class RowOutcome:
    """How one sent row of an import (or its undo) ended."""

    row_id: int
    line: int
    kind: str
    state: str
    reason: str
    contact_id: int | None

    def describe(self) -> str:
        who = f" (contact {self.contact_id})" if self.contact_id else ""
        words = {"planned": "not started", "pending": "outcome unknown"}.get(self.state, self.state)
        return f"line {self.line}: {self.kind}{who}: {words}" + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class ImportReport:
    """A job's sent rows as they stand now (what the report, the CLI and the failed-rows file show)."""

    job_id: str
    title: str
    rows: tuple[RowOutcome, ...]
    skipped: int
    cancelled: bool = False
    seconds: float = 0.0

    def count(self, state: str, kind: str | None = None) -> int:
        return sum(1 for r in self.rows if r.state == state and (kind is None or r.kind == kind))

    @property
    def unfinished(self) -> list[RowOutcome]:
        """Rows a resume would verify or send: failed, unknown, not started."""
        return [r for r in self.rows if r.state in UNFINISHED]

    @property
    def complete(self) -> bool:
        return not self.unfinished

    @property
    def created_ids(self) -> list[int]:
        return [r.contact_id for r in self.rows if r.kind == "create" and r.state == "done" and r.contact_id]

    @property
    def imported_ids(self) -> list[int]:
        """Contacts created or updated (what "tag every imported contact" tags)."""
        ids = [r.contact_id for r in self.rows if r.kind in ("create", "update") and r.state == "done"
               and r.contact_id]
        return list(dict.fromkeys(ids))

    def summary(self) -> str:
        parts = [f"{self.count('done', 'create'):,} created", f"{self.count('done', 'update'):,} updated"]
        if self.count("done", "delete"):
            parts.append(f"{self.count('done', 'delete'):,} deleted")
        parts.append(f"{self.count('failed'):,} failed")
        unknown = self.count("unknown") + self.count("pending")
        if unknown:
            parts.append(f"{unknown:,} outcome unknown")
        if self.count("planned"):
            parts.append(f"{self.count('planned'):,} not started")
        if self.skipped:
            parts.append(f"{self.skipped:,} lines not sent (invalid, unchanged or merged)")
        text = ", ".join(parts)
        took = f" in {self.seconds:.1f} s" if self.seconds >= 0.1 else ""
        return text + (" (cancelled)" if self.cancelled else "") + took


def skip_reason(row: RowPlan) -> str:
    """Why a line of the file is not sent, in words (stored with its "skipped" row)."""
    if row.action == "invalid":
        return "Not imported: " + "; ".join(row.problems)
    if row.action == "merged":
        return f"Same contact as line {row.merged_into}: merged into that line."
    if row.action == "skip":
        return f"Matched contact {row.contact_id} by {row.matched_by}: skipped, as chosen."
    return f"Matched contact {row.contact_id} by {row.matched_by}: nothing to change."


class ImportJobs:
    """Import jobs in one connection's journal (thread-safe like the journal)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.store = journal.store
        self._lookalikes: dict[int, frozenset[int]] = {}  # row id -> the dry run's look-alikes
        self._lock = Lock()

    # -- storing a plan ------------------------------------------------------------------------

    def start(self, plan: ImportPlan, source: str, protocol: str) -> str:
        """Store every line of ``plan`` (sent rows "planned", the others "skipped"); nothing is sent."""
        job_id = new_job_id()
        now = now_iso()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, title, kind, state, created, protocol, pid, pid_started, scope, "
                "contacts_in_scope, tag_names, stop_on_failure) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, '{}', 0)",
                (job_id, f"Import {source}", IMPORT_KIND, now, protocol, os.getpid(), owner.own_marker(),
                 f"{source} ({len(plan.rows):,} lines)", len(plan.rows)))
            for row in plan.rows:
                if row.action == "create":
                    cursor = db.execute(
                        "INSERT INTO changes (job_id, seq, kind, target, before, after, state, created, "
                        "reversible, why_not) VALUES (?, ?, 'create', ?, '{}', ?, 'planned', ?, 0, ?)",
                        (job_id, row.line, f"line {row.line} of {source}", to_json(row.values), now,
                         IRREVERSIBLE["create"]))
                    with self._lock:
                        self._lookalikes[int(cursor.lastrowid or 0)] = row.lookalikes
                elif row.action == "update":
                    db.execute(
                        "INSERT INTO changes (job_id, seq, kind, target, contact_id, before, after, state, "
                        "created, reversible) VALUES (?, ?, 'update', ?, ?, ?, ?, 'planned', ?, 1)",
                        (job_id, row.line, f"contact {row.contact_id} (line {row.line})", row.contact_id,
                         to_json(row.before), to_json(row.values), now))
                else:
                    db.execute(
                        "INSERT INTO changes (job_id, seq, kind, target, contact_id, state, reason, created) "
                        "VALUES (?, ?, 'skip', ?, ?, 'skipped', ?, ?)",
                        (job_id, row.line, f"line {row.line} of {source}", row.contact_id, skip_reason(row),
                         now))
        owner.mark_live(self.journal.store_key, job_id, True)
        log.info("import job %s stored: %s (%d lines, %d calls)", job_id, source, len(plan.rows), plan.calls)
        return job_id

    # -- running ---------------------------------------------------------------------------------

    def run(self, job_id: str, contacts: ContactsService, cancel: Cancellable,
            progress: Progress | None = None, *, workers: int = DEFAULT_WORKERS) -> ImportReport:
        """Send every planned or failed row of the job (several at once, within the rate limit;
        one contact's rows in order); Cancel stops before the next row. Rows whose reply was
        lost are then settled by reading (:meth:`verify`): an update Keap does not have is sent
        again, a create not found stays "unknown" (never re-created without the user)."""
        started = time.monotonic()
        rows = self._rows(job_id, ("planned", "failed"))
        fields = contacts.field_catalog(cancel) if rows else []
        with self._running(job_id, contacts):
            self._send_all(rows, contacts, fields, cancel, progress, workers)
            lost = {r.id for r in self._rows(job_id, ("pending", "unknown"))}
            if lost and not cancel.is_cancelled():  # settled by reading now, while the report is open
                self.verify(job_id, contacts, cancel)
                again = [r for r in self._rows(job_id, ("failed",)) if r.id in lost]
                self._send_all(again, contacts, fields, cancel, None, workers)
            self._finish(job_id, cancel.is_cancelled())
        report = self.report(job_id, cancelled=cancel.is_cancelled(), seconds=time.monotonic() - started)
        log.info("import job %s: %s", job_id, report.summary())
        return report

    def _send_all(self, rows: list[ChangeRecord], contacts: ContactsService, fields: list[FieldInfo],
                  cancel: Cancellable, progress: Progress | None, workers: int) -> None:
        """Send ``rows`` on ``workers`` threads; one contact's rows in order on one thread."""
        units: dict[object, list[ChangeRecord]] = {}
        for r in rows:
            units.setdefault(r.contact_id if r.contact_id is not None else ("line", r.id), []).append(r)
        done = [0]
        count_lock = Lock()
        if progress is not None:
            progress(0, len(rows))

        def work(unit: list[ChangeRecord]) -> None:
            for r in unit:
                if cancel.is_cancelled():
                    return
                self._send(r, contacts, revive(r.after, fields), cancel)
                with count_lock:
                    done[0] += 1
                    if progress is not None:
                        progress(done[0], len(rows))

        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="import") as pool:
            for future in [pool.submit(work, unit) for unit in units.values()]:
                future.result()

    def _send(self, r: ChangeRecord, contacts: ContactsService, values: dict[str, object],
              cancel: Cancellable) -> None:
        try:
            if r.kind == "create":
                with self._lock:
                    known = self._lookalikes.get(r.id)
                contacts.create(values, cancel, dup_check_email=False, lookalikes=known, look_once=True,
                                job_row=r.id)
            elif r.kind == "update":
                assert r.contact_id is not None
                contacts.save(r.contact_id, values, cancel, previous=dict(r.before), job_row=r.id)
            else:
                assert r.contact_id is not None
                contacts.delete(r.contact_id, cancel, previous=dict(r.before), job_row=r.id)
        except CancelledError:
            # The clients check the token only before a request leaves (never during one), and a
            # create here looks for a lost reply once, without waiting, so it never ends in a
            # cancel: a cancelled row was not sent. Back to "planned" (the recorder said unknown).
            self.store.execute("UPDATE changes SET state = 'planned', reason = '', finished = NULL "
                               "WHERE id = ? AND state IN ('pending', 'unknown')", (r.id,))
        except Exception as err:  # refused before it was sent (the recorder never saw it)
            if not isinstance(err, ApiError):
                log.exception("import row %s failed unexpectedly", r.id)
            state, reason = outcome_of(err)
            self.store.execute("UPDATE changes SET state = ?, reason = ?, finished = ? "
                               "WHERE id = ? AND state = 'planned'", (state, reason, now_iso(), r.id))

    @contextmanager
    def _running(self, job_id: str, contacts: ContactsService) -> Iterator[None]:
        """The job marked live and owned by this process; the journal watching ``contacts``."""
        added = self.journal.watch(contacts)
        owner.mark_live(self.journal.store_key, job_id, True)
        self.store.execute("UPDATE jobs SET state = 'running', ended = NULL, pid = ?, pid_started = ? "
                           "WHERE id = ?", (os.getpid(), owner.own_marker(), job_id))
        try:
            yield
        finally:
            owner.mark_live(self.journal.store_key, job_id, False)
            if added:
                self.journal.unwatch(contacts)

    def _finish(self, job_id: str, cancelled: bool) -> None:
        self.store.execute("UPDATE jobs SET state = ?, ended = ? WHERE id = ?",
                           ("cancelled" if cancelled else "finished", now_iso(), job_id))

    # -- resume ----------------------------------------------------------------------------------

    def resume(self, job_id: str, contacts: ContactsService, cancel: Cancellable,
               progress: Progress | None = None, *, create_missing: bool = False,
               workers: int = DEFAULT_WORKERS) -> ImportReport:
        """Verify by reading every row whose call may have left, then send what is missing."""
        self.verify(job_id, contacts, cancel, create_missing=create_missing)
        return self.run(job_id, contacts, cancel, progress, workers=workers)

    def verify(self, job_id: str, contacts: ContactsService, cancel: Cancellable, *,
               create_missing: bool = False) -> None:
        """Settle rows left "pending"/"unknown" by reading Keap: done if Keap has them; else an
        update or delete is marked to send again, and a create only with ``create_missing``."""
        rows = self._rows(job_id, ("pending", "unknown"))
        if not rows:
            return
        fields = contacts.field_catalog(cancel)
        taken = {r.contact_id for r in self._rows(job_id, ("done",)) if r.kind == "create"}
        for r in rows:
            state, reason, found = self._verified(r, contacts, revive(r.after, fields), taken, cancel,
                                                  create_missing)
            if found is not None:
                taken.add(found)
            self.store.execute("UPDATE changes SET state = ?, reason = ?, finished = ?, "
                               "contact_id = COALESCE(?, contact_id) WHERE id = ?",
                               (state, reason, now_iso(), found, r.id))

    def _verified(self, r: ChangeRecord, contacts: ContactsService, values: dict[str, object],
                  taken: set[int | None], cancel: Cancellable,
                  create_missing: bool) -> tuple[str, str, int | None]:
        if r.kind == "update":
            assert r.contact_id is not None
            current = contacts.load(r.contact_id, list(values), cancel)
            if same_values(current, values):
                return "done", "Verified by reading: Keap has this change.", None
            return "failed", "Verified by reading: the lost call was not applied; sent again.", None
        if r.kind == "delete":
            assert r.contact_id is not None
            try:
                contacts.load(r.contact_id, ["Id"], cancel)
            except (NotFoundError, RecordNotFoundFault):
                return "done", "Verified by reading: the contact is gone.", None
            return "failed", "Verified by reading: the contact is still there; deleted again.", None
        now = datetime.now(UTC)
        sent_at = r.created if r.created.tzinfo else r.created.replace(tzinfo=UTC)
        found = [int(row["Id"]) for row in contacts.find_lookalikes(values, [*values, "DateCreated"], cancel)
                 if int(row["Id"]) not in taken and same_values(row, values)
                 and in_window(row.get("DateCreated"), sent_at, now, CREATE_WINDOW)]
        if len(found) == 1:
            return ("done", f"Found in Keap by reading: the create had been applied (contact {found[0]}).",
                    found[0])
        if len(found) > 1:
            return "unknown", (f"{len(found)} contacts in Keap match this line, so TagDesk cannot tell "
                               "which one it created; not sent again."), None
        if create_missing:
            return "failed", "Not found in Keap when resumed; created again, as asked.", None
        return "unknown", NOT_FOUND, None

    # -- undo ------------------------------------------------------------------------------------

    def undo(self, job_id: str, contacts: ContactsService, cancel: Cancellable,
             progress: Progress | None = None, *, delete_created: bool = False,
             workers: int = DEFAULT_WORKERS) -> ImportReport:
        """Put back what an import changed, as a new job (kind "import-undo", ``undo_of``)."""
        undo_id = self.plan_undo(job_id, contacts, cancel, delete_created=delete_created)
        return self.run_undo(undo_id, contacts, cancel, progress, workers=workers)

    def run_undo(self, undo_id: str, contacts: ContactsService, cancel: Cancellable,
                 progress: Progress | None = None, *, workers: int = DEFAULT_WORKERS) -> ImportReport:
        """Run a stored undo job, then mark the import's rows it put back as undone."""
        report = self.run(undo_id, contacts, cancel, progress, workers=workers)
        self.store.execute(
            "UPDATE changes SET undone_by = (SELECT u.id FROM changes u WHERE u.job_id = ? AND u.undo_of = "
            "changes.id AND u.state = 'done') WHERE id IN (SELECT undo_of FROM changes WHERE job_id = ? "
            "AND state = 'done' AND undo_of IS NOT NULL)", (undo_id, undo_id))
        return report

    def plan_undo(self, job_id: str, contacts: ContactsService, cancel: Cancellable, *,
                  delete_created: bool = False) -> str:
        """Store the undo job: for each done update, the fields Keap still holds as the import left
        them go back (one read per contact); created contacts are deleted only if asked."""
        found = self.store.query("SELECT title FROM jobs WHERE id = ?", (job_id,))
        if not found:
            raise KeyError(f"No job {job_id} in this journal.")
        done = [r for r in self.journal.job_rows(job_id) if r.state == "done" and r.undone_by is None
                and r.contact_id is not None and r.kind in ("create", "update")]
        fields = contacts.field_catalog(cancel) if done else []
        planned: list[tuple[Any, ...]] = []
        skipped: list[tuple[Any, ...]] = []
        for r in reversed(done):
            assert r.contact_id is not None
            if r.kind == "create":
                if delete_created:
                    planned.append((r.seq, "delete", f"contact {r.contact_id} (line {r.seq})",
                                    r.contact_id, to_json(r.after), "{}", r.id))
                else:
                    skipped.append((r.seq, f"contact {r.contact_id} (line {r.seq})", r.contact_id,
                                    "Created by the import: not deleted (ask for it to delete created "
                                    "contacts).", r.id))
                continue
            after = revive(r.after, fields)
            current = contacts.load(r.contact_id, list(after), cancel)
            still = {k: r.before.get(k) for k in after
                     if k in r.before and same_values(current, {k: after[k]})}
            if still:
                now_held = to_json({k: current.get(k) for k in still})
                planned.append((r.seq, "update", f"contact {r.contact_id} (line {r.seq})",
                                r.contact_id, now_held, to_json(still), r.id))
            else:
                skipped.append((r.seq, f"contact {r.contact_id} (line {r.seq})", r.contact_id,
                                "Changed since the import: left as it is.", r.id))
        undo_id = new_job_id()
        now = now_iso()
        title = f"Undo: {found[0]['title']}"
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, title, kind, state, created, protocol, pid, pid_started, scope, "
                "contacts_in_scope, tag_names, stop_on_failure, undo_of) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, '{}', 0, ?)",
                (undo_id, title, UNDO_KIND, now, contacts.protocol, os.getpid(), owner.own_marker(),
                 f"{len(done):,} changes of job {job_id}", len(done), job_id))
            db.executemany(
                "INSERT INTO changes (job_id, seq, kind, target, contact_id, before, after, state, created, "
                "reversible, why_not, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?)",
                [(undo_id, line, kind, target, cid, before, after, now, int(kind == "update"),
                  IRREVERSIBLE["delete"] if kind == "delete" else "", origin)
                 for line, kind, target, cid, before, after, origin in planned])
            db.executemany(
                "INSERT INTO changes (job_id, seq, kind, target, contact_id, state, reason, created, "
                "undo_of) VALUES (?, ?, 'skip', ?, ?, 'skipped', ?, ?, ?)",
                [(undo_id, line, target, cid, reason, now, origin)
                 for line, target, cid, reason, origin in skipped])
        return undo_id

    # -- reading back ----------------------------------------------------------------------------

    def _rows(self, job_id: str, states: tuple[str, ...]) -> list[ChangeRecord]:
        """The job's sent-kind rows in these states, in file order."""
        return [r for r in self.journal.job_rows(job_id) if r.kind in SENT_KINDS and r.state in states]

    def report(self, job_id: str, *, cancelled: bool = False, seconds: float = 0.0) -> ImportReport:
        found = self.store.query("SELECT title FROM jobs WHERE id = ?", (job_id,))
        if not found:
            raise KeyError(f"No job {job_id} in this journal.")
        rows = self.journal.job_rows(job_id)
        sent = tuple(RowOutcome(r.id, r.seq, r.kind, r.state, r.reason, r.contact_id)
                     for r in rows if r.kind in SENT_KINDS)
        return ImportReport(job_id, str(found[0]["title"]), sent, len(rows) - len(sent), cancelled, seconds)

    def skipped_lines(self, job_id: str) -> dict[int, str]:
        """Each line the job did not send, with its reason."""
        return {r.seq: r.reason for r in self.journal.job_rows(job_id) if r.kind == "skip"}



def is_import(kind: str) -> bool:
    """True for the job kinds this module runs (the tag-job resume and undo must not touch them)."""
    return kind in JOB_KINDS


def lines_not_imported(plan: ImportPlan, report: ImportReport | None) -> dict[int, str]:
    """Each line of the file that did not go in, with why: invalid in the dry run, or failed,
    unknown or not started in the job (what "export failed rows" writes)."""
    out = {r.line: "; ".join(r.problems) for r in plan.rows if r.action == "invalid"}
    for row in report.unfinished if report is not None else ():
        words = {"planned": "Not started", "pending": "Outcome unknown", "unknown": "Outcome unknown",
                 "failed": "Failed"}[row.state]
        out[row.line] = f"{words}: {row.reason}" if row.reason else words
    return dict(sorted(out.items()))
