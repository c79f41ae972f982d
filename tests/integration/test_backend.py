"""The contact backends against the sandbox over loopback: searches, OR-merges, paging, writes.

Scenarios that mean the same over both protocols run against both (the ``protocol``
parameter); XML-RPC's ``%contains%`` and "is blank" searches have their own tests here,
REST's prefix search, token paging and field mapping are in test_rest_backend.py.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.api import errors as e
from app.api.lost_create import LookupPolicy
from app.api.rest import RestClient
from app.api.rest.backend import RestBackend
from app.api.xmlrpc import XmlRpcClient
from app.api.xmlrpc.backend import XmlRpcBackend, plan
from app.api.xmlrpc.client import CallEvent
from app.api.xmlrpc.policy import RetryPolicy
from app.api.xmlrpc.ratelimit import Limits
from app.core.cancel import CancelToken
from app.core.records import Condition, ContactQuery, DuplicateContactError, Op
from app.core.schema import CustomFieldType
from app.services.contacts import ContactsService

FAST_RETRY = RetryPolicy(max_attempts=6, max_total_seconds=20, base_seconds=0.01, max_wait_seconds=0.05)
TOKEN = CancelToken()
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


#: Looks for a lost create quickly (the default covers the client's read timeout).
FAST_LOOKUP = LookupPolicy(waits=(0.05, 0.1), window=180.0)


def make_backend(sb: Any, protocol: str = "xmlrpc", *, lookup: LookupPolicy = FAST_LOOKUP, **kw: Any) -> Any:
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("limits", Limits(None, None, None))
    if protocol == "rest":
        return RestBackend(RestClient(sb.rest_host, sb.key, **kw), lost_create=lookup)
    return XmlRpcBackend(XmlRpcClient(sb.url, sb.key, **kw), lost_create=lookup)


@pytest.fixture(params=["xmlrpc", "rest"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def demo_backend(demo_sandbox: Any) -> Iterator[XmlRpcBackend]:
    backend = make_backend(demo_sandbox)
    yield backend
    backend.client.close()


@pytest.fixture
def backend(sandbox: Any) -> Iterator[XmlRpcBackend]:
    backend = make_backend(sandbox)
    yield backend
    backend.client.close()


@pytest.fixture
def any_demo_backend(demo_sandbox: Any, protocol: str) -> Iterator[Any]:
    """The demo account through the backend of each protocol."""
    backend = make_backend(demo_sandbox, protocol)
    yield backend
    backend.client.close()


@pytest.fixture
def any_backend(sandbox: Any, protocol: str) -> Iterator[Any]:
    """A fresh account through the backend of each protocol (tests that write)."""
    backend = make_backend(sandbox, protocol)
    yield backend
    backend.client.close()


def like(value: object, text: str) -> bool:
    """SQL LIKE '%text%' as Keap (and the sandbox) match ASCII text: case-insensitively."""
    return isinstance(value, str) and text.translate(_LOWER) in value.translate(_LOWER)


def all_pages(backend: XmlRpcBackend, query: ContactQuery, fields: list[str], page_size: int) -> list[dict]:
    rows: list[dict] = []
    page = 0
    while True:
        chunk = backend.search_contacts(query, fields, page, page_size, TOKEN)
        rows.extend(chunk)
        if len(chunk) < page_size:
            return rows
        page += 1


def stored_contacts(sb: Any) -> list[dict[str, Any]]:
    return sb.store.rows("Contact")


def test_count_and_paging_match_the_store(demo_sandbox: Any, any_demo_backend: Any) -> None:
    demo_backend = any_demo_backend
    total = demo_backend.count_contacts(ContactQuery(), TOKEN)
    assert total == demo_sandbox.store.count("Contact")
    rows = all_pages(demo_backend, ContactQuery(), ["FirstName"], 1000)
    ids = [r["Id"] for r in rows]
    assert len(ids) == total == len(set(ids)) and ids == sorted(ids)


def test_text_search_merges_fields_with_or(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    text = "son"
    fields = ("FirstName", "LastName", "Company", "Email")
    expected = sorted(r["Id"] for r in stored_contacts(demo_sandbox) if any(like(r[f], text) for f in fields))
    assert len(expected) > 100  # several fields match, so the OR matters
    query = ContactQuery(text=text)
    assert len(plan(query)) == 4
    assert demo_backend.count_contacts(query, TOKEN) == len(expected)
    rows = all_pages(demo_backend, query, ["LastName"], 37)
    assert [r["Id"] for r in rows] == expected  # deduplicated, in Id order, pages consistent


def test_text_search_sorted_by_a_field_descending(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    query = ContactQuery(text="an", order_by="LastName", ascending=False)
    rows = all_pages(demo_backend, query, ["LastName"], 100)
    assert len(rows) == demo_backend.count_contacts(query, TOKEN) > 100
    keys = [((r.get("LastName") or "").casefold(), -r["Id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)


def test_full_name_and_email_and_phone_searches(demo_sandbox: Any, any_demo_backend: Any,
                                                protocol: str) -> None:
    demo_backend = any_demo_backend
    person = next(r for r in stored_contacts(demo_sandbox)
                  if r["FirstName"] and r["LastName"] and r["FirstName"].isascii() and r["LastName"].isascii()
                  and r["Phone1"] and r["Email"])
    full = f"{person['FirstName']} {person['LastName']}"
    found = all_pages(demo_backend, ContactQuery(text=full), [], 1000)
    assert person["Id"] in {r["Id"] for r in found}
    by_mail = all_pages(demo_backend, ContactQuery(text=person["Email"].upper()), ["Email"], 1000)
    assert person["Id"] in {r["Id"] for r in by_mail}
    # XML-RPC finds digits anywhere in the number; REST matches its start, as typed
    digits = "".join(ch for ch in person["Phone1"] if ch.isdigit())[-7:]
    text = digits if protocol == "xmlrpc" else person["Phone1"][:8]
    by_phone = all_pages(demo_backend, ContactQuery(text=text), ["Phone1"], 1000)
    assert person["Id"] in {r["Id"] for r in by_phone}


def test_is_blank_matches_null_and_empty(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    stored = stored_contacts(demo_sandbox)
    nulls = {r["Id"] for r in stored if r["_ReferralSource"] is None}
    empties = {r["Id"] for r in stored if r["_ReferralSource"] == ""}
    assert nulls and empties  # the demo data has both kinds of blank
    query = ContactQuery(conditions=(Condition("_ReferralSource", Op.BLANK),))
    rows = all_pages(demo_backend, query, ["_ReferralSource"], 500)
    assert {r["Id"] for r in rows} == nulls | empties
    assert demo_backend.count_contacts(query, TOKEN) == len(nulls | empties)
    not_blank = ContactQuery(conditions=(Condition("_ReferralSource", Op.NOT_BLANK),))
    assert demo_backend.count_contacts(not_blank, TOKEN) == len(stored) - len(nulls | empties)


def test_conditions_and_text_combine(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    stored = stored_contacts(demo_sandbox)
    query = ContactQuery(text="a", conditions=(
        Condition("_ReferralSource", Op.BLANK),
        Condition("DateCreated", Op.GE, date(2020, 1, 1)),
        Condition("DateCreated", Op.LT, date(2023, 1, 1)),
    ))
    expected = {r["Id"] for r in stored
                if any(like(r[f], "a") for f in ("FirstName", "LastName", "Company", "Email"))
                and r["_ReferralSource"] in (None, "") and "2020-01-01" <= r["DateCreated"] < "2023-01-01"}
    assert expected
    assert {r["Id"] for r in all_pages(demo_backend, query, [], 1000)} == expected


def test_single_condition_pages_on_the_server(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    query = ContactQuery(conditions=(Condition("LastName", Op.STARTS, "S"),), order_by="FirstName")
    assert len(plan(query)) == 1 and len(plan(query)[0]) == 1
    expected = sum(1 for r in stored_contacts(demo_sandbox) if like((r["LastName"] or "")[:1], "s"))
    assert demo_backend.count_contacts(query, TOKEN) == expected
    rows = all_pages(demo_backend, query, ["FirstName"], 50)
    assert len(rows) == expected


def test_update_and_delete_round_trip(sandbox: Any, any_backend: Any) -> None:
    service = ContactsService(any_backend)
    contact_id = sandbox.store.rows("Contact")[0]["Id"]
    service.save(contact_id, {"FirstName": "Jūratė", "Title": None}, TOKEN)
    stored = sandbox.store.row("Contact", contact_id)
    assert stored["FirstName"] == "Jurate"  # the preflight runs on the one write path
    assert stored["Title"] in (None, "")
    service.delete(contact_id, TOKEN)
    assert sandbox.store.row("Contact", contact_id) is None


def test_create_refuses_a_duplicate_email(sandbox: Any, any_backend: Any) -> None:
    backend = any_backend
    existing = next(r for r in sandbox.store.rows("Contact") if r["Email"])
    with pytest.raises(DuplicateContactError) as caught:
        backend.create_contact({"FirstName": "Dup", "Email": existing["Email"].upper()}, TOKEN)
    assert existing["Id"] in {m["Id"] for m in caught.value.matches}
    new_id = backend.create_contact({"FirstName": "Dup", "Email": existing["Email"]}, TOKEN,
                                    dup_check_email=False)
    assert new_id != existing["Id"]


def _lose_the_first_add_reply(sb: Any, kind: str) -> Any:
    """A client hook: once the look-up before the add is done, fault the next call (the add)."""
    state = {"armed": False}

    def on_call(event: CallEvent) -> None:
        if event.method in ("ContactService.add", "POST /rest/v2/contacts"):
            sb.set_faults("")  # only the first add loses its reply
        elif not state["armed"]:
            state["armed"] = True
            sb.set_faults(f"{kind}=1.0")

    return on_call


@pytest.mark.parametrize("kind", ["drop_after", "drop_before", "empty"])
@pytest.mark.parametrize("with_email", [True, False])
def test_create_with_a_lost_reply_creates_exactly_one(sandbox: Any, kind: str, with_email: bool) -> None:
    """XML-RPC creates are sent once too: a lost reply is looked up; what stays unknown goes to the user."""
    backend = make_backend(sandbox, on_call=_lose_the_first_add_reply(sandbox, kind))
    values: dict[str, object] = {"FirstName": "Lost", "LastName": f"Reply {kind}", "Phone1": "555-0100"}
    if with_email:
        values["Email"] = f"lost.{kind}@example.com"
    before = sandbox.store.count("Contact")
    applied = kind == "drop_after"
    if applied:
        new_id = backend.create_contact(values, TOKEN)
        assert sandbox.store.row("Contact", new_id)["LastName"] == f"Reply {kind}"
    else:
        with pytest.raises(e.OutcomeUnknownError) as caught:
            backend.create_contact(values, TOKEN)
        assert "check again" in caught.value.message and "create anyway" in caught.value.message
        assert "never resent" in caught.value.message
    assert sandbox.faults.counts.get(kind) == 1  # the reply of the add really was lost
    assert sandbox.store.count("Contact") == before + (1 if applied else 0)
    assert sandbox.stats()["calls"].get("ContactService.add") == 1  # never resent
    backend.client.close()


@pytest.mark.parametrize("kind", ["drop_after", "drop_before", "empty"])
@pytest.mark.parametrize("with_email", [True, False])
def test_rest_create_with_a_lost_reply_never_duplicates(sandbox: Any, kind: str, with_email: bool) -> None:
    """REST creates are sent once: a lost reply is looked up; what stays unknown goes to the user."""
    backend = make_backend(sandbox, "rest", on_call=_lose_the_first_add_reply(sandbox, kind))
    values: dict[str, object] = {"FirstName": "Lost", "LastName": f"Rest {kind}", "Phone1": "555-0100"}
    if with_email:
        values["Email"] = f"lost.rest.{kind}@example.com"
    before = sandbox.store.count("Contact")
    applied = kind == "drop_after"  # the sandbox applies the call, then drops the reply
    if applied:
        new_id = backend.create_contact(values, TOKEN)
        assert sandbox.store.row("Contact", new_id)["LastName"] == f"Rest {kind}"
    else:
        with pytest.raises(e.OutcomeUnknownError):
            backend.create_contact(values, TOKEN)
    assert sandbox.faults.counts.get(kind) == 1
    assert sandbox.store.count("Contact") == before + (1 if applied else 0)
    assert sandbox.stats()["calls"].get("POST /rest/v2/contacts") == 1  # never resent
    backend.client.close()


ADD_CALLS = ("ContactService.add", "POST /rest/v2/contacts")


def test_a_slow_create_whose_reply_timed_out_is_found_not_resent(sandbox: Any, protocol: str) -> None:
    """The add is still running on the server when the client gives up and first looks: the look
    is repeated with backoff until the contact appears, and the add is never sent again."""
    state = {"armed": False}

    def on_call(event: CallEvent) -> None:
        if event.method in ADD_CALLS:
            sandbox.set_faults("")  # only the add is slow
        elif not state["armed"]:
            state["armed"] = True
            sandbox.set_faults("slow=1.0:1200")

    backend = make_backend(sandbox, protocol, timeout=0.4, on_call=on_call,
                           lookup=LookupPolicy(waits=(0.2, 0.4, 0.8, 1.6), window=180.0))
    values: dict[str, object] = {"FirstName": "Slow", "LastName": "Server", "Phone1": "555-0199",
                                 "Email": "slow.server@example.com", "Company": "Molasses Ltd"}
    before = sandbox.store.count("Contact")
    new_id = backend.create_contact(values, TOKEN)
    assert sandbox.faults.counts.get("slow") == 1
    assert sandbox.store.count("Contact") == before + 1
    assert sandbox.store.row("Contact", new_id)["Company"] == "Molasses Ltd"
    calls = sandbox.stats()["calls"]
    assert sum(calls.get(m, 0) for m in ADD_CALLS) == 1  # never resent
    backend.client.close()


def _someone_else_creates(sb: Any, other: dict[str, object]) -> Any:
    """A client hook: while our add is on its way (its reply then lost, not applied), another
    client creates ``other``."""
    state = {"armed": False}

    def on_call(event: CallEvent) -> None:
        if event.method in ADD_CALLS:
            sb.set_faults("")
        elif not state["armed"]:
            state["armed"] = True
            with sb.store.tx():
                sb.store.insert("Contact", dict(other))
            sb.set_faults("drop_before=1.0")

    return on_call


def _eastern(delta_minutes: float = 0) -> str:
    from datetime import datetime, timedelta

    from app.core.dates import EASTERN

    return (datetime.now(EASTERN) + timedelta(minutes=delta_minutes)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("case", ["other_phone", "other_company", "long_ago"])
@pytest.mark.parametrize("with_email", [True, False])
def test_a_lost_create_never_adopts_someone_elses_contact(sandbox: Any, protocol: str, case: str,
                                                          with_email: bool) -> None:
    values: dict[str, object] = {"FirstName": "Twin", "LastName": f"Look {case}", "Phone1": "555-0142",
                                 "Company": "Ours Inc"}
    if with_email:
        values["Email"] = f"twin.{case}@example.com"
    other = {**values, "DateCreated": _eastern(-90 if case == "long_ago" else 0)}
    if case == "other_phone":
        other["Phone1"] = "555-0999"
    elif case == "other_company":
        other["Company"] = "Theirs LLC"
    backend = make_backend(sandbox, protocol, on_call=_someone_else_creates(sandbox, other))
    before = sandbox.store.count("Contact")
    with pytest.raises(e.OutcomeUnknownError) as caught:
        backend.create_contact(values, TOKEN)
    assert "create anyway" in caught.value.message
    assert sandbox.faults.counts.get("drop_before") == 1
    assert sandbox.store.count("Contact") == before + 1  # only the other client's
    assert sum(sandbox.stats()["calls"].get(m, 0) for m in ADD_CALLS) == 1
    backend.client.close()


def test_a_lost_create_adopts_its_own_contact_with_every_field(sandbox: Any, protocol: str) -> None:
    """The positive case: applied, reply lost, every field (dates included) read back the same."""
    backend = make_backend(sandbox, protocol, on_call=_lose_the_first_add_reply(sandbox, "drop_after"))
    values: dict[str, object] = {"FirstName": "Whole", "LastName": "Match", "Phone1": "555-0177",
                                 "Company": "Same Co", "Birthday": date(1980, 5, 17), "City": "Dayton"}
    new_id = backend.create_contact(values, TOKEN, dup_check_email=False)
    assert sandbox.store.row("Contact", new_id)["Company"] == "Same Co"
    assert sum(sandbox.stats()["calls"].get(m, 0) for m in ADD_CALLS) == 1
    backend.client.close()


def test_custom_fields_and_users(any_demo_backend: Any) -> None:
    demo_backend = any_demo_backend
    fields = demo_backend.custom_fields(TOKEN)
    assert fields and all(f.table == "Contact" for f in fields)
    assert any(f.data_type is CustomFieldType.SSN for f in fields)
    users = demo_backend.users(TOKEN)
    assert len(users) >= 2 and all(u.name for u in users)


def test_cancel_stops_a_search(any_demo_backend: Any) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(e.CancelledError):
        any_demo_backend.search_contacts(ContactQuery(text="a"), [], 0, 100, token)


def _tag_sets(sb: Any) -> tuple[dict[int, set[int]], set[int]]:
    members: dict[int, set[int]] = {}
    for row in sb.store.rows("ContactGroupAssign", fields=["ContactId", "GroupId"]):
        members.setdefault(int(row["GroupId"]), set()).add(int(row["ContactId"]))
    everyone = {int(r["Id"]) for r in sb.store.rows("Contact", fields=["Id"])}
    return members, everyone


@pytest.mark.parametrize("mode", ["any", "all", "none"])
def test_tag_filter_matches_the_store(demo_sandbox: Any, any_demo_backend: Any, mode: str) -> None:
    demo_backend = any_demo_backend
    members, everyone = _tag_sets(demo_sandbox)
    big = sorted(members, key=lambda t: len(members[t]), reverse=True)[:2]
    a, b = members[big[0]], members[big[1]]
    expected = {"any": a | b, "all": a & b, "none": everyone - (a | b)}[mode]
    query = ContactQuery(tag_ids=tuple(big), tag_mode=mode)  # type: ignore[arg-type]
    assert demo_backend.count_contacts(query, TOKEN) == len(expected)
    rows = all_pages(demo_backend, query, ["Id"], 500)
    ids = [int(r["Id"]) for r in rows]
    assert set(ids) == expected and ids == sorted(ids)


def test_tag_filter_combines_with_search_text(demo_sandbox: Any, demo_backend: XmlRpcBackend) -> None:
    members, _ = _tag_sets(demo_sandbox)
    tag = max(members, key=lambda t: len(members[t]))
    query = ContactQuery(text="a", tag_ids=(tag,), tag_mode="any", order_by="LastName")
    rows = all_pages(demo_backend, query, ["Id", "FirstName", "LastName", "Email", "Company"], 1000)
    assert rows and all(int(r["Id"]) in members[tag] for r in rows)
    untagged = all_pages(demo_backend, ContactQuery(text="a"), ["Id"], 1000)
    expected = {int(r["Id"]) for r in untagged} & members[tag]
    assert {int(r["Id"]) for r in rows} == expected


def test_a_search_outside_latin1_finds_the_transliterated_name(sandbox: Any, protocol: str) -> None:
    """ "Jūratė" finds the contact saved as "Jurate" over both protocols, not a collation error."""
    backend = make_backend(sandbox, protocol)
    service = ContactsService(backend)
    new_id = service.create({"FirstName": "Jūratė", "LastName": "Kazlauskienė", "Email": "jurate@example.lt"},
                            TOKEN)
    page = service.page(ContactQuery(text="Jūratė"), ["FirstName"], 0, 100, TOKEN)
    assert new_id in {r["Id"] for r in page.rows}
    backend.client.close()
