"""The contact operations of :class:`app.core.backend.CrmBackend`, over Keap's XML-RPC API.

Searching. ``DataService.query`` ANDs its keys, cannot OR, and finds NULL and ``''``
only separately; a search box over several fields and an "is blank" filter both need
an OR. So every :class:`ContactQuery` becomes a *plan*: an OR of alternatives, each an
AND of query structs (a field filtered twice needs two structs, intersected here).

* A plan of one struct is answered by the server alone: ``DataService.count`` for the
  total, ``DataService.query`` with ``orderBy`` for each page. Nothing is cached.
* Any other plan is resolved to the matching Ids first: each struct is queried for
  ``Id`` and the sort field only, the Id sets are intersected and merged client-side,
  and sorted as the server would (NULL first, case-insensitive text, ties by Id).
  Pages are then slices of that list fetched by Id list (one call per page, in any
  order, in parallel). The list is cached per query: ``count_contacts`` always
  recomputes it (unless another caller just did), pages reuse it, writes drop it.

Creating. A duplicate is looked for by e-mail first (``ContactService.findByEmail``).
``ContactService.add`` is never resent: when its reply is lost
(:class:`~app.api.errors.OutcomeUnknownError`) the contact is looked for
(:mod:`app.api.lost_create`: every field sent, the creation time window, several looks
with backoff); what stays unknown goes to the user, who decides.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from app.api import errors as e
from app.api.lost_create import LookupPolicy, policy_for, resolve
from app.api.lost_merge import merge_unknown, settled
from app.api.xmlrpc import query as q
from app.api.xmlrpc.client import XmlRpcClient
from app.api.xmlrpc.tag_backend import XmlRpcTagBackend
from app.core.backend import numbered_pages
from app.core.cancel import Cancellable
from app.core.dates import to_query_date, to_query_string
from app.core.fetched_once import FetchedOnce
from app.core.records import Condition, ContactQuery, DuplicateContactError, Op, Row, User
from app.core.schema import CustomField

log = logging.getLogger("app.api.backend")

Clause = dict[str, object]
Pair = tuple[str, object]

#: Fields the search box looks in, by what the text looks like.
NAME_FIELDS = ("FirstName", "LastName", "Company", "Email")
EMAIL_FIELDS = ("Email", "EmailAddress2", "EmailAddress3")
PHONE_FIELDS = ("Phone1", "Phone2", "Phone3")
_PHONE_TEXT = re.compile(r"[\d\s()+.\-]*\d[\d\s()+.\-]*")

#: Identity fields used to find a contact whose creation reply was lost.
_IDENTITY_FIELDS = ("Email", "FirstName", "LastName", "Company", "Phone1")


def text_alternatives(text: str) -> list[list[Pair]]:
    """The OR-alternatives of a search-box text, each an AND of (field, LIKE pattern).

    ``@`` in the text searches the three e-mail fields; digits and phone punctuation
    only search the phones, with ``%`` between the digits so any formatting matches;
    otherwise names, company and e-mail, plus "first last" as a name pair.
    """
    text = " ".join(text.split())
    alts: list[list[Pair]] = []
    if not text:
        return alts
    if "@" in text:
        alts.extend([(f, q.contains(text))] for f in EMAIL_FIELDS)
        return alts
    if _PHONE_TEXT.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 3:
        digits = "".join(ch for ch in text if ch.isdigit())
        alts.extend([(f, "%" + "%".join(digits) + "%")] for f in PHONE_FIELDS)
        return alts
    alts.extend([(f, q.contains(text))] for f in NAME_FIELDS)
    first, _, last = text.partition(" ")
    if last:
        alts.append([("FirstName", q.starts_with(first)), ("LastName", q.starts_with(last))])
    return alts


def condition_alternatives(cond: Condition) -> list[Pair]:
    """The OR-alternatives of one filter condition as (field, query value) pairs."""
    value: Any = cond.value
    match cond.op:
        case Op.BLANK:
            return [(cond.field, q.NULL), (cond.field, "")]
        case Op.NOT_BLANK:
            # "<> ''" is false for NULL too, so this excludes both kinds of blank.
            return [(cond.field, "~<>~")]
        case Op.EQUALS:
            if isinstance(value, datetime):
                return [(cond.field, to_query_string(value))]
            if isinstance(value, date):
                return [(cond.field, to_query_date(value) + "%")]  # the whole day
            return [(cond.field, value)]
        case Op.CONTAINS:
            return [(cond.field, q.contains(str(value)))]
        case Op.STARTS:
            return [(cond.field, q.starts_with(str(value)))]
        case Op.ENDS:
            return [(cond.field, q.ends_with(str(value)))]
        case _:
            return [(cond.field, q.compare(cond.op.value, value))]


def plan(query: ContactQuery) -> list[list[Clause]]:
    """The query as an OR of alternatives, each an AND of query structs."""
    factors: list[list[list[Pair]]] = [[[pair] for pair in condition_alternatives(c)]
                                       for c in query.conditions]
    texts = text_alternatives(query.text)
    if texts:
        factors.append(texts)
    alternatives: list[list[Clause]] = []
    seen: set[str] = set()
    for combo in itertools.product(*factors):
        pairs = [pair for part in combo for pair in part]
        clauses = _split_clauses(pairs)
        signature = repr(clauses)
        if signature not in seen:
            seen.add(signature)
            alternatives.append(clauses)
    return alternatives or [[{"Id": q.ALL}]]


def _split_clauses(pairs: Iterable[Pair]) -> list[Clause]:
    """Pack (field, value) pairs into as few structs as possible, one value per field each."""
    clauses: list[Clause] = []
    for name, value in pairs:
        target = next((c for c in clauses if name not in c), None)
        if target is None:
            target = {}
            clauses.append(target)
        target[name] = value
    return clauses or [{"Id": q.ALL}]


def _sort_key(value: object) -> tuple[int, Any]:
    """Order like MySQL: NULL (and missing) first, text case-insensitively."""
    if value is None:
        return (0, 0)
    if isinstance(value, str):
        return (1, value.casefold()) if value else (0, 1)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (1, str(value))


@dataclass
class _IdList:
    ids: list[int]
    computed_at: float


class XmlRpcBackend:
    """:class:`~app.core.backend.CrmBackend` over one :class:`XmlRpcClient` (thread-safe)."""

    protocol = "xmlrpc"
    can_count = True

    def sort_refusal(self, field: str) -> str:
        return ""  # DataService.query sorts by any field

    def condition_refusal(self, condition: Condition) -> str:
        return ""  # every condition has an XML-RPC plan (LIKE, operators, ~null~ for blanks)

    def __init__(self, client: XmlRpcClient, *, cache_size: int = 8,
                 lost_create: LookupPolicy | None = None) -> None:
        self.client = client
        #: How long a create whose reply was lost is looked for (default: the read timeout and more).
        self.lost_create = policy_for(client, lost_create)
        self._cache: OrderedDict[tuple[object, ...], _IdList] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[object, ...], threading.Lock] = {}
        self._custom: FetchedOnce[list[CustomField]] = FetchedOnce()

    # -- searching ---------------------------------------------------------------------------

    def count_contacts(self, query: ContactQuery, cancel: Cancellable) -> int:
        alternatives = plan(query)
        if _single(alternatives) and not query.tag_ids:
            return q.count(self.client, "Contact", alternatives[0][0], cancel=cancel)
        return len(self._ids(query, alternatives, cancel, newer_than=time.monotonic()))

    def read_pages(self, query: ContactQuery, fields: Sequence[str], page_size: int,
                   cancel: Cancellable) -> Iterator[list[Row]]:
        return numbered_pages(self, query, fields, page_size, cancel)

    def pages_by_id(self, query: ContactQuery) -> bool:
        return False  # pages by number (counted): full reads need no Id ranges

    def id_at_end(self, query: ContactQuery, cancel: Cancellable) -> int | None:
        """None: XML-RPC counts and pages by number, so full reads need no Id ranges."""
        return None

    def search_contacts(self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int,
                        cancel: Cancellable) -> list[Row]:
        if not 1 <= page_size <= q.PAGE_SIZE or page < 0:
            raise ValueError(f"page_size must be 1..{q.PAGE_SIZE} and page >= 0")
        wanted = _with_id(fields)
        alternatives = plan(query)
        if _single(alternatives) and not query.tag_ids:
            rows = self.client.call("DataService.query", "Contact", page_size, page, alternatives[0][0],
                                    wanted, query.order_by, query.ascending, cancel=cancel)
            return _rows(rows)
        ids = self._ids(query, alternatives, cancel, newer_than=None)
        chunk = ids[page * page_size:(page + 1) * page_size]
        if not chunk:
            return []
        rows = _rows(self.client.call("DataService.query", "Contact", len(chunk), 0, {"Id": chunk},
                                        wanted, "Id", True, cancel=cancel))
        position = {cid: i for i, cid in enumerate(chunk)}
        return sorted(rows, key=lambda r: position.get(int(r["Id"]), len(position)))

    def _ids(self, query: ContactQuery, alternatives: list[list[Clause]], cancel: Cancellable,
             newer_than: float | None) -> list[int]:
        """The sorted matching Ids, from the cache when fresh enough, else computed once."""
        key = (query.text, query.conditions, query.tag_ids, query.tag_mode, query.order_by, query.ascending)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # parallel pages of one new query wait for one computation
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None and (newer_than is None or cached.computed_at >= newer_than):
                    self._cache.move_to_end(key)
                    return cached.ids
            ids = self._resolve(query, alternatives, cancel)
            with self._lock:
                self._cache[key] = _IdList(ids, time.monotonic())
                self._cache.move_to_end(key)
                while len(self._cache) > self._cache_size:
                    old, _ = self._cache.popitem(last=False)
                    self._key_locks.pop(old, None)
            return ids

    def _resolve(self, query: ContactQuery, alternatives: list[list[Clause]],
                 cancel: Cancellable) -> list[int]:
        order = query.order_by
        tagged: set[int] | None = None
        if query.tag_ids:
            # tags live in ContactGroupAssign: one paged pass there, then intersect
            tagged = set(XmlRpcTagBackend(self.client).contacts_with_tags(query.tag_ids, query.tag_mode,
                                                                         cancel))
            if alternatives == [[{"Id": q.ALL}]] and order == "Id":
                return sorted(tagged, reverse=not query.ascending)
        fields = ["Id"] if order == "Id" else ["Id", order]
        keys: dict[int, object] = {}
        calls = 0
        for clauses in alternatives:
            matched: dict[int, object] | None = None
            for clause in clauses:
                rows = q.query_all(self.client, "Contact", clause, fields, cancel=cancel)
                calls += 1 + len(rows) // q.PAGE_SIZE
                found = {int(r["Id"]): r.get(order) for r in rows}
                matched = found if matched is None else {k: v for k, v in matched.items() if k in found}
            keys.update(matched or {})
        if tagged is not None:
            keys = {k: v for k, v in keys.items() if k in tagged}
        ids = sorted(keys)
        if order != "Id":
            ids.sort(key=lambda i: _sort_key(keys[i]), reverse=not query.ascending)
        elif not query.ascending:
            ids.reverse()
        log.debug("search %r resolved to %d ids in %d calls", query.describe(), len(ids), calls)
        return ids

    def forget_searches(self) -> None:
        """Drop cached Id lists (after any write: a change may alter what matches)."""
        with self._lock:
            self._cache.clear()

    # -- one contact -------------------------------------------------------------------------

    def load_contact(self, contact_id: int, fields: Sequence[str], cancel: Cancellable) -> Row:
        row = self.client.call("ContactService.load", int(contact_id), _with_id(fields), cancel=cancel)
        if not isinstance(row, dict):
            raise e.MalformedResponseError(detail="ContactService.load did not return a struct")
        return row

    def update_contact(self, contact_id: int, values: dict[str, object], cancel: Cancellable) -> None:
        self.forget_searches()
        self.client.call("ContactService.update", int(contact_id), _wire(values), cancel=cancel)
        self.forget_searches()

    def delete_contact(self, contact_id: int, cancel: Cancellable) -> None:
        self.forget_searches()
        self.client.call("DataService.delete", "Contact", int(contact_id), cancel=cancel)
        self.forget_searches()

    def merge_contacts(self, keep_id: int, duplicate_id: int, cancel: Cancellable) -> None:
        """``ContactService.merge`` once; a lost reply is resolved by reading both Ids."""
        self.forget_searches()
        try:
            self.client.call("ContactService.merge", int(keep_id), int(duplicate_id), cancel=cancel)
        except e.OutcomeUnknownError as lost:
            log.warning("ContactService.merge reply lost; reading both contacts (not resending)")
            try:
                rows = self.client.call("DataService.query", "Contact", 2, 0,
                                        {"Id": [int(keep_id), int(duplicate_id)]}, ["Id"], cancel=cancel)
                present = {int(r["Id"]) for r in _rows(rows)}
            except e.ApiError:
                raise lost from None
            if not settled(keep_id, duplicate_id, present):
                raise merge_unknown(lost) from None
        finally:
            self.forget_searches()

    def find_contacts_by_email(self, email: str, fields: Sequence[str], cancel: Cancellable) -> list[Row]:
        email = email.strip()
        if not email:
            return []
        rows = self.client.call("ContactService.findByEmail", email, _with_id(fields), cancel=cancel)
        return _rows(rows)

    def _lookup(self, look_once: bool) -> LookupPolicy:
        return LookupPolicy((), self.lost_create.window) if look_once else self.lost_create

    def create_contact(self, values: dict[str, object], cancel: Cancellable, *,
                       dup_check_email: bool = True, lookalikes: frozenset[int] | None = None,
                       look_once: bool = False) -> int:
        values = _wire(values)
        email = str(values.get("Email") or "").strip()
        identity: dict[str, object] = {
            k: v for k in _IDENTITY_FIELDS if isinstance(v := values.get(k), str) and v.strip()
        }
        before: set[int] = set()
        if dup_check_email and email:
            existing = self.find_contacts_by_email(email, ["Id", "FirstName", "LastName", "Email", "Company"],
                                                   cancel)
            if existing:
                raise DuplicateContactError(email, existing)
        elif lookalikes is not None:  # the caller read them already
            before = set(lookalikes)
        elif identity:  # who already looks like this contact, to tell a lost add apart
            before = {int(r["Id"]) for r in self._identity_rows(identity, ["Id"], cancel)}
        self.forget_searches()
        sent_at = datetime.now(UTC)
        try:
            new_id = self.client.call("ContactService.add", values, cancel=cancel)
        except e.OutcomeUnknownError as lost:
            # never resent: look for it (every field sent, the time window), else the user decides
            log.warning("ContactService.add reply lost; looking the contact up (not resending)")
            fields = [*values, "DateCreated"]
            look = (lambda: self._identity_rows(identity, fields, cancel)) if identity else None
            try:
                return resolve("the contact", look, values, sent_at, self._lookup(look_once), cancel,
                               exclude=before, lost=lost)
            finally:
                self.forget_searches()
        self.forget_searches()
        return _as_id(new_id)

    def _identity_rows(self, identity: dict[str, object], fields: Sequence[str],
                       cancel: Cancellable) -> list[Row]:
        email = identity.get("Email")
        if isinstance(email, str):
            return self.find_contacts_by_email(email, fields, cancel)
        return q.query_all(self.client, "Contact", identity, _with_id(fields), cancel=cancel)

    # -- reference data ----------------------------------------------------------------------

    def custom_fields(self, cancel: Cancellable, record: str = "Contact") -> list[CustomField]:
        known = self._custom.get(lambda: self.client.load_custom_fields(cancel=cancel))
        return [f for f in known if f.table == record]

    def users(self, cancel: Cancellable) -> list[User]:
        rows = q.query_all(self.client, "User", {"Id": q.ALL}, ["Id", "FirstName", "LastName", "Email"],
                           cancel=cancel)
        return sorted((User.from_row(r) for r in rows), key=lambda u: u.name.casefold())


def _single(alternatives: list[list[Clause]]) -> bool:
    return len(alternatives) == 1 and len(alternatives[0]) == 1


def _with_id(fields: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(["Id", *fields]))


def _wire(values: dict[str, object]) -> dict[str, object]:
    """Keap takes no nil: a cleared field is sent as an empty string."""
    return {k: ("" if v is None else v) for k, v in values.items()}


def _rows(value: object) -> list[Row]:
    if not isinstance(value, list):
        raise e.MalformedResponseError(detail=f"expected a list of rows, got {type(value).__name__}")
    return [r for r in value if isinstance(r, dict)]


def _as_id(value: object) -> int:
    if isinstance(value, int | str) and not isinstance(value, bool):
        return int(value)
    raise e.MalformedResponseError(detail=f"expected a contact Id, got {type(value).__name__}")
