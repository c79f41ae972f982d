"""Stored Contact rows -> Keap REST v2 Contact JSON, one page at a time.

The sandbox is the stage of our large-account benchmark, and there its single process
rendering JSON set the pace of a REST export, not the client. So the choice of properties is
read once a page, not once a property per contact: each chosen property becomes one small
function of the row, and only the columns those functions read are selected (a 1,000-contact
page of the export's properties: ~53 -> ~26 ms here). The JSON is the same, key for key and in
order, as the property-by-property renderer it replaced (compared by hash over every property
choice); ``tests/sandbox/test_rest_contacts.py`` checks a page against each contact read alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.core.countries import COUNTRIES
from app.core.rest_slots import ADDRESS_SLOTS, EMAIL_SLOTS, FAX_SLOTS, PHONE_SLOTS
from app.core.schema import CustomFieldType
from app.sandbox.rest.contact_map import NUMERIC_TYPES, OPT_STATUS, SCALARS, ensure_social
from app.sandbox.rest.conventions import iso_date, iso_time, sid, text_or_none
from app.sandbox.store import CustomDef, Store

#: One property of a contact: (row, Extras) -> its JSON value, or None to leave it out.
Part = Callable[[dict[str, Any], "Extras"], Any]


def custom_content(cdef: CustomDef, value: Any) -> Any:
    if value is None or value == "":
        return None
    dtype = cdef.data_type
    if dtype == CustomFieldType.DATE:
        return iso_date(value)
    if dtype == CustomFieldType.DATETIME:
        return iso_time(value)
    if dtype in NUMERIC_TYPES or dtype == CustomFieldType.YES_NO:
        return value if isinstance(value, int | float) else str(value)
    return str(value)


def address_of(slot: str, row: dict[str, Any]) -> dict[str, Any] | None:
    """One address slot, or None when all its columns are empty."""
    raw = [row.get(c) for c in ADDRESS_SLOTS[slot]]
    texts = [None if v is None or v == "" else str(v) for v in raw]
    if not any(texts):
        return None
    line1, line2, city, state, postal, zip4, country = texts
    codes = COUNTRIES.get(country) if country else None
    item: dict[str, Any] = {"field": slot}
    for key, value in (
        ("line1", line1),
        ("line2", line2),
        ("locality", city),
        ("region", state),
        ("region_code", f"{codes[1]}-{state}" if codes and state and len(state) <= 3 else None),
        ("postal_code", postal),
        ("zip_code", postal if codes and codes[0] == "USA" else None),
        ("zip_four", zip4),
        ("country", country),
        ("country_code", codes[0] if codes else None),
    ):
        if value is not None:
            item[key] = value
    return item


class Extras:
    """Per-page lookups (opt status, tags, links, social accounts) fetched in bulk."""

    def __init__(self, store: Store, rows: list[dict[str, Any]], chosen: set[str]) -> None:
        ids = [int(r["Id"]) for r in rows]
        marks = ", ".join("?" for _ in ids) or "NULL"
        self.status: dict[str, str] = {}
        self.tags: dict[int, list[str]] = {}
        self.links: dict[int, list[dict[str, Any]]] = {}
        self.social: dict[int, list[dict[str, Any]]] = {}
        if "email_addresses" in chosen:
            emails = [str(r[c]).lower() for r in rows for c in EMAIL_SLOTS.values() if text_or_none(r.get(c))]
            for start in range(0, len(emails), 900):
                part = emails[start : start + 900]
                sql = (
                    f'SELECT Email, Status FROM "_EmailStatus" WHERE Email IN ({", ".join("?" * len(part))})'
                )
                for email, status in store.conn.execute(sql, part):
                    self.status[str(email).lower()] = str(status)
        if "tag_ids" in chosen:
            sql = (
                f'SELECT ContactId, GroupId FROM "ContactGroupAssign" WHERE ContactId IN ({marks}) '
                "ORDER BY rowid"
            )
            for cid, gid in store.conn.execute(sql, ids):
                self.tags.setdefault(int(cid), []).append(str(gid))
        if "links" in chosen:
            sql = (
                "SELECT l.rowid, l.ContactId1, l.ContactId2, l.LinkTypeId, t.TypeName "
                'FROM "_LinkedContact" l '
                f'LEFT JOIN "LinkedContactType" t ON t.Id = l.LinkTypeId WHERE l.ContactId1 IN ({marks}) '
                f"OR l.ContactId2 IN ({marks}) ORDER BY l.rowid"
            )
            wanted = set(ids)
            for rowid, a, b, t, name in store.conn.execute(sql, ids + ids):
                for me, other in ((a, b), (b, a)):
                    if me in wanted:
                        self.links.setdefault(int(me), []).append(
                            {
                                "id": str(rowid),
                                "linked_contact_id": str(other),
                                "link_type_id": str(t),
                                "link_type_name": name,
                            }
                        )
        if "social_accounts" in chosen:
            ensure_social(store)
            sql = (
                f'SELECT ContactId, Type, Name FROM "_SocialAccount" WHERE ContactId IN ({marks}) '
                "ORDER BY Type"
            )
            for cid, kind, name in store.conn.execute(sql, ids):
                self.social.setdefault(int(cid), []).append({"type": kind, "name": name})


def _emails(row: dict[str, Any], extras: Extras) -> list[dict[str, Any]]:
    out = []
    for slot, column in EMAIL_SLOTS.items():
        email = text_or_none(row.get(column))
        if email:
            status = extras.status.get(email.lower())
            opted_in = status in ("single", "double")
            item: dict[str, Any] = {"email": email, "field": slot, "is_opt_in": opted_in}
            if status in OPT_STATUS:
                item["email_opt_status"] = OPT_STATUS[status]
            out.append(item)
    return out


def _numbers(slots: Mapping[str, tuple[str, ...]], keys: tuple[str, ...]) -> Part:
    """Phone or fax slots: ``field`` plus ``keys`` read from each slot's columns in turn."""

    def part(row: dict[str, Any], _extras: Extras) -> list[dict[str, Any]]:
        out = []
        for slot, columns in slots.items():
            if text_or_none(row.get(columns[0])):
                item: dict[str, Any] = {"field": slot}
                for key, column in zip(keys, columns, strict=True):
                    value = text_or_none(row.get(column))
                    if value is not None:
                        item[key] = value
                out.append(item)
        return out

    return part


def _addresses(row: dict[str, Any], _extras: Extras) -> list[dict[str, Any]]:
    return [a for slot in ADDRESS_SLOTS if (a := address_of(slot, row)) is not None]


def _company(row: dict[str, Any], _extras: Extras) -> dict[str, Any] | None:
    company_id, name = row.get("CompanyID"), text_or_none(row.get("Company"))
    if not (company_id or name):
        return None
    company = {"id": sid(company_id), "company_name": name}
    return {k: v for k, v in company.items() if v is not None}


def _column(column: str, convert: Callable[[Any], Any]) -> Part:
    return lambda row, _extras: convert(row.get(column))


def _per_contact(lookup: Callable[[Extras], dict[int, list[Any]]]) -> Part:
    return lambda row, extras: lookup(extras).get(int(row["Id"]), [])


_SCALAR_KIND: dict[str, Callable[[Any], Any]] = {"text": text_or_none, "id": sid, "date": iso_date}


class ContactJson:
    """Renders stored Contact rows as REST v2 JSON with only the chosen properties."""

    def __init__(self, store: Store, chosen: set[str]) -> None:
        self.store = store
        self.chosen = chosen
        self.columns: list[str] = ["Id"]
        self.parts: list[tuple[str, Part]] = []
        for name, (column, kind) in SCALARS.items():
            self._add(name, _column(column, _SCALAR_KIND[kind]), column)
        self._add("email_addresses", _emails, *EMAIL_SLOTS.values())
        phone_columns = [c for cols in PHONE_SLOTS.values() for c in cols]
        self._add("phone_numbers", _numbers(PHONE_SLOTS, ("number", "type", "extension")), *phone_columns)
        fax_columns = [c for cols in FAX_SLOTS.values() for c in cols]
        self._add("fax_numbers", _numbers(FAX_SLOTS, ("number", "type")), *fax_columns)
        self._add("addresses", _addresses, *[c for cols in ADDRESS_SLOTS.values() for c in cols])
        self._add("company", _company, "CompanyID", "Company")
        if "custom_fields" in chosen:
            defs = [(str(d.id), d) for d in store.custom["Contact"].values() if not d.locked]
            self._add(
                "custom_fields",
                lambda row, _extras: [
                    {"id": fid, "content": custom_content(d, row.get(d.api_name))} for fid, d in defs
                ],
                *[d.api_name for _, d in defs],
            )
        self._add("tag_ids", _per_contact(lambda extras: extras.tags))
        self._add("groups", _column("Groups", text_or_none), "Groups")
        self._add("links", _per_contact(lambda extras: extras.links))
        self._add("social_accounts", _per_contact(lambda extras: extras.social))
        self._add("notes", _column("ContactNotes", text_or_none), "ContactNotes")
        self._add("create_time", _column("DateCreated", iso_time), "DateCreated")
        self._add("update_time", _column("LastUpdated", iso_time), "LastUpdated")
        self._add("created_by", _column("CreatedBy", sid), "CreatedBy")
        self._add("last_updated_by", _column("LastUpdatedBy", sid), "LastUpdatedBy")
        self._add("account_id", _column("AccountId", sid), "AccountId")
        self._add(
            "source_type", lambda row, _extras: "API" if row.get("CreatedBy") else "UNKNOWN", "CreatedBy"
        )

    def _add(self, name: str, part: Part, *columns: str) -> None:
        if name in self.chosen:
            self.parts.append((name, part))
            self.columns.extend(c for c in columns if c not in self.columns)

    def select_list(self) -> str:
        """The SQL column list these properties read (not ``*``: a third of a page's time)."""
        return ", ".join(f'"{c}"' for c in self.columns)

    def render(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        extras = Extras(self.store, rows, self.chosen)
        parts = self.parts
        out = []
        for row in rows:
            item: dict[str, Any] = {"id": str(int(row["Id"]))}
            for name, part in parts:
                value = part(row, extras)
                if value is not None:
                    item[name] = value
            out.append(item)
        return out
