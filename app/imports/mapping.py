"""Which column goes into which Keap field: suggestions from header names, by the user's word.

Headers come in every spelling ("E-mail", "Email Address", "first", "Phone Number",
"Postcode", "Vorname"); :func:`suggest` folds case, accents and punctuation and looks
each header up among the field's API name, its label, custom-field labels and the
common spellings below. A column is suggested for one field at most and a field gets
one column at most (the first that matches). :func:`mapping_key` names a header set,
so a mapping the user corrected can be remembered and offered again for the next file
with the same columns.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from unidecode import unidecode

from app.core.contact_fields import FieldInfo

#: Common header spellings per Contact field (after :func:`normalise`), beyond the field's
#: own API name and label.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "FirstName": ("first", "firstname", "givenname", "forename", "vorname", "prenom", "nombre"),
    "LastName": ("last", "lastname", "surname", "familyname", "nachname", "nom", "apellido"),
    "MiddleName": ("middle", "middlename", "middleinitial"),
    "Nickname": ("nickname", "preferredname"),
    "Title": ("salutation", "prefix", "anrede"),
    "Suffix": ("suffix",),
    "Email": ("email", "emailaddress", "mail", "emailaddress1", "email1", "primaryemail", "emailadresse"),
    "EmailAddress2": ("email2", "emailaddress2", "secondaryemail", "otheremail", "alternateemail"),
    "EmailAddress3": ("email3", "emailaddress3"),
    "Phone1": ("phone", "phonenumber", "telephone", "tel", "phone1", "workphone", "businessphone",
               "telefon"),
    "Phone2": ("mobile", "mobilephone", "cell", "cellphone", "phone2", "handy"),
    "Phone3": ("homephone", "phone3"),
    "Fax1": ("fax", "faxnumber"),
    "Company": ("company", "companyname", "organization", "organisation", "business", "employer",
                "firma"),
    "JobTitle": ("jobtitle", "position", "role", "occupation"),
    "StreetAddress1": ("address", "street", "streetaddress", "address1", "addressline1", "strasse"),
    "StreetAddress2": ("address2", "addressline2", "street2"),
    "City": ("city", "town", "ort", "stadt", "ville"),
    "State": ("state", "region", "province", "county", "stateprovince", "bundesland"),
    "PostalCode": ("zip", "zipcode", "postalcode", "postcode", "plz", "postleitzahl"),
    "Country": ("country", "land", "pays"),
    "Website": ("website", "web", "url", "homepage", "site"),
    "Birthday": ("birthday", "dateofbirth", "dob", "birthdate", "geburtstag"),
    "Anniversary": ("anniversary",),
    "OwnerID": ("owner", "contactowner", "assignedto", "salesrep", "accountmanager"),
    "ContactNotes": ("notes", "note", "comments"),
    "ReferralCode": ("referralcode",),
}

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(header: str) -> str:
    """``"E-Mail Address "`` -> ``"emailaddress"``: lower case, accents folded, punctuation gone."""
    return _NOT_ALNUM.sub("", unidecode(header).lower())


def suggest(headers: Sequence[str], fields: Sequence[FieldInfo]) -> dict[int, str]:
    """Column index -> suggested field name, for the columns a field was found for.

    Fields that cannot be written (read-only, locked SSN fields) are never suggested.
    """
    writable = [f for f in fields if not f.read_only and not f.locked]
    names: dict[str, str] = {}
    for info in writable:  # own spellings first: an exact label beats a common spelling
        for spelling in (info.name, info.label, info.name.lstrip("_")):
            names.setdefault(normalise(spelling), info.name)
    known = {f.name for f in writable}
    for field, spellings in SPELLINGS.items():
        if field in known:
            for spelling in spellings:
                names.setdefault(spelling, field)
    out: dict[int, str] = {}
    taken: set[str] = set()
    for column, header in enumerate(headers):
        found = names.get(normalise(header))
        if found is not None and found not in taken:
            out[column] = found
            taken.add(found)
    return out


def mapping_key(headers: Sequence[str]) -> str:
    """A stable name for a set of columns (in order): remembered mappings are filed under it."""
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def parse_overrides(items: Sequence[str], headers: Sequence[str],
                    fields: Sequence[FieldInfo]) -> dict[int, str | None]:
    """``["E-Mail=Email", "Notes="]`` (the CLI's ``--map``) -> column -> field (None: skip it).

    Headers and fields match by name, label or common spelling (see :func:`normalise`);
    anything unknown raises ValueError naming it and what exists.
    """
    by_header = {normalise(h): i for i, h in enumerate(headers)}
    by_field = {normalise(n): f.name for f in fields for n in (f.name, f.label, f.name.lstrip("_"))}
    out: dict[int, str | None] = {}
    for item in items:
        header, sep, field = item.partition("=")
        if not sep:
            raise ValueError(f"--map {item!r}: write it as \"Header=Field\" "
                             "(or \"Header=\" to skip a column).")
        column = by_header.get(normalise(header))
        if column is None:
            raise ValueError(f"--map {item!r}: the file has no column {header.strip()!r}; "
                             f"its columns are {', '.join(headers)}.")
        if not field.strip():
            out[column] = None
            continue
        name = by_field.get(normalise(field))
        if name is None:
            raise ValueError(f"--map {item!r}: no contact field {field.strip()!r}.")
        out[column] = name
    return out


def merged(suggested: Mapping[int, str], overrides: Mapping[int, str | None]) -> dict[int, str]:
    """Suggestions with the user's choices on top (a choice of None drops the column)."""
    out = {c: f for c, f in suggested.items() if c not in overrides}
    out.update({c: f for c, f in overrides.items() if f is not None})
    return out
