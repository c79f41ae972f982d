"""The dry run of an import: which rows create, update, change nothing, or cannot be sent.

Matching needs the account's contacts: one paged pass reads the mapped fields of every
contact (never a call per row), and each file row is matched by e-mail (any of the
three slots, case-insensitive) or, optionally, by first and last name with the same
phone digits. Rows of the file that match each other are merged into the first (its
empty cells filled from the later ones) and named in the report, never created twice.
A matched row updates only what it would change: by default only fields that are blank
in Keap ("fill"), or every field whose value differs ("overwrite"); "skip" leaves
matched contacts alone and "create" makes a new contact anyway. A file imported a
second time therefore changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.core.values import same_value
from app.imports.checking import CheckedRow

MatchMode = Literal["email", "email+name-phone"]
OnMatch = Literal["fill", "overwrite", "skip", "create"]
Action = Literal["create", "update", "unchanged", "skip", "invalid", "merged"]
EMAIL_SLOTS = ("Email", "EmailAddress2", "EmailAddress3")
PHONE_SLOTS = ("Phone1", "Phone2", "Phone3", "Phone4", "Phone5")


@dataclass(frozen=True)
class RowPlan:
    """What the import does with one row of the file.

    Attributes:
        line: the line the row starts on in the file.
        action: create, update, unchanged (matched, nothing to change), skip (matched and
            the user chose to skip), invalid (see ``problems``), merged (into ``merged_into``).
        values: what is sent (the whole row for a create, the changed fields for an update).
        contact_id: the matched contact.
        matched_by: how it was matched ("e-mail", "name and phone").
        before: an update's fields as the account held them when the dry run read it
            (what an undo writes back).
        lookalikes: for a create, the contacts that already had its e-mail or its first and
            last name (so a create whose reply is lost is told apart from them without a read).
    """

    line: int
    action: Action
    values: dict[str, object] = field(default_factory=dict)
    contact_id: int | None = None
    matched_by: str = ""
    problems: tuple[str, ...] = ()
    merged_into: int | None = None
    before: dict[str, object] = field(default_factory=dict)
    lookalikes: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ImportPlan:
    rows: tuple[RowPlan, ...]
    reads: int  # paged reads the dry run made

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def calls(self) -> int:
        """Write calls the job makes: one per create and per update."""
        return self.count("create") + self.count("update")

    def summary(self) -> dict[str, int]:
        """The figures ``tagdesk-cli import --dry-run --json`` prints."""
        return {"rows": len(self.rows), "invalid": self.count("invalid"), "create": self.count("create"),
                "update": self.count("update"), "unchanged": self.count("unchanged") + self.count("skip")
                + self.count("merged"), "calls": self.calls}


def read_fields(mapped: Iterable[str], mode: MatchMode) -> list[str]:
    """The fields the paged pass over the account reads: the mapped ones and what matching needs."""
    wanted = ["Id", *EMAIL_SLOTS, *mapped]
    if mode == "email+name-phone":
        wanted += ["FirstName", "LastName", *PHONE_SLOTS]
    return list(dict.fromkeys(wanted))


def plan_import(rows: Sequence[CheckedRow], existing: Iterable[Mapping[str, object]], *,
                mode: MatchMode = "email", on_match: OnMatch = "fill", reads: int = 0) -> ImportPlan:
    """Match ``rows`` (checked) against ``existing`` (the paged pass) and decide per row."""
    by_email: dict[str, Mapping[str, object]] = {}
    by_name_phone: dict[tuple[str, str, str], Mapping[str, object]] = {}
    alike: dict[object, set[int]] = {}  # e-mail or (first, last) -> every contact with it
    for contact in existing:
        contact_id = int(str(contact["Id"]))
        for slot in EMAIL_SLOTS:
            key = _email_key(contact.get(slot))
            if key:
                by_email.setdefault(key, contact)
                alike.setdefault(key, set()).add(contact_id)
        name = _name_key(contact)
        if name:
            alike.setdefault(name, set()).add(contact_id)
        if mode == "email+name-phone":
            for key3 in _name_phone_keys(contact):
                by_name_phone.setdefault(key3, contact)
    merged_rows = _merge_within_file(rows, mode)
    plans: list[RowPlan] = []
    for row, first_line in merged_rows:
        if first_line is not None:
            plans.append(RowPlan(row.line, "merged", merged_into=first_line))
            continue
        if not row.valid:
            plans.append(RowPlan(row.line, "invalid", problems=row.problems))
            continue
        found, how = _match(row.values, by_email, by_name_phone, mode)
        decided = _decide(row, found, how, on_match)
        if decided.action == "create":
            keys = [*(_email_key(row.values.get(slot)) for slot in EMAIL_SLOTS), _name_key(row.values)]
            ids = frozenset(i for k in keys if k for i in alike.get(k, ()))
            decided = RowPlan(decided.line, "create", decided.values, lookalikes=ids)
        plans.append(decided)
    return ImportPlan(tuple(sorted(plans, key=lambda p: p.line)), reads)


def _decide(row: CheckedRow, contact: Mapping[str, object] | None, how: str, on_match: OnMatch) -> RowPlan:
    if contact is None or on_match == "create":
        return RowPlan(row.line, "create", dict(row.values))
    contact_id = int(str(contact["Id"]))
    if on_match == "skip":
        return RowPlan(row.line, "skip", contact_id=contact_id, matched_by=how)
    held = {_email_key(contact.get(slot)) for slot in EMAIL_SLOTS} - {""}
    changes = {name: value for name, value in row.values.items()
               if not same_value(name, value, contact.get(name))
               and (on_match == "overwrite" or _blank(contact.get(name)))
               and not (name in EMAIL_SLOTS and _email_key(value) in held)}  # never moved between slots
    action: Action = "update" if changes else "unchanged"
    before = {name: contact.get(name) for name in changes}
    return RowPlan(row.line, action, changes, contact_id, how, before=before)


def _merge_within_file(rows: Sequence[CheckedRow], mode: MatchMode) -> list[tuple[CheckedRow, int | None]]:
    """Each row with the line it was merged into (None for the first of its kind); the first
    row of a group takes the later rows' values for the fields it left empty."""
    first_of: dict[object, int] = {}
    combined: dict[int, CheckedRow] = {}
    out: list[tuple[int, int | None]] = []
    for index, row in enumerate(rows):
        keys = _row_keys(row.values, mode) if row.valid else []
        owner = next((first_of[k] for k in keys if k in first_of), None)
        if owner is None:
            for key in keys:
                first_of[key] = index
            combined[index] = row
            out.append((index, None))
            continue
        base = combined[owner]
        filled = {**row.values, **{k: v for k, v in base.values.items() if not _blank(v)}}
        combined[owner] = CheckedRow(base.line, filled, base.problems, base.changes + row.changes)
        out.append((index, rows[owner].line))
    return [(combined.get(i, rows[i]) if into is None else rows[i], into) for i, into in out]


def _match(values: Mapping[str, object], by_email: Mapping[str, Mapping[str, object]],
           by_name_phone: Mapping[tuple[str, str, str], Mapping[str, object]],
           mode: MatchMode) -> tuple[Mapping[str, object] | None, str]:
    for slot in EMAIL_SLOTS:
        found = by_email.get(_email_key(values.get(slot)))
        if found is not None:
            return found, "e-mail"
    if mode == "email+name-phone":
        for key in _name_phone_keys(values):
            if key in by_name_phone:
                return by_name_phone[key], "name and phone"
    return None, ""


def _row_keys(values: Mapping[str, object], mode: MatchMode) -> list[object]:
    keys: list[object] = [k for k in (_email_key(values.get(s)) for s in EMAIL_SLOTS) if k]
    if mode == "email+name-phone":
        keys += _name_phone_keys(values)
    return keys


def _email_key(value: object) -> str:
    return str(value).strip().casefold() if isinstance(value, str) and value.strip() else ""


def _name_key(values: Mapping[str, object]) -> tuple[str, str] | None:
    first = str(values.get("FirstName") or "").strip().casefold()
    last = str(values.get("LastName") or "").strip().casefold()
    return (first, last) if first and last else None


def _name_phone_keys(values: Mapping[str, object]) -> list[tuple[str, str, str]]:
    first = str(values.get("FirstName") or "").strip().casefold()
    last = str(values.get("LastName") or "").strip().casefold()
    if not first or not last:
        return []
    digits = (re.sub(r"\D", "", str(values.get(slot) or "")) for slot in PHONE_SLOTS)
    return [(first, last, d[-9:]) for d in digits if len(d) >= 6]  # the last 9: with or without +1/0


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
