"""The duplicate finder on messy rows: case, spaces, accents, phone formats, chains, noise."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from app.duplicates.finding import (
    MAX_SHARED,
    company_key,
    email_key,
    find_groups,
    fold,
    phone_key,
    suggested_survivor,
)


def row(cid: int, first: str = "", last: str = "", **values: object) -> dict[str, object]:
    return {"Id": cid, "FirstName": first, "LastName": last, **values}


def test_keys_fold_what_people_type_differently() -> None:
    assert fold("  José   MÜLLER-Smith ") == "jose muller smith"
    assert fold("Jūratė") == fold("jurate")
    assert company_key("Acme, Inc.") == company_key("ACME inc") == company_key("Acme") == "acme"
    assert company_key("Inc") == "inc"  # a company called only "Inc" keeps its name
    assert email_key("  Ann@Example.COM ") == "ann@example.com"
    assert email_key("not an address") == "" and email_key(None) == ""
    assert phone_key("+1 (555) 010-2000") == phone_key("555.010.2000") == "550102000"
    assert phone_key("555-010-2000 x123") == phone_key("5550102000")
    assert phone_key("555-0100") == "5550100"  # seven digits are enough
    for fake in ("000-000-0000", "1111111", "123-456-7890", "555-01", ""):
        assert phone_key(fake) == "", fake


def test_same_email_in_any_slot_is_high() -> None:
    rows = [row(1, "Ann", "Lee", Email="ann@example.com"),
            row(2, "Annie", " LEE", EmailAddress3=" ANN@example.com "),
            row(3, "Bob", "Stone", Email="bob@example.com"),
            row(4, "", "", EmailAddress2="ann@EXAMPLE.com")]  # no name: joins the Lees
    [group] = find_groups(rows)
    assert group.ids == (1, 2, 4) and group.confidence == "high"
    assert group.reason == "same e-mail (ann@example.com)"


def test_a_shared_address_under_other_names_is_only_medium() -> None:
    """A family's or an office's address: never merged in a batch without a person looking."""
    rows = [row(1, "Pawel", "Kaminski", Email="pawel.k@wp.pl"),
            row(2, "Inés", "Núñez", Email="PAWEL.K@wp.pl"),
            row(3, "Pawel", "Kaminski", EmailAddress2="pawel.k@wp.pl")]
    [group] = find_groups(rows)
    assert group.ids == (1, 2, 3) and group.confidence == "medium"
    assert [str(r) for r in group.reasons] == ["same e-mail (pawel.k@wp.pl)",
                                               "same e-mail, other names (pawel.k@wp.pl)"]
    assert find_groups([rows[0], rows[2]])[0].confidence == "high"


def test_accents_and_case_make_the_same_name_and_company_medium() -> None:
    rows = [row(10, "José", "Müller", Company="Müller GmbH"),
            row(11, "jose ", " MULLER", Company="Muller"),
            row(12, "José", "Müller", Company="Other Corp")]  # same name, another company: not him
    [group] = find_groups(rows)
    assert group.ids == (10, 11) and group.confidence == "medium"
    assert [r.kind for r in group.reasons] == ["name+company"]


def test_same_phone_is_medium_and_high_with_the_same_name() -> None:
    rows = [row(1, "Ann", "Lee", Phone1="+1 (555) 010-2000"),
            row(2, "Bo", "Chan", Phone3="555.010.2000"),
            row(3, "Cy", "Roe", Phone2="(555) 777-1234"),
            row(4, "cy", "ROE", Phone1="5557771234")]
    groups = {g.ids: g for g in find_groups(rows)}
    assert groups[(1, 2)].confidence == "medium" and groups[(1, 2)].reasons[0].kind == "phone"
    assert groups[(3, 4)].confidence == "high"
    # the plain phone and name reasons are implied
    assert groups[(3, 4)].reason == "same name and phone (cy roe, 557771234)"


def test_a_three_way_chain_is_one_group_as_strong_as_its_weakest_needed_link() -> None:
    rows = [row(1, "Ann", "Lee", Email="ann@example.com"),
            row(2, "A.", "Lee", Email="ANN@example.com", Phone1="555-010-2000"),
            row(3, "Ann", "Lee-Smith", Phone2="+1 555 010 2000"),
            row(4, "Zed", "Zo", Email="zed@example.com"),
            row(5, "Zed", "Zo", EmailAddress2="zed@example.com", Phone1="555-999-8888"),
            row(6, "Zeddy", "Zo", Email="zeddy@example.com", Phone1="5559998888")]
    groups = {g.ids: g for g in find_groups(rows)}
    assert groups[(1, 2, 3)].confidence == "medium"  # 3 hangs on a phone link
    assert {r.kind for r in groups[(1, 2, 3)].reasons} == {"email", "phone"}
    assert groups[(4, 5, 6)].confidence == "medium"
    assert find_groups(rows[:2])[0].confidence == "high"


def test_name_only_is_low_and_never_joins_two_companies() -> None:
    rows = [row(1, "Maria", "Silva"), row(2, "MARIA", "SILVA", Company="Tecno SA"),
            row(3, "Pat", "Kim", Company="Alpha"), row(4, "Pat", "Kim", Company="Beta"),
            row(5, "Solo", "")]
    [group] = find_groups(rows, names=True)
    assert group.ids == (1, 2) and group.confidence == "low"
    assert group.reason == "same name (maria silva)"
    assert find_groups(rows) == []  # a name alone links nobody unless asked for


def test_keys_shared_by_too_many_contacts_link_nobody_except_email() -> None:
    many = MAX_SHARED + 1
    rows = [row(i, f"P{i}", "X", Phone1="555-123-0000") for i in range(1, many + 1)]
    rows += [row(100 + i, "John", "Smith") for i in range(many)]
    rows += [row(200 + i, f"Q{i}", "Y", Email="info@example.com") for i in range(many)]
    [group] = find_groups(rows, names=True)
    assert group.reasons[0].kind == "email" and len(group.ids) == many


def test_survivor_is_the_oldest_then_the_lowest_id() -> None:
    rows = [row(70, DateCreated=datetime(2021, 5, 1, tzinfo=UTC)),
            row(8, DateCreated=datetime(2019, 1, 1, tzinfo=UTC)),
            row(3),  # undated: last
            row(9, DateCreated=datetime(2019, 1, 1, tzinfo=UTC))]
    assert suggested_survivor(rows) == 8
    assert suggested_survivor([row(5, DateCreated="2020-01-02 00:00:00"), row(4)]) == 5
    group = find_groups([row(i, "Ann", "Lee", Email="a@b.co", DateCreated=r.get("DateCreated"))
                         for i, r in ((r["Id"], r) for r in rows)])[0]
    assert group.keep == 8 and group.duplicates == (3, 9, 70)


def test_groups_are_ordered_strongest_first() -> None:
    rows = [row(1, "A", "B"), row(2, "A", "B"), row(3, "C", "D", Email="x@y.z"), row(4, Email="X@y.z"),
            row(5, "E", "F", Phone1="555-222-3333"), row(6, Phone1="5552223333")]
    assert [g.confidence for g in find_groups(rows, names=True)] == ["high", "medium", "low"]


def test_a_quarter_million_rows_in_seconds() -> None:
    rows = [row(i, f"First{i % 90000}", f"Last{i % 70000}", Email=f"u{i % 200000}@example.com",
                Phone1=f"555-{i % 1000:03d}-{(i * 7) % 10000:04d}", Company=("Acme", "")[i % 2])
            for i in range(250_000)]
    started = time.perf_counter()
    groups = find_groups(rows, names=True)
    assert time.perf_counter() - started < 30  # linear: about 5 s on the project's 2-core machine
    assert sum(len(g.ids) for g in groups) >= 100_000
