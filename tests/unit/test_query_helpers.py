"""Paging, Id lists, operators and the two-query blank search."""

from datetime import datetime
from typing import Any

import pytest

from app.api.errors import CancelledError
from app.api.xmlrpc import query as q
from app.core.cancel import CancelToken
from app.core.dates import EASTERN


class RecordingCaller:
    """Answers DataService.query from an in-memory table (a unit-tier stand-in, not a Keap model)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls: list[tuple[object, ...]] = []

    def call(self, method: str, *params: object, cancel: object = None) -> object:
        self.calls.append((method, *params))
        _table, limit, page, query = params[:4]
        assert isinstance(limit, int) and isinstance(page, int) and isinstance(query, dict)
        rows = [r for r in self.rows if all(self._match(r.get(k), v) for k, v in query.items())]
        return rows[page * limit:(page + 1) * limit]

    @staticmethod
    def _match(value: Any, wanted: object) -> bool:
        if wanted == "%":
            return True
        if wanted == q.NULL:
            return value is None
        if isinstance(wanted, list):
            return value in wanted
        return bool(value == wanted)


def test_pages_until_short_page_and_orders_by_id() -> None:
    caller = RecordingCaller([{"Id": i} for i in range(2500)])
    pages = list(q.iter_pages(caller, "Contact", {"Id": "%"}, ["Id"]))
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert [c[3] for c in caller.calls] == [0, 1, 2]  # pages numbered from 0
    assert all(c[6:8] == ("Id", True) for c in caller.calls)


def test_exact_multiple_of_page_size_needs_one_empty_page() -> None:
    caller = RecordingCaller([{"Id": i} for i in range(2000)])
    assert sum(len(p) for p in q.iter_pages(caller, "Contact", {"Id": "%"}, ["Id"])) == 2000
    assert len(caller.calls) == 3


def test_paging_is_cancellable_between_pages() -> None:
    caller = RecordingCaller([{"Id": i} for i in range(5000)])
    token = CancelToken()
    pages = q.iter_pages(caller, "Contact", {"Id": "%"}, ["Id"], cancel=token)
    next(pages)
    token.cancel()
    with pytest.raises(CancelledError):
        next(pages)
    assert len(caller.calls) == 1


def test_id_chunks_dedupe_and_cap() -> None:
    chunks = list(q.id_chunks([*range(2500), 5, 6]))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert chunks[0][:3] == [0, 1, 2]


def test_query_by_ids_uses_lists_of_at_most_1000() -> None:
    caller = RecordingCaller([{"Id": i} for i in range(3000)])
    rows = q.query_by_ids(caller, "Contact", range(0, 3000, 2), ["Id"])
    assert len(rows) == 1500
    assert all(len(c[4]["Id"]) <= 1000 for c in caller.calls)  # type: ignore[index]


def test_blank_is_union_of_null_and_empty() -> None:
    caller = RecordingCaller([{"Id": 1, "Phone1": None}, {"Id": 2, "Phone1": ""}, {"Id": 3, "Phone1": "5"}])
    rows = q.query_blank(caller, "Contact", "Phone1", ["Id"])
    assert [r["Id"] for r in rows] == [1, 2]
    assert [c[4] for c in caller.calls] == [{"Phone1": "~null~"}, {"Phone1": ""}]


def test_operators_and_dates() -> None:
    assert q.compare("!=", 123) == "~<>~123"
    when = datetime(2024, 7, 1, 12, 0, tzinfo=EASTERN)
    assert q.compare(">=", when) == "~>=~ 2024-07-01 12:00:00"
    with pytest.raises(ValueError, match="unknown operator"):
        q.compare("=~", 1)
    assert q.contains("gmail") == "%gmail%"


def test_newest_orders_by_date_created_not_id() -> None:
    caller = RecordingCaller([{"Id": 1}])
    q.newest(caller, "Contact", {"Id": "%"}, ["Id"], n=5)
    assert caller.calls[0][6:8] == ("DateCreated", False)
