"""DuplicatesService against the sandbox over both protocols: paged finding, preview, merge, batch.

Real HTTP on loopback; the merge test checks the duplicate is gone, its tags and records moved,
the chosen values written, and that observers got the duplicate's full values first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.core.cancel import CancelToken
from app.core.records import ContactQuery
from app.duplicates.batch import plan_batch
from app.services.changes import changes_of
from app.services.duplicates import MergeEvent
from app.services.session import Session, open_session
from tests.integration.test_backend import make_backend

TOKEN = CancelToken()
READS = ("DataService.query", "GET /rest/v2/contacts")
MERGES = ("ContactService.merge", "POST /rest/v2/contacts:merge")


class Recorder:
    """A write observer keeping what it was told (as the journal's recorder would)."""

    def __init__(self) -> None:
        self.before: list[Any] = []
        self.after: list[tuple[Any, BaseException | None]] = []

    def before_write(self, event: Any) -> None:
        self.before.append(event)

    def after_write(self, event: Any, error: BaseException | None) -> None:
        self.after.append((event, error))


@pytest.fixture(params=["xmlrpc", "rest"])
def session(request: pytest.FixtureRequest, sandbox: Any) -> Iterator[tuple[Session, Any]]:
    backend = make_backend(sandbox, str(request.param))
    session = open_session("test", backend.client)
    yield session, sandbox
    session.close()


def add(sb: Any, **values: Any) -> int:
    with sb.store.tx():
        return int(sb.store.insert("Contact", {"DateCreated": "2022-01-01 09:00:00", **values}))


def messy(sb: Any) -> dict[str, int]:
    """Duplicates as people make them: accents, case, spaces, phone formats, a three-way chain."""
    return {
        "jose": add(sb, FirstName="José", LastName="Müller", Company="Zyxwa GmbH", JobTitle="CEO",
                    DateCreated="2019-05-01 09:00:00"),
        "jose2": add(sb, FirstName=" jose", LastName="MULLER ", Company="Zyxwa", Email="jm@zyxwa.example"),
        "ann": add(sb, FirstName="Ann", LastName="Zyxwb", Email="Ann.Zyxwb@Example.com "),
        "ann2": add(sb, FirstName="Annie", LastName="Zyxwb", EmailAddress2="ann.zyxwb@example.com",
                    Phone1="+1 (555) 010-2000"),
        "ann3": add(sb, FirstName="A.", LastName="Zyxwb-Lee", Phone2="555.010.2000"),
    }


def test_find_pages_through_the_account_and_groups_messy_duplicates(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = messy(sb)
    seen: list[tuple[int, int]] = []
    before = sb.stats()["calls"]
    groups = s.duplicates.find(ContactQuery(), TOKEN, lambda done, total: seen.append((done, total)))
    calls = sb.stats()["calls"]
    total = sb.store.count("Contact")
    reads = sum(calls.get(m, 0) - before.get(m, 0) for m in READS)
    # one paged pass, never a call per contact; REST also asks for the search's last Id once
    # (alongside its second page) to see whether Id ranges read side by side would pay
    assert reads == -(-total // 1000) + (0 if s.contacts.can_count else 1)
    assert seen[-1][0] == total and seen[-1][1] in (total, -1)  # REST has no count
    by_ids = {g.ids: g for g in groups}
    jose = by_ids[tuple(sorted((ids["jose"], ids["jose2"])))]
    assert jose.confidence == "medium" and jose.keep == ids["jose"]  # the oldest survives
    chain = by_ids[tuple(sorted((ids["ann"], ids["ann2"], ids["ann3"])))]
    assert chain.confidence == "medium" and {r.kind for r in chain.reasons} == {"email", "phone"}


def test_find_in_a_search_only(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = messy(sb)
    groups = s.duplicates.find(ContactQuery(text="Zyxwb"), TOKEN)
    assert [g.ids for g in groups] == [tuple(sorted((ids["ann"], ids["ann2"], ids["ann3"])))]  # not José


def test_preview_shows_both_and_what_moves(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = messy(sb)
    tag = sb.store.rows("ContactGroup")[0]["Id"]
    with sb.store.tx():
        sb.store.insert("ContactGroupAssign", {"ContactId": ids["jose2"], "GroupId": tag,
                                               "DateCreated": "2022-01-02 09:00:00"})
        sb.store.insert("Job", {"ContactId": ids["jose2"], "JobTitle": "An order"})
    preview = s.duplicates.preview(ids["jose"], ids["jose2"], TOKEN)
    assert preview.keep["JobTitle"] == "CEO" and preview.duplicate["Email"] == "jm@zyxwa.example"
    differing = {f.name for f in preview.differing()}
    assert {"FirstName", "LastName", "Email", "JobTitle", "Company"} <= differing
    assert preview.default_winners()["Email"] == "jm@zyxwa.example"  # blank on the survivor
    assert preview.default_winners()["FirstName"] == "José"  # the survivor's own value
    assert preview.moves.tags == 1 and preview.moves.orders == 1 and preview.moves.opportunities == 0
    labels = {f.name: f.label for f in preview.fields}
    assert labels["EmailAddress2"] == "E-mail 2"


def test_merge_writes_the_winners_then_merges_and_tells_the_observers(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = messy(sb)
    keep, dup = ids["jose"], ids["jose2"]
    tag = sb.store.rows("ContactGroup")[0]["Id"]
    with sb.store.tx():
        sb.store.insert("ContactGroupAssign", {"ContactId": dup, "GroupId": tag,
                                               "DateCreated": "2022-01-02 09:00:00"})
        sb.store.update_row("Contact", dup, {"JobTitle": "Founder", "City": "Zürich"})
    recorder = Recorder()
    s.duplicates.observers.append(recorder)
    updates: list[Any] = []
    s.contacts.observers.append(Recorder())
    s.contacts.observers[-1].before_write = updates.append  # type: ignore[method-assign]
    winners = {"JobTitle": "Founder", "FirstName": "José", "Email": "jm@zyxwa.example"}
    s.duplicates.merge(keep, dup, winners, TOKEN)

    assert sb.store.row("Contact", dup) is None
    survivor = sb.store.row("Contact", keep)
    assert survivor["JobTitle"] == "Founder" and survivor["FirstName"] == "José"
    assert survivor["Email"] == "jm@zyxwa.example" and survivor["City"] == "Zürich"
    assert {r["GroupId"] for r in sb.store.rows("ContactGroupAssign") if r["ContactId"] == keep} == {tag}
    assert sum(sb.stats()["calls"].get(m, 0) for m in MERGES) == 1
    # the survivor's changed values went through the one contact write path (journalled)
    assert [u.values for u in updates] == [{"JobTitle": "Founder", "Email": "jm@zyxwa.example"}]
    [event] = recorder.before
    assert isinstance(event, MergeEvent) and event.kind == "merge"
    assert (event.contact_id, event.duplicate_id) == (keep, dup)
    assert event.values == {"JobTitle": "Founder", "Email": "jm@zyxwa.example"}
    assert event.previous["Email"] == "jm@zyxwa.example" and event.previous["City"] == "Zürich"
    assert str(event.previous["FirstName"]).strip() == "jose"
    assert event.previous["Id"] == dup and "DateCreated" in event.previous  # every readable field
    assert event.keep_before["JobTitle"] == "CEO"
    assert recorder.after == [(event, None)]
    changes = changes_of(event)
    assert changes.contacts_removed == {dup} and changes.contact_tags == {keep}


def test_a_failed_merge_reaches_the_observers_and_sends_nothing_more(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = messy(sb)
    recorder = Recorder()
    s.duplicates.observers.append(recorder)
    with sb.store.tx():
        sb.store.conn.execute('DELETE FROM "Contact" WHERE Id = ?', (ids["jose2"],))
    with pytest.raises(Exception):  # noqa: B017  (the protocol's own not-found error)
        s.duplicates.merge(ids["jose"], ids["jose2"], {}, TOKEN)
    assert sum(sb.stats()["calls"].get(m, 0) for m in MERGES) == 0  # the full read failed first
    assert recorder.before == []


def test_batch_merges_high_groups_pair_by_pair_and_reports_failures(session: tuple[Session, Any]) -> None:
    s, sb = session
    a = [add(sb, FirstName=f"Bat{i}", LastName="Chx", Email="batch.one@example.com",
             DateCreated=f"2020-0{i + 1}-01 09:00:00") for i in range(3)]
    b = [add(sb, FirstName="Bee", LastName=f"Zed{i}", Email=f"bee{i}@example.com", Phone1="555-303-4444")
         for i in range(2)]
    c = [add(sb, FirstName=f"Cee{i}", LastName="Qq", Email="batch.three@example.com") for i in range(2)]
    groups = [g for g in s.duplicates.find(ContactQuery(), TOKEN)
              if set(g.ids) & {*a, *b, *c}]
    plan = plan_batch(groups)
    assert {(p.keep, p.duplicate) for p in plan.pairs} == {(a[0], a[1]), (a[0], a[2]), (c[0], c[1])}
    assert plan.groups == 2 and plan.skipped_groups == 1  # the phone-only group waits for a person
    text = plan.describe()
    assert "3 merges" in text and "cannot be undone" in text
    with sb.store.tx():  # someone merged or deleted one of them meanwhile
        sb.store.conn.execute('DELETE FROM "Contact" WHERE Id = ?', (c[1],))
    progress: list[tuple[int, int]] = []
    report = s.duplicates.run_batch(plan, TOKEN, lambda d, t: progress.append((d, t)))
    assert {(p.keep, p.duplicate) for p in report.done} == {(a[0], a[1]), (a[0], a[2])}
    assert [(p.duplicate, bool(reason)) for p, reason in report.failed] == [(c[1], True)]
    assert progress[-1] == (3, 3)
    assert sb.store.row("Contact", a[1]) is None and sb.store.row("Contact", a[2]) is None
    assert sb.store.row("Contact", b[1]) is not None  # medium groups are never batch-merged
    assert report.describe() == "2 merged, 1 failed."


def test_a_cancelled_batch_stops_before_the_next_pair(session: tuple[Session, Any]) -> None:
    s, sb = session
    ids = [add(sb, FirstName=f"Can{i}", LastName="Cc", Email="cancel.me@example.com") for i in range(3)]
    plan = plan_batch([g for g in s.duplicates.find(ContactQuery(), TOKEN) if ids[0] in g.ids])
    cancel = CancelToken()
    report = s.duplicates.run_batch(plan, cancel, lambda done, total: cancel.cancel())
    assert len(report.done) == 1 and len(report.not_started) == 1 and report.cancelled
    assert sum(sb.stats()["calls"].get(m, 0) for m in MERGES) == 1


def test_a_blank_chosen_over_the_duplicates_value_is_written_after_the_merge(
        session: tuple[Session, Any]) -> None:
    """Keap fills the survivor's blanks from the duplicate; a blank the user chose must win anyway."""
    s, sb = session
    keep = add(sb, FirstName="Eve", LastName="Zyxwc", Email="eve@zyxwc.example",
               DateCreated="2019-01-01 00:00:00")
    dup = add(sb, FirstName="Eve", LastName="Zyxwc", EmailAddress2="EVE@zyxwc.example", City="Oslo",
              Phone1="555-010-7777")
    with sb.store.tx():
        sb.store.insert("ContactAction", {"ContactId": dup, "ActionDescription": "Called her"})
    preview = s.duplicates.preview(keep, dup, TOKEN)
    winners = preview.default_winners()
    assert winners["EmailAddress2"] is None  # the survivor holds that address already
    assert winners["City"] == "Oslo" and winners["Phone1"] == "555-010-7777"
    assert preview.moves.notes == (1 if s.protocol == "xmlrpc" else None)  # REST notes are not read
    winners["City"] = None  # the user keeps the survivor's blank
    event = s.duplicates.merge(keep, dup, winners, TOKEN)
    survivor = sb.store.row("Contact", keep)
    assert survivor["City"] in (None, "") and survivor["EmailAddress2"] in (None, "")
    assert survivor["Phone1"] == "555-010-7777"
    assert event.values == {"Phone1": "555-010-7777", "City": None, "EmailAddress2": None}
    assert event.previous["City"] == "Oslo"
