"""Tags and tag categories as plain values, shared by every backend and the GUI.

Keap calls tags "groups" (``ContactGroup``) and their categories
``ContactGroupCategory``; these names are what the user sees. A tag without a
category has ``category_id`` None (XML-RPC stores 0). Counts are optional because
they arrive later than the list: a pane shows the tags first and fills counts in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from app.core.text import to_latin1

TagMode = Literal["all", "any", "none"]
TAG_MODES: tuple[TagMode, ...] = ("any", "all", "none")

#: What "no category" is written as when a tag is moved out of every category.
NO_CATEGORY = 0
#: The category retired tags are moved to (created when missing).
ARCHIVE_CATEGORY = "Archive"
#: Prefixed to a retired tag's name, so it sorts last and reads as retired everywhere.
RETIRED_PREFIX = "zz-retired "


@dataclass(frozen=True)
class TagCategory:
    """One tag category."""

    id: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class Tag:
    """One tag. ``member_count`` is None until counted."""

    id: int
    name: str
    category_id: int | None = None
    description: str = ""
    member_count: int | None = None

    def with_count(self, count: int | None) -> Tag:
        return replace(self, member_count=count)

    @property
    def is_retired(self) -> bool:
        return self.name.startswith(RETIRED_PREFIX)


@dataclass(frozen=True)
class AppliedTag:
    """A tag on one contact, with when it was applied (aware, Keap's Eastern time)."""

    tag: Tag
    date_applied: datetime | None


@dataclass(frozen=True)
class MemberCounts:
    """A snapshot of a counting pass: counts so far, rows read, and whether it is finished.

    While ``complete`` is False every count is a lower bound; once True, a tag that is
    missing from ``counts`` has no members.
    """

    counts: dict[int, int]
    rows_read: int
    complete: bool

    def count_of(self, tag_id: int) -> int | None:
        if tag_id in self.counts:
            return self.counts[tag_id]
        return 0 if self.complete else None


def storable_name(name: str) -> str:
    """A tag or category name as Keap will keep it; a name with nothing left is refused."""
    saved = to_latin1(name).strip()
    if not saved:
        raise ValueError("A name needs at least one character Keap can store.")
    return saved


def retired_name(name: str) -> str:
    """The name a retired tag gets (unchanged when it already carries the prefix)."""
    stripped = name.strip()
    return stripped if stripped.startswith(RETIRED_PREFIX) else RETIRED_PREFIX + stripped


def has_tags(contact_tags: set[int] | frozenset[int], wanted: set[int] | frozenset[int],
             mode: TagMode) -> bool:
    """Whether a contact holding ``contact_tags`` matches ``wanted`` in ``mode``."""
    if mode == "all":
        return wanted <= contact_tags
    if mode == "any":
        return bool(wanted & contact_tags)
    return not (wanted & contact_tags)


def mode_label(mode: TagMode) -> str:
    """How the GUI words a mode: "with any of", "with all of", "with none of"."""
    return {"any": "with any of", "all": "with all of", "none": "with none of"}[mode]
