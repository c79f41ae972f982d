"""The change journal against the sandbox, over XML-RPC and REST v2: edits journalled and
undone, jobs stored before their first call, interrupted jobs found and resumed without
sending anything twice, undo back to the exact state before, history and CSV export."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tag_testkit import (
    assignments,
    client_for,
    contact_ids,
    protocol,
    service_for,
    small_tags,
    tag_id,
    writes,
)

from app.core.cancel import CancelToken
from app.jobs import JobProgress, Scope, plan_bulk, plan_merge
from app.journal import Journal, journal_path
from app.services.session import open_session
from app.services.tags import TagWriteEvent

__all__ = ["protocol", "small_tags"]


class Killed(BaseException):
    """Stands in for the process dying in the middle of a job."""


class Probe:
    """A write observer for the tests: calls ``on_before`` and counts what was sent."""

    def __init__(self, on_before: Any = None) -> None:
        self.on_before = on_before
        self.sent: list[tuple[int | None, int | None, str]] = []

    def before_write(self, event: Any) -> None:
        if isinstance(event, TagWriteEvent):
            self.sent.append((event.contact_id, event.target_id, event.kind))
        if self.on_before is not None:
            self.on_before(event)

    def after_write(self, event: Any, error: BaseException | None) -> None:
        pass


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def set_owner(path: Path, job_id: str, pid: int, marker: str = "") -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE jobs SET pid = ?, pid_started = ? WHERE id = ?", (pid, marker, job_id))


@pytest.fixture
def journal(tmp_path: Path) -> Any:
    opened = Journal.open(tmp_path, "test-profile")
    yield opened
    opened.close()


def test_file_is_wal_with_a_versioned_schema(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path, "Keap: main/1")
    path = journal_path(tmp_path, "Keap: main/1")
    assert path.parent == tmp_path / "journal" and path.exists() and "/" not in path.name[:-8]
    assert journal.journal_mode == "wal"
    journal.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    Journal.open(tmp_path, "Keap: main/1").close()  # reopening keeps the file as it is


def test_contact_edit_is_journalled_and_undone(small_tags, protocol, journal) -> None:
    sb, client, _service = small_tags
    session = open_session("t", client)
    journal.attach(session)
    token = CancelToken()
    contact = contact_ids(sb)[3]
    loaded = session.contacts.load(contact, ["FirstName", "LastName"], token)
    old = {"FirstName": loaded.get("FirstName"), "LastName": loaded.get("LastName")}
    session.contacts.save(contact, {"FirstName": "Renamed"}, token, previous=old)
    assert session.contacts.load(contact, ["FirstName"], token)["FirstName"] == "Renamed"

    [edit] = journal.history(contact_id=contact)
    assert (edit.kind, edit.state, edit.target, edit.job_id) == ("update", "done", f"contact {contact}", None)
    assert edit.before == old and edit.after == {"FirstName": "Renamed"} and edit.reversible
    assert edit.finished is not None and edit.created.tzinfo is not None
    assert journal.last_contact_edit(contact) == edit == journal.last_contact_edit()

    journal.undo_contact_edit(edit, session.contacts, token)
    assert session.contacts.load(contact, ["FirstName"], token)["FirstName"] == old["FirstName"]
    undo, original = journal.history(contact_id=contact)
    assert undo.kind == "update" and undo.undo_of == edit.id and undo.state == "done"
    assert undo.after == {"FirstName": old["FirstName"]} and undo.before == {"FirstName": "Renamed"}
    assert original.undone_by == undo.id
    assert journal.last_contact_edit(contact) is None  # neither the undone edit nor the undo itself
    with pytest.raises(ValueError, match="already"):
        journal.undo_contact_edit(original, session.contacts, token)


def test_job_plan_is_stored_before_the_first_call(small_tags, protocol, journal) -> None:
    sb, _client, service = small_tags
    tag = tag_id(sb, "VIP")
    scope = contact_ids(sb)[:120]
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    assert plan.skipped and plan.changes
    seen: list[dict[str, int]] = []
    first = threading.Lock()

    def look(_event: Any) -> None:
        with first:  # the first write of the job, whichever worker sends it
            if not seen:  # read the file itself, from another connection, as a crash would leave it
                with sqlite3.connect(journal.path) as db:
                    counts = db.execute("SELECT state, COUNT(*) FROM changes GROUP BY state").fetchall()
                    seen.append(dict(counts))

    service.observers.insert(0, Probe(look))
    job_id = journal.start_job(plan)
    assert journal.jobs()[0].state == "running"  # this process runs it
    report = journal.run_job(job_id, plan, CancelToken(), workers=3)
    assert report.complete
    assert seen == [{"planned": len(plan.changes), "skipped": len(plan.skipped)}]

    [job] = journal.jobs()
    assert (job.id, job.state, job.kind, job.protocol) == (job_id, "finished", "bulk", protocol)
    assert (job.total, job.done, job.skipped) == (len(scope), len(plan.changes), len(plan.skipped))
    assert job.failed == job.unknown == job.not_started == 0
    rows = journal.job_rows(job_id)
    assert {r.state for r in rows} == {"done", "skipped"}
    done = {(r.contact_id, r.tag_id) for r in rows if r.state == "done"}
    assert done == {(c.contact_id, tag) for c in plan.changes}
    assert assignments(sb) == before | {(c, tag) for c in scope}
    assert journal.unfinished() == []


def test_interrupted_job_is_found_and_resumed_without_resending(small_tags, protocol, tmp_path) -> None:
    sb, _client, service = small_tags
    tag = tag_id(sb, "Former Customer")
    scope = contact_ids(sb)[:300]
    before = assignments(sb)
    wanted = before | {(c, tag) for c in scope}
    journal = Journal.open(tmp_path, "p")
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    probe = Probe()
    service.observers.append(probe)
    cancel = CancelToken()
    killed: list[int] = []

    def die_halfway(p: JobProgress) -> None:
        if p.finished >= p.total // 2 and not killed:
            killed.append(p.finished)
            cancel.cancel()  # the other workers start nothing more
            raise Killed()

    job_id = journal.start_job(plan)
    with pytest.raises(Killed):
        journal.run_job(job_id, plan, cancel, die_halfway, workers=2)
    first_calls = writes(sb, protocol, "apply")
    assert [j.state for j in journal.jobs()] == ["interrupted"]  # this process no longer runs it
    journal.close()
    set_owner(journal.path, job_id, dead_pid(), "12345")

    fresh = Journal.open(tmp_path, "p")
    [job] = fresh.unfinished()
    assert job.id == job_id and job.state == "interrupted"
    assert job.done >= plan.change_count // 2 and job.not_started > 0
    assert job.done + job.unknown + job.not_started + job.failed == plan.change_count
    assert job.skipped == len(plan.skipped) and job.unfinished_rows == plan.change_count - job.done

    applied_before_resume = assignments(sb)
    resume = fresh.resume_plan(job_id, service, CancelToken())
    assert resume.kind == "resume"
    missing = {(c.contact_id, c.tag_id) for c in resume.changes}
    assert missing == wanted - applied_before_resume  # only what Keap does not have
    sent_in_resume: list[tuple[int, int]] = []

    def check_not_there(event: Any) -> None:
        if isinstance(event, TagWriteEvent):
            sent_in_resume.append((event.contact_id, event.target_id))

    service.observers.append(Probe(check_not_there))
    new_id = fresh.start_job(resume)
    assert fresh.job(job_id).state == "resumed"  # type: ignore[union-attr]
    report = fresh.run_job(new_id, resume, CancelToken())
    assert report.complete
    assert set(sent_in_resume) == missing and len(sent_in_resume) == len(missing)
    assert assignments(sb) == wanted
    # every change went out; one stopped by the cancel before it reached Keap went out again
    # in the resume (the read said Keap did not have it), never one that Keap had
    assert set(probe.sent) == {(c.contact_id, c.tag_id, "apply") for c in plan.changes}
    assert not set(sent_in_resume) & applied_before_resume
    total_calls = writes(sb, protocol, "apply")
    assert total_calls - first_calls == resume.calls
    if protocol == "xmlrpc":  # one call per change: Keap received each change exactly once
        assert total_calls == plan.change_count
    assert fresh.unfinished() == []
    states = {j.id: j.state for j in fresh.jobs()}
    assert states == {job_id: "resumed", new_id: "finished"}

    # undo the original job (and its resume): exactly the state before it
    undo = fresh.undo_plan(job_id, service, CancelToken())
    assert undo.kind == "undo" and undo.change_count == plan.change_count
    assert {(c.contact_id, c.tag_id) for c in undo.changes} == wanted - before
    undo_id = fresh.start_job(undo)
    assert fresh.run_job(undo_id, undo, CancelToken()).complete
    assert assignments(sb) == before
    assert fresh.job(undo_id).undo_of == job_id  # type: ignore[union-attr]
    fresh.close()


def test_unknown_rows_are_verified_by_reading(small_tags, protocol, journal) -> None:
    sb, _client, _service = small_tags
    impatient = client_for(sb, protocol, attempts=1)  # a lost reply reaches the journal as it is
    service = service_for(impatient, bulk_size=20)
    tag = tag_id(sb, "Imported")
    scope = contact_ids(sb)[:160]
    before = assignments(sb)
    wanted = before | {(c, tag) for c in scope}
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    sb.set_faults("drop_after=0.2,drop_before=0.2", seed=7)
    job_id = journal.start_job(plan)
    journal.run_job(job_id, plan, CancelToken(), workers=3)
    sb.set_faults("")
    after_run = assignments(sb)
    rows = journal.job_rows(job_id)
    assert not [r for r in rows if r.state in ("pending", "planned")]
    for r in rows:
        if r.state == "done":
            assert (r.contact_id, tag) in after_run
        if r.state == "failed":
            assert (r.contact_id, tag) not in after_run
    unknown = [r for r in rows if r.state == "unknown"]
    if protocol == "xmlrpc":  # a lost reply of a call per change: the row stays unknown
        assert unknown and all("reply" in r.reason.lower() or "dropped" in r.reason.lower() for r in unknown)
    applied_unknown = {r.id for r in unknown if (r.contact_id, tag) in after_run}

    reads_before = writes(sb, protocol, "apply")
    resume = journal.resume_plan(job_id, service, CancelToken())
    assert writes(sb, protocol, "apply") == reads_before  # verifying sends nothing
    assert {(c.contact_id, c.tag_id) for c in resume.changes} == wanted - after_run
    verified = {r.id: r for r in journal.job_rows(job_id)}
    for row_id in applied_unknown:
        assert verified[row_id].state == "done" and "Verified" in verified[row_id].reason
    sent: list[tuple[int, int]] = []
    service.observers.append(Probe(lambda e: sent.append((e.contact_id, e.target_id))))
    report = journal.run_plan(resume, CancelToken())
    assert report.complete
    assert not set(sent) & after_run  # nothing Keap had was sent again
    assert assignments(sb) == wanted
    impatient.close()


def test_undo_restores_exactly_the_state_before(small_tags, protocol, journal) -> None:
    sb, _client, service = small_tags
    a, b = tag_id(sb, "Customer"), tag_id(sb, "Prospect")
    before = assignments(sb)
    scope = contact_ids(sb)[:200]
    plan = plan_bulk(service, Scope.selected(scope), [a], "apply")
    had_it = {c.contact_id for c in plan.skipped}
    assert had_it
    report = journal.run_plan(plan, CancelToken())
    assert report.complete
    [job] = journal.jobs()
    undo = journal.undo_plan(job.id, service, CancelToken())
    assert not {c.contact_id for c in undo.changes} & had_it  # contacts that had the tag keep it
    assert all(c.action == "remove" for c in undo.changes) and undo.change_count == len(plan.changes)
    assert journal.run_plan(undo, CancelToken()).complete
    assert assignments(sb) == before
    undone = journal.job_rows(job.id)
    assert all(r.undone_by is not None for r in undone if r.state == "done")
    assert journal.undo_plan(job.id, service, CancelToken()).change_count == 0  # nothing left to undo

    merge = plan_merge(service, b, a)
    assert journal.run_plan(merge, CancelToken()).complete
    merge_job = journal.jobs()[0]
    assert merge_job.kind == "merge"
    back = journal.undo_plan(merge_job.id, service, CancelToken())
    assert journal.run_plan(back, CancelToken()).complete
    assert assignments(sb) == before


def test_history_filters_and_csv_export(small_tags, protocol, journal, tmp_path) -> None:
    sb, client, service = small_tags
    session = open_session("t", client)
    session.tags = service
    journal.attach(session)
    assert service.job_runner == journal.run_plan  # the GUI's job flow runs jobs through the journal
    token = CancelToken()
    tag = tag_id(sb, "Webinar")
    first, second = contact_ids(sb)[:2]
    session.contacts.save(first, {"LastName": "Müller & Co, \"quoted\""}, token, previous={"LastName": "Old"})
    service.apply_tag(second, tag, token)
    plan = plan_bulk(service, Scope.selected(contact_ids(sb)[10:20]), [tag], "apply")
    report = service.job_runner(plan, token, None, workers=2)
    job_id = journal.jobs()[0].id

    everything = journal.history()
    assert len(everything) == 2 + len(report.results)
    assert [r.kind for r in journal.history(contact_id=first)] == ["update"]
    single = journal.history(contact_id=second, kind="apply")
    assert single[0].job_id is None and single[0].target == f"tag {tag} on contact {second}"
    assert {r.job_id for r in journal.history(job_id=job_id)} == {job_id}
    assert len(journal.history(job_id=job_id)) == len(plan.changes) + len(plan.skipped)
    assert journal.history(since=datetime.now(UTC) + timedelta(minutes=1)) == []
    assert len(journal.history(since=datetime.now(UTC) - timedelta(minutes=5))) == len(everything)
    assert len(journal.history(limit=3)) == 3

    out = tmp_path / "history.csv"
    assert journal.export_csv(out, kind="update") == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and rows[0]["kind"] == "update" and rows[0]["state"] == "done"
    assert json.loads(rows[0]["after"]) == {"LastName": "Müller & Co, \"quoted\""}
    assert json.loads(rows[0]["before"]) == {"LastName": "Old"}
    assert journal.export_csv(out, job_id=job_id) == len(report.results)
    assert not list(tmp_path.glob(".tagdesk-history-*"))


def test_irreversible_kinds_say_why(journal) -> None:
    from app.services.contacts import WriteEvent

    recorder = journal.recorder
    for event in (WriteEvent("delete", 5, {}, {"FirstName": "Ann"}),
                  TagWriteEvent("delete_tag", 9, previous={"name": "Old"}),
                  TagWriteEvent("update_tag", 9, values={"name": "New"}, previous={"name": "Old"}),
                  WriteEvent("update", 6, {"Email": "a@b.example"})):
        recorder.before_write(event)
        recorder.after_write(event, None)
    no_before, renamed, tag_gone, deleted = journal.history()
    assert not deleted.reversible and "deleted contact" in deleted.why_not
    assert not tag_gone.reversible and "deleted tag" in tag_gone.why_not
    assert renamed.reversible and renamed.before == {"name": "Old"}
    assert not no_before.reversible and "not known" in no_before.why_not
    assert journal.last_contact_edit() is None


def test_owner_liveness(small_tags, journal, tmp_path) -> None:
    from app.journal import owner

    sb, _client, service = small_tags
    plan = plan_bulk(service, Scope.selected(contact_ids(sb)[:3]), [tag_id(sb, "VIP")], "apply")
    job_id = journal.start_job(plan)
    assert journal.job(job_id).state == "running"  # type: ignore[union-attr]
    other = Journal.open(tmp_path, "test-profile")  # another window of this process sees it running
    assert other.job(job_id).state == "running"  # type: ignore[union-attr]
    parent = os.getppid()
    set_owner(journal.path, job_id, parent, owner.start_marker(parent))
    assert other.job(job_id).state == "running"  # a live process owns it
    if owner.start_marker(parent):
        set_owner(journal.path, job_id, parent, "1")  # the pid was reused by another process
        assert [j.id for j in other.unfinished()] == [job_id]
    set_owner(journal.path, job_id, dead_pid())
    assert [j.id for j in other.unfinished()] == [job_id]
    other.discard(job_id)
    assert journal.job(job_id).state == "discarded" and journal.unfinished() == []  # type: ignore[union-attr]
    other.close()


def test_a_merge_is_journalled_with_the_duplicates_full_values(small_tags, protocol, journal) -> None:
    """Keap cannot undo a merge: the journal keeps everything that is left of the duplicate."""
    sb, client, _service = small_tags
    session = open_session("t", client)
    journal.attach(session)
    token = CancelToken()
    keep, duplicate = contact_ids(sb)[4:6]
    gone = session.contacts.load(duplicate, ["FirstName", "LastName", "Email"], token)
    session.duplicates.merge(keep, duplicate, {}, token)

    [merge] = journal.history(kind="merge")
    assert (merge.state, merge.contact_id, merge.target) == \
        ("done", keep, f"contact {duplicate} merged into contact {keep}")
    assert {k: merge.before.get(k) for k in ("FirstName", "LastName", "Email")} == \
        {k: gone.get(k) for k in ("FirstName", "LastName", "Email")}
    assert merge.after["merged_into"] == keep
    assert not merge.reversible and "cannot be undone" in merge.why_not
