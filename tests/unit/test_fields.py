"""Field names are corrected, refused or dropped before a call leaves the machine."""

import pytest

from app.api import errors as e
from app.api.xmlrpc.fields import FieldGuard, LockedFieldError, guard_params
from app.core.schema import CustomField, CustomFieldType


@pytest.fixture
def guard() -> FieldGuard:
    g = FieldGuard()
    g.set_custom_fields([
        CustomField(1, "FavoriteColor", "Favorite colour", CustomFieldType.TEXT, -1),
        CustomField(2, "SSN", "Social security number", CustomFieldType.SSN, -1),
        CustomField(3, "DealSize", "Deal size", CustomFieldType.CURRENCY, -4),
    ])
    return g


@pytest.mark.parametrize(("table", "given", "exact"), [
    ("Contact", "companyid", "CompanyID"), ("Contact", "ownerId", "OwnerID"),
    ("Contact", "leadsource", "Leadsource"), ("Lead", "contactid", "ContactID"),
    ("Lead", "StageId", "StageID"), ("ContactAction", "userid", "UserID"),
    ("ContactGroupAssign", "contactid", "ContactId"), ("Contact", "_favoritecolor", "_FavoriteColor"),
])
def test_wrong_case_is_corrected(guard: FieldGuard, table: str, given: str, exact: str) -> None:
    assert guard.resolve(table, given) == exact


def test_unknown_field_refused_with_suggestions(guard: FieldGuard) -> None:
    with pytest.raises(e.InvalidFieldError) as info:
        guard.resolve("Contact", "FirstNam")
    assert "FirstName" in info.value.suggestions
    assert "FirstName" in str(info.value)


def test_unknown_custom_field_refused_once_loaded(guard: FieldGuard) -> None:
    with pytest.raises(e.InvalidFieldError) as info:
        guard.resolve("Contact", "_FavouriteColor")
    assert "_FavoriteColor" in info.value.suggestions


def test_custom_field_of_another_record_type_is_unknown(guard: FieldGuard) -> None:
    with pytest.raises(e.InvalidFieldError):
        guard.resolve("Contact", "_DealSize")
    assert guard.resolve("Lead", "_dealsize") == "_DealSize"


def test_custom_fields_pass_before_they_are_loaded() -> None:
    assert FieldGuard().resolve("Contact", "_Anything") == "_Anything"


def test_ssn_field_is_locked(guard: FieldGuard) -> None:
    with pytest.raises(LockedFieldError, match="SSN"):
        guard.resolve("Contact", "_SSN")


def test_read_only_fields_dropped_from_saves(guard: FieldGuard) -> None:
    plan = guard.plan_write("Contact", {"firstname": "Ann", "Id": 4, "Groups": "1,2", "DateCreated": "x"})
    assert plan.values == {"FirstName": "Ann"}
    assert sorted(plan.dropped) == ["DateCreated", "Groups", "Id"]
    assert plan.corrected == {"firstname": "FirstName"}


def test_only_read_only_fields_is_refused(guard: FieldGuard) -> None:
    with pytest.raises(e.ReadOnlyFieldError, match="Groups"):
        guard.plan_write("Contact", {"Groups": "1,2"})


def test_tables_without_add_or_edit_are_refused(guard: FieldGuard) -> None:
    with pytest.raises(e.ApiError, match="order items"):
        guard.plan_write("OrderItem", {"PPU": 1.0})


def test_unknown_table_is_refused(guard: FieldGuard) -> None:
    with pytest.raises(e.ApiError, match="Contacts"):
        guard.table("Contacts")
    assert guard.table("contactgroup").name == "ContactGroup"


def test_guard_params_for_query(guard: FieldGuard) -> None:
    params = guard_params(guard, "DataService.query",
                          ["contact", 10, 0, {"email": "%"}, ["id", "companyid"], "lastname", True])
    assert params == ["Contact", 10, 0, {"Email": "%"}, ["Id", "CompanyID"], "LastName", True]


def test_guard_params_for_contact_service(guard: FieldGuard) -> None:
    assert guard_params(guard, "ContactService.update", [5, {"ownerid": 3, "Id": 5}]) == [5, {"OwnerID": 3}]
    assert guard_params(guard, "ContactService.load", [5, ["email"]]) == [5, ["Email"]]
    assert guard_params(guard, "ContactService.addToGroup", [5, 7]) == [5, 7]
