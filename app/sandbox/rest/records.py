"""REST v2 linked records over the sandbox's one store: users and companies here; opportunities,
orders, subscriptions, e-mail status and goals in the modules imported below (importing this
module registers all of their routes).

Verified [V] (Keap's spec / SDK 2.0.26 docstrings and models):
- ``GET /users`` (filters ``email``, ``given_name``, ``include_inactive``, ``include_partners``,
  ``user_ids``; order_by ``create_time``, ``email``, ``name`` with the user id as tie-break;
  page_size at most 100) and ``GET /users/{user_id}`` answer ``ListUsersPaginatedResponse`` /
  ``User``.
- ``GET/POST /companies``, ``GET/PATCH/DELETE /companies/{company_id}`` answer ``Company`` /
  ``ListCompaniesResponse``; filters ``company_name`` (exact), ``name``/``city``/``state``
  (prefix ``*``), ``email``, ``since_time``/``until_time`` (update time), ``company_id``
  (comparisons) and custom fields by name; order_by ``id``, ``create_time``, ``name``, ``email``.
  ``notes``, ``fax_number``, ``address``, ``email_address``, ``phone_number``, ``update_time``,
  ``create_time`` and ``custom_fields`` are left out unless asked for with ``fields``;
  ``country_code`` is required when an address has a region.

Sandbox choices [I]:
- Users come from the ``User`` table; every user is ``ACTIVE`` (the table has no status),
  the API key's user (the first one) is the ``admin``; partners (``Partner=1``) are left out
  unless ``include_partners==true``; ``include_inactive`` is accepted and changes nothing;
  ``create_time`` ordering is by id (the table keeps no creation time); ``email`` matches any
  of the user's three addresses.
- ``fields`` on companies adds to the default properties rather than replacing them; POST and
  PATCH answer the whole company. ``company_name`` is required on create and cannot be cleared.
  Companies are written through the XML-RPC side's DataService writes, so both protocols
  stamp and validate alike; deleting a company leaves its contacts' ``CompanyID`` as it was
  (as ``DataService.delete`` does).
"""

from __future__ import annotations

from typing import Any

# Imported for their @route side effects (plain imports: mypy's incremental cache mis-resolves
# ``from app.sandbox.rest import x`` inside the routes -> records -> x -> routes cycle).
import app.sandbox.rest.marketing
import app.sandbox.rest.opportunities
import app.sandbox.rest.orders
import app.sandbox.rest.subscriptions  # noqa: F401
from app.sandbox.rest.conventions import (
    COMPARE,
    FilterField,
    Reply,
    Request,
    compile_filter,
    fields_of,
    filter_names,
    int_id,
    iso_date,
    iso_time,
    order_of,
    page_of,
    project,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.record_common import (
    address_in,
    address_out,
    check_props,
    custom_filter,
    custom_values,
    custom_writes,
    fetch_one,
    flag_field,
    nonzero,
    opt_date,
    opt_str,
    page_rows,
    patch_values,
    req_str,
    require,
    text,
)
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import writes

# --- users ------------------------------------------------------------------------------------


_NOT_PARTNER = "COALESCE(u.Partner, 0) = 0"
USER_FILTERS = {
    "email": FilterField(("u.Email", "u.EmailAddress2", "u.EmailAddress3")),
    "given_name": FilterField("u.FirstName"),
    "include_inactive": flag_field("1", "1"),
    "include_partners": flag_field("1", _NOT_PARTNER),
    "user_ids": FilterField("u.Id", "set"),
}
USER_ORDER = {"create_time": "u.Id", "email": "u.Email", "name": "u.LastName"}


def _user(row: dict[str, Any], admin_id: int | None) -> dict[str, Any]:
    emails = [
        {"email": str(row[col]), "field": name}
        for col, name in (("Email", "EMAIL1"), ("EmailAddress2", "EMAIL2"), ("EmailAddress3", "EMAIL3"))
        if text(row.get(col))
    ]
    phones = [
        project({"number": text(row.get(f"Phone{n}")), "extension": text(row.get(f"Phone{n}Ext")),
                 "type": text(row.get(f"Phone{n}Type")), "field": f"PHONE{n}"},
                {"number", "extension", "type", "field"})
        for n in (1, 2)
        if text(row.get(f"Phone{n}"))
    ]
    item = {
        "id": str(row["Id"]),
        "given_name": text(row.get("FirstName")),
        "family_name": text(row.get("LastName")),
        "middle_name": text(row.get("MiddleName")),
        "nickname": text(row.get("Nickname")),
        "spouse_name": text(row.get("SpouseName")),
        "suffix": text(row.get("Suffix")),
        "title": text(row.get("Title")),
        "partner": bool(row.get("Partner") or 0),
        "admin": row["Id"] == admin_id,
        "status": "ACTIVE",
        "email_addresses": emails,
        "phone_numbers": phones,
        "address": address_out(
            "BILLING", line1=row.get("StreetAddress1"), line2=row.get("StreetAddress2"),
            locality=row.get("City"), region=row.get("State"), postal_code=row.get("PostalCode"),
            zip_four=row.get("ZipFour1"),
        ),
    }
    return {k: v for k, v in item.items() if v is not None}


@route("/users", "GET")
def list_users(ctx: RestContext, req: Request) -> dict[str, Any]:
    page = page_of(req, limit=100)
    where, params = compile_filter(req.param("filter"), USER_FILTERS)
    if "include_partners" not in filter_names(req.param("filter")):
        where = f"({where}) AND {_NOT_PARTNER}"
    order = order_of(req, USER_ORDER, "u.Id")
    rows, token = page_rows(ctx.store, 'SELECT u.* FROM "User" u', where, params, order, page)
    admin = ctx.xml.api_user_id
    return {"users": [_user(r, admin) for r in rows], "next_page_token": token}


@route("/users/<user_id>", "GET")
def get_user(ctx: RestContext, req: Request, user_id: str) -> dict[str, Any]:
    uid = int_id(user_id, "user_id")
    row = fetch_one(ctx.store, 'SELECT * FROM "User" WHERE Id = ?', [uid])
    if row is None:
        raise not_found("User", uid)
    return _user(row, ctx.xml.api_user_id)


# --- companies --------------------------------------------------------------------------------

#: JSON text property -> Company column.
_COMPANY_TEXT = {
    "company_name": "Company", "website": "Website", "suffix": "Suffix", "title": "Title",
    "notes": "ContactNotes", "assistant_name": "AssistantName", "assistant_phone": "AssistantPhone",
    "billing_information": "BillingInformation", "contact_type": "ContactType",
    "first_name": "FirstName", "last_name": "LastName", "middle_name": "MiddleName",
    "job_title": "JobTitle", "preferred_name": "Nickname", "referral_code": "ReferralCode",
    "spouse_name": "SpouseName",
}
_COMPANY_DATES = {"anniversary_date": "Anniversary", "birth_date": "Birthday"}
_ADDRESS_COLUMNS = {
    "line1": "StreetAddress1", "line2": "StreetAddress2", "locality": "City", "region": "State",
    "postal_code": "PostalCode", "zip_four": "ZipFour1", "country_code": "Country",
}
COMPANY_WRITABLE = frozenset(
    {*_COMPANY_TEXT, *_COMPANY_DATES, "owner_id", "address", "email_address", "phone_number",
     "fax_number", "custom_fields"}
)
COMPANY_OPTIONAL = frozenset(
    {"notes", "fax_number", "address", "email_address", "phone_number", "update_time", "create_time",
     "custom_fields"}
)
COMPANY_PROPERTIES = frozenset(
    {*COMPANY_WRITABLE, "id", "groups", "update_time", "create_time", "account_id", "created_by",
     "last_updated_by"}
)
COMPANY_DEFAULT = COMPANY_PROPERTIES - COMPANY_OPTIONAL
COMPANY_FILTERS = {
    "company_name": FilterField("co.Company"),
    "name": FilterField("co.Company", wildcard=True),
    "email": FilterField("co.Email"),
    "city": FilterField("co.City", wildcard=True),
    "state": FilterField("co.State", wildcard=True),
    "since_time": FilterField("co.LastUpdated", "time", bound=">="),
    "until_time": FilterField("co.LastUpdated", "time", bound="<="),
    "company_id": FilterField("co.Id", "int", ops=COMPARE),
}
COMPANY_ORDER = {"id": "co.Id", "create_time": "co.DateCreated", "name": "co.Company", "email": "co.Email"}


def _company(ctx: RestContext, row: dict[str, Any], chosen: set[str] | frozenset[str]) -> dict[str, Any]:
    item: dict[str, Any] = {prop: text(row.get(col)) for prop, col in _COMPANY_TEXT.items()}
    item.update({prop: iso_date(row.get(col)) for prop, col in _COMPANY_DATES.items()})
    item.update(
        id=str(row["Id"]),
        groups=text(row.get("Groups")),
        owner_id=nonzero(row.get("OwnerID")),
        account_id=nonzero(row.get("AccountId")),
        created_by=nonzero(row.get("CreatedBy")),
        last_updated_by=nonzero(row.get("LastUpdatedBy")),
        create_time=iso_time(row.get("DateCreated")),
        update_time=iso_time(row.get("LastUpdated")),
        address=address_out(
            "BILLING", line1=row.get("StreetAddress1"), line2=row.get("StreetAddress2"),
            locality=row.get("City"), region=row.get("State"), postal_code=row.get("PostalCode"),
            zip_four=row.get("ZipFour1"), country=row.get("Country"),
        ),
        email_address={"email": row["Email"], "field": "EMAIL1"} if text(row.get("Email")) else None,
        phone_number=project(
            {"number": row.get("Phone1"), "extension": text(row.get("Phone1Ext")),
             "type": text(row.get("Phone1Type")), "field": "PHONE1"},
            {"number", "extension", "type", "field"},
        ) if text(row.get("Phone1")) else None,
        fax_number=project(
            {"number": row.get("Fax1"), "type": text(row.get("Fax1Type")), "field": "FAX1"},
            {"number", "type", "field"},
        ) if text(row.get("Fax1")) else None,
        custom_fields=custom_values(ctx.store, "Company", row),
    )
    return project(item, set(chosen))


def _company_row(ctx: RestContext, company_id: int) -> dict[str, Any]:
    row = fetch_one(ctx.store, 'SELECT * FROM "Company" WHERE Id = ?', [company_id])
    if row is None:
        raise not_found("Company", company_id)
    return row


def _company_values(ctx: RestContext, props: dict[str, Any]) -> dict[str, Any]:
    """Company JSON properties (None = clear) -> DataService values."""
    out: dict[str, Any] = {}
    for prop, value in props.items():
        if prop in _COMPANY_TEXT:
            out[_COMPANY_TEXT[prop]] = opt_str(props, prop) or ""
        elif prop in _COMPANY_DATES:
            out[_COMPANY_DATES[prop]] = opt_date(props, prop) or ""
        elif prop == "owner_id":
            owner = None if value in (None, "") else int_id(value, "owner_id")
            if owner is not None and not ctx.store.exists("User", owner):
                raise bad_request(f"owner_id {owner} is not a user of this account")
            out["OwnerID"] = owner if owner is not None else ""
        elif prop == "address":
            out.update(address_in(value, _ADDRESS_COLUMNS))
        elif prop == "email_address":
            part = _object(value, prop, {"email", "field", "opt_in_reason", "is_opt_in", "email_opt_status"})
            out["Email"] = opt_str(part, "email", "email_address.email") or ""
        elif prop == "phone_number":
            part = _object(value, prop, {"number", "extension", "type", "field", "number_e164"})
            out["Phone1"] = opt_str(part, "number", "phone_number.number") or ""
            out["Phone1Ext"] = opt_str(part, "extension", "phone_number.extension") or ""
            out["Phone1Type"] = opt_str(part, "type", "phone_number.type") or ""
        elif prop == "fax_number":
            part = _object(value, prop, {"number", "type", "field"})
            out["Fax1"] = opt_str(part, "number", "fax_number.number") or ""
            out["Fax1Type"] = opt_str(part, "type", "fax_number.type") or ""
        elif prop == "custom_fields":
            out.update(custom_writes(ctx.store, "Company", value if value is not None else []))
    if "Company" in out and not str(out["Company"]).strip():
        raise bad_request("company_name is required")
    return out


def _object(value: Any, what: str, allowed: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be an object")
    check_props(value, allowed, what)
    return value


@route("/companies", "GET")
def list_companies(ctx: RestContext, req: Request) -> dict[str, Any]:
    chosen = COMPANY_DEFAULT | fields_of(req, COMPANY_PROPERTIES, COMPANY_DEFAULT)
    page = page_of(req, scope=sorted(chosen))
    where, params = compile_filter(req.param("filter"), COMPANY_FILTERS,
                                   extra=custom_filter(ctx.store, "Company", "co"))
    order = order_of(req, COMPANY_ORDER, "co.Id")
    rows, token = page_rows(ctx.store, 'SELECT co.* FROM "Company" co', where, params, order, page)
    return {"companies": [_company(ctx, r, chosen) for r in rows], "next_page_token": token}


@route("/companies/<company_id>", "GET")
def get_company(ctx: RestContext, req: Request, company_id: str) -> dict[str, Any]:
    chosen = COMPANY_DEFAULT | fields_of(req, COMPANY_PROPERTIES, COMPANY_DEFAULT)
    return _company(ctx, _company_row(ctx, int_id(company_id, "company_id")), chosen)


@route("/companies", "POST")
def create_company(ctx: RestContext, req: Request) -> Reply:
    body = req.json()
    check_props(body, COMPANY_WRITABLE, "Company")
    req_str(body, "company_name")
    values = _company_values(ctx, {k: v for k, v in body.items() if v is not None})
    new_id = writes.add_record(ctx.xml, "Company", values)
    return Reply(201, _company(ctx, _company_row(ctx, new_id), COMPANY_PROPERTIES))


@route("/companies/<company_id>", "PATCH")
def update_company(ctx: RestContext, req: Request, company_id: str) -> dict[str, Any]:
    cid = int_id(company_id, "company_id")
    require(ctx.store, "Company", cid, "Company")
    values = _company_values(ctx, patch_values(req, req.json(), COMPANY_WRITABLE, "Company"))
    if values:
        writes.update_record(ctx.xml, "Company", cid, values)
    return _company(ctx, _company_row(ctx, cid), COMPANY_PROPERTIES)


@route("/companies/<company_id>", "DELETE")
def delete_company(ctx: RestContext, req: Request, company_id: str) -> Reply:
    cid = int_id(company_id, "company_id")
    require(ctx.store, "Company", cid, "Company")
    writes.delete_record(ctx.xml, "Company", cid)
    return Reply(204)

