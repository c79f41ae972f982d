"""REST v2 contact links and link types (``:link``, ``:unlink``, ``/contacts/{id}/links``).

Links reuse the XML-RPC side's linkContacts/unlinkContacts, so a link made over one
protocol is listed over the other. [I]: an account without linked contacts answers 404;
a link type's ``max_links`` reached answers 400; link types carry a fixed create_time.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.contacts import load_row
from app.sandbox.rest.conventions import (
    FilterField,
    Reply,
    Request,
    check_text,
    compile_filter,
    int_id,
    iso_time,
    order_of,
    page_of,
    paged,
)
from app.sandbox.rest.errors import RestError, bad_request, not_found
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import contact as xml_contact

# --- links --------------------------------------------------------------------------------


def _require_links(ctx: RestContext) -> None:
    if not ctx.linked_contacts:
        raise RestError(404, "Linked contacts are not available on this account")


def _link_body(ctx: RestContext, req: Request) -> tuple[int, int, int]:
    _require_links(ctx)
    body = req.json()
    a = int_id(body.get("contact1_id"), "contact1_id")
    b = int_id(body.get("contact2_id"), "contact2_id")
    t = int_id(body.get("link_type_id"), "link_type_id")
    load_row(ctx, a)
    load_row(ctx, b)
    if not ctx.store.exists("LinkedContactType", t):
        raise not_found("ContactLinkType", t)
    return a, b, t


def _type_name(ctx: RestContext, link_type: int) -> str | None:
    found = ctx.store.scalar('SELECT TypeName FROM "LinkedContactType" WHERE Id = ?', (link_type,))
    return None if found is None else str(found)


@route("/contacts:link", "POST")
def link(ctx: RestContext, req: Request) -> Reply:
    a, b, t = _link_body(ctx, req)
    if not xml_contact.link_contacts(ctx.xml, a, b, t):
        raise bad_request(f"Link type {t} allows no more links for one of these contacts")
    return Reply(
        201,
        {
            "contact1_id": str(a),
            "contact2_id": str(b),
            "link_type_id": str(t),
            "link_type_name": _type_name(ctx, t),
        },
    )


@route("/contacts:unlink", "POST")
def unlink(ctx: RestContext, req: Request) -> Reply:
    a, b, t = _link_body(ctx, req)
    xml_contact.unlink_contacts(ctx.xml, a, b, t)
    return Reply(204)


@route("/contacts/<contact_id>/links", "GET")
def list_links(ctx: RestContext, req: Request, contact_id: str) -> dict[str, Any]:
    _require_links(ctx)
    cid = int_id(contact_id, "contact_id")
    load_row(ctx, cid)
    links = [
        {
            "contact1_id": str(cid),
            "contact2_id": str(item["LinkedContactId"]),
            "link_type_id": str(item["LinkedContactTypeId"]),
            "link_type_name": _type_name(ctx, int(item["LinkedContactTypeId"])),
        }
        for item in ctx.store.links(cid)
    ]
    return {"links": links, "next_page_token": ""}


def _link_type_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["Id"]),
        "name": row["TypeName"],
        "max_links": int(row.get("MaxLinked") or 0),
        "create_time": iso_time("2018-01-01 00:00:00"),
    }


@route("/contacts/links/types", "GET")
def list_link_types(ctx: RestContext, req: Request) -> dict[str, Any]:
    where, params = compile_filter(req.param("filter"), {"name": FilterField('"TypeName"')})
    order = order_of(
        req, {"name": '"TypeName"', "max_links": '"MaxLinked"', "create_time": '"Id"'}, '"Id" ASC'
    )
    page = page_of(req)
    cursor = ctx.store.conn.execute(
        f'SELECT Id, TypeName, MaxLinked FROM "LinkedContactType" WHERE {where} '
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, page.size + 1, page.offset],
    )
    rows, token = paged([{"Id": i, "TypeName": n, "MaxLinked": m} for i, n, m in cursor], page)
    return {"contact_link_types": [_link_type_json(r) for r in rows], "next_page_token": token}


@route("/contacts/links/types", "POST")
def create_link_type(ctx: RestContext, req: Request) -> Reply:
    body = req.json()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name is required")
    max_links = body.get("max_links") or 0
    with ctx.store.tx():
        new_id = ctx.store.insert(
            "LinkedContactType", {"TypeName": check_text(name, "name"), "MaxLinked": int(max_links)}
        )
    return Reply(201, _link_type_json({"Id": new_id, "TypeName": name, "MaxLinked": max_links}))


@route("/contacts/links/types/<link_type_id>", "PATCH")
def update_link_type(ctx: RestContext, req: Request, link_type_id: str) -> dict[str, Any]:
    t = int_id(link_type_id, "link_type_id")
    row = ctx.store.row("LinkedContactType", t)
    if row is None:
        raise not_found("ContactLinkType", t)
    body = req.json()
    values: dict[str, Any] = {}
    if "name" in body:
        values["TypeName"] = check_text(str(body["name"]), "name")
    if "max_links" in body:
        values["MaxLinked"] = int(body["max_links"] or 0)
    with ctx.store.tx():
        ctx.store.update_row("LinkedContactType", t, values)
    return _link_type_json({**row, **values})


@route("/contacts/links/types/<link_type_id>", "DELETE")
def delete_link_type(ctx: RestContext, req: Request, link_type_id: str) -> Reply:
    t = int_id(link_type_id, "link_type_id")
    if not ctx.store.exists("LinkedContactType", t):
        raise not_found("ContactLinkType", t)
    with ctx.store.tx():
        ctx.store.delete_row("LinkedContactType", t)
        ctx.store.conn.execute('DELETE FROM "_LinkedContact" WHERE LinkTypeId = ?', (t,))
    return Reply(204)
