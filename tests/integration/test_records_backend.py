"""The records backends and service against the sandbox, over XML-RPC and REST v2 alike: what
they read matches the store field for field, amounts leave rounded to cents, images are
recognised by their bytes, and the writes. Then what only REST can do (order item edits) or
does differently (lost creates, opt-in refusals as a 200, goals)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from app.api.errors import OutcomeUnknownError, RestApiError, UnsupportedError
from app.api.xmlrpc.records_backend import cart_base_url
from app.core.cancel import CancelToken
from app.core.dates import from_api, from_api_date
from app.core.linked import (
    OPT_STATUS_TEXT,
    Invoice,
    InvoiceItem,
    LinkType,
    Opportunity,
    OpportunityDraft,
    OrderItem,
    Subscription,
    cents,
    sniff_image,
    sub_cent,
)
from app.core.money import to_cents
from app.sandbox import Sandbox, SandboxConfig
from app.services.records import CapabilityRefused, RecordsService, RecordWriteEvent
from tests.records_support import (
    PROTOCOLS,
    calls,
    contact_with_email_status,
    contact_with_links,
    contact_with_most,
    contact_with_sub_cent_invoice,
    demo_service,
    image_products,
    protocol,
    service,
    service_on,
)

__all__ = ["demo_service", "protocol", "service"]  # the shared records fixtures (tests/records_support.py)

T = CancelToken()
GOAL_ROUTE = "POST /rest/v2/automations/goals/achieve"


@pytest.fixture
def rest(sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(sandbox, "rest")


@pytest.fixture
def xml(sandbox: Any) -> Iterator[RecordsService]:
    yield from service_on(sandbox, "xmlrpc")


class Recorder:
    """A write observer keeping every event it was told about."""

    def __init__(self) -> None:
        self.events: list[RecordWriteEvent] = []

    def before_write(self, event: RecordWriteEvent) -> None:
        self.events.append(event)

    def after_write(self, event: RecordWriteEvent, error: BaseException | None) -> None:
        assert error is None and event.result is not None


# -- the store, as each mapped value should read -------------------------------------------------


def when(value: str | None) -> datetime | None:
    return from_api(value) if value else None


def day(value: str | None) -> date | None:
    return from_api_date(value) if value else None


def cents_of(value: float | None) -> Decimal | None:
    return None if value is None else to_cents(value)


def stored_opportunity(r: dict[str, Any], protocol: str) -> Opportunity:
    """REST has no status-less opportunity: a NULL StatusID reads as Open (record_json)."""
    status = r["StatusID"] if r["StatusID"] is not None or protocol == "xmlrpc" else 0
    return Opportunity(
        id=r["Id"], contact_id=r["ContactID"], title=r["OpportunityTitle"] or "", stage_id=r["StageID"],
        status_id=status, user_id=r["UserID"], revenue_low=cents_of(r["ProjectedRevenueLow"]),
        revenue_high=cents_of(r["ProjectedRevenueHigh"]), next_action_date=when(r["NextActionDate"]),
        next_action_notes=r["NextActionNotes"] or "", estimated_close=day(r["EstimatedCloseDate"]),
        notes=r["OpportunityNotes"] or "", objection=r["Objection"] or "",
        date_created=when(r["DateCreated"]), last_updated=when(r["LastUpdated"]),
    )


def stored_items(store: Any, order_id: int) -> tuple[OrderItem, ...]:
    return tuple(OrderItem(
        id=r["Id"], order_id=order_id, name=r["ItemName"] or "", product_id=r["ProductId"] or 0, qty=r["Qty"],
        unit_price=to_cents(r["PPU"]), item_type=r["ItemType"], description=r["ItemDescription"] or "",
        sub_cent=sub_cent(r["PPU"])) for r in store.rows("OrderItem", {"OrderId": order_id}))


def stored_invoice(store: Any, invoice_id: int, protocol: str) -> Invoice:
    """REST has no invoice item ids: its lines carry their order item's id (record_json)."""
    r = store.row("Invoice", invoice_id)
    lines = [InvoiceItem(line["Id"] if protocol == "xmlrpc" else line["OrderItemId"],
                         cents(line["InvoiceAmt"]), line["Description"] or "", sub_cent(line["InvoiceAmt"]))
             for line in store.rows("InvoiceItem", {"InvoiceId": invoice_id})]
    return Invoice(
        id=r["Id"], contact_id=r["ContactId"], job_id=r["JobId"], description=r["Description"] or "",
        date_created=when(r["DateCreated"]), total=to_cents(r["InvoiceTotal"]),
        paid=to_cents(r["TotalPaid"]), due=to_cents(r["TotalDue"]), pay_status=r["PayStatus"],
        items=tuple(sorted(lines, key=lambda i: i.id)), total_sub_cent=sub_cent(r["InvoiceTotal"]),
    )


def unpaid_invoice(store: Any, lines: int = 2) -> dict[str, Any]:
    """An invoice nothing was paid on, with at least ``lines`` items (so its items may be edited)."""
    return next(i for i in store.rows("Invoice") if i["PayStatus"] == 0 and not i["TotalPaid"]
                and store.count("InvoiceItem", {"InvoiceId": i["Id"]}) >= lines)


# -- reads, both protocols -----------------------------------------------------------------------


def test_opportunities_match_the_store_with_stage_and_owner_names(demo_service: RecordsService,
                                                                   demo_sandbox: Any, protocol: str) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "Lead", "ContactID")
    got = demo_service.opportunities(cid, T)
    rows = store.rows("Lead", {"ContactID": cid})
    assert len(rows) >= 2
    # every field of every opportunity
    assert sorted(got.items, key=lambda o: o.id) == [stored_opportunity(r, protocol) for r in rows]
    assert all(o.date_created is not None and o.date_created.utcoffset() is not None for o in got.items)
    created = [o.date_created for o in got.items]
    assert created == sorted(created, reverse=True)  # newest first, by DateCreated
    stages = sorted(store.rows("Stage"), key=lambda r: (r["StageOrder"], r["Id"]))
    assert [(s.id, s.name, s.order, s.target_days) for s in got.stages] == [
        (r["Id"], r["StageName"], r["StageOrder"], r["TargetNumDays"]) for r in stages]  # pipeline order
    users = sorted(((r["Id"], f"{r['FirstName']} {r['LastName']}") for r in store.rows("User")),
                   key=lambda u: u[1].casefold())
    assert list(got.users) == users
    for o in got.items:
        r = store.row("Lead", o.id)
        assert got.stage_name(o.stage_id) == next(s["StageName"] for s in stages if s["Id"] == r["StageID"])
        assert got.user_name(o.user_id) == dict(users)[r["UserID"]]


def test_orders_carry_items_and_invoice_totals_to_the_cent(demo_service: RecordsService, demo_sandbox: Any,
                                                            protocol: str) -> None:
    store = demo_sandbox.store
    cid = contact_with_sub_cent_invoice(demo_sandbox)
    orders = demo_service.orders(cid, T)
    assert {o.id for o in orders} == {r["Id"] for r in store.rows("Job", {"ContactId": cid})}
    for order in orders:
        job = store.row("Job", order.id)
        inv = store.row("Invoice", job["InvoiceId"])
        paid = inv["PayStatus"] == 1
        status = job["JobStatus"] or "" if protocol == "xmlrpc" else ("Paid" if paid else "Draft")
        assert (order.contact_id, order.title, order.date_created, order.start_date, order.status,
                order.order_type, order.invoice_id) == (
            cid, job["JobTitle"], when(job["DateCreated"]), day(job["StartDate"]), status, job["OrderType"],
            job["InvoiceId"])
        assert order.items == stored_items(store, order.id)  # every item field, sub-cent flag included
        assert order.invoice == stored_invoice(store, job["InvoiceId"], protocol)
    created = [o.date_created for o in orders]
    assert created == sorted(created, reverse=True)
    assert any(o.flagged for o in orders)


def test_an_invoice_with_items_of_more_than_two_decimals_is_flagged(
        demo_service: RecordsService, demo_sandbox: Any, protocol: str) -> None:
    store = demo_sandbox.store
    cid = contact_with_sub_cent_invoice(demo_sandbox)
    invoices = demo_service.invoices(cid, T)
    assert {i.id for i in invoices} == {r["Id"] for r in store.rows("Invoice", {"ContactId": cid})}
    for inv in invoices:
        assert inv == stored_invoice(store, inv.id, protocol)
        amounts = [r["InvoiceAmt"] for r in store.rows("InvoiceItem", {"InvoiceId": inv.id})]
        odd = any(abs(round(a, 2) - a) > 1e-9 for a in amounts)
        assert inv.flagged == odd
        if odd:
            assert inv.status_text == "Unpaid" and inv.due == Decimal("0.01")  # 0.005 left, rounded
            assert "may still show this invoice as unpaid" in inv.flag_reason
    dates = [i.date_created for i in invoices]
    assert dates == sorted(dates, reverse=True)
    plain = contact_with_most(demo_sandbox, "Invoice", "ContactId")
    assert all(not i.flagged or i.total_sub_cent for i in demo_service.invoices(plain, T))


def test_subscriptions_match_the_store(demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_most(demo_sandbox, "RecurringOrder", "ContactId")
    subs = demo_service.subscriptions(cid, T)
    rows = store.rows("RecurringOrder", {"ContactId": cid})
    expected = [Subscription(
        id=r["Id"], contact_id=cid, name=store.row("Product", r["ProductId"])["ProductName"],
        product_id=r["ProductId"], status=r["Status"], amount=to_cents(r["BillingAmt"]), qty=r["Qty"],
        billing_cycle=r["BillingCycle"], frequency=r["Frequency"], next_bill_date=day(r["NextBillDate"]),
        start_date=day(r["StartDate"]), end_date=day(r["EndDate"]), reason_stopped=r["ReasonStopped"] or "",
        sub_cent=sub_cent(r["BillingAmt"])) for r in rows]
    assert sorted(subs, key=lambda s: s.id) == expected
    assert [s.status for s in subs] == sorted((s.status for s in subs), key=lambda x: x != "Active")
    for s in subs:
        assert s.cycle_text == {"1": "Every year", "2": "Every month"}[s.billing_cycle]


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
    assert cart_base_url("http://127.0.0.1:5000/crm") == "http://127.0.0.1:5000"  # a REST base URL
    assert cart_base_url("https://ab123.infusionsoft.com/api/xmlrpc") == "https://ab123.infusionsoft.com"
    assert cart_base_url("https://api.infusionsoft.com/crm/xmlrpc/v1") is None  # needs the app name
    assert cart_base_url("https://api.infusionsoft.com/crm/xmlrpc/v1", "ab123") == "https://ab123.infusionsoft.com"
    assert cart_base_url("https://api.keap.com/crm", "ab123") == "https://ab123.infusionsoft.com"


def test_linked_contacts_with_names_and_type_names(demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    cid = contact_with_links(demo_sandbox)
    got = demo_service.linked_contacts(cid, T)
    types = {r["Id"]: r["TypeName"] for r in store.rows("LinkedContactType")}
    expected = {(r["LinkedContactId"], r["LinkedContactTypeId"], types[r["LinkedContactTypeId"]])
                for r in store.links(cid)}
    assert got.available and {(x.other_id, x.type_id, x.type_name) for x in got.links} == expected
    for link in got.links:
        other = store.row("Contact", link.other_id)
        assert link.contact_id == cid
        assert (link.other_name, link.other_email) == (f"{other['FirstName']} {other['LastName']}",
                                                       other["Email"] or "")
    assert demo_service.link_types(T) == [LinkType(r["Id"], r["TypeName"], r["MaxLinked"] or 0)
                                          for r in store.rows("LinkedContactType")]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_linked_contacts_not_available_is_a_result_not_an_error(protocol: str) -> None:
    with Sandbox(SandboxConfig(seed=3, linked_contacts=False)) as sb:
        for service in service_on(sb, protocol):
            cid = sb.store.rows("Contact")[0]["Id"]
            assert service.linked_contacts(cid, T).available is False
            method = {"xmlrpc": "ContactService.listLinkedContacts",
                      "rest": "GET /rest/v2/contacts/{contact_id}/links"}[protocol]
            assert calls(sb).get(method) == 1  # asked once, no retry


def test_find_contacts_by_id_email_and_name_prefix(demo_service: RecordsService, demo_sandbox: Any) -> None:
    store = demo_sandbox.store
    row = next(r for r in store.rows("Contact") if r["Email"] and r["LastName"] and r["FirstName"])
    name = f"{row['FirstName']} {row['LastName']}"
    assert [(c.id, c.name, c.email) for c in demo_service.find_contacts(str(row["Id"]), T)] == [
        (row["Id"], name, row["Email"])]
    assert row["Id"] in {c.id for c in demo_service.find_contacts(row["Email"], T)}
    prefix = row["LastName"][:3]
    found = demo_service.find_contacts(prefix, T)
    assert row["Id"] in {c.id for c in found} and len(found) <= 50
    assert all(c.name.split()[-1].lower().startswith(prefix.lower())
               or c.name.lower().startswith(prefix.lower()) for c in found)
    refs = demo_service.contacts([row["Id"], 999_999_999], T)
    assert list(refs) == [row["Id"]] and refs[row["Id"]].name == name  # a missing id is left out


# -- writes, both protocols ----------------------------------------------------------------------


def test_amounts_are_sent_rounded_to_cents(service: RecordsService, sandbox: Any, protocol: str) -> None:
    cid = contact_with_most(sandbox, "Lead", "ContactID")
    recorder = Recorder()
    service.observers.append(recorder)
    new_id = service.create_opportunity(
        cid, OpportunityDraft("Rounding check \u2013 Q3", revenue_low=Decimal("10.005"),
                              revenue_high=Decimal("20.4949"), next_action_notes="Call back",
                              estimated_close=date(2026, 11, 30), user_id=9, stage_id=8), T)
    row = sandbox.store.row("Lead", new_id)
    assert row["ContactID"] == cid and row["UserID"] == 9 and row["StageID"] == 8
    assert row["ProjectedRevenueLow"] == 10.01 and row["ProjectedRevenueHigh"] == 20.49
    assert row["OpportunityTitle"] == "Rounding check - Q3"  # made Latin-1 safe before sending
    assert (row["NextActionNotes"], row["EstimatedCloseDate"]) == ("Call back", "2026-11-30 00:00:00")
    assert recorder.events[0].kind == "create_opportunity"
    assert recorder.events[0].values["title"] == "Rounding check - Q3"
    opp = next(o for o in service.opportunities(cid, T).items if o.id == new_id)
    assert opp == stored_opportunity(sandbox.store.row("Lead", new_id), protocol)
    changed = service.update_opportunity(
        opp, OpportunityDraft(opp.title, stage_id=opp.stage_id, status_id=opp.status_id, user_id=opp.user_id,
                              revenue_low=opp.revenue_low, revenue_high=Decimal("33.335"),
                              next_action_notes="", estimated_close=opp.estimated_close), T)
    row = sandbox.store.row("Lead", new_id)
    assert changed and row["ProjectedRevenueHigh"] == 33.34 and not row["NextActionNotes"]
    assert recorder.events[-1].values == {"revenue_high": Decimal("33.335"), "next_action_notes": ""}
    opp = next(o for o in service.opportunities(cid, T).items if o.id == new_id)
    before = calls(sandbox)
    same = OpportunityDraft(opp.title, stage_id=opp.stage_id, status_id=opp.status_id, user_id=opp.user_id,
                            revenue_low=Decimal("10.01"), revenue_high=Decimal("33.34"),
                            estimated_close=opp.estimated_close)
    assert not service.update_opportunity(opp, same, T)
    assert calls(sandbox) == before  # nothing changed, nothing sent


def test_opt_in_rule(service: RecordsService, sandbox: Any) -> None:
    _cid, fresh = contact_with_email_status(sandbox, "unengaged")
    _cid2, seeded = contact_with_email_status(sandbox, "optout")
    assert service.backend.email_status(fresh, T) == 0
    assert service.opt_in(fresh, "Consent at the fair", T) is True
    assert sandbox.store.email_status(fresh) == "single" and service.backend.email_status(fresh, T) == 1
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
    store = demo_sandbox.store
    rows = [r for r in store.rows("Contact", fields=["Id", "Email", "EmailAddress2", "EmailAddress3"])
            if r["Email"] and r["EmailAddress2"] and r["EmailAddress3"]]
    codes = {"single": 1, "double": 2}
    for row in rows[:3]:
        got = demo_service.email_statuses(row["Id"], (), T)
        assert [(s.field, s.email, s.code) for s in got] == [
            (f, row[f], codes.get(store.email_status(row[f]) or "", 0))
            for f in ("Email", "EmailAddress2", "EmailAddress3")]
    double = contact_with_email_status(demo_sandbox, "double")[1]
    assert demo_service.backend.email_status(double, T) == 2


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


# -- REST only -----------------------------------------------------------------------------------


def test_rest_item_edit_changes_the_invoice_total_seen_over_xmlrpc(rest: RecordsService, xml: RecordsService,
                                                                     sandbox: Any) -> None:
    store = sandbox.store
    inv = unpaid_invoice(store)
    cid = inv["ContactId"]
    order = next(o for o in rest.orders(cid, T) if o.invoice_id == inv["Id"])
    item, other = order.items[0], order.items[1]
    recorder = Recorder()
    rest.observers.append(recorder)
    values = {"qty": item.qty + 1, "unit_price": Decimal("12.345"), "name": "Renamed \u2013 item",
              "description": item.description}
    saved = rest.update_order_item(cid, item, values, T)
    assert saved is not None and (saved.id, saved.qty, saved.unit_price, saved.name, saved.sub_cent) == (
        item.id, item.qty + 1, Decimal("12.35"), "Renamed - item", False)
    row = store.row("OrderItem", item.id)
    assert (row["Qty"], row["PPU"], row["ItemName"]) == (item.qty + 1, 12.35, "Renamed - item")
    event = recorder.events[-1]
    assert (event.kind, event.contact_id, event.target, event.order_id) == (
        "update_order_item", cid, item.id, order.id)
    assert event.values == {"qty": item.qty + 1, "unit_price": Decimal("12.35"), "name": "Renamed - item"}
    others = sum(to_cents(r["InvoiceAmt"]) for r in store.rows("InvoiceItem", {"InvoiceId": inv["Id"]})
                 if r["OrderItemId"] != item.id)
    seen = next(i for i in xml.invoices(cid, T) if i.id == inv["Id"])  # the other protocol sees it at once
    stored_total = to_cents(store.row("Invoice", inv["Id"])["InvoiceTotal"])
    assert seen.total == others + Decimal("12.35") * (item.qty + 1) == stored_total
    assert next(o for o in xml.orders(cid, T) if o.id == order.id).items[0] == saved
    before = calls(sandbox)
    assert rest.update_order_item(cid, saved, {"unit_price": "12.35", "qty": saved.qty}, T) is None
    assert calls(sandbox) == before  # nothing changed, nothing sent

    rest.delete_order_item(cid, other, T)
    assert store.row("OrderItem", other.id) is None
    seen = next(i for i in xml.invoices(cid, T) if i.id == inv["Id"])
    assert seen.total == to_cents(store.row("Invoice", inv["Id"])["InvoiceTotal"])
    assert other.id not in {i.id for i in rest.invoices(cid, T)[0].items}
    assert recorder.events[-1].kind == "delete_order_item"


def test_order_items_stay_read_only_over_xmlrpc_and_paid_orders_over_rest(rest: RecordsService,
                                                                          xml: RecordsService,
                                                                          sandbox: Any) -> None:
    store = sandbox.store
    inv = unpaid_invoice(store, lines=1)
    item = next(o for o in xml.orders(inv["ContactId"], T) if o.invoice_id == inv["Id"]).items[0]
    before = calls(sandbox)
    with pytest.raises(CapabilityRefused, match="cannot change an order item"):
        xml.update_order_item(inv["ContactId"], item, {"qty": 5}, T)
    with pytest.raises(CapabilityRefused, match="cannot delete an order item"):
        xml.delete_order_item(inv["ContactId"], item, T)
    with pytest.raises(UnsupportedError, match="cannot change an order item"):
        xml.backend.update_order_item(item.order_id, item.id, {"qty": 5}, T)
    assert calls(sandbox) == before  # nothing sent
    paid = next(i for i in store.rows("Invoice") if i["PayStatus"] == 1 and i["TotalPaid"])
    paid_item = next(o for o in rest.orders(paid["ContactId"], T) if o.invoice_id == paid["Id"]).items[0]
    with pytest.raises(RestApiError) as refused:
        rest.update_order_item(paid["ContactId"], paid_item, {"qty": paid_item.qty + 1}, T)
    assert refused.value.status == 409 and "paid" in str(refused.value)
    assert store.row("OrderItem", paid_item.id)["Qty"] == paid_item.qty


def test_rest_opt_in_after_an_opt_out_is_refused_with_a_200(rest: RecordsService, xml: RecordsService,
                                                            sandbox: Any) -> None:
    _cid, address = contact_with_email_status(sandbox, "unengaged")
    backend = rest.backend  # not the service: it would refuse from its own memory without asking
    assert backend.opt_in(address, "", T) is True  # REST needs a reason; a blank one gets a default
    assert sandbox.store.email_status(address) == "single"
    assert backend.opt_out(address, "Asked to stop", T) is True
    assert backend.opt_in(address, "Changed their mind", T) is False  # 200, status unchanged
    assert sandbox.store.email_status(address) == "optout"
    assert backend.email_status(address, T) == xml.backend.email_status(address, T) == 0
    assert backend.email_status("nobody-at-all@example.invalid", T) == 0  # unknown to Keap: 404 -> 0


def test_rest_goal_achievement_is_logged_once_per_goal(rest: RecordsService, sandbox: Any) -> None:
    cid = sandbox.store.rows("Contact")[0]["Id"]
    result = rest.achieve_goal(sandbox.config.app_name, "downloadedGuide", cid, T)
    assert result.completed and result.contact_id == cid
    logged = [g for g in sandbox.store.rows("_GoalAchieved") if g["ContactId"] == cid]
    assert [(g["Integration"], g["CallName"]) for g in logged] == [
        (sandbox.config.app_name, "downloadedGuide")]
    got = calls(sandbox)
    assert got.get(GOAL_ROUTE) == 1 and "FunnelService.achieveGoal" not in got


def test_rest_create_whose_reply_is_lost_creates_one_and_returns_its_id(
        rest: RecordsService, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = rest.backend.client  # type: ignore[attr-defined]
    send = client.request
    lost: list[BaseException] = []

    def drop_the_create(method: str, path: str, **kw: Any) -> object:
        if (method, path) != ("POST", "/rest/v2/opportunities"):
            return send(method, path, **kw)
        sandbox.set_faults("drop_after=1")  # applied, reply lost: only for this one call
        try:
            return send(method, path, **kw)
        except OutcomeUnknownError as err:
            lost.append(err)
            raise
        finally:
            sandbox.set_faults("")

    monkeypatch.setattr(client, "request", drop_the_create)
    cid = contact_with_most(sandbox, "Lead", "ContactID")
    new_id = rest.create_opportunity(cid, OpportunityDraft("Lost reply", stage_id=8, status_id=0), T)
    assert lost  # the reply really was lost
    rows = sandbox.store.rows("Lead", {"ContactID": cid, "OpportunityTitle": "Lost reply"})
    assert [r["Id"] for r in rows] == [new_id] and rows[0]["StageID"] == 8
    got = calls(sandbox)
    assert got["POST /rest/v2/opportunities"] == 1 and sandbox.stats()["faults"] == {"drop_after": 1}


def test_rest_refuses_an_opportunity_status_it_cannot_write(rest: RecordsService, sandbox: Any) -> None:
    cid = contact_with_most(sandbox, "Lead", "ContactID")
    before = calls(sandbox)
    with pytest.raises(UnsupportedError, match="cannot set an opportunity's status"):
        rest.create_opportunity(cid, OpportunityDraft("Won already", stage_id=8, status_id=1), T)
    assert calls(sandbox) == before
    assert not sandbox.store.rows("Lead", {"OpportunityTitle": "Won already"})
    new_id = rest.create_opportunity(cid, OpportunityDraft("No stage given"), T)  # REST needs one: the first
    first = min(sandbox.store.rows("Stage"), key=lambda s: s["StageOrder"])
    assert sandbox.store.row("Lead", new_id)["StageID"] == first["Id"]
