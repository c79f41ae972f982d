"""Column suggestions from header spellings, --map overrides, and every row checked before sending."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.core.contact_fields import FieldInfo, catalog
from app.core.records import User
from app.core.schema import CustomField, CustomFieldType
from app.imports.checking import check_rows, guess_date_order, parse_date, parse_datetime, parse_number
from app.imports.mapping import mapping_key, merged, parse_overrides, suggest
from app.imports.reading import CsvRow, read_table


def custom(label: str, name: str, kind: CustomFieldType, options: tuple[str, ...] = ()) -> CustomField:
    return CustomField(id=abs(hash(name)) % 1000, name=name, label=label, data_type=kind, form_id=-1,
                       options=options)


FIELDS: list[FieldInfo] = catalog([
    custom("T-shirt size", "TShirtSize", CustomFieldType.SELECT, ("S", "M", "L")),
    custom("Newsletter", "Newsletter", CustomFieldType.YES_NO),
    custom("Lifetime value", "LifetimeValue", CustomFieldType.CURRENCY),
    custom("Social security", "SSN", CustomFieldType.SSN),
])
USERS = [User(1, "Morgan Sales", "morgan@acme.test"), User(9, "Sam Books", "sam@acme.test")]


def test_common_header_spellings_find_their_fields() -> None:
    headers = ["E-mail Address", "First", "Surname", "Phone Number", "Mobile", "Postcode", "Town",
               "Company Name", "T-Shirt Size", "Vorname", "Owner", "Favourite colour", "SSN"]
    found = {headers[c]: f for c, f in suggest(headers, FIELDS).items()}
    assert found == {"E-mail Address": "Email", "First": "FirstName", "Surname": "LastName",
                     "Phone Number": "Phone1", "Mobile": "Phone2", "Postcode": "PostalCode",
                     "Town": "City", "Company Name": "Company", "T-Shirt Size": "_TShirtSize",
                     "Owner": "OwnerID"}  # "Vorname": FirstName is taken; no SSN, no guesswork


def test_overrides_change_and_drop_columns_and_name_what_is_wrong() -> None:
    headers = ["Mail", "Notes", "Size"]
    overrides = parse_overrides(["size=T-shirt size", "Mail="], headers, FIELDS)
    assert merged(suggest(headers, FIELDS), overrides) == {1: "ContactNotes", 2: "_TShirtSize"}
    with pytest.raises(ValueError, match="no column 'Fax'"):
        parse_overrides(["Fax=Fax"], headers, FIELDS)
    with pytest.raises(ValueError, match="no contact field 'Shoe size'"):
        parse_overrides(["Size=Shoe size"], headers, FIELDS)
    same = mapping_key(["E-mail", "Name"])
    assert same == mapping_key(["email", "NAME "]) != mapping_key(["Name", "E-mail"])


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2024-03-05", "DMY", date(2024, 3, 5)),
    ("03/05/2024", "MDY", date(2024, 3, 5)),
    ("05/03/2024", "DMY", date(2024, 3, 5)),
    ("5.3.24", "DMY", date(2024, 3, 5)),
    ("5 Mar 2024", "MDY", date(2024, 3, 5)),
    ("March 5, 2024", "DMY", date(2024, 3, 5)),
    ("05-Mar-1998", "MDY", date(1998, 3, 5)),
])
def test_dates_in_the_formats_people_use(text: str, order: str, expected: date) -> None:
    assert parse_date(text, order) == expected  # type: ignore[arg-type]


def test_impossible_dates_and_times_are_refused() -> None:
    with pytest.raises(ValueError, match="day/month/year"):
        parse_date("13/13/2024", "DMY")
    assert parse_datetime("3/5/2024 2:30 pm") == datetime(2024, 3, 5, 14, 30)
    with pytest.raises(ValueError, match="time of day"):
        parse_datetime("3/5/2024 25:00")


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234.56", "1234.56"), ("1.234,56", "1234.56"), ("1 234,56", "1234.56"), ("$12", "12"),
    ("12,5 %", "12.5"), ("1,234", "1234"), ("(20.00)", "-20.00"), ("€ 3,99", "3.99"),
])
def test_numbers_in_either_notation(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


def test_every_row_is_checked_and_text_is_previewed_as_keap_stores_it() -> None:
    table = read_table(
        "Email,First,Last,Birthday,Size,Newsletter,Value,Owner\n"
        "ann@example.test,Jūratė,Lee,31/12/1990,m,yes,\"1.234,50\",morgan sales\n"
        "not-an-address,Bob,,1990-02-30,XL,maybe,abc,Nobody\n"
        ",,,,,,,\n"
        ",,,,M,,,\n".encode())
    mapping = suggest(table.headers, FIELDS)
    mapping.update({4: "_TShirtSize", 6: "_LifetimeValue"})
    rows = check_rows(table.rows, mapping, FIELDS, USERS, date_order="DMY")
    ann, bob, nameless = rows
    assert ann.valid and ann.line == 2
    assert ann.values == {"Email": "ann@example.test", "FirstName": "Jurate", "LastName": "Lee",
                          "Birthday": date(1990, 12, 31), "_TShirtSize": "M", "_Newsletter": 1,
                          "_LifetimeValue": Decimal("1234.50"), "OwnerID": 1}
    assert [(c.field, c.original, c.saved) for c in ann.changes] == [("FirstName", "Jūratė", "Jurate")]
    assert not bob.valid and bob.line == 3
    assert [p.split(":")[0] for p in bob.problems] == ["E-mail", "Birthday", "T-shirt size", "Newsletter",
                                                       "Lifetime value", "Owner"]
    assert "(S, M, L)" in bob.problems[2] and "Morgan Sales, Sam Books" in bob.problems[5]
    assert not nameless.valid and "nothing to know this contact by" in nameless.problems[0]
    assert nameless.line == 5  # the all-empty line 4 was skipped, the numbering kept


def test_an_empty_cell_never_blanks_a_field() -> None:
    rows = check_rows([CsvRow(2, ("a@b.test", ""))], {0: "Email", 1: "Company"}, FIELDS)
    assert rows[0].values == {"Email": "a@b.test"}


def test_an_address_latin_1_would_change_is_refused_not_transliterated() -> None:
    [row] = check_rows([CsvRow(2, ("Łucja@example.pl", "Łucja"))], {0: "Email", 1: "FirstName"}, FIELDS)
    assert not row.valid and row.problems[0].startswith("E-mail: 'Łucja@example.pl' has characters Keap")


@pytest.mark.parametrize(("texts", "expected"), [
    (["14.03.1985", "02.11.1990"], "DMY"),      # 14 can only be a day
    (["03/14/1985", "11/02/1990"], "MDY"),      # 14 can only be a day, second
    (["1985-03-14"], "YMD"),
    (["03/04/1985", "05/06/1990"], None),       # either way: the user chooses
    (["14/03/1985", "03/14/1985"], None),       # contradicting: the user chooses
    (["", "14 March 1985"], None),              # month names read either way
])
def test_the_date_order_is_guessed_only_when_the_file_allows_one(texts: list[str],
                                                                 expected: str | None) -> None:
    assert guess_date_order(texts) == expected


def test_text_longer_than_keap_keeps_is_refused_with_the_limit() -> None:
    [row] = check_rows([CsvRow(2, ("a@b.test", "X" * 41, "Y" * 40))],
                       {0: "Email", 1: "FirstName", 2: "LastName"}, FIELDS)
    assert row.problems == ("First name: 41 characters; Keap keeps at most 40.",)
