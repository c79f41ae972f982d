"""The bulk apply/remove dialog and the tag health dialog, driven like a user would."""

from __future__ import annotations

import pytest
from tag_testkit import FAULTS, assignments, contact_ids, demo_tags, fast_client, small_tags, tag_id

from app.services.tags import make_tags_service
from app.ui.dialogs.bulk_tags import open_bulk_tags
from app.ui.dialogs.job_flow import DRY_RUN, REPORT
from app.ui.dialogs.tag_health import open_tag_health
from app.ui.errors import ErrorPresenter

__all__ = ["demo_tags", "small_tags"]


@pytest.fixture
def presenter():
    shown: list[tuple[str, str]] = []
    p = ErrorPresenter(interactive=False)
    p.presented.connect(lambda m, d: shown.append((m, d)))
    yield p
    assert shown == []


def test_bulk_apply_dialog_dry_run_confirm_run_report(qtbot, runner, presenter, demo_tags) -> None:
    sb, _client, service = demo_tags
    customer = tag_id(sb, "Customer")
    scope = contact_ids(sb)[:1000]
    before = assignments(sb)
    dialog = open_bulk_tags(None, runner, presenter, service, scope, tag_ids=[customer])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.tag_model.checked() == [customer], timeout=10_000)
    assert "1,000 selected contacts" in dialog.scope_label.text()
    with qtbot.waitSignal(dialog.flow.planned, timeout=10_000) as planned:
        dialog.dry_run_button.click()
    plan = planned.args[0]
    lacking = {c for c in scope if (c, customer) not in before}
    assert plan.calls == len(lacking) > 500
    figures = dialog.flow.plan_figures.text()
    assert "1,000" in figures and f"{plan.calls:,}" in figures and "Estimated time" in figures
    assert "campaign automations" in dialog.flow.plan_warning.text()
    assert not dialog.flow.run_button.isEnabled()  # the number must be typed first
    dialog.flow.confirm("12")
    assert not dialog.flow.run_button.isEnabled()
    dialog.flow.confirm(f"{plan.calls:,}")
    assert dialog.flow.run_button.isEnabled()

    sb.set_faults(FAULTS, seed=21)
    with qtbot.waitSignal(dialog.flow.finished, timeout=30_000) as finished:
        dialog.flow.run_button.click()
    report = finished.args[0]
    assert report.complete and len(report.done) == plan.calls and len(report.skipped) == 1000 - plan.calls
    assert dialog.flow.page == REPORT and not dialog.flow.retry_button.isEnabled()
    assert assignments(sb) == before | {(c, customer) for c in scope}
    text = dialog.flow.copy_report()
    assert text.startswith("Apply \u201cCustomer\u201d") and "done" in text


def test_bulk_remove_retry_failed_and_cancel(qtbot, runner, presenter, small_tags) -> None:
    sb, _client, _service = small_tags
    impatient = fast_client(sb, attempts=1)
    service = make_tags_service(impatient)
    vip = tag_id(sb, "VIP")
    holders = sorted(c for c, t in assignments(sb) if t == vip)
    dialog = open_bulk_tags(None, runner, presenter, service, lambda _cancel: iter(contact_ids(sb)),
                            tag_ids=[vip], action="remove")
    qtbot.addWidget(dialog)
    assert dialog.action == "remove" and "current search" in dialog.scope.description
    qtbot.waitUntil(lambda: dialog.tag_model.checked() == [vip], timeout=10_000)
    with qtbot.waitSignal(dialog.flow.planned, timeout=10_000):
        dialog.start_dry_run()
    assert dialog.flow.plan.calls == len(holders) and dialog.flow.run_button.isEnabled()
    sb.set_faults("session=0.35", seed=4)
    with qtbot.waitSignal(dialog.flow.finished, timeout=30_000) as finished:
        dialog.flow.run_plan()
    report = finished.args[0]
    assert report.failed and dialog.flow.retry_button.isEnabled()
    assert dialog.flow.report_model.rowCount() == len(report.results)
    assert dialog.flow.report_model.index(0, 3).data() == "Failed"  # failed rows first

    sb.set_faults("")
    dialog.flow.retry_failed()
    assert dialog.flow.page == DRY_RUN and dialog.flow.plan.calls == len(report.failed)
    with qtbot.waitSignal(dialog.flow.finished, timeout=30_000) as finished:
        dialog.flow.run_plan()
    assert finished.args[0].complete
    assert not {c for c, t in assignments(sb) if t == vip}

    # cancel before any call: the report says nothing was started, and the store agrees
    dialog.stack.setCurrentIndex(0)
    dialog.set_action("apply")
    with qtbot.waitSignal(dialog.flow.planned, timeout=10_000):
        dialog.start_dry_run()
    sb.set_faults("slow=1.0:20")
    with qtbot.waitSignal(dialog.flow.finished, timeout=30_000) as finished:
        dialog.flow.run_plan()
        dialog.flow.cancel_job()
    cancelled = finished.args[0]
    assert cancelled.cancelled
    assert len(cancelled.done) + len(cancelled.not_started) == dialog.flow.plan.calls
    assert {c for c, t in assignments(sb) if t == vip} == {r.change.contact_id for r in cancelled.done}
    assert dialog.flow.resume_button.isVisibleTo(dialog)
    impatient.close()


def test_tag_health_merge_and_retire(qtbot, runner, presenter, demo_tags) -> None:
    sb, _client, service = demo_tags
    dialog = open_tag_health(None, runner, presenter, service)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000) as loaded:
        pass
    health = loaded.args[0]
    names = {tuple(sorted(t.name for t in g.tags)) for g in health.duplicates}
    assert ("Customer", "Customers", "customer ") in names
    assert {"Summit 2025 Waitlist", "Old Tag - do not use"} <= {t.name for t in health.empty}
    assert "Near-duplicates (" in dialog.tabs.tabText(0)
    group = next(g for g in health.duplicates if g.target.name == "Customer")
    assert {t.name for t in group.others} == {"Customers", "customer "}

    a, b = tag_id(sb, "Customer"), tag_id(sb, "customer ")
    row = health.duplicates.index(group)
    dialog.select_group(row, b)
    assert dialog.merge_source.currentData() == b and dialog.merge_target.currentData() == a
    before = assignments(sb)
    with qtbot.waitSignal(dialog.flow.planned, timeout=10_000) as planned:
        dialog.merge_button.click()
    plan = planned.args[0]
    with_b = {c for c, t in before if t == b}
    assert plan.title == "Merge \u201ccustomer \u201d into \u201cCustomer\u201d"
    dialog.flow.confirm(str(plan.calls))
    with qtbot.waitSignal(dialog.flow.finished, timeout=30_000) as finished:
        dialog.flow.run_plan()
    assert finished.args[0].complete
    assert assignments(sb) == (before - {(c, b) for c in with_b}) | {(c, a) for c in with_b}
    assert dialog.back_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000) as loaded:
        dialog.back_button.click()
    assert "customer " in {t.name for t in loaded.args[0].empty}

    summit = tag_id(sb, "Summit 2025 Waitlist")
    row = next(r for r in range(dialog.empty_model.rowCount()) if dialog.empty_model.tag(r).id == summit)
    dialog.empty_view.selectRow(row)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.retire_selected()
    assert sb.store.row("ContactGroup", summit)["GroupName"] == "zz-retired Summit 2025 Waitlist"
