"""One place that knows what the API cannot do, why, and what to do instead.

The UI asks here before it offers an action: a disabled action's tooltip, the dialog
shown when the user tries anyway, and the warning before a risky call all read the
same entry. A backend declares which operations it supports: the REST v2 backend
allows deleting tags and editing order items (:meth:`CapabilityRegistry.for_protocol`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Op(StrEnum):
    """Operations the API may or may not allow."""

    EDIT_ORDER_ITEM = "edit_order_item"
    DELETE_ORDER_ITEM = "delete_order_item"
    READ_SSN_FIELD = "read_ssn_field"
    WRITE_SSN_FIELD = "write_ssn_field"
    DELETE_TAG = "delete_tag"
    DELETE_TAG_CATEGORY = "delete_tag_category"
    DELETE_ORDER = "delete_order"
    DELETE_SUBSCRIPTION = "delete_subscription"
    PARTIAL_CHARGE = "partial_charge"
    OPT_IN_AGAIN = "opt_in_again"
    WRITE_CONTACT_GROUPS = "write_contact_groups"
    CHANGE_CUSTOM_FIELD_TYPE = "change_custom_field_type"
    CREATE_OPTION_VALUE_WITHOUT_INDEX = "create_option_value_without_index"


@dataclass(frozen=True)
class Capability:
    """Whether an operation is allowed over a backend, in one sentence, with the workaround."""

    op: Op
    allowed: bool
    title: str
    explanation: str
    workaround: str

    def message(self) -> str:
        """The full text a user sees when the action is refused."""
        return f"{self.explanation} {self.workaround}".strip()


_XMLRPC: tuple[Capability, ...] = (
    Capability(
        Op.EDIT_ORDER_ITEM, False, "Order items are read-only",
        "Keap's API cannot change an order item once the order exists.",
        "Open the order in Keap (E-Commerce > Orders), or create a new order with the right items.",
    ),
    Capability(
        Op.DELETE_ORDER_ITEM, False, "Order items cannot be deleted",
        "Keap's API cannot delete an order item.",
        "Remove the item in Keap's order screen, or refund and re-create the order there.",
    ),
    Capability(
        Op.READ_SSN_FIELD, False, "SSN fields cannot be read",
        "Keap does not allow SSN fields to be read through the API.",
        "View the value in Keap itself.",
    ),
    Capability(
        Op.WRITE_SSN_FIELD, False, "SSN fields cannot be written",
        "Keap does not allow SSN fields to be written through the API.",
        "Edit the value in Keap itself.",
    ),
    Capability(
        Op.DELETE_TAG, False, "Tags cannot be deleted here",
        "Keap's XML-RPC API has no way to delete a tag.",
        "Retire it instead (TagDesk moves it to an \"Archive\" category and prefixes its name), "
        "or delete it in Keap under CRM > Settings > Tags.",
    ),
    Capability(
        Op.DELETE_TAG_CATEGORY, False, "Tag categories cannot be deleted here",
        "Keap's XML-RPC API has no way to delete a tag category.",
        "Move its tags elsewhere and rename it, or delete it in Keap under CRM > Settings > Tags.",
    ),
    Capability(
        Op.DELETE_ORDER, False, "Orders cannot be deleted here",
        "Keap's XML-RPC API cannot delete an order.",
        "Delete or refund the order in Keap (E-Commerce > Orders).",
    ),
    Capability(
        Op.DELETE_SUBSCRIPTION, False, "Subscriptions cannot be deleted here",
        "Keap's XML-RPC API cannot delete a subscription.",
        "Set its status to inactive, or cancel it in Keap (E-Commerce > Subscriptions).",
    ),
    Capability(
        Op.PARTIAL_CHARGE, False, "Part of an invoice cannot be charged",
        "Keap's API charges a card only for the whole amount owed on an invoice.",
        "Record a manual payment for the part paid, or take the partial payment in Keap.",
    ),
    Capability(
        Op.OPT_IN_AGAIN, False, "An opted-out address cannot be opted in again",
        "Once an address has opted out, Keap's API cannot opt it back in.",
        "Ask the person to submit one of your Keap web forms (or confirm a double opt-in e-mail); "
        "that is the only way to make the address marketable again.",
    ),
    Capability(
        Op.WRITE_CONTACT_GROUPS, False, "Tags are not set by editing a field",
        "A contact's Groups field is a read-only list of tag ids; writing it does nothing.",
        "Apply or remove tags with the Tags actions, which call addToGroup and removeFromGroup.",
    ),
    Capability(
        Op.CHANGE_CUSTOM_FIELD_TYPE, False, "A custom field's type is fixed",
        "Keap cannot change a custom field's data type after it was created.",
        "Create a new field of the right type, copy the values across, then retire the old one in Keap.",
    ),
    Capability(
        Op.CREATE_OPTION_VALUE_WITHOUT_INDEX, False, "Product options need a unique index",
        "A new product option value without a unique OptionIndex silently overwrites the option "
        "that already has that index.",
        "Give every new option value an OptionIndex no other value of the option uses.",
    ),
)

XMLRPC_CAPABILITIES: dict[Op, Capability] = {c.op: c for c in _XMLRPC}

#: What REST v2 can do that XML-RPC cannot [V, keap-rest-v2.md 3.2, 3.6]: delete tags and
#: categories, edit and delete order items, delete an order without payments.
REST_ALLOWED = (Op.DELETE_TAG, Op.DELETE_TAG_CATEGORY, Op.EDIT_ORDER_ITEM, Op.DELETE_ORDER_ITEM,
                Op.DELETE_ORDER)

#: REST's own wording where the XML-RPC text would name XML-RPC methods.
_REST_TEXT: tuple[Capability, ...] = (
    Capability(
        Op.DELETE_SUBSCRIPTION, False, "Subscriptions cannot be deleted",
        "Keap's API cannot delete a subscription; it can only deactivate one.",
        "Deactivate it (it stops billing and stays in the history), or cancel it in Keap.",
    ),
    Capability(
        Op.WRITE_CONTACT_GROUPS, False, "Tags are not set by editing a field",
        "A contact's tag list is read-only on the contact; writing it does nothing.",
        "Apply or remove tags with the Tags actions, which use Keap's tag endpoints.",
    ),
)


class CapabilityRegistry:
    """The capabilities of one backend; unknown operations are allowed."""

    def __init__(self, entries: dict[Op, Capability] | None = None) -> None:
        self._entries = dict(entries if entries is not None else XMLRPC_CAPABILITIES)

    def get(self, op: Op) -> Capability | None:
        return self._entries.get(op)

    def allowed(self, op: Op) -> bool:
        cap = self._entries.get(op)
        return cap is None or cap.allowed

    def explain(self, op: Op) -> str:
        cap = self._entries.get(op)
        return cap.message() if cap is not None else ""

    @classmethod
    def for_protocol(cls, protocol: str) -> CapabilityRegistry:
        """The registry of ``"xmlrpc"`` or ``"rest"`` (REST v2 relaxes what it can do)."""
        if protocol == "rest":
            entries = dict(XMLRPC_CAPABILITIES)
            entries.update({c.op: c for c in _REST_TEXT})
            return cls(entries).with_allowed(*REST_ALLOWED)
        return cls()

    def with_allowed(self, *ops: Op) -> CapabilityRegistry:
        """A copy where ``ops`` are allowed (how a REST v2 backend declares what it can do)."""
        entries = dict(self._entries)
        for op in ops:
            if op in entries:
                old = entries[op]
                entries[op] = Capability(op, True, old.title, "", "")
        return CapabilityRegistry(entries)

    def __iter__(self) -> Iterator[Capability]:
        return iter(self._entries.values())
