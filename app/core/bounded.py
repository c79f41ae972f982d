"""Run a function over items on a few threads, with the reader setting the pace.

``ThreadPoolExecutor.map`` or submitting everything at once keeps the pool busy whatever the
reader does: a background count that its reader pauses (to let the visible table's pages go
first) would go on spending the quota and then hand over a burst of results at once. Here at
most ``workers`` items are in flight, and the next one starts only once the reader has taken
a result, so a paused reader pauses the work too.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(fn: Callable[[T], R], items: Iterable[T], workers: int, *,
                name: str = "bounded") -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` in the order they finish, at most ``workers`` in flight.

    An exception from ``fn`` is raised to the reader at its result; the items not yet
    started are then never started. A reader that stops early (closes the generator)
    leaves only the items already in flight to finish.
    """
    source = iter(items)
    finished: queue.SimpleQueue[Future[R]] = queue.SimpleQueue()
    in_flight: dict[Future[R], T] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name) as pool:

        def start_next() -> None:
            for item in source:
                future = pool.submit(fn, item)
                in_flight[future] = item
                future.add_done_callback(finished.put)
                return

        for _ in range(max(1, workers)):
            start_next()
        try:
            while in_flight:
                future = finished.get()
                item = in_flight.pop(future)
                yield item, future.result()
                start_next()
        finally:
            for future in in_flight:
                future.cancel()
