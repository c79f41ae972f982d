"""Checking every row of an import before anything is sent: values as Keap will store them.

Each mapped cell becomes the value its field takes (an e-mail that is an address, a
date in the order the user chose, a number in either decimal notation, an option of a
drop-down, an owner by name or e-mail), or a reason the row cannot be imported. Text
then goes through the Latin-1 preflight, so the dry run can show ``Jūratė`` becoming
``Jurate`` before the job runs. Empty cells give no value: an update never blanks a
field because a column was empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from app.core.contact_fields import FieldInfo, Kind, max_length
from app.core.records import User
from app.core.schema import LIST_TYPES, CustomFieldType
from app.core.text import FieldChange, is_email, preflight, to_latin1
from app.imports.reading import CsvRow

DateOrder = Literal["MDY", "DMY", "YMD"]
DATE_ORDERS: dict[DateOrder, str] = {"MDY": "month/day/year", "DMY": "day/month/year",
                                     "YMD": "year/month/day"}
_NUMBER_TYPES = (CustomFieldType.CURRENCY, CustomFieldType.DECIMAL, CustomFieldType.PERCENT)
_YES = frozenset({"yes", "y", "true", "1", "ja", "oui", "si", "x"})
_NO = frozenset({"no", "n", "false", "0", "nein", "non"})
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                          "oct", "nov", "dec"))}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[./\-\s](\d{1,2})[./\-\s](\d{1,4})$")
_TIME = re.compile(r"^(.*?)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?$", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedRow:
    """One row: its line in the file, the values to send, and why it cannot be sent (if so)."""

    line: int
    values: dict[str, object]
    problems: tuple[str, ...] = ()
    changes: tuple[FieldChange, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.problems


def check_rows(rows: Sequence[CsvRow], mapping: Mapping[int, str], fields: Sequence[FieldInfo],
               users: Sequence[User] = (), *, date_order: DateOrder = "MDY") -> list[CheckedRow]:
    """Every row checked against its fields (``mapping``: column -> field name)."""
    by_name = {f.name: f for f in fields}
    unknown = sorted(set(mapping.values()) - set(by_name))
    if unknown:
        raise ValueError(f"Not contact fields: {', '.join(unknown)}")
    return [check_row(row, mapping, by_name, users, date_order) for row in rows]


def check_row(row: CsvRow, mapping: Mapping[int, str], fields: Mapping[str, FieldInfo],
              users: Sequence[User], date_order: DateOrder) -> CheckedRow:
    values: dict[str, object] = {}
    problems: list[str] = []
    for column, name in sorted(mapping.items()):  # problems in the file's column order
        text = row.get(column)
        if not text:
            continue
        info = fields[name]
        try:
            values[name] = value = convert(text, info, users, date_order)
            limit = max_length(name)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                raise ValueError(f"{len(value):,} characters; Keap keeps at most {limit:,}.")
        except ValueError as err:
            problems.append(f"{info.label}: {err}")
    if not problems and not any(values.get(n) for n in ("Email", "FirstName", "LastName", "Company")):
        problems.append("No e-mail, name or company: there is nothing to know this contact by.")
    checked = preflight(values)
    return CheckedRow(row.line, checked.values, tuple(problems), tuple(checked.changes))


def convert(text: str, info: FieldInfo, users: Sequence[User], date_order: DateOrder) -> object:
    """The value ``text`` gives ``info``; ValueError says in words what is wrong with it."""
    if info.read_only or info.locked:
        raise ValueError("cannot be written through the API.")
    custom = info.custom
    if custom is not None and custom.data_type in LIST_TYPES:
        for option in custom.options:
            if option.casefold() == text.casefold():
                return option
        raise ValueError(f"{text!r} is not one of its options ({', '.join(custom.options)}).")
    if custom is not None and custom.data_type is CustomFieldType.YES_NO:
        return parse_yes_no(text)
    if custom is not None and custom.data_type in _NUMBER_TYPES:
        return parse_number(text)
    if info.kind is Kind.EMAIL:
        if not is_email(text):
            raise ValueError(f"{text!r} is not an e-mail address.")
        if to_latin1(text) != text:  # transliterated it would reach someone else
            raise ValueError(f"{text!r} has characters Keap cannot store, and changing them would make it "
                             "another address.")
        return text
    if info.kind is Kind.INTEGER:
        number = parse_number(text)
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number.")
        return int(number)
    if info.kind is Kind.DATE:
        return parse_date(text, date_order)
    if info.kind is Kind.DATETIME:
        return parse_datetime(text, date_order)
    if info.kind is Kind.USER:
        return find_user(text, users)
    return text


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")


def guess_date_order(texts: Sequence[str]) -> DateOrder | None:
    """The date order a column's values can only be read in (a first number over 12 is a day,
    a four-digit first number a year), or None when every value reads either way."""
    orders: set[DateOrder] = set()
    for text in texts:
        found = _NUMERIC_DATE.match(text)
        if found is None:
            continue
        first, second = int(found.group(1)), int(found.group(2))
        if len(found.group(1)) == 4:
            orders.add("YMD")
        elif first > 12 >= second:
            orders.add("DMY")
        elif second > 12 >= first:
            orders.add("MDY")
    return orders.pop() if len(orders) == 1 else None


def revive(values: Mapping[str, object], fields: Sequence[FieldInfo]) -> dict[str, object]:
    """Values as :func:`convert` made them, from their JSON form in the journal (dates and
    numbers are stored as text there), so a resumed or undone row sends the same thing."""
    infos = {f.name: f for f in fields}
    out: dict[str, object] = {}
    for name, value in values.items():
        info = infos.get(name)
        if isinstance(value, str) and value and info is not None:
            custom = info.custom
            try:
                if custom is not None and custom.data_type in _NUMBER_TYPES:
                    value = Decimal(value)
                elif info.kind is Kind.DATE:
                    value = date.fromisoformat(value[:10])
                elif info.kind is Kind.DATETIME:
                    value = datetime.fromisoformat(value)
            except (ValueError, InvalidOperation):
                pass  # kept as text: the backend refuses it with a message if it must
        out[name] = value
    return out


def parse_date(text: str, order: DateOrder = "MDY") -> date:
    """A date as people write it: ISO ``2024-03-05`` always; ``05/03/2024``, ``5.3.24`` in
    ``order``; ``5 Mar 2024`` and ``March 5, 2024`` with the month named."""
    cleaned = text.strip().rstrip(".")
    named = _named_month(cleaned)
    if named is not None:
        return named
    match = _NUMERIC_DATE.match(cleaned)
    if match is None:
        raise ValueError(f"{text!r} is not a date ({DATE_ORDERS[order]}).")
    a, b, c = match.groups()
    if len(a) == 4 or order == "YMD":  # ISO order whatever the chosen one
        year, month, day = int(a), int(b), int(c)
    elif order == "DMY":
        day, month, year = int(a), int(b), int(c)
    else:
        month, day, year = int(a), int(b), int(c)
    return _date(year, month, day, f"{text!r} is not a date ({DATE_ORDERS[order]}).")


def parse_datetime(text: str, order: DateOrder = "MDY") -> datetime:
    """A date with an optional time (``14:30``, ``2:30 pm``); no time means midnight."""
    match = _TIME.match(text.strip())
    if match is None:
        return datetime.combine(parse_date(text, order), datetime.min.time())
    day = parse_date(match.group(1), order)
    hour, minute, second = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
    meridiem = (match.group(5) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time of day.")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        return datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day.") from None


def parse_number(text: str) -> Decimal:
    """``1,234.56``, ``1.234,56``, ``1 234,56``, ``$12``, ``12 %``: the decimal mark is the
    last of ``.`` and ``,`` when both appear, and a lone ``,`` before 1-2 digits."""
    cleaned = re.sub(r"[\s$€£%']|EUR|USD|GBP", "", text, flags=re.IGNORECASE)
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
    elif "," in cleaned:
        decimal_mark = "," if re.search(r",\d{1,2}$", cleaned) and cleaned.count(",") == 1 else "."
    else:
        decimal_mark = "."
    thousands = "." if decimal_mark == "," else ","
    normal = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    try:
        number = Decimal(normal)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a number.")
    return -number if negative else number


def parse_yes_no(text: str) -> int:
    folded = text.strip().casefold()
    if folded in _YES:
        return 1
    if folded in _NO:
        return 0
    raise ValueError(f"{text!r} is neither yes nor no.")


def find_user(text: str, users: Sequence[User]) -> int:
    """An owner by name, e-mail or user id, as a Keap user id."""
    folded = text.strip().casefold()
    for user in users:
        if folded in (user.name.casefold(), user.email.casefold(), str(user.id)):
            return user.id
    names = ", ".join(u.name for u in users) or "none"
    raise ValueError(f"no user {text!r} in this account (users: {names}).")


def _named_month(text: str) -> date | None:
    """``5 Mar 2024``, ``5-Mar-2024``, ``March 5, 2024``, ``Mar 5 2024``; None if no month is named."""
    words = [w for w in re.split(r"[\s,\-/.]+", text) if w]
    if len(words) != 3:
        return None
    month_at = next((i for i, w in enumerate(words) if w[:3].lower() in _MONTHS and w.isalpha()), None)
    if month_at is None:
        return None
    month = _MONTHS[words[month_at][:3].lower()]
    rest = [w for i, w in enumerate(words) if i != month_at]
    if not all(w.isdigit() for w in rest):
        raise ValueError(f"{text!r} is not a date.")
    year, day = (int(rest[0]), int(rest[1])) if len(rest[0]) == 4 else (int(rest[1]), int(rest[0]))
    return _date(year, month, day, f"{text!r} is not a date.")


def _date(year: int, month: int, day: int, problem: str) -> date:
    """The date, a two-digit year read as 1970-2069; ValueError(``problem``) if there is none."""
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(problem) from None
