"""Finding groups of contacts that are probably one person: pure, no calls, no Qt.

Rows (dicts as the contacts service reads them) are bucketed by keys, and contacts
sharing a key are linked; a group is a connected component of the links (union-find),
so the work is linear in the rows: 250,000 contacts take a couple of seconds, with no
pairwise comparison.

Keys and the strength of their links:

- **high**: the same e-mail address in any of the three slots (trimmed, case-insensitive)
  and the same last name (or none); also the same phone number *and* the same name.
- **medium**: the same e-mail address under different last names (a family's or an
  office's shared address: "Pawel Kaminski" and "Inés Núñez" must not be batch-merged).
- **medium**: the same phone number (digits only, compared on the last 9 digits, at least 7
  digits; an extension such as "x12" is dropped; numbers made of one repeated digit or a
  run such as 1234567 are ignored); the same first and last name *and* the same company.
- **low**, only when asked for (``names=True``): the same first and last name where at least
  one of the two has no company (namesakes at two different companies are never linked).
  Off by default because a name alone says little: in the 2,500-contact demo account it
  made 443 groups, nearly all of them different people.

Names and companies are compared after transliteration and accent folding (unidecode:
"José Müller" is "Jose Muller"), case folding, punctuation turned into spaces and spaces
collapsed; a company's trailing legal form ("Inc", "LLC", "GmbH" ...) is ignored. A phone
or name shared by more than :data:`MAX_SHARED` contacts (a switchboard, a "John Smith"
in a large account) links nobody: such a group would be noise, not a duplicate. E-mail
addresses have no such limit: contacts sharing one address are merged in Keap's eyes too.

A group's **confidence** is the strongest level whose links alone still hold the whole
group together: "high" only when every member reaches every other through high links;
a group that needs one medium link somewhere is "medium", even if most links are high.
The **suggested survivor** is the oldest contact (lowest DateCreated, then lowest Id; Ids
are not in creation order in Keap), because its history, automation and reporting are
the longest; the user may pick another.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from unidecode import unidecode

Confidence = Literal["high", "medium", "low"]
LEVELS: tuple[Confidence, ...] = ("high", "medium", "low")

#: Fields the finder reads (the service asks for exactly these).
FIELDS = ("Id", "FirstName", "LastName", "Company", "Email", "EmailAddress2", "EmailAddress3",
          "Phone1", "Phone2", "Phone3", "Phone4", "Phone5", "DateCreated", "LastUpdated")
EMAIL_FIELDS = ("Email", "EmailAddress2", "EmailAddress3")
PHONE_FIELDS = ("Phone1", "Phone2", "Phone3", "Phone4", "Phone5")
#: A phone or name key shared by more contacts than this links none of them (see above).
MAX_SHARED = 10
PHONE_DIGITS = 9
MIN_PHONE_DIGITS = 7

_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s*\d+\s*$")
_NON_DIGIT = re.compile(r"\D+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LEGAL_FORMS = frozenset({"inc", "incorporated", "llc", "ltd", "limited", "co", "corp", "corporation",
                          "gmbh", "ag", "sa", "sarl", "bv", "plc", "pty", "llp", "lp"})

#: What each kind of key is called in a reason, and the strength of its links.
KIND_LABEL = {"email": "same e-mail", "email-shared": "same e-mail, other names",
              "name+phone": "same name and phone", "phone": "same phone",
              "name+company": "same name and company", "name": "same name"}
KIND_LEVEL: dict[str, Confidence] = {"email": "high", "email-shared": "medium", "name+phone": "high",
                                     "phone": "medium", "name+company": "medium", "name": "low"}


@dataclass(frozen=True)
class Reason:
    """One key members of a group share: ``kind`` (see :data:`KIND_LABEL`) and the folded value."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{KIND_LABEL[self.kind]} ({self.value})"


@dataclass(frozen=True)
class DuplicateGroup:
    """Contacts that are probably one person.

    Attributes:
        ids: the members, lowest Id first.
        reasons: the keys that linked them, strongest first.
        confidence: see the module docstring.
        keep: the suggested survivor (the oldest contact).
        rows: the rows read for the members (names, e-mails, phones, dates), by Id.
    """

    ids: tuple[int, ...]
    reasons: tuple[Reason, ...]
    confidence: Confidence
    keep: int
    rows: Mapping[int, Mapping[str, object]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def reason(self) -> str:
        """The reasons as one line, e.g. "same e-mail (ann@example.com); same phone (550102000)"."""
        return "; ".join(str(r) for r in self.reasons)

    @property
    def duplicates(self) -> tuple[int, ...]:
        """The members other than the suggested survivor."""
        return tuple(i for i in self.ids if i != self.keep)


def fold(text: object) -> str:
    """Text as names are compared: transliterated, accent-folded, case-folded, punctuation as
    spaces, spaces collapsed ("  José  MÜLLER-Smith " -> "jose muller smith")."""
    return _fold(text) if isinstance(text, str) and text else ""


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:  # names repeat across an account: fold each spelling once
    return " ".join(_NOT_WORD.split(unidecode(text).casefold())).strip()


def email_key(value: object) -> str:
    """A trimmed, case-folded address; "" for a blank or something that is no address."""
    if not isinstance(value, str):
        return ""
    text = value.strip().casefold()
    return text if "@" in text and " " not in text else ""


def phone_key(value: object) -> str:
    """The last 9 digits of a number (extension dropped); "" when too short or obviously fake."""
    if not isinstance(value, str | int):
        return ""
    digits = _NON_DIGIT.sub("", _EXTENSION.sub("", str(value)))
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    digits = digits[-PHONE_DIGITS:]
    if len(set(digits)) == 1 or digits in "01234567890123456789" or digits in "98765432109876543210":
        return ""
    return digits


def name_key(row: Mapping[str, object]) -> str:
    """Folded "first last"; "" unless both are present (one name alone says too little)."""
    first, last = fold(row.get("FirstName")), fold(row.get("LastName"))
    return f"{first} {last}" if first and last else ""


def company_key(value: object) -> str:
    """A folded company name without its trailing legal form ("Acme, Inc." -> "acme")."""
    words = fold(value).split()
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _id(row: Mapping[str, object]) -> int:
    value = row["Id"]
    if isinstance(value, int | str):
        return int(value)
    raise ValueError(f"a row's Id is not a number: {value!r}")


def _created_key(row: Mapping[str, object]) -> tuple[int, float, int]:
    """(undated?, timestamp, Id): sorts the oldest first, undated contacts last."""
    value = row.get("DateCreated")
    stamp: float | None = None
    if isinstance(value, datetime):
        stamp = value.timestamp()
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day).timestamp()
    elif isinstance(value, str) and value.strip():
        try:
            stamp = datetime.fromisoformat(value.strip()).timestamp()
        except ValueError:
            stamp = None
    return (0, stamp, _id(row)) if stamp is not None else (1, 0.0, _id(row))


def suggested_survivor(rows: Iterable[Mapping[str, object]]) -> int:
    """The oldest contact's Id (lowest DateCreated, then lowest Id; undated ones last)."""
    return min(_created_key(r) for r in rows)[2]


def _links(rows: Sequence[Mapping[str, object]]) -> tuple[dict[str, dict[str, list[int]]], dict[str, int]]:
    """kind -> key -> row indexes sharing it (each index once per key), and how many rows
    carry each folded name."""
    buckets: dict[str, dict[str, list[int]]] = {kind: defaultdict(list) for kind in KIND_LABEL}
    name_counts: dict[str, int] = defaultdict(int)
    for index, row in enumerate(rows):
        emails = {k for f in EMAIL_FIELDS if (v := row.get(f)) and (k := email_key(v))}
        phones = {k for f in PHONE_FIELDS if (v := row.get(f)) and (k := phone_key(v))}
        name = name_key(row)
        for key in emails:
            buckets["email"][key].append(index)
        for key in phones:
            buckets["phone"][key].append(index)
            if name:
                buckets["name+phone"][f"{name} {key}"].append(index)
        if name:
            name_counts[name] += 1
            company = company_key(row.get("Company"))
            if company:
                buckets["name+company"][f"{name} | {company}"].append(index)
            else:
                buckets["name"][name].append(index)
    return buckets, name_counts


def find_groups(rows: Sequence[Mapping[str, object]], *, names: bool = False) -> list[DuplicateGroup]:
    """Duplicate groups among ``rows`` (each with at least ``Id``), strongest and largest first;
    ``names``: link contacts by the same name alone too (low confidence)."""
    rows = [r for r in rows if r.get("Id") is not None]
    buckets, name_counts = _links(rows)
    if not names:
        buckets["name"].clear()
    # A contact without a company and its namesakes with one: the "name" link (low) joins it
    # to one member of each company's namesakes (connectivity is all union-find needs);
    # namesakes at two different companies are not linked unless such a contact exists.
    with_company: dict[str, list[int]] = defaultdict(list)
    for key, members in buckets["name+company"].items():
        with_company[key.split(" | ", 1)[0]].append(members[0])
    for name, members in buckets["name"].items():
        members.extend(with_company.get(name, ()))
    _split_emails(buckets, [fold(r.get("LastName")) for r in rows])

    union = _UnionFind(len(rows))
    roots_at: dict[Confidence, list[int]] = {}
    used: list[tuple[str, str, list[int]]] = []
    for level in LEVELS:
        for kind, level_of in KIND_LEVEL.items():
            if level_of != level:
                continue
            for key, members in buckets[kind].items():
                if len(members) < 2 or _too_common(kind, key, members, buckets, name_counts):
                    continue
                used.append((kind, key, members))
                first = members[0]
                for other in members[1:]:
                    union.union(first, other)
        roots_at[level] = [union.find(i) for i in range(len(rows))]

    final = roots_at["low"]
    members_of: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(final):
        members_of[root].append(index)
    reasons_of: dict[int, list[Reason]] = defaultdict(list)
    for kind, key, members in used:
        reason = Reason(kind, _shown(kind, key))
        group_reasons = reasons_of[final[members[0]]]
        if reason not in group_reasons:
            group_reasons.append(reason)

    groups: list[DuplicateGroup] = []
    for root, members in members_of.items():
        if len(members) < 2:
            continue
        confidence = next(level for level in LEVELS if len({roots_at[level][i] for i in members}) == 1)
        member_rows = {_id(rows[i]): rows[i] for i in members}
        reasons = _without_repeats(reasons_of[root])
        groups.append(DuplicateGroup(tuple(sorted(member_rows)), tuple(reasons), confidence,
                                     suggested_survivor(member_rows.values()), member_rows))
    groups.sort(key=lambda g: (LEVELS.index(g.confidence), -len(g.ids), g.keep))
    return groups


def _split_emails(buckets: dict[str, dict[str, list[int]]], last_names: Sequence[str]) -> None:
    """An address shared under one last name links high; under several, medium (see the module
    docstring). Contacts without a last name join the address's largest namesake set."""
    high: dict[str, list[int]] = {}
    shared: dict[str, list[int]] = {}
    for address, members in buckets["email"].items():
        subsets: dict[str, list[int]] = defaultdict(list)
        for index in members:
            subsets[last_names[index]].append(index)
        nameless = subsets.pop("", [])
        if subsets:
            subsets[max(subsets, key=lambda k: (len(subsets[k]), k))].extend(nameless)
        else:
            subsets[""] = nameless
        for last, subset in subsets.items():
            high[f"{address} | {last}"] = subset
        if len(subsets) > 1:
            shared[address] = members
    buckets["email"], buckets["email-shared"] = high, shared


def _too_common(kind: str, key: str, members: list[int], buckets: dict[str, dict[str, list[int]]],
                name_counts: Mapping[str, int]) -> bool:
    """A phone or name shared by more than :data:`MAX_SHARED` contacts says nothing about identity;
    an e-mail address always does."""
    if kind.startswith("email"):
        return False
    if kind in ("phone", "name+phone"):
        return len(buckets["phone"].get(key.rsplit(" ", 1)[-1], ())) > MAX_SHARED
    if kind == "name":
        return name_counts.get(key, 0) > MAX_SHARED
    return len(members) > MAX_SHARED


def _without_repeats(reasons: list[Reason]) -> list[Reason]:
    """Strongest first; "same phone (N)" and "same name (X)" dropped where "same name and
    phone (X, N)" or "same name and company (X, C)" already says them."""
    named_phones = {r.value.rsplit(", ", 1)[-1] for r in reasons if r.kind == "name+phone"}
    names = {r.value.rsplit(", ", 1)[0] for r in reasons if r.kind in ("name+phone", "name+company")}
    kept = [r for r in reasons if not (r.kind == "phone" and r.value in named_phones)
            and not (r.kind == "name" and r.value in names)]
    return sorted(kept, key=lambda r: (LEVELS.index(KIND_LEVEL[r.kind]), r.kind, r.value))


def _shown(kind: str, key: str) -> str:
    """The key as a reason shows it: the address, the number, the folded name (and company)."""
    if kind == "email":
        return key.split(" | ", 1)[0]
    if kind == "name+company":
        name, company = key.split(" | ", 1)
        return f"{name}, {company}"
    if kind == "name+phone":
        name, phone = key.rsplit(" ", 1)
        return f"{name}, {phone}"
    return key
