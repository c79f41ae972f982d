"""Record writes shared by DataService and ContactService, with Keap's access rules.

Chosen behaviour for read-only fields [I, after R:ruby#80 and Novak's mock]: fields
whose access lacks the needed letter (``Id``, ``DateCreated``, ``Groups``,
``LastUpdated`` ... ) are silently dropped from add and update; an update left with
nothing to write fails with ``[NoFieldsSent]No Fields sent for Update`` (code 11).
Tables without the A/E/D letter refuse the whole call with ``[NoTableAccess]`` (7);
unknown or wrongly cased fields fail with ``[NoFieldFound]`` (10), SSN custom fields
with ``[NoFieldAccess]`` (8).
"""

from __future__ import annotations

from typing import Any

from app.core.schema import custom_field_db_name
from app.sandbox import errors
from app.sandbox.services.base import Context
from app.sandbox.store import q
from app.sandbox.values import coerce_write, now_eastern

_EMAIL_FIELDS = ("Email", "EmailAddress2", "EmailAddress3")
_ACTION = {"A": "add", "E": "update"}


def prepare(ctx: Context, table: str, values: Any, letter: str) -> dict[str, Any]:
    """Validate and coerce a write struct; read-only fields are dropped."""
    tdef = ctx.store.tdef(table)
    if letter not in tdef.access:
        raise errors.no_table_access(table, _ACTION[letter])
    if not isinstance(values, dict):
        raise errors.invalid_parameter("Values must be a struct")
    out: dict[str, Any] = {}
    for name, value in values.items():
        fd = tdef.fields.get(name)
        if fd is not None:
            if not fd.can(letter, tdef.access):
                continue
            out[name] = coerce_write(table, name, fd.type, value)
            continue
        cdef = ctx.store.custom[table].get(name)
        if cdef is None:
            raise errors.no_field(table, name)
        if cdef.locked:
            raise errors.no_field_access(table, name)
        out[name] = coerce_write(table, name, cdef.wire, value)
    if "CompanyID" in tdef.fields:  # AccountId is the same column as CompanyID
        if "AccountId" in out and "CompanyID" not in out:
            out["CompanyID"] = out["AccountId"]
        elif "CompanyID" in out:
            out["AccountId"] = out["CompanyID"]
    return out


def _stamp(ctx: Context, table: str, row: dict[str, Any], adding: bool) -> None:
    fields = ctx.store.tdef(table).fields
    now = now_eastern()
    user = ctx.api_user_id
    if adding:
        for name in ("DateCreated", "CreationDate"):
            if name in fields and name not in row:
                row[name] = now
        if "CreatedBy" in fields and "CreatedBy" not in row and user is not None:
            row["CreatedBy"] = user
    if "LastUpdated" in fields:
        row["LastUpdated"] = now
    if "LastUpdatedBy" in fields and user is not None:
        row["LastUpdatedBy"] = user


def note_emails(ctx: Context, row: dict[str, Any]) -> None:
    """A new address starts as unengaged non-marketable (opt status 0) until opted in."""
    for name in _EMAIL_FIELDS:
        email = row.get(name)
        if isinstance(email, str) and email.strip():
            ctx.store.conn.execute(
                'INSERT OR IGNORE INTO "_EmailStatus" (Email, Status, Reason, DateChanged) '
                "VALUES (?, 'unengaged', 'API', ?)",
                (email.strip(), now_eastern()),
            )


def add_record(ctx: Context, table: str, values: Any) -> int:
    row = prepare(ctx, table, values, "A")
    _stamp(ctx, table, row, adding=True)
    with ctx.store.tx():
        new_id = ctx.store.insert(table, row)
        if table == "Contact":
            note_emails(ctx, row)
    return new_id


def update_record(ctx: Context, table: str, record_id: int, values: Any) -> int:
    row = prepare(ctx, table, values, "E")
    if not row:
        raise errors.no_fields_sent()
    store = ctx.store
    with store.tx():
        if not store.exists(table, record_id):
            raise errors.record_not_found("update", record_id)
        if table == "DataFormField" and "Name" in row:
            _rename_custom_field(ctx, record_id, row)
        _stamp(ctx, table, row, adding=False)
        store.update_row(table, record_id, row)
        if table == "Contact":
            note_emails(ctx, row)
        if table == "ContactGroup" and "GroupName" in row:
            store.conn.execute(
                'UPDATE "ContactGroupAssign" SET ContactGroup = ? WHERE GroupId = ?',
                (row["GroupName"], record_id),
            )
    return record_id


def _rename_custom_field(ctx: Context, field_id: int, row: dict[str, Any]) -> None:
    store = ctx.store
    old = store.row("DataFormField", field_id) or {}
    new_name = custom_field_db_name(str(row["Name"]))
    if not new_name:
        raise errors.invalid_parameter("A custom field name needs letters or digits")
    row["Name"] = new_name
    if new_name == old.get("Name"):
        return
    clash = store.scalar(
        'SELECT 1 FROM "DataFormField" WHERE FormId = ? AND Name = ? AND Id <> ?',
        (old.get("FormId"), new_name, field_id),
    )
    if clash:
        raise errors.invalid_parameter(f"A custom field named {new_name} already exists")
    table = next((t for t, defs in store.custom.items() for d in defs.values() if d.id == field_id), None)
    store.update_row("DataFormField", field_id, {"Name": new_name})
    if table is not None:
        store.rename_custom_column(table, "_" + str(old.get("Name")), "_" + new_name)


def delete_record(ctx: Context, table: str, record_id: int) -> bool:
    tdef = ctx.store.tdef(table)
    if "D" not in tdef.access:
        raise errors.no_table_access(table, "delete")
    store = ctx.store
    with store.tx():
        if not store.exists(table, record_id):
            raise errors.record_not_found("delete", record_id)
        store.delete_row(table, record_id)
        if table == "Contact":
            store.conn.execute('DELETE FROM "ContactGroupAssign" WHERE ContactId = ?', (record_id,))
            store.conn.execute(
                'DELETE FROM "_LinkedContact" WHERE ContactId1 = ? OR ContactId2 = ?', (record_id, record_id)
            )
    return True


def load_record(ctx: Context, table: str, record_id: int, fields: Any) -> dict[str, Any]:
    from app.sandbox.query import selected_fields

    store = ctx.store
    tdef = store.tdef(table)
    if not tdef.readable:
        raise errors.no_table_access(table, "read")
    chosen = selected_fields(store, table, fields)
    if not tdef.has_id:
        raise errors.invalid_parameter(f"{table} has no Id")
    rows = store.select_wire(table, chosen, f"{q('Id')} = ?", [record_id], q("Id"), 1, 0)
    if not rows:
        raise errors.record_not_found()
    return rows[0]
