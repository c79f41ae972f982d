"""Full reads (export, select all, the import's and the duplicate scan's passes): every page of
a search, as fast as the protocol and the key's quota allow, handed over in order.

- Counted (XML-RPC): pages are numbered, so several are fetched at once (:class:`PagesAhead`);
  page 0 travels with the count, or the caller's hint of the size stands in for the count
  (``ContactsService.iter_rows(expected=...)``).
- Not counted (REST v2): a page needs the previous page's token, so one chain of pages costs a
  round trip per page. When the server pages the search by Id, the rest of the search after
  its first two pages is cut into Id ranges (:func:`id_ranges`), each read as its own chain,
  several at once (:class:`RangesAhead`). The ranges' widths come from how densely the first
  pages' Ids lie (Ids are not sequential, so the widths are a guess; an uneven guess costs speed,
  never rows: the last range has no upper bound and catches what was added meanwhile).
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import NamedTuple

from app.core.backend import CrmBackend
from app.core.cancel import Cancellable
from app.core.records import Condition, ContactQuery, Op, Row

#: Pages one Id range should hold: fewer means more short last pages (a call each), more means
#: less even progress between ranges.
PAGES_PER_RANGE = 8
#: At most this many ranges, however large the account.
MAX_RANGES = 64
#: The last ranges of a long read, in pages: the chains end close together, as the quota lets
#: the read end (headless, 250,000 rows over REST: 13.6 -> 13.4 s).
TAPERED_TAIL = (4, 4, 2, 2, 2, 2, 1, 1, 1, 1)
#: Ranges queued beyond those being read, so a worker never waits for the reader to catch up
#: while the rows held back stay bounded (a range's rows wait until the ranges before it are out).
#: Counted in pages: ranges of :data:`PAGES_PER_RANGE` pages each, or more smaller ones.
RANGES_QUEUED = 2
#: Numbered pages asked for per worker: a worker that is done takes the next page at once,
#: instead of waiting until the reader has taken the oldest (measured: a 250,000-row export
#: 13.4 -> 13.2 s, its calls packed closer to each second the quota allows).
PAGES_PER_WORKER = 2


class PagesAhead:
    """Pages of one search fetched ahead on a few threads and handed over in order.

    Page 0 is asked for as soon as this is entered, so it travels with the count (the count
    says how many more there are); a reader that stops early leaves no queued page behind.
    Each worker has :data:`PAGES_PER_WORKER` pages asked for, so a slow page holds back the
    hand-over, not the calls after it.
    """

    def __init__(self, backend: CrmBackend, query: ContactQuery, fields: Sequence[str], page_size: int,
                 cancel: Cancellable, parallel: int) -> None:
        self._read = partial(backend.search_contacts, query, fields)
        self._page_size, self._cancel, self._parallel = page_size, cancel, parallel
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="read-pages")
        self._ahead: deque[Future[list[Row]]] = deque()

    def __enter__(self) -> PagesAhead:
        self._request(0)
        return self

    def __exit__(self, *_exc: object) -> None:
        for future in self._ahead:  # the reader stopped early (cancel, an error, enough rows)
            future.cancel()
        self._pool.shutdown(wait=True)

    def _request(self, page: int) -> None:
        self._ahead.append(self._pool.submit(self._read, page, self._page_size, self._cancel))

    def in_order(self, pages: int) -> Iterator[list[Row]]:
        """Pages ``0 .. pages-1`` (page 0 already asked for), up to ``parallel`` in flight."""
        for page in range(1, pages):
            self._request(page)
            if len(self._ahead) >= self._parallel * PAGES_PER_WORKER:
                yield self._ahead.popleft().result()
        while self._ahead:
            yield self._ahead.popleft().result()


class IdRange(NamedTuple):
    """One Id range of a full read: its query, and the pages the cut expects it to hold."""

    query: ContactQuery
    pages: float


def id_ranges(query: ContactQuery, read: Sequence[Row], end_id: int, page_size: int) -> list[IdRange]:
    """The rest of ``query`` after the rows ``read`` (its first full pages), as queries over
    consecutive Id ranges in the query's order; [] when one chain of pages will do.

    The rows read say how densely Ids lie; the span to ``end_id`` (the query's last Id) then
    says roughly how many rows are left, and so how many ranges of about
    :data:`PAGES_PER_RANGE` pages to cut. A long read ends in ranges of fewer pages
    (:data:`TAPERED_TAIL`): a range is a chain, a round trip a page, and an eight-page range
    started last finished alone, a second after the quota would have let the read end. The
    last range is open-ended.
    """
    first, last = int(read[0]["Id"]), int(read[-1]["Id"])
    sign = 1 if query.ascending else -1
    span = (end_id - last) * sign
    if span <= 0:
        return []
    density = len(read) / (abs(last - first) + 1)
    sizes = range_sizes(density * span / page_size)
    if len(sizes) < 2:
        return []
    after, through = (Op.GT, Op.LE) if query.ascending else (Op.LT, Op.GE)
    total, bounds, done = sum(sizes), [], 0.0
    for size in sizes:
        bounds.append(last + sign * round(span * done / total))
        done += size
    out = []
    for i, (bound, size) in enumerate(zip(bounds, sizes, strict=True)):
        conditions = [Condition("Id", after, bound)]
        if i + 1 < len(bounds):
            conditions.append(Condition("Id", through, bounds[i + 1]))
        out.append(IdRange(replace(query, conditions=(*query.conditions, *conditions)), size))
    return out


def cut_rows(rows: int, page_size: int) -> list[int]:
    """Where a caller that holds every Id of a search (a table read to its end) cuts it into
    Id ranges: the row index of each range's last row, the last range's excepted ([] when one
    chain will do). Ranges of whole pages in :func:`range_sizes`' shape, so each range but the
    last ends on a full page, and its chain on the empty token that page carries: no short
    last pages, no last-Id call, no guessed density; the reader starts every chain at once."""
    body, count, tail = _shape(-(-rows // page_size))
    sizes = [int(body) // count + (1 if i < int(body) % count else 0) for i in range(count)] + tail
    ends = itertools.accumulate(int(size) for size in sizes[:-1])
    return [end * page_size - 1 for end in ends]


def known_ranges(query: ContactQuery, cut_ids: Sequence[int], rows: int, page_size: int) -> list[IdRange]:
    """``query`` as consecutive Id ranges that end at ``cut_ids`` (the Ids at :func:`cut_rows`'
    positions; the last range open-ended, so it catches contacts added since); [] when they
    cannot be those Ids: not strictly in the query's order, or not as many as the cut has (a
    table changed locally: the caller reads as if it knew nothing)."""
    sign = 1 if query.ascending else -1
    if not cut_ids or any((b - a) * sign <= 0 for a, b in itertools.pairwise(cut_ids)):
        return []
    after, through = (Op.GT, Op.LE) if query.ascending else (Op.LT, Op.GE)
    ends = [*cut_rows(rows, page_size), rows - 1]
    if len(ends) != len(cut_ids) + 1:
        return []
    out, start = [], -1
    for i, end in enumerate(ends):
        conditions = []
        if i > 0:
            conditions.append(Condition("Id", after, cut_ids[i - 1]))
        if i < len(cut_ids):
            conditions.append(Condition("Id", through, cut_ids[i]))
        ranged = replace(query, conditions=(*query.conditions, *conditions))
        out.append(IdRange(ranged, (end - start) / page_size))
        start = end
    return out


def range_sizes(pages: float) -> list[float]:
    """Pages per range for a read of about ``pages`` pages: ranges of about
    :data:`PAGES_PER_RANGE`, at most :data:`MAX_RANGES`, and the tapered tail once the read
    is at least twice as long as the tail."""
    body, count, tail = _shape(pages)
    return [body / count] * count + tail if count > 0 else tail


def _shape(pages: float) -> tuple[float, int, list[float]]:
    """A read's ranges before the tail (their pages and how many) and the tail's pages."""
    tail = [float(p) for p in TAPERED_TAIL] if pages >= 2 * sum(TAPERED_TAIL) else []
    body = pages - sum(tail)
    return body, min(MAX_RANGES - len(tail), math.ceil(body / PAGES_PER_RANGE)), tail


_DONE = object()


class RangesAhead:
    """Several queries (consecutive Id ranges) read side by side, each as its own chain of
    pages, their pages handed over in order: all of the first range's, then the second's...

    ``parallel`` + :data:`RANGES_QUEUED` ranges are started and not yet handed over at a time,
    or more while they are expected to hold no more pages than that many ranges of
    :data:`PAGES_PER_RANGE` pages: the rows held back are bounded, and the small ranges that
    end a read start several at a time. A reader that stops early stops every chain at its
    next page.
    """

    def __init__(self, read_pages: Callable[[ContactQuery], Iterator[list[Row]]],
                 ranges: Sequence[IdRange], parallel: int) -> None:
        self._read_pages, self._ranges = read_pages, list(ranges)
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="read-ranges")
        self._stopped = threading.Event()
        self._queues: list[queue.SimpleQueue[object]] = []
        self._futures: list[Future[None]] = []
        self._held: dict[int, object] = {}  # first pages first_page() has looked at, by range
        self._ranges_at_once = parallel + RANGES_QUEUED
        self._pages_at_once = self._ranges_at_once * PAGES_PER_RANGE
        self._handed_over = 0  # ranges whose every page the reader has taken

    def __enter__(self) -> RangesAhead:
        self._top_up()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        for future in self._futures:
            future.cancel()
        self._pool.shutdown(wait=True)

    def _top_up(self) -> None:
        """Start the next ranges while they fit (see the class docstring)."""
        while len(self._queues) < len(self._ranges):
            query, pages = self._ranges[len(self._queues)]
            pending = self._ranges[self._handed_over:len(self._queues)]  # started, not handed over
            held = sum(r.pages for r in pending) + pages
            if len(pending) >= self._ranges_at_once and held > self._pages_at_once:
                return
            out: queue.SimpleQueue[object] = queue.SimpleQueue()
            self._queues.append(out)
            self._futures.append(self._pool.submit(self._chain, query, out))

    def _chain(self, query: ContactQuery, out: queue.SimpleQueue[object]) -> None:
        try:
            for rows in self._read_pages(query):
                if self._stopped.is_set():
                    return
                out.put(rows)
        except BaseException as exc:  # handed to the reader, raised there
            out.put(exc)
            return
        out.put(_DONE)

    def first_page(self, index: int = 0) -> list[Row]:
        """Range ``index``'s first page, before anything is handed over: the caller can tell a
        refused range filter (raised here) from a failure half-way through."""
        got = self._queues[index].get()
        if isinstance(got, BaseException):
            raise got
        self._held[index] = got
        return got if isinstance(got, list) else []

    def in_order(self) -> Iterator[list[Row]]:
        for index in range(len(self._ranges)):
            source = self._queues[index]
            got = self._held.pop(index) if index in self._held else source.get()
            while got is not _DONE:
                if isinstance(got, BaseException):
                    raise got
                assert isinstance(got, list)
                if got:
                    yield got
                got = source.get()
            self._handed_over = index + 1
            self._top_up()
