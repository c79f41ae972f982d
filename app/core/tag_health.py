"""Tag health: the clean-up view Keap does not have (pain point 3).

Pure functions over :class:`~app.core.tags.Tag` lists: empty tags, tags without a
category or description, names with stray spaces, and groups of near-duplicate names
(``Customer`` / ``customer `` / ``Customers`` / ``Café`` / ``Cafe`` / ``follow-up`` /
``Follow up``). Two names are near-duplicates when their :func:`name_key` is equal;
the key is deliberately simple (case, spacing, punctuation, transliteration and
plain ``s``/``es`` plurals), so every group it finds is one a person would agree with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from unidecode import unidecode

from app.core.tags import Tag, TagCategory

_WORDS = re.compile(r"[a-z0-9]+")


def _singular(word: str) -> str:
    """Fold a simple English plural onto its singular: ``customers``/``boxes``/``categories``.

    Both forms are folded to the same stem (``case``/``cases`` -> ``cas``), which is
    all a key needs. Short words and words ending in ss/us/is are left alone.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


def name_key(name: str) -> str:
    """The comparison key of a tag name; equal keys mean near-duplicate names."""
    text = unidecode(unicodedata.normalize("NFKC", name)).casefold().replace("&", " and ")
    return "".join(_singular(w) for w in _WORDS.findall(text))


def is_untidy(name: str) -> bool:
    """Spaces at either end, or two in a row: invisible in Keap's lists, easy to mistype."""
    return name != name.strip() or "  " in name


@dataclass(frozen=True)
class DuplicateGroup:
    """Tags whose names differ only in ways a person would not notice or care about.

    Attributes:
        key: the shared :func:`name_key`.
        tags: the tags, suggested target first, then by name.
        target: the suggested tag to keep (merge the others into it).
    """

    key: str
    tags: tuple[Tag, ...]

    @property
    def target(self) -> Tag:
        return self.tags[0]

    @property
    def others(self) -> tuple[Tag, ...]:
        return self.tags[1:]

    @property
    def label(self) -> str:
        return " / ".join(f"“{t.name}”" for t in self.tags)


def _target_rank(tag: Tag) -> tuple[int, int, int, str, int]:
    """Lower is better: most members, tidy name, no retired prefix, then name and id."""
    members = tag.member_count if tag.member_count is not None else -1
    return (-members, int(is_untidy(tag.name)), int(tag.is_retired), tag.name.casefold(), tag.id)


def near_duplicates(tags: Iterable[Tag]) -> list[DuplicateGroup]:
    """Groups of two or more tags with the same :func:`name_key`, largest groups first."""
    by_key: dict[str, list[Tag]] = {}
    for tag in tags:
        key = name_key(tag.name)
        if key:
            by_key.setdefault(key, []).append(tag)
    groups = [DuplicateGroup(key, tuple(sorted(found, key=_target_rank)))
              for key, found in by_key.items() if len(found) > 1]
    return sorted(groups, key=lambda g: (-len(g.tags), g.target.name.casefold()))


def empty_tags(tags: Iterable[Tag]) -> list[Tag]:
    """Tags counted and found to have no contacts (uncounted tags are not reported)."""
    return sorted((t for t in tags if t.member_count == 0), key=_by_name)


def uncategorised(tags: Iterable[Tag], categories: Iterable[TagCategory]) -> list[Tag]:
    """Tags without a category, or whose category no longer exists."""
    known = {c.id for c in categories}
    return sorted((t for t in tags if t.category_id is None or t.category_id not in known), key=_by_name)


def undescribed(tags: Iterable[Tag]) -> list[Tag]:
    """Tags with a blank description: nobody will remember in a year what they were for."""
    return sorted((t for t in tags if not t.description.strip()), key=_by_name)


def untidy(tags: Iterable[Tag]) -> list[Tag]:
    return sorted((t for t in tags if is_untidy(t.name)), key=_by_name)


def _by_name(tag: Tag) -> tuple[str, int]:
    return (tag.name.strip().casefold(), tag.id)


@dataclass(frozen=True)
class TagHealth:
    """Everything the tag health view lists."""

    empty: tuple[Tag, ...]
    uncategorised: tuple[Tag, ...]
    undescribed: tuple[Tag, ...]
    untidy: tuple[Tag, ...]
    duplicates: tuple[DuplicateGroup, ...]
    counted: bool

    @property
    def issue_count(self) -> int:
        return (len(self.empty) + len(self.uncategorised) + len(self.undescribed) + len(self.untidy)
                + sum(len(g.others) for g in self.duplicates))


def tag_health(tags: Iterable[Tag], categories: Iterable[TagCategory]) -> TagHealth:
    """The full report; ``counted`` says whether empty tags could be judged at all."""
    tag_list = list(tags)
    return TagHealth(
        empty=tuple(empty_tags(tag_list)),
        uncategorised=tuple(uncategorised(tag_list, categories)),
        undescribed=tuple(undescribed(tag_list)),
        untidy=tuple(untidy(tag_list)),
        duplicates=tuple(near_duplicates(tag_list)),
        counted=bool(tag_list) and all(t.member_count is not None for t in tag_list),
    )
