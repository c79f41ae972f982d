"""REST v2 tags over the XML-RPC store (ContactGroup), and the helpers its siblings share.

Routes (relative to ``/crm/rest/v2``): ``GET/POST /tags``, ``GET/PATCH/DELETE /tags/{tag_id}``.
Siblings, imported at the bottom for their routes: ``tag_categories`` (``/tags/categories``...)
and ``tag_contacts`` (applications: ``/tags/{tag_id}/contacts``..., ``/contacts/{id}/tags``...).

[V] (SDK 2.0.26 ``TagsApi`` docstrings and models): the paths, verbs and success codes (201 on
create, 200 on PATCH, 204 on delete); list filters ``name``, ``description``, ``category_id``
(``NONE`` = no category), ``tag_ids``, since/until create and update time for tags, and
``name``, ``description`` (``NONE`` allowed on both), the same times for categories;
``order_by`` name, create_time, update_time; page_size 0..1000; the ``Tag``, ``TagCategory``,
``ListTagsResponse``, ``ListTagCategoriesResponse`` shapes; a tag name "up to 255 characters
will be saved"; a category name "must be unique"; ``update_mask`` of the PATCH bodies.

[I] choices of this emulator:
- ``name`` filters match exactly (case-insensitive, as the store collates); the SDK documents
  no ``*`` wildcard for tags or categories, so a ``*`` is an ordinary character.
- Duplicate tag names are accepted (XML-RPC allows them, and unlike the category request the
  tag request states no uniqueness); a duplicate category name is a 409 (``tag_categories``).
- A tag name longer than 255 characters is cut to 255 (the SDK says up to 255 are saved).
- A tag without category is stored with GroupCategoryId 0 (as the seeded ones) and has no
  ``category`` property; empty descriptions are left out like absent ones.
- create_time/update_time live in the hidden ``_RestStamp`` table. A row first seen by REST
  (seeded, or written over XML-RPC) is stamped then: a tag with its earliest
  ContactGroupAssign.DateCreated, else 2018-01-01 00:00:00 on the first REST pass over the
  table and the current time on later passes. XML-RPC updates do not move update_time.
- PATCH without ``update_mask`` writes the properties present in the body; with a mask it
  writes exactly the masked ones (a masked property absent from the body is cleared; a name
  cannot be cleared: 400). Unknown body properties are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sandbox.rest.conventions import (
    FilterField,
    Reply,
    Request,
    check_text,
    compile_filter,
    int_id,
    iso_time,
    mask_of,
    order_of,
    page_of,
    paged,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services.writes import add_record, update_record
from app.sandbox.store import Store
from app.sandbox.values import now_eastern

SEED_TIME = "2018-01-01 00:00:00"
MAX_TAG_NAME = 255
TAG = "ContactGroup"
CATEGORY = "ContactGroupCategory"
STAMP_DDL = (
    'CREATE TABLE IF NOT EXISTS "_RestStamp" (TableName TEXT, Id INTEGER, Created TEXT, '
    "Updated TEXT, PRIMARY KEY (TableName, Id))"
)
#: SELECT list and joins of a Tag (alias g, stamp s); ``tag_json`` reads rows in this order.
TAG_COLUMNS = "g.Id, g.GroupName, g.GroupDescription, g.GroupCategoryId, s.Created, s.Updated"
TAG_JOIN = "JOIN \"_RestStamp\" s ON s.TableName = 'ContactGroup' AND s.Id = g.Id"


# --- shared helpers (also used by tag_contacts) --------------------------------------------


def ensure_stamps(store: Store) -> None:
    """Create ``_RestStamp`` lazily and stamp every tag and category REST has not seen yet.

    Row ``(table, 0)`` marks a table as seen: rows found on the first pass are the seeded
    ones (stamped with their first application or SEED_TIME), later ones are new (now).
    """
    conn = store.conn
    conn.execute(STAMP_DDL)
    for table in (TAG, CATEGORY):
        marked = conn.execute(
            'SELECT 1 FROM "_RestStamp" WHERE TableName = ? AND Id = 0', (table,)
        ).fetchone()
        unseen = conn.execute(
            f'SELECT 1 FROM "{table}" x WHERE NOT EXISTS (SELECT 1 FROM "_RestStamp" s '
            "WHERE s.TableName = ? AND s.Id = x.Id) LIMIT 1",
            (table,),
        ).fetchone()
        if marked and unseen is None:
            continue
        default = now_eastern() if marked else SEED_TIME
        first = (
            '(SELECT MIN(a.DateCreated) FROM "ContactGroupAssign" a WHERE a.GroupId = x.Id)'
            if table == TAG
            else "NULL"
        )
        with store.tx():
            conn.execute(
                'INSERT OR IGNORE INTO "_RestStamp" (TableName, Id, Created, Updated) '
                f'SELECT ?, x.Id, COALESCE({first}, ?), COALESCE({first}, ?) FROM "{table}" x',
                (table, default, default),
            )
            conn.execute('INSERT OR IGNORE INTO "_RestStamp" (TableName, Id) VALUES (?, 0)', (table,))


def touch(store: Store, table: str, record_id: int, *, created: bool = False) -> None:
    """Stamp a REST write: update time now (and create time on a create)."""
    now = now_eastern()
    if created:
        store.conn.execute(
            'INSERT OR REPLACE INTO "_RestStamp" (TableName, Id, Created, Updated) VALUES (?, ?, ?, ?)',
            (table, record_id, now, now),
        )
    else:
        store.conn.execute(
            'UPDATE "_RestStamp" SET Updated = ? WHERE TableName = ? AND Id = ?', (now, table, record_id)
        )


def clean(item: Mapping[str, Any]) -> dict[str, Any]:
    """Leave out absent properties (None or empty text), as Keap does [I]."""
    return {k: v for k, v in item.items() if v is not None and v != ""}


def tag_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """A ``TAG_COLUMNS`` row -> Keap's ``Tag``."""
    tag_id, name, description, category_id, created, updated = row[:6]
    return clean(
        {
            "id": str(tag_id),
            "name": name,
            "description": description,
            "category": {"id": str(category_id)} if category_id else None,
            "create_time": iso_time(created),
            "update_time": iso_time(updated),
        }
    )


def category_filter(expr: str) -> FilterField:
    """``category_id==<id>`` or ``category_id==NONE`` (NULL or 0: no category)."""

    def build(op: str, value: str) -> tuple[str, list[Any]]:
        if value == "NONE":
            return f"({expr} IS NULL OR {expr} = 0)", []
        return f"{expr} = ?", [int_id(value, "category_id")]

    return FilterField(expr, kind="custom", build=build)


def time_filters(prefix: str, expr: str) -> dict[str, FilterField]:
    """``since_<prefix>_time`` (>=) and ``until_<prefix>_time`` (<=) on ``expr``."""
    return {
        f"since_{prefix}_time": FilterField(expr, kind="time", bound=">="),
        f"until_{prefix}_time": FilterField(expr, kind="time", bound="<="),
    }


def ordered(req: Request, allowed: Mapping[str, str], keys: str) -> str:
    """``order_by`` -> ORDER BY with ``keys`` (unique together) as the tie-break."""
    order_of(req, allowed, keys)  # validates field and direction (400 otherwise)
    parts = (req.param("order_by") or "").split()
    if not parts:
        return keys
    direction = parts[1].upper() if len(parts) > 1 else "ASC"
    ties = ", ".join(f"{k.strip()} {direction}" for k in keys.split(","))
    return f"{allowed[parts[0]]} {direction}, {ties}"


def tag_row(store: Store, tag_id: int) -> tuple[Any, ...]:
    found = store.conn.execute(
        f'SELECT {TAG_COLUMNS} FROM "ContactGroup" g {TAG_JOIN} WHERE g.Id = ?', (tag_id,)
    ).fetchone()
    if found is None:
        raise not_found("Tag", tag_id)
    return tuple(found)


def require_tag(ctx: RestContext, raw_id: str) -> int:
    """The tag id of a path (400 if not numeric, 404 if unknown); stamps are ensured."""
    tag_id = int_id(raw_id, "tag_id")
    ensure_stamps(ctx.store)
    if not ctx.store.exists(TAG, tag_id):
        raise not_found("Tag", tag_id)
    return tag_id


def fetch_page(
    ctx: RestContext, req: Request, sql: str, params: list[Any], order: str
) -> tuple[list[Any], str]:
    """Run a list query for one page (``LIMIT size+1``) -> (rows, next_page_token)."""
    page = page_of(req)
    rows = ctx.store.conn.execute(
        f"{sql} ORDER BY {order} LIMIT ? OFFSET ?", [*params, page.size + 1, page.offset]
    ).fetchall()
    return paged(rows, page)


def text_field(body: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string")
    if required and not value.strip():
        raise bad_request(f"{name} must not be empty")
    return check_text(value, name)


def written(req: Request, body: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    """The properties a PATCH writes: the update_mask, else those present in the body."""
    mask = mask_of(req, allowed)
    return [n for n in allowed if n in body] if mask is None else list(dict.fromkeys(mask))


# --- tags ----------------------------------------------------------------------------------

_TAG_FILTERS: dict[str, FilterField] = {
    "name": FilterField("g.GroupName"),
    "description": FilterField("g.GroupDescription", none=True),
    "category_id": category_filter("g.GroupCategoryId"),
    "tag_ids": FilterField("g.Id", kind="set"),
    **time_filters("create", "s.Created"),
    **time_filters("update", "s.Updated"),
}
_TAG_ORDER = {"name": "g.GroupName", "create_time": "s.Created", "update_time": "s.Updated"}


@route("/tags", "GET")
def list_tags(ctx: RestContext, req: Request) -> dict[str, Any]:
    ensure_stamps(ctx.store)
    where, params = compile_filter(req.param("filter"), _TAG_FILTERS)
    sql = f'SELECT {TAG_COLUMNS} FROM "ContactGroup" g {TAG_JOIN} WHERE {where}'
    rows, token = fetch_page(ctx, req, sql, params, ordered(req, _TAG_ORDER, "g.Id"))
    return {"tags": [tag_json(r) for r in rows], "next_page_token": token}


@route("/tags/<tag_id>", "GET")
def get_tag(ctx: RestContext, req: Request, tag_id: str) -> dict[str, Any]:
    return tag_json(tag_row(ctx.store, require_tag(ctx, tag_id)))


def _category_ref(ctx: RestContext, value: Any) -> int:
    """``category: {id}`` -> GroupCategoryId (0 for none); 400 for an unknown category."""
    if value is None:
        return 0
    if not isinstance(value, dict) or value.get("id") in (None, ""):
        raise bad_request('category must be an object with an id, e.g. {"id": "3"}')
    category_id = int_id(value["id"], "category.id")
    if not ctx.store.exists(CATEGORY, category_id):
        raise bad_request(f"Tag category with id {category_id} does not exist")
    return category_id


def _tag_values(ctx: RestContext, body: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in names:
        values["GroupName"] = str(text_field(body, "name", required=True))[:MAX_TAG_NAME]
    if "description" in names:
        values["GroupDescription"] = text_field(body, "description") or ""  # "" clears, as over XML-RPC
    if "category" in names:
        values["GroupCategoryId"] = _category_ref(ctx, body.get("category"))
    return values


@route("/tags", "POST")
def create_tag(ctx: RestContext, req: Request) -> Reply:
    body = req.json()
    store = ctx.store
    ensure_stamps(store)
    values = _tag_values(ctx, body, ["name", "description", "category"])
    with store.tx():  # an absent description stays NULL on create
        values = {k: v for k, v in values.items() if v != ""}
        tag_id = add_record(ctx.xml, TAG, values)
        touch(store, TAG, tag_id, created=True)
    return Reply(201, tag_json(tag_row(store, tag_id)))


@route("/tags/<tag_id>", "PATCH")
def update_tag(ctx: RestContext, req: Request, tag_id: str) -> dict[str, Any]:
    number = require_tag(ctx, tag_id)
    body = req.json()
    values = _tag_values(ctx, body, written(req, body, ("name", "description", "category")))
    if values:
        with ctx.store.tx():
            update_record(ctx.xml, TAG, number, values)
            touch(ctx.store, TAG, number)
    return tag_json(tag_row(ctx.store, number))


@route("/tags/<tag_id>", "DELETE")
def delete_tag(ctx: RestContext, req: Request, tag_id: str) -> Reply:
    from app.sandbox.services.contact import refresh_groups

    number = require_tag(ctx, tag_id)
    store = ctx.store
    with store.tx():
        contacts = [
            int(r[0])
            for r in store.conn.execute(
                'SELECT ContactId FROM "ContactGroupAssign" WHERE GroupId = ?', (number,)
            )
        ]
        store.conn.execute('DELETE FROM "ContactGroupAssign" WHERE GroupId = ?', (number,))
        store.delete_row(TAG, number)
        store.conn.execute('DELETE FROM "_RestStamp" WHERE TableName = ? AND Id = ?', (TAG, number))
        for contact_id in contacts:
            refresh_groups(store, contact_id)
    return Reply(204)


# tag categories and the tag-contact routes live in sibling modules (imported for their routes;
# both import this module's helpers, which are defined by now)
from app.sandbox.rest import tag_categories, tag_contacts  # noqa: E402,F401
