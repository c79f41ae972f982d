"""The standard Contact fields as a person reads them: labels, groups and kinds.

The schema (:mod:`app.core.schema`) knows the exact API names and types; this module
adds what the UI needs on top: a plain-language label for every field, the order in
which a contact form groups them, and what kind of editor each one wants. Custom
fields are described by :class:`app.core.schema.CustomField` (label and data type).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core import schema


class Kind(StrEnum):
    """What a field holds, which decides its editor and how it is shown."""

    TEXT = "text"
    MULTILINE = "multiline"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    DATE = "date"
    DATETIME = "datetime"
    USER = "user"
    INTEGER = "integer"


LABELS: dict[str, str] = {
    "Id": "Id", "Title": "Title", "FirstName": "First name", "MiddleName": "Middle name",
    "LastName": "Last name", "Suffix": "Suffix", "Nickname": "Nickname",
    "Email": "E-mail", "EmailAddress2": "E-mail 2", "EmailAddress3": "E-mail 3",
    "Phone1": "Phone", "Phone1Type": "Phone type", "Phone1Ext": "Phone ext.",
    "Phone2": "Phone 2", "Phone2Type": "Phone 2 type", "Phone2Ext": "Phone 2 ext.",
    "Phone3": "Phone 3", "Phone3Type": "Phone 3 type", "Phone3Ext": "Phone 3 ext.",
    "Phone4": "Phone 4", "Phone4Type": "Phone 4 type", "Phone4Ext": "Phone 4 ext.",
    "Phone5": "Phone 5", "Phone5Type": "Phone 5 type", "Phone5Ext": "Phone 5 ext.",
    "Fax1": "Fax", "Fax1Type": "Fax type", "Fax2": "Fax 2", "Fax2Type": "Fax 2 type",
    "StreetAddress1": "Street", "StreetAddress2": "Street (line 2)", "City": "City", "State": "State",
    "PostalCode": "Postal code", "ZipFour1": "ZIP+4", "Country": "Country", "Address1Type": "Address type",
    "Address2Street1": "Shipping street", "Address2Street2": "Shipping street (line 2)",
    "City2": "Shipping city", "State2": "Shipping state", "PostalCode2": "Shipping postal code",
    "ZipFour2": "Shipping ZIP+4", "Country2": "Shipping country", "Address2Type": "Shipping address type",
    "Address3Street1": "Other street", "Address3Street2": "Other street (line 2)",
    "City3": "Other city", "State3": "Other state", "PostalCode3": "Other postal code",
    "ZipFour3": "Other ZIP+4", "Country3": "Other country", "Address3Type": "Other address type",
    "Company": "Company", "CompanyID": "Company Id", "AccountId": "Account Id", "JobTitle": "Job title",
    "OwnerID": "Owner", "ContactType": "Contact type", "Leadsource": "Lead source",
    "LeadSourceId": "Lead source Id", "Website": "Website", "Birthday": "Birthday",
    "Anniversary": "Anniversary", "SpouseName": "Spouse", "AssistantName": "Assistant",
    "AssistantPhone": "Assistant's phone", "ContactNotes": "Notes", "ReferralCode": "Referral code",
    "Username": "User name", "Password": "Password", "Language": "Language", "TimeZone": "Time zone",
    "BillingInformation": "Billing information", "DateCreated": "Created", "CreatedBy": "Created by",
    "LastUpdated": "Last updated", "LastUpdatedBy": "Last updated by", "Groups": "Tags (ids)",
    "Validated": "Validated",
}

KINDS: dict[str, Kind] = {
    "Email": Kind.EMAIL, "EmailAddress2": Kind.EMAIL, "EmailAddress3": Kind.EMAIL,
    "Phone1": Kind.PHONE, "Phone2": Kind.PHONE, "Phone3": Kind.PHONE, "Phone4": Kind.PHONE,
    "Phone5": Kind.PHONE, "Fax1": Kind.PHONE, "Fax2": Kind.PHONE, "AssistantPhone": Kind.PHONE,
    "Website": Kind.URL, "Birthday": Kind.DATE, "Anniversary": Kind.DATE,
    "DateCreated": Kind.DATETIME, "LastUpdated": Kind.DATETIME, "OwnerID": Kind.USER,
    "ContactNotes": Kind.MULTILINE, "BillingInformation": Kind.MULTILINE,
}


@dataclass(frozen=True)
class FieldGroup:
    """A titled block of the contact form; ``columns`` is how many fields share a row."""

    title: str
    fields: tuple[str, ...]
    columns: int = 2


#: The contact form, top to bottom. Every editable standard field the form shows.
FORM_GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup("Name", ("Title", "FirstName", "MiddleName", "LastName", "Suffix", "Nickname")),
    FieldGroup("E-mail", ("Email", "EmailAddress2", "EmailAddress3"), columns=1),
    FieldGroup("Phones", ("Phone1", "Phone1Type", "Phone2", "Phone2Type", "Phone3", "Phone3Type",
                          "Fax1", "Fax1Type")),
    FieldGroup("Billing address", ("StreetAddress1", "StreetAddress2", "City", "State", "PostalCode",
                                   "ZipFour1", "Country")),
    FieldGroup("Shipping address", ("Address2Street1", "Address2Street2", "City2", "State2",
                                    "PostalCode2", "ZipFour2", "Country2")),
    FieldGroup("Other address", ("Address3Street1", "Address3Street2", "City3", "State3", "PostalCode3",
                                 "ZipFour3", "Country3")),
    FieldGroup("Company and owner", ("Company", "JobTitle", "OwnerID", "ContactType", "Leadsource",
                                     "Website")),
    FieldGroup("Dates", ("Birthday", "Anniversary")),
    FieldGroup("More", ("SpouseName", "AssistantName", "AssistantPhone", "ReferralCode", "ContactNotes"),
               columns=1),
)

#: Shown on the form, never editable.
RECORD_FIELDS: tuple[str, ...] = ("Id", "DateCreated", "LastUpdated", "Groups")

#: Never offered as a column or loaded for display.
HIDDEN_FIELDS = frozenset({"Password"})

#: The columns a new profile starts with.
DEFAULT_COLUMNS: tuple[str, ...] = ("Id", "FirstName", "LastName", "Email", "Company", "Phone1", "City",
                                    "LastUpdated")

_CONTACT = schema.table("Contact")


def label(name: str) -> str:
    return LABELS.get(name, name)


def kind(name: str) -> Kind:
    found = KINDS.get(name)
    if found is not None:
        return found
    fdef = _CONTACT.field(name)
    if fdef is not None and fdef.type is schema.FieldType.INTEGER:
        return Kind.INTEGER
    return Kind.TEXT


#: The longest text Keap keeps per field, from Keap's REST v2 model (CreateUpdateContactRequest,
#: EmailAddress, PhoneNumber) [V]; the same columns stand behind XML-RPC [I]. Custom text fields
#: keep 65,535 characters.
MAX_LENGTH: dict[str, int] = {
    "FirstName": 40, "LastName": 40, "MiddleName": 100, "Nickname": 100, "JobTitle": 255, "Website": 100,
    "SpouseName": 100, "AssistantName": 20, "AssistantPhone": 15, "Email": 75, "EmailAddress2": 100,
    "EmailAddress3": 100, "Phone1": 40, "Phone2": 40, "Phone3": 40, "Phone4": 20, "Phone5": 20,
}
CUSTOM_TEXT_MAX = 65_535


def max_length(name: str) -> int | None:
    """The longest text ``name`` keeps (None: no known limit)."""
    if name.startswith("_"):
        return CUSTOM_TEXT_MAX
    return MAX_LENGTH.get(name)


def is_read_only(name: str) -> bool:
    return name in _CONTACT.read_only_fields


def form_fields() -> list[str]:
    """Every standard field the contact form loads: its groups and the record fields."""
    out = list(RECORD_FIELDS)
    for group in FORM_GROUPS:
        out.extend(group.fields)
    return out


def standard_columns() -> list[str]:
    """Every standard Contact field that may be shown as a column, in form order first."""
    ordered = form_fields()
    rest = sorted(n for n in _CONTACT.fields if n not in ordered)
    return [n for n in ordered + rest if n not in HIDDEN_FIELDS and n in _CONTACT.fields]


_CUSTOM_KINDS: dict[schema.CustomFieldType, Kind] = {
    schema.CustomFieldType.DATE: Kind.DATE,
    schema.CustomFieldType.DATETIME: Kind.DATETIME,
    schema.CustomFieldType.EMAIL: Kind.EMAIL,
    schema.CustomFieldType.PHONE: Kind.PHONE,
    schema.CustomFieldType.WEBSITE: Kind.URL,
    schema.CustomFieldType.TEXT_AREA: Kind.MULTILINE,
    schema.CustomFieldType.USER: Kind.USER,
    schema.CustomFieldType.NUMBER: Kind.INTEGER,
    schema.CustomFieldType.YEAR: Kind.INTEGER,
}


@dataclass(frozen=True)
class FieldInfo:
    """One Contact field as the UI offers it: API name, label, kind and access."""

    name: str
    label: str
    kind: Kind
    read_only: bool = False
    custom: schema.CustomField | None = None

    @property
    def locked(self) -> bool:
        """Cannot be read or written through the API at all (SSN custom fields)."""
        return self.custom is not None and self.custom.locked

    @property
    def date_only(self) -> bool:
        return self.kind is Kind.DATE


LOCKED_REASON = "Keap does not allow SSN fields to be read or written through the API"


def standard_field(name: str) -> FieldInfo:
    return FieldInfo(name, label(name), kind(name), is_read_only(name))


def custom_field_info(cf: schema.CustomField) -> FieldInfo:
    return FieldInfo(cf.api_name, cf.label, _CUSTOM_KINDS.get(cf.data_type, Kind.TEXT), custom=cf)


def catalog(custom_fields: list[schema.CustomField]) -> list[FieldInfo]:
    """Every Contact field a column or filter may use: standard ones, then custom ones by label.

    SSN custom fields are left out: they can never be read, so they make no column.
    """
    out = [standard_field(n) for n in standard_columns()]
    out += [custom_field_info(cf) for cf in sorted(custom_fields, key=lambda c: c.label.casefold())
            if not cf.locked and cf.table in (None, "Contact")]
    return out
