"""Id ranges for REST v2 full reads: how a search is cut, and how the ranges' pages come back in
order while they are read side by side."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from app.core.cancel import NeverCancelled
from app.core.records import Condition, ContactQuery, Op, Row
from app.services.full_reads import (
    MAX_RANGES,
    PAGES_PER_RANGE,
    TAPERED_TAIL,
    IdRange,
    PagesAhead,
    RangesAhead,
    cut_rows,
    id_ranges,
    known_ranges,
    range_sizes,
)


def page_of(ids: range) -> list[Row]:
    return [{"Id": i} for i in ids]


def bounds(query: ContactQuery) -> list[tuple[Op, object]]:
    return [(c.op, c.value) for c in query.conditions if c.field == "Id"]


def test_the_rest_of_an_ascending_search_is_cut_after_its_first_page_and_the_last_range_is_open() -> None:
    # 1,000 rows over Ids 1..1000, the last Id 20,000: about 19,000 rows left, 8 pages a range
    ranges = id_ranges(ContactQuery(), page_of(range(1, 1001)), 20_000, 1000)
    assert len(ranges) == 3 == -(-19_000 // (1000 * PAGES_PER_RANGE))
    assert [bounds(r.query) for r in ranges] == [
        [(Op.GT, 1000), (Op.LE, 7333)],
        [(Op.GT, 7333), (Op.LE, 13667)],
        [(Op.GT, 13667)],  # open: contacts added during the read are not lost
    ]


def test_a_descending_search_is_cut_downwards() -> None:
    query = ContactQuery(ascending=False)
    ranges = id_ranges(query, page_of(range(20_000, 19_000, -1)), 1, 1000)
    assert [bounds(r.query) for r in ranges] == [
        [(Op.LT, 19_001), (Op.GE, 12_668)],
        [(Op.LT, 12_668), (Op.GE, 6334)],
        [(Op.LT, 6334)],
    ]


def test_sparse_ids_mean_fewer_rows_per_id_and_so_fewer_ranges() -> None:
    dense = id_ranges(ContactQuery(), page_of(range(1, 1001)), 40_000, 1000)
    sparse = id_ranges(ContactQuery(), page_of(range(1, 2001, 2)), 40_000, 1000)  # every other Id
    assert len(dense) == 5 and len(sparse) == 3


def test_the_query_s_own_conditions_stay() -> None:
    own = Condition("Email", Op.STARTS, "ann")
    ranges = id_ranges(ContactQuery(conditions=(own,)), page_of(range(1, 1001)), 30_000, 1000)
    assert all(r.query.conditions[0] == own for r in ranges)


@pytest.mark.parametrize(("end", "expected"), [(1000, 0), (500, 0), (5000, 0), (10**9, MAX_RANGES)])
def test_no_ranges_when_little_is_left_and_never_more_than_the_cap(end: int, expected: int) -> None:
    assert len(id_ranges(ContactQuery(), page_of(range(1, 1001)), end, 1000)) == expected


class Pages:
    """A stand-in reader of pages: each range's pages from a table, recording what was read."""

    def __init__(self, pages: dict[int, list[list[Row]]]) -> None:
        self.pages, self.read = pages, []
        self.gates: dict[int, threading.Event] = {}
        self.lock = threading.Lock()

    def __call__(self, query: ContactQuery) -> Iterator[list[Row]]:
        key = int(str(query.conditions[0].value))
        if key in self.gates:
            assert self.gates[key].wait(5), "gate never opened"
        for page in self.pages[key]:
            with self.lock:
                self.read.append(key)
            if isinstance(page, Exception):
                raise page
            yield page


def ranges_of(*keys: int, pages: float = PAGES_PER_RANGE) -> list[IdRange]:
    return [IdRange(ContactQuery(conditions=(Condition("Id", Op.GT, k),)), pages) for k in keys]


def test_pages_come_back_in_range_order_when_a_later_range_finishes_first() -> None:
    """Forced: the first range may not start reading until the second has been read whole."""
    reader = Pages({0: [page_of(range(1, 3)), page_of(range(3, 4))], 10: [page_of(range(11, 13)), []]})
    second_done = threading.Event()
    reader.gates[0] = second_done
    original = reader.__call__

    def read(query: ContactQuery) -> Iterator[list[Row]]:
        yield from original(query)
        if query.conditions[0].value == 10:
            second_done.set()

    with RangesAhead(read, ranges_of(0, 10), parallel=2) as ahead:
        got = [r["Id"] for rows in ahead.in_order() for r in rows]
    assert got == [1, 2, 3, 11, 12]
    assert reader.read[:2] == [10, 10]  # the second range really was read first


def test_a_failure_in_a_later_range_is_raised_after_the_earlier_ranges_rows() -> None:
    reader = Pages({0: [page_of(range(1, 3))], 10: [RuntimeError("range 2 failed")]})  # type: ignore[list-item]
    got: list[int] = []
    ahead = RangesAhead(reader, ranges_of(0, 10), parallel=2)
    with ahead, pytest.raises(RuntimeError, match="range 2"):
        for rows in ahead.in_order():
            got.extend(r["Id"] for r in rows)
    assert got == [1, 2]


def test_first_page_raises_the_first_range_s_refusal_before_anything_is_handed_over() -> None:
    reader = Pages({0: [ValueError("refused")], 10: [page_of(range(11, 12))]})  # type: ignore[list-item]
    ahead = RangesAhead(reader, ranges_of(0, 10), parallel=2)
    with ahead, pytest.raises(ValueError, match="refused"):
        ahead.first_page()


def test_first_page_is_handed_over_again_in_order() -> None:
    reader = Pages({0: [page_of(range(1, 3)), []], 10: [page_of(range(11, 12))]})
    with RangesAhead(reader, ranges_of(0, 10), parallel=2) as ahead:
        assert [r["Id"] for r in ahead.first_page()] == [1, 2]
        assert [r["Id"] for rows in ahead.in_order() for r in rows] == [1, 2, 11]


def test_only_a_few_ranges_wait_beyond_those_being_read_and_a_reader_that_stops_stops_them() -> None:
    many = {k: [page_of(range(k + 1, k + 3)), page_of(range(k + 3, k + 4))] for k in range(0, 400, 10)}
    reader = Pages(many)
    started = threading.Event()
    reader.gates[0] = started  # the first range holds everything up
    with RangesAhead(reader, ranges_of(*many), parallel=2) as ahead:
        queued = len(ahead._futures)
        started.set()
        first = next(ahead.in_order())
    assert queued == 2 + 2  # parallel + RANGES_QUEUED, not all forty
    assert [r["Id"] for r in first] == [1, 2]
    assert len(set(reader.read)) <= 6  # nothing after the stop started more than a few ranges


class NumberedPages:
    """A stand-in backend of numbered pages, each of one row; page 0 waits for a gate."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.gate = threading.Event()
        self.changed = threading.Condition()

    def search_contacts(self, _query: object, _fields: object, page: int, _size: int,
                        _cancel: object) -> list[Row]:
        with self.changed:
            self.started.append(page)
            self.changed.notify_all()
        if page == 0:
            assert self.gate.wait(5), "page 0 was never let go"
        return [{"Id": page}]


def test_a_slow_first_page_holds_back_the_hand_over_not_the_calls_after_it() -> None:
    """Forced: page 0 answers only once more pages than workers have started. A worker that is
    done takes the next page at once (PAGES_PER_WORKER are asked for each); the hand-over
    stays in order."""
    backend = NumberedPages()
    parallel, pages = 2, 12
    got: list[list[Row]] = []
    with PagesAhead(backend, ContactQuery(), ["Id"], 1, NeverCancelled(), parallel) as ahead:  # type: ignore[arg-type]
        reading = ahead.in_order(pages)
        first = threading.Thread(target=lambda: got.append(next(reading)))
        first.start()
        with backend.changed:
            went_on = backend.changed.wait_for(lambda: len(backend.started) > parallel, 5)
        backend.gate.set()
        first.join(5)
        rest = list(reading)
    assert went_on, f"only pages {backend.started} were asked for while page 0 was out"
    assert [r["Id"] for rows in got + rest for r in rows] == list(range(pages))


def test_a_long_read_ends_in_smaller_ranges_and_a_short_one_is_cut_evenly() -> None:
    long = range_sizes(250.0)
    assert long[-len(TAPERED_TAIL):] == list(TAPERED_TAIL)  # the chains end close together
    body = long[: -len(TAPERED_TAIL)]
    assert max(body) <= PAGES_PER_RANGE and min(body) > PAGES_PER_RANGE - 1
    assert sum(long) == pytest.approx(250)
    assert range_sizes(19.0) == [19 / 3] * 3  # shorter than twice the tail: no tail
    assert len(range_sizes(10.0**6)) == MAX_RANGES
    ranges = id_ranges(ContactQuery(), page_of(range(1, 1001)), 100_000, 1000)
    assert [r.pages for r in ranges] == range_sizes(99.0)
    widths = [int(str(r.query.conditions[1].value)) - int(str(r.query.conditions[0].value))
              for r in ranges[:-1]]
    assert widths[-1] < widths[0] / 5  # the tail's ranges are narrow in Ids too


def test_small_ranges_start_several_at_a_time_within_the_same_pages_held_back() -> None:
    many = {k: [page_of(range(k + 1, k + 2))] for k in range(0, 400, 10)}
    reader = Pages(many)
    started = threading.Event()
    reader.gates[0] = started
    with RangesAhead(reader, ranges_of(*many, pages=1), parallel=2) as ahead:
        queued = len(ahead._futures)
        started.set()
        got = [r["Id"] for rows in ahead.in_order() for r in rows]
    assert queued == (2 + 2) * PAGES_PER_RANGE  # as many pages as four eight-page ranges
    assert got == [k + 1 for k in many]


def test_big_ranges_still_start_as_many_at_a_time_as_workers_and_those_queued() -> None:
    many = {k: [page_of(range(k + 1, k + 2))] for k in range(0, 400, 10)}
    reader = Pages(many)
    started = threading.Event()
    reader.gates[0] = started
    with RangesAhead(reader, ranges_of(*many, pages=3 * PAGES_PER_RANGE), parallel=2) as ahead:
        queued = len(ahead._futures)
        started.set()
        got = [r["Id"] for rows in ahead.in_order() for r in rows]
    assert queued == 2 + 2  # a huge account's ranges are long: the pages alone would allow one
    assert got == [k + 1 for k in many]


@pytest.mark.parametrize("rows", [250_000, 249_501, 40_000, 9_001])
def test_a_table_read_to_its_end_cuts_on_whole_pages_in_the_guessed_ranges_shape(rows: int) -> None:
    """Every range but the last ends on a full page (its chain ends on that page's empty
    token: no short last page, no extra call); the shape is the guessed ranges' one."""
    cuts = cut_rows(rows, 1000)
    pages = -(-rows // 1000)
    sizes = [(b - a) / 1000 for a, b in zip([-1, *cuts], [*cuts, pages * 1000 - 1], strict=True)]
    assert all(c % 1000 == 999 for c in cuts) and cuts == sorted(set(cuts)) and cuts[-1] < rows - 1
    assert len(sizes) == len(range_sizes(pages)) and sum(sizes) == pages
    assert all(abs(a - b) < 1 for a, b in zip(sizes, range_sizes(pages), strict=True))
    assert (sizes[-len(TAPERED_TAIL):] == list(TAPERED_TAIL)) == (pages >= 2 * sum(TAPERED_TAIL))


@pytest.mark.parametrize("rows", [0, 1, 999, 8_000])
def test_a_table_of_one_range_is_not_cut(rows: int) -> None:
    assert cut_rows(rows, 1000) == []


def test_known_ids_make_closed_ranges_and_an_open_last_one_in_either_direction() -> None:
    up = known_ranges(ContactQuery(), [5_000, 9_000], 20_000, 1000)
    assert cut_rows(20_000, 1000) == [6_999, 13_999] and [r.pages for r in up] == [7, 7, 6]
    assert [bounds(r.query) for r in up] == [[(Op.LE, 5_000)], [(Op.GT, 5_000), (Op.LE, 9_000)],
                                             [(Op.GT, 9_000)]]
    down = known_ranges(ContactQuery(ascending=False), [9_000, 5_000], 20_000, 1000)
    assert [bounds(r.query) for r in down] == [[(Op.GE, 9_000)], [(Op.LT, 9_000), (Op.GE, 5_000)],
                                               [(Op.LT, 5_000)]]


@pytest.mark.parametrize(("cut_ids", "rows"), [([9_000, 5_000], 20_000), ([5_000, 5_000], 20_000),
                                               ([5_000], 20_000), ([5_000, 9_000], 30_000), ([], 20_000)],
                         ids=["out-of-order", "repeated", "too-few", "other-size", "none"])
def test_ids_that_cannot_be_the_cuts_of_the_search_are_not_used(cut_ids: list[int], rows: int) -> None:
    """A table changed locally (a contact added at its end, say) could repeat or disorder its
    Ids: ranges from them would overlap or miss rows, so the read guesses as if it knew none."""
    assert known_ranges(ContactQuery(), cut_ids, rows, 1000) == []
