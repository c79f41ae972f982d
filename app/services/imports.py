"""Importing contacts from a CSV file: read, map, check and plan against the account.

The dry run of an import (:meth:`ImportService.dry_run`) makes only reads: the account's
custom fields and users (to map and check the columns) and one paged pass over the
contacts (to match rows), never a call per row. It returns the
:class:`~app.imports.planning.ImportPlan` the job will carry out and the figures the
user confirms: rows, invalid, to create, to update, unchanged, calls, time at the key's
quota.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.core.cancel import Cancellable
from app.core.contact_fields import FieldInfo, Kind
from app.core.records import ContactQuery, User
from app.imports.checking import DateOrder, check_rows, guess_date_order
from app.imports.mapping import suggest
from app.imports.planning import ImportPlan, MatchMode, OnMatch, plan_import, read_fields
from app.imports.reading import CsvTable, read_table
from app.services.contacts import ContactsService

#: Contacts per page of the matching pass (the APIs' largest page).
READ_PAGE = 1000


@dataclass(frozen=True)
class ImportSetup:
    """What mapping a file needs from the account: its fields and its users."""

    fields: list[FieldInfo]
    users: list[User]


@dataclass(frozen=True)
class DryRun:
    """The plan, the time it takes at the key's quota, and each line's transliterations (what Keap's
    Latin-1 database will store instead of what the file says: shown before anything is sent)."""

    plan: ImportPlan
    estimated_seconds: float
    transliterations: tuple[tuple[int, str, str, str], ...] = ()  # (line, field, in the file, stored)

    def figures(self) -> dict[str, int]:
        return self.plan.summary()


class ImportService:
    """Reads, maps, checks and plans imports over one connection's contacts service."""

    def __init__(self, contacts: ContactsService, estimate_seconds: Callable[[int], float]) -> None:
        self.contacts = contacts
        self._estimate = estimate_seconds

    @staticmethod
    def read(path: Path) -> CsvTable:
        return read_table(path)

    def setup(self, cancel: Cancellable) -> ImportSetup:
        return ImportSetup(self.contacts.field_catalog(cancel), self.contacts.users(cancel))

    @staticmethod
    def suggest(table: CsvTable, setup: ImportSetup) -> dict[int, str]:
        return suggest(table.headers, setup.fields)

    @staticmethod
    def date_order(table: CsvTable, mapping: Mapping[int, str], setup: ImportSetup) -> DateOrder | None:
        """The order the file's date columns can only be read in (None: either way, so ask)."""
        kinds = {f.name: f.kind for f in setup.fields}
        columns = [c for c, name in mapping.items() if kinds.get(name) in (Kind.DATE, Kind.DATETIME)]
        return guess_date_order([row.get(c) for row in table.rows for c in columns])

    def dry_run(self, table: CsvTable, mapping: Mapping[int, str], setup: ImportSetup, cancel: Cancellable, *,
                mode: MatchMode = "email", on_match: OnMatch = "fill", date_order: DateOrder = "MDY",
                progress: Callable[[int, int], None] | None = None) -> DryRun:
        """Check every row, read the account once, and decide each row (reads only)."""
        checked = check_rows(table.rows, mapping, setup.fields, setup.users, date_order=date_order)
        pages = [0]

        def counted(done: int, total: int) -> None:
            pages[0] += 1
            if progress is not None:
                progress(done, total)

        fields = read_fields(mapping.values(), mode)
        existing = self.contacts.iter_rows(ContactQuery(), fields, cancel, counted, page_size=READ_PAGE)
        plan = plan_import(checked, existing, mode=mode, on_match=on_match)
        reads = max(1, pages[0] - 1)  # iter_rows reports once before the first page
        plan = ImportPlan(plan.rows, reads)
        sent = {r.line for r in plan.rows if r.action in ("create", "update")}
        changes = tuple((row.line, c.field, c.original, c.saved) for row in checked if row.line in sent
                        for c in row.changes)
        return DryRun(plan, self._estimate(plan.calls), changes)
