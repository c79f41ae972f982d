"""Paged REST v2 reads of tag applications, and the choice between paging and counting.

Keap's REST v2 has two views of the contact-tag links (ContactGroupAssign on XML-RPC),
both paged 1,000 items a call and both requiring an id filter of at most 100 ids:
``GET /tags/-/contacts?filter=tag_ids==...`` (every application of up to 100 tags) and
``GET /contacts/-/tags?filter=contact_ids==...`` (every tag of up to 100 contacts), items
``{contact_id, tag_id, applied_at}``. ``GET /tags/{id}/contacts/count`` answers one tag's
member count in one call.

Which is cheapest depends on the account, so the readers here take a page *budget*: a
read that would need more pages than the alternative costs stops there and says so
(``None``), and the caller switches. That bounds every read at twice the cheaper one
even when nothing is known about the account beforehand (the "rent or buy" rule), and
exactly the cheaper one once earlier counts are known.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.api import errors as e
from app.api.rest.client import RestClient
from app.api.rest.transport import ParamValue
from app.core.cancel import Cancellable

V2 = "/rest/v2"
PAGE_SIZE = 1000
#: ``tag_ids`` / ``contact_ids`` filters of the ``-`` lists take at most 100 ids [V SDK].
MAX_FILTER_IDS = 100
TAG_ASSIGNMENTS = f"{V2}/tags/-/contacts"
CONTACT_ASSIGNMENTS = f"{V2}/contacts/-/tags"

Pair = tuple[int, int]


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and whether another page follows."""

    items: list[dict[str, Any]]
    more: bool


def as_object(reply: object, what: str) -> dict[str, Any]:
    """A JSON object reply, or :class:`MalformedResponseError` (a list or text where Keap sends an object)."""
    if not isinstance(reply, dict):
        raise e.MalformedResponseError(detail=f"{what}: expected a JSON object, got {type(reply).__name__}")
    return reply


def iter_pages(client: RestClient, path: str, key: str, params: Mapping[str, ParamValue] | None = None, *,
               cancel: Cancellable | None = None) -> Iterator[Page]:
    """Every page of a list, 1,000 items a call, following ``next_page_token`` to the end."""
    token = ""
    while True:
        if cancel is not None and cancel.is_cancelled():
            raise e.CancelledError(method=f"GET {path}")
        query: dict[str, ParamValue] = {**(params or {}), "page_size": PAGE_SIZE}
        if token:
            query["page_token"] = token
        body = as_object(client.request("GET", path, params=query, cancel=cancel), path)
        items = body.get(key) or []
        if not isinstance(items, list):
            raise e.MalformedResponseError(detail=f"{path}: {key} is not a list")
        token = str(body.get("next_page_token") or "")
        more = bool(token) and bool(items)
        yield Page([i for i in items if isinstance(i, dict)], more)
        if not more:
            return


def chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def unique(ids: Iterable[int]) -> list[int]:
    """Ids as ints, duplicates dropped, order kept."""
    return list(dict.fromkeys(int(i) for i in ids))


def id_filter(name: str, ids: Sequence[int]) -> dict[str, ParamValue]:
    return {"filter": f"{name}==" + ",".join(str(i) for i in ids)}


def pair_of(item: Mapping[str, Any]) -> Pair:
    """``{contact_id, tag_id, ...}`` -> ``(contact_id, tag_id)`` as ints."""
    try:
        return int(item["contact_id"]), int(item["tag_id"])
    except (KeyError, TypeError, ValueError):
        raise e.MalformedResponseError(detail=f"an assignment without numeric ids: {sorted(item)}") from None


def assignment_pages(client: RestClient, tag_ids: Sequence[int], *,
                     cancel: Cancellable | None = None) -> Iterator[tuple[list[Pair], bool]]:
    """Pages of ``(contact_id, tag_id)`` for these tags (chunks of 100 tags); ``bool``: last page."""
    groups = list(chunks(tag_ids, MAX_FILTER_IDS))
    for n, group in enumerate(groups):
        params = id_filter("tag_ids", group)
        for page in iter_pages(client, TAG_ASSIGNMENTS, "contacts", params, cancel=cancel):
            yield [pair_of(i) for i in page.items], n == len(groups) - 1 and not page.more


def read_pairs(client: RestClient, path: str, key: str, ids: Sequence[int], *, budget: int | None = None,
               cancel: Cancellable | None = None) -> set[Pair] | None:
    """Every pair listed for ``ids`` (chunks of 100), or None once ``budget`` pages did not finish.

    ``path`` is :data:`TAG_ASSIGNMENTS` (``ids`` are tag ids) or :data:`CONTACT_ASSIGNMENTS`
    (contact ids).
    """
    name = "tag_ids" if path == TAG_ASSIGNMENTS else "contact_ids"
    pairs: set[Pair] = set()
    pages = 0
    groups = list(chunks(ids, MAX_FILTER_IDS))
    for n, group in enumerate(groups):
        for page in iter_pages(client, path, key, id_filter(name, group), cancel=cancel):
            pages += 1
            pairs.update(pair_of(i) for i in page.items)
            unfinished = page.more or n < len(groups) - 1
            if budget is not None and pages >= budget and unfinished:
                return None
    return pairs


def pages_for(rows: int) -> int:
    """Calls a list of ``rows`` items takes (an empty list still takes one)."""
    return max(1, math.ceil(rows / PAGE_SIZE))


def split_for_counting(tag_ids: Sequence[int], known: Mapping[int, int]) -> tuple[list[int], list[int]]:
    """``(paged, counted)``: which tags to page together and which to count one call each.

    With member counts from an earlier pass, the biggest tags are counted (one call
    each) as long as that saves more pages than it costs calls; ties go to paging. Only
    tags of more than 1,000 members can save more than they cost (taking tags of c <= 1,000
    members out of a chunk saves at most one page per tag), so only those are tried.
    Tags without an earlier count are taken as small (they are paged; the page budget
    of :meth:`~app.api.rest.tag_backend.RestTagBackend.member_counts` still protects).
    """
    ranked = sorted(tag_ids, key=lambda t: -known.get(t, 0))
    best_k, best_cost = 0, None
    for k in range(len(ranked) + 1):
        if k and known.get(ranked[k - 1], 0) <= PAGE_SIZE:
            break
        rest = ranked[k:]
        cost = k + sum(pages_for(sum(known.get(t, 0) for t in group))
                       for group in chunks(rest, MAX_FILTER_IDS))
        if best_cost is None or cost < best_cost:
            best_k, best_cost = k, cost
    counted = set(ranked[:best_k])
    return [t for t in tag_ids if t not in counted], [t for t in tag_ids if t in counted]


#: Tags of a chunk counted first when nothing is known about it: one round trip of
#: COUNTS_IN_FLIGHT counts, and never wasted (those tags leave the chunk's filter).
PROBE_TAGS = 4


def probe(unknown: Sequence[int], size: int = PROBE_TAGS) -> list[int]:
    """``size`` tags spread evenly over ``unknown`` (ids in id order: old and new tags alike)."""
    return [unknown[i * len(unknown) // size] for i in range(size)] if len(unknown) > size else []


def paging_pays(group: Sequence[int], known: Mapping[int, int], probed: Mapping[int, int]) -> bool:
    """Whether paging ``group`` together looks cheaper than counting its tags one call each.

    Tags without a count are taken to hold the probed tags' median (tags are skewed: a few
    big, many small; a mean is pulled up by one big tag and would count a chunk of small
    ones tag by tag). A wrong guess stays bounded: paging still stops once it has cost as
    much as counting (:meth:`~app.api.rest.tag_backend.RestTagBackend.member_counts`).
    """
    sizes = sorted(probed.values())
    typical = sizes[len(sizes) // 2] if sizes else 0
    rows = sum(known.get(t, typical) for t in group)
    return pages_for(rows) < len(group)
