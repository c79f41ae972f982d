"""DataService.query/count/findByField/load semantics, checked against the store's own rows."""

from __future__ import annotations

import datetime as dt
import xml.parsers.expat
import xmlrpc.client
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sandbox_helpers import fault_of, raw_call

from app.sandbox import Sandbox

P = Any  # typeshed types every ServerProxy result as a union; tests index them freely


def q(
    rpc: P,
    table: str,
    query: dict[str, Any],
    fields: list[str],
    limit: int = 1000,
    page: int = 0,
    *order: Any,
) -> Any:
    return rpc.DataService.query("x", table, limit, page, query, fields, *order)


def count(rpc: P, table: str, query: dict[str, Any]) -> Any:
    return rpc.DataService.count("x", table, query)


# --- field names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["selected", "query", "orderBy"])
def test_field_names_are_case_sensitive(rpc: P, where: str) -> None:
    if where == "selected":
        fault = fault_of(q, rpc, "Contact", {}, ["Id", "firstname"])
    elif where == "query":
        fault = fault_of(q, rpc, "Contact", {"firstName": "Zoë"}, ["Id"])
    else:
        fault = fault_of(q, rpc, "Contact", {}, ["Id"], 10, 0, "lastname", True)
    assert fault.faultCode == 10
    assert fault.faultString.startswith("[NoFieldFound]No field found: Contact.")


def test_odd_spellings_are_the_real_names(rpc: P) -> None:
    assert q(rpc, "Contact", {"CompanyID": "~>~0"}, ["Id", "CompanyID", "AccountId", "OwnerID"], 5)
    assert q(rpc, "Lead", {}, ["Id", "ContactID", "UserID", "StageID", "StatusID"], 5)
    assert q(rpc, "ContactAction", {}, ["Id", "UserID", "ContactId"], 5)
    assert q(rpc, "Contact", {}, ["Leadsource", "LeadSourceId"], 5) is not None
    for table, name in (
        ("Contact", "CompanyId"),
        ("Contact", "OwnerId"),
        ("Lead", "ContactId"),
        ("Contact", "LeadSource"),
        ("ContactAction", "UserId"),
    ):
        fault = fault_of(q, rpc, table, {}, [name], 5)
        assert fault.faultString == f"[NoFieldFound]No field found: {table}.{name}"


def test_unknown_table_is_fault_9(rpc: P) -> None:
    fault = fault_of(q, rpc, "Contacts", {}, ["Id"])
    assert (fault.faultCode, fault.faultString) == (9, "[NoTableFound]No table found: Contacts")
    assert fault_of(q, rpc, "contact", {}, ["Id"]).faultCode == 9


def test_joined_columns_are_not_fields(rpc: P) -> None:
    fault = fault_of(q, rpc, "ContactGroupAssign", {}, ["ContactId", "Contact.CustomDate1"])
    assert fault.faultString == "[NoFieldFound]No field found: ContactGroupAssign.Contact.CustomDate1"


def test_custom_fields_only_with_underscore(demo: Sandbox, rpc: P) -> None:
    defs = q(rpc, "DataFormField", {"FormId": -1}, ["Id", "Name", "Label", "DataType", "Values"])
    assert len(defs) == 12
    names = {d["Name"] for d in defs}
    assert "LeadScore" in names and not any(n.startswith("_") for n in names)
    rows = q(rpc, "Contact", {"_LeadScore": "~>=~ 50"}, ["Id", "_LeadScore"], 50)
    assert rows and all(r["_LeadScore"] >= 50 for r in rows)
    assert (
        fault_of(q, rpc, "Contact", {}, ["LeadScore"]).faultString
        == "[NoFieldFound]No field found: Contact.LeadScore"
    )
    assert fault_of(q, rpc, "Contact", {}, ["_leadscore"]).faultCode == 10
    select = next(d for d in defs if d["Name"] == "TShirtSize")
    assert select["DataType"] == 21 and select["Values"].split("\n")[1:] == ["S", "M", "L", "XL"]


def test_ssn_custom_field_is_refused_on_read_and_write(rpc: P) -> None:
    for call in (
        lambda: q(rpc, "Contact", {}, ["Id", "_SSN"]),
        lambda: q(rpc, "Contact", {"_SSN": "%"}, ["Id"]),
        lambda: rpc.ContactService.load("x", 1, ["_SSN"]),
        lambda: rpc.ContactService.add("x", {"FirstName": "A", "_SSN": "123-45-6789"}),
    ):
        fault = fault_of(call)
        assert (fault.faultCode, fault.faultString) == (8, "[NoFieldAccess]No field access: Contact._SSN")


# --- matching ----------------------------------------------------------------------------------


def test_percent_is_a_case_insensitive_like(demo: Sandbox, rpc: P) -> None:
    stored = [
        r for r in demo.store.rows("Contact", fields=["Id", "LastName"]) if r["LastName"].startswith("Mü")
    ]
    assert stored
    for pattern in ("Mü%", "mü%", "MÜ%"):
        assert {r["Id"] for r in q(rpc, "Contact", {"LastName": pattern}, ["Id"])} == {
            r["Id"] for r in stored
        }
    gmail = count(rpc, "Contact", {"Email": "%@gmail.com"})
    assert gmail > 0 and count(rpc, "Contact", {"Email": "%@GMAIL.COM"}) == gmail
    assert count(rpc, "Contact", {"Id": "%"}) == demo.store.count("Contact")


def test_exact_match_is_case_insensitive(demo: Sandbox, rpc: P) -> None:
    expected = {r["Id"] for r in demo.store.rows("Contact", {"FirstName": "Zoë"}, ["Id"])}
    assert expected
    for value in ("Zoë", "zoë", "ZOË"):
        assert {r["Id"] for r in q(rpc, "Contact", {"FirstName": value}, ["Id"])} == expected


@pytest.mark.parametrize("field", ["Phone1", "_ReferralSource"])
def test_null_and_empty_are_different(demo: Sandbox, rpc: P, field: str) -> None:
    nulls = q(rpc, "Contact", {field: "~null~"}, ["Id", field])
    empties = q(rpc, "Contact", {field: ""}, ["Id", field])
    assert nulls and empties
    assert all(field not in r for r in nulls)  # NULL fields are left out of the struct
    assert all(r[field] == "" for r in empties)  # '' stays ''
    assert not {r["Id"] for r in nulls} & {r["Id"] for r in empties}
    assert len(nulls) == demo.store.count("Contact", {field: None})
    assert len(empties) == demo.store.count("Contact", {field: ""})


def test_comparison_operators(demo: Sandbox, rpc: P) -> None:
    ids = sorted(r["Id"] for r in demo.store.rows("Contact", fields=["Id"]))
    pivot = ids[len(ids) // 2]
    cases = {
        "~<~": [i for i in ids if i < pivot],
        "~<=~": [i for i in ids if i <= pivot],
        "~>~": [i for i in ids if i > pivot],
        "~>=~": [i for i in ids if i >= pivot],
        "~<>~": [i for i in ids if i != pivot],
    }
    for op, expected in cases.items():
        assert count(rpc, "Contact", {"Id": f"{op}{pivot}"}) == len(expected), op
        assert count(rpc, "Contact", {"Id": f"{op}   {pivot}"}) == len(expected), op  # whitespace trimmed
    assert count(rpc, "Contact", {"Phone1": "~<>~~null~"}) == demo.store.count("Contact") - demo.store.count(
        "Contact", {"Phone1": None}
    )


def test_array_value_is_an_id_in_list(demo: Sandbox, rpc: P) -> None:
    ids = [r["Id"] for r in demo.store.rows("Contact", fields=["Id"])][:5]
    assert sorted(r["Id"] for r in q(rpc, "Contact", {"Id": ids}, ["Id"])) == sorted(ids)
    cga = q(rpc, "ContactGroupAssign", {"ContactId": ids}, ["ContactId", "GroupId"])
    assert {r["ContactId"] for r in cga} <= set(ids)
    fault = fault_of(q, rpc, "Contact", {"FirstName": ["Zoë", "José"]}, ["Id"])
    assert fault.faultCode == 12 and fault.faultString.startswith("[InvalidParameter]")
    fault = fault_of(q, rpc, "Contact", {"Id": list(range(1, 1002))}, ["Id"])
    assert fault.faultCode == 12
    assert len(q(rpc, "Contact", {"Id": list(range(1, 1001))}, ["Id"])) > 0


def test_several_keys_are_anded(demo: Sandbox, rpc: P) -> None:
    rows = demo.store.rows("Contact", fields=["Id", "Country", "ContactType"])
    expected = {r["Id"] for r in rows if r["Country"] == "Germany" and r["ContactType"] == "Customer"}
    got = {r["Id"] for r in q(rpc, "Contact", {"Country": "germany", "ContactType": "CUSTOMER"}, ["Id"])}
    assert got == expected and expected


def test_find_by_field_uses_the_same_matching(rpc: P) -> None:
    rows = rpc.DataService.findByField("x", "Contact", 1000, 0, "Country", "SWEDEN", ["Id", "Country"])
    assert rows and {r["Country"] for r in rows} == {"Sweden"}


# --- paging and ordering -----------------------------------------------------------------------


def test_pages_hold_at_most_1000_numbered_from_0(demo: Sandbox, rpc: P) -> None:
    fault = fault_of(q, rpc, "Contact", {}, ["Id"], 1001)
    assert fault.faultCode == 12 and fault.faultString.startswith("[InvalidParameter]")
    total = demo.store.count("Contact")
    seen: list[int] = []
    page = 0
    while True:
        rows = q(rpc, "Contact", {"Id": "%"}, ["Id"], 1000, page)
        assert isinstance(rows, list)  # no total anywhere: just rows
        seen += [r["Id"] for r in rows]
        if len(rows) < 1000:
            break
        page += 1
    assert page == total // 1000 and len(seen) == len(set(seen)) == total
    assert seen == sorted(seen)  # no orderBy: Id ascending


def test_order_by_and_descending(demo: Sandbox, rpc: P) -> None:
    rows = q(rpc, "Contact", {"Country": "France"}, ["Id", "LastName"], 1000, 0, "LastName", False)
    names = [r["LastName"].lower() for r in rows]
    assert names == sorted(names, reverse=True)
    asc = q(rpc, "Contact", {"Country": "France"}, ["Id", "DateCreated"], 1000, 0, "DateCreated", True)
    stamps = [r["DateCreated"].value for r in asc]
    assert stamps == sorted(stamps)


# --- values ----------------------------------------------------------------------------------


def test_values_are_typed_by_field_type(demo: Sandbox, rpc: P) -> None:
    with_image = [r["Id"] for r in demo.store.rows("Product", fields=["Id", "LargeImage"]) if r["LargeImage"]]
    product = rpc.DataService.load(
        "x", "Product", with_image[0], ["Id", "ProductPrice", "ProductName", "LargeImage"]
    )
    assert isinstance(product["Id"], int) and isinstance(product["ProductPrice"], float)
    assert isinstance(product["ProductName"], str)
    assert isinstance(product["LargeImage"], xmlrpc.client.Binary)
    assert product["LargeImage"].data[:3] == b"\xff\xd8\xff"
    row = q(rpc, "Contact", {"Birthday": "~<>~~null~"}, ["Birthday", "DateCreated", "_LifetimeValue"], 1)[0]
    assert isinstance(row["DateCreated"], xmlrpc.client.DateTime)
    assert len(row["DateCreated"].value) == 17 and row["DateCreated"].value[8] == "T"  # YYYYMMDDTHH:MM:SS
    assert row["Birthday"].value.endswith("T00:00:00")
    contact_id = demo.store.rows("Contact", fields=["Id"])[0]["Id"]
    status, _, body = raw_call(demo, "DataService.load", "Contact", contact_id, ["Id", "DateCreated"])
    assert status == 200 and b"<dateTime.iso8601>" in body
    stamp = body.split(b"<dateTime.iso8601>")[1].split(b"<")[0]
    assert len(stamp) == 17 and b"+" not in stamp and b"Z" not in stamp  # no zone on the wire


def test_dates_in_queries(demo: Sandbox, rpc: P) -> None:
    created = [r["DateCreated"] for r in demo.store.rows("Contact", fields=["DateCreated"])]
    march = [c for c in created if c.startswith("2024-03-")]
    assert count(rpc, "Contact", {"DateCreated": "2024-03-%"}) == len(march) > 0
    assert count(rpc, "Contact", {"DateCreated": "~>=~ 2024-01-01"}) == sum(
        c >= "2024-01-01" for c in created
    )
    assert count(rpc, "Contact", {"DateCreated": "~<~ 2020-06-01 12:00:00"}) == sum(
        c < "2020-06-01 12:00:00" for c in created
    )
    one = created[0]
    assert count(rpc, "Contact", {"DateCreated": one}) == created.count(one)
    assert count(rpc, "Contact", {"DateCreated": one[:10] + "%"}) == sum(c[:10] == one[:10] for c in created)


def test_new_timestamps_are_us_eastern_without_zone(erpc: P) -> None:
    new_id = erpc.ContactService.add("x", {"FirstName": "Tess"})
    stamp = erpc.ContactService.load("x", new_id, ["DateCreated"])["DateCreated"]
    when = dt.datetime.strptime(stamp.value, "%Y%m%dT%H:%M:%S")
    eastern_now = dt.datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None)
    assert abs((eastern_now - when).total_seconds()) < 300


def test_text_outside_latin1_is_a_collation_error(rpc: P) -> None:
    expected = (
        "[DatabaseError]Illegal mix of collations (latin1_swedish_ci,IMPLICIT) and "
        "(utf8_general_ci,COERCIBLE) for operation '='"
    )
    for value in ("Łukasz", "Юлия", "🙂"):
        fault = fault_of(q, rpc, "Contact", {"FirstName": value}, ["Id"])
        assert (fault.faultCode, fault.faultString) == (4, expected)
    fault = fault_of(rpc.ContactService.add, "x", {"FirstName": "Jūratė"})
    assert (fault.faultCode, fault.faultString) == (4, expected)
    assert q(rpc, "Contact", {"FirstName": "Zoë"}, ["Id"], 1)  # Latin-1 is fine


def test_stored_control_characters_are_served_as_they_are(demo: Sandbox, rpc: P) -> None:
    ids = [int(i) for i in (demo.store.meta("badchar_contacts") or "").split(",")]
    status, _, body = raw_call(demo, "ContactService.load", ids[0], ["Id", "StreetAddress1"])
    assert status == 200 and b"\x0b" in body
    with pytest.raises(xml.parsers.expat.ExpatError):
        rpc.ContactService.load("x", ids[0], ["StreetAddress1"])
    status, _, body = raw_call(demo, "ContactService.load", ids[3], ["_UTMCampaign"])
    assert b"\x19" in body
    assert rpc.ContactService.load("x", ids[0], ["Id", "FirstName"])["Id"] == ids[0]


def test_load_of_a_missing_id(rpc: P) -> None:
    fault = fault_of(rpc.DataService.load, "x", "Contact", 999_999, ["Id"])
    assert (fault.faultCode, fault.faultString) == (5, "[RecordNotFound]Record was not found")


def test_contact_group_assign_has_no_id(demo: Sandbox, rpc: P) -> None:
    rows = q(rpc, "ContactGroupAssign", {}, ["ContactId", "GroupId", "ContactGroup", "DateCreated"], 10)
    assert rows and all("Id" not in r for r in rows)
    assert fault_of(q, rpc, "ContactGroupAssign", {}, ["Id"]).faultCode == 10
    assert count(rpc, "ContactGroupAssign", {}) == demo.store.count("ContactGroupAssign")
