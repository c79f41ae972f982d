"""The tag tree: categories, each with its tags, plus "No category"; counts fill in later.

The list of tags is small (tens to a few thousand) and read whole, so a
:class:`QSortFilterProxyModel` does filter-as-you-type and sorting by name or by
member count (style practice 5 allows a proxy for small, fully loaded lists). Member
counts come from one slow pass over the assignments and arrive page by page: until a
tag's count is known its cell shows "…", and the pane is usable meanwhile.

Index layout: a category row has internal id 0 (its parent is the root); a tag row
has internal id ``category row + 1``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont
from unidecode import unidecode

from app.core.tag_health import is_untidy
from app.core.tags import MemberCounts, Tag, TagCategory
from app.ui.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: The :class:`Tag` of a tag row (None on a category row).
TAG_ROLE = Qt.ItemDataRole.UserRole + 20
#: "category" or "tag".
KIND_ROLE = Qt.ItemDataRole.UserRole + 21
#: The member count (None while unknown) of a tag row.
COUNT_ROLE = Qt.ItemDataRole.UserRole + 22
#: The :class:`TagCategory` of a category row (None for "No category").
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 23

NAME, MEMBERS, DESCRIPTION = range(3)
HEADERS = ("Name", "Members", "Description")
NO_CATEGORY_LABEL = "No category"
PENDING = "…"
_DIM = QBrush(QColor(128, 128, 128))


def fold(text: str) -> str:
    """Case- and accent-insensitive form for filtering ("cafe" finds "Café")."""
    return unidecode(unicodedata.normalize("NFKC", text)).casefold()


def shown_name(name: str) -> str:
    """A name with stray spaces is quoted, so ``customer `` is visibly not ``customer``."""
    return f"\u201c{name}\u201d" if is_untidy(name) else name


class _Group:
    def __init__(self, category: TagCategory | None, tags: list[Tag]) -> None:
        self.category = category
        self.tags = tags

    @property
    def name(self) -> str:
        return self.category.name if self.category is not None else NO_CATEGORY_LABEL


class TagsTreeModel(QAbstractItemModel):
    """Categories -> tags, with member counts that fill in progressively."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[_Group] = []
        self._counts: MemberCounts | None = None

    # -- feeding -----------------------------------------------------------------------------

    def set_catalog(self, categories: list[TagCategory] | tuple[TagCategory, ...],
                    tags: list[Tag] | tuple[Tag, ...]) -> None:
        """Replace the tree; counts already known are kept (a rename does not change them)."""
        known = {c.id for c in categories}
        by_category: dict[int | None, list[Tag]] = {}
        for tag in tags:
            key = tag.category_id if tag.category_id in known else None
            by_category.setdefault(key, []).append(tag)
        groups = [_Group(c, by_category.get(c.id, [])) for c in categories]
        if by_category.get(None):
            groups.append(_Group(None, by_category[None]))
        self.beginResetModel()
        self._groups = groups
        self.endResetModel()

    def set_counts(self, counts: MemberCounts | None) -> None:
        """New counts (a snapshot of the counting pass): only the Members cells whose count
        changed are announced, a run of neighbours at a time. Announcing every row made the
        view and the sorting proxy look at every tag on each snapshot."""
        before = self._counts
        self._counts = counts
        roles = [Qt.ItemDataRole.DisplayRole, Role.SortKeyRole, COUNT_ROLE]
        for row, group in enumerate(self._groups):
            parent: QModelIndex | None = None
            for first, last in _changed_runs(group.tags, before, counts):
                parent = parent or self.index(row, 0)
                self.dataChanged.emit(self.index(first, MEMBERS, parent), self.index(last, MEMBERS, parent),
                                      roles)

    def largest_count_text(self) -> str:
        """The Members text of the largest count (the column's width without measuring every row)."""
        shown = self._counts.counts.values() if self._counts is not None else ()
        return f"{max(shown, default=0):,}"

    @property
    def counts(self) -> MemberCounts | None:
        """The counts shown (None before the first snapshot)."""
        return self._counts

    @property
    def counts_complete(self) -> bool:
        return self._counts is not None and self._counts.complete

    def count_of(self, tag_id: int) -> int | None:
        return _count(self._counts, tag_id)

    # -- lookups -------------------------------------------------------------------------------

    def tags(self) -> list[Tag]:
        """Every tag, with its member count when known."""
        return [t.with_count(self.count_of(t.id)) for g in self._groups for t in g.tags]

    def categories(self) -> list[TagCategory]:
        return [g.category for g in self._groups if g.category is not None]

    def tag_at(self, index: Index) -> Tag | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        group = self._groups[index.internalId() - 1]
        tag = group.tags[index.row()]
        return tag.with_count(self.count_of(tag.id))

    def group_at(self, index: Index) -> tuple[bool, TagCategory | None]:
        """(is a category row, its category or None for "No category")."""
        if not index.isValid() or index.internalId() != 0:
            return False, None
        return True, self._groups[index.row()].category

    def index_of_tag(self, tag_id: int) -> QModelIndex:
        for row, group in enumerate(self._groups):
            for tag_row, tag in enumerate(group.tags):
                if tag.id == tag_id:
                    return self.index(tag_row, 0, self.index(row, 0))
        return QModelIndex()

    # -- QAbstractItemModel ------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:  # override
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() != 0:
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index = _ROOT) -> QModelIndex:  # type: ignore[override]  # override
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = _ROOT) -> int:  # override
        if not parent.isValid():
            return len(self._groups)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._groups[parent.row()].tags)

    def columnCount(self, parent: Index = _ROOT) -> int:  # override
        return len(HEADERS)

    def hasChildren(self, parent: Index = _ROOT) -> bool:  # override
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:  # override
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # override
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == MEMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # override
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._category_data(self._groups[index.row()], index.column(), role)
        group = self._groups[index.internalId() - 1]
        return self._tag_data(group.tags[index.row()], index.column(), role)

    def _category_data(self, group: _Group, column: int, role: int) -> Any:
        if role == KIND_ROLE:
            return "category"
        if role == CATEGORY_ROLE:
            return group.category
        if role == Role.IdRole:
            return group.category.id if group.category is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return group.name
            if column == DESCRIPTION and group.category is not None:
                return group.category.description
            return None
        if role == Role.SortKeyRole:
            return group.name.casefold()
        if role == Qt.ItemDataRole.FontRole and column == NAME:
            font = QFont()
            font.setBold(group.category is not None)
            font.setItalic(group.category is None)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            noun = "tag" if len(group.tags) == 1 else "tags"
            return f"{group.name}: {len(group.tags)} {noun}"
        return None

    def _tag_data(self, tag: Tag, column: int, role: int) -> Any:
        count = self.count_of(tag.id)
        if role == KIND_ROLE:
            return "tag"
        if role == TAG_ROLE:
            return tag.with_count(count)
        if role == Role.IdRole:
            return tag.id
        if role == COUNT_ROLE:
            return count
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return shown_name(tag.name)
            if column == MEMBERS:
                return PENDING if count is None else f"{count:,}"
            return tag.description
        if role == Role.SortKeyRole:
            if column == MEMBERS:
                return -1 if count is None else count
            return (tag.description if column == DESCRIPTION else tag.name.strip()).casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == MEMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and (tag.is_retired or (column == MEMBERS and count == 0)):
            return _DIM
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tag_tooltip(tag, count)
        return None


def _count(counts: MemberCounts | None, tag_id: int) -> int | None:
    return None if counts is None else counts.count_of(tag_id)


def _changed_runs(tags: list[Tag], before: MemberCounts | None,
                  after: MemberCounts | None) -> Iterator[tuple[int, int]]:
    """(first, last) rows of each run of tags whose count differs between two snapshots."""
    first = -1
    for row, tag in enumerate(tags):
        changed = _count(before, tag.id) != _count(after, tag.id)
        if changed and first < 0:
            first = row
        elif not changed and first >= 0:
            yield first, row - 1
            first = -1
    if first >= 0:
        yield first, len(tags) - 1


def _tag_tooltip(tag: Tag, count: int | None) -> str:
    lines = [f"{tag.name.strip()} (Id {tag.id})"]
    if count is not None:
        lines.append("No contacts" if count == 0 else f"{count:,} contact{'s' if count != 1 else ''}")
    if is_untidy(tag.name):
        lines.append("The name has extra spaces; Keap shows it like another tag.")
    if tag.is_retired:
        lines.append("Retired by TagDesk.")
    if tag.description:
        lines.append(tag.description)
    return "\n".join(lines)


class TagsFilterProxy(QSortFilterProxyModel):
    """Filter-as-you-type on tag (and category) names; sort by name or member count.

    Categories stay in name order whatever the sort, with "No category" last; a
    category whose name matches shows all its tags.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setSortRole(Role.SortKeyRole)
        self.setDynamicSortFilter(True)

    def set_filter_text(self, text: str) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt < 6.9
            self._needle = fold(" ".join(text.split()))
            self.invalidateFilter()
            return
        self.beginFilterChange()  # invalidateFilter() is deprecated since Qt 6.9
        self._needle = fold(" ".join(text.split()))
        self.endFilterChange()

    @property
    def filter_text(self) -> str:
        return self._needle

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # override
        if not self._needle:
            return True
        model = self.sourceModel()
        index = model.index(source_row, NAME, source_parent)
        tag = model.data(index, TAG_ROLE)
        name = tag.name if isinstance(tag, Tag) else str(model.data(index) or "")
        return self._needle in fold(name)

    def lessThan(self, left: Index, right: Index) -> bool:  # override
        model = self.sourceModel()
        if model.data(left, KIND_ROLE) == "category":
            descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
            left_none = model.data(left, CATEGORY_ROLE) is None
            right_none = model.data(right, CATEGORY_ROLE) is None
            if left_none != right_none:  # "No category" last, whatever the order
                return right_none != descending
            a_name = _name_key(left)
            b_name = _name_key(right)
            # categories always A-Z: a descending sort compares with the arguments swapped
            return b_name < a_name if descending else a_name < b_name
        a = model.data(left, Role.SortKeyRole)
        b = model.data(right, Role.SortKeyRole)
        if a == b:
            return _name_key(left) < _name_key(right)
        return bool(a < b)


def _name_key(index: Index) -> str:
    return str(index.sibling(index.row(), NAME).data(Role.SortKeyRole))
