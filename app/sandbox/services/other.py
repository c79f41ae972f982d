"""APIEmailService (opt-in status), FunnelService (API goals) and InvoiceService (orders).

Money follows the gotcha Keap users hit: invoice totals are kept unrounded while
payments are taken in whole cents (rounded down) [I], so items priced with more than
two decimals leave ``TotalDue > 0`` and ``PayStatus = 0`` after paying what is owed.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from app.sandbox import errors
from app.sandbox.services.base import Context, rpc
from app.sandbox.services.contact import _require
from app.sandbox.store import Store
from app.sandbox.values import check_latin1, fmt, now_eastern

#: Email statuses and what getOptStatus reports for them (0 out/bounced/non-marketable).
OPT_STATUS = {"single": 1, "double": 2}
#: addOrderItem types that subtract from the total (specials) [R:forum-addorderitem].
SPECIAL_ITEM_TYPES = frozenset({7, 10, 11, 12, 13, 14})


def _known_address(store: Store, email: str) -> bool:
    return (
        store.scalar(
            'SELECT 1 FROM "Contact" WHERE Email = ? OR EmailAddress2 = ? OR EmailAddress3 = ? LIMIT 1',
            (email, email, email),
        )
        is not None
    )


def _set_status(store: Store, email: str, status: str, reason: str) -> None:
    store.conn.execute(
        'INSERT OR REPLACE INTO "_EmailStatus" (Email, Status, Reason, DateChanged) VALUES (?, ?, ?, ?)',
        (email, status, reason, now_eastern()),
    )


@rpc("APIEmailService.optIn", ("string", "string"), writes=True)
def opt_in(ctx: Context, email: str, reason: str) -> bool:
    """Works once; an address that opted out (or bounced) cannot be opted in again: False."""
    check_latin1(email)
    check_latin1(reason)
    store = ctx.store
    with store.tx():
        status = store.email_status(email)
        if status is None and not _known_address(store, email):
            return False
        if status in ("optout", "bounce"):
            return False
        if status not in OPT_STATUS:
            _set_status(store, email, "single", reason or "API Opt In")
    return True


@rpc("APIEmailService.optOut", ("string", "string"), writes=True)
def opt_out(ctx: Context, email: str, reason: str) -> bool:
    check_latin1(email)
    check_latin1(reason)
    store = ctx.store
    with store.tx():
        if store.email_status(email) is None and not _known_address(store, email):
            return False
        _set_status(store, email, "optout", reason or "API Opt Out")
    return True


@rpc("APIEmailService.getOptStatus", ("string",))
def get_opt_status(ctx: Context, email: str) -> int:
    """0 = opted out / bounced / non-marketable, 1 = single opt-in, 2 = double opt-in."""
    check_latin1(email)
    return OPT_STATUS.get(ctx.store.email_status(email) or "", 0)


@rpc("FunnelService.achieveGoal", ("string", "string", "int"), writes=True)
def achieve_goal(ctx: Context, integration: str, call_name: str, contact_id: int) -> list[dict[str, Any]]:
    """Completes the goals whose integration and call name both match (exact case) [I].

    Result layout [I]: one ``{"success": bool, "msg": str}`` per goal; a single failure
    struct when no goal matches or the contact does not exist.
    """
    check_latin1(integration)
    check_latin1(call_name)
    store = ctx.store
    with store.tx():
        if not store.exists("Contact", contact_id):
            return [{"success": False, "msg": f"Contact {contact_id} was not found"}]
        goals = store.conn.execute(
            'SELECT Id, Name FROM "_Goal" WHERE Integration = ? AND CallName = ? ORDER BY Id',
            (integration, call_name),
        ).fetchall()
        if not goals:
            return [
                {
                    "success": False,
                    "msg": f"No goal found for integration {integration} and call name {call_name}",
                }
            ]
        out: list[dict[str, Any]] = []
        for goal_id, name in goals:
            store.conn.execute(
                'INSERT INTO "_GoalAchieved" (GoalId, Integration, CallName, ContactId, DateCreated) '
                "VALUES (?, ?, ?, ?, ?)",
                (goal_id, integration, call_name, contact_id, now_eastern()),
            )
            out.append({"success": True, "msg": f"Goal {name} achieved for contact {contact_id}"})
    return out


def recalculate(store: Store, invoice_id: int) -> None:
    """Totals kept unrounded; due = total - paid; paid only when nothing is due."""
    total = store.scalar(
        'SELECT COALESCE(SUM(InvoiceAmt), 0) FROM "InvoiceItem" WHERE InvoiceId = ?', (invoice_id,)
    )
    paid = store.scalar('SELECT COALESCE(TotalPaid, 0) FROM "Invoice" WHERE Id = ?', (invoice_id,))
    total = round(float(total), 6)
    due = round(total - float(paid), 6)
    products = [
        str(r[0])
        for r in store.conn.execute(
            'SELECT DISTINCT o.ProductId FROM "OrderItem" o JOIN "InvoiceItem" i ON i.OrderItemId = o.Id '
            "WHERE i.InvoiceId = ? AND o.ProductId > 0 ORDER BY o.ProductId",
            (invoice_id,),
        )
    ]
    store.update_row(
        "Invoice",
        invoice_id,
        {
            "InvoiceTotal": total,
            "TotalDue": due,
            "PayStatus": 1 if due <= 0 else 0,
            "ProductSold": ",".join(products),
            "LastUpdated": now_eastern(),
        },
    )


def cents_down(amount: float) -> float:
    """A payment in whole cents, rounded down [I]."""
    return float(Decimal(repr(round(amount, 6))).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


@rpc("InvoiceService.createBlankOrder", ("int", "string", "dateTime", "int", "int"), writes=True)
def create_blank_order(
    ctx: Context, contact_id: int, description: str, order_date: _dt.datetime, lead_aff: int, sale_aff: int
) -> int:
    """Creates the order (Job) and its Invoice; returns the invoice Id."""
    check_latin1(description)
    store = ctx.store
    now = now_eastern()
    when = fmt(order_date)
    with store.tx():
        _require(store, "Contact", contact_id)
        job_id = store.insert(
            "Job",
            {
                "JobTitle": description,
                "ContactId": contact_id,
                "StartDate": when[:10] + " 00:00:00",
                "DateCreated": now,
                "LastUpdated": now,
                "OrderType": "Offline",
                "OrderStatus": 0,
            },
        )
        invoice_id = store.insert(
            "Invoice",
            {
                "ContactId": contact_id,
                "JobId": job_id,
                "DateCreated": when,
                "Description": description,
                "InvoiceTotal": 0.0,
                "TotalPaid": 0.0,
                "TotalDue": 0.0,
                "PayStatus": 1,
                "CreditStatus": 0,
                "RefundStatus": 0,
                "PayPlanStatus": 0,
                "AffiliateId": sale_aff,
                "LeadAffiliateId": lead_aff,
                "InvoiceType": "Offline",
                "ProductSold": "",
                "Synced": 0,
                "LastUpdated": now,
            },
        )
        store.update_row("Job", job_id, {"InvoiceId": invoice_id})
    return invoice_id


@rpc("InvoiceService.addOrderItem", ("int", "int", "int", "double", "int", "string", "string"), writes=True)
def add_order_item(
    ctx: Context,
    invoice_id: int,
    product_id: int,
    item_type: int,
    price: float,
    qty: int,
    description: str,
    notes: str,
) -> bool:
    """Creates an OrderItem and its InvoiceItem; the invoice total stays unrounded."""
    check_latin1(description)
    check_latin1(notes)
    if not 1 <= item_type <= 14:
        raise errors.invalid_parameter(f"Unknown order item type: {item_type}")
    store = ctx.store
    with store.tx():
        _require(store, "Invoice", invoice_id)
        name = description
        if product_id:
            _require(store, "Product", product_id)
            name = str(store.scalar('SELECT ProductName FROM "Product" WHERE Id = ?', (product_id,)) or "")
        job_id = store.scalar('SELECT JobId FROM "Invoice" WHERE Id = ?', (invoice_id,))
        amount = float(price) * qty
        if item_type in SPECIAL_ITEM_TYPES:
            amount = -abs(amount)
        item_id = store.insert(
            "OrderItem",
            {
                "OrderId": job_id,
                "ProductId": product_id,
                "ItemName": name,
                "Qty": qty,
                "CPU": 0.0,
                "PPU": float(price),
                "ItemDescription": description,
                "ItemType": item_type,
                "Notes": notes,
            },
        )
        line_id = store.insert(
            "InvoiceItem",
            {
                "InvoiceId": invoice_id,
                "InvoiceAmt": amount,
                "Discount": 0.0,
                "DateCreated": now_eastern(),
                "Description": description or name,
                "CommissionStatus": 0,
                "OrderItemId": item_id,
            },
        )
        store.update_row("OrderItem", item_id, {"InvoiceItemId": line_id})
        recalculate(store, invoice_id)
    return True


@rpc("InvoiceService.calculateAmountOwed", ("int",))
def calculate_amount_owed(ctx: Context, invoice_id: int) -> float:
    with ctx.store.lock:
        _require(ctx.store, "Invoice", invoice_id)
        return float(
            ctx.store.scalar('SELECT COALESCE(TotalDue, 0) FROM "Invoice" WHERE Id = ?', (invoice_id,))
        )


@rpc(
    "InvoiceService.addManualPayment",
    ("int", "double", "dateTime", "string", "string", "boolean"),
    writes=True,
)
def add_manual_payment(
    ctx: Context,
    invoice_id: int,
    amount: float,
    when: _dt.datetime,
    kind: str,
    description: str,
    bypass_commissions: bool,
) -> bool:
    """Payments are taken in whole cents, rounded down [I]."""
    check_latin1(kind)
    check_latin1(description)
    store = ctx.store
    with store.tx():
        _require(store, "Invoice", invoice_id)
        paid = float(store.scalar('SELECT COALESCE(TotalPaid, 0) FROM "Invoice" WHERE Id = ?', (invoice_id,)))
        store.update_row("Invoice", invoice_id, {"TotalPaid": round(paid + cents_down(float(amount)), 2)})
        recalculate(store, invoice_id)
    return True
