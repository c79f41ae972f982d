"""Keap's dates: US Eastern wall-clock time, in two different text formats.

Keap stores and returns times as US Eastern local time (EST/EDT) without an offset;
reading them as UTC puts them 4-5 hours off. Service parameters typed dateTime want
``YYYYMMDDTHH:MM:SS``; table fields and queries typed String want
``YYYY-MM-DD HH:MM:SS`` (gotcha 12). This module is the one place that converts, so
every other module deals only in aware datetimes.

Wall-clock rules (the API gives no offset, so a choice is needed twice a year):

* an ambiguous time in the repeated fall-back hour (01:00-01:59 on the first Sunday
  of November) is read as its **first** occurrence, EDT (``fold=0``);
* a time that does not exist (02:00-02:59 on the second Sunday of March) is moved
  **forward by the gap**: ``02:30`` is read as ``03:30`` EDT.

Sending an instant from the second (EST) pass of the fall-back hour therefore comes
back one hour earlier; the API's offset-less format cannot express the difference.
"""

from __future__ import annotations

import re
import xmlrpc.client
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "EASTERN",
    "from_api",
    "from_api_date",
    "from_rest",
    "to_local",
    "to_query_date",
    "to_query_string",
    "to_rest",
    "to_service_datetime",
]

EASTERN = ZoneInfo("America/New_York")

#: YYYYMMDDTHH:MM:SS, YYYY-MM-DDTHH:MM:SS, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD.
_FORMATS = re.compile(r"\d{8}T\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d:\d\d)?", re.ASCII)


def _eastern_wall(value: datetime | date) -> datetime:
    """Naive Eastern wall-clock time of ``value``, to the second.

    An aware datetime is converted; a naive one is the user's local time (the
    ``datetime.astimezone()`` rule); a date means midnight of that day, unconverted.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            # through UTC: astimezone() returns an EASTERN value as it is, even when its
            # wall time does not exist (02:30 on a spring-forward day)
            value = value.astimezone(UTC)
        wall = value.astimezone(EASTERN).replace(tzinfo=None)
    else:
        wall = datetime(value.year, value.month, value.day)
    return wall.replace(microsecond=0)


def to_service_datetime(value: datetime | date) -> xmlrpc.client.DateTime:
    """A service parameter typed dateTime: ``YYYYMMDDTHH:MM:SS`` in Eastern time."""
    # isoformat pads the year to four digits, which strftime("%Y") does not
    return xmlrpc.client.DateTime(_eastern_wall(value).isoformat().replace("-", ""))


def to_query_string(value: datetime | date) -> str:
    """A table field or query value typed String: ``YYYY-MM-DD HH:MM:SS`` in Eastern time.

    A date gives midnight, ``YYYY-MM-DD 00:00:00``, so it works with the ``~>=~``
    operators; use :func:`to_query_date` for a whole-day match.
    """
    return _eastern_wall(value).isoformat(sep=" ")


def to_query_date(d: date) -> str:
    """``YYYY-MM-DD``, for a whole-day query (append ``%`` for a LIKE match).

    A datetime is first converted to Eastern time, so the day is Keap's day.
    """
    day = _eastern_wall(d).date() if isinstance(d, datetime) else d
    return day.isoformat()


def _parse_wall(value: xmlrpc.client.DateTime | datetime | str) -> datetime:
    """The value as a datetime, naive (Eastern wall clock) or aware (as given)."""
    if isinstance(value, datetime):
        return value
    text = value.value if isinstance(value, xmlrpc.client.DateTime) else value
    if not isinstance(text, str):
        raise TypeError(f"not a Keap date: {type(text).__name__}")
    text = text.strip()
    if _FORMATS.fullmatch(text) is None:
        raise ValueError(f"not a Keap date: {text[:40]!r}")
    # The pattern admits only the four formats; fromisoformat (C, 3.11+) reads them all
    # and raises ValueError for an impossible date such as 2024-02-30.
    return datetime.fromisoformat(text)


def _localize(wall: datetime) -> datetime:
    """Attach Eastern time to a naive wall-clock time, by the rules in the module doc."""
    aware = wall.replace(tzinfo=EASTERN)
    # A round trip through UTC normalises a non-existent time forward by the gap;
    # for an existing time it changes nothing.
    return aware.astimezone(UTC).astimezone(EASTERN)


def from_api(value: xmlrpc.client.DateTime | datetime | str) -> datetime:
    """A timestamp from Keap as an aware datetime in :data:`EASTERN`.

    Accepts ``YYYYMMDDTHH:MM:SS``, ``YYYY-MM-DDTHH:MM:SS``, ``YYYY-MM-DD HH:MM:SS`` and
    ``YYYY-MM-DD``. Naive values are Eastern wall-clock time (``fold=0`` unless a naive
    datetime says otherwise); aware ones are converted. Raises ValueError otherwise.
    """
    parsed = _parse_wall(value)
    if parsed.tzinfo is None:
        return _localize(parsed)
    if parsed.utcoffset() is None:
        return _localize(parsed.replace(tzinfo=None))
    return parsed.astimezone(EASTERN)


def from_api_date(value: xmlrpc.client.DateTime | datetime | date | str) -> date:
    """A date-only field (Birthday, Anniversary ...): the calendar date Keap stored.

    Such fields come back at ``T00:00:00``; the day is read as is, with no time-zone
    shift, so a birthday never moves to the day before.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = _parse_wall(value)
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        parsed = parsed.astimezone(EASTERN)
    return parsed.date()


def to_local(dt: datetime) -> datetime:
    """``dt`` in the machine's local time zone, for display.

    A naive ``dt`` is taken as Eastern wall-clock time, the way the API sends it.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = _localize(dt)
    return dt.astimezone()


def from_rest(text: str) -> datetime:
    """A REST v2 timestamp (ISO-8601 with an offset, ``2024-03-05T19:22:01.000Z``) in Eastern.

    REST answers UTC instants; the app shows and compares them as XML-RPC's values are,
    aware in :data:`EASTERN`. Raises ValueError for anything else.
    """
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return _localize(parsed)
    return parsed.astimezone(EASTERN)


def to_rest(value: datetime | date) -> str:
    """An instant as REST v2 filters want it: UTC with milliseconds (a date: Eastern midnight)."""
    if not isinstance(value, datetime):
        value = _localize(datetime(value.year, value.month, value.day))
    elif value.tzinfo is None:
        value = _localize(value)
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
