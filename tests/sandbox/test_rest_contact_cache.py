"""The sandbox keeps contacts' REST JSON once rendered (app/sandbox/rest/contact_cache.py): a page
is sent byte for byte as rendering it whole would send it, and any write, by either protocol,
shows in the next page."""

from __future__ import annotations

import json
from typing import Any

from app.sandbox import Sandbox
from app.sandbox.rest.contact_cache import RenderedContacts, rendered_contacts
from app.sandbox.rest.contact_json import ContactJson

#: What the app's export asks for (the default columns' properties).
EXPORT = "addresses,company,email_addresses,family_name,given_name,id,phone_numbers,update_time"


def _rows(sb: Sandbox, renderer: ContactJson, ids: list[int]) -> list[dict[str, Any]]:
    rows = {r["Id"]: r for r in sb.store.rows("Contact", fields=renderer.columns)}
    return [rows[i] for i in ids]


def test_a_page_is_sent_as_rendering_it_whole_would_and_read_again_is_not_rendered_again(
        wrest: Any, fresh: Sandbox) -> None:
    first = wrest.get("/contacts", page_size=200, order_by="email desc", fields=EXPORT)
    assert first.status_code == 200
    reply = first.json()
    ids = [int(c["id"]) for c in reply["contacts"]]
    renderer = ContactJson(fresh.store, set(EXPORT.split(",")))
    contacts = renderer.render(_rows(fresh, renderer, ids))
    whole = {"contacts": contacts, "next_page_token": reply["next_page_token"]}
    assert first.content == json.dumps(whole, ensure_ascii=False).encode("utf-8")
    kept = rendered_contacts(fresh.store)
    rendered = kept.rendered
    again = wrest.get("/contacts", page_size=200, order_by="email desc", fields=EXPORT)
    assert again.content == first.content and kept.rendered == rendered  # from the kept texts


def test_a_write_by_either_protocol_shows_in_the_next_page(wrest: Any, wrpc: Any, fresh: Sandbox) -> None:
    def first_contact() -> dict[str, Any]:
        page = wrest.ok("GET", "/contacts", params={"page_size": 5, "fields": EXPORT + ",tag_ids"})
        return dict(page["contacts"][0])

    before = first_contact()
    cid = int(before["id"])
    wrest.ok("PATCH", f"/contacts/{cid}", params={"update_mask": "given_name"}, json={"given_name": "Rene"})
    assert first_contact()["given_name"] == "Rene"
    wrpc.ContactService.update("x", cid, {"City": "Lyon"})
    assert [a.get("locality") for a in first_contact()["addresses"] if a["field"] == "BILLING"] == ["Lyon"]
    tag = next(t for t in fresh.store.rows("ContactGroup") if str(t["Id"]) not in before.get("tag_ids", []))
    wrpc.ContactService.addToGroup("x", cid, tag["Id"])
    assert str(tag["Id"]) in first_contact()["tag_ids"]


def test_custom_fields_are_rendered_every_time(rest: Any, demo: Sandbox) -> None:
    kept = rendered_contacts(demo.store)
    for _ in range(2):
        rendered = kept.rendered
        assert rest.get("/contacts", page_size=20, fields="id,custom_fields").status_code == 200
        assert kept.rendered == rendered + 20  # never kept: columns can change without a row write
    empty = rest.get("/contacts", fields="id,custom_fields", filter="family_name==NoSuchNameAtAll")
    assert empty.status_code == 200 and empty.json()["contacts"] == []


def test_past_its_bound_what_is_kept_is_dropped_and_pages_stay_right(demo: Sandbox) -> None:
    kept = RenderedContacts(demo.store, max_kept=50)
    renderer = ContactJson(demo.store, set(EXPORT.split(",")))
    ids = [r["Id"] for r in demo.store.rows("Contact", fields=["Id"])][:80]

    def alone(some: list[int]) -> list[str]:
        return [json.dumps(i, ensure_ascii=False) for i in renderer.render(_rows(demo, renderer, some))]

    assert kept.texts(renderer, ids[:40]) == alone(ids[:40])
    assert kept.texts(renderer, ids[40:]) == alone(ids[40:]) and kept.rendered == 80  # 80 > 50: dropped
    assert kept.texts(renderer, ids[40:]) == alone(ids[40:]) and kept.rendered == 80  # kept since
    assert kept.texts(renderer, ids[:10]) == alone(ids[:10]) and kept.rendered == 90
    # a page partly kept that does not fit any more: all of it rendered, none of it lost
    assert kept.texts(renderer, ids[30:75]) == alone(ids[30:75]) and kept.rendered == 135
