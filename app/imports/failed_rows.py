"""The lines of an import that did not go in, as a CSV file to fix and import again.

The file keeps the original header and cells of each such line, plus two columns at the
end: the line it had in the original file and what was wrong. Importing it again (after
fixing) is safe: rows that did go in meanwhile are matched and change nothing.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from app.imports.reading import CsvTable

LINE_COLUMN = "Line in original file"
PROBLEM_COLUMN = "Problem"


def write_failed_rows(path: Path, table: CsvTable, problems: Mapping[int, str]) -> int:
    """Write the rows of ``table`` whose line is in ``problems`` (UTF-8 with BOM, comma-separated,
    so spreadsheets open it as it is); the file appears only when complete. Returns the row count."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=".tagdesk-failed-", suffix=".csv", dir=target.parent)
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([*table.headers, LINE_COLUMN, PROBLEM_COLUMN])
            width = len(table.headers)
            for row in table.rows:
                if row.line in problems:
                    cells = [row.get(i) for i in range(width)]
                    writer.writerow([*cells, row.line, problems[row.line]])
                    count += 1
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count
