"""REST v2 orders (``Job`` with its ``Invoice``) and order items (``OrderItem`` + ``InvoiceItem``).

Verified [V] (spec / SDK 2.0.26): ``GET /orders`` (``ListOrders``; filters ``id`` with
``== != < <= > >=``, ``ids``, ``product_id``, ``contact_id``, ``invoice_id``, ``invoice_xid``,
``paid``, ``created_since/until_time``, ``modified_since/until_time``, ``title*``, ``order_type``
ONLINE|OFFLINE, ``shipping_locality``, ``shipping_region_code``, ``shipping_postal_code``,
``shipping_country_code``, custom fields; order_by ``id``, ``order_time``,
``modification_time``), ``GET /orders/{order_id}`` (``OrderV2`` with ``order_items`` embedded;
``total``, ``total_paid``, ``total_due``, ``refund_total`` and item prices are
``CurrencyValue``; ``status`` DRAFT|SENT|VIEWED|PAID), and items: ``POST /orders/{id}/items``
(201, ``quantity`` required), ``GET``/``PATCH`` (``update_mask`` over name, description, notes,
quantity, price_per_unit, cost_per_unit, product_id, subscription_plan_id,
subscription_plan_description) and ``DELETE`` (204) ``/orders/{id}/items/{item_id}``, each
answering ``OrderItem``. Order items are editable over REST, unlike XML-RPC.

Sandbox choices [I]:
- Totals come from the invoice, unrounded as Keap keeps them; ``amount`` is in cents rounded
  half-up and ``formatted_amount`` shows sub-cent digits (``$19.995``; see record_common), so
  an order 0.005 short of paid answers ``total_due`` ``{amount: 1, formatted_amount: "$0.005"}``.
- ``status`` is PAID when the invoice's ``PayStatus`` is 1, otherwise DRAFT (the sandbox records
  no sending or viewing). ``order_time`` is the invoice date (``createBlankOrder``'s order date),
  else the job's start date. ``invoice_number`` is the invoice id. ``refund_total`` is 0.
- ``invoice_xid`` is accepted and matches nothing (the sandbox's invoices have no external id);
  ``product_id`` matches orders with an item of that product; ``paid`` is ``PayStatus == 1``;
  ``shipping_region_code`` takes ``MA`` or ``US-MA``; ``shipping_country_code`` takes the alpha-3
  code of the stored country name.
- Item types map to the XML-RPC ``addOrderItem`` codes (1 SHIPPING, 2 TAX, 3 SERVICE, 4 PRODUCT,
  5 UPSELL, 6 FINANCE_CHARGE, 7 DISCOUNT, 8 PROGRAM, 9 SUBSCRIPTION, 10..14 the DISCOUNT_* kinds);
  created OTHER and FEE items are stored as 3 (Service & Misc). Discounts subtract from the total.
- An item write updates the ``OrderItem`` row and its ``InvoiceItem`` amount, then recomputes
  the invoice with the XML-RPC side's ``recalculate`` (so ``DataService.query`` sees it at once).
  Writing items of a fully paid order (``PayStatus`` 1 with a payment recorded), or a change that
  would bring the total below what was paid, is refused with **409**. A new item without a
  price takes the product's price; a changed product without a new name takes its name.
  ``subscription_plan_description`` is accepted and not stored.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.conventions import (
    COMPARE_NE,
    FilterField,
    Reply,
    Request,
    check_text,
    compile_filter,
    int_id,
    iso_time,
    order_of,
    page_of,
)
from app.sandbox.rest.errors import bad_request, conflict, not_found
from app.sandbox.rest.record_common import (
    COUNTRY_NAMES,
    address_out,
    check_props,
    constant_field,
    custom_filter,
    custom_values,
    fetch,
    fetch_one,
    flag_field,
    money,
    nonzero,
    opt_int,
    opt_number,
    opt_str,
    page_rows,
    patch_values,
    text,
)
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services.other import SPECIAL_ITEM_TYPES, recalculate
from app.sandbox.store import Store
from app.sandbox.values import now_eastern

ITEM_TYPES = {
    1: "SHIPPING", 2: "TAX", 3: "SERVICE", 4: "PRODUCT", 5: "UPSELL", 6: "FINANCE_CHARGE",
    7: "DISCOUNT", 8: "PROGRAM", 9: "SUBSCRIPTION", 10: "DISCOUNT_FREE_TRIAL",
    11: "DISCOUNT_ORDER_TOTAL", 12: "DISCOUNT_PRODUCT", 13: "DISCOUNT_PRODUCT_CATEGORY",
    14: "DISCOUNT_SHIPPING",
}
#: CreateOrderItemRequest.item_type -> addOrderItem code.
CREATE_TYPES = {
    "PRODUCT": 4, "SHIPPING": 1, "TAX": 2, "FINANCE_CHARGE": 6, "SUBSCRIPTION": 9, "DISCOUNT": 7,
    "DISCOUNT_FREE_TRIAL": 10, "DISCOUNT_ORDER_TOTAL": 11, "DISCOUNT_PRODUCT": 12,
    "DISCOUNT_PRODUCT_CATEGORY": 13, "DISCOUNT_SHIPPING": 14, "OTHER": 3, "FEE": 3,
}
ITEM_FIELDS = frozenset({
    "name", "description", "notes", "quantity", "price_per_unit", "cost_per_unit", "product_id",
    "subscription_plan_id", "subscription_plan_description",
})

_SELECT = (
    "SELECT j.*, i.Id AS i_Id, i.InvoiceTotal AS i_Total, i.TotalPaid AS i_Paid, "
    "i.TotalDue AS i_Due, i.PayStatus AS i_PayStatus, i.DateCreated AS i_Date, "
    "i.AffiliateId AS i_Aff, i.LeadAffiliateId AS i_LeadAff, i.PromoCode AS i_Promo, "
    "i.Synced AS i_Synced, c.Email AS c_Email, c.FirstName AS c_FirstName, c.LastName AS c_LastName "
    'FROM "Job" j LEFT JOIN "Invoice" i ON i.Id = j.InvoiceId LEFT JOIN "Contact" c ON c.Id = j.ContactId'
)
_ITEM_SELECT = (
    "SELECT oi.*, p.ProductName AS p_Name, p.Sku AS p_Sku, p.ShortDescription AS p_Desc, "
    "p.Shippable AS p_Ship, p.Taxable AS p_Tax, ii.Discount AS ii_Discount "
    'FROM "OrderItem" oi LEFT JOIN "Product" p ON p.Id = oi.ProductId '
    'LEFT JOIN "InvoiceItem" ii ON ii.Id = oi.InvoiceItemId'
)


def _has_product(op: str, value: str) -> tuple[str, list[Any]]:
    return ('EXISTS (SELECT 1 FROM "OrderItem" f WHERE f.OrderId = j.Id AND f.ProductId = ?)',
            [int_id(value, "product_id")])


def _region(op: str, value: str) -> tuple[str, list[Any]]:
    check_text(value, "shipping_region_code")
    return "(j.ShipState = ? OR j.ShipState = ?)", [value, value.split("-", 1)[-1]]


def _country(op: str, value: str) -> tuple[str, list[Any]]:
    check_text(value, "shipping_country_code")
    return "(j.ShipCountry = ? OR j.ShipCountry = ?)", [value, COUNTRY_NAMES.get(value.upper(), value)]


FILTERS = {
    "id": FilterField("j.Id", "int", ops=COMPARE_NE),
    "ids": FilterField("j.Id", "set"),
    "product_id": FilterField("j.Id", "custom", build=_has_product),
    "contact_id": FilterField("j.ContactId", "int"),
    "invoice_id": FilterField("j.InvoiceId", "int"),
    "invoice_xid": constant_field("0"),
    "paid": flag_field("i.PayStatus = 1", "COALESCE(i.PayStatus, 0) <> 1"),
    "created_since_time": FilterField("j.DateCreated", "time", bound=">="),
    "created_until_time": FilterField("j.DateCreated", "time", bound="<="),
    "modified_since_time": FilterField("j.LastUpdated", "time", bound=">="),
    "modified_until_time": FilterField("j.LastUpdated", "time", bound="<="),
    "title": FilterField("j.JobTitle", wildcard=True),
    "order_type": FilterField("j.OrderType", "enum", choices=frozenset({"ONLINE", "OFFLINE"})),
    "shipping_locality": FilterField("j.ShipCity"),
    "shipping_region_code": FilterField("j.ShipState", "custom", build=_region),
    "shipping_postal_code": FilterField("j.ShipZip"),
    "shipping_country_code": FilterField("j.ShipCountry", "custom", build=_country),
}
ORDER = {
    "id": "j.Id",
    "order_time": "COALESCE(i.DateCreated, j.StartDate)",
    "modification_time": "j.LastUpdated",
}


# --- reading ----------------------------------------------------------------------------------


def _item(row: dict[str, Any]) -> dict[str, Any]:
    product = None
    if row.get("ProductId"):
        product = {
            "id": str(row["ProductId"]),
            "name": text(row.get("p_Name")),
            "sku": text(row.get("p_Sku")),
            "description": text(row.get("p_Desc")),
            "shippable": None if row.get("p_Ship") is None else bool(row["p_Ship"]),
            "taxable": None if row.get("p_Tax") is None else bool(row["p_Tax"]),
        }
        product = {k: v for k, v in product.items() if v is not None}
    item = {
        "id": str(row["Id"]),
        "name": text(row.get("ItemName")),
        "description": text(row.get("ItemDescription")),
        "notes": text(row.get("Notes")),
        "quantity": int(row.get("Qty") or 0),
        "item_type": ITEM_TYPES.get(int(row.get("ItemType") or 0), "UNKNOWN"),
        "price_per_unit": money(row.get("PPU")),
        "cost_per_unit": money(row.get("CPU")),
        "discount": money(row["ii_Discount"]) if row.get("ii_Discount") else None,
        "product": product,
    }
    return {k: v for k, v in item.items() if v is not None}


def _items_of(store: Store, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return out
    marks = ", ".join("?" for _ in order_ids)
    for row in fetch(store, f"{_ITEM_SELECT} WHERE oi.OrderId IN ({marks}) ORDER BY oi.OrderId, oi.Id",
                     order_ids):
        out[int(row["OrderId"])].append(_item(row))
    return out


def _order(ctx: RestContext, row: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    contact = {"id": nonzero(row.get("ContactId")), "email": text(row.get("c_Email")),
               "given_name": text(row.get("c_FirstName")), "family_name": text(row.get("c_LastName"))}
    shipping = {
        "given_name": text(row.get("ShipFirstName")),
        "family_name": text(row.get("ShipLastName")),
        "company": text(row.get("ShipCompany")),
        "phone_number": text(row.get("ShipPhone")),
        "address": address_out(
            "SHIPPING", line1=row.get("ShipStreet1"), line2=row.get("ShipStreet2"),
            locality=row.get("ShipCity"), region=row.get("ShipState"), postal_code=row.get("ShipZip"),
            country=row.get("ShipCountry"),
        ),
    }
    order_type = str(row.get("OrderType") or "").upper()
    has_invoice = row.get("i_Id") is not None
    item = {
        "id": str(row["Id"]),
        "title": text(row.get("JobTitle")),
        "status": "PAID" if row.get("i_PayStatus") == 1 else "DRAFT",
        "total": money(row.get("i_Total")),
        "total_paid": money(row.get("i_Paid")),
        "total_due": money(row.get("i_Due")),
        "refund_total": money(0),
        "contact": {k: v for k, v in contact.items() if v is not None},
        "notes": text(row.get("JobNotes")),
        "order_type": order_type if order_type in ("ONLINE", "OFFLINE") else None,
        "creation_time": iso_time(row.get("DateCreated")),
        "modification_time": iso_time(row.get("LastUpdated")),
        "order_time": iso_time(row.get("i_Date") or row.get("StartDate")),
        "due_time": iso_time(row.get("DueDate")),
        "lead_affiliate_id": nonzero(row.get("i_LeadAff")),
        "sales_affiliate_id": nonzero(row.get("i_Aff")),
        "shipping_information": ({k: v for k, v in shipping.items() if v is not None}
                                 if any(shipping.values()) else None),
        "order_items": items,
        "invoice_id": nonzero(row.get("i_Id")),
        "invoice_number": nonzero(row.get("i_Id")),
        "promo_code": text(row.get("i_Promo")),
        "synced": bool(row.get("i_Synced")) if has_invoice else None,
        "allow_payment": (row.get("i_PayStatus") != 1) if has_invoice else None,
        "custom_fields": custom_values(ctx.store, "Job", row),
    }
    return {k: v for k, v in item.items() if v is not None}


def _order_row(ctx: RestContext, order_id: int) -> dict[str, Any]:
    row = fetch_one(ctx.store, f"{_SELECT} WHERE j.Id = ?", [order_id])
    if row is None:
        raise not_found("Order", order_id)
    return row


def _item_row(ctx: RestContext, order_id: int, item_id: int) -> dict[str, Any]:
    if not ctx.store.exists("Job", order_id):
        raise not_found("Order", order_id)
    row = fetch_one(ctx.store, f"{_ITEM_SELECT} WHERE oi.Id = ? AND oi.OrderId = ?", [item_id, order_id])
    if row is None:
        raise not_found("OrderItem", item_id)
    return row


@route("/orders", "GET")
def list_orders(ctx: RestContext, req: Request) -> dict[str, Any]:
    page = page_of(req)
    where, params = compile_filter(req.param("filter"), FILTERS, extra=custom_filter(ctx.store, "Job", "j"))
    order = order_of(req, ORDER, "j.Id")
    rows, token = page_rows(ctx.store, _SELECT, where, params, order, page)
    items = _items_of(ctx.store, [int(r["Id"]) for r in rows])
    return {"orders": [_order(ctx, r, items[int(r["Id"])]) for r in rows], "next_page_token": token}


@route("/orders/<order_id>", "GET")
def get_order(ctx: RestContext, req: Request, order_id: str) -> dict[str, Any]:
    oid = int_id(order_id, "order_id")
    row = _order_row(ctx, oid)
    return _order(ctx, row, _items_of(ctx.store, [oid])[oid])


@route("/orders/<order_id>/items/<item_id>", "GET")
def get_order_item(ctx: RestContext, req: Request, order_id: str, item_id: str) -> dict[str, Any]:
    return _item(_item_row(ctx, int_id(order_id, "order_id"), int_id(item_id, "order_item_id")))


# --- item writes ------------------------------------------------------------------------------


def _invoice_of(ctx: RestContext, order_id: int) -> dict[str, Any]:
    """The order's invoice, after the checks every item write makes (404, 409)."""
    row = _order_row(ctx, order_id)
    if row.get("i_Id") is None:
        raise conflict(f"Order {order_id} has no invoice, so its items cannot be changed")
    if row.get("i_PayStatus") == 1 and float(row.get("i_Paid") or 0) > 0:
        raise conflict(f"Order {order_id} is paid in full; its items cannot be changed")
    return row


def _line_amount(price: float, qty: int, item_type: int) -> float:
    amount = float(price) * qty
    return -abs(amount) if item_type in SPECIAL_ITEM_TYPES else amount


def _settle(ctx: RestContext, order: dict[str, Any], old_amount: float, new_amount: float) -> None:
    """Refuse a change that leaves the total below what was paid; recompute the invoice."""
    store = ctx.store
    invoice_id = int(order["i_Id"])
    paid = float(order.get("i_Paid") or 0)
    total = float(order.get("i_Total") or 0) - old_amount + new_amount
    if paid > 0 and round(total, 6) < paid:
        raise conflict(f"The change would bring the order's total ({total:.2f}) below what was paid "
                       f"({paid:.2f})")
    recalculate(store, invoice_id)
    store.update_row("Job", int(order["Id"]), {"LastUpdated": now_eastern()})


def _product(ctx: RestContext, value: Any) -> dict[str, Any] | None:
    if value in (None, "", 0, "0"):
        return None
    pid = int_id(value, "product_id")
    row = fetch_one(ctx.store, 'SELECT Id, ProductName, ProductPrice FROM "Product" WHERE Id = ?', [pid])
    if row is None:
        raise bad_request(f"product_id {pid} does not exist")
    return row


@route("/orders/<order_id>/items", "POST")
def create_order_item(ctx: RestContext, req: Request, order_id: str) -> Reply:
    oid = int_id(order_id, "order_id")
    body = req.json()
    check_props(body, ITEM_FIELDS | {"item_type"}, "OrderItem")
    qty = opt_int(body, "quantity", minimum=1)
    if qty is None:
        raise bad_request("quantity is required")
    product = _product(ctx, body.get("product_id"))
    kind = opt_str(body, "item_type") or ("PRODUCT" if product else "OTHER")
    if kind not in CREATE_TYPES:
        raise bad_request(f"item_type must be one of {', '.join(sorted(CREATE_TYPES))}")
    code = CREATE_TYPES[kind]
    price = opt_number(body, "price_per_unit")
    if price is None:
        price = float(product["ProductPrice"] or 0) if product else 0.0
    description = opt_str(body, "description") or ""
    name = opt_str(body, "name") or (str(product["ProductName"]) if product else description)
    store = ctx.store
    with store.tx():
        order = _invoice_of(ctx, oid)
        amount = _line_amount(price, qty, code)
        item_id = store.insert("OrderItem", {
            "OrderId": oid, "ProductId": int(product["Id"]) if product else 0, "ItemName": name,
            "Qty": qty, "CPU": opt_number(body, "cost_per_unit") or 0.0, "PPU": price,
            "ItemDescription": description, "ItemType": code, "Notes": opt_str(body, "notes") or "",
            "SubscriptionPlanId": int_id(body["subscription_plan_id"], "subscription_plan_id")
            if body.get("subscription_plan_id") else None,
        })
        line_id = store.insert("InvoiceItem", {
            "InvoiceId": int(order["i_Id"]), "InvoiceAmt": amount, "Discount": 0.0,
            "DateCreated": now_eastern(), "Description": description or name, "CommissionStatus": 0,
            "OrderItemId": item_id,
        })
        store.update_row("OrderItem", item_id, {"InvoiceItemId": line_id})
        _settle(ctx, order, 0.0, amount)
    return Reply(201, _item(_item_row(ctx, oid, item_id)))


@route("/orders/<order_id>/items/<item_id>", "PATCH")
def update_order_item(ctx: RestContext, req: Request, order_id: str, item_id: str) -> dict[str, Any]:
    oid, iid = int_id(order_id, "order_id"), int_id(item_id, "order_item_id")
    current = _item_row(ctx, oid, iid)
    props = patch_values(req, req.json(), ITEM_FIELDS, "OrderItem")
    values: dict[str, Any] = {}
    for key, column in (("name", "ItemName"), ("description", "ItemDescription"), ("notes", "Notes")):
        if key in props:
            values[column] = opt_str(props, key) or ""
    if "quantity" in props:
        qty = opt_int(props, "quantity", minimum=1)
        if qty is None:
            raise bad_request("quantity cannot be cleared")
        values["Qty"] = qty
    for key, column in (("price_per_unit", "PPU"), ("cost_per_unit", "CPU")):
        if key in props:
            values[column] = opt_number(props, key) or 0.0
    if "product_id" in props:
        product = _product(ctx, props["product_id"])
        values["ProductId"] = int(product["Id"]) if product else 0
        if product and "name" not in props:
            values["ItemName"] = product["ProductName"]
    if "subscription_plan_id" in props:
        plan = props["subscription_plan_id"]
        values["SubscriptionPlanId"] = int_id(plan, "subscription_plan_id") if plan else None
    if not values:
        return _item(current)
    store = ctx.store
    with store.tx():
        order = _invoice_of(ctx, oid)
        merged = {**current, **values}
        code = int(merged.get("ItemType") or 0)
        new_amount = _line_amount(float(merged.get("PPU") or 0), int(merged.get("Qty") or 0), code)
        line = store.row("InvoiceItem", int(current["InvoiceItemId"] or 0))
        store.update_row("OrderItem", iid, values)
        line_values = {"InvoiceAmt": new_amount,
                       "Description": merged.get("ItemDescription") or merged.get("ItemName") or ""}
        if line is None:
            line_id = store.insert("InvoiceItem", {
                **line_values, "InvoiceId": int(order["i_Id"]), "Discount": 0.0,
                "DateCreated": now_eastern(), "CommissionStatus": 0, "OrderItemId": iid,
            })
            store.update_row("OrderItem", iid, {"InvoiceItemId": line_id})
        else:
            store.update_row("InvoiceItem", int(line["Id"]), line_values)
        _settle(ctx, order, float(line["InvoiceAmt"] or 0) if line else 0.0, new_amount)
    return _item(_item_row(ctx, oid, iid))


@route("/orders/<order_id>/items/<item_id>", "DELETE")
def delete_order_item(ctx: RestContext, req: Request, order_id: str, item_id: str) -> Reply:
    oid, iid = int_id(order_id, "order_id"), int_id(item_id, "order_item_id")
    current = _item_row(ctx, oid, iid)
    store = ctx.store
    with store.tx():
        order = _invoice_of(ctx, oid)
        line = store.row("InvoiceItem", int(current["InvoiceItemId"] or 0))
        store.delete_row("OrderItem", iid)
        if line is not None:
            store.delete_row("InvoiceItem", int(line["Id"]))
        _settle(ctx, order, float(line["InvoiceAmt"] or 0) if line else 0.0, 0.0)
    return Reply(204)
