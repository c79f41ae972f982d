"""Seed data: an account that looks lived in ("demo"), an empty one, or N plain contacts.

Dated relative to the seeding day (``Builder(today=...)``, default today in US Eastern):
the history covers the eight years before it, and only what belongs ahead (next bills,
expected closes, open tasks, renewals) lies after it. Deterministic for a given day (fixed
random seed; a different day moves the dates and nothing else) and fast: rows are built
in Python and written with ``executemany`` inside one transaction, so a demo account
starts in well under a second and 100,000 plain contacts build in seconds. The demo
deliberately contains the awkward things real accounts hold: both NULL and '' blanks,
near-duplicate tags, duplicate e-mails, opted-out addresses, stored 0x0B / 0x19
characters, invoices short of paid by a fraction of a cent, and ids from the
multi-master pair.
"""

from __future__ import annotations

import calendar
import random
import unicodedata
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.core.dates import EASTERN
from app.core.schema import CUSTOM_TYPE_NAMES, custom_field_db_name
from app.sandbox.names import JOB_TITLES, LOCALES, Locale, fill
from app.sandbox.store import Store

RANDOM_SEED = 20240611
#: How far back the seeded account's history reaches from the seeding day.
HISTORY_YEARS = 8
DATA_DIR = Path(__file__).parent / "data"
_TYPE_CODES = {name: int(code) for code, name in CUSTOM_TYPE_NAMES.items()}
_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "'": ""}
)

CATEGORIES: dict[str, list[str]] = {
    "Lead Source": [
        "LS: Website",
        "LS: Facebook Ad",
        "LS: Google Ads",
        "LS: Referral",
        "LS: Trade Show",
        "LS: Webinar",
        "LS: Podcast",
    ],
    "Customer Status": [
        "Customer",
        "customer ",
        "Customers",
        "Prospect",
        "Former Customer",
        "VIP",
        "Churn Risk",
        "Do Not Contact",
    ],
    "Interests": [
        "Interest: Email Marketing",
        "Interest: Automation",
        "Interest: CRM",
        "Interest: E-commerce",
        "Interest: Social Media",
        "Interest: SEO",
        "Interest: Analytics",
    ],
    "Events": [
        "Webinar 2023-03 Registered",
        "Webinar 2023-03 Attended",
        "Webinar 2024-09 Registered",
        "Webinar 2024-09 Attended",
        "Summit 2024 Attendee",
        "Summit 2025 Waitlist",
        "Workshop: Café Lyon",
    ],
    "Products Purchased": [
        "Bought: Starter Kit",
        "Bought: Pro Plan",
        "Bought: Coaching",
        "Bought: E-book",
        "Bought: Annual Pass",
        "Refund Requested",
        "Cart Abandoned",
    ],
    "Newsletter": [
        "Newsletter: Weekly",
        "Newsletter: Monthly",
        "Newsletter: Product Updates",
        "Unsubscribed - Newsletter",
        "Bounced",
        "Double Opt-in Confirmed",
    ],
    "Region": [
        "Region: North America",
        "Region: DACH",
        "Region: France",
        "Region: Iberia",
        "Region: Nordics",
        "Region: CEE",
        "Region: APAC",
        "Region: UK & Ireland",
    ],
    "Internal / Admin": [
        "Imported 2019",
        "Imported 2021 (old CRM)",
        "Needs Review",
        "Test Contact",
        "API: Synced",
        "Duplicate?",
    ],
}
UNCATEGORISED = ["zapier-temp", "Old Tag - do not use", "Misc", "Follow up"]
EMPTY_TAGS = {"Summit 2025 Waitlist", "Old Tag - do not use", "Interest: SEO", "Test Contact"}
HEAVY_TAGS = {
    "Customer": 9.0,
    "Newsletter: Weekly": 8.0,
    "Prospect": 6.0,
    "LS: Website": 5.0,
    "Region: North America": 5.0,
    "Imported 2019": 4.0,
    "Customers": 1.5,
    "customer ": 0.4,
}
#: Tags real accounts apply to a handful of contacts only (fixed, so the spread stays uneven).
RARE_TAGS = {"Refund Requested": 0.05, "Duplicate?": 0.04}

#: (label, data type name, group, options) of the demo's contact custom fields.
CONTACT_CUSTOM_FIELDS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("Lead Score", "Number", "Profile", ()),
    ("T-Shirt Size", "Select", "Profile", ("S", "M", "L", "XL")),
    ("Membership Level", "Radio", "Profile", ("Bronze", "Silver", "Gold")),
    ("Renewal Date", "Date", "Profile", ()),
    ("SSN", "SSN", "Profile", ()),
    ("Newsletter?", "YesNo", "Marketing", ()),
    ("Referral Source", "Text", "Marketing", ()),
    ("UTM Campaign", "Text", "Marketing", ()),
    ("Last Webinar", "DateTime", "Marketing", ()),
    ("Personal Website", "Website", "Marketing", ()),
    ("Lifetime Value", "Currency", "Billing", ()),
    ("Internal Notes", "TextArea", "Billing", ()),
]

PRODUCTS: list[tuple[str, float, str | None]] = [
    ("Starter Kit", 49.0, "product_red.jpg"),
    ("Pro Plan (monthly)", 99.0, None),
    ("Pro Plan (annual)", 990.0, None),
    ("Coaching Session", 150.0, None),
    ("E-book: Automation Basics", 19.995, None),
    ("T-Shirt", 24.5, "product_blue.jpg"),
    ("Mug", 12.75, "product_green.jpg"),
    ("Workshop Ticket", 299.0, None),
    ("Sticker Pack", 4.999, "product_amber.jpg"),
    ("Gift Card", 50.0, None),
    ("Consulting Hour", 180.0, None),
    ("Café Voucher", 7.5, None),
]
FRACTION_PRODUCTS = ("E-book: Automation Basics", "Sticker Pack")
USERS = [("Avery", "Admin"), ("Morgan", "Sales"), ("Jamie", "Support"), ("Riley", "Owner"), ("Sam", "Books")]
STAGES = [
    ("New Opportunity", 1, 3),
    ("Qualified", 2, 7),
    ("Proposal Sent", 3, 10),
    ("Negotiation", 4, 14),
    ("Won", 5, 0),
    ("Lost", 6, 0),
]
LINK_TYPES = [
    ("Spouse", 1),
    ("Assistant", 1),
    ("Business Partner", 0),
    ("Parent/Guardian", 2),
    ("Referred By", 0),
]
CAMPAIGNS = [
    ("Webinar follow-up", "Active"),
    ("Guide nurture", "Active"),
    ("New customer onboarding", "Active"),
    ("Win-back 2023", "Inactive"),
    ("Summit 2025 launch", "Draft"),
    ("Newsletter", "Active"),
]
LEAD_SOURCES = [
    ("Website", "Organic"),
    ("Facebook", "Paid social"),
    ("Google Ads", "Paid search"),
    ("Referral", "Word of mouth"),
    ("Trade Show", "Events"),
    ("Webinar", "Events"),
    ("Podcast", "Audio"),
    ("Partner", "Partners"),
]


def seed_day() -> date:
    """Today as Keap sees it (US Eastern): the day a new account is seeded on."""
    return datetime.now(EASTERN).date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the month's end (Jan 31 + 1 -> Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def ascii_fold(text: str) -> str:
    """Accent-free lower-case ASCII for e-mail local parts."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in ".-")).lower()


class Builder:
    """Writes one seed into an empty store, inside the caller's transaction."""

    def __init__(
        self, store: Store, app_name: str, seed: int = RANDOM_SEED, today: date | None = None
    ) -> None:
        self.store = store
        self.app_name = app_name
        self.rng = random.Random(seed)
        self.users: list[int] = []
        self.groups: dict[str, int] = {}
        #: The seeding day (naive US Eastern like every stored date); history ends as it begins,
        #: so only what belongs ahead (next bills, expected closes, due tasks) is dated later.
        self.today = today or seed_day()
        self.end = datetime.combine(self.today, time())
        self.start = datetime.combine(add_months(self.today, -12 * HISTORY_YEARS), time())

    # --- small helpers -------------------------------------------------------------------

    def when(self, start: datetime | None = None, end: datetime | None = None) -> str:
        """A random moment in [start, end) (default: the account's history).

        One ``random()`` draw whatever the span, so the seeding day moves the dates but
        never which names, tags or amounts the later draws pick.
        """
        start = self.start if start is None else start
        end = self.end if end is None else end
        span = max(0, int((end - start).total_seconds()))
        return (start + timedelta(seconds=int(self.rng.random() * span))).strftime("%Y-%m-%d %H:%M:%S")

    def days_ago(self, days: float) -> datetime:
        """The moment ``days`` before the seeding day began."""
        return self.end - timedelta(days=days)

    def digits(self, pattern: str) -> str:
        """A postal code or phone number from a pattern of :mod:`app.sandbox.names`."""
        return fill(pattern, self.rng)

    def locale(self) -> Locale:
        return self.rng.choices(LOCALES, weights=[loc.weight for loc in LOCALES])[0]

    def insert_dicts(self, table: str, rows: list[dict[str, Any]]) -> list[int]:
        """Insert rows (ids allocated where missing); returns their ids."""
        columns: dict[str, None] = {}
        for row in rows:
            if "Id" not in row and self.store.tdef(table).has_id:
                row["Id"] = self.store.new_id(table)
            columns.update(dict.fromkeys(row))
        names = list(columns)
        self.store.insert_many(table, names, [tuple(row.get(c) for c in names) for row in rows])
        return [int(row.get("Id") or 0) for row in rows]

    def custom_field(
        self,
        form_id: int,
        table: str | None,
        label: str,
        type_name: str,
        group: str,
        options: tuple[str, ...] = (),
    ) -> str:
        code = _TYPE_CODES[type_name]
        name = custom_field_db_name(label)
        field_id = self.store.insert(
            "DataFormField",
            {
                "DataType": code,
                "FormId": form_id,
                "GroupId": self.groups[group],
                "Name": name,
                "Label": label,
                "Values": ("\n" + "\n".join(options)) if options else None,
                "ListRows": 0,
            },
        )
        if table is not None:
            self.store.add_custom_column(table, "_" + name, code, field_id)
        return "_" + name

    # --- the account's fixtures (every seed) ----------------------------------------------------

    def base(self, user_count: int) -> None:
        users: list[dict[str, Any]] = []
        for first, last in USERS[:user_count]:
            users.append(
                {
                    "FirstName": first,
                    "LastName": last,
                    "Email": f"{first.lower()}@tagdesk-demo.example",
                    "Phone1": "(555) 010-0" + str(100 + len(users)),
                    "City": "Boston",
                    "State": "MA",
                    "Title": "",
                    "Partner": 0,
                    "Signature": f"{first} {last}\nTagDesk Demo Co.",
                }
            )
        self.users = self.insert_dicts("User", users)
        for form_id, tab, groups in (
            (-1, "Custom Fields", ("Profile", "Marketing", "Billing")),
            (-6, "Company Details", ("Company Info",)),
            (-4, "Opportunity", ("Deal",)),
        ):
            tab_id = self.store.insert("DataFormTab", {"FormId": form_id, "TabName": tab})
            for group in groups:
                self.groups[group] = self.store.insert("DataFormGroup", {"TabId": tab_id, "Name": group})
        self.insert_dicts(
            "Stage", [{"StageName": n, "StageOrder": o, "TargetNumDays": d} for n, o, d in STAGES]
        )
        self.insert_dicts("LinkedContactType", [{"TypeName": n, "MaxLinked": m} for n, m in LINK_TYPES])
        campaign_ids = self.insert_dicts("Campaign", [{"Name": n, "Status": s} for n, s in CAMPAIGNS])
        self.insert_dicts(
            "LeadSource",
            [
                {
                    "Name": n,
                    "Description": f"Contacts who came through {n.lower()}",
                    "Medium": m,
                    "Status": "Active",
                    "StartDate": self.start.strftime("%Y-%m-%d %H:%M:%S"),
                    "CostPerLead": "0",
                }
                for n, m in LEAD_SOURCES
            ],
        )
        goals = [
            (self.app_name, "webinarAttended", "Webinar attended", campaign_ids[0]),
            (self.app_name, "webinarAttended", "Webinar attendee scoring", campaign_ids[2]),
            (self.app_name, "downloadedGuide", "Guide downloaded", campaign_ids[1]),
            ("zapier", "newLead", "Lead from Zapier", campaign_ids[1]),
        ]
        self.store.insert_many("_Goal", ("Integration", "CallName", "Name", "CampaignId"), goals)
        self.store.set_meta("seed_day", self.today.isoformat())

    def tags(self, categories: dict[str, list[str]], uncategorised: list[str]) -> list[tuple[int, str]]:
        cat_rows = [
            {"CategoryName": c, "CategoryDescription": None if i % 3 == 2 else f"Tags about {c.lower()}"}
            for i, c in enumerate(categories)
        ]
        cat_ids = self.insert_dicts("ContactGroupCategory", cat_rows)
        rows = []
        for cat_id, (_, names) in zip(cat_ids, categories.items(), strict=True):
            for i, name in enumerate(names):
                rows.append(
                    {
                        "GroupName": name,
                        "GroupCategoryId": cat_id,
                        "GroupDescription": ("" if i % 5 == 4 else f"Applied for {name.strip()}"),
                    }
                )
        for name in uncategorised:
            rows.append({"GroupName": name, "GroupCategoryId": 0, "GroupDescription": None})
        ids = self.insert_dicts("ContactGroup", rows)
        return list(zip(ids, [str(r["GroupName"]) for r in rows], strict=True))

    def assign(
        self,
        contacts: list[tuple[int, str]],
        tags: list[tuple[int, str]],
        weights: list[float],
        mean: float,
        cap: int,
    ) -> dict[int, str]:
        """Write ContactGroupAssign rows; returns each contact's Groups string."""
        cga: list[tuple[int, int, str, str]] = []
        groups: dict[int, str] = {}
        rng = self.rng
        for contact_id, created in contacts:
            k = min(cap, int(rng.expovariate(1.0 / mean))) if mean > 0 else 0
            picked: dict[int, str] = {}
            for _ in range(k * 2):
                if len(picked) >= k:
                    break
                tag_id, name = rng.choices(tags, weights=weights)[0]
                picked.setdefault(tag_id, name)
            start = datetime.strptime(created, "%Y-%m-%d %H:%M:%S")
            dated = sorted((self.when(start), tid, name) for tid, name in picked.items())
            for stamp, tid, name in dated:
                cga.append((contact_id, tid, name, stamp))
            if dated:
                groups[contact_id] = ",".join(str(tid) for _, tid, _ in dated)
        self.store.insert_many(
            "ContactGroupAssign", ("ContactId", "GroupId", "ContactGroup", "DateCreated"), cga
        )
        return groups

    def email_statuses(self, emails: list[str], weights: tuple[float, ...]) -> None:
        statuses = ("single", "double", "unengaged", "optout", "bounce")
        reasons = {
            "single": "API Opt In",
            "double": "Confirmed via double opt-in",
            "unengaged": "Imported",
            "optout": "Unsubscribed from newsletter",
            "bounce": "Hard bounce",
        }
        rows = []
        for email in emails:
            status = self.rng.choices(statuses, weights=weights)[0]
            rows.append((email, status, reasons[status], self.when()))
        self.store.conn.executemany(
            'INSERT OR IGNORE INTO "_EmailStatus" (Email, Status, Reason, DateChanged) VALUES (?, ?, ?, ?)',
            rows,
        )

    def person(self, loc: Locale, serial: int) -> dict[str, Any]:
        """One contact's standard fields (without ids, tags or custom fields)."""
        rng = self.rng
        first, last = loc.name(rng)
        place = rng.choice(loc.places)
        created = self.when()
        local = f"{ascii_fold(first)}.{ascii_fold(last)}".replace(" ", "")
        email = f"{local}{serial if rng.random() < 0.5 else ''}@{rng.choice(loc.domains)}"
        street = loc.address.format(number=rng.randrange(1, 240), street=rng.choice(loc.streets))
        return {
            "FirstName": first,
            "LastName": last,
            "Email": email,
            "Phone1": self.digits(place.phone),
            "Phone1Type": rng.choice(("Work", "Mobile", "Home")),
            "StreetAddress1": street,
            "City": place.city,
            "State": place.region,
            "PostalCode": self.digits(place.postal),
            "Country": loc.country,
            "JobTitle": rng.choice(JOB_TITLES) if rng.random() < 0.6 else None,
            "ContactType": rng.choice(("Lead", "Customer", "Prospect", "Other")),
            "DateCreated": created,
            "LastUpdated": self.when(datetime.strptime(created, "%Y-%m-%d %H:%M:%S")),
            "OwnerID": rng.choice(self.users) if self.users and rng.random() < 0.8 else None,
            "CreatedBy": self.users[0] if self.users else None,
            "LastUpdatedBy": self.users[0] if self.users else None,
        }


def seed_plain(builder: Builder, count: int, *, assignments: int = 0, assignment_tags: int = 150) -> None:
    """N quickly built contacts: names, e-mails, addresses, a few tags each.

    ``assignments`` > 0 tops the tag assignments up to about that many (a large account's):
    see :func:`add_assignments`. The default (0) leaves the seed exactly as it was.
    """
    tags = builder.tags(
        {
            "Status": ["Customer", "Prospect", "VIP", "Former Customer"],
            "Marketing": ["Newsletter", "Webinar", "Imported", "Region: EU"],
        },
        [],
    )
    rows = []
    for i in range(count):
        loc = builder.locale()
        row = builder.person(loc, i)
        row["Id"] = builder.store.new_id("Contact")
        rows.append(row)
    groups = builder.assign(
        [(r["Id"], r["DateCreated"]) for r in rows], tags, [5, 3, 1, 1, 4, 2, 2, 1], mean=1.5, cap=5
    )
    if assignments > 0:
        existing = sum(1 + g.count(",") for g in groups.values())
        groups = add_assignments(builder, [(r["Id"], r["DateCreated"]) for r in rows], groups,
                                 assignments - existing, assignment_tags)
    for row in rows:
        row["Groups"] = groups.get(row["Id"])
    builder.insert_dicts("Contact", rows)
    builder.email_statuses([r["Email"] for r in rows], (40, 15, 35, 8, 2))


def _tag_sizes(total: int, tags: int, cap: int) -> list[int]:
    """Members per tag: proportional to rank**-0.7, at most ``cap`` each, summing to about
    ``total`` (what a capped tag cannot hold goes to the others)."""
    weights = [(rank + 1) ** -0.7 for rank in range(tags)]
    sizes = [0] * tags
    free = list(range(tags))
    left = min(total, cap * tags)
    while left > 0 and free:
        share = left / sum(weights[i] for i in free)
        capped = [i for i in free if weights[i] * share >= cap]
        if not capped:
            for i in free:
                sizes[i] = round(weights[i] * share)
            break
        for i in capped:
            sizes[i] = cap
            left -= cap
        free = [i for i in free if i not in capped]
    return sizes


def add_assignments(builder: Builder, contacts: list[tuple[int, str]], groups: dict[int, str],
                    extra: int, tag_count: int) -> dict[int, str]:
    """``extra`` more assignments over ``tag_count`` new tags ("Segment 001"...), sized like a
    real account's (a few large tags, a long tail: member counts fall as rank**-0.7, each tag
    at most every contact); each tag's members are distinct contacts, tagged when created.
    Uses its own random stream, so the contacts and their other data stay as without it.
    Returns ``groups`` (each contact's Groups string) with the new tags added.
    """
    if extra <= 0 or tag_count <= 0 or not contacts:
        return groups
    rng = random.Random(RANDOM_SEED + 1)
    tags = builder.tags({"Segments": [f"Segment {i + 1:03d}" for i in range(tag_count)]}, [])
    sizes = _tag_sizes(extra, len(tags), len(contacts))
    created = dict(contacts)
    ids = list(created)
    added: dict[int, list[int]] = {}
    cga: list[tuple[int, int, str, str]] = []
    for (tag_id, name), size in zip(tags, sizes, strict=True):
        for contact_id in rng.sample(ids, size):
            cga.append((contact_id, tag_id, name, created[contact_id]))
            added.setdefault(contact_id, []).append(tag_id)
    cga.sort()
    builder.store.insert_many("ContactGroupAssign", ("ContactId", "GroupId", "ContactGroup", "DateCreated"),
                              cga)
    out = dict(groups)
    for contact_id, tag_ids in added.items():
        new = ",".join(map(str, tag_ids))
        out[contact_id] = f"{out[contact_id]},{new}" if out.get(contact_id) else new
    return out
