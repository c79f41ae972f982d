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
from app.core.contact_fields import FieldInfo
from app.core.records import ContactQuery, User
from app.imports.checking import DateOrder, check_rows
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
    plan: ImportPlan
    estimated_seconds: float

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
        return DryRun(plan, self._estimate(plan.calls))
