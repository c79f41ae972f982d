"""The tag backends and TagsService against a real sandbox on loopback (no mocks).

Tests that ask for ``protocol`` run over XML-RPC and over REST v2 (same account, same
assertions on the store); the rest are one protocol's own: how XML-RPC pages
ContactGroupAssign, what REST's reads cost, deleting tags (REST only).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import pytest
from tag_testkit import (
    assignments,
    calls,
    client_for,
    contact_ids,
    demo_tags,
    protocol,
    service_for,
    small_tags,
    store_counts,
    tag_id,
    writes,
)

from app.api import errors as e
from app.api.rest import RestClient
from app.api.rest.tag_backend import RestTagBackend
from app.api.rest.tag_reads import PROBE_TAGS
from app.api.xmlrpc.tag_backend import XmlRpcTagBackend, iter_contact_groups
from app.core.capabilities import Op
from app.core.tags import ARCHIVE_CATEGORY, has_tags
from app.sandbox import Sandbox, SandboxConfig
from app.services.tags import ContactNotChangedError, TagWriteEvent

__all__ = ["demo_tags", "protocol", "small_tags"]

REST_TAGS = "GET /rest/v2/tags"
REST_PAGES = "GET /rest/v2/tags/-/contacts"
REST_COUNT = "GET /rest/v2/tags/{tag_id}/contacts/count"


def by_contact(sb) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for c, t in assignments(sb):
        out[c].add(t)
    return out


def used_since(sb, before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in calls(sb).items() if v != before.get(k, 0)}


class Recorder:
    """A write observer keeping (when, event, error)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, TagWriteEvent, BaseException | None]] = []

    def before_write(self, event: TagWriteEvent) -> None:
        self.seen.append(("before", event, None))

    def after_write(self, event: TagWriteEvent, error: BaseException | None) -> None:
        self.seen.append(("after", event, error))


def check_snapshots(snapshots, sb) -> None:
    rows = sb.store.count("ContactGroupAssign")
    assert [s.complete for s in snapshots] == [False] * (len(snapshots) - 1) + [True]
    assert snapshots[-1].rows_read == rows
    assert snapshots[-1].counts == store_counts(sb)
    assert all(a.counts[t] <= b.counts.get(t, 0) for a, b in pairwise(snapshots)
               for t in a.counts)  # counts only grow


def test_tags_and_categories_match_the_store(demo_tags, protocol) -> None:
    sb, _client, service = demo_tags
    catalog = service.catalog()
    assert len(catalog.tags) == 60 and len(catalog.categories) == 8
    stored = {r["Id"]: r for r in sb.store.rows("ContactGroup")}
    for tag in catalog.tags:
        row = stored[tag.id]
        assert tag.name == row["GroupName"]
        assert tag.category_id == (row["GroupCategoryId"] or None)
        assert tag.description == (row["GroupDescription"] or "")
        if tag.category_id is not None:  # categories joined client-side by id
            assert catalog.category_name(tag.category_id)
    stored_categories = {r["CategoryName"] for r in sb.store.rows("ContactGroupCategory")}
    assert {c.name for c in catalog.categories} == stored_categories
    snapshots = list(service.member_counts())
    check_snapshots(snapshots, sb)
    empty = [t for t in catalog.tags if snapshots[-1].count_of(t.id) == 0]
    assert {t.name for t in empty} >= {"Summit 2025 Waitlist", "Old Tag - do not use", "Test Contact"}
    customer = tag_id(sb, "Customer")
    assert service.member_count(customer) == store_counts(sb)[customer]


def test_xmlrpc_member_counts_are_one_paged_pass(demo_tags) -> None:
    sb, _client, service = demo_tags
    before = dict(calls(sb))
    snapshots = list(service.member_counts())
    queries = calls(sb)["DataService.query"] - before.get("DataService.query", 0)
    counted = calls(sb)["DataService.count"] - before.get("DataService.count", 0)
    # one count of the table, the tag list (60 tags: dearer than 16 pages), ONE pass, no count per tag
    assert (counted, queries) == (1, 1 + sb.store.count("ContactGroupAssign") // 1000 + 1)
    check_snapshots(snapshots, sb)


def test_xmlrpc_member_counts_count_few_big_tags() -> None:
    """8 tags with ~12,000 assignments: a count per tag (8) is cheaper than 12 pages."""
    with Sandbox(SandboxConfig(seed=12000)) as sb:
        client = client_for(sb, "xmlrpc")
        service = service_for(client)
        rows = sb.store.count("ContactGroupAssign")
        assert len(store_counts(sb)) == 8 and rows // 1000 + 1 > 10
        before = dict(calls(sb))
        check_snapshots(list(service.member_counts()), sb)
        used = {m: n - before.get(m, 0) for m, n in calls(sb).items() if n != before.get(m, 0)}
        assert used == {"DataService.count": 1 + 8, "DataService.query": 1}  # table, each tag; the tag list
        client.close()


@pytest.mark.parametrize("protocol_name", ["xmlrpc", "rest"])
def test_counting_tag_by_tag_waits_for_its_reader(protocol_name) -> None:
    """The tag pane's reader pauses between snapshots (the visible table's pages go first):
    the counts in flight stop at four instead of running on and arriving in a burst."""
    with Sandbox(SandboxConfig(seed=12000)) as sb:
        client = client_for(sb, protocol_name)
        service = service_for(client)
        count = "DataService.count" if protocol_name == "xmlrpc" else REST_COUNT
        before = calls(sb).get(count, 0)
        snapshots = service.member_counts()
        first = next(snapshots)
        if protocol_name == "rest":  # REST pages before it counts: read on to the first count
            while calls(sb).get(count, 0) == before:
                first = next(snapshots)
        started = calls(sb).get(count, 0) - before
        table_count = 1 if protocol_name == "xmlrpc" else 0
        assert not first.complete and started <= table_count + 4
        rest = list(snapshots)
        assert rest[-1].complete and rest[-1].counts == store_counts(sb)
        assert calls(sb).get(count, 0) - before == table_count + 8
        client.close()


def test_rest_member_counts_page_the_demo_account(demo_tags_rest) -> None:
    sb, _client, service = demo_tags_rest
    rows = sb.store.count("ContactGroupAssign")
    before = calls(sb)
    snapshots = list(service.member_counts())
    # first pass: four tags counted (the probe), then the other 56 paged together
    used = used_since(sb, before)
    assert used[REST_COUNT] == PROBE_TAGS and 1 < used[REST_PAGES] <= rows // 1000 + 1
    assert sum(used.values()) == 19
    check_snapshots(snapshots, sb)
    for _ in range(2):  # later passes page all 60 tags (all small): what was learnt makes none dearer
        before = calls(sb)
        snapshots = list(service.member_counts())
        # 1 tag list + a page per 1,000 applications (60 tags fit one filter); no count per tag
        assert used_since(sb, before) == {REST_TAGS: 1, REST_PAGES: rows // 1000 + 1}
        check_snapshots(snapshots, sb)
    assert rows // 1000 + 2 == 17 < 61  # the docstring's figures: counting each tag takes 1 + 60


def test_rest_member_counts_count_few_big_tags() -> None:
    """8 tags with ~12,000 applications: counting per tag is cheaper than 12 pages."""
    with Sandbox(SandboxConfig(seed=12000)) as sb:
        client = client_for(sb, "rest")
        service = service_for(client)
        rows = sb.store.count("ContactGroupAssign")
        counts = store_counts(sb)
        assert len(counts) == 8 and rows // 1000 + 1 > 8
        before = calls(sb)
        check_snapshots(list(service.member_counts()), sb)
        # first pass: the probe's four counts say paging would cost more: the other four are
        # counted too, and nothing is paged
        assert used_since(sb, before) == {REST_TAGS: 1, REST_COUNT: 8}
        before = calls(sb)
        check_snapshots(list(service.member_counts()), sb)
        used = used_since(sb, before)
        # later passes: the biggest tags counted, the rest paged, whichever mix is cheapest
        assert 0 < used[REST_COUNT] <= sum(1 for n in counts.values() if n > 1000)
        assert sum(used.values()) == 9 < 1 + rows // 1000 + 1  # cheaper than paging everything
        client.close()


@pytest.mark.parametrize("mode", ["all", "any", "none"])
def test_contacts_with_tags_match_the_store(demo_tags, protocol, mode) -> None:
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


def test_assignments_by_scope_use_pages_not_calls_per_contact(demo_tags, protocol) -> None:
    sb, _client, service = demo_tags
    customer, vip = tag_id(sb, "Customer"), tag_id(sb, "VIP")
    everyone = contact_ids(sb)
    pairs = assignments(sb)
    for scope in (everyone[:50], everyone[:300], everyone[:1500], everyone):
        before = sum(calls(sb).values())
        found = service.assignments([customer, vip], scope)
        used = sum(calls(sb).values()) - before
        assert found == {(c, t) for c, t in pairs if t in (customer, vip) and c in set(scope)}
        assert used <= 4, used  # a few pages whatever the number of contacts


def test_rest_assignments_read_the_cheaper_side(demo_tags_rest) -> None:
    sb, _client, service = demo_tags_rest
    every_tag = [t.id for t in service.catalog().tags]
    everyone = contact_ids(sb)
    pairs = assignments(sb)
    before = calls(sb)
    assert service.assignments(every_tag, everyone[:50]) == {p for p in pairs if p[0] in set(everyone[:50])}
    assert used_since(sb, before) == {"GET /rest/v2/contacts/-/tags": 1}  # 50 contacts: one page
    list(service.member_counts())  # now the tags' side is known to take 16 pages
    before = calls(sb)
    scope = everyone[:700]
    assert service.assignments(every_tag, scope) == {p for p in pairs if p[0] in set(scope)}
    assert used_since(sb, before) == {"GET /rest/v2/contacts/-/tags": 7}  # 7 < 16: straight there


def test_contact_tags_have_dates(demo_tags, protocol) -> None:
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


def test_create_rename_move_describe_retire(small_tags, protocol) -> None:
    sb, _client, service = small_tags
    recorder = Recorder()
    service.observers.append(recorder)
    category = service.create_category("Évènements 🎉", "Events")
    assert sb.store.row("ContactGroupCategory", category.id)["CategoryName"] == "Évènements"
    tag = service.create_tag("  Jūratė’s webinar ", category.id, "Came to the webinar")
    row = sb.store.row("ContactGroup", tag.id)
    assert row["GroupName"] == tag.name == "Jurate's webinar"  # Latin-1 rules, no stray spaces
    assert row["GroupCategoryId"] == category.id and row["GroupDescription"] == "Came to the webinar"
    assert tag.category_id == category.id and tag.description == "Came to the webinar"

    service.rename_tag(tag, "Webinar: Jurate")
    service.move_tag(tag, None)
    service.describe_tag(tag, "Registered or attended")
    row = sb.store.row("ContactGroup", tag.id)
    assert (row["GroupName"], row["GroupCategoryId"], row["GroupDescription"]) == (
        "Webinar: Jurate", 0, "Registered or attended")
    assert service.catalog().tag(tag.id).category_id is None
    service.update_category(category, name="Events", description="")
    row = sb.store.row("ContactGroupCategory", category.id)
    assert (row["CategoryName"], row["CategoryDescription"] or "") == ("Events", "")

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

    kinds = [(when, ev.kind) for when, ev, _ in recorder.seen]
    assert kinds[:4] == [("before", "create_category"), ("after", "create_category"),
                         ("before", "create_tag"), ("after", "create_tag")]
    assert recorder.seen[3][1].result_id == tag.id and all(err is None for _, _, err in recorder.seen)
    assert ("before", "update_tag") in kinds and ("after", "update_category") in kinds


def test_apply_remove_one_and_in_bulk_through_the_observers(small_tags, protocol) -> None:
    sb, _client, service = small_tags
    tag = service.catalog().tags[0]
    contact, *others = contact_ids(sb)[:60]
    service.remove_tag(contact, tag.id)
    assert (contact, tag.id) not in assignments(sb)
    service.apply_tag(contact, tag.id)
    service.apply_tag(contact, tag.id)  # idempotent
    assert (contact, tag.id) in assignments(sb)

    recorder = Recorder()
    service.observers.append(recorder)
    gone = max(contact_ids(sb)) + 7  # a contact that does not exist
    sent = writes(sb, protocol, "apply")
    outcome = service.apply_tag_bulk(tag.id, [*others, gone])
    assert {c for c in others} <= {c for c, t in assignments(sb) if t == tag.id}
    assert outcome[gone] is not None and "no longer exists" in outcome[gone]
    assert all(outcome[c] is None for c in others)
    # a call per contact over XML-RPC; over REST a call per 40 contacts (the fixture's bulk size)
    assert writes(sb, protocol, "apply") - sent == (60 if protocol == "xmlrpc" else 2)
    # one event per contact, before the call and after it, each with its own outcome
    befores = [ev for when, ev, _ in recorder.seen if when == "before"]
    afters = {ev.contact_id: err for when, ev, err in recorder.seen if when == "after"}
    assert [ev.contact_id for ev in befores] == [*others, gone] and {ev.kind for ev in befores} == {"apply"}
    assert all(afters[c] is None for c in others)
    assert isinstance(afters[gone], ContactNotChangedError) and "no longer exists" in str(afters[gone])
    batches = {ev.batch for ev in befores}
    assert len(batches) == 1 and None not in batches  # one bulk request, as the journal will see it

    removed = service.remove_tag_bulk(tag.id, others)
    assert removed == dict.fromkeys(others) and not {(c, tag.id) for c in others} & assignments(sb)


def test_xmlrpc_refuses_to_delete_and_says_why(small_tags) -> None:
    sb, _client, service = small_tags
    tag = service.catalog().tags[0]
    category = service.catalog().categories[0] if service.catalog().categories else None
    recorder = Recorder()
    service.observers.append(recorder)
    before = calls(sb)
    assert "no way to delete" in service.explain(Op.DELETE_TAG) and "Retire" in service.explain(Op.DELETE_TAG)
    assert not service.capabilities.allowed(Op.DELETE_TAG_CATEGORY)
    with pytest.raises(e.UnsupportedOperationError) as refused:
        service.delete_tag(tag)
    assert refused.value.message == service.explain(Op.DELETE_TAG) and refused.value.op == "delete_tag"
    with pytest.raises(e.UnsupportedOperationError):
        service.backend.delete_tag(tag.id)  # the backend refuses too, naming the capability
    if category is not None:
        with pytest.raises(e.UnsupportedOperationError, match="tag category"):
            service.delete_category(category)
    assert calls(sb) == before and recorder.seen == []  # nothing sent, nothing journalled
    assert sb.store.row("ContactGroup", tag.id) is not None
    assert isinstance(service.backend, XmlRpcTagBackend) and service.bulk_size == 1


def test_rest_deletes_tags_and_categories(small_tags_rest) -> None:
    sb, _client, service = small_tags_rest
    assert service.capabilities.allowed(Op.DELETE_TAG) and service.explain(Op.DELETE_TAG) == ""
    tag = next(t for t in service.catalog().tags if store_counts(sb).get(t.id))
    members = store_counts(sb)[tag.id]
    assert service.member_count(tag.id) == members
    recorder = Recorder()
    service.observers.append(recorder)
    service.delete_tag(tag)
    assert sb.store.row("ContactGroup", tag.id) is None
    assert not [p for p in assignments(sb) if p[1] == tag.id]  # its applications went with it
    assert service.catalog().tag(tag.id) is None  # the cache was dropped
    service.delete_tag(tag)  # already gone: still done (a retry after a lost 204 sees a 404)
    category = service.create_category("Short-lived")
    used = service.create_tag("In it", category.id)
    with pytest.raises(e.RestApiError, match="move or delete"):
        service.delete_category(category)  # Keap refuses a category in use, and says why
    service.move_tag(used, None)
    service.delete_category(category)
    assert sb.store.row("ContactGroupCategory", category.id) is None
    kinds = [(when, ev.kind) for when, ev, _ in recorder.seen]
    assert kinds[:2] == [("before", "delete_tag"), ("after", "delete_tag")]
    assert recorder.seen[0][1].previous["name"] == tag.name
    assert isinstance(service.backend, RestTagBackend)


def test_rest_create_with_a_lost_reply_is_found_not_sent_twice(small_tags_rest) -> None:
    sb, client, _service = small_tags_rest

    class LosesCreateReplies(RestClient):
        """Sends, lets Keap apply, then loses the reply of every POST create (as drop_after)."""

        def request(self, method, path, **kwargs):
            result = super().request(method, path, **kwargs)
            if method == "POST" and not path.endswith(("applyTags", "removeTags")):
                raise e.OutcomeUnknownError(cause=e.ConnectionDroppedError(), method=f"POST {path}")
            return result

    lossy = LosesCreateReplies(sb.rest_host, sb.key, retry=client.retry, limits=client.limiter.limits)
    service = service_for(lossy)
    old = tag_id(sb, "VIP")
    tag = service.create_tag("VIP", None, "second")  # the old "VIP" is not taken for the new one
    assert tag.id != old and sb.store.row("ContactGroup", tag.id)["GroupDescription"] == "second"
    category = service.create_category("Lost category")
    assert sb.store.row("ContactGroupCategory", category.id)["CategoryName"] == "Lost category"
    with pytest.raises(e.OutcomeUnknownError):
        service.create_tag("VIP")  # two new "VIP" tags now: which is ours cannot be told, so it says so
    assert calls(sb)["POST /rest/v2/tags"] == 2 and calls(sb)["POST /rest/v2/tags/categories"] == 1
    assert [r["GroupName"] for r in sb.store.rows("ContactGroup")].count("VIP") == 3  # never resent
    lossy.close()


@pytest.fixture
def demo_tags_rest():
    """demo_tags over REST only."""
    with Sandbox(SandboxConfig(seed="demo")) as sb:
        client = client_for(sb, "rest")
        yield sb, client, service_for(client)
        client.close()


@pytest.fixture
def small_tags_rest():
    """small_tags over REST only."""
    with Sandbox(SandboxConfig(seed=400)) as sb:
        client = client_for(sb, "rest")
        yield sb, client, service_for(client, bulk_size=40)
        client.close()
