"""Reading the CSV files people really have: any common encoding, delimiter and quoting.

Spreadsheets save CSV as UTF-8 with or without a byte-order mark, as Windows-1252
("ANSI" in Excel on Windows), as Mac Roman (old Excel for Mac) or UTF-16 ("Unicode
text"); with commas, semicolons (Excel where the decimal mark is a comma) or tabs; and
with quoted cells that hold delimiters, quotes and line breaks. :func:`read_table` finds
all of that out (charset-normalizer where the bytes are not UTF-8), keeps the line each
record starts on (the number the user sees in a text editor, and the one every report
names), skips blank lines and says which rows did not fit the header.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

#: The 8-bit encodings a CSV from a spreadsheet comes in when it is not UTF-8.
LEGACY_ENCODINGS = ("cp1252", "mac_roman")
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_RECORDS = 50
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with byte-order mark", "utf-16": "UTF-16",
          "cp1252": "Windows-1252 (Western European)", "mac_roman": "Mac Roman"}


class CsvError(ValueError):
    """The file cannot be read as a table (empty, or not text); the message says why."""


@dataclass(frozen=True)
class CsvRow:
    """One record: the line it starts on (the header is line 1) and its cells, stripped."""

    line: int
    cells: tuple[str, ...]

    def get(self, column: int) -> str:
        return self.cells[column] if column < len(self.cells) else ""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read: its header, its records and how it was read."""

    headers: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    encoding: str
    delimiter: str
    problems: tuple[str, ...] = ()

    @property
    def encoding_name(self) -> str:
        """The encoding as people know it ("Windows-1252 (Western European)")."""
        return _NAMES.get(self.encoding, self.encoding)

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}.get(self.delimiter,
                                                                                       self.delimiter)


def read_table(source: Path | bytes) -> CsvTable:
    """Read a CSV file (a path or its bytes) into a :class:`CsvTable`."""
    data = source.read_bytes() if isinstance(source, Path) else source
    text, encoding = decode(data)
    if not text.strip():
        raise CsvError("The file is empty.")
    delimiter = sniff_delimiter(text)
    records = _records(text, delimiter)
    if not records:
        raise CsvError("The file has no header line.")
    _header_line, header = records[0]
    headers = tuple(h.strip() or f"Column {i + 1}" for i, h in enumerate(header))
    rows: list[CsvRow] = []
    problems: list[str] = []
    for line, cells in records[1:]:
        stripped = tuple(c.strip() for c in cells)
        if not any(stripped):
            continue  # a blank line, or one of empty cells (",,,")
        if len(stripped) > len(headers) and any(stripped[len(headers):]):
            problems.append(f"Line {line} has {len(stripped)} cells but the header has {len(headers)}; "
                            "the cells past the last column are ignored.")
        rows.append(CsvRow(line, stripped[:len(headers)]))
    if text.count('"') % 2 and rows and any("\n" in c for c in rows[-1].cells):
        problems.append(f"Line {rows[-1].line}: a quotation mark opened there is never closed, so "
                        "everything after it was read as one cell. Check that line in the file.")
    return CsvTable(headers, tuple(rows), encoding, delimiter, tuple(problems))


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in (see the module docstring for the candidates)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise CsvError("This is not a text file: save it from the spreadsheet as CSV.")
    # charset-normalizer rules out what the bytes cannot be; among what remains Windows-1252
    # wins, as the far more common source (on short samples its scores favour Mac Roman)
    candidates = [match.encoding for match in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS))]
    encoding = "cp1252" if "cp1252" in candidates or not candidates else candidates[0]
    return data.decode(encoding, errors="replace"), encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter under which the first records have the most consistent cell counts."""
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        records = [cells for _line, cells in _records(text, delimiter, limit=_SAMPLE_RECORDS) if any(cells)]
        if not records:
            continue
        width = len(records[0])
        consistent = sum(1 for cells in records if len(cells) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """(line the record starts on, its cells) for each record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + 1
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as err:
        raise CsvError(f"Line {start}: {err}.") from None
    return out
