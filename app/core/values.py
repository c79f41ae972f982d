"""Does a value Keap reads back equal the one that was sent? Blank equals blank, e-mails
ignore case, phones compare by digits, numbers and times by value (a date read back as a
midnight time is the same date).

Used where TagDesk decides from a read whether a write already happened: finding a create
whose reply was lost (:mod:`app.api.lost_create`) and deciding which fields an import row
would change (:mod:`app.imports.planning`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal


def same_values(row: Mapping[str, object], sent: Mapping[str, object]) -> bool:
    """True when every field sent reads back with the value sent (blank equals blank)."""
    return all(same_value(name, value, row.get(name)) for name, value in sent.items())


def same_value(name: str, sent: object, read: object) -> bool:
    a, b = _blank(sent), _blank(read)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, datetime | date) or isinstance(b, datetime | date):
        return _same_time(a, b)
    if isinstance(a, bool | int | float | Decimal) or isinstance(b, bool | int | float | Decimal):
        return _same_number(a, b)
    ta, tb = _text(a), _text(b)
    if "email" in name.lower():
        return ta.casefold() == tb.casefold()
    if name.startswith("Phone") and ta != tb:
        return _digits(ta) == _digits(tb) and bool(_digits(ta))
    return ta == tb


def _blank(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text(value: object) -> str:
    return " ".join(str(value).split())


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _same_number(a: object, b: object) -> bool:
    try:
        x = float(str(int(a) if isinstance(a, bool) else a))
        y = float(str(int(b) if isinstance(b, bool) else b))
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def _same_time(a: object, b: object) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        if (a.tzinfo is None) != (b.tzinfo is None):
            naive_same = a.replace(tzinfo=None) == b.replace(tzinfo=None)
            return naive_same or (_day(a) == _day(b) and _midnight(a, b))
        return abs(a.timestamp() - b.timestamp()) < 1.0 if a.tzinfo else a == b
    if isinstance(a, date) and isinstance(b, date):
        return _day(a) == _day(b)
    return _text(a)[:10] == _text(b)[:10]


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _midnight(a: datetime, b: datetime) -> bool:
    return all(x.hour == x.minute == x.second == 0 for x in (a, b))
