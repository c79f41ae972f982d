"""The emulated account's data: one SQLite table per Keap table, built from ``app.core.schema``.

Why SQLite: it gives the query engine real SQL semantics (LIKE, NULL vs '', ordering)
for free, and a file path makes a demo account persist between runs. Text columns use
``COLLATE NOCASE`` because every Keap match is case-insensitive; stored dates are naive
US Eastern text. Custom fields are extra ``_Name`` columns described by DataFormField
rows. Hidden bookkeeping tables start with ``_`` and are unreachable through the API.

Read API for tests (all return plain Python values as stored: dates as
``YYYY-MM-DD HH:MM:SS`` text, NULL as None):

- ``rows(table, where=None, fields=None)`` -> list of dicts, ``where`` is exact equality
  (None means IS NULL), ordered by Id (ContactId, GroupId for ContactGroupAssign);
- ``row(table, id)`` -> dict or None; ``get(table, id)`` -> dict (KeyError if missing);
- ``count(table, where=None)`` -> int;
- ``table_counts()`` -> {table: rows} for every API table;
- ``custom_fields(table)`` -> the DataFormField rows of that table's custom fields;
- ``email_status(email)`` -> "single" | "double" | "optout" | "bounce" | "unengaged" | None;
- ``links(contact_id)`` -> the contact's links; ``goals_achieved()`` -> achieveGoal log.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.schema import CUSTOM_WIRE_TYPES, FORM_IDS, TABLES, CustomFieldType, FieldType, TableDef
from app.sandbox import errors
from app.sandbox.ids import IdAllocator
from app.sandbox.values import WIRE

#: Tables that draw their ids from the Contact sequence (users and contacts share one).
SHARED_SEQUENCE = {"Contact": "Contact", "Company": "Contact", "User": "Contact"}

_HIDDEN_DDL = (
    'CREATE TABLE "_Meta" (Key TEXT PRIMARY KEY, Value TEXT)',
    'CREATE TABLE "_EmailStatus" (Email TEXT PRIMARY KEY COLLATE NOCASE, Status TEXT NOT NULL, '
    "Reason TEXT, DateChanged TEXT)",
    'CREATE TABLE "_LinkedContact" (ContactId1 INTEGER NOT NULL, ContactId2 INTEGER NOT NULL, '
    "LinkTypeId INTEGER NOT NULL, DateCreated TEXT, PRIMARY KEY (ContactId1, ContactId2, LinkTypeId))",
    'CREATE TABLE "_Goal" (Id INTEGER PRIMARY KEY, Integration TEXT, CallName TEXT, Name TEXT, '
    "CampaignId INTEGER)",
    'CREATE TABLE "_GoalAchieved" (GoalId INTEGER, Integration TEXT, CallName TEXT, ContactId INTEGER, '
    "DateCreated TEXT)",
)

_INDEXES = (
    'CREATE INDEX "ix_contact_email" ON "Contact" (Email)',
    'CREATE INDEX "ix_contact_email2" ON "Contact" (EmailAddress2)',
    'CREATE INDEX "ix_contact_email3" ON "Contact" (EmailAddress3)',
    'CREATE UNIQUE INDEX "ix_cga" ON "ContactGroupAssign" (ContactId, GroupId)',
    'CREATE INDEX "ix_cga_group" ON "ContactGroupAssign" (GroupId)',
    'CREATE INDEX "ix_lead_contact" ON "Lead" (ContactID)',
    'CREATE INDEX "ix_job_contact" ON "Job" (ContactId)',
    'CREATE INDEX "ix_invoice_contact" ON "Invoice" (ContactId)',
    'CREATE INDEX "ix_orderitem_order" ON "OrderItem" (OrderId)',
    'CREATE INDEX "ix_invoiceitem_invoice" ON "InvoiceItem" (InvoiceId)',
    'CREATE INDEX "ix_action_contact" ON "ContactAction" (ContactId)',
    'CREATE INDEX "ix_link2" ON "_LinkedContact" (ContactId2)',
)

_AFFINITY = {
    FieldType.STRING: "TEXT COLLATE NOCASE",
    FieldType.INTEGER: "INTEGER",
    FieldType.DOUBLE: "REAL",
    FieldType.DATE: "TEXT",
    FieldType.DATETIME: "TEXT",
    FieldType.BLOB: "BLOB",
}


@dataclass(frozen=True)
class CustomDef:
    """A custom field column: ``api_name`` is ``_`` + DataFormField.Name."""

    id: int
    table: str
    api_name: str
    data_type: int
    wire: FieldType

    @property
    def locked(self) -> bool:
        return self.data_type == CustomFieldType.SSN


def wire_type_of(data_type: int) -> FieldType:
    try:
        return CUSTOM_WIRE_TYPES.get(CustomFieldType(data_type), FieldType.STRING)
    except ValueError:
        return FieldType.STRING


def _fold(value: Any) -> Any:
    """Latin-1-aware lower case, for matches whose operand is not plain ASCII."""
    return value.lower() if isinstance(value, str) else value


def q(name: str) -> str:
    """Quote an identifier that was already validated against the schema."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    """SQLite-backed tables of one emulated Keap account; all access under ``lock``."""

    def __init__(self, path: str | os.PathLike[str] | None, ids: IdAllocator) -> None:
        self.path = None if path is None else Path(path)
        self.ids = ids
        self.lock = threading.RLock()
        self.custom: dict[str, dict[str, CustomDef]] = {name: {} for name in TABLES}
        self.conn = self._connect()
        self.is_new = not self._has_tables()
        if self.is_new:
            self._create()
        self._load_custom()
        self._prime_ids()

    # --- setup ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        target = ":memory:" if self.path is None else str(self.path)
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        conn.create_function("kfold", 1, _fold, deterministic=True)
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _has_tables(self) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_Meta'"
        ).fetchone()
        return found is not None

    def _create(self) -> None:
        with self.tx():
            for tdef in TABLES.values():
                cols = []
                for name, fd in tdef.fields.items():
                    if name == "Id":
                        cols.append('"Id" INTEGER PRIMARY KEY')
                    else:
                        cols.append(f"{q(name)} {_AFFINITY[fd.type]}")
                self.conn.execute(f"CREATE TABLE {q(tdef.name)} ({', '.join(cols)})")
            for ddl in (*_HIDDEN_DDL, *_INDEXES):
                self.conn.execute(ddl)

    def _load_custom(self) -> None:
        self.custom = {name: {} for name in TABLES}
        for fid, form_id, name, dtype in self.conn.execute(
            'SELECT Id, FormId, Name, DataType FROM "DataFormField" ORDER BY Id'
        ):
            table = FORM_IDS.get(form_id)
            if table in self.custom:
                api = "_" + name
                self.custom[table][api] = CustomDef(fid, table, api, dtype, wire_type_of(dtype))

    def _prime_ids(self) -> None:
        sequences: dict[str, list[int]] = {}
        for tdef in TABLES.values():
            if not tdef.has_id:
                continue
            seq = SHARED_SEQUENCE.get(tdef.name, tdef.name)
            ids = [r[0] for r in self.conn.execute(f"SELECT Id FROM {q(tdef.name)}")]
            sequences.setdefault(seq, []).extend(ids)
        for seq, ids in sequences.items():
            self.ids.prime(seq, ids)

    def wipe(self) -> None:
        """Drop every table and start over empty (used by reset)."""
        with self.lock:
            names = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            with self.tx():
                for name in names:
                    self.conn.execute(f"DROP TABLE IF EXISTS {q(name)}")
            self._create()
            self.ids.reset()
            self.is_new = True
            self._load_custom()
            self._prime_ids()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested use joins the outer one)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # --- schema lookups -------------------------------------------------------------------

    @staticmethod
    def tdef(table: str) -> TableDef:
        """The table by its exact name, else Keap's NoTableFound fault."""
        found = TABLES.get(table)
        if found is None:
            raise errors.no_table(table)
        return found

    def field_type(self, table: str, name: str) -> FieldType:
        """Type of an exactly spelled field (custom ones as ``_Name``); SSN fields are locked."""
        fd = TABLES[table].fields.get(name)
        if fd is not None:
            return fd.type
        cdef = self.custom[table].get(name)
        if cdef is None:
            raise errors.no_field(table, name)
        if cdef.locked:
            raise errors.no_field_access(table, name)
        return cdef.wire

    def all_fields(self, table: str) -> list[str]:
        return [*TABLES[table].fields, *self.custom[table]]

    def add_custom_column(self, table: str, api_name: str, data_type: int, field_id: int) -> None:
        wire = wire_type_of(data_type)
        self.conn.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(api_name)} {_AFFINITY[wire]}")
        self.custom[table][api_name] = CustomDef(field_id, table, api_name, data_type, wire)

    def rename_custom_column(self, table: str, old: str, new: str) -> None:
        self.conn.execute(f"ALTER TABLE {q(table)} RENAME COLUMN {q(old)} TO {q(new)}")
        self._load_custom()

    # --- low-level writes -------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        return self.ids.next(SHARED_SEQUENCE.get(table, table))

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row; allocates an Id unless the table has none. Returns the Id (0 if none)."""
        row = dict(values)
        if TABLES[table].has_id and row.get("Id") is None:
            row["Id"] = self.new_id(table)
        cols = ", ".join(q(c) for c in row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO {q(table)} ({cols}) VALUES ({marks})", list(row.values()))
        return int(row.get("Id") or 0)

    def insert_many(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(q(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f"INSERT INTO {q(table)} ({cols}) VALUES ({marks})", rows)

    def update_row(self, table: str, record_id: int, values: dict[str, Any]) -> None:
        if not values:
            return
        sets = ", ".join(f"{q(c)} = ?" for c in values)
        self.conn.execute(f"UPDATE {q(table)} SET {sets} WHERE Id = ?", [*values.values(), record_id])

    def delete_row(self, table: str, record_id: int) -> None:
        self.conn.execute(f"DELETE FROM {q(table)} WHERE Id = ?", (record_id,))

    def exists(self, table: str, record_id: int) -> bool:
        found = self.conn.execute(f"SELECT 1 FROM {q(table)} WHERE Id = ?", (record_id,)).fetchone()
        return found is not None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            found = self.conn.execute(sql, params).fetchone()
        return None if found is None else found[0]

    # --- API reads ---------------------------------------------------------------------------

    def select_wire(
        self,
        table: str,
        fields: Sequence[str],
        where_sql: str,
        params: Sequence[Any],
        order_sql: str,
        limit: int,
        offset: int,
    ) -> list[dict[str, Any]]:
        """Rows as the API returns them: typed wire values, NULL fields left out."""
        types = [self.field_type(table, f) for f in fields]
        convs = [
            (name, None if t in (FieldType.STRING, FieldType.INTEGER, FieldType.DOUBLE) else WIRE[t])
            for name, t in zip(fields, types, strict=True)
        ]
        cols = ", ".join(q(f) for f in fields)
        sql = f"SELECT {cols} FROM {q(table)} WHERE {where_sql} ORDER BY {order_sql} LIMIT ? OFFSET ?"
        out: list[dict[str, Any]] = []
        with self.lock:
            cursor = self.conn.execute(sql, [*params, limit, offset])
            for row in cursor:
                item: dict[str, Any] = {}
                for (name, conv), value in zip(convs, row, strict=True):
                    if value is not None:
                        item[name] = value if conv is None else conv(value)
                out.append(item)
        return out

    def count_where(self, table: str, where_sql: str, params: Sequence[Any]) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {q(table)} WHERE {where_sql}", params))

    # --- read API for tests -----------------------------------------------------------------

    @staticmethod
    def default_order(table: str) -> str:
        return '"Id"' if TABLES.get(table, None) is None or TABLES[table].has_id else '"ContactId", "GroupId"'

    def rows(
        self, table: str, where: dict[str, Any] | None = None, fields: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Stored rows of ``table`` matching ``where`` exactly (None = IS NULL)."""
        clauses, params = [], []
        for name, value in (where or {}).items():
            if value is None:
                clauses.append(f"{q(name)} IS NULL")
            else:
                clauses.append(f"{q(name)} = ?")
                params.append(value)
        cols = "*" if not fields else ", ".join(q(f) for f in fields)
        order = self.default_order(table) if table in TABLES else "rowid"
        sql = f"SELECT {cols} FROM {q(table)} WHERE {' AND '.join(clauses) or '1'} ORDER BY {order}"
        with self.lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor]

    def row(self, table: str, record_id: int) -> dict[str, Any] | None:
        found = self.rows(table, {"Id": record_id})
        return found[0] if found else None

    def get(self, table: str, record_id: int) -> dict[str, Any]:
        """The stored row with this Id; KeyError if there is none."""
        found = self.row(table, record_id)
        if found is None:
            raise KeyError(f"{table} {record_id}")
        return found

    def count(self, table: str, where: dict[str, Any] | None = None) -> int:
        return (
            len(self.rows(table, where, fields=["rowid"]))
            if where
            else int(self.scalar(f"SELECT COUNT(*) FROM {q(table)}"))
        )

    def table_counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in TABLES}

    def custom_fields(self, table: str) -> list[dict[str, Any]]:
        form_ids = [fid for fid, name in FORM_IDS.items() if name == table]
        return [r for r in self.rows("DataFormField") if r["FormId"] in form_ids]

    def email_status(self, email: str) -> str | None:
        found = self.scalar('SELECT Status FROM "_EmailStatus" WHERE Email = ?', (email,))
        return None if found is None else str(found)

    def links(self, contact_id: int) -> list[dict[str, Any]]:
        with self.lock:
            cursor = self.conn.execute(
                'SELECT ContactId1, ContactId2, LinkTypeId FROM "_LinkedContact" '
                "WHERE ContactId1 = ? OR ContactId2 = ? ORDER BY rowid",
                (contact_id, contact_id),
            )
            return [
                {
                    "ContactId": contact_id,
                    "LinkedContactId": b if a == contact_id else a,
                    "LinkedContactTypeId": t,
                }
                for a, b, t in cursor
            ]

    def goals_achieved(self) -> list[dict[str, Any]]:
        return self.rows("_GoalAchieved")

    def meta(self, key: str) -> str | None:
        found = self.scalar('SELECT Value FROM "_Meta" WHERE Key = ?', (key,))
        return None if found is None else str(found)

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute('INSERT OR REPLACE INTO "_Meta" (Key, Value) VALUES (?, ?)', (key, value))
