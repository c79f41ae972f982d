"""Tags over XML-RPC: ContactGroup, ContactGroupCategory and ContactGroupAssign.

Keap's names: a tag is a ``ContactGroup``, its category a ``ContactGroupCategory``,
and the contact-tag link a ``ContactGroupAssign`` row, which is read-only (tags are
applied one per call with ``ContactService.addToGroup``/``removeFromGroup``) and has
no Id. Assignments are therefore paged ordered by ContactId, and whatever needs a
contact's complete set of tags (the "has all" filter) reads a contact's rows as one
group even when a page boundary splits them (as Novak's SDK re-reads to finish the
last contact). Id lists sent in a query hold at most 1,000 ids.

Tag and category names go through :func:`~app.core.text.to_latin1` before they are
saved (the service shows the user the result first), and a create whose reply was
lost is looked up by name instead of being sent twice.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from app.api import errors as e
from app.api.ratelimit import calls_left_today, limits_in_words
from app.api.xmlrpc import query as q
from app.api.xmlrpc.client import XmlRpcClient
from app.core.bounded import bounded_map
from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry, Op
from app.core.dates import from_api
from app.core.tag_backend import COUNTS_IN_FLIGHT
from app.core.tags import NO_CATEGORY, AppliedTag, MemberCounts, Tag, TagCategory, TagMode, storable_name
from app.core.text import to_latin1

log = logging.getLogger("app.api.tags")

ASSIGN = "ContactGroupAssign"
#: Below this many pages of assignments, paging them is cheap enough not to read the tag list.
PAGES_WORTH_A_TAG_LIST = 10
TAG_FIELDS = ["Id", "GroupName", "GroupCategoryId", "GroupDescription"]
CATEGORY_FIELDS = ["Id", "CategoryName", "CategoryDescription"]


def tag_from_row(row: q.Row) -> Tag:
    category = int(row.get("GroupCategoryId") or 0)
    return Tag(int(row["Id"]), str(row.get("GroupName") or ""), category or None,
               str(row.get("GroupDescription") or ""))


def category_from_row(row: q.Row) -> TagCategory:
    return TagCategory(int(row["Id"]), str(row.get("CategoryName") or ""),
                       str(row.get("CategoryDescription") or ""))


def iter_contact_groups(client: q.Caller, query: dict[str, object], fields: list[str], *,
                        cancel: Cancellable | None = None) -> Iterator[tuple[int, list[q.Row]]]:
    """ContactGroupAssign rows grouped per contact, each group complete.

    Pages of 1,000 ordered by ContactId keep one contact's rows together, but a page
    boundary can fall inside them: the last contact of a page is held back until the
    next page shows a different contact (or the pass ends), then yielded whole.
    """
    wanted = fields if "ContactId" in fields else ["ContactId", *fields]
    held_id: int | None = None
    held: list[q.Row] = []
    for page in q.iter_pages(client, ASSIGN, query, wanted, order_by="ContactId", cancel=cancel):
        for row in page:
            contact_id = int(row["ContactId"])
            if contact_id != held_id:
                if held_id is not None:
                    yield held_id, held
                held_id, held = contact_id, []
            held.append(row)
    if held_id is not None:
        yield held_id, held


class XmlRpcTagBackend:
    """:class:`~app.core.tag_backend.TagBackend` over one :class:`XmlRpcClient` (thread-safe)."""

    protocol = "xmlrpc"
    #: ``addToGroup``/``removeFromGroup`` take one contact per call.
    bulk_size = 1

    def __init__(self, client: XmlRpcClient, capabilities: CapabilityRegistry | None = None) -> None:
        self.client = client
        self.capabilities = capabilities or CapabilityRegistry()

    # -- reading ---------------------------------------------------------------------------

    def list_categories(self, cancel: Cancellable | None = None) -> list[TagCategory]:
        rows = q.query_all(self.client, "ContactGroupCategory", {"Id": q.ALL}, CATEGORY_FIELDS, cancel=cancel)
        return [category_from_row(r) for r in rows]

    def list_tags(self, cancel: Cancellable | None = None) -> list[Tag]:
        rows = q.query_all(self.client, "ContactGroup", {"Id": q.ALL}, TAG_FIELDS, cancel=cancel)
        return [tag_from_row(r) for r in rows]

    def member_counts(self, cancel: Cancellable | None = None) -> Iterator[MemberCounts]:
        """Members per tag with the fewer calls of two ways, a snapshot after each call.

        One pass over every assignment (GroupId only) costs a call per 1,000 assignments;
        ``DataService.count`` per tag costs a call per tag. One count of the whole table
        decides: an account of 2,000,000 assignments and 150 tags takes 1 + 1 + 150 calls
        instead of 2,000 pages; the demo account (60 tags, ~15,000 assignments) pages
        (1 count + 1 tag list + 16 pages).
        """
        total = q.count(self.client, ASSIGN, {"GroupId": q.ALL}, cancel=cancel)
        pages = total // q.PAGE_SIZE + 1
        if pages > PAGES_WORTH_A_TAG_LIST:  # few pages: paging is cheap whatever the tags
            tags = [t.id for t in self.list_tags(cancel)]
            if len(tags) + 1 < pages:
                yield from self._count_each(tags, cancel)
                return
        yield from self._count_by_paging(cancel)

    def _count_each(self, tags: list[int], cancel: Cancellable | None) -> Iterator[MemberCounts]:
        """``DataService.count`` per tag, a few at a time: the next starts only once the reader
        has taken a snapshot, so a reader that waits (for the visible table's pages) pauses
        the counting instead of receiving a burst of snapshots afterwards."""
        counts: dict[int, int] = {}
        done = bounded_map(lambda tag: self.member_count(tag, cancel), tags, COUNTS_IN_FLIGHT,
                           name="tag-counts")
        for n, (tag, count) in enumerate(done, 1):
            counts[tag] = count
            yield MemberCounts(dict(counts), sum(counts.values()), n == len(tags))
        if not tags:
            yield MemberCounts({}, 0, True)

    def _count_by_paging(self, cancel: Cancellable | None) -> Iterator[MemberCounts]:
        counts: dict[int, int] = {}
        rows_read = 0
        for page in q.iter_pages(self.client, ASSIGN, {"GroupId": q.ALL}, ["GroupId"],
                                 order_by="ContactId", cancel=cancel):
            for row in page:
                tag_id = int(row["GroupId"])
                counts[tag_id] = counts.get(tag_id, 0) + 1
            rows_read += len(page)
            done = len(page) < q.PAGE_SIZE
            yield MemberCounts(dict(counts), rows_read, done)

    def contacts_with_tags(self, tag_ids: Iterable[int], mode: TagMode,
                           cancel: Cancellable | None = None) -> list[int]:
        wanted = set(_unique(tag_ids))
        if mode == "any":
            return sorted(self._contacts_with_any(wanted, cancel))
        if mode == "none":
            everyone = self._all_contact_ids(cancel)
            return sorted(everyone - self._contacts_with_any(wanted, cancel)) if wanted else sorted(everyone)
        if mode != "all":
            raise ValueError(f"unknown tag mode {mode!r}")
        if not wanted:
            return sorted(self._all_contact_ids(cancel))
        found: list[int] = []
        for contact_id, rows in iter_contact_groups(self.client, self._tag_query(wanted),
                                                    ["ContactId", "GroupId"], cancel=cancel):
            if wanted <= {int(r["GroupId"]) for r in rows}:
                found.append(contact_id)
        return found

    def _tag_query(self, tag_ids: set[int]) -> dict[str, object]:
        # an Id list holds at most 1,000 ids; beyond that read every assignment and filter
        return {"GroupId": sorted(tag_ids)} if len(tag_ids) <= q.MAX_ID_LIST else {"GroupId": q.ALL}

    def _contacts_with_any(self, tag_ids: set[int], cancel: Cancellable | None) -> set[int]:
        if not tag_ids:
            return set()
        found: set[int] = set()
        for page in q.iter_pages(self.client, ASSIGN, self._tag_query(tag_ids), ["ContactId", "GroupId"],
                                 order_by="ContactId", cancel=cancel):
            found.update(int(r["ContactId"]) for r in page if int(r["GroupId"]) in tag_ids)
        return found

    def _all_contact_ids(self, cancel: Cancellable | None) -> set[int]:
        found: set[int] = set()
        for page in q.iter_pages(self.client, "Contact", {"Id": q.ALL}, ["Id"], cancel=cancel):
            found.update(int(r["Id"]) for r in page)
        return found

    def contact_tags(self, contact_id: int, cancel: Cancellable | None = None) -> list[AppliedTag]:
        rows = q.query_all(self.client, ASSIGN, {"ContactId": int(contact_id)}, ["GroupId", "DateCreated"],
                           order_by="DateCreated", cancel=cancel)
        applied = {int(r["GroupId"]): _date(r.get("DateCreated")) for r in rows}
        if not applied:
            return []
        found = q.query_by_ids(self.client, "ContactGroup", applied, TAG_FIELDS, cancel=cancel)
        tags = {t.id: t for t in map(tag_from_row, found)}
        out = [AppliedTag(tags.get(tid) or Tag(tid, f"Tag {tid}"), when) for tid, when in applied.items()]
        return sorted(out, key=lambda a: (a.date_applied is None, a.date_applied or 0, a.tag.name.casefold()))

    def assignments(self, tag_ids: Iterable[int], contact_ids: Iterable[int] | None = None,
                    cancel: Cancellable | None = None) -> set[tuple[int, int]]:
        tags = set(_unique(tag_ids))
        if not tags:
            return set()
        fields = ["ContactId", "GroupId"]
        if contact_ids is None:
            return self._pairs(self._tag_query(tags), fields, tags, None, cancel)
        scope = list(_unique(contact_ids))
        if not scope:
            return set()
        chunks = list(q.id_chunks(scope))
        if len(chunks) > 1:
            # Fewer pages may come from reading the tags' members and filtering: one count says.
            members = q.count(self.client, ASSIGN, self._tag_query(tags), cancel=cancel)
            if math.ceil((members + 1) / q.PAGE_SIZE) < len(chunks):
                return self._pairs(self._tag_query(tags), fields, tags, set(scope), cancel)
        pairs: set[tuple[int, int]] = set()
        for chunk in chunks:
            query = {"ContactId": chunk, **self._tag_query(tags)}
            pairs |= self._pairs(query, fields, tags, None, cancel)
        return pairs

    def _pairs(self, query: dict[str, object], fields: list[str], tags: set[int],
               contacts: set[int] | None, cancel: Cancellable | None) -> set[tuple[int, int]]:
        pairs: set[tuple[int, int]] = set()
        for page in q.iter_pages(self.client, ASSIGN, query, fields, order_by="ContactId", cancel=cancel):
            for row in page:
                pair = (int(row["ContactId"]), int(row["GroupId"]))
                if pair[1] in tags and (contacts is None or pair[0] in contacts):
                    pairs.add(pair)
        return pairs

    def member_count(self, tag_id: int, cancel: Cancellable | None = None) -> int:
        return q.count(self.client, ASSIGN, {"GroupId": int(tag_id)}, cancel=cancel)

    def assigned_contacts(self, tag_id: int, cancel: Cancellable | None = None) -> Iterator[list[int]]:
        for page in q.iter_pages(self.client, ASSIGN, {"GroupId": int(tag_id)}, ["ContactId"],
                                 order_by="ContactId", cancel=cancel):
            yield [int(r["ContactId"]) for r in page]

    # -- writing ---------------------------------------------------------------------------

    def create_tag(self, name: str, category_id: int | None = None, description: str = "",
                   cancel: Cancellable | None = None) -> Tag:
        values: dict[str, object] = {"GroupName": storable_name(name),
                                     "GroupCategoryId": int(category_id or NO_CATEGORY)}
        if description:
            values["GroupDescription"] = to_latin1(description)
        new_id = self._add("ContactGroup", values, "GroupName", cancel)
        return Tag(new_id, str(values["GroupName"]), category_id or None,
                   str(values.get("GroupDescription", "")))

    def update_tag(self, tag_id: int, cancel: Cancellable | None = None, *, name: str | None = None,
                   category_id: int | None = None, description: str | None = None) -> None:
        values: dict[str, object] = {}
        if name is not None:
            values["GroupName"] = storable_name(name)
        if category_id is not None:
            values["GroupCategoryId"] = int(category_id)
        if description is not None:
            values["GroupDescription"] = to_latin1(description)
        if values:
            self.client.call("DataService.update", "ContactGroup", int(tag_id), values, cancel=cancel)

    def create_category(self, name: str, description: str = "",
                        cancel: Cancellable | None = None) -> TagCategory:
        values: dict[str, object] = {"CategoryName": storable_name(name)}
        if description:
            values["CategoryDescription"] = to_latin1(description)
        new_id = self._add("ContactGroupCategory", values, "CategoryName", cancel)
        return TagCategory(new_id, str(values["CategoryName"]), str(values.get("CategoryDescription", "")))

    def update_category(self, category_id: int, cancel: Cancellable | None = None, *,
                        name: str | None = None, description: str | None = None) -> None:
        values: dict[str, object] = {}
        if name is not None:
            values["CategoryName"] = storable_name(name)
        if description is not None:
            values["CategoryDescription"] = to_latin1(description)
        if values:
            self.client.call("DataService.update", "ContactGroupCategory", int(category_id), values,
                             cancel=cancel)

    def _add(self, table: str, values: dict[str, object], name_field: str, cancel: Cancellable | None) -> int:
        """DataService.add, never resent blindly: a lost reply is resolved by looking the name up."""
        try:
            return _as_id(self.client.call("DataService.add", table, values, cancel=cancel))
        except e.OutcomeUnknownError:
            name = str(values[name_field])
            if "%" in name:  # would be a LIKE search; cannot check safely
                raise
            rows = q.query_all(self.client, table, {name_field: name}, ["Id", name_field], cancel=cancel)
            exact = [r for r in rows if r.get(name_field) == name]
            if len(exact) == 1:
                log.info("%s add: reply lost, found the new row by name (Id %s)", table, exact[0]["Id"])
                return int(exact[0]["Id"])
            raise

    def apply_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        self._group_call("ContactService.addToGroup", contact_id, tag_id, cancel)

    def remove_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        self._group_call("ContactService.removeFromGroup", contact_id, tag_id, cancel)

    def apply_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                       cancel: Cancellable | None = None) -> dict[int, str | None]:
        """One ``addToGroup`` per contact (XML-RPC has no bulk call); a failure is that contact's reason."""
        return self._each(self.apply_tag, tag_id, contact_ids, cancel)

    def remove_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                        cancel: Cancellable | None = None) -> dict[int, str | None]:
        return self._each(self.remove_tag, tag_id, contact_ids, cancel)

    def _each(self, one: Callable[[int, int, Cancellable | None], None], tag_id: int,
              contact_ids: Sequence[int], cancel: Cancellable | None) -> dict[int, str | None]:
        results: dict[int, str | None] = {}
        for contact_id in _unique(contact_ids):
            try:
                one(contact_id, tag_id, cancel)
            except e.CancelledError:
                raise
            except e.ApiError as err:
                results[contact_id] = err.message
            else:
                results[contact_id] = None
        return results

    def delete_tag(self, tag_id: int, cancel: Cancellable | None = None) -> None:
        raise self._unsupported(Op.DELETE_TAG)

    def delete_category(self, category_id: int, cancel: Cancellable | None = None) -> None:
        raise self._unsupported(Op.DELETE_TAG_CATEGORY)

    def _unsupported(self, op: Op) -> e.UnsupportedOperationError:
        return e.UnsupportedOperationError(self.capabilities.explain(op) or None, op=op.value)

    def _group_call(self, method: str, contact_id: int, tag_id: int, cancel: Cancellable | None) -> None:
        result = self.client.call(method, int(contact_id), int(tag_id), cancel=cancel)
        if result is False:
            raise e.UnexpectedFault("Keap answered that the tag could not be changed for this contact.",
                                    fault_string=f"{method} returned false", method=method)

    # -- quota -----------------------------------------------------------------------------

    def estimate_seconds(self, calls: int) -> float:
        return self.client.limiter.estimate_seconds(calls)

    def quota_summary(self) -> str:
        return limits_in_words(self.client.limiter.limits)

    def calls_left_today(self) -> int | None:
        return calls_left_today(self.client.limiter)


def _unique(ids: Iterable[int]) -> Iterator[int]:
    seen: set[int] = set()
    for raw in ids:
        i = int(raw)
        if i not in seen:
            seen.add(i)
            yield i


def _as_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise e.MalformedResponseError(detail=f"expected a new Id, got {type(value).__name__}")
    return int(value)


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return from_api(value)
    except (TypeError, ValueError):
        return None
