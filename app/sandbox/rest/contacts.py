"""REST v2 contacts on the sandbox's store: list, get, create, PATCH, delete, merge, links, model.

[V] from Keap's spec/SDK: the filter fields and ``order_by`` fields of ``GET /contacts``;
``email`` matches EMAIL1-3; ``phone_number`` needs ``phone_fields`` and a prefix of at least
3 characters; custom fields filter by ``field_name`` (case-insensitive); a create needs an
e-mail, phone or address; ``duplicate_option`` Email / EmailAndName / EmailAndNameAndCompany;
arrays are replaced whole on create and update; merge keeps ``contact_id``.
[I] choices: a create that matched a duplicate answers 200 (a new contact 201); a property
named in ``update_mask`` but absent from the body is cleared; ``company: {id}`` must name an
existing Company; merge, tags, links and writes reuse the XML-RPC side's code, so the two
protocols change the account identically.
"""

from __future__ import annotations

from typing import Any

from app.core.rest_slots import ADDRESS_SLOTS, PHONE_SLOTS
from app.core.schema import CustomFieldType
from app.sandbox.rest import contact_map as cm
from app.sandbox.rest.contact_cache import EncodedJson, page_body, rendered_contacts
from app.sandbox.rest.contact_json import ContactJson
from app.sandbox.rest.conventions import (
    COMPARE,
    FilterField,
    Reply,
    Request,
    check_text,
    compile_filter,
    fields_of,
    int_id,
    mask_of,
    order_of,
    page_of,
    paged,
    parse_date,
    parse_filter,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.rest.routes import RestContext, route
from app.sandbox.services import contact as xml_contact
from app.sandbox.services.writes import _stamp, delete_record, note_emails, prepare
from app.sandbox.store import q

DUPLICATE_OPTIONS = ("Email", "EmailAndName", "EmailAndNameAndCompany")
ORDER = {"id": '"Id"', "create_time": '"DateCreated"', "email": '"Email"', "update_time": '"LastUpdated"'}


def _like(col: str) -> FilterField:
    return FilterField(col, wildcard=True)


def _address_filters() -> dict[str, FilterField]:
    out: dict[str, FilterField] = {}
    for prefix, slot in (("billing", "BILLING"), ("shipping", "SHIPPING"), ("other", "OTHER")):
        line1, _, city, state, postal, _, country = ADDRESS_SLOTS[slot]
        out[f"{prefix}_address_line1"] = FilterField(f'"{line1}"')
        out[f"{prefix}_address_locality"] = FilterField(f'"{city}"')
        out[f"{prefix}_address_region"] = FilterField(f'"{state}"')
        out[f"{prefix}_address_postal_code"] = FilterField(f'"{postal}"')
        out[f"{prefix}_address_country_code"] = FilterField(
            f'"{country}"', kind="custom", build=_country_clause(f'"{country}"')
        )
    return out


def _country_clause(col: str) -> Any:
    def build(op: str, value: str) -> tuple[str, list[Any]]:
        name = cm.COUNTRY_BY_CODE.get(value.upper())
        if name is None:
            raise bad_request(f"{value!r} is not an ISO 3166-1 alpha-3 country code")
        return f"{col} = ?", [name]

    return build


FILTERS: dict[str, FilterField] = {
    "email": FilterField(('"Email"', '"EmailAddress2"', '"EmailAddress3"'), wildcard=True),
    "given_name": _like('"FirstName"'),
    "family_name": _like('"LastName"'),
    "middle_name": _like('"MiddleName"'),
    "company_id": FilterField('"CompanyID"', kind="int"),
    "contact_ids": FilterField('"Id"', kind="set", max_items=1000),
    "ids": FilterField('"Id"', kind="set", max_items=1000),
    "start_update_time": FilterField('"LastUpdated"', kind="time", bound=">="),
    "end_update_time": FilterField('"LastUpdated"', kind="time", bound="<="),
    "city": _like('"City"'),
    "state": _like('"State"'),
    "website": _like('"Website"'),
    "lead_source_name": _like('"Leadsource"'),
    "contact_id": FilterField('"Id"', kind="int", ops=COMPARE),
    "phone_fields": FilterField("1", kind="custom", build=lambda op, value: ("1", [])),
    **_address_filters(),
}


def _custom_filter(ctx: RestContext, name: str) -> FilterField | None:
    """A custom field by its ``field_name``, case-insensitive; operators by type [V]."""
    for api, cdef in ctx.store.custom["Contact"].items():
        if api[1:].lower() == name.lower():
            dtype = cdef.data_type
            col = q(api)
            if dtype in (CustomFieldType.DATE, CustomFieldType.DATETIME):
                return FilterField(col, kind="time", ops=COMPARE)
            if dtype in cm.NUMERIC_TYPES:
                return FilterField(col, kind="custom", ops=COMPARE, build=_number_clause(col))
            if dtype in (CustomFieldType.YES_NO, CustomFieldType.DRILLDOWN):
                return FilterField(col)
            return FilterField(col, wildcard=True)
    return None


def _number_clause(col: str) -> Any:
    def build(op: str, value: str) -> tuple[str, list[Any]]:
        try:
            number = float(value)
        except ValueError:
            raise bad_request(
                f"A number is needed to filter {col.strip(chr(34))[1:]} (got {value!r})"
            ) from None
        return f"{col} {'=' if op == '==' else op} ?", [number]

    return build


def _phone_filter(text: str | None) -> dict[str, FilterField]:
    """``phone_number`` searches only the slots named by ``phone_fields`` [V]."""
    clauses = {c.name: c for c in parse_filter(text)}
    if "phone_number" not in clauses:
        return {}
    if "phone_fields" not in clauses:
        raise bad_request("phone_number needs phone_fields, e.g. phone_fields==PHONE1,PHONE2")
    slots = [s.strip().upper() for s in clauses["phone_fields"].value.split(",") if s.strip()]
    bad = [s for s in slots if s not in PHONE_SLOTS]
    if bad or not slots:
        raise bad_request(f"phone_fields must list PHONE1..PHONE5 (got {clauses['phone_fields'].value!r})")
    value = clauses["phone_number"].value
    if value.endswith("*") and len(value) - 1 < 3:
        raise bad_request("A phone_number prefix needs at least 3 characters before *")
    cols = tuple(q(PHONE_SLOTS[s][0]) for s in slots)
    return {"phone_number": FilterField(cols, wildcard=True)}


# --- reads --------------------------------------------------------------------------------


def load_row(ctx: RestContext, contact_id: int) -> dict[str, Any]:
    row = ctx.store.row("Contact", contact_id)
    if row is None:
        raise not_found("Contact", contact_id)
    return row


def one(ctx: RestContext, req: Request, contact_id: int) -> dict[str, Any]:
    chosen = fields_of(req, cm.ALL_FIELDS, cm.DEFAULT_FIELDS)
    return ContactJson(ctx.store, chosen).render([load_row(ctx, contact_id)])[0]


@route("/contacts", "GET")
def list_contacts(ctx: RestContext, req: Request) -> EncodedJson:
    text = req.param("filter")
    specs = {**FILTERS, **_phone_filter(text)}
    where, params = compile_filter(text, specs, extra=lambda name: _custom_filter(ctx, name),
                                   repeats=ctx.repeated_filter_fields)
    order = order_of(req, ORDER, '"Id" ASC')
    renderer = ContactJson(ctx.store, fields_of(req, cm.ALL_FIELDS, cm.DEFAULT_FIELDS))
    page = page_of(req)
    cursor = ctx.store.conn.execute(
        f'SELECT "Id" FROM "Contact" WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?',
        [*params, page.size + 1, page.offset],
    )
    ids, token = paged([int(r[0]) for r in cursor], page)
    # each contact's JSON as rendered before, kept until the next write (contact_cache.py)
    return page_body("contacts", rendered_contacts(ctx.store).texts(renderer, ids), token)


@route("/contacts/<contact_id>", "GET")
def get_contact(ctx: RestContext, req: Request, contact_id: str) -> dict[str, Any]:
    return one(ctx, req, int_id(contact_id, "contact_id"))


@route("/contacts/model", "GET")
def contact_model(ctx: RestContext, req: Request) -> dict[str, Any]:
    return {"custom_fields": cm.custom_meta(ctx.store), "optional_properties": list(cm.OPTIONAL)}


# --- writes -------------------------------------------------------------------------------


def _values(ctx: RestContext, body: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """REST properties -> XML-RPC column values (None = clear)."""
    out: dict[str, Any] = {}
    for name in names:
        value = body.get(name)
        if name in cm.SCALARS:
            column, kind = cm.SCALARS[name]
            if value in (None, ""):
                out[column] = None
            elif kind == "id":
                out[column] = int_id(value, name)
            elif not isinstance(value, str):
                raise bad_request(f"{name} must be a string")
            elif kind == "date":
                out[column] = parse_date(value, name)
            else:
                if len(value) > cm.MAX_LENGTH.get(name, 65535):
                    raise bad_request(f"{name} is longer than {cm.MAX_LENGTH[name]} characters")
                out[column] = check_text(value, name)
        elif name == "email_addresses":
            out.update(cm.emails_values(value))
        elif name == "phone_numbers":
            out.update(cm.phones_values(value))
        elif name == "fax_numbers":
            out.update(cm.faxes_values(value))
        elif name == "addresses":
            out.update(cm.addresses_values(value))
        elif name == "custom_fields":
            out.update(cm.custom_values(ctx.store, value))
        elif name == "company":
            out.update(_company(ctx, value))
        elif name == "social_accounts":
            out["__social"] = _social(value)
    return out


def _company(ctx: RestContext, value: Any) -> dict[str, Any]:
    if value is None:
        return {"CompanyID": None, "Company": None}
    if not isinstance(value, dict):
        raise bad_request('company must be an object like {"id": "12"}')
    if value.get("id") not in (None, ""):
        company_id = int_id(value["id"], "company.id")
        name = ctx.store.scalar('SELECT Company FROM "Company" WHERE Id = ?', (company_id,))
        if name is None and not ctx.store.exists("Company", company_id):
            raise bad_request(f"company.id {company_id} is not a company of this account")
        return {"CompanyID": company_id, "Company": name}
    name = value.get("company_name")
    return {"Company": check_text(str(name), "company.company_name") if name else None}


def _social(value: Any) -> list[tuple[str, str | None]]:
    out = []
    for item in cm._list(value, "social_accounts"):
        if not isinstance(item, dict) or item.get("type") not in cm.SOCIAL_TYPES:
            raise bad_request(f"social_accounts.type must be one of {', '.join(cm.SOCIAL_TYPES)}")
        name = item.get("name")
        out.append((str(item["type"]), check_text(str(name), "social_accounts.name") if name else None))
    return out


def _write(ctx: RestContext, contact_id: int | None, values: dict[str, Any]) -> int:
    """Insert or update one contact with the XML-RPC side's rules (stamps, opt status)."""
    social = values.pop("__social", None)
    store = ctx.store
    sets = {k: v for k, v in values.items() if v is not None}
    clears = {k: None for k, v in values.items() if v is None}
    row = prepare(ctx.xml, "Contact", sets, "A" if contact_id is None else "E")
    if "CompanyID" in values and values["CompanyID"] is None:
        clears["AccountId"] = None
    with store.tx():
        if contact_id is None:
            _stamp(ctx.xml, "Contact", row, adding=True)
            contact_id = store.insert("Contact", {**row})
        else:
            _stamp(ctx.xml, "Contact", row, adding=False)
            store.update_row("Contact", contact_id, {**row, **clears})
        note_emails(ctx.xml, row)
        if social is not None:
            cm.ensure_social(store)
            store.conn.execute('DELETE FROM "_SocialAccount" WHERE ContactId = ?', (contact_id,))
            store.conn.executemany(
                'INSERT INTO "_SocialAccount" (ContactId, Type, Name) VALUES (?, ?, ?)',
                [(contact_id, kind, name) for kind, name in social],
            )
    return contact_id


def _known(body: dict[str, Any]) -> list[str]:
    unknown = [k for k in body if k not in cm.WRITABLE]
    if unknown:
        raise bad_request(f"Unknown or read-only contact properties: {', '.join(sorted(unknown))}")
    return [k for k in body if k in cm.WRITABLE and k not in ("source_type", "origin", "utm_parameters")]


def _duplicate(ctx: RestContext, option: str, values: dict[str, Any]) -> int | None:
    email = values.get("Email")
    if not email:
        return None
    clauses, params = ["Email = ?"], [email]
    if option != "Email":
        clauses += ["COALESCE(FirstName, '') = ?", "COALESCE(LastName, '') = ?"]
        params += [values.get("FirstName") or "", values.get("LastName") or ""]
    if option == "EmailAndNameAndCompany":
        clauses.append("COALESCE(CompanyID, 0) = ?")
        params.append(values.get("CompanyID") or 0)
    found = ctx.store.scalar(
        f'SELECT Id FROM "Contact" WHERE {" AND ".join(clauses)} ORDER BY Id LIMIT 1', params
    )
    return None if found is None else int(found)


@route("/contacts", "POST")
def create_contact(ctx: RestContext, req: Request) -> Reply:
    body = req.json()
    names = _known(body)
    if not any(body.get(k) for k in ("email_addresses", "phone_numbers", "addresses")):
        raise bad_request("A contact needs at least one of email_addresses, phone_numbers or addresses")
    option = req.param("duplicate_option")
    if option is not None and option not in DUPLICATE_OPTIONS:
        raise bad_request(f"duplicate_option must be one of {', '.join(DUPLICATE_OPTIONS)}")
    values = _values(ctx, body, names)
    existing = _duplicate(ctx, option, values) if option else None
    if existing is not None:
        _write(ctx, existing, values)
        return Reply(200, one(ctx, req, existing))
    new_id = _write(ctx, None, {k: v for k, v in values.items() if v is not None or k == "__social"})
    return Reply(201, one(ctx, req, new_id))


@route("/contacts/<contact_id>", "PATCH")
def update_contact(ctx: RestContext, req: Request, contact_id: str) -> dict[str, Any]:
    cid = int_id(contact_id, "contact_id")
    load_row(ctx, cid)
    body = req.json()
    mask = mask_of(req, cm.WRITABLE)
    names = (
        _known(body)
        if mask is None
        else [n for n in mask if n not in ("source_type", "origin", "utm_parameters")]
    )
    if not names:
        raise bad_request("Nothing to update: send at least one property (or an update_mask)")
    _write(ctx, cid, _values(ctx, body, names))
    return one(ctx, req, cid)


@route("/contacts/<contact_id>", "DELETE")
def delete_contact(ctx: RestContext, req: Request, contact_id: str) -> Reply:
    cid = int_id(contact_id, "contact_id")
    load_row(ctx, cid)
    delete_record(ctx.xml, "Contact", cid)
    cm.ensure_social(ctx.store)
    ctx.store.conn.execute('DELETE FROM "_SocialAccount" WHERE ContactId = ?', (cid,))
    return Reply(204)


@route("/contacts:merge", "POST")
def merge_contacts(ctx: RestContext, req: Request) -> dict[str, Any]:
    body = req.json()
    keep = int_id(body.get("contact_id"), "contact_id")
    dup = int_id(body.get("duplicate_contact_id"), "duplicate_contact_id")
    load_row(ctx, keep)
    load_row(ctx, dup)
    xml_contact.merge(ctx.xml, keep, dup)
    return one(ctx, req, keep)


from app.sandbox.rest import contact_links  # noqa: E402,F401  (its @route; it imports this module)
