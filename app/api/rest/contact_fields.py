"""Keap's XML-RPC contact field names (the app's vocabulary) <-> REST v2 contact JSON.

The app speaks ``FirstName``, ``Phone2Type``, ``_LeadScore``; REST speaks
``given_name``, ``phone_numbers[{field: "PHONE2", type}]``, ``custom_fields[{id, content}]``
[V spec, pairing I: keap-rest-v2.md section 6]. This module maps both ways:
- which REST properties to ask for (``fields=``) for a list of app fields;
- a REST contact -> an app row (blank values left out, like XML-RPC rows; dates as
  aware Eastern datetimes, Date fields at midnight);
- app values -> a PATCH/POST body plus ``update_mask``. REST replaces a whole array when
  one of its slots changes, so changing ``Phone2`` needs the contact's current phones:
  :func:`arrays_needed` says which arrays to read first, :func:`to_body` merges.
Fields REST does not have (``Password``, ``Username``, ``Validated``, ``Leadsource`` text,
``Address1Type``...) are absent from rows and refused on write with a plain message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from app.api import errors as e
from app.core.countries import alpha2, alpha3, name_of
from app.core.dates import EASTERN, from_rest
from app.core.rest_slots import ADDRESS_KEYS, ADDRESS_SLOTS, EMAIL_SLOTS, FAX_SLOTS, PHONE_SLOTS
from app.core.schema import CustomField, CustomFieldType

log = logging.getLogger("app.api.rest.contact_fields")

Row = dict[str, Any]

#: App field -> (REST property, kind): text, id (int <-> string), date, time (read-only).
SCALARS: dict[str, tuple[str, str]] = {
    "FirstName": ("given_name", "text"),
    "MiddleName": ("middle_name", "text"),
    "LastName": ("family_name", "text"),
    "Nickname": ("preferred_name", "text"),
    "Title": ("prefix", "text"),
    "Suffix": ("suffix", "text"),
    "JobTitle": ("job_title", "text"),
    "Website": ("website", "text"),
    "ContactType": ("contact_type", "text"),
    "SpouseName": ("spouse_name", "text"),
    "TimeZone": ("time_zone", "text"),
    "Language": ("preferred_locale", "text"),
    "ReferralCode": ("referral_code", "text"),
    "AssistantName": ("assistant_name", "text"),
    "AssistantPhone": ("assistant_phone", "text"),
    "BillingInformation": ("billing_information", "text"),
    "LeadSourceId": ("leadsource_id", "id"),
    "OwnerID": ("owner_id", "id"),
    "Birthday": ("birth_date", "date"),
    "Anniversary": ("anniversary_date", "date"),
}
READ_ONLY: dict[str, tuple[str, str]] = {
    "DateCreated": ("create_time", "time"),
    "LastUpdated": ("update_time", "time"),
    "CreatedBy": ("created_by", "id"),
    "LastUpdatedBy": ("last_updated_by", "id"),
    "ContactNotes": ("notes", "text"),
    "AccountId": ("account_id", "id"),
}
#: App e-mail field -> REST slot.
EMAILS = {column: slot for slot, column in EMAIL_SLOTS.items()}
ARRAY_OF: dict[str, str] = {
    **dict.fromkeys(EMAILS, "email_addresses"),
    **{f: "phone_numbers" for cols in PHONE_SLOTS.values() for f in cols},
    **{f: "fax_numbers" for cols in FAX_SLOTS.values() for f in cols},
    **{f: "addresses" for cols in ADDRESS_SLOTS.values() for f in cols},
}
COMPANY_FIELDS = ("Company", "CompanyID")
#: App fields that only XML-RPC has.
NOT_IN_REST = frozenset(
    {"Password", "Username", "Validated", "Leadsource", "Address1Type", "Address2Type", "Address3Type"}
)


def is_available(name: str) -> bool:
    return name not in NOT_IN_REST


def properties_for(fields: Iterable[str]) -> list[str]:
    """The REST ``fields=`` that carry these app fields (always with ``id``)."""
    out = {"id"}
    for name in fields:
        if name in SCALARS:
            out.add(SCALARS[name][0])
        elif name in READ_ONLY:
            out.add(READ_ONLY[name][0])
        elif name in ARRAY_OF:
            out.add(ARRAY_OF[name])
        elif name in COMPANY_FIELDS:
            out.add("company")
        elif name == "Groups":
            out.add("tag_ids")
        elif name.startswith("_"):
            out.add("custom_fields")
    return sorted(out)


# --- REST -> app row ------------------------------------------------------------------------


def _date(text: Any) -> datetime | None:
    """A date; one that cannot be read is None plus a warning (never the whole page failing)."""
    raw = str(text)
    head, sep, _ = raw.partition("-")
    if sep and head.isdigit() and len(head) < 4:  # a year before 1000 written short
        raw = head.zfill(4) + raw[len(head):]
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        log.warning("unreadable date %r in a REST reply: read as blank", str(text)[:40])
        return None
    return datetime(day.year, day.month, day.day, tzinfo=EASTERN)


def _time(text: Any) -> datetime | None:
    try:
        return from_rest(str(text))
    except (ValueError, OverflowError):
        log.warning("unreadable time %r in a REST reply: read as blank", str(text)[:40])
        return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _convert(kind: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    if kind == "id":
        return _int(value)
    if kind == "date":
        return _date(value)
    if kind == "time":
        return _time(value)
    return str(value)


def _state_of(item: Mapping[str, Any]) -> str | None:
    code = item.get("region_code")
    if isinstance(code, str) and "-" in code:
        return code.split("-", 1)[1]
    return item.get("region") or None


def custom_value(field: CustomField, content: Any) -> Any:
    """A custom field's REST ``content`` as the XML-RPC side types it."""
    if content in (None, ""):
        return None
    dtype = field.data_type
    if dtype is CustomFieldType.DATE:
        return _date(content)
    if dtype is CustomFieldType.DATETIME:
        return _time(content)
    wire = field.wire_type.value
    try:
        if wire == "Integer":
            return int(float(content))
        if wire == "Double":
            return float(content)
    except (TypeError, ValueError):
        return str(content)
    return str(content)


def to_row(contact: Mapping[str, Any], fields: Iterable[str], custom: Mapping[str, CustomField]) -> Row:
    """One REST contact as an app row with ``Id`` and the non-blank ``fields``."""
    return RowReader(fields, custom)(contact)


_ALL_SCALARS = (*SCALARS.items(), *READ_ONLY.items())


class RowReader:
    """:func:`to_row` for every contact of a page: what does not change from one contact to the
    next (the wanted columns, the custom fields by id) is worked out once, and only wanted
    values are converted (a page of 1,000 contacts is read on every scroll and export): of an
    address, a phone or a fax only the wanted parts are read (an export wanting the City read
    all three addresses whole)."""

    def __init__(self, fields: Iterable[str], custom: Mapping[str, CustomField]) -> None:
        wanted = set(fields) | {"Id"}
        self._wanted = wanted
        self._scalars = [(name, prop, kind) for name, (prop, kind) in _ALL_SCALARS if name in wanted]

        def picks(slots: Mapping[str, tuple[str, ...]]) -> dict[str, list[tuple[int, str]]]:
            """Per slot, the wanted columns and their places in the slot's values."""
            chosen = {slot: [(i, c) for i, c in enumerate(cols) if c in wanted]
                      for slot, cols in slots.items()}
            return {slot: pairs for slot, pairs in chosen.items() if pairs}

        self._emails = {slot: column for slot, column in EMAIL_SLOTS.items() if column in wanted}
        self._phones, self._faxes = picks(PHONE_SLOTS), picks(FAX_SLOTS)
        self._addresses = picks(ADDRESS_SLOTS)
        self._company = bool(wanted & {"CompanyID", "Company"})
        self._groups = "Groups" in wanted
        self._by_id = {str(f.id): f for f in custom.values() if f.api_name in wanted}

    def __call__(self, contact: Mapping[str, Any]) -> Row:
        full: Row = {"Id": int(contact["id"])}
        for name, prop, kind in self._scalars:
            if prop in contact:
                full[name] = _convert(kind, contact.get(prop))
        if self._emails:
            for item in contact.get("email_addresses") or []:
                column = self._emails.get(item.get("field"))
                if column:
                    full[column] = item.get("email")
        if self._phones:
            for item in contact.get("phone_numbers") or []:
                for i, column in self._phones.get(item.get("field"), ()):
                    full[column] = item.get(_PHONE_KEYS[i])
        if self._faxes:
            for item in contact.get("fax_numbers") or []:
                for i, column in self._faxes.get(item.get("field"), ()):
                    full[column] = item.get(_PHONE_KEYS[i])
        if self._addresses:
            for item in contact.get("addresses") or []:
                for i, column in self._addresses.get(item.get("field"), ()):
                    full[column] = _ADDRESS_PARTS[i](item)
        company = contact.get("company") if self._company else None
        if isinstance(company, Mapping):
            full["CompanyID"] = _int(company.get("id"))
            full["Company"] = company.get("company_name")
        if self._groups and "tag_ids" in contact:
            full["Groups"] = ",".join(str(t) for t in contact.get("tag_ids") or []) or None
        if self._by_id:
            for item in contact.get("custom_fields") or []:
                field = self._by_id.get(str(item.get("id")))
                if field is not None:
                    full[field.api_name] = custom_value(field, item.get("content"))
        wanted = self._wanted
        return {k: v for k, v in full.items() if k in wanted and v not in (None, "")}


#: A phone's (or a fax's) values in the order of its slot's columns.
_PHONE_KEYS = ("number", "type", "extension")


def _country(item: Mapping[str, Any]) -> Any:
    code = str(item.get("country_code") or "")
    return item.get("country") or name_of(code) or code


#: How each of an address slot's columns is read from a REST address.
_ADDRESS_PARTS: tuple[Callable[[Mapping[str, Any]], Any], ...] = (
    lambda item: item.get("line1"),
    lambda item: item.get("line2"),
    lambda item: item.get("locality"),
    _state_of,
    lambda item: item.get("postal_code") or item.get("zip_code"),
    lambda item: item.get("zip_four"),
    _country,
)


# --- app values -> REST body ------------------------------------------------------------------


def arrays_needed(values: Mapping[str, object]) -> list[str]:
    """Arrays a write touches only in part: they must be read first (REST replaces them whole)."""
    touched: dict[str, set[str]] = {}
    for name in values:
        if name in ARRAY_OF:
            touched.setdefault(ARRAY_OF[name], set()).add(name)
        elif name.startswith("_"):
            touched.setdefault("custom_fields", set()).add(name)
    complete = {"email_addresses": set(EMAILS)}
    return sorted(a for a, names in touched.items() if names != complete.get(a))


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _rest_custom(field: CustomField, value: object) -> object:
    if value is None or value == "":
        return None
    if field.data_type is CustomFieldType.DATE and isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if field.data_type is CustomFieldType.DATETIME and isinstance(value, datetime):
        from app.core.dates import to_rest

        return to_rest(value)
    if field.wire_type.value in ("Integer", "Double") and isinstance(value, int | float):
        return value
    return str(value)


def _slot_item(slot: str, **values: object) -> dict[str, object]:
    item: dict[str, object] = {"field": slot}
    item.update({k: text for k, v in values.items() if (text := _text(v)) is not None})
    return item


def _address_item(slot: str, row: Mapping[str, object]) -> dict[str, object] | None:
    values = dict(zip(ADDRESS_KEYS, (row.get(c) for c in ADDRESS_SLOTS[slot]), strict=True))
    if not any(v not in (None, "") for v in values.values()):
        return None
    item: dict[str, object] = {"field": slot}
    for key in ("line1", "line2", "locality", "postal_code", "zip_four"):
        if (text := _text(values[key])) is not None:
            item[key] = text
    country = _text(values["country"])
    code = alpha3(country) if country else None
    if country and code is None:
        raise e.UnsupportedError(
            f"Keap's REST API needs a known country: \u201c{country}\u201d is not one TagDesk recognises. "
            "Type the country's name in English or its three-letter ISO code (e.g. USA)."
        )
    if code:
        item["country_code"] = code
    state = _text(values["region"])
    if state:
        if not code:
            raise e.UnsupportedError("Keap's REST API needs a country for an address with a state or region.")
        two = alpha2(code)
        if two and len(state) <= 3:  # a state code (GA): ISO 3166-2 "US-GA"
            item["region_code"] = f"{two}-{state.upper()}"
        else:  # a long name: REST still takes "region" (deprecated for writes) [V]
            item["region"] = state
    return item


def to_body(
    values: Mapping[str, object],
    current: Mapping[str, object],
    custom: Mapping[str, CustomField],
    *,
    creating: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """App values -> (REST JSON body, update_mask). ``current`` is the contact's row as read
    (only needed for the arrays :func:`arrays_needed` names); merged whole arrays are sent."""
    body: dict[str, Any] = {}
    merged: dict[str, object] = {**current, **values}
    for name, value in values.items():
        if name in SCALARS:
            prop, kind = SCALARS[name]
            if value in (None, ""):
                body[prop] = None
            elif kind == "id":
                body[prop] = str(int(str(value)))
            elif kind == "date":
                day = value.date() if isinstance(value, datetime) else value
                body[prop] = day.isoformat() if isinstance(day, date) else str(day)[:10]
            else:
                body[prop] = str(value)
        elif name in READ_ONLY or name == "Groups" or name == "Id":
            continue
        elif name in NOT_IN_REST:
            raise e.UnsupportedError(f"{name} cannot be written through Keap's REST API.")
        elif name in COMPANY_FIELDS:
            company_id = merged.get("CompanyID")
            if company_id not in (None, "", 0):
                body["company"] = {"id": str(company_id)}
            elif merged.get("Company"):
                body["company"] = {"company_name": str(merged["Company"])}
            else:
                body["company"] = None
    arrays = {ARRAY_OF[n] for n in values if n in ARRAY_OF}
    if "email_addresses" in arrays:
        body["email_addresses"] = [
            {"field": slot, "email": str(merged[f])}
            for f, slot in EMAILS.items()
            if merged.get(f) not in (None, "")
        ]
    if "phone_numbers" in arrays:
        body["phone_numbers"] = [
            _slot_item(slot, number=merged.get(n), type=merged.get(t), extension=merged.get(x))
            for slot, (n, t, x) in PHONE_SLOTS.items()
            if merged.get(n) not in (None, "")
        ]
    if "fax_numbers" in arrays:
        body["fax_numbers"] = [
            _slot_item(slot, number=merged.get(n), type=merged.get(t))
            for slot, (n, t) in FAX_SLOTS.items()
            if merged.get(n) not in (None, "")
        ]
    if "addresses" in arrays:
        body["addresses"] = [a for slot in ADDRESS_SLOTS if (a := _address_item(slot, merged)) is not None]
    customs = [n for n in values if n.startswith("_")]
    if customs:
        items = []
        for api_name, field in custom.items():
            if field.locked:
                if api_name in values:
                    raise e.UnsupportedError("SSN fields cannot be written through Keap's API.")
                continue
            if api_name in merged:
                items.append({"id": str(field.id), "content": _rest_custom(field, merged.get(api_name))})
        unknown = [n for n in customs if n not in custom]
        if unknown:
            raise e.InvalidFieldError("Contact", unknown[0], [])
        body["custom_fields"] = items
    if creating:
        body = {k: v for k, v in body.items() if v is not None}
    return body, sorted(body)


def blank_contact_rule(values: Mapping[str, object]) -> bool:
    """REST creates a contact only with an e-mail, phone or address [V]."""
    keys: Sequence[str] = (
        *EMAILS,
        *(c[0] for c in PHONE_SLOTS.values()),
        *(c for cols in ADDRESS_SLOTS.values() for c in cols),
    )
    return any(values.get(k) not in (None, "") for k in keys)
