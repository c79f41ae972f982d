"""The records backend and service against the sandbox: what they read matches the store,
amounts leave rounded to cents, images are recognised by their bytes, and the writes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from app.api.xmlrpc.records_backend import cart_base_url
from app.core.cancel import CancelToken
from app.core.linked import OPT_STATUS_TEXT, OpportunityDraft, sniff_image
from app.core.money import to_cents
from app.sandbox import Sandbox, SandboxConfig
from app.services.records import CapabilityRefused, RecordsService, RecordWriteEvent
from tests.records_support import (
    calls,
    contact_with_email_status,
    contact_with_links,
    contact_with_most,
    contact_with_sub_cent_invoice,
    image_products,
    service_on,
)

T = CancelToken()


@pytest.fixture
def demo_service(demo_sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(demo_sandbox)


@pytest.fixture
def service(sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(sandbox)


def cents_of(value: float | None) -> Decimal | None:
    return None if value is None else to_cents(value)


def test_opportunities_match_the_store_with_stage_and_owner_names(demo_service: RecordsService,
                                                                   demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "Lead", "ContactID")
    got = demo_service.opportunities(cid, T)
    rows = store.rows("Lead", {"ContactID": cid})
    assert {o.id for o in got.items} == {r["Id"] for r in rows} and len(rows) >= 2
    stages = {r["Id"]: r["StageName"] for r in store.rows("Stage")}
    users = {r["Id"]: f"{r['FirstName']} {r['LastName']}" for r in store.rows("User")}
    for o in got.items:
        r = store.row("Lead", o.id)
        assert o.title == r["OpportunityTitle"]
        assert got.stage_name(o.stage_id) == stages[r["StageID"]]
        assert got.user_name(o.user_id) == users[r["UserID"]]
        assert o.revenue_low == cents_of(r["ProjectedRevenueLow"])
        assert o.revenue_high == cents_of(r["ProjectedRevenueHigh"])
        assert o.date_created is not None and o.date_created.utcoffset() is not None  # aware
    created = [o.date_created for o in got.items]
    assert created == sorted(created, reverse=True)  # newest first, by DateCreated


def test_orders_carry_items_and_invoice_totals_to_the_cent(demo_service: RecordsService,
                                                            demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_sub_cent_invoice(demo_sandbox)
    orders = demo_service.orders(cid, T)
    assert {o.id for o in orders} == {r["Id"] for r in store.rows("Job", {"ContactId": cid})}
    for order in orders:
        items = store.rows("OrderItem", {"OrderId": order.id})
        assert [(i.id, i.name, i.qty, i.unit_price) for i in order.items] == [
            (r["Id"], r["ItemName"], r["Qty"], to_cents(r["PPU"])) for r in items]
        inv = store.row("Invoice", order.invoice_id)
        assert order.invoice is not None
        assert (order.invoice.total, order.invoice.paid, order.invoice.due) == (
            to_cents(inv["InvoiceTotal"]), to_cents(inv["TotalPaid"]), to_cents(inv["TotalDue"]))
    assert any(o.flagged for o in orders)


def test_an_invoice_with_items_of_more_than_two_decimals_is_flagged(demo_service: RecordsService,
                                                                     demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_sub_cent_invoice(demo_sandbox)
    invoices = demo_service.invoices(cid, T)
    assert {i.id for i in invoices} == {r["Id"] for r in store.rows("Invoice", {"ContactId": cid})}
    for inv in invoices:
        amounts = [r["InvoiceAmt"] for r in store.rows("InvoiceItem", {"InvoiceId": inv.id})]
        odd = any(abs(round(a, 2) - a) > 1e-9 for a in amounts)
        assert inv.flagged == odd
        if odd:
            assert inv.status_text == "Unpaid" and inv.due == Decimal("0.01")  # 0.005 left, rounded
            assert "may still show this invoice as unpaid" in inv.flag_reason
    plain = contact_with_most(demo_sandbox, "Invoice", "ContactId")
    assert all(not i.flagged or i.total_sub_cent for i in demo_service.invoices(plain, T))


def test_subscriptions_match_the_store(demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "RecurringOrder", "ContactId")
    subs = demo_service.subscriptions(cid, T)
    rows = {r["Id"]: r for r in store.rows("RecurringOrder", {"ContactId": cid})}
    assert {s.id for s in subs} == set(rows)
    for s in subs:
        r = rows[s.id]
        assert s.name == store.row("Product", r["ProductId"])["ProductName"]
        assert (s.status, s.amount, s.next_bill_date.isoformat()) == (
            r["Status"], to_cents(r["BillingAmt"]), r["NextBillDate"][:10])
        assert s.cycle_text == {"1": "Every year", "2": "Every month"}[r["BillingCycle"]]


def test_product_images_come_without_a_content_type_and_are_recognised_by_bytes(
        demo_service: RecordsService, demo_sandbox: Any) -> None:
    pid = sorted(image_products(demo_sandbox))[0]
    raw = requests.get(f"{demo_sandbox.base_url}/cart/productImage", params={"id": pid}, timeout=5)
    assert raw.status_code == 200 and "Content-Type" not in raw.headers
    images = demo_service.product_images([pid, pid], T)
    assert images[pid] == raw.content and sniff_image(raw.content) == "jpeg"
    without = next(r["Id"] for r in demo_sandbox.store.rows("Product") if not r["LargeImage"])
    assert demo_service.product_images([without], T) == {without: None}
    before = calls(demo_sandbox)
    demo_service.product_images([pid], T)  # cached: no second fetch, no API call
    assert calls(demo_sandbox) == before


def test_image_bytes_decide_png_kept_and_junk_dropped(service: RecordsService, sandbox: Any) -> None:
    png, junk = sorted(image_products(sandbox))[:2]
    png_bytes = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    with sandbox.store.tx() as conn:
        conn.execute('UPDATE "Product" SET LargeImage = ? WHERE Id = ?', (png_bytes, png))
        conn.execute('UPDATE "Product" SET LargeImage = ? WHERE Id = ?', (b"<html>not an image</html>", junk))
    images = service.product_images([png, junk], T)
    assert images == {png: png_bytes, junk: None}


def test_cart_base_url_is_derived_from_the_endpoint() -> None:
    assert cart_base_url("http://127.0.0.1:5000/crm/xmlrpc/v1") == "http://127.0.0.1:5000"
    assert cart_base_url("https://ab123.infusionsoft.com/api/xmlrpc") == "https://ab123.infusionsoft.com"
    assert cart_base_url("https://api.infusionsoft.com/crm/xmlrpc/v1") is None  # needs the app name
    assert cart_base_url("https://api.infusionsoft.com/crm/xmlrpc/v1", "ab123") == "https://ab123.infusionsoft.com"


def test_linked_contacts_with_names_and_type_names(demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_links(demo_sandbox)
    got = demo_service.linked_contacts(cid, T)
    types = {r["Id"]: r["TypeName"] for r in store.rows("LinkedContactType")}
    expected = {(r["LinkedContactId"], types[r["LinkedContactTypeId"]]) for r in store.links(cid)}
    assert got.available and {(link.other_id, link.type_name) for link in got.links} == expected
    for link in got.links:
        other = store.row("Contact", link.other_id)
        assert link.other_name == f"{other['FirstName']} {other['LastName']}"


def test_linked_contacts_not_available_is_a_result_not_an_error() -> None:
    with Sandbox(SandboxConfig(seed=3, linked_contacts=False)) as sb:
        for service in service_on(sb):
            cid = sb.store.rows("Contact")[0]["Id"]
            assert service.linked_contacts(cid, T).available is False
            assert calls(sb).get("ContactService.listLinkedContacts") == 1  # asked once, no retry


def test_amounts_are_sent_rounded_to_cents(service: RecordsService, sandbox: Any) -> None:
    cid = contact_with_most(sandbox, "Lead", "ContactID")
    seen: list[RecordWriteEvent] = []

    class Observer:
        def before_write(self, event: RecordWriteEvent) -> None:
            seen.append(event)

        def after_write(self, event: RecordWriteEvent, error: BaseException | None) -> None:
            assert error is None and event.result is not None

    service.observers.append(Observer())
    new_id = service.create_opportunity(
        cid, OpportunityDraft("Rounding check \u2013 Q3", revenue_low=Decimal("10.005"),
                              revenue_high=Decimal("20.4949")), T)
    row = sandbox.store.row("Lead", new_id)
    assert row["ContactID"] == cid
    assert row["ProjectedRevenueLow"] == 10.01 and row["ProjectedRevenueHigh"] == 20.49
    assert row["OpportunityTitle"] == "Rounding check - Q3"  # made Latin-1 safe before sending
    assert seen[0].kind == "create_opportunity" and seen[0].values["title"] == "Rounding check - Q3"
    opp = next(o for o in service.opportunities(cid, T).items if o.id == new_id)
    changed = service.update_opportunity(
        opp, OpportunityDraft(opp.title, revenue_low=opp.revenue_low, revenue_high=Decimal("33.335")), T)
    assert changed and sandbox.store.row("Lead", new_id)["ProjectedRevenueHigh"] == 33.34
    assert seen[-1].values == {"revenue_high": Decimal("33.335")}  # only what changed
    opp = next(o for o in service.opportunities(cid, T).items if o.id == new_id)
    before = calls(sandbox)
    assert not service.update_opportunity(opp, OpportunityDraft(opp.title, revenue_low=Decimal("10.01"),
                                                                revenue_high=Decimal("33.34")), T)
    assert calls(sandbox) == before  # nothing changed, nothing sent


def test_opt_in_rule(service: RecordsService, sandbox: Any) -> None:
    _cid, fresh = contact_with_email_status(sandbox, "unengaged")
    _cid2, seeded = contact_with_email_status(sandbox, "optout")
    assert service.backend.email_status(fresh, T) == 0
    assert service.opt_in(fresh, "Consent at the fair", T) is True
    assert sandbox.store.email_status(fresh) == "single"
    assert service.opt_out(fresh, "Asked to stop", T) is True
    assert sandbox.store.email_status(fresh) == "optout" and service.known_opted_out(fresh)
    before = calls(sandbox)
    with pytest.raises(CapabilityRefused) as refused:
        service.opt_in(fresh, "again", T)
    assert "web form" in str(refused.value) and calls(sandbox) == before  # nothing sent
    assert not service.known_opted_out(seeded)  # the API cannot tell: 0 like a new address
    assert service.opt_in(seeded, "try", T) is False and service.known_opted_out(seeded)
    assert sandbox.store.email_status(seeded) == "optout"
    assert OPT_STATUS_TEXT[0].startswith("Opted out or bounced")


def test_email_statuses_for_the_three_fields(demo_service: RecordsService, demo_sandbox: Any) -> None:
    row = next(r for r in demo_sandbox.store.rows("Contact", fields=["Id", "Email", "EmailAddress2",
                                                                     "EmailAddress3"])
               if r["Email"] and r["EmailAddress2"] and r["EmailAddress3"])
    got = demo_service.email_statuses(row["Id"], (), T)
    codes = {"single": 1, "double": 2}
    assert [(s.field, s.email, s.code) for s in got] == [
        (f, row[f], codes.get(demo_sandbox.store.email_status(row[f]) or "", 0))
        for f in ("Email", "EmailAddress2", "EmailAddress3")]


def test_achieve_goal_matches_integration_and_call_name(service: RecordsService, sandbox: Any) -> None:
    cid = sandbox.store.rows("Contact")[0]["Id"]
    app = service.app_name(T)
    assert app == sandbox.config.app_name
    done = service.achieve_goal(app, "webinarAttended", cid, T)
    assert done.completed and len(done.messages) == 2
    assert len([g for g in sandbox.store.goals_achieved() if g["ContactId"] == cid]) == 2
    other = service.achieve_goal(app, "WebinarAttended", cid, T)  # case matters
    assert not other.completed and "No goal found" in other.text
    assert len(sandbox.store.goals_achieved()) == 2
