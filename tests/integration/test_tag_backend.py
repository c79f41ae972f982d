"""XmlRpcTagBackend and TagsService against a real sandbox on loopback (no mocks)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest
from tag_testkit import assignments, calls, contact_ids, demo_tags, small_tags, store_counts, tag_id

from app.api.xmlrpc.tag_backend import XmlRpcTagBackend, iter_contact_groups
from app.core.capabilities import Op
from app.core.tags import ARCHIVE_CATEGORY, has_tags
from app.services.tags import TagWriteEvent

__all__ = ["demo_tags", "small_tags"]


def by_contact(sb) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for c, t in assignments(sb):
        out[c].add(t)
    return out


def test_tags_categories_and_counts_match_the_store(demo_tags) -> None:
    sb, _client, service = demo_tags
    catalog = service.catalog()
    assert len(catalog.tags) == 60 and len(catalog.categories) == 8
    stored = {r["Id"]: r for r in sb.store.rows("ContactGroup")}
    for tag in catalog.tags:
        row = stored[tag.id]
        assert tag.name == row["GroupName"]
        assert tag.category_id == (row["GroupCategoryId"] or None)
        assert tag.description == (row["GroupDescription"] or "")
    stored_categories = {r["CategoryName"] for r in sb.store.rows("ContactGroupCategory")}
    assert {c.name for c in catalog.categories} == stored_categories

    before = calls(sb).get("DataService.query", 0)
    snapshots = list(service.member_counts())
    pages = calls(sb)["DataService.query"] - before
    rows = sb.store.count("ContactGroupAssign")
    assert pages == rows // 1000 + 1  # ONE pass, a page per 1,000 rows, no count per tag
    assert [s.complete for s in snapshots] == [False] * (len(snapshots) - 1) + [True]
    assert snapshots[-1].rows_read == rows
    assert snapshots[-1].counts == store_counts(sb)
    assert all(a.counts[t] <= b.counts.get(t, 0) for a, b in pairwise(snapshots)
               for t in a.counts)  # counts only grow
    empty = [t for t in catalog.tags if snapshots[-1].count_of(t.id) == 0]
    assert {t.name for t in empty} >= {"Summit 2025 Waitlist", "Old Tag - do not use", "Test Contact"}


@pytest.mark.parametrize("mode", ["all", "any", "none"])
def test_contacts_with_tags_match_the_store(demo_tags, mode) -> None:
    sb, _client, service = demo_tags
    wanted = {tag_id(sb, "Customer"), tag_id(sb, "Newsletter: Weekly")}
    have = by_contact(sb)
    expected = sorted(c for c in contact_ids(sb) if has_tags(have.get(c, set()), wanted, mode))
    assert service.contacts_with_tags(sorted(wanted), mode) == expected
    assert expected  # the demo data has contacts in every mode


def test_a_contact_split_across_pages_is_read_whole(demo_tags) -> None:
    sb, client, _service = demo_tags
    rows = sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"])  # ContactId order
    splits = [i for i in range(1000, len(rows), 1000) if rows[i - 1]["ContactId"] == rows[i]["ContactId"]]
    assert splits, "the demo data should put a page boundary inside some contact's tags"
    groups = list(iter_contact_groups(client, {"GroupId": "%"}, ["GroupId"]))
    ids = [c for c, _ in groups]
    assert ids == sorted(set(ids))  # each contact once, complete
    have = by_contact(sb)
    assert {c: {int(r["GroupId"]) for r in g} for c, g in groups} == have


def test_assignments_by_scope_use_pages_not_calls_per_contact(demo_tags) -> None:
    sb, _client, service = demo_tags
    customer, vip = tag_id(sb, "Customer"), tag_id(sb, "VIP")
    everyone = contact_ids(sb)
    pairs = assignments(sb)
    for scope in (everyone[:300], everyone[:1500], everyone):
        before = sum(calls(sb).values())
        found = service.assignments([customer, vip], scope)
        used = sum(calls(sb).values()) - before
        assert found == {(c, t) for c, t in pairs if t in (customer, vip) and c in set(scope)}
        assert used <= 4, used  # a few pages whatever the number of contacts


def test_contact_tags_have_dates(demo_tags) -> None:
    sb, _client, service = demo_tags
    contact = next(c for c, tags in by_contact(sb).items() if len(tags) >= 3)
    applied = service.contact_tags(contact)
    rows = sb.store.rows("ContactGroupAssign", {"ContactId": contact})
    stored = {r["GroupId"]: r["DateCreated"] for r in rows}
    assert {a.tag.id for a in applied} == set(stored)
    for a in applied:
        assert a.date_applied is not None and a.date_applied.tzinfo is not None
        assert a.date_applied.strftime("%Y-%m-%d %H:%M:%S") == stored[a.tag.id]
    assert [a.date_applied for a in applied] == sorted(a.date_applied for a in applied)
    assert service.contact_tags(max(contact_ids(sb)) + 1000) == []


def test_create_rename_move_describe_retire(small_tags) -> None:
    sb, _client, service = small_tags
    events: list[tuple[str, TagWriteEvent, object]] = []

    class Recorder:
        def before_write(self, event: TagWriteEvent) -> None:
            events.append(("before", event, None))

        def after_write(self, event: TagWriteEvent, error: BaseException | None) -> None:
            events.append(("after", event, error))

    service.observers.append(Recorder())
    category = service.create_category("Évènements 🎉", "Events")
    assert sb.store.row("ContactGroupCategory", category.id)["CategoryName"] == "Évènements"
    tag = service.create_tag("  Jūratė’s webinar ", category.id, "Came to the webinar")
    row = sb.store.row("ContactGroup", tag.id)
    assert row["GroupName"] == tag.name == "Jurate's webinar"  # Latin-1 rules, no stray spaces
    assert row["GroupCategoryId"] == category.id and row["GroupDescription"] == "Came to the webinar"

    service.rename_tag(tag, "Webinar: Jurate")
    service.move_tag(tag, None)
    service.describe_tag(tag, "Registered or attended")
    row = sb.store.row("ContactGroup", tag.id)
    assert (row["GroupName"], row["GroupCategoryId"], row["GroupDescription"]) == (
        "Webinar: Jurate", 0, "Registered or attended")
    assert service.catalog().tag(tag.id).category_id is None

    retired = service.retire_tag(service.catalog().tag(tag.id))
    archive = [r for r in sb.store.rows("ContactGroupCategory") if r["CategoryName"] == ARCHIVE_CATEGORY]
    assert len(archive) == 1
    row = sb.store.row("ContactGroup", tag.id)
    assert row["GroupName"] == retired.name == "zz-retired Webinar: Jurate"
    assert row["GroupCategoryId"] == archive[0]["Id"]
    other = service.create_tag("Second")
    service.retire_tag(other)  # the Archive category is reused, not created twice
    archives = [r for r in sb.store.rows("ContactGroupCategory") if r["CategoryName"] == ARCHIVE_CATEGORY]
    assert len(archives) == 1
    assert sb.store.row("ContactGroup", other.id)["GroupName"] == "zz-retired Second"

    kinds = [(when, e.kind) for when, e, _ in events]
    assert kinds[:4] == [("before", "create_category"), ("after", "create_category"),
                         ("before", "create_tag"), ("after", "create_tag")]
    assert events[3][1].result_id == tag.id and all(err is None for _, _, err in events)
    assert ("before", "update_tag") in kinds


def test_apply_remove_and_delete_is_explained(small_tags) -> None:
    sb, _client, service = small_tags
    tag = service.catalog().tags[0]
    contact = contact_ids(sb)[0]
    service.remove_tag(contact, tag.id)
    assert (contact, tag.id) not in assignments(sb)
    service.apply_tag(contact, tag.id)
    service.apply_tag(contact, tag.id)  # idempotent
    assert (contact, tag.id) in assignments(sb)
    before = calls(sb)
    assert "no way to delete" in service.explain(Op.DELETE_TAG) and "Retire" in service.explain(Op.DELETE_TAG)
    assert not service.capabilities.allowed(Op.DELETE_TAG_CATEGORY)
    assert calls(sb) == before
    assert isinstance(service.backend, XmlRpcTagBackend)
