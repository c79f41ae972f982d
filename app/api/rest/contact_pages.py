"""REST v2 contact searches: server-paged listings, their page tokens, and searches
resolved to ids.

Opaque page tokens: page N needs the token that came with page N-1. Tokens are kept per
query, page size and properties, so the table's next page (always requested after the one
before it) costs one call; asking for a page whose token is unknown walks there. A query REST
answers as several filters (the search box's name OR e-mail) or by tags is resolved to ids
once (cached per query, dropped on writes) and paged by ``ids==`` (:mod:`app.api.rest.search`).
Full reads get their own token chains (:meth:`ContactPages.chain`) and the search's last Id
(:meth:`ContactPages.id_at_end`) to read Id ranges side by side (app/services/full_reads.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.api import errors as e
from app.api.rest import contact_fields as cf
from app.api.rest import search
from app.api.rest.client import RestClient
from app.core.cancel import Cancellable
from app.core.gui_priority import cpu_turn, step_aside
from app.core.records import ContactQuery, Row
from app.core.schema import CustomField

log = logging.getLogger("app.api.rest.contact_pages")

PAGE = 1000
#: ``ids==`` chunk for pages of resolved searches (keeps URLs short).
ID_CHUNK = 250
CONTACTS = "/rest/v2/contacts"


def items_of(reply: object, key: str) -> tuple[list[dict[str, Any]], str]:
    """A list reply's items under ``key`` and its next page token ("" at the end)."""
    if not isinstance(reply, dict) or not isinstance(reply.get(key, []), list):
        raise e.MalformedResponseError(detail=f"the reply has no {key} list")
    return list(reply.get(key) or []), str(reply.get("next_page_token") or "")


@dataclass(eq=False)
class Listing:
    """One search REST pages on the server: its one filter, order, properties and page size."""

    flt: str
    order: str
    props: tuple[str, ...]
    fields: tuple[str, ...]
    custom: dict[str, CustomField]
    size: int


def walk(client: RestClient, path: str, key: str, params: dict[str, Any],
         cancel: Cancellable) -> Iterator[dict[str, Any]]:
    """Every item of a token-paged list, one page after the other."""
    token = ""
    while True:
        reply = client.request("GET", path, params={**params, "page_token": token or None}, cancel=cancel)
        items, token = items_of(reply, key)
        yield from items
        if not token or not items:
            return


class ContactPages:
    """The contact searches of one :class:`RestClient` (thread-safe); ``custom_map`` gives the
    account's custom fields by API name (read once by the backend)."""

    def __init__(self, client: RestClient, custom_map: Callable[[Cancellable], dict[str, CustomField]],
                 cache_size: int = 8) -> None:
        self.client = client
        self._custom_map = custom_map
        self._lock = threading.Lock()
        self._tokens: OrderedDict[tuple[object, ...], list[str | None]] = OrderedDict()
        self._ids: OrderedDict[tuple[object, ...], list[int]] = OrderedDict()
        self._cache_size = cache_size

    def forget(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._ids.clear()

    def search(
        self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int, cancel: Cancellable
    ) -> list[Row]:
        if not 1 <= page_size <= PAGE or page < 0:
            raise ValueError(f"page_size must be 1..{PAGE} and page >= 0")
        listing = self.listing(query, fields, page_size, cancel)
        if listing is not None:
            return self._server_page(listing, page, cancel)
        ids = self.resolve(query, cancel)
        return self.rows_by_id(ids[page * page_size : (page + 1) * page_size], fields, cancel)

    @staticmethod
    def pages_by_id(query: ContactQuery) -> bool:
        """Whether the server pages ``query`` as one chain in Id order (one filter, no tags,
        sorted by Id); no call."""
        return query.order_by == "Id" and search.one_filter(query)

    def id_at_end(self, query: ContactQuery, cancel: Cancellable) -> int | None:
        """The query's last Id (one call of one row, the order reversed) when the server pages it
        by Id: one filter, no tags, sorted by Id. Full reads then read Id ranges side by side."""
        listing = self.listing(query, ["Id"], 1, cancel) if self.pages_by_id(query) else None
        if listing is None:
            return None
        params = {"filter": listing.flt or None, "order_by": f"id {'desc' if query.ascending else 'asc'}",
                  "fields": "id", "page_size": 1}
        items, _ = items_of(self.client.request("GET", CONTACTS, params=params, cancel=cancel), "contacts")
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
            for item in items_of(reply, "contacts")[0]:
                row = read(item)
                found[row["Id"]] = row
        return [found[i] for i in ids if i in found]

    def listing(
        self, query: ContactQuery, fields: Sequence[str], size: int, cancel: Cancellable
    ) -> Listing | None:
        """The search as one server-paged filter; None when REST answers it as several filters
        or by tags (then resolved to ids client-side, :meth:`_resolve`)."""
        if not search.one_filter(query):
            return None
        custom = (
            self._custom_map(cancel) if any(f.startswith("_") for f in fields) or query.conditions else {}
        )
        return Listing(search.plan(query, custom)[0], search.order_param(query),
                       tuple(cf.properties_for(fields)), tuple(fields), custom, size)

    def _server_page(self, listing: Listing, page: int, cancel: Cancellable) -> list[Row]:
        key = (listing.flt, listing.order, listing.props, listing.size)
        token = self._token_for(key, page, listing, cancel)
        if token is None:
            return []  # past the end
        rows, next_token = self._fetch_page(listing, token, cancel)
        self._remember(key, page + 1, next_token or None)
        return rows

    def _fetch_page(self, listing: Listing, token: str, cancel: Cancellable) -> tuple[list[Row], str]:
        """One page from ``token`` ("" = the first) as rows, and the next page's token."""
        params = {
            "filter": listing.flt or None,
            "order_by": listing.order,
            "fields": ",".join(listing.props),
            "page_size": listing.size,
            "page_token": token or None,
        }
        items, next_token = items_of(
            self.client.request("GET", CONTACTS, params=params, cancel=cancel), "contacts"
        )
        rows, read = [], cf.RowReader(listing.fields, listing.custom)
        with cpu_turn():
            for n, item in enumerate(items, 1):
                rows.append(read(item))
                if n % 100 == 0:
                    step_aside()  # the GUI paints first (app/core/gui_priority.py)
        return rows, next_token

    def chain(self, listing: Listing, cancel: Cancellable) -> Iterator[list[Row]]:
        """Every page of a server-paged search in order, one after the other; the tokens stay
        in this iterator (a full read's Id ranges must not push the table's searches out of
        the cache)."""
        token = ""
        while True:
            rows, token = self._fetch_page(listing, token, cancel)
            yield rows
            if not token or len(rows) < listing.size:
                return

    def _token_for(
        self, key: tuple[object, ...], page: int, listing: Listing, cancel: Cancellable
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
            _, next_token = items_of(
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

    def resolve(self, query: ContactQuery, cancel: Cancellable, *, fresh: bool = False) -> list[int]:
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
                for item in walk(self.client, CONTACTS, "contacts", params, cancel):
                    cid = int(item["id"])
                    if tagged is None or cid in tagged:
                        keys[cid] = _sort_value(item, sort_prop)
            ids = sorted(keys, key=lambda i: (_rank(keys[i]), i), reverse=not query.ascending)
        with self._lock:
            self._ids[key] = ids
            while len(self._ids) > self._cache_size:
                self._ids.popitem(last=False)
        return ids


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

