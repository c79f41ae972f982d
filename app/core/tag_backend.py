"""The tag operations every protocol offers: the seam between the GUI and XML-RPC or REST.

Methods take plain values and a cancel token, return the dataclasses of
:mod:`app.core.tags`, raise :class:`app.api.errors.ApiError` subclasses, and run on
worker threads (implementations must be thread-safe). Reads that can be large come
back in pages or as an iterator so callers can show progress and stop early.

What a protocol cannot do (XML-RPC cannot delete a tag or a category) is declared in
``capabilities``; the GUI explains it instead of trying, and the backend refuses it with
:class:`app.api.errors.UnsupportedOperationError` (the capability's own explanation).

Bulk writes: ``bulk_size`` is how many contacts one apply or remove call can carry (1
for XML-RPC, whose ``addToGroup`` takes one contact; up to 1,000 for REST's
``:applyTags``). Bulk jobs group their changes by tag and action into calls of that
size, so the dry run's call count and time estimate are what the protocol will send.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from app.core.cancel import Cancellable
from app.core.capabilities import CapabilityRegistry
from app.core.tags import AppliedTag, MemberCounts, Tag, TagCategory, TagMode

#: Tags counted at once when a backend counts members tag by tag (its rate limiter bounds
#: the calls too; more in flight would only arrive in bursts the reader has to wait out).
COUNTS_IN_FLIGHT = 4


class TagBackend(Protocol):
    """Tags, categories and their assignment to contacts."""

    capabilities: CapabilityRegistry
    #: ``"xmlrpc"`` or ``"rest"``.
    protocol: str
    #: Contacts per apply/remove call (1: one call per contact).
    bulk_size: int

    # -- reading -------------------------------------------------------------------------

    def list_categories(self, cancel: Cancellable | None = None) -> list[TagCategory]:
        """Every tag category, by Id."""
        ...

    def list_tags(self, cancel: Cancellable | None = None) -> list[Tag]:
        """Every tag, by Id, without member counts."""
        ...

    def member_counts(self, cancel: Cancellable | None = None) -> Iterator[MemberCounts]:
        """Members per tag, progressively: a snapshot after each call, the last ``complete``.

        Uses the protocol's cheapest reads: XML-RPC makes ONE paged pass over the
        assignments (never a count call per tag); REST pages the assignments or counts
        per tag, whichever takes fewer calls for the account (see its docstring).
        """
        ...

    def member_count(self, tag_id: int, cancel: Cancellable | None = None) -> int:
        """How many contacts have one tag (one call), e.g. to ask before deleting it."""
        ...

    def contacts_with_tags(self, tag_ids: Iterable[int], mode: TagMode,
                           cancel: Cancellable | None = None) -> list[int]:
        """Ids of contacts that have all / any / none of ``tag_ids``, ascending."""
        ...

    def contact_tags(self, contact_id: int, cancel: Cancellable | None = None) -> list[AppliedTag]:
        """The tags on one contact with the date each was applied, oldest first."""
        ...

    def assignments(self, tag_ids: Iterable[int], contact_ids: Iterable[int] | None = None,
                    cancel: Cancellable | None = None) -> set[tuple[int, int]]:
        """``(contact_id, tag_id)`` pairs that exist, for these tags (and these contacts).

        Read in pages of assignments, never one call per contact: what a bulk job's
        dry run uses to learn who already has a tag.
        """
        ...

    def assigned_contacts(self, tag_id: int, cancel: Cancellable | None = None) -> Iterator[list[int]]:
        """The contacts with one tag, a page of ids at a time."""
        ...

    # -- writing ---------------------------------------------------------------------------

    def create_tag(self, name: str, category_id: int | None = None, description: str = "",
                   cancel: Cancellable | None = None) -> Tag:
        """Create a tag; the name must already be what the server can store."""
        ...

    def update_tag(self, tag_id: int, cancel: Cancellable | None = None, *, name: str | None = None,
                   category_id: int | None = None, description: str | None = None) -> None:
        """Change the given fields (None: unchanged; ``category_id`` 0: no category)."""
        ...

    def create_category(self, name: str, description: str = "",
                        cancel: Cancellable | None = None) -> TagCategory:
        ...

    def update_category(self, category_id: int, cancel: Cancellable | None = None, *,
                        name: str | None = None, description: str | None = None) -> None:
        ...

    def apply_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        """Apply one tag to one contact (idempotent: safe to repeat)."""
        ...

    def remove_tag(self, contact_id: int, tag_id: int, cancel: Cancellable | None = None) -> None:
        """Remove one tag from one contact (idempotent: safe to repeat)."""
        ...

    def apply_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                       cancel: Cancellable | None = None) -> dict[int, str | None]:
        """Apply one tag to many contacts: per contact None (done) or Keap's reason, in plain words.

        Sends ``ceil(len(contact_ids) / bulk_size)`` calls. A call that fails as a whole
        (after the client's retries) raises its ApiError: what it carried may or may not
        have been applied, so a caller that needs to know reads the assignments back.
        Pass at most ``bulk_size`` ids to keep one outcome per call.
        """
        ...

    def remove_tag_bulk(self, tag_id: int, contact_ids: Sequence[int],
                        cancel: Cancellable | None = None) -> dict[int, str | None]:
        """Remove one tag from many contacts; as :meth:`apply_tag_bulk`."""
        ...

    def delete_tag(self, tag_id: int, cancel: Cancellable | None = None) -> None:
        """Delete a tag and every application of it (REST only; XML-RPC raises
        :class:`~app.api.errors.UnsupportedOperationError`). A tag already gone counts as deleted."""
        ...

    def delete_category(self, category_id: int, cancel: Cancellable | None = None) -> None:
        """Delete an empty tag category (REST only, as :meth:`delete_tag`); Keap refuses one in use."""
        ...

    # -- quota -----------------------------------------------------------------------------

    def estimate_seconds(self, calls: int) -> float:
        """How long ``calls`` calls take at the key's rate limit (0 when unlimited)."""
        ...

    def quota_summary(self) -> str:
        """The key's limits in words, e.g. "10 calls a second, 240 a minute", or ""."""
        ...

    def calls_left_today(self) -> int | None:
        """Calls the key may still make today, when the limit is known."""
        ...
