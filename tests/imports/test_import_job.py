"""The import job against the sandbox, over both protocols: journalled line by line, creates never
sent twice (lost replies, a cancel, a crash), resumed to the exact end state, undone where Keap allows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.core.cancel import CancelToken
from app.imports.failed_rows import write_failed_rows
from app.imports.reading import read_table
from app.journal import Journal
from app.journal.import_job import NOT_FOUND, ImportJobs, lines_not_imported
from app.services.contacts import ContactsService
from app.services.imports import DryRun, ImportService
from tests.integration.test_backend import make_backend


class Rig:
    """One protocol's contacts service, import service and journal on a fresh sandbox."""

    def __init__(self, sb: Any, protocol: str, data: Path) -> None:
        self.sb, self.protocol = sb, protocol
        self.backend = make_backend(sb, protocol)
        self.contacts = ContactsService(self.backend)
        self.imports = ImportService(self.contacts, self.backend.client.limiter.estimate_seconds)
        self.journal = Journal.open(data, f"import-{protocol}")
        self.jobs = ImportJobs(self.journal)

    def dry_run(self, text: str, **kw: Any) -> DryRun:
        table = read_table(text.encode("utf-8"))
        setup = self.imports.setup(CancelToken())
        return self.imports.dry_run(table, self.imports.suggest(table, setup), setup, CancelToken(), **kw)

    def by_email(self, email: str) -> list[dict[str, Any]]:
        return [r for r in self.sb.store.rows("Contact", fields=["Id", "Email", "FirstName", "LastName",
                                                                  "Company", "Birthday", "City"])
                if str(r.get("Email") or "").casefold() == email.casefold()]

    def close(self) -> None:
        self.journal.close()
        self.backend.client.close()


@pytest.fixture(params=["xmlrpc", "rest"])
def rig(request: pytest.FixtureRequest, sandbox: Any, tmp_path: Path) -> Iterator[Rig]:
    made = Rig(sandbox, str(request.param), tmp_path / "data")
    yield made
    made.close()


def existing(rig: Rig, n: int) -> list[dict[str, Any]]:
    """``n`` contacts with a first name and an e-mail no other contact has (the demo has duplicates)."""
    rows = sorted(rig.sb.store.rows("Contact", fields=["Id", "Email", "FirstName", "Company", "City"]),
                  key=lambda r: r["Id"])
    seen: dict[str, int] = {}
    for r in rows:
        key = str(r.get("Email") or "").casefold()
        seen[key] = seen.get(key, 0) + 1
    return [r for r in rows if r.get("Email") and r.get("FirstName")
            and seen[str(r["Email"]).casefold()] == 1][:n]


def new_people(n: int, start: int = 0) -> list[str]:
    return [f"person{i}@import.test,Person{i},Import Ltd,03/0{1 + i % 9}/1990"
            for i in range(start, start + n)]


def test_an_import_journals_every_line_and_reimport_changes_nothing(rig: Rig, tmp_path: Path) -> None:
    known = existing(rig, 1)[0]
    text = ("E-mail,First name,Company,Birthday\n"
            f"{str(known['Email']).upper()},{known['FirstName']},Fresh Company {rig.protocol},\n"  # 2: update
            "ada@import.test,Ada,Analytical Engines,12/10/1815\n"  # 3: create
            "not-an-address,Bad,,\n"  # 4: invalid
            "ADA@import.test,,,\n")  # 5: merged
    dry = rig.dry_run(text)
    contacts_before = len(rig.sb.store.rows("Contact", fields=["Id"]))
    job = rig.jobs.start(dry.plan, "people.csv", rig.protocol)
    report = rig.jobs.run(job, rig.contacts, CancelToken())

    assert report.complete and (report.count("done", "create"), report.count("done", "update")) == (1, 1)
    assert report.skipped == 2
    assert len(rig.sb.store.rows("Contact", fields=["Id"])) == contacts_before + 1
    [ada] = rig.by_email("ada@import.test")
    assert (ada["FirstName"], ada["Company"]) == ("Ada", "Analytical Engines")
    assert str(ada["Birthday"]).startswith("1815-12-10")
    assert rig.by_email(str(known["Email"]))[0]["Company"] == f"Fresh Company {rig.protocol}"

    rows = {r.seq: r for r in rig.journal.job_rows(job)}
    assert (rows[3].kind, rows[3].state, rows[3].contact_id, rows[3].target) == \
        ("create", "done", ada["Id"], "line 3 of people.csv")
    assert (rows[2].kind, rows[2].state, rows[2].contact_id) == ("update", "done", known["Id"])
    assert rows[2].before.get("Company") in (None, "") and list(rows[2].before) == ["Company"]
    assert rows[2].after == {"Company": f"Fresh Company {rig.protocol}"}
    assert rows[4].state == "skipped" and "not an e-mail address" in rows[4].reason
    assert rows[5].state == "skipped" and "line 3" in rows[5].reason
    summary = rig.journal.job(job)
    assert summary is not None and (summary.kind, summary.state, summary.total) == ("import", "finished", 4)

    again = rig.dry_run(text)
    assert (again.figures()["create"], again.figures()["update"]) == (0, 0)

    failed = tmp_path / "failed.csv"
    assert write_failed_rows(failed, read_table(text.encode()), lines_not_imported(dry.plan, report)) == 1
    back = read_table(failed)
    assert back.headers[-2:] == ("Line in original file", "Problem")
    assert back.rows[0].cells[0] == "not-an-address" and back.rows[0].cells[-2] == "4"


def test_lost_replies_never_create_twice(rig: Rig) -> None:
    rig.sb.set_faults("drop_after=0.35", seed=7)
    dry = rig.dry_run("Email,First Name,Company,Birthday\n" + "\n".join(new_people(24)) + "\n")
    job = rig.jobs.start(dry.plan, "lost.csv", rig.protocol)
    report = rig.jobs.run(job, rig.contacts, CancelToken())
    rig.sb.set_faults("")
    rig.jobs.resume(job, rig.contacts, CancelToken())
    for i in range(24):
        assert len(rig.by_email(f"person{i}@import.test")) == 1, f"person{i} created {report.summary()}"
    final = rig.jobs.report(job)
    assert final.complete, [r.describe() for r in final.unfinished]
    assert sorted(final.created_ids) == sorted(r["Id"] for i in range(24)
                                               for r in rig.by_email(f"person{i}@import.test"))


def test_cancelled_halfway_then_resumed_reaches_the_exact_end_state(rig: Rig) -> None:
    known = existing(rig, 10)
    lines = [f"{c['Email']},{c['FirstName']},Moved {rig.protocol},06/15/1980" for c in known] + new_people(30)
    dry = rig.dry_run("Email,First Name,Company,Birthday\n" + "\n".join(lines) + "\n", on_match="overwrite")
    assert (dry.figures()["create"], dry.figures()["update"]) == (30, 10)
    job = rig.jobs.start(dry.plan, "half.csv", rig.protocol)
    cancel = CancelToken()

    def progress(done: int, total: int) -> None:
        if done >= 12:
            cancel.cancel()

    first = rig.jobs.run(job, rig.contacts, cancel, progress, workers=2)
    assert first.cancelled and not first.complete
    assert 12 <= first.count("done") < 40
    report = rig.jobs.resume(job, rig.contacts, CancelToken())
    assert report.complete and report.count("done") == 40, report.summary()
    for c in known:
        [row] = rig.by_email(str(c["Email"]))
        assert row["Company"] == f"Moved {rig.protocol}" and str(row["Birthday"]).startswith("1980-06-15")
    for i in range(30):
        [row] = rig.by_email(f"person{i}@import.test")
        assert (row["FirstName"], row["Company"]) == (f"Person{i}", "Import Ltd")
        assert row["Birthday"] and str(row["Birthday"])[:10] == date(1990, 3, 1 + i % 9).isoformat()
    assert (rig.dry_run("Email,First Name,Company,Birthday\n" + "\n".join(lines) + "\n",
                        on_match="overwrite").figures()["calls"]) == 0


def test_resume_reads_before_it_sends_a_create_whose_outcome_is_unknown(rig: Rig) -> None:
    dry = rig.dry_run("Email,First Name,Company\n"
                      "made@import.test,Made,Crash Ltd\nlost@import.test,Lost,Crash Ltd\n")
    job = rig.jobs.start(dry.plan, "crash.csv", rig.protocol)
    rows = {r.seq: r for r in rig.journal.job_rows(job)}
    # the process died with both creates "pending": the first had reached Keap, the second had not
    made_id = rig.contacts.create({"Email": "made@import.test", "FirstName": "Made", "Company": "Crash Ltd"},
                                  CancelToken(), dup_check_email=False)
    rig.journal.store.execute("UPDATE changes SET state = 'pending' WHERE job_id = ?", (job,))
    assert len(rig.by_email("made@import.test")) == 1

    report = rig.jobs.resume(job, rig.contacts, CancelToken())
    after = {r.seq: r for r in rig.journal.job_rows(job)}
    assert (after[2].state, after[2].contact_id) == ("done", made_id)
    assert len(rig.by_email("made@import.test")) == 1, "a create Keap had was sent again"
    assert (after[3].state, after[3].reason) == ("unknown", NOT_FOUND)
    assert rig.by_email("lost@import.test") == [] and not report.complete
    assert rows[3].kind == "create"

    rig.jobs.resume(job, rig.contacts, CancelToken(), create_missing=True)
    assert len(rig.by_email("lost@import.test")) == 1
    assert rig.jobs.report(job).complete


def test_undo_puts_back_updated_fields_nobody_changed_since(rig: Rig) -> None:
    a, b = existing(rig, 2)
    text = ("Email,Company,City\n"
            f"{a['Email']},Undo Co,Undoville\n"
            f"{b['Email']},Undo Co,Undoville\n"
            "fresh@import.test,Undo Co,Undoville\n")
    dry = rig.dry_run(text, on_match="overwrite")
    job = rig.jobs.start(dry.plan, "undo.csv", rig.protocol)
    assert rig.jobs.run(job, rig.contacts, CancelToken()).complete
    rig.contacts.save(int(b["Id"]), {"City": "Changed by hand"}, CancelToken())

    undo = rig.jobs.undo(job, rig.contacts, CancelToken())
    assert undo.complete
    [row_a] = rig.by_email(str(a["Email"]))
    assert (row_a["Company"] or None, row_a["City"] or None) == \
        (a.get("Company") or None, a.get("City") or None)
    [row_b] = rig.by_email(str(b["Email"]))
    assert row_b["City"] == "Changed by hand" and (row_b["Company"] or None) == (b.get("Company") or None)
    assert len(rig.by_email("fresh@import.test")) == 1  # created contacts stay unless asked
    undone = [r for r in rig.journal.job_rows(job) if r.kind == "update"]
    assert all(r.undone_by is not None for r in undone)

    gone = rig.jobs.undo(job, rig.contacts, CancelToken(), delete_created=True)
    assert gone.complete and gone.count("done", "delete") == 1
    assert rig.by_email("fresh@import.test") == []
