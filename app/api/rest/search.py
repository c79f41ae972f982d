"""A :class:`ContactQuery` as REST v2 contact filters, and what REST cannot search.

REST's ``filter`` ANDs ``field==value`` clauses and has no OR [V]; its text matches are
exact or a trailing-``*`` *prefix* match, never "contains" [V]. So a query becomes a plan:
an OR of alternatives, each one REST filter string. One alternative is paged by the
server; several are resolved to ids client-side (as the XML-RPC backend does). The search
box's text, REST edition:
- with ``@``: ``email==text*`` (Keap matches EMAIL1-3);
- a phone number (three digits or more): ``phone_number==text*`` in PHONE1-3, as typed;
- otherwise first name, last name or e-mail starting with the text, and "first last"
  as a name pair. Company names cannot be searched over REST (only ``company_id``).
A condition REST cannot express (``contains``, ``ends with``, "is blank" on a field without
``NONE``, a field it cannot filter) raises :class:`UnsupportedError` naming what it can do,
instead of silently matching something else.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from app.api.errors import UnsupportedError
from app.core.countries import alpha3
from app.core.dates import to_rest
from app.core.records import Condition, ContactQuery, Op
from app.core.schema import CustomField, CustomFieldType

#: App field -> REST filter field for text-like fields that take a trailing ``*``.
PREFIX_FIELDS = {"FirstName": "given_name", "LastName": "family_name", "MiddleName": "middle_name",
                 "Email": "email", "City": "city", "State": "state", "Website": "website"}
#: App field -> REST filter field matched exactly.
EXACT_FIELDS = {"StreetAddress1": "billing_address_line1", "PostalCode": "billing_address_postal_code",
                "Address2Street1": "shipping_address_line1", "City2": "shipping_address_locality",
                "PostalCode2": "shipping_address_postal_code", "Address3Street1": "other_address_line1",
                "City3": "other_address_locality", "PostalCode3": "other_address_postal_code",
                "CompanyID": "company_id"}
COUNTRY_FIELDS = {"Country": "billing_address_country_code", "Country2": "shipping_address_country_code",
                  "Country3": "other_address_country_code"}
#: REST ``order_by`` fields for the app's sort columns [V: id, create_time, email, update_time].
ORDER_FIELDS = {"Id": "id", "DateCreated": "create_time", "Email": "email", "LastUpdated": "update_time"}
_PHONE_TEXT = re.compile(r"[\d\s()+.\-]*\d[\d\s()+.\-]*")
_NUMERIC = frozenset({CustomFieldType.NUMBER, CustomFieldType.DECIMAL, CustomFieldType.CURRENCY,
                      CustomFieldType.PERCENT, CustomFieldType.YEAR, CustomFieldType.MONTH,
                      CustomFieldType.DAY_OF_WEEK, CustomFieldType.USER})
_COMPARE = {Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}

SEARCH_HINT = ("Search (REST): first or last name, e-mail or phone starting with\u2026 "
               "(Keap's REST API matches the start of a value, not text inside it)")
SORTABLE_HINT = "Keap's REST API can sort contacts by Id, e-mail, date created and date updated only."


def _clean(value: str) -> str:
    if ";" in value or "," in value:
        raise UnsupportedError("Keap's REST API cannot search for text containing ';' or ','.")
    return value.strip()


def text_alternatives(text: str) -> list[list[str]]:
    text = " ".join(text.split())
    if not text:
        return []
    if "@" in text:
        return [[f"email=={_clean(text)}*"]]
    if _PHONE_TEXT.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 3:
        return [[f"phone_number=={_clean(text)}*", "phone_fields==PHONE1,PHONE2,PHONE3"]]
    value = _clean(text)
    alts = [[f"given_name=={value}*"], [f"family_name=={value}*"], [f"email=={value}*"]]
    first, _, last = value.partition(" ")
    if last:
        alts.append([f"given_name=={first}*", f"family_name=={last}*"])
    return alts


def _value(value: object) -> str:
    if isinstance(value, datetime | date):
        return to_rest(value)
    return _clean(str(value))


def condition_clause(cond: Condition, custom: dict[str, CustomField]) -> str:
    """One filter condition as one REST clause; UnsupportedError when REST cannot."""
    name, op = cond.field, cond.op
    if name == "Id":
        if op is Op.EQUALS:
            return f"contact_id=={_value(cond.value)}"
        if op in _COMPARE:
            return f"contact_id{_COMPARE[op]}{_value(cond.value)}"
    if name == "LastUpdated" and op in (Op.GE, Op.GT):
        return f"start_update_time=={_value(cond.value)}"
    if name == "LastUpdated" and op in (Op.LE, Op.LT):
        return f"end_update_time=={_value(cond.value)}"
    if name in PREFIX_FIELDS:
        if op is Op.EQUALS:
            return f"{PREFIX_FIELDS[name]}=={_value(cond.value)}"
        if op is Op.STARTS:
            return f"{PREFIX_FIELDS[name]}=={_value(cond.value)}*"
    if name in EXACT_FIELDS and op is Op.EQUALS:
        return f"{EXACT_FIELDS[name]}=={_value(cond.value)}"
    if name in COUNTRY_FIELDS and op is Op.EQUALS:
        code = alpha3(str(cond.value))
        if code is None:
            raise UnsupportedError(f"Keap's REST API filters countries by ISO code; "
                                   f"\u201c{cond.value}\u201d is not a country TagDesk recognises.")
        return f"{COUNTRY_FIELDS[name]}=={code}"
    field = custom.get(name)
    if field is not None and not field.locked:
        dtype = field.data_type
        if dtype in _NUMERIC or dtype in (CustomFieldType.DATE, CustomFieldType.DATETIME):
            if op is Op.EQUALS:
                return f"{field.name}=={_value(cond.value)}"
            if op in _COMPARE:
                return f"{field.name}{_COMPARE[op]}{_value(cond.value)}"
        elif op is Op.EQUALS:
            return f"{field.name}=={_value(cond.value)}"
        elif op is Op.STARTS and dtype not in (CustomFieldType.YES_NO, CustomFieldType.DRILLDOWN):
            return f"{field.name}=={_value(cond.value)}*"
    raise UnsupportedError(
        f"Keap's REST API cannot filter contacts by \u201c{cond.describe()}\u201d. It matches names, "
        "e-mail, city, state and website by \u201cequals\u201d or \u201cstarts with\u201d, compares Id, "
        "dates and number fields, and matches other fields exactly; \u201ccontains\u201d, "
        "\u201cends with\u201d and \u201cis blank\u201d are not available."
    )


def one_filter(query: ContactQuery) -> bool:
    """Whether REST answers ``query`` as one server-paged filter (:func:`plan` gives one string:
    its text has at most one alternative, which are distinct) and not by tags; no call."""
    return not query.tag_ids and len(text_alternatives(query.text)) <= 1


def plan(query: ContactQuery, custom: dict[str, CustomField]) -> list[str]:
    """The query as REST filter strings to OR together ("" = every contact)."""
    base = [condition_clause(c, custom) for c in query.conditions]
    texts = text_alternatives(query.text) or [[]]
    out: list[str] = []
    for alt in texts:
        combined = ";".join([*base, *alt])
        if combined not in out:
            out.append(combined)
    return out


def order_param(query: ContactQuery) -> str:
    field = ORDER_FIELDS.get(query.order_by)
    if field is None:
        raise UnsupportedError(SORTABLE_HINT)
    return f"{field} {'asc' if query.ascending else 'desc'}"
