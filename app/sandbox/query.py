"""Keap's query language (``DataService.query``/``count``/``findByField``) translated to SQL.

The rules (``keap-xmlrpc.md`` section 4): keys ANDed; a plain value is a
case-insensitive exact match; ``%`` makes it a LIKE; ``~null~`` matches NULL only
and ``''`` matches empty only; ``~<~ ~<=~ ~>~ ~>=~ ~<>~`` prefix a value (whitespace
after them trimmed); an array means ``Id IN (...)`` and is allowed on Id fields only,
up to 1000 ids; dates may be written ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` or with
``%``. Text outside Latin-1 fails with the collation error, as MySQL would.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import Any

from app.core.schema import FieldType
from app.sandbox import errors
from app.sandbox.store import Store, q
from app.sandbox.values import check_latin1, fmt, parse_date_text

MAX_LIMIT = 1000
MAX_IN = 1000
_OP_RE = re.compile(r"^~(<=|>=|<>|<|>)~")
_DATES = (FieldType.DATE, FieldType.DATETIME)
_NUMBERS = (FieldType.INTEGER, FieldType.DOUBLE)


def is_id_field(name: str, ftype: FieldType) -> bool:
    """Fields an IN list may target: integer ids such as Id, ContactId, GroupId, OwnerID."""
    return ftype is FieldType.INTEGER and (name.endswith("Id") or name.endswith("ID"))


def _string_clause(col: str, ftype: FieldType, value: str, params: list[Any]) -> str:
    check_latin1(value)
    if value == "~null~":
        return f"{col} IS NULL"
    op = "="
    operand = value
    m = _OP_RE.match(value)
    if m:
        op = m.group(1)
        operand = value[m.end() :].strip()
    if operand == "~null~":
        return f"{col} IS NOT NULL" if op == "<>" else f"{col} IS NULL"
    if "%" in operand and op in ("=", "<>"):
        if operand.strip("%") == "" and op == "=":
            return f"{col} IS NOT NULL"
        negate = "NOT " if op == "<>" else ""
        if not operand.isascii():
            params.append(operand.lower())
            return f"kfold({col}) {negate}LIKE ?"
        params.append(operand)
        return f"{col} {negate}LIKE ?"
    bound: Any = operand
    if ftype in _DATES:
        bound = parse_date_text(operand) or operand
    elif ftype in _NUMBERS:
        try:
            bound = int(operand) if ftype is FieldType.INTEGER else float(operand)
        except ValueError:
            bound = operand
    elif not operand.isascii():
        params.append(operand.lower())
        return f"kfold({col}) {op} ?"
    params.append(bound)
    return f"{col} {op} ?"


def where_clause(store: Store, table: str, query: Any) -> tuple[str, list[Any]]:
    """SQL condition and parameters for a Keap queryData struct."""
    if not isinstance(query, dict):
        raise errors.invalid_parameter("queryData must be a struct")
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in query.items():
        ftype = store.field_type(table, name)
        col = q(name)
        if isinstance(value, list):
            if not is_id_field(name, ftype):
                raise errors.invalid_parameter(f"Arrays are only allowed on Id fields, not {table}.{name}")
            if len(value) > MAX_IN:
                raise errors.invalid_parameter(f"At most {MAX_IN} ids may be queried at once")
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                raise errors.invalid_parameter(f"Ids for {table}.{name} must be integers")
            if not value:
                clauses.append("0")
                continue
            clauses.append(f"{col} IN ({', '.join('?' for _ in value)})")
            params.extend(value)
        elif isinstance(value, str):
            clauses.append(_string_clause(col, ftype, value, params))
        elif isinstance(value, bool | int | float):
            number = int(value) if isinstance(value, bool) else value
            clauses.append(f"{col} = ?")
            params.append(str(number) if ftype is FieldType.STRING else number)
        elif isinstance(value, _dt.datetime):
            clauses.append(f"{col} = ?")
            params.append(fmt(value))
        else:
            raise errors.invalid_parameter(f"Unsupported value for {table}.{name}")
    return " AND ".join(clauses) or "1", params


def selected_fields(store: Store, table: str, fields: Any) -> list[str]:
    """Validate a field list: exact spelling (NoFieldFound), SSN locked (NoFieldAccess)."""
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise errors.invalid_parameter("Selected fields must be an array of strings")
    if not fields:
        raise errors.invalid_parameter("No fields selected")
    for name in fields:
        store.field_type(table, name)
    return list(dict.fromkeys(fields))


def order_clause(store: Store, table: str, order_by: str | None, ascending: bool) -> str:
    default = store.default_order(table)
    if order_by is None:
        return default
    store.field_type(table, order_by)
    direction = "ASC" if ascending else "DESC"
    return f"{q(order_by)} {direction}, {default}"


def page_window(limit: Any, page: Any) -> tuple[int, int]:
    """Check paging: at most 1000 rows, pages numbered from 0, no total returned."""
    if limit > MAX_LIMIT:
        raise errors.invalid_parameter(f"Limit must be at most {MAX_LIMIT} (got {limit})")
    if limit < 1:
        raise errors.invalid_parameter(f"Limit must be at least 1 (got {limit})")
    if page < 0:
        raise errors.invalid_parameter(f"Page must be at least 0 (got {page})")
    return int(limit), int(page) * int(limit)


def run_query(
    store: Store,
    table: str,
    limit: int,
    page: int,
    query: Any,
    fields: Sequence[str],
    order_by: str | None = None,
    ascending: bool = True,
) -> list[dict[str, Any]]:
    """The whole of DataService.query: validation, matching, ordering, paging, wire values."""
    tdef = store.tdef(table)
    if not tdef.readable:
        raise errors.no_table_access(table, "read")
    size, offset = page_window(limit, page)
    chosen = selected_fields(store, table, list(fields))
    where, params = where_clause(store, table, query)
    order = order_clause(store, table, order_by, ascending)
    return store.select_wire(table, chosen, where, params, order, size, offset)


def run_count(store: Store, table: str, query: Any) -> int:
    tdef = store.tdef(table)
    if not tdef.readable:
        raise errors.no_table_access(table, "read")
    where, params = where_clause(store, table, query)
    return store.count_where(table, where, params)
