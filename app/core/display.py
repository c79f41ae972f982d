"""How a stored value reads on screen and in a CSV file.

Keap returns times as Eastern wall-clock time (our codec makes them aware datetimes);
people read them in their own time zone, so the screen shows local time and keeps the
Eastern time for a tooltip. Date-only fields (Birthday, Anniversary, Date custom
fields) are calendar days and are never shifted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from app.core.dates import EASTERN, from_api_date, to_local


def display_text(value: object, *, date_only: bool = False) -> str:
    """A short text for a table cell or a form: local time, no seconds."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if date_only:
            return from_api_date(value).isoformat()
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value - round(value, 2)) < 1e-9 else repr(value)
    return str(value)


def eastern_text(value: object) -> str:
    """What Keap stores, for a tooltip: ``2024-05-20 09:15:00 Eastern (EDT)``."""
    if not isinstance(value, datetime):
        return ""
    eastern = value.astimezone(EASTERN) if value.tzinfo else value.replace(tzinfo=EASTERN)
    return f"{eastern:%Y-%m-%d %H:%M:%S} Eastern ({eastern.tzname()}), as Keap stores it"


def csv_text(value: object, *, date_only: bool = False) -> str:
    """A lossless text for export: ISO 8601 with the local offset, full precision."""
    if type(value) is str:  # most cells: no other test needed (an export writes millions)
        return value
    if value is None:
        return ""
    if isinstance(value, datetime):
        if date_only:
            return from_api_date(value).isoformat()
        return to_local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def contact_name(row: Mapping[str, object]) -> str:
    """What people call a contact: first and last name, else the e-mail, else its Id."""
    name = " ".join(str(row.get(k) or "").strip() for k in ("FirstName", "LastName")).strip()
    return name or str(row.get("Email") or "") or (f"Contact {row['Id']}" if row.get("Id") else "New contact")
