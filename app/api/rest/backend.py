"""The contact operations of :class:`app.core.backend.CrmBackend`, over Keap's REST v2 API.

What REST does differently, handled rather than hidden:
- No count [V]: ``can_count`` is False, so the contacts list fills page by page and knows
  its total when the last page arrives; nothing pages a whole account just to show a number.
- Opaque page tokens: page N needs the token that came with page N-1. Tokens are kept per
  query, page size and properties, so the table's next page (always requested after the
  one before it) costs one call. Asking for a page whose token is unknown walks there.
- No OR and prefix-only text search (:mod:`app.api.rest.search`): a query of one
  alternative is paged by the server; several (the search box's name OR e-mail) or a tag
  filter are resolved to ids once (cached per query, dropped on writes) and paged by
  ``ids==``, like the XML-RPC backend's plans.
- Whole-array writes: changing ``Phone2`` sends every phone; the arrays a change touches in
  part are read first (:func:`app.api.rest.contact_fields.arrays_needed`).
- Creates are sent once. A lost reply (:class:`OutcomeUnknownError`) is resolved by looking
  the contact up by e-mail or name, several times with backoff, adopting only a contact
  with every field sent and created within the time window (:mod:`app.api.lost_create`);
  otherwise the error goes to the user, who decides, because a resend could duplicate a
  contact that Keap created after all.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.api import errors as e
from app.api.lost_create import LookupPolicy, policy_for, resolve
from app.api.lost_merge import merge_unknown, settled
from app.api.rest import contact_fields as cf
from app.api.rest import search
from app.api.rest.client import RestClient
from app.core.backend import numbered_pages
from app.core.cancel import Cancellable
from app.core.gui_priority import cpu_turn, step_aside
from app.core.records import Condition, ContactQuery, DuplicateContactError, Row, User
from app.core.schema import CustomField, CustomFieldType

log = logging.getLogger("app.api.rest.backend")

PAGE = 1000
#: ``ids==`` chunk for pages of resolved searches (keeps URLs short).
ID_CHUNK = 250
CONTACTS = "/rest/v2/contacts"
#: CustomFieldMetaData.field_type -> DataFormField.DataType [V enum; pairing I].
FIELD_TYPES: dict[str, CustomFieldType] = {
    "PHONE_NUMBER": CustomFieldType.PHONE,
    "SOCIAL_SECURITY_NUMBER": CustomFieldType.SSN,
    "CURRENCY": CustomFieldType.CURRENCY,
    "PERCENT": CustomFieldType.PERCENT,
    "STATE": CustomFieldType.STATE,
    "YES_NO": CustomFieldType.YES_NO,
    "YEAR": CustomFieldType.YEAR,
    "MONTH": CustomFieldType.MONTH,
    "DAY_OF_WEEK": CustomFieldType.DAY_OF_WEEK,
    "NAME": CustomFieldType.NAME,
    "DECIMAL_NUMBER": CustomFieldType.DECIMAL,
    "WHOLE_NUMBER": CustomFieldType.NUMBER,
    "DATE": CustomFieldType.DATE,
    "DATE_TIME": CustomFieldType.DATETIME,
    "TEXT": CustomFieldType.TEXT,
    "TEXT_AREA": CustomFieldType.TEXT_AREA,
    "LIST_BOX": CustomFieldType.LIST_BOX,
    "WEBSITE": CustomFieldType.WEBSITE,
    "EMAIL": CustomFieldType.EMAIL,
    "RADIO": CustomFieldType.RADIO,
    "DROPDOWN": CustomFieldType.SELECT,
    "USER": CustomFieldType.USER,
    "DRILLDOWN": CustomFieldType.DRILLDOWN,
    "USER_LIST_BOX": CustomFieldType.USER_LIST_BOX,
}


def _items(reply: object, key: str) -> tuple[list[dict[str, Any]], str]:
    if not isinstance(reply, dict) or not isinstance(reply.get(key, []), list):
        raise e.MalformedResponseError(detail=f"the reply has no {key} list")
    return list(reply.get(key) or []), str(reply.get("next_page_token") or "")


@dataclass(eq=False)
class _Listing:
    """One search REST pages on the server: its one filter, order, properties and page size."""

    flt: str
    order: str
    props: tuple[str, ...]
    fields: tuple[str, ...]
    custom: dict[str, CustomField]
    size: int


class RestBackend:
    """:class:`~app.core.backend.CrmBackend` over one :class:`RestClient` (thread-safe)."""

    protocol = "rest"
    #: REST v2 has no contact count [V]; the list learns its total from its last page.
    can_count = False

    def __init__(self, client: RestClient, *, cache_size: int = 8,
                 lost_create: LookupPolicy | None = None) -> None:
        self.client = client
        #: How long a create whose reply was lost is looked for (default: the read timeout and more).
        self.lost_create = policy_for(client, lost_create)
        self._lock = threading.Lock()
        self._custom: list[CustomField] | None = None
        self._tokens: OrderedDict[tuple[object, ...], list[str | None]] = OrderedDict()
        self._ids: OrderedDict[tuple[object, ...], list[int]] = OrderedDict()
        self._cache_size = cache_size

    # -- reference data ----------------------------------------------------------------------

    def custom_fields(self, cancel: Cancellable, record: str = "Contact") -> list[CustomField]:
        if record != "Contact":
            return []  # [I] other records' custom fields are not shown by the app over REST yet
        with self._lock:
            known = self._custom
        if known is None:
            model = self.client.request("GET", f"{CONTACTS}/model", cancel=cancel)
            items, _ = _items(model, "custom_fields")
            known = [self._custom_field(item) for item in items]
            with self._lock:
                self._custom = known
        return list(known)

    @staticmethod
    def _custom_field(item: dict[str, Any]) -> CustomField:
        options = tuple(str(o.get("label") or o.get("id")) for o in item.get("options") or [])
        return CustomField(
            id=int(item["id"]),
            name=str(item.get("field_name") or ""),
            label=str(item.get("label") or ""),
            data_type=FIELD_TYPES.get(str(item.get("field_type")), CustomFieldType.TEXT),
            form_id=-1,
            group_id=int(item.get("group_id") or 0),
            options=options,
            default_value=str(item.get("default_value") or ""),
        )

    def sort_refusal(self, field: str) -> str:
        """REST sorts contacts by Id, e-mail and the create/update times only [V]."""
        return "" if field in search.ORDER_FIELDS else search.SORTABLE_HINT

    def condition_refusal(self, condition: Condition) -> str:
        """Why REST cannot filter by ``condition`` ("" when it can); makes no call (the custom
        fields known so far are used), so a dialog can ask on the GUI thread."""
        with self._lock:
            known = list(self._custom or [])
        try:
            search.condition_clause(condition, {f.api_name: f for f in known})
        except e.UnsupportedError as err:
            return err.message
        return ""

    def _custom_map(self, cancel: Cancellable) -> dict[str, CustomField]:
        return {f.api_name: f for f in self.custom_fields(cancel)}

    def users(self, cancel: Cancellable) -> list[User]:
        users = []
        for item in self._walk("/rest/v2/users", "users", {"page_size": 100}, cancel):
            emails = item.get("email_addresses") or []
            email = str(emails[0].get("email") or "") if emails else ""
            name = " ".join(str(item.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
            users.append(User(int(item["id"]), name or email or f"User {item['id']}", email))
        return sorted(users, key=lambda u: u.name.casefold())

    def _walk(
        self, path: str, key: str, params: dict[str, Any], cancel: Cancellable
    ) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            reply = self.client.request(
                "GET", path, params={**params, "page_token": token or None}, cancel=cancel
            )
            items, token = _items(reply, key)
            yield from items
            if not token or not items:
                return

    # -- searching ---------------------------------------------------------------------------

    def forget_searches(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._ids.clear()

    def count_contacts(self, query: ContactQuery, cancel: Cancellable) -> int:
        """Counted by reading ids (1,000 a call): REST has no count. The app does not call this
        for REST connections (``can_count`` is False); it is here for scripts and tests."""
        return len(self._resolve(query, cancel, fresh=True))

    def search_contacts(
        self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int, cancel: Cancellable
    ) -> list[Row]:
        if not 1 <= page_size <= PAGE or page < 0:
            raise ValueError(f"page_size must be 1..{PAGE} and page >= 0")
        listing = self._listing(query, fields, page_size, cancel)
        if listing is not None:
            return self._server_page(listing, page, cancel)
        ids = self._resolve(query, cancel)
        return self.rows_by_id(ids[page * page_size : (page + 1) * page_size], fields, cancel)

    def id_at_end(self, query: ContactQuery, cancel: Cancellable) -> int | None:
        """The query's last Id (one call of one row, the order reversed) when the server pages it
        by Id: one filter, no tags, sorted by Id. Full reads then read Id ranges side by side."""
        listing = self._listing(query, ["Id"], 1, cancel) if query.order_by == "Id" else None
        if listing is None:
            return None
        params = {"filter": listing.flt or None, "order_by": f"id {'desc' if query.ascending else 'asc'}",
                  "fields": "id", "page_size": 1}
        items, _ = _items(self.client.request("GET", CONTACTS, params=params, cancel=cancel), "contacts")
        return int(items[0]["id"]) if items else None

    def rows_by_id(self, ids: Sequence[int], fields: Sequence[str], cancel: Cancellable) -> list[Row]:
        """Rows of these contacts in this order (``ids==`` chunks)."""
        custom = self._custom_map(cancel) if any(f.startswith("_") for f in fields) else {}
        props = cf.properties_for(fields)
        found: dict[int, Row] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            reply = self.client.request(
                "GET",
                CONTACTS,
                params={
                    "filter": "ids==" + ",".join(str(i) for i in chunk),
                    "fields": ",".join(props),
                    "page_size": len(chunk),
                },
                cancel=cancel,
            )
            read = cf.RowReader(fields, custom)
            for item in _items(reply, "contacts")[0]:
                row = read(item)
                found[row["Id"]] = row
        return [found[i] for i in ids if i in found]

    def _listing(
        self, query: ContactQuery, fields: Sequence[str], size: int, cancel: Cancellable
    ) -> _Listing | None:
        """The search as one server-paged filter; None when REST answers it as several filters
        or by tags (then resolved to ids client-side, :meth:`_resolve`)."""
        custom = (
            self._custom_map(cancel) if any(f.startswith("_") for f in fields) or query.conditions else {}
        )
        alternatives = search.plan(query, custom)
        if len(alternatives) != 1 or query.tag_ids:
            return None
        return _Listing(alternatives[0], search.order_param(query), tuple(cf.properties_for(fields)),
                        tuple(fields), custom, size)

    def _server_page(self, listing: _Listing, page: int, cancel: Cancellable) -> list[Row]:
        key = (listing.flt, listing.order, listing.props, listing.size)
        token = self._token_for(key, page, listing, cancel)
        if token is None:
            return []  # past the end
        rows, next_token = self._fetch_page(listing, token, cancel)
        self._remember(key, page + 1, next_token or None)
        return rows

    def _fetch_page(self, listing: _Listing, token: str, cancel: Cancellable) -> tuple[list[Row], str]:
        """One page from ``token`` ("" = the first) as rows, and the next page's token."""
        params = {
            "filter": listing.flt or None,
            "order_by": listing.order,
            "fields": ",".join(listing.props),
            "page_size": listing.size,
            "page_token": token or None,
        }
        items, next_token = _items(
            self.client.request("GET", CONTACTS, params=params, cancel=cancel), "contacts"
        )
        rows, read = [], cf.RowReader(listing.fields, listing.custom)
        with cpu_turn():
            for n, item in enumerate(items, 1):
                rows.append(read(item))
                if n % 100 == 0:
                    step_aside()  # the GUI paints first (app/core/gui_priority.py)
        return rows, next_token

    def read_pages(
        self, query: ContactQuery, fields: Sequence[str], page_size: int, cancel: Cancellable
    ) -> Iterator[list[Row]]:
        """Every page of ``query`` in order, one after the other; the tokens stay in this
        iterator (a full read's Id ranges must not push the table's searches out of the cache)."""
        listing = self._listing(query, fields, page_size, cancel)
        if listing is None:
            yield from numbered_pages(self, query, fields, page_size, cancel)
            return
        token = ""
        while True:
            rows, token = self._fetch_page(listing, token, cancel)
            yield rows
            if not token or len(rows) < page_size:
                return

    def _token_for(
        self, key: tuple[object, ...], page: int, listing: _Listing, cancel: Cancellable
    ) -> str | None:
        """The token of ``page`` ("" for the first, None past the end), walking forward if unknown."""
        if page == 0:
            return ""
        with self._lock:
            tokens = list(self._tokens.get(key, [""]))
        if page < len(tokens):
            return tokens[page]
        known = len(tokens) - 1
        token = tokens[known]
        log.info(
            "REST page %d requested before page %d: walking %d page(s) for their tokens",
            page,
            known + 1,
            page - known,
        )
        while known < page:
            if token is None:
                return None
            params = {
                "filter": listing.flt or None,
                "order_by": listing.order,
                "fields": "id",
                "page_size": listing.size,
                "page_token": token or None,
            }
            _, next_token = _items(
                self.client.request("GET", CONTACTS, params=params, cancel=cancel), "contacts"
            )
            known += 1
            token = next_token or None
            self._remember(key, known, token)
        return token

    def _remember(self, key: tuple[object, ...], page: int, token: str | None) -> None:
        with self._lock:
            tokens = self._tokens.setdefault(key, [""])
            self._tokens.move_to_end(key)
            while len(tokens) <= page:
                tokens.append(None)
            tokens[page] = token
            while len(self._tokens) > self._cache_size:
                self._tokens.popitem(last=False)

    def _resolve(self, query: ContactQuery, cancel: Cancellable, *, fresh: bool = False) -> list[int]:
        """Every matching id in the query's order (several alternatives, tags): cached per query."""
        key = (query.text, query.conditions, query.tag_ids, query.tag_mode, query.order_by, query.ascending)
        with self._lock:
            cached = None if fresh else self._ids.get(key)
        if cached is not None:
            return cached
        custom = self._custom_map(cancel) if query.conditions else {}
        order = search.order_param(query)
        sort_prop = search.ORDER_FIELDS[query.order_by]
        tagged: set[int] | None = None
        if query.tag_ids:
            from app.api.rest.tag_backend import RestTagBackend

            tagged = set(
                RestTagBackend(self.client).contacts_with_tags(query.tag_ids, query.tag_mode, cancel)
            )
        keys: dict[int, object] = {}
        if tagged is not None and not query.text and not query.conditions and query.order_by == "Id":
            ids = sorted(tagged, reverse=not query.ascending)
        else:
            for flt in search.plan(query, custom):
                params = {
                    "filter": flt or None,
                    "order_by": order,
                    "fields": f"id,{sort_prop}",
                    "page_size": PAGE,
                }
                for item in self._walk(CONTACTS, "contacts", params, cancel):
                    cid = int(item["id"])
                    if tagged is None or cid in tagged:
                        keys[cid] = _sort_value(item, sort_prop)
            ids = sorted(keys, key=lambda i: (_rank(keys[i]), i), reverse=not query.ascending)
        with self._lock:
            self._ids[key] = ids
            while len(self._ids) > self._cache_size:
                self._ids.popitem(last=False)
        return ids

    # -- one contact -------------------------------------------------------------------------

    def load_contact(self, contact_id: int, fields: Sequence[str], cancel: Cancellable) -> Row:
        custom = self._custom_map(cancel) if any(f.startswith("_") for f in fields) else {}
        reply = self.client.request(
            "GET",
            f"{CONTACTS}/{int(contact_id)}",
            params={"fields": ",".join(cf.properties_for(fields))},
            cancel=cancel,
        )
        if not isinstance(reply, dict):
            raise e.MalformedResponseError(detail="the contact reply is not an object")
        return cf.to_row(reply, fields, custom)

    def _current(
        self, contact_id: int, values: dict[str, object], cancel: Cancellable, custom: dict[str, CustomField]
    ) -> Row:
        needed = cf.arrays_needed(values)
        if not needed:
            return {}
        reply = self.client.request(
            "GET",
            f"{CONTACTS}/{int(contact_id)}",
            params={"fields": ",".join(["id", *needed])},
            cancel=cancel,
        )
        every = [*cf.ARRAY_OF, *custom]
        return cf.to_row(reply if isinstance(reply, dict) else {"id": contact_id}, every, custom)

    def update_contact(self, contact_id: int, values: dict[str, object], cancel: Cancellable) -> None:
        custom = self._custom_map(cancel) if any(k.startswith("_") for k in values) else {}
        self.forget_searches()
        body, mask = cf.to_body(values, self._current(contact_id, values, cancel, custom), custom)
        if not mask:
            return
        self.client.request(
            "PATCH", f"{CONTACTS}/{int(contact_id)}", params={"update_mask": mask}, json=body, cancel=cancel
        )
        self.forget_searches()

    def delete_contact(self, contact_id: int, cancel: Cancellable) -> None:
        self.forget_searches()
        self.client.request("DELETE", f"{CONTACTS}/{int(contact_id)}", cancel=cancel)
        self.forget_searches()

    def merge_contacts(self, keep_id: int, duplicate_id: int, cancel: Cancellable) -> None:
        """``POST /contacts:merge`` once (never retried after it may have arrived, see
        :mod:`app.api.rest.policy`); a lost reply is resolved by reading both Ids."""
        body = {"contact_id": str(int(keep_id)), "duplicate_contact_id": str(int(duplicate_id))}
        self.forget_searches()
        try:
            self.client.request("POST", f"{CONTACTS}:merge", json=body, params={"fields": "id"},
                                cancel=cancel)
        except e.OutcomeUnknownError as lost:
            log.warning("POST %s:merge reply lost; reading both contacts (not resending)", CONTACTS)
            try:
                present = {int(r["Id"]) for r in self.rows_by_id([int(keep_id), int(duplicate_id)], ["Id"],
                                                                 cancel)}
            except e.ApiError:
                raise lost from None
            if not settled(keep_id, duplicate_id, present):
                raise merge_unknown(lost) from None
        finally:
            self.forget_searches()

    def find_contacts_by_email(self, email: str, fields: Sequence[str], cancel: Cancellable) -> list[Row]:
        email = email.strip()
        if not email or ";" in email or "," in email or "*" in email:
            return []
        custom = self._custom_map(cancel) if any(f.startswith("_") for f in fields) else {}
        reply = self.client.request(
            "GET",
            CONTACTS,
            params={
                "filter": f"email=={email}",
                "fields": ",".join(cf.properties_for(fields)),
                "page_size": 100,
            },
            cancel=cancel,
        )
        read = cf.RowReader(fields, custom)
        return [read(item) for item in _items(reply, "contacts")[0]]

    def _lookup(self, look_once: bool) -> LookupPolicy:
        return LookupPolicy((), self.lost_create.window) if look_once else self.lost_create

    def create_contact(
        self, values: dict[str, object], cancel: Cancellable, *, dup_check_email: bool = True,
        lookalikes: frozenset[int] | None = None, look_once: bool = False,
    ) -> int:
        if not cf.blank_contact_rule(values):
            raise e.UnsupportedError(
                "Keap's REST API creates a contact only with an e-mail address, a phone "
                "number or an address: fill in one of them."
            )
        custom = self._custom_map(cancel) if any(k.startswith("_") for k in values) else {}
        body, _ = cf.to_body(values, {}, custom, creating=True)  # refuses what REST cannot send, first
        email = str(values.get("Email") or "").strip()
        if dup_check_email and email:
            existing = self.find_contacts_by_email(
                email, ["Id", "FirstName", "LastName", "Email", "Company"], cancel
            )
            if existing:
                raise DuplicateContactError(email, existing)
            before: set[int] = set()  # nobody has this address: no second look needed
        elif lookalikes is not None:  # the caller read them already
            before = set(lookalikes)
        else:
            before = self._lookalikes(values, cancel)
        self.forget_searches()
        sent_at = datetime.now(UTC)
        try:
            reply = self.client.request("POST", CONTACTS, json=body, params={"fields": "id"}, cancel=cancel)
        except e.OutcomeUnknownError as lost:
            # never resent: look for it (every field sent, the time window), else the user decides
            log.warning("POST %s reply lost; looking the contact up (not resending)", CONTACTS)
            fields = [*values, "DateCreated"]
            look = self._lookalike_reader(values, fields, cancel)
            return resolve("the contact", look, values, sent_at, self._lookup(look_once), cancel,
                           exclude=before, lost=lost)
        finally:
            self.forget_searches()
        if not isinstance(reply, dict) or "id" not in reply:
            raise e.MalformedResponseError(detail="the create reply has no id")
        return int(reply["id"])

    def _lookalike_reader(
        self, values: dict[str, object], fields: Sequence[str], cancel: Cancellable
    ) -> Callable[[], list[Row]] | None:
        """A function reading the contacts with this e-mail (or this first and last name) with
        ``fields``; None when there is nothing to look them up by."""
        email = str(values.get("Email") or "").strip()
        if email:
            return lambda: self.find_contacts_by_email(email, fields, cancel)
        clauses = [
            f"{prop}=={str(values[name]).strip()}"
            for name, prop in (("FirstName", "given_name"), ("LastName", "family_name"))
            if str(values.get(name) or "").strip() and not set(";,*") & set(str(values[name]))
        ]
        if not clauses:
            return None

        def read() -> list[Row]:
            custom = self._custom_map(cancel) if any(f.startswith("_") for f in fields) else {}
            params = {"filter": ";".join(clauses), "fields": ",".join(cf.properties_for(fields)),
                      "page_size": PAGE}
            items = self._walk(CONTACTS, "contacts", params, cancel)
            read = cf.RowReader(fields, custom)
            return [read(item) for item in items]

        return read

    def _lookalikes(self, values: dict[str, object], cancel: Cancellable) -> set[int]:
        """Ids of contacts with this e-mail (or this first and last name): tells a lost create apart."""
        read = self._lookalike_reader(values, ["Id"], cancel)
        return {int(r["Id"]) for r in read()} if read is not None else set()


def _sort_value(item: dict[str, Any], prop: str) -> object:
    if prop == "id":
        return int(item["id"])
    if prop == "email":
        emails = item.get("email_addresses") or []
        first = next((x.get("email") for x in emails if x.get("field") == "EMAIL1"), None)
        return str(first).casefold() if first else None
    return item.get(prop)


def _rank(value: object) -> tuple[int, Any]:
    """NULL first, then values (text case-insensitively, ISO times sort as text)."""
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.isoformat())
    return (1, value)

