"""The protocol-neutral contract for a contact's linked records, e-mail status and goals.

The services layer speaks only this interface: the XML-RPC backend
(:mod:`app.api.xmlrpc.records_backend`) and the REST v2 backend
(:mod:`app.api.rest.records_backend`) implement it, with the same values and semantics.
A backend is called from worker threads (so it must be thread-safe), takes a cancel
token on every method, returns the plain values of :mod:`app.core.linked`, and raises
only :mod:`app.api.errors` types. What a protocol cannot do is declared in
``capabilities``; the UI asks there before offering an action, and explains instead
of calling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry
from app.core.linked import (
    ContactRef,
    GoalResult,
    Invoice,
    LinkedContacts,
    LinkType,
    Opportunity,
    Order,
    OrderItem,
    Stage,
    Subscription,
)


class RecordsBackend(Protocol):
    """Linked records of one Keap account."""

    #: What this protocol can and cannot do (order items, subscriptions, opt-in ...).
    capabilities: CapabilityRegistry

    # -- opportunities --------------------------------------------------------------------

    def opportunities(self, contact_id: int, cancel: Cancellable) -> list[Opportunity]:
        """The contact's opportunities, newest first."""
        ...

    def stages(self, cancel: Cancellable) -> list[Stage]:
        """Every opportunity stage, in pipeline order."""
        ...

    def users(self, cancel: Cancellable) -> list[tuple[int, str]]:
        """(user id, display name) of the account's users, who may own opportunities."""
        ...

    def create_opportunity(self, contact_id: int, values: Mapping[str, object], cancel: Cancellable) -> int:
        """Create one; ``values`` are :data:`~app.core.linked.OPPORTUNITY_EDITABLE` names.

        Amounts are rounded to cents before they are sent. Returns the new Id and never
        creates the same opportunity twice after a lost reply.
        """
        ...

    def update_opportunity(self, opportunity_id: int, values: Mapping[str, object],
                           cancel: Cancellable) -> None:
        """Write the given attributes only (amounts rounded to cents first)."""
        ...

    def notes_count(self, contact_id: int, cancel: Cancellable) -> int | None:
        """How many notes the contact has (what a merge moves); None where it is not read."""
        ...

    # -- orders, invoices, subscriptions ----------------------------------------------------

    def orders(self, contact_id: int, cancel: Cancellable) -> list[Order]:
        """The contact's orders with their items and invoice totals, newest first."""
        ...

    def update_order_item(self, order_id: int, item_id: int, values: Mapping[str, object],
                          cancel: Cancellable) -> OrderItem:
        """Change an order item and return it as saved; the invoice's totals follow.

        ``values`` are :data:`~app.core.linked.ORDER_ITEM_EDITABLE` names, only those to
        change (a price is rounded to cents before it is sent). Where the protocol cannot
        (``capabilities`` refuses ``Op.EDIT_ORDER_ITEM``: XML-RPC) it raises
        :class:`~app.api.errors.UnsupportedError` with the capability's explanation and
        sends nothing.
        """
        ...

    def delete_order_item(self, order_id: int, item_id: int, cancel: Cancellable) -> None:
        """Delete an order item (an item already gone counts as deleted); as above for a
        protocol that cannot (``Op.DELETE_ORDER_ITEM``)."""
        ...

    def product_image(self, product_id: int, cancel: Cancellable) -> bytes | None:
        """The product's image, recognised by its bytes (JPEG, PNG, GIF); None if it has none."""
        ...

    def subscriptions(self, contact_id: int, cancel: Cancellable) -> list[Subscription]:
        ...

    def invoices(self, contact_id: int, cancel: Cancellable) -> list[Invoice]:
        """Invoices with total, paid and due to the cent; items with more than two decimals flagged."""
        ...

    # -- linked contacts --------------------------------------------------------------------

    def linked_contacts(self, contact_id: int, cancel: Cancellable) -> LinkedContacts:
        """The contact's links (ids and type ids only); ``available=False`` when the account
        has no linked-contacts API (XML-RPC answers "No such handler", REST a 404 saying so)."""
        ...

    def link_types(self, cancel: Cancellable) -> list[LinkType]:
        ...

    def link_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        """False when Keap refuses (for example the type's limit per contact is reached)."""
        ...

    def unlink_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        ...

    def contacts(self, ids: Iterable[int], cancel: Cancellable) -> dict[int, ContactRef]:
        """Names and e-mail addresses of the given contacts (missing ones are left out)."""
        ...

    def find_contacts(self, text: str, cancel: Cancellable) -> list[ContactRef]:
        """Contacts by Id (digits) or by any of their three e-mail addresses."""
        ...

    # -- e-mail status ------------------------------------------------------------------------

    def contact_emails(self, contact_id: int, cancel: Cancellable) -> dict[str, str]:
        """The contact's non-blank addresses by field (``Email``, ``EmailAddress2``, ``EmailAddress3``)."""
        ...

    def email_status(self, email: str, cancel: Cancellable) -> int:
        """Keap's opt status: 0 not marketable, 1 single opt-in, 2 double opt-in."""
        ...

    def opt_out(self, email: str, reason: str, cancel: Cancellable) -> bool:
        ...

    def opt_in(self, email: str, reason: str, cancel: Cancellable) -> bool:
        """False when Keap refuses (an address that opted out cannot be opted in again)."""
        ...

    # -- goals and settings ------------------------------------------------------------------

    def achieve_goal(self, integration: str, call_name: str, contact_id: int,
                     cancel: Cancellable) -> GoalResult:
        """Complete the "API call" goals whose integration and call name match."""
        ...

    def app_name(self, cancel: Cancellable) -> str:
        """The account's application name (the default integration name of API goals)."""
        ...

