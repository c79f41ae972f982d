"""Linked records over Keap's REST v2 API (:class:`app.core.records_backend.RecordsBackend`).

The same values and semantics as :mod:`app.api.xmlrpc.records_backend`, so a tab cannot
tell the protocols apart; how REST's JSON becomes those values is decided in
:mod:`app.api.rest.record_json`. What REST does differently is handled here:

- Order items can be changed and deleted (``PATCH``/``DELETE /orders/{id}/items/{item}``
  with ``update_mask``); the capability registry says so (``for_protocol("rest")``).
- There is no invoice endpoint: invoices are the totals the contact's orders carry, so
  the Orders tab costs one call where XML-RPC needs four.
- A create whose reply is lost (:class:`~app.api.errors.OutcomeUnknownError`; the
  client never resends a POST) is looked up before anything else: the contact's
  opportunities with that stage and title that were not there before the call and were
  created in the last minutes. Exactly one: that is the new id. Otherwise the error
  stands, and nothing is sent again (a duplicate is worse than asking the user to look).
- REST has no ``getAppSetting`` [I]: the app name (the integration name of API goals,
  and the cart's host on Keap's shared endpoint) is what the connection was configured
  with (``app_name``), else the one a ``cart_base_url`` on ``<app>.infusionsoft.com``
  implies, else blank (the goal dialog then asks for it).
- Subscription names: ``GET /products?filter=product_ids==...`` [V SDK]; where that
  endpoint does not exist (the sandbox emulates no products: 404 "No such resource"),
  the name an order item of that product carries (``GET /orders?filter=product_id==``),
  else "Product N" as over XML-RPC [I]. Names are cached for the backend's life.
- ``linked_contacts`` is ``available=False`` when the links endpoint answers 404 saying
  linked contacts are not available on the account (the sandbox's choice [I]); any other
  404 (an unknown contact) is an error as usual.
- ``email_status`` of an address Keap does not know (404) is 0, as ``getOptStatus``
  answers; opting in or out needs a reason over REST, so a blank one becomes
  :data:`DEFAULT_REASON` [I].

Thread-safe: the client is, and the small caches are guarded by a lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from app.api import errors as e
from app.api.cart_images import CartImages, app_name_of_cart, cart_base_url
from app.api.rest import record_json as rj
from app.api.rest.client import RestClient
from app.api.rest.record_json import Json
from app.api.rest.transport import ParamValue
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

log = logging.getLogger("app.api.records")

V2 = "/rest/v2"
#: The reason sent with an opt-in or opt-out the user gave none for (REST requires one).
DEFAULT_REASON = "Changed in TagDesk"
#: How recent a found opportunity must be to count as the one a lost create made.
RECENT = timedelta(minutes=15)
#: Ids per ``ids==`` filter: Keap documents no maximum for contacts; 100 is its usual cap [I].
IDS_PER_CALL = 100
_MIN_TIME = datetime.min.replace(tzinfo=UTC)
_CONTACT_REF_FIELDS = "given_name,family_name,email_addresses,company"


class RestRecordsBackend:
    """Linked records through one :class:`RestClient`; thread-safe."""

    protocol = "rest"

    def __init__(self, client: RestClient, *, cart_base_url: str | None = None, app_name: str | None = None,
                 image_timeout: tuple[float, float] = (5.0, 15.0)) -> None:
        self.client = client
        self.capabilities = CapabilityRegistry.for_protocol("rest")
        self._cart_base = cart_base_url
        self._app_name = (app_name or "").strip() or app_name_of_cart(cart_base_url) or ""
        self._images = CartImages(client.transport.verify, timeout=image_timeout)
        self._lock = threading.Lock()
        self._product_names: dict[int, str] = {}
        self._products_endpoint = True  # until Keap (or the sandbox) says it has none

    # -- plumbing -----------------------------------------------------------------------------

    def _get(self, path: str, cancel: Cancellable, **params: ParamValue) -> object:
        return self.client.request("GET", path, params=params, cancel=cancel)

    def _list(self, path: str, key: str, cancel: Cancellable, *, page_size: int = 1000,
              limit: int | None = None, **params: ParamValue) -> list[Json]:
        """Every item of a paged list (or the first ``limit``), following ``next_page_token``."""
        out: list[Json] = []
        token = ""
        seen: set[str] = set()
        while True:
            query: dict[str, ParamValue] = {**params, "page_size": page_size}
            if token:
                query["page_token"] = token
            reply = self._get(path, cancel, **query)
            out.extend(rj.items_of(reply, key))
            if limit is not None and len(out) >= limit:
                return out[:limit]
            token = str(reply.get("next_page_token") or "") if isinstance(reply, dict) else ""
            if not token or token in seen:
                return out
            seen.add(token)

    # -- opportunities ------------------------------------------------------------------------

    def opportunities(self, contact_id: int, cancel: Cancellable) -> list[Opportunity]:
        rows = self._list(f"{V2}/opportunities", "opportunities", cancel,
                          filter=f"contact_id=={int(contact_id)}", order_by="created_time desc",
                          fields="status_id,objection")
        found = [rj.opportunity(r) for r in rows]
        return sorted(found, key=lambda o: (o.date_created or _MIN_TIME, o.id), reverse=True)

    def stages(self, cancel: Cancellable) -> list[Stage]:
        stages = [rj.stage(r) for r in self._list(f"{V2}/opportunities/stages", "stages", cancel)]
        return sorted(stages, key=lambda s: (s.order, s.id))

    def users(self, cancel: Cancellable) -> list[tuple[int, str]]:
        # partners too: XML-RPC's User table lists them, and one may own an opportunity
        rows = self._list(f"{V2}/users", "users", cancel, page_size=100, filter="include_partners==true")
        return sorted((rj.user(r) for r in rows), key=lambda u: u[1].casefold())

    def create_opportunity(self, contact_id: int, values: Mapping[str, object], cancel: Cancellable) -> int:
        body = {k: v for k, v in rj.opportunity_body(values).items() if v is not None}
        body["contact_id"] = str(int(contact_id))
        if not body.get("stage_id"):
            # REST requires a stage; Keap's own screens start a new opportunity in the first [I]
            first = next(iter(self.stages(cancel)), None)
            if first is not None:
                body["stage_id"] = str(first.id)
        title, stage_id = str(body.get("opportunity_title") or ""), str(body.get("stage_id") or "")
        before = self._matching(int(contact_id), title, stage_id, cancel)
        started = datetime.now(UTC)
        try:
            reply = self.client.request("POST", f"{V2}/opportunities", json=body, cancel=cancel)
        except e.OutcomeUnknownError:
            # never sent twice: if the lost create was applied, it is there now
            after = self._matching(int(contact_id), title, stage_id, cancel)
            created = [i for i, when in after.items()
                       if i not in before and (when is None or abs(when - started) <= RECENT)]
            if len(created) == 1:
                log.info("the lost opportunity create had been applied (id %d)", created[0])
                return created[0]
            raise
        new_id = rj.rest_id(rj.obj(reply, "the new opportunity").get("id"))
        if new_id is None:
            raise e.MalformedResponseError(detail="the created opportunity has no id")
        return new_id

    def _matching(self, contact_id: int, title: str, stage_id: str,
                  cancel: Cancellable) -> dict[int, datetime | None]:
        """Ids (and creation times) of the contact's opportunities with this stage and title.

        The title is compared here, not in the filter: a title may hold ``*`` or ``;``,
        which a filter would read as a wildcard or a second clause.
        """
        clauses = [f"contact_id=={contact_id}"] + ([f"stage_id=={stage_id}"] if stage_id else [])
        rows = self._list(f"{V2}/opportunities", "opportunities", cancel, filter=";".join(clauses))
        return {o.id: o.date_created for o in map(rj.opportunity, rows) if o.title == title}

    def update_opportunity(self, opportunity_id: int, values: Mapping[str, object],
                           cancel: Cancellable) -> None:
        body = rj.opportunity_body(values)
        if body:
            self.client.request("PATCH", f"{V2}/opportunities/{int(opportunity_id)}",
                                params={"update_mask": list(body)}, json=body, cancel=cancel)

    # -- orders, invoices, subscriptions ------------------------------------------------------

    def _orders_json(self, contact_id: int, cancel: Cancellable) -> list[Json]:
        return self._list(f"{V2}/orders", "orders", cancel, filter=f"contact_id=={int(contact_id)}",
                          order_by="order_time desc")

    def notes_count(self, contact_id: int, cancel: Cancellable) -> int | None:
        """None: TagDesk does not read REST v2 notes yet (a merge still moves them)."""
        return None

    def orders(self, contact_id: int, cancel: Cancellable) -> list[Order]:
        found = [rj.order(j) for j in self._orders_json(contact_id, cancel)]
        return sorted(found, key=lambda o: (o.date_created or _MIN_TIME, o.id), reverse=True)

    def invoices(self, contact_id: int, cancel: Cancellable) -> list[Invoice]:
        found = [inv for j in self._orders_json(contact_id, cancel) if (inv := rj.invoice(j)) is not None]
        return sorted(found, key=lambda i: (i.date_created or _MIN_TIME, i.id), reverse=True)

    def update_order_item(self, order_id: int, item_id: int, values: Mapping[str, object],
                          cancel: Cancellable) -> OrderItem:
        path = f"{V2}/orders/{int(order_id)}/items/{int(item_id)}"
        body = rj.order_item_body(values)
        if not body:
            reply = self._get(path, cancel)
        else:
            reply = self.client.request("PATCH", path, params={"update_mask": list(body)}, json=body,
                                        cancel=cancel)
        return rj.order_item(rj.obj(reply, "the order item"), int(order_id))

    def delete_order_item(self, order_id: int, item_id: int, cancel: Cancellable) -> None:
        try:
            self.client.request("DELETE", f"{V2}/orders/{int(order_id)}/items/{int(item_id)}", cancel=cancel)
        except e.NotFoundError:
            # a retried DELETE whose first reply was lost finds the item gone: that is the goal
            log.info("order item %s of order %s was already gone", item_id, order_id)

    def subscriptions(self, contact_id: int, cancel: Cancellable) -> list[Subscription]:
        rows = self._list(f"{V2}/subscriptions", "subscriptions", cancel,
                          filter=f"contact_id=={int(contact_id)}")
        names = self._names({pid for r in rows if (pid := rj.subscription_product(r))}, cancel)
        subs = [rj.subscription(r, names) for r in rows]
        # active first, then by next bill date (as over XML-RPC)
        return sorted(subs, key=lambda s: (s.status.casefold() != "active", s.next_bill_date or date.max,
                                           s.id))

    def _names(self, product_ids: set[int], cancel: Cancellable) -> dict[int, str]:
        """Product names (cached; "" where none could be found)."""
        with self._lock:
            missing = sorted(product_ids - set(self._product_names))
            ask_products = self._products_endpoint
        found: dict[int, str] = {}
        if missing and ask_products:
            try:
                for p in self._list(f"{V2}/products", "products", cancel,
                                    filter=f"product_ids=={','.join(map(str, missing))}"):
                    if (pid := rj.rest_id(p.get("id"))) is not None:
                        found[pid] = rj.text(p.get("name") or p.get("product_name"))
            except e.NotFoundError:
                log.info("this account's REST API has no product list; names come from order items")
                with self._lock:
                    self._products_endpoint = False
            except e.RestApiError as err:  # a name is not worth failing the tab for
                log.info("product names not read: %s", err.api_message or err.message)
        with self._lock:
            from_orders = not self._products_endpoint
        for pid in missing:
            if pid not in found and from_orders:
                found[pid] = self._name_from_orders(pid, cancel)
        with self._lock:
            for pid in missing:
                self._product_names[pid] = found.get(pid, "")
            return {pid: self._product_names.get(pid, "") for pid in product_ids}

    def _name_from_orders(self, product_id: int, cancel: Cancellable) -> str:
        rows = self._list(f"{V2}/orders", "orders", cancel, page_size=1, limit=1,
                          filter=f"product_id=={product_id}")
        for order in rows:
            for item in order.get("order_items") or []:
                product = item.get("product") if isinstance(item, dict) else None
                if isinstance(product, dict) and rj.rest_id(product.get("id")) == product_id:
                    return rj.text(product.get("name") or item.get("name"))
        return ""

    def product_image(self, product_id: int, cancel: Cancellable) -> bytes | None:
        if cancel.is_cancelled():
            raise e.CancelledError()
        base = self._cart_base or cart_base_url(self.client.base_url, self._app_name)
        return None if base is None else self._images.fetch(base, product_id, cancel)

    # -- linked contacts ----------------------------------------------------------------------

    def linked_contacts(self, contact_id: int, cancel: Cancellable) -> LinkedContacts:
        try:
            rows = self._list(f"{V2}/contacts/{int(contact_id)}/links", "links", cancel)
        except e.NotFoundError as err:
            if "not available" in err.api_message.lower():
                return LinkedContacts(available=False)
            raise
        links = [found for r in rows if (found := rj.link(r, int(contact_id))) is not None]
        return LinkedContacts(True, tuple(links))

    def link_types(self, cancel: Cancellable) -> list[LinkType]:
        rows = self._list(f"{V2}/contacts/links/types", "contact_link_types", cancel)
        return sorted((rj.link_type(r) for r in rows), key=lambda t: t.id)

    def link_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        body = {"contact1_id": str(int(contact_id)), "contact2_id": str(int(other_id)),
                "link_type_id": str(int(type_id))}
        try:
            self.client.request("POST", f"{V2}/contacts:link", json=body, cancel=cancel)
        except e.OutcomeUnknownError:
            # look before deciding: the lost link may have been made
            links = self.linked_contacts(contact_id, cancel).links
            if any(x.other_id == int(other_id) and x.type_id == int(type_id) for x in links):
                return True
            raise
        except e.RestApiError as err:
            if err.status == 400:  # Keap refuses, e.g. the type's limit per contact is reached
                log.info("link refused: %s", err.api_message)
                return False
            raise
        return True

    def unlink_contacts(self, contact_id: int, other_id: int, type_id: int, cancel: Cancellable) -> bool:
        body = {"contact1_id": str(int(contact_id)), "contact2_id": str(int(other_id)),
                "link_type_id": str(int(type_id))}
        try:
            self.client.request("POST", f"{V2}/contacts:unlink", json=body, cancel=cancel)
        except e.RestApiError as err:
            if err.status == 400:
                return False
            raise
        return True

    def contacts(self, ids: Iterable[int], cancel: Cancellable) -> dict[int, ContactRef]:
        wanted = sorted({int(i) for i in ids})
        out: dict[int, ContactRef] = {}
        for start in range(0, len(wanted), IDS_PER_CALL):
            chunk = wanted[start:start + IDS_PER_CALL]
            for row in self._list(f"{V2}/contacts", "contacts", cancel, page_size=len(chunk),
                                  filter=f"ids=={','.join(map(str, chunk))}", fields=_CONTACT_REF_FIELDS):
                ref = rj.contact_ref(row)
                out[ref.id] = ref
        return out

    def find_contacts(self, text: str, cancel: Cancellable) -> list[ContactRef]:
        text = text.strip()
        if not text:
            return []
        if text.isdigit():
            return list(self.contacts([int(text)], cancel).values())
        if ";" in text or "," in text:
            raise e.UnsupportedError("Keap's REST API cannot search for text containing ';' or ','.")
        value = text.rstrip("*")
        filters = [f"email=={value}"] if "@" in text else [f"family_name=={value}*", f"given_name=={value}*"]
        found: dict[int, ContactRef] = {}
        for clause in filters:  # last names first, as over XML-RPC
            for row in self._list(f"{V2}/contacts", "contacts", cancel, page_size=50, limit=50, filter=clause,
                                  fields=_CONTACT_REF_FIELDS):
                ref = rj.contact_ref(row)
                found.setdefault(ref.id, ref)
        return list(found.values())[:50]

    # -- e-mail status ------------------------------------------------------------------------

    def contact_emails(self, contact_id: int, cancel: Cancellable) -> dict[str, str]:
        reply = self._get(f"{V2}/contacts/{int(contact_id)}", cancel, fields="email_addresses")
        return rj.contact_emails(rj.obj(reply, "the contact"))

    def _status_path(self, email: str) -> str:
        return f"{V2}/emailAddresses/{quote(email.strip(), safe='')}/status"

    def email_status(self, email: str, cancel: Cancellable) -> int:
        try:
            reply = self._get(self._status_path(email), cancel)
        except e.NotFoundError:
            return 0  # an address Keap has never seen is not marketable (getOptStatus says 0)
        return rj.opt_code(rj.obj(reply, "the e-mail status"))

    def _set_opt(self, email: str, opted_in: bool, reason: str, cancel: Cancellable) -> int:
        body = {"opted_in": opted_in, "reason": reason.strip() or DEFAULT_REASON}
        reply = self.client.request("PATCH", self._status_path(email), json=body, cancel=cancel)
        return rj.opt_code(rj.obj(reply, "the e-mail status"))

    def opt_out(self, email: str, reason: str, cancel: Cancellable) -> bool:
        return self._set_opt(email, False, reason, cancel) == 0

    def opt_in(self, email: str, reason: str, cancel: Cancellable) -> bool:
        # Keap answers 200 with the status unchanged when it refuses (an opted-out address)
        return self._set_opt(email, True, reason, cancel) > 0

    # -- goals and settings -------------------------------------------------------------------

    def achieve_goal(self, integration: str, call_name: str, contact_id: int,
                     cancel: Cancellable) -> GoalResult:
        body = {"integration": integration, "call_name": call_name, "contact_id": int(contact_id)}
        reply = self.client.request("POST", f"{V2}/automations/goals/achieve", json=body, cancel=cancel)
        return rj.goal_result(reply, int(contact_id))

    def app_name(self, cancel: Cancellable) -> str:
        return self._app_name
