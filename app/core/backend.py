"""The protocol-neutral contract every Keap backend fulfils.

The services layer and, through it, the GUI speak only this interface. The XML-RPC
backend (:mod:`app.api.xmlrpc.backend`) implements it today; a REST v2 backend will
implement it before Keap turns XML-RPC off. Plain values in, plain dicts and
dataclasses out; a backend knows nothing of threads or widgets and is called from
worker threads, so it must be thread-safe. Every method takes a cancel token that is
checked between calls, and raises only errors from :mod:`app.api.errors` (or
:class:`app.core.records.DuplicateContactError`).

Field names are Keap's exact names (``FirstName``, ``OwnerID``); custom fields are
``_`` + their database name. Dates come back as aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from app.core.cancel import Cancellable
from app.core.records import Condition, ContactQuery, Row, User
from app.core.schema import CustomField


class CrmBackend(Protocol):
    """Contacts and their reference data in one Keap account."""

    #: "xmlrpc" or "rest"; shown in the status bar and the logs.
    protocol: str
    #: Whether :meth:`count_contacts` is one cheap call (XML-RPC) or would page the whole
    #: result (REST v2 has no count): lists then learn their total from their last page.
    can_count: bool

    def sort_refusal(self, field: str) -> str:
        """Why contacts cannot be sorted by ``field`` on the server ("" when they can); no call."""
        ...

    def condition_refusal(self, condition: Condition) -> str:
        """Why contacts cannot be filtered by ``condition`` ("" when they can); no call."""
        ...

    def count_contacts(self, query: ContactQuery, cancel: Cancellable) -> int:
        """How many contacts match ``query`` (fresh: recomputed on every call)."""
        ...

    def search_contacts(self, query: ContactQuery, fields: Sequence[str], page: int, page_size: int,
                        cancel: Cancellable) -> list[Row]:
        """Page ``page`` (from 0) of the matching contacts, in the query's order.

        Every row carries ``Id`` plus whichever of ``fields`` are not blank. Pages are
        consistent with :meth:`count_contacts` for the same query, and several pages of
        one query may be requested in parallel.
        """
        ...

    def read_pages(self, query: ContactQuery, fields: Sequence[str], page_size: int,
                   cancel: Cancellable) -> Iterator[list[Row]]:
        """Every page of ``query`` in order, one after the other (the last one short)."""
        ...

    def pages_by_id(self, query: ContactQuery) -> bool:
        """Whether the server pages ``query`` as one chain in Id order, so a full read may be cut
        into Id ranges read side by side (REST v2: one filter, no tags, sorted by Id); no call."""
        ...

    def id_at_end(self, query: ContactQuery, cancel: Cancellable) -> int | None:
        """The Id of the last contact of ``query`` in its order, when the server pages the search
        in Id order and it cannot be counted (REST v2): a full read can then be cut into Id
        ranges read side by side. None where it cannot or need not (XML-RPC pages by number)."""
        ...

    def load_contact(self, contact_id: int, fields: Sequence[str], cancel: Cancellable) -> Row:
        """One contact's fields (blank fields are missing from the row)."""
        ...

    def update_contact(self, contact_id: int, values: dict[str, object], cancel: Cancellable) -> None:
        """Write ``values`` (already Latin-1 safe) to one contact."""
        ...

    def create_contact(self, values: dict[str, object], cancel: Cancellable, *,
                       dup_check_email: bool = True, lookalikes: frozenset[int] | None = None,
                       look_once: bool = False) -> int:
        """Create a contact and return its Id; never creates it twice.

        With ``dup_check_email`` a contact whose e-mail address already exists raises
        :class:`~app.core.records.DuplicateContactError` instead. A lost reply is resolved
        by looking the contact up before anything is sent again; the contacts that already
        looked like it are read first, unless the caller knows them (``lookalikes``: the Ids
        with its e-mail or its first and last name, from a read it made, e.g. an import's pass).
        ``look_once``: look only once after a lost reply (a job that settles unknown creates by
        reading later, instead of holding a worker for the whole look-up).
        """
        ...

    def delete_contact(self, contact_id: int, cancel: Cancellable) -> None:
        ...

    def merge_contacts(self, keep_id: int, duplicate_id: int, cancel: Cancellable) -> None:
        """Merge ``duplicate_id`` into ``keep_id`` (Keap fills the survivor's blanks, moves tags and
        records, deletes the duplicate); cannot be undone. Sent once: a lost reply is resolved by
        reading (duplicate gone and survivor there: applied), else OutcomeUnknownError."""
        ...

    def find_contacts_by_email(self, email: str, fields: Sequence[str], cancel: Cancellable) -> list[Row]:
        """Contacts with ``email`` as any of their three addresses (case-insensitive)."""
        ...

    def custom_fields(self, cancel: Cancellable, record: str = "Contact") -> list[CustomField]:
        """The account's custom fields of one record type (``Contact``, ``Lead`` ...)."""
        ...

    def users(self, cancel: Cancellable) -> list[User]:
        """The account's users, who may own contacts."""
        ...

    def forget_searches(self) -> None:
        """Drop cached search results: a write made elsewhere (tags) may change what matches."""
        ...


def numbered_pages(backend: CrmBackend, query: ContactQuery, fields: Sequence[str], page_size: int,
                   cancel: Cancellable, *, start: int = 0) -> Iterator[list[Row]]:
    """Pages ``start``, ``start + 1``... of ``query`` until a short one (:meth:`CrmBackend.read_pages`
    for searches paged by number, and every full read's page-by-page loop)."""
    page = start
    while True:
        rows = backend.search_contacts(query, fields, page, page_size, cancel)
        yield rows
        if len(rows) < page_size:
            return
        page += 1
