"""The contacts table: rows of one search, paged in lazily and in parallel.

Two shapes. Until the total is known (and always over REST v2, which cannot count) the
table grows: ``fetchMore`` only *enqueues* one page request on the :class:`TaskRunner`;
rows are inserted when pages arrive, always in page order (a page that overtakes an
earlier one waits in a buffer), and a placeholder row ends the table while a page is
loading or after one failed ("Loading…" or the error).

Once ``count`` has answered (XML-RPC) the table is *sparse*: it has a row for every
contact at once, so the scroll bar spans the whole search and dragging it to the end of
250,000 rows lands there; rows show "Loading…" until their page arrives. The view says
which rows it shows (:meth:`ContactsModel.show_rows`) and those pages, plus one ahead,
are read first, up to ``parallel`` at a time. A search of at most
:data:`FILL_UP_TO_ROWS` rows then reads the rest in the background (cheap, and every row
is at hand for selecting); a larger one reads only what is looked at (or
:meth:`~ContactsModel.fetch_all`).

A new search bumps the generation and cancels what is in flight, so late replies for an
old search are dropped. Sorting re-runs the query on the server.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)

from app.api.errors import CancelledError
from app.core.contact_fields import FieldInfo
from app.core.gui_priority import cpu_turn
from app.core.records import ContactQuery, Row
from app.core.row_store import Packed, RowStore, field_order
from app.services.contacts import EXPORT_PAGE_SIZE, ContactsService
from app.services.full_reads import cut_rows
from app.services.read_ahead import PagesOnDemand
from app.ui.errors import describe
from app.ui.models.contact_cells import ContactCells, Index
from app.ui.tasks import Job, TaskRunner, TaskToken

log = logging.getLogger("app.ui.contacts")

_ROOT = QModelIndex()
#: Pages arriving within this many ms of an insert are inserted together with the next one.
INSERT_INTERVAL_MS = 200
#: Pages in flight at once once the total is known (the task runner has 6 read threads).
#: Each page waits ~100+ ms on the network and needs ~20 ms of decoding, so 6 keep the
#: decoder busy; the client's rate limiter still keeps the key under its quota.
PARALLEL_PAGES = 6
#: A counted search of at most this many rows is read whole in the background.
FILL_UP_TO_ROWS = 10_000
#: Pages read past the last row shown (the way a user scrolls on).
VIEW_AHEAD_PAGES = 1
#: A growing table (REST v2) of an Id-sorted search reads the rest by Id ranges, ahead of the
#: view (app/services/read_ahead.py), once the user has scrolled to this page...
READ_AHEAD_FROM_PAGE = 3
#: ...wanting this many pages beyond those in the table at each request of the view (eight
#: came in bursts the GUI felt: 56 ms stalls against 49 with three, for about the same speed).
READ_AHEAD_PAGES = 3


class PackedPage(NamedTuple):
    """One page's rows, packed on the worker thread."""

    page: int
    rows: list[Packed]


class ContactsModel(ContactCells, QAbstractTableModel):
    """Lazily paged contacts of one :class:`ContactQuery`.

    Signals:
        total_changed(int): the search's total from ``count`` (-1 while unknown).
        loading_changed(bool): whether any page or the count is in flight.
        load_failed(str): a page or the count failed (message); :meth:`retry` tries again.
        rows_loaded(int): rows inserted so far, after each page.
        query_changed(object): a new :class:`ContactQuery` is being shown (sorting included).
    """

    total_changed = Signal(int)
    loading_changed = Signal(bool)
    load_failed = Signal(str)
    rows_loaded = Signal(int)
    query_changed = Signal(object)
    sort_refused = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None, *, page_size: int = 1000,
                 parallel: int = PARALLEL_PAGES, insert_interval_ms: int = INSERT_INTERVAL_MS,
                 fill_up_to: int = FILL_UP_TO_ROWS) -> None:
        super().__init__(parent)
        self._runner = runner
        self._page_size = page_size
        self._parallel = max(1, parallel)
        self._fill_up_to = fill_up_to
        self._service: ContactsService | None = None
        self._columns: list[FieldInfo] = []
        self._query = ContactQuery()
        self._gen = 0
        #: Bumped by retry(): a call sent before the user pressed Retry that fails afterwards is
        #: asked again at once, instead of showing the error the user just dismissed.
        self._retry_epoch = 0
        self._store = RowStore()  # the rows, packed (app/core/row_store.py)
        self._total: int | None = None
        self._next_page = 0
        self._inserted_pages = 0
        self._arrived: dict[int, list[Packed]] = {}
        self._in_flight: dict[int, Job[PackedPage]] = {}
        self._count_job: Job[int] | None = None
        #: the read-ahead of a growing table (its job, and how far the table wants it), while it runs
        self._ahead: tuple[Job[int], PagesOnDemand] | None = None
        self._ahead_failed = False
        self._failed_pages: set[int] = set()
        self._count_failed = False
        self._error: str | None = None
        self._last_page: int | None = None  # the short page that ends the rows, once seen
        self._ended = False
        self._sparse = False  # a slot for every row (the total is known): see the module docstring
        self._fill = False  # sparse and small: read every page in the background
        self._fill_cursor = 0  # pages before it are all in
        self._view_pages: list[int] = []  # the pages the view shows, read first
        self._text: dict[int, list[str]] = {}  # display texts per row, made when first painted
        self._placeholder = False
        self._auto = False
        # fetchMore must not change the rows itself (views and testers call it while
        # handling other changes): the placeholder for its request is shown a moment later
        self._placeholder_timer = QTimer(self)
        self._placeholder_timer.setSingleShot(True)
        self._placeholder_timer.setInterval(0)
        self._placeholder_timer.timeout.connect(self._sync_placeholder)
        # pages that arrive close together are inserted together: every insert repaints the view
        self._insert_timer = QTimer(self)
        self._insert_timer.setSingleShot(True)
        self._insert_timer.setInterval(insert_interval_ms)
        self._insert_timer.timeout.connect(self._on_insert_timer)

    # -- configuration -----------------------------------------------------------------------

    @property
    def query(self) -> ContactQuery:
        return self._query

    @property
    def columns(self) -> list[FieldInfo]:
        return list(self._columns)

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def service(self) -> ContactsService | None:
        return self._service

    @property
    def counting(self) -> bool:
        """True while a count is on its way (never over REST v2, which cannot count)."""
        return self._count_job is not None

    @property
    def known_rows(self) -> int:
        """Rows the table knows its search has: the count, or else the rows read so far (a full
        read of the same search takes it as a hint, ContactsService.iter_rows' ``expected``)."""
        return self._total if self._total is not None else self._store.loaded

    def cut_ids(self, page_size: int = EXPORT_PAGE_SIZE) -> tuple[int, ...]:
        """The Ids a full read of this search starts its Id ranges from (ContactsService.iter_rows'
        ``cut_ids``, with :attr:`known_rows`), when the table holds every row of a search sorted
        by Id; () otherwise."""
        store, rows = self._store, self.known_rows
        every_row = (self._sparse or self._ended) and store.loaded == len(store) == rows
        if not every_row or self._query.order_by != "Id":
            return ()
        return tuple(int(store.contact_id(row) or 0) for row in cut_rows(rows, page_size))

    @property
    def loaded(self) -> int:
        """Rows read so far (in a sparse table, fewer than :meth:`rowCount`)."""
        return self._store.loaded

    @property
    def sparse(self) -> bool:
        """True once the table has a row for every contact (the total is known)."""
        return self._sparse

    def is_loaded(self, row: int) -> bool:
        return self._store.is_loaded(row)

    @property
    def loading(self) -> bool:
        return (bool(self._in_flight) or self._count_job is not None or bool(self._arrived)
                or self._reading_ahead())

    def _reading_ahead(self) -> bool:
        """The read-ahead has pages to hand over that the table wants (not waiting for the view)."""
        return (self._ahead is not None
                and self._ahead[1].wanted > self._inserted_pages + len(self._arrived))

    @property
    def error(self) -> str | None:
        return self._error

    def set_service(self, service: ContactsService | None) -> None:
        """Show contacts of ``service`` (None empties the table)."""
        self._service = service
        self._restart()

    def set_columns(self, columns: list[FieldInfo]) -> None:
        """Show these fields; rows are reloaded, since they carry only the fields asked for."""
        self._columns = [c for c in columns if not c.locked]
        self._restart()

    def set_query(self, query: ContactQuery) -> None:
        """Show ``query`` from its first page (even if it equals the current one)."""
        self._query = query
        self._restart()
        self.query_changed.emit(query)

    def refresh(self) -> None:
        self._restart()

    def fetch_all(self) -> None:
        """Keep loading, ``parallel`` pages at a time, until every row is in (bench, select all)."""
        self._auto = True
        self._top_up()

    def show_rows(self, first: int, last: int) -> None:
        """The view shows rows ``first .. last``: in a sparse table their pages (and one
        ahead) are read before any other. A growing table needs no help (``fetchMore``)."""
        if not self._sparse:
            return
        size, rows = self._page_size, len(self._store)
        if rows == 0:
            return
        first, last = max(0, min(first, rows - 1)), max(0, min(last, rows - 1))
        pages = range(first // size, last // size + 1 + VIEW_AHEAD_PAGES)
        self._view_pages = [p for p in pages if p * size < rows]
        self._top_up()

    def retry(self) -> None:
        """Ask again for the pages (and count) that failed."""
        if self._error is None:
            return
        self._error = None
        self._retry_epoch += 1
        failed, self._failed_pages = sorted(self._failed_pages), set()
        if self._ahead_failed:  # read on from the last row in (the tokens of its ranges are gone)
            self._ahead_failed = False
            self._insert_ready()
            self._start_read_ahead()
        if self._count_failed:
            self._count_failed = False
            self._start_count()
        for page in failed:
            self._request(page)
        self._waiting_rows_changed()
        if self._sparse:
            self._top_up()
        elif not failed and self._ahead is None and self._can_request():
            self._request(self._next_page)
        self._sync_placeholder()
        self._emit_loading()

    # -- loading -----------------------------------------------------------------------------

    def _restart(self) -> None:
        self.beginResetModel()
        self._gen += 1
        for job in self._in_flight.values():
            job.cancel()
        if self._count_job is not None:
            self._count_job.cancel()
        if self._ahead is not None:
            self._ahead[0].cancel()
        self._in_flight.clear()
        self._count_job = None
        self._ahead, self._ahead_failed = None, False
        self._insert_timer.stop()
        self._store, self._arrived, self._text = RowStore(field_order(self._fields())), {}, {}
        self._total, self._next_page, self._inserted_pages = None, 0, 0
        self._failed_pages, self._count_failed, self._error = set(), False, None
        self._last_page, self._ended, self._placeholder, self._auto = None, False, False, False
        self._sparse, self._fill, self._fill_cursor, self._view_pages = False, False, 0, []
        self.endResetModel()
        self.total_changed.emit(-1)
        if self._service is not None and self._columns:
            if self._service.can_count:  # REST v2 has none: the total comes with the last page
                self._start_count()
            self._request(0)  # first rows as soon as possible, without waiting for the view
            self._sync_placeholder()
        self._emit_loading()

    def _start_count(self) -> None:
        service, query, gen = self._service, self._query, self._gen
        assert service is not None
        self._count_job = self._runner.run(
            lambda token: service.count(query, token),
            on_done=partial(self._on_count, gen),
            on_error=partial(self._on_count_error, gen, self._retry_epoch),
            description="count contacts")

    def _fields(self) -> list[str]:
        return [c.name for c in self._columns]

    def _request(self, page: int, *, show_now: bool = True) -> None:
        service, query, gen = self._service, self._query, self._gen
        if service is None or page in self._in_flight:
            return
        fields, size, packer = self._fields(), self._page_size, self._store.packer
        def read(token: TaskToken) -> PackedPage:  # packed on the worker: the GUI thread only appends
            rows = service.page(query, fields, page, size, token).rows
            with cpu_turn():
                return PackedPage(page, packer(rows))

        self._in_flight[page] = self._runner.run(
            read,
            on_done=partial(self._on_page, gen),
            on_error=partial(self._on_page_error, gen, page, self._retry_epoch),
            description=f"contacts page {page}")
        self._next_page = max(self._next_page, page + 1)
        if show_now:
            self._sync_placeholder()
        else:
            self._placeholder_timer.start()

    def _more_pages(self) -> bool:
        if self._last_page is not None or self._ahead is not None:
            return False
        if self._total is not None:
            return self._next_page * self._page_size < self._total
        return not self._in_flight  # one at a time until the total is known

    def _can_request(self) -> bool:
        return (self._service is not None and bool(self._columns) and self._error is None
                and (self._sparse or self._more_pages()) and len(self._in_flight) < self._parallel)

    def _top_up(self) -> None:
        if self._auto and self._ahead is None and self._may_read_ahead(from_page=1):
            self._start_read_ahead()
        if self._auto and self._ahead is not None:
            self._ahead[1].want(1 << 40)  # every row
        if self._sparse:
            while self._can_request() and (page := self._next_sparse_page()) is not None:
                self._request(page)
        while self._auto and not self._sparse and self._can_request():
            self._request(self._next_page)
        self._emit_loading()

    def _page_wanted(self, page: int) -> bool:
        size = self._page_size
        return (page not in self._in_flight and page not in self._failed_pages
                and self._store.missing(page * size, page * size + size - 1))

    def _next_sparse_page(self) -> int | None:
        """The next page to read: the view's first, then (filling or fetching all) in order."""
        for page in self._view_pages:
            if self._page_wanted(page):
                return page
        if not (self._fill or self._auto):
            return None
        size, pages = self._page_size, -(-len(self._store) // self._page_size)
        while self._fill_cursor < pages and not self._store.missing(self._fill_cursor * size,
                                                                     self._fill_cursor * size + size - 1):
            self._fill_cursor += 1
        return next((p for p in range(self._fill_cursor, pages) if self._page_wanted(p)), None)

    def _may_read_ahead(self, from_page: int = READ_AHEAD_FROM_PAGE) -> bool:
        return (self._service is not None and self._service.reads_ahead(self._query) and not self._sparse
                and self._total is None and self._last_page is None and self._error is None
                and not self._in_flight and self._next_page >= from_page)

    def _start_read_ahead(self) -> None:
        """Read the rest of the search after the rows in (or waiting to go in) by Id ranges,
        handing pages over as the table wants them (:class:`PagesOnDemand`)."""
        service, query, gen = self._service, self._query, self._gen
        fields, size = self._fields(), self._page_size
        assert service is not None
        packer = self._store.packer
        first = self._inserted_pages
        while first in self._arrived:
            first += 1
        if first > self._inserted_pages:  # pages waiting to go in are full (a short one ends the rows)
            after: int | None = int(self._arrived[first - 1][-1][0])  # a packed row's Id comes first
        else:
            after = self.contact_id(len(self._store) - 1)  # None when empty: from the start
        demand = PagesOnDemand(first + READ_AHEAD_PAGES)

        def read(token: TaskToken) -> int:
            def deliver(page: int, rows: list[Row]) -> None:
                with cpu_turn():
                    packed = packer(rows)
                token.report(PackedPage(page, packed))

            return demand.run(service.rows_after(query, fields, after, token, page_size=size), size, first,
                              deliver, token)

        self._next_page = first
        job = self._runner.run(
            read,
            on_progress=partial(self._on_page, gen),
            on_done=partial(self._on_read_ahead_done, gen),
            on_error=partial(self._on_read_ahead_error, gen),
            description="contacts (reading ahead)")
        self._ahead = (job, demand)
        self._placeholder_timer.start()  # not at once: fetchMore may be what started this

    def _on_read_ahead_done(self, gen: int, _last_page: int) -> None:
        if gen == self._gen:
            self._ahead = None
            self._sync_placeholder()
            self._emit_loading()

    def _on_read_ahead_error(self, gen: int, error: BaseException) -> None:
        if gen != self._gen:
            return
        self._ahead = None
        if isinstance(error, CancelledError):
            self._sync_placeholder()
            return
        self._ahead_failed = True
        self._fail(error)

    def _on_count(self, gen: int, total: int) -> None:
        if gen != self._gen:
            return
        self._count_job = None
        self._total = total
        self.total_changed.emit(total)
        if total > max(len(self._store), self._page_size) and not self._ended:
            self._become_sparse(total)
        self._top_up()
        self._sync_placeholder()

    def _become_sparse(self, total: int) -> None:
        """A slot for every row: the scroll bar spans the search, pages fill in where looked at."""
        self._sparse = True
        self._fill = total <= self._fill_up_to
        self._insert_timer.stop()
        self._sync_placeholder()  # a sparse table has no trailing placeholder row
        self.beginInsertRows(_ROOT, len(self._store), total - 1)
        self._store.grow(total)
        self.endInsertRows()
        arrived, self._arrived = self._arrived, {}
        for page, rows in sorted(arrived.items()):
            self._place(page, rows)
        self._view_pages = [0, *range(1, 1 + VIEW_AHEAD_PAGES)]  # the top, until the view says
        self.rows_loaded.emit(self._store.loaded)

    def _place(self, page: int, rows: list[Packed]) -> None:
        """A page into its slots; a short page ends the search there (rows deleted since the count)."""
        first = page * self._page_size
        fitted = self._store.place(first, rows)
        for row in range(first, first + fitted):
            self._text.pop(row, None)
        if fitted:
            last = self.index(first + fitted - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(first, 0), last)
        end = first + len(rows)
        if len(rows) < self._page_size and end < len(self._store):
            self.beginRemoveRows(_ROOT, end, len(self._store) - 1)
            self._store.truncate(end)
            self._text = {}
            self.endRemoveRows()
            self._total = end
            self.total_changed.emit(end)

    def _on_count_error(self, gen: int, epoch: int, error: BaseException) -> None:
        if gen != self._gen:
            return
        self._count_job = None
        if isinstance(error, CancelledError):
            return
        if epoch < self._retry_epoch:  # sent before Retry was pressed: that Retry covers it
            self._start_count()
            return
        self._count_failed = True
        self._fail(error)

    def _on_page(self, gen: int, page: PackedPage) -> None:
        if gen != self._gen:
            return
        self._in_flight.pop(page.page, None)
        if self._sparse:
            self._place(page.page, page.rows)
            self._top_up()
            self.rows_loaded.emit(self._store.loaded)
            return
        self._arrived[page.page] = page.rows
        if len(page.rows) < self._page_size and (self._last_page is None or page.page < self._last_page):
            self._last_page = page.page
            for later, job in list(self._in_flight.items()):
                if later > page.page:  # past the end: nothing to wait for
                    job.cancel()
                    del self._in_flight[later]
        self._top_up()
        if not self._insert_timer.isActive() or not self._in_flight:
            self._insert_ready()  # at once when quiet, and the last batch never waits
            self._insert_timer.start()  # the next insert waits a moment, gathering pages

    def _on_insert_timer(self) -> None:
        if self._insert_ready():
            self._insert_timer.start()

    def _insert_ready(self) -> bool:
        """Insert every page that follows the inserted ones, as one batch; True if any."""
        batch: list[Packed] = []
        while self._inserted_pages in self._arrived:
            batch.extend(self._arrived.pop(self._inserted_pages))
            self._inserted_pages += 1
        self._append(batch)
        ended = (self._last_page is not None and self._inserted_pages > self._last_page
                 and not self._ended)
        if ended:
            self._ended = True
            self._end_of_rows()
        if batch or ended:
            self.rows_loaded.emit(len(self._store))
        self._sync_placeholder()
        return bool(batch)

    def _end_of_rows(self) -> None:
        self._arrived.clear()
        if self._total != len(self._store):  # the account changed since the count
            self._total = len(self._store)
            self.total_changed.emit(self._total)

    def _append(self, rows: list[Packed]) -> None:
        if not rows:
            return
        first = len(self._store)
        self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
        self._store.extend(rows)
        self.endInsertRows()

    def _on_page_error(self, gen: int, page: int, epoch: int, error: BaseException) -> None:
        if gen != self._gen:
            return
        self._in_flight.pop(page, None)
        if isinstance(error, CancelledError):
            self._sync_placeholder()
            return
        if epoch < self._retry_epoch:  # sent before Retry was pressed: that Retry covers it
            self._request(page)
            return
        self._failed_pages.add(page)
        self._fail(error)

    def _fail(self, error: BaseException) -> None:
        message, detail = describe(error)
        log.warning("loading contacts failed: %s", detail.splitlines()[0] if detail else message)
        self._error = message
        self._sync_placeholder()
        if self._placeholder:
            last = self.index(len(self._store), 0)
            self.dataChanged.emit(last, last.siblingAtColumn(self.columnCount() - 1))
        self._waiting_rows_changed()
        self._emit_loading()
        self.load_failed.emit(message)

    def _waiting_rows_changed(self) -> None:
        """Rows waiting for their page say "Loading…" or the error: repaint them."""
        if self._sparse and len(self._store) and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._store) - 1, 0))

    def _emit_loading(self) -> None:
        self.loading_changed.emit(self.loading)

    def _sync_placeholder(self) -> None:
        want = not self._sparse and (bool(self._in_flight) or bool(self._arrived) or self._error is not None
                                     or (self._ahead is not None and self._last_page is None))
        if want == self._placeholder or not self._columns:
            return
        row = len(self._store)
        if want:
            self.beginInsertRows(_ROOT, row, row)
            self._placeholder = True
            self.endInsertRows()
        else:
            self.beginRemoveRows(_ROOT, row, row)
            self._placeholder = False
            self.endRemoveRows()
        self._emit_loading()

    # -- rows the editor changed -------------------------------------------------------------

    def contact_id(self, row: int) -> int | None:
        return self._store.contact_id(row) if 0 <= row < len(self._store) else None

    def row_of(self, contact_id: int) -> int | None:
        return self._store.row_of(contact_id)

    def record(self, row: int) -> Row | None:
        """The row's non-blank fields as a dict (built when asked: rows are kept packed)."""
        return self._store.record(row) if 0 <= row < len(self._store) else None

    def update_contact(self, contact_id: int, values: dict[str, Any]) -> None:
        """Show saved values in the contact's row (if it is loaded)."""
        row = self._store.row_of(contact_id)
        if row is None:
            return
        self._text.pop(row, None)
        self._store.update(row, values)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def remove_contact(self, contact_id: int) -> None:
        row = self._store.row_of(contact_id)
        if row is None:
            return
        self.beginRemoveRows(_ROOT, row, row)
        self._store.remove(row)
        self._text = {}
        self.endRemoveRows()
        if self._total is not None:
            self._total = max(0, self._total - 1)
            self.total_changed.emit(self._total)

    # -- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:  # QAbstractItemModel.rowCount override
        return 0 if parent.isValid() else len(self._store) + (1 if self._placeholder else 0)

    def columnCount(self, parent: Index = _ROOT) -> int:  # QAbstractItemModel.columnCount override
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index) -> bool:  # QAbstractItemModel.canFetchMore override
        if parent.isValid() or self._sparse:
            return False
        if self._ahead is not None:
            return self._error is None and self._last_page is None
        return self._can_request()

    def fetchMore(self, parent: Index) -> None:  # QAbstractItemModel.fetchMore override
        """The view reached the last rows of a growing table: ask for the next page (a table
        that knows its total has every row and reads where the view looks, :meth:`show_rows`)."""
        if not self.canFetchMore(parent):
            return
        if self._ahead is not None:
            self._ahead[1].want(self._inserted_pages + len(self._arrived) + READ_AHEAD_PAGES)
        elif self._may_read_ahead() and not self._arrived:  # fetchMore must not insert rows itself
            self._start_read_ahead()
        else:
            self._request(self._next_page, show_now=False)
        self._emit_loading()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-run the query sorted by ``column`` on the server (QAbstractItemModel.sort override)."""
        if not 0 <= column < len(self._columns):
            return
        field = self._columns[column].name
        ascending = order == Qt.SortOrder.AscendingOrder
        refusal = self._service.sort_refusal(field) if self._service is not None else ""
        if refusal:  # the server cannot: say so, keep the order the rows really have
            self.sort_refused.emit(refusal)
            return
        if (field, ascending) != (self._query.order_by, self._query.ascending):
            self.set_query(self._query.sorted_by(field, ascending))
