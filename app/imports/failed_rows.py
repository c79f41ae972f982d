"""The lines of an import that did not go in, as a CSV file to fix and import again.

The file keeps the original header and cells of each such line, plus two columns at the
end: the line it had in the original file and what was wrong. Importing it again (after
fixing) is safe: rows that did go in meanwhile are matched and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.core.files import csv_file
from app.imports.reading import CsvTable

LINE_COLUMN = "Line in original file"
PROBLEM_COLUMN = "Problem"


def write_failed_rows(path: Path, table: CsvTable, problems: Mapping[int, str]) -> int:
    """Write the rows of ``table`` whose line is in ``problems`` (UTF-8 with BOM, comma-separated,
    so spreadsheets open it as it is); the file appears only when complete. Returns the row count."""
    count = 0
    with csv_file(Path(path), "failed") as writer:
        writer.writerow([*table.headers, LINE_COLUMN, PROBLEM_COLUMN])
        width = len(table.headers)
        for row in table.rows:
            if row.line in problems:
                writer.writerow([*(row.get(i) for i in range(width)), row.line, problems[row.line]])
                count += 1
    return count
