"""REST v2 tag categories (ContactGroupCategory): ``GET/POST /tags/categories`` and
``GET/PATCH/DELETE /tags/categories/{tag_category_id}``.

[V] (SDK 2.0.26): filters name, description (``NONE`` allowed on both) and since/until
create/update time; order_by name, create_time, update_time; page_size 0..1000; models
``TagCategory``, ``ListTagCategoriesResponse``, ``GetTagCategoryResponse``,
``UpdateTagCategoryResponse``, ``CreateUpdateTagCategoryRequest`` (name "must be unique").

[I]: a duplicate name (case-insensitive, as the store collates) is a 409, on create and on
rename; deleting a category that tags still use is a 409 (nothing is detached); times as in
``tags`` (hidden ``_RestStamp``; seeded categories date from 2018-01-01 00:00:00).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sandbox.rest.conventions import FilterField, Reply, Request, compile_filter, int_id, iso_time
from app.sandbox.rest.errors import conflict, not_found
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.rest.tags import (
    CATEGORY,
    clean,
    ensure_stamps,
    fetch_page,
    ordered,
    text_field,
    time_filters,
    touch,
    written,
)
from app.sandbox.services.writes import add_record, update_record

_CAT_COLUMNS = "c.Id, c.CategoryName, c.CategoryDescription, s.Created, s.Updated"
_CAT_JOIN = "JOIN \"_RestStamp\" s ON s.TableName = 'ContactGroupCategory' AND s.Id = c.Id"


_CAT_FILTERS: dict[str, FilterField] = {
    "name": FilterField("c.CategoryName", none=True),
    "description": FilterField("c.CategoryDescription", none=True),
    **time_filters("create", "s.Created"),
    **time_filters("update", "s.Updated"),
}
_CAT_ORDER = {"name": "c.CategoryName", "create_time": "s.Created", "update_time": "s.Updated"}


def _category_json(row: tuple[Any, ...]) -> dict[str, Any]:
    category_id, name, description, created, updated = row
    return clean(
        {
            "id": str(category_id),
            "name": name,
            "description": description,
            "create_time": iso_time(created),
            "update_time": iso_time(updated),
        }
    )


def _category_row(ctx: RestContext, raw_id: str) -> tuple[Any, ...]:
    category_id = int_id(raw_id, "tag_category_id")
    ensure_stamps(ctx.store)
    found = ctx.store.conn.execute(
        f'SELECT {_CAT_COLUMNS} FROM "ContactGroupCategory" c {_CAT_JOIN} WHERE c.Id = ?', (category_id,)
    ).fetchone()
    if found is None:
        raise not_found("TagCategory", category_id)
    return tuple(found)


def _unique_category_name(ctx: RestContext, name: str, own_id: int = 0) -> None:
    clash = ctx.store.scalar(
        'SELECT Id FROM "ContactGroupCategory" WHERE CategoryName = ? AND Id <> ?', (name, own_id)
    )
    if clash is not None:
        raise conflict(f"A tag category named {name!r} already exists (id {clash})")


def _category_values(ctx: RestContext, body: Mapping[str, Any], names: list[str], own: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in names:
        name = str(text_field(body, "name", required=True))
        _unique_category_name(ctx, name, own)
        values["CategoryName"] = name
    if "description" in names:
        values["CategoryDescription"] = text_field(body, "description") or ""
    return values


@route("/tags/categories", "GET")
def list_tag_categories(ctx: RestContext, req: Request) -> dict[str, Any]:
    ensure_stamps(ctx.store)
    where, params = compile_filter(req.param("filter"), _CAT_FILTERS)
    sql = f'SELECT {_CAT_COLUMNS} FROM "ContactGroupCategory" c {_CAT_JOIN} WHERE {where}'
    rows, token = fetch_page(ctx, req, sql, params, ordered(req, _CAT_ORDER, "c.Id"))
    return {"tag_categories": [_category_json(r) for r in rows], "next_page_token": token}


@route("/tags/categories/<tag_category_id>", "GET")
def get_category(ctx: RestContext, req: Request, tag_category_id: str) -> dict[str, Any]:
    return _category_json(_category_row(ctx, tag_category_id))


@route("/tags/categories", "POST")
def create_tag_category(ctx: RestContext, req: Request) -> Reply:
    body = req.json()
    store = ctx.store
    ensure_stamps(store)
    values = _category_values(ctx, body, ["name", "description"], 0)
    with store.tx():
        values = {k: v for k, v in values.items() if v != ""}
        category_id = add_record(ctx.xml, CATEGORY, values)
        touch(store, CATEGORY, category_id, created=True)
    return Reply(201, _category_json(_category_row(ctx, str(category_id))))


@route("/tags/categories/<tag_category_id>", "PATCH")
def update_tag_category(ctx: RestContext, req: Request, tag_category_id: str) -> dict[str, Any]:
    category_id = int(_category_row(ctx, tag_category_id)[0])
    body = req.json()
    values = _category_values(ctx, body, written(req, body, ("name", "description")), category_id)
    if values:
        with ctx.store.tx():
            update_record(ctx.xml, CATEGORY, category_id, values)
            touch(ctx.store, CATEGORY, category_id)
    return _category_json(_category_row(ctx, str(category_id)))


@route("/tags/categories/<tag_category_id>", "DELETE")
def delete_tag_category(ctx: RestContext, req: Request, tag_category_id: str) -> Reply:
    category_id = int(_category_row(ctx, tag_category_id)[0])
    store = ctx.store
    used = store.scalar('SELECT COUNT(*) FROM "ContactGroup" WHERE GroupCategoryId = ?', (category_id,))
    if used:
        raise conflict(f"Tag category {category_id} is used by {used} tag(s); move or delete them first",
                       "FAILED_PRECONDITION")
    with store.tx():
        store.delete_row(CATEGORY, category_id)
        store.conn.execute('DELETE FROM "_RestStamp" WHERE TableName = ? AND Id = ?', (CATEGORY, category_id))
    return Reply(204)
