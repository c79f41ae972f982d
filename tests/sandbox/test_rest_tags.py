"""REST v2 tags, tag categories and tag applications, driven by Keap's SDK and raw HTTP.

Every SDK call deserializes the reply into Keap's pydantic models, so a passing call means
the sandbox answered in Keap's shape. Expected values come from the store the XML-RPC side
serves, so both protocols are held to one account.
"""

from __future__ import annotations

import datetime as dt
import math
import string
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from keap_core_v2_client.api.contact_api import ContactApi
from keap_core_v2_client.api.tags_api import TagsApi
from keap_core_v2_client.exceptions import BadRequestException, ConflictException, NotFoundException
from keap_core_v2_client.models.apply_remove_tag_request import ApplyRemoveTagRequest
from keap_core_v2_client.models.category_reference import CategoryReference
from keap_core_v2_client.models.create_update_tag_category_request import CreateUpdateTagCategoryRequest
from keap_core_v2_client.models.create_update_tag_request import CreateUpdateTagRequest

from app.sandbox import Sandbox

P = Any  # ServerProxy, SDK ApiClient and the Rest helper are used untyped, as in the other suites
EASTERN = ZoneInfo("America/New_York")
ERROR_KEYS = {"code", "message", "status", "details"}
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def utc(stored: str) -> dt.datetime:
    """Stored naive Eastern text -> aware UTC datetime (what REST must report)."""
    naive = dt.datetime.strptime(stored[:19], "%Y-%m-%d %H:%M:%S")
    return naive.replace(tzinfo=EASTERN).astimezone(dt.UTC)


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def stored(sql: str, *params: Any, sb: Sandbox) -> list[Any]:
    with sb.store.lock:
        return [tuple(r) for r in sb.store.conn.execute(sql, params)]


def error_of(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.text)
    body = resp.json()
    assert set(body) == ERROR_KEYS and body["code"] == status
    return dict(body)


def all_pages(call: Any, key: str, **kwargs: Any) -> tuple[list[Any], int]:
    """Follow next_page_token to the end: (items, number of pages)."""
    items: list[Any] = []
    token: str | None = None
    pages = 0
    while True:
        reply = call(page_token=token, **kwargs) if token else call(**kwargs)
        pages += 1
        items.extend(getattr(reply, key) or [])
        token = reply.next_page_token
        if not token:
            return items, pages
        assert pages < 1000


# --- tags: list, paging, filters, order ------------------------------------------------------


def test_list_tags_pages_cover_every_tag_once(api: P, demo: Sandbox) -> None:
    tags_api = TagsApi(api)
    items, pages = all_pages(tags_api.list_tags, "tags", page_size=7)
    ids = [t.id for t in items]
    expected = {str(r["Id"]) for r in demo.store.rows("ContactGroup", fields=["Id"])}
    assert len(ids) == len(set(ids)) == len(expected) == 60
    assert set(ids) == expected
    assert pages == math.ceil(60 / 7)
    last = tags_api.list_tags(page_size=1000)
    assert len(last.tags or []) == 60 and last.next_page_token == ""
    tag = next(t for t in items if t.id == "30")
    assert (tag.name, tag.description, tag.category and tag.category.id) == (
        "Customer",
        "Applied for Customer",
        "9",
    )
    assert all(t.create_time is not None and t.update_time is not None for t in items)
    first = stored('SELECT MIN(DateCreated) FROM "ContactGroupAssign" WHERE GroupId = 30', sb=demo)[0][0]
    assert tag.create_time == utc(first)  # a seeded tag dates from its first application
    unused = next(t for t in items if t.id == "324")  # seeded, never applied
    assert unused.create_time == unused.update_time == utc("2018-01-01 00:00:00")


def test_page_size_limits_and_bad_tokens(rest: P) -> None:
    body = error_of(rest.get("/tags", page_size=1001), 400)
    assert body["status"] == "INVALID_ARGUMENT" and "1000" in body["message"]
    error_of(rest.get("/tags", page_size=-1), 400)
    error_of(rest.get("/tags", page_token="not-a-token"), 400)
    token = rest.ok("GET", "/tags", params={"page_size": 5})["next_page_token"]
    error_of(rest.get("/tags", page_token=token, order_by="name"), 400)  # token of another query
    assert len(rest.ok("GET", "/tags", params={"page_size": 0})["tags"]) == 50  # 0 = default


def test_list_tags_filters(api: P, rest: P, demo: Sandbox) -> None:
    tags_api = TagsApi(api)

    def ids(flt: str) -> set[str]:
        return {t.id or "" for t in tags_api.list_tags(filter=flt, page_size=1000).tags or []}

    assert ids("name==Customer") == {"30"}
    assert ids("name==customer") == {"30"}  # case-insensitive, but exact: not "customer " or "Customers"
    assert ids("name==Cust*") == set()  # no wildcard on tag names
    uncategorised = stored('SELECT Id FROM "ContactGroup" WHERE COALESCE(GroupCategoryId, 0) = 0', sb=demo)
    assert ids("category_id==NONE") == {str(r[0]) for r in uncategorised} and len(uncategorised) == 4
    no_description = stored(
        "SELECT Id FROM \"ContactGroup\" WHERE COALESCE(GroupDescription, '') = ''", sb=demo
    )
    assert ids("description==NONE") == {str(r[0]) for r in no_description}
    in_nine = stored('SELECT Id FROM "ContactGroup" WHERE GroupCategoryId = 9', sb=demo)
    assert ids("category_id==9") == {str(r[0]) for r in in_nine}
    assert ids("category_id==9;name==Customer") == {"30"}
    assert ids("tag_ids==30,37,44") == {"30", "37", "44"}
    assert ids("since_create_time==2030-01-01T00:00:00.000Z") == set()
    assert len(ids("until_update_time==2030-01-01T00:00:00.000Z")) == 60
    for bad in ("colour==red", "name=Customer", "since_create_time==2024-01-01", "tag_ids==a,b"):
        error_of(rest.get("/tags", filter=bad), 400)
    assert "Allowed fields" in error_of(rest.get("/tags", filter="id==30"), 400)["message"]


def test_order_by(api: P, rest: P) -> None:
    tags_api = TagsApi(api)
    listed = tags_api.list_tags(order_by="name desc", page_size=1000).tags or []
    keys = [((t.name or "").translate(_ASCII_FOLD), int(t.id or 0)) for t in listed]
    assert keys == sorted(keys, reverse=True)
    created = tags_api.list_tags(order_by="create_time asc", page_size=1000).tags or []
    stamps = [(t.create_time, int(t.id or 0)) for t in created]
    assert stamps == sorted(stamps)
    asc = [t.id for t in tags_api.list_tags(order_by="update_time", page_size=1000).tags or []]
    desc = [t.id for t in tags_api.list_tags(order_by="update_time desc", page_size=1000).tags or []]
    assert asc == desc[::-1]
    for bad in ("id", "name sideways", "name asc extra"):
        error_of(rest.get("/tags", order_by=bad), 400)


def test_unknown_tag_is_404(api: P, rest: P) -> None:
    tags_api = TagsApi(api)
    for call in (tags_api.get_tag, tags_api.list_contacts_with_tag_id, tags_api.count_contacts_for_tag):
        with pytest.raises(NotFoundException):
            call("999999")
    for method, path in (
        ("PATCH", "/tags/999999"),
        ("DELETE", "/tags/999999"),
        ("POST", "/tags/999999/contacts:applyTags"),
        ("POST", "/tags/999999/contacts:removeTags"),
    ):
        body = error_of(rest.call(method, path, json={"name": "x", "contact_ids": ["1"]}), 404)
        assert body["status"] == "NOT_FOUND"
    error_of(rest.get("/tags/abc"), 400)


# --- tags and categories: create, update, delete ---------------------------------------------


def test_tag_crud(wapi: P, wrest: P, wrpc: P) -> None:
    tags_api = TagsApi(wapi)
    created = tags_api.create_tag_with_http_info(
        CreateUpdateTagRequest(name="VIP Gold", description="Top buyers", category=CategoryReference(id="9"))
    )
    assert created.status_code == 201
    tag = created.data
    assert (tag.name, tag.description, tag.category and tag.category.id) == ("VIP Gold", "Top buyers", "9")
    assert tag.create_time == tag.update_time and tag.create_time is not None
    tid = int(tag.id or 0)
    row = wrpc.DataService.load(
        "x", "ContactGroup", tid, ["GroupName", "GroupCategoryId", "GroupDescription"]
    )
    assert row == {"GroupName": "VIP Gold", "GroupCategoryId": 9, "GroupDescription": "Top buyers"}

    masked = tags_api.update_tag(
        str(tid),
        CreateUpdateTagRequest(name="ignored", description="Best buyers"),
        update_mask=["description"],
    )
    assert (masked.name, masked.description) == ("VIP Gold", "Best buyers")
    assert masked.update_time is not None and masked.create_time == tag.create_time
    renamed = wrest.ok("PATCH", f"/tags/{tid}", json={"name": "VIP Platinum", "category": None})
    assert renamed["name"] == "VIP Platinum" and "category" not in renamed
    assert renamed["description"] == "Best buyers"
    assert tags_api.get_tag(str(tid)).name == "VIP Platinum"
    both = wrest.ok(
        "PATCH", f"/tags/{tid}?update_mask=name,category", json={"name": "VIP", "category": {"id": "1"}}
    )
    assert (both["name"], both["category"]) == ("VIP", {"id": "1"})

    for bad in (
        {"name": ""},
        {"description": "x"},
        {"name": "Snow ☃"},
        {"name": "x", "category": {"id": "999"}},
    ):
        error_of(wrest.call("POST", "/tags", json=bad), 400)
    error_of(wrest.call("PATCH", f"/tags/{tid}", params={"update_mask": "colour"}, json={}), 400)
    error_of(wrest.call("PATCH", f"/tags/{tid}", json={"category": {"id": "999"}}), 400)
    long_name = wrest.ok("POST", "/tags", json={"name": "L" * 300})
    assert long_name["name"] == "L" * 255
    twin = wrest.call("POST", "/tags", json={"name": "Customer"})
    assert twin.status_code == 201 and twin.json()["id"] != "30"  # duplicate names allowed, as over XML-RPC

    assert tags_api.delete_tag_with_http_info(str(tid)).status_code == 204
    with pytest.raises(NotFoundException):
        tags_api.get_tag(str(tid))
    assert wrpc.DataService.query("x", "ContactGroup", 10, 0, {"Id": tid}, ["Id"]) == []


def test_tag_category_crud(wapi: P, wrest: P, fresh: Sandbox) -> None:
    tags_api = TagsApi(wapi)
    created = tags_api.create_tag_category_with_http_info(
        CreateUpdateTagCategoryRequest(name="Partners", description="Partner programme")
    )
    assert created.status_code == 201
    cid = created.data.id or ""
    got = tags_api.get_category(cid)
    assert (got.name, got.description) == ("Partners", "Partner programme") and got.create_time is not None
    listed, _ = all_pages(tags_api.list_tag_categories, "tag_categories", page_size=3)
    assert len(listed) == 9 and len({c.id for c in listed}) == 9
    assert [c.id for c in tags_api.list_tag_categories(filter="name==partners").tag_categories or []] == [cid]
    nameless = {c.id for c in tags_api.list_tag_categories(filter="description==NONE").tag_categories or []}
    assert nameless == {
        str(r["Id"]) for r in fresh.store.rows("ContactGroupCategory", {"CategoryDescription": None})
    }
    names = [c.name for c in tags_api.list_tag_categories(order_by="name desc").tag_categories or []]
    assert names == sorted(names, key=lambda n: (n or "").lower(), reverse=True)

    with pytest.raises(ConflictException):
        tags_api.create_tag_category(CreateUpdateTagCategoryRequest(name="REGION"))
    with pytest.raises(ConflictException):
        tags_api.update_tag_category(cid, CreateUpdateTagCategoryRequest(name="Newsletter"))
    with pytest.raises(BadRequestException):
        tags_api.create_tag_category(CreateUpdateTagCategoryRequest(description="no name"))
    updated = tags_api.update_tag_category(cid, CreateUpdateTagCategoryRequest(description="Resellers"))
    assert (updated.name, updated.description) == ("Partners", "Resellers")
    assert (
        tags_api.update_tag_category(cid, CreateUpdateTagCategoryRequest(name="Partners")).name == "Partners"
    )

    tag = wrest.ok("POST", "/tags", json={"name": "Reseller", "category": {"id": cid}})
    body = error_of(wrest.call("DELETE", f"/tags/categories/{cid}"), 409)  # still used by a tag
    assert "1 tag" in body["message"]
    wrest.ok("PATCH", f"/tags/{tag['id']}", json={"category": None})
    assert tags_api.delete_tag_category_with_http_info(cid).status_code == 204
    with pytest.raises(NotFoundException):
        tags_api.get_category(cid)
    assert fresh.store.row("ContactGroupCategory", int(cid)) is None


# --- applying and removing tags ----------------------------------------------------------------


def test_apply_and_remove_tags(wapi: P, wrpc: P, fresh: Sandbox) -> None:
    store = fresh.store
    tag = 37
    tagged = store.rows("ContactGroupAssign", {"GroupId": tag})[0]
    already = tagged["ContactId"]
    fresh_ids = [
        r[0]
        for r in stored(
            'SELECT Id FROM "Contact" WHERE Id NOT IN (SELECT ContactId FROM "ContactGroupAssign" '
            "WHERE GroupId = ?) ORDER BY Id LIMIT 2",
            tag,
            sb=fresh,
        )
    ]
    before = store.count("ContactGroupAssign", {"GroupId": tag})
    sent = [str(already), *map(str, fresh_ids), "999999"]
    results = TagsApi(wapi).apply_tags(str(tag), ApplyRemoveTagRequest(contact_ids=sent)).results
    assert results == {
        str(already): "SUCCESS",
        str(fresh_ids[0]): "SUCCESS",
        str(fresh_ids[1]): "SUCCESS",
        "999999": "CONTACT_NOT_FOUND",
    }
    assert store.count("ContactGroupAssign", {"GroupId": tag}) == before + 2
    kept = store.rows("ContactGroupAssign", {"GroupId": tag, "ContactId": already})[0]
    assert kept["DateCreated"] == tagged["DateCreated"]  # already tagged: original applied time

    # XML-RPC sees the REST application: ContactGroupAssign rows and Contact.Groups
    new = fresh_ids[0]
    rows = wrpc.DataService.query(
        "x", "ContactGroupAssign", 10, 0, {"GroupId": tag, "ContactId": new}, ["ContactGroup", "DateCreated"]
    )
    assert len(rows) == 1 and rows[0]["ContactGroup"] == "customer "
    assert str(tag) in wrpc.ContactService.load("x", new, ["Groups"])["Groups"].split(",")
    count = TagsApi(wapi).count_contacts_for_tag(str(tag)).count
    assert count == store.count("ContactGroupAssign", {"GroupId": tag}) == before + 2

    removed = TagsApi(wapi).remove_tags_with_http_info(
        str(tag), ApplyRemoveTagRequest(contact_ids=[str(new), "999999"])
    )
    assert removed.status_code == 204
    assert store.rows("ContactGroupAssign", {"GroupId": tag, "ContactId": new}) == []
    assert str(tag) not in (wrpc.ContactService.load("x", new, ["Groups"]).get("Groups") or "").split(",")
    assert store.count("ContactGroupAssign", {"GroupId": tag}) == before + 1


def test_apply_tags_validation_writes_nothing(wrest: P, fresh: Sandbox) -> None:
    before = fresh.store.count("ContactGroupAssign")
    cid = str(fresh.store.rows("Contact", fields=["Id"])[0]["Id"])
    bodies: list[dict[str, Any]] = [
        {},
        {"contact_ids": []},
        {"contact_ids": "1,2"},
        {"contact_ids": [cid, "abc"]},
        {"contact_ids": [cid, cid]},
        {"contact_ids": [cid, None]},
        {"contact_ids": [str(n) for n in range(1, 1002)]},
    ]
    for body in bodies:
        for action in ("applyTags", "removeTags"):
            error_of(wrest.call("POST", f"/tags/30/contacts:{action}", json=body), 400)
    error_of(wrest.call("POST", "/tags/30/contacts:applyTags", data=b"[1]"), 400)
    error_of(wrest.call("GET", "/tags/30/contacts:applyTags"), 405)
    assert fresh.store.count("ContactGroupAssign") == before


# --- contacts of a tag ------------------------------------------------------------------------


def test_tagged_contacts_paging_filters_and_count(api: P, rest: P, demo: Sandbox) -> None:
    tags_api = TagsApi(api)
    rows = stored(
        'SELECT a.ContactId, a.DateCreated, c.Email, c.FirstName FROM "ContactGroupAssign" a '
        'JOIN "Contact" c ON c.Id = a.ContactId WHERE a.GroupId = 37',
        sb=demo,
    )
    items, pages = all_pages(tags_api.list_contacts_with_tag_id, "contacts", tag_id="37", page_size=40)
    assert pages == math.ceil(len(rows) / 40) and len(rows) > 80
    assert [c.id for c in items] == sorted((str(r[0]) for r in rows), key=int)  # default: contact id
    by_id = {str(r[0]): r for r in rows}
    for c in items:
        assert c.applied_time == utc(by_id[c.id or ""][1])
        assert c.email == (by_id[c.id or ""][2] or None)
    latest = (
        tags_api.list_contacts_with_tag_id("37", order_by="applied_time desc", page_size=1000).contacts or []
    )
    times = [c.applied_time for c in latest if c.applied_time is not None]
    assert len(times) == len(latest)
    assert times == sorted(times, reverse=True)

    no_email = sum(1 for r in rows if not r[2])
    assert no_email > 0
    assert tags_api.count_contacts_for_tag("37", filter="email==NONE").count == no_email
    listed = tags_api.list_contacts_with_tag_id("37", filter="email==NONE", page_size=1000).contacts or []
    assert len(listed) == no_email and all(c.email is None for c in listed)
    name = next(r[3] for r in rows if r[3])
    assert tags_api.count_contacts_for_tag("37", filter=f"given_name=={name}").count == sum(
        1 for r in rows if (r[3] or "").translate(_ASCII_FOLD) == name.translate(_ASCII_FOLD)
    )
    cut = "2024-01-01T00:00:00.000Z"
    since = sum(1 for r in rows if utc(r[1]) >= parse_iso(cut))
    assert tags_api.count_contacts_for_tag("37", filter=f"since_applied_time=={cut}").count == since
    assert tags_api.count_contacts_for_tag("64").count == 0  # a tag nobody has
    for tag_id in ("30", "177"):
        assert tags_api.count_contacts_for_tag(tag_id).count == demo.store.count(
            "ContactGroupAssign", {"GroupId": int(tag_id)}
        )
    error_of(rest.get("/tags/37/contacts/count", filter="name==x"), 400)
    error_of(rest.get("/tags/37/contacts", order_by="id"), 400)


def test_cross_collection_lists(api: P, rest: P, demo: Sandbox) -> None:
    tags_api, contact_api = TagsApi(api), ContactApi(api)
    expected = stored(
        'SELECT ContactId, GroupId, DateCreated FROM "ContactGroupAssign" WHERE GroupId IN (37, 44)', sb=demo
    )
    items, pages = all_pages(
        tags_api.list_contacts_across_tags, "contacts", filter="tag_ids==37,44", page_size=200
    )
    assert pages == math.ceil(len(expected) / 200)
    got = [(int(a.contact_id or 0), int(a.tag_id or 0), parse_iso(a.applied_at or "")) for a in items]
    assert sorted(got) == sorted((c, g, utc(d)) for c, g, d in expected) and len(got) == len(set(got))
    assert [(g, c) for c, g, _ in got] == sorted((g, c) for c, g, _ in got)  # default: tag, then contact
    desc = tags_api.list_contacts_across_tags(filter="tag_ids==37,44", order_by="applied_time desc").contacts
    stamps = [parse_iso(a.applied_at or "") for a in desc or []]
    assert stamps == sorted(stamps, reverse=True)

    contacts = sorted({c for c, _, _ in expected})[:3]
    flt = "contact_ids==" + ",".join(map(str, contacts))
    mine, _ = all_pages(contact_api.list_tags_across_contacts, "tags", filter=flt, page_size=5)
    rows = stored(
        'SELECT ContactId, GroupId FROM "ContactGroupAssign" WHERE ContactId IN (?, ?, ?)', *contacts, sb=demo
    )
    assert sorted((int(a.contact_id or 0), int(a.tag_id or 0)) for a in mine) == sorted(rows)

    for path, key in (("/tags/-/contacts", "tag_ids"), ("/contacts/-/tags", "contact_ids")):
        assert key in error_of(rest.get(path), 400)["message"]
        error_of(rest.get(path, filter="since_applied_time==2024-01-01T00:00:00.000Z"), 400)
        error_of(rest.get(path, filter=f"{key}==" + ",".join(str(n) for n in range(1, 102))), 400)
        error_of(rest.get(path, filter=f"{key}==1", order_by="name"), 400)


def test_contact_tags(api: P, rest: P, demo: Sandbox) -> None:
    contact_api = ContactApi(api)
    cid = stored(
        'SELECT ContactId FROM "ContactGroupAssign" GROUP BY ContactId ORDER BY COUNT(*) DESC LIMIT 1',
        sb=demo,
    )[0][0]
    rows = demo.store.rows("ContactGroupAssign", {"ContactId": cid})
    applied, _ = all_pages(contact_api.list_tags_for_contact, "tags", contact_id=str(cid), page_size=4)
    assert [int(a.tag.id) for a in applied if a.tag and a.tag.id] == sorted(r["GroupId"] for r in rows)
    when = {r["GroupId"]: r["DateCreated"] for r in rows}
    for a in applied:
        assert a.tag is not None and a.tag.name and a.tag.create_time is not None
        assert parse_iso(a.applied_time or "") == utc(when[int(a.tag.id or 0)])
    latest = contact_api.list_tags_for_contact(str(cid), order_by="applied_time desc").tags or []
    assert [parse_iso(a.applied_time or "") for a in latest] == sorted(
        (utc(d) for d in when.values()), reverse=True
    )
    bare = contact_api.list_tags_for_contact(str(cid), filter="category_id==NONE").tags or []
    assert all(a.tag is not None and a.tag.category is None for a in bare)
    with pytest.raises(NotFoundException):
        contact_api.list_tags_for_contact("999999")
    error_of(rest.get(f"/contacts/{cid}/tags", filter="given_name==x"), 400)


# --- both protocols on one account ------------------------------------------------------------


def test_xmlrpc_and_rest_see_the_same_tags(wapi: P, wrpc: P, fresh: Sandbox) -> None:
    tags_api, contact_api = TagsApi(wapi), ContactApi(wapi)
    cid = wrpc.ContactService.add(
        "x", {"FirstName": "Cross", "LastName": "Protocol", "Email": "cp@example.com"}
    )
    assert wrpc.ContactService.addToGroup("x", cid, 64) is True  # XML-RPC applies ...
    seen = tags_api.list_contacts_with_tag_id("64").contacts or []  # ... REST lists it
    assert [(c.id, c.email, c.given_name, c.family_name) for c in seen] == [
        (str(cid), "cp@example.com", "Cross", "Protocol")
    ]
    assert [a.tag.id for a in contact_api.list_tags_for_contact(str(cid)).tags or [] if a.tag] == ["64"]

    tag = tags_api.create_tag(CreateUpdateTagRequest(name="Made over REST"))
    tid = int(tag.id or 0)
    assert tags_api.apply_tags(str(tid), ApplyRemoveTagRequest(contact_ids=[str(cid)])).results == {
        str(cid): "SUCCESS"
    }
    assert wrpc.ContactService.load("x", cid, ["Groups"])["Groups"] == f"64,{tid}"
    rows = wrpc.DataService.query(
        "x", "ContactGroupAssign", 10, 0, {"ContactId": cid}, ["GroupId", "ContactGroup"]
    )
    assert {(r["GroupId"], r["ContactGroup"]) for r in rows} == {
        (64, "Summit 2025 Waitlist"),
        (tid, "Made over REST"),
    }
    wrpc.DataService.update("x", "ContactGroup", tid, {"GroupName": "Renamed over XML-RPC"})
    assert tags_api.get_tag(str(tid)).name == "Renamed over XML-RPC"

    xid = wrpc.DataService.add("x", "ContactGroup", {"GroupName": "Made over XML-RPC", "GroupCategoryId": 9})
    made = tags_api.get_tag(str(xid))
    assert (made.name, made.category and made.category.id) == ("Made over XML-RPC", "9")
    assert made.create_time is not None
    assert abs(made.create_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)  # first seen now

    tags_api.delete_tag("64")  # REST deletes a tag ...
    assert wrpc.DataService.query("x", "ContactGroup", 10, 0, {"Id": 64}, ["Id"]) == []  # ... XML-RPC agrees
    assert wrpc.DataService.query("x", "ContactGroupAssign", 10, 0, {"GroupId": 64}, ["ContactId"]) == []
    assert wrpc.ContactService.load("x", cid, ["Groups"])["Groups"] == str(tid)
    assert fresh.store.count("ContactGroupAssign", {"GroupId": 64}) == 0
