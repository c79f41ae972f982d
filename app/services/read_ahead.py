"""A growing table's pages read ahead of the view, as far as the table asks and no further.

Over REST v2 a table cannot jump (no count): its pages follow tokens, one round trip each, so
a user holding the scroll bar at the bottom of 250,000 contacts waited a minute. Once the user
has scrolled several pages down, the table reads the rest of an Id-sorted search as a full
read does (Id ranges side by side, :mod:`app.services.full_reads`) but hands pages over only
up to the page the table wants (:meth:`PagesOnDemand.want`): the reader waits at that page,
so a user who stops scrolling stops the reading (beyond the ranges already under way).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from app.api.errors import CancelledError
from app.core.cancel import Cancellable
from app.core.records import Row

#: How often a reader waiting for the table looks at its cancel token (s).
POLL_SECONDS = 0.2


class PagesOnDemand:
    """Rows cut into pages, handed to ``deliver`` while the table wants them (thread-safe)."""

    def __init__(self, wanted: int) -> None:
        self._cond = threading.Condition()
        self._wanted = wanted

    @property
    def wanted(self) -> int:
        """Pages ``0 .. wanted-1`` may be handed over."""
        with self._cond:
            return self._wanted

    def want(self, pages: int) -> None:
        """The table wants pages up to (not including) ``pages``; never lowers the mark."""
        with self._cond:
            if pages > self._wanted:
                self._wanted = pages
                self._cond.notify_all()

    def run(self, rows: Iterable[Row], page_size: int, first_page: int,
            deliver: Callable[[int, list[Row]], None], cancel: Cancellable) -> int:
        """Hand over ``rows`` as pages ``first_page``, ``first_page + 1``... each when wanted; the
        last page is short (maybe empty), so the table knows where the rows end. Returns the
        number of the last page."""
        page, batch = first_page, []
        for row in rows:
            batch.append(row)
            if len(batch) == page_size:
                self._wait_for(page, cancel)
                deliver(page, batch)
                page, batch = page + 1, []
        self._wait_for(page, cancel)
        deliver(page, batch)
        return page

    def _wait_for(self, page: int, cancel: Cancellable) -> None:
        with self._cond:
            while page >= self._wanted:
                if cancel.is_cancelled():
                    raise CancelledError()
                self._cond.wait(POLL_SECONDS)
        if cancel.is_cancelled():
            raise CancelledError()
