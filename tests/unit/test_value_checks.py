"""Values Keap cannot store as meant are refused before sending; search terms are made Latin-1."""

from __future__ import annotations

import math

import pytest

from app.api.errors import InvalidValueError
from app.core.records import Condition, ContactQuery, Op
from app.services.contacts import check_values, searchable


@pytest.mark.parametrize(("values", "words"), [
    ({"_LifetimeValue": math.inf}, "not a number Keap can store"),
    ({"_LifetimeValue": math.nan}, "not a number Keap can store"),
    ({"_LeadScore": 2**31}, "too large for Keap"),
    ({"_LeadScore": -(2**31) - 1}, "too large for Keap"),
    ({"Email": "jūratė@example.lt"}, "another address"),
    ({"EmailAddress3": "zoë@exämple.de"}, None),  # Latin-1 letters are stored as they are
])
def test_values_keap_cannot_store_are_refused(values: dict[str, object], words: str | None) -> None:
    if words is None:
        check_values(values)
        return
    with pytest.raises(InvalidValueError) as info:
        check_values(values)
    assert words in info.value.message and "inside TagDesk" not in info.value.message


def test_ordinary_values_pass() -> None:
    check_values({"FirstName": "Jūratė", "_LeadScore": 2**31 - 1, "_LifetimeValue": 12.5, "Birthday": None})


def test_search_terms_get_the_saves_transliteration() -> None:
    query = ContactQuery(text="Jūratė", conditions=(Condition("LastName", Op.STARTS, "Kazlauskienė"),
                                                     Condition("_LeadScore", Op.GT, 5)))
    made = searchable(query)
    assert made.text == "Jurate"
    assert made.conditions[0].value == "Kazlauskiene" and made.conditions[1].value == 5
    plain = ContactQuery(text="Zoë")
    assert searchable(plain) is plain  # Latin-1 already: unchanged
