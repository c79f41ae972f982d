"""Value rules of a Keap account: Latin-1 text, US Eastern naive times, typed wire values.

Stored dates are naive US Eastern ``YYYY-MM-DD HH:MM:SS`` strings (Date fields at
midnight) so that SQL comparisons and ``%`` matching work on the text, exactly as the
clients see Keap behave. Values go out typed by the field's schema type.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from app.core.dates import EASTERN
from app.core.schema import FieldType
from app.core.text import is_latin1
from app.sandbox import errors

INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$")
_INT_RE = re.compile(r"\s*-?\d+\s*")
_ISO_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})$")


def now_eastern() -> str:
    """The current time as Keap stores it: naive US Eastern text."""
    return _dt.datetime.now(EASTERN).strftime("%Y-%m-%d %H:%M:%S")


def fmt(value: _dt.datetime | _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%d 00:00:00")


def check_latin1(text: str) -> None:
    """Keap's database is latin1_swedish_ci: anything else fails with a collation error."""
    if not text.isascii() and not is_latin1(text):
        raise errors.collation()


def parse_date_text(text: str) -> str | None:
    """Normalise ``YYYY-MM-DD[ HH:MM:SS]`` or ``YYYYMMDDTHH:MM:SS`` to stored form, else None."""
    m = _DATE_RE.match(text.strip()) or _ISO_RE.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return fmt(_dt.datetime(y, mo, d, h, mi, s))
    except ValueError:
        return None


def java_date_string(value: _dt.datetime) -> str:
    """What Java's Date.toString() makes of a dateTime sent to a String field [I]."""
    aware = value.replace(tzinfo=EASTERN)
    return aware.strftime("%a %b %d %H:%M:%S ") + (aware.tzname() or "EST") + aware.strftime(" %Y")


def coerce_write(table: str, name: str, ftype: FieldType, value: Any) -> Any:
    """Turn a decoded XML-RPC value into what the column stores, or fault like Keap would."""
    bad = errors.invalid_parameter(f"Invalid value for {table}.{name}: {value!r}")
    if isinstance(value, dict | list | tuple) or value is None:
        raise bad
    if ftype is FieldType.STRING:
        if isinstance(value, str):
            check_latin1(value)
            return value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, _dt.datetime):
            return java_date_string(value)
        if isinstance(value, bytes):
            return value.decode("latin-1")
        raise bad
    if ftype is FieldType.INTEGER:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            number = value
        elif (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and _INT_RE.fullmatch(value)
        ):
            number = int(value)
        elif isinstance(value, str) and not value.strip():
            return None
        else:
            if isinstance(value, str):
                check_latin1(value)
            raise bad
        if not INT_MIN <= number <= INT_MAX:
            raise bad
        return number
    if ftype is FieldType.DOUBLE:
        if isinstance(value, int | float):
            number_f = float(value)
        elif isinstance(value, str):
            check_latin1(value)
            if not value.strip():
                return None
            try:
                number_f = float(value)
            except ValueError:
                raise bad from None
        else:
            raise bad
        if math.isnan(number_f) or math.isinf(number_f):
            raise bad
        return number_f
    if ftype in (FieldType.DATE, FieldType.DATETIME):
        if isinstance(value, _dt.datetime):
            stored = fmt(value)
        elif isinstance(value, str):
            check_latin1(value)
            if not value.strip():
                return None
            parsed = parse_date_text(value)
            if parsed is None:
                raise bad
            stored = parsed
        else:
            raise bad
        return stored[:10] + " 00:00:00" if ftype is FieldType.DATE else stored
    # Blob
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        check_latin1(value)
        return value.encode("latin-1")
    raise bad


def _to_datetime(stored: Any) -> Any:
    text = str(stored)
    return xmlrpc.client.DateTime(text[0:4] + text[5:7] + text[8:10] + "T" + (text[11:19] or "00:00:00"))


def _to_int(stored: Any) -> Any:
    return stored if isinstance(stored, int) else int(float(stored))


def _to_float(stored: Any) -> Any:
    return float(stored)


def _to_binary(stored: Any) -> Any:
    return xmlrpc.client.Binary(stored if isinstance(stored, bytes) else str(stored).encode("latin-1"))


def _to_str(stored: Any) -> Any:
    return stored if isinstance(stored, str) else str(stored)


WIRE: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.STRING: _to_str,
    FieldType.INTEGER: _to_int,
    FieldType.DOUBLE: _to_float,
    FieldType.DATE: _to_datetime,
    FieldType.DATETIME: _to_datetime,
    FieldType.BLOB: _to_binary,
}


def to_wire(ftype: FieldType, stored: Any) -> Any:
    """A stored value as it goes on the wire (Integer→int, Double→double, dates→dateTime ...)."""
    return WIRE[ftype](stored)
