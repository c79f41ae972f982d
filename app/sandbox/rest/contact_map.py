"""Contact rows (XML-RPC column names) <-> Keap REST v2 Contact JSON, on the one store.

Slots [V spec, pairing I]: EMAIL1..3 = Email, EmailAddress2, EmailAddress3; PHONE1..5 =
Phone{n} (+Type, Ext); FAX1..2 = Fax{n} (+Type); BILLING/SHIPPING/OTHER addresses =
StreetAddress1/2 City State PostalCode ZipFour1 Country, Address2Street1/2 City2 ...,
Address3Street1/2 City3 .... The store keeps a country's long name (``United States``) and
a state as typed (``GA``); REST answers ``country_code`` (ISO alpha-3) and ``region_code``
(ISO 3166-2, ``US-GA``) and takes them on writes [I for the conversion table].
A value that is NULL or '' in the store is simply absent in JSON: REST cannot tell them
apart, unlike XML-RPC's ``~null~`` versus '' [I].
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from app.core.countries import NAME_BY_ALPHA3
from app.core.dates import EASTERN
from app.core.rest_slots import ADDRESS_SLOTS, EMAIL_SLOTS, FAX_SLOTS, PHONE_SLOTS
from app.core.schema import LIST_TYPES, CustomFieldType
from app.sandbox.rest.conventions import check_text, parse_date, sid, text_or_none
from app.sandbox.rest.errors import bad_request
from app.sandbox.store import CustomDef, Store

EMAIL_MAX = {"EMAIL1": 75, "EMAIL2": 100, "EMAIL3": 100}
SOCIAL_TYPES = ("FACEBOOK", "LINKED_IN", "TWITTER", "INSTAGRAM", "SNAPCHAT", "YOUTUBE", "PINTEREST")
#: Country long name (as the store keeps it) -> (alpha-3, alpha-2): one table with the app.
COUNTRY_BY_CODE = NAME_BY_ALPHA3
#: Store e-mail status -> REST ``email_opt_status`` [I pairing]; opted in for single/double.
OPT_STATUS = {
    "single": "SINGLE_OPT_IN",
    "double": "DOUBLE_OPT_IN",
    "unengaged": "UNENGAGED_NON_MARKETABLE",
    "optout": "ADMIN",
    "bounce": "HARD_BOUNCE",
}
#: DataFormField.DataType -> CustomFieldMetaData.field_type [V enum; pairing I].
FIELD_TYPES = {
    CustomFieldType.PHONE: "PHONE_NUMBER",
    CustomFieldType.SSN: "SOCIAL_SECURITY_NUMBER",
    CustomFieldType.CURRENCY: "CURRENCY",
    CustomFieldType.PERCENT: "PERCENT",
    CustomFieldType.STATE: "STATE",
    CustomFieldType.YES_NO: "YES_NO",
    CustomFieldType.YEAR: "YEAR",
    CustomFieldType.MONTH: "MONTH",
    CustomFieldType.DAY_OF_WEEK: "DAY_OF_WEEK",
    CustomFieldType.NAME: "NAME",
    CustomFieldType.DECIMAL: "DECIMAL_NUMBER",
    CustomFieldType.NUMBER: "WHOLE_NUMBER",
    CustomFieldType.DATE: "DATE",
    CustomFieldType.DATETIME: "DATE_TIME",
    CustomFieldType.TEXT: "TEXT",
    CustomFieldType.TEXT_AREA: "TEXT_AREA",
    CustomFieldType.LIST_BOX: "LIST_BOX",
    CustomFieldType.WEBSITE: "WEBSITE",
    CustomFieldType.EMAIL: "EMAIL",
    CustomFieldType.RADIO: "RADIO",
    CustomFieldType.SELECT: "DROPDOWN",
    CustomFieldType.USER: "USER",
    CustomFieldType.DRILLDOWN: "DRILLDOWN",
    CustomFieldType.USER_LIST_BOX: "USER_LIST_BOX",
}
NUMERIC_TYPES = frozenset(
    {
        CustomFieldType.CURRENCY,
        CustomFieldType.PERCENT,
        CustomFieldType.DECIMAL,
        CustomFieldType.NUMBER,
        CustomFieldType.YEAR,
        CustomFieldType.MONTH,
        CustomFieldType.DAY_OF_WEEK,
        CustomFieldType.USER,
    }
)
#: Plain properties: REST name -> (column, kind) with kind text | id | date.
SCALARS: dict[str, tuple[str, str]] = {
    "given_name": ("FirstName", "text"),
    "middle_name": ("MiddleName", "text"),
    "family_name": ("LastName", "text"),
    "preferred_name": ("Nickname", "text"),
    "prefix": ("Title", "text"),
    "suffix": ("Suffix", "text"),
    "job_title": ("JobTitle", "text"),
    "website": ("Website", "text"),
    "contact_type": ("ContactType", "text"),
    "spouse_name": ("SpouseName", "text"),
    "time_zone": ("TimeZone", "text"),
    "preferred_locale": ("Language", "text"),
    "referral_code": ("ReferralCode", "text"),
    "assistant_name": ("AssistantName", "text"),
    "assistant_phone": ("AssistantPhone", "text"),
    "billing_information": ("BillingInformation", "text"),
    "leadsource_id": ("LeadSourceId", "id"),
    "owner_id": ("OwnerID", "id"),
    "birth_date": ("Birthday", "date"),
    "anniversary_date": ("Anniversary", "date"),
}
MAX_LENGTH = {
    "given_name": 40,
    "family_name": 40,
    "middle_name": 100,
    "preferred_name": 100,
    "job_title": 255,
    "website": 100,
    "spouse_name": 100,
    "assistant_name": 20,
    "assistant_phone": 15,
    "billing_information": 100,
}
ARRAYS = ("email_addresses", "phone_numbers", "fax_numbers", "addresses", "social_accounts", "custom_fields")
WRITABLE = (*SCALARS, *ARRAYS, "company", "source_type", "origin", "utm_parameters")
ALL_FIELDS = (
    "addresses",
    "anniversary_date",
    "birth_date",
    "company",
    "contact_type",
    "create_time",
    "custom_fields",
    "email_addresses",
    "family_name",
    "fax_numbers",
    "given_name",
    "id",
    "job_title",
    "leadsource_id",
    "links",
    "middle_name",
    "notes",
    "origin",
    "owner_id",
    "phone_numbers",
    "preferred_locale",
    "preferred_name",
    "prefix",
    "referral_code",
    "score_value",
    "social_accounts",
    "source_type",
    "spouse_name",
    "suffix",
    "tag_ids",
    "time_zone",
    "update_time",
    "utm_parameters",
    "website",
    "account_id",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "created_by",
    "groups",
    "last_updated_by",
)
#: Sent only when asked for with ``fields`` [I: Keap's model lists "optional_properties"].
OPTIONAL = (
    "custom_fields",
    "tag_ids",
    "links",
    "notes",
    "groups",
    "origin",
    "score_value",
    "utm_parameters",
    "account_id",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "created_by",
    "last_updated_by",
    "social_accounts",
    "fax_numbers",
)
DEFAULT_FIELDS = tuple(f for f in ALL_FIELDS if f not in OPTIONAL)


def ensure_social(store: Store) -> None:
    store.conn.execute(
        'CREATE TABLE IF NOT EXISTS "_SocialAccount" (ContactId INTEGER NOT NULL, Type TEXT NOT NULL, '
        "Name TEXT, PRIMARY KEY (ContactId, Type))"
    )


# --- writing ------------------------------------------------------------------------------


def _str_field(item: dict[str, Any], key: str, what: str) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_request(f"{what}.{key} must be a string")
    return check_text(value, f"{what}.{key}")


def _slot(item: Any, what: str, slots: Any) -> str:
    if not isinstance(item, dict):
        raise bad_request(f"Each item of {what} must be an object")
    slot = item.get("field")
    if slot not in slots:
        raise bad_request(f"{what}.field must be one of {', '.join(slots)} (got {slot!r})")
    return str(slot)


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{what} must be an array")
    return value


def emails_values(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(EMAIL_SLOTS.values())
    for item in _list(value, "email_addresses"):
        slot = _slot(item, "email_addresses", EMAIL_SLOTS)
        email = _str_field(item, "email", "email_addresses")
        if email is not None and ("@" not in email or len(email) > EMAIL_MAX[slot]):
                raise bad_request(f"Invalid email address for {slot}: {email!r}")
        out[EMAIL_SLOTS[slot]] = email
    return out


def phones_values(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {c: None for cols in PHONE_SLOTS.values() for c in cols}
    for item in _list(value, "phone_numbers"):
        slot = _slot(item, "phone_numbers", PHONE_SLOTS)
        number, kind, ext = PHONE_SLOTS[slot]
        out[number] = _str_field(item, "number", "phone_numbers")
        out[kind] = _str_field(item, "type", "phone_numbers")
        out[ext] = _str_field(item, "extension", "phone_numbers")
    return out


def faxes_values(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {c: None for cols in FAX_SLOTS.values() for c in cols}
    for item in _list(value, "fax_numbers"):
        slot = _slot(item, "fax_numbers", FAX_SLOTS)
        number, kind = FAX_SLOTS[slot]
        out[number] = _str_field(item, "number", "fax_numbers")
        out[kind] = _str_field(item, "type", "fax_numbers")
    return out


def addresses_values(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {c: None for cols in ADDRESS_SLOTS.values() for c in cols}
    for item in _list(value, "addresses"):
        slot = _slot(item, "addresses", ADDRESS_SLOTS)
        line1, line2, city, state, postal, zip4, country = ADDRESS_SLOTS[slot]
        code = _str_field(item, "country_code", "addresses")
        region_code = _str_field(item, "region_code", "addresses")
        region = _str_field(item, "region", "addresses")
        if (region or region_code) and not code:
            raise bad_request("addresses.country_code is required when a region is given")
        if code is not None and code.upper() not in COUNTRY_BY_CODE:
            raise bad_request(f"addresses.country_code {code!r} is not an ISO 3166-1 alpha-3 code")
        out[line1] = _str_field(item, "line1", "addresses")
        out[line2] = _str_field(item, "line2", "addresses")
        out[city] = _str_field(item, "locality", "addresses")
        out[state] = region_code.split("-", 1)[-1] if region_code else region
        out[postal] = _str_field(item, "postal_code", "addresses") or _str_field(
            item, "zip_code", "addresses"
        )
        out[zip4] = _str_field(item, "zip_four", "addresses")
        out[country] = COUNTRY_BY_CODE[code.upper()] if code else None
    return out


def custom_values(store: Store, value: Any) -> dict[str, Any]:
    by_id = {str(c.id): c for c in store.custom["Contact"].values()}
    out: dict[str, Any] = {api: None for api, c in store.custom["Contact"].items() if not c.locked}
    for item in _list(value, "custom_fields"):
        if not isinstance(item, dict) or str(item.get("id")) not in by_id:
            raise bad_request(
                f"Unknown custom field id: {item.get('id') if isinstance(item, dict) else item!r}"
            )
        cdef = by_id[str(item["id"])]
        if cdef.locked:
            raise bad_request(
                f"Custom field {item['id']} is a social security number field, which the "
                "API cannot read or write"
            )
        out[cdef.api_name] = _custom_write(cdef, item.get("content"))
    return out


def _custom_write(cdef: CustomDef, content: Any) -> Any:
    if content is None or content == "":
        return None
    dtype = cdef.data_type
    what = f"custom field {cdef.id}"
    if dtype == CustomFieldType.DATE:
        return parse_date(content, what)
    if dtype == CustomFieldType.DATETIME:
        try:
            aware = _dt.datetime.fromisoformat(str(content).replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"{what} needs an ISO-8601 date-time (got {content!r})") from None
        if aware.tzinfo is not None:
            aware = aware.astimezone(EASTERN)
        return aware.strftime("%Y-%m-%d %H:%M:%S")
    if dtype in NUMERIC_TYPES or dtype == CustomFieldType.YES_NO:
        try:
            number = float(content)
        except (TypeError, ValueError):
            raise bad_request(f"{what} needs a number (got {content!r})") from None
        return number if cdef.wire.value == "Double" else int(number)
    if not isinstance(content, str):
        content = str(content)
    return check_text(content, what)


def custom_meta(store: Store) -> list[dict[str, Any]]:
    groups = {int(r["Id"]): r["Name"] for r in store.rows("DataFormGroup")}
    out = []
    for field in store.custom_fields("Contact"):
        dtype = CustomFieldType(int(field["DataType"]))
        options = [o for o in str(field.get("Values") or "").split("\n") if o] if dtype in LIST_TYPES else []
        item = {
            "id": str(field["Id"]),
            "label": field["Label"],
            "field_name": field["Name"],
            "field_type": FIELD_TYPES.get(dtype, "TEXT"),
            "record_type": "CONTACT",
            "options": [{"id": o, "label": o} for o in options] or None,
            "default_value": text_or_none(field.get("DefaultValue")),
            "group_id": sid(field.get("GroupId")),
            "group_name": groups.get(int(field.get("GroupId") or 0)),
        }
        out.append({k: v for k, v in item.items() if v is not None})
    return out
