"""Helpers shared by the linked-record handlers (users, companies, opportunities, orders,
subscriptions, e-mail status, goals): SQL reads, money, custom fields, addresses, bodies.

Choices made here [I]:
- Money goes out as ``CurrencyValue`` [V schema]: ``amount`` in cents rounded half-up, and
  ``formatted_amount`` as ``$1,234.50``; when the stored amount has digits below the cent
  (Keap keeps invoice totals unrounded), ``formatted_amount`` shows them (``$19.995``), so
  the rounding in ``amount`` never hides a fraction of a cent. The currency is USD.
- Custom fields are ``{id: <DataFormField.Id>, content}``, every field of the record type
  listed (``content`` null when blank); SSN fields are left out, as over XML-RPC.
- Custom-field filters take the field's database name, with or without the leading ``_``,
  case-insensitively; text fields allow a trailing ``*``, numbers and dates compare.
- Country names are stored as XML-RPC stores them (full name); ``country_code`` is the ISO
  alpha-3 code when the name is one the sandbox knows, and a written code becomes its name.
- A body property this resource does not have is refused with 400 (a typo should not pass
  silently); a PATCH without ``update_mask`` writes every non-null property of the body, with
  one writes exactly the masked properties and clears those the body leaves out. A cleared
  text is stored as '' (what an XML-RPC update with '' stores), a cleared number or date as NULL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.core.countries import COUNTRIES, NAME_BY_ALPHA3
from app.core.schema import FieldType
from app.sandbox.rest.conventions import (
    COMPARE,
    FilterField,
    Page,
    Request,
    check_text,
    iso_date,
    iso_time,
    mask_of,
    paged,
    parse_date,
    parse_time,
)
from app.sandbox.rest.errors import bad_request, not_found
from app.sandbox.store import CustomDef, Store, q

CURRENCY = "USD"

#: ISO alpha-3 -> the long name the store keeps (one table with contacts and the app).
COUNTRY_NAMES = NAME_BY_ALPHA3


# --- reads ------------------------------------------------------------------------------------


def fetch(store: Store, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of a SELECT as dicts (column names as the SELECT spells them)."""
    with store.lock:
        cursor = store.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


def fetch_one(store: Store, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
    found = fetch(store, sql, params)
    return found[0] if found else None


def page_rows(
    store: Store, select: str, where: str, params: Sequence[Any], order: str, page: Page
) -> tuple[list[dict[str, Any]], str]:
    """One page of ``select WHERE where ORDER BY order`` fetched with ``LIMIT size+1``."""
    rows = fetch(store, f"{select} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                 [*params, page.size + 1, page.offset])
    return paged(rows, page)


def require(store: Store, table: str, record_id: int, resource: str) -> None:
    """404 (``not_found``) unless the row exists."""
    if not store.exists(table, record_id):
        raise not_found(resource, record_id)


def nonzero(value: Any) -> str | None:
    """An id column as REST sends it: a string, absent when NULL or 0."""
    return None if value in (None, "", 0) else str(value)


def text(value: Any) -> str | None:
    """A stored text value; absent when NULL or empty [I]."""
    return None if value in (None, "") else str(value)


# --- money ------------------------------------------------------------------------------------


def money(value: Any) -> dict[str, Any]:
    """A stored amount as ``CurrencyValue`` (see the module docstring for the rounding)."""
    exact = Decimal(repr(round(float(value or 0.0), 6)))
    cents = int((exact * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    two = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    digits = f"{abs(two):,.2f}" if exact == two else format(abs(exact).normalize(), ",f")
    sign = "-" if exact < 0 else ""
    return {"amount": cents, "currency_code": CURRENCY, "formatted_amount": f"{sign}${digits}"}


# --- filters ----------------------------------------------------------------------------------


def number_field(sql: str, ops: frozenset[str] = COMPARE) -> FilterField:
    """A decimal filter (amounts, revenue) with comparison operators."""

    def build(op: str, value: str) -> tuple[str, list[Any]]:
        try:
            number = float(value)
        except ValueError:
            raise bad_request(f"Filter value {value!r} is not a number") from None
        if math.isnan(number) or math.isinf(number):
            raise bad_request(f"Filter value {value!r} is not a number")
        return f"{sql} {_SQL_OPS.get(op, op)} ?", [number]

    return FilterField(sql, "custom", ops=ops, build=build)


def text_set_field(sql: str, max_items: int | None = None) -> FilterField:
    """A comma list of text values (e-mail addresses), matched exactly and case-insensitively."""

    def build(op: str, value: str) -> tuple[str, list[Any]]:
        items = [check_text(v.strip(), "filter") for v in value.split(",") if v.strip()]
        if not items:
            raise bad_request("The filter needs at least one value")
        if max_items is not None and len(items) > max_items:
            raise bad_request(f"The filter takes at most {max_items} values (got {len(items)})")
        return f"{sql} IN ({', '.join('?' for _ in items)})", items

    return FilterField(sql, "custom", build=build)


def constant_field(sql_true: str) -> FilterField:
    """A field the sandbox keeps no data for: accepted, and ``sql_true`` decides the match."""
    return FilterField(sql_true, "custom", build=lambda op, value: (sql_true, []))


def flag_field(if_true: str, if_false: str) -> FilterField:
    """A true/false filter whose two answers are fixed SQL conditions."""

    def build(op: str, value: str) -> tuple[str, list[Any]]:
        if value.lower() not in ("true", "false"):
            raise bad_request(f"This filter takes true or false (got {value!r})")
        return (if_true if value.lower() == "true" else if_false), []

    return FilterField(if_true, "custom", build=build)


_SQL_OPS = {"==": "=", "!=": "<>"}


def custom_filter(store: Store, table: str, alias: str) -> Callable[[str], FilterField | None]:
    """``compile_filter``'s ``extra``: custom fields by database name (``_`` optional)."""

    def extra(name: str) -> FilterField | None:
        wanted = name.lstrip("_").lower()
        for cdef in store.custom[table].values():
            if cdef.locked or cdef.api_name[1:].lower() != wanted:
                continue
            column = f"{alias}.{q(cdef.api_name)}"
            if cdef.wire in (FieldType.INTEGER, FieldType.DOUBLE):
                return number_field(column)
            if cdef.wire in (FieldType.DATE, FieldType.DATETIME):
                return FilterField(column, "time", ops=COMPARE)
            return FilterField(column, "text", wildcard=True)
        return None

    return extra


# --- custom fields ----------------------------------------------------------------------------


def _defs(store: Store, table: str) -> list[CustomDef]:
    return [d for d in store.custom[table].values() if not d.locked]


def custom_columns(store: Store, table: str, alias: str) -> str:
    """``, alias."_A", alias."_B"`` for a SELECT (empty when the table has none)."""
    return "".join(f", {alias}.{q(d.api_name)}" for d in _defs(store, table))


def custom_values(store: Store, table: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for cdef in _defs(store, table):
        value = row.get(cdef.api_name)
        if value in (None, ""):
            content: Any = None
        elif cdef.wire is FieldType.DATE:
            content = iso_date(value)
        elif cdef.wire is FieldType.DATETIME:
            content = iso_time(value)
        elif cdef.wire is FieldType.INTEGER:
            content = int(value)
        elif cdef.wire is FieldType.DOUBLE:
            content = float(value)
        else:
            content = str(value)
        out.append({"id": str(cdef.id), "content": content})
    return out


def custom_writes(store: Store, table: str, items: Any) -> dict[str, Any]:
    """``custom_fields: [{id, content}]`` -> column values for the shared writes."""
    if not isinstance(items, list):
        raise bad_request("custom_fields must be a list of {id, content}")
    by_id = {str(d.id): d for d in _defs(store, table)}
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            raise bad_request("custom_fields must be a list of {id, content}")
        cdef = by_id.get(str(item["id"]))
        if cdef is None:
            raise bad_request(f"custom_fields: no custom field with id {item['id']!r}")
        content = item.get("content")
        if content is None:
            out[cdef.api_name] = ""
        elif isinstance(content, bool):
            out[cdef.api_name] = int(content)
        elif isinstance(content, str):
            check_text(content, "custom_fields")
            if cdef.wire in (FieldType.DATE, FieldType.DATETIME) and "T" in content:
                content = parse_time(content, "custom_fields")
            out[cdef.api_name] = content
        elif isinstance(content, int | float):
            out[cdef.api_name] = content
        else:
            raise bad_request(f"custom_fields: unsupported content for field {item['id']}")
    return out


# --- addresses and countries ------------------------------------------------------------------


def country_code(name: Any) -> str | None:
    return COUNTRIES[str(name)][0] if name and str(name) in COUNTRIES else None


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code)


def address_out(field: str | None, **parts: Any) -> dict[str, Any] | None:
    """An ``Address`` from stored parts (line1, line2, locality, region, postal_code,
    zip_four, country); None when every part is blank."""
    values = {k: text(v) for k, v in parts.items()}
    if not any(values.values()):
        return None
    out = {k: v for k, v in values.items() if v is not None}
    code = country_code(values.get("country"))
    if code:
        out["country_code"] = code
    if field:
        out["field"] = field
    return out


#: Address JSON properties -> the XML-RPC column suffix they are written to.
ADDRESS_PARTS = ("line1", "line2", "locality", "region", "postal_code", "zip_four", "country_code")


def address_in(value: Any, columns: dict[str, str]) -> dict[str, Any]:
    """An ``Address`` body -> stored columns (``columns`` maps line1.. to column names).

    ``region_code`` (``US-MA``) is stored as the part after the dash; ``country_code`` as the
    country's name when the sandbox knows it. ``country_code`` is required with a region [V].
    """
    if value is None:
        return {col: "" for col in columns.values()}
    if not isinstance(value, dict):
        raise bad_request("address must be an object")
    known = set(ADDRESS_PARTS) | {"region_code", "field", "country", "zip_code"}
    unknown = sorted(set(value) - known)
    if unknown:
        raise bad_request(f"address: unknown properties {', '.join(unknown)}")
    parts = {k: opt_str(value, k, f"address.{k}") for k in (*ADDRESS_PARTS, "region_code", "zip_code")}
    region = parts["region"] or (parts["region_code"] or "").split("-", 1)[-1] or None
    if region and not parts["country_code"]:
        raise bad_request("address: country_code is required when a region is given")
    stored = {
        "line1": parts["line1"], "line2": parts["line2"], "locality": parts["locality"],
        "region": region, "postal_code": parts["postal_code"] or parts["zip_code"],
        "zip_four": parts["zip_four"],
        "country_code": country_name(parts["country_code"]) if parts["country_code"] else None,
    }
    return {col: stored[part] or "" for part, col in columns.items()}


# --- request bodies ---------------------------------------------------------------------------


def opt_str(body: dict[str, Any], key: str, what: str | None = None) -> str | None:
    """A text property (None when absent or null); 400 for other types or non-Latin-1 text."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{what or key} must be a string")
    return check_text(value, what or key)


def req_str(body: dict[str, Any], key: str) -> str:
    """A required, non-blank text property."""
    value = opt_str(body, key)
    if value is None or not value.strip():
        raise bad_request(f"{key} is required")
    return value


def opt_number(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{key} must be a number")
    if math.isnan(value) or math.isinf(value):
        raise bad_request(f"{key} must be a finite number")
    return float(value)


def opt_int(body: dict[str, Any], key: str, minimum: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{key} must be a whole number")
    if minimum is not None and value < minimum:
        raise bad_request(f"{key} must be at least {minimum}")
    return value


def opt_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad_request(f"{key} must be true or false")
    return value


def opt_date(body: dict[str, Any], key: str) -> str | None:
    """A ``YYYY-MM-DD`` property -> stored date text ('' clears)."""
    value = opt_str(body, key)
    if value is None or not value.strip():
        return None if value is None else ""
    return parse_date(value, key)


def opt_time(body: dict[str, Any], key: str) -> str | None:
    """An ISO-8601 date-time property -> stored Eastern text ('' clears)."""
    value = opt_str(body, key)
    if value is None or not value.strip():
        return None if value is None else ""
    return parse_time(value, key)


def check_props(body: dict[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(f"{what}: unknown properties {', '.join(unknown)}")


def patch_values(req: Request, body: dict[str, Any], allowed: Iterable[str], what: str) -> dict[str, Any]:
    """The properties a PATCH writes: the masked ones (absent = None, i.e. clear), else the
    non-null ones of the body."""
    known = set(allowed)
    check_props(body, known, what)
    mask = mask_of(req, known)
    if mask is None:
        return {k: v for k, v in body.items() if v is not None}
    return {name: body.get(name) for name in mask}
