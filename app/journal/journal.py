"""The change journal of one connection: jobs that survive a crash, resume, undo, history.

Keap has no undo and no idempotency keys, so the only safe record of what TagDesk did is
the one it writes itself, before each call leaves. A job's whole plan is stored before its
first call, so after a crash the journal alone says what the job meant to do and how far
it got; resuming reads Keap's current state for every row that may have been sent
instead of trusting memory, so nothing Keap already has is sent again.

See docs/design/journal-api.md for the interface the GUI and ``tagdesk-cli`` use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.cancel import Cancellable
from app.core.files import csv_file
from app.jobs.bulk_tags import BulkTagPlan, Change, plan_of
from app.jobs.run import DEFAULT_WORKERS, BulkTagReport, ProgressCallback, run
from app.journal import owner
from app.journal.model import ChangeRecord, JobSummary, record_of
from app.journal.recorder import Recorder, RowKey
from app.journal.store import Store, from_json, iso_utc, now_iso, parse_time, to_json
from app.services.contacts import ContactsService
from app.services.tags import TagsService

log = logging.getLogger("app.journal")

JOURNAL_FOLDER = "journal"
#: Rows a resume must verify by reading before anything is sent (their call may have left).
MAYBE_SENT = ("pending", "unknown")
CSV_COLUMNS = ("id", "created", "finished", "job", "kind", "target", "contact_id", "tag_id", "state",
               "reason", "before", "after", "reversible", "why_not", "undo_of")


def journal_path(data_dir: str | Path, profile_id: str) -> Path:
    """``<data dir>/journal/<profile_id>.sqlite3``; an id unsafe as a file name gets a hash."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", profile_id).strip("._") or "default"
    if safe != profile_id:
        safe = f"{safe[:60]}-{hashlib.sha256(profile_id.encode()).hexdigest()[:10]}"
    return Path(data_dir) / JOURNAL_FOLDER / f"{safe}.sqlite3"


def new_job_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Journal:
    """One connection's journal; thread-safe. Build with :meth:`open`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.store = Store(self.path)
        self.recorder = Recorder(self.store)
        self._key = str(self.path.resolve())
        self._attached: list[list[Any]] = []
        # plans made by resume_plan/undo_plan, until start_job stores them: id(plan) -> origin
        self._origins: dict[int, tuple[BulkTagPlan, str, str, dict[Change, int]]] = {}

    @classmethod
    def open(cls, data_dir: str | Path, profile_id: str) -> Journal:
        """Open (creating file and schema if needed) the journal of ``profile_id``."""
        return cls(journal_path(data_dir, profile_id))

    @property
    def journal_mode(self) -> str:
        return self.store.journal_mode

    def attach(self, session: Any) -> None:
        """Record every write of ``session.contacts``, ``.tags``, ``.records`` and ``.duplicates``
        (merges); bulk jobs run through :meth:`run_plan` (``session.tags.job_runner``) so their
        plans are stored first."""
        for service in (getattr(session, "contacts", None), getattr(session, "tags", None),
                        getattr(session, "records", None), getattr(session, "duplicates", None)):
            if service is not None:
                self._observe(service)
        tags = getattr(session, "tags", None)
        if tags is not None and hasattr(tags, "job_runner"):
            tags.job_runner = self.run_plan

    @property
    def store_key(self) -> str:
        """The journal's identity for the job-ownership markers (:mod:`app.journal.owner`)."""
        return self._key

    def watch(self, service: Any) -> bool:
        """Record ``service``'s writes too (a job's service not attached); True if it was added."""
        return self._observe(service)

    def unwatch(self, service: Any) -> None:
        observers: list[Any] = service.observers
        if self.recorder in observers:
            observers.remove(self.recorder)
        self._attached = [o for o in self._attached if o is not observers]

    def _observe(self, service: Any) -> bool:
        observers: list[Any] = service.observers
        if self.recorder in observers:
            return False
        observers.append(self.recorder)
        self._attached.append(observers)
        return True

    def close(self) -> None:
        for observers in self._attached:
            if self.recorder in observers:
                observers.remove(self.recorder)
        self._attached.clear()
        self.store.close()

    # -- jobs ----------------------------------------------------------------------------------

    def run_plan(self, plan: BulkTagPlan, cancel: Cancellable,
                 progress_callback: ProgressCallback | None = None, *,
                 workers: int = DEFAULT_WORKERS) -> BulkTagReport:
        """``start_job`` then ``run_job``: the drop-in for :func:`app.jobs.run.run` (``job_runner``)."""
        return self.run_job(self.start_job(plan), plan, cancel, progress_callback, workers=workers)

    def start_job(self, plan: BulkTagPlan, *, undo_of: str | None = None,
                  resume_of: str | None = None) -> str:
        """Store the whole plan (every change "planned", every skipped row "skipped") and return
        the job's id; nothing is sent. A plan from :meth:`resume_plan` / :meth:`undo_plan`
        is linked to its job by itself."""
        origin = self._origins.pop(id(plan), None)
        undo_rows: dict[Change, int] = {}
        if origin is not None and origin[0] is plan:
            _plan, how, source, undo_rows = origin
            if how == "undo":
                undo_of = undo_of or source
            else:
                resume_of = resume_of or source
        job_id = new_job_id()
        now = now_iso()
        rows = [(job_id, i, c.action, _target(c), c.contact_id, c.tag_id, *_values(c), "planned", "", now,
                 undo_rows.get(c)) for i, c in enumerate(plan.changes)]
        base = len(rows)
        rows += [(job_id, base + i, c.action, _target(c), c.contact_id, c.tag_id, *_values(c), "skipped",
                  "Already so: not sent.", now, None) for i, c in enumerate(plan.skipped)]
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, title, kind, state, created, protocol, pid, pid_started, scope, "
                "contacts_in_scope, tag_names, stop_on_failure, undo_of, resume_of) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, plan.title, plan.kind, now, plan.service.protocol, os.getpid(), owner.own_marker(),
                 plan.scope_description, plan.contacts_in_scope,
                 to_json({str(k): v for k, v in plan.tag_names.items()}), int(plan.stop_contact_on_failure),
                 undo_of, resume_of))
            db.executemany(
                "INSERT INTO changes (job_id, seq, kind, target, contact_id, tag_id, before, after, state, "
                "reason, created, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if resume_of:
                db.execute("UPDATE jobs SET state = 'resumed', resumed_by = ?, ended = ? WHERE id = ?",
                           (job_id, now, resume_of))
        owner.mark_live(self._key, job_id, True)
        log.info("job %s stored: %s (%d changes, %d skipped)", job_id, plan.title, len(plan.changes),
                 len(plan.skipped))
        return job_id

    def run_job(self, job_id: str, plan: BulkTagPlan, cancel: Cancellable,
                progress_callback: ProgressCallback | None = None, *,
                workers: int = DEFAULT_WORKERS) -> BulkTagReport:
        """Run ``plan`` (:func:`app.jobs.run.run`) as job ``job_id``; every row's outcome is
        journalled as it happens, then set from the report. Changes of the plan that the job
        does not list yet are added to it first. If the run raises, the job stays "running"
        and so shows as interrupted."""
        rows = self._job_rows_for(job_id, plan.changes)
        added = self._observe(plan.service)
        self.recorder.activate(rows)
        owner.mark_live(self._key, job_id, True)
        self.store.execute("UPDATE jobs SET state = 'running', ended = NULL, pid = ?, pid_started = ? "
                           "WHERE id = ?", (os.getpid(), owner.own_marker(), job_id))
        try:
            report = run(plan, cancel, progress_callback, workers=workers)
            self._settle(job_id, rows, report)
        finally:
            self.recorder.deactivate(rows)
            owner.mark_live(self._key, job_id, False)
            if added:
                plan.service.observers.remove(self.recorder)
                self._attached = [o for o in self._attached if o is not plan.service.observers]
        return report

    def _job_rows_for(self, job_id: str, changes: Sequence[Change]) -> dict[RowKey, int]:
        """The job's row of each change (the newest not yet done), adding rows it lacks."""
        known: dict[RowKey, int] = {}
        for row in self.store.query("SELECT id, contact_id, tag_id, kind FROM changes WHERE job_id = ? "
                                    "AND state NOT IN ('done', 'skipped') ORDER BY seq", (job_id,)):
            known[(int(row["contact_id"]), int(row["tag_id"]), str(row["kind"]))] = int(row["id"])
        missing = [c for c in changes if (c.contact_id, c.tag_id, c.action) not in known]
        if missing:
            top = self.store.query("SELECT COALESCE(MAX(seq), -1) AS top FROM changes WHERE job_id = ?",
                                   (job_id,))[0]["top"]
            now = now_iso()
            with self.store.transaction() as db:
                for i, c in enumerate(missing, start=int(top) + 1):
                    cursor = db.execute(
                        "INSERT INTO changes (job_id, seq, kind, target, contact_id, tag_id, before, after, "
                        "state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?)",
                        (job_id, i, c.action, _target(c), c.contact_id, c.tag_id, *_values(c), now))
                    known[(c.contact_id, c.tag_id, c.action)] = int(cursor.lastrowid or 0)
        keys = [(c.contact_id, c.tag_id, str(c.action)) for c in changes]
        return {key: known[key] for key in keys}

    def _settle(self, job_id: str, rows: dict[RowKey, int], report: BulkTagReport) -> None:
        """The report is the last word on each row (the runner reads back calls that did not
        answer), except that a row the observer saw lose its reply stays "unknown" unless
        the report says done: a resume verifies it by reading."""
        now = now_iso()
        states = {int(r["id"]): str(r["state"]) for r in self.store.query(
            "SELECT id, state FROM changes WHERE job_id = ?", (job_id,))}
        updates: list[tuple[str, str, str | None, int]] = []
        for result in report.results:
            c = result.change
            row = rows.get((c.contact_id, c.tag_id, c.action))
            if row is None or result.status == "skipped":
                continue
            current = states.get(row, "planned")
            if result.status == "done":
                updates.append(("done", "", now, row))
            elif result.status == "not_started":
                updates.append(("planned", "", None, row))
            elif current == "unknown":
                continue
            else:
                updates.append(("failed", result.reason, now, row))
        with self.store.transaction() as db:
            db.executemany("UPDATE changes SET state = ?, reason = ?, finished = ? WHERE id = ?", updates)
            db.execute("UPDATE jobs SET state = ?, ended = ? WHERE id = ?",
                       ("cancelled" if report.cancelled else "finished", now, job_id))
            if report.plan.kind == "undo":
                db.execute(
                    "UPDATE changes SET undone_by = (SELECT u.id FROM changes u WHERE u.job_id = ? "
                    "AND u.undo_of = changes.id AND u.state = 'done') WHERE id IN "
                    "(SELECT undo_of FROM changes WHERE job_id = ? AND state = 'done' "
                    "AND undo_of IS NOT NULL)",
                    (job_id, job_id))

    def jobs(self) -> list[JobSummary]:
        """Every job, newest first; a "running" job whose owner is gone is "interrupted"."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.store.query("SELECT job_id, state, COUNT(*) AS n FROM changes "
                                    "WHERE job_id IS NOT NULL GROUP BY job_id, state"):
            counts.setdefault(row["job_id"], {})[row["state"]] = int(row["n"])
        out = []
        for row in self.store.query("SELECT * FROM jobs ORDER BY created DESC, rowid DESC"):
            n = counts.get(row["id"], {})
            state = str(row["state"])
            if state == "running" and not owner.owner_alive(self._key, row["id"], int(row["pid"]),
                                                            str(row["pid_started"])):
                state = "interrupted"
            created = parse_time(row["created"])
            assert created is not None
            out.append(JobSummary(
                id=row["id"], title=row["title"], kind=row["kind"], state=state, created=created,
                protocol=row["protocol"], total=sum(n.values()), done=n.get("done", 0),
                failed=n.get("failed", 0), unknown=n.get("unknown", 0) + n.get("pending", 0),
                not_started=n.get("planned", 0), skipped=n.get("skipped", 0), ended=parse_time(row["ended"]),
                undo_of=row["undo_of"], resume_of=row["resume_of"], resumed_by=row["resumed_by"]))
        return out

    def job(self, job_id: str) -> JobSummary | None:
        return next((j for j in self.jobs() if j.id == job_id), None)

    def unfinished(self) -> list[JobSummary]:
        """Jobs whose owner died while running them (state "interrupted"), newest first."""
        return [j for j in self.jobs() if j.state == "interrupted"]

    def discard(self, job_id: str) -> None:
        """Give up an unfinished job: state "discarded", nothing is sent; its rows stay as they are."""
        self.store.execute("UPDATE jobs SET state = 'discarded', ended = ? WHERE id = ?", (now_iso(), job_id))

    def job_rows(self, job_id: str) -> list[ChangeRecord]:
        """Every row of a job's plan, in plan order (skipped and not-started rows too)."""
        return [record_of(r) for r in self.store.query("SELECT * FROM changes WHERE job_id = ? ORDER BY seq",
                                                        (job_id,))]

    # -- resume and undo ---------------------------------------------------------------------------

    def _skeleton(self, job_id: str, service: TagsService) -> BulkTagPlan:
        """A plan with the stored job's title, scope and tag names, to build new plans from."""
        found = self.store.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if not found:
            raise KeyError(f"No job {job_id} in this journal.")
        job = found[0]
        if str(job["kind"]).startswith("import"):  # its rows are contact writes: app.journal.import_job
            raise ValueError(f"Job {job_id} is an import; resume or undo it as an import.")
        names = {int(k): str(v) for k, v in from_json(job["tag_names"]).items()}
        return BulkTagPlan(service, str(job["title"]), str(job["scope"]), int(job["contacts_in_scope"]),
                           (), (), (), 0.0, stop_contact_on_failure=bool(job["stop_on_failure"]),
                           tag_names=names)

    def resume_plan(self, job_id: str, tags_service: TagsService,
                    cancel: Cancellable | None = None) -> BulkTagPlan:
        """What is still missing of a job, kind "resume": one read of Keap's current state first.

        Rows whose call may have left (pending, unknown) and that Keap already has are
        marked done, never sent again; rows never sent (or failed) that are already so are
        marked skipped. Everything else forms the plan. If nothing is left, the job is
        marked finished.
        """
        skeleton = self._skeleton(job_id, tags_service)
        rows = [r for r in self.job_rows(job_id) if r.state in ("planned", "pending", "unknown", "failed")
                and r.kind in ("apply", "remove") and r.contact_id is not None and r.tag_id is not None]
        present = _present(tags_service, rows, cancel)
        missing: list[Change] = []
        settled: list[tuple[str, str, str, int]] = []
        now = now_iso()
        for r in rows:
            assert r.contact_id is not None and r.tag_id is not None
            if ((r.contact_id, r.tag_id) in present) == (r.kind == "apply"):
                if r.state in MAYBE_SENT:
                    settled.append(("done", "Verified by reading: Keap has this change.", now, r.id))
                else:
                    settled.append(("skipped", "Already so when the job was resumed: not sent.", now, r.id))
            else:
                missing.append(Change(r.contact_id, r.tag_id, "apply" if r.kind == "apply" else "remove"))
                if r.state in MAYBE_SENT:  # an unknown outcome, now known: it was not applied
                    settled.append(("failed", "Verified by reading: the lost call was not applied; the "
                                    "resume sends it again.", now, r.id))
        with self.store.transaction() as db:
            db.executemany("UPDATE changes SET state = ?, reason = ?, finished = ? WHERE id = ?", settled)
            if not missing:
                db.execute("UPDATE jobs SET state = 'finished', ended = COALESCE(ended, ?) "
                           "WHERE id = ? AND state = 'running'", (now, job_id))
        plan = replace(plan_of(skeleton, missing, f"Resume: {skeleton.title}"), kind="resume")
        self._origins[id(plan)] = (plan, "resume", job_id, {})
        return plan

    def undo_plan(self, job_id: str, tags_service: TagsService,
                  cancel: Cancellable | None = None) -> BulkTagPlan:
        """The inverse of what a job (and the jobs that resumed it) did, kind "undo".

        Only rows that were done (or may have been: verified by reading) are reversed, last
        first; the job's skipped rows are never touched, so a contact that already had the
        tag keeps it. Rows already back to the state before are listed as skipped.
        """
        skeleton = self._skeleton(job_id, tags_service)
        chain = self._resume_chain(job_id)
        rows = [r for j in chain for r in self.job_rows(j)
                if r.state in ("done", "pending", "unknown") and r.kind in ("apply", "remove")
                and r.contact_id is not None and r.tag_id is not None and r.undone_by is None]
        rows.reverse()
        present = _present(tags_service, rows, cancel)
        inverse: list[Change] = []
        already: list[Change] = []
        origin: dict[Change, int] = {}
        for r in rows:
            assert r.contact_id is not None and r.tag_id is not None
            back = Change(r.contact_id, r.tag_id, "remove" if r.kind == "apply" else "apply")
            if back in origin:
                continue
            origin[back] = r.id
            made = ((r.contact_id, r.tag_id) in present) == (r.kind == "apply")
            if made:
                inverse.append(back)
            elif r.state == "done":
                already.append(back)
        plan = replace(plan_of(skeleton, inverse, f"Undo: {skeleton.title}"), kind="undo",
                       skipped=tuple(already))
        self._origins[id(plan)] = (plan, "undo", job_id, origin)
        return plan

    def _resume_chain(self, job_id: str) -> list[str]:
        chain = [job_id]
        while True:
            nxt = self.store.query("SELECT resumed_by FROM jobs WHERE id = ?", (chain[-1],))
            if not nxt or not nxt[0]["resumed_by"] or nxt[0]["resumed_by"] in chain:
                return chain
            chain.append(str(nxt[0]["resumed_by"]))

    # -- history -------------------------------------------------------------------------------

    def history(self, contact_id: int | None = None, job_id: str | None = None, kind: str | None = None,
                since: datetime | None = None, limit: int = 1000, *,
                states: Iterable[str] | None = None) -> list[ChangeRecord]:
        """Changes, newest first. By default every state but "planned" (a job's rows never
        sent); pass ``states`` to choose."""
        where, params = self._filters(contact_id, job_id, kind, since, states)
        sql = f"SELECT * FROM changes{where} ORDER BY id DESC LIMIT ?"
        return [record_of(r) for r in self.store.query(sql, [*params, int(limit)])]

    @staticmethod
    def _filters(contact_id: int | None, job_id: str | None, kind: str | None, since: datetime | None,
                 states: Iterable[str] | None) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if contact_id is not None:
            clauses.append("contact_id = ?")
            params.append(int(contact_id))
        if job_id is not None:
            clauses.append("job_id = ?")
            params.append(job_id)
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if since is not None:
            clauses.append("created >= ?")
            params.append(iso_utc(since))
        if states is None:
            clauses.append("state != 'planned'")
        else:
            wanted = list(states)
            clauses.append(f"state IN ({', '.join('?' for _ in wanted) or 'NULL'})")
            params += wanted
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def export_csv(self, path: str | Path, contact_id: int | None = None, job_id: str | None = None,
                   kind: str | None = None, since: datetime | None = None, limit: int = 1_000_000, *,
                   states: Iterable[str] | None = None) -> int:
        """Write the filtered history to ``path`` (UTF-8 with BOM, a header row, before/after as
        JSON text); the file appears only when complete. Returns the number of rows."""
        records = self.history(contact_id, job_id, kind, since, limit, states=states)
        with csv_file(Path(path), "history") as writer:
            writer.writerow(CSV_COLUMNS)
            for r in records:
                ended = r.finished.isoformat() if r.finished else ""
                writer.writerow([r.id, r.created.isoformat(), ended,
                                 r.job_id or "", r.kind, r.target, _cell(r.contact_id), _cell(r.tag_id),
                                 r.state, r.reason, to_json(r.before), to_json(r.after),
                                 "yes" if r.reversible else "no", r.why_not, _cell(r.undo_of)])
        return len(records)

    # -- undo of one contact edit ----------------------------------------------------------------

    def last_contact_edit(self, contact_id: int | None = None) -> ChangeRecord | None:
        """The newest done, reversible "update" of a contact (any contact when None) that is
        not itself an undo and was not undone yet: what Ctrl+Z undoes."""
        sql = ("SELECT * FROM changes WHERE kind = 'update' AND state = 'done' AND reversible = 1 "
               "AND undone_by IS NULL AND undo_of IS NULL")
        params: list[object] = []
        if contact_id is not None:
            sql += " AND contact_id = ?"
            params.append(int(contact_id))
        found = self.store.query(sql + " ORDER BY id DESC LIMIT 1", params)
        return record_of(found[0]) if found else None

    def undo_contact_edit(self, change: ChangeRecord, contacts_service: ContactsService,
                          cancel: Cancellable) -> None:
        """Write ``change.before`` back (the fields the edit changed) through the service, so the
        undo is journalled itself (kind "update", ``undo_of=change.id``); then mark the edit undone.

        Raises ValueError (with ``why_not``) for an edit that cannot be undone.
        """
        if change.kind != "update" or change.contact_id is None or not change.reversible:
            raise ValueError(change.why_not or "Only an edit of a contact can be undone this way.")
        if change.undone_by is not None:
            raise ValueError("This edit has already been undone.")
        values = {k: change.before[k] for k in change.after if k in change.before}
        self.recorder.set_undo_of(change.id)
        try:
            contacts_service.save(change.contact_id, values, cancel, previous=dict(change.after))
        finally:
            undo_row = self.recorder.last_row()
            self.recorder.set_undo_of(None)
        if undo_row is not None:
            self.store.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (undo_row, change.id))


def _target(c: Change) -> str:
    return f"tag {c.tag_id} on contact {c.contact_id}"


def _values(c: Change) -> tuple[str, str]:
    """(before, after) JSON of a tag change of a job."""
    tagged = to_json({"tag_id": c.tag_id})
    return ("{}", tagged) if c.action == "apply" else (tagged, "{}")


def _present(service: TagsService, rows: Sequence[ChangeRecord],
             cancel: Cancellable | None) -> set[tuple[int, int]]:
    """One read of the (contact, tag) assignments the rows are about."""
    if not rows:
        return set()
    tags = {r.tag_id for r in rows if r.tag_id is not None}
    contacts = {r.contact_id for r in rows if r.contact_id is not None}
    return service.assignments(tags, contacts, cancel)


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)
