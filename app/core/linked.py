"""A contact's linked records as plain values: opportunities, orders, invoices, links, e-mail status.

Protocol-neutral: the XML-RPC backend fills these from Keap's legacy tables (``Lead``,
``Job``, ``RecurringOrder`` ...), a REST v2 backend will fill them from its JSON. Money
is a :class:`~decimal.Decimal` rounded to cents, with a flag where Keap stores more
than two decimals (such an invoice looks unpaid after charging, gotcha 11); dates are
aware datetimes. No Qt here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

from app.core.money import Amount, has_sub_cent, to_cents

ZERO = Decimal("0.00")

# --- e-mail opt status ------------------------------------------------------------------------

#: APIEmailService.getOptStatus in words (Keap answers 0 for every non-marketable address).
OPT_STATUS_TEXT: dict[int, str] = {
    0: "Opted out or bounced (not marketable)",
    1: "Single opt-in",
    2: "Double opt-in (confirmed)",
}

#: The contact fields that hold e-mail addresses, with the label the UI shows.
EMAIL_FIELDS: tuple[tuple[str, str], ...] = (
    ("Email", "E-mail"),
    ("EmailAddress2", "E-mail 2"),
    ("EmailAddress3", "E-mail 3"),
)


@dataclass(frozen=True)
class EmailStatus:
    """One address and whether Keap may market to it.

    Attributes:
        field: the contact field holding it (``Email``, ``EmailAddress2``, ``EmailAddress3``).
        email: the address.
        code: Keap's opt status (0, 1, 2).
        opted_out: True when TagDesk knows the address opted out (it sent the opt-out, or
            Keap refused to opt it in). The API cannot tell an opted-out address from one
            that never opted in: both are 0.
    """

    field: str
    email: str
    code: int
    opted_out: bool = False

    @property
    def text(self) -> str:
        return OPT_STATUS_TEXT.get(self.code, f"Unknown status ({self.code})")

    @property
    def marketable(self) -> bool:
        return self.code in (1, 2)

    @property
    def label(self) -> str:
        return dict(EMAIL_FIELDS).get(self.field, self.field)


# --- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRef:
    """Enough of a contact to name it in a list."""

    id: int
    name: str
    email: str = ""

    @classmethod
    def from_fields(cls, contact_id: int, row: Mapping[str, object]) -> ContactRef:
        parts = [str(row.get(k) or "").strip() for k in ("FirstName", "LastName")]
        name = " ".join(p for p in parts if p) or str(row.get("Company") or "").strip()
        email = str(row.get("Email") or "").strip()
        return cls(contact_id, name or email or f"Contact {contact_id}", email)


# --- opportunities ----------------------------------------------------------------------------

#: Lead.StatusID in words, as the demo and most accounts use it.
OPPORTUNITY_STATUS: dict[int, str] = {0: "Open", 1: "Won", 2: "Lost"}


@dataclass(frozen=True)
class Stage:
    id: int
    name: str
    order: int = 0
    target_days: int = 0


@dataclass(frozen=True)
class Opportunity:
    """One opportunity (Keap's ``Lead`` table)."""

    id: int
    contact_id: int
    title: str
    stage_id: int | None = None
    status_id: int | None = None
    user_id: int | None = None
    revenue_low: Decimal | None = None
    revenue_high: Decimal | None = None
    next_action_date: datetime | None = None
    next_action_notes: str = ""
    estimated_close: date | None = None
    notes: str = ""
    objection: str = ""
    date_created: datetime | None = None
    last_updated: datetime | None = None

    @property
    def status_text(self) -> str:
        if self.status_id is None:
            return ""
        return OPPORTUNITY_STATUS.get(self.status_id, f"Status {self.status_id}")


@dataclass(frozen=True)
class OpportunityDraft:
    """What the user entered for a new or edited opportunity; amounts as entered."""

    title: str
    stage_id: int | None = None
    status_id: int | None = None
    user_id: int | None = None
    revenue_low: Decimal | None = None
    revenue_high: Decimal | None = None
    next_action_date: datetime | None = None
    next_action_notes: str = ""
    estimated_close: date | None = None
    notes: str = ""
    objection: str = ""

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in OPPORTUNITY_EDITABLE}

    def changes_from(self, old: Opportunity) -> dict[str, object]:
        """Only what differs from ``old`` (amounts compared to the cent they will be saved as)."""
        out: dict[str, object] = {}
        for name, new in self.values().items():
            before = getattr(old, name)
            if isinstance(new, Decimal):
                new_cmp: object = to_cents(new)
            else:
                new_cmp = new
            if new_cmp != before and not (new_cmp in (None, "") and before in (None, "")):
                out[name] = new
        return out


#: Attributes of an opportunity a user may set (what Lead allows to add and edit):
#: exactly the draft's fields, which are a subset of :class:`Opportunity`'s.
OPPORTUNITY_EDITABLE = tuple(f.name for f in fields(OpportunityDraft))


@dataclass(frozen=True)
class OpportunityList:
    """A contact's opportunities with what is needed to name their stage and owner."""

    items: tuple[Opportunity, ...]
    stages: tuple[Stage, ...]
    users: tuple[tuple[int, str], ...]

    def stage_name(self, stage_id: int | None) -> str:
        for s in self.stages:
            if s.id == stage_id:
                return s.name
        return "" if stage_id in (None, 0) else f"Stage {stage_id}"

    def user_name(self, user_id: int | None) -> str:
        for uid, name in self.users:
            if uid == user_id:
                return name
        return "" if user_id in (None, 0) else f"User {user_id}"


# --- orders, invoices, subscriptions ----------------------------------------------------------

#: OrderItem.ItemType / addOrderItem type codes.
ITEM_TYPES: dict[int, str] = {
    1: "Shipping", 2: "Tax", 3: "Service & misc", 4: "Product", 5: "Upsell product",
    6: "Finance charge", 7: "Special", 8: "Program", 9: "Subscription plan",
    10: "Special: free trial days", 11: "Special: order total", 12: "Special: product",
    13: "Special: category", 14: "Special: shipping",
}


def cents(value: Amount | None) -> Decimal:
    """An amount from Keap rounded to cents (missing is zero)."""
    return ZERO if value is None or value == "" else to_cents(value)


def sub_cent(value: Amount | None) -> bool:
    return value is not None and value != "" and has_sub_cent(value)


@dataclass(frozen=True)
class OrderItem:
    """One line of an order. Read-only over XML-RPC, editable over REST v2 (capabilities
    EDIT_ORDER_ITEM / DELETE_ORDER_ITEM); :data:`ORDER_ITEM_EDITABLE` names what may change."""

    id: int
    order_id: int
    name: str
    product_id: int = 0
    qty: int = 1
    unit_price: Decimal = ZERO
    item_type: int = 0
    description: str = ""
    sub_cent: bool = False  # the stored price has more than two decimals

    @property
    def type_text(self) -> str:
        return ITEM_TYPES.get(self.item_type, f"Type {self.item_type}" if self.item_type else "")

    @property
    def line_total(self) -> Decimal:
        return to_cents(self.unit_price * self.qty)


#: Attributes of an order item a user may change where the protocol allows it (REST v2):
#: ``name``, ``description`` (text), ``qty`` (a whole number, at least 1), ``unit_price``
#: (an amount, rounded to cents before it is sent) and ``product_id`` (0 or None: none).
ORDER_ITEM_EDITABLE = ("name", "description", "qty", "unit_price", "product_id")


def order_item_changes(old: OrderItem, values: Mapping[str, object]) -> dict[str, object]:
    """What in ``values`` differs from ``old`` (a price compared to the cent it will be saved as).

    Raises ValueError for a name outside :data:`ORDER_ITEM_EDITABLE`, a quantity below 1
    or a price that is not an amount, so nothing invalid reaches a backend.
    """
    out: dict[str, object] = {}
    for name, new in values.items():
        if name not in ORDER_ITEM_EDITABLE:
            raise ValueError(f"an order item has no editable attribute {name!r}")
        if name == "qty" and (isinstance(new, bool) or not isinstance(new, int) or new < 1):
            raise ValueError(f"the quantity must be a whole number of at least 1 (got {new!r})")
        if name == "unit_price":
            if isinstance(new, bool) or not isinstance(new, Decimal | float | int | str) or new == "":
                raise ValueError(f"not an amount of money: {new!r}")
            new = to_cents(new)
        elif name == "product_id":
            if new in (None, ""):
                new = 0
            elif isinstance(new, bool) or not isinstance(new, int | str) or not str(new).strip().isdigit():
                raise ValueError(f"not a product id: {new!r}")
            new = int(new)
        if new != getattr(old, name):
            out[name] = new
    return out


@dataclass(frozen=True)
class InvoiceItem:
    id: int
    amount: Decimal
    description: str = ""
    sub_cent: bool = False


@dataclass(frozen=True)
class Invoice:
    """An invoice's totals to the cent, flagged when Keap stores fractions of a cent."""

    id: int
    contact_id: int
    job_id: int | None = None
    description: str = ""
    date_created: datetime | None = None
    total: Decimal = ZERO
    paid: Decimal = ZERO
    due: Decimal = ZERO
    pay_status: int = 0
    items: tuple[InvoiceItem, ...] = ()
    total_sub_cent: bool = False

    @property
    def flagged(self) -> bool:
        """More than two decimals on an item or the total: Keap may show it as unpaid."""
        return self.total_sub_cent or any(i.sub_cent for i in self.items)

    @property
    def status_text(self) -> str:
        return "Paid" if self.pay_status == 1 or (self.due <= 0 and self.total > 0) else "Unpaid"

    @property
    def flag_reason(self) -> str:
        if not self.flagged:
            return ""
        odd = [i.description or f"item {i.id}" for i in self.items if i.sub_cent]
        which = f" ({', '.join(odd)})" if odd else ""
        return (
            f"Amounts with more than two decimals{which}: after charging, Keap may still show "
            "this invoice as unpaid by a fraction of a cent. Record the remaining cent as a "
            "manual payment in Keap, or re-create the order with prices rounded to cents."
        )


@dataclass(frozen=True)
class Order:
    """An order (Keap's ``Job``) with its items and its invoice's totals."""

    id: int
    contact_id: int
    title: str
    date_created: datetime | None = None
    start_date: date | None = None
    status: str = ""
    order_type: str = ""
    invoice_id: int | None = None
    items: tuple[OrderItem, ...] = ()
    invoice: Invoice | None = None

    @property
    def flagged(self) -> bool:
        return any(i.sub_cent for i in self.items) or (self.invoice is not None and self.invoice.flagged)


#: RecurringOrder.BillingCycle codes.
BILLING_CYCLES: dict[str, tuple[str, str]] = {
    "1": ("year", "years"), "2": ("month", "months"), "3": ("week", "weeks"), "6": ("day", "days"),
}


@dataclass(frozen=True)
class Subscription:
    """A subscription (Keap's ``RecurringOrder``). Not deletable over XML-RPC."""

    id: int
    contact_id: int
    name: str
    product_id: int | None = None
    status: str = ""
    amount: Decimal = ZERO
    qty: int = 1
    billing_cycle: str = ""
    frequency: int = 1
    next_bill_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    reason_stopped: str = ""
    sub_cent: bool = False

    @property
    def cycle_text(self) -> str:
        unit = BILLING_CYCLES.get(str(self.billing_cycle).strip())
        if unit is None:
            return f"Cycle {self.billing_cycle}" if self.billing_cycle else ""
        n = max(1, self.frequency or 1)
        return f"Every {unit[0]}" if n == 1 else f"Every {n} {unit[1]}"


# --- linked contacts --------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkType:
    id: int
    name: str
    max_linked: int = 0  # 0: no limit

    @property
    def describe(self) -> str:
        return self.name if not self.max_linked else f"{self.name} (at most {self.max_linked} per contact)"


@dataclass(frozen=True)
class LinkedContact:
    """One link between the contact and another, with names filled in for display."""

    contact_id: int
    other_id: int
    type_id: int
    type_name: str = ""
    other_name: str = ""
    other_email: str = ""


@dataclass(frozen=True)
class LinkedContacts:
    """A contact's links, or ``available=False`` when the account's API has no such method."""

    available: bool
    links: tuple[LinkedContact, ...] = ()


# --- goals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalResult:
    """What ``achieveGoal`` answered for one contact; ``completed`` if any goal was achieved."""

    contact_id: int
    completed: bool
    messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        head = "Goal completed" if self.completed else "Not completed"
        return f"{head}: {'; '.join(self.messages)}" if self.messages else head


# --- images -----------------------------------------------------------------------------------

_PNG = b"\x89PNG\r\n\x1a\n"


def sniff_image(data: bytes) -> str | None:
    """``"jpeg"``, ``"png"`` or ``"gif"`` from the first bytes, else None.

    Keap's legacy cart serves product images without a content type (gotcha 16), so
    the bytes are the only reliable witness; a header is never trusted.
    """
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG:
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None
