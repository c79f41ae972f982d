"""The tags pane against a demo sandbox: tree and counts, filter, selection, edits, delete/retire."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from tag_testkit import calls, demo_tags, protocol, store_counts, tag_id

from app.core.tags import ARCHIVE_CATEGORY, MemberCounts
from app.ui.errors import ErrorPresenter
from app.ui.models.tags_model import MEMBERS, NAME, NO_CATEGORY_LABEL
from app.ui.panes.tags_pane import COUNTS_SHOWN_EVERY_MS, TagsPane
from tests.gui.change_support import follow_changes

__all__ = ["demo_tags", "protocol"]


@pytest.fixture
def pane(qtbot, runner, demo_tags):
    sb, _client, service = demo_tags
    presenter = ErrorPresenter(interactive=False)
    shown: list[tuple[str, str]] = []
    presenter.presented.connect(lambda m, d: shown.append((m, d)))
    widget = TagsPane(runner, presenter, service)
    qtbot.addWidget(widget)
    follow_changes(widget, service)
    widget.resize(700, 600)
    widget.show()
    with qtbot.waitSignal(widget.catalog_loaded, timeout=10_000):
        widget.refresh()
    qtbot.waitUntil(lambda: widget.model.counts_complete, timeout=10_000)
    widget.sb = sb
    yield widget
    assert shown == []


def test_tree_and_counts_match_the_store(pane, qtbot) -> None:
    sb, model = pane.sb, pane.model
    categories = {r["Id"]: r["CategoryName"] for r in sb.store.rows("ContactGroupCategory")}
    tops = [model.index(r, NAME).data() for r in range(model.rowCount())]
    # sorted by name, as the tree shows them (the model sorts; the proxy only filters)
    assert tops[:-1] == sorted(categories.values(), key=str.casefold) and tops[-1] == NO_CATEGORY_LABEL
    counts = store_counts(sb)
    seen = 0
    for row in range(model.rowCount()):
        parent = model.index(row, 0)
        for tag_row in range(model.rowCount(parent)):
            tag = model.tag_at(model.index(tag_row, 0, parent))
            stored = sb.store.row("ContactGroup", tag.id)
            assert (stored["GroupCategoryId"] or None) == (tag.category_id if row < len(categories) else
                                                           (stored["GroupCategoryId"] or None))
            assert model.index(tag_row, MEMBERS, parent).data() == f"{counts.get(tag.id, 0):,}"
            seen += 1
    assert seen == 60
    assert "60 tags in 8 categories" in pane.status.text()


def test_a_burst_of_snapshots_shows_the_first_and_the_newest(pane, qtbot) -> None:
    """A counting pass over millions of assignments sends hundreds of snapshots, often in
    bursts; the pane shows a few a second (the newest), and the complete one at once."""
    tags = [t.id for t in pane.model.tags()]
    shown: list[bool] = []
    pane.counts_updated.connect(shown.append)
    qtbot.waitUntil(lambda: not pane._counts_timer.isActive())  # the fixture's pass is long shown
    pane._generation += 1  # a new pass, as _count() starts one
    generation = pane._generation
    for n in range(1, 40):  # a burst: all queued before the event loop runs
        pane._counts_ready.emit(generation, MemberCounts({t: n for t in tags[:n]}, n * n, False))
    assert shown == [False] and pane.model.count_of(tags[0]) == 1  # the first, at once
    assert pane.model.count_of(tags[5]) is None  # the rest wait
    with qtbot.waitSignal(pane.counts_updated, timeout=COUNTS_SHOWN_EVERY_MS * 10):
        pass
    assert shown == [False, False]
    assert pane.model.count_of(tags[38]) == 39  # the newest, the ones between never shown
    pane._counts_ready.emit(generation - 1, MemberCounts({}, 0, True))  # an older pass: ignored
    pane._counts_ready.emit(generation, MemberCounts({t: 7 for t in tags}, 7, False))
    pane._counts_ready.emit(generation, MemberCounts({t: 9 for t in tags}, 9, True))
    assert shown == [False, False, True]  # the timer was running: complete shown at once anyway
    assert pane.model.counts_complete and pane.model.count_of(tags[0]) == 9
    qtbot.wait(COUNTS_SHOWN_EVERY_MS * 2)  # the timer runs out with nothing left to show
    assert shown == [False, False, True]
    # the Members column fits the largest count without measuring every row
    assert pane.tree.header().sectionSize(MEMBERS) >= pane.tree.fontMetrics().horizontalAdvance("9") + 4


def test_filter_selection_and_mode(pane, qtbot) -> None:
    qtbot.keyClicks(pane.filter_edit, "custom")
    proxy = pane.proxy
    shown = [proxy.index(r, 0, proxy.index(c, 0)).data()
             for c in range(proxy.rowCount()) for r in range(proxy.rowCount(proxy.index(c, 0)))]
    assert {"Customer", "Customers", "\u201ccustomer \u201d", "Former Customer"} <= set(shown)
    elsewhere = [pane.proxy.index(r, 0, pane.proxy.index(c, 0)).data() for c in range(pane.proxy.rowCount())
                 if pane.proxy.index(c, 0).data() != "Customer Status"  # a matching category shows all
                 for r in range(pane.proxy.rowCount(pane.proxy.index(c, 0)))]
    assert all("custom" in s.casefold() for s in elsewhere) and "LS: Website" not in shown

    customer, vip = tag_id(pane.sb, "Customer"), tag_id(pane.sb, "VIP")
    with qtbot.waitSignal(pane.tag_filter_changed) as blocker:
        pane.select_tags([customer])
    assert blocker.args == [((customer,), "any")]
    pane.filter_edit.clear()
    with qtbot.waitSignal(pane.tag_filter_changed) as blocker:
        pane.select_tags([customer, vip])
    assert blocker.args == [(tuple(sorted((customer, vip))), "any")]
    with qtbot.waitSignal(pane.tag_filter_changed) as blocker:
        pane.set_mode("none")
    assert blocker.args == [(tuple(sorted((customer, vip))), "none")]
    with qtbot.waitSignal(pane.tag_filter_changed) as blocker:
        pane.tree.clearSelection()
    assert blocker.args == [((), "none")]

    pane.tree.sortByColumn(MEMBERS, Qt.SortOrder.DescendingOrder)
    status = next(pane.proxy.index(r, 0) for r in range(pane.proxy.rowCount())
                  if pane.proxy.index(r, 0).data() == "Customer Status")
    firsts = [pane.proxy.index(r, MEMBERS, status).data() for r in range(pane.proxy.rowCount(status))]
    values = [int(v.replace(",", "")) for v in firsts]
    assert values == sorted(values, reverse=True)


def test_create_rename_move_through_the_dialogs(pane, qtbot) -> None:
    sb = pane.sb
    dialog = pane.edits.new_tag_dialog()
    dialog.name_edit.setText("Customer")  # taken: refused
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    dialog.name_edit.setText("Webinar: Łódź 2026 ")
    assert "Lódz" in dialog.preview.text()
    dialog.category_box.setCurrentIndex(dialog.category_box.findText("Events"))
    dialog.description_edit.setPlainText("Registered for the Łódź webinar")
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        dialog.accept()
    rows = [r for r in sb.store.rows("ContactGroup") if r["GroupName"] == "Webinar: Lódz 2026"]
    assert len(rows) == 1
    assert [t.name for t in pane.selected_tags()] == ["Webinar: Lódz 2026"]  # the new tag is selected
    new_id = rows[0]["Id"]

    dialog = pane.edits.rename_dialog()
    dialog.name_edit.setText("Webinar 2026: Lodz")
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        dialog.accept()
    assert sb.store.row("ContactGroup", new_id)["GroupName"] == "Webinar 2026: Lodz"

    dialog = pane.edits.move_dialog()
    dialog.category_box.setCurrentIndex(dialog.category_box.findData(0))  # No category
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        dialog.accept()
    assert sb.store.row("ContactGroup", new_id)["GroupCategoryId"] == 0
    assert pane.model.tag_at(pane.model.index_of_tag(new_id)).category_id is None

    dialog = pane.edits.new_category_dialog()
    dialog.name_edit.setText("Partners")
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        dialog.accept()
    assert "Partners" in [c.name for c in pane.model.categories()]


def test_delete_explains_without_a_call_then_retires(pane, qtbot) -> None:
    sb = pane.sb
    old = tag_id(sb, "Old Tag - do not use")
    pane.select_tags([old])
    before = calls(sb)
    box = pane.edits.request_delete()
    assert "no way to delete a tag" in box.text()
    assert "zz-retired Old Tag - do not use" in box.informativeText()
    assert calls(sb) == before  # explaining sends nothing
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        pane.edits.retire_button.click()
    row = sb.store.row("ContactGroup", old)
    archive = [r for r in sb.store.rows("ContactGroupCategory") if r["CategoryName"] == ARCHIVE_CATEGORY]
    assert row["GroupName"] == "zz-retired Old Tag - do not use"
    assert row["GroupCategoryId"] == archive[0]["Id"]

    pane.tree.clearSelection()
    first_category = pane.proxy.index(0, 0)
    pane.tree.selectionModel().select(first_category, pane.tree.selectionModel().SelectionFlag.ClearAndSelect
                                      | pane.tree.selectionModel().SelectionFlag.Rows)
    before = calls(sb)
    box = pane.edits.request_delete()
    assert "no way to delete a tag category" in box.text()
    assert calls(sb) == before
    box.reject()


@pytest.mark.parametrize("protocol", ["rest"])
def test_over_rest_delete_asks_with_the_member_count_then_deletes(pane, qtbot, protocol) -> None:
    sb = pane.sb
    customer = tag_id(sb, "Customer")
    members = store_counts(sb)[customer]
    pane.select_tags([customer])
    before = calls(sb)
    box = pane.edits.request_delete()
    assert isinstance(box, QMessageBox)
    assert f"{members:,} contacts have it and will lose it" in box.text() and "no undo" in box.text()
    assert calls(sb) == before  # asking sends nothing (the count was already on screen)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert sb.store.row("ContactGroup", customer) is not None
    box = pane.edits.request_delete()
    with qtbot.waitSignal(pane.catalog_loaded, timeout=10_000):
        pane.edits.delete_button.click()
    assert sb.store.row("ContactGroup", customer) is None
    assert sb.store.rows("ContactGroupAssign", {"GroupId": customer}) == []
    assert "Customer" not in [t.name for t in pane.model.tags()]
    # a category in use is explained, an empty one is deleted after asking
    pane.tree.clearSelection()
    first_category = pane.proxy.index(0, 0)
    selection = pane.tree.selectionModel()
    selection.select(first_category, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)
    box = pane.edits.request_delete()
    assert "Move or delete them first" in box.text()
    box.accept()
