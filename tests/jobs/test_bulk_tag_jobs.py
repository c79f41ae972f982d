"""Bulk tag jobs end to end against the sandbox: plan -> run -> report, with faults and cancel."""

from __future__ import annotations

from tag_testkit import FAULTS, assignments, calls, contact_ids, demo_tags, fast_client, small_tags, tag_id

from app.core.cancel import CancelToken
from app.jobs import AUTOMATION_WARNING, CONFIRM_ABOVE, JobProgress, Scope, plan_bulk, plan_merge, run
from app.services.tags import make_tags_service

__all__ = ["demo_tags", "small_tags"]


def test_dry_run_counts_and_costs_only_reads(demo_tags) -> None:
    sb, _client, service = demo_tags
    prospect = tag_id(sb, "Prospect")
    everyone = contact_ids(sb)
    have = {c for c, t in assignments(sb) if t == prospect}
    before = calls(sb)
    plan = plan_bulk(service, Scope.selected(everyone), [prospect], "apply")
    used = {k: v - before.get(k, 0) for k, v in calls(sb).items() if v != before.get(k, 0)}
    assert set(used) == {"DataService.query", "DataService.count"}  # no write, no per-contact call
    assert sum(used.values()) <= 6
    assert plan.contacts_in_scope == len(everyone)
    assert plan.calls == len(everyone) - len(have)
    assert len(plan.skipped) == len(have) and plan.lines[0].already == len(have)
    assert {c.contact_id for c in plan.changes} == set(everyone) - have
    assert plan.calls > CONFIRM_ABOVE and plan.needs_typed_confirmation
    assert not plan.confirmed_by("500") and plan.confirmed_by(f"{plan.calls:,}")
    assert plan.applies_tags and any("automation" in w for w in plan.warnings)
    assert plan.estimated_seconds == 0  # the test client has no rate limit
    text = "\n".join(plan.summary())
    assert f"Calls to make: {plan.calls:,}" in text and "Contacts in scope: 2," in text

    removal = plan_bulk(service, Scope.selected(everyone[:100]), [prospect], "remove")
    assert removal.calls == len(have & set(everyone[:100])) and not removal.needs_typed_confirmation
    assert AUTOMATION_WARNING not in removal.warnings


def test_bulk_apply_and_remove_end_exactly_right_despite_faults(small_tags) -> None:
    sb, client, service = small_tags
    a, b = tag_id(sb, "VIP"), tag_id(sb, "Webinar")
    scope = contact_ids(sb)[:250]
    before = assignments(sb)
    sb.set_faults(FAULTS, seed=11)

    plan = plan_bulk(service, Scope.matching(lambda _cancel: iter(scope)), [a, b], "apply")
    wanted = before | {(c, t) for c in scope for t in (a, b)}
    assert plan.calls == len(wanted - before)
    sent_before, retries_before = calls(sb).get("ContactService.addToGroup", 0), client.stats.retries
    report = run(plan, CancelToken(), workers=4)
    assert report.complete and len(report.done) == plan.calls and len(report.skipped) == len(plan.skipped)
    sent = calls(sb)["ContactService.addToGroup"] - sent_before
    retries = client.stats.retries - retries_before
    assert sent == plan.calls + retries
    assert retries > 0 and sum(sb.stats()["faults"].values()) > 0  # the faults did happen
    assert assignments(sb) == wanted  # every target changed, nothing else touched

    plan = plan_bulk(service, Scope.selected(scope), [a], "remove")
    sent_before, retries_before = calls(sb).get("ContactService.removeFromGroup", 0), client.stats.retries
    report = run(plan, CancelToken(), workers=3)
    assert report.complete
    assert calls(sb)["ContactService.removeFromGroup"] - sent_before == plan.calls + (
        client.stats.retries - retries_before)
    assert assignments(sb) == wanted - {(c, a) for c in scope}


def test_cancel_halfway_reports_accurately(small_tags) -> None:
    sb, _client, service = small_tags
    tag = tag_id(sb, "Former Customer")
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(contact_ids(sb)), [tag], "apply")
    sb.set_faults(FAULTS + ",slow=1.0:3", seed=5)
    cancel = CancelToken()
    seen: list[JobProgress] = []

    def progress(p: JobProgress) -> None:
        seen.append(p)
        if p.finished >= p.total // 2:
            cancel.cancel()

    report = run(plan, cancel, progress, workers=4)
    assert report.cancelled and not report.complete
    assert len(report.done) + len(report.not_started) + len(report.failed) == plan.calls
    assert not report.failed
    assert plan.calls // 2 <= len(report.done) < plan.calls
    assert assignments(sb) == before | {(r.change.contact_id, tag) for r in report.done}
    assert seen[-1].done <= len(report.done)

    sb.set_faults("")
    rest = report.remaining()
    assert rest.calls == len(report.not_started)
    finished = run(rest, CancelToken())
    assert finished.complete
    assert assignments(sb) == before | {(c.contact_id, tag) for c in plan.changes}


def test_retry_failed_finishes_the_job(small_tags) -> None:
    sb, _client, _service = small_tags
    impatient = fast_client(sb, attempts=1)  # no retries: failures reach the report
    service = make_tags_service(impatient)
    tag = tag_id(sb, "Imported")
    scope = contact_ids(sb)[:120]
    before = assignments(sb)
    plan = plan_bulk(service, Scope.selected(scope), [tag], "apply")
    sb.set_faults("session=0.3", seed=3)
    report = run(plan, CancelToken(), workers=4)
    assert report.failed and not report.not_started
    assert all("session" in r.reason for r in report.failed)
    assert assignments(sb) == before | {(r.change.contact_id, tag) for r in report.done}
    text = report.as_text()
    assert "failed" in report.summary() and text.count("\n") == len(report.results) + 4

    sb.set_faults("")
    retry = report.retry_failed()
    assert retry.calls == len(report.failed) and retry.kind == "retry"
    again = run(retry, CancelToken())
    assert again.complete and len(again.done) == len(report.failed)
    assert assignments(sb) == before | {(c, tag) for c in scope}
    impatient.close()


def test_merge_b_into_a(small_tags) -> None:
    sb, _client, service = small_tags
    a, b = tag_id(sb, "Customer"), tag_id(sb, "Prospect")
    before = assignments(sb)
    with_b = {c for c, t in before if t == b}
    with_a = {c for c, t in before if t == a}
    assert with_b & with_a and with_b - with_a
    sb.set_faults(FAULTS, seed=9)
    plan = plan_merge(service, b, a)
    assert plan.kind == "merge" and plan.contacts_in_scope == len(with_b)
    assert plan.calls == len(with_b - with_a) + len(with_b)
    assert len(plan.skipped) == len(with_b & with_a)
    # per contact the apply comes before the remove
    order = {(c.contact_id, c.action): i for i, c in enumerate(plan.changes)}
    assert all(order[(c, "apply")] < order[(c, "remove")] for c in with_b - with_a)
    report = run(plan, CancelToken(), workers=4)
    assert report.complete
    after = assignments(sb)
    assert after == (before - {(c, b) for c in with_b}) | {(c, a) for c in with_b}
    assert any("retire" in w for w in plan.warnings)


def test_scope_by_tag_selection(small_tags) -> None:
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
