"""Tags for the GUI: reads, and the one write path every tag change goes through.

:class:`TagsService` wraps a :class:`~app.core.tag_backend.TagBackend`. Every write
(create, rename, move, describe, retire, delete, apply, remove, and the bulk apply and
remove) passes through :meth:`TagsService._write`, which tells each registered
:class:`TagWriteObserver` before the call is sent and after it ends: the hook the
change journal will use to record a write before it leaves the machine. A bulk call
carrying many contacts is told as one event per contact, each with its own outcome,
so the journal sees the same per-contact writes whichever protocol sent them. Names are
made Latin-1 safe with the same :func:`preview_name` the GUI showed the user. Methods
run on worker threads and know nothing of the GUI; the tag list is cached (thread-safe)
until a write or :meth:`invalidate`.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from app.api.errors import ApiError, UnsupportedOperationError
from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry, Op
from app.core.tag_backend import TagBackend
from app.core.tags import (
    ARCHIVE_CATEGORY,
    NO_CATEGORY,
    AppliedTag,
    MemberCounts,
    Tag,
    TagCategory,
    TagMode,
    retired_name,
)
from app.core.text import to_latin1
from app.services.observers import held, observed, observed_each

if TYPE_CHECKING:
    from app.api.rest.client import RestClient
    from app.api.xmlrpc.client import XmlRpcClient

log = logging.getLogger("app.services.tags")

T = TypeVar("T")
TagWriteKind = Literal["create_tag", "update_tag", "create_category", "update_category", "delete_tag",
                       "delete_category", "apply", "remove"]


@dataclass
class TagWriteEvent:
    """One tag write, as observers see it.

    Attributes:
        kind: what is written.
        target_id: the tag or category changed (None for a create until it succeeds).
        contact_id: the contact, for apply and remove.
        values: what is sent (names after the Latin-1 preflight).
        previous: the values before the change, when known (for undo).
        result_id: the Id a create returned.
        batch: the bulk call this write went out in (events with the same number were one
            request, each with its own outcome); None for a write sent alone.
    """

    kind: TagWriteKind
    target_id: int | None
    contact_id: int | None = None
    values: dict[str, object] = field(default_factory=dict)
    previous: dict[str, object] = field(default_factory=dict)
    result_id: int | None = None
    batch: int | None = None


class ContactNotChangedError(ApiError):
    """One contact of a bulk call that Keap did not change; the message is Keap's reason."""

    default_message = "Keap did not change this contact's tags."


class TagWriteObserver(Protocol):
    """Hooked into every tag write; called on the worker thread doing the write."""

    def before_write(self, event: TagWriteEvent) -> None: ...

    def after_write(self, event: TagWriteEvent, error: BaseException | None) -> None: ...


def preview_name(name: str) -> str:
    """The name as it will be saved (Latin-1, no stray ends): show it before saving."""
    return to_latin1(name).strip()


@dataclass(frozen=True)
class Catalog:
    """Categories and tags as last read (tags without counts)."""

    categories: tuple[TagCategory, ...]
    tags: tuple[Tag, ...]

    def tag(self, tag_id: int) -> Tag | None:
        return next((t for t in self.tags if t.id == tag_id), None)

    def category(self, category_id: int | None) -> TagCategory | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def category_name(self, category_id: int | None) -> str:
        found = self.category(category_id)
        return found.name if found is not None else ""

    def find_tag(self, name: str) -> Tag | None:
        """The tag with exactly this name (Keap matches names case-insensitively)."""
        wanted = preview_name(name).casefold()
        return next((t for t in self.tags if t.name.strip().casefold() == wanted), None)


class TagsService:
    """Tag operations for the GUI and the bulk jobs; see the module docstring.

    Attributes:
        backend: the protocol's tag operations.
        observers: every :class:`TagWriteObserver` told about each write (the journal's hook).
        job_runner: runs a bulk plan ``(plan, cancel, progress, workers) -> report`` when set
            (the change journal sets it so every job is recorded before its first call);
            None means the plain runner of :mod:`app.jobs.run`.
    """

    def __init__(self, backend: TagBackend) -> None:
        self.backend = backend
        self.observers: list[TagWriteObserver] = []
        self.job_runner: Callable[..., Any] | None = None
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._batches = itertools.count(1)

    @property
    def capabilities(self) -> CapabilityRegistry:
        return self.backend.capabilities

    def explain(self, op: Op) -> str:
        return self.backend.capabilities.explain(op)

    @property
    def protocol(self) -> str:
        return self.backend.protocol

    @property
    def bulk_size(self) -> int:
        """Contacts one apply/remove call carries (1: a call per contact, as XML-RPC)."""
        return max(1, int(self.backend.bulk_size))

    # -- reading -----------------------------------------------------------------------------

    def catalog(self, cancel: Cancellable | None = None, *, refresh: bool = False) -> Catalog:
        """Categories and tags, read once and cached until a write or ``refresh``."""
        with self._lock:
            if self._catalog is not None and not refresh:
                return self._catalog
        found = Catalog(tuple(self.backend.list_categories(cancel)), tuple(self.backend.list_tags(cancel)))
        with self._lock:
            self._catalog = found
        return found

    def invalidate(self) -> None:
        with self._lock:
            self._catalog = None

    def member_counts(self, cancel: Cancellable | None = None) -> Iterator[MemberCounts]:
        return self.backend.member_counts(cancel)

    def contacts_with_tags(self, tag_ids: Iterable[int], mode: TagMode,
                           cancel: Cancellable | None = None) -> list[int]:
        return self.backend.contacts_with_tags(tag_ids, mode, cancel)

    def member_count(self, tag_id: int, cancel: Cancellable | None = None) -> int:
        """One tag's members in one call (what deleting it would take away)."""
        return self.backend.member_count(tag_id, cancel)

    def contact_tags(self, contact_id: int, cancel: Cancellable | None = None) -> list[AppliedTag]:
        return self.backend.contact_tags(contact_id, cancel)

    def assignments(self, tag_ids: Iterable[int], contact_ids: Iterable[int] | None = None,
                    cancel: Cancellable | None = None) -> set[tuple[int, int]]:
        return self.backend.assignments(tag_ids, contact_ids, cancel)

    # -- tag and category writes -------------------------------------------------------------

    def create_tag(self, name: str, category_id: int | None = None, description: str = "",
                   cancel: Cancellable | None = None) -> Tag:
        saved = _checked(name)
        event = TagWriteEvent("create_tag", None, values={"name": saved, "category_id": category_id,
                                                          "description": description})
        tag = self._write(event, lambda: self.backend.create_tag(saved, category_id, description, cancel))
        event.result_id = tag.id
        return tag

    def rename_tag(self, tag: Tag, new_name: str, cancel: Cancellable | None = None) -> None:
        saved = _checked(new_name)
        self._update_tag(tag, {"name": saved}, {"name": tag.name}, cancel)

    def move_tag(self, tag: Tag, category_id: int | None, cancel: Cancellable | None = None) -> None:
        self._update_tag(tag, {"category_id": category_id or NO_CATEGORY},
                         {"category_id": tag.category_id or NO_CATEGORY}, cancel)

    def describe_tag(self, tag: Tag, description: str, cancel: Cancellable | None = None) -> None:
        self._update_tag(tag, {"description": description}, {"description": tag.description}, cancel)

    def retire_tag(self, tag: Tag, cancel: Cancellable | None = None) -> Tag:
        """Move the tag to the "Archive" category (created if missing) and prefix its name.

        XML-RPC cannot delete a tag; a retired tag keeps its contacts and can be
        deleted later in Keap, or brought back by renaming it.
        """
        archive = self.find_or_create_category(ARCHIVE_CATEGORY, "Retired tags (TagDesk)", cancel)
        new_name = retired_name(tag.name)
        self._update_tag(tag, {"name": new_name, "category_id": archive.id},
                         {"name": tag.name, "category_id": tag.category_id or NO_CATEGORY}, cancel)
        return Tag(tag.id, new_name, archive.id, tag.description, tag.member_count)

    def _update_tag(self, tag: Tag, changes: dict[str, object], previous: dict[str, object],
                    cancel: Cancellable | None) -> None:
        event = TagWriteEvent("update_tag", tag.id, values=changes, previous=previous)

        def send() -> None:
            self.backend.update_tag(
                tag.id, cancel,
                name=_opt_str(changes.get("name")),
                category_id=_opt_int(changes.get("category_id")),
                description=_opt_str(changes.get("description")),
            )

        self._write(event, send)

    def create_category(self, name: str, description: str = "",
                        cancel: Cancellable | None = None) -> TagCategory:
        saved = _checked(name)
        event = TagWriteEvent("create_category", None, values={"name": saved, "description": description})
        category = self._write(event, lambda: self.backend.create_category(saved, description, cancel))
        event.result_id = category.id
        return category

    def update_category(self, category: TagCategory, cancel: Cancellable | None = None, *,
                        name: str | None = None, description: str | None = None) -> None:
        saved = _checked(name) if name is not None else None
        changes = {k: v for k, v in (("name", saved), ("description", description)) if v is not None}
        event = TagWriteEvent("update_category", category.id, values=dict(changes),
                              previous={"name": category.name, "description": category.description})
        self._write(event, lambda: self.backend.update_category(category.id, cancel, name=saved,
                                                                description=description))

    def delete_tag(self, tag: Tag, cancel: Cancellable | None = None) -> None:
        """Delete a tag and all its applications (REST v2 only; ask first, showing its member count).

        Where the protocol cannot (XML-RPC), raises :class:`UnsupportedOperationError`
        with the capability's explanation before anything is sent or journalled.
        """
        self._require(Op.DELETE_TAG)
        event = TagWriteEvent("delete_tag", tag.id, previous={
            "name": tag.name, "category_id": tag.category_id or NO_CATEGORY, "description": tag.description})
        self._write(event, lambda: self.backend.delete_tag(tag.id, cancel))

    def delete_category(self, category: TagCategory, cancel: Cancellable | None = None) -> None:
        """Delete an empty tag category (REST v2 only, as :meth:`delete_tag`; Keap refuses one in use)."""
        self._require(Op.DELETE_TAG_CATEGORY)
        event = TagWriteEvent("delete_category", category.id,
                              previous={"name": category.name, "description": category.description})
        self._write(event, lambda: self.backend.delete_category(category.id, cancel))

    def _require(self, op: Op) -> None:
        if not self.capabilities.allowed(op):
            raise UnsupportedOperationError(self.explain(op) or None, op=op.value)

    def find_or_create_category(self, name: str, description: str = "",
                                cancel: Cancellable | None = None) -> TagCategory:
        wanted = preview_name(name).casefold()
        for category in self.catalog(cancel, refresh=True).categories:
            if category.name.strip().casefold() == wanted:
                return category
        return self.create_category(name, description, cancel)

    # -- assignments -------------------------------------------------------------------------

    def apply_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        event = TagWriteEvent("apply", tag_id, contact_id=contact_id)
        self._write(event, lambda: self.backend.apply_tag(contact_id, tag_id, cancel), invalidate=False)

    def remove_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        event = TagWriteEvent("remove", tag_id, contact_id=contact_id)
        self._write(event, lambda: self.backend.remove_tag(contact_id, tag_id, cancel), invalidate=False)

    def apply_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                       cancel: Cancellable | None = None) -> dict[int, str | None]:
        """Apply one tag to many contacts in ``ceil(n / bulk_size)`` calls: per contact None or
        Keap's reason. A call that fails as a whole raises (see the backend's docstring)."""
        return self._bulk("apply", tag_id, contact_ids, self.backend.apply_tag_bulk, cancel)

    def remove_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                        cancel: Cancellable | None = None) -> dict[int, str | None]:
        """Remove one tag from many contacts; as :meth:`apply_tag_bulk`."""
        return self._bulk("remove", tag_id, contact_ids, self.backend.remove_tag_bulk, cancel)

    def _bulk(self, kind: TagWriteKind, tag_id: int, contact_ids: Sequence[int],
              send: Callable[[int, Sequence[int], Cancellable | None], dict[int, str | None]],
              cancel: Cancellable | None) -> dict[int, str | None]:
        ids = list(dict.fromkeys(int(c) for c in contact_ids))
        if not ids:
            return {}
        batch = next(self._batches)
        events = [TagWriteEvent(kind, tag_id, contact_id=c, batch=batch) for c in ids]
        return self._write(events, lambda: send(tag_id, ids, cancel), invalidate=False,
                           outcome=_contact_outcome)

    # -- the one write path ----------------------------------------------------------------------

    def _write(self, event: TagWriteEvent | Sequence[TagWriteEvent], send: Callable[[], T], *,
               invalidate: bool = True,
               outcome: Callable[[T, TagWriteEvent], BaseException | None] | None = None) -> T:
        """Every tag write: one event, or one per contact of a bulk call (``outcome`` tells
        each its result)."""
        after = self.invalidate if invalidate else None
        if isinstance(event, TagWriteEvent):
            return observed(self.observers, event, send, after=after)
        return observed_each(self.observers, event, send, outcome or (lambda _result, _event: None),
                             after=after)

    def run_job(self, plan: Any, cancel: Cancellable, progress: Callable[[Any], None], *,
                workers: int | None = None) -> Any:
        """Run a bulk plan through :attr:`job_runner` (the journal) or the plain runner; the
        observers that can hold their reports hear of the whole job once, at its end."""
        from app.jobs.run import run

        job = self.job_runner or run
        options = {} if workers is None else {"workers": workers}
        with held(self.observers):
            return job(plan, cancel, progress, **options)

    # -- quota -------------------------------------------------------------------------------------

    def estimate_seconds(self, calls: int) -> float:
        return self.backend.estimate_seconds(calls)

    def quota_summary(self) -> str:
        return self.backend.quota_summary()

    def calls_left_today(self) -> int | None:
        return self.backend.calls_left_today()


def _checked(name: str) -> str:
    saved = preview_name(name)
    if not saved:
        raise ValueError("A name needs at least one letter or digit Keap can store.")
    return saved


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _contact_outcome(results: Mapping[int, str | None], event: TagWriteEvent) -> BaseException | None:
    reason = results.get(event.contact_id or 0, "Keap's reply did not mention this contact.")
    return None if reason is None else ContactNotChangedError(reason)


def make_tags_service(client: XmlRpcClient | RestClient, *, bulk_size: int | None = None) -> TagsService:
    """The tags service for an open XML-RPC or REST v2 connection (makes no call).

    ``bulk_size`` (REST only): contacts per apply/remove call, default the backend's.
    """
    from app.api.rest.client import RestClient

    if isinstance(client, RestClient):
        from app.api.rest.tag_backend import RestTagBackend

        backend = RestTagBackend(client) if bulk_size is None else RestTagBackend(client, bulk_size=bulk_size)
        return TagsService(backend)
    from app.api.xmlrpc.tag_backend import XmlRpcTagBackend

    return TagsService(XmlRpcTagBackend(client))
