"""The tag tree: categories, each with its tags, plus "No category"; counts fill in later.

The rows live in C++ (a :class:`QStandardItemModel`): a paint, the tree's layout, the filter
and a re-sort then make no call into Python, so they do not have to win the GIL from the
worker threads decoding replies at a session's start (a Python model answered one
``index()``/``data()`` call per item there, the longest stall of the large-account bench).
Python writes the items: once per tag list, per count that changed, and a sort key per tag
when a sort asks for it.

Sorting happens in this model, not the proxy (:meth:`TagsTreeModel.sort_tags`): each tag's
sort key is its rank in the wanted order (ties by name), each category's a rank that keeps
categories A-Z with "No category" last whatever the direction, so Qt's own sort needs no
Python comparison. :class:`TagsFilterProxy` only filters (case- and accent-insensitive, on a
folded copy of each name).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from unidecode import unidecode

from app.core.tag_health import is_untidy
from app.core.tags import MemberCounts, Tag, TagCategory
from app.ui.models.roles import Role

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: A tag's (or category's) name folded for filtering (:func:`fold`).
FOLD_ROLE = Qt.ItemDataRole.UserRole + 24

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
        self.item: QStandardItem | None = None  # its Name item, once built (rows move when sorted)

    @property
    def name(self) -> str:
        return self.category.name if self.category is not None else NO_CATEGORY_LABEL


def _item(*, right_aligned: bool = False) -> QStandardItem:
    """A read-only item. Made here, not cloned from a prototype: a clone is made by C++, and
    Shiboken does not hear when the model deletes it, so a later object at the same address
    met a stale wrapper (a crash in a worker thread)."""
    item = QStandardItem()
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)  # not editable
    if right_aligned:
        item.setData(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                     Qt.ItemDataRole.TextAlignmentRole)
    return item


class TagsTreeModel(QStandardItemModel):
    """Categories -> tags, with member counts that fill in progressively."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(list(HEADERS))
        self.setHeaderData(MEMBERS, Qt.Orientation.Horizontal,
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                           Qt.ItemDataRole.TextAlignmentRole)
        self.setSortRole(Role.SortKeyRole)
        self._groups: list[_Group] = []
        #: Python objects stay here, not in the items: the items hold ids, texts and numbers
        self._tags: dict[int, Tag] = {}
        self._categories: dict[int, TagCategory] = {}
        self._counts: MemberCounts | None = None
        #: tag id -> its row's (Name, Members, Description) items
        self._items: dict[int, tuple[QStandardItem, QStandardItem, QStandardItem]] = {}
        self._sorted: tuple[int, Qt.SortOrder] | None = None

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
        self._groups, self._items = groups, {}
        self._tags = {t.id: t for g in groups for t in g.tags}
        self._categories = {g.category.id: g.category for g in groups if g.category is not None}
        rows = [self._category_row(group) for group in groups]  # built outside the model: no signals
        self.removeRows(0, self.rowCount())
        for row in rows:
            self.appendRow(row)
        if self._sorted is not None:
            self.sort_tags(*self._sorted)

    def set_counts(self, counts: MemberCounts | None) -> None:
        """New counts (a snapshot of the counting pass): only the Members cells whose count
        changed are announced, a run of neighbours at a time, and the tree is sorted again
        only when it is sorted by Members."""
        before = self._counts
        self._counts = counts
        changed = [t for g in self._groups for t in g.tags if _count(before, t.id) != _count(counts, t.id)]
        if not changed:
            return
        blocked = self.blockSignals(True)  # announced below, a run of neighbours at a time
        try:
            for tag in changed:
                self._show_count(tag)
        finally:
            self.blockSignals(blocked)
        rows: dict[int, list[int]] = {}  # category row -> rows of changed tags, as the tree is now
        for tag in changed:
            item = self._items[tag.id][1]
            parent_item = item.parent()
            assert parent_item is not None
            rows.setdefault(parent_item.row(), []).append(item.row())
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole]
        for category_row in sorted(rows):
            parent = self.index(category_row, 0)
            for first, last in _runs(sorted(rows[category_row])):
                self.dataChanged.emit(self.index(first, MEMBERS, parent), self.index(last, MEMBERS, parent),
                                      roles)
        if self._sorted is not None and self._sorted[0] == MEMBERS:
            self.sort_tags(*self._sorted)

    def sort_tags(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Tags by ``column`` (ties by name) within categories that stay A-Z, "No category" last."""
        self._sorted = (column, order)
        if not 0 <= column < len(HEADERS) or not self._groups:
            return
        ranked = sorted((t for g in self._groups for t in g.tags), key=lambda t: t.name.strip().casefold())
        names = {t.id: i for i, t in enumerate(ranked)}
        if column == MEMBERS:
            ranked.sort(key=lambda t: (-1 if (n := self.count_of(t.id)) is None else n, names[t.id]))
        elif column == DESCRIPTION:
            ranked.sort(key=lambda t: (t.description.casefold(), names[t.id]))
        descending = order == Qt.SortOrder.DescendingOrder
        by_name = sorted(self._groups, key=lambda g: (g.category is None, g.name.casefold()))
        blocked = self.blockSignals(True)  # keys only: the sort below announces the new order
        try:
            for rank, group in enumerate(by_name):
                assert group.item is not None
                self.item(group.item.row(), column).setData(-rank if descending else rank, Role.SortKeyRole)
            for rank, tag in enumerate(ranked):
                self._items[tag.id][column].setData(rank, Role.SortKeyRole)
        finally:
            self.blockSignals(blocked)
        self.sort(column, order)

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
        if not index.isValid() or not index.parent().isValid():
            return None
        tag = self._tags.get(index.sibling(index.row(), NAME).data(Role.IdRole))
        return tag.with_count(self.count_of(tag.id)) if tag is not None else None

    def group_at(self, index: Index) -> tuple[bool, TagCategory | None]:
        """(is a category row, its category or None for "No category")."""
        if not index.isValid() or index.parent().isValid():
            return False, None
        return True, self._categories.get(index.sibling(index.row(), NAME).data(Role.IdRole))

    def index_of_tag(self, tag_id: int) -> QModelIndex:
        items = self._items.get(tag_id)
        return items[0].index() if items is not None else QModelIndex()

    # -- building rows -----------------------------------------------------------------------------

    def _category_row(self, group: _Group) -> list[QStandardItem]:
        name, members, description = _item(), _item(), _item()
        name.setText(group.name)
        font = QFont()
        font.setBold(group.category is not None)
        font.setItalic(group.category is None)
        name.setFont(font)
        name.setData(group.category.id if group.category is not None else None, Role.IdRole)
        name.setData(fold(group.name), FOLD_ROLE)
        if group.category is not None and group.category.description:
            description.setText(group.category.description)
        noun = "tag" if len(group.tags) == 1 else "tags"
        for item in (name, members, description):
            item.setToolTip(f"{group.name}: {len(group.tags)} {noun}")
        for tag in group.tags:
            name.appendRow(self._tag_row(tag))
        group.item = name
        return [name, members, description]

    def _tag_row(self, tag: Tag) -> list[QStandardItem]:
        name, members, description = _item(), _item(right_aligned=True), _item()
        name.setText(shown_name(tag.name))
        name.setData(tag.id, Role.IdRole)
        name.setData(fold(tag.name), FOLD_ROLE)
        description.setText(tag.description)
        if tag.is_retired:
            name.setForeground(_DIM)
            description.setForeground(_DIM)
        self._items[tag.id] = (name, members, description)
        self._show_count(tag)
        return [name, members, description]

    def _show_count(self, tag: Tag) -> None:
        name, members, description = self._items[tag.id]
        count = self.count_of(tag.id)
        members.setText(PENDING if count is None else f"{count:,}")
        members.setData(_DIM if tag.is_retired or count == 0 else None, Qt.ItemDataRole.ForegroundRole)
        tooltip = _tag_tooltip(tag, count)
        for item in (name, members, description):
            item.setToolTip(tooltip)


def _count(counts: MemberCounts | None, tag_id: int) -> int | None:
    return None if counts is None else counts.count_of(tag_id)


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in sorted ``rows``."""
    first = previous = rows[0]
    for row in rows[1:]:
        if row != previous + 1:
            yield first, previous
            first = row
        previous = row
    yield first, previous


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
    """Filter-as-you-type on tag (and category) names, in Qt's own filter: a category whose
    name matches shows all its tags. Sorting is the source's (:meth:`TagsTreeModel.sort_tags`):
    a sort asked of the proxy (the tree's header) is passed on, so the proxy keeps its source's
    order and compares nothing itself."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterKeyColumn(NAME)
        self.setFilterRole(FOLD_ROLE)

    def set_filter_text(self, text: str) -> None:
        self._needle = fold(" ".join(text.split()))
        self.setFilterFixedString(self._needle)

    @property
    def filter_text(self) -> str:
        return self._needle

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # override
        source = self.sourceModel()
        if isinstance(source, TagsTreeModel):
            source.sort_tags(column, order)
