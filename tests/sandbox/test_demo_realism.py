"""The demo account has to survive a knowing look: addresses and phones that agree with
themselves (no Zürich in Germany, no Oslo in Sweden), names whose gendered surname fits
the first name, and dates relative to the day the account is seeded (history up to that
day; only next bills, expected closes, planned actions and renewals lie ahead).

The tables below are written from the real world, not copied from app/sandbox/names.py,
so a wrong city, region, postcode or area code there fails here.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from app.core.dates import EASTERN
from app.sandbox import Sandbox
from app.sandbox.demo_account import seed_demo
from app.sandbox.demo_data import Builder
from app.sandbox.ids import IdAllocator
from app.sandbox.names import LOCALES, fill
from app.sandbox.sandbox import ID_SEED
from app.sandbox.store import Store

DAY = date(2031, 1, 31)  # a pinned seeding day at a month's end (month arithmetic clamps)
OTHER_DAY = date(2028, 2, 29)  # a leap day

#: Each country's postcode format (a full match).
POSTAL_FORMAT = {
    "United States": r"\d{5}",
    "Canada": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d",
    "Mexico": r"\d{5}",
    "United Kingdom": r"[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}",
    "Ireland": r"([AC-FHKNPRTV-Y]\d{2}|D6W) [0-9AC-FHKNPRTV-Y]{4}",
    "Germany": r"\d{5}",
    "Austria": r"[1-9]\d{3}",
    "Switzerland": r"[1-9]\d{3}",
    "France": r"\d{5}",
    "Spain": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
    "Portugal": r"[1-9]\d{3}-\d{3}",
    "Brazil": r"\d{5}-\d{3}",
    "Italy": r"\d{5}",
    "Sweden": r"[1-9]\d{2} \d{2}",
    "Denmark": r"[1-9]\d{3}",
    "Norway": r"\d{4}",
    "Iceland": r"[1-9]\d{2}",
    "Poland": r"\d{2}-\d{3}",
    "Lithuania": r"LT-\d{5}",
    "Czech Republic": r"[1-7]\d{2} \d{2}",
    "Vietnam": r"\d{6}",
    "Greece": r"[1-8]\d{2} \d{2}",
    "Russia": r"[1-6]\d{5}",
    "Turkey": r"(0[1-9]|[1-7]\d|8[01])\d{3}",
}

#: city -> (country, region as the demo writes it, postcode start of that city, phone start).
PLACES: dict[str, tuple[str, str, str, str]] = {
    "Boston": ("United States", "MA", r"02[12]", "(617) "),
    "Austin": ("United States", "TX", r"787", "(512) "),
    "Denver": ("United States", "CO", r"802", "(303) "),
    "Portland": ("United States", "OR", r"972", "(503) "),
    "Atlanta": ("United States", "GA", r"303", "(404) "),
    "Montréal": ("Canada", "QC", r"H", "(514) "),
    "Toronto": ("Canada", "ON", r"M", "(416) "),
    "Vancouver": ("Canada", "BC", r"V[56]", "(604) "),
    "Ciudad de México": ("Mexico", "Ciudad de México", r"(0\d|1[0-6])", "+52 55 "),
    "Guadalajara": ("Mexico", "Jalisco", r"4[45]", "+52 33 "),
    "Monterrey": ("Mexico", "Nuevo León", r"6[4-7]", "+52 81 "),
    "London": ("United Kingdom", "Greater London", r"(E|EC|N|NW|SE|SW|W|WC)\d", "+44 20 "),
    "Manchester": ("United Kingdom", "Greater Manchester", r"M\d", "+44 161 "),
    "Leeds": ("United Kingdom", "West Yorkshire", r"LS\d", "+44 113 "),
    "Birmingham": ("United Kingdom", "West Midlands", r"B\d", "+44 121 "),
    "Edinburgh": ("United Kingdom", "City of Edinburgh", r"EH\d", "+44 131 "),
    "Dublin": ("Ireland", "County Dublin", r"D(0[1-9]|1\d|2[0-4]|6W) ", "+353 1 "),
    "Cork": ("Ireland", "County Cork", r"T(12|23) ", "+353 21 "),
    "Galway": ("Ireland", "County Galway", r"H91 ", "+353 91 "),
    "München": ("Germany", "Bayern", r"8[01]", "+49 89 "),
    "Köln": ("Germany", "Nordrhein-Westfalen", r"5[01]", "+49 221 "),
    "Berlin": ("Germany", "Berlin", r"1[0-4]", "+49 30 "),
    "Hamburg": ("Germany", "Hamburg", r"2[0-2]", "+49 40 "),
    "Wien": ("Austria", "Wien", r"1[0-2]\d0", "+43 1 "),
    "Graz": ("Austria", "Steiermark", r"80[1-6]", "+43 316 "),
    "Linz": ("Austria", "Oberösterreich", r"40[2-4]", "+43 732 "),
    "Salzburg": ("Austria", "Salzburg", r"50[23]", "+43 662 "),
    "Zürich": ("Switzerland", "ZH", r"80[0-6]", "+41 44 "),
    "Bern": ("Switzerland", "BE", r"30[0-2]", "+41 31 "),
    "Basel": ("Switzerland", "BS", r"40[0-5]", "+41 61 "),
    "Luzern": ("Switzerland", "LU", r"60[01]", "+41 41 "),
    "Paris": ("France", "Île-de-France", r"750([01]\d|20)", "+33 1 "),
    "Lyon": ("France", "Auvergne-Rhône-Alpes", r"6900[1-9]", "+33 4 7"),
    "Besançon": ("France", "Bourgogne-Franche-Comté", r"250[0-4]0", "+33 3 81 "),
    "Marseille": ("France", "Provence-Alpes-Côte d'Azur", r"130(0[1-9]|1[0-6])", "+33 4 91 "),
    "Bordeaux": ("France", "Nouvelle-Aquitaine", r"33[0-8]00", "+33 5 5"),
    "Madrid": ("Spain", "Madrid", r"280[0-5]\d", "+34 91 "),
    "Barcelona": ("Spain", "Cataluña", r"080[0-4]\d", "+34 93 "),
    "Málaga": ("Spain", "Andalucía", r"290[01]\d", "+34 952 "),
    "A Coruña": ("Spain", "Galicia", r"150[01]\d", "+34 981 "),
    "Lisboa": ("Portugal", "Lisboa", r"1\d\d\d-", "+351 21 "),
    "Porto": ("Portugal", "Porto", r"4[0-3]\d\d-", "+351 22 "),
    "Braga": ("Portugal", "Braga", r"47[01]\d-", "+351 253 "),
    "Coimbra": ("Portugal", "Coimbra", r"30[0-4]\d-", "+351 239 "),
    "São Paulo": ("Brazil", "SP", r"0[1-5]", "+55 11 "),
    "Rio de Janeiro": ("Brazil", "RJ", r"2[0-3]", "+55 21 "),
    "Belo Horizonte": ("Brazil", "MG", r"3[01]", "+55 31 "),
    "Milano": ("Italy", "MI", r"201[2-6]\d", "+39 02 "),
    "Roma": ("Italy", "RM", r"001\d\d", "+39 06 "),
    "Torino": ("Italy", "TO", r"101[2-5]\d", "+39 011 "),
    "Napoli": ("Italy", "NA", r"801[2-4]\d", "+39 081 "),
    "Bologna": ("Italy", "BO", r"401[2-4]\d", "+39 051 "),
    "Stockholm": ("Sweden", "Stockholms län", r"1[01]\d ", "+46 8 "),
    "Göteborg": ("Sweden", "Västra Götalands län", r"4[01]\d ", "+46 31 "),
    "Malmö": ("Sweden", "Skåne län", r"2[01]\d ", "+46 40 "),
    "Uppsala": ("Sweden", "Uppsala län", r"75\d ", "+46 18 "),
    "København": ("Denmark", "Hovedstaden", r"(1\d|2[0-4])\d\d", "+45 3"),
    "Aarhus": ("Denmark", "Midtjylland", r"8[0-2]\d0", "+45 8"),
    "Odense": ("Denmark", "Syddanmark", r"5[0-2]\d0", "+45 6"),
    "Aalborg": ("Denmark", "Nordjylland", r"9[0-2]\d0", "+45 9"),
    "Oslo": ("Norway", "Oslo", r"(0\d|1[0-2])\d\d", "+47 2"),
    "Bergen": ("Norway", "Vestland", r"50\d\d", "+47 5"),
    "Trondheim": ("Norway", "Trøndelag", r"70\d\d", "+47 7"),
    "Stavanger": ("Norway", "Rogaland", r"40\d\d", "+47 5"),
    "Reykjavík": ("Iceland", "Höfuðborgarsvæðið", r"1[01]\d", "+354 5"),
    "Akureyri": ("Iceland", "Norðurland eystra", r"60[0-3]", "+354 46"),
    "Warszawa": ("Poland", "mazowieckie", r"0[0-4]-", "+48 22 "),
    "Krakow": ("Poland", "malopolskie", r"3[01]-", "+48 12 "),
    "Lodz": ("Poland", "lodzkie", r"9[0-4]-", "+48 42 "),
    "Gdansk": ("Poland", "pomorskie", r"80-", "+48 58 "),
    "Vilnius": ("Lithuania", "Vilniaus apskritis", r"LT-(0\d|1[0-4])", "+370 5 "),
    "Kaunas": ("Lithuania", "Kauno apskritis", r"LT-(4[4-9]|5[0-2])", "+370 37 "),
    "Klaipeda": ("Lithuania", "Klaipedos apskritis", r"LT-9[1-6]", "+370 46 "),
    "Praha": ("Czech Republic", "Hlavni mesto Praha", r"1\d\d ", "+420 2"),
    "Brno": ("Czech Republic", "Jihomoravsky kraj", r"6[0-4]\d ", "+420 54"),
    "Ostrava": ("Czech Republic", "Moravskoslezsky kraj", r"7[0-2]\d ", "+420 59"),
    "Ha Noi": ("Vietnam", "Ha Noi", r"1[0-4]", "+84 24 "),
    "Ho Chi Minh City": ("Vietnam", "Ho Chi Minh", r"7[0-6]", "+84 28 "),
    "Da Nang": ("Vietnam", "Da Nang", r"55", "+84 236 "),
    "Athina": ("Greece", "Attiki", r"1(0[4-6]|1[1-7]) ", "+30 21"),
    "Thessaloniki": ("Greece", "Kentriki Makedonia", r"5[45]\d ", "+30 231"),
    "Patra": ("Greece", "Dytiki Ellada", r"26[2-5] ", "+30 261"),
    "Moskva": ("Russia", "Moskva", r"1[0-2]\d", "+7 49"),
    "Sankt-Peterburg": ("Russia", "Sankt-Peterburg", r"19\d", "+7 812 "),
    "Kazan": ("Russia", "Tatarstan", r"420", "+7 843 "),
    "Istanbul": ("Turkey", "Istanbul", r"34", "+90 21"),
    "Ankara": ("Turkey", "Ankara", r"06", "+90 312 "),
    "Izmir": ("Turkey", "Izmir", r"35", "+90 232 "),
}

#: country -> (endings only a woman's surname has, endings only a man's has); checked in that order.
SURNAME_FORMS = {
    "Poland": (("ska", "cka", "dzka"), ("ski", "cki", "dzki")),
    "Russia": (("ova", "eva", "ina"), ("ov", "ev", "in")),
    "Lithuania": (("iene", "aite", "yte", "ute"), ("as", "is", "us", "ys")),
    "Czech Republic": (("ova", "na", "la"), ("k", "y", "ka", "ra")),
    "Greece": (("poulou", "idou", "aki"), ("poulos", "idis", "akis")),
    "Iceland": (("dóttir",), ("son",)),
}
FEMALE = {"Jurate", "Malgorzata", "Olga", "Guðrún", "Eleni", "Katerina"}
MALE = {"Lukasz", "Dmitri", "Tomas", "Sigurður", "Georgios", "Jiri"}
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def seeded(day: date) -> Store:
    """A demo account seeded on ``day``, built the way Sandbox builds one."""
    store = Store(None, IdAllocator(False, seed=ID_SEED))
    builder = Builder(store, "tagdesk-demo", today=day)
    with store.tx():
        builder.base(5)
        seed_demo(builder)
    return store


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, hidden ones included, row by row."""
    sql = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
    names = [r[0] for r in store.conn.execute(sql)]
    return {n: store.conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    s = seeded(DAY)
    yield s
    s.close()


def _address_problems(city: str, region: str, country: str, postal: str, phone: str | None) -> list[str]:
    where = f"{city}, {region}, {postal}, {country}, {phone}"
    if city not in PLACES:
        return [f"unknown city: {where}"]
    want_country, want_region, prefix, dial = PLACES[city]
    problems = []
    if (country, region) != (want_country, want_region):
        problems.append(f"{city} is in {want_region}, {want_country}: {where}")
    if not re.fullmatch(POSTAL_FORMAT[want_country], postal) or not re.match(prefix, postal):
        problems.append(f"not a {city} postcode: {where}")
    if phone and not (phone.startswith(dial) and re.fullmatch(r"[0-9 ()+-]+", phone)):
        problems.append(f"not a {city} number: {where}")
    return problems


def test_every_place_in_the_name_tables_is_real() -> None:
    problems = []
    rng = random.Random(0)
    for loc in LOCALES:
        for place in loc.places:
            for _ in range(40):
                postal, phone = fill(place.postal, rng), fill(place.phone, rng)
                problems += _address_problems(place.city, place.region, loc.country, postal, phone)
        places = [text for place in loc.places for text in place]
        for text in (*loc.first, *loc.first_female, *loc.last, *loc.streets, *places):
            text.encode("latin-1")
    assert not sorted(set(problems))
    assert len(LOCALES) == len({loc.country for loc in LOCALES})  # one country per locale


def test_every_stored_address_agrees_with_itself(store: Store) -> None:
    problems = []
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for table in ("Contact", "Company"):
        for r in store.rows(table):
            if r["City"] is None:
                continue
            seen[r["City"]].add((r["Country"], r["State"]))
            problems += _address_problems(r["City"], r["State"], r["Country"], r["PostalCode"], r["Phone1"])
    for job in store.rows("Job", fields=["ShipCity", "ShipZip", "ShipCountry"]):
        want = PLACES.get(job["ShipCity"])
        if want is None or job["ShipCountry"] != want[0] or not re.match(want[2], job["ShipZip"]):
            problems.append(f"order shipped to {job}")
    assert not problems[:20]
    assert all(len(pairs) == 1 for pairs in seen.values()), {c: p for c, p in seen.items() if len(p) > 1}
    # the places the issue named are there, each in its own country
    assert {"Zürich", "Wien", "Oslo", "København", "Dublin", "Montréal"} <= set(seen)
    assert len({country for pairs in seen.values() for country, _ in pairs}) >= 20


def test_gendered_surnames_fit_the_first_name(store: Store) -> None:
    genders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in store.rows("Contact", fields=["FirstName", "LastName", "Country"]):
        forms = SURNAME_FORMS.get(r["Country"])
        if forms is None:
            continue
        female, male = forms
        last = r["LastName"].lower()
        gender = "f" if last.endswith(female) else "m" if last.endswith(male) else None
        if gender:
            genders[(r["Country"], r["FirstName"])].add(gender)
    assert all(len(g) == 1 for g in genders.values()), {k: g for k, g in genders.items() if len(g) > 1}
    by_first = {first: g for (_, first), g in genders.items()}
    assert {n for n in FEMALE if n in by_first} and all(by_first[n] == {"f"} for n in FEMALE if n in by_first)
    assert {n for n in MALE if n in by_first} and all(by_first[n] == {"m"} for n in MALE if n in by_first)


def test_subscriptions_bill_ahead_when_active_and_stopped_in_the_past_when_not(store: Store) -> None:
    subs = store.rows("RecurringOrder")
    day = f"{DAY} 00:00:00"
    active = [s for s in subs if s["Status"] == "Active"]
    inactive = [s for s in subs if s["Status"] == "Inactive"]
    assert len(active) >= 50 and len(inactive) >= 10 and len(active) + len(inactive) == len(subs)
    for s in subs:
        last, nxt = (date.fromisoformat(s[k][:10]) for k in ("LastBillDate", "NextBillDate"))
        gap = (nxt - last).days
        assert (28 <= gap <= 31) if s["BillingCycle"] == "2" else (365 <= gap <= 366), s
        assert s["StartDate"] <= s["LastBillDate"] < day, s
    for s in active:
        assert s["NextBillDate"] > day and s["EndDate"] is None and s["ReasonStopped"] is None, s
    for s in inactive:
        assert s["LastBillDate"] <= s["EndDate"] < s["NextBillDate"] < day and s["ReasonStopped"], s


def _may_lie_ahead(table: str, column: str, row: dict[str, Any]) -> bool:
    """The kinds of date a real account holds after the day it is looked at."""
    if table == "RecurringOrder" and column == "NextBillDate":
        return bool(row["Status"] == "Active")
    if table == "Lead" and column in ("EstimatedCloseDate", "NextActionDate"):
        return bool(row["StatusID"] == 0)  # open deals only
    if table == "ContactAction" and column == "ActionDate":
        return row["CompletionDate"] is None  # tasks and appointments not done yet
    return table == "Contact" and column == "_RenewalDate"


def test_nothing_is_dated_after_the_seeding_day_but_what_lies_ahead(store: Store) -> None:
    ahead, wrong = defaultdict(int), []
    horizon = f"{DAY + timedelta(days=731)}"
    for table in dump(store):
        if table == "_Meta":
            continue
        cur = store.conn.execute(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cur.description]
        for values in cur:
            row = dict(zip(columns, values, strict=True))
            for column, value in row.items():
                if isinstance(value, str) and DATE_TEXT.fullmatch(value) and value >= f"{DAY}":
                    ok = _may_lie_ahead(table, column, row) and value < horizon
                    ahead[(table, column)] += 1
                    if not ok:
                        wrong.append((table, column, value))
    assert not wrong[:20]
    must = {("RecurringOrder", "NextBillDate"), ("Lead", "EstimatedCloseDate"), ("Contact", "_RenewalDate")}
    assert must <= set(ahead)
    open_deals = store.rows("Lead", {"StatusID": 0}, fields=["EstimatedCloseDate"])
    assert open_deals and all(d["EstimatedCloseDate"] > f"{DAY} 23:59:59" for d in open_deals)


def test_history_spans_the_eight_years_up_to_the_seeding_day(store: Store) -> None:
    created = sorted(r["DateCreated"] for r in store.rows("Contact", fields=["DateCreated"]))
    assert f"{DAY - timedelta(days=8 * 366)}" <= created[0] < f"{DAY - timedelta(days=7 * 365)}"
    assert f"{DAY - timedelta(days=30)}" <= created[-1] < f"{DAY}"
    tagged = store.scalar('SELECT MAX(DateCreated) FROM "ContactGroupAssign"')
    assert f"{DAY - timedelta(days=7)}" <= tagged < f"{DAY}"
    assert store.meta("seed_day") == f"{DAY}"


def test_the_same_day_seeds_the_same_account(store: Store) -> None:
    again = seeded(DAY)
    try:
        assert dump(again) == dump(store)
    finally:
        again.close()


def test_another_day_moves_the_dates_and_nothing_else(store: Store) -> None:
    other = seeded(OTHER_DAY)
    try:
        fields = ["Id", "FirstName", "LastName", "Email", "City", "PostalCode", "Phone1", "Groups"]
        assert other.rows("Contact", fields=fields) == store.rows("Contact", fields=fields)
        created = [r["DateCreated"] for r in other.rows("Contact", fields=["DateCreated"])]
        assert f"{date(2020, 2, 29)}" <= min(created) and max(created) < f"{OTHER_DAY}"
        active = other.rows("RecurringOrder", {"Status": "Active"}, fields=["NextBillDate"])
        assert active and all(s["NextBillDate"] > f"{OTHER_DAY}" for s in active)
    finally:
        other.close()


def test_the_sandbox_seeds_on_todays_date_in_eastern_time(demo: Sandbox) -> None:
    day = date.fromisoformat(demo.store.meta("seed_day") or "")
    assert abs(day - datetime.now(EASTERN).date()) <= timedelta(days=1)  # the suite may cross midnight
    same = seeded(day)
    try:
        fields = ["Id", "FirstName", "City", "DateCreated", "Groups"]
        assert same.rows("Contact", fields=fields) == demo.store.rows("Contact", fields=fields)
    finally:
        same.close()
