"""Bulk tag jobs end to end against the sandbox: plan -> run -> report, with faults and cancel.

Every scenario runs over XML-RPC (a call per change) and over REST v2 (``:applyTags`` /
``:removeTags`` with 40 contacts a call in the small account, 500 in the demo one): the
same plans, the same per-contact report, the same end state in the store.
"""

from __future__ import annotations

import math

from tag_testkit import (
    assignments,
    calls,
    client_for,
    contact_ids,
    demo_tags,
    faults_for,
    protocol,
    service_for,
    small_tags,
    tag_id,
    writes,
)

from app.core.cancel import CancelToken
from app.jobs import AUTOMATION_WARNING, CONFIRM_ABOVE, JobProgress, Scope, plan_bulk, plan_merge, run
from app.jobs.bulk_tags import batches

__all__ = ["demo_tags", "protocol", "small_tags"]

#: Faults that fail a call outright (no retries in these tests' impatient clients).
HARD_FAULTS = {"xmlrpc": "session=0.3", "rest": "http503=0.3"}
HARD_REASON = {"xmlrpc": "session", "rest": "temporarily unavailable"}
READS = {"xmlrpc": {"DataService.query", "DataService.count"},
         "rest": {"GET /rest/v2/tags", "GET /rest/v2/tags/categories", "GET /rest/v2/tags/-/contacts",
                  "GET /rest/v2/contacts/-/tags"}}


def test_dry_run_counts_and_costs_only_reads(demo_tags, protocol) -> None:
    sb, _client, service = demo_tags
    prospect = tag_id(sb, "Prospect")
    everyone = contact_ids(sb)
    have = {c for c, t in assignments(sb) if t == prospect}
    before = calls(sb)
    plan = plan_bulk(service, Scope.selected(everyone), [prospect], "apply")
    used = {k: v - before.get(k, 0) for k, v in calls(sb).items() if v != before.get(k, 0)}
    assert set(used) <= READS[protocol]  # no write, no per-contact call
    assert sum(used.values()) <= 6
    assert plan.contacts_in_scope == len(everyone)
    assert plan.change_count == len(everyone) - len(have)
    if protocol == "xmlrpc":
        assert plan.calls == plan.change_count and plan.bulk_size == 1
    else:  # one :applyTags per 500 contacts
        assert plan.bulk_size == 500 and plan.calls == math.ceil(plan.change_count / 500) == 4
    assert len(plan.skipped) == len(have) and plan.lines[0].already == len(have)
    assert {c.contact_id for c in plan.changes} == set(everyone) - have
    assert plan.change_count > CONFIRM_ABOVE and plan.needs_typed_confirmation  # changes, not calls
    assert not plan.confirmed_by("500") and plan.confirmed_by(f"{plan.change_count:,}")
    assert plan.applies_tags and any("automation" in w for w in plan.warnings)
    assert plan.estimated_seconds == 0  # the test client has no rate limit
    text = "\n".join(plan.summary())
    assert f"Calls to make: {plan.calls:,}" in text and "Contacts in scope: 2," in text

    removal = plan_bulk(service, Scope.selected(everyone[:100]), [prospect], "remove")
    assert removal.change_count == len(have & set(everyone[:100])) and not removal.needs_typed_confirmation
    assert AUTOMATION_WARNING not in removal.warnings


def test_bulk_apply_and_remove_end_exactly_right_despite_faults(small_tags, protocol) -> None:
    sb, client, service = small_tags
    a, b = tag_id(sb, "VIP"), tag_id(sb, "Webinar")
    scope = contact_ids(sb)[:250]
    before = assignments(sb)
    sb.set_faults(faults_for(protocol), seed=11)

    plan = plan_bulk(service, Scope.matching(lambda _cancel: iter(scope)), [a, b], "apply")
    wanted = before | {(c, t) for c in scope for t in (a, b)}
    assert plan.change_count == len(wanted - before)
    if protocol == "rest":  # one phase per tag, 40 contacts a call
        per_tag = [sum(1 for c in plan.changes if c.tag_id == t) for t in (a, b)]
        assert plan.calls == sum(math.ceil(n / 40) for n in per_tag) < plan.change_count
    sent_before, retries_before = writes(sb, protocol, "apply"), client.stats.retries
    report = run(plan, CancelToken(), workers=4)
    assert report.complete and len(report.done) == plan.change_count
    assert len(report.skipped) == len(plan.skipped)
    sent = writes(sb, protocol, "apply") - sent_before
    retries = client.stats.retries - retries_before
    assert sent == plan.calls + retries  # the planned calls, plus the client's retries, nothing else
    assert retries > 0 and sum(sb.stats()["faults"].values()) > 0  # the faults did happen
    assert assignments(sb) == wanted  # every target changed, nothing else touched

    plan = plan_bulk(service, Scope.selected(scope), [a], "remove")
    sent_before, retries_before = writes(sb, protocol, "remove"), client.stats.retries
    report = run(plan, CancelToken(), workers=3)
    assert report.complete
    retries = client.stats.retries - retries_before
    assert writes(sb, protocol, "remove") - sent_before == plan.calls + retries
    assert assignments(sb) == wanted - {(c, a) for c in scope}


def test_cancel_halfway_reports_accurately(small_tags, protocol) -> None:
    sb, _client, service = small_tags
    tag = tag_id(sb, "Former Customer")
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(contact_ids(sb)), [tag], "apply")
    sb.set_faults(faults_for(protocol) + ",slow=1.0:3", seed=5)
    cancel = CancelToken()
    seen: list[JobProgress] = []

    def progress(p: JobProgress) -> None:
        seen.append(p)
        if p.finished >= p.total // 2:
            cancel.cancel()

    # REST: 2 workers, so a cancel half-way leaves chunks that have not started
    report = run(plan, cancel, progress, workers=4 if protocol == "xmlrpc" else 2)
    assert report.cancelled and not report.complete
    assert len(report.done) + len(report.not_started) + len(report.failed) == plan.change_count
    assert not report.failed
    assert plan.change_count // 2 <= len(report.done) < plan.change_count
    assert assignments(sb) == before | {(r.change.contact_id, tag) for r in report.done}
    assert seen[-1].done <= len(report.done)

    sb.set_faults("")
    rest = report.remaining()
    assert rest.change_count == len(report.not_started)
    assert rest.calls == (rest.change_count if protocol == "xmlrpc" else math.ceil(rest.change_count / 40))
    finished = run(rest, CancelToken())
    assert finished.complete
    assert assignments(sb) == before | {(c.contact_id, tag) for c in plan.changes}


def test_retry_failed_finishes_the_job(small_tags, protocol) -> None:
    sb, _client, _service = small_tags
    impatient = client_for(sb, protocol, attempts=1)  # no retries: failures reach the report
    service = service_for(impatient, bulk_size=20)
    tag = tag_id(sb, "Imported")
    scope = contact_ids(sb)[:120]
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    sb.set_faults(HARD_FAULTS[protocol], seed=3)
    report = run(plan, CancelToken(), workers=4)
    assert report.failed and not report.not_started
    assert all(HARD_REASON[protocol] in r.reason for r in report.failed)
    assert assignments(sb) == before | {(r.change.contact_id, tag) for r in report.done}
    text = report.as_text()
    assert "failed" in report.summary() and text.count("\n") == len(report.results) + 4

    sb.set_faults("")
    retry = report.retry_failed()
    assert retry.change_count == len(report.failed) and retry.kind == "retry"
    again = run(retry, CancelToken())
    assert again.complete and len(again.done) == len(report.failed)
    assert assignments(sb) == before | {(c, tag) for c in scope}
    impatient.close()


def test_rest_call_whose_reply_is_lost_is_settled_by_one_read(small_tags) -> None:
    """Without retries, a dropped reply fails a bulk call: one read per phase tells what Keap did.

    (Over XML-RPC a row whose call failed is reported failed, as it always was; retrying
    it is harmless, every tag call being idempotent.)
    """
    sb, _client, _service = small_tags
    impatient = client_for(sb, "rest", attempts=1)
    service = service_for(impatient, bulk_size=20)
    tag = tag_id(sb, "Imported")
    scope = contact_ids(sb)[:200]
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    sb.set_faults("drop_after=0.25,drop_before=0.25", seed=8)
    reads_before = sum(n for k, n in calls(sb).items() if k.startswith("GET"))
    report = run(plan, CancelToken(), workers=3)
    reads = sum(n for k, n in calls(sb).items() if k.startswith("GET")) - reads_before
    after = assignments(sb)
    for row in report.done:  # done means applied, whether or not the reply came back
        assert (row.change.contact_id, tag) in after
    for row in report.failed:  # failed means not applied, unless the check itself could not be made
        assert (row.change.contact_id, tag) not in after or "could not check" in row.reason
    assert report.done and report.failed and not report.not_started
    assert after - before <= {(c.contact_id, tag) for c in plan.changes}
    assert 1 <= reads <= 2  # one read for the phase (a page per 100 contacts at most), not one per row
    impatient.close()


def test_merge_b_into_a(small_tags, protocol) -> None:
    sb, _client, service = small_tags
    a, b = tag_id(sb, "Customer"), tag_id(sb, "Prospect")
    before = assignments(sb)
    with_b = {c for c, t in before if t == b}
    with_a = {c for c, t in before if t == a}
    assert with_b & with_a and with_b - with_a
    sb.set_faults(faults_for(protocol), seed=9)
    plan = plan_merge(service, b, a)
    assert plan.kind == "merge" and plan.contacts_in_scope == len(with_b)
    assert plan.change_count == len(with_b - with_a) + len(with_b)
    assert len(plan.skipped) == len(with_b & with_a)
    # per contact the apply comes before the remove
    order = {(c.contact_id, c.action): i for i, c in enumerate(plan.changes)}
    assert all(order[(c, "apply")] < order[(c, "remove")] for c in with_b - with_a)
    if protocol == "rest":  # two phases: apply A to everyone, then remove B
        phases = [(x.phase, x.action) for x in batches(plan.changes, plan.bulk_size)]
        assert [p for p in dict.fromkeys(phases)] == [(0, "apply"), (1, "remove")]
        assert plan.calls == math.ceil(len(with_b - with_a) / 40) + math.ceil(len(with_b) / 40)
    report = run(plan, CancelToken(), workers=4)
    assert report.complete
    after = assignments(sb)
    assert after == (before - {(c, b) for c in with_b}) | {(c, a) for c in with_b}
    wording = "retire" if protocol == "xmlrpc" else "delete it from the tag list"
    assert any(wording in w for w in plan.warnings)


SEED = 4  # the applies are the first calls after the faults are set: which fail does not depend on threads


def test_merge_keeps_b_where_applying_a_failed(small_tags, protocol) -> None:
    sb, _client, _service = small_tags
    impatient = client_for(sb, protocol, attempts=1)
    service = service_for(impatient, bulk_size=10)
    a, b = tag_id(sb, "Customer"), tag_id(sb, "Prospect")
    before = assignments(sb)
    plan = plan_merge(service, b, a)
    sb.set_faults(HARD_FAULTS[protocol], seed=SEED)
    report = run(plan, CancelToken(), workers=4)
    after = assignments(sb)
    status = {(r.change.contact_id, r.change.action): r for r in report.results}
    failed_apply = {c for (c, action), r in status.items() if action == "apply" and r.status == "failed"}
    assert failed_apply, "the faults should fail some of the applies"
    for contact in failed_apply:
        assert (contact, b) in after and (contact, a) not in after  # B kept where A is missing
        assert status[(contact, "remove")].reason.startswith("Not tried")
    for (contact, action), r in status.items():
        if action == "remove" and r.status == "done":
            assert (contact, b) not in after and (contact, a) in after
        if action == "remove" and r.status == "failed":
            assert (contact, b) in after
    assert after - before <= {(c.contact_id, a) for c in plan.changes if c.action == "apply"}
    impatient.close()


def test_scope_by_tag_selection(small_tags, protocol) -> None:
    sb, _client, service = small_tags
    customer, vip = tag_id(sb, "Customer"), tag_id(sb, "VIP")
    pairs = assignments(sb)
    customers = {c for c, t in pairs if t == customer}
    plan = plan_bulk(service, Scope.tagged([customer], "any", ["Customer"]), [vip], "apply")
    assert plan.contacts_in_scope == len(customers)
    assert {c.contact_id for c in plan.changes} == customers - {c for c, t in pairs if t == vip}
    assert plan.scope_description == "contacts with any of \u201cCustomer\u201d"
    assert run(plan, CancelToken()).complete
    assert {c for c, t in assignments(sb) if t == vip} >= customers
