"""REST v2 linked records: users, opportunities, orders and items, subscriptions, companies,
e-mail opt-in status and API goals, driven by Keap's SDK and raw HTTP.

Every SDK call deserializes the reply into Keap's pydantic models, and ``shaped`` also checks
that no property fell into a model's ``additional_properties`` (a name Keap does not have).
Expected values come from the store the XML-RPC side serves, and writes are checked over
XML-RPC, so both protocols are held to one account.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from keap_core_v2_client.api.automation_api import AutomationApi
from keap_core_v2_client.api.company_api import CompanyApi
from keap_core_v2_client.api.email_address_api import EmailAddressApi
from keap_core_v2_client.api.opportunity_api import OpportunityApi
from keap_core_v2_client.api.orders_api import OrdersApi
from keap_core_v2_client.api.subscriptions_api import SubscriptionsApi
from keap_core_v2_client.api.users_api import UsersApi
from keap_core_v2_client.exceptions import BadRequestException, ConflictException, NotFoundException
from keap_core_v2_client.models.achieve_goal_request import AchieveGoalRequest
from keap_core_v2_client.models.address import Address
from keap_core_v2_client.models.cancel_subscription_request import CancelSubscriptionRequest
from keap_core_v2_client.models.create_company_request import CreateCompanyRequest
from keap_core_v2_client.models.create_opportunity_request import CreateOpportunityRequest
from keap_core_v2_client.models.create_order_item_request import CreateOrderItemRequest
from keap_core_v2_client.models.custom_field_value import CustomFieldValue
from keap_core_v2_client.models.email_address import EmailAddress
from keap_core_v2_client.models.update_company_request import UpdateCompanyRequest
from keap_core_v2_client.models.update_email_address import UpdateEmailAddress
from keap_core_v2_client.models.update_opportunity_request_v2 import UpdateOpportunityRequestV2
from keap_core_v2_client.models.update_order_item_request import UpdateOrderItemRequest
from pydantic import BaseModel

from app.sandbox import Sandbox

P = Any  # ServerProxy, SDK ApiClient and the Rest helper are used untyped, as in the other suites


def shaped(value: Any) -> Any:
    """Fail if any model in ``value`` holds properties Keap's model does not declare."""
    if isinstance(value, BaseModel):
        extra = getattr(value, "additional_properties", None)
        assert not extra, f"{type(value).__name__} got unknown properties {extra}"
        for name in type(value).model_fields:
            shaped(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            shaped(item)
    return value


def error_of(resp: Any, status: int, resource: str | None = None) -> dict[str, Any]:
    """The ``Error`` body of a refusal, checked for Keap's shape."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    body: dict[str, Any] = resp.json()
    assert set(body) == {"code", "message", "status", "details"} and body["code"] == status
    if resource is not None:
        assert body["details"] == [{"domain": "crm", "resource": resource}]
    return body


def all_pages(fetch: Any, key: str, **kwargs: Any) -> tuple[list[Any], int]:
    """Every item of an SDK list, page by page; also the number of pages."""
    items: list[Any] = []
    token: str | None = None
    pages = 0
    while True:
        page = shaped(fetch(page_token=token, **kwargs) if token else fetch(**kwargs))
        pages += 1
        items.extend(getattr(page, key) or [])
        token = page.next_page_token
        if not token:
            return items, pages


def xml(rpc: P, table: str, record_id: int, fields: list[str]) -> dict[str, Any]:
    rows = rpc.DataService.query("x", table, 10, 0, {"Id": record_id}, fields)
    assert len(rows) == 1
    return dict(rows[0])


# --- read-only: lists, filters, paging, 404 ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/users", "/opportunities", "/opportunities/stages", "/orders", "/subscriptions", "/companies",
     "/emailAddresses"],
)
def test_every_list_refuses_an_unknown_filter_field(rest: P, path: str) -> None:
    body = error_of(rest.get(path, filter="bogus==1"), 400)
    assert body["status"] == "INVALID_ARGUMENT" and "bogus" in body["message"]


@pytest.mark.parametrize(
    ("path", "resource"),
    [("/users/999999", "User"), ("/opportunities/999999", "Opportunity"),
     ("/opportunities/stages/999999", "OpportunityStage"), ("/orders/999999", "Order"),
     ("/subscriptions/999999", "Subscription"), ("/companies/999999", "Company"),
     ("/emailAddresses/nobody@nowhere.example/status", "EmailAddress")],
)
def test_unknown_ids_are_404_in_keaps_error_shape(rest: P, path: str, resource: str) -> None:
    body = error_of(rest.get(path), 404, resource)
    assert body["status"] == "NOT_FOUND"


def test_users_page_filter_and_get(api: P, rest: P, demo: Sandbox) -> None:
    users = UsersApi(api)
    stored = {r["Id"]: r for r in demo.store.rows("User")}
    items, pages = all_pages(users.list_paginated_users, "users", page_size=2)
    assert pages == 3 and sorted(int(u.id) for u in items) == sorted(stored)
    first = shaped(users.get_user_by_id(items[0].id))
    row = stored[int(first.id)]
    assert (first.given_name, first.family_name) == (row["FirstName"], row["LastName"])
    assert first.email_addresses[0].email == row["Email"] and first.status == "ACTIVE"
    assert sum(1 for u in items if u.admin) == 1
    named = shaped(users.list_paginated_users(filter=f"given_name=={row['FirstName']}")).users
    assert [u.id for u in named] == [first.id]
    by_mail = shaped(users.list_paginated_users(filter=f"email=={row['Email'].upper()}")).users
    assert [u.id for u in by_mail] == [first.id]
    ordered = shaped(users.list_paginated_users(order_by="name desc")).users
    assert [u.family_name for u in ordered] == sorted((r["LastName"] for r in stored.values()), reverse=True)
    error_of(rest.get("/users", page_size=101), 400)
    first_page = rest.ok("GET", "/users", params={"page_size": 3})
    assert len(first_page["users"]) == 3 and first_page["next_page_token"]
    last_page = rest.ok("GET", "/users", params={"page_size": 3, "page_token": first_page["next_page_token"]})
    assert len(last_page["users"]) == 2 and last_page["next_page_token"] == ""
    error_of(rest.get("/companies", page_token=first_page["next_page_token"]), 400)  # another list's token
    with pytest.raises(NotFoundException):
        users.get_user_by_id("999999")


def test_opportunities_filters_order_paging_and_stages(api: P, rest: P, demo: Sandbox) -> None:
    opps = OpportunityApi(api)
    leads = demo.store.rows("Lead")
    stage_id = leads[0]["StageID"]
    expected = sorted(r["Id"] for r in leads if r["StageID"] == stage_id)
    items, pages = all_pages(opps.list_opportunities, "opportunities", page_size=20,
                             filter=f"stage_id=={stage_id}")
    assert [int(o.id) for o in items] == expected and pages == -(-len(expected) // 20)
    assert {o.stage.id for o in items} == {str(stage_id)}
    one = items[0]
    row = next(r for r in leads if r["Id"] == int(one.id))
    assert one.contact.id == str(row["ContactID"]) and one.opportunity_title == row["OpportunityTitle"]
    assert one.projected_revenue_low == row["ProjectedRevenueLow"] and one.stage.name
    assert one.estimated_close_time == row["EstimatedCloseDate"][:10] + "T00:00:00.000Z"
    assert one.custom_fields is None and one.status_id is None  # optional: only with `fields`
    full = shaped(opps.get_opportunity(one.id, fields=["custom_fields", "status_id"]))
    assert full.status_id == str(row["StatusID"]) and [c.id for c in full.custom_fields]

    pro = shaped(opps.list_opportunities(filter="opportunity_title==pro*", page_size=1000)).opportunities
    assert pro and all(o.opportunity_title.startswith("Pro") for o in pro)
    assert len(pro) == sum(1 for r in leads if r["OpportunityTitle"].startswith("Pro"))
    mine = shaped(opps.list_opportunities(filter=f"contact_id=={row['ContactID']}")).opportunities
    assert one.id in {o.id for o in mine} and {o.contact.id for o in mine} == {str(row["ContactID"])}
    rich = shaped(opps.list_opportunities(filter="projected_revenue_high>=9000", page_size=1000))
    rich = rich.opportunities
    assert rich and all(o.projected_revenue_high >= 9000 for o in rich)
    newest = shaped(opps.list_opportunities(order_by="created_time desc", page_size=50)).opportunities
    times = [o.created_time for o in newest]
    assert times == sorted(times, reverse=True)
    error_of(rest.get("/opportunities", filter="ids==1,2;opportunity_id>1"), 400)
    error_of(rest.get("/opportunities", order_by="stage_id"), 400)

    stages = shaped(opps.list_opportunity_stages()).stages
    assert [s.name for s in stages] == [r["StageName"] for r in sorted(demo.store.rows("Stage"),
                                                                       key=lambda r: r["StageOrder"])]
    won = shaped(opps.get_opportunity_stage(stages[4].id))
    assert (won.name, won.order) == ("Won", 5)
    ne = shaped(opps.list_opportunity_stages(filter="opportunity_stage_name==Ne*")).stages
    assert [s.name for s in ne] == ["New Opportunity", "Negotiation"]


def _sub_cent_order(orders: OrdersApi) -> Any:
    """An unpaid demo order whose one item is priced below the cent (19.995 or 4.999)."""
    unpaid = shaped(orders.list_orders(filter="paid==false", page_size=100)).orders
    return next(o for o in unpaid if len(o.order_items) == 1
                and len(o.total.formatted_amount.split(".")[1]) == 3)


def test_orders_money_items_and_filters(api: P, rest: P, demo: Sandbox) -> None:
    orders = OrdersApi(api)
    order = _sub_cent_order(orders)
    invoice = demo.store.get("Invoice", int(order.invoice_id))
    assert round(invoice["TotalDue"], 6) in (0.005, 0.009) and invoice["PayStatus"] == 0
    got = shaped(orders.get_order(order.id))
    assert got.status == "DRAFT"
    total, paid, due = got.total, got.total_paid, got.total_due
    assert (total.amount, total.currency_code) in ((2000, "USD"), (500, "USD"))
    assert total.formatted_amount in ("$19.995", "$4.999")
    assert paid.amount == round(invoice["TotalPaid"] * 100) and paid.formatted_amount.count(".") == 1
    assert (due.amount, due.formatted_amount) in ((1, "$0.005"), (1, "$0.009"))
    assert total.amount - paid.amount == due.amount
    item = got.order_items[0]
    stored_item = demo.store.get("OrderItem", int(item.id))
    assert (item.quantity, item.item_type, item.product.id) == (
        stored_item["Qty"], "PRODUCT", str(stored_item["ProductId"]))
    assert item.price_per_unit.formatted_amount == total.formatted_amount
    assert shaped(orders.get_order_item(order.id, item.id)).name == stored_item["ItemName"]
    with pytest.raises(NotFoundException):
        orders.get_order_item(order.id, "999999")

    window = shaped(orders.list_orders(filter="id>5;id<=40", order_by="id desc")).orders
    jobs = [r["Id"] for r in demo.store.rows("Job") if 5 < r["Id"] <= 40]
    assert [int(o.id) for o in window] == sorted(jobs, reverse=True)
    offline = shaped(orders.list_orders(filter="order_type==OFFLINE", page_size=1000)).orders
    assert offline and {o.order_type for o in offline} == {"OFFLINE"}
    assert len(offline) == sum(1 for r in demo.store.rows("Job") if r["OrderType"] == "Offline")
    paid_orders = shaped(orders.list_orders(filter="paid==true", page_size=20)).orders
    assert paid_orders and {o.status for o in paid_orders} == {"PAID"}
    product = shaped(orders.list_orders(filter=f"product_id=={item.product.id}", page_size=1000)).orders
    assert order.id in {o.id for o in product}
    assert all(any(i.product and i.product.id == item.product.id for i in o.order_items) for o in product)
    latest = shaped(orders.list_orders(order_by="order_time desc", page_size=30)).orders
    assert [o.order_time for o in latest] == sorted((o.order_time for o in latest), reverse=True)
    error_of(rest.get("/orders", filter="order_type==PHONE"), 400)


def test_subscriptions_filters_and_get(api: P, demo: Sandbox) -> None:
    subs = SubscriptionsApi(api)
    rows = demo.store.rows("RecurringOrder")
    active, _ = all_pages(subs.list_subscriptions, "subscriptions", filter="status==active", page_size=25)
    assert sorted(int(s.id) for s in active) == sorted(r["Id"] for r in rows if r["Status"] == "Active")
    assert all(s.active for s in active)
    yearly = shaped(subs.list_subscriptions(filter="billing_amount>=500", page_size=1000)).subscriptions
    assert yearly and {s.billing_cycle for s in yearly} == {"YEAR"}
    one = shaped(subs.get_subscription(active[0].id))
    row = next(r for r in rows if r["Id"] == int(one.id))
    assert one.contact_id == str(row["ContactId"]) and one.billing_amount == row["BillingAmt"]
    assert one.next_bill_date == dt.date.fromisoformat(row["NextBillDate"][:10])
    same_contact = shaped(subs.list_subscriptions(filter=f"contact_id=={row['ContactId']}")).subscriptions
    assert one.id in {s.id for s in same_contact}


def test_companies_default_properties_fields_and_filters(api: P, demo: Sandbox) -> None:
    companies = CompanyApi(api)
    listed = shaped(companies.list_companies(page_size=5)).companies
    assert len(listed) == 5
    assert all(c.address is None and c.email_address is None and c.create_time is None for c in listed)
    row = demo.store.get("Company", int(listed[0].id))
    full = shaped(companies.get_company(listed[0].id, fields=["address", "email_address", "custom_fields"]))
    assert full.company_name == row["Company"] and full.email_address.email == row["Email"]
    assert (full.address.line1, full.address.locality) == (row["StreetAddress1"], row["City"])
    assert full.custom_fields and full.phone_number is None
    prefix = row["Company"][:3]
    named = shaped(companies.list_companies(filter=f"name=={prefix}*", page_size=1000)).companies
    assert listed[0].id in {c.id for c in named}
    assert all(c.company_name.lower().startswith(prefix.lower()) for c in named)
    after = shaped(companies.list_companies(filter=f"company_id>{row['Id']}", order_by="id")).companies
    assert after and all(int(c.id) > row["Id"] for c in after)


def test_email_status_list_filters_and_get(api: P, rest: P, demo: Sandbox) -> None:
    emails = EmailAddressApi(api)
    marketable, _ = all_pages(emails.list_email_address_statuses, "email_addresses",
                              filter="opted_in==true", page_size=1000)
    expected = [r for r in demo.store.rows("_EmailStatus") if r["Status"] in ("single", "double")]
    assert len(marketable) == len(expected) and all(e.opted_in for e in marketable)
    gone = shaped(emails.list_email_address_statuses(filter="statuses==ADMIN,HARD_BOUNCE",
                                                     page_size=1000)).email_addresses
    assert gone and {e.status for e in gone} == {"ADMIN", "HARD_BOUNCE"} and not any(e.opted_in for e in gone)
    pair = [gone[0].email, marketable[0].email]
    picked = shaped(emails.list_email_address_statuses(filter="emails==" + ",".join(pair))).email_addresses
    assert sorted(e.email for e in picked) == sorted(pair)
    one = shaped(emails.get_email_address_status(pair[1]))
    assert one.status in ("SINGLE_OPT_IN", "DOUBLE_OPT_IN") and one.create_time.tzinfo is not None
    error_of(rest.get("/emailAddresses", filter="statuses==MAYBE"), 400)
    # a contact's third address has no status row yet: known, unengaged
    third = next(r["EmailAddress3"] for r in demo.store.rows("Contact") if r["EmailAddress3"])
    assert shaped(emails.get_email_address_status(third)).status == "UNENGAGED_NON_MARKETABLE"


# --- writes ------------------------------------------------------------------------------------


def test_opportunity_create_patch_delete(wapi: P, wrest: P, wrpc: P, fresh: Sandbox) -> None:
    opps = OpportunityApi(wapi)
    contact = fresh.store.rows("Contact")[3]
    stage = fresh.store.rows("Stage")[1]
    made = shaped(opps.create_opportunity(CreateOpportunityRequest(
        contact_id=str(contact["Id"]), opportunity_title="Café retainer", stage_id=str(stage["Id"]),
        projected_revenue_low=1500.5, estimated_close_time="2026-05-01T00:00:00.000Z",
        next_action_notes="Call Tuesday",
    )))
    assert (made.contact.id, made.stage.id, made.stage.name) == (
        str(contact["Id"]), str(stage["Id"]), stage["StageName"])
    assert made.contact.email == contact["Email"] and made.estimated_close_time == "2026-05-01T00:00:00.000Z"
    lead = xml(wrpc, "Lead", int(made.id), ["OpportunityTitle", "ContactID", "StageID", "EstimatedCloseDate",
                                            "ProjectedRevenueLow", "NextActionNotes"])
    assert lead["OpportunityTitle"] == "Café retainer" and lead["ContactID"] == contact["Id"]
    assert str(lead["EstimatedCloseDate"]) == "20260501T00:00:00" and lead["ProjectedRevenueLow"] == 1500.5

    patched = shaped(opps.update_opportunity(
        made.id, UpdateOpportunityRequestV2(opportunity_title="Café retainer (2026)"),
        update_mask=["opportunity_title", "next_action_notes"],
    ))
    assert patched.opportunity_title == "Café retainer (2026)" and patched.next_action_notes is None
    assert patched.projected_revenue_low == 1500.5  # not in the mask: untouched
    assert xml(wrpc, "Lead", int(made.id), ["NextActionNotes"]) == {"NextActionNotes": ""}  # cleared

    missing = wrest.call("POST", "/opportunities", json={"contact_id": str(contact["Id"]), "stage_id": "1"})
    assert "opportunity_title" in error_of(missing, 400)["message"]
    error_of(wrest.call("POST", "/opportunities", json={
        "contact_id": "999999", "stage_id": str(stage["Id"]), "opportunity_title": "X"}), 400)
    path = f"/opportunities/{made.id}"
    clear_stage = wrest.call("PATCH", path, params={"update_mask": "stage_id"}, json={})
    error_of(clear_stage, 400)
    error_of(wrest.call("PATCH", f"/opportunities/{made.id}", json={"title": "typo"}), 400)
    error_of(wrest.call("PATCH", f"/opportunities/{made.id}", json={"opportunity_title": "Ω deal"}), 400)

    assert wrest.call("DELETE", f"/opportunities/{made.id}").status_code == 204
    error_of(wrest.get(f"/opportunities/{made.id}"), 404, "Opportunity")
    error_of(wrest.call("DELETE", f"/opportunities/{made.id}"), 404)


def test_order_item_patch_recomputes_the_invoice_seen_over_xmlrpc(wapi: P, wrest: P, wrpc: P) -> None:
    orders = OrdersApi(wapi)
    order = _sub_cent_order(orders)
    item = order.order_items[0]
    price = float(item.price_per_unit.formatted_amount[1:])
    paid = xml(wrpc, "Invoice", int(order.invoice_id), ["TotalPaid"])["TotalPaid"]

    changed = shaped(orders.update_order_item(order.id, item.id, UpdateOrderItemRequest(quantity=3),
                                              update_mask=["quantity"]))
    assert changed.quantity == 3 and changed.name == item.name
    after = shaped(orders.get_order(order.id))
    expected_total = round(price * 3, 6)
    cents = (Decimal(str(expected_total)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert after.total.amount == int(cents) and after.status == "DRAFT"  # 59.985 -> 5999, half up
    assert after.total.formatted_amount == f"${expected_total:g}"
    assert after.total_due.amount == after.total.amount - after.total_paid.amount
    invoice = xml(wrpc, "Invoice", int(order.invoice_id), ["InvoiceTotal", "TotalDue", "PayStatus"])
    assert invoice["InvoiceTotal"] == pytest.approx(expected_total)
    assert invoice["TotalDue"] == pytest.approx(expected_total - paid) and invoice["PayStatus"] == 0
    assert xml(wrpc, "OrderItem", int(item.id), ["Qty", "PPU"]) == {"Qty": 3, "PPU": price}

    # price and name together, the way a full PATCH (no mask) sends them
    repriced = shaped(orders.update_order_item(order.id, item.id, UpdateOrderItemRequest(
        price_per_unit=20.0, name="E-book (rounded)")))
    assert repriced.price_per_unit.formatted_amount == "$20.00" and repriced.name == "E-book (rounded)"
    assert xml(wrpc, "Invoice", int(order.invoice_id), ["InvoiceTotal"])["InvoiceTotal"] == 60.0
    assert shaped(orders.get_order(order.id)).total.formatted_amount == "$60.00"

    extra = shaped(orders.create_order_item(order.id, CreateOrderItemRequest(
        quantity=2, product_id=item.product.id, price_per_unit=5.25)))
    assert extra.quantity == 2 and extra.product.id == item.product.id
    assert xml(wrpc, "Invoice", int(order.invoice_id), ["InvoiceTotal"])["InvoiceTotal"] == 70.5
    assert wrest.call("DELETE", f"/orders/{order.id}/items/{extra.id}").status_code == 204
    assert xml(wrpc, "Invoice", int(order.invoice_id), ["InvoiceTotal"])["InvoiceTotal"] == 60.0
    with pytest.raises(BadRequestException):
        orders.create_order_item(order.id, CreateOrderItemRequest(quantity=0))
    error_of(wrest.call("PATCH", f"/orders/{order.id}/items/{item.id}", params={"update_mask": "sku"},
                        json={}), 400)

    # a fully paid order's items are not editable (409), and nothing changes
    paid_order = next(o for o in shaped(orders.list_orders(filter="paid==true", page_size=50)).orders
                      if o.total_paid.amount > 0 and o.order_items)
    paid_item = paid_order.order_items[0]
    with pytest.raises(ConflictException):
        orders.update_order_item(paid_order.id, paid_item.id, UpdateOrderItemRequest(quantity=9),
                                 update_mask=["quantity"])
    assert xml(wrpc, "OrderItem", int(paid_item.id), ["Qty"])["Qty"] == paid_item.quantity
    error_of(wrest.call("DELETE", f"/orders/{paid_order.id}/items/{paid_item.id}"), 409)


def test_subscription_deactivate(wapi: P, wrest: P, wrpc: P) -> None:
    subs = SubscriptionsApi(wapi)
    active = shaped(subs.list_subscriptions(filter="status==Active", page_size=1)).subscriptions[0]
    assert subs.cancel_subscription(active.id, CancelSubscriptionRequest(reason="Customer asked")) is None
    after = shaped(subs.get_subscription(active.id))
    assert after.active is False and after.reason_stopped == "Customer asked" and after.end_date
    row = xml(wrpc, "RecurringOrder", int(active.id), ["Status", "ReasonStopped"])
    assert row == {"Status": "Inactive", "ReasonStopped": "Customer asked"}
    again = wrest.call("POST", f"/subscriptions/{active.id}:deactivate", json={"reason": "Twice"})
    assert again.status_code == 200
    assert xml(wrpc, "RecurringOrder", int(active.id), ["ReasonStopped"])["ReasonStopped"] == "Customer asked"
    error_of(wrest.call("POST", "/subscriptions/999999:deactivate", json={}), 404)
    error_of(wrest.call("DELETE", f"/subscriptions/{active.id}"), 405)


def test_company_crud(wapi: P, wrest: P, wrpc: P, fresh: Sandbox) -> None:
    companies = CompanyApi(wapi)
    industry = next(f for f in fresh.store.custom_fields("Company") if f["Name"] == "Industry")
    made = shaped(companies.create_company(CreateCompanyRequest(
        company_name="Björk & Co", website="https://bjork.example",
        email_address=EmailAddress(email="hello@bjork.example"),
        address=Address(line1="1 Main St", locality="Boston", region_code="US-MA", country_code="USA",
                        postal_code="02110"),
        custom_fields=[CustomFieldValue(id=str(industry["Id"]), content="Retail")],
    )))
    assert made.company_name == "Björk & Co" and made.address.region == "MA"
    assert made.address.country_code == "USA" and made.custom_fields[0].content == "Retail"
    row = xml(wrpc, "Company", int(made.id), ["Company", "Email", "State", "Country", "Website", "_Industry"])
    assert row == {"Company": "Björk & Co", "Email": "hello@bjork.example", "State": "MA",
                   "Country": "United States", "Website": "https://bjork.example", "_Industry": "Retail"}

    patched = shaped(companies.update_company(made.id, UpdateCompanyRequest(notes="Key account"),
                                              update_mask=["notes", "website"]))
    assert patched.notes == "Key account" and patched.website is None
    assert shaped(companies.get_company(made.id)).notes is None  # notes only with `fields`
    assert shaped(companies.get_company(made.id, fields=["notes"])).notes == "Key account"

    error_of(wrest.call("POST", "/companies", json={"company_name": "X", "address": {"region": "MA"}}), 400)
    error_of(wrest.call("POST", "/companies", json={"website": "https://nameless.example"}), 400)
    error_of(wrest.call("PATCH", f"/companies/{made.id}", json={"company_name": ""}), 400)
    companies.delete_company(made.id)
    with pytest.raises(NotFoundException):
        companies.get_company(made.id)
    assert wrpc.DataService.query("x", "Company", 10, 0, {"Id": int(made.id)}, ["Id"]) == []


def test_email_opt_in_rule_and_both_protocols(wapi: P, wrest: P, wrpc: P, fresh: Sandbox) -> None:
    emails = EmailAddressApi(wapi)
    unengaged = [r["Email"] for r in fresh.store.rows("_EmailStatus", {"Status": "unengaged"})[:2]]
    bounced = fresh.store.rows("_EmailStatus", {"Status": "bounce"})[0]["Email"]

    # opted out over XML-RPC: REST cannot opt it back in, and says so with the unchanged status
    assert wrpc.APIEmailService.optOut("x", unengaged[0], "Unsubscribed by phone") is True
    blocked = shaped(emails.update_email_address_opt_status(
        unengaged[0], UpdateEmailAddress(opted_in=True, reason="Webform")))
    assert (blocked.status, blocked.opted_in) == ("ADMIN", False)
    assert wrpc.APIEmailService.getOptStatus("x", unengaged[0]) == 0
    assert wrpc.APIEmailService.optIn("x", unengaged[0], "Again") is False
    hard = shaped(emails.update_email_address_opt_status(
        bounced, UpdateEmailAddress(opted_in=True, reason="Webform")))
    assert (hard.status, hard.opted_in) == ("HARD_BOUNCE", False)

    # unengaged -> opted in over REST, seen over XML-RPC; then a REST opt-out is getOptStatus 0
    opted = shaped(emails.update_email_address_opt_status(
        unengaged[1].upper(), UpdateEmailAddress(opted_in=True, reason="Asked at the counter")))
    assert (opted.email, opted.status, opted.opted_in) == (unengaged[1], "SINGLE_OPT_IN", True)
    assert wrpc.APIEmailService.getOptStatus("x", unengaged[1]) == 1
    out = shaped(emails.update_email_address_opt_status(
        unengaged[1], UpdateEmailAddress(opted_in=False, reason="Asked to stop")))
    assert (out.status, out.opted_in) == ("ADMIN", False)
    assert wrpc.APIEmailService.getOptStatus("x", unengaged[1]) == 0
    assert fresh.store.rows("_EmailStatus", {"Email": unengaged[1]})[0]["Reason"] == "Asked to stop"
    assert shaped(emails.get_email_address_status(unengaged[1])).status == "ADMIN"

    path = f"/emailAddresses/{unengaged[1]}/status"
    error_of(wrest.call("PATCH", path, json={"opted_in": True}), 400)
    error_of(wrest.call("PATCH", path, json={"reason": "Why"}), 400)
    error_of(wrest.call("PATCH", path, json={"opted_in": "yes", "reason": "Why"}), 400)
    error_of(wrest.call("PATCH", "/emailAddresses/nobody@nowhere.example/status",
                        json={"opted_in": False, "reason": "x"}), 404, "EmailAddress")


def test_goal_achieve_both_forms(wapi: P, wrest: P, fresh: Sandbox) -> None:
    auto = AutomationApi(wapi)
    contact_id = fresh.store.rows("Contact")[0]["Id"]
    goals = fresh.store.rows("_Goal")
    webinar = [g for g in goals if g["CallName"] == "webinarAttended"]
    before = len(fresh.store.goals_achieved())

    by_name = shaped(auto.achieve_goal(AchieveGoalRequest(
        contact_id=contact_id, integration=fresh.config.app_name, call_name="webinarAttended")))
    assert [(r.success, r.goal_id, r.automation_id) for r in by_name.results] == [
        (True, g["Id"], g["CampaignId"]) for g in webinar]
    assert all(r.flow_start_results == [] for r in by_name.results)

    guide = next(g for g in goals if g["CallName"] == "downloadedGuide")
    by_id = shaped(auto.achieve_goal(AchieveGoalRequest(
        contact_id=contact_id, automation_id=guide["CampaignId"], goal_id=guide["Id"])))
    assert [(r.success, r.goal_id) for r in by_id.results] == [(True, guide["Id"])]
    logged = fresh.store.goals_achieved()[before:]
    assert [(g["GoalId"], g["Integration"], g["CallName"], g["ContactId"]) for g in logged] == [
        *((g["Id"], g["Integration"], "webinarAttended", contact_id) for g in webinar),
        (guide["Id"], guide["Integration"], "downloadedGuide", contact_id),
    ]

    miss = shaped(auto.achieve_goal(AchieveGoalRequest(
        contact_id=contact_id, integration=fresh.config.app_name, call_name="WebinarAttended")))
    assert [r.success for r in miss.results] == [False]  # exact case, as over XML-RPC
    wrong = wrest.ok("POST", "/automations/goals/achieve", json={
        "contact_id": str(contact_id), "automation_id": guide["CampaignId"] + 100, "goal_id": guide["Id"]})
    assert wrong["results"][0]["success"] is False
    assert len(fresh.store.goals_achieved()) == before + len(webinar) + 1

    mixed = {"contact_id": contact_id, "integration": "zapier", "call_name": "newLead", "goal_id": 1,
             "automation_id": 1}
    assert "cannot be combined" in error_of(wrest.call("POST", "/automations/goals/achieve", json=mixed),
                                            400)["message"]
    error_of(wrest.call("POST", "/automations/goals/achieve", json={"contact_id": contact_id}), 400)
    error_of(wrest.call("POST", "/automations/goals/achieve",
                        json={"contact_id": contact_id, "integration": "zapier"}), 400)
    error_of(wrest.call("POST", "/automations/goals/achieve",
                        json={"contact_id": 999999, "integration": "zapier", "call_name": "newLead"}),
             404, "Contact")
    with pytest.raises(BadRequestException):
        auto.achieve_goal(AchieveGoalRequest(contact_id=contact_id, integration="zapier", goal_id=1))
