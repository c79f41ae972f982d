"""The contact operations of :class:`app.core.backend.CrmBackend`, over Keap's REST v2 API.

What REST does differently, handled rather than hidden:
- No count [V]: ``can_count`` is False, so the contacts list fills page by page and knows
  its total when the last page arrives; nothing pages a whole account just to show a number.
- Opaque page tokens, no OR and prefix-only text search: searches are paged by
  :mod:`app.api.rest.contact_pages` (tokens kept per search; several alternatives or a tag
  filter resolved to ids once and paged by ``ids==``, like the XML-RPC backend's plans).
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
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from app.api import errors as e
from app.api.lost_create import LookupPolicy, policy_for, resolve
from app.api.lost_merge import merge_unknown, settled
from app.api.rest import contact_fields as cf
from app.api.rest import search
from app.api.rest.client import RestClient
from app.api.rest.contact_pages import CONTACTS, PAGE, ContactPages, items_of, walk
from app.core.backend import numbered_pages
from app.core.cancel import Cancellable
from app.core.fetched_once import FetchedOnce
from app.core.records import Condition, ContactQuery, DuplicateContactError, Row, User
from app.core.schema import CustomField, CustomFieldType

log = logging.getLogger("app.api.rest.backend")

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
        self._custom: FetchedOnce[list[CustomField]] = FetchedOnce()
        self._pages = ContactPages(client, self._custom_map, cache_size)

    # -- reference data ----------------------------------------------------------------------

    def custom_fields(self, cancel: Cancellable, record: str = "Contact") -> list[CustomField]:
        if record != "Contact":
            return []  # [I] other records' custom fields are not shown by the app over REST yet
        def fetch() -> list[CustomField]:
            model = self.client.request("GET", f"{CONTACTS}/model", cancel=cancel)
            items, _ = items_of(model, "custom_fields")
            return [self._custom_field(item) for item in items]

        return list(self._custom.get(fetch))

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
        known = self._custom.known or []
        try:
            search.condition_clause(condition, {f.api_name: f for f in known})
        except e.UnsupportedError as err:
            return err.message
        return ""

    def _custom_map(self, cancel: Cancellable) -> dict[str, CustomField]:
        return {f.api_name: f for f in self.custom_fields(cancel)}

    def users(self, cancel: Cancellable) -> list[User]:
        users = []
        for item in walk(self.client, "/rest/v2/users", "users", {"page_size": 100}, cancel):
            emails = item.get("email_addresses") or []
            email = str(emails[0].get("email") or "") if emails else ""
            name = " ".join(str(item.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
            users.append(User(int(item["id"]), name or email or f"User {item['id']}", email))
        return sorted(users, key=lambda u: u.name.casefold())

    # -- searching (app/api/rest/contact_pages.py) ----------------------------------------------

    def forget_searches(self) -> None:
        self._pages.forget()

    def count_contacts(self, query: ContactQuery, cancel: Cancellable) -> int:
        """Counted by reading ids (1,000 a call): REST has no count. The app does not call this
        for REST connections (``can_count`` is False); it is here for scripts and tests."""
        return len(self._pages.resolve(query, cancel, fresh=True))

    def search_contacts(
        self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int, cancel: Cancellable
    ) -> list[Row]:
        return self._pages.search(query, fields, page, page_size, cancel)

    def pages_by_id(self, query: ContactQuery) -> bool:
        return self._pages.pages_by_id(query)

    def id_at_end(self, query: ContactQuery, cancel: Cancellable) -> int | None:
        return self._pages.id_at_end(query, cancel)

    def rows_by_id(self, ids: Sequence[int], fields: Sequence[str], cancel: Cancellable) -> list[Row]:
        return self._pages.rows_by_id(ids, fields, cancel)

    def read_pages(
        self, query: ContactQuery, fields: Sequence[str], page_size: int, cancel: Cancellable
    ) -> Iterator[list[Row]]:
        """Every page of ``query`` in order, one after the other (its own token chain)."""
        listing = self._pages.listing(query, fields, page_size, cancel)
        if listing is None:
            return numbered_pages(self, query, fields, page_size, cancel)
        return self._pages.chain(listing, cancel)

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
        return [read(item) for item in items_of(reply, "contacts")[0]]

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
            items = walk(self.client, CONTACTS, "contacts", params, cancel)
            read = cf.RowReader(fields, custom)
            return [read(item) for item in items]

        return read

    def _lookalikes(self, values: dict[str, object], cancel: Cancellable) -> set[int]:
        """Ids of contacts with this e-mail (or this first and last name): tells a lost create apart."""
        read = self._lookalike_reader(values, ["Id"], cancel)
        return {int(r["Id"]) for r in read()} if read is not None else set()
