"""REST v2 opportunities (the XML-RPC ``Lead`` table) and their stages (``Stage``).

Verified [V] (spec / SDK 2.0.26): ``GET/POST /opportunities``, ``GET/PATCH/DELETE
/opportunities/{id}`` (``RestV2Opportunity``, list ``ListOpportunitiesResponse``; create answers
201 and needs ``contact_id``, ``opportunity_title`` and ``stage_id``; delete 204);
``GET /opportunities/stages[/{id}]`` (``RestOpportunityStage``, ``ListOpportunityStagesResponse``,
filters ``opportunity_stage_name*`` and ``opportunity_stage_id`` comparisons, order_by
``stage_order``). List filters: ``stage_id``, ``user_id``, ``contact_id``, ``opportunity_title*``,
``lead_source_name*``, ``affiliate_id``, ``opportunity_id`` (comparisons), ``ids`` (at most 100,
not together with ``opportunity_id``), ``contact_phone*``, ``contact_city*``, ``contact_state*``,
``projected_revenue_high/low`` (comparisons) and custom fields by name; order_by
``next_action_time``, ``contact_name``, ``opportunity_title``, ``created_time``, ``update_time``.
``fields`` adds the optional ``custom_fields``, ``created_by``, ``last_updated_by``,
``status_id`` (and the legacy ``monthly_revenue``, ``order_revenue``, ``objection``, ``status``,
``stage_entrance_time``). ``contact``, ``stage`` (with ``id``) and ``opportunity_title`` are
always present.

Sandbox choices [I]:
- Default order is by id; ``contact_name`` sorts on "first last"; ties break on id.
- ``estimated_close_time`` is a calendar date (``EstimatedCloseDate``): it goes out as that date
  at ``T00:00:00.000Z`` and a written value keeps the date as written (a plain ``YYYY-MM-DD`` is
  also accepted), so it survives a round trip unchanged.
- ``include_in_forecast`` is accepted and not stored (the Lead table has no such column);
  ``monthly_revenue``, ``order_revenue`` and ``stage_entrance_time`` have no data.
  ``status`` is Open/Won/Lost from ``StatusID`` 0/1/2.
- ``contact_id``, ``stage_id`` and ``user_id`` in a body must exist, else 400 (a 404 is kept for
  the path's own id). ``contact_phone`` matches any of the contact's five phones.
- An opportunity with no stage (possible over XML-RPC) answers ``stage: {"id": "0"}``.
- Writes go through the XML-RPC side's DataService writes (same stamps and checks).
"""

from __future__ import annotations

from typing import Any

from app.sandbox.rest.conventions import (
    COMPARE,
    FilterField,
    Reply,
    Request,
    compile_filter,
    fields_of,
    filter_names,
    int_id,
    iso_time,
    order_of,
    page_of,
    parse_date,
    parse_time,
    project,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.record_common import (
    check_props,
    custom_filter,
    custom_values,
    custom_writes,
    fetch_one,
    nonzero,
    number_field,
    opt_bool,
    opt_number,
    opt_str,
    page_rows,
    patch_values,
    require,
    text,
)
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import writes

_SELECT = (
    "SELECT l.*, c.Email AS c_Email, c.City AS c_City, c.State AS c_State, "
    "c.FirstName AS c_FirstName, c.LastName AS c_LastName, c.Company AS c_Company, "
    "c.JobTitle AS c_JobTitle, c.Phone1 AS c_Phone1, s.StageName AS s_Name, "
    "s.StageOrder AS s_Order, s.TargetNumDays AS s_Days, u.Id AS u_Id, "
    "u.FirstName AS u_FirstName, u.LastName AS u_LastName "
    'FROM "Lead" l LEFT JOIN "Contact" c ON c.Id = l.ContactID '
    'LEFT JOIN "Stage" s ON s.Id = l.StageID LEFT JOIN "User" u ON u.Id = l.UserID'
)
_PHONES = tuple(f"c.Phone{n}" for n in range(1, 6))
FILTERS = {
    "stage_id": FilterField("l.StageID", "int"),
    "user_id": FilterField("l.UserID", "int"),
    "contact_id": FilterField("l.ContactID", "int"),
    "opportunity_title": FilterField("l.OpportunityTitle", wildcard=True),
    "lead_source_name": FilterField("l.Leadsource", wildcard=True),
    "affiliate_id": FilterField("l.AffiliateId", "int"),
    "opportunity_id": FilterField("l.Id", "int", ops=COMPARE),
    "ids": FilterField("l.Id", "set", max_items=100),
    "contact_phone": FilterField(_PHONES, wildcard=True),
    "contact_city": FilterField("c.City", wildcard=True),
    "contact_state": FilterField("c.State", wildcard=True),
    "projected_revenue_high": number_field("l.ProjectedRevenueHigh"),
    "projected_revenue_low": number_field("l.ProjectedRevenueLow"),
}
ORDER = {
    "next_action_time": "l.NextActionDate",
    "contact_name": "(COALESCE(c.FirstName, '') || ' ' || COALESCE(c.LastName, '')) COLLATE NOCASE",
    "opportunity_title": "l.OpportunityTitle",
    "created_time": "l.DateCreated",
    "update_time": "l.LastUpdated",
}
OPTIONAL = frozenset({
    "custom_fields", "created_by", "last_updated_by", "status_id",
    "monthly_revenue", "order_revenue", "objection", "status", "stage_entrance_time",
})
_BASE = frozenset({
    "id", "contact", "stage", "user", "opportunity_title", "next_action_time", "next_action_notes",
    "opportunity_notes", "estimated_close_time", "projected_revenue_low", "projected_revenue_high",
    "created_time", "last_updated_time", "affiliate_id", "lead_source",
})
WRITABLE = frozenset({
    "opportunity_title", "next_action_time", "next_action_notes", "opportunity_notes",
    "estimated_close_time", "include_in_forecast", "projected_revenue_low", "projected_revenue_high",
    "contact_id", "stage_id", "user_id", "custom_fields", "affiliate_id",
})
REQUIRED = ("contact_id", "opportunity_title", "stage_id")
_STATUS = {0: "Open", 1: "Won", 2: "Lost"}


def _opportunity(ctx: RestContext, row: dict[str, Any], extra: set[str]) -> dict[str, Any]:
    contact = {
        "id": str(row.get("ContactID") or 0),
        "email": text(row.get("c_Email")),
        "city": text(row.get("c_City")),
        "state": text(row.get("c_State")),
        "first_name": text(row.get("c_FirstName")),
        "last_name": text(row.get("c_LastName")),
        "company_name": text(row.get("c_Company")),
        "job_title": text(row.get("c_JobTitle")),
        "phone_number": text(row.get("c_Phone1")),
    }
    details = {"stage_order": row.get("s_Order"), "target_num_days": row.get("s_Days")}
    stage = {"id": str(row.get("StageID") or 0), "name": text(row.get("s_Name")),
             "details": {k: v for k, v in details.items() if v is not None} or None}
    user = None
    if row.get("u_Id"):
        user = {k: v for k, v in {"id": str(row["u_Id"]), "first_name": text(row.get("u_FirstName")),
                                  "last_name": text(row.get("u_LastName"))}.items() if v is not None}
    status_id = row.get("StatusID")
    item = {
        "id": str(row["Id"]),
        "contact": {k: v for k, v in contact.items() if v is not None},
        "stage": {k: v for k, v in stage.items() if v is not None},
        "user": user,
        "opportunity_title": str(row.get("OpportunityTitle") or ""),
        "next_action_time": iso_time(row.get("NextActionDate")),
        "next_action_notes": text(row.get("NextActionNotes")),
        "opportunity_notes": text(row.get("OpportunityNotes")),
        "estimated_close_time": _close_out(row.get("EstimatedCloseDate")),
        "projected_revenue_low": _float(row.get("ProjectedRevenueLow")),
        "projected_revenue_high": _float(row.get("ProjectedRevenueHigh")),
        "created_time": iso_time(row.get("DateCreated")),
        "last_updated_time": iso_time(row.get("LastUpdated")),
        "affiliate_id": nonzero(row.get("AffiliateId")),
        "lead_source": text(row.get("Leadsource")),
        "custom_fields": custom_values(ctx.store, "Lead", row),
        "created_by": nonzero(row.get("CreatedBy")),
        "last_updated_by": nonzero(row.get("LastUpdatedBy")),
        "status_id": None if status_id is None else str(status_id),
        "status": None if status_id is None else _STATUS.get(int(status_id)),
        "objection": text(row.get("Objection")),
    }
    return project(item, set(_BASE) | extra)


def _float(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _close_out(stored: Any) -> str | None:
    return f"{str(stored)[:10]}T00:00:00.000Z" if stored else None


def _close_in(value: str) -> str:
    if len(value.strip()) == 10:
        return parse_date(value, "estimated_close_time")
    parse_time(value, "estimated_close_time")  # validates the form; the date is kept as written
    return value.strip()[:10] + " 00:00:00"


def _extra(req: Request) -> set[str]:
    return fields_of(req, OPTIONAL, ()) - {"id"}


def _row(ctx: RestContext, opportunity_id: int) -> dict[str, Any]:
    row = fetch_one(ctx.store, f"{_SELECT} WHERE l.Id = ?", [opportunity_id])
    if row is None:
        raise not_found("Opportunity", opportunity_id)
    return row


def _ref(ctx: RestContext, value: Any, key: str, table: str) -> int | str:
    """A referenced id from a body; '' (clear) for null; 400 if no such row."""
    if value is None or value == "":
        return ""
    number = int_id(value, key)
    if not ctx.store.exists(table, number):
        raise bad_request(f"{key} {number} does not exist")
    return number


def _values(ctx: RestContext, props: dict[str, Any]) -> dict[str, Any]:
    """Opportunity JSON properties (None = clear) -> DataService values for ``Lead``."""
    for key in REQUIRED:
        if key in props and (props[key] is None or not str(props[key]).strip()):
            raise bad_request(f"{key} is required")
    out: dict[str, Any] = {}
    for key, column in (("opportunity_title", "OpportunityTitle"), ("next_action_notes", "NextActionNotes"),
                        ("opportunity_notes", "OpportunityNotes")):
        if key in props:
            out[column] = opt_str(props, key) or ""
    for key, column, table in (("contact_id", "ContactID", "Contact"), ("stage_id", "StageID", "Stage"),
                               ("user_id", "UserID", "User")):
        if key in props:
            out[column] = _ref(ctx, props[key], key, table)
    if "affiliate_id" in props:
        value = props["affiliate_id"]
        out["AffiliateId"] = "" if value in (None, "") else int_id(value, "affiliate_id")
    if "next_action_time" in props:
        when = opt_str(props, "next_action_time")
        out["NextActionDate"] = parse_time(when, "next_action_time") if when else ""
    if "estimated_close_time" in props:
        close = opt_str(props, "estimated_close_time")
        out["EstimatedCloseDate"] = _close_in(close) if close else ""
    for key, column in (("projected_revenue_low", "ProjectedRevenueLow"),
                        ("projected_revenue_high", "ProjectedRevenueHigh")):
        if key in props:
            number = opt_number(props, key)
            out[column] = "" if number is None else number
    opt_bool(props, "include_in_forecast")
    if "custom_fields" in props:
        out.update(custom_writes(ctx.store, "Lead", props["custom_fields"] or []))
    return out


@route("/opportunities", "GET")
def list_opportunities(ctx: RestContext, req: Request) -> dict[str, Any]:
    extra = _extra(req)
    page = page_of(req, scope=sorted(extra))
    names = filter_names(req.param("filter"))
    if {"ids", "opportunity_id"} <= names:
        raise bad_request("The filters opportunity_id and ids cannot be used together")
    where, params = compile_filter(req.param("filter"), FILTERS, extra=custom_filter(ctx.store, "Lead", "l"))
    order = order_of(req, ORDER, "l.Id")
    rows, token = page_rows(ctx.store, _SELECT, where, params, order, page)
    return {"opportunities": [_opportunity(ctx, r, extra) for r in rows], "next_page_token": token}


@route("/opportunities/<opportunity_id>", "GET")
def get_opportunity(ctx: RestContext, req: Request, opportunity_id: str) -> dict[str, Any]:
    return _opportunity(ctx, _row(ctx, int_id(opportunity_id, "opportunity_id")), _extra(req))


@route("/opportunities", "POST")
def create_opportunity(ctx: RestContext, req: Request) -> Reply:
    extra = _extra(req)
    body = req.json()
    check_props(body, WRITABLE, "Opportunity")
    for key in REQUIRED:
        if body.get(key) in (None, ""):
            raise bad_request(f"{key} is required")
    values = _values(ctx, {k: v for k, v in body.items() if v is not None})
    new_id = writes.add_record(ctx.xml, "Lead", values)
    return Reply(201, _opportunity(ctx, _row(ctx, new_id), extra))


@route("/opportunities/<opportunity_id>", "PATCH")
def update_opportunity(ctx: RestContext, req: Request, opportunity_id: str) -> dict[str, Any]:
    oid = int_id(opportunity_id, "opportunity_id")
    extra = _extra(req)
    require(ctx.store, "Lead", oid, "Opportunity")
    values = _values(ctx, patch_values(req, req.json(), WRITABLE, "Opportunity"))
    if values:
        writes.update_record(ctx.xml, "Lead", oid, values)
    return _opportunity(ctx, _row(ctx, oid), extra)


@route("/opportunities/<opportunity_id>", "DELETE")
def delete_opportunity(ctx: RestContext, req: Request, opportunity_id: str) -> Reply:
    oid = int_id(opportunity_id, "opportunity_id")
    require(ctx.store, "Lead", oid, "Opportunity")
    writes.delete_record(ctx.xml, "Lead", oid)
    return Reply(204)


# --- stages -----------------------------------------------------------------------------------

STAGE_FILTERS = {
    "opportunity_stage_name": FilterField("s.StageName", wildcard=True),
    "opportunity_stage_id": FilterField("s.Id", "int", ops=COMPARE),
}
STAGE_ORDER = {"stage_order": "s.StageOrder"}


def _stage(row: dict[str, Any]) -> dict[str, Any]:
    item = {
        "id": str(row["Id"]),
        "name": text(row.get("StageName")),
        "order": row.get("StageOrder"),
        "target_number_days": row.get("TargetNumDays"),
    }
    return {k: v for k, v in item.items() if v is not None}


@route("/opportunities/stages", "GET")
def list_stages(ctx: RestContext, req: Request) -> dict[str, Any]:
    page = page_of(req)
    where, params = compile_filter(req.param("filter"), STAGE_FILTERS)
    order = order_of(req, STAGE_ORDER, "s.StageOrder, s.Id")
    rows, token = page_rows(ctx.store, 'SELECT s.* FROM "Stage" s', where, params, order, page)
    return {"stages": [_stage(r) for r in rows], "next_page_token": token}


@route("/opportunities/stages/<stage_id>", "GET")
def get_stage(ctx: RestContext, req: Request, stage_id: str) -> dict[str, Any]:
    sid_ = int_id(stage_id, "stage_id")
    row = fetch_one(ctx.store, 'SELECT * FROM "Stage" WHERE Id = ?', [sid_])
    if row is None:
        raise not_found("OpportunityStage", sid_)
    return _stage(row)
