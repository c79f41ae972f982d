"""Linked records over Keap's XML-RPC API (:class:`app.core.records_backend.RecordsBackend`).

Keap's spelling is kept here and nowhere else: ``Lead`` spells its contact
``ContactID`` (and ``StageID``, ``UserID``, ``StatusID``) while ``Job``, ``Invoice``
and ``RecurringOrder`` say ``ContactId``. Every amount is rounded to cents before it
is sent (:func:`app.core.money.wire_amount`). Product images come from the account's
legacy cart (:mod:`app.api.cart_images`, shared with the REST v2 backend). Order items
cannot be changed over XML-RPC: :meth:`XmlRpcRecordsBackend.update_order_item` and
``delete_order_item`` refuse with the capability's explanation without sending anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from app.api import errors as e
from app.api.cart_images import CartImages, cart_base_url
from app.api.xmlrpc import query as q
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.record_rows import (
    LEAD_FIELDS,
    as_id,
    date_of,
    datetime_of,
    int_of,
    invoice,
    lead_values,
    number,
    opportunity,
    opt_int,
    order_item,
    other_contact,
    product_of,
    rows_of,
    subscription,
)
from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry, Op
from app.core.linked import (
    ContactRef,
    GoalResult,
    Invoice,
    InvoiceItem,
    LinkedContact,
    LinkedContacts,
    LinkType,
    Opportunity,
    Order,
    OrderItem,
    Stage,
    Subscription,
    cents,
    sub_cent,
)
from app.core.records import User

log = logging.getLogger("app.api.records")

Row = dict[str, Any]

_LEAD_READ = ["Id", "ContactID", *LEAD_FIELDS.values(), "DateCreated", "LastUpdated"]
_JOB_READ = ["Id", "ContactId", "JobTitle", "DateCreated", "StartDate", "JobStatus", "OrderType", "InvoiceId"]
_ITEM_READ = ["Id", "OrderId", "ProductId", "ItemName", "Qty", "PPU", "ItemType", "ItemDescription"]
_INVOICE_READ = ["Id", "ContactId", "JobId", "Description", "DateCreated", "InvoiceTotal", "TotalPaid",
                 "TotalDue", "PayStatus"]
_SUB_READ = ["Id", "ContactId", "ProductId", "SubscriptionPlanId", "ProgramId", "Status", "BillingAmt", "Qty",
             "BillingCycle", "Frequency", "NextBillDate", "StartDate", "EndDate", "ReasonStopped"]
_CONTACT_REF = ["Id", "FirstName", "LastName", "Email", "Company"]
_EMAILS = ("Email", "EmailAddress2", "EmailAddress3")


class XmlRpcRecordsBackend:
    """Linked records through one :class:`XmlRpcClient`; thread-safe."""

    protocol = "xmlrpc"

    def __init__(self, client: XmlRpcClient, *, cart_base_url: str | None = None,
                 image_timeout: tuple[float, float] = (5.0, 15.0)) -> None:
        self.client = client
        self.capabilities = CapabilityRegistry()
        self._cart_base = cart_base_url
        self._images = CartImages(client.transport.verify, timeout=image_timeout)
        self._app_name: str | None = None
        self._lock = threading.Lock()

    # -- opportunities ------------------------------------------------------------------------

    def opportunities(self, contact_id: int, cancel: Cancellable) -> list[Opportunity]:
        rows = q.query_all(self.client, "Lead", {"ContactID": int(contact_id)}, _LEAD_READ,
                           order_by="DateCreated", ascending=False, cancel=cancel)
        return [opportunity(r) for r in rows]

    def stages(self, cancel: Cancellable) -> list[Stage]:
        fields = ["Id", "StageName", "StageOrder", "TargetNumDays"]
        rows = q.query_all(self.client, "Stage", {"Id": q.ALL}, fields, cancel=cancel)
        stages = [Stage(int(r["Id"]), str(r.get("StageName") or ""), int_of(r.get("StageOrder")),
                        int_of(r.get("TargetNumDays"))) for r in rows]
        return sorted(stages, key=lambda s: (s.order, s.id))

    def users(self, cancel: Cancellable) -> list[tuple[int, str]]:
        rows = q.query_all(self.client, "User", {"Id": q.ALL}, ["Id", "FirstName", "LastName", "Email"],
                           cancel=cancel)
        users = sorted((User.from_row(r) for r in rows), key=lambda u: u.name.casefold())
        return [(u.id, u.name) for u in users]

    def create_opportunity(self, contact_id: int, values: Mapping[str, object], cancel: Cancellable) -> int:
        wire = {"ContactID": int(contact_id), **lead_values(values)}
        lookup = {"ContactID": int(contact_id), "OpportunityTitle": wire.get("OpportunityTitle", "")}
        before = self._lead_ids(lookup, cancel)
        try:
            return as_id(self.client.call("DataService.add", "Lead", wire, cancel=cancel))
        except e.OutcomeUnknownError:
            # never sent twice: if the lost add created it, it is there now
            created = self._lead_ids(lookup, cancel) - before
            if len(created) == 1:
                log.info("the lost Lead add had been applied (Id %d)", next(iter(created)))
                return created.pop()
            raise

    def _lead_ids(self, lookup: dict[str, object], cancel: Cancellable) -> set[int]:
        return {int(r["Id"]) for r in q.query_all(self.client, "Lead", lookup, ["Id"], cancel=cancel)}

    def update_opportunity(self, opportunity_id: int, values: Mapping[str, object],
                           cancel: Cancellable) -> None:
        wire = lead_values(values)
        if wire:
            self.client.call("DataService.update", "Lead", int(opportunity_id), wire, cancel=cancel)

    def notes_count(self, contact_id: int, cancel: Cancellable) -> int | None:
        """The contact's notes, tasks and appointments (ContactAction rows): one count."""
        return q.count(self.client, "ContactAction", {"ContactId": int(contact_id)}, cancel=cancel)

    # -- orders, invoices, subscriptions ------------------------------------------------------

    def orders(self, contact_id: int, cancel: Cancellable) -> list[Order]:
        jobs = q.query_all(self.client, "Job", {"ContactId": int(contact_id)}, _JOB_READ,
                           order_by="DateCreated", ascending=False, cancel=cancel)
        if not jobs:
            return []
        job_ids = [int(j["Id"]) for j in jobs]
        items: dict[int, list[OrderItem]] = {}
        for r in q.query_by_ids(self.client, "OrderItem", job_ids, _ITEM_READ, id_field="OrderId",
                                cancel=cancel):
            item = order_item(r)
            items.setdefault(item.order_id, []).append(item)
        invoices = self.invoices(contact_id, cancel)
        by_id = {i.id: i for i in invoices}
        by_job = {i.job_id: i for i in invoices if i.job_id}
        out = []
        for j in jobs:
            job_id = int(j["Id"])
            invoice_id = opt_int(j.get("InvoiceId"))
            invoice = by_id.get(invoice_id) if invoice_id else None
            out.append(Order(
                id=job_id, contact_id=int(contact_id), title=str(j.get("JobTitle") or f"Order {job_id}"),
                date_created=datetime_of(j.get("DateCreated")), start_date=date_of(j.get("StartDate")),
                status=str(j.get("JobStatus") or ""), order_type=str(j.get("OrderType") or ""),
                invoice_id=invoice_id, items=tuple(sorted(items.get(job_id, []), key=lambda i: i.id)),
                invoice=invoice or by_job.get(job_id),
            ))
        return out

    def invoices(self, contact_id: int, cancel: Cancellable) -> list[Invoice]:
        rows = q.query_all(self.client, "Invoice", {"ContactId": int(contact_id)}, _INVOICE_READ,
                           order_by="DateCreated", ascending=False, cancel=cancel)
        if not rows:
            return []
        lines: dict[int, list[InvoiceItem]] = {}
        for r in q.query_by_ids(self.client, "InvoiceItem", [int(x["Id"]) for x in rows],
                                ["Id", "InvoiceId", "InvoiceAmt", "Description"], id_field="InvoiceId",
                                cancel=cancel):
            amount = number(r.get("InvoiceAmt"))
            line = InvoiceItem(int(r["Id"]), cents(amount), str(r.get("Description") or ""), sub_cent(amount))
            lines.setdefault(int_of(r.get("InvoiceId")), []).append(line)
        return [invoice(r, tuple(lines.get(int(r["Id"]), []))) for r in rows]

    def subscriptions(self, contact_id: int, cancel: Cancellable) -> list[Subscription]:
        rows = q.query_all(self.client, "RecurringOrder", {"ContactId": int(contact_id)}, _SUB_READ,
                           cancel=cancel)
        product_ids = {pid for r in rows if (pid := product_of(r))}
        names = {int(p["Id"]): str(p.get("ProductName") or "")
                 for p in q.query_by_ids(self.client, "Product", product_ids, ["Id", "ProductName"],
                                         cancel=cancel)}
        subs = [subscription(r, names) for r in rows]
        # active first, then by next bill date
        return sorted(subs, key=lambda s: (s.status.casefold() != "active", s.next_bill_date or date.max,
                                           s.id))

    def product_image(self, product_id: int, cancel: Cancellable) -> bytes | None:
        if cancel.is_cancelled():
            raise e.CancelledError()
        base = self._cart_base or cart_base_url(self.client.url, self._known_app_name(cancel))
        return None if base is None else self._images.fetch(base, product_id, cancel)

    def update_order_item(self, order_id: int, item_id: int, values: Mapping[str, object],
                          cancel: Cancellable) -> OrderItem:
        """Always refused: XML-RPC has no order item edit (nothing is sent)."""
        raise e.UnsupportedError(self.capabilities.explain(Op.EDIT_ORDER_ITEM) or None,
                                 method="update_order_item")

    def delete_order_item(self, order_id: int, item_id: int, cancel: Cancellable) -> None:
        """Always refused: XML-RPC cannot delete an order item (nothing is sent)."""
        raise e.UnsupportedError(self.capabilities.explain(Op.DELETE_ORDER_ITEM) or None,
                                 method="delete_order_item")

    # -- linked contacts ----------------------------------------------------------------------

    def linked_contacts(self, contact_id: int, cancel: Cancellable) -> LinkedContacts:
        try:
            rows = self.client.call("ContactService.listLinkedContacts", int(contact_id), cancel=cancel)
        except e.NoSuchHandlerFault:
            return LinkedContacts(available=False)
        links = []
        for r in rows_of(rows):
            other = other_contact(r, int(contact_id))
            type_id = int_of(r.get("LinkedContactTypeId", r.get("LinkTypeId")))
            if other:
                links.append(LinkedContact(int(contact_id), other, type_id))
        return LinkedContacts(True, tuple(links))

    def link_types(self, cancel: Cancellable) -> list[LinkType]:
        rows = q.query_all(self.client, "LinkedContactType", {"Id": q.ALL}, ["Id", "TypeName", "MaxLinked"],
                           cancel=cancel)
        return [LinkType(int(r["Id"]), str(r.get("TypeName") or f"Type {r['Id']}"),
                         int_of(r.get("MaxLinked"))) for r in rows]

    def link_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        return bool(self.client.call("ContactService.linkContacts", int(contact_id), int(other_id),
                                     int(type_id), cancel=cancel))

    def unlink_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        return bool(self.client.call("ContactService.unlinkContacts", int(contact_id), int(other_id),
                                     int(type_id), cancel=cancel))

    def contacts(self, ids: Iterable[int], cancel: Cancellable) -> dict[int, ContactRef]:
        rows = q.query_by_ids(self.client, "Contact", ids, _CONTACT_REF, cancel=cancel)
        return {int(r["Id"]): ContactRef.from_fields(int(r["Id"]), r) for r in rows}

    def find_contacts(self, text: str, cancel: Cancellable) -> list[ContactRef]:
        text = text.strip()
        if not text:
            return []
        if text.isdigit():
            return list(self.contacts([int(text)], cancel).values())
        if "@" in text:
            rows = rows_of(self.client.call("ContactService.findByEmail", text, _CONTACT_REF, cancel=cancel))
        else:
            found: dict[int, Row] = {}
            for name_field in ("LastName", "FirstName"):
                for r in q.query_all(self.client, "Contact", {name_field: q.starts_with(text)}, _CONTACT_REF,
                                     cancel=cancel, limit=50):
                    found.setdefault(int(r["Id"]), r)
            rows = list(found.values())
        return [ContactRef.from_fields(int(r["Id"]), r) for r in rows][:50]

    # -- e-mail status ------------------------------------------------------------------------

    def contact_emails(self, contact_id: int, cancel: Cancellable) -> dict[str, str]:
        row = self.client.call("ContactService.load", int(contact_id), ["Id", *_EMAILS], cancel=cancel)
        if not isinstance(row, dict):
            raise e.MalformedResponseError(detail="ContactService.load did not return a struct")
        return {f: str(row[f]).strip() for f in _EMAILS if str(row.get(f) or "").strip()}

    def email_status(self, email: str, cancel: Cancellable) -> int:
        return int_of(self.client.call("APIEmailService.getOptStatus", email, cancel=cancel))

    def opt_out(self, email: str, reason: str, cancel: Cancellable) -> bool:
        return bool(self.client.call("APIEmailService.optOut", email, reason, cancel=cancel))

    def opt_in(self, email: str, reason: str, cancel: Cancellable) -> bool:
        return bool(self.client.call("APIEmailService.optIn", email, reason, cancel=cancel))

    # -- goals and settings -------------------------------------------------------------------

    def achieve_goal(self, integration: str, call_name: str, contact_id: int,
                     cancel: Cancellable) -> GoalResult:
        reply = self.client.call("FunnelService.achieveGoal", integration, call_name, int(contact_id),
                                 cancel=cancel)
        completed = False
        messages: list[str] = []
        for item in reply if isinstance(reply, list) else [reply]:
            if isinstance(item, dict):
                ok = bool(item.get("success", item.get("Success", False)))
                completed = completed or ok
                msg = str(item.get("msg", item.get("message", "")) or "")
                if msg:
                    messages.append(msg)
            elif isinstance(item, bool):
                completed = completed or item
        return GoalResult(int(contact_id), completed, tuple(messages))

    def app_name(self, cancel: Cancellable) -> str:
        name = self._known_app_name(cancel)
        return name or ""

    def _known_app_name(self, cancel: Cancellable) -> str | None:
        with self._lock:
            if self._app_name is not None:
                return self._app_name
        value = self.client.call("DataService.getAppSetting", "Application", "appname", cancel=cancel)
        name = str(value or "").strip()
        with self._lock:
            self._app_name = name
        return name
