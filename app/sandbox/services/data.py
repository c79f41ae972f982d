"""DataService: generic table access plus custom-field management."""

from __future__ import annotations

from typing import Any

from app.core.schema import CUSTOM_TYPE_NAMES, LIST_TYPES, CustomFieldType, custom_field_db_name
from app.sandbox import errors
from app.sandbox.query import run_count, run_query
from app.sandbox.services.base import Context, rpc
from app.sandbox.services.writes import add_record, delete_record, load_record, update_record
from app.sandbox.values import check_latin1

#: addCustomField's customFieldType -> DataFormField.FormId (new and 2012 names) [R:forum-customfields].
CUSTOM_FIELD_FORMS = {
    "Contact": -1,
    "Person": -1,
    "Affiliate": -3,
    "Opportunity": -4,
    "Lead": -4,
    "ContactAction": -5,
    "Task": -5,
    "Appt": -5,
    "Note": -5,
    "Company": -6,
    "Job": -9,
    "Order": -9,
    "JobRecurring": -10,
    "Subscription": -10,
}
_TYPE_BY_NAME = {name: code for code, name in CUSTOM_TYPE_NAMES.items()}

#: getAppSetting answers [I]: module + setting, as in the HTML name Contact_WebModule0optiontypes.
APP_SETTINGS = {
    ("Contact", "optiontypes"): "Lead,Customer,Prospect,Partner,Other",
    ("Contact", "optionphonetypes"): "Work,Home,Mobile,Fax,Other",
    ("Application", "timezone"): "America/New_York",
    ("Order", "defaultcountry"): "United States",
}


@rpc("DataService.echo", ("string",), needs_key=False)
def echo(ctx: Context, text: str) -> str:
    return text


@rpc(
    "DataService.query",
    ("string", "int", "int", "struct", "array"),
    ("string", "int", "int", "struct", "array", "string", "boolean"),
)
def query(
    ctx: Context,
    table: str,
    limit: int,
    page: int,
    query_data: dict[str, Any],
    fields: list[Any],
    order_by: str | None = None,
    ascending: bool = True,
) -> list[dict[str, Any]]:
    return run_query(ctx.store, table, limit, page, query_data, fields, order_by, ascending)


@rpc("DataService.count", ("string", "struct"))
def count(ctx: Context, table: str, query_data: dict[str, Any]) -> int:
    return run_count(ctx.store, table, query_data)


@rpc("DataService.findByField", ("string", "int", "int", "string", "scalar", "array"))
def find_by_field(
    ctx: Context, table: str, limit: int, page: int, field: str, value: Any, fields: list[Any]
) -> list[dict[str, Any]]:
    return run_query(ctx.store, table, limit, page, {field: value}, fields)


@rpc("DataService.load", ("string", "int", "array"))
def load(ctx: Context, table: str, record_id: int, fields: list[Any]) -> dict[str, Any]:
    return load_record(ctx, table, record_id, fields)


@rpc("DataService.add", ("string", "struct"), writes=True)
def add(ctx: Context, table: str, values: dict[str, Any]) -> int:
    return add_record(ctx, table, values)


@rpc("DataService.update", ("string", "int", "struct"), writes=True)
def update(ctx: Context, table: str, record_id: int, values: dict[str, Any]) -> int:
    return update_record(ctx, table, record_id, values)


@rpc("DataService.delete", ("string", "int"), writes=True)
def delete(ctx: Context, table: str, record_id: int) -> bool:
    return delete_record(ctx, table, record_id)


@rpc("DataService.getAppSetting", ("string", "string"))
def get_app_setting(ctx: Context, module: str, setting: str) -> str:
    if (module, setting) == ("Application", "appname"):
        return ctx.app_name
    return APP_SETTINGS.get((module, setting), "")


@rpc("DataService.addCustomField", ("string", "string", "string", "int"), writes=True)
def add_custom_field(
    ctx: Context, record_type: str, display_name: str, data_type: str, header_id: int
) -> int:
    store = ctx.store
    form_id = CUSTOM_FIELD_FORMS.get(record_type)
    if form_id is None:
        raise errors.invalid_parameter(f"Unknown custom field type: {record_type}")
    code = _TYPE_BY_NAME.get(data_type)
    if code is None:
        raise errors.invalid_parameter(f"Unknown data type: {data_type}")
    check_latin1(display_name)
    base = custom_field_db_name(display_name)
    if not base:
        raise errors.invalid_parameter("A custom field name needs letters or digits")
    with store.tx():
        if not store.exists("DataFormGroup", header_id):
            raise errors.invalid_parameter(f"No custom field header found for Id:{header_id}")
        taken = {
            str(r[0]).lower()
            for r in store.conn.execute('SELECT Name FROM "DataFormField" WHERE FormId = ?', (form_id,))
        }
        name, n = base, 0
        while name.lower() in taken:  # Keap numbers a clashing name [I]
            n += 1
            name = f"{base}{n}"
        field_id = store.insert(
            "DataFormField",
            {
                "DataType": int(code),
                "FormId": form_id,
                "GroupId": header_id,
                "Name": name,
                "Label": display_name,
                "ListRows": 0,
            },
        )
        table = {
            -1: "Contact",
            -4: "Lead",
            -5: "ContactAction",
            -6: "Company",
            -9: "Job",
            -10: "RecurringOrder",
        }.get(form_id)
        if table is not None:
            store.add_custom_column(table, "_" + name, int(code), field_id)
    return field_id


@rpc("DataService.updateCustomField", ("int", "struct"), writes=True)
def update_custom_field(ctx: Context, field_id: int, values: dict[str, Any]) -> bool:
    store = ctx.store
    changes: dict[str, Any] = {}
    with store.tx():
        row = store.row("DataFormField", field_id)
        if row is None:
            raise errors.record_not_found("update", field_id)
        for name, value in values.items():
            if name not in ("Label", "GroupId", "Values"):
                if name in store.tdef("DataFormField").fields:
                    raise errors.no_field_access("DataFormField", name)
                raise errors.no_field("DataFormField", name)
            if name == "Values":
                if CustomFieldType(row["DataType"]) not in LIST_TYPES:
                    raise errors.invalid_parameter("Values can only be set on list fields")
                if isinstance(value, list):
                    value = "\n".join(str(v) for v in value)
            if name == "GroupId":
                if not isinstance(value, int) or not store.exists("DataFormGroup", value):
                    raise errors.invalid_parameter(f"No custom field header found for Id:{value}")
            elif not isinstance(value, str):
                raise errors.invalid_parameter(f"Invalid value for DataFormField.{name}")
            else:
                check_latin1(value)
            changes[name] = value
        if not changes:
            raise errors.no_fields_sent()
        store.update_row("DataFormField", field_id, changes)
    return True
