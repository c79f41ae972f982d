"""ContactQuery and how the XML-RPC backend plans it (pure: no Qt, no network)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.xmlrpc.backend import _sort_key, condition_alternatives, plan, text_alternatives
from app.core.contact_fields import DEFAULT_COLUMNS, FORM_GROUPS, catalog, form_fields, standard_columns
from app.core.records import Condition, ContactQuery, Op
from app.core.schema import CustomField, CustomFieldType


def test_a_query_normalises_text_and_is_hashable() -> None:
    q = ContactQuery(text="  ann   smith ", conditions=[Condition("City", Op.EQUALS, "Oslo")])  # type: ignore[arg-type]
    assert q.text == "ann smith" and isinstance(q.conditions, tuple)
    assert hash(q) == hash(ContactQuery(text="ann smith", conditions=(Condition("City", Op.EQUALS, "Oslo"),)))
    assert q.sorted_by("LastName", False).order_by == "LastName"
    assert ContactQuery().is_everything and not q.is_everything


def test_a_condition_needs_a_value_unless_blank() -> None:
    with pytest.raises(ValueError, match="needs a value"):
        Condition("City", Op.CONTAINS, "")
    assert Condition("City", Op.BLANK).describe("City") == "City is blank"
    assert Condition("City", "contains", "os").op is Op.CONTAINS  # type: ignore[arg-type]


def test_everything_is_one_server_query() -> None:
    assert plan(ContactQuery()) == [[{"Id": "%"}]]


def test_is_blank_is_null_or_empty_and_not_blank_excludes_both() -> None:
    assert condition_alternatives(Condition("_Size", Op.BLANK)) == [("_Size", "~null~"), ("_Size", "")]
    assert condition_alternatives(Condition("_Size", Op.NOT_BLANK)) == [("_Size", "~<>~")]
    assert plan(ContactQuery(conditions=(Condition("_Size", Op.BLANK),))) == [
        [{"_Size": "~null~"}], [{"_Size": ""}]]


def test_operators_and_dates() -> None:
    assert condition_alternatives(Condition("Company", Op.STARTS, "Ac")) == [("Company", "Ac%")]
    assert condition_alternatives(Condition("DateCreated", Op.GE, date(2024, 1, 2))) == [
        ("DateCreated", "~>=~ 2024-01-02 00:00:00")]
    assert condition_alternatives(Condition("Birthday", Op.EQUALS, date(1980, 5, 6))) == [
        ("Birthday", "1980-05-06%")]
    assert condition_alternatives(Condition("Id", Op.NE, 7)) == [("Id", "~<>~7")]


def test_text_searches_the_right_fields() -> None:
    assert {a[0][0] for a in text_alternatives("ann@example")} == {"Email", "EmailAddress2", "EmailAddress3"}
    phone = text_alternatives("(555) 123")
    assert {a[0][0] for a in phone} == {"Phone1", "Phone2", "Phone3"}
    assert phone[0][0][1] == "%5%5%5%1%2%3%"
    names = text_alternatives("Ann Lee")
    assert [("FirstName", "Ann%"), ("LastName", "Lee%")] in names
    assert [a[0][0] for a in names if a[0][0] == "Company"] == ["Company"]


def test_a_field_used_twice_is_split_into_structs_that_are_intersected() -> None:
    query = ContactQuery(conditions=(Condition("DateCreated", Op.GE, date(2020, 1, 1)),
                                     Condition("DateCreated", Op.LT, date(2021, 1, 1)),
                                     Condition("City", Op.EQUALS, "Oslo")))
    [alternative] = plan(query)
    assert alternative == [{"DateCreated": "~>=~ 2020-01-01 00:00:00", "City": "Oslo"},
                           {"DateCreated": "~<~ 2021-01-01 00:00:00"}]


def test_tag_filters_leave_the_contact_plan_alone() -> None:
    # tags are resolved from ContactGroupAssign and intersected, not put into Contact queries
    assert plan(ContactQuery(tag_ids=(1, 2))) == [[{"Id": "%"}]]


@given(st.lists(st.one_of(st.none(), st.text(max_size=5), st.integers(-5, 5)), max_size=30))
def test_sort_keys_put_blanks_first_like_mysql(values: list[object]) -> None:
    texts = [v for v in values if not isinstance(v, int)]
    ordered = sorted(texts, key=_sort_key)
    blanks = [v for v in ordered if v in (None, "")]
    assert ordered[:len(blanks)] == blanks


def test_field_catalog_lists_custom_fields_by_label_and_leaves_out_ssn() -> None:
    fields = [CustomField(1, "LeadScore", "Lead Score", CustomFieldType.NUMBER, -1),
              CustomField(2, "SSN", "SSN", CustomFieldType.SSN, -1),
              CustomField(3, "Industry", "Industry", CustomFieldType.SELECT, -6)]
    names = [f.name for f in catalog(fields)]
    assert "_LeadScore" in names and "_SSN" not in names and "_Industry" not in names
    assert "Password" not in names and set(DEFAULT_COLUMNS) <= set(standard_columns())
    assert FORM_GROUPS[0].title == "Name" and "Id" in form_fields()
