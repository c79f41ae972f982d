"""The Latin-1 preflight (gotcha 17): what Keap can store, and what the user is shown."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.text import FieldChange, Preflight, is_latin1, is_xml_safe, preflight, to_latin1

XML_ILLEGAL = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {"\ufffe", "\uffff"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jūratė", "Jurate"),
        ("Łukasz Wójcik", "Lukasz Wójcik"),  # ó is Latin-1: kept
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # decomposed: NFC makes it Latin-1, not "Zoe"
        ("Иван", "Ivan"),
        ("it’s", "it's"),
        ("“quoted”", '"quoted"'),
        ("5 €", "5 EUR"),
        ("Straße Ørsted Æsir ÿ", "Straße Ørsted Æsir ÿ"),
        ("", ""),
        ("plain ASCII", "plain ASCII"),
    ],
)
def test_to_latin1_examples(text: str, expected: str) -> None:
    assert to_latin1(text) == expected


def test_greek_is_transliterated() -> None:
    result = to_latin1("Δημήτρης")
    assert result.isascii() and result.isalpha()
    assert result.startswith("D")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi 😀 there", "Hi there"),  # the doubled space the removal made is collapsed
        ("😀 Hi", "Hi"),  # a space the removal left at the start
        ("Hi 😀", "Hi"),  # ... or at the end
        ("a 😀 😀 b", "a b"),
        ("Hi😀there", "Hithere"),
        ("北京 city", "Bei Jing city"),  # unidecode's trailing space meets the user's
        ("北京", "Bei Jing"),
    ],
)
def test_removals_do_not_leave_double_spaces(text: str, expected: str) -> None:
    assert to_latin1(text) == expected


def test_other_whitespace_is_untouched() -> None:
    assert to_latin1("a  b\t\tc\n\nd\r\n ") == "a  b\t\tc\n\nd\r\n "
    assert to_latin1("a 😀  b") == "a  b"  # only the one space at the removal point goes
    assert to_latin1("  Jūratė  ") == "  Jurate  "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x0bb", "ab"),
        ("a\x00b\x19c", "abc"),
        ("a\x85b\x9fc", "abc"),  # C1 controls
        ("a\ufffeb\uffffc", "abc"),
        ("a\ud800b", "ab"),  # a lone surrogate
        ("tab\tlf\ncr\r", "tab\tlf\ncr\r"),
        ("del\x7f", "del\x7f"),  # DEL is neither C0 nor C1, and XML allows it
    ],
)
def test_control_characters(text: str, expected: str) -> None:
    assert to_latin1(text) == expected


def test_is_latin1() -> None:
    assert is_latin1("Zoë Wójcik ÿ")
    assert not is_latin1("Jūratė")
    assert not is_latin1("€")
    assert is_latin1("")


def test_is_xml_safe() -> None:
    assert is_xml_safe("a\tb\nc\x85")
    assert not is_xml_safe("a\x0b")
    assert not is_xml_safe("\uffff")


def test_preflight_converts_only_text_and_lists_changes() -> None:
    values: dict[str, object] = {
        "FirstName": "Jūratė",
        "LastName": "Smith",
        "Id": 42,
        "Birthday": date(1990, 1, 2),
        "Tags": ["Jūratė"],
    }
    result = preflight(values)
    assert isinstance(result, Preflight)
    assert result.values == {**values, "FirstName": "Jurate"}
    assert result.values["Tags"] == ["Jūratė"]  # not text: untouched
    assert result.values is not values
    assert values["FirstName"] == "Jūratė"  # the input is not modified
    assert result.changes == [FieldChange("FirstName", "Jūratė", "Jurate")]
    assert result.changed


def test_preflight_nothing_to_do() -> None:
    result = preflight({"FirstName": "Zoë", "Id": 1})
    assert not result.changed
    assert result.changes == []
    assert result.describe() == []


def test_describe_uses_labels_and_shows_invisible_characters() -> None:
    result = preflight({"FirstName": "Jūratė", "Company": "Acme\x0b Ltd", "City": "Paris 😀"})
    assert result.describe({"FirstName": "First name"}) == [
        'First name: "Jūratė" will be saved as "Jurate"',
        'Company: "Acme\\x0b Ltd" will be saved as "Acme Ltd"',
        'City: "Paris 😀" will be saved as "Paris"',
    ]


@given(st.text())
@settings(max_examples=200)
def test_any_text_becomes_latin1_and_xml_safe(text: str) -> None:
    result = to_latin1(text)
    result.encode("latin-1")
    assert not XML_ILLEGAL & set(result)
    assert is_xml_safe(result)
    assert to_latin1(result) == result  # idempotent: a second preflight changes nothing


def _already_fine(text: str) -> bool:
    return (
        is_latin1(text)
        and not any(0x80 <= ord(c) <= 0x9F for c in text)
        and not XML_ILLEGAL & set(text)
        and unicodedata.is_normalized("NFC", text)
    )


@given(st.text(alphabet=st.characters(max_codepoint=0xFF)).filter(_already_fine))
@settings(max_examples=200)
def test_latin1_text_is_unchanged(text: str) -> None:
    assert to_latin1(text) == text
    assert not preflight({"Field": text}).changed


@given(st.dictionaries(st.text(max_size=10), st.one_of(st.text(), st.integers(), st.none())))
@settings(max_examples=100)
def test_preflight_changes_match_values(values: dict[str, object]) -> None:
    result = preflight(values)
    assert set(result.values) == set(values)
    changed = {change.field for change in result.changes}
    for name, value in values.items():
        if isinstance(value, str):
            assert result.values[name] == to_latin1(value)
            assert (name in changed) == (to_latin1(value) != value)
        else:
            assert result.values[name] is value
    assert len(result.describe()) == len(result.changes)
