"""ContactService: contacts, duplicate checks, merges, tags and linked contacts.

Tags are applied one per call with addToGroup/removeFromGroup, which keep the
read-only ``Contact.Groups`` string (comma-separated tag ids, in the order applied) in
step with ContactGroupAssign. Both calls are idempotent: they return True again and a
repeated addToGroup keeps the original DateCreated.
"""

from __future__ import annotations

from typing import Any

from app.sandbox import errors
from app.sandbox.query import selected_fields
from app.sandbox.services.base import Context, rpc
from app.sandbox.services.writes import add_record, load_record, prepare, update_record
from app.sandbox.store import Store, q
from app.sandbox.values import check_latin1, now_eastern

DUP_CHECK_TYPES = ("Email", "EmailAndName", "EmailAndNameAndCompany")
#: Tables whose rows follow a contact through a merge (table -> contact column).
CONTACT_LINKED_TABLES = {
    "Lead": "ContactID",
    "Job": "ContactId",
    "Invoice": "ContactId",
    "RecurringOrder": "ContactId",
    "ContactAction": "ContactId",
}


def refresh_groups(store: Store, contact_id: int) -> None:
    """Rewrite Contact.Groups from ContactGroupAssign (order of application)."""
    ids = [
        str(r[0])
        for r in store.conn.execute(
            'SELECT GroupId FROM "ContactGroupAssign" WHERE ContactId = ? ORDER BY rowid', (contact_id,)
        )
    ]
    store.conn.execute(
        'UPDATE "Contact" SET Groups = ?, LastUpdated = ? WHERE Id = ?',
        (",".join(ids) or None, now_eastern(), contact_id),
    )


def _require(store: Store, table: str, record_id: int) -> None:
    if not store.exists(table, record_id):
        raise errors.KeapFault(5, f"[RecordNotFound]Record not found for {table} Id:{record_id}")


@rpc("ContactService.add", ("struct",), writes=True)
def add(ctx: Context, data: dict[str, Any]) -> int:
    return add_record(ctx, "Contact", data)


@rpc("ContactService.addWithDupCheck", ("struct", "string"), writes=True)
def add_with_dup_check(ctx: Context, data: dict[str, Any], check: str) -> int:
    """Match on Email (+ names, + the Company *record* CompanyID [R:systasis]); update or add."""
    if check not in DUP_CHECK_TYPES:
        raise errors.invalid_parameter(f"Unknown duplicate check type: {check}")
    row = prepare(ctx, "Contact", data, "A")
    email = row.get("Email")
    if not isinstance(email, str) or not email.strip():
        return add_record(ctx, "Contact", data)
    clauses: list[str] = ["Email = ?"]
    params: list[Any] = [email.strip()]
    if check != "Email":
        clauses += ["COALESCE(FirstName, '') = ?", "COALESCE(LastName, '') = ?"]
        params += [str(row.get("FirstName") or ""), str(row.get("LastName") or "")]
    if check == "EmailAndNameAndCompany":
        clauses.append("COALESCE(CompanyID, 0) = ?")
        params.append(row.get("CompanyID") or 0)
    found = ctx.store.scalar(
        f'SELECT Id FROM "Contact" WHERE {" AND ".join(clauses)} ORDER BY Id LIMIT 1', params
    )
    if found is None:
        return add_record(ctx, "Contact", data)
    return update_record(ctx, "Contact", int(found), data)


@rpc("ContactService.update", ("int", "struct"), writes=True)
def update(ctx: Context, contact_id: int, data: dict[str, Any]) -> int:
    return update_record(ctx, "Contact", contact_id, data)


@rpc("ContactService.load", ("int", "array"))
def load(ctx: Context, contact_id: int, fields: list[Any]) -> dict[str, Any]:
    return load_record(ctx, "Contact", contact_id, fields)


@rpc("ContactService.findByEmail", ("string", "array"))
def find_by_email(ctx: Context, email: str, fields: list[Any]) -> list[dict[str, Any]]:
    """Matches Email, EmailAddress2 and EmailAddress3, case-insensitively."""
    check_latin1(email)
    chosen = selected_fields(ctx.store, "Contact", fields)
    where = "Email = ? OR EmailAddress2 = ? OR EmailAddress3 = ?"
    return ctx.store.select_wire("Contact", chosen, where, [email] * 3, q("Id"), 1000, 0)


@rpc("ContactService.merge", ("int", "int"), writes=True)
def merge(ctx: Context, contact_id: int, duplicate_id: int) -> bool:
    """The first contact survives; its blanks are filled from the duplicate [I]; tags and
    linked records (opportunities, orders, invoices, subscriptions, notes, links) move to it."""
    if contact_id == duplicate_id:
        raise errors.invalid_parameter("A contact cannot be merged with itself")
    store = ctx.store
    with store.tx():
        _require(store, "Contact", contact_id)
        _require(store, "Contact", duplicate_id)
        keep = store.row("Contact", contact_id) or {}
        dup = store.row("Contact", duplicate_id) or {}
        skip = {"Id", "Groups", "DateCreated", "CreatedBy"}
        fill = {
            k: v
            for k, v in dup.items()
            if k not in skip and keep.get(k) in (None, "") and v not in (None, "")
        }
        store.update_row("Contact", contact_id, fill)
        store.conn.execute(
            'INSERT OR IGNORE INTO "ContactGroupAssign" (ContactId, GroupId, ContactGroup, DateCreated) '
            'SELECT ?, GroupId, ContactGroup, DateCreated FROM "ContactGroupAssign" WHERE ContactId = ? '
            "ORDER BY rowid",
            (contact_id, duplicate_id),
        )
        store.conn.execute('DELETE FROM "ContactGroupAssign" WHERE ContactId = ?', (duplicate_id,))
        for table, column in CONTACT_LINKED_TABLES.items():
            store.conn.execute(
                f"UPDATE {q(table)} SET {q(column)} = ? WHERE {q(column)} = ?", (contact_id, duplicate_id)
            )
        links = store.conn.execute(
            'SELECT ContactId1, ContactId2, LinkTypeId, DateCreated FROM "_LinkedContact" '
            "WHERE ContactId1 = ? OR ContactId2 = ?",
            (duplicate_id, duplicate_id),
        ).fetchall()
        store.conn.execute(
            'DELETE FROM "_LinkedContact" WHERE ContactId1 = ? OR ContactId2 = ?',
            (duplicate_id, duplicate_id),
        )
        for a, b, t, created in links:
            a, b = (contact_id if a == duplicate_id else a), (contact_id if b == duplicate_id else b)
            if a != b and not _linked(store, a, b, t):
                store.conn.execute(
                    'INSERT INTO "_LinkedContact" (ContactId1, ContactId2, LinkTypeId, DateCreated) '
                    "VALUES (?, ?, ?, ?)",
                    (a, b, t, created),
                )
        store.delete_row("Contact", duplicate_id)
        refresh_groups(store, contact_id)
    return True


@rpc("ContactService.addToGroup", ("int", "int"), writes=True)
def add_to_group(ctx: Context, contact_id: int, tag_id: int) -> bool:
    store = ctx.store
    with store.tx():
        _require(store, "Contact", contact_id)
        _require(store, "ContactGroup", tag_id)
        name = store.scalar('SELECT GroupName FROM "ContactGroup" WHERE Id = ?', (tag_id,))
        cursor = store.conn.execute(
            'INSERT OR IGNORE INTO "ContactGroupAssign" (ContactId, GroupId, ContactGroup, DateCreated) '
            "VALUES (?, ?, ?, ?)",
            (contact_id, tag_id, name, now_eastern()),
        )
        if cursor.rowcount:
            refresh_groups(store, contact_id)
    return True


@rpc("ContactService.removeFromGroup", ("int", "int"), writes=True)
def remove_from_group(ctx: Context, contact_id: int, tag_id: int) -> bool:
    store = ctx.store
    with store.tx():
        _require(store, "Contact", contact_id)
        _require(store, "ContactGroup", tag_id)
        cursor = store.conn.execute(
            'DELETE FROM "ContactGroupAssign" WHERE ContactId = ? AND GroupId = ?', (contact_id, tag_id)
        )
        if cursor.rowcount:
            refresh_groups(store, contact_id)
    return True


def _linked(store: Store, a: int, b: int, link_type: int) -> bool:
    found = store.conn.execute(
        'SELECT 1 FROM "_LinkedContact" WHERE LinkTypeId = ? AND '
        "((ContactId1 = ? AND ContactId2 = ?) OR (ContactId1 = ? AND ContactId2 = ?))",
        (link_type, a, b, b, a),
    ).fetchone()
    return found is not None


@rpc("ContactService.linkContacts", ("int", "int", "int"), feature="linked_contacts", writes=True)
def link_contacts(ctx: Context, contact_id1: int, contact_id2: int, link_type: int) -> bool:
    """Links are symmetric; a type's MaxLinked (when > 0) caps links per contact: False [I]."""
    store = ctx.store
    with store.tx():
        _require(store, "Contact", contact_id1)
        _require(store, "Contact", contact_id2)
        _require(store, "LinkedContactType", link_type)
        if contact_id1 == contact_id2:
            raise errors.invalid_parameter("A contact cannot be linked to itself")
        if _linked(store, contact_id1, contact_id2, link_type):
            return True
        cap = store.scalar('SELECT MaxLinked FROM "LinkedContactType" WHERE Id = ?', (link_type,)) or 0
        for cid in (contact_id1, contact_id2):
            used = store.scalar(
                'SELECT COUNT(*) FROM "_LinkedContact" WHERE LinkTypeId = ? '
                "AND (ContactId1 = ? OR ContactId2 = ?)",
                (link_type, cid, cid),
            )
            if cap and used >= cap:
                return False
        store.conn.execute(
            'INSERT INTO "_LinkedContact" (ContactId1, ContactId2, LinkTypeId, DateCreated) '
            "VALUES (?, ?, ?, ?)",
            (contact_id1, contact_id2, link_type, now_eastern()),
        )
    return True


@rpc("ContactService.unlinkContacts", ("int", "int", "int"), feature="linked_contacts", writes=True)
def unlink_contacts(ctx: Context, contact_id1: int, contact_id2: int, link_type: int) -> bool:
    """Idempotent: True whether or not the link existed [I]."""
    store = ctx.store
    with store.tx():
        _require(store, "Contact", contact_id1)
        _require(store, "Contact", contact_id2)
        store.conn.execute(
            'DELETE FROM "_LinkedContact" WHERE LinkTypeId = ? AND '
            "((ContactId1 = ? AND ContactId2 = ?) OR (ContactId1 = ? AND ContactId2 = ?))",
            (link_type, contact_id1, contact_id2, contact_id2, contact_id1),
        )
    return True


@rpc("ContactService.listLinkedContacts", ("int",), feature="linked_contacts")
def list_linked_contacts(ctx: Context, contact_id: int) -> list[dict[str, Any]]:
    """Layout [I]: {"ContactId": asked id, "LinkedContactId": other, "LinkedContactTypeId": type}."""
    with ctx.store.lock:
        _require(ctx.store, "Contact", contact_id)
        return ctx.store.links(contact_id)
