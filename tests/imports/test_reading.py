"""Reading messy CSV files: encodings, byte-order marks, delimiters, quoted line breaks, blanks."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from app.imports.reading import CsvError, read_table

ROWS = [("Jürgen", "Müller", "jm@example.de", "Köln"), ("Zoë", "Ørsted", "zo@example.dk", "Århus"),
        ("François", "Lefèvre", "fl@example.fr", "Besançon")]


def csv_text(delimiter: str) -> str:
    lines = [delimiter.join(("First Name", "Last Name", "E-mail", "City"))]
    lines += [delimiter.join(r) for r in ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(("encoding", "prefix", "expected"), [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("cp1252", b"", "cp1252"),
    ("utf-16", b"", "utf-16"),  # Excel's "Unicode text" (the codec writes its BOM)
])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_common_encoding_and_delimiter_reads_the_same_table(
        encoding: str, prefix: bytes, expected: str, delimiter: str, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(prefix + csv_text(delimiter).encode(encoding))
    table = read_table(path)
    assert table.encoding == expected and table.delimiter == delimiter
    assert table.headers == ("First Name", "Last Name", "E-mail", "City")  # no BOM in the first header
    assert [r.cells for r in table.rows] == ROWS
    assert [r.line for r in table.rows] == [2, 3, 4]


def test_windows_1252_with_its_own_characters_is_not_read_as_latin1() -> None:
    note = "Price 5\u20ac \u2013 \u201cquoted\u201d"
    table = read_table(f"Name,Note\r\nAnn,{note}\r\n".encode("cp1252"))
    assert table.encoding == "cp1252" and table.rows[0].cells == ("Ann", note)
    assert "Windows-1252" in table.encoding_name


def test_old_mac_excel_files_are_read_as_mac_roman() -> None:
    text = "First,Last\nJ\u00fcrgen,M\u00fcller\nZo\u00eb,\u00d8rsted\nFran\u00e7ois,Lef\u00e8vre\n"
    table = read_table(text.encode("mac_roman"))
    assert table.encoding == "mac_roman" and table.rows[0].cells == ("J\u00fcrgen", "M\u00fcller")


def test_quoted_cells_keep_delimiters_quotes_and_line_breaks_and_lines_are_counted() -> None:
    data = (b'Name;Address;Notes\n'
            b'"Lee; Ann";"1 Main St\nApt 2";"She said ""hi"""\n'
            b'\n'
            b';;\n'
            b'Bob;2 Oak Ave;\n')
    table = read_table(data)
    assert table.delimiter == ";"
    assert table.rows[0].cells == ("Lee; Ann", "1 Main St\nApt 2", 'She said "hi"')
    assert [r.line for r in table.rows] == [2, 6]  # the record spanning lines 2-3, blanks skipped
    assert table.rows[1].cells == ("Bob", "2 Oak Ave", "")


def test_short_rows_are_padded_and_long_rows_are_reported() -> None:
    table = read_table(b"a,b,c\n1,2\n1,2,3,4\n")
    assert table.rows[0].get(2) == "" and table.rows[1].cells == ("1", "2", "3")
    assert table.problems and "Line 3 has 4 cells" in table.problems[0]


def test_an_unclosed_quote_is_reported_with_its_line() -> None:
    table = read_table(b'Name,Notes\nAnn,"never closed\nBob,ok\n')
    assert table.problems and table.problems[-1].startswith("Line 2: a quotation mark")


def test_empty_and_binary_files_are_refused_with_a_reason() -> None:
    with pytest.raises(CsvError, match="empty"):
        read_table(b"\r\n \r\n")
    with pytest.raises(CsvError, match="not a text file"):
        read_table(b"PK\x03\x04\x00\x00\xff\xfe\x00binary")


def test_blank_headers_get_names() -> None:
    table = read_table(b"Email,,Name\nx@y.z,1,Ann\n")
    assert table.headers == ("Email", "Column 2", "Name")
