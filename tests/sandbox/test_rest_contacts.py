"""REST v2 contacts on the sandbox, driven by Keap's own SDK (its models must accept every reply)."""

from __future__ import annotations

from typing import Any

import pytest
from keap_core_v2_client import (
    ContactApi,
    CreateUpdateContactRequest,
    LinkContactsRequest,
    MergeContactRequest,
)
from keap_core_v2_client.exceptions import BadRequestException, NotFoundException

from app.sandbox import Sandbox
from app.sandbox.rest import contact_map as cm


def _all_ids(api: ContactApi, **kwargs: Any) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page = api.list_contacts(page_size=400, page_token=token, **kwargs)
        ids += [c.id for c in page.contacts or []]
        token = page.next_page_token
        if not token:
            return ids


def test_paging_walks_every_contact_once_and_ends_with_an_empty_token(api: Any, demo: Sandbox) -> None:
    ids = _all_ids(ContactApi(api))
    assert len(ids) == len(set(ids)) == demo.store.count("Contact")
    assert all(isinstance(i, str) for i in ids)
    assert [int(i) for i in ids] == sorted(int(i) for i in ids)  # default order: id ascending


def test_page_size_above_1000_and_a_foreign_page_token_are_refused(rest: Any) -> None:
    r = rest.get("/contacts", page_size=1001)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 400 and body["status"] == "INVALID_ARGUMENT" and "page_size" in body["message"]
    assert isinstance(body["details"], list)
    token = rest.get("/contacts", page_size=5).json()["next_page_token"]
    other = rest.get("/contacts", page_size=5, page_token=token, filter="given_name==A*")
    assert other.status_code == 400 and "page_token" in other.json()["message"]


def test_every_contact_property_deserializes_into_the_sdk_model(api: Any, demo: Sandbox) -> None:
    contacts = ContactApi(api)
    fields = [
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
        "owner_id",
        "phone_numbers",
        "preferred_name",
        "prefix",
        "social_accounts",
        "source_type",
        "suffix",
        "tag_ids",
        "update_time",
        "website",
        "groups",
        "created_by",
        "last_updated_by",
    ]
    page = contacts.list_contacts(page_size=1000, fields=fields)
    assert len(page.contacts or []) == 1000
    row = demo.store.rows("Contact")[5]
    one = contacts.get_contact(str(row["Id"]), fields=fields)
    assert one.given_name == row["FirstName"] and one.family_name == row["LastName"]
    assert one.create_time.endswith("Z") and "." in one.create_time
    assert sorted(one.tag_ids or [], key=int) == sorted(
        (str(r["GroupId"]) for r in demo.store.rows("ContactGroupAssign", {"ContactId": row["Id"]})), key=int
    )
    emails = {e.var_field: e.email for e in one.email_addresses or []}
    assert emails.get("EMAIL1") == row["Email"]


@pytest.mark.parametrize(
    "fields",
    [
        ",".join(cm.ALL_FIELDS),
        "addresses,company,email_addresses,family_name,given_name,id,phone_numbers,update_time",
        "id,tag_ids,custom_fields",
    ],
)
def test_a_page_renders_each_contact_as_its_own_get_does(rest: Any, fields: str) -> None:
    """A list page selects only the columns its properties read; one contact reads its whole row.

    The two must agree key for key: a column the page forgot would drop a property here."""
    page = rest.get("/contacts", page_size=60, order_by="id", filter="contact_id>200", fields=fields)
    contacts = page.json()["contacts"]
    assert len(contacts) == 60
    assert sum(len(c) for c in contacts) > 2 * len(contacts)  # more than the id and one property
    for contact in contacts:
        assert rest.get(f"/contacts/{contact['id']}", fields=fields).json() == contact


def test_custom_fields_come_only_when_asked_and_map_by_model_id(api: Any, demo: Sandbox) -> None:
    contacts = ContactApi(api)
    model = contacts.retrieve_contact_model()
    by_name = {f.field_name: f for f in model.custom_fields or []}
    assert by_name["LeadScore"].field_type == "WHOLE_NUMBER"
    assert [o.label for o in by_name["TShirtSize"].options or []] == ["S", "M", "L", "XL"]
    assert "SSN" not in {
        f.field_name for f in model.custom_fields or [] if f.field_type != "SOCIAL_SECURITY_NUMBER"
    }
    assert "custom_fields" in (model.optional_properties or [])
    row = next(r for r in demo.store.rows("Contact") if r["_LeadScore"] is not None)
    plain = contacts.get_contact(str(row["Id"]))
    assert plain.custom_fields is None
    full = contacts.get_contact(str(row["Id"]), fields=["custom_fields"])
    values = {c.id: c.content for c in full.custom_fields or []}
    assert values[by_name["LeadScore"].id] == row["_LeadScore"]
    ssn_id = next(f.id for f in model.custom_fields or [] if f.field_type == "SOCIAL_SECURITY_NUMBER")
    assert ssn_id not in values  # SSN values never leave the account over the API


@pytest.mark.parametrize(
    ("flt", "check"),
    [
        ("given_name==Linda", lambda r: r["FirstName"].lower() == "linda"),
        ("given_name==Li*", lambda r: (r["FirstName"] or "").lower().startswith("li")),
        (
            "email==linda*",
            lambda r: any(
                (r[c] or "").lower().startswith("linda") for c in ("Email", "EmailAddress2", "EmailAddress3")
            ),
        ),
        ("contact_id>9000", lambda r: r["Id"] > 9000),
        (
            "city==Atl*;family_name==W*",
            lambda r: (
                (r["City"] or "").lower().startswith("atl") and (r["LastName"] or "").lower().startswith("w")
            ),
        ),
        ("billing_address_country_code==DEU", lambda r: r["Country"] == "Germany"),
        ("LeadScore>50", lambda r: (r["_LeadScore"] or 0) > 50),
        ("leadscore>=90", lambda r: (r["_LeadScore"] or 0) >= 90),
    ],
)
def test_filters_match_what_the_store_holds(rest: Any, demo: Sandbox, flt: str, check: Any) -> None:
    want = sorted(r["Id"] for r in demo.store.rows("Contact") if check(r))
    got: list[int] = []
    token = ""
    while True:
        body = rest.ok("GET", "/contacts", params={"filter": flt, "page_size": 1000, "page_token": token})
        got += [int(c["id"]) for c in body["contacts"]]
        token = body["next_page_token"]
        if not token:
            break
    assert want and sorted(got) == want


def test_ids_filter_order_by_desc_and_phone_search(rest: Any, demo: Sandbox) -> None:
    rows = demo.store.rows("Contact")[:3]
    ids = ",".join(str(r["Id"]) for r in rows)
    body = rest.ok("GET", "/contacts", params={"filter": f"ids=={ids}", "order_by": "id desc"})
    assert [int(c["id"]) for c in body["contacts"]] == sorted((r["Id"] for r in rows), reverse=True)
    phone = next(r["Phone1"] for r in demo.store.rows("Contact") if r["Phone1"] and len(r["Phone1"]) > 6)
    found = rest.ok("GET", "/contacts", params={"filter": f"phone_number=={phone[:5]}*;phone_fields==PHONE1"})
    assert found["contacts"] and all(
        any(p["number"].startswith(phone[:5]) for p in c["phone_numbers"]) for c in found["contacts"]
    )
    for bad in (
        "phone_number==555*",
        "phone_number==55*;phone_fields==PHONE1",
        "email>a",
        "start_update_time==2024-01-01",
        "nosuchfield==1",
    ):
        r = rest.get("/contacts", filter=bad)
        assert r.status_code == 400, bad
    assert rest.get("/contacts", order_by="family_name asc").status_code == 400


def test_create_needs_an_email_phone_or_address_and_answers_201(wapi: Any, fresh: Sandbox) -> None:
    contacts = ContactApi(wapi)
    with pytest.raises(BadRequestException):
        contacts.create_contact(CreateUpdateContactRequest(given_name="Nobody"))
    made = contacts.create_contact(
        CreateUpdateContactRequest.from_dict(
            {
                "given_name": "Zoë",
                "family_name": "Müller",
                "email_addresses": [{"email": "zoe@example.com", "field": "EMAIL1"}],
                "addresses": [
                    {
                        "field": "BILLING",
                        "line1": "1 Main St",
                        "locality": "Phoenix",
                        "region_code": "US-AZ",
                        "country_code": "USA",
                        "postal_code": "85001",
                    }
                ],
            }
        )
    )
    row = fresh.store.get("Contact", int(made.id))
    assert (row["FirstName"], row["LastName"], row["Email"]) == ("Zoë", "Müller", "zoe@example.com")
    assert (row["City"], row["State"], row["Country"]) == ("Phoenix", "AZ", "United States")
    assert made.addresses[0].region_code == "US-AZ" and made.addresses[0].country_code == "USA"


def test_text_outside_latin1_is_refused_with_a_400_and_nothing_is_written(wrest: Any, fresh: Sandbox) -> None:
    before = fresh.store.count("Contact")
    r = wrest.call(
        "POST",
        "/contacts",
        json={"given_name": "Jūratė", "email_addresses": [{"email": "j@example.lt", "field": "EMAIL1"}]},
    )
    assert r.status_code == 400 and "Latin-1" in r.json()["message"]
    assert fresh.store.count("Contact") == before
    search = wrest.get("/contacts", filter="family_name==Kazlauskienė")
    assert search.status_code == 400


def test_duplicate_option_upserts_instead_of_creating(wrest: Any, fresh: Sandbox) -> None:
    row = next(r for r in fresh.store.rows("Contact") if r["Email"])
    body = {
        "given_name": row["FirstName"],
        "family_name": row["LastName"],
        "job_title": "Upserted",
        "email_addresses": [{"email": row["Email"].upper(), "field": "EMAIL1"}],
    }
    before = fresh.store.count("Contact")
    r = wrest.call("POST", "/contacts", params={"duplicate_option": "Email"}, json=body)
    assert r.status_code == 200 and r.json()["id"] == str(row["Id"])
    assert (
        fresh.store.count("Contact") == before
        and fresh.store.get("Contact", row["Id"])["JobTitle"] == "Upserted"
    )
    r = wrest.call(
        "POST",
        "/contacts",
        params={"duplicate_option": "EmailAndName"},
        json={**body, "given_name": "Someone Else"},
    )
    assert r.status_code == 201 and fresh.store.count("Contact") == before + 1
    assert wrest.call("POST", "/contacts", params={"duplicate_option": "Name"}, json=body).status_code == 400


def test_patch_with_a_mask_replaces_whole_arrays_and_leaves_the_rest(
    wapi: Any, fresh: Sandbox, wrpc: Any
) -> None:
    row = next(r for r in fresh.store.rows("Contact") if r["EmailAddress2"] and r["Phone1"])
    cid = str(row["Id"])
    contacts = ContactApi(wapi)
    # update_mask repeated (as the SDK sends it): one e-mail sent, so the other slots are removed
    updated = contacts.update_contact(
        cid,
        CreateUpdateContactRequest.from_dict(
            {"email_addresses": [{"email": "only@example.com", "field": "EMAIL1"}], "given_name": "Ignored"}
        ),
        update_mask=["email_addresses"],
    )
    assert [(e.var_field, e.email) for e in updated.email_addresses or []] == [("EMAIL1", "only@example.com")]
    stored = wrpc.ContactService.load("x", row["Id"], ["Email", "EmailAddress2", "FirstName", "Phone1"])
    assert stored["Email"] == "only@example.com" and "EmailAddress2" not in stored  # gone over XML-RPC too
    assert stored["FirstName"] == row["FirstName"] and stored["Phone1"] == row["Phone1"]


def test_update_mask_comma_form_and_unknown_names(wrest: Any, fresh: Sandbox) -> None:
    cid = fresh.store.rows("Contact")[0]["Id"]
    r = wrest.call(
        "PATCH",
        f"/contacts/{cid}",
        params={"update_mask": "given_name,family_name"},
        json={"given_name": "Ann", "family_name": "Lee"},
    )
    assert r.status_code == 200 and (r.json()["given_name"], r.json()["family_name"]) == ("Ann", "Lee")
    r = wrest.call("PATCH", f"/contacts/{cid}", params={"update_mask": "nickname"}, json={"nickname": "x"})
    assert r.status_code == 400 and "update_mask" in r.json()["message"]


def test_merge_keeps_the_primary_and_moves_tags(wapi: Any, fresh: Sandbox, wrpc: Any) -> None:
    rows = fresh.store.rows("ContactGroupAssign")
    keep, dup = (
        rows[0]["ContactId"],
        next(r["ContactId"] for r in rows if r["ContactId"] != rows[0]["ContactId"]),
    )
    dup_tags = {r["GroupId"] for r in rows if r["ContactId"] == dup}
    merged = ContactApi(wapi).merge_contacts(
        MergeContactRequest(contact_id=str(keep), duplicate_contact_id=str(dup)), fields=["tag_ids"]
    )
    assert merged.id == str(keep) and dup_tags <= {int(t) for t in merged.tag_ids or []}
    with pytest.raises(NotFoundException):
        ContactApi(wapi).get_contact(str(dup))
    assert wrpc.DataService.query("x", "Contact", 10, 0, {"Id": dup}, ["Id"]) == []


def test_link_unlink_and_link_types(wapi: Any, fresh: Sandbox) -> None:
    contacts = ContactApi(wapi)
    types = contacts.list_contact_link_types().contact_link_types or []
    assert types and all(t.id for t in types)
    a, b = (str(r["Id"]) for r in fresh.store.rows("Contact")[10:12])
    made = contacts.link_contacts(LinkContactsRequest(contact1_id=a, contact2_id=b, link_type_id=types[0].id))
    assert (made.contact1_id, made.contact2_id, made.link_type_name) == (a, b, types[0].name)
    assert any(link.contact2_id == b for link in contacts.list_contact_links(a).links or [])
    assert any(link.linked_contact_id == a for link in contacts.get_contact(b, fields=["links"]).links or [])
    contacts.unlink_contacts(LinkContactsRequest(contact1_id=a, contact2_id=b, link_type_id=types[0].id))
    assert not any(link.contact2_id == b for link in contacts.list_contact_links(a).links or [])


def test_delete_answers_204_then_404(wrest: Any, fresh: Sandbox) -> None:
    cid = fresh.store.rows("Contact")[0]["Id"]
    r = wrest.call("DELETE", f"/contacts/{cid}")
    assert r.status_code == 204 and r.content == b""
    again = wrest.call("DELETE", f"/contacts/{cid}")
    assert again.status_code == 404 and again.json()["status"] == "NOT_FOUND"
    assert fresh.store.rows("ContactGroupAssign", {"ContactId": cid}) == []


def test_a_contact_added_over_xmlrpc_is_listed_over_rest(wrpc: Any, wrest: Any) -> None:
    new_id = wrpc.ContactService.add("x", {"FirstName": "Cross", "Email": "cross@example.com"})
    body = wrest.ok("GET", "/contacts", params={"filter": "email==cross@example.com"})
    assert [c["id"] for c in body["contacts"]] == [str(new_id)]
