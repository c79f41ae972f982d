"""Keap REST v2 JSON as the plain values of :mod:`app.core.linked`, and the app's values as JSON.

The REST backend returns exactly what the XML-RPC backend returns for the same account,
so the tabs cannot tell the protocols apart. Where REST says a thing differently, the
mapping is decided here, once (``[I]`` marks an inference, not a documented fact):

- Ids are strings in JSON and ints in the app; ``"0"`` or a missing id is "none".
- Timestamps are UTC ISO-8601 (``...Z``); the app keeps aware Eastern datetimes
  (:func:`app.core.dates.from_rest`). Date-only values (subscription dates,
  ``estimated_close_time``) keep the calendar date as written, never shifted a day.
- Money: ``CurrencyValue {amount (cents), formatted_amount}``. ``amount`` is rounded,
  so it cannot show fractions of a cent; ``formatted_amount`` can (``$19.995``). The
  exact value is read from ``formatted_amount`` when it agrees with ``amount`` to the
  cent [I: decimal point or comma both tried], else ``amount`` is used. The sub-cent
  flag of items and invoices therefore works as over XML-RPC. Plain numbers
  (opportunity revenue, ``billing_amount``) are read as XML-RPC's doubles are.
- Orders carry their invoice's totals; there is no invoice endpoint. An order with an
  ``invoice_id`` becomes an :class:`Invoice` with that id: ``job_id`` the order,
  ``description`` the order's title, ``date_created`` its ``order_time``,
  ``pay_status`` 1 when ``status`` is PAID, and one :class:`InvoiceItem` per order item
  (id = the order item's id, amount = exact unit price x quantity, negative for discount
  kinds, description = the item's description or name) [I].
- ``Order.status`` is REST's status in words (``Paid``, ``Draft``, ``Sent``, ``Viewed``)
  where XML-RPC shows ``JobStatus``; ``order_type`` ``ONLINE``/``OFFLINE`` becomes
  ``Online``/``Offline`` as the Job table spells it; ``start_date`` is the
  ``order_time``'s Eastern date [I]. Item types become XML-RPC's ``ItemType`` codes.
- Subscriptions: ``active`` gives ``Active``/``Inactive`` (RecurringOrder's words),
  ``billing_cycle`` YEAR/MONTH/WEEK/DAY gives the codes 1/2/3/6 [I].
- Opportunities: REST cannot write ``status_id`` or ``objection`` (not in its create or
  update request [V SDK]). Open (0) or blank is what a new or status-less opportunity is
  anyway and is left out; any other value raises :class:`UnsupportedError` before
  anything is sent, rather than being dropped silently. So that an opportunity made over
  REST does not look "changed" to Open on every edit, a missing status reads as Open (0)
  where XML-RPC shows a NULL ``StatusID`` as None [I].
- E-mail status: DOUBLE_OPT_IN/CONFIRMED -> 2, SINGLE_OPT_IN/UNENGAGED_MARKETABLE -> 1,
  everything else 0 (keap-rest-v2.md 3.3 [I]).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.api import errors as e
from app.core.dates import EASTERN, from_rest, to_rest
from app.core.linked import (
    ContactRef,
    GoalResult,
    Invoice,
    InvoiceItem,
    LinkedContact,
    LinkType,
    Opportunity,
    Order,
    OrderItem,
    Stage,
    Subscription,
    cents,
    sub_cent,
)
from app.core.money import to_cents, wire_amount
from app.core.rest_slots import EMAIL_SLOTS

Json = dict[str, Any]

# --- scalars ----------------------------------------------------------------------------------


def rest_id(value: object) -> int | None:
    """A JSON id (``"123"`` or 123) as an int; None for missing, ``"0"`` or junk."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value or None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def text(value: object) -> str:
    return "" if value is None else str(value)


def number(value: object) -> float | int | None:
    """A plain JSON number (not a CurrencyValue); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def timestamp(value: object) -> datetime | None:
    """A REST timestamp as an aware Eastern datetime; None when missing or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return from_rest(value)
    except ValueError:
        return None


def calendar_date(value: object) -> date | None:
    """The calendar date at the start of ``YYYY-MM-DD[...]``, as written (no time-zone shift)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def items_of(reply: object, key: str) -> list[Json]:
    """The list under ``key`` of a list reply (dict items only); a malformed reply is an error."""
    if not isinstance(reply, dict):
        raise e.MalformedResponseError(detail=f"expected a JSON object with {key!r}")
    found = reply.get(key) or []
    if not isinstance(found, list):
        raise e.MalformedResponseError(detail=f"{key!r} is not a list")
    return [item for item in found if isinstance(item, dict)]


def part(j: Json, key: str) -> Json:
    """A nested object (``contact``, ``stage`` ...), empty when missing or not an object."""
    value = j.get(key)
    return value if isinstance(value, dict) else {}


def obj(reply: object, what: str) -> Json:
    if not isinstance(reply, dict):
        raise e.MalformedResponseError(detail=f"expected a JSON object for {what}")
    return reply


# --- money ------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[^\d.,]")


def exact_money(value: object) -> Decimal | None:
    """A ``CurrencyValue`` to the digit Keap keeps (see the module docstring); None if absent."""
    if not isinstance(value, dict):
        return None
    amount = value.get("amount")
    rounded = Decimal(amount) / 100 if isinstance(amount, int) and not isinstance(amount, bool) else None
    shown = value.get("formatted_amount")
    if isinstance(shown, str) and shown.strip():
        parsed = _formatted(shown, rounded)
        if parsed is not None:
            return parsed
    return rounded


def _formatted(shown: str, rounded: Decimal | None) -> Decimal | None:
    negative = any(mark in shown for mark in ("-", "\u2212", "("))
    digits = _DIGITS.sub("", shown)
    for point, group in ((".", ","), (",", ".")):
        plain = digits.replace(group, "")
        if plain.count(point) > 1 or not plain.strip(point):
            continue
        try:
            value = Decimal(plain.replace(point, "."))
        except InvalidOperation:
            continue
        value = -value if negative else value
        # the text must agree with the rounded amount (one cent of slack for another rounding rule)
        if rounded is None or abs(to_cents(value) - rounded) <= Decimal("0.01"):
            return value
    return None


def money_or_none(value: object) -> Decimal | None:
    """A plain JSON amount rounded to cents; None when absent (revenue left blank)."""
    amount = number(value)
    return None if amount is None else cents(amount)


# --- opportunities ----------------------------------------------------------------------------

_STATUS_WORDS = {"open": 0, "won": 1, "lost": 2}


def opportunity(j: Json) -> Opportunity:
    contact = part(j, "contact")
    stage = part(j, "stage")
    user = part(j, "user")
    status_id = rest_id(j.get("status_id"))
    if status_id is None and str(j.get("status_id") or "").strip() == "0":
        status_id = 0
    if status_id is None and isinstance(j.get("status"), str):
        status_id = _STATUS_WORDS.get(j["status"].strip().lower())
    if status_id is None:
        status_id = 0  # REST has no status-less opportunity: unless won or lost, it is open [I]
    return Opportunity(
        id=rest_id(j.get("id")) or 0, contact_id=rest_id(contact.get("id")) or 0,
        title=text(j.get("opportunity_title")), stage_id=rest_id(stage.get("id")), status_id=status_id,
        user_id=rest_id(user.get("id")), revenue_low=money_or_none(j.get("projected_revenue_low")),
        revenue_high=money_or_none(j.get("projected_revenue_high")),
        next_action_date=timestamp(j.get("next_action_time")),
        next_action_notes=text(j.get("next_action_notes")),
        estimated_close=calendar_date(j.get("estimated_close_time")), notes=text(j.get("opportunity_notes")),
        objection=text(j.get("objection")), date_created=timestamp(j.get("created_time")),
        last_updated=timestamp(j.get("last_updated_time")),
    )


def _close_time(value: object) -> str:
    day = value.astimezone(EASTERN).date() if isinstance(value, datetime) and value.tzinfo else value
    if not isinstance(day, date):
        raise ValueError(f"not a date: {value!r}")
    return f"{day.isoformat()[:10]}T00:00:00.000Z"


def _revenue(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int | str):
        raise ValueError(f"not an amount of money: {value!r}")
    return wire_amount(value)


def _id_text(value: object, what: str) -> str | None:
    if value in (None, "", 0):
        return None
    found = rest_id(value)
    if found is None:
        raise ValueError(f"not a {what} id: {value!r}")
    return str(found)


def opportunity_body(values: Mapping[str, object]) -> Json:
    """Neutral opportunity attributes (:data:`~app.core.linked.OPPORTUNITY_EDITABLE`) as REST
    properties; None clears (with ``update_mask``). See the module docstring for status/objection."""
    out: Json = {}
    for name, value in values.items():
        if name == "title":
            out["opportunity_title"] = text(value)
        elif name == "stage_id":
            out["stage_id"] = _id_text(value, "stage")
        elif name == "user_id":
            out["user_id"] = _id_text(value, "user")
        elif name in ("revenue_low", "revenue_high"):
            out[f"projected_{name}"] = _revenue(value)
        elif name == "next_action_date":
            if value not in (None, "") and not isinstance(value, datetime | date):
                raise ValueError(f"not a date and time: {value!r}")
            out["next_action_time"] = to_rest(value) if isinstance(value, datetime | date) else None
        elif name == "estimated_close":
            out["estimated_close_time"] = None if value in (None, "") else _close_time(value)
        elif name == "next_action_notes":
            out["next_action_notes"] = None if value is None else text(value)
        elif name == "notes":
            out["opportunity_notes"] = None if value is None else text(value)
        elif name == "status_id":
            if value not in (None, "", 0, "0"):
                raise e.UnsupportedError(
                    "Keap's REST API cannot set an opportunity's status (won or lost). Nothing was saved: "
                    "set the status in Keap, or save the other changes with the status left as it was.")
        elif name == "objection":
            if value not in (None, ""):
                raise e.UnsupportedError(
                    "Keap's REST API cannot write an opportunity's objection. Nothing was saved: enter it "
                    "in Keap, or put it in the opportunity's notes.")
        else:
            raise ValueError(f"an opportunity has no editable attribute {name!r}")
    return out


def stage(j: Json) -> Stage:
    days = number(j.get("target_number_days"))
    order = number(j.get("order"))
    return Stage(rest_id(j.get("id")) or 0, text(j.get("name")), int(order or 0), int(days or 0))


def user(j: Json) -> tuple[int, str]:
    """(id, "First Last"), falling back to the first e-mail address, as XML-RPC's ``User.from_row``."""
    uid = rest_id(j.get("id")) or 0
    name = " ".join(p for p in (text(j.get("given_name")).strip(), text(j.get("family_name")).strip()) if p)
    emails = [x for x in j.get("email_addresses") or [] if isinstance(x, dict)]
    first = next((text(x.get("email")) for x in emails if x.get("field") == "EMAIL1"), "")
    return uid, name or first or f"User {uid}"


# --- orders and invoices ----------------------------------------------------------------------

#: REST ``item_type`` -> XML-RPC ``ItemType`` code (app.core.linked.ITEM_TYPES) [I pairing].
ITEM_TYPE_CODES: dict[str, int] = {
    "SHIPPING": 1, "TAX": 2, "SERVICE": 3, "PRODUCT": 4, "UPSELL": 5, "FINANCE_CHARGE": 6, "DISCOUNT": 7,
    "PROGRAM": 8, "SUBSCRIPTION": 9, "DISCOUNT_FREE_TRIAL": 10, "DISCOUNT_ORDER_TOTAL": 11,
    "DISCOUNT_PRODUCT": 12, "DISCOUNT_PRODUCT_CATEGORY": 13, "DISCOUNT_SHIPPING": 14,
    "OTHER": 3, "FEE": 3, "TIP": 3,
}
_ORDER_TYPES = {"ONLINE": "Online", "OFFLINE": "Offline"}


def _product_id(j: Json) -> int:
    product = j.get("product")
    return (rest_id(product.get("id")) if isinstance(product, dict) else None) or 0


def _quantity(j: Json) -> int:
    qty = number(j.get("quantity"))
    return int(qty) if qty is not None else 1


def order_item(j: Json, order_id: int) -> OrderItem:
    price = exact_money(j.get("price_per_unit"))
    return OrderItem(
        id=rest_id(j.get("id")) or 0, order_id=order_id, name=text(j.get("name")), product_id=_product_id(j),
        qty=_quantity(j), unit_price=cents(price), item_type=ITEM_TYPE_CODES.get(text(j.get("item_type")), 0),
        description=text(j.get("description")), sub_cent=sub_cent(price),
    )


def _invoice_item(j: Json) -> InvoiceItem:
    price = exact_money(j.get("price_per_unit")) or Decimal(0)
    amount = price * _quantity(j)
    if text(j.get("item_type")).startswith("DISCOUNT"):
        amount = -abs(amount)
    label = text(j.get("description")) or text(j.get("name"))
    return InvoiceItem(rest_id(j.get("id")) or 0, cents(amount), label, sub_cent(amount))


def invoice(j: Json) -> Invoice | None:
    """The invoice whose totals the order carries; None for an order without one."""
    invoice_id = rest_id(j.get("invoice_id"))
    if invoice_id is None:
        return None
    contact = part(j, "contact")
    total = exact_money(j.get("total"))
    items = [_invoice_item(i) for i in j.get("order_items") or [] if isinstance(i, dict)]
    return Invoice(
        id=invoice_id, contact_id=rest_id(contact.get("id")) or 0, job_id=rest_id(j.get("id")),
        description=text(j.get("title")), date_created=timestamp(j.get("order_time")), total=cents(total),
        paid=cents(exact_money(j.get("total_paid"))), due=cents(exact_money(j.get("total_due"))),
        pay_status=1 if text(j.get("status")).upper() == "PAID" else 0,
        items=tuple(sorted(items, key=lambda i: i.id)), total_sub_cent=sub_cent(total),
    )


def order(j: Json) -> Order:
    order_id = rest_id(j.get("id")) or 0
    contact = part(j, "contact")
    ordered = timestamp(j.get("order_time"))
    items = [order_item(i, order_id) for i in j.get("order_items") or [] if isinstance(i, dict)]
    kind = text(j.get("order_type"))
    return Order(
        id=order_id, contact_id=rest_id(contact.get("id")) or 0,
        title=text(j.get("title")) or f"Order {order_id}",
        date_created=timestamp(j.get("creation_time")), start_date=ordered.date() if ordered else None,
        status=text(j.get("status")).capitalize(), order_type=_ORDER_TYPES.get(kind.upper(), kind),
        invoice_id=rest_id(j.get("invoice_id")), items=tuple(sorted(items, key=lambda i: i.id)),
        invoice=invoice(j),
    )


def order_item_body(values: Mapping[str, object]) -> Json:
    """Neutral order item attributes (:data:`~app.core.linked.ORDER_ITEM_EDITABLE`) as the
    ``UpdateOrderItemRequest`` properties; the price rounded to cents."""
    out: Json = {}
    for name, value in values.items():
        if name in ("name", "description"):
            out[name] = text(value)
        elif name == "qty":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"the quantity must be a whole number of at least 1 (got {value!r})")
            out["quantity"] = value
        elif name == "unit_price":
            price = _revenue(value)
            if price is None:
                raise ValueError("an order item needs a price")
            out["price_per_unit"] = price
        elif name == "product_id":
            out["product_id"] = _id_text(value, "product")
        else:
            raise ValueError(f"an order item has no editable attribute {name!r}")
    return out


# --- subscriptions ----------------------------------------------------------------------------

#: REST ``billing_cycle`` -> RecurringOrder.BillingCycle code (app.core.linked.BILLING_CYCLES).
BILLING_CYCLE_CODES = {"YEAR": "1", "MONTH": "2", "WEEK": "3", "DAY": "6"}


def subscription_product(j: Json) -> int:
    """The product a subscription bills, as XML-RPC's ``product_of`` picks it."""
    return rest_id(j.get("product_id")) or rest_id(j.get("subscription_plan_id")) or 0


def subscription(j: Json, names: Mapping[int, str]) -> Subscription:
    pid = subscription_product(j)
    amount = number(j.get("billing_amount"))
    cycle = text(j.get("billing_cycle"))
    frequency = number(j.get("billing_frequency"))
    qty = number(j.get("quantity"))
    return Subscription(
        id=rest_id(j.get("id")) or 0, contact_id=rest_id(j.get("contact_id")) or 0,
        name=names.get(pid) or (f"Product {pid}" if pid else "Subscription"), product_id=pid or None,
        status="Active" if j.get("active") else "Inactive", amount=cents(amount),
        qty=int(qty) if qty is not None else 1, billing_cycle=BILLING_CYCLE_CODES.get(cycle.upper(), cycle),
        frequency=int(frequency) if frequency is not None else 1,
        next_bill_date=calendar_date(j.get("next_bill_date")), start_date=calendar_date(j.get("start_date")),
        end_date=calendar_date(j.get("end_date")), reason_stopped=text(j.get("reason_stopped")),
        sub_cent=sub_cent(amount),
    )


# --- contacts, links, e-mail, goals -----------------------------------------------------------

def contact_emails(j: Json) -> dict[str, str]:
    """Non-blank addresses by the app's field name (``Email``, ``EmailAddress2``, ``EmailAddress3``)."""
    out: dict[str, str] = {}
    for item in j.get("email_addresses") or []:
        if isinstance(item, dict) and item.get("field") in EMAIL_SLOTS and text(item.get("email")).strip():
            out[EMAIL_SLOTS[item["field"]]] = text(item["email"]).strip()
    return {f: out[f] for f in EMAIL_SLOTS.values() if f in out}


def contact_ref(j: Json) -> ContactRef:
    company = part(j, "company")
    fields = {"FirstName": j.get("given_name"), "LastName": j.get("family_name"),
              "Email": contact_emails(j).get("Email", ""), "Company": company.get("company_name")}
    return ContactRef.from_fields(rest_id(j.get("id")) or 0, fields)


def link(j: Json, contact_id: int) -> LinkedContact | None:
    a, b = rest_id(j.get("contact1_id")), rest_id(j.get("contact2_id"))
    other = b if a == contact_id else a
    if not other:
        return None
    return LinkedContact(contact_id, other, rest_id(j.get("link_type_id")) or 0)


def link_type(j: Json) -> LinkType:
    type_id = rest_id(j.get("id")) or 0
    limit = number(j.get("max_links"))
    return LinkType(type_id, text(j.get("name")) or f"Type {type_id}", int(limit or 0))


#: REST ``EmailOptStatus`` -> ``getOptStatus`` code; everything else is 0 (not marketable).
OPT_CODES = {"DOUBLE_OPT_IN": 2, "CONFIRMED": 2, "SINGLE_OPT_IN": 1, "UNENGAGED_MARKETABLE": 1}


def opt_code(j: Json) -> int:
    return OPT_CODES.get(text(j.get("status")).upper(), 0)


def goal_result(reply: object, contact_id: int) -> GoalResult:
    """``{results: [{success, message}]}``: completed when any goal was achieved."""
    results = items_of(reply, "results")
    completed = any(bool(r.get("success")) for r in results)
    messages = tuple(text(r.get("message")) for r in results if text(r.get("message")))
    return GoalResult(int(contact_id), completed, messages)
