"""What the API cannot do is explained at the moment the user tries, and nothing is sent.

Each capability the record tabs meet (order items, orders, subscriptions, partial
charges, opting an address in again) is tried through every gesture the tab offers;
the explanation must name the way to do it in Keap, and the sandbox must receive no
call at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.capabilities import CapabilityRegistry, Op
from app.services.records import RecordsService
from app.ui.errors import ErrorPresenter
from app.ui.panes.records import EmailStatusTab, InvoicesTab, OrdersTab, SubscriptionsTab
from app.ui.tasks import TaskRunner
from tests.gui.records.tab_support import open_tab
from tests.records_support import (
    WAIT,
    FakePrompts,
    calls,
    contact_emails,
    contact_with_email_status,
    contact_with_image_order,
    contact_with_most,
    contact_with_sub_cent_invoice,
    sent,
)

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]
REGISTRY = CapabilityRegistry()




def explained(prompts: FakePrompts, op: Op, registry: CapabilityRegistry = REGISTRY) -> bool:
    """The last explanation shown is ``op``'s (in ``registry``'s words), with its reason and its way round."""
    cap = registry.get(op)
    assert cap is not None
    title, text = prompts.notes[-1]
    return title == cap.title and cap.explanation in text and cap.workaround in text


@pytest.mark.parametrize("protocol", ["xmlrpc"])  # REST can edit them: see the capability registry
def test_order_items_cannot_be_edited_or_deleted_by_any_gesture(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, demo_service: RecordsService,
        demo_sandbox: Any) -> None:
    tab, prompts = open_tab(qtbot, OrdersTab, runner, presenter, demo_service,
                            contact_with_image_order(demo_sandbox))
    view = tab.items_view
    assert tab.items.rowCount() > 0
    view.setFocus()
    view.setCurrentIndex(tab.items.index(0, 1))
    before = calls(demo_sandbox)

    cell = view.visualRect(tab.items.index(0, 1)).center()
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert len(prompts.notes) == 1 and explained(prompts, Op.EDIT_ORDER_ITEM)
    assert prompts.notes[-1][1].startswith("Order item: ")
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert len(prompts.notes) == 2 and explained(prompts, Op.EDIT_ORDER_ITEM)
    qtbot.keyClicks(view, "7")  # typing into a cell
    assert len(prompts.notes) == 3 and explained(prompts, Op.EDIT_ORDER_ITEM)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert len(prompts.notes) == 4 and explained(prompts, Op.DELETE_ORDER_ITEM)
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert len(prompts.notes) == 5 and explained(prompts, Op.DELETE_ORDER_ITEM)
    menu = view.actions()
    assert [a.text() for a in menu] == ["Edit item…", "Delete item…"]
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    menu[0].trigger()
    assert len(prompts.notes) == 6 and explained(prompts, Op.EDIT_ORDER_ITEM)
    menu[1].trigger()
    assert len(prompts.notes) == 7 and explained(prompts, Op.DELETE_ORDER_ITEM)
    qtbot.keyClick(view, Qt.Key.Key_Down)  # navigating is not an edit
    assert len(prompts.notes) == 7
    assert view.state() != view.State.EditingState  # no editor ever opened

    orders = tab.orders_view
    orders.setFocus()
    orders.setCurrentIndex(tab.orders.index(0, 0))
    qtbot.keyClick(orders, Qt.Key.Key_Delete)
    assert len(prompts.notes) == 8 and explained(prompts, Op.DELETE_ORDER)
    orders.actions()[0].trigger()
    assert len(prompts.notes) == 9 and explained(prompts, Op.DELETE_ORDER)
    assert calls(demo_sandbox) == before  # NOTHING was sent
    assert presenter.shown == []  # type: ignore[attr-defined]


def test_deleting_a_subscription_is_explained_not_sent(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, demo_service: RecordsService,
        demo_sandbox: Any) -> None:
    tab, prompts = open_tab(qtbot, SubscriptionsTab, runner, presenter, demo_service,
                            contact_with_most(demo_sandbox, "RecurringOrder", "ContactId"))
    tab.view.setFocus()
    tab.view.selectRow(0)
    before = calls(demo_sandbox)
    caps = demo_service.capabilities  # REST words it its own way
    tab.delete_button.click()
    assert explained(prompts, Op.DELETE_SUBSCRIPTION, caps)
    assert prompts.notes[-1][1].startswith("Subscription: ")
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    tab.view.actions()[0].trigger()
    assert len(prompts.notes) == 3
    assert all(explained(prompts, Op.DELETE_SUBSCRIPTION, caps) for _ in prompts.notes)
    assert caps.explain(Op.DELETE_SUBSCRIPTION) in tab.delete_button.toolTip()
    assert calls(demo_sandbox) == before


def test_a_partial_charge_is_explained_not_sent(qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter,
                                                demo_service: RecordsService, demo_sandbox: Any) -> None:
    tab, prompts = open_tab(qtbot, InvoicesTab, runner, presenter, demo_service,
                            contact_with_sub_cent_invoice(demo_sandbox))
    tab.view.selectRow(0)
    before = calls(demo_sandbox)
    tab.partial_button.click()
    assert explained(prompts, Op.PARTIAL_CHARGE) and prompts.notes[-1][1].startswith("Invoice #")
    assert calls(demo_sandbox) == before


def test_an_allowed_operation_is_not_explained(qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter,
                                               demo_service: RecordsService, demo_sandbox: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend that can delete subscriptions (REST v2 one day) gets no refusal."""
    tab, prompts = open_tab(qtbot, SubscriptionsTab, runner, presenter, demo_service,
                            contact_with_most(demo_sandbox, "RecurringOrder", "ContactId"))
    monkeypatch.setattr(demo_service.backend, "capabilities", REGISTRY.with_allowed(Op.DELETE_SUBSCRIPTION))
    assert tab.explain(Op.DELETE_SUBSCRIPTION) is False and prompts.notes == []


# -- the opt-in rule --------------------------------------------------------------------------------


def email_tab(qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
              sandbox: Any, contact_id: int, email: str) -> tuple[EmailStatusTab, FakePrompts]:
    tab, prompts = open_tab(qtbot, EmailStatusTab, runner, presenter, service, contact_id,
                            contact_emails(sandbox, contact_id))
    assert tab.select_email(email)
    return tab, prompts


def test_opted_out_by_tagdesk_then_opt_in_is_explained_and_nothing_sent(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
        sandbox: Any) -> None:
    cid, email = contact_with_email_status(sandbox, "single")
    tab, prompts = email_tab(qtbot, runner, presenter, service, sandbox, cid, email)
    prompts.text_answer = "Asked by phone"
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        tab.opt_out_button.click()
    title, label = prompts.asks[-1]
    assert title == f"Opt out {email}" and "cannot opt this address in again" in label and "web form" in label
    assert sandbox.store.email_status(email) == "optout"
    reason = sandbox.store.rows("_EmailStatus", {"Email": email})[0]["Reason"]
    assert reason == "Asked by phone"
    tab.select_email(email)
    assert tab.selected() is not None and tab.selected().text == "Opted out or bounced (not marketable)"
    assert tab.selected().opted_out
    before = calls(sandbox)
    asks = len(prompts.asks)
    tab.opt_in_button.click()
    assert explained(prompts, Op.OPT_IN_AGAIN) and email in prompts.notes[-1][1]
    assert len(prompts.asks) == asks  # not even asked for a reason
    assert calls(sandbox) == before and sandbox.store.email_status(email) == "optout"


def test_a_never_opted_address_can_be_opted_in_after_the_warning(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
        sandbox: Any) -> None:
    cid, email = contact_with_email_status(sandbox, "unengaged")
    tab, prompts = email_tab(qtbot, runner, presenter, service, sandbox, cid, email)
    prompts.text_answer = None  # the user cancels at the warning
    before = calls(sandbox)
    tab.opt_in_button.click()
    title, label = prompts.asks[-1]
    assert title == f"Opt in {email}" and REGISTRY.explain(Op.OPT_IN_AGAIN) in label
    assert calls(sandbox) == before
    prompts.text_answer = "Signed up at the fair"
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        tab.opt_in_button.click()
    assert sandbox.store.email_status(email) == "single" and prompts.notes == []
    after = calls(sandbox)
    assert sent(service, "opt_in", before, after) == 1
    tab.select_email(email)
    assert tab.selected() is not None and tab.selected().text == "Single opt-in"
    before = calls(sandbox)
    tab.opt_in_button.click()  # already marketable: said, not sent
    assert prompts.notes[-1][0] == "Already opted in" and calls(sandbox) == before


def test_an_address_that_opted_out_elsewhere_is_refused_by_keap_and_explained(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
        sandbox: Any) -> None:
    """The API reports 0 for opted out and never opted alike: Keap's refusal is explained,
    and the next attempt is explained without a call."""
    cid, email = contact_with_email_status(sandbox, "optout")
    tab, prompts = email_tab(qtbot, runner, presenter, service, sandbox, cid, email)
    with qtbot.waitSignals([tab.changed, tab.loaded], timeout=WAIT):
        tab.opt_in_button.click()
    assert explained(prompts, Op.OPT_IN_AGAIN) and "refused" in prompts.notes[-1][1]
    assert sandbox.store.email_status(email) == "optout"
    tab.select_email(email)
    before = calls(sandbox)
    tab.opt_in_button.click()
    assert explained(prompts, Op.OPT_IN_AGAIN) and calls(sandbox) == before
    assert presenter.shown == []  # type: ignore[attr-defined]


def _unpaid_order_contact(sb: Any) -> int:
    """A contact whose first order has items and no payment yet (REST lets its items change)."""
    paid = {r["JobId"]: r["TotalPaid"] for r in sb.store.rows("Invoice") if r["JobId"]}
    with_items = {r["OrderId"] for r in sb.store.rows("OrderItem")}
    firsts: dict[int, int] = {}
    for job in sorted(sb.store.rows("Job"), key=lambda r: r["DateCreated"], reverse=True):
        firsts.setdefault(job["ContactId"], job["Id"])  # the tab selects the newest order
    return next(c for c, j in firsts.items() if j in with_items and not paid.get(j))


@pytest.mark.parametrize("protocol", ["rest"])
def test_over_rest_an_order_item_is_edited_and_deleted_after_asking(
        qtbot: QtBot, runner: TaskRunner, presenter: ErrorPresenter, service: RecordsService,
        sandbox: Any) -> None:
    contact_id = _unpaid_order_contact(sandbox)
    tab, prompts = open_tab(qtbot, OrdersTab, runner, presenter, service, contact_id)
    assert "double-click one to edit" in tab.items_label.text()
    order = tab.selected_order
    assert order is not None and order.items
    item = order.items[0]
    dialog = tab.edit_item(0)
    assert dialog is not None and not prompts.notes  # no refusal over REST
    dialog.qty_spin.setValue(item.qty + 2)
    dialog.price_edit.setText("12.345")
    assert "saved as $12.35 each" in dialog.total_label.text()
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        dialog.accept()
    stored = sandbox.store.get("OrderItem", item.id)
    assert (stored["Qty"], stored["PPU"]) == (item.qty + 2, 12.35)
    prompts.confirm_answer = False
    tab.delete_item(0)
    assert prompts.confirms and "Keap has no undo" in prompts.confirms[-1][1]
    assert sandbox.store.row("OrderItem", item.id) is not None  # cancelled: nothing sent
    prompts.confirm_answer = True
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        tab.delete_item(0)
    assert presenter.shown == []  # type: ignore[attr-defined]
    assert sandbox.store.row("OrderItem", item.id) is None
