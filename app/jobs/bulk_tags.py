"""Bulk tag plans: the dry run of applying, removing or merging tags for many contacts.

XML-RPC applies one tag to one contact per call, and a personal key may make 10 calls
a second, 240 a minute and 30,000 a day (pain point 2). So the dry run learns from
paged reads of the assignments (up to 1,000 a call, never one call per contact) who
already has each tag; the job then calls only for the contacts that need a change.
REST v2 applies one tag to up to ``bulk_size`` contacts per call (``:applyTags``), so
there the changes are grouped by tag and action into :class:`Batch` calls, and the
plan's call count and time are those of the bulk calls. The plan states the exact
number of calls, the time at the key's quota, the risk that applying a tag starts
campaign automations, and asks for the number of changes to be typed when more than
:data:`CONFIRM_ABOVE` contacts would change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.core.cancel import Cancellable
from app.core.capabilities import Op
from app.core.tags import TagMode, mode_label
from app.services.tags import TagsService

Action = Literal["apply", "remove"]
PlanKind = Literal["bulk", "merge", "retry", "resume", "undo"]
#: Yields the contacts of a search: ids, or (id, name) pairs so the report can name them.
IdSource = Callable[[Cancellable], Iterable[int | tuple[int, str]]]

#: Above this many changes the user must type the number to confirm.
CONFIRM_ABOVE = 500

AUTOMATION_WARNING = (
    "Applying a tag can start live campaign automations in Keap: every campaign with a "
    "\u201ctag is applied\u201d goal for it runs for each contact that gets the tag (e-mails, "
    "tasks, further tags). Check the campaign builder in Keap before you run this."
)
REMOVE_NOTE = "Removing a tag does not undo what its automations have already done."


@dataclass(frozen=True)
class Change:
    """One change: apply or remove one tag for one contact (one call over XML-RPC)."""

    contact_id: int
    tag_id: int
    action: Action


@dataclass(frozen=True)
class TagLine:
    """One tag's figures in the dry run."""

    tag_id: int
    tag_name: str
    action: Action
    in_scope: int
    already: int
    to_change: int

    def describe(self) -> str:
        verb = "Apply" if self.action == "apply" else "Remove"
        state = "already have it" if self.action == "apply" else "do not have it"
        return (f"{verb} \u201c{self.tag_name}\u201d: {self.to_change:,} to change, "
                f"{self.already:,} {state}")


@dataclass(frozen=True)
class Scope:
    """Which contacts a bulk job is about.

    Build one with :meth:`selected` (ids picked in the list), :meth:`matching` (a
    callable yielding the ids of the current search, run in the dry run's worker) or
    :meth:`tagged` (contacts with all/any/none of some tags).
    """

    description: str
    contact_ids: tuple[int, ...] | None = None
    source: IdSource | None = field(default=None, compare=False)
    tag_ids: tuple[int, ...] = ()
    tag_mode: TagMode = "any"
    names: Mapping[int, str] = field(default_factory=dict, compare=False)

    @classmethod
    def selected(cls, ids: Iterable[int], names: Mapping[int, str] | None = None) -> Scope:
        """The contacts picked in the list; ``names`` (what the list shows) name them in the report."""
        unique = tuple(dict.fromkeys(int(i) for i in ids))
        noun = "contact" if len(unique) == 1 else "contacts"
        return cls(f"{len(unique):,} selected {noun}", contact_ids=unique, names=dict(names or {}))

    @classmethod
    def matching(cls, source: IdSource, description: str = "contacts matching the current search") -> Scope:
        return cls(description, source=source)

    @classmethod
    def tagged(cls, tag_ids: Iterable[int], mode: TagMode, names: Sequence[str] = ()) -> Scope:
        ids = tuple(dict.fromkeys(int(t) for t in tag_ids))
        shown = ", ".join(f"\u201c{n}\u201d" for n in names) if names else f"{len(ids)} tags"
        return cls(f"contacts {mode_label(mode)} {shown}", tag_ids=ids, tag_mode=mode)

    def resolve(self, service: TagsService, cancel: Cancellable | None = None) -> list[int]:
        """The contact ids in scope, without duplicates, in a stable order."""
        return self.resolve_named(service, cancel)[0]

    def resolve_named(self, service: TagsService,
                      cancel: Cancellable | None = None) -> tuple[list[int], dict[int, str]]:
        """The contact ids in scope and the names known for them without another call."""
        if self.contact_ids is not None:
            return list(dict.fromkeys(self.contact_ids)), dict(self.names)
        if self.source is not None:
            names: dict[int, str] = {}
            ids: dict[int, None] = {}
            for item in self.source(cancel or _Never()):
                if isinstance(item, tuple):
                    ids[int(item[0])] = None
                    names[int(item[0])] = item[1]
                else:
                    ids[int(item)] = None
            return list(ids), names
        return service.contacts_with_tags(self.tag_ids, self.tag_mode, cancel), {}


@dataclass
class BulkTagPlan:
    """What a job will do; nothing has been changed yet.

    Attributes:
        service: the write path the job will use.
        title: e.g. "Apply 2 tags" or "Merge \u201cB\u201d into \u201cA\u201d".
        scope_description: the contacts, in words.
        contacts_in_scope: how many contacts the job is about.
        changes: one change each, grouped per contact (over XML-RPC one call each, in this
            order; over REST grouped into bulk calls, see :meth:`batches`).
        skipped: rows already in the wanted state (no call).
        lines: per-tag figures.
        estimated_seconds: the time the calls take at the key's quota.
        quota: the quota in words.
        warnings: what the user must read before running.
        kind: bulk, merge, retry, or resume / undo (plans the change journal makes).
        stop_contact_on_failure: later changes of a contact are not tried after one of its
            changes failed (a merge never removes B where applying A failed).
    """

    service: TagsService = field(repr=False, compare=False)
    title: str
    scope_description: str
    contacts_in_scope: int
    changes: tuple[Change, ...]
    skipped: tuple[Change, ...]
    lines: tuple[TagLine, ...]
    estimated_seconds: float
    quota: str = ""
    warnings: tuple[str, ...] = ()
    kind: PlanKind = "bulk"
    stop_contact_on_failure: bool = False
    tag_names: dict[int, str] = field(default_factory=dict)
    contact_names: dict[int, str] = field(default_factory=dict)

    @property
    def bulk_size(self) -> int:
        """Contacts per write call over this connection (1: a call per change)."""
        return self.service.bulk_size

    @property
    def change_count(self) -> int:
        """How many tag changes the job makes (rows of the report that can change)."""
        return len(self.changes)

    @property
    def calls(self) -> int:
        """The exact number of write calls the job makes (retries of a failed call aside).

        One per change over XML-RPC; over REST one per :class:`Batch` (changes of one tag
        and action, ``bulk_size`` contacts at most).
        """
        return count_calls(self.changes, self.bulk_size)

    def batches(self) -> list[Batch]:
        """The bulk calls in the order they run (see :func:`batches`)."""
        return batches(self.changes, self.bulk_size)

    @property
    def needs_typed_confirmation(self) -> bool:
        return self.change_count > CONFIRM_ABOVE

    def confirmed_by(self, typed: str) -> bool:
        """Whether ``typed`` is the number of changes (commas and spaces allowed)."""
        if not self.needs_typed_confirmation:
            return True
        return typed.replace(",", "").replace(" ", "").strip() == str(self.change_count)

    @property
    def applies_tags(self) -> bool:
        return any(c.action == "apply" for c in self.changes)

    def tag_name(self, tag_id: int) -> str:
        return self.tag_names.get(tag_id, f"Tag {tag_id}")

    def contact_label(self, contact_id: int) -> str:
        """``Ann Lee (#12)`` when the dry run learned the name, else ``#12``."""
        name = self.contact_names.get(contact_id)
        return f"{name} (#{contact_id})" if name else f"#{contact_id}"

    def summary(self) -> list[str]:
        """The dry run in lines of text (the dialog shows the same figures)."""
        lines = [self.title, f"Contacts in scope: {self.contacts_in_scope:,} ({self.scope_description})"]
        lines += [line.describe() for line in self.lines]
        per_call = (f" ({self.change_count:,} changes, up to {self.bulk_size:,} contacts a call)"
                    if self.bulk_size > 1 else "")
        lines.append(f"Calls to make: {self.calls:,}{per_call}")
        lines.append(f"Estimated time: {format_duration(self.estimated_seconds)}"
                     + (f" at this key's quota ({self.quota})" if self.quota else ""))
        lines += self.warnings
        return lines


def plan_bulk(service: TagsService, scope: Scope, tag_ids: Sequence[int], action: Action,
              cancel: Cancellable | None = None) -> BulkTagPlan:
    """Dry run of applying or removing ``tag_ids`` for every contact in ``scope``."""
    if action not in ("apply", "remove"):
        raise ValueError(f"unknown action {action!r}")
    tags = list(dict.fromkeys(int(t) for t in tag_ids))
    if not tags:
        raise ValueError("Choose at least one tag.")
    contacts, contact_names = scope.resolve_named(service, cancel)
    names = _names(service, tags, cancel)
    present = service.assignments(tags, contacts, cancel) if contacts else set()
    changes: list[Change] = []
    skipped: list[Change] = []
    for contact_id in contacts:
        for tag_id in tags:
            has = (contact_id, tag_id) in present
            row = Change(contact_id, tag_id, action)
            (changes if has == (action == "remove") else skipped).append(row)
    lines = []
    for tag_id in tags:
        to_change = sum(1 for c in changes if c.tag_id == tag_id)
        already = len(contacts) - to_change
        lines.append(TagLine(tag_id, names[tag_id], action, len(contacts), already, to_change))
    verb = "Apply" if action == "apply" else "Remove"
    title = f"{verb} \u201c{names[tags[0]]}\u201d" if len(tags) == 1 else f"{verb} {len(tags)} tags"
    plan = _finish(service, title, scope.description, len(contacts), changes, skipped, lines, names,
                   kind="bulk", stop=False)
    plan.contact_names = contact_names
    return plan


def plan_merge(service: TagsService, source_id: int, target_id: int,
               cancel: Cancellable | None = None) -> BulkTagPlan:
    """Dry run of merging tag B (``source_id``) into A (``target_id``).

    A is applied wherever B is and A is missing, then B is removed everywhere; per
    contact the apply runs first, and B stays where applying A failed.
    """
    if source_id == target_id:
        raise ValueError("Choose two different tags to merge.")
    names = _names(service, [target_id, source_id], cancel)
    pairs = service.assignments([source_id, target_id], None, cancel)
    with_b = sorted(c for c, t in pairs if t == source_id)
    with_a = {c for c, t in pairs if t == target_id}
    changes: list[Change] = []
    skipped: list[Change] = []
    for contact_id in with_b:
        apply = Change(contact_id, target_id, "apply")
        (skipped if contact_id in with_a else changes).append(apply)
        changes.append(Change(contact_id, source_id, "remove"))
    need_a = sum(1 for c in changes if c.action == "apply")
    lines = [TagLine(target_id, names[target_id], "apply", len(with_b), len(with_b) - need_a, need_a),
             TagLine(source_id, names[source_id], "remove", len(with_b), 0, len(with_b))]
    title = f"Merge \u201c{names[source_id]}\u201d into \u201c{names[target_id]}\u201d"
    plan = _finish(service, title, f"contacts with \u201c{names[source_id]}\u201d", len(with_b), changes,
                   skipped, lines, names, kind="merge", stop=True)
    if service.capabilities.allowed(Op.DELETE_TAG):
        after = "You can delete it from the tag list now, or keep it for its history."
    else:
        after = "XML-RPC cannot delete a tag: retire it from the tag list, or delete it in Keap."
    plan.warnings += (f"Afterwards \u201c{names[source_id]}\u201d has no contacts. {after}",)
    return plan


def plan_of(previous: BulkTagPlan, changes: Sequence[Change], title: str) -> BulkTagPlan:
    """A plan of some rows of an earlier plan (retry the failed, resume the rest)."""
    contacts = len({c.contact_id for c in changes})
    lines = []
    for tag_id in dict.fromkeys(c.tag_id for c in changes):
        for action in ("apply", "remove"):
            n = sum(1 for c in changes if c.tag_id == tag_id and c.action == action)
            if n:
                lines.append(TagLine(tag_id, previous.tag_name(tag_id), action, n, 0, n))
    plan = _finish(previous.service, title, previous.scope_description, contacts, list(changes), [], lines,
                   previous.tag_names, kind="retry", stop=previous.stop_contact_on_failure)
    plan.contact_names = dict(previous.contact_names)
    return plan


def _finish(service: TagsService, title: str, scope: str, in_scope: int, changes: list[Change],
            skipped: list[Change], lines: list[TagLine], names: dict[int, str], *, kind: PlanKind,
            stop: bool) -> BulkTagPlan:
    ordered = _grouped(changes)
    warnings: list[str] = []
    if any(c.action == "apply" for c in ordered):
        warnings.append(AUTOMATION_WARNING)
    elif ordered:
        warnings.append(REMOVE_NOTE)
    calls = count_calls(ordered, service.bulk_size)
    left = service.calls_left_today()
    if left is not None and calls > left:
        warnings.append(f"This key has about {left:,} calls left today, fewer than the {calls:,} "
                        "needed: the job will stop when the daily quota is spent (it resets at midnight "
                        "UTC); retry the rest then.")
    return BulkTagPlan(service, title, scope, in_scope, tuple(ordered), tuple(skipped), tuple(lines),
                       service.estimate_seconds(calls), service.quota_summary(), tuple(warnings),
                       kind, stop, dict(names))


def _grouped(changes: Sequence[Change]) -> list[Change]:
    """Each contact's changes together, in their original order, contacts in first-seen order."""
    by_contact: dict[int, list[Change]] = {}
    for change in changes:
        by_contact.setdefault(change.contact_id, []).append(change)
    return [c for rows in by_contact.values() for c in rows]


@dataclass(frozen=True)
class Batch:
    """One bulk call: one tag, one action, up to ``bulk_size`` contacts.

    ``phase`` numbers the (tag, action) groups in the order they run: every call of a
    phase ends before the next phase starts, so a contact's changes keep their order
    (a merge applies A to everyone before it removes B from anyone).
    """

    phase: int
    tag_id: int
    action: Action
    changes: tuple[Change, ...]


def phases(changes: Sequence[Change]) -> list[list[Change]]:
    """The changes grouped by (tag, action), groups in an order that keeps each contact's order.

    Each contact's changes say which group must run before which (apply A before remove
    B); the groups are sorted by those constraints, first-seen order breaking ties. Plans
    never contradict themselves; if they did, the remaining groups run in first-seen order.
    """
    groups: dict[tuple[int, Action], list[Change]] = {}
    after: dict[tuple[int, Action], set[tuple[int, Action]]] = {}
    last: dict[int, tuple[int, Action]] = {}
    for change in changes:
        key = (change.tag_id, change.action)
        groups.setdefault(key, []).append(change)
        after.setdefault(key, set())
        previous = last.get(change.contact_id)
        if previous is not None and previous != key:
            after[key].add(previous)
        last[change.contact_id] = key
    order: list[tuple[int, Action]] = []
    waiting = list(groups)
    while waiting:
        ready = next((k for k in waiting if after[k] <= set(order)), waiting[0])
        order.append(ready)
        waiting.remove(ready)
    return [groups[k] for k in order]


def batches(changes: Sequence[Change], bulk_size: int) -> list[Batch]:
    """The calls a bulk-capable connection makes: each phase cut into chunks of ``bulk_size``."""
    size = max(1, bulk_size)
    out: list[Batch] = []
    for phase, rows in enumerate(phases(changes)):
        for start in range(0, len(rows), size):
            chunk = tuple(rows[start:start + size])
            out.append(Batch(phase, chunk[0].tag_id, chunk[0].action, chunk))
    return out


def count_calls(changes: Sequence[Change], bulk_size: int) -> int:
    """Write calls for ``changes``: one each, or one per :class:`Batch` when calls carry many contacts."""
    if bulk_size <= 1:
        return len(changes)
    return sum(math.ceil(len(rows) / bulk_size) for rows in phases(changes))


def _names(service: TagsService, tag_ids: Sequence[int], cancel: Cancellable | None) -> dict[int, str]:
    catalog = service.catalog(cancel)
    names = {}
    for tag_id in tag_ids:
        tag = catalog.tag(tag_id) or service.catalog(cancel, refresh=True).tag(tag_id)
        if tag is None:
            raise ValueError(f"Tag {tag_id} does not exist (any more).")
        names[tag_id] = tag.name
    return names


def format_duration(seconds: float) -> str:
    """"about 4 minutes", "about 1 h 20 min", "a few seconds"."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 90:
        return f"about {round(seconds / 5) * 5:.0f} seconds"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    return f"about {minutes // 60} h {minutes % 60:02d} min"


class _Never:
    def is_cancelled(self) -> bool:
        return False


def seconds_left(plan: BulkTagPlan, rows_finished: int) -> float:
    """Time still needed when ``rows_finished`` of the plan's rows are done, by the dry run's own
    estimator: the time of all its calls minus the time of the calls made so far. One model for
    the estimate before the job and the countdown during it, so they never disagree (a simple
    rate extrapolation over-promises while the key's per-second burst lasts)."""
    total_rows = max(1, plan.change_count)
    rows = min(max(0, rows_finished), total_rows)
    calls_done = round(plan.calls * rows / total_rows)
    return max(0.0, plan.service.estimate_seconds(plan.calls) - plan.service.estimate_seconds(calls_done))
