"""Tags over Keap REST v2: ``/tags``, ``/tags/categories`` and the tag-contact links.

The app's values are the XML-RPC ones (int ids, a tag's ``category_id`` with None for
"no category", applied dates aware in US Eastern); REST sends string ids, a tag's
category as ``{"id"}`` only (so the category names are joined client-side, from
:meth:`list_categories`, by the catalog) and ISO-8601 UTC instants.

What REST does better, used here: tags and categories can be deleted; one
``:applyTags``/``:removeTags`` call carries up to :data:`MAX_BULK` contacts (Keap
documents no limit; the sandbox and our notes cap it at 1,000), so bulk jobs send a
call per chunk instead of a call per contact; and one tag's members are counted with
one call. Member counts and the assignment reads pick the cheaper of paging and
counting (:mod:`app.api.rest.tag_reads`); :meth:`RestTagBackend.member_counts` says how.

Creates (``POST /tags``, ``POST /tags/categories``) are never resent blindly: a lost
reply is resolved by looking for the name among the records created since just before
the call, as the XML-RPC backend looks the name up.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from app.api import errors as e
from app.api.ratelimit import calls_left_today, limits_in_words
from app.api.rest import tag_reads as r
from app.api.rest.client import RestClient
from app.api.rest.transport import ParamValue
from app.core.bounded import bounded_map
from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry
from app.core.dates import from_rest, to_rest
from app.core.tag_backend import COUNTS_IN_FLIGHT
from app.core.tags import AppliedTag, MemberCounts, Tag, TagCategory, TagMode, storable_name
from app.core.text import to_latin1

log = logging.getLogger("app.api.tags")

TAGS = f"{r.V2}/tags"
CATEGORIES = f"{r.V2}/tags/categories"
#: Contacts per ``:applyTags``/``:removeTags`` call: the default and the most allowed.
DEFAULT_BULK = 500
MAX_BULK = 1000
#: A tag name longer than this is cut by Keap ("up to 255 characters will be saved").
MAX_TAG_NAME = 255
#: How far before our own clock a lost create is looked for (Keap's clock may differ).
CLOCK_SLACK = timedelta(minutes=10)

#: ``:applyTags`` result strings other than SUCCESS, in words [SUCCESS and
#: CONTACT_NOT_FOUND seen in the sandbox; the others follow ``emails:batchRemove``].
REASONS = {
    "CONTACT_NOT_FOUND": "The contact no longer exists (it may have been deleted or merged).",
    "NO_PERMISSION": "This key is not allowed to change this contact's tags.",
    "TAG_NOT_FOUND": "The tag no longer exists.",
    # not a Keap string: the reply left this contact out
    "MISSING": "Keap's reply did not say whether this contact was changed; retry to be sure.",
}


def reason_for(code: str) -> str:
    """A result string of ``:applyTags`` in plain words."""
    return REASONS.get(code, f"Keap did not apply the tag to this contact ({code}).")


def tag_from_json(item: dict[str, Any]) -> Tag:
    category = item.get("category")
    category_id = _int(category.get("id")) if isinstance(category, dict) else None
    return Tag(int(item["id"]), str(item.get("name") or ""), category_id or None,
               str(item.get("description") or ""))


def category_from_json(item: dict[str, Any]) -> TagCategory:
    return TagCategory(int(item["id"]), str(item.get("name") or ""), str(item.get("description") or ""))


class RestTagBackend:
    """:class:`~app.core.tag_backend.TagBackend` over one :class:`RestClient` (thread-safe).

    Attributes:
        bulk_size: contacts per apply/remove call, 1..:data:`MAX_BULK`.
    """

    protocol = "rest"

    def __init__(self, client: RestClient, *, bulk_size: int = DEFAULT_BULK,
                 capabilities: CapabilityRegistry | None = None) -> None:
        if not 1 <= int(bulk_size) <= MAX_BULK:
            raise ValueError(f"bulk_size must be between 1 and {MAX_BULK} (got {bulk_size})")
        self.client = client
        self.bulk_size = int(bulk_size)
        self.capabilities = capabilities or CapabilityRegistry.for_protocol("rest")
        self._lock = threading.Lock()
        self._known_counts: dict[int, int] = {}

    # -- reading ---------------------------------------------------------------------------

    def list_categories(self, cancel: Cancellable | None = None) -> list[TagCategory]:
        return [category_from_json(i) for p in r.iter_pages(self.client, CATEGORIES, "tag_categories",
                                                              cancel=cancel) for i in p.items]

    def list_tags(self, cancel: Cancellable | None = None) -> list[Tag]:
        return [tag_from_json(i) for p in r.iter_pages(self.client, TAGS, "tags", cancel=cancel)
                for i in p.items]

    def member_counts(self, cancel: Cancellable | None = None) -> Iterator[MemberCounts]:
        """Members per tag with the fewest calls REST allows; a snapshot after every call.

        Two ways to count: page ``/tags/-/contacts`` (100 tags a filter, 1,000 applications
        a page: about one call per 1,000 applications) or ``/tags/{id}/contacts/count``
        (one call per tag). Paging wins for many small tags, counting for few big ones.
        Knowing nothing yet, four tags of each chunk of 100 are counted first (the probe,
        one round trip: :func:`~app.api.rest.tag_reads.probe`); if the rest, taken at the
        probe's median size, would need as many pages as they are tags, they are counted
        too. Otherwise the rest is paged until its pages reach its number of tags; a
        chunk not finished by then has its tags counted one by one instead (at most twice
        the cheaper way). Pages follow tokens, one round trip each, while counts go four
        at a time, so counting big tags is also the faster way. The counts are kept, so
        later passes split the tags straight away
        (:func:`~app.api.rest.tag_reads.split_for_counting`).

        Measured (``tests/integration/test_tag_backend.py`` checks these): the demo
        account, 60 tags and 15,219 applications, takes 19 calls the first time (1 tag
        list + 4 counts + 14 pages) and 17 later (1 + 16 pages); counting every tag would
        take 61 (1 + 60). An account of 12,000 contacts with 8 tags and 11,935
        applications takes 9 the first time (1 + 8 counts: the probe said paging costs
        more) and 9 later (1 + 5 pages + 3 counts of its biggest tags), where paging
        everything takes 13. The 158 tags of bench/large_account.py (2,000,000 applications)
        take 159 calls (1 + 158 counts), where paging first took 317.
        """
        tags = [t.id for t in self.list_tags(cancel)]
        with self._lock:
            known = dict(self._known_counts)
        paged, counted = r.split_for_counting(tags, known)
        counts: dict[int, int] = {}

        def count_one(tag_id: int) -> int:
            return self.member_count(tag_id, cancel)

        groups = list(r.chunks(paged, r.MAX_FILTER_IDS))
        for n, group in enumerate(groups):
            probed = r.probe([t for t in group if t not in known])
            for tag_id, count in bounded_map(count_one, probed, COUNTS_IN_FLIGHT, name="tag-probe"):
                counts[tag_id] = count
                yield self._snapshot(counts, False)  # the group's other tags are still to come
            group = [t for t in group if t not in counts]
            if probed and not r.paging_pays(group, known, {t: counts[t] for t in probed}):
                counted.extend(group)  # big tags: one count each beats a page per 1,000 members
                continue
            last_group = n == len(groups) - 1 and not counted
            for pages, (pairs, last) in enumerate(r.assignment_pages(self.client, group, cancel=cancel), 1):
                for _, tag_id in pairs:
                    counts[tag_id] = counts.get(tag_id, 0) + 1
                if not last and pages >= len(group):
                    counted.extend(group)  # counting the rest of this chunk is cheaper than paging on
                    break
                yield self._snapshot(counts, last and last_group)
        each = list(dict.fromkeys(counted))
        done = bounded_map(count_one, each, COUNTS_IN_FLIGHT, name="tag-counts")
        for n, (tag_id, count) in enumerate(done, 1):
            counts[tag_id] = count
            yield self._snapshot(counts, n == len(each))
        if not tags:
            yield self._snapshot(counts, True)
        with self._lock:
            self._known_counts = dict(counts)

    @staticmethod
    def _snapshot(counts: dict[int, int], complete: bool) -> MemberCounts:
        shown = {t: n for t, n in counts.items() if n}
        return MemberCounts(shown, sum(shown.values()), complete)

    def member_count(self, tag_id: int, cancel: Cancellable | None = None) -> int:
        """``/tags/{id}/contacts/count``; a tag deleted meanwhile has 0."""
        try:
            reply = self.client.request("GET", f"{TAGS}/{int(tag_id)}/contacts/count", cancel=cancel)
        except e.NotFoundError:
            return 0
        return _int(r.as_object(reply, "tag count").get("count")) or 0

    def contacts_with_tags(self, tag_ids: Iterable[int], mode: TagMode,
                           cancel: Cancellable | None = None) -> list[int]:
        if mode not in ("all", "any", "none"):
            raise ValueError(f"unknown tag mode {mode!r}")
        wanted = r.unique(tag_ids)
        if not wanted:
            return [] if mode == "any" else sorted(self._all_contact_ids(cancel))
        held: dict[int, set[int]] = {}
        for pairs, _ in r.assignment_pages(self.client, wanted, cancel=cancel):
            for contact_id, tag_id in pairs:
                held.setdefault(contact_id, set()).add(tag_id)
        if mode == "any":
            return sorted(held)
        if mode == "all":
            return sorted(c for c, tags in held.items() if tags >= set(wanted))
        return sorted(self._all_contact_ids(cancel) - set(held))

    def _all_contact_ids(self, cancel: Cancellable | None) -> set[int]:
        params: dict[str, ParamValue] = {"fields": "id"}
        return {int(i["id"]) for p in r.iter_pages(self.client, f"{r.V2}/contacts", "contacts", params,
                                                   cancel=cancel) for i in p.items}

    def contact_tags(self, contact_id: int, cancel: Cancellable | None = None) -> list[AppliedTag]:
        out: list[AppliedTag] = []
        try:
            for page in r.iter_pages(self.client, f"{r.V2}/contacts/{int(contact_id)}/tags", "tags",
                                     cancel=cancel):
                out += [AppliedTag(tag_from_json(i["tag"]), _when(i.get("applied_time")))
                        for i in page.items if isinstance(i.get("tag"), dict)]
        except e.NotFoundError:
            return []
        return sorted(out, key=lambda a: (a.date_applied is None, a.date_applied or 0, a.tag.name.casefold()))

    def assignments(self, tag_ids: Iterable[int], contact_ids: Iterable[int] | None = None,
                    cancel: Cancellable | None = None) -> set[tuple[int, int]]:
        """Pairs for these tags (and contacts), reading whichever side takes fewer calls.

        The tags' side costs a call per 1,000 applications of the tags (per 100 tags);
        the contacts' side a call per 100 contacts (each page lists every tag of those
        contacts). With earlier member counts the tags' side is estimated; without, it
        is read until it has cost as much as the contacts' side would, then abandoned.
        """
        tags = r.unique(tag_ids)
        if not tags:
            return set()
        if contact_ids is None:
            return r.read_pairs(self.client, r.TAG_ASSIGNMENTS, "contacts", tags, cancel=cancel) or set()
        scope = r.unique(contact_ids)
        if not scope:
            return set()
        by_contacts = math.ceil(len(scope) / r.MAX_FILTER_IDS)
        pairs: set[tuple[int, int]] | None = None
        if self._tag_side_pages(tags) < by_contacts:
            pairs = r.read_pairs(self.client, r.TAG_ASSIGNMENTS, "contacts", tags, budget=by_contacts,
                                 cancel=cancel)
        if pairs is None:
            pairs = r.read_pairs(self.client, r.CONTACT_ASSIGNMENTS, "tags", scope, cancel=cancel) or set()
        wanted_tags, wanted_contacts = set(tags), set(scope)
        return {(c, t) for c, t in pairs if t in wanted_tags and c in wanted_contacts}

    def _tag_side_pages(self, tags: Sequence[int]) -> int:
        """The fewest calls reading these tags' applications can take (estimated from known counts)."""
        with self._lock:
            known = self._known_counts
            return sum(r.pages_for(sum(known.get(t, 0) for t in group))
                       for group in r.chunks(tags, r.MAX_FILTER_IDS))

    def assigned_contacts(self, tag_id: int, cancel: Cancellable | None = None) -> Iterator[list[int]]:
        for pairs, _ in r.assignment_pages(self.client, [int(tag_id)], cancel=cancel):
            yield [c for c, _ in pairs]

    # -- tag and category writes -------------------------------------------------------------

    def create_tag(self, name: str, category_id: int | None = None, description: str = "",
                   cancel: Cancellable | None = None) -> Tag:
        body: dict[str, Any] = {"name": storable_name(name)}
        if description:
            body["description"] = to_latin1(description)
        if category_id:
            body["category"] = {"id": str(int(category_id))}
        return tag_from_json(self._create(TAGS, "tags", body, cancel))

    def update_tag(self, tag_id: int, cancel: Cancellable | None = None, *, name: str | None = None,
                   category_id: int | None = None, description: str | None = None) -> None:
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = storable_name(name)
        if description is not None:
            body["description"] = to_latin1(description)
        if category_id is not None:
            body["category"] = {"id": str(int(category_id))} if category_id else None
        self._patch(f"{TAGS}/{int(tag_id)}", body, cancel)

    def create_category(self, name: str, description: str = "",
                        cancel: Cancellable | None = None) -> TagCategory:
        body: dict[str, Any] = {"name": storable_name(name)}
        if description:
            body["description"] = to_latin1(description)
        return category_from_json(self._create(CATEGORIES, "tag_categories", body, cancel))

    def update_category(self, category_id: int, cancel: Cancellable | None = None, *,
                        name: str | None = None, description: str | None = None) -> None:
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = storable_name(name)
        if description is not None:
            body["description"] = to_latin1(description)
        self._patch(f"{CATEGORIES}/{int(category_id)}", body, cancel)

    def delete_tag(self, tag_id: int, cancel: Cancellable | None = None) -> None:
        self._delete(f"{TAGS}/{int(tag_id)}", cancel)
        with self._lock:
            self._known_counts.pop(int(tag_id), None)

    def delete_category(self, category_id: int, cancel: Cancellable | None = None) -> None:
        self._delete(f"{CATEGORIES}/{int(category_id)}", cancel)

    def _patch(self, path: str, body: dict[str, Any], cancel: Cancellable | None) -> None:
        """PATCH exactly the given properties (``update_mask``), so nothing else can be cleared."""
        if body:
            self.client.request("PATCH", path, params={"update_mask": list(body)}, json=body, cancel=cancel)

    def _delete(self, path: str, cancel: Cancellable | None) -> None:
        """DELETE, retried like any idempotent call; a record already gone counts as deleted
        (a retry after a lost 204 answers 404)."""
        try:
            self.client.request("DELETE", path, cancel=cancel)
        except e.NotFoundError:
            log.info("DELETE %s: already gone", "tag category" if path.startswith(CATEGORIES) else "tag")

    def _create(self, path: str, key: str, body: dict[str, Any],
                cancel: Cancellable | None) -> dict[str, Any]:
        """POST once; a lost reply is resolved by finding the one record of that name created since."""
        sent = datetime.now(UTC) - CLOCK_SLACK
        try:
            return r.as_object(self.client.request("POST", path, json=body, cancel=cancel), path)
        except e.OutcomeUnknownError:
            name = str(body["name"])[:MAX_TAG_NAME].strip()
            params: dict[str, ParamValue] = {"filter": f"since_create_time=={to_rest(sent)}"}
            found = [i for p in r.iter_pages(self.client, path, key, params, cancel=cancel) for i in p.items
                     if str(i.get("name") or "").strip() == name]
            if len(found) == 1:
                log.info("%s create: reply lost, found the new record by name (id %s)", path,
                         found[0].get("id"))
                return found[0]
            raise

    # -- assignments -------------------------------------------------------------------------

    def apply_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        code = self._send("applyTags", tag_id, [int(contact_id)], cancel)[int(contact_id)]
        if code is not None:
            error = e.NotFoundError if code == "CONTACT_NOT_FOUND" else e.RestApiError
            raise error(reason_for(code), api_status=code, method=f"POST {TAGS}/{{id}}/contacts:applyTags")

    def remove_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        self._send("removeTags", tag_id, [int(contact_id)], cancel)

    def apply_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                       cancel: Cancellable | None = None) -> dict[int, str | None]:
        """``:applyTags`` per chunk of :attr:`bulk_size`; its ``results`` strings in words."""
        return self._bulk("applyTags", tag_id, contact_ids, cancel)

    def remove_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                        cancel: Cancellable | None = None) -> dict[int, str | None]:
        """``:removeTags`` per chunk (204, nothing per contact: each contact is done)."""
        return self._bulk("removeTags", tag_id, contact_ids, cancel)

    def _bulk(self, verb: str, tag_id: int, contact_ids: Sequence[int],
              cancel: Cancellable | None) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        for chunk in r.chunks(r.unique(contact_ids), self.bulk_size):
            codes = self._send(verb, tag_id, chunk, cancel)
            out.update({c: None if code is None else reason_for(code) for c, code in codes.items()})
        return out

    def _send(self, verb: str, tag_id: int, contact_ids: list[int],
              cancel: Cancellable | None) -> dict[int, str | None]:
        """One call: per contact None for success, else the result string (``MISSING`` if not named)."""
        reply = self.client.request("POST", f"{TAGS}/{int(tag_id)}/contacts:{verb}",
                                    json={"contact_ids": [str(c) for c in contact_ids]}, cancel=cancel)
        if verb != "applyTags":
            return dict.fromkeys(contact_ids)
        results = r.as_object(reply, verb).get("results")
        if not isinstance(results, dict):
            raise e.MalformedResponseError(detail=f"{verb}: no results object in the reply")
        codes: dict[int, str | None] = {}
        for contact_id in contact_ids:
            code = results.get(str(contact_id))
            codes[contact_id] = None if code == "SUCCESS" else str(code or "MISSING")
        return codes

    # -- quota -----------------------------------------------------------------------------

    def estimate_seconds(self, calls: int) -> float:
        return self.client.limiter.estimate_seconds(calls)

    def quota_summary(self) -> str:
        return limits_in_words(self.client.limiter.limits)

    def calls_left_today(self) -> int | None:
        return calls_left_today(self.client.limiter)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> datetime | None:
    try:
        return from_rest(str(value)) if value else None
    except ValueError:
        return None
