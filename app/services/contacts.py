"""Contacts: search, load, and the one write path every contact change goes through.

:class:`ContactsService` wraps a :class:`~app.core.backend.CrmBackend`. Every write
(update, create, delete) passes through :meth:`ContactsService._write`, which makes
the values Latin-1 safe (the same preflight the user was shown) and tells each
registered :class:`WriteObserver` before the call is sent and after it ends, so the
change journal can record a write before it leaves the machine. Methods take plain
values and a cancel token; they run on worker threads and know nothing of the GUI.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol

from app.api.errors import CancelledError, HttpStatusError, InvalidValueError
from app.core.backend import CrmBackend, numbered_pages
from app.core.cancel import Cancellable
from app.core.contact_fields import FieldInfo, catalog
from app.core.display import csv_text
from app.core.files import csv_file
from app.core.gui_priority import cpu_turn, step_aside
from app.core.records import Condition, ContactPage, ContactQuery, Op, Row, User
from app.core.schema import CustomField
from app.core.text import Preflight, preflight, to_latin1
from app.services.full_reads import IdRange, PagesAhead, RangesAhead, id_ranges, known_ranges
from app.services.observers import observed

log = logging.getLogger("app.services.contacts")

WriteKind = Literal["update", "create", "delete"]
Progress = Callable[[int, int], None]

EXPORT_PAGE_SIZE = 1000
#: Rows formatted and written at a time by an export (one CPU turn each).
EXPORT_WRITE_BATCH = 500
#: Pages a full read keeps in flight where the total is known (as the table does).
READ_PARALLEL = 6


@dataclass
class WriteEvent:
    """One contact write, as observers see it.

    Attributes:
        kind: update, create or delete.
        contact_id: the contact (None for a create until it succeeds).
        values: what is sent (after the preflight).
        previous: the values the form had loaded before the edit, when known.
        result_id: the Id a create returned.
        job_row: the journal row this write carries out (an import's line), so the journal
            updates that row instead of adding one; None for a write outside such a job.
    """

    kind: WriteKind
    contact_id: int | None
    values: dict[str, object]
    previous: dict[str, object] = field(default_factory=dict)
    result_id: int | None = None
    job_row: int | None = None


class WriteObserver(Protocol):
    """Hooked into every contact write; called on the worker thread doing the write."""

    def before_write(self, event: WriteEvent) -> None: ...

    def after_write(self, event: WriteEvent, error: BaseException | None) -> None: ...


EMAIL_FIELDS = ("Email", "EmailAddress2", "EmailAddress3")
INT_RANGE = (-(2**31), 2**31 - 1)


def searchable(query: ContactQuery) -> ContactQuery:
    """Search terms as the Latin-1 database holds text: "Jūratė" finds "Jurate" instead of a
    collation error (XML-RPC) or a 400 (REST); the same transliteration saves use."""
    text = to_latin1(query.text)
    conditions = tuple(replace(c, value=to_latin1(c.value)) if isinstance(c.value, str) else c
                       for c in query.conditions)
    if text == query.text and conditions == query.conditions:
        return query
    return replace(query, text=text, conditions=conditions)


def check_values(values: Mapping[str, object]) -> None:
    """Refuse, before anything is sent, what Keap cannot store as meant: infinity and not-a-number,
    integers out of Keap's 32-bit range, and an e-mail address transliteration would change
    (an altered address would reach someone else, so it is never changed silently)."""
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidValueError(f"{name}: {value} is not a number Keap can store. "
                                    "Enter a finite number.")
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and not INT_RANGE[0] <= value <= INT_RANGE[1]:  # type: ignore[operator]
            raise InvalidValueError(f"{name}: {value:,} is too large for Keap (whole numbers up to "
                                    f"{INT_RANGE[1]:,}).")
        if name in EMAIL_FIELDS and isinstance(value, str) and to_latin1(value) != value:
            raise InvalidValueError(f"{name}: \u201c{value}\u201d has characters Keap cannot store, and "
                                    "changing them would make it another address. Correct it before saving.")


def _write_rows(writer: Any, rows: list[Row], columns: Sequence[FieldInfo]) -> int:
    """Format and write rows in one CPU turn with the reply decoders (app/core/gui_priority.py):
    written row by row, the export was one more thread the GUI thread waited for.

    Only dates go through :func:`csv_text`: the csv module writes every other value as
    ``csv_text`` would (None empty, text as is, numbers by ``str``), and a call per cell was
    a third of the writing's time."""
    names = [c.name for c in columns]
    date_only = [c.date_only for c in columns]
    with cpu_turn():
        step_aside()
        table = []
        for row in rows:
            values = [row.get(name) for name in names]
            for i, value in enumerate(values):
                if isinstance(value, date):  # a datetime too
                    values[i] = csv_text(value, date_only=date_only[i])
            table.append(values)
        writer.writerows(table)
    return len(rows)


class ContactsService:
    """Contact operations for the GUI; see the module docstring.

    Attributes:
        observers: every :class:`WriteObserver` told about each write (the journal's hook).
    """

    def __init__(self, backend: CrmBackend) -> None:
        self.backend = backend
        self.observers: list[WriteObserver] = []
        #: The server refused a full read's Id-range filter once: read one page after another.
        self._ranges_refused = False

    # -- reading -----------------------------------------------------------------------------

    def forget_searches(self) -> None:
        """Tags or records changed outside this service: searches must be resolved again."""
        self.backend.forget_searches()

    @property
    def can_count(self) -> bool:
        """False over REST v2, which has no count: lists learn their total from the last page."""
        return self.backend.can_count

    @property
    def protocol(self) -> str:
        return self.backend.protocol

    def condition_refusal(self, condition: Condition) -> str:
        """Why the server cannot filter by ``condition`` ("" when it can); no call is made."""
        return self.backend.condition_refusal(condition)

    def sort_refusal(self, field: str) -> str:
        """Why the list cannot be sorted by ``field`` on the server ("" when it can).

        REST v2 sorts contacts by Id, e-mail and the create/update times only [V]; sorting
        one page on the client would silently mislead, so the app says so instead.
        """
        return self.backend.sort_refusal(field)

    def count(self, query: ContactQuery, cancel: Cancellable) -> int:
        return self.backend.count_contacts(searchable(query), cancel)

    def page(self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int,
             cancel: Cancellable) -> ContactPage:
        rows = self.backend.search_contacts(searchable(query), fields, page, page_size, cancel)
        return ContactPage(rows, page, page_size)

    def load(self, contact_id: int, fields: Sequence[str], cancel: Cancellable) -> Row:
        return self.backend.load_contact(contact_id, fields, cancel)

    def find_by_email(self, email: str, cancel: Cancellable) -> list[Row]:
        return self.backend.find_contacts_by_email(
            email, ["Id", "FirstName", "LastName", "Email", "Company", "DateCreated"], cancel)

    def find_lookalikes(self, values: Mapping[str, object], fields: Sequence[str],
                        cancel: Cancellable) -> list[Row]:
        """Contacts with the e-mail of ``values``, else with its first and last name (``fields``
        read): where a create whose outcome is unknown is looked for."""
        email = str(values.get("Email") or "").strip()
        if email:
            return self.backend.find_contacts_by_email(email, fields, cancel)
        first, last = (str(values.get(k) or "").strip() for k in ("FirstName", "LastName"))
        if not (first and last):
            return []
        query = ContactQuery(conditions=(Condition("FirstName", Op.EQUALS, first),
                                         Condition("LastName", Op.EQUALS, last)))
        return list(self.iter_rows(query, fields, cancel))

    def custom_fields(self, cancel: Cancellable) -> list[CustomField]:
        return self.backend.custom_fields(cancel, "Contact")

    def field_catalog(self, cancel: Cancellable) -> list[FieldInfo]:
        """Every field a column, a filter or the form may show (SSN fields excluded)."""
        return catalog(self.custom_fields(cancel))

    def users(self, cancel: Cancellable) -> list[User]:
        return self.backend.users(cancel)

    # -- writing: everything passes through _write ---------------------------------------------

    @staticmethod
    def preflight(values: Mapping[str, object]) -> Preflight:
        """What would be stored for ``values``; show ``.describe()`` to the user before saving."""
        return preflight(values)

    def save(self, contact_id: int, values: Mapping[str, object], cancel: Cancellable, *,
             previous: Mapping[str, object] | None = None, job_row: int | None = None) -> None:
        """Write changed fields of one contact."""
        event = WriteEvent("update", contact_id, dict(values), dict(previous or {}), job_row=job_row)
        self._write(event, cancel)

    def create(self, values: Mapping[str, object], cancel: Cancellable, *, dup_check_email: bool = True,
               lookalikes: frozenset[int] | None = None, look_once: bool = False,
               job_row: int | None = None) -> int:
        """Create a contact; raises DuplicateContactError when its e-mail exists (if checked).
        ``lookalikes``, ``look_once``: see :meth:`~app.core.backend.CrmBackend.create_contact`."""
        event = WriteEvent("create", None, dict(values), job_row=job_row)
        self._write(event, cancel, dup_check_email=dup_check_email, lookalikes=lookalikes,
                    look_once=look_once)
        assert event.result_id is not None
        return event.result_id

    def delete(self, contact_id: int, cancel: Cancellable, *,
               previous: Mapping[str, object] | None = None, job_row: int | None = None) -> None:
        self._write(WriteEvent("delete", contact_id, {}, dict(previous or {}), job_row=job_row), cancel)

    def _write(self, event: WriteEvent, cancel: Cancellable, *, dup_check_email: bool = True,
               lookalikes: frozenset[int] | None = None, look_once: bool = False) -> None:
        """The one write path: preflight, observers before, the call, observers after."""
        if cancel.is_cancelled():
            raise CancelledError()
        check_values(event.values)
        event.values = preflight(event.values).values

        def send() -> None:
            if event.kind == "update":
                assert event.contact_id is not None
                self.backend.update_contact(event.contact_id, event.values, cancel)
            elif event.kind == "create":
                event.result_id = self.backend.create_contact(event.values, cancel,
                                                              dup_check_email=dup_check_email,
                                                              lookalikes=lookalikes, look_once=look_once)
                event.contact_id = event.result_id
            else:
                assert event.contact_id is not None
                self.backend.delete_contact(event.contact_id, cancel)

        observed(self.observers, event, send)
        log.info("contact %s: %s (%d fields)", event.kind, event.contact_id, len(event.values))

    # -- export ------------------------------------------------------------------------------

    def iter_rows(self, query: ContactQuery, fields: Sequence[str], cancel: Cancellable,
                  progress: Progress | None = None, *, page_size: int = EXPORT_PAGE_SIZE,
                  parallel: int = READ_PARALLEL, expected: int | None = None,
                  cut_ids: Sequence[int] = ()) -> Iterator[Row]:
        """Every row of ``query``, in order; ``progress(done, total)`` after each page (``total``
        is -1 while unknown: REST v2 has no count).

        ``expected``: the rows the caller already knows the search has (the table's count, or
        the rows it has read). A read told it spans several pages asks for them at once, not
        after a count (XML-RPC) or after its second page (REST v2): one round trip sooner, and
        XML-RPC saves the count's call. Only a hint: a stale one costs calls, never rows (the
        read goes on past it, and stops at the first short page).

        ``cut_ids``: a caller that holds every Id of the search (a table read to its end, sorted
        by Id) gives the Ids at :func:`app.services.full_reads.cut_rows`' positions of
        ``expected`` rows; a REST v2 read then starts every Id range at once from those Ids
        instead of from its first page's guessed density. Stale Ids cost calls, never rows.

        Up to ``parallel`` calls are in flight, the client's rate limiter keeping the key
        within its quota (:mod:`app.services.full_reads`): numbered pages where the total is
        known (XML-RPC), Id ranges read side by side where pages follow tokens (REST v2).
        Every full read (export, select all, the import's and the duplicate scan's passes, the
        CLI's search) runs through here, so all of them get the fast path.
        """
        searched = searchable(query)
        done = page = 0
        total = -1
        known_rows = expected if expected is not None and expected > page_size else None
        if self.can_count and parallel > 1:
            pages = PagesAhead(self.backend, searched, fields, page_size, cancel, parallel)
            with pages:
                total = known_rows if known_rows is not None else self.count(query, cancel)
                if progress is not None:
                    progress(0, total)
                for rows in pages.in_order(-(-total // page_size) if total > 0 else 1):
                    yield from rows
                    done += len(rows)
                    page += 1
                    if progress is not None:
                        progress(done, max(total, done))
                    if len(rows) < page_size:
                        return
        elif (parallel > 1 and cut_ids and not self._ranges_refused and self.backend.pages_by_id(searched)
              and (known := known_ranges(searched, cut_ids, expected or 0, page_size))):
            if progress is not None:
                progress(0, expected or -1)
            read = self._read_ranges(known, fields, cancel, progress, page_size, parallel, expected=expected,
                                     probe=1)  # the first range is bounded on one side only
            if (yield from read):
                return
        elif parallel > 1 and not self._ranges_refused:
            left = yield from self._read_by_ranges(searched, fields, cancel, progress, page_size, parallel,
                                                   cut_after=2 if known_rows is None else 1)
            if left is None:
                return
            done, page = left
        else:
            total = self.count(query, cancel) if self.can_count else -1
            if progress is not None:
                progress(0, total)
        if cancel.is_cancelled():
            raise CancelledError()
        # one by one: no count, or rows added since it
        for rows in numbered_pages(self.backend, searched, fields, page_size, cancel, start=page):
            yield from rows
            done += len(rows)
            if progress is not None:
                progress(done, max(total, done) if total >= 0 else -1)
            if cancel.is_cancelled():
                raise CancelledError()

    def reads_ahead(self, query: ContactQuery) -> bool:
        """Whether a growing table of ``query`` can read ahead by Id ranges (:meth:`rows_after`):
        no count (REST v2), sorted by Id, and the server has not refused the ranges' filter."""
        return not self.can_count and query.order_by == "Id" and not self._ranges_refused

    def rows_after(self, query: ContactQuery, fields: Sequence[str], after_id: int | None,
                   cancel: Cancellable, *, page_size: int = EXPORT_PAGE_SIZE) -> Iterator[Row]:
        """The rows of an Id-sorted ``query`` after ``after_id`` (in its direction; None: all),
        read as a full read (:meth:`iter_rows`): the rest of a growing table."""
        if query.order_by != "Id":
            raise ValueError("rows_after needs a search sorted by Id")
        if after_id is not None:
            after = Condition("Id", Op.GT if query.ascending else Op.LT, after_id)
            query = replace(query, conditions=(*query.conditions, after))
        return self.iter_rows(query, fields, cancel, page_size=page_size)

    def _read_by_ranges(
        self, query: ContactQuery, fields: Sequence[str], cancel: Cancellable, progress: Progress | None,
        page_size: int, parallel: int, cut_after: int = 2,
    ) -> Generator[Row, None, tuple[int, int] | None]:
        """The first ``cut_after`` pages (the query's last Id asked alongside the last of them:
        with two, a search of one page costs no extra call), then the rest by Id ranges side by
        side. Returns None when every row was read, else (rows read, next page number) for the
        one-by-one loop: the search is not paged by Id, or too small to split, or the server
        refused the ranges' filter (then remembered for this session)."""
        if progress is not None:
            progress(0, -1)
        first: list[Row] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-end") as pool:
            end_id = None
            for page in range(cut_after):
                if page == cut_after - 1:
                    end_id = pool.submit(self.backend.id_at_end, query, cancel)
                rows = self.backend.search_contacts(query, fields, page, page_size, cancel)
                yield from rows
                first.extend(rows)
                if progress is not None:
                    progress(len(first), -1)
                if len(rows) < page_size:
                    return None
            end = end_id.result() if end_id is not None else None
            ranges = id_ranges(query, first, end, page_size) if end is not None else []
        if not ranges:
            return len(first), cut_after
        read = self._read_ranges(ranges, fields, cancel, progress, page_size, parallel, done=len(first))
        return None if (yield from read) else (len(first), cut_after)

    def _read_ranges(self, ranges: Sequence[IdRange], fields: Sequence[str], cancel: Cancellable,
                     progress: Progress | None, page_size: int, parallel: int, *, done: int = 0,
                     expected: int | None = None, probe: int = 0) -> Generator[Row, None, bool]:
        """Every row of ``ranges`` read side by side (``done`` rows read before them); False
        when the server refused the ranges' filter (range ``probe``'s, one bounded on both
        sides, is looked at before any row is handed over; the refusal is remembered for this
        session: the caller reads one page after another)."""
        read = partial(self.backend.read_pages, fields=fields, page_size=page_size, cancel=cancel)
        with RangesAhead(read, ranges, parallel) as ahead:
            try:
                ahead.first_page(probe)
            except HttpStatusError as exc:
                if exc.status != 400:
                    raise
                log.warning("the server refused reading contacts by Id ranges (%s): one page after another",
                            exc)
                self._ranges_refused = True
                return False
            log.info("reading %d Id ranges, %d at a time", len(ranges), parallel)
            for rows in ahead.in_order():
                yield from rows
                done += len(rows)
                if progress is not None:
                    progress(done, max(expected, done) if expected is not None else -1)
        return True

    def export_csv(self, path: Path, query: ContactQuery, columns: Sequence[FieldInfo], cancel: Cancellable,
                   progress: Progress | None = None, expected: int | None = None,
                   cut_ids: Sequence[int] = ()) -> int:
        """Write every row of ``query`` to ``path`` (UTF-8 with BOM, headers = labels).

        The file appears only when complete: a cancelled or failed export leaves
        nothing behind. Returns the number of rows written. ``expected``, ``cut_ids``: see
        :meth:`iter_rows`.
        """
        path = Path(path)
        count = 0
        with csv_file(path, "export") as writer:
            writer.writerow([c.label for c in columns])
            names = [c.name for c in columns]
            batch: list[Row] = []
            for row in self.iter_rows(query, names, cancel, progress, expected=expected, cut_ids=cut_ids):
                batch.append(row)
                if len(batch) == EXPORT_WRITE_BATCH:
                    count += _write_rows(writer, batch, columns)
                    batch = []
            count += _write_rows(writer, batch, columns)
        log.info("exported %d contacts to %s", count, path.name)
        return count

