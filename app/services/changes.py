"""What writes changed, in the terms the panes refresh by: one change path for the whole app.

Every write of the contacts, tags and records services passes its observers
(:mod:`app.services.observers`). :class:`ChangeFeed` is one of them: it turns each
write event into a :class:`Changes` value (which contacts' fields, which contacts'
tags, which tags' members, whether the tag list itself, which kinds of linked
record) and merges them until someone takes them. The GUI takes them in one place
and refreshes exactly what they name (in the spirit of Anki's ``OpChanges``), so a
write made by a dialog, a bulk job, an undo or a tab refreshes the same way.

A tag or record write whose outcome is unknown (or that failed) still counts as a
change: Keap may have made it, and a refresh that finds nothing new costs one read. A
failed contact write does not: the table would show values Keap may not hold (the
editor keeps the user's edits and says what failed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.services.contacts import WriteEvent
from app.services.duplicates import MergeEvent
from app.services.records import RecordWriteEvent
from app.services.tags import TagWriteEvent

#: Kinds of linked record a record write can change (the record tabs name theirs).
RECORD_KINDS = ("opportunities", "orders", "subscriptions", "invoices", "links", "email_status")

_RECORD_WRITES: dict[str, tuple[str, ...]] = {
    "create_opportunity": ("opportunities",),
    "update_opportunity": ("opportunities",),
    "link": ("links",),
    "unlink": ("links",),
    "opt_out": ("email_status",),
    "opt_in": ("email_status",),
    "update_order_item": ("orders", "invoices"),
    "delete_order_item": ("orders", "invoices"),
}


@dataclass(frozen=True)
class Changes:
    """What one or more writes changed.

    Attributes:
        contact_values: contact id -> the field values sent (later writes win).
        contacts_added: contacts created.
        contacts_removed: contacts deleted (their tags and records went with them).
        contact_tags: contacts whose list of tags changed.
        tag_members: tags whose member count changed.
        every_tag_count: member counts of unknown tags changed (a contact or a tag was deleted).
        tag_catalog: tags or categories were created, renamed, moved, described or deleted.
        records: record kind -> contacts whose records of that kind changed; ``None`` in the
            set means "a contact not known" (an opt-out is per address, not per contact).
    """

    contact_values: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    contacts_added: frozenset[int] = frozenset()
    contacts_removed: frozenset[int] = frozenset()
    contact_tags: frozenset[int] = frozenset()
    tag_members: frozenset[int] = frozenset()
    every_tag_count: bool = False
    tag_catalog: bool = False
    records: Mapping[str, frozenset[int | None]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.contact_values or self.contacts_added or self.contacts_removed or self.contact_tags
                    or self.tag_members or self.every_tag_count or self.tag_catalog or self.records)

    @property
    def tags_changed(self) -> bool:
        """Anything that can make a tag-filtered search or a member count stale."""
        return bool(self.contact_tags or self.tag_members or self.every_tag_count or self.tag_catalog
                     or self.contacts_removed)

    def touches_records(self, kinds: frozenset[str], contact_id: int | None) -> bool:
        """Did records of one of ``kinds`` change for ``contact_id`` (or for an unknown contact)?"""
        return any(contact_id in ids or None in ids for kind, ids in self.records.items() if kind in kinds)


NOTHING = Changes()


def changes_of(event: object) -> Changes:
    """The change one write event (contact, tag or record) stands for."""
    if isinstance(event, WriteEvent):
        cid = event.contact_id if event.contact_id is not None else event.result_id
        if cid is None:
            return NOTHING
        if event.kind == "delete":
            return Changes(contacts_removed=frozenset({cid}), every_tag_count=True)
        added = frozenset({cid}) if event.kind == "create" else frozenset()
        return Changes(contact_values={cid: dict(event.values)}, contacts_added=added)
    if isinstance(event, MergeEvent):
        # the duplicate is gone; its tags and records now belong to the survivor, whose blanks
        # Keap filled from it (so its values are re-read, not taken from the event)
        keep = event.contact_id
        return Changes(contact_values={keep: {**event.previous, **event.keep_before, **event.values}},
                       contacts_removed=frozenset({event.duplicate_id}), contact_tags=frozenset({keep}),
                       every_tag_count=True, records={kind: frozenset({keep}) for kind in RECORD_KINDS})
    if isinstance(event, TagWriteEvent):
        if event.kind in ("apply", "remove"):
            return Changes(contact_tags=frozenset({event.contact_id}) if event.contact_id is not None
                           else frozenset(),
                           tag_members=frozenset({event.target_id}) if event.target_id is not None
                           else frozenset())
        return Changes(tag_catalog=True, every_tag_count=event.kind == "delete_tag")
    if isinstance(event, RecordWriteEvent):
        who: set[int | None] = {event.contact_id}
        if event.kind in ("link", "unlink") and isinstance(event.target, int):
            who.add(event.target)  # a link shows on both contacts
        return Changes(records={kind: frozenset(who) for kind in _RECORD_WRITES.get(event.kind, ())})
    return NOTHING


class _Gathered:
    """Changes being gathered, in place: a job of 100,000 writes must not copy growing sets
    100,000 times (``Changes | Changes`` builds new ones)."""

    def __init__(self) -> None:
        self.contact_values: dict[int, dict[str, object]] = {}
        self.added: set[int] = set()
        self.removed: set[int] = set()
        self.contact_tags: set[int] = set()
        self.tag_members: set[int] = set()
        self.every_tag_count = False
        self.tag_catalog = False
        self.records: dict[str, set[int | None]] = {}
        self.empty = True

    def add(self, changes: Changes) -> None:
        for contact_id, values in changes.contact_values.items():
            self.contact_values.setdefault(contact_id, {}).update(values)
        self.added |= changes.contacts_added
        self.removed |= changes.contacts_removed
        self.contact_tags |= changes.contact_tags
        self.tag_members |= changes.tag_members
        self.every_tag_count = self.every_tag_count or changes.every_tag_count
        self.tag_catalog = self.tag_catalog or changes.tag_catalog
        for kind, ids in changes.records.items():
            self.records.setdefault(kind, set()).update(ids)
        self.empty = False

    def frozen(self) -> Changes:
        return Changes(self.contact_values, frozenset(self.added), frozenset(self.removed),
                       frozenset(self.contact_tags), frozenset(self.tag_members), self.every_tag_count,
                       self.tag_catalog, {kind: frozenset(ids) for kind, ids in self.records.items()})


class ChangeFeed:
    """A write observer that gathers :class:`Changes` until they are taken.

    ``subscribe(callback)``: ``callback()`` runs (on the writing thread) when changes are
    waiting to be taken and no :meth:`hold` is open; it must only schedule the work (the
    GUI posts itself a signal), then call :meth:`take`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = _Gathered()
        self._holds = 0
        self._subscribers: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Add ``callback``; returns the function that removes it again."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def before_write(self, event: Any) -> None:
        """Nothing has changed yet."""

    def after_write(self, event: Any, error: BaseException | None) -> None:
        if error is not None and isinstance(event, WriteEvent):
            return  # a failed contact save or delete: the table keeps what Keap is known to hold
        self.add(changes_of(event))

    def add(self, changes: Changes) -> None:
        with self._lock:
            if not changes or not self._subscribers:  # nobody to tell (the CLI): keep nothing
                return
            self._pending.add(changes)
            notify = self._holds == 0
        if notify:
            self._notify()

    def take(self) -> Changes:
        """Everything gathered since the last take (and forget it)."""
        with self._lock:
            taken, self._pending = self._pending, _Gathered()
        return taken.frozen()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Gather without telling anyone until the block ends (a bulk job is one change)."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                notify = self._holds == 0 and not self._pending.empty
            if notify:
                self._notify()

    def _notify(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback()
