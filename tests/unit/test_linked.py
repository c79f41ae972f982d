"""Linked-record values: images by their bytes, cents and flags, words for codes, edits as diffs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.core.linked import (
    ContactRef,
    EmailStatus,
    GoalResult,
    Invoice,
    InvoiceItem,
    Opportunity,
    OpportunityDraft,
    OrderItem,
    Subscription,
    cents,
    sniff_image,
    sub_cent,
)


@pytest.mark.parametrize(("data", "kind"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (b"\xff\xd8\xff\xdb", "jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"GIF89a\x01\x00", "gif"),
    (b"GIF87a", "gif"),
    (b"<html><body>404</body></html>", None),
    (b"", None),
    (b"\xff\xd8", None),  # too short to be sure
    (b"RIFF....WEBP", None),
])
def test_images_are_recognised_by_their_bytes(data: bytes, kind: str | None) -> None:
    assert sniff_image(data) == kind


def test_money_is_rounded_to_cents_and_fractions_flagged() -> None:
    assert cents(19.995) == Decimal("20.00") and sub_cent(19.995)
    assert cents(None) == Decimal("0.00") and not sub_cent(None)
    assert not sub_cent(12.75) and not sub_cent("1.100")
    item = OrderItem(1, 1, "Sticker Pack", qty=3, unit_price=cents(4.999), sub_cent=sub_cent(4.999))
    assert item.line_total == Decimal("15.00") and item.sub_cent and item.type_text == ""
    assert OrderItem(2, 1, "Tax", item_type=2).type_text == "Tax"


def test_invoice_flag_and_status() -> None:
    odd = Invoice(1, 5, total=cents(19.995), paid=cents(19.99), due=cents(0.005),
                  items=(InvoiceItem(2, cents(19.995), "E-book", True),), total_sub_cent=True)
    assert odd.flagged and odd.status_text == "Unpaid" and "E-book" in odd.flag_reason
    plain = Invoice(3, 5, total=Decimal("10.00"), paid=Decimal("10.00"), pay_status=1,
                    items=(InvoiceItem(4, Decimal("10.00")),))
    assert not plain.flagged and plain.flag_reason == "" and plain.status_text == "Paid"


@pytest.mark.parametrize(("cycle", "freq", "text"), [
    ("2", 1, "Every month"), ("2", 3, "Every 3 months"), ("1", 1, "Every year"), ("3", 2, "Every 2 weeks"),
    ("6", 1, "Every day"), ("9", 1, "Cycle 9"), ("", 1, ""),
])
def test_billing_cycle_in_words(cycle: str, freq: int, text: str) -> None:
    assert Subscription(1, 1, "Plan", billing_cycle=cycle, frequency=freq).cycle_text == text


def test_opt_status_in_words() -> None:
    assert EmailStatus("Email", "a@b.example", 0).text == "Opted out or bounced (not marketable)"
    assert EmailStatus("EmailAddress2", "a@b.example", 1).text == "Single opt-in"
    s = EmailStatus("EmailAddress3", "a@b.example", 2)
    assert s.text == "Double opt-in (confirmed)" and s.marketable and s.label == "E-mail 3"


def test_an_edit_sends_only_what_changed() -> None:
    close = date(2025, 1, 2)
    old = Opportunity(7, 5, "Deal", stage_id=1, revenue_low=Decimal("10.01"), estimated_close=close)
    same = OpportunityDraft("Deal", stage_id=1, revenue_low=Decimal("10.005"), estimated_close=close)
    assert same.changes_from(old) == {}  # 10.005 is saved as 10.01: no change
    moved = OpportunityDraft("Deal", stage_id=8, revenue_low=Decimal("10.01"), notes="Called")
    assert moved.changes_from(old) == {"stage_id": 8, "notes": "Called", "estimated_close": None}


def test_small_values_read_well() -> None:
    assert ContactRef.from_fields(4, {"FirstName": "Zoë", "LastName": "Müller"}).name == "Zoë Müller"
    assert ContactRef.from_fields(4, {"Company": "Acme"}).name == "Acme"
    assert ContactRef.from_fields(4, {}).name == "Contact 4"
    assert GoalResult(1, True, ("Goal A achieved",)).text == "Goal completed: Goal A achieved"
    assert GoalResult(1, False).text == "Not completed"
