"""REST v2 tag applications: ContactGroupAssign seen from tags and from contacts.

Routes (relative to ``/crm/rest/v2``): ``GET /tags/{tag_id}/contacts``,
``GET /tags/{tag_id}/contacts/count``, ``POST /tags/{tag_id}/contacts:applyTags``,
``POST /tags/{tag_id}/contacts:removeTags``, ``GET /tags/-/contacts``, ``GET /contacts/-/tags``,
``GET /contacts/{contact_id}/tags``.

[V] (SDK 2.0.26 ``TagsApi``/``ContactApi``): filters given_name, family_name, email (``NONE``
= absent) and since/until_applied_time with order_by given_name, family_name, email,
applied_time on the tagged-contact list and count; ``tag_ids``/``contact_ids`` (at most 100,
required) and applied-time bounds with order_by applied_time on the two ``-`` lists; name,
description, category_id (``NONE``), applied/create/update time bounds with order_by name,
create_time, update_time, applied_time, category_id on a contact's tags; page_size 0..1000;
the models ``TaggedContact``, ``ListTaggedContactsResponse``, ``TagContactCount``,
``ApplyRemoveTagRequest``, ``ApplyTagsResponse``, ``TagContactAssociation`` (note
``applied_at``), ``ListTagContactAssociationsResponse`` (key ``contacts``),
``ListContactTagAssociationsResponse`` (key ``tags``), ``AppliedTag``,
``ListContactTagsResponse``; removeTags answers 204.

[I] choices of this emulator:
- applyTags/removeTags take 1..1000 unique numeric ids (strings, or JSON integers leniently);
  anything else is a 400 before anything is written. One transaction per call.
- applyTags results: ``SUCCESS`` when applied or already applied (the original applied time
  is kept, as with XML-RPC addToGroup), ``CONTACT_NOT_FOUND`` for an unknown contact while the
  others are still applied. Keys are the ids as the caller sent them.
- removeTags ignores unknown contacts and contacts without the tag (still 204).
- ``email`` is the primary e-mail (Contact.Email) here, matched exactly (no wildcard).
- Default orders: contact id (tag's contacts), tag id (a contact's tags), tag then contact
  (``/tags/-/contacts``), contact then tag (``/contacts/-/tags``); the default is also the
  tie-break of every ``order_by``.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.conventions import FilterField, Reply, Request, compile_filter, int_id, iso_time
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.rest.tags import (
    TAG_COLUMNS,
    TAG_JOIN,
    category_filter,
    clean,
    ensure_stamps,
    fetch_page,
    ordered,
    require_tag,
    tag_json,
    time_filters,
)
from app.sandbox.services.contact import add_to_group, remove_from_group

MAX_CONTACT_IDS = 1000
MAX_FILTER_IDS = 100

_TAGGED_FILTERS: dict[str, FilterField] = {
    "given_name": FilterField("c.FirstName", none=True),
    "family_name": FilterField("c.LastName", none=True),
    "email": FilterField("c.Email", none=True),
    **time_filters("applied", "a.DateCreated"),
}
_TAGGED_ORDER = {
    "given_name": "c.FirstName",
    "family_name": "c.LastName",
    "email": "c.Email",
    "applied_time": "a.DateCreated",
}
_TAGGED_FROM = 'FROM "ContactGroupAssign" a JOIN "Contact" c ON c.Id = a.ContactId WHERE a.GroupId = ?'


@route("/tags/<tag_id>/contacts", "GET")
def list_contacts_with_tag_id(ctx: RestContext, req: Request, tag_id: str) -> dict[str, Any]:
    number = require_tag(ctx, tag_id)
    where, params = compile_filter(req.param("filter"), _TAGGED_FILTERS)
    sql = f"SELECT c.Id, c.Email, c.FirstName, c.LastName, a.DateCreated {_TAGGED_FROM} AND {where}"
    rows, token = fetch_page(ctx, req, sql, [number, *params], ordered(req, _TAGGED_ORDER, "a.ContactId"))
    contacts = [
        clean(
            {
                "id": str(cid),
                "email": email,
                "given_name": given,
                "family_name": family,
                "applied_time": iso_time(applied),
            }
        )
        for cid, email, given, family, applied in rows
    ]
    return {"contacts": contacts, "next_page_token": token}


@route("/tags/<tag_id>/contacts/count", "GET")
def count_contacts_for_tag(ctx: RestContext, req: Request, tag_id: str) -> dict[str, Any]:
    number = require_tag(ctx, tag_id)
    where, params = compile_filter(req.param("filter"), _TAGGED_FILTERS)
    count = ctx.store.scalar(f"SELECT COUNT(*) {_TAGGED_FROM} AND {where}", [number, *params])
    return {"count": int(count or 0)}


def _contact_ids(req: Request) -> list[tuple[str, int]]:
    """``{contact_ids: [...]}`` -> [(id as sent, number)]; 400 for anything not allowed."""
    ids = req.json().get("contact_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("contact_ids is required: a non-empty list of contact ids")
    if len(ids) > MAX_CONTACT_IDS:
        raise bad_request(f"contact_ids takes at most {MAX_CONTACT_IDS} ids per call (got {len(ids)})")
    out: list[tuple[str, int]] = []
    seen: set[int] = set()
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise bad_request(f"contact_ids must hold string ids (got {value!r})")
        number = int_id(value, "contact_ids")
        if number in seen:
            raise bad_request(f"contact_ids must be unique ({value!r} is repeated)")
        seen.add(number)
        out.append((str(value), number))
    return out


@route("/tags/<tag_id>/contacts:applyTags", "POST")
def apply_tags(ctx: RestContext, req: Request, tag_id: str) -> dict[str, Any]:
    number = require_tag(ctx, tag_id)
    ids = _contact_ids(req)
    store = ctx.store
    results: dict[str, str] = {}
    with store.tx():
        for sent, contact_id in ids:
            if not store.exists("Contact", contact_id):
                results[sent] = "CONTACT_NOT_FOUND"
                continue
            add_to_group(ctx.xml, contact_id, number)  # INSERT OR IGNORE + refresh_groups when new
            results[sent] = "SUCCESS"
    return {"results": results}


@route("/tags/<tag_id>/contacts:removeTags", "POST")
def remove_tags(ctx: RestContext, req: Request, tag_id: str) -> Reply:
    number = require_tag(ctx, tag_id)
    ids = _contact_ids(req)
    store = ctx.store
    with store.tx():
        for _, contact_id in ids:
            if store.exists("Contact", contact_id):
                remove_from_group(ctx.xml, contact_id, number)
    return Reply(204)


# --- cross-collection lists (AIP "-" wildcard) ----------------------------------------------

_APPLIED_ORDER = {"applied_time": "a.DateCreated"}


def _associations(
    ctx: RestContext, req: Request, key: str, column: str, keys: str
) -> tuple[list[dict[str, Any]], str]:
    """ContactGroupAssign rows as ``TagContactAssociation`` items, filtered by ``key``."""
    fields: dict[str, FilterField] = {
        key: FilterField(column, kind="set", max_items=MAX_FILTER_IDS),
        **time_filters("applied", "a.DateCreated"),
    }
    where, params = compile_filter(req.param("filter"), fields, required=[key])
    sql = f'SELECT a.ContactId, a.GroupId, a.DateCreated FROM "ContactGroupAssign" a WHERE {where}'
    rows, token = fetch_page(ctx, req, sql, params, ordered(req, _APPLIED_ORDER, keys))
    items = [
        clean({"contact_id": str(cid), "tag_id": str(gid), "applied_at": iso_time(applied)})
        for cid, gid, applied in rows
    ]
    return items, token


@route("/tags/-/contacts", "GET")
def list_contacts_across_tags(ctx: RestContext, req: Request) -> dict[str, Any]:
    items, token = _associations(ctx, req, "tag_ids", "a.GroupId", "a.GroupId, a.ContactId")
    return {"contacts": items, "next_page_token": token}


@route("/contacts/-/tags", "GET")
def list_tags_across_contacts(ctx: RestContext, req: Request) -> dict[str, Any]:
    items, token = _associations(ctx, req, "contact_ids", "a.ContactId", "a.ContactId, a.GroupId")
    return {"tags": items, "next_page_token": token}


# --- one contact's tags ---------------------------------------------------------------------

_APPLIED_FILTERS: dict[str, FilterField] = {
    "name": FilterField("g.GroupName"),
    "description": FilterField("g.GroupDescription", none=True),
    "category_id": category_filter("g.GroupCategoryId"),
    **time_filters("applied", "a.DateCreated"),
    **time_filters("create", "s.Created"),
    **time_filters("update", "s.Updated"),
}
_APPLIED_TAG_ORDER = {
    "name": "g.GroupName",
    "create_time": "s.Created",
    "update_time": "s.Updated",
    "applied_time": "a.DateCreated",
    "category_id": "g.GroupCategoryId",
}


@route("/contacts/<contact_id>/tags", "GET")
def list_tags_for_contact(ctx: RestContext, req: Request, contact_id: str) -> dict[str, Any]:
    number = int_id(contact_id, "contact_id")
    store = ctx.store
    if not store.exists("Contact", number):
        raise not_found("Contact", number)
    ensure_stamps(store)
    where, params = compile_filter(req.param("filter"), _APPLIED_FILTERS)
    sql = (
        f'SELECT {TAG_COLUMNS}, a.DateCreated FROM "ContactGroupAssign" a '
        f'JOIN "ContactGroup" g ON g.Id = a.GroupId {TAG_JOIN} WHERE a.ContactId = ? AND {where}'
    )
    rows, token = fetch_page(ctx, req, sql, [number, *params], ordered(req, _APPLIED_TAG_ORDER, "a.GroupId"))
    tags = [{"tag": tag_json(r), "applied_time": iso_time(r[6])} for r in rows]
    return {"tags": tags, "next_page_token": token}
