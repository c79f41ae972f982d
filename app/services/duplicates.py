"""Duplicate contacts: find groups from paged reads, preview a merge, merge (one or a batch).

:class:`DuplicatesService` reads contacts only through :class:`ContactsService`
(``iter_rows``: one call per 1,000 contacts, never one per contact) and writes a
survivor's chosen values through ``ContactsService.save``, the one contact write path,
so the journal and the change feed see them. The merge itself passes this service's
observers as a :class:`MergeEvent` carrying the duplicate's full values as read just
before: Keap cannot undo a merge, so the history is the only place they survive.
Methods run on worker threads; no Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.api.errors import ApiError, CancelledError, UnsupportedError
from app.core.cancel import Cancellable, NeverCancelled
from app.core.contact_fields import FieldInfo
from app.core.records import ContactQuery
from app.duplicates.batch import BatchPlan, BatchReport, MergePair
from app.duplicates.finding import (
    EMAIL_FIELDS,
    FIELDS,
    PHONE_FIELDS,
    DuplicateGroup,
    email_key,
    find_groups,
    phone_key,
)
from app.services.contacts import ContactsService
from app.services.observers import WriteObserver, held, observed
from app.services.records import RecordsService
from app.services.tags import TagsService

log = logging.getLogger("app.services.duplicates")

Progress = Callable[[int, int], None]
PAGE_SIZE = 1000
#: Fields a merge never writes: Keap keeps them itself (or they belong to the duplicate).
NEVER_WRITTEN = frozenset({"Id", "DateCreated", "LastUpdated", "CreatedBy", "LastUpdatedBy", "Groups",
                           "Validated", "AccountId"})


@dataclass
class MergeEvent:
    """A merge, as write observers (the journal, the change feed) see it.

    Attributes:
        contact_id: the survivor.
        duplicate_id: the contact merged into it (gone afterwards).
        values: the winning values TagDesk writes to the survivor (through ``ContactsService.save``,
            so each write is journalled as an update too): non-blank ones that differ from what it
            held, just before the merge; blanks (None) chosen over a value, just after it, since
            Keap fills the survivor's blanks from the duplicate.
        previous: the duplicate's full field values as read just before the merge (every
            readable field of the catalog; blank fields are absent): all that is left of it.
        keep_before: the survivor's full field values as read before anything was written.
        kind: always "merge".
        job_row: the journal row this merge carries out, when a job planned it.
    """

    contact_id: int
    duplicate_id: int
    values: dict[str, object]
    previous: dict[str, object]
    keep_before: dict[str, object]
    kind: Literal["merge"] = "merge"
    job_row: int | None = None


@dataclass(frozen=True)
class Moves:
    """What moves from the duplicate to the survivor; None where it could not be counted."""

    tags: int | None = None
    opportunities: int | None = None
    orders: int | None = None
    subscriptions: int | None = None
    invoices: int | None = None
    notes: int | None = None

    def describe(self) -> str:
        """E.g. "2 tags, 1 order; notes too (not counted)", or "no tags or linked records"."""
        names = (("tags", "tag"), ("opportunities", "opportunity"), ("orders", "order"),
                 ("subscriptions", "subscription"), ("invoices", "invoice"), ("notes", "note"))
        counted, uncounted = [], []
        for attr, one in names:
            count = getattr(self, attr)
            if count is None:
                uncounted.append(attr)
            elif count:
                counted.append(f"{count} {one if count == 1 else attr}")
        text = ", ".join(counted) if counted else "no tags or linked records"
        if uncounted:
            text += f"; {' and '.join(uncounted)} too, if it has any (not counted)"
        return text


@dataclass(frozen=True)
class MergePreview:
    """Both contacts side by side, for the merge assistant.

    Attributes:
        keep_id, duplicate_id: the survivor and the contact merged into it.
        fields: every readable field, in form order (labels for the assistant).
        keep, duplicate: the two contacts' values (blank fields absent).
        moves: what the duplicate brings along.
    """

    keep_id: int
    duplicate_id: int
    fields: tuple[FieldInfo, ...]
    keep: Mapping[str, object]
    duplicate: Mapping[str, object]
    moves: Moves = field(default_factory=Moves)

    def differing(self) -> list[FieldInfo]:
        """The fields whose values differ (blank on one side counts), writable ones only."""
        return [f for f in self.fields if writable(f) and not same(self.keep.get(f.name),
                                                                   self.duplicate.get(f.name))]

    def default_winners(self) -> dict[str, object]:
        """Per differing field: the survivor's value, else the duplicate's non-blank one, unless
        the survivor holds that address or number in another slot already (no "E-mail 2" that
        repeats "E-mail")."""
        emails = {email_key(self.keep.get(f)) for f in EMAIL_FIELDS} - {""}
        phones = {phone_key(self.keep.get(f)) for f in PHONE_FIELDS} - {""}
        out: dict[str, object] = {}
        for info in self.differing():
            mine, theirs = self.keep.get(info.name), self.duplicate.get(info.name)
            repeated = (info.name in EMAIL_FIELDS and email_key(theirs) in emails) or \
                (info.name in PHONE_FIELDS and phone_key(theirs) in phones)
            out[info.name] = mine if not blank(mine) or repeated else theirs
        return out


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same(a: object, b: object) -> bool:
    """Equal, with every kind of blank equal to the others."""
    return (blank(a) and blank(b)) or a == b


def writable(info: FieldInfo) -> bool:
    return not info.read_only and not info.locked and info.name not in NEVER_WRITTEN


class DuplicatesService:
    """Find and merge duplicate contacts; see the module docstring.

    Attributes:
        observers: every :class:`~app.services.observers.WriteObserver` told about each merge
            (the journal's hook and the change feed), with a :class:`MergeEvent`.
    """

    def __init__(self, contacts: ContactsService, *, tags: TagsService | None = None,
                 records: RecordsService | None = None) -> None:
        self.contacts = contacts
        #: for what a merge moves (optional: without them the preview counts nothing)
        self.tags = tags
        self.records = records
        self.observers: list[WriteObserver] = []

    # -- finding ------------------------------------------------------------------------------

    def find(self, query: ContactQuery, cancel: Cancellable, progress: Progress | None = None, *,
             names: bool = False) -> list[DuplicateGroup]:
        """Duplicate groups among the contacts of ``query`` (``ContactQuery()``: the whole account).

        Pages of 1,000 contacts with just the fields the finder compares; ``progress(done,
        total)`` after each page (total -1 over REST v2, which has no count). ``names``: also
        group contacts by the same name alone (low confidence; see :mod:`app.duplicates.finding`).
        """
        rows = list(self.contacts.iter_rows(query, FIELDS, cancel, progress, page_size=PAGE_SIZE))
        if cancel.is_cancelled():
            raise CancelledError()
        groups = find_groups(rows, names=names)
        log.info("duplicates: %d groups among %d contacts", len(groups), len(rows))
        return groups

    # -- one merge ----------------------------------------------------------------------------

    def readable_fields(self, cancel: Cancellable) -> list[FieldInfo]:
        """Every field of the catalog that can be read (SSN fields are not in it)."""
        return [f for f in self.contacts.field_catalog(cancel) if not f.locked]

    def preview(self, keep_id: int, duplicate_id: int, cancel: Cancellable) -> MergePreview:
        """Both contacts in full and what would move: reads only (about eight calls)."""
        fields = self.readable_fields(cancel)
        names = [f.name for f in fields]
        keep = self.contacts.load(keep_id, names, cancel)
        duplicate = self.contacts.load(duplicate_id, names, cancel)
        return MergePreview(int(keep_id), int(duplicate_id), tuple(fields), keep, duplicate,
                            self.moves(duplicate_id, cancel))

    def moves(self, contact_id: int, cancel: Cancellable) -> Moves:
        """How many tags and linked records ``contact_id`` has (what a merge moves away from it)."""
        tags, records = self.tags, self.records
        readers: dict[str, Callable[[], Sequence[object]]] = {}
        if tags is not None:
            readers["tags"] = lambda: tags.contact_tags(contact_id, cancel)
        if records is not None:
            readers["opportunities"] = lambda: records.backend.opportunities(contact_id, cancel)
            readers["orders"] = lambda: records.orders(contact_id, cancel)
            readers["subscriptions"] = lambda: records.subscriptions(contact_id, cancel)
            readers["invoices"] = lambda: records.invoices(contact_id, cancel)
        counts: dict[str, int | None] = {}
        for name, read in readers.items():
            if cancel.is_cancelled():
                raise CancelledError()
            try:
                counts[name] = len(read())
            except UnsupportedError:
                counts[name] = None
        counts["notes"] = records.backend.notes_count(contact_id, cancel) if records is not None else None
        return Moves(**counts)

    def merge(self, keep_id: int, duplicate_id: int, winners: Mapping[str, object], cancel: Cancellable, *,
              job_row: int | None = None) -> MergeEvent:
        """Write the chosen ``winners`` that differ onto the survivor, then merge the duplicate into it.

        Both contacts are read in full first (every readable field): the survivor's values decide
        what must be written, and the duplicate's are kept in the :class:`MergeEvent` the observers
        (the journal) get, since Keap cannot undo a merge. Returns that event.
        """
        if int(keep_id) == int(duplicate_id):
            raise ValueError("a contact cannot be merged with itself")
        fields = self.readable_fields(cancel)
        names = [f.name for f in fields]
        keep_before = dict(self.contacts.load(keep_id, names, cancel))
        previous = dict(self.contacts.load(duplicate_id, names, cancel))
        allowed = {f.name for f in fields if writable(f)}
        refused = sorted(set(winners) - allowed)
        if refused:
            raise ValueError(f"these fields cannot be written: {', '.join(refused)}")
        values = {k: v for k, v in winners.items() if not same(keep_before.get(k), v)}
        # Keap fills the survivor's blanks from the duplicate: a blank chosen over the duplicate's
        # value can only be written after the merge
        first = {k: v for k, v in values.items() if not blank(v)}
        clear: dict[str, object] = {k: None for k, v in winners.items() if blank(v) and not (
            blank(keep_before.get(k)) and blank(previous.get(k)))}
        if first:
            self.contacts.save(keep_id, first, cancel, previous={k: keep_before.get(k) for k in first})
        event = MergeEvent(int(keep_id), int(duplicate_id), {**first, **clear}, previous, keep_before,
                           job_row=job_row)
        if cancel.is_cancelled():
            raise CancelledError()
        observed(self.observers, event,
                 lambda: self.contacts.backend.merge_contacts(int(keep_id), int(duplicate_id), cancel))
        self.contacts.forget_searches()
        if clear:  # the merge is done: its chosen blanks are finished even after a Cancel
            self.contacts.save(keep_id, clear, NeverCancelled(), previous={k: previous.get(k) for k in clear})
        log.info("merged contact %s into %s (%d values written)", duplicate_id, keep_id, len(event.values))
        return event

    # -- batches ------------------------------------------------------------------------------

    def run_batch(self, plan: BatchPlan, cancel: Cancellable,
                  progress: Progress | None = None) -> BatchReport:
        """Merge ``plan``'s pairs one by one (survivor's values kept); a failed pair is reported and
        the batch goes on; Cancel stops before the next pair. Observers that gather writes hear of
        the whole batch once, at its end."""
        report = BatchReport()
        pairs = list(plan.pairs)
        gone: set[int] = set()
        with held(self.observers):
            for index, pair in enumerate(pairs):
                if cancel.is_cancelled():
                    report.cancelled = True
                    report.not_started.extend(pairs[index:])
                    break
                if pair.keep in gone:
                    report.failed.append((pair, f"contact {pair.keep} was merged into another contact"))
                    continue
                try:
                    self.merge(pair.keep, pair.duplicate, {}, cancel)
                except CancelledError:
                    report.cancelled = True
                    report.not_started.extend(pairs[index:])
                    break
                except ApiError as err:
                    report.failed.append((pair, err.message))
                else:
                    report.done.append(pair)
                    gone.add(pair.duplicate)
                if progress is not None:
                    progress(index + 1, len(pairs))
        log.info("batch merge: %s", report.describe())
        return report


def failed_pairs(report: BatchReport) -> list[MergePair]:
    """The pairs to try again (a retry plans them anew: a failed pair may have been merged since)."""
    return [pair for pair, _reason in report.failed]
