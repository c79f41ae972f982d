"""The record tabs against a real sandbox: what they show matches the store, they load when
first shown, and the opportunity form saves what the API allows, rounded to cents."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QTabWidget
from pytestqt.qtbot import QtBot

from app.core.linked import Opportunity
from app.core.money import format_money
from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter
from app.ui.panes.records import (
    EmailStatusTab,
    InvoicesTab,
    OpportunitiesTab,
    OrdersTab,
    SubscriptionsTab,
    create_record_tabs,
)
from app.ui.panes.records.orders import PURCHASE_GOAL_NOTE
from app.ui.tasks import TaskRunner
from tests.gui.records.tab_support import open_tab
from tests.records_support import (
    WAIT,
    FakePrompts,
    calls,
    contact_emails,
    contact_with_image_order,
    contact_with_most,
    contact_with_sub_cent_invoice,
    image_products,
    sent,
)

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]




def column(model: Any, title: str) -> list[str]:
    c = [col.title for col in model.columns].index(title)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_tabs_come_in_order_and_load_only_when_shown(qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner,
                                                     presenter: ErrorPresenter, demo_service: RecordsService,
                                                     demo_sandbox: Any) -> None:
    tabs = create_record_tabs(runner, presenter, demo_service, prompts=FakePrompts())
    assert [t for t, _ in tabs] == ["Opportunities", "Orders", "Subscriptions", "Invoices", "Linked contacts",
                                    "Email status"]
    widget = QTabWidget()
    qtbot.addWidget(widget)
    for title, tab in tabs:
        widget.addTab(tab, title)
    cid = contact_with_image_order(demo_sandbox)
    before = calls(demo_sandbox)
    for _title, tab in tabs:
        tab.set_contact(cid, contact_emails(demo_sandbox, cid))  # type: ignore[attr-defined]
    assert calls(demo_sandbox) == before  # nothing loads while hidden
    first, orders = tabs[0][1], tabs[1][1]
    with qtbot.waitSignal(first.loaded, timeout=WAIT):  # type: ignore[attr-defined]
        widget.show()
    assert all(t.status.text() == "Not loaded yet." for _n, t in tabs[1:])  # type: ignore[attr-defined]
    for i, (_title, tab) in enumerate(tabs[1:], start=1):
        with qtbot.waitSignal(tab.loaded, timeout=WAIT):  # type: ignore[attr-defined]
            widget.setCurrentIndex(i)
    assert isinstance(orders, OrdersTab)
    for _title, tab in tabs:
        for model in (v for k, v in vars(tab).items() if k in ("model", "orders", "items")):
            qtmodeltester.check(model)
    assert presenter.shown == []  # type: ignore[attr-defined]


def test_a_new_selection_replaces_the_load_of_the_old_one(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, demo_service: RecordsService,
        demo_sandbox: Any) -> None:
    a = contact_with_most(demo_sandbox, "Lead", "ContactID")
    b = next(r["ContactID"] for r in demo_sandbox.store.rows("Lead") if r["ContactID"] != a)
    tab, _prompts = open_tab(qtbot, OpportunitiesTab, runner, presenter, demo_service, a)
    loads: list[int] = []
    tab.loaded.connect(lambda: loads.append(tab.contact_id))
    tab.set_contact(a)  # unchanged: nothing reloads
    tab.set_contact(a, ("new@address.example",))  # addresses do not matter to this tab
    tab.set_contact(b)
    tab.set_contact(a)
    tab.set_contact(b)
    qtbot.waitUntil(lambda: loads == [b], timeout=WAIT)
    runner.wait_idle()
    qtbot.wait(50)  # let any late delivery through; it must be dropped
    assert loads == [b]
    assert {o.contact_id for o in tab.model.rows()} == {b}
    tab.set_contact(None)
    assert tab.model.rowCount() == 0 and tab.status.text() == "No contact selected."


def test_opportunities_show_stage_owner_and_revenue_from_the_store(
        qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, presenter: ErrorPresenter,
        demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "Lead", "ContactID")
    tab, _prompts = open_tab(qtbot, OpportunitiesTab, runner, presenter, demo_service, cid)
    qtmodeltester.check(tab.model)
    stages = {r["Id"]: r["StageName"] for r in store.rows("Stage")}
    users = {r["Id"]: f"{r['FirstName']} {r['LastName']}" for r in store.rows("User")}
    leads = sorted(store.rows("Lead", {"ContactID": cid}), key=lambda r: r["DateCreated"], reverse=True)
    assert column(tab.model, "Title") == [r["OpportunityTitle"] for r in leads]
    assert column(tab.model, "Stage") == [stages[r["StageID"]] for r in leads]
    assert column(tab.model, "Owner") == [users[r["UserID"]] for r in leads]
    assert column(tab.model, "Revenue low") == [format_money(r["ProjectedRevenueLow"]) for r in leads]
    assert column(tab.model, "Status") == [{0: "Open", 1: "Won", 2: "Lost"}[r["StatusID"]] for r in leads]
    assert tab.model.flags(tab.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags


def test_create_and_edit_an_opportunity_through_the_form(qtbot: QtBot, runner: TaskRunner,
                                                          presenter: ErrorPresenter, service: RecordsService,
                                                          sandbox: Any) -> None:
    store = sandbox.store
    cid = contact_with_most(sandbox, "Lead", "ContactID")
    tab, _prompts = open_tab(qtbot, OpportunitiesTab, runner, presenter, service, cid)
    dialog = tab.new_opportunity()
    assert dialog is not None and dialog.isVisible()
    before = calls(sandbox)
    dialog.title_edit.setText("Website redesign")
    dialog.low_edit.setText("abc")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and "not an amount" in dialog.error_label.text()
    assert calls(sandbox) == before  # refused in the form, nothing sent
    dialog.low_edit.setText("10.005")
    dialog.high_edit.setText("2,500")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findText("Qualified"))
    dialog.owner_combo.setCurrentIndex(dialog.owner_combo.findText("Morgan Sales"))
    dialog.close_check.setChecked(True)
    saved: list[int] = []
    tab.saved.connect(saved.append)
    with qtbot.waitSignals([tab.saved, tab.loaded], timeout=WAIT):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    new_id = saved[0]
    row = store.row("Lead", new_id)
    qualified = next(r["Id"] for r in store.rows("Stage") if r["StageName"] == "Qualified")
    morgan = next(r["Id"] for r in store.rows("User") if r["FirstName"] == "Morgan")
    assert (row["ContactID"], row["OpportunityTitle"], row["StageID"], row["UserID"]) == (
        cid, "Website redesign", qualified, morgan)
    assert row["ProjectedRevenueLow"] == 10.01 and row["ProjectedRevenueHigh"] == 2500.0
    assert row["EstimatedCloseDate"] is not None
    created = [o for o in tab.model.rows() if o.id == new_id]
    assert created and created[0].revenue_low is not None and str(created[0].revenue_low) == "10.01"

    index = next(i for i, o in enumerate(tab.model.rows()) if o.id == new_id)
    tab.view.selectRow(index)
    dialog = tab.edit_row(index)
    assert dialog is not None and dialog.title_edit.text() == "Website redesign"
    assert dialog.low_edit.text() == "10.01"
    before = calls(sandbox)
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findText("Proposal Sent"))
    dialog.next_action_notes.setText("Send the quote")
    with qtbot.waitSignals([tab.saved, tab.loaded], timeout=WAIT):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    after = calls(sandbox)
    assert sent(service, "update_opportunity", before, after) == 1
    row = store.row("Lead", new_id)
    assert store.rows("Stage", {"Id": row["StageID"]})[0]["StageName"] == "Proposal Sent"
    assert row["NextActionNotes"] == "Send the quote" and row["ProjectedRevenueLow"] == 10.01

    unchanged = next(o for o in tab.model.rows() if o.id == new_id)
    assert isinstance(unchanged, Opportunity)
    dialog = tab.edit_row(next(i for i, o in enumerate(tab.model.rows()) if o.id == new_id))
    assert dialog is not None
    before = calls(sandbox)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    runner.wait_idle()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)
    assert calls(sandbox) == before  # nothing changed, nothing sent
    assert presenter.shown == []  # type: ignore[attr-defined]


def test_orders_show_items_invoice_totals_images_and_the_goal_note(
        qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, presenter: ErrorPresenter,
        demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_image_order(demo_sandbox)
    prompts = FakePrompts()
    tab = OrdersTab(runner, presenter, demo_service, prompts=prompts)
    qtbot.addWidget(tab)
    tab.set_contact(cid)
    with qtbot.waitSignals([tab.loaded, tab.images_loaded], timeout=WAIT):
        tab.show()
    qtmodeltester.check(tab.orders)
    qtmodeltester.check(tab.items)
    assert tab.note.isVisible() and tab.note.text() == PURCHASE_GOAL_NOTE
    assert "do not trigger" in PURCHASE_GOAL_NOTE and "product purchased" in PURCHASE_GOAL_NOTE
    jobs = sorted(store.rows("Job", {"ContactId": cid}), key=lambda r: r["DateCreated"], reverse=True)
    assert column(tab.orders, "Order") == [j["JobTitle"] for j in jobs]
    invoices = [store.row("Invoice", j["InvoiceId"]) for j in jobs]
    assert column(tab.orders, "Total") == [format_money(i["InvoiceTotal"]) for i in invoices]
    assert column(tab.orders, "Due") == [format_money(i["TotalDue"]) for i in invoices]
    images = image_products(demo_sandbox)
    shown_images = 0
    for row in range(tab.orders.rowCount()):
        tab.orders_view.selectRow(row)
        items = store.rows("OrderItem", {"OrderId": jobs[row]["Id"]})
        assert column(tab.items, "Item") == [i["ItemName"] for i in items]
        assert column(tab.items, "Unit price") == [format_money(i["PPU"]) for i in items]
        for r, item in enumerate(items):
            picture = tab.items.index(r, 0).data(Qt.ItemDataRole.DecorationRole)
            if item["ProductId"] in images:
                assert picture is not None and not picture.isNull()
                assert max(picture.width(), picture.height()) == 32
                shown_images += 1
            else:
                assert picture is None
    assert shown_images >= 1


def test_subscriptions_and_invoices_match_the_store(qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner,
                                                    presenter: ErrorPresenter, demo_service: RecordsService,
                                                    demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "RecurringOrder", "ContactId")
    tab, _prompts = open_tab(qtbot, SubscriptionsTab, runner, presenter, demo_service, cid)
    qtmodeltester.check(tab.model)
    subs = {r["Id"]: r for r in store.rows("RecurringOrder", {"ContactId": cid})}
    shown = tab.model.rows()
    assert {s.id for s in shown} == set(subs)
    for r, s in enumerate(shown):
        row = subs[s.id]
        assert tab.model.index(r, 0).data() == store.row("Product", row["ProductId"])["ProductName"]
        assert tab.model.index(r, 1).data() == row["Status"]
        assert tab.model.index(r, 2).data() == format_money(row["BillingAmt"])
        assert tab.model.index(r, 4).data() in ("Every month", "Every year")
        assert tab.model.index(r, 5).data() == row["NextBillDate"][:10]

    cid = contact_with_sub_cent_invoice(demo_sandbox)
    tab, _prompts = open_tab(qtbot, InvoicesTab, runner, presenter, demo_service, cid)
    qtmodeltester.check(tab.model)
    rows = sorted(store.rows("Invoice", {"ContactId": cid}), key=lambda r: r["DateCreated"], reverse=True)
    assert column(tab.model, "Total") == [format_money(r["InvoiceTotal"]) for r in rows]
    assert column(tab.model, "Paid") == [format_money(r["TotalPaid"]) for r in rows]
    assert column(tab.model, "Due") == [format_money(r["TotalDue"]) for r in rows]
    notes = column(tab.model, "Note")
    odd = [abs(round(r["InvoiceTotal"], 2) - r["InvoiceTotal"]) > 1e-9 for r in rows]
    assert [n == "\u26a0 may show as unpaid" for n in notes] == odd and any(odd)
    assert tab.flag_note.isVisible() and "more than two decimals" in tab.flag_note.text()
    note_col = [c.title for c in tab.model.columns].index("Note")
    flagged_row = odd.index(True)
    assert "unpaid" in tab.model.index(flagged_row, note_col).data(Qt.ItemDataRole.ToolTipRole)


def test_email_status_shows_each_address_in_words(qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner,
                                                  presenter: ErrorPresenter, demo_service: RecordsService,
                                                  demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    row = next(r for r in store.rows("Contact", fields=["Id", "Email", "EmailAddress2", "EmailAddress3"])
               if r["Email"] and r["EmailAddress2"] and r["EmailAddress3"])
    words = {"single": "Single opt-in", "double": "Double opt-in (confirmed)"}
    expected = [words.get(store.email_status(row[f]) or "", "Opted out or bounced (not marketable)")
                for f in ("Email", "EmailAddress2", "EmailAddress3")]
    for emails in ((), contact_emails(demo_sandbox, row["Id"])):  # loaded by the tab, or given
        tab, _prompts = open_tab(qtbot, EmailStatusTab, runner, presenter, demo_service, row["Id"], emails)
        qtmodeltester.check(tab.model)
        assert column(tab.model, "Address") == [row["Email"], row["EmailAddress2"], row["EmailAddress3"]]
        assert column(tab.model, "Field") == ["E-mail", "E-mail 2", "E-mail 3"]
        assert column(tab.model, "Status") == expected


def test_a_failed_load_stays_in_the_tab_and_can_be_retried(qtbot: QtBot, runner: TaskRunner,
                                                           presenter: ErrorPresenter, service: RecordsService,
                                                           sandbox: Any) -> None:
    cid = contact_with_most(sandbox, "RecurringOrder", "ContactId")
    tab = SubscriptionsTab(runner, presenter, service, prompts=FakePrompts())
    qtbot.addWidget(tab)
    tab.set_contact(cid)
    sandbox.set_faults("http503=1.0")
    with qtbot.waitSignal(tab.load_failed, timeout=WAIT):
        tab.show()
    assert tab.status.isVisible() and "Could not load subscriptions" in tab.status.text()
    assert 'href="retry"' in tab.status.text() and tab.model.rowCount() == 0
    assert presenter.shown == []  # type: ignore[attr-defined]  # a passing outage is no dialog
    sandbox.set_faults("")
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        tab.status.linkActivated.emit("retry")
    assert tab.model.rowCount() == sandbox.store.count("RecurringOrder", {"ContactId": cid})
    assert not tab.status.isVisible()


def test_a_tab_deleted_while_loading_drops_the_late_result(qtbot: QtBot, runner: TaskRunner,
                                                           presenter: ErrorPresenter, service: RecordsService,
                                                           sandbox: Any) -> None:
    sandbox.set_faults("slow=1.0:150")
    cid = contact_with_image_order(sandbox)
    tab = OrdersTab(runner, presenter, service, prompts=FakePrompts())
    tab.set_contact(cid)
    tab.show()
    assert tab.busy
    tab.deleteLater()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT)  # delivered to nobody, no error
    assert presenter.shown == []  # type: ignore[attr-defined]
