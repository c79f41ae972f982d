"""A contact's linked records for the GUI, and the one write path for them.

:class:`RecordsService` wraps a :class:`~app.core.records_backend.RecordsBackend`.
Reads compose what a tab shows (opportunities with their stages and owners, links
with names and type names) and cache reference data that rarely changes (stages,
users, link types, product images, the app name). Every write passes through
:meth:`RecordsService._write`, which makes text Latin-1 safe and tells each
:class:`RecordWriteObserver` before and after, so the change journal can record a
write before it leaves the machine. Methods run on worker threads; no Qt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from app.api.errors import CancelledError
from app.core.cancel import Cancellable
from app.core.capabilities import Capability, CapabilityRegistry, Op
from app.core.linked import (
    EMAIL_FIELDS,
    ContactRef,
    EmailStatus,
    GoalResult,
    Invoice,
    LinkedContacts,
    LinkType,
    Opportunity,
    OpportunityDraft,
    OpportunityList,
    Order,
    OrderItem,
    Stage,
    Subscription,
    order_item_changes,
)
from app.core.records_backend import RecordsBackend
from app.core.text import preflight
from app.services.observers import observed

if TYPE_CHECKING:
    from app.api.rest.client import RestClient
    from app.api.xmlrpc.client import XmlRpcClient

log = logging.getLogger("app.services.records")

T = TypeVar("T")
RecordWriteKind = Literal["create_opportunity", "update_opportunity", "link", "unlink", "opt_out", "opt_in",
                          "achieve_goal", "update_order_item", "delete_order_item"]


@dataclass
class RecordWriteEvent:
    """One write, as observers see it.

    Attributes:
        kind: what is written.
        contact_id: the contact it concerns (None for an opt-in/out, which is per address).
        target: the opportunity id, the other contact's id, the order item's id, or the
            e-mail address.
        values: what is sent, after the Latin-1 preflight.
        result: what the backend answered (a new id, True/False, a GoalResult, the saved
            OrderItem).
        order_id: the order an order item belongs to (order item writes only).
    """

    kind: RecordWriteKind
    contact_id: int | None
    target: int | str | None
    values: dict[str, object] = field(default_factory=dict)
    result: object = None
    order_id: int | None = None


class RecordWriteObserver(Protocol):
    """Hooked into every record write; called on the worker thread doing it."""

    def before_write(self, event: RecordWriteEvent) -> None: ...

    def after_write(self, event: RecordWriteEvent, error: BaseException | None) -> None: ...


class CapabilityRefused(Exception):
    """The operation is one the API cannot do; nothing was sent."""

    def __init__(self, capability: Capability) -> None:
        self.capability = capability
        super().__init__(capability.message())


class RecordsService:
    """Linked records, e-mail status and goals; see the module docstring.

    Attributes:
        observers: every :class:`RecordWriteObserver` told about each write.
    """

    def __init__(self, backend: RecordsBackend) -> None:
        self.backend = backend
        self.observers: list[RecordWriteObserver] = []
        self._lock = threading.Lock()
        self._stages: list[Stage] | None = None
        self._users: list[tuple[int, str]] | None = None
        self._link_types: list[LinkType] | None = None
        self._app_name: str | None = None
        self._images: dict[int, bytes | None] = {}
        self._opted_out: set[str] = set()

    @property
    def capabilities(self) -> CapabilityRegistry:
        return self.backend.capabilities

    def refusal(self, op: Op) -> Capability | None:
        """The capability entry when ``op`` is not possible, else None."""
        cap = self.capabilities.get(op)
        return cap if cap is not None and not cap.allowed else None

    # -- reference data (cached) --------------------------------------------------------------

    def _cached(self, name: str, load: Callable[[], T]) -> T:
        with self._lock:
            value = getattr(self, name)
        if value is None:
            value = load()
            with self._lock:
                setattr(self, name, value)
        return value  # type: ignore[no-any-return]

    def stages(self, cancel: Cancellable) -> list[Stage]:
        return list(self._cached("_stages", lambda: self.backend.stages(cancel)))

    def users(self, cancel: Cancellable) -> list[tuple[int, str]]:
        return list(self._cached("_users", lambda: self.backend.users(cancel)))

    def link_types(self, cancel: Cancellable) -> list[LinkType]:
        return list(self._cached("_link_types", lambda: self.backend.link_types(cancel)))

    def app_name(self, cancel: Cancellable) -> str:
        return str(self._cached("_app_name", lambda: self.backend.app_name(cancel)))

    # -- reads --------------------------------------------------------------------------------

    def opportunities(self, contact_id: int, cancel: Cancellable) -> OpportunityList:
        items = self.backend.opportunities(contact_id, cancel)
        return OpportunityList(tuple(items), tuple(self.stages(cancel)), tuple(self.users(cancel)))

    def orders(self, contact_id: int, cancel: Cancellable) -> list[Order]:
        return self.backend.orders(contact_id, cancel)

    def product_image(self, product_id: int, cancel: Cancellable) -> bytes | None:
        return self.product_images([product_id], cancel).get(int(product_id))

    def product_images(self, product_ids: Iterable[int], cancel: Cancellable) -> dict[int, bytes | None]:
        """Each product's image bytes (None where it has none), fetched once per session."""
        out: dict[int, bytes | None] = {}
        for pid in dict.fromkeys(int(p) for p in product_ids if p):
            if cancel.is_cancelled():
                raise CancelledError()
            with self._lock:
                known = pid in self._images
                data = self._images.get(pid)
            if not known:
                data = self.backend.product_image(pid, cancel)
                with self._lock:
                    self._images[pid] = data
            out[pid] = data
        return out

    def subscriptions(self, contact_id: int, cancel: Cancellable) -> list[Subscription]:
        return self.backend.subscriptions(contact_id, cancel)

    def invoices(self, contact_id: int, cancel: Cancellable) -> list[Invoice]:
        return self.backend.invoices(contact_id, cancel)

    def linked_contacts(self, contact_id: int, cancel: Cancellable) -> LinkedContacts:
        """Links with the other contact's name and the link type's name filled in."""
        found = self.backend.linked_contacts(contact_id, cancel)
        if not found.available or not found.links:
            return found
        types = {t.id: t.name for t in self.link_types(cancel)}
        people = self.backend.contacts({link.other_id for link in found.links}, cancel)
        links = []
        for link in found.links:
            ref = people.get(link.other_id)
            links.append(replace(
                link, type_name=types.get(link.type_id, f"Type {link.type_id}"),
                other_name=ref.name if ref else f"Contact {link.other_id} (not found)",
                other_email=ref.email if ref else ""))
        return LinkedContacts(True, tuple(links))

    def find_contacts(self, text: str, cancel: Cancellable) -> list[ContactRef]:
        return self.backend.find_contacts(text, cancel)

    def contacts(self, ids: Iterable[int], cancel: Cancellable) -> dict[int, ContactRef]:
        return self.backend.contacts(ids, cancel)

    def email_statuses(self, contact_id: int, emails: Sequence[str],
                       cancel: Cancellable) -> list[EmailStatus]:
        """The opt status of each address; ``emails`` in field order, or empty to load them."""
        if any(e.strip() for e in emails):
            by_field = {f: e.strip() for (f, _), e in zip(EMAIL_FIELDS, emails, strict=False) if e.strip()}
        else:
            by_field = self.backend.contact_emails(contact_id, cancel)
        out = []
        for name, _label in EMAIL_FIELDS:
            email = by_field.get(name)
            if email:
                code = self.backend.email_status(email, cancel)
                out.append(EmailStatus(name, email, code, self.known_opted_out(email) and code == 0))
        return out

    def known_opted_out(self, email: str) -> bool:
        """True when this session saw the address opt out (or Keap refuse to opt it in)."""
        with self._lock:
            return email.strip().casefold() in self._opted_out

    # -- writes: everything passes through _write ---------------------------------------------

    def create_opportunity(self, contact_id: int, draft: OpportunityDraft, cancel: Cancellable) -> int:
        values = {k: v for k, v in draft.values().items() if v is not None and v != ""}
        event = RecordWriteEvent("create_opportunity", contact_id, None, values)
        new_id = self._write(event, cancel, lambda v: self.backend.create_opportunity(contact_id, v, cancel))
        assert isinstance(new_id, int)
        return new_id

    def update_opportunity(self, old: Opportunity, draft: OpportunityDraft, cancel: Cancellable) -> bool:
        """Write what changed; False (and nothing sent) when nothing did."""
        changes = draft.changes_from(old)
        if not changes:
            return False
        event = RecordWriteEvent("update_opportunity", old.contact_id, old.id, changes)
        self._write(event, cancel, lambda v: self.backend.update_opportunity(old.id, v, cancel))
        return True

    def link(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        event = RecordWriteEvent("link", contact_id, other_id, {"type_id": type_id})
        return bool(self._write(event, cancel,
                                lambda _v: self.backend.link_contacts(contact_id, other_id, type_id, cancel)))

    def unlink(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        event = RecordWriteEvent("unlink", contact_id, other_id, {"type_id": type_id})
        return bool(self._write(
            event, cancel, lambda _v: self.backend.unlink_contacts(contact_id, other_id, type_id, cancel)))

    def opt_out(self, email: str, reason: str, cancel: Cancellable) -> bool:
        event = RecordWriteEvent("opt_out", None, email, {"reason": reason})
        done = bool(self._write(event, cancel,
                                lambda v: self.backend.opt_out(email, str(v["reason"]), cancel)))
        if done:
            self._remember_opted_out(email)
        return done

    def opt_in(self, email: str, reason: str, cancel: Cancellable) -> bool:
        """Opt an address in; False when Keap refuses (it opted out once).

        Raises :class:`CapabilityRefused` without sending anything for an address this
        session knows opted out: the API cannot opt it back in.
        """
        cap = self.refusal(Op.OPT_IN_AGAIN)
        if cap is not None and self.known_opted_out(email):
            raise CapabilityRefused(cap)
        event = RecordWriteEvent("opt_in", None, email, {"reason": reason})
        done = bool(self._write(event, cancel,
                                lambda v: self.backend.opt_in(email, str(v["reason"]), cancel)))
        if not done:
            self._remember_opted_out(email)
        return done

    def achieve_goal(self, integration: str, call_name: str, contact_id: int,
                     cancel: Cancellable) -> GoalResult:
        event = RecordWriteEvent("achieve_goal", contact_id, None,
                                 {"integration": integration, "call_name": call_name})
        result = self._write(event, cancel, lambda v: self.backend.achieve_goal(
            str(v["integration"]), str(v["call_name"]), contact_id, cancel))
        assert isinstance(result, GoalResult)
        return result

    def update_order_item(self, contact_id: int, old: OrderItem, values: Mapping[str, object],
                          cancel: Cancellable) -> OrderItem | None:
        """Save what changed in an order item (``values``: ORDER_ITEM_EDITABLE names); returns the
        item as saved, or None (and nothing sent) when nothing changed.

        Raises :class:`CapabilityRefused` without sending anything where the protocol cannot
        edit order items (XML-RPC), and ValueError for invalid values.
        """
        cap = self.refusal(Op.EDIT_ORDER_ITEM)
        if cap is not None:
            raise CapabilityRefused(cap)
        changes = order_item_changes(old, values)
        if not changes:
            return None
        event = RecordWriteEvent("update_order_item", contact_id, old.id, changes, order_id=old.order_id)
        saved = self._write(event, cancel,
                            lambda v: self.backend.update_order_item(old.order_id, old.id, v, cancel))
        assert isinstance(saved, OrderItem)
        return saved

    def delete_order_item(self, contact_id: int, item: OrderItem, cancel: Cancellable) -> None:
        """Delete an order item; :class:`CapabilityRefused` (nothing sent) where the protocol cannot."""
        cap = self.refusal(Op.DELETE_ORDER_ITEM)
        if cap is not None:
            raise CapabilityRefused(cap)
        event = RecordWriteEvent("delete_order_item", contact_id, item.id, {}, order_id=item.order_id)
        self._write(event, cancel, lambda _v: self.backend.delete_order_item(item.order_id, item.id, cancel))

    def _remember_opted_out(self, email: str) -> None:
        with self._lock:
            self._opted_out.add(email.strip().casefold())

    def _write(self, event: RecordWriteEvent, cancel: Cancellable,
               send: Callable[[dict[str, object]], object]) -> object:
        """The one write path: preflight, observers before, the call, observers after."""
        if cancel.is_cancelled():
            raise CancelledError()
        event.values = preflight(event.values).values

        def call() -> object:
            event.result = send(event.values)
            return event.result

        observed(self.observers, event, call)
        log.info("%s for contact %s done", event.kind, event.contact_id)
        return event.result


def make_records_service(client: XmlRpcClient, *, cart_base_url: str | None = None) -> RecordsService:
    """The records service over XML-RPC for an open client; makes no call."""
    from app.api.xmlrpc.records_backend import XmlRpcRecordsBackend

    return RecordsService(XmlRpcRecordsBackend(client, cart_base_url=cart_base_url))


def make_rest_records_service(client: RestClient, *, cart_base_url: str | None = None,
                              app_name: str | None = None) -> RecordsService:
    """The records service over REST v2 for an open client; makes no call.

    ``app_name`` is the account's application name as the connection knows it (REST has
    no call that tells it): the default integration name of API goals, and the cart's
    host (``https://<app name>.infusionsoft.com``) when ``cart_base_url`` is not given.
    """
    from app.api.rest.records_backend import RestRecordsBackend

    return RecordsService(RestRecordsBackend(client, cart_base_url=cart_base_url, app_name=app_name))
