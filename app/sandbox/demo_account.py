"""The "demo" seed: about 2,500 contacts and everything hanging off them.

Contents: 5 users, 150 companies, 60 tags in 8 categories (near-duplicates
``Customer`` / ``customer `` / ``Customers``, empty tags, tags without category or
description) with about 15,000 uneven assignments, 12 contact custom fields (NULL and
'' blanks, an SSN field), opportunities at stages, orders with items and invoices
(a few short of paid by a fraction of a cent), products with JPEG images,
subscriptions, linked contacts, campaigns, notes, and a few stored 0x0B / 0x19
characters (contact ids listed in ``_Meta`` key ``badchar_contacts``). Active
subscriptions bill next after the seeding day and open deals close after it; lapsed
plans, won and lost deals and everything else lie before it (see :mod:`demo_data`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from app.sandbox.demo_data import (
    CATEGORIES,
    CONTACT_CUSTOM_FIELDS,
    DATA_DIR,
    EMPTY_TAGS,
    FRACTION_PRODUCTS,
    HEAVY_TAGS,
    PRODUCTS,
    RARE_TAGS,
    UNCATEGORISED,
    Builder,
    add_months,
)
from app.sandbox.names import INDUSTRIES, NOTE_TEXTS, REFERRAL_SOURCES, UTM_CAMPAIGNS
from app.sandbox.services.other import cents_down

CONTACTS = 2500
COMPANIES = 150


def _dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def seed_demo(b: Builder) -> None:
    rng = b.rng
    store = b.store
    industry = b.custom_field(-6, "Company", "Industry", "Select", "Company Info", INDUSTRIES)
    b.custom_field(-4, "Lead", "Deal Source", "Text", "Deal")
    custom = [
        b.custom_field(-1, "Contact", label, kind, group, options)
        for label, kind, group, options in CONTACT_CUSTOM_FIELDS
    ]

    # companies
    companies: list[dict[str, Any]] = []
    for i in range(COMPANIES):
        loc = b.locale()
        person = b.person(loc, i)
        name = f"{person['LastName']} {rng.choice(loc.company_suffix)}"
        companies.append(
            {
                "Company": name,
                "Email": f"info@{person['Email'].split('@')[0].split('.')[-1]}.example",
                "Phone1": person["Phone1"],
                "StreetAddress1": person["StreetAddress1"],
                "City": person["City"],
                "State": person["State"],
                "PostalCode": person["PostalCode"],
                "Country": person["Country"],
                "Website": f"https://www.{person['LastName'].lower().replace(' ', '')}.example"
                if i % 4
                else None,
                "DateCreated": person["DateCreated"],
                "LastUpdated": person["LastUpdated"],
                industry: rng.choice(INDUSTRIES) if i % 5 else None,
            }
        )
    company_ids = b.insert_dicts("Company", companies)

    # contacts
    lead_sources = [(r["Id"], r["Name"]) for r in store.rows("LeadSource")]
    contacts: list[dict[str, Any]] = []
    for i in range(CONTACTS):
        loc = b.locale()
        row = b.person(loc, i)
        row["Id"] = store.new_id("Contact")
        roll = rng.random()
        if roll < 0.04:
            row["Email"] = None
        elif roll < 0.06:
            row["Email"] = ""
        if rng.random() < 0.15:
            row["EmailAddress2"] = f"{row['FirstName'][:1].lower()}{i}@work.example".replace(" ", "")
            if rng.random() < 0.2:
                row["EmailAddress3"] = f"alt{i}@mail.example"
        roll = rng.random()
        if roll < 0.08:
            row["Phone1"] = None
        elif roll < 0.13:
            row["Phone1"] = ""
        if rng.random() < 0.6:
            k = rng.randrange(COMPANIES)
            row["CompanyID"] = row["AccountId"] = company_ids[k]
            row["Company"] = companies[k]["Company"]
        if rng.random() < 0.5:
            row["LeadSourceId"], row["Leadsource"] = rng.choice(lead_sources)
        if rng.random() < 0.3:
            born = b.today.year - rng.randrange(24, 77)  # adults of 24 to 76
            row["Birthday"] = f"{born}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 00:00:00"
        if rng.random() < 0.1:
            row["Website"] = f"https://{row['LastName'].lower().replace(' ', '')}.example"
        _custom_values(b, row, custom, i)
        contacts.append(row)
    # duplicates: later contacts reuse an earlier address, sometimes in another case
    for i in range(20):
        src, dst = contacts[100 + i], contacts[2000 + i]
        if src["Email"]:
            dst["Email"] = src["Email"].upper() if i % 2 else src["Email"]
            if i % 3 == 0:
                dst["FirstName"], dst["LastName"] = src["FirstName"], src["LastName"]
    # stored control characters, as old imports left them (UK addresses: the street is British)
    british = [i for i, c in enumerate(contacts) if c["Country"] == "United Kingdom"][:3]
    for i in british:
        contacts[i]["StreetAddress1"] = f"{rng.randrange(1, 99)} Station Road\x0bFlat {i}"
    for i in (13, 14):
        contacts[i][custom[7]] = "spring\x19sale"
    store.set_meta("badchar_contacts", ",".join(str(contacts[i]["Id"]) for i in (*british, 13, 14)))

    # tags and assignments
    tags = b.tags(CATEGORIES, UNCATEGORISED)
    weights = [
        0.0 if name in EMPTY_TAGS else (HEAVY_TAGS | RARE_TAGS).get(name, rng.lognormvariate(-0.7, 1.0))
        for _, name in tags
    ]
    groups = b.assign([(c["Id"], c["DateCreated"]) for c in contacts], tags, weights, mean=7.0, cap=25)
    for row in contacts:
        row["Groups"] = groups.get(row["Id"])
    b.insert_dicts("Contact", contacts)
    emails = [c["Email"] for c in contacts if c["Email"]]
    b.email_statuses(emails, (38, 20, 25, 12, 5))
    b.email_statuses([c["EmailAddress2"] for c in contacts if c.get("EmailAddress2")], (10, 0, 90, 0, 0))

    contact_ids = [c["Id"] for c in contacts]
    _opportunities(b, contact_ids)
    product_ids = _products(b)
    _orders(b, contacts, product_ids)
    _links_and_notes(b, contact_ids)


def _custom_values(b: Builder, row: dict[str, Any], custom: list[str], i: int) -> None:
    """Values for the 12 custom fields; text fields get both NULL and '' blanks."""
    rng = b.rng
    (score, size, level, renewal, ssn, newsletter, referral, utm, webinar, website, value, notes) = custom

    def maybe(value: Any, p_null: float, p_empty: float = 0.0) -> Any:
        roll = rng.random()
        return None if roll < p_null else ("" if roll < p_null + p_empty else value)

    row[score] = maybe(rng.randrange(0, 100), 0.3)
    row[size] = maybe(rng.choice(("S", "M", "L", "XL")), 0.3, 0.1)
    row[level] = maybe(rng.choice(("Bronze", "Silver", "Gold")), 0.6)
    year = b.today.year + rng.randrange(-2, 2)  # lapsed ones and coming ones
    row[renewal] = maybe(f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 00:00:00", 0.65)
    row[ssn] = (
        f"{rng.randrange(100, 899)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
        if i % 7 == 0
        else None
    )
    row[newsletter] = maybe(rng.choice((0, 1)), 0.2)
    row[referral] = maybe(rng.choice(REFERRAL_SOURCES), 0.25, 0.15)
    row[utm] = maybe(rng.choice(UTM_CAMPAIGNS[:-1]), 0.3, 0.1)
    row[webinar] = maybe(b.when(max(b.days_ago(1200), _dt(row["DateCreated"]))), 0.75)
    row[website] = maybe(f"https://{row['LastName'].lower().replace(' ', '')}.example/me", 0.9)
    row[value] = maybe(round(rng.uniform(0, 5000), 2), 0.5)
    row[notes] = maybe(rng.choice(NOTE_TEXTS) + "\n" + rng.choice(NOTE_TEXTS), 0.8)


def _opportunities(b: Builder, contact_ids: list[int]) -> None:
    """Won and lost deals closed in the past; open ones are recent and expected to close ahead."""
    rng = b.rng
    stages = [(r["Id"], r["StageName"]) for r in b.store.rows("Stage")]
    tomorrow = b.end + timedelta(days=1)
    rows = []
    for _ in range(300):
        stage_id, stage = rng.choice(stages)
        is_open = stage not in ("Won", "Lost")
        low = rng.randrange(5, 200) * 50.0
        created = b.when(b.days_ago(270)) if is_open else b.when()
        if is_open:
            next_action = b.when(tomorrow, tomorrow + timedelta(days=30)) if rng.random() < 0.6 else None
            close = b.today + timedelta(days=rng.randint(1, 120))
        else:
            next_action = None
            closed = _dt(created) + timedelta(days=rng.randint(3, 150))
            close = min(closed.date(), b.today - timedelta(days=1))
        rows.append(
            {
                "OpportunityTitle": rng.choice(
                    (
                        "Pro Plan upgrade",
                        "Coaching package",
                        "Annual renewal",
                        "Workshop group booking",
                        "Consulting retainer",
                    )
                ),
                "ContactID": rng.choice(contact_ids),
                "UserID": rng.choice(b.users),
                "StageID": stage_id,
                "StatusID": {"Won": 1, "Lost": 2}.get(stage, 0),
                "ProjectedRevenueLow": low,
                "ProjectedRevenueHigh": low * rng.choice((1.0, 1.5, 2.0)),
                "DateCreated": created,
                "LastUpdated": b.when(_dt(created)),
                "CreatedBy": b.users[0],
                "LastUpdatedBy": b.users[0],
                "Objection": rng.choice((None, "Price", "Timing", "")),
                "NextActionDate": next_action,
                "NextActionNotes": rng.choice((None, "Send proposal", "Call back")),
                "EstimatedCloseDate": f"{close:%Y-%m-%d} 00:00:00",
            }
        )
    b.insert_dicts("Lead", rows)


def _products(b: Builder) -> dict[str, tuple[int, float]]:
    rows = []
    for i, (name, price, image) in enumerate(PRODUCTS):
        rows.append(
            {
                "ProductName": name,
                "ProductPrice": price,
                "Sku": f"SKU-{1000 + i}",
                "ShortDescription": f"{name} from the demo store",
                "Description": f"<p>{name}</p>",
                "Taxable": i % 2,
                "Weight": round(0.1 * (i + 1), 2),
                "IsPackage": 0,
                "NeedsDigitalDelivery": 0,
                "HideInStore": 0,
                "Status": 1,
                "Shippable": 1 if image else 0,
                "InventoryLimit": 0,
                "LargeImage": (DATA_DIR / image).read_bytes() if image else None,
            }
        )
    ids = b.insert_dicts("Product", rows)
    b.insert_dicts(
        "ProductOptionValue",
        [
            {
                "ProductOptionId": 1,
                "Label": size,
                "Name": size,
                "OptionIndex": n,
                "IsDefault": int(n == 1),
                "PriceAdjustment": 2.0 if size == "XL" else 0.0,
                "Sku": f"TS-{size}",
            }
            for n, size in enumerate(("S", "M", "L", "XL"))
        ],
    )
    return {name: (pid, price) for pid, (name, price, _) in zip(ids, PRODUCTS, strict=True)}


def _orders(b: Builder, contacts: list[dict[str, Any]], products: dict[str, tuple[int, float]]) -> None:
    rng = b.rng
    store = b.store
    names = list(products)
    jobs, items, invoices, lines = [], [], [], []
    for n in range(400):
        c = rng.choice(contacts)
        created = b.when(_dt(c["DateCreated"]))
        job_id, invoice_id = store.new_id("Job"), store.new_id("Invoice")
        picked = [FRACTION_PRODUCTS[n % 2]] if n < 6 else rng.sample(names, rng.randint(1, 3))
        total = 0.0
        for name in picked:
            pid, price = products[name]
            qty = 1 if n < 6 else rng.choice((1, 1, 1, 2, 3))
            item_id, line_id = store.new_id("OrderItem"), store.new_id("InvoiceItem")
            items.append(
                {
                    "Id": item_id,
                    "OrderId": job_id,
                    "ProductId": pid,
                    "ItemName": name,
                    "Qty": qty,
                    "CPU": round(price * 0.4, 2),
                    "PPU": price,
                    "ItemDescription": name,
                    "InvoiceItemId": line_id,
                    "ItemType": 4,
                    "Notes": None,
                }
            )
            lines.append(
                {
                    "Id": line_id,
                    "InvoiceId": invoice_id,
                    "InvoiceAmt": price * qty,
                    "Discount": 0.0,
                    "DateCreated": created,
                    "Description": name,
                    "CommissionStatus": 0,
                    "OrderItemId": item_id,
                }
            )
            total += price * qty
        total = round(total, 6)
        roll = rng.random()
        paid = cents_down(total) if (n < 6 or roll < 0.75) else (0.0 if roll < 0.9 else cents_down(total / 2))
        due = round(total - paid, 6)
        jobs.append(
            {
                "Id": job_id,
                "JobTitle": f"Order #{1000 + n}",
                "ContactId": c["Id"],
                "StartDate": created[:10] + " 00:00:00",
                "DueDate": created[:10] + " 00:00:00",
                "ProductId": products[picked[0]][0],
                "JobStatus": "Fulfilled" if due <= 0 else "",
                "DateCreated": created,
                "InvoiceId": invoice_id,
                "OrderType": rng.choice(("Online", "Offline")),
                "OrderStatus": 0,
                "ShipFirstName": c["FirstName"],
                "ShipLastName": c["LastName"],
                "ShipStreet1": c["StreetAddress1"],
                "ShipCity": c["City"],
                "ShipZip": c["PostalCode"],
                "ShipCountry": c["Country"],
                "LastUpdated": created,
            }
        )
        invoices.append(
            {
                "Id": invoice_id,
                "ContactId": c["Id"],
                "DateCreated": created,
                "InvoiceTotal": total,
                "TotalPaid": paid,
                "TotalDue": due,
                "PayStatus": 1 if due <= 0 else 0,
                "CreditStatus": 0,
                "RefundStatus": 0,
                "PayPlanStatus": 0,
                "AffiliateId": 0,
                "LeadAffiliateId": 0,
                "PromoCode": rng.choice((None, None, "SPRING10")),
                "InvoiceType": "Online",
                "Description": f"Order #{1000 + n}",
                "ProductSold": ",".join(str(products[p][0]) for p in picked),
                "Synced": 0,
                "JobId": job_id,
                "LastUpdated": created,
            }
        )
    b.insert_dicts("Job", jobs)
    b.insert_dicts("OrderItem", items)
    b.insert_dicts("Invoice", invoices)
    b.insert_dicts("InvoiceItem", lines)
    b.insert_dicts("RecurringOrder", _subscriptions(b, contacts, products))


def _day(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%d} 00:00:00"


def _billing_dates(
    start: date, months: int, today: date, active: bool, pick: float, stop: float
) -> tuple[date, date, date | None]:
    """(LastBillDate, NextBillDate, EndDate) of a plan billed every ``months`` since ``start``.

    Active: billed on or before today, next bill after today. Inactive (``start`` must be
    more than one period back): stopped between two bills that both lie before today, so
    nothing about it is ahead; ``pick`` and ``stop`` in [0, 1) choose which bill and when.
    """
    if active:
        n = 1
        while add_months(start, n * months) <= today:
            n += 1
        return add_months(start, (n - 1) * months), add_months(start, n * months), None
    due = 0  # bills after the first one that fall before today
    while add_months(start, (due + 1) * months) < today:
        due += 1
    n = 1 + int(pick * max(due, 1))
    last, nxt = add_months(start, (n - 1) * months), add_months(start, n * months)
    return last, nxt, last + timedelta(days=int(stop * (nxt - last).days))


def _bills_on(start: date, months: int, day: date) -> bool:
    """Whether a plan billed every ``months`` since ``start`` bills again on ``day``."""
    n = 1
    while add_months(start, n * months) < day:
        n += 1
    return add_months(start, n * months) == day


def _subscriptions(
    b: Builder, contacts: list[dict[str, Any]], products: dict[str, tuple[int, float]]
) -> list[dict[str, Any]]:
    """120 Pro Plan subscriptions, ~70% active; a contact too new to have lapsed stays active."""
    rng = b.rng
    subs = []
    plans = [products["Pro Plan (monthly)"], products["Pro Plan (annual)"]]
    for _ in range(120):
        c = rng.choice(contacts)
        pid, price = rng.choice(plans)
        months = 1 if price < 500 else 12
        created = _dt(c["DateCreated"])
        # an inactive plan starts before this, so its bills and its end all lie before today
        lapse_by = datetime.combine(add_months(b.today, -months), time()) - timedelta(days=1)
        # a fixed number of draws whatever the dates, so the seeding day changes no other row
        roll, where, pick, stop = rng.random(), rng.random(), rng.random(), rng.random()
        reason = rng.choice(("Cancelled by customer", "Card declined"))
        active = roll < 0.7 or created >= lapse_by
        until = b.end if active else lapse_by
        start = (created + (until - created) * where).date()
        while active and _bills_on(start, months, b.today):  # a bill today would be dated today
            start += timedelta(days=1)
        last, nxt, ended = _billing_dates(start, months, b.today, active, pick, stop)
        subs.append(
            {
                "ContactId": c["Id"],
                "ProductId": pid,
                "SubscriptionPlanId": pid,
                "ProgramId": pid,
                "StartDate": _day(start),
                "LastBillDate": _day(last),
                "NextBillDate": _day(nxt),
                "EndDate": _day(ended),
                "BillingCycle": "2" if months == 1 else "1",
                "Frequency": 1,
                "BillingAmt": price,
                "Status": "Active" if active else "Inactive",
                "ReasonStopped": None if active else reason,
                "AutoCharge": 1,
                "Qty": 1,
                "MaxRetry": 3,
                "NumDaysBetweenRetry": 2,
                "MerchantAccountId": 1,
                "AffiliateId": 0,
                "LeadAffiliateId": 0,
            }
        )
    return subs


def _links_and_notes(b: Builder, contact_ids: list[int]) -> None:
    rng = b.rng
    store = b.store
    types = [(r["Id"], r["MaxLinked"]) for r in store.rows("LinkedContactType")]
    used: dict[tuple[int, int], int] = {}
    seen: set[tuple[int, int, int]] = set()
    links: list[tuple[int, int, int, str]] = []
    while len(links) < 200:
        a, c = rng.sample(contact_ids, 2)
        type_id, cap = rng.choice(types)
        if (a, c, type_id) in seen or (c, a, type_id) in seen:
            continue
        if cap and (used.get((a, type_id), 0) >= cap or used.get((c, type_id), 0) >= cap):
            continue
        seen.add((a, c, type_id))
        used[(a, type_id)] = used.get((a, type_id), 0) + 1
        used[(c, type_id)] = used.get((c, type_id), 0) + 1
        links.append((a, c, type_id, b.when()))
    store.insert_many("_LinkedContact", ("ContactId1", "ContactId2", "LinkTypeId", "DateCreated"), links)
    notes = []
    for _ in range(1500):
        created = b.when()
        kind = rng.choice(("Note", "Note", "Note", "Task", "Appointment"))
        # tasks and appointments fall due 1-21 days after they were made: open recent ones lie ahead
        due = _dt(created) + timedelta(days=rng.randint(1, 21)) if kind != "Note" else _dt(created)
        done = b.when(_dt(created)) if kind != "Note" and rng.random() < 0.6 else None
        if done is not None:
            due = min(due, _dt(done))
        notes.append(
            {
                "ContactId": rng.choice(contact_ids),
                "ActionType": rng.choice(("Call", "Email", "Other")),
                "ActionDescription": rng.choice(
                    ("Follow-up call", "Sent quote", "Support question", "Meeting notes")
                ),
                "CreationNotes": rng.choice(NOTE_TEXTS),
                "CreationDate": created,
                "ActionDate": f"{due:%Y-%m-%d %H:%M:%S}",
                "CompletionDate": done,
                "UserID": rng.choice(b.users),
                "CreatedBy": rng.choice(b.users),
                "LastUpdated": created,
                "LastUpdatedBy": b.users[0],
                "Priority": rng.choice((1, 2, 3)),
                "IsAppointment": int(kind == "Appointment"),
                "Accepted": 0,
                "ObjectType": kind,
            }
        )
    b.insert_dicts("ContactAction", notes)
