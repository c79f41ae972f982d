"""Keap's XML-RPC rows as the plain values of :mod:`app.core.linked`, and back for writes.

Keap leaves null fields out of a row, sends numbers as int or double and dates as
``dateTime`` (Eastern time, made aware by the codec); everything here tolerates a
missing or oddly typed field instead of failing a whole tab over one row.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.api import errors as e
from app.core.dates import from_api, from_api_date
from app.core.linked import Invoice, InvoiceItem, Opportunity, OrderItem, Subscription, cents, sub_cent
from app.core.money import wire_amount

Row = dict[str, Any]

#: Neutral opportunity attribute -> Lead field (note the ID spellings).
LEAD_FIELDS: dict[str, str] = {
    "title": "OpportunityTitle", "stage_id": "StageID", "status_id": "StatusID", "user_id": "UserID",
    "revenue_low": "ProjectedRevenueLow", "revenue_high": "ProjectedRevenueHigh",
    "next_action_date": "NextActionDate", "next_action_notes": "NextActionNotes",
    "estimated_close": "EstimatedCloseDate", "notes": "OpportunityNotes", "objection": "Objection",
}


def lead_values(values: Mapping[str, object]) -> dict[str, object]:
    """Neutral attributes to Lead fields; amounts to cents, no nil (Keap refuses it)."""
    out: dict[str, object] = {}
    for name, value in values.items():
        wire_name = LEAD_FIELDS.get(name)
        if wire_name is None:
            raise ValueError(f"an opportunity has no editable attribute {name!r}")
        if name.startswith("revenue_") and value is not None and value != "":
            amount = number(value)
            if amount is None:
                raise ValueError(f"not an amount of money: {value!r}")
            out[wire_name] = wire_amount(amount)
        elif value is None:
            out[wire_name] = ""
        else:
            out[wire_name] = value
    return out


def opportunity(r: Row) -> Opportunity:
    return Opportunity(
        id=int(r["Id"]), contact_id=int_of(r.get("ContactID")), title=str(r.get("OpportunityTitle") or ""),
        stage_id=opt_int(r.get("StageID")), status_id=opt_int(r.get("StatusID")),
        user_id=opt_int(r.get("UserID")), revenue_low=money(r.get("ProjectedRevenueLow")),
        revenue_high=money(r.get("ProjectedRevenueHigh")),
        next_action_date=datetime_of(r.get("NextActionDate")),
        next_action_notes=str(r.get("NextActionNotes") or ""),
        estimated_close=date_of(r.get("EstimatedCloseDate")),
        notes=str(r.get("OpportunityNotes") or ""), objection=str(r.get("Objection") or ""),
        date_created=datetime_of(r.get("DateCreated")), last_updated=datetime_of(r.get("LastUpdated")),
    )


def order_item(r: Row) -> OrderItem:
    price = number(r.get("PPU"))
    return OrderItem(
        id=int(r["Id"]), order_id=int_of(r.get("OrderId")), name=str(r.get("ItemName") or ""),
        product_id=int_of(r.get("ProductId")), qty=int_of(r.get("Qty"), 1), unit_price=cents(price),
        item_type=int_of(r.get("ItemType")), description=str(r.get("ItemDescription") or ""),
        sub_cent=sub_cent(price),
    )


def invoice(r: Row, items: tuple[InvoiceItem, ...]) -> Invoice:
    total = number(r.get("InvoiceTotal"))
    return Invoice(
        id=int(r["Id"]), contact_id=int_of(r.get("ContactId")), job_id=opt_int(r.get("JobId")),
        description=str(r.get("Description") or ""), date_created=datetime_of(r.get("DateCreated")),
        total=cents(total), paid=cents(number(r.get("TotalPaid"))), due=cents(number(r.get("TotalDue"))),
        pay_status=int_of(r.get("PayStatus")), items=tuple(sorted(items, key=lambda i: i.id)),
        total_sub_cent=sub_cent(total),
    )


def product_of(r: Row) -> int:
    return int_of(r.get("ProductId")) or int_of(r.get("SubscriptionPlanId")) or int_of(r.get("ProgramId"))


def subscription(r: Row, names: dict[int, str]) -> Subscription:
    pid = product_of(r)
    amount = number(r.get("BillingAmt"))
    return Subscription(
        id=int(r["Id"]), contact_id=int_of(r.get("ContactId")),
        name=names.get(pid) or (f"Product {pid}" if pid else "Subscription"), product_id=pid or None,
        status=str(r.get("Status") or ""), amount=cents(amount), qty=int_of(r.get("Qty"), 1),
        billing_cycle=str(r.get("BillingCycle") or ""), frequency=int_of(r.get("Frequency"), 1),
        next_bill_date=date_of(r.get("NextBillDate")), start_date=date_of(r.get("StartDate")),
        end_date=date_of(r.get("EndDate")), reason_stopped=str(r.get("ReasonStopped") or ""),
        sub_cent=sub_cent(amount),
    )


def other_contact(r: Row, contact_id: int) -> int:
    """The other side of a link; Keap does not document the struct, so accept both layouts."""
    if "LinkedContactId" in r:
        return int_of(r.get("LinkedContactId"))
    a, b = int_of(r.get("ContactId1")), int_of(r.get("ContactId2"))
    return b if a == contact_id else a


def rows_of(value: object) -> list[Row]:
    if not isinstance(value, list):
        raise e.MalformedResponseError(detail=f"expected a list, got {type(value).__name__}")
    return [r for r in value if isinstance(r, dict)]


def int_of(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def opt_int(value: object) -> int | None:
    return None if value is None or value == "" else int_of(value)


def as_id(value: object) -> int:
    result = opt_int(value)
    if result is None:
        raise e.MalformedResponseError(detail=f"expected an Id, got {type(value).__name__}")
    return result


def number(value: object) -> Decimal | float | int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal | float | int | str):
        return value
    return None


def money(value: object) -> Decimal | None:
    amount = number(value)
    return None if amount is None or amount == "" else cents(amount)


def datetime_of(value: object) -> datetime | None:
    if not isinstance(value, datetime | str | xmlrpc.client.DateTime) or value == "":
        return None
    try:
        return from_api(value)
    except (TypeError, ValueError):
        return None


def date_of(value: object) -> date | None:
    if not isinstance(value, date | str | xmlrpc.client.DateTime) or value == "":
        return None
    try:
        return from_api_date(value)
    except (TypeError, ValueError):
        return None
