"""Writes and service methods: access rules, tags, merges, opt-in, goals, orders, custom fields."""

from __future__ import annotations

import datetime as dt
import itertools
import xmlrpc.client
from typing import Any

import pytest
from sandbox_helpers import fault_of, proxy

from app.sandbox import Sandbox, SandboxConfig

P = Any  # typeshed types every ServerProxy result as a union; tests index them freely


def test_add_update_load_delete_round_trip(erpc: P) -> None:
    cid = erpc.DataService.add(
        "x", "Contact", {"FirstName": "José", "LastName": "Núñez", "Email": "jn@example.com"}
    )
    assert erpc.DataService.update("x", "Contact", cid, {"LastName": "Núñez García"}) == cid
    row = erpc.ContactService.load("x", cid, ["Id", "FirstName", "LastName", "Email", "Phone1"])
    assert row == {"Id": cid, "FirstName": "José", "LastName": "Núñez García", "Email": "jn@example.com"}
    assert erpc.DataService.delete("x", "Contact", cid) is True
    fault = fault_of(erpc.DataService.update, "x", "Contact", cid, {"FirstName": "X"})
    assert (fault.faultCode, fault.faultString) == (
        5,
        f"[RecordNotFound]Unable to perform update. Record not found for Id:{cid}",
    )
    fault = fault_of(erpc.DataService.delete, "x", "Contact", cid)
    assert fault.faultString == f"[RecordNotFound]Unable to perform delete. Record not found for Id:{cid}"


def test_wrong_case_field_in_a_write_is_no_field_found(erpc: P) -> None:
    fault = fault_of(erpc.ContactService.add, "x", {"firstname": "Ann"})
    assert (fault.faultCode, fault.faultString) == (10, "[NoFieldFound]No field found: Contact.firstname")


def test_groups_is_dropped_and_alone_is_no_fields_sent(empty: Sandbox, erpc: P) -> None:
    cid = erpc.ContactService.add("x", {"FirstName": "Ann", "Groups": "1,2"})
    assert empty.store.get("Contact", cid)["Groups"] is None
    fault = fault_of(erpc.ContactService.update, "x", cid, {"Groups": "5"})
    assert (fault.faultCode, fault.faultString) == (11, "[NoFieldsSent]No Fields sent for Update")
    assert erpc.ContactService.update("x", cid, {"Groups": "5", "LastName": "Lee"}) == cid
    assert empty.store.get("Contact", cid)["Groups"] is None
    assert empty.store.get("Contact", cid)["LastName"] == "Lee"


def test_read_only_fields_are_dropped(empty: Sandbox, erpc: P) -> None:
    cid = erpc.ContactService.add(
        "x", {"FirstName": "Ann", "Id": 5, "DateCreated": "2001-01-01 00:00:00", "Validated": "1"}
    )
    row = empty.store.get("Contact", cid)
    assert cid != 5 and row["DateCreated"] > "2020" and row["Validated"] is None
    fault = fault_of(erpc.DataService.update, "x", "Contact", cid, {"DateCreated": "2001-01-01", "Id": 3})
    assert fault.faultCode == 11


@pytest.mark.parametrize("table", ["ContactGroup", "ContactGroupCategory", "Job", "RecurringOrder"])
def test_no_delete_on_these_tables(demo: Sandbox, rpc: P, table: str) -> None:
    some_id = demo.store.rows(table, fields=["Id"])[0]["Id"]
    fault = fault_of(rpc.DataService.delete, "x", table, some_id)
    assert (fault.faultCode, fault.faultString) == (7, f"[NoTableAccess]No table access: {table} (delete)")


@pytest.mark.parametrize("table", ["OrderItem", "Invoice", "InvoiceItem", "ContactGroupAssign"])
def test_read_only_tables_refuse_dataservice_writes(demo: Sandbox, rpc: P, table: str) -> None:
    assert fault_of(rpc.DataService.add, "x", table, {"ContactId": 1}).faultCode == 7
    assert fault_of(rpc.DataService.update, "x", table, 1, {"ContactId": 1}).faultCode == 7
    assert fault_of(rpc.DataService.delete, "x", table, 1).faultCode == 7


def test_new_ids_come_from_a_multi_master_pair(erpc: P) -> None:
    ids = [erpc.ContactService.add("x", {"FirstName": f"N{i}"}) for i in range(40)]
    assert len(set(ids)) == len(ids)
    assert {i % 7 for i in ids} == {1, 2}  # both servers used
    assert ids != list(range(ids[0], ids[0] + len(ids)))
    assert any(b < a for a, b in itertools.pairwise(ids))  # a fail-over goes back in Id order


def test_sequential_ids_switch() -> None:
    with Sandbox(SandboxConfig(seed="empty", sequential_ids=True)) as sb, proxy(sb) as p:
        ids = [p.ContactService.add("x", {"FirstName": f"N{i}"}) for i in range(5)]
    assert ids == list(range(ids[0], ids[0] + 5))


def test_dates_accepted_in_writes(empty: Sandbox, erpc: P) -> None:
    cid = erpc.ContactService.add("x", {"FirstName": "D", "Birthday": "1980-05-17"})
    assert empty.store.get("Contact", cid)["Birthday"] == "1980-05-17 00:00:00"
    erpc.ContactService.update("x", cid, {"Birthday": xmlrpc.client.DateTime("19810618T00:00:00")})
    assert empty.store.get("Contact", cid)["Birthday"] == "1981-06-18 00:00:00"
    erpc.DataService.update(
        "x",
        "Lead",
        erpc.DataService.add("x", "Lead", {"ContactID": cid}),
        {"NextActionDate": "2025-02-03 14:15:16"},
    )
    assert empty.store.rows("Lead")[0]["NextActionDate"] == "2025-02-03 14:15:16"
    fault = fault_of(erpc.ContactService.update, "x", cid, {"Birthday": "17/05/1980"})
    assert fault.faultCode == 12


def test_tags_apply_idempotently_and_keep_groups_in_step(fresh: Sandbox, wrpc: P) -> None:
    store = fresh.store
    cid = wrpc.ContactService.add("x", {"FirstName": "Tag", "LastName": "Me"})
    t1, t2 = [r["Id"] for r in store.rows("ContactGroup", fields=["Id"])][:2]
    assert wrpc.ContactService.addToGroup("x", cid, t1) is True
    first = store.rows("ContactGroupAssign", {"ContactId": cid})
    assert wrpc.ContactService.addToGroup("x", cid, t1) is True  # idempotent
    assert store.rows("ContactGroupAssign", {"ContactId": cid}) == first  # DateCreated kept
    assert wrpc.ContactService.addToGroup("x", cid, t2) is True
    assert wrpc.ContactService.load("x", cid, ["Groups"])["Groups"] == f"{t1},{t2}"
    assert wrpc.ContactService.removeFromGroup("x", cid, t1) is True
    assert wrpc.ContactService.removeFromGroup("x", cid, t1) is True  # idempotent
    assert wrpc.ContactService.load("x", cid, ["Groups"])["Groups"] == str(t2)
    assert [r["GroupId"] for r in store.rows("ContactGroupAssign", {"ContactId": cid})] == [t2]
    wrpc.DataService.update("x", "ContactGroup", t2, {"GroupName": "Renamed tag"})
    assert store.rows("ContactGroupAssign", {"ContactId": cid})[0]["ContactGroup"] == "Renamed tag"
    assert fault_of(wrpc.ContactService.addToGroup, "x", cid, 999_999).faultCode == 5


def test_merge_keeps_the_first_and_moves_tags_and_records(fresh: Sandbox, wrpc: P) -> None:
    store = fresh.store
    keep = wrpc.ContactService.add("x", {"FirstName": "Keep", "Email": "keep@example.com"})
    dup = wrpc.ContactService.add("x", {"FirstName": "Dup", "Phone1": "555-0101"})
    tags = [r["Id"] for r in store.rows("ContactGroup", fields=["Id"])][:3]
    wrpc.ContactService.addToGroup("x", keep, tags[0])
    wrpc.ContactService.addToGroup("x", dup, tags[0])
    wrpc.ContactService.addToGroup("x", dup, tags[1])
    lead = wrpc.DataService.add("x", "Lead", {"ContactID": dup, "OpportunityTitle": "Deal"})
    note = wrpc.DataService.add("x", "ContactAction", {"ContactId": dup, "ActionDescription": "hi"})
    link_type = store.rows("LinkedContactType", {"TypeName": "Business Partner"})[0]["Id"]
    other = wrpc.ContactService.add("x", {"FirstName": "Other"})
    wrpc.ContactService.linkContacts("x", dup, other, link_type)
    assert wrpc.ContactService.merge("x", keep, dup) is True
    assert store.row("Contact", dup) is None
    survivor = store.get("Contact", keep)
    assert survivor["FirstName"] == "Keep" and survivor["Phone1"] == "555-0101"
    assert sorted(r["GroupId"] for r in store.rows("ContactGroupAssign", {"ContactId": keep})) == sorted(
        tags[:2]
    )
    assert store.rows("ContactGroupAssign", {"ContactId": dup}) == []
    assert (
        store.get("Lead", lead)["ContactID"] == keep and store.get("ContactAction", note)["ContactId"] == keep
    )
    assert [lk["LinkedContactId"] for lk in store.links(keep)] == [other]


def test_add_with_dup_check(fresh: Sandbox, wrpc: P) -> None:
    company = fresh.store.rows("Company", fields=["Id"])[0]["Id"]
    first = wrpc.ContactService.add(
        "x", {"FirstName": "Åsa", "LastName": "Berg", "Email": "asa@example.se", "CompanyID": company}
    )
    assert (
        wrpc.ContactService.addWithDupCheck("x", {"Email": "ASA@example.se", "Phone1": "1"}, "Email") == first
    )
    assert fresh.store.get("Contact", first)["Phone1"] == "1"
    by_name = {"Email": "asa@example.se", "FirstName": "Åsa", "LastName": "Berg"}
    assert wrpc.ContactService.addWithDupCheck("x", by_name, "EmailAndName") == first
    other = wrpc.ContactService.addWithDupCheck("x", {**by_name, "FirstName": "Asa"}, "EmailAndName")
    assert other != first
    assert (
        wrpc.ContactService.addWithDupCheck("x", {**by_name, "CompanyID": company}, "EmailAndNameAndCompany")
        == first
    )
    assert wrpc.ContactService.addWithDupCheck("x", by_name, "EmailAndNameAndCompany") not in (first, other)
    assert fault_of(wrpc.ContactService.addWithDupCheck, "x", by_name, "email").faultCode == 12


def test_find_by_email_checks_all_three_addresses(empty: Sandbox, erpc: P) -> None:
    a = erpc.ContactService.add("x", {"FirstName": "A", "Email": "same@example.com"})
    b = erpc.ContactService.add("x", {"FirstName": "B", "EmailAddress2": "Same@Example.com"})
    c = erpc.ContactService.add("x", {"FirstName": "C", "EmailAddress3": "SAME@EXAMPLE.COM"})
    erpc.ContactService.add("x", {"FirstName": "D", "Email": "other@example.com"})
    rows = erpc.ContactService.findByEmail("x", "same@example.com", ["Id", "FirstName"])
    assert sorted(r["Id"] for r in rows) == sorted([a, b, c])


def test_opt_status_and_no_opt_in_after_opt_out(fresh: Sandbox, wrpc: P) -> None:
    store = fresh.store
    statuses = {r["Status"]: r["Email"] for r in store.rows("_EmailStatus")}
    assert set(statuses) == {"single", "double", "unengaged", "optout", "bounce"}
    expected = {"single": 1, "double": 2, "unengaged": 0, "optout": 0, "bounce": 0}
    for status, email in statuses.items():
        assert wrpc.APIEmailService.getOptStatus("x", email) == expected[status], status
    wrpc.ContactService.add("x", {"FirstName": "Opt", "Email": "opt@example.com"})
    assert wrpc.APIEmailService.getOptStatus("x", "opt@example.com") == 0
    assert wrpc.APIEmailService.optIn("x", "opt@example.com", "") is True
    assert wrpc.APIEmailService.getOptStatus("x", "opt@example.com") == 1
    assert wrpc.APIEmailService.optOut("x", "opt@example.com", "no thanks") is True
    assert wrpc.APIEmailService.getOptStatus("x", "opt@example.com") == 0
    assert wrpc.APIEmailService.optIn("x", "opt@example.com", "please") is False
    assert wrpc.APIEmailService.getOptStatus("x", "opt@example.com") == 0
    assert wrpc.APIEmailService.optIn("x", statuses["optout"], "back") is False


def test_achieve_goal_needs_matching_integration_and_call_name(fresh: Sandbox, wrpc: P) -> None:
    cid = fresh.store.rows("Contact", fields=["Id"])[0]["Id"]
    done = wrpc.FunnelService.achieveGoal("x", "tagdesk-demo", "webinarAttended", cid)
    assert len(done) == 2 and all(r["success"] is True and isinstance(r["msg"], str) for r in done)
    for integration, call in (("other-app", "webinarAttended"), ("tagdesk-demo", "webinarattended")):
        missed = wrpc.FunnelService.achieveGoal("x", integration, call, cid)
        assert [r["success"] for r in missed] == [False]
    assert len(fresh.store.goals_achieved()) == 2


def test_orders_keep_fractions_of_a_cent_unpaid(fresh: Sandbox, wrpc: P) -> None:
    store = fresh.store
    cid = store.rows("Contact", fields=["Id"])[0]["Id"]
    product = store.rows("Product", {"ProductName": "Mug"})[0]["Id"]
    when = xmlrpc.client.DateTime(dt.datetime(2025, 5, 1, 10, 0, 0))
    invoice = wrpc.InvoiceService.createBlankOrder("x", cid, "Phone order", when, 0, 0)
    job = store.get("Invoice", invoice)["JobId"]
    assert store.get("Job", job)["InvoiceId"] == invoice and store.get("Job", job)["ContactId"] == cid
    assert wrpc.InvoiceService.addOrderItem("x", invoice, product, 4, 19.999, 1, "Mug, blue", "") is True
    assert wrpc.InvoiceService.addOrderItem("x", invoice, 0, 2, 1.5, 1, "Tax", "") is True
    assert wrpc.InvoiceService.calculateAmountOwed("x", invoice) == pytest.approx(21.499)
    assert len(store.rows("OrderItem", {"OrderId": job})) == 2
    assert len(store.rows("InvoiceItem", {"InvoiceId": invoice})) == 2
    owed = wrpc.InvoiceService.calculateAmountOwed("x", invoice)
    wrpc.InvoiceService.addManualPayment("x", invoice, owed, when, "Cash", "paid in full", False)
    inv = wrpc.DataService.load(
        "x", "Invoice", invoice, ["InvoiceTotal", "TotalPaid", "TotalDue", "PayStatus"]
    )
    assert inv["InvoiceTotal"] == pytest.approx(21.499) and inv["TotalPaid"] == pytest.approx(21.49)
    assert inv["TotalDue"] > 0 and inv["PayStatus"] == 0
    fault = fault_of(wrpc.InvoiceService.createBlankOrder, "x", cid, "x", "2025-05-01", 0, 0)
    assert fault.faultString.startswith("No method matching arguments")
    demo_short = [r for r in store.rows("Invoice") if r["PayStatus"] == 0 and 0 < r["TotalDue"] < 0.01]
    assert len(demo_short) >= 5


def test_linked_contacts(fresh: Sandbox, wrpc: P) -> None:
    store = fresh.store
    a, b = (r["Id"] for r in store.rows("Contact", fields=["Id"])[-2:])
    partner = store.rows("LinkedContactType", {"TypeName": "Business Partner"})[0]["Id"]
    assert wrpc.ContactService.linkContacts("x", a, b, partner) is True
    assert wrpc.ContactService.linkContacts("x", b, a, partner) is True  # already linked
    assert {"ContactId": a, "LinkedContactId": b, "LinkedContactTypeId": partner} in (
        wrpc.ContactService.listLinkedContacts("x", a)
    )
    assert {"ContactId": b, "LinkedContactId": a, "LinkedContactTypeId": partner} in (
        wrpc.ContactService.listLinkedContacts("x", b)
    )
    assert wrpc.ContactService.unlinkContacts("x", a, b, partner) is True
    assert all(r["LinkedContactId"] != b for r in wrpc.ContactService.listLinkedContacts("x", a))
    demo_links = sum(len(store.links(r["Id"])) for r in store.rows("Contact", fields=["Id"])) // 2
    assert demo_links >= 150


def test_custom_field_management(fresh: Sandbox, wrpc: P) -> None:
    header = fresh.store.rows("DataFormGroup", {"Name": "Marketing"})[0]["Id"]
    fid = wrpc.DataService.addCustomField("x", "Contact", "Favourite Colour!", "Text", header)
    row = wrpc.DataService.load("x", "DataFormField", fid, ["Name", "Label", "DataType", "FormId", "GroupId"])
    assert row == {
        "Name": "FavouriteColour",
        "Label": "Favourite Colour!",
        "DataType": 15,
        "FormId": -1,
        "GroupId": header,
    }
    cid = wrpc.ContactService.add("x", {"FirstName": "C", "_FavouriteColour": "Vert"})
    assert wrpc.ContactService.load("x", cid, ["_FavouriteColour"]) == {"_FavouriteColour": "Vert"}
    assert fault_of(wrpc.DataService.addCustomField, "x", "Contact", "X", "text", header).faultCode == 12
    assert fault_of(wrpc.DataService.updateCustomField, "x", fid, {"Values": "a\nb"}).faultCode == 12
    assert wrpc.DataService.updateCustomField("x", fid, {"Label": "Colour"}) is True
    select = wrpc.DataService.addCustomField("x", "Contact", "Plan", "Select", header)
    assert wrpc.DataService.updateCustomField("x", select, {"Values": "\nBasic\nPro"}) is True
    assert fresh.store.get("DataFormField", select)["Values"] == "\nBasic\nPro"
    ssn = wrpc.DataService.addCustomField("x", "Contact", "Tax Id", "SSN", header)
    assert ssn and fault_of(wrpc.ContactService.load, "x", cid, ["_TaxId"]).faultCode == 8
    assert fault_of(wrpc.DataService.updateCustomField, "x", fid, {"DataType": 16}).faultCode == 8


def test_get_app_setting(rpc: P) -> None:
    assert rpc.DataService.getAppSetting("x", "Application", "appname") == "tagdesk-demo"
    assert "Customer" in rpc.DataService.getAppSetting("x", "Contact", "optiontypes")
