"""An export writes each value as csv_text would, whichever column it is in: dates through
csv_text (ISO 8601, local offset), every other value as the csv module writes it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from app.core.contact_fields import standard_field
from app.core.dates import EASTERN
from app.core.display import csv_text
from app.services.contacts import _write_rows

COLUMNS = [standard_field(name) for name in ("Id", "FirstName", "Birthday", "LastUpdated", "OwnerID")]
VALUES: list[object] = [None, "", "Ann, \"the\" first", 0, 12, -3, 1.5, 1e20, True, Decimal("2.50"),
                        datetime(2024, 3, 10, 1, 30, tzinfo=EASTERN),
                        datetime(2024, 11, 3, 1, 30, tzinfo=EASTERN),
                        date(1980, 2, 29), "2024-01-01 10:00:00"]


def written(rows: list[dict[str, object]]) -> list[list[str]]:
    out = io.StringIO()
    _write_rows(csv.writer(out), rows, COLUMNS)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_every_value_in_every_column_is_written_as_csv_text_writes_it() -> None:
    rows = [{c.name: value for c in COLUMNS} for value in VALUES]
    rows.append({})  # a row without the columns' keys: blanks
    expected = [[csv_text(row.get(c.name), date_only=c.date_only) for c in COLUMNS] for row in rows]
    assert written(rows) == expected
    assert written(rows)[10][2] == "2024-03-10"  # a date column shows the day Keap stored
