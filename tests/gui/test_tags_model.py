"""The tag tree model and its filter/sort proxy, checked with qtmodeltester at every step."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from app.core.tags import MemberCounts, Tag, TagCategory
from app.ui.models.tags_model import (
    MEMBERS,
    NAME,
    NO_CATEGORY_LABEL,
    PENDING,
    TagsFilterProxy,
    TagsTreeModel,
)

CATS = [TagCategory(1, "Status", "Customer lifecycle"), TagCategory(2, "Events")]
TAGS = [Tag(10, "Customer", 1), Tag(11, "customer ", 1), Tag(12, "Prospect", 1),
        Tag(20, "Workshop: Café Lyon", 2), Tag(21, "Webinar", 2), Tag(30, "Misc", None),
        Tag(31, "Orphan", 99)]
ROOT = QModelIndex()


def names(model, parent=ROOT) -> list[str]:
    return [str(model.index(r, NAME, parent).data()) for r in range(model.rowCount(parent))]


def test_tree_counts_and_modeltester(qtmodeltester) -> None:
    model = TagsTreeModel()
    qtmodeltester.check(model)
    model.set_catalog(CATS, TAGS)
    qtmodeltester.check(model)
    assert names(model) == ["Status", "Events", NO_CATEGORY_LABEL]
    status = model.index(0, 0)
    assert names(model, status) == ["Customer", "\u201ccustomer \u201d", "Prospect"]
    assert names(model, model.index(2, 0)) == ["Misc", "Orphan"]  # unknown category -> No category
    assert model.index(0, MEMBERS, status).data() == PENDING
    assert model.index(0, 2, QModelIndex()).data() == "Customer lifecycle"

    model.set_counts(MemberCounts({10: 900, 20: 3}, 1000, complete=False))
    qtmodeltester.check(model)
    assert model.index(0, MEMBERS, status).data() == "900"
    assert model.index(1, MEMBERS, status).data() == PENDING  # unknown while counting
    assert not model.counts_complete
    model.set_counts(MemberCounts({10: 1200, 20: 3, 11: 4}, 1207, complete=True))
    qtmodeltester.check(model)
    assert model.index(0, MEMBERS, status).data() == "1,200"
    assert model.index(2, MEMBERS, status).data() == "0"  # complete: missing means empty
    assert model.counts_complete
    tag = model.tag_at(model.index_of_tag(20))
    assert tag is not None and tag.name == "Workshop: Café Lyon" and tag.member_count == 3
    assert model.group_at(model.index(2, 0)) == (True, None)
    assert {t.id: t.member_count for t in model.tags()}[12] == 0

    model.set_catalog(CATS, TAGS[:3])  # a reload keeps the counts
    qtmodeltester.check(model)
    assert model.index(0, MEMBERS, model.index(0, 0)).data() == "1,200"


def test_proxy_filters_and_sorts(qtmodeltester) -> None:
    model = TagsTreeModel()
    model.set_catalog(CATS, TAGS)
    model.set_counts(MemberCounts({10: 50, 11: 4, 12: 700, 20: 3, 21: 9, 30: 1}, 767, complete=True))
    proxy = TagsFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)

    proxy.sort(NAME, Qt.SortOrder.AscendingOrder)
    assert names(proxy) == ["Events", "Status", NO_CATEGORY_LABEL]
    assert names(proxy, proxy.index(1, 0)) == ["Customer", "\u201ccustomer \u201d", "Prospect"]
    proxy.sort(MEMBERS, Qt.SortOrder.DescendingOrder)
    assert names(proxy) == ["Events", "Status", NO_CATEGORY_LABEL]  # categories stay A-Z, No category last
    assert names(proxy, proxy.index(1, 0)) == ["Prospect", "Customer", "\u201ccustomer \u201d"]
    qtmodeltester.check(proxy)

    proxy.set_filter_text("cafe")  # accents and case do not matter
    assert names(proxy) == ["Events"]
    assert names(proxy, proxy.index(0, 0)) == ["Workshop: Café Lyon"]
    proxy.set_filter_text("status")  # a category name shows all its tags
    assert len(names(proxy, proxy.index(0, 0))) == 3
    proxy.set_filter_text("zzz")
    assert proxy.rowCount() == 0
    qtmodeltester.check(proxy)
    proxy.set_filter_text("")
    assert proxy.rowCount() == 3
    first = proxy.index(0, 0, proxy.index(0, 0))
    assert isinstance(model.tag_at(proxy.mapToSource(first)), Tag)


def test_a_snapshot_announces_only_the_counts_that_changed(qtmodeltester) -> None:
    """Announcing every row made the view and the sorting proxy look at every tag per snapshot."""
    model = TagsTreeModel()
    model.set_catalog(CATS, TAGS)
    announced: list[tuple[int, int, int]] = []

    def record(top_left, bottom_right, _roles) -> None:
        assert top_left.column() == bottom_right.column() == MEMBERS
        announced.append((top_left.parent().row(), top_left.row(), bottom_right.row()))

    model.dataChanged.connect(record)
    model.set_counts(MemberCounts({10: 5}, 5, complete=False))
    assert announced == [(0, 0, 0)]
    announced.clear()
    model.set_counts(MemberCounts({10: 5, 12: 1, 21: 2}, 8, complete=False))
    assert announced == [(0, 2, 2), (1, 1, 1)]  # Customer unchanged: not announced
    announced.clear()
    # complete: every tag not counted yet turns from "…" into 0 (runs of neighbours in one signal)
    model.set_counts(MemberCounts({10: 5, 12: 1, 21: 2}, 8, complete=True))
    assert announced == [(0, 1, 1), (1, 0, 0), (2, 0, 1)]
    assert model.largest_count_text() == "5"
    qtmodeltester.check(model)


def test_sorted_by_members_the_tree_follows_new_counts(qtmodeltester) -> None:
    """The model sorts (Qt's own sort on rank keys); a snapshot re-sorts only a Members sort."""
    model = TagsTreeModel()
    proxy = TagsFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(MEMBERS, Qt.SortOrder.DescendingOrder)  # before any tag: remembered
    model.set_catalog(CATS, TAGS)
    model.set_counts(MemberCounts({10: 5, 11: 4, 12: 3}, 12, complete=False))
    status = proxy.index(1, 0)
    assert names(proxy) == ["Events", "Status", NO_CATEGORY_LABEL]
    assert names(proxy, status) == ["Customer", "\u201ccustomer \u201d", "Prospect"]
    model.set_counts(MemberCounts({10: 5, 11: 4, 12: 30}, 39, complete=False))
    assert names(proxy, proxy.index(1, 0)) == ["Prospect", "Customer", "\u201ccustomer \u201d"]
    assert proxy.index(0, MEMBERS, proxy.index(1, 0)).data() == "30"
    qtmodeltester.check(proxy)

    proxy.sort(NAME, Qt.SortOrder.AscendingOrder)
    model.set_counts(MemberCounts({10: 5, 11: 400, 12: 30}, 435, complete=True))
    assert names(proxy, proxy.index(1, 0)) == ["Customer", "\u201ccustomer \u201d", "Prospect"]
    model.set_catalog(CATS, [*TAGS, Tag(13, "Alumni", 1)])  # a reload keeps the sort
    assert names(proxy, proxy.index(1, 0))[0] == "Alumni"
    tag = model.tag_at(proxy.mapToSource(proxy.index(0, 0, proxy.index(1, 0))))
    assert tag is not None and tag.id == 13 and tag.member_count == 0
