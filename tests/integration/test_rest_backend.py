"""RestBackend against the sandbox over loopback: field mapping, prefix search, token paging.

The scenarios both protocols share are in test_backend.py; here is what REST does its own
way: every mapped field round-trips and reads back as XML-RPC reads it, arrays are replaced
whole without losing the slots not edited, search matches prefixes and says what it cannot do,
and pages follow opaque tokens at one call a page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import pytest
from rest_testkit import fast_rest_client
from tag_testkit import fast_client

from app.api import errors as e
from app.api.rest.backend import RestBackend
from app.api.rest.search import SEARCH_HINT
from app.api.xmlrpc.backend import XmlRpcBackend
from app.core.cancel import CancelToken
from app.core.dates import EASTERN
from app.core.records import Condition, ContactQuery, Op

TOKEN = CancelToken()
#: Every contact field both protocols carry, with a value to write.
VALUES: dict[str, object] = {
    "FirstName": "Zoë",
    "MiddleName": "Ann",
    "LastName": "Müller",
    "Nickname": "Zo",
    "Title": "Dr.",
    "Suffix": "PhD",
    "JobTitle": "Buyer",
    "Website": "https://zoe.example",
    "ContactType": "Customer",
    "SpouseName": "Sam",
    "TimeZone": "America/Phoenix",
    "Language": "de_DE",
    "ReferralCode": "REF-9",
    "AssistantName": "Al",
    "AssistantPhone": "555-0199",
    "BillingInformation": "Net 30",
    "Birthday": date(1990, 5, 17),
    "Anniversary": date(2015, 6, 20),
    "Email": "zoe@example.com",
    "EmailAddress2": "zoe.work@example.com",
    "EmailAddress3": "z@example.org",
    "Phone1": "555-0101",
    "Phone1Type": "Mobile",
    "Phone1Ext": "12",
    "Phone2": "555-0102",
    "Phone2Type": "Work",
    "Phone5": "555-0105",
    "Fax1": "555-0109",
    "Fax1Type": "Office",
    "StreetAddress1": "1 Main St",
    "StreetAddress2": "Suite 4",
    "City": "Phoenix",
    "State": "AZ",
    "PostalCode": "85001",
    "ZipFour1": "1234",
    "Country": "United States",
    "Address2Street1": "9 Rue Haute",
    "City2": "Lyon",
    "PostalCode2": "69001",
    "Country2": "France",
    "_LeadScore": 42,
    "_LifetimeValue": 1234.56,
    "_TShirtSize": "XL",
    "_Newsletter": 1,
    "_RenewalDate": datetime(2027, 3, 1, tzinfo=EASTERN),
    "_InternalNotes": "Likes REST",
}


def rest_backend(sb: Any, **kw: Any) -> RestBackend:
    return RestBackend(fast_rest_client(sb, **kw))


@pytest.fixture
def rest(sandbox: Any) -> Iterator[RestBackend]:
    backend = rest_backend(sandbox)
    yield backend
    backend.client.close()


@pytest.fixture
def demo_rest(demo_sandbox: Any) -> Iterator[RestBackend]:
    backend = rest_backend(demo_sandbox)
    yield backend
    backend.client.close()


def _calls(sb: Any, label: str) -> int:
    return int(sb.stats()["calls"].get(label, 0))


def test_workers_asking_at_once_for_the_custom_fields_make_one_call(sandbox: Any, rest: RestBackend) -> None:
    """A full read's first pages (six Id ranges at once) each need the custom-field model: a
    cold backend asks for it once, and the others wait for that answer. Forced: the model's
    request waits until every worker has asked."""
    workers, asked = 6, threading.Semaphore(0)
    ask, request = rest.custom_fields, rest.client.request

    def custom_fields(*args: Any, **kwargs: Any) -> Any:
        asked.release()
        return ask(*args, **kwargs)

    def slow_model(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if path.endswith("/model"):
            for _ in range(workers):
                assert asked.acquire(timeout=5)
        return request(method, path, *args, **kwargs)

    rest.custom_fields = custom_fields  # type: ignore[method-assign]
    rest.client.request = slow_model  # type: ignore[method-assign]
    before = _calls(sandbox, "GET /rest/v2/contacts/model")
    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(lambda _: rest.custom_fields(TOKEN), range(workers)))
    assert _calls(sandbox, "GET /rest/v2/contacts/model") - before == 1
    assert answers[0] and all(a == answers[0] for a in answers)


def test_every_mapped_field_round_trips_and_reads_back_like_xmlrpc(sandbox: Any, rest: RestBackend) -> None:
    contact_id = sandbox.store.rows("Contact")[3]["Id"]
    rest.update_contact(contact_id, dict(VALUES), TOKEN)
    stored = sandbox.store.get("Contact", contact_id)
    for name, value in VALUES.items():
        if isinstance(value, date):  # datetimes too
            assert stored[name] == value.strftime("%Y-%m-%d 00:00:00"), name
        else:
            assert stored[name] == value, name
    fields = [*VALUES, "DateCreated", "LastUpdated", "Groups", "CompanyID", "Company", "OwnerID"]
    over_rest = rest.load_contact(contact_id, fields, TOKEN)
    xml = XmlRpcBackend(fast_client(sandbox))
    over_xmlrpc = xml.load_contact(contact_id, fields, TOKEN)
    xml.client.close()
    assert over_rest == over_xmlrpc  # one app vocabulary, whichever protocol answered


def test_editing_one_slot_keeps_the_others(sandbox: Any, rest: RestBackend) -> None:
    row = next(r for r in sandbox.store.rows("Contact") if r["Phone1"] and r["Email"] and r["City"])
    rest.update_contact(row["Id"], {"Phone2": "555-0222", "EmailAddress2": "second@example.com"}, TOKEN)
    after = sandbox.store.get("Contact", row["Id"])
    assert (after["Phone1"], after["Phone1Type"], after["Email"]) == (
        row["Phone1"],
        row["Phone1Type"],
        row["Email"],
    )
    assert (after["Phone2"], after["EmailAddress2"], after["City"]) == (
        "555-0222",
        "second@example.com",
        row["City"],
    )
    rest.update_contact(row["Id"], {"Phone2": None}, TOKEN)
    assert sandbox.store.get("Contact", row["Id"])["Phone2"] is None
    assert sandbox.store.get("Contact", row["Id"])["Phone1"] == row["Phone1"]


def test_a_custom_field_edit_keeps_the_other_custom_fields(sandbox: Any, rest: RestBackend) -> None:
    row = next(r for r in sandbox.store.rows("Contact") if r["_LeadScore"] is not None and r["_TShirtSize"])
    rest.update_contact(row["Id"], {"_ReferralSource": "Podcast"}, TOKEN)
    after = sandbox.store.get("Contact", row["Id"])
    assert after["_ReferralSource"] == "Podcast"
    assert (after["_LeadScore"], after["_TShirtSize"]) == (row["_LeadScore"], row["_TShirtSize"])


def test_search_matches_the_start_of_names_and_emails(demo_sandbox: Any, demo_rest: RestBackend) -> None:
    stored = demo_sandbox.store.rows("Contact")
    expected = {
        r["Id"]
        for r in stored
        if any(
            (r[f] or "").lower().startswith("mar")
            for f in ("FirstName", "LastName", "Email", "EmailAddress2", "EmailAddress3")
        )
    }
    rows = demo_rest.search_contacts(ContactQuery(text="Mar"), ["FirstName"], 0, 1000, TOKEN)
    assert expected and {r["Id"] for r in rows} == expected
    assert "starting with" in SEARCH_HINT


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (Condition("FirstName", Op.CONTAINS, "ar"), "contains"),
        (Condition("Company", Op.STARTS, "Acme"), "cannot filter"),
        (Condition("_ReferralSource", Op.BLANK), "is blank"),
    ],
)
def test_what_rest_cannot_search_is_said_before_any_call(
    demo_sandbox: Any, demo_rest: RestBackend, condition: Condition, words: str
) -> None:
    before = demo_sandbox.stats()["protocols"]["rest"]
    demo_rest.custom_fields(TOKEN)
    with pytest.raises(e.UnsupportedError) as info:
        demo_rest.search_contacts(ContactQuery(conditions=(condition,)), ["Id"], 0, 100, TOKEN)
    assert words in info.value.message
    assert demo_sandbox.stats()["protocols"]["rest"] - before <= 1  # the custom-field model only
    with pytest.raises(e.UnsupportedError, match="sort contacts by Id"):
        demo_rest.search_contacts(ContactQuery(order_by="LastName"), ["Id"], 0, 100, TOKEN)


def test_conditions_rest_can_express(demo_sandbox: Any, demo_rest: RestBackend) -> None:
    stored = demo_sandbox.store.rows("Contact")
    query = ContactQuery(
        conditions=(Condition("_LeadScore", Op.GE, 50), Condition("Country", Op.EQUALS, "Germany"))
    )
    rows = demo_rest.search_contacts(query, ["Id"], 0, 1000, TOKEN)
    expected = {r["Id"] for r in stored if (r["_LeadScore"] or 0) >= 50 and r["Country"] == "Germany"}
    assert expected and {r["Id"] for r in rows} == expected


def test_pages_follow_tokens_at_one_call_each(demo_sandbox: Any, demo_rest: RestBackend) -> None:
    label = "GET /rest/v2/contacts"
    before = _calls(demo_sandbox, label)
    pages = [demo_rest.search_contacts(ContactQuery(), ["FirstName"], p, 500, TOKEN) for p in range(3)]
    assert _calls(demo_sandbox, label) - before == 3
    ids = [r["Id"] for page in pages for r in page]
    assert ids == sorted(ids) and len(set(ids)) == 1500
    # a page asked for out of order walks to it (ids only), then pages on from there
    fresh = rest_backend(demo_sandbox)
    before = _calls(demo_sandbox, label)
    assert [r["Id"] for r in fresh.search_contacts(ContactQuery(), ["FirstName"], 2, 500, TOKEN)] == ids[
        1000:
    ]
    assert _calls(demo_sandbox, label) - before == 3
    fresh.client.close()
    assert demo_rest.can_count is False


def test_a_create_needs_an_email_phone_or_address_and_a_known_country(
    sandbox: Any, rest: RestBackend
) -> None:
    before = sandbox.stats()["protocols"]["rest"]
    with pytest.raises(e.UnsupportedError, match="e-mail address, a phone"):
        rest.create_contact({"FirstName": "Nobody"}, TOKEN)
    with pytest.raises(e.UnsupportedError, match="known country"):
        rest.create_contact(
            {"FirstName": "Far", "City": "Nowhere", "Country": "Atlantis"}, TOKEN, dup_check_email=False
        )
    assert sandbox.stats()["protocols"]["rest"] == before
    new_id = rest.create_contact({"FirstName": "Near", "City": "Lyon", "Country": "France"}, TOKEN)
    assert sandbox.store.get("Contact", new_id)["Country"] == "France"
