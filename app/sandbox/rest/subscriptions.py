"""REST v2 subscriptions (the XML-RPC ``RecurringOrder`` table).

Verified [V] (spec / SDK 2.0.26): ``GET /subscriptions`` (``ListSubscriptionsResponse``; filters
``contact_id``, ``subscription_plan_id``, ``status``, ``id`` and ``billing_amount`` with
``== != < <= > >=``, ``ids``, ``subscription_plan_ids``, custom fields; order_by ``id``,
``contact_id``, ``subscription_plan_id``, ``modification_time``), ``GET /subscriptions/{id}``
(``Subscription``: ids as strings, ``billing_amount`` a plain number, ``billing_cycle``
YEAR|MONTH|WEEK|DAY, dates as ``YYYY-MM-DD``), and ``POST /subscriptions/{id}:deactivate``
with ``{reason}`` answering 200. There is no DELETE.

Sandbox choices [I]:
- ``billing_cycle`` from the XML-RPC ``BillingCycle`` codes the app reads (app/core/linked.py):
  1 YEAR, 2 MONTH, 3 WEEK, 6 DAY; other codes leave it out.
- ``active`` is ``Status == "Active"``; the ``status`` filter compares that text
  case-insensitively (``status==Active`` / ``Inactive``).
- ``RecurringOrder`` keeps no modification time: ``modification_time`` is not returned and
  ordering by it sorts by id. ``payment_method_id`` is the ``CC1`` card id.
- ``:deactivate`` writes ``Status = Inactive``, ``ReasonStopped`` (the given reason, else
  "Deactivated through the API") and ``EndDate`` = today (Eastern) when none is set, through
  the XML-RPC side's DataService update; it answers 200 with no body. Deactivating an inactive
  subscription changes nothing and answers 200 (safe to retry).
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.conventions import (
    COMPARE_NE,
    FilterField,
    Reply,
    Request,
    compile_filter,
    int_id,
    iso_date,
    order_of,
    page_of,
)
from app.sandbox.rest.errors import not_found
from app.sandbox.rest.record_common import (
    check_props,
    custom_filter,
    custom_values,
    fetch_one,
    nonzero,
    number_field,
    opt_str,
    page_rows,
    text,
)
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import writes
from app.sandbox.values import now_eastern

BILLING_CYCLES = {"1": "YEAR", "2": "MONTH", "3": "WEEK", "6": "DAY"}
FILTERS = {
    "contact_id": FilterField("r.ContactId", "int"),
    "subscription_plan_id": FilterField("r.SubscriptionPlanId", "int"),
    "status": FilterField("r.Status"),
    "id": FilterField("r.Id", "int", ops=COMPARE_NE),
    "billing_amount": number_field("r.BillingAmt", COMPARE_NE),
    "ids": FilterField("r.Id", "set"),
    "subscription_plan_ids": FilterField("r.SubscriptionPlanId", "set"),
}
ORDER = {
    "id": "r.Id",
    "contact_id": "r.ContactId",
    "subscription_plan_id": "r.SubscriptionPlanId",
    "modification_time": "r.Id",
}
DEFAULT_REASON = "Deactivated through the API"


def _subscription(ctx: RestContext, row: dict[str, Any]) -> dict[str, Any]:
    def number(name: str) -> int | None:
        value = row.get(name)
        return None if value is None or value == "" else int(value)

    amount = row.get("BillingAmt")
    item = {
        "id": str(row["Id"]),
        "quantity": number("Qty"),
        "active": str(row.get("Status") or "").lower() == "active",
        "contact_id": nonzero(row.get("ContactId")),
        "product_id": nonzero(row.get("ProductId")),
        "subscription_plan_id": nonzero(row.get("SubscriptionPlanId")),
        "billing_amount": None if amount is None or amount == "" else float(amount),
        "auto_charge": None if row.get("AutoCharge") is None else bool(row["AutoCharge"]),
        "billing_frequency": number("Frequency"),
        "billing_cycle": BILLING_CYCLES.get(str(row.get("BillingCycle") or "").strip()),
        "start_date": iso_date(row.get("StartDate")),
        "last_bill_date": iso_date(row.get("LastBillDate")),
        "next_bill_date": iso_date(row.get("NextBillDate")),
        "end_date": iso_date(row.get("EndDate")),
        "merchant_account_id": nonzero(row.get("MerchantAccountId")),
        "payment_method_id": nonzero(row.get("CC1")),
        "max_charge_attempts": number("MaxRetry"),
        "days_between_retries": number("NumDaysBetweenRetry"),
        "lead_affiliate_id": nonzero(row.get("LeadAffiliateId")),
        "sale_affiliate_id": nonzero(row.get("AffiliateId")),
        "promo_code": text(row.get("PromoCode")),
        "reason_stopped": text(row.get("ReasonStopped")),
        "custom_fields": custom_values(ctx.store, "RecurringOrder", row),
    }
    return {k: v for k, v in item.items() if v is not None}


def _row(ctx: RestContext, subscription_id: int) -> dict[str, Any]:
    row = fetch_one(ctx.store, 'SELECT * FROM "RecurringOrder" WHERE Id = ?', [subscription_id])
    if row is None:
        raise not_found("Subscription", subscription_id)
    return row


@route("/subscriptions", "GET")
def list_subscriptions(ctx: RestContext, req: Request) -> dict[str, Any]:
    page = page_of(req)
    where, params = compile_filter(req.param("filter"), FILTERS,
                                   extra=custom_filter(ctx.store, "RecurringOrder", "r"))
    order = order_of(req, ORDER, "r.Id")
    rows, token = page_rows(ctx.store, 'SELECT r.* FROM "RecurringOrder" r', where, params, order, page)
    return {"subscriptions": [_subscription(ctx, r) for r in rows], "next_page_token": token}


@route("/subscriptions/<subscription_id>", "GET")
def get_subscription(ctx: RestContext, req: Request, subscription_id: str) -> dict[str, Any]:
    return _subscription(ctx, _row(ctx, int_id(subscription_id, "subscription_id")))


@route("/subscriptions/<subscription_id>:deactivate", "POST")
def deactivate_subscription(ctx: RestContext, req: Request, subscription_id: str) -> Reply:
    sub_id = int_id(subscription_id, "subscription_id")
    body = req.json() if req.body.strip() else {}
    check_props(body, {"reason"}, "CancelSubscriptionRequest")
    reason = opt_str(body, "reason")
    with ctx.store.tx():
        row = _row(ctx, sub_id)
        if str(row.get("Status") or "").lower() != "inactive":
            stopped = (reason or "").strip() or DEFAULT_REASON
            values: dict[str, Any] = {"Status": "Inactive", "ReasonStopped": stopped}
            if not row.get("EndDate"):
                values["EndDate"] = now_eastern()[:10]
            writes.update_record(ctx.xml, "RecurringOrder", sub_id, values)
    return Reply(200)
