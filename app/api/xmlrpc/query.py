"""Query helpers: like-search, ``~null~``, operators, Id lists and paging.

Keap pages hold at most 1,000 rows, are numbered from 0 and come without a total;
stable paging needs an explicit ``orderBy``. ``%`` is a LIKE wildcard, ``~null~``
matches NULL only (a blank field can also be ``''``), and operators are a prefix in
the value string. Ids are not sequential and not in creation order: "newest" means
ordering by DateCreated, never by Id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from app.api.errors import CancelledError
from app.core.cancel import Cancellable
from app.core.dates import to_query_string

PAGE_SIZE = 1000
MAX_ID_LIST = 1000
NULL = "~null~"
ALL = "%"

OPERATORS = {"<": "~<~", "<=": "~<=~", ">": "~>~", ">=": "~>=~", "!=": "~<>~", "<>": "~<>~"}

Row = dict[str, Any]


class Caller(Protocol):
    def call(self, method: str, *params: object, cancel: Cancellable | None = None) -> object: ...


def contains(text: str) -> str:
    """LIKE pattern matching ``text`` anywhere (Keap has no escape for a literal ``%``)."""
    return f"%{text}%"


def starts_with(text: str) -> str:
    return f"{text}%"


def ends_with(text: str) -> str:
    return f"%{text}"


def compare(op: str, value: str | int | float | date | datetime) -> str:
    """An operator query value, e.g. ``compare(">=", dt)`` → ``'~>=~ 2024-01-01 00:00:00'``."""
    prefix = OPERATORS.get(op)
    if prefix is None:
        raise ValueError(f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
    if isinstance(value, datetime | date):
        return f"{prefix} {to_query_string(value)}"
    return f"{prefix}{value}"


def id_chunks(ids: Iterable[int], size: int = MAX_ID_LIST) -> Iterator[list[int]]:
    """Split ids into lists Keap accepts (at most 1,000), without duplicates, order kept."""
    seen: set[int] = set()
    chunk: list[int] = []
    for raw in ids:
        i = int(raw)
        if i in seen:
            continue
        seen.add(i)
        chunk.append(i)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def iter_pages(client: Caller, table: str, query: dict[str, object], fields: Sequence[str], *,
               order_by: str = "Id", ascending: bool = True, page_size: int = PAGE_SIZE,
               start_page: int = 0, cancel: Cancellable | None = None) -> Iterator[list[Row]]:
    """Yield pages until a short one; stable order by ``order_by``; cancellable between pages."""
    if not 1 <= page_size <= PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{PAGE_SIZE}")
    page = start_page
    while True:
        if cancel is not None and cancel.is_cancelled():
            raise CancelledError()
        rows = client.call("DataService.query", table, page_size, page, query, list(fields),
                           order_by, ascending, cancel=cancel)
        batch = _rows(rows)
        yield batch
        if len(batch) < page_size:
            return
        page += 1


def query_all(client: Caller, table: str, query: dict[str, object], fields: Sequence[str], *,
              order_by: str = "Id", ascending: bool = True, cancel: Cancellable | None = None,
              limit: int | None = None) -> list[Row]:
    """Every matching row (or the first ``limit``), through :func:`iter_pages`."""
    out: list[Row] = []
    for page in iter_pages(client, table, query, fields, order_by=order_by, ascending=ascending,
                           cancel=cancel):
        out.extend(page)
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def query_by_ids(client: Caller, table: str, ids: Iterable[int], fields: Sequence[str], *,
                 id_field: str = "Id", extra: dict[str, object] | None = None,
                 cancel: Cancellable | None = None) -> list[Row]:
    """Rows whose ``id_field`` is in ``ids``, fetched in Id lists of at most 1,000."""
    out: list[Row] = []
    for chunk in id_chunks(ids):
        query: dict[str, object] = {**(extra or {}), id_field: chunk}
        out.extend(query_all(client, table, query, fields, cancel=cancel))
    return out


def query_blank(client: Caller, table: str, field: str, fields: Sequence[str], *,
                extra: dict[str, object] | None = None, cancel: Cancellable | None = None) -> list[Row]:
    """Rows where ``field`` is blank: the union of the ``~null~`` and ``''`` queries, by Id."""
    wanted = list(fields) if "Id" in fields else ["Id", *fields]
    merged: dict[int, Row] = {}
    for value in (NULL, ""):
        for row in query_all(client, table, {**(extra or {}), field: value}, wanted, cancel=cancel):
            merged.setdefault(int(row["Id"]), row)
    return [merged[k] for k in sorted(merged)]


def count(client: Caller, table: str, query: dict[str, object], *, cancel: Cancellable | None = None) -> int:
    result = client.call("DataService.count", table, query, cancel=cancel)
    if not isinstance(result, int | str):
        raise TypeError(f"DataService.count returned {type(result).__name__}")
    return int(result)


def newest(client: Caller, table: str, query: dict[str, object], fields: Sequence[str], n: int = 10, *,
           cancel: Cancellable | None = None) -> list[Row]:
    """The ``n`` most recently created rows, by DateCreated (Ids say nothing about age)."""
    rows = client.call("DataService.query", table, max(1, min(n, PAGE_SIZE)), 0, query, list(fields),
                       "DateCreated", False, cancel=cancel)
    return _rows(rows)[:n]


def _rows(value: object) -> list[Row]:
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, dict)]
