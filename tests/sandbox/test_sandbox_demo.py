"""The demo seed: size, variety, Latin-1 text, determinism and build speed."""

from __future__ import annotations

import time

from app.sandbox import Sandbox, SandboxConfig
from app.sandbox.names import LOCALES


def test_demo_account_contents(demo: Sandbox) -> None:
    store = demo.store
    counts = store.table_counts()
    assert 2400 <= counts["Contact"] <= 2600 and counts["Company"] >= 100 and counts["User"] == 5
    assert counts["ContactGroup"] == 60 and counts["ContactGroupCategory"] == 8
    assert 13_000 <= counts["ContactGroupAssign"] <= 17_000
    for table in (
        "Lead",
        "Stage",
        "Job",
        "OrderItem",
        "Invoice",
        "InvoiceItem",
        "Product",
        "RecurringOrder",
        "LinkedContactType",
        "Campaign",
        "ContactAction",
        "LeadSource",
        "ProductOptionValue",
    ):
        assert counts[table] > 0, table
    assert len(store.custom_fields("Contact")) == 12
    types = {r["DataType"] for r in store.custom_fields("Contact")}
    assert {
        2,
        3,
        6,
        12,
        13,
        15,
        16,
        18,
        21,
    } <= types  # SSN, currency, yes/no, number, date, text, area, web, select


def test_tags_are_messy_like_real_ones(demo: Sandbox) -> None:
    store = demo.store
    tags = store.rows("ContactGroup")
    names = [t["GroupName"] for t in tags]
    assert {"Customer", "customer ", "Customers"} <= set(names)
    assert any(t["GroupCategoryId"] == 0 for t in tags)
    assert any(t["GroupDescription"] in (None, "") for t in tags)
    used = {r["GroupId"] for r in store.rows("ContactGroupAssign", fields=["GroupId"])}
    assert len([t for t in tags if t["Id"] not in used]) >= 3  # empty tags
    sizes = sorted(store.count("ContactGroupAssign", {"GroupId": t["Id"]}) for t in tags)
    used_sizes = [n for n in sizes if n]
    assert sizes[-1] > 5 * sizes[len(sizes) // 2] and used_sizes[0] < 30  # an uneven spread
    dates = sorted(r["DateCreated"] for r in store.rows("ContactGroupAssign", fields=["DateCreated"]))
    year = int((store.meta("seed_day") or "")[:4])  # history runs up to the seeding day
    assert dates[0][:4] <= str(year - 7) and dates[-1][:4] >= str(year - 1)
    contact = store.rows("Contact", fields=["Id", "Groups"])
    one = next(c for c in contact if c["Groups"])
    assigned = [r["GroupId"] for r in store.rows("ContactGroupAssign", {"ContactId": one["Id"]})]
    assert sorted(map(int, one["Groups"].split(","))) == sorted(assigned)


def test_names_are_latin1_and_kept_or_transliterated(demo: Sandbox) -> None:
    store = demo.store
    for table in ("Contact", "Company", "ContactGroup", "User", "Product"):
        for row in store.rows(table):
            for value in row.values():
                if isinstance(value, str):
                    value.encode("latin-1")
    firsts = {r["FirstName"] for r in store.rows("Contact", fields=["FirstName"])}
    lasts = {r["LastName"] for r in store.rows("Contact", fields=["LastName"])}
    assert {"Zoë", "François", "José"} <= firsts and {"Müller", "Núñez"} <= lasts
    assert {"Jurate", "Lukasz"} <= firsts and {"Kazlauskiene", "Wojcik"} <= lasts
    assert {"Ivanov", "Papadopoulos", "Nguyen"} & lasts
    countries = {r["Country"] for r in store.rows("Contact", fields=["Country"])}
    assert len(countries) >= 10 and countries <= {loc.country for loc in LOCALES}


def test_emails_cover_every_opt_status_and_blank_kinds(demo: Sandbox) -> None:
    store = demo.store
    statuses = {r["Status"] for r in store.rows("_EmailStatus", fields=["Status"])}
    assert statuses == {"single", "double", "unengaged", "optout", "bounce"}
    assert store.count("Contact", {"Email": None}) and store.count("Contact", {"Email": ""})
    assert store.count("Contact", {"Phone1": None}) and store.count("Contact", {"Phone1": ""})
    assert store.count("Contact", {"_ReferralSource": None}) and store.count(
        "Contact", {"_ReferralSource": ""}
    )
    emails = [r["Email"].lower() for r in store.rows("Contact", fields=["Email"]) if r["Email"]]
    assert len(emails) - len(set(emails)) >= 10  # duplicates for dup checks and merges


def test_users_and_contacts_share_one_id_sequence(demo: Sandbox) -> None:
    store = demo.store
    users = {r["Id"] for r in store.rows("User", fields=["Id"])}
    contacts = {r["Id"] for r in store.rows("Contact", fields=["Id"])}
    companies = {r["Id"] for r in store.rows("Company", fields=["Id"])}
    assert not users & contacts and not companies & contacts and not users & companies
    assert {i % 7 for i in contacts} == {1, 2}


def test_seeds_are_deterministic_and_fast() -> None:
    started = time.perf_counter()
    with Sandbox(SandboxConfig(seed="demo")) as a:
        elapsed = time.perf_counter() - started
        rows_a = a.store.rows("Contact", fields=["Id", "FirstName", "Email", "Groups", "_LeadScore"])
    with Sandbox(SandboxConfig(seed="demo")) as b:
        rows_b = b.store.rows("Contact", fields=["Id", "FirstName", "Email", "Groups", "_LeadScore"])
    assert rows_a == rows_b
    assert elapsed < 3.0
    with Sandbox(SandboxConfig(seed=300)) as c:
        assert c.store.count("Contact") == 300 and c.store.count("ContactGroupAssign") > 0
        assert c.store.count("ContactGroup") == 8
    with Sandbox(SandboxConfig(seed="empty")) as e:
        assert e.store.count("Contact") == 0 and e.store.count("User") == 1
        assert e.store.count("LinkedContactType") > 0 and e.store.count("DataFormGroup") > 0
