"""REST v2 JSON <-> the app's record values: the cases the demo account does not hold
(discount lines, other currency formats, blank values, refusals)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.api.cart_images import app_name_of_cart, cart_base_url
from app.api.errors import UnsupportedError
from app.api.rest import record_json as rj
from app.core.dates import EASTERN
from app.core.linked import OrderItem, order_item_changes


@pytest.mark.parametrize(("value", "exact"), [
    ({"amount": 2000, "formatted_amount": "$19.995"}, Decimal("19.995")),  # the sub-cent digits survive
    ({"amount": 123450, "formatted_amount": "$1,234.50"}, Decimal("1234.50")),
    ({"amount": 123450, "formatted_amount": "1.234,50 \u20ac"}, Decimal("1234.50")),  # decimal comma
    ({"amount": -500, "formatted_amount": "-$5.00"}, Decimal("-5.00")),
    ({"amount": 1, "formatted_amount": "$0.005"}, Decimal("0.005")),
    ({"amount": 1999, "formatted_amount": "$42.00"}, Decimal("19.99")),  # disagrees: the cents win
    ({"amount": 1999}, Decimal("19.99")),
    ({"formatted_amount": "$3.333"}, Decimal("3.333")),
])
def test_currency_values_keep_what_keap_stores(value: dict[str, object], exact: Decimal) -> None:
    assert rj.exact_money(value) == exact


def test_missing_money_is_none_and_plain_numbers_round_to_cents() -> None:
    assert rj.exact_money(None) is None and rj.exact_money({}) is None
    assert rj.money_or_none(None) is None and rj.money_or_none(10.005) == Decimal("10.01")


def test_a_discount_line_subtracts_and_a_sub_cent_price_is_flagged() -> None:
    order = {"id": "7", "invoice_id": "70", "status": "PAID", "contact": {"id": "5"}, "title": "T",
             "total": {"amount": 1000, "formatted_amount": "$10.00"},
             "order_items": [
                 {"id": "2", "name": "Promo", "quantity": 1, "item_type": "DISCOUNT_ORDER_TOTAL",
                  "price_per_unit": {"amount": 500, "formatted_amount": "$5.00"}},
                 {"id": "1", "name": "Thing", "quantity": 3, "item_type": "PRODUCT", "product": {"id": "9"},
                  "price_per_unit": {"amount": 500, "formatted_amount": "$4.999"}},
             ]}
    got = rj.order(order)
    assert [(i.id, i.item_type, i.unit_price, i.sub_cent, i.product_id) for i in got.items] == [
        (1, 4, Decimal("5.00"), True, 9), (2, 11, Decimal("5.00"), False, 0)]
    assert got.status == "Paid" and got.invoice is not None and got.invoice.pay_status == 1
    assert [(i.id, i.amount, i.sub_cent) for i in got.invoice.items] == [
        (1, Decimal("15.00"), True), (2, Decimal("-5.00"), False)]  # 3 x 4.999 = 14.997
    assert rj.invoice({"id": "8"}) is None  # an order without an invoice has none


def test_opportunity_json_both_ways() -> None:
    assert rj.opportunity({"id": "1", "stage": {"id": "8"}}).status_id == 0  # no status: open
    opp = rj.opportunity({
        "id": "12", "contact": {"id": "5"}, "stage": {"id": "0"}, "opportunity_title": "Deal",
        "status": "Won", "next_action_time": "2026-03-08T07:30:00.000Z", "estimated_close_time":
        "2026-02-06T00:00:00.000Z", "projected_revenue_low": 0})
    assert (opp.id, opp.contact_id, opp.stage_id, opp.status_id, opp.user_id) == (12, 5, None, 1, None)
    assert opp.next_action_date == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert opp.next_action_date is not None and opp.next_action_date.tzinfo == EASTERN
    assert opp.estimated_close == date(2026, 2, 6) and opp.revenue_low == Decimal("0.00")
    assert opp.revenue_high is None and opp.notes == "" and opp.last_updated is None

    body = rj.opportunity_body({
        "title": "Deal", "stage_id": 8, "user_id": None, "revenue_low": Decimal("10.005"), "revenue_high": "",
        "next_action_date": datetime(2026, 7, 1, 9, 0, tzinfo=EASTERN), "estimated_close": date(2026, 1, 31),
        "notes": None, "next_action_notes": "Call", "status_id": 0, "objection": ""})
    assert body == {"opportunity_title": "Deal", "stage_id": "8", "user_id": None,
                    "projected_revenue_low": 10.01, "projected_revenue_high": None,
                    "next_action_time": "2026-07-01T13:00:00.000Z",
                    "estimated_close_time": "2026-01-31T00:00:00.000Z", "opportunity_notes": None,
                    "next_action_notes": "Call"}
    with pytest.raises(UnsupportedError, match="status"):
        rj.opportunity_body({"status_id": 2})
    with pytest.raises(UnsupportedError, match="objection"):
        rj.opportunity_body({"objection": "Price"})
    with pytest.raises(ValueError, match="no editable attribute"):
        rj.opportunity_body({"DateCreated": "x"})


def test_order_item_writes_are_checked_and_rounded() -> None:
    old = OrderItem(3, 7, "Thing", product_id=9, qty=2, unit_price=Decimal("5.00"), sub_cent=False)
    changes = order_item_changes(old, {"qty": 2, "unit_price": "4.999", "name": "Thing", "product_id": ""})
    assert changes == {"product_id": 0}  # 4.999 is saved as 5.00: no change
    changes = order_item_changes(old, {"unit_price": Decimal("7.125"), "description": "Big"})
    assert changes == {"unit_price": Decimal("7.13"), "description": "Big"}
    assert rj.order_item_body({**changes, "qty": 3, "product_id": 0}) == {
        "price_per_unit": 7.13, "description": "Big", "quantity": 3, "product_id": None}
    for bad in ({"qty": 0}, {"qty": 1.5}, {"unit_price": "abc"}, {"price": 1}, {"product_id": "x"}):
        with pytest.raises(ValueError):
            order_item_changes(old, bad)


@pytest.mark.parametrize(("status", "code"), [
    ("DOUBLE_OPT_IN", 2), ("CONFIRMED", 2), ("SINGLE_OPT_IN", 1), ("UNENGAGED_MARKETABLE", 1),
    ("UNENGAGED_NON_MARKETABLE", 0), ("ADMIN", 0), ("HARD_BOUNCE", 0), ("LIST_UNSUBSCRIBE", 0), ("", 0),
])
def test_email_status_codes(status: str, code: int) -> None:
    assert rj.opt_code({"status": status}) == code


def test_subscription_cycles_and_users() -> None:
    sub = rj.subscription({"id": "4", "contact_id": "5", "product_id": "9", "active": False,
                           "billing_amount": 33.333, "billing_cycle": "WEEK", "billing_frequency": 2,
                           "start_date": "2026-01-31"}, {9: "Plan"})
    assert (sub.name, sub.status, sub.amount, sub.sub_cent, sub.cycle_text, sub.start_date) == (
        "Plan", "Inactive", Decimal("33.33"), True, "Every 2 weeks", date(2026, 1, 31))
    assert rj.user({"id": "3", "email_addresses": [{"email": "a@b.example", "field": "EMAIL1"}]}) == (
        3, "a@b.example")
    assert rj.goal_result({"results": [{"success": False, "message": "No goal found"}]}, 5).text == (
        "Not completed: No goal found")


def test_the_app_name_a_cart_url_implies() -> None:
    assert app_name_of_cart("https://ab123.infusionsoft.com") == "ab123"
    assert app_name_of_cart("https://ab123.keap.app/") == "ab123"
    assert app_name_of_cart("http://127.0.0.1:5000") is None and app_name_of_cart(None) is None
    assert app_name_of_cart("https://x.y.infusionsoft.com") is None
    assert cart_base_url("https://api.keap.com/crm") is None  # the shared host needs the app name
